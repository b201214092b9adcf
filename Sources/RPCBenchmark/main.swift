import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import RPCRuntime

/// Unary RPC throughput and latency over ONE connection on loopback.
///
///     RPCBenchmark                                   # server and client in this process
///     RPCBenchmark --mode server --port 0            # prints "listening on 127.0.0.1:PORT"
///     RPCBenchmark --mode client --target 127.0.0.1:PORT
///
/// Standard output is a Markdown table, one row per concurrency level.
struct RPCBenchmarkCommand: AsyncParsableCommand {
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case inprocess, client, server
    }

    enum Executor: String, ExpressibleByArgument, CaseIterable {
        /// Swift Concurrency's own pool runs the tasks; each side gets its own event-loop group.
        case `default`
        /// The NIO singleton event-loop group also runs every task (installed as the global
        /// executor), and both sides use it: an experiment on thread hops, not production setup.
        case nio
    }

    static let configuration = CommandConfiguration(
        commandName: "RPCBenchmark",
        abstract: "Unary calls per second and p50/p90/p99 latency over one loopback connection."
    )

    @Option(help: "inprocess (server and client here), server (serve only), or client (call --target only).")
    var mode: Mode = .inprocess

    @Option(help: "Comma-separated numbers of concurrent calls, one measured level each.")
    var concurrency: String = "1,64,512"

    @Option(help: "Seconds measured per level.")
    var duration: Double = 5

    @Option(help: "Seconds of warm-up per level, not measured.")
    var warmup: Double = 1

    @Option(help: "Payload bytes in each request (echoed back in each response).")
    var payloadBytes: Int = 1024

    @Option(help: "Server mode: loopback address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Server mode: port to listen on; 0 picks a free one.")
    var port: Int = 0

    @Option(help: "Client mode: the server, host:port (loopback only).")
    var target: String?

    @Option(help: "Shared RPC token, the same on both sides.")
    var token: String = "rpc-bench-token"

    @Flag(help: "No token: the server accepts any (as RPC_INSECURE=1 does).")
    var insecure = false

    @Option(help: "Event-loop threads per side (one connection uses one loop per side).")
    var loopThreads: Int = 1

    @Option(help: "default (Swift Concurrency's pool runs tasks) or nio (the NIO singleton group is the global executor and serves both sides; an experiment).")
    var executor: Executor = .default

    @Option(help: "Server mode: exit after this many seconds even if nobody stops the server.")
    var serverLifetime: Double = 900

    @Option(help: "Text of the first column of each row.")
    var label: String?

    @Flag(help: "Omit the table header (to append rows to a table).")
    var noHeader = false

    var levels: [Int] {
        self.concurrency.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    func validate() throws {
        let levels = self.levels
        guard !levels.isEmpty, levels.count == self.concurrency.split(separator: ",").count else {
            throw ValidationError("--concurrency must be a comma-separated list of numbers, e.g. 1,64,512")
        }
        guard levels.allSatisfy({ (1...1024).contains($0) }) else {
            throw ValidationError("each concurrency level must be 1...1024 (the server's per-connection call limit)")
        }
        guard self.duration > 0, self.duration <= 600 else { throw ValidationError("--duration must be in (0, 600] seconds") }
        guard self.warmup >= 0, self.warmup <= 60 else { throw ValidationError("--warmup must be in [0, 60] seconds") }
        guard (0...(1 << 20)).contains(self.payloadBytes) else { throw ValidationError("--payload-bytes must be 0...1048576") }
        guard (1...64).contains(self.loopThreads) else { throw ValidationError("--loop-threads must be 1...64") }
        guard self.serverLifetime > 0, self.serverLifetime <= 86_400 else { throw ValidationError("--server-lifetime must be in (0, 86400]") }
        guard EndpointResolver.isLoopback(self.host) else { throw ValidationError("--host must be a loopback address") }
        if self.mode == .client {
            guard let target = self.target else { throw ValidationError("--mode client needs --target 127.0.0.1:PORT") }
            let entries: [EndpointResolver.HostPort]
            do { entries = try EndpointResolver.parse(target) } catch { throw ValidationError("\(error)") }
            guard entries.count == 1 else { throw ValidationError("--target must name one address (one connection)") }
            guard entries.allSatisfy({ EndpointResolver.isLoopback($0.host) }) else { throw ValidationError("--target must be a loopback address") }
        }
    }

    func run() async throws {
        try await self.execute()
    }

    func execute() async throws {
        let logger = Logger(label: "rpc-bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let serverToken: String? = self.insecure ? nil : self.token
        let clientToken: String? = self.insecure ? nil : self.token

        switch self.mode {
        case .server:
            let group = self.makeGroup()
            let server = Self.makeServer(host: self.host, port: self.port, token: serverToken, logger: logger, group: group)
            let lifetime = self.serverLifetime
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await server.run() }
                let address = try await server.boundAddress
                emit("listening on \(address.ipAddress ?? self.host):\(address.port ?? self.port)")
                tasks.addTask { try await Task.sleep(for: .seconds(lifetime)) }
                _ = try await tasks.next()  // the lifetime ran out (or the server failed)
                tasks.cancelAll()
            }
            try await self.shutDown(group)

        case .client:
            let group = self.makeGroup()
            try await self.runLevels(target: self.target!, token: clientToken, logger: logger, group: group, label: self.label ?? "two processes")
            try await self.shutDown(group)

        case .inprocess:
            // Separate loops for the two ends, as in two processes (one thread each by default).
            let serverGroup = self.makeGroup()
            let clientGroup = self.makeGroup()
            let server = Self.makeServer(host: self.host, port: 0, token: serverToken, logger: logger, group: serverGroup)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await server.run() }
                let address = try await server.boundAddress
                let target = "\(address.ipAddress ?? "127.0.0.1"):\(address.port ?? 0)"
                try await self.runLevels(target: target, token: clientToken, logger: logger, group: clientGroup, label: self.label ?? "in-process")
                tasks.cancelAll()
            }
            try await self.shutDown(clientGroup)
            try await self.shutDown(serverGroup)
        }
    }

    private func makeGroup() -> MultiThreadedEventLoopGroup {
        switch self.executor {
        case .default: MultiThreadedEventLoopGroup(numberOfThreads: self.loopThreads)
        case .nio: MultiThreadedEventLoopGroup.singleton
        }
    }

    private func shutDown(_ group: MultiThreadedEventLoopGroup) async throws {
        if self.executor == .default { try await group.shutdownGracefully() }
    }

    private static func makeServer(host: String, port: Int, token: String?, logger: Logger, group: any EventLoopGroup) -> RPCServer {
        let configuration = RPCServerConfiguration(host: host, port: port, token: token, serverName: "rpc-bench", drainTimeout: .seconds(1))
        return RPCServer(configuration: configuration, router: BenchmarkEcho.router, logger: logger, eventLoopGroup: group)
    }

    private func runLevels(target: String, token: String?, logger: Logger, group: any EventLoopGroup, label: String) async throws {
        // No `client.run()`: no periodic health checks on the measured connection.
        let client = try RPCClient(
            target: target,
            configuration: RPCClientConfiguration(token: token, clientName: "rpc-bench"),
            logger: logger,
            eventLoopGroup: group
        )
        defer { client.shutDown() }
        guard await client.waitUntilReady(timeout: .seconds(10)) else {
            throw ValidationError("the server at \(target) is not ready (not running, or a different token?)")
        }
        let request = BenchmarkEcho.request(payloadBytes: self.payloadBytes)
        // One call first, so a wrong setup fails loudly rather than as a table of errors.
        _ = try await client.unary(BenchmarkEcho.method, request)

        if !self.noHeader { emit(Report.header) }
        for level in self.levels {
            note("\(label): \(level) concurrent calls, \(self.warmup) s warm-up + \(self.duration) s ...")
            let result = await BenchmarkRunner.runLevel(
                client: client,
                concurrency: level,
                warmup: .milliseconds(Int64(self.warmup * 1000)),
                duration: .milliseconds(Int64(self.duration * 1000)),
                request: request
            )
            emit(Report.row(label: label, result))
        }
    }
}

// Entry point. Not `await RPCBenchmarkCommand.main()`: from top-level code in main.swift that
// resolves to ParsableCommand's synchronous `main()`, whose default `run()` only prints the help.
do {
    let command = try RPCBenchmarkCommand.parse()
    if command.executor == .nio {
        guard NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() else {
            throw ValidationError("could not install the NIO event-loop group as the global executor")
        }
        note("NIO singleton event-loop group (\(System.coreCount) threads) installed as the global executor")
    }
    try await command.execute()
} catch {
    RPCBenchmarkCommand.exit(withError: error)
}
