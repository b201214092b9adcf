import Foundation
import HTTPTypes
import Hummingbird

/// Establishes who is calling before any `/api/v1` route runs.
///
/// With a verifier, every request needs exactly one `Authorization: Bearer <access token>`
/// header whose token the verifier accepts; the token's `sub` becomes ``GatewayRequestContext/userID``
/// and the logger's `user.id`. Anything else is a 401 `UNAUTHENTICATED` with a
/// `WWW-Authenticate: Bearer …` challenge and reason `TOKEN_EXPIRED` or `INVALID_TOKEN`
/// (see ``AuthError``). The token and its claims never reach a log line or an error body.
///
/// Without one (`AUTH_DISABLED=1`, local development only), no header is read and every call
/// runs as the fixed user ``AuthMiddleware/developmentUserID``.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    /// A fixed UUID, since user ids are UUIDs in the database's tables.
    static let developmentUserID = "00000000-0000-4000-8000-000000000001"

    /// Nil only when authentication is disabled.
    private let verifier: (any TokenVerifier)?

    /// Verifies every request's bearer token with `verifier`.
    init(verifier: any TokenVerifier) {
        self.verifier = verifier
    }

    private init() {
        self.verifier = nil
    }

    /// `AUTH_DISABLED=1`: every call is ``developmentUserID``.
    static let disabled = AuthMiddleware()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let userID: String
        if let verifier = self.verifier {
            userID = try await Self.verifiedUser(request, context, verifier)
        } else {
            userID = Self.developmentUserID
        }
        return try await next(request, Self.context(context, user: userID))
    }

    // Held on the stack of every call in flight, like the edge middleware: the work around the
    // awaits is in functions of their own, so this frame stays small.
    @inline(never)
    private static func verifiedUser(_ request: Request, _ context: Context, _ verifier: any TokenVerifier) async throws -> String {
        do throws(AuthError) {
            let token = try Self.bearerToken(request.headers)
            return try await verifier.verify(token).id
        } catch {
            context.logger.debug("credentials refused", metadata: ["auth.failure": "\(error)"])
            throw error.apiError
        }
    }

    @inline(never)
    private static func context(_ context: Context, user userID: String) -> Context {
        var context = context
        context.userID = userID
        context.logger[metadataKey: "user.id"] = "\(userID)"
        return context
    }

    /// The token of the one `Authorization: Bearer <token>` header (scheme case-insensitive,
    /// RFC 7235 §2.1; spaces and tabs around the token ignored).
    ///
    /// Read byte by byte: it runs on every call, and Foundation's `trimmingCharacters(in:)`
    /// and `contains(_:)` on substrings made it ~11% of the gateway's CPU under load.
    static func bearerToken(_ headers: HTTPFields) throws(AuthError) -> String {
        let values = headers[values: .authorization]
        guard values.count == 1 else { throw values.isEmpty ? .missingCredentials : .malformed }
        let bytes = Array(values[0].utf8)
        let scheme = Array("bearer".utf8)
        // "Bearer" in any case, then a space.
        guard bytes.count > scheme.count, bytes[scheme.count] == UInt8(ascii: " "),
              zip(bytes, scheme).allSatisfy({ $0 | 0x20 == $1 })
        else { throw .missingCredentials }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var start = scheme.count + 1
        var end = bytes.count
        while start < end, isBlank(bytes[start]) { start += 1 }
        while end > start, isBlank(bytes[end - 1]) { end -= 1 }
        let token = bytes[start..<end]
        guard !token.isEmpty, !token.contains(UInt8(ascii: " ")) else { throw .malformed }
        return String(decoding: token, as: UTF8.self)
    }
}
