import Foundation
import NIOConcurrencyHelpers
import Testing
import TestSupport

/// Fault suite: a service dies under load, and Gemini misbehaves (429 storms, 503 bursts, a
/// hang). Real processes on loopback; every test bounded in calls and time.
/// `scripts/faults.sh` runs the whole suite (`swift test --filter Fault`).
@Suite struct FaultServiceKillTests {
    struct Outcome {
        var started: ContinuousClock.Instant
        var ended: ContinuousClock.Instant
        var status: Int
        var code: String?
        var retryAfter: String?
    }

    @Test func aServiceKilledUnderLoadFailsItsCallsWith503AndRecoversAfterItsRestart() async throws {
        let stack = try await Stack(gatewayEnvironment: ["RATE_LIMIT_FLASH_PER_MIN": "100000"])
        defer { Task { await stack.stop() } }
        // Every Gemini answer takes 400 ms, so calls are in flight when the service dies.
        try await stack.injectFault("latency=400ms", count: 10_000)

        let callers = 12
        let killAt = ContinuousClock.now + .seconds(2)
        let stopAt = killAt + .seconds(1.5)
        let outcomes = NIOLockedValueBox<[Outcome]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<callers {
                group.addTask {
                    while ContinuousClock.now < stopAt {
                        let started = ContinuousClock.now
                        let reply = try await stack.send("POST", "/api/v1/interview/questions", json: FaultFixtures.questionsBody)
                        let outcome = Outcome(
                            started: started, ended: .now, status: reply.status,
                            code: reply.error["code"] as? String, retryAfter: reply.headers.first(name: "Retry-After")
                        )
                        outcomes.withLockedValue { $0.append(outcome) }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(until: killAt)
                stack.generation.signal(SIGKILL)
            }
            try await group.waitForAll()
        }

        let all = outcomes.withLockedValue { $0 }
        let inFlightAtKill = all.filter { $0.started < killAt && $0.ended > killAt && $0.status != 200 }
        let unexpected = all.filter { $0.status != 200 && !($0.status == 503 && $0.code == "UNAVAILABLE" && $0.retryAfter != nil) }
        let slowest = all.map { $0.ended - $0.started }.max() ?? .zero
        #expect(all.contains { $0.status == 200 && $0.ended < killAt }, "the stack served before the kill")
        #expect(!inFlightAtKill.isEmpty, "some calls were in flight when the service died")
        #expect(unexpected.isEmpty, "every failure is 503 UNAVAILABLE with Retry-After: \(unexpected.map { "\($0.status) \($0.code ?? "-")" })")
        // No call hangs: in flight at the kill or made after it, each ends long before any
        // timeout (a call takes 400 ms; the gateway's deadline is 30 s).
        #expect(slowest < .seconds(10), "slowest call \(slowest)")

        try stack.restartGeneration()
        var recovered = false
        let limit = ContinuousClock.now + .seconds(30)
        while !recovered, ContinuousClock.now < limit {
            recovered = try await stack.send("POST", "/api/v1/interview/questions", json: FaultFixtures.questionsBody).status == 200
            if !recovered { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(recovered, "the restarted service serves again")
    }
}

@Suite struct FaultGeminiTests {
    /// The generate requests the simulator recorded for calls made after `since` (ms since 1970).
    static func requests(_ stack: Stack, since: Double) async throws -> [[String: Any]] {
        try await FaultFixtures.simulatorRequests(stack).filter { ($0["receivedAtMs"] as? Double ?? 0) >= since - 1 }
    }

    @Test func a429StormIsRetriedAfterGeminisRetryDelayThenAnswered() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }
        try await stack.injectFault("status=429,retry-delay=1s", count: 2)
        let since = FaultFixtures.nowMs()
        let reply = try await stack.send("POST", "/api/v1/interview/questions", json: FaultFixtures.questionsBody)
        #expect(reply.status == 200)
        let seen = try await Self.requests(stack, since: since)
        #expect(seen.map { $0["status"] as? Int } == [429, 429, 200])
        let times = seen.compactMap { $0["receivedAtMs"] as? Double }
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        // RetryInfo says 1 s: no retry comes sooner (jitter never shortens Google's delay).
        #expect(gaps.count == 2 && gaps.allSatisfy { $0 >= 990 }, "gaps between attempts: \(gaps) ms")
    }

    @Test func a429StormLongerThanTheRetriesIsA429WithRetryAfter() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }
        try await stack.injectFault("status=429,retry-delay=200ms", count: 4)
        let since = FaultFixtures.nowMs()
        let reply = try await stack.send("POST", "/api/v1/interview/questions", json: FaultFixtures.questionsBody)
        // One attempt and three retries, all refused: Gemini's quota refusal reaches the caller
        // as its own kind (try later), never as a server error.
        #expect(reply.status == 429, "\(String(decoding: reply.body, as: UTF8.self))")
        #expect(reply.error["code"] as? String == "RESOURCE_EXHAUSTED")
        #expect(reply.headers.first(name: "Retry-After") != nil)
        #expect(try await Self.requests(stack, since: since).count == 4)
    }

    @Test func anOverloadedProModelFallsBackToFlash() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }
        // Every attempt at the pro model is refused as overloaded (one try and three retries).
        try await stack.injectFault("status=503", count: 4)
        let since = FaultFixtures.nowMs()
        let reply = try await stack.send("POST", "/api/v1/analyze/application", json: FaultFixtures.analysisBody)
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        #expect(reply.json["model"] as? String == "gemini-2.5-flash")
        let seen = try await Self.requests(stack, since: since)
        #expect(seen.map { $0["model"] as? String } == Array(repeating: "gemini-2.5-pro", count: 4) + ["gemini-2.5-flash"])
        #expect(seen.map { $0["status"] as? Int } == [503, 503, 503, 503, 200])
    }

    @Test func aBurstOf503ShorterThanTheRetriesIsAbsorbed() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }
        try await stack.injectFault("status=503", count: 2)
        let since = FaultFixtures.nowMs()
        let reply = try await stack.send("POST", "/api/v1/interview/questions", json: FaultFixtures.questionsBody)
        #expect(reply.status == 200)
        #expect(reply.json["model"] as? String == "gemini-2.5-flash")
        #expect(try await Self.requests(stack, since: since).map { $0["status"] as? Int } == [503, 503, 200])
    }

    @Test func aHangingGeminiIs504AtTheCallDeadlineAndTheUpstreamRequestIsClosed() async throws {
        let stack = try await Stack(gatewayEnvironment: ["CALL_TIMEOUT_SECONDS": "2"])
        defer { Task { await stack.stop() } }
        try await stack.injectFault("hang", count: 1)
        let started = ContinuousClock.now
        let reply = try await stack.send("POST", "/api/v1/interview/questions", json: FaultFixtures.questionsBody)
        let took = ContinuousClock.now - started
        #expect(reply.status == 504)
        #expect(reply.error["code"] as? String == "DEADLINE_EXCEEDED")
        // Bounded by the 2 s deadline, not the simulator's hang (60 s) or a client timeout.
        #expect(took < .seconds(15), "took \(took)")
        // The service gave up on Gemini too: the simulator saw its client go (status 499).
        let limit = ContinuousClock.now + .seconds(10)
        var status: Int?
        while ContinuousClock.now < limit {
            status = try await FaultFixtures.simulatorRequests(stack).last?["status"] as? Int
            if status != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == 499)
    }
}

