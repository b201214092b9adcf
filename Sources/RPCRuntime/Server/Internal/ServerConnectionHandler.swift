import Foundation
import Logging
import NIOCore
import RPCProto
import RPCWire
import Tracing

/// Serves one connection: the handshake, the call table, deadlines, cancellation, timeouts and
/// draining. All its state lives on the connection's event loop; each call runs in its own task
/// and reports back through the loop.
///
/// Calls run as unstructured tasks rather than in a task group because a call's lifetime is
/// driven by frames (a `CallCancel`, a deadline, the connection closing), which this handler
/// sees first; it keeps every task in its call table and cancels it when the call ends.
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case awaitingHello
        case ready
        /// No new calls; the connection closes when the last call ends.
        case draining
        case closed
    }

    private struct RunningCall {
        /// Tells this call from a later one that reuses its id once it has ended.
        var generation: UInt64
        var task: Task<Void, Never>?
        var deadlineTimer: Scheduled<Void>?
        /// What the call has spent so far, for its status however it ends.
        var usage: CallUsage?
        /// Set when the call ended before its handler did (past its deadline, or cancelled by a
        /// client that asked for the closing status): nothing more is sent for it until the
        /// handler has stopped, then this status, with what the call spent by then.
        var endedAs: RPCError?
    }

    private let shared: ServerShared
    private var logger: Logger
    private var state = State.awaitingHello
    private var context: ChannelHandlerContext?
    private var calls: [UInt32: RunningCall] = [:]
    private var highestCallID: UInt32 = 0
    private var callGenerations: UInt64 = 0
    private var lastActivity = NIODeadline.now()
    private var partialFrameSince: NIODeadline?
    private var handshakeTimer: Scheduled<Void>?
    private var housekeeping: RepeatedTask?
    private var flushScheduled = false
    /// Streaming producers waiting for the outbound buffer to drain.
    private var writabilityWaiters: [CheckedContinuation<Void, any Error>] = []

    init(shared: ServerShared, logger: Logger) {
        self.shared = shared
        self.logger = logger
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { self.start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard self.handshakeTimer == nil else { return }
        let configuration = self.shared.configuration
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.handshakeTimer = context.eventLoop.scheduleTask(in: .init(configuration.handshakeTimeout)) {
            loopBound.value.handshakeTimedOut()
        }
        let interval = Self.housekeepingInterval(configuration)
        self.housekeeping = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            loopBound.value.checkTimeouts()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.resumeWritabilityWaiters(with: nil) }
        context.fireChannelWritabilityChanged()
    }

    private func whenWritable(_ continuation: CheckedContinuation<Void, any Error>) {
        guard self.state != .closed, let context = self.context else {
            continuation.resume(throwing: CancellationError())
            return
        }
        if context.channel.isWritable {
            continuation.resume()
        } else {
            self.writabilityWaiters.append(continuation)
        }
    }

    private func resumeWritabilityWaiters(with error: (any Error)?) {
        let waiters = self.writabilityWaiters
        self.writabilityWaiters.removeAll()
        for waiter in waiters {
            if let error { waiter.resume(throwing: error) } else { waiter.resume() }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.resumeWritabilityWaiters(with: CancellationError())
        self.state = .closed
        self.handshakeTimer?.cancel()
        self.housekeeping?.cancel()
        for (_, call) in self.calls {
            call.deadlineTimer?.cancel()
            call.task?.cancel()
        }
        self.calls.removeAll()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard self.state != .closed else { return }
        self.lastActivity = .now()
        self.partialFrameSince = nil
        let frame: Career_V1_Frame
        do {
            frame = try FrameCodec.decode(Self.unwrapInboundIn(data))
        } catch {
            self.closeWithGoAway(.invalidArgument, "frame is not a valid career.v1.Frame")
            return
        }
        self.handle(frame)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.partialFrameStarted) = event as? FrameDecoderEvent {
            self.partialFrameSince = .now()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let tooLarge = error as? FrameTooLargeError {
            self.logger.debug("rpc frame over the limit", metadata: ["rpc.frame.bytes": "\(tooLarge.announcedLength)"])
            self.closeWithGoAway(.resourceExhausted, tooLarge.description)
        } else {
            self.logger.trace("rpc connection error", metadata: ["error": "\(error)"])
            self.close()
        }
    }

    // MARK: Frames

    private func handle(_ frame: Career_V1_Frame) {
        if self.state == .awaitingHello, frame.kind != nil {
            guard case .hello(let hello) = frame.kind else {
                self.closeWithGoAway(.unauthenticated, "the first frame must be a Hello")
                return
            }
            self.handleHello(hello)
            return
        }
        switch frame.kind {
        case .hello(let hello):
            self.handleHello(hello)
        case .callStart(let start):
            self.handleCallStart(callID: frame.callID, start)
        case .cancel(let cancel):
            self.cancelCall(callID: frame.callID, reportStatus: cancel.reportStatus)
        case .ping(let ping):
            if !ping.ack {
                var pong = ping
                pong.ack = true
                self.write(.make(callID: 0, .ping(pong)))
            }
        case .goAway:
            // The client is leaving; its calls end when it closes the connection.
            break
        case .helloAck, .message, .status:
            self.closeWithGoAway(.invalidArgument, "a client may not send this frame")
        case .none:
            // A frame kind from a later protocol version: ignored, so versions can mix.
            break
        }
    }

    private func handleHello(_ hello: Career_V1_Hello) {
        guard self.state == .awaitingHello else {
            self.closeWithGoAway(.invalidArgument, "Hello sent twice")
            return
        }
        self.handshakeTimer?.cancel()
        self.handshakeTimer = nil
        guard hello.protocolVersion == FrameCodec.protocolVersion else {
            self.closeWithGoAway(.failedPrecondition, "protocol version \(hello.protocolVersion) is not supported; this server speaks 1")
            return
        }
        if let expected = self.shared.tokenBytes, !constantTimeEquals(expected, hello.token) {
            self.logger.debug("rpc handshake refused: wrong token")
            self.closeWithGoAway(.unauthenticated, "invalid RPC token")
            return
        }
        self.logger.debug("rpc handshake accepted", metadata: ["rpc.peer.name": "\(hello.peerName)"])
        self.state = self.shared.isDraining ? .draining : .ready
        var ack = Career_V1_HelloAck()
        ack.protocolVersion = FrameCodec.protocolVersion
        ack.maxFrameBytes = UInt32(self.shared.configuration.maxFrameBytes)
        ack.maxConcurrentCalls = UInt32(self.shared.configuration.maxConcurrentCallsPerConnection)
        ack.serverName = self.shared.configuration.serverName
        self.write(.make(callID: 0, .helloAck(ack)))
        if self.state == .draining { self.beginDrain() }
    }

    private func handleCallStart(callID: UInt32, _ start: Career_V1_CallStart) {
        guard callID != 0, self.calls[callID] == nil else {
            self.closeWithGoAway(.invalidArgument, "call id \(callID) is zero or already in use")
            return
        }
        self.highestCallID = max(self.highestCallID, callID)
        guard self.state == .ready else {
            self.write(.status(callID: callID, RPCError(code: .unavailable, message: "server is shutting down", reason: "DRAINING")))
            return
        }
        guard self.calls.count < self.shared.configuration.maxConcurrentCallsPerConnection else {
            self.write(.status(callID: callID, RPCError(code: .resourceExhausted, message: "too many calls in flight on this connection")))
            return
        }
        guard let handler = self.shared.router.handler(for: start.method) else {
            self.write(.status(callID: callID, RPCError(code: .unimplemented, message: "unknown method \(start.method)")))
            return
        }
        guard let eventLoop = self.context?.eventLoop else { return }

        var deadline: NIODeadline?
        self.callGenerations += 1
        let generation = self.callGenerations
        var call = RunningCall(generation: generation)
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        if start.timeoutMillis > 0 {
            let timeout = TimeAmount.milliseconds(Int64(clamping: start.timeoutMillis))
            deadline = .now() + timeout
            call.deadlineTimer = eventLoop.scheduleTask(in: timeout) {
                loopBound.value.expire(callID: callID, generation: generation)
            }
        }
        var logger = self.logger
        logger[metadataKey: "rpc.method"] = "\(start.method)"
        if let requestID = start.metadata[Metadata.WellKnownKey.requestID] {
            logger[metadataKey: "request.id"] = "\(requestID)"
        }
        let callContext = ServerCallContext(method: start.method, metadata: Metadata(start.metadata), deadline: deadline, logger: logger)
        let payload = start.payload
        call.usage = callContext.usage
        self.calls[callID] = call
        let span = RPCTracing.startServerSpan(start.method, metadata: start.metadata)
        self.calls[callID]?.task = Task {
            let sink = RPCRouter.MessageSink(
                send: { bytes in
                    guard !Task.isCancelled else { throw CancellationError() }
                    eventLoop.execute { loopBound.value.sendMessage(callID: callID, generation: generation, payload: bytes) }
                },
                sendPaced: { bytes in
                    guard !Task.isCancelled else { throw CancellationError() }
                    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                        eventLoop.execute {
                            let handler = loopBound.value
                            handler.sendMessage(callID: callID, generation: generation, payload: bytes)
                            handler.whenWritable(continuation)
                        }
                    }
                }
            )
            // The handler runs in the call's span, so its log lines carry the span's trace id and
            // the spans it starts (Gemini attempts, a call to another service) are its children.
            let outcome: RPCError? = await ServiceContext.withValue(span.context) {
                do {
                    try await handler(payload, callContext, sink)
                    return nil
                } catch let error as any RPCErrorConvertible {
                    return error.rpcError
                } catch is CancellationError {
                    return RPCError(code: .cancelled, message: "call cancelled")
                } catch {
                    callContext.logger.debug("rpc handler failed", metadata: ["error.type": "\(type(of: error))"])
                    return RPCError(code: .internal, message: "internal error")
                }
            }
            RPCTracing.finish(span, outcome: outcome, side: .server)
            eventLoop.execute { loopBound.value.complete(callID: callID, generation: generation, failure: outcome) }
        }
    }

    // MARK: Call lifecycle (on the event loop)

    /// A client's `CallCancel`: the handler stops. Without `report_status` the call is forgotten
    /// at once and nothing more is sent for it; with it, the call keeps its id until the handler
    /// has stopped, and its status then reports what it spent (PROTOCOL.md section 6.7).
    private func cancelCall(callID: UInt32, reportStatus: Bool) {
        guard var call = self.calls[callID], call.endedAs == nil else { return }
        call.deadlineTimer?.cancel()
        call.deadlineTimer = nil
        if reportStatus {
            call.endedAs = RPCError(code: .cancelled, message: "call cancelled by the client")
            self.calls[callID] = call
        } else {
            self.calls[callID] = nil
        }
        call.task?.cancel()
        self.closeIfDrained()
    }

    private func sendMessage(callID: UInt32, generation: UInt64, payload: [UInt8]) {
        guard let running = self.calls[callID], running.generation == generation, running.endedAs == nil else { return }
        // The envelope adds a few bytes; keep well inside what the peer accepts.
        guard payload.count <= self.shared.configuration.maxFrameBytes - Self.envelopeAllowance else {
            let call = self.calls.removeValue(forKey: callID)
            call?.deadlineTimer?.cancel()
            call?.task?.cancel()
            self.write(.status(callID: callID, RPCError(code: .resourceExhausted, message: "response exceeds the frame limit")))
            self.closeIfDrained()
            return
        }
        var message = Career_V1_CallMessage()
        message.payload = Data(payload)
        self.write(.make(callID: callID, .message(message)))
    }

    private func complete(callID: UInt32, generation: UInt64, failure: RPCError?) {
        guard self.calls[callID]?.generation == generation, let call = self.calls.removeValue(forKey: callID) else { return }
        call.deadlineTimer?.cancel()
        self.write(.status(callID: callID, call.endedAs ?? failure, usage: call.usage?.byModel ?? []))
        self.lastActivity = .now()
        self.closeIfDrained()
    }

    /// The deadline passed: the handler is cancelled, and the status goes out once it has
    /// stopped, so it carries everything the call spent (a model stream meters what it got as
    /// it is cut).
    private func expire(callID: UInt32, generation: UInt64) {
        guard var call = self.calls[callID], call.generation == generation, call.endedAs == nil else { return }
        call.deadlineTimer = nil
        call.endedAs = RPCError(code: .deadlineExceeded, message: "deadline exceeded")
        self.calls[callID] = call
        call.task?.cancel()
    }

    /// Stops taking calls; calls in flight run to the end, then the connection closes.
    func beginDrain() {
        switch self.state {
        case .closed:
            return
        case .awaitingHello:
            self.close()
        case .ready, .draining:
            self.state = .draining
            self.write(.goAway(.unavailable, "server is shutting down", lastCallID: self.highestCallID))
            self.closeIfDrained()
        }
    }

    /// Closes the connection now, whatever is in flight (drain timeout).
    func forceClose() {
        self.close()
    }

    private func closeIfDrained() {
        if self.state == .draining && self.calls.isEmpty { self.close() }
    }

    /// Bytes a `Frame` adds around a message payload (call id, field tags, lengths): at most 32.
    static let envelopeAllowance = 32

    // MARK: Timeouts

    private static func housekeepingInterval(_ configuration: RPCServerConfiguration) -> TimeAmount {
        let shortest = min(configuration.idleTimeout, configuration.partialFrameTimeout)
        let interval = min(max(shortest / 4, .milliseconds(5)), .seconds(1))
        return TimeAmount(interval)
    }

    private func handshakeTimedOut() {
        guard self.state == .awaitingHello else { return }
        self.logger.debug("rpc handshake timed out")
        self.closeWithGoAway(.deadlineExceeded, "no Hello within the handshake timeout")
    }

    private func checkTimeouts() {
        let now = NIODeadline.now()
        let configuration = self.shared.configuration
        if let since = self.partialFrameSince, now - since > TimeAmount(configuration.partialFrameTimeout) {
            self.logger.debug("rpc partial frame timed out")
            self.closeWithGoAway(.deadlineExceeded, "frame not completed within the partial-frame timeout")
        } else if self.state != .awaitingHello, self.calls.isEmpty, now - self.lastActivity > TimeAmount(configuration.idleTimeout) {
            // Before its Hello a peer is on the handshake timeout; the idle one starts after it
            // (otherwise a short idle timeout would cut a slow peer off before it could greet).
            self.logger.debug("rpc connection idle")
            self.closeWithGoAway(.unavailable, "connection idle")
        }
    }

    // MARK: Writing

    private func write(_ frame: Career_V1_Frame) {
        guard let context = self.context, self.state != .closed else { return }
        do {
            let buffer = try FrameCodec.encode(frame, allocator: context.channel.allocator)
            context.write(Self.wrapOutboundOut(buffer), promise: nil)
        } catch {
            self.logger.debug("rpc frame encoding failed", metadata: ["error": "\(error)"])
            return
        }
        // Flush once per event-loop tick, so responses finishing together share a syscall.
        guard !self.flushScheduled else { return }
        self.flushScheduled = true
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let handler = loopBound.value
            handler.flushScheduled = false
            handler.context?.flush()
        }
    }

    private func closeWithGoAway(_ code: RPCError.Code, _ message: String) {
        self.write(.goAway(code, message, lastCallID: self.highestCallID))
        self.close()
    }

    private func close() {
        guard self.state != .closed, let context = self.context else { return }
        // Frames written this tick (a call's last status, a go-away) leave before the close.
        context.flush()
        self.state = .closed
        context.close(promise: nil)
    }
}
