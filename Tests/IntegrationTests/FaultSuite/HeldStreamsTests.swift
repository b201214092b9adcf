import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Testing
import TestSupport

/// Fault suite: many streams held at once while another program keeps one of the two cores busy.
///
/// The benchmark's version (`scripts/bench-stack.sh`, part `hold` with `HOLD_HOG=1`) holds 10,000;
/// this one holds 1,000, so that it fits a test run's time, and fails CI when a change makes the
/// stack drop streams it should have kept (as it once did after AsyncHTTPClient's 10 s wait for
/// a pooled connection, with the CPU shared).
@Suite struct FaultHeldStreamsTests {
    static let streams = 1_000
    static let latency = "2s"

    @Test func aThousandStreamsHeldWhileACPUHogRunsAllFinish() async throws {
        let stack = try await Stack(
            gatewayEnvironment: [
                "RATE_LIMIT_FLASH_PER_MIN": "100000",
                "HTTP_MAX_CONNECTIONS": "\(Self.streams * 2)",
                "CALL_TIMEOUT_SECONDS": "90",
            ],
            serviceEnvironment: [
                // Every stream's Gemini call in flight at once: one upstream connection each.
                "GEMINI_MAX_IN_FLIGHT": "\(Self.streams)",
                "GEMINI_MAX_QUEUE": "\(Self.streams * 2)",
                "RPC_MAX_CALLS_PER_CONNECTION": "\(Self.streams * 2)",
            ],
            // The hog and the streams load both cores: no other stack's test runs meanwhile.
            alone: true
        )
        defer { Task { await stack.stop() } }
        try await stack.injectFault("latency=\(Self.latency)", count: Self.streams)

        let hog = try CPUHog.start()
        defer { hog.stop() }

        // A client that opens a connection per stream rather than queueing them behind a few.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: Self.streams)
        configuration.timeout = .init(connect: .seconds(30), read: .seconds(90))
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)

        let started = ContinuousClock.now
        let outcomes = NIOLockedValueBox<[String: Int]>([:])
        await withTaskGroup(of: String.self) { group in
            for _ in 0..<Self.streams {
                group.addTask { await Self.holdOneStream(stack, client: client) }
            }
            for await outcome in group { outcomes.withLockedValue { $0[outcome, default: 0] += 1 } }
        }
        let wall = ContinuousClock.now - started
        hog.stop()
        try await client.shutdown()

        await stack.stop()

        let counted = outcomes.withLockedValue { $0 }
        #expect(counted == ["done": Self.streams], "every stream ends with `done`: \(counted) after \(wall)")
        // Bounded, not timed: a stream that hung would hold the test to the call deadline (90 s).
        #expect(wall < .seconds(80), "the streams took \(wall)")
    }

    /// One `POST /api/v1/networking/brief` as Server-Sent Events, read to its end: `done` when it
    /// ended with the `done` event and no `error` event, or what went wrong.
    static func holdOneStream(_ stack: Stack, client: HTTPClient) async -> String {
        var request = HTTPClientRequest(url: stack.gatewayURL + "/api/v1/networking/brief")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "text/event-stream")
        request.body = .bytes(ByteBuffer(string: FaultFixtures.briefBody))
        do {
            let response = try await client.execute(request, timeout: .seconds(90))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            guard response.status == .ok else { return "HTTP \(response.status.code)" }
            if body.contains("event: error") { return "error event" }
            return body.contains("event: done") ? "done" : "no done event"
        } catch {
            return "client: \(type(of: error))"
        }
    }
}

/// A program that keeps one core busy: `stress-ng --cpu 1` (Debian's `stress-ng`, which the
/// benchmark uses too) or, where it is not installed, a shell loop doing the same.
final class CPUHog: @unchecked Sendable { // `process` is only run and stopped
    private let process: Process

    private init(process: Process) { self.process = process }

    static func start(limit: Duration = .seconds(120)) throws -> CPUHog {
        let process = Process()
        let seconds = Int(limit.components.seconds)
        // The test process ignores SIGTERM and SIGALRM (its signal handling runs on dispatch
        // sources), and a child inherits ignored signals: without `env --default-signal`
        // stress-ng would neither stop at its timeout nor on `terminate()`.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        if let stressNG = ["/usr/bin/stress-ng", "/usr/local/bin/stress-ng"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            process.arguments = ["--default-signal", stressNG, "--cpu", "1", "--timeout", "\(seconds)s", "--quiet"]
        } else {
            // Stops by itself after `limit` too, should the test process die first.
            process.arguments = ["--default-signal", "/bin/sh", "-c", "end=$(($(date +%s) + \(seconds))); while [ $(date +%s) -lt $end ]; do :; done"]
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return CPUHog(process: process)
    }

    /// SIGTERM, then SIGKILL after 5 s: never waits on a hog that will not stop.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let limit = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < limit { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
