import AppSupport
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RPCRuntime
import ServiceLifecycle

/// The stack's shape with none of its work: a Hummingbird front, one RPC hop, a back process
/// calling the upstream through AsyncHTTPClient. `scripts/bench-stack.sh` runs it beside the
/// real stack, on the same upstream and load, so that each figure has its floor beside it:
/// what these frameworks and three processes cost before any work of the product's.
///
///     StackFloor back  --port 9001 --upstream http://127.0.0.1:8080 --generate-path P --stream-path P
///     StackFloor front --port 9000 --back 127.0.0.1:9001
///
/// Both read `RPC_TOKEN` (the shared RPC token) and the back `GEMINI_API_KEY` (sent upstream;
/// the simulator's fake key) from the environment. Loopback only. Runs until SIGTERM or SIGINT.
struct StackFloorCommand: ParsableCommand {
    enum Role: String, ExpressibleByArgument, CaseIterable { case front, back }

    static let configuration = CommandConfiguration(
        commandName: "StackFloor",
        abstract: "The stack's frameworks with no work behind them (a benchmark's floor)."
    )

    @Argument(help: "front (HTTP in, RPC out) or back (RPC in, HTTP to the upstream out).")
    var role: Role

    @Option(help: "Port to listen on (loopback).")
    var port: Int

    @Option(help: "front: the back process, host:port.")
    var back: String?

    @Option(help: "back: the upstream's base URL (loopback), e.g. http://127.0.0.1:8080.")
    var upstream: String?

    @Option(help: "back: the path (and query) POST /generate goes to upstream.")
    var generatePath: String = "/v1beta/models/gemini-2.5-flash:generateContent"

    @Option(help: "back: the path (and query) POST /stream goes to upstream.")
    var streamPath: String = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"

    @Option(help: "back: upstream calls at once (sizes the connection pools).")
    var maxInFlight: Int = 1024

    @Option(help: "back: RPC calls at once on one connection.")
    var maxCallsPerConnection: Int = 12_000

    func validate() throws {
        guard (1...65_535).contains(self.port) else { throw ValidationError("--port must be 1...65535") }
        switch self.role {
        case .front:
            guard let back = self.back, let entries = try? EndpointResolver.parse(back),
                  entries.allSatisfy({ EndpointResolver.isLoopback($0.host) }) else {
                throw ValidationError("front needs --back 127.0.0.1:PORT (loopback)")
            }
        case .back:
            guard let upstream = self.upstream, let url = URL(string: upstream), url.scheme == "http",
                  let host = url.host, EndpointResolver.isLoopback(host) else {
                throw ValidationError("back needs --upstream http://127.0.0.1:PORT (loopback)")
            }
            guard (1...100_000).contains(self.maxInFlight) else { throw ValidationError("--max-in-flight must be 1...100000") }
        }
    }
}

await runProcess(name: "StackFloor") {
    let command: StackFloorCommand
    do {
        command = try StackFloorCommand.parse()
    } catch {
        StackFloorCommand.exit(withError: error)
    }
    let environment = ProcessInfo.processInfo.environment
    let token = environment["RPC_TOKEN"]
    var logger = Logger(label: "stack-floor")
    logger.logLevel = .warning
    switch command.role {
    case .front:
        let back = try RPCClient(target: command.back!, configuration: RPCClientConfiguration(token: token, clientName: "stack-floor"), logger: logger)
        let app = Application(
            router: FloorFront.router(back: back),
            configuration: .init(address: .hostname("127.0.0.1", port: command.port), serverName: "stack-floor", backlog: 4096),
            services: [back],
            logger: logger
        )
        try await app.runService()
    case .back:
        let pools = FloorBack.makePools(maxInFlight: command.maxInFlight)
        let floor = FloorBack(
            pools: pools, upstream: command.upstream!, generatePath: command.generatePath, streamPath: command.streamPath,
            apiKey: environment["GEMINI_API_KEY"] ?? ""
        )
        let server = RPCServer(
            configuration: RPCServerConfiguration(
                host: "127.0.0.1", port: command.port, token: token, serverName: "stack-floor",
                maxConcurrentCallsPerConnection: command.maxCallsPerConnection, drainTimeout: .seconds(2)
            ),
            router: floor.router,
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try await pools.shutdown()
    }
}
