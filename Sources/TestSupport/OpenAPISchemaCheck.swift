import Foundation
import JSONText

/// Holds JSON bodies to the schemas of an OpenAPI 3.1 document, so tests can check real
/// requests and answers against the document the gateway serves: finds an operation's schemas
/// and checks with ``JSONSchemaValidator`` (which lists the keywords it covers), `$ref`s
/// resolved against the document.
public struct OpenAPISchemaCheck: Sendable {
    public let document: JSONValue
    private let validator: JSONSchemaValidator

    public init(documentData: Data) throws {
        self.document = try JSONValue(parsing: documentData)
        self.validator = JSONSchemaValidator(document: document)
    }

    /// The schema of an operation's answer: `paths[path][method].responses[status].content[mediaType].schema`,
    /// with a response `$ref` followed.
    public func responseSchema(path: String, method: String = "post", status: String = "200", mediaType: String = "application/json") -> JSONValue? {
        guard var response = document["paths"]?[path]?[method]?["responses"]?[status] else { return nil }
        if let reference = response["$ref"]?.stringValue, let resolved = validator.resolve(reference) { response = resolved }
        return response["content"]?[mediaType]?["schema"]
    }

    /// The schema of an operation's JSON request body.
    public func requestSchema(path: String, method: String = "post") -> JSONValue? {
        document["paths"]?[path]?[method]?["requestBody"]?["content"]?["application/json"]?["schema"]
    }

    /// A schema of `components.schemas`.
    public func schema(named name: String) -> JSONValue? {
        validator.resolve("#/components/schemas/\(name)")
    }

    /// Every way the JSON `body` breaks `schema`, each with its path; empty when it conforms.
    public func violations(of body: Data, against schema: JSONValue) -> [String] {
        guard let value = try? JSONValue(parsing: body) else { return ["$: not JSON"] }
        return validator.violations(of: value, against: schema)
    }
}
