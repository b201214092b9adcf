import AppSupport
import GatewayStore
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import RPCRuntime
import ServiceLifecycle
import Tracing

/// Builds the gateway: its RPC clients to the two services and the HTTP application that
/// serves the public API. The one place where the gateway's parts are wired.
public func buildGateway(
    configuration: GatewayConfiguration,
    logger: Logger,
    metrics: GatewayMetrics = GatewayMetrics(),
    tracing: (any Service)? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let clientConfiguration = RPCClientConfiguration(token: configuration.rpcToken, clientName: "gateway")
    let generation = try RPCClient(target: configuration.generationTarget, configuration: clientConfiguration, logger: logger)
    let coach = try RPCClient(target: configuration.coachTarget, configuration: clientConfiguration, logger: logger)
    var verifier: (any TokenVerifier)?
    if !configuration.auth.disabled {
        verifier = try await SupabaseTokenVerifier.make(configuration: configuration.auth, logger: logger)
    }
    let (store, storeService) = try await openStore(configuration: configuration, logger: logger)
    let persistence = Persistence(store: store, saveResults: configuration.saveResults, metrics: metrics, logger: logger)
    let router = buildRouter(
        configuration: configuration, generation: generation, coach: coach, verifier: verifier, metrics: metrics,
        persistence: persistence, openAPI: try OpenAPIRoute.load(), docs: try DocsRoutes.load()
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
        // The server stops first on shutdown, then these in reverse: the pool outlives the
        // last request's save, and the trace exporter everything (it sends the last spans).
        services: (tracing.map { [$0] } ?? []) + [generation, coach] + (storeService.map { [$0] } ?? []),
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
    persistence: Persistence? = nil,
    openAPI: OpenAPIRoute? = nil,
    docs: DocsRoutes? = nil
) -> Router<GatewayRequestContext> {
    let router = Router(context: GatewayRequestContext.self)
    let routes = RouteTable(
        (OperationsRoutes.paths + DocsRoutes.paths).map { ($0, [.get]) } + AIRoutes.paths.map { ("api/v1/" + $0, [.post]) }
            + (persistence == nil ? [] : HistoryRoutes.paths)
    )
    // Outermost, so the request's span covers everything the gateway does for it. Added only
    // when a tracer is bootstrapped (OTEL_EXPORTER_OTLP_ENDPOINT set): with tracing off the
    // request path has no tracing step at all.
    if !(InstrumentationSystem.tracer is NoOpTracer) {
        router.add(middleware: HTTPTracing())
    }
    router.add(middleware: RequestEdgeMiddleware(
        cors: CORSPolicy(allowedOrigins: configuration.corsAllowedOrigins), routes: routes, metrics: metrics
    ))
    OperationsRoutes(services: [("generation", generation), ("coach", coach)], metrics: metrics).register(on: router)
    openAPI?.register(on: router)
    docs?.register(on: router)
    let api = router.group("api/v1").add(middleware: verifier.map(AuthMiddleware.init(verifier:)) ?? .disabled)
    let limits = CallLimits(
        limiter: limiter ?? RateLimiter(limits: configuration.rateLimits), idempotency: idempotency,
        shared: persistence?.store as? any SharedCallState, callTimeout: configuration.callTimeout,
        metrics: metrics, logger: persistence?.logger ?? Logger(label: "gateway")
    )
    AIRoutes(
        generation: generation, coach: coach, callTimeout: configuration.callTimeout, limits: limits,
        metrics: metrics, pingInterval: configuration.streamPingInterval, persistence: persistence
    ).register(on: api)
    if let persistence {
        HistoryRoutes(persistence: persistence, limits: limits).register(on: api)
    }
    return router
}

/// The database `configuration` names: PostgreSQL (a service to run: its pool and start-up
/// migrations) with `DATABASE_URL`, else the embedded SQLite file, opened and migrated here (a
/// folder it cannot write stops the gateway at start, naming `DATA_DIR`).
func openStore(configuration: GatewayConfiguration, logger: Logger) async throws -> (any ResultStore, (any Service)?) {
    if let database = configuration.database {
        logger.info("database: PostgreSQL", metadata: ["db.url": "\(database.redacted)"])
        let store = PostgresStore(configuration: database.clientConfiguration, logger: logger)
        return (store, store)
    }
    let path = configuration.sqlitePath
    do {
        let store = try await SQLiteStore.open(path: path, logger: logger)
        logger.info("database: embedded SQLite (limits and idempotency keys hold per gateway process)", metadata: ["db.path": "\(path)"])
        return (store, store)
    } catch {
        throw ConfigurationError(setting: "DATA_DIR", problem: "the embedded database '\(path)' could not be opened (\(Persistence.describe(error)))")
    }
}
