import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import OTLPProto
import SwiftProtobuf

/// A real OTLP trace receiver on loopback, for the tests and the tracing benchmark: it accepts
/// `ExportTraceServiceRequest`s over http/protobuf (`POST /v1/traces`) and over gRPC
/// (`opentelemetry.proto.collector.trace.v1.TraceService/Export`), as a collector does, and
/// keeps what it decoded (or, for the benchmark, only counts it).
public final class OTLPTraceReceiver: Sendable {
    /// The http/protobuf port (`http://127.0.0.1:<httpPort>` is an `OTEL_EXPORTER_OTLP_ENDPOINT`).
    public let httpPort: Int
    /// The gRPC port.
    public let grpcPort: Int
    public let collected: SpanCollection
    private let httpChannel: any Channel
    private let grpcServer: GRPCServer<HTTP2ServerTransport.Posix>
    private let grpcTask: Task<Void, any Error>

    /// Starts both endpoints on `host` (ports 0: any free ones). With `keepSpans` false the
    /// receiver decodes and counts spans but keeps none (a benchmark's long run).
    public static func start(host: String = "127.0.0.1", httpPort: Int = 0, grpcPort: Int = 0, keepSpans: Bool = true) async throws -> OTLPTraceReceiver {
        let collected = SpanCollection(keepSpans: keepSpans)
        let group = MultiThreadedEventLoopGroup.singleton
        let httpChannel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                collected.connectionAccepted()
                return channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(OTLPHTTPHandler(collected: collected))
                }
            }
            .bind(host: host, port: httpPort)
            .get()
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: host, port: grpcPort),
            transportSecurity: .plaintext
        )
        let grpcServer = GRPCServer(transport: transport, services: [OTLPGRPCTraceService(collected: collected)])
        let grpcTask = Task { try await grpcServer.serve() }
        guard let grpcAddress = try await transport.listeningAddress.ipv4 else {
            throw OTLPReceiverError.notListening
        }
        return OTLPTraceReceiver(
            httpPort: httpChannel.localAddress?.port ?? 0, grpcPort: grpcAddress.port, collected: collected,
            httpChannel: httpChannel, grpcServer: grpcServer, grpcTask: grpcTask
        )
    }

    private init(httpPort: Int, grpcPort: Int, collected: SpanCollection, httpChannel: any Channel, grpcServer: GRPCServer<HTTP2ServerTransport.Posix>, grpcTask: Task<Void, any Error>) {
        self.httpPort = httpPort
        self.grpcPort = grpcPort
        self.collected = collected
        self.httpChannel = httpChannel
        self.grpcServer = grpcServer
        self.grpcTask = grpcTask
    }

    public func stop() async {
        try? await self.httpChannel.close()
        self.grpcServer.beginGracefulShutdown()
        self.grpcTask.cancel()
        _ = try? await self.grpcTask.value
    }

    /// Waits until the spans received satisfy `condition` (checked after each export), or
    /// `timeout` passes; returns the spans received by then.
    public func waitForSpans(timeout: Duration = .seconds(20), until condition: ([ReceivedSpan]) -> Bool) async -> [ReceivedSpan] {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while clock.now < end {
            let spans = self.collected.spans
            if condition(spans) { return spans }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return self.collected.spans
    }
}

public enum OTLPReceiverError: Error {
    case notListening
}

/// One span as received, with its resource's `service.name` and attributes flattened to text
/// (enough for assertions; `span` keeps the decoded message whole).
public struct ReceivedSpan: Sendable, CustomStringConvertible {
    public var serviceName: String
    public var span: Opentelemetry_Proto_Trace_V1_Span
    /// The transport it came by: `http/protobuf` or `grpc`.
    public var transport: String

    public var name: String { self.span.name }
    public var traceID: String { Self.hex(self.span.traceID) }
    public var spanID: String { Self.hex(self.span.spanID) }
    /// Nil for a root span.
    public var parentSpanID: String? { self.span.parentSpanID.isEmpty ? nil : Self.hex(self.span.parentSpanID) }
    public var kind: Opentelemetry_Proto_Trace_V1_Span.SpanKind { self.span.kind }
    public var isError: Bool { self.span.status.code == .error }

    /// Every attribute, its value as text (arrays joined by commas).
    public var attributes: [String: String] {
        Dictionary(self.span.attributes.map { ($0.key, Self.text($0.value)) }, uniquingKeysWith: { _, last in last })
    }

    /// All the text a span carries (name, attributes, events, status message), for checking that
    /// none of it is personal data or a secret.
    public var allText: String {
        var parts = [self.name, self.span.status.message, self.serviceName]
        parts += self.span.attributes.flatMap { [$0.key, Self.text($0.value)] }
        for event in self.span.events {
            parts.append(event.name)
            parts += event.attributes.flatMap { [$0.key, Self.text($0.value)] }
        }
        return parts.joined(separator: "\n")
    }

