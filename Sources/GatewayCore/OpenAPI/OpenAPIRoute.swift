import Foundation
import Hummingbird

/// `GET /openapi.json`: the OpenAPI 3.1 document of the public API (`openapi.json` next to this
/// file, a resource of this module), served byte for byte. CI validates the file with
/// `openapi-spec-validator`; the integration tests check real answers against its schemas.
struct OpenAPIRoute {
    let document: Data

    /// Reads the document once, at start.
    static func load() throws -> OpenAPIRoute {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw OpenAPIDocumentMissing()
        }
        return OpenAPIRoute(document: try Data(contentsOf: url))
    }

    func register(on router: Router<GatewayRequestContext>) {
        router.get("openapi.json") { _, _ in
            AIRoutes.json(self.document)
        }
    }
}

struct OpenAPIDocumentMissing: Error, CustomStringConvertible {
    var description: String { "the gateway's openapi.json resource is missing from its bundle" }
}
