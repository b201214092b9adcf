import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing
import TestSupport

/// The whole product as real processes on loopback: the Gemini simulator, both services and
/// the gateway, each on a free port, wired as the launcher wires them.
final class Stack: @unchecked Sendable {
    static let rpcToken = "integration-test-token-0123456789"
    static let geminiKey = "AIzaFAKE-integration-key-0123"

    let simulatorPort: Int
    let generationPort: Int
    let coachPort: Int
    /// Where the two services serve `GET /metrics` (`METRICS_ADDR`).
    let generationMetricsPort: Int
    let coachMetricsPort: Int
    let gatewayPort: Int
    /// The gateway's whole environment, for restarting it or starting a second replica.
    private(set) var gatewayEnvironment: [String: String] = [:]
    let simulator: ManagedProcess
    var generation: ManagedProcess
    let coach: ManagedProcess
    private(set) var gateway: ManagedProcess
    /// The gateway's `DATA_DIR` (its embedded database), unique to this stack.
    let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("stack-\(UUID().uuidString)")
    /// Generation replicas after the first (`generation`); empty unless asked for.
    var extraGenerations: [ExtraGeneration]

    /// A generation replica beyond the first, with a Gemini simulator of its own, so that a test
    /// can tell which replica served a call (its simulator recorded it) and hold calls on one
    /// replica only (a fault queued on its simulator).
    struct ExtraGeneration {
        let port: Int
        let simulatorPort: Int
        let simulator: ManagedProcess
        var process: ManagedProcess
    }

    /// - Parameters:
    ///   - generationReplicas: GenerationService processes; the gateway gets them all in
    ///     `GENERATION_ADDR` and balances over them.
    ///   - gatewayEnvironment: settings of the gateway's, over the defaults below.
    ///   - serviceEnvironment: settings of both services', over their defaults.
    ///   - alone: no other stack runs while this one does: for a test that loads the machine on
    ///     purpose (a CPU hog), which would otherwise upset the timing of every test beside it.
    init(generationReplicas: Int = 1, gatewayEnvironment: [String: String] = [:], serviceEnvironment: [String: String] = [:], alone: Bool = false) async throws {
        // Each stack is four or more processes; a whole test run starting them together on
        // two cores starves them past their start-up and connect timeouts.
        if alone { await Self.slots.acquireAll() } else { await Self.slots.acquire() }
        self.alone = alone
        do {
            self.simulatorPort = try await freeLoopbackPort()
            self.generationPort = try await freeLoopbackPort()
            self.coachPort = try await freeLoopbackPort()
            self.generationMetricsPort = try await freeLoopbackPort()
            self.coachMetricsPort = try await freeLoopbackPort()
            self.gatewayPort = try await freeLoopbackPort()
            self.simulator = try ManagedProcess("GeminiSimulator", environment: ["PORT": "\(simulatorPort)", "GEMINI_API_KEY": Self.geminiKey])
            self.generation = try ManagedProcess(
                "GenerationService",
                environment: Self.serviceEnvironment(port: generationPort, simulatorPort: simulatorPort, metricsPort: generationMetricsPort)
                    .merging(serviceEnvironment) { _, new in new }
            )
            // The coach calls generation for career paths; started before generation listens, its
            // first connect fails and the client backs off, failing fast for a moment (a test
            // then sees "couldn't create your career path" on a busy machine).
            await waitUntilListening(port: generationPort)
            self.coach = try ManagedProcess(
                "CoachService",
                environment: Self.coachEnvironment(port: coachPort, simulatorPort: simulatorPort, generationPort: generationPort)
                    .merging(["METRICS_ADDR": "127.0.0.1:\(coachMetricsPort)"].merging(serviceEnvironment) { _, new in new }) { _, new in new }
            )
            var extraGenerations: [ExtraGeneration] = []
            for _ in 1..<max(generationReplicas, 1) {
                let port = try await freeLoopbackPort()
                let simulatorPort = try await freeLoopbackPort()
                let simulator = try ManagedProcess("GeminiSimulator", environment: ["PORT": "\(simulatorPort)", "GEMINI_API_KEY": Self.geminiKey])
                let process = try ManagedProcess("GenerationService", environment: Self.serviceEnvironment(port: port, simulatorPort: simulatorPort))
                extraGenerations.append(ExtraGeneration(port: port, simulatorPort: simulatorPort, simulator: simulator, process: process))
            }
            self.extraGenerations = extraGenerations
            let generationAddresses = ([generationPort] + extraGenerations.map(\.port)).map { "127.0.0.1:\($0)" }
            let gatewayEnvironment = [
                "PORT": "\(gatewayPort)",
                // Each stack's embedded database in a folder of its own (removed by stop()).
                "DATA_DIR": self.dataDirectory.path,
                "GENERATION_ADDR": generationAddresses.joined(separator: ","),
                "COACH_ADDR": "127.0.0.1:\(coachPort)",
                "RPC_TOKEN": Self.rpcToken,
                "AUTH_DISABLED": "1",
                // Generous: a test about deadlines sets its own; on a loaded machine a coach turn that
                // calls the generation service takes several model calls in a row.
                "CALL_TIMEOUT_SECONDS": "30",
            ].merging(gatewayEnvironment) { _, override in override }
            self.gatewayEnvironment = gatewayEnvironment
            self.gateway = try ManagedProcess("Gateway", environment: gatewayEnvironment)
            try await self.waitUntilReady()
        } catch {
            if alone { Self.slots.releaseAll() } else { Self.slots.release() }
            throw error
        }
    }