@Suite struct FaultClientLeavesTests {
    /// The client reads the first event of a stream whose chunks come 3 s apart, then leaves;
    /// the simulator records when the service's Gemini request was closed.
    @Test func aClientLeavingMidStreamClosesTheGeminiCallWithinASecond() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }
        var delays: [Double] = []
        for _ in 0..<3 {
            try await stack.injectFault("chunk-delay=3s", count: 1)
            let response = try await openBriefStream(stack)
            #expect(response.status.code == 200)
            for try await _ in response.body { break }  // the first event, then leave
            let left = FaultFixtures.nowMs()
            let limit = ContinuousClock.now + .seconds(20)
            var endedAt: Double?
            while endedAt == nil, ContinuousClock.now < limit {
                let stream = try await FaultFixtures.simulatorRequests(stack).last?["stream"] as? [String: Any]
                if stream?["outcome"] as? String == "client-disconnected" { endedAt = stream?["endedAtMs"] as? Double }
                if endedAt == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let ended = try #require(endedAt, "the Gemini stream was never closed")
            delays.append(ended - left)
        }
        // Each close comes from the client leaving, not from the next chunk's write (3 s later);
        // the median is within the issue's second.
        #expect(delays.allSatisfy { $0 < 2_500 }, "delays \(delays) ms")
        #expect(delays.sorted()[1] < 1_000, "median delay \(delays.sorted()[1]) ms of \(delays)")
    }
}
