import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request body has not fully arrived within `timeout` of its head.
///
/// Hummingbird's idle timeout covers a client that trickles a request head (the head counts
/// only once complete) or goes silent, but every body chunk resets it: a client sending a large
/// declared body a byte at a time (the slow-body variant of slowloris) would hold its connection,
/// and one of the gateway's `HTTP_MAX_CONNECTIONS`, for days. This bounds the whole body instead.
/// Nothing is answered (the route is still waiting for the body it will never get); the client
/// sees the connection close.
final class RequestBodyDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head:
            self.deadline?.cancel()
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            self.deadline = context.eventLoop.scheduleTask(in: self.timeout) {
                loopBound.value.close(promise: nil)
            }
        case .body:
            break
        case .end:
            self.deadline?.cancel()
            self.deadline = nil
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.deadline?.cancel()
        self.deadline = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.deadline?.cancel()
        self.deadline = nil
    }
}
