import Foundation
import NIOCore
import RPCProto
import RPCWire

/// The client side of one connection: the handshake, the table of calls waiting for frames,
/// client-side deadlines and cancellation. All its state lives on the connection's event loop.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Receiver {
        case unary(CheckedContinuation<UnaryReply, any Error>)
        case streaming(ResponseFrames)
    }

    typealias Settled = RPCClient.Settled

    private struct PendingCall {
        var receiver: Receiver
        var response: Data?
        var deadlineTimer: Scheduled<Void>?
        /// The tokens an OK status reported.
        var usage: [Career_V1_ModelUsage] = []
        var settled: Settled?
    }

    /// A call this client ended (cancelled, or past its deadline) whose caller waits for the
    /// service's closing status, which reports what the call spent.
    private struct Settling {
        var settled: Settled
        var timer: Scheduled<Void>?
    }

    /// How long a call this client ended waits for the service's closing status before its
    /// caller is told it spent nothing known.
    static let settleGrace = TimeAmount.seconds(5)

    /// A unary call's response and the tokens its OK status reported.
    struct UnaryReply {
        var payload: Data
        var usage: [Career_V1_ModelUsage]
    }

    private let hello: Career_V1_Hello
    private let handshake: EventLoopPromise<Career_V1_HelloAck>
    /// Told once when the connection stops taking new calls (go-away or close).
    private let onUnusable: @Sendable () -> Void
    private var context: ChannelHandlerContext?
    private var calls: [UInt32: PendingCall] = [:]
    private var settling: [UInt32: Settling] = [:]
    /// Calls cancelled before their start reached the loop (a cancellation races the start).
    private var cancelledEarly: Set<UInt32> = []
    private var acceptsCalls = false
    private var closed = false
    private var flushScheduled = false

    init(hello: Career_V1_Hello, handshake: EventLoopPromise<Career_V1_HelloAck>, onUnusable: @escaping @Sendable () -> Void) {
        self.hello = hello
        self.handshake = handshake
        self.onUnusable = onUnusable
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { self.sendHello() }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.sendHello()
        context.fireChannelActive()
    }

    private var helloSent = false
    private func sendHello() {
        guard !self.helloSent else { return }
        self.helloSent = true
        self.write(.make(callID: 0, .hello(self.hello)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.closed = true
        self.stopTakingCalls()
        self.handshake.fail(RPCError(code: .unavailable, message: "connection closed during the handshake"))
        self.failAll(RPCError(code: .unavailable, message: "connection to the service was lost", reason: "CONNECTION_LOST"))
        // No status can come now for the calls this client ended.
        let settling = self.settling
        self.settling.removeAll()
        for (_, waiting) in settling {
            waiting.timer?.cancel()
            waiting.settled([])
        }
        self.onUnusable()  // also when the handshake never finished
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame: Career_V1_Frame
        do {
            frame = try FrameCodec.decode(Self.unwrapInboundIn(data))
        } catch {
            context.close(promise: nil)
            return
        }
        switch frame.kind {
        case .helloAck(let ack):
            self.acceptsCalls = true
            self.handshake.succeed(ack)
        case .message(let message):
            guard var call = self.calls[frame.callID] else { return }
            switch call.receiver {
            case .unary:
                call.response = message.payload
                self.calls[frame.callID] = call
            case .streaming(let frames):
                frames.yield(message.payload)
            }
        case .status(let status):
            if let waiting = self.settling.removeValue(forKey: frame.callID) {
                waiting.timer?.cancel()
                waiting.settled(status.usage)
                return
            }
            guard var call = self.calls.removeValue(forKey: frame.callID) else { return }
            call.deadlineTimer?.cancel()
            call.usage = status.usage
            let failure = status.code == .ok ? nil : RPCError(callStatus: status)
            // Settled first, so a caller that resumes with the answer finds it accounted for.
            call.settled?(status.usage)
            Self.finish(call, failure: failure)
        case .goAway(let goAway):
            let error = RPCError(code: RPCError.Code(rawValue: goAway.code.rawValue) ?? .unavailable, message: goAway.message)
            self.handshake.fail(error)
            self.stopTakingCalls()
            // Calls the server never started can safely go elsewhere.
            for (id, call) in self.calls where id > goAway.lastCallID {
                self.calls[id] = nil
                call.deadlineTimer?.cancel()
                Self.finish(call, failure: RPCError(code: .unavailable, message: "the service is shutting down", reason: "NOT_STARTED"))
            }
        case .ping(let ping):
            if !ping.ack {
                var pong = ping
                pong.ack = true
                self.write(.make(callID: 0, .ping(pong)))
            }
        case .hello, .callStart, .cancel, .none:
            break
        }
    }

    // MARK: Calls (on the event loop)

    /// Starts a call. `settled`, when given, is told once what the call spent, unless the call
    /// never started (a `NOT_STARTED` failure, which the caller may try elsewhere).
    func startCall(id: UInt32, start: Career_V1_CallStart, deadline: NIODeadline?, receiver: Receiver, settled: Settled? = nil) {
        var call = PendingCall(receiver: receiver, settled: settled)
        if self.cancelledEarly.remove(id) != nil {
            Self.finish(call, failure: RPCError(code: .cancelled, message: "call cancelled"))
            settled?([])
            return
        }
        guard self.acceptsCalls, !self.closed else {
            Self.finish(call, failure: RPCError(code: .unavailable, message: "connection is not taking calls", reason: "NOT_STARTED"))
            return
        }
        var start = start
        if let deadline {
            let remaining = deadline - .now()
            guard remaining > .zero else {
                Self.finish(call, failure: RPCError(code: .deadlineExceeded, message: "deadline exceeded before the call started"))
                settled?([])
                return
            }
            // Round up, so the server never sees a shorter deadline than ours.
            start.timeoutMillis = UInt64((remaining.nanoseconds + 999_999) / 1_000_000)
            let loopBound = NIOLoopBound(self, eventLoop: self.context!.eventLoop)
            call.deadlineTimer = self.context?.eventLoop.scheduleTask(deadline: deadline) {
                loopBound.value.expire(id: id)
            }
        }
        self.calls[id] = call
        self.write(.make(callID: id, .callStart(start)))
    }

    func cancelCall(id: UInt32) {
        guard let call = self.calls.removeValue(forKey: id) else {
            // The start may still be on its way to this loop; bounded, as a safety net.
            if self.cancelledEarly.count > 4096 { self.cancelledEarly.removeAll() }
            self.cancelledEarly.insert(id)
            return
        }
        call.deadlineTimer?.cancel()
        self.end(id: id, call, failure: RPCError(code: .cancelled, message: "call cancelled"))
    }

    private func expire(id: UInt32) {
        guard let call = self.calls.removeValue(forKey: id) else { return }
        self.end(id: id, call, failure: RPCError(code: .deadlineExceeded, message: "deadline exceeded"))
    }

    /// Ends a call on this side (cancelled, or past its deadline): the service is told to stop
    /// and the caller gets `failure` at once. When the caller waits to hear what the call spent,
    /// the cancel asks for the call's closing status, awaited for at most ``settleGrace``.
    private func end(id: UInt32, _ call: PendingCall, failure: RPCError) {
        self.write(.make(callID: id, .cancel(.with { $0.reportStatus = call.settled != nil })))
        Self.finish(call, failure: failure)
        guard let settled = call.settled else { return }
        guard let eventLoop = self.context?.eventLoop, !self.closed else {
            settled([])
            return
        }
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        self.settling[id] = Settling(settled: settled, timer: eventLoop.scheduleTask(in: Self.settleGrace) {
            guard let waiting = loopBound.value.settling.removeValue(forKey: id) else { return }
            waiting.settled([])
        })
    }

    var inFlight: Int { self.calls.count }

    func close() {
        self.stopTakingCalls()
        self.context?.close(promise: nil)
    }

    private func stopTakingCalls() {
        guard self.acceptsCalls else { return }
        self.acceptsCalls = false
        self.onUnusable()
    }

    private func failAll(_ error: RPCError) {
        let calls = self.calls
        self.calls.removeAll()
        for (_, call) in calls {
            call.deadlineTimer?.cancel()
            call.settled?([])
            Self.finish(call, failure: error)
        }
    }

    private static func finish(_ call: PendingCall, failure: RPCError?) {
        switch call.receiver {
        case .unary(let continuation):
            if let failure {
                continuation.resume(throwing: failure)
            } else if let response = call.response {
                continuation.resume(returning: UnaryReply(payload: response, usage: call.usage))
            } else {
                continuation.resume(throwing: RPCError(code: .internal, message: "the service ended a unary call without a response"))
            }
        case .streaming(let frames):
            frames.finish(failure: failure)
        }
    }

    // MARK: Writing

    private func write(_ frame: Career_V1_Frame) {
        guard let context = self.context else { return }
        guard let buffer = try? FrameCodec.encode(frame, allocator: context.channel.allocator) else { return }
        context.write(Self.wrapOutboundOut(buffer), promise: nil)
        // Flush once per event-loop tick, so calls started together share a syscall.
        guard !self.flushScheduled else { return }
        self.flushScheduled = true
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let handler = loopBound.value
            handler.flushScheduled = false
            handler.context?.flush()
        }
    }
}
