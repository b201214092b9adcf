import AppSupport
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import RPCRuntime

/// Builds the gateway: its RPC clients to the two services and the HTTP application that
/// serves the public API. The one place where the gateway's parts are wired.
public func buildGateway(
    configuration: GatewayConfiguration,
    logger: Logger,
    metrics: GatewayMetrics = GatewayMetrics(),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let clientConfiguration = RPCClientConfiguration(token: configuration.rpcToken, clientName: "gateway")
    let generation = try RPCClient(target: configuration.generationTarget, configuration: clientConfiguration, logger: logger)
    let coach = try RPCClient(target: configuration.coachTarget, configuration: clientConfiguration, logger: logger)
    var verifier: (any TokenVerifier)?
    if !configuration.auth.disabled {
        verifier = try await SupabaseTokenVerifier.make(configuration: configuration.auth, logger: logger)
    }
    let router = buildRouter(
        configuration: configuration, generation: generation, coach: coach, verifier: verifier, metrics: metrics,
        openAPI: try OpenAPIRoute.load()
    )
    return Application(
        router: router,
        server: .http1(configuration: .init(
            additionalChannelHandlers: [RequestBodyDeadlineHandler(timeout: TimeAmount(configuration.bodyTimeout))],
            idleTimeout: TimeAmount(configuration.idleTimeout)
        )),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "career-gateway",
            backlog: GatewayConfiguration.listenBacklog,
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections, logger: logger)
        ),
        services: [generation, coach],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger
    )
}

/// The routes and middleware of the public API. `verifier` checks the `/api/v1` bearer
/// tokens; nil only with `AUTH_DISABLED=1`, when every caller is one development user (and
/// shares that user's rate limits and idempotency keys).
///
/// The edge middleware goes first so that it wraps every route, the not-found answer and the
/// 405 answers (from ``RouteTable``) alike: each gets a request id, the error shape, CORS headers and metrics.
func buildRouter(
    configuration: GatewayConfiguration, generation: RPCClient, coach: RPCClient, verifier: (any TokenVerifier)?,
    metrics: GatewayMetrics = GatewayMetrics(),
    limiter: RateLimiter? = nil,
    idempotency: IdempotencyStore = IdempotencyStore(),
    openAPI: OpenAPIRoute? = nil
) -> Router<GatewayRequestContext> {
    let router = Router(context: GatewayRequestContext.self)
    let routes = RouteTable(
        OperationsRoutes.paths.map { ($0, [.get]) } + AIRoutes.paths.map { ("api/v1/" + $0, [.post]) }
    )
    router.add(middleware: RequestEdgeMiddleware(
        cors: CORSPolicy(allowedOrigins: configuration.corsAllowedOrigins), routes: routes, metrics: metrics
    ))
    OperationsRoutes(services: [("generation", generation), ("coach", coach)], metrics: metrics).register(on: router)
    openAPI?.register(on: router)
    let api = router.group("api/v1").add(middleware: verifier.map(AuthMiddleware.init(verifier:)) ?? .disabled)
    AIRoutes(
        generation: generation, coach: coach, callTimeout: configuration.callTimeout,
        limiter: limiter ?? RateLimiter(limits: configuration.rateLimits),
        idempotency: idempotency, metrics: metrics, pingInterval: configuration.streamPingInterval
    ).register(on: api)
    return router
}
