import AsyncHTTPClient
import Foundation
import GeminiAPI
import GeminiSimulatorCore
import JSONText
import Logging
import NIOCore
import Testing

/// A recognisable fake key: it must never show up in an error.
let fakeKey = "AIzaFAKE-test-key-0123"

/// Records retry waits instead of sleeping.
actor SleepRecorder {
    private(set) var delays: [Duration] = []
    func record(_ delay: Duration) { delays.append(delay) }
}

/// A simulator on a free loopback port and a client pointed at it.
struct Harness: Sendable {
    let client: GeminiClient
    let simulator: RunningGeminiSimulator
    let sleeps: SleepRecorder

    /// Queues a fault for the next `count` generate requests.
    func queueFault(_ spec: String, count: Int = 1) async throws {
        let body = "{\"fault\": \"\(spec)\", \"count\": \(count)}"
        let status = try await admin(post: true, "/simulator/faults", body: body).status
        #expect(status == 200)
    }

    /// The generate requests the simulator received, oldest first.
    func recordedRequests() async throws -> [JSONValue] {
        let data = try await admin(post: false, "/simulator/requests").body
        let decoded = try JSONDecoder().decode(JSONValue.self, from: data)
        return decoded["requests"]?.arrayValue ?? []
    }

    /// The simulator's counters (`GET /simulator/stats`).
    func stats() async throws -> JSONValue {
        let data = try await admin(post: false, "/simulator/stats").body
        return try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Waits until the simulator has counted `count` streams whose client went away, for at
    /// most `limit`; returns the last count seen.
    func waitForDisconnects(_ count: Int, limit: Duration = .seconds(10)) async throws -> Int {
        let started = ContinuousClock.now
        while true {
            let seen = try await stats()["disconnectsMidStream"]?.intValue ?? 0
            if seen >= count || ContinuousClock.now - started > limit { return seen }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func admin(post: Bool, _ path: String, body: String? = nil) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: simulator.baseURL + path)
        request.method = post ? .POST : .GET
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return (Int(response.status.code), Data(bytes.readableBytesView))
    }
}

/// Runs `body` against a fresh simulator (accepting `fakeKey`) and a client using `clientKey`;
/// retries wait on a ``SleepRecorder`` and jitter is off (each wait is the backoff ceiling).
func withHarness<Result: Sendable>(
    clientKey: String = fakeKey,
    simulatorKey: String = fakeKey,
    maxInFlight: Int = 64,
    maxQueued: Int = 256,
    logger: Logger? = nil,
    _ body: @escaping @Sendable (Harness) async throws -> Result
) async throws -> Result {
    try await withGeminiSimulator(configuration: GeminiSimulatorConfiguration(port: 0, apiKey: simulatorKey), logger: logger) { simulator in
        let sleeps = SleepRecorder()
        let retry = GeminiRetryPolicy(sleep: { await sleeps.record($0) }, jitter: { $0 })
        let configuration = GeminiClientConfiguration(
            apiKey: clientKey,
            baseURL: simulator.baseURL,
            maxInFlight: maxInFlight,
            maxQueued: maxQueued,
            retry: retry
        )
        return try await GeminiClient.withClient(configuration: configuration, logger: logger) { client in
            try await body(Harness(client: client, simulator: simulator, sleeps: sleeps))
        }
    }
}

/// The ``GeminiError`` that `body` throws; records an issue when it throws something else or
/// nothing.
func geminiError(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> some Any
) async -> GeminiError? {
    do {
        _ = try await body()
        Issue.record("expected a GeminiError, got a result", sourceLocation: sourceLocation)
    } catch let error as GeminiError {
        return error
    } catch {
        Issue.record("expected a GeminiError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

func soon(_ seconds: Int64 = 10) -> NIODeadline { .now() + .seconds(seconds) }

/// A one-turn text request.
func textRequest(_ text: String, config: GenerationConfig? = nil) -> GenerateContentRequest {
    GenerateContentRequest(
        systemInstruction: Content(role: nil, text: "You are a careful career assistant."),
        contents: [Content(role: .user, text: text)],
        generationConfig: config
    )
}
