import AppSupport
import Foundation
import HTTPTypes
import Hummingbird

/// Which browser origins may call the gateway, and the CORS headers that say so.
///
/// Only the configured origins are ever named in `Access-Control-Allow-Origin` (never `*`);
/// every response carries `Vary: Origin` because its CORS headers depend on that header. A
/// preflight (`OPTIONS` with `Origin`) from an allowed
/// origin is answered 204 with the methods, request headers and max age below; from any other
/// origin it is refused with 403. The policy is applied by ``RequestEdgeMiddleware`` to the
/// final response, so errors produced before routing or authentication carry it too.
struct CORSPolicy: Sendable {
    static let allowedMethods = "GET, POST, DELETE, OPTIONS"
    static let allowedHeaders = "Authorization, Content-Type, Accept, Idempotency-Key, X-Request-Id"
    static let exposedHeaders = "X-Request-Id, Retry-After, WWW-Authenticate"
    /// How long a browser may cache a preflight answer: 600 s.
    static let maxAgeSeconds = 600

    let allowedOrigins: Set<String>

    init(allowedOrigins: [String]) {
        self.allowedOrigins = Set(allowedOrigins)
    }

    /// The request's origin when it is one of the allowed ones.
    func allowedOrigin(of request: Request) -> String? {
        guard let origin = request.headers[.origin], self.allowedOrigins.contains(origin) else { return nil }
        return origin
    }

    /// An `OPTIONS` with an `Origin`. Browsers also send `Access-Control-Request-Method`; it
    /// is not required, so that a preflight is never mistaken for a call.
    static func isPreflight(_ request: Request) -> Bool {
        request.method == .options && request.headers[.origin] != nil
    }

    /// 204 with the preflight headers for an allowed origin; a 403 error otherwise.
    func preflightResponse(_ request: Request) throws -> Response {
        guard let origin = self.allowedOrigin(of: request) else {
            throw APIErrorResponse(code: .permissionDenied, message: "this origin is not allowed to call the API", reason: "CORS_ORIGIN_NOT_ALLOWED")
        }
        return Response(status: .noContent, headers: [
            .accessControlAllowOrigin: origin,
            .accessControlAllowMethods: Self.allowedMethods,
            .accessControlAllowHeaders: Self.allowedHeaders,
            .accessControlMaxAge: String(Self.maxAgeSeconds),
        ])
    }

    /// Adds `Vary: Origin` to any response, and the allow and expose headers when the request
    /// came from an allowed origin. A preflight answer already holds its own allow headers.
    func decorate(_ response: inout Response, for request: Request) {
        if !response.headers[values: .vary].contains(where: { $0.lowercased().contains("origin") }) {
            response.headers.append(HTTPField(name: .vary, value: "Origin"))
        }
        guard let origin = self.allowedOrigin(of: request) else { return }
        response.headers[.accessControlAllowOrigin] = origin
        if response.headers[.accessControlAllowMethods] == nil {
            response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        }
    }

    /// `CORS_ALLOWED_ORIGINS`: comma-separated `scheme://host[:port]` origins, as browsers send
    /// them in `Origin` (a trailing `/` is dropped). `*`, a path or a missing scheme stops the
    /// process at start.
    static func parseOrigins(_ text: String?) throws(ConfigurationError) -> [String] {
        guard let text else { return [] }
        var origins: [String] = []
        for entry in text.split(separator: ",") {
            var origin = entry.trimmingCharacters(in: .whitespaces)
            if origin.isEmpty { continue }
            if origin.hasSuffix("/") { origin.removeLast() }
            guard origin != "*" else {
                throw ConfigurationError(setting: "CORS_ALLOWED_ORIGINS", problem: "must list origins; '*' is not allowed")
            }
            guard let schemeEnd = origin.range(of: "://"),
                  ["http", "https"].contains(origin[..<schemeEnd.lowerBound].lowercased()),
                  !origin[schemeEnd.upperBound...].isEmpty,
                  !origin[schemeEnd.upperBound...].contains("/"),
                  !origin.contains("*")
            else {
                throw ConfigurationError(setting: "CORS_ALLOWED_ORIGINS", problem: "has '\(origin)', which is not an origin like https://app.example.com")
            }
            origins.append(origin)
        }
        return origins
    }
}
