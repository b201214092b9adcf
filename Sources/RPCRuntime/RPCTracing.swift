import Tracing

/// Spans for RPC calls, after OpenTelemetry's RPC conventions: one client span around each call
/// a client makes and one server span around each call a server runs, named
/// `career.v1.GenerationService/Analyze`, with `rpc.system`, `rpc.service`, `rpc.method` and the
/// call's status as `rpc.response.status_code` (and `error.type` when not OK). The trace context
/// crosses the wire as W3C `traceparent` / `tracestate` call metadata (PROTOCOL.md, section
/// "Tracing"), so the server's span is a child of the client's.
///
/// Nothing about the payload goes into a span: only the method and the status. With no tracer
/// bootstrapped these are no-op spans, and `inject` / `extract` do nothing.
enum RPCTracing {
    static let system = "career_rpc"

    /// A client span for a call of `path`, with the metadata to send: `metadata` plus the span's
    /// trace context. The caller ends the span with ``finish(_:outcome:side:)``.
    static func startClientSpan(_ path: String, metadata: Metadata) -> (span: any Span, metadata: Metadata) {
        guard path != HealthMethods.check.path else { return (Self.untraced, metadata) }
        let span = startSpan(Self.spanName(path), ofKind: .client)
        Self.describe(span, path: path)
        var metadata = metadata
        InstrumentationSystem.instrument.inject(span.context, into: &metadata, using: MetadataInjector())
        return (span, metadata)
    }

    /// A server span for a call of `path`, continuing the trace whose context the caller sent.
    static func startServerSpan(_ path: String, metadata: [String: String]) -> any Span {
        guard path != HealthMethods.check.path else { return Self.untraced }
        var parent = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(metadata, into: &parent, using: MetadataExtractor())
        let span = startSpan(Self.spanName(path), context: parent, ofKind: .server)
        Self.describe(span, path: path)
        return span
    }

    /// Health checks (the gateway's readiness probe, the clients' own checks every few seconds)
    /// are not traced: they would outnumber the calls in every trace store.
    private static let untraced: any Span = NoOpTracer.NoOpSpan(context: .topLevel)

    enum Side { case client, server }

    /// Records how the call ended and ends the span. A client marks every status but OK as an
    /// error; a server only those that are its own fault (OpenTelemetry's gRPC rule), so a refused
    /// request or a caller's cancellation does not show as a failing service.
    static func finish(_ span: any Span, outcome: RPCError?, side: Side) {
        let code = outcome?.code ?? .ok
        if span.isRecording {
            span.attributes["rpc.response.status_code"] = code.name
            if let outcome {
                span.attributes["error.type"] = outcome.reason ?? code.name
                if side == .client || Self.serverFaults.contains(code) {
                    span.setStatus(SpanStatus(code: .error, message: outcome.message))
                }
            }
        }
        span.end()
    }

    /// The statuses that mark a server span as failed.
    private static let serverFaults: Set<RPCError.Code> = [.unknown, .deadlineExceeded, .unimplemented, .internal, .unavailable, .dataLoss]

    /// `/career.v1.GenerationService/Analyze` → `career.v1.GenerationService/Analyze`.
    static func spanName(_ path: String) -> String {
        path.hasPrefix("/") ? String(path.dropFirst()) : path
    }

    private static func describe(_ span: any Span, path: String) {
        guard span.isRecording else { return }
        let name = Self.spanName(path)
        span.attributes["rpc.system"] = Self.system
        if let slash = name.lastIndex(of: "/") {
            span.attributes["rpc.service"] = String(name[..<slash])
            span.attributes["rpc.method"] = String(name[name.index(after: slash)...])
        }
    }
}

/// Writes trace context into the metadata a client sends.
struct MetadataInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout Metadata) {
        carrier[key] = value
    }
}

/// Reads trace context from the metadata a call arrived with (keys are lower-case on the wire).
struct MetadataExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key.lowercased()]
    }
}

extension RPCError {
    /// The status a span records for an error a call ended with.
    static func describing(_ error: any Error) -> RPCError {
        switch error {
        case let error as RPCError: error
        case let error as any RPCErrorConvertible: error.rpcError
        case is CancellationError: RPCError(code: .cancelled, message: "call cancelled")
        default: RPCError(code: .internal, message: "\(type(of: error))")
        }
    }
}