    public var description: String {
        "\(self.serviceName) \(self.name) [\(self.kind)] \(self.spanID) ← \(self.parentSpanID ?? "root")"
    }

    static func hex(_ bytes: Data) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func text(_ value: Opentelemetry_Proto_Common_V1_AnyValue) -> String {
        switch value.value {
        case .stringValue(let text): return text
        case .boolValue(let flag): return String(flag)
        case .intValue(let number): return String(number)
        case .doubleValue(let number): return String(number)
        case .arrayValue(let array): return array.values.map(Self.text).joined(separator: ",")
        case .kvlistValue(let list): return list.values.map { "\($0.key)=\(Self.text($0.value))" }.joined(separator: ",")
        case .bytesValue(let bytes): return Self.hex(bytes)
        case nil: return ""
        }
    }
}

/// What the receiver has taken in, shared by its two endpoints.
public final class SpanCollection: Sendable {
    private struct State {
        var spans: [ReceivedSpan] = []
        var spanCount = 0
        var exportCount = 0
        var connectionCount = 0
    }

    private let state = NIOLockedValueBox(State())
    private let keepSpans: Bool

    init(keepSpans: Bool) {
        self.keepSpans = keepSpans
    }

    public var spans: [ReceivedSpan] { self.state.withLockedValue { $0.spans } }
    /// Spans received, kept or not.
    public var spanCount: Int { self.state.withLockedValue { $0.spanCount } }
    /// Export requests received.
    public var exportCount: Int { self.state.withLockedValue { $0.exportCount } }
    /// Connections accepted on the http/protobuf port (a process that exports nothing opens none).
    public var connectionCount: Int { self.state.withLockedValue { $0.connectionCount } }

    func connectionAccepted() {
        self.state.withLockedValue { $0.connectionCount += 1 }
    }

    func received(_ request: Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest, transport: String) {
        var spans: [ReceivedSpan] = []
        var count = 0
        for resourceSpans in request.resourceSpans {
            let serviceName = resourceSpans.resource.attributes.first { $0.key == "service.name" }.map { ReceivedSpan.text($0.value) } ?? ""
            for scopeSpans in resourceSpans.scopeSpans {
                count += scopeSpans.spans.count
                if self.keepSpans {
                    spans += scopeSpans.spans.map { ReceivedSpan(serviceName: serviceName, span: $0, transport: transport) }
                }
            }
        }
        self.state.withLockedValue {
            $0.spans += spans
            $0.spanCount += count
            $0.exportCount += 1
        }
    }
}

/// `POST /v1/traces` with an `application/x-protobuf` body, answered as a collector does: 200
/// with an empty `ExportTraceServiceResponse`; 400 for a body that does not decode, 404 elsewhere.
private final class OTLPHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let collected: SpanCollection
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(collected: SpanCollection) {
        self.collected = collected
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body.clear()
        case .body(var chunk):
            self.body.writeBuffer(&chunk)
        case .end:
            guard let head = self.head else { return }
            self.head = nil
            let (status, reply) = self.answer(head)
            var headers = HTTPHeaders([("content-type", "application/x-protobuf"), ("content-length", "\(reply.count)")])
            if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
            context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: reply)))), promise: nil)
            let keepAlive = head.isKeepAlive
            context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { context.close(promise: nil) }
            }
        }
    }

    private func answer(_ head: HTTPRequestHead) -> (HTTPResponseStatus, [UInt8]) {
        guard head.method == .POST, head.uri == "/v1/traces" else { return (.notFound, []) }
        do {
            let request = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: Array(self.body.readableBytesView))
            self.collected.received(request, transport: "http/protobuf")
            let reply: [UInt8] = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse().serializedBytes()
            return (.ok, reply)
        } catch {
            return (.badRequest, [])
        }
    }
}

/// `TraceService/Export` over gRPC, registered by hand (one unary method) rather than with
/// generated service code, which would need grpc-swift's protoc plugin.
private struct OTLPGRPCTraceService: RegistrableRPCService {
    let collected: SpanCollection

    static let export = MethodDescriptor(fullyQualifiedService: "opentelemetry.proto.collector.trace.v1.TraceService", method: "Export")

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let collected = self.collected
        router.registerHandler(
            forMethod: Self.export,
            deserializer: ProtobufDeserializer<Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest>(),
            serializer: ProtobufSerializer<Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse>()
        ) { request, _ in
            for try await message in request.messages {
                collected.received(message, transport: "grpc")
            }
            return StreamingServerResponse(single: ServerResponse(message: Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse()))
        }
    }
}
