import GeminiAPI
import Hummingbird
import Logging
import Metrics
import Prometheus
import RPCRuntime
import ServiceLifecycle

/// A service's Prometheus metrics, served as text on `GET /metrics` at `METRICS_ADDR`, a
/// listener of its own (the RPC port speaks only the binary protocol).
///
/// What the service records through swift-metrics lands in one registry per process, into which
/// swift-metrics is bootstrapped the first time a service is built (a process-wide setting that
/// may be made once). Labels are bounded: model names, registered RPC methods, status code
/// names, fixed words; never a user id, a request's content or the key.
/// - `gemini_requests_total{model, task, outcome}`, `gemini_request_duration_seconds{model,
///   task, outcome}` (histogram), `gemini_retries_total{model, task, cause}`,
///   `gemini_tokens_total{model, task, kind}`: recorded by the Gemini client; `task` is the RPC
///   method the call answers (``GeminiCallTask``).
/// - `gemini_fallbacks_total{from, to, task}`: answers a fallback model gave.
/// - `rpc_server_calls_total{rpc_method, code}`, `rpc_server_call_duration_seconds{rpc_method}`
///   (histogram), `rpc_server_calls_in_flight`.
/// - `gemini_calls_in_flight`, `gemini_calls_queued`: the Gemini call cap's state when scraped.
public enum ServiceMetrics {
    /// The process's registry, with swift-metrics bootstrapped into it.
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
        ]
        // Timers are written in seconds, as Prometheus expects of a `_seconds` histogram.
        factory.nameAndLabelSanitizer = { name, labels in
            (name.hasSuffix("_duration") ? name + "_seconds" : name, labels)
        }
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Bootstraps swift-metrics into ``registry`` (once per process; later calls do nothing).
    /// Before anything records a metric: what is made before it goes nowhere.
    static func bootstrap() {
        _ = Self.registry
    }

    /// The `/metrics` listener on `host:port`, a service of the process's `ServiceGroup`.
    static func listener(host: String, port: Int, gemini: GeminiClient, logger: Logger) -> some Service {
        let registry = Self.registry
        let inFlight = registry.makeGauge(name: "gemini_calls_in_flight", help: "Gemini calls holding one of the service's permits")
        let queued = registry.makeGauge(name: "gemini_calls_queued", help: "Gemini calls waiting for a permit")
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            let load = gemini.load
            inFlight.set(Double(load.inFlight))
            queued.set(Double(load.queued))
            var text: [UInt8] = []
            registry.emit(into: &text)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: text))
            )
        }
        var logger = logger
        logger[metadataKey: "listener"] = "metrics"
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil), logger: logger)
    }

    /// Counts the RPC calls the service answers, by method and status, with their duration and
    /// how many are in flight. Applied to every registered method (an unknown one never gets a
    /// handler, so method labels stay the registered set).
    static func instrumentCalls(_ router: inout RPCRouter) {
        let inner = router.callScope
        let inFlight = Meter(label: "rpc_server_calls_in_flight")
        router.callScope = { context, handler in
            let started = ContinuousClock.now
            inFlight.increment()
            var code = "OK"
            defer {
                inFlight.decrement()
                Counter(label: "rpc_server_calls_total", dimensions: [("rpc_method", context.method), ("code", code)]).increment()
                Metrics.Timer(label: "rpc_server_call_duration", dimensions: [("rpc_method", context.method)])
                    .recordInterval(since: started)
            }
            do {
                if let inner { try await inner(context, handler) } else { try await handler() }
            } catch {
                code = Self.codeName(of: error)
                throw error
            }
        }
    }

    static func codeName(of error: any Error) -> String {
        switch error {
        case let error as any RPCErrorConvertible: error.rpcError.code.name
        case is CancellationError: "CANCELLED"
        default: "INTERNAL"
        }
    }
}

extension Metrics.Timer {
    fileprivate func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        self.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
