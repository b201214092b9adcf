import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A loopback TCP proxy a test can cut and restore, to take a server (a database) away from a
/// process under test and give it back, as an outage would: ``cut()`` closes every connection
/// and stops listening (new connections are refused), ``restore()`` listens again on the same
/// port.
public final class TCPProxy: Sendable {
    public let port: Int
    private let targetHost: String
    private let targetPort: Int
    private let state = NIOLockedValueBox(State())

    private struct State {
        var listener: (any Channel)?
        var connections: [any Channel] = []
    }

    /// Starts forwarding `127.0.0.1:<port>` (a free one) to `targetHost:targetPort`.
    public init(targetHost: String, targetPort: Int) async throws {
        self.targetHost = targetHost
        self.targetPort = targetPort
        self.port = try await freeLoopbackPort()
        try await self.restore()
    }

    /// Listens again (no-op when listening).
    public func restore() async throws {
        guard self.state.withLockedValue({ $0.listener == nil }) else { return }
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                self.track(inbound)
                return ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: self.targetHost, port: self.targetPort)
                    .flatMap { outbound in
                        self.track(outbound)
                        let (a, b) = GlueHandler.pair()
                        return inbound.pipeline.addHandler(a).and(outbound.pipeline.addHandler(b)).map { _ in }
                    }
                    .flatMapError { error in
                        inbound.close(promise: nil)
                        return inbound.eventLoop.makeFailedFuture(error)
                    }
            }
            .bind(host: "127.0.0.1", port: self.port).get()
        self.state.withLockedValue { $0.listener = listener }
    }

    /// Stops listening and closes every connection it carries.
    public func cut() async {
        let (listener, connections) = self.state.withLockedValue { state -> ((any Channel)?, [any Channel]) in
            defer { state.listener = nil; state.connections = [] }
            return (state.listener, state.connections)
        }
        try? await listener?.close()
        for connection in connections { try? await connection.close() }
    }

    private func track(_ channel: any Channel) {
        self.state.withLockedValue { $0.connections.append(channel) }
    }
}

/// Passes bytes between two channels, each handler writing what it reads into its partner's
/// channel and closing it when its own closes.
private final class GlueHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?

    static func pair() -> (GlueHandler, GlueHandler) {
        let first = GlueHandler()
        let second = GlueHandler()
        first.partner = second
        second.partner = first
        return (first, second)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.partner?.forward(Self.unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.partner?.closePartner()
        context.fireChannelInactive()
    }

    /// Both channels of a pair share one event loop (the outbound one is made on the inbound's).
    private func forward(_ buffer: ByteBuffer) {
        guard let context = self.context else { return }
        context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
    }

    private func closePartner() {
        guard let channel = self.context?.channel else { return }
        channel.close(promise: nil)
    }
}
