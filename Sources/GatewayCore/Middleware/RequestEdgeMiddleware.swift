import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The outermost middleware: gives every request its id, turns every error into the spec's
/// error body, and logs one line per request (method, path, status, time; never a body).
struct RequestEdgeMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestID = Self.requestID(from: request.headers[.requestID])
        context.logger[metadataKey: "request.id"] = "\(context.requestID)"
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let apiError = APIErrorResponse.from(error)
            if apiError.code == .internal && !(error is APIErrorResponse) {
                context.logger.error("request failed", metadata: ["error.type": "\(type(of: error))"])
            }
            response = apiError.response(requestID: context.requestID)
        }
        response.headers[.requestID] = context.requestID
        let elapsed = ContinuousClock.now - started
        context.logger.info("request", metadata: [
            "http.method": "\(request.method.rawValue)",
            "http.path": "\(request.uri.path)",
            "http.status": "\(response.status.code)",
            "http.duration_ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
        ])
        return response
    }

    /// The caller's id when it is 1–128 characters of `A-Z a-z 0-9 . _ -`, else a new one.
    static func requestID(from header: String?) -> String {
        if let header, (1...128).contains(header.utf8.count),
           header.utf8.allSatisfy({ byte in
               (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                   || byte == 0x2E || byte == 0x5F || byte == 0x2D
           }) {
            return header
        }
        return UUID().uuidString.lowercased()
    }
}