    /// Stacks running at once in this test run.
    private static let slots = AsyncSemaphore(4)
    /// Whether this stack holds every slot.
    private let alone: Bool
    private let stopped = NIOLockedValueBox(false)

    /// `metricsPort` 0: any free port (the default, the RPC port + 1000, may be taken).
    static func serviceEnvironment(port: Int, simulatorPort: Int, metricsPort: Int = 0) -> [String: String] {
        [
            "LISTEN_ADDR": "127.0.0.1:\(port)",
            "METRICS_ADDR": "127.0.0.1:\(metricsPort)",
            "RPC_TOKEN": rpcToken,
            "GEMINI_API_KEY": geminiKey,
            "GEMINI_BASE_URL": "http://127.0.0.1:\(simulatorPort)",
        ]
    }

    /// The coach asks the stack's generation service for career paths.
    static func coachEnvironment(port: Int, simulatorPort: Int, generationPort: Int) -> [String: String] {
        serviceEnvironment(port: port, simulatorPort: simulatorPort).merging(["GENERATION_ADDR": "127.0.0.1:\(generationPort)"]) { _, new in new }
    }

    /// Stops the gateway with `signal` (SIGTERM drains; SIGKILL does not) and starts it again
    /// with the same settings, database included, then waits until it is ready.
    func restartGateway(with signal: Int32) async throws {
        self.gateway.signal(signal)
        _ = await self.gateway.waitForExit(within: .seconds(15))
        self.gateway = try ManagedProcess("Gateway", environment: self.gatewayEnvironment)
        try await self.waitUntilReady()
    }

    /// Another gateway replica beside the first, on its own port, with the same settings
    /// (`overrides` on top); the caller stops it.
    func startGatewayReplica(_ overrides: [String: String] = [:]) async throws -> (process: ManagedProcess, url: String) {
        let port = try await freeLoopbackPort()
        let process = try ManagedProcess("Gateway", environment: self.gatewayEnvironment.merging(overrides) { _, new in new }.merging(["PORT": "\(port)"]) { _, new in new })
        let url = "http://127.0.0.1:\(port)"
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let reply = try? await self.send("GET", "/readyz", base: url), reply.status == 200 { return (process, url) }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("gateway replica not ready:\n\(process.output.suffix(3000))")
        throw CancellationError()
    }

    func restartGeneration() throws {
        self.generation = try ManagedProcess(
            "GenerationService", environment: Self.serviceEnvironment(port: generationPort, simulatorPort: simulatorPort, metricsPort: generationMetricsPort)
        )
    }

    /// Generation replica `index` (0 is `generation`).
    func generationReplica(_ index: Int) -> ManagedProcess {
        index == 0 ? self.generation : self.extraGenerations[index - 1].process
    }

