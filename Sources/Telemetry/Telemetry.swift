import AppSupport
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// A process's observability set-up, done once at start: JSON-lines logging whose lines about a
/// call carry its `request.id` and, with tracing on, `trace.id` and `span.id`; and, when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, the OTLP
/// trace exporter (swift-otel) behind the `Tracer` every span is made with.
///
/// Without an endpoint no tracer is bootstrapped: swift-distributed-tracing's no-op tracer makes
/// every `withSpan` a plain call and `inject` / `extract` do nothing, so nothing is exported,
/// no connection is opened and the hot path pays for a few no-op calls (BENCHMARKS.md,
/// "Tracing").
public enum Telemetry {
    /// Bootstraps logging and, when configured, tracing. Returns the exporter's service (its
    /// batch processor and connection), which the process runs first in its service group so
    /// that it stops last and flushes the spans of the last calls; nil when tracing is off.
    public static func bootstrap(configuration: ConfigurationReader, serviceName: String) throws -> (any Service)? {
        let tracing = try TracingSettings(configuration: configuration, serviceName: serviceName)
        _ = try LogSetup.bootstrap(
            configuration: configuration,
            additionalMetadata: tracing == nil ? nil : Self.traceLogMetadata
        )
        guard var tracing else { return nil }
        // Made after logging is bootstrapped, so the exporter's own lines are JSON lines too.
        tracing.otel.diagnosticLogger = .custom(Logger(label: "otel"))
        let backend = try OTel.makeTracingBackend(configuration: tracing.otel)
        InstrumentationSystem.bootstrap(backend.factory)
        Logger(label: serviceName).info("tracing: exporting spans over OTLP", metadata: [
            "otel.exporter.protocol": "\(tracing.protocolName)",
            "otel.sampler": "\(tracing.samplerDescription)",
        ])
        return backend.service
    }

    /// `trace.id`, `span.id` and `trace.flags` of the span the logging task is in.
    static let traceLogMetadata: Logger.MetadataProvider = {
        var keys = OTel.Configuration.LoggingMetadataProviderConfiguration.default
        keys.traceIDKey = "trace.id"
        keys.spanIDKey = "span.id"
        keys.traceFlagsKey = "trace.flags"
        return OTel.makeLoggingMetadataProvider(configuration: keys)
    }()
}

/// What the `OTEL_*` variables ask for, read once; nil when tracing is off.
struct TracingSettings {
    var otel: OTel.Configuration
    var protocolName: String
    var samplerDescription: String

    /// The variables are OpenTelemetry's own (swift-otel reads them again, and any it knows that
    /// are not mentioned here, when the backend is made); this reads only what decides whether
    /// tracing is on, and reports a bad sampler ratio as a configuration error at start instead
    /// of a silently ignored one.
    init?(configuration: ConfigurationReader, serviceName: String) throws(ConfigurationError) {
        let endpoint = configuration.string("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") ?? configuration.string("OTEL_EXPORTER_OTLP_ENDPOINT")
        guard endpoint != nil,
              try !configuration.bool("OTEL_SDK_DISABLED"),
              configuration.string("OTEL_TRACES_EXPORTER")?.lowercased() != "none"
        else { return nil }

        var otel = OTel.Configuration.default
        otel.serviceName = serviceName
        otel.metrics.enabled = false  // Prometheus /metrics serves the metrics
        otel.logs.enabled = false  // logs are JSON lines on standard output
        otel.traces.enabled = true
        otel.traces.exporter = .otlp

        let protocolName = configuration.string("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
            ?? configuration.string("OTEL_EXPORTER_OTLP_PROTOCOL") ?? "http/protobuf"
        guard ["grpc", "http/protobuf", "http/json"].contains(protocolName) else {
            throw ConfigurationError(setting: "OTEL_EXPORTER_OTLP_PROTOCOL", problem: "must be grpc, http/protobuf or http/json, got '\(protocolName)'")
        }
        self.protocolName = protocolName

        // OpenTelemetry's default sampler is parent-based always-on, which ignores
        // OTEL_TRACES_SAMPLER_ARG. An operator who sets only the ratio means "sample that share
        // of new traces", so the ratio alone selects the parent-based ratio sampler.
        var samplerDescription = configuration.string("OTEL_TRACES_SAMPLER") ?? "parentbased_always_on"
        if let ratioText = configuration.string("OTEL_TRACES_SAMPLER_ARG") {
            guard let ratio = Double(ratioText), (0...1).contains(ratio) else {
                throw ConfigurationError(setting: "OTEL_TRACES_SAMPLER_ARG", problem: "must be a ratio from 0 to 1, got '\(ratioText)'")
            }
            if configuration.string("OTEL_TRACES_SAMPLER") == nil, let sampler = OTel.Configuration.TracesConfiguration.SamplerConfiguration.parentBasedTraceIDRatio(ratio: ratio) {
                otel.traces.sampler = sampler
                samplerDescription = "parentbased_traceidratio"
            }
            samplerDescription += " \(ratio)"
        }
        self.samplerDescription = samplerDescription
        self.otel = otel
    }
}
