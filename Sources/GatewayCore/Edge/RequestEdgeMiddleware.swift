import AppSupport
import HTTPTypes
import Hummingbird
import Logging

/// The outermost middleware: gives every request its id, answers CORS preflights, turns every
/// error into the spec's error body, puts the CORS headers on every answer (errors from
/// routing and authentication included), records the request metrics and logs one line per
/// request (method, route, status, time, request and user id; never a body, token or key).
struct RequestEdgeMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let cors: CORSPolicy
    /// Known paths and their methods: anything else on a known path is 405 here.
    let routes: RouteTable
    let metrics: GatewayMetrics

    // This function is on the stack of every call for as long as it waits on the model, so its
    // async frame is held that long: the work before and after `next` is in plain functions,
    // whose locals stay on the thread's stack (2.3 KB of frame per call in flight when inlined).
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let context = self.begin(request, context)
        var response: Response
        do {
            if let early = try self.answerBeforeRouting(request) {
                response = early
            } else {
                // Every line written while answering names the request, whichever logger writes it.
                response = try await CallLogContext.$requestID.withValue(context.requestID) { try await next(request, context) }
            }
        } catch {
            response = Self.errorResponse(error, context)
        }
        self.finish(&response, request, context, started: started)
        return response
    }

    /// The request's id in its context and logger; counted in flight until ``finish``.
    @inline(never)
    private func begin(_ request: Request, _ context: Context) -> Context {
        var context = context
        context.requestID = Self.requestID(from: request.headers[.requestID])
        context.logger[metadataKey: "request.id"] = "\(context.requestID)"
        self.metrics.inFlight.increment()
        return context
    }

    /// A CORS preflight's answer, or the refusal of a method or path no route serves.
    @inline(never)
    private func answerBeforeRouting(_ request: Request) throws -> Response? {
        if CORSPolicy.isPreflight(request) { return try self.cors.preflightResponse(request) }
        if let refusal = self.routes.refusal(of: request.method, path: request.uri.path) { throw refusal }
        return nil
    }

    @inline(never)
    private static func errorResponse(_ error: any Error, _ context: Context) -> Response {
        let apiError = APIErrorResponse.from(error)
        if apiError.code == .internal && !(error is APIErrorResponse) {
            context.logger.error("request failed", metadata: ["error.type": "\(type(of: error))"])
        }
        return apiError.response(requestID: context.requestID)
    }

    /// CORS and the request id on the answer, the metrics, the request's log line.
    @inline(never)
    private func finish(_ response: inout Response, _ request: Request, _ context: Context, started: ContinuousClock.Instant) {
        self.metrics.inFlight.decrement()
        self.cors.decorate(&response, for: request)
        response.headers[.requestID] = context.requestID
        let elapsed = ContinuousClock.now - started
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        let method = Self.metricMethod(request.method)
        self.metrics.recordRequest(route: route, method: method, status: Int(response.status.code), duration: elapsed)
        var metadata: Logger.Metadata = [
            "http.method": "\(method)",
            "http.route": "\(route)",
            "http.status": "\(response.status.code)",
            "http.duration_ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
        ]
        if let userID = context.outcome.userID.withLockedValue({ $0 }) { metadata["user.id"] = "\(userID)" }
        context.logger.info("request", metadata: metadata)
    }

    /// The method as a metric label and log field: one of a fixed few, so a client cannot
    /// create label values.
    static func metricMethod(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .post, .options, .head, .put, .delete, .patch: method.rawValue
        default: "OTHER"
        }
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
        return RandomRequestID.make()
    }
}
