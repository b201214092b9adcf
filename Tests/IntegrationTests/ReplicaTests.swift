import Foundation
import Testing
import TestSupport

private let questionsBody = #"{"jobDescription": "Backend engineer, Swift and Postgres", "profile": {"fullName": "Ada Lovelace"}}"#

/// Two GenerationService processes behind one gateway (`GENERATION_ADDR=a,b`), each calling a
/// simulator of its own, so that the simulators' recorded requests say which replica served
/// which call. Replica 1 is killed with SIGKILL while it holds calls, then started again.
@Suite(.serialized) struct ReplicaTests {
    @Test func callsSpreadSurviveAKilledReplicaAndReturnToItsRestart() async throws {
        // A deadline far beyond the test's holds, so a held call can only end by the kill; and
        // per-user limits above the few dozen calls this test makes.
        let stack = try await Stack(generationReplicas: 2, gatewayEnvironment: [
            "CALL_TIMEOUT_SECONDS": "60", "RATE_LIMIT_FLASH_PER_MIN": "1000", "RATE_LIMIT_PRO_PER_MIN": "1000",
        ])
        defer { Task { await stack.stop() } }

        // Spread: round-robin over the replicas that are connected. Both connect within a few
        // health-check rounds of the gateway; the bound only guards against a hang.
        var spreadStatuses: [Int] = []
        for _ in 0..<40 {
            spreadStatuses.append(try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody).status)
            if try await stack.recordedRequests(replica: 0).count > 0, try await stack.recordedRequests(replica: 1).count > 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(spreadStatuses.allSatisfy { $0 == 200 })
        #expect(try await stack.recordedRequests(replica: 0).count > 0, "replica 0 served no call")
        #expect(try await stack.recordedRequests(replica: 1).count > 0, "replica 1 served no call")

        // Load: every call that reaches replica 1 is held there (its simulator answers only
        // after a long latency); the ones on replica 0 answer at once.
        try await stack.clearRecordedRequests(replica: 1)
        let held = try await stack.send("POST", "/simulator/faults", json: #"{"fault": "latency=50s", "count": 100}"#, base: stack.simulatorURL(ofGenerationReplica: 1))
        #expect(held.status < 300)
        let load = 8
        let finished = Tally()
        let calls = (0..<load).map { _ in
            Task {
                defer { Task { await finished.add() } }
                return try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody)
            }
        }
        // Every call has either finished (on replica 0) or is held in replica 1's simulator.
        let dispatchedBy = ContinuousClock.now + .seconds(30)
        var inFlightOnReplica1 = 0
        while ContinuousClock.now < dispatchedBy {
            inFlightOnReplica1 = try await stack.recordedRequests(replica: 1).count
            if await finished.count + inFlightOnReplica1 == load { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(inFlightOnReplica1 > 0, "no call was in flight on replica 1")

        stack.generationReplica(1).signal(SIGKILL)
        #expect(await stack.generationReplica(1).waitForExit() != nil)

        // The held calls fail at once and cleanly: 503 UNAVAILABLE with Retry-After, not a 500
        // and not the deadline's 504. Nothing else failed.
        var unavailable = 0
        for call in calls {
            let reply = try await call.value
            #expect([200, 503].contains(reply.status), "status \(reply.status): \(reply.error)")
            if reply.status == 503 {
                unavailable += 1
                #expect(reply.error["code"] as? String == "UNAVAILABLE")
                #expect(reply.headers.first(name: "Retry-After") != nil)
            }
        }
        #expect(unavailable == inFlightOnReplica1)

        // Every later call succeeds, on the replica that is left.
        try await stack.clearRecordedRequests(replica: 0)
        for _ in 0..<6 {
            #expect(try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody).status == 200)
        }
        #expect(try await stack.recordedRequests(replica: 0).count == 6)

        // Restarted on its port, replica 1 takes calls again once the gateway has reconnected
        // (its reconnection backoff is at most 5 s; the bound only guards against a hang).
        _ = try await stack.send("DELETE", "/simulator/faults", base: stack.simulatorURL(ofGenerationReplica: 1))
        try await stack.clearRecordedRequests(replica: 1)
        try stack.restartGeneration(replica: 1)
        var laterStatuses: [Int] = []
        for _ in 0..<150 {
            laterStatuses.append(try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody).status)
            if try await stack.recordedRequests(replica: 1).count > 0 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(laterStatuses.allSatisfy { $0 == 200 }, "statuses while replica 1 came back: \(laterStatuses)")
        #expect(try await stack.recordedRequests(replica: 1).count > 0, "the restarted replica took no call")
    }
}

/// Calls that have finished, counted across tasks.
private actor Tally {
    private(set) var count = 0
    func add() { self.count += 1 }
}

extension Stack {
    /// The generate requests that generation replica `index`'s simulator has recorded.
    func recordedRequests(replica index: Int) async throws -> [[String: Any]] {
        let reply = try await self.send("GET", "/simulator/requests", base: self.simulatorURL(ofGenerationReplica: index))
        return reply.json["requests"] as? [[String: Any]] ?? []
    }

    func clearRecordedRequests(replica index: Int) async throws {
        let reply = try await self.send("DELETE", "/simulator/requests", base: self.simulatorURL(ofGenerationReplica: index))
        #expect(reply.status < 300)
    }
}
