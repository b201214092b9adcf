import AppSupport
import AsyncHTTPClient
import GeminiAPI
import Logging
import NIOCore
import NIOPosix
import RPCRuntime
import ServiceLifecycle

/// Everything an AI service process runs: its RPC server and, on shutdown, the Gemini client's
/// connection pool. Built by `buildGenerationService` / `buildCoachService`.
public struct ServiceProcess: Sendable {
    public let server: RPCServer
    public let gemini: GeminiClient
    public let runner: ModelRunner
    public let logger: Logger
    /// Other services the process runs (e.g. the coach's RPC client to the generation service).
    public var companions: [any Service]

    public init(configuration: ServiceConfiguration, router: RPCRouter, runner: ModelRunner, companions: [any Service] = [], logger: Logger) {
        ServiceMetrics.bootstrap()
        var router = router
        router.meterGeminiUsage()
        ServiceMetrics.instrumentCalls(&router)
        self.server = RPCServer(
            configuration: RPCServerConfiguration(
                host: configuration.listenHost,
                port: configuration.listenPort,
                token: configuration.rpcToken,
                serverName: configuration.serviceName,
                maxConcurrentCallsPerConnection: configuration.maxCallsPerConnection
            ),
            router: router,
            logger: logger
        )
        self.gemini = runner.client
        self.runner = runner
        self.companions = companions + [
            ServiceMetrics.listener(host: configuration.metricsHost, port: configuration.metricsPort, gemini: runner.client, logger: logger)
        ]
        self.logger = logger
    }

    /// Runs until SIGTERM or SIGINT, then drains calls in flight and closes the Gemini client.
    public func run() async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: self.companions.map { .init(service: $0) } + [.init(service: self.server)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: self.logger
            )
        )
        let server = self.server
        let logger = self.logger
        Task {
            if let address = try? await server.boundAddress {
                logger.info("listening", metadata: ["rpc.address": "\(address)"])
            }
        }
        do {
            try await group.run()
        } catch {
            try? await self.gemini.shutdown()
            throw error
        }
        try? await self.gemini.shutdown()
        logger.info("stopped")
    }
}
