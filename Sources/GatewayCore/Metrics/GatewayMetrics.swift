import Prometheus
import TaskContract

/// The gateway's Prometheus metrics, kept in one registry that `/metrics` writes out.
///
/// The registry is passed in, not bootstrapped globally, so tests build as many gateways as
/// they like. Labels are bounded sets: a route template (never a raw path), a method from a
/// fixed list, a status code, an RPC method and code, a model tier. No user id, token, key or
/// body ever becomes a label.
///
/// - `http_requests_total{route, method, status}`
/// - `http_request_duration_seconds{route, method}`: until the response head (for a stream,
///   until it starts)
/// - `http_requests_in_flight`
/// - `http_event_streams_open`
/// - `gateway_rpc_errors_total{rpc_method, code}`
/// - `gateway_rate_limited_total{tier}`
/// - `gateway_idempotent_replays_total`
/// - `gateway_db_operations_total{operation, outcome}`: database work (`save_result`,
///   `record_usage`, `history`, …) by `ok` or `failed`
public final class GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let inFlight: Gauge
    let openStreams: Gauge
    let replays: Counter

    static let durationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.inFlight = registry.makeGauge(descriptor: Self.name("http_requests_in_flight", "HTTP requests being answered"))
        self.openStreams = registry.makeGauge(descriptor: Self.name("http_event_streams_open", "Server-Sent Events streams being written"))
        self.replays = registry.makeCounter(descriptor: Self.name("gateway_idempotent_replays_total", "answers replayed for a repeated Idempotency-Key"))
    }

    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        self.registry.makeCounter(
            descriptor: Self.name("http_requests_total", "HTTP requests answered"),
            labels: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
        self.registry.makeDurationHistogram(
            descriptor: Self.name("http_request_duration_seconds", "time to the response head"),
            labels: [("route", route), ("method", method)], buckets: Self.durationBuckets
        ).record(duration)
    }

    func recordRPCError(method: String, code: String) {
        self.registry.makeCounter(
            descriptor: Self.name("gateway_rpc_errors_total", "RPCs that ended in an error"), labels: [("rpc_method", method), ("code", code)]
        ).increment()
    }

    func recordRateLimited(_ tier: ModelTier) {
        self.registry.makeCounter(
            descriptor: Self.name("gateway_rate_limited_total", "calls refused by a per-user rate limit"), labels: [("tier", tier.rawValue)]
        ).increment()
    }

    /// `count` operations of one kind (a batch of ledger rows counts each row).
    func recordDatabase(operation: String, failed: Bool, count: Int = 1) {
        self.registry.makeCounter(
            descriptor: Self.name("gateway_db_operations_total", "database operations, by outcome"),
            labels: [("operation", operation), ("outcome", failed ? "failed" : "ok")]
        ).increment(by: Int64(count))
    }

    private static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// The exposition text.
    func render() -> [UInt8] {
        var buffer: [UInt8] = []
        self.registry.emit(into: &buffer)
        return buffer
    }
}
