import HTTPTypes
import Hummingbird

/// Establishes who is calling before any `/api/v1` route runs.
///
/// This build knows one mode: `AUTH_DISABLED=1`, where every call runs as the fixed user
/// ``AuthMiddleware/developmentUserID``. Supabase token verification comes with the gateway's
/// authentication work; until then the gateway refuses to start when asked to verify tokens.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    static let developmentUserID = "local-development-user"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.userID = Self.developmentUserID
        context.logger[metadataKey: "user.id"] = "\(Self.developmentUserID)"
        return try await next(request, context)
    }
}
