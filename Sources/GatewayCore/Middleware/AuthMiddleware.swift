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

    static let developmentUserID = "local-development-user"

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
        var context = context
        let userID: String
        if let verifier = self.verifier {
            do throws(AuthError) {
                let token = try Self.bearerToken(request.headers)
                userID = try await verifier.verify(token).id
            } catch {
                context.logger.debug("credentials refused", metadata: ["auth.failure": "\(error)"])
                throw error.apiError
            }
        } else {
            userID = Self.developmentUserID
        }
        context.userID = userID
        context.logger[metadataKey: "user.id"] = "\(userID)"
        return try await next(request, context)
    }

    /// The token of the one `Authorization: Bearer <token>` header (scheme case-insensitive,
    /// RFC 7235 §2.1).
    static func bearerToken(_ headers: HTTPFields) throws(AuthError) -> String {
        let values = headers[values: .authorization]
        guard values.count == 1 else { throw values.isEmpty ? .missingCredentials : .malformed }
        let value = values[0]
        guard let space = value.firstIndex(of: " "), value[..<space].lowercased() == "bearer" else { throw .missingCredentials }
        let token = value[value.index(after: space)...].trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, !token.contains(" ") else { throw .malformed }
        return token
    }
}