    /// The simulator that only generation replica `index` calls (for 0 the coach calls it too).
    func simulatorURL(ofGenerationReplica index: Int) -> String {
        index == 0 ? self.simulatorURL : "http://127.0.0.1:\(self.extraGenerations[index - 1].simulatorPort)"
    }

    /// Starts generation replica `index` again, on its port.
    func restartGeneration(replica index: Int) throws {
        guard index > 0 else { return try self.restartGeneration() }
        let replica = self.extraGenerations[index - 1]
        self.extraGenerations[index - 1].process = try ManagedProcess(
            "GenerationService", environment: Self.serviceEnvironment(port: replica.port, simulatorPort: replica.simulatorPort)
        )
    }

    var gatewayURL: String { "http://127.0.0.1:\(self.gatewayPort)" }
    var simulatorURL: String { "http://127.0.0.1:\(self.simulatorPort)" }

    func waitUntilReady(within limit: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + limit
        var lastAnswer = "no answer"
        while ContinuousClock.now < deadline {
            if let response = try? await self.send("GET", "/readyz") {
                if response.status == 200 { return }
                lastAnswer = "\(response.status) \(String(decoding: response.body, as: UTF8.self))"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("stack not ready within \(limit); /readyz: \(lastAnswer)\n\(self.diagnostics)")
        throw CancellationError()
    }

    /// Each process: its port, whether it still runs, and the end of its log.
    var diagnostics: String {
        let processes: [(ManagedProcess, Int)] = [
            (self.gateway, self.gatewayPort), (self.generation, self.generationPort),
            (self.coach, self.coachPort), (self.simulator, self.simulatorPort),
        ] + self.extraGenerations.flatMap { [($0.process, $0.port), ($0.simulator, $0.simulatorPort)] }
        return processes.map { process, port in
            // The readiness polls would fill the gateway's tail.
            let lines = process.output.split(separator: "\n").filter { !$0.contains(#""http.route":"/readyz""#) }
            var log = lines.suffix(15).joined(separator: "\n")
            // A process that crashed: its log from the crash report's head (the reason and the
            // crashed thread's frames), which the register dump at its end would push out.
            if !process.isRunning, let crash = lines.firstIndex(where: { $0.contains("Fatal error") || $0.contains("crashed") }) {
                log = lines[max(0, crash - 5)...].prefix(60).joined(separator: "\n") + "\n  …\n" + log
            }
            return "\(process.name) on port \(port), \(process.isRunning ? "running" : "exited"):\n\(log)"
        }.joined(separator: "\n")
    }

    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: self.body)) as? [String: Any] ?? [:] }
        var error: [String: Any] { self.json["error"] as? [String: Any] ?? [:] }
    }

    func send(_ method: String, _ path: String, json: String? = nil, headers: [(String, String)] = [], base: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: (base ?? self.gatewayURL) + path)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 8 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Data(buffer: body))
    }

    /// Generate requests the simulator has received so far (it remembers the last 100).
    func geminiRequestCount() async throws -> Int {
        let reply = try await self.send("GET", "/simulator/requests", base: self.simulatorURL)
        return (reply.json["requests"] as? [Any])?.count ?? -1
    }

    /// Queues a simulator fault for its next `count` requests.
    func injectFault(_ fault: String, count: Int) async throws {
        let reply = try await self.send("POST", "/simulator/faults", json: #"{"fault": "\#(fault)", "count": \#(count)}"#, base: self.simulatorURL)
        #expect(reply.status < 300)
    }

    /// Stops every process (SIGTERM, then waits up to 10 s each) and frees the stack's slot.
    func stop() async {
        guard !self.stopped.withLockedValue({ let was = $0; $0 = true; return was }) else { return }
        defer { if self.alone { Self.slots.releaseAll() } else { Self.slots.release() } }
        let processes = [self.gateway, self.generation, self.coach, self.simulator] + self.extraGenerations.flatMap { [$0.process, $0.simulator] }
        for process in processes {
            process.signal(SIGTERM)
        }
        for process in processes {
            _ = await process.waitForExit(within: .seconds(10))
        }
        try? FileManager.default.removeItem(at: self.dataDirectory)
    }
}
