import AppSupport
import Hummingbird
import Logging
import RPCRuntime

/// Builds the gateway: its RPC clients to the two services and the HTTP application that
/// serves the public API. The one place where the gateway's parts are wired.
public func buildGateway(
    configuration: GatewayConfiguration,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let clientConfiguration = RPCClientConfiguration(token: configuration.rpcToken, clientName: "gateway")
    let generation = try RPCClient(target: configuration.generationTarget, configuration: clientConfiguration, logger: logger)
    let coach = try RPCClient(target: configuration.coachTarget, configuration: clientConfiguration, logger: logger)
    var verifier: (any TokenVerifier)?
    if !configuration.auth.disabled {
        verifier = try await SupabaseTokenVerifier.make(configuration: configuration.auth, logger: logger)
    }
    let router = buildRouter(configuration: configuration, generation: generation, coach: coach, verifier: verifier)
    try OpenAPIRoute.load().register(on: router)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "career-gateway"),
        services: [generation, coach],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger
    )
}

/// The routes and middleware of the public API. `verifier` checks the `/api/v1` bearer
/// tokens; nil only with `AUTH_DISABLED=1`.
func buildRouter(
    configuration: GatewayConfiguration, generation: RPCClient, coach: RPCClient, verifier: (any TokenVerifier)?
) -> Router<GatewayRequestContext> {
    let router = Router(context: GatewayRequestContext.self)
    router.add(middleware: RequestEdgeMiddleware())
    OperationsRoutes(services: [("generation", generation), ("coach", coach)]).register(on: router)
    let api = router.group("api/v1").add(middleware: verifier.map(AuthMiddleware.init(verifier:)) ?? .disabled)
    AIRoutes(generation: generation, coach: coach, callTimeout: configuration.callTimeout).register(on: api)
    return router
}
