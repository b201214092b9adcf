import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RPCProto
import RPCWire

/// What the fault suite shares: request bodies, a raw TCP peer for misbehaving on purpose, and a
/// process's memory.
enum FaultFixtures {
    static let questionsBody = #"{"jobDescription": "Senior Swift engineer building backend services with SwiftNIO."}"#
    static let analysisBody = #"{"jobDescription": "Staff engineer, distributed systems", "profile": {"fullName": "Ada Lovelace", "jobTitle": "Engineer"}}"#
    static let briefBody = #"{"profile": {"fullName": "Ada Lovelace", "jobTitle": "Engineer"}, "counterpartInfo": "Grace Hopper, compiler pioneer at the Navy"}"#

    /// Milliseconds since 1970, the clock the simulator stamps its records with.
    static func nowMs() -> Double { Date().timeIntervalSince1970 * 1000 }

    /// Resident memory of a process, in KiB (`VmRSS` of `/proc/<pid>/status`).
    static func residentKiB(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        return line?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
    }

    /// The requests the simulator has recorded, oldest first.
    static func simulatorRequests(_ stack: Stack) async throws -> [[String: Any]] {
        let reply = try await stack.send("GET", "/simulator/requests", base: stack.simulatorURL)
        return reply.json["requests"] as? [[String: Any]] ?? []
    }

    /// An RPC frame with this content, length prefix included.
    static func frame(_ build: (inout Career_V1_Frame) -> Void) throws -> [UInt8] {
        var frame = Career_V1_Frame()
        build(&frame)
        let body: [UInt8] = try frame.serializedBytes()
        return Array(ByteBufferAllocator().frame(body: body).readableBytesView)
    }

    static func hello(token: String) throws -> [UInt8] {
        try frame { $0.hello = .with { $0.protocolVersion = 1; $0.token = Data(token.utf8) } }
    }
}

/// A TCP peer that writes what a test tells it and notices when the server closes on it.
final class RawPeer: Sendable {
    let channel: any Channel
    private let received = NIOLockedValueBox(ByteBuffer())
    private let closed = NIOLockedValueBox(false)

    private init(channel: any Channel) {
        self.channel = channel
        channel.closeFuture.whenComplete { [closed] _ in closed.withLockedValue { $0 = true } }
    }

    static func connect(port: Int) async throws -> RawPeer {
        let sink = NIOLockedValueBox<RawPeer?>(nil)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector { bytes in sink.withLockedValue { $0 }?.append(bytes) })
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let peer = RawPeer(channel: channel)
        sink.withLockedValue { $0 = peer }
        return peer
    }

    var isClosed: Bool { self.closed.withLockedValue { $0 } }
    var bytesReceived: Int { self.received.withLockedValue { $0.readableBytes } }

    private func append(_ bytes: ByteBuffer) {
        var bytes = bytes
        self.received.withLockedValue { $0.writeBuffer(&bytes) }
    }

    /// Writes `bytes`; false when the connection is already gone.
    @discardableResult
    func send(_ bytes: [UInt8]) async -> Bool {
        guard !self.isClosed else { return false }
        return (try? await self.channel.writeAndFlush(ByteBuffer(bytes: bytes))) != nil
    }

    /// Waits for the server to close the connection; true when it did within `limit`.
    func waitUntilClosed(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while !self.isClosed, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return self.isClosed
    }

    func close() {
        self.channel.close(promise: nil)
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let onBytes: @Sendable (ByteBuffer) -> Void
        init(onBytes: @escaping @Sendable (ByteBuffer) -> Void) { self.onBytes = onBytes }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            self.onBytes(self.unwrapInboundIn(data))
        }
    }
}

/// A streaming call through the gateway: `POST /api/v1/networking/brief` as Server-Sent Events.
func openBriefStream(_ stack: Stack) async throws -> HTTPClientResponse {
    var request = HTTPClientRequest(url: stack.gatewayURL + "/api/v1/networking/brief")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.headers.add(name: "Accept", value: "text/event-stream")
    request.body = .bytes(ByteBuffer(string: FaultFixtures.briefBody))
    return try await HTTPClient.shared.execute(request, timeout: .seconds(30))
}
