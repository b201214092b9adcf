import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /docs`: the interactive API reference, Swagger UI rendering `/openapi.json`, with
/// "Authorize" for a pasted token and "Try it out" for each call (streams included). No token
/// needed.
///
/// Every file comes from this gateway, read once at start from this module's resources (no
/// CDN: the page works offline), and the page runs under a strict Content-Security-Policy: no
/// inline script or style, nothing from another origin. Its files are at
/// `/docs/assets/{version}/{name}`, where `version` is a hash of all of them, so a changed
/// file is a new URL and each can be cached for a year; any other name or version is 404.
///
/// The files: `index.html`, `docs.js` (starts Swagger UI) and `docs.css` next to this file, and
/// Swagger UI itself in `swagger-ui/`, vendored by `scripts/vendor-swagger-ui.sh`.
struct DocsRoutes: Sendable {
    /// One file under `/docs/assets/{version}/`.
    struct Asset: Sendable {
        var body: ByteBuffer
        var contentType: String
    }

    /// The page, its asset paths filled in.
    let page: ByteBuffer
    /// The assets by name.
    let assets: [String: Asset]
    /// The asset path segment and the page's ETag: the first 16 hex digits of a SHA-256 of
    /// every asset and the page.
    let version: String

    /// The paths served, each a `GET`.
    static let paths = ["docs", "docs/assets/{version}/{name}"]

    /// The page's policy: scripts, styles, fonts and calls from this origin only, images also
    /// as `data:` URLs (Swagger UI's stylesheet draws its icons with them); no plugins, no
    /// `<base>`, no form posts, no framing.
    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
        "font-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    /// Versioned assets never change: a year, `immutable`.
    static let assetCacheControl = "public, max-age=31536000, immutable"

    /// Each asset: its name under `/docs/assets/{version}/`, where it is among the resources,
    /// and its `Content-Type`.
    static let assetFiles: [(name: String, resource: String, contentType: String)] = [
        ("swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
        ("swagger-ui.css", "swagger-ui/swagger-ui.css", "text/css; charset=utf-8"),
        ("favicon-32x32.png", "swagger-ui/favicon-32x32.png", "image/png"),
        ("LICENSE", "swagger-ui/LICENSE", "text/plain; charset=utf-8"),
        ("docs.js", "docs.js", "text/javascript; charset=utf-8"),
        ("docs.css", "docs.css", "text/css; charset=utf-8"),
    ]

    /// Reads the page and its assets once, at start; a missing file stops the gateway.
    static func load() throws -> DocsRoutes {
        var assets: [String: Asset] = [:]
        var hash = SHA256()
        for file in Self.assetFiles {
            let data = try Self.resource(file.resource)
            hash.update(data: Data(file.name.utf8) + [0])
            hash.update(data: data)
            assets[file.name] = Asset(body: ByteBuffer(bytes: data), contentType: file.contentType)
        }
        let template = try Self.resource("index.html")
        hash.update(data: template)
        let version = hash.finalize().prefix(8).map { String(format: "%02x", $0) }.joined()
        let swaggerUIVersion = String(decoding: try Self.resource("swagger-ui/VERSION"), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let page = String(decoding: template, as: UTF8.self)
            .replacingOccurrences(of: "{{assets}}", with: "/docs/assets/\(version)")
            .replacingOccurrences(of: "{{swaggerUIVersion}}", with: swaggerUIVersion)
        return DocsRoutes(page: ByteBuffer(string: page), assets: assets, version: version)
    }

    private static func resource(_ path: String) throws -> Data {
        guard let directory = Bundle.module.resourceURL else { throw DocsResourceMissing(path: path) }
        let url = directory.appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw DocsResourceMissing(path: path) }
        return data
    }

    func register(on router: Router<GatewayRequestContext>) {
        let pageTag = "\"\(self.version)\""
        router.get("docs") { request, _ in
            var headers: HTTPFields = [
                .contentType: "text/html; charset=utf-8",
                // Revalidated each time (the ETag), so a new deployment's assets are found at once.
                .cacheControl: "no-cache",
                .eTag: pageTag,
                .contentSecurityPolicy: Self.contentSecurityPolicy,
            ]
            headers.append(contentsOf: Self.hardening)
            if request.headers[values: .ifNoneMatch].contains(where: { $0.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == pageTag } }) {
                return Response(status: .notModified, headers: headers)
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: self.page))
        }
        router.get("docs/assets/:version/:name") { _, context in
            guard context.parameters.get("version") == self.version, let name = context.parameters.get("name"),
                  let asset = self.assets[name]
            else {
                throw APIErrorResponse(code: .notFound, message: "no such documentation asset")
            }
            var headers: HTTPFields = [.contentType: asset.contentType, .cacheControl: Self.assetCacheControl]
            headers.append(contentsOf: Self.hardening)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
        }
    }

    /// On the page and its assets: no MIME sniffing, no referrer, no framing (for browsers
    /// that predate `frame-ancestors`).
    static let hardening: HTTPFields = [
        .xContentTypeOptions: "nosniff",
        .referrerPolicy: "no-referrer",
        .xFrameOptions: "DENY",
    ]
}

struct DocsResourceMissing: Error, CustomStringConvertible {
    let path: String
    var description: String { "the gateway's /docs resource '\(self.path)' is missing from its bundle" }
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}
