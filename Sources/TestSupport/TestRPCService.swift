import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import RPCProto
import RPCRuntime
import SwiftProtobuf

/// A small service for exercising the RPC runtime: echo, stream, and a call that waits until
/// it is cancelled, recording what it saw. Its messages are `google.protobuf.StringValue` (the
/// "request text" below), which swift-protobuf ships, so the runtime is tested without any domain
/// message.
public final class TestRPCService: Sendable {
    public static let echo = RPCMethod<Google_Protobuf_StringValue, Google_Protobuf_StringValue>(service: "test.Echo", name: "Echo", kind: .unary)
    /// Sends as many responses as the request text's number, then ends.
    public static let count = RPCMethod<Google_Protobuf_StringValue, Google_Protobuf_StringValue>(service: "test.Echo", name: "Count", kind: .serverStreaming)
    /// Spends ``tokensBeforeHanging``, waits until cancelled, records it and spends
    /// ``tokensWhenCancelled`` (as a model stream being read meters what it got when it is cut).
    public static let hang = RPCMethod<Google_Protobuf_StringValue, Google_Protobuf_StringValue>(service: "test.Echo", name: "Hang", kind: .unary)
    /// ``hang`` as a stream: one message first, then the same.
    public static let hangStream = RPCMethod<Google_Protobuf_StringValue, Google_Protobuf_StringValue>(service: "test.Echo", name: "HangStream", kind: .serverStreaming)
    /// The model name and tokens ``hang`` reports spending: 7 prompt tokens before it waits, 3
    /// output tokens when cancelled.
    public static let hangModel = "test-model"
    public static let tokensBeforeHanging: Int64 = 7
    public static let tokensWhenCancelled: Int64 = 3
    /// Echoes the call's metadata and remaining deadline.
    public static let inspect = RPCMethod<Google_Protobuf_StringValue, Google_Protobuf_StringValue>(service: "test.Echo", name: "Inspect", kind: .unary)
    /// Sleeps for the request text's number of milliseconds, then echoes.
    public static let sleep = RPCMethod<Google_Protobuf_StringValue, Google_Protobuf_StringValue>(service: "test.Echo", name: "Sleep", kind: .unary)
    /// Streams 256 KiB messages, as many as the request text's number, counting each one sent.
    public static let flood = RPCMethod<Google_Protobuf_StringValue, Career_V1_CallMessage>(service: "test.Echo", name: "Flood", kind: .serverStreaming)
    /// Fails with the status code named in the request text.
    public static let fail = RPCMethod<Google_Protobuf_StringValue, Google_Protobuf_StringValue>(service: "test.Echo", name: "Fail", kind: .unary)

    private let events = NIOLockedValueBox<[String]>([])
    private let floodSent = NIOLockedValueBox(0)

    /// Messages the flood method has handed to the connection so far.
    public var floodMessagesSent: Int { self.floodSent.withLockedValue { $0 } }

    public init() {}

    /// What the handlers observed, e.g. "hang started", "hang cancelled".
    public var observed: [String] { self.events.withLockedValue { $0 } }

    private func record(_ event: String) { self.events.withLockedValue { $0.append(event) } }

    private func hang(_ context: ServerCallContext) async throws {
        context.usage.add(model: Self.hangModel, promptTokens: Self.tokensBeforeHanging, outputTokens: 0, thoughtsTokens: 0, totalTokens: Self.tokensBeforeHanging)
        self.record("hang started")
        do {
            try await Task.sleep(for: .seconds(60))
        } catch {
            context.usage.add(model: Self.hangModel, promptTokens: 0, outputTokens: Self.tokensWhenCancelled, thoughtsTokens: 0, totalTokens: Self.tokensWhenCancelled)
            self.record("hang cancelled")
            throw error
        }
    }

    public var router: RPCRouter {
        var router = RPCRouter()
        router.register(Self.echo) { request, _ in
            self.record("echo")
            return request
        }
        router.register(Self.count) { request, writer, _ in
            for index in 0..<(Int(request.value) ?? 0) {
                try await writer.write(.with { $0.value = "\(index)" })
            }
        }
        router.register(Self.hang) { [self] _, context in
            try await self.hang(context)
            return Google_Protobuf_StringValue()
        }
        router.register(Self.hangStream) { [self] _, writer, context in
            try await writer.write(.with { $0.value = "first" })
            try await self.hang(context)
        }
        router.register(Self.inspect) { _, context in
            let remaining = context.deadline.map { ($0 - .now()).nanoseconds / 1_000_000 }
            let pairs = context.metadata.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return .with { $0.value = (pairs + ["deadline-ms=\(remaining.map(String.init) ?? "none")"]).joined(separator: ";") }
        }
        router.register(Self.sleep) { [self] request, _ in
            self.record("sleep started")
            try await Task.sleep(for: .milliseconds(Int(request.value) ?? 0))
            self.record("sleep finished")
            return request
        }
        router.register(Self.flood) { [self] request, writer, _ in
            let message = Career_V1_CallMessage.with { $0.payload = Data(repeating: 7, count: 256 * 1024) }
            for _ in 0..<(Int(request.value) ?? 0) {
                try await writer.write(message)
                self.floodSent.withLockedValue { $0 += 1 }
            }
        }
        router.register(Self.fail) { request, _ in
            let code = RPCError.Code(name: request.value) ?? .internal
            throw RPCError(code: code, message: "failed as asked", reason: "TEST_REASON",
                           fieldViolations: [.init(field: "value", issue: "asked to fail")], retryAfter: .seconds(3))
        }
        return router
    }
}

/// A logger that drops everything, for tests that do not look at logs.
public let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// Runs an RPC server for the duration of `body`, on a free loopback port.
public func withRPCServer<T>(
    _ configuration: RPCServerConfiguration,
    router: RPCRouter,
    _ body: (RPCServer, SocketAddress) async throws -> T
) async throws -> T {
    let server = RPCServer(configuration: configuration, router: router, logger: quietLogger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        defer { group.cancelAll() }
        let address = try await server.boundAddress
        return try await body(server, address)
    }
}

extension SocketAddress {
    /// "127.0.0.1:port", as RPC targets are written.
    public var target: String { "\(self.ipAddress ?? "127.0.0.1"):\(self.port ?? 0)" }
}
