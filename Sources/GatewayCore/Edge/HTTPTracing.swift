import Hummingbird
import Tracing

/// The HTTP server span of each request: Hummingbird's tracing middleware, which continues an
/// incoming W3C `traceparent` / `tracestate` (or starts a trace), names the span by the matched
/// route (`/api/v1/analyze`), and records OpenTelemetry's HTTP attributes (method, path, route,
/// status, sizes). It also records the request id the gateway answers with
/// (`http.response.header.x_request_id`), so a trace leads to the log lines of the call.
/// Only that header is recorded: never `Authorization`, a cookie or a body.
///
/// The operational paths (`/healthz`, `/readyz`, `/metrics`, `/openapi.json`) are not traced:
/// probes and scrapes every few seconds would outnumber the calls in every trace store.
struct HTTPTracing: RouterMiddleware {
    typealias Context = GatewayRequestContext
    private let tracing = TracingMiddleware<GatewayRequestContext>(recordingHeaders: [.requestID])
    private static let untracedPaths = Set(OperationsRoutes.paths.map { "/" + $0 })

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.untracedPaths.contains(request.uri.path) {
            return try await next(request, context)
        }
        return try await self.tracing.handle(request, context: context, next: next)
    }
}
