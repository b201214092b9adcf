import Atomics
import Logging
import NIOCore
import NIOPosix
import RPCProto
import RPCWire
import ServiceLifecycle

/// Serves an ``RPCRouter`` over TCP. Run it in a `ServiceGroup`: on graceful shutdown (SIGTERM,
/// SIGINT) it stops accepting, tells every connection to go away, lets calls in flight finish
/// (up to ``RPCServerConfiguration/drainTimeout``), then returns.
public final class RPCServer: Service, Sendable {
    public let configuration: RPCServerConfiguration
    private let shared: ServerShared
    private let logger: Logger
    private let eventLoopGroup: any EventLoopGroup
    private let boundAddressPromise: EventLoopPromise<SocketAddress>

    /// - Parameters:
    ///   - router: the methods to serve; the health method `/career.v1.Health/Check` is added.
    public init(
        configuration: RPCServerConfiguration,
        router: RPCRouter,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        self.boundAddressPromise = eventLoopGroup.any().makePromise()
        var router = router
        let draining = ManagedAtomic(false)
        router.register(HealthMethods.check) { _, _ in
            var response = Career_V1_HealthCheckResponse()
            response.status = draining.load(ordering: .relaxed) ? .notServing : .serving
            return response
        }
        self.shared = ServerShared(configuration: configuration, router: router, draining: draining)
    }

    /// The address the server listens on, once it does.
    public var boundAddress: SocketAddress {
        get async throws { try await self.boundAddressPromise.futureResult.get() }
    }

    /// Connections open now.
    public var openConnectionCount: Int { self.shared.openConnectionCount }

    public func run() async throws {
        let shared = self.shared
        let logger = self.logger
        let maxFrameBytes = self.configuration.maxFrameBytes
        let listener: any Channel
        do {
            listener = try await ServerBootstrap(group: self.eventLoopGroup)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.maxMessagesPerRead, value: 16)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        var connectionLogger = logger
                        connectionLogger[metadataKey: "rpc.peer"] = "\(channel.remoteAddress?.description ?? "unknown")"
                        let handler = ServerConnectionHandler(shared: shared, logger: connectionLogger)
                        guard shared.admit(channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop)) else {
                            connectionLogger.debug("rpc connection refused: connection limit reached")
                            channel.close(promise: nil)
                            return
                        }
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes))
                        )
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .bind(host: self.configuration.host, port: self.configuration.port)
                .get()
        } catch {
            self.boundAddressPromise.fail(error)
            throw error
        }
        if let address = listener.localAddress {
            self.boundAddressPromise.succeed(address)
        }

        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                try? await listener.closeFuture.get()
            } onCancel: {
                listener.close(promise: nil)
            }
        } onGracefulShutdown: {
            listener.close(promise: nil)
        }
        await self.drain()
    }

    /// Lets calls in flight finish, then closes what is left.
    private func drain() async {
        self.shared.beginDrain()
        let deadline = ContinuousClock.now + self.configuration.drainTimeout
        while self.shared.openConnectionCount > 0 && ContinuousClock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if self.shared.openConnectionCount > 0 {
            self.logger.debug("rpc drain timed out; closing connections", metadata: ["rpc.connections": "\(self.shared.openConnectionCount)"])
            await self.shared.forceCloseAll()
        }
    }
}

/// The health method every server serves.
public enum HealthMethods {
    public static let check = RPCMethod<Career_V1_HealthCheckRequest, Career_V1_HealthCheckResponse>(
        service: "career.v1.Health", name: "Check", kind: .unary
    )
}
