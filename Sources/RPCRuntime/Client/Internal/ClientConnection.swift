import Atomics
import Foundation
import NIOCore
import NIOPosix
import RPCProto
import RPCWire

/// One open, handshaken connection to one server address. Many calls share it.
final class ClientConnection: Sendable {
    let channel: any Channel
    let serverLimits: Career_V1_HelloAck
    private let handler: NIOLoopBound<ClientConnectionHandler>
    /// Call ids are never reused on a connection: when they run out, the connection stops
    /// taking calls and the client opens a new one.
    private let nextCallID = ManagedAtomic<UInt64>(1)
    private let usable: ManagedAtomic<Bool>
    private let inFlightCalls = ManagedAtomic(0)

    private init(
        channel: any Channel,
        handler: NIOLoopBound<ClientConnectionHandler>,
        serverLimits: Career_V1_HelloAck,
        usable: ManagedAtomic<Bool>
    ) {
        self.channel = channel
        self.handler = handler
        self.serverLimits = serverLimits
        self.usable = usable
    }

    /// Connects, sends `Hello` and waits for `HelloAck`, all within the connect timeout.
    /// `onUnusable` is called once, when the connection stops taking calls.
    static func connect(
        to address: SocketAddress,
        configuration: RPCClientConfiguration,
        eventLoopGroup: any EventLoopGroup,
        onUnusable: @escaping @Sendable () -> Void
    ) async throws -> ClientConnection {
        let hello = Career_V1_Hello.with {
            $0.protocolVersion = FrameCodec.protocolVersion
            $0.token = Data((configuration.token ?? "").utf8)
            $0.peerName = configuration.clientName
        }
        let maxFrameBytes = configuration.maxFrameBytes
        let usable = ManagedAtomic(true)
        let eventLoop = eventLoopGroup.next()
        let handshake = eventLoop.makePromise(of: Career_V1_HelloAck.self)

        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = ClientConnectionHandler(hello: hello, handshake: handshake) {
                            if usable.exchange(false, ordering: .relaxed) { onUnusable() }
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(to: address)
                .get()
        } catch {
            handshake.fail(error)
            throw RPCError(code: .unavailable, message: "cannot connect to the service", reason: "NOT_STARTED", cause: error)
        }

        let timeout = eventLoop.scheduleTask(in: TimeAmount(configuration.connectTimeout)) {
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        do {
            let ack = try await handshake.futureResult.get()
            let handler = try await eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ClientConnectionHandler.self), eventLoop: eventLoop)
            }.get()
            return ClientConnection(channel: channel, handler: handler, serverLimits: ack, usable: usable)
        } catch {
            channel.close(promise: nil)
            if let refusal = error as? RPCError, refusal.code == .unauthenticated || refusal.code == .failedPrecondition {
                throw RPCError(code: .unavailable, message: "the service refused the connection: \(refusal.message)", reason: "HANDSHAKE_REFUSED")
            }
            throw RPCError(code: .unavailable, message: "handshake with the service failed", reason: "NOT_STARTED", cause: error)
        }
    }

    /// True while the connection takes new calls.
    var isUsable: Bool { self.usable.load(ordering: .relaxed) && self.channel.isActive }

    /// Calls waiting for an answer on this connection.
    var inFlight: Int { self.inFlightCalls.load(ordering: .relaxed) }

    func close() {
        self.usable.store(false, ordering: .relaxed)
        self.channel.close(promise: nil)
    }

    private func makeStart(method: String, metadata: Metadata, payload: Data) throws -> (UInt32, Career_V1_CallStart) {
        // The envelope adds at most a few hundred bytes besides the metadata.
        let envelope = 256 + metadata.values.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 8 } + method.utf8.count
        guard payload.count + envelope <= Int(self.serverLimits.maxFrameBytes) else {
            throw RPCError(code: .resourceExhausted, message: "request exceeds the service's frame limit of \(self.serverLimits.maxFrameBytes) bytes")
        }
        // The server refuses calls over the limit it announced (RESOURCE_EXHAUSTED, which a
        // caller would take for a rate limit): at the limit the call does not start here, and
        // goes to another replica or fails as the service being busy (UNAVAILABLE).
        let limit = Int(self.serverLimits.maxConcurrentCalls)
        guard limit == 0 || self.inFlight < limit else {
            throw RPCError(code: .unavailable, message: "the service connection is at its limit of \(limit) calls in flight", reason: "NOT_STARTED", retryAfter: .seconds(1))
        }
        let id = self.nextCallID.loadThenWrappingIncrement(ordering: .relaxed)
        guard id < UInt64(UInt32.max) else {
            self.close()
            throw RPCError(code: .unavailable, message: "connection ran out of call ids", reason: "NOT_STARTED")
        }
        var start = Career_V1_CallStart()
        start.method = method
        start.metadata = metadata.values
        start.payload = payload
        return (UInt32(id), start)
    }

    /// `makeStart`, telling `settled` that a call refused here spent nothing, unless it may still
    /// start elsewhere (`NOT_STARTED`).
    private func makeStart(
        method: String, metadata: Metadata, payload: Data, settled: ClientConnectionHandler.Settled?
    ) throws -> (UInt32, Career_V1_CallStart) {
        do {
            return try self.makeStart(method: method, metadata: metadata, payload: payload)
        } catch let error as RPCError {
            if error.reason != "NOT_STARTED" { settled?([]) }
            throw error
        }
    }

    func unary(
        method: String, metadata: Metadata, deadline: NIODeadline?, payload: Data, settled: ClientConnectionHandler.Settled? = nil
    ) async throws -> ClientConnectionHandler.UnaryReply {
        let (id, start) = try self.makeStart(method: method, metadata: metadata, payload: payload, settled: settled)
        let handler = self.handler
        self.inFlightCalls.wrappingIncrement(ordering: .relaxed)
        defer { self.inFlightCalls.wrappingDecrement(ordering: .relaxed) }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                handler.eventLoop.execute {
                    handler.value.startCall(id: id, start: start, deadline: deadline, receiver: .unary(continuation), settled: settled)
                }
            }
        } onCancel: {
            handler.eventLoop.execute { handler.value.cancelCall(id: id) }
        }
    }

    func serverStreaming(
        method: String, metadata: Metadata, deadline: NIODeadline?, payload: Data, settled: ClientConnectionHandler.Settled? = nil
    ) throws -> ResponseFrames {
        let (id, start) = try self.makeStart(method: method, metadata: metadata, payload: payload, settled: settled)
        let handler = self.handler
        let inFlightCalls = self.inFlightCalls
        inFlightCalls.wrappingIncrement(ordering: .relaxed)
        let frames = ResponseFrames { cancelled in
            inFlightCalls.wrappingDecrement(ordering: .relaxed)
            if cancelled {
                handler.eventLoop.execute { handler.value.cancelCall(id: id) }
            }
        }
        handler.eventLoop.execute {
            handler.value.startCall(id: id, start: start, deadline: deadline, receiver: .streaming(frames), settled: settled)
        }
        return frames
    }
}
