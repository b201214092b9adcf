import Foundation
@testable import GatewayStore
import NIOConcurrencyHelpers
import Testing

@Suite(.timeLimit(.minutes(2))) struct RateLimitBatcherTests {
    /// Checks arriving together share statements; a bucket is never in one statement twice.
    @Test func checksArrivingTogetherShareStatementsAndABucketIsInEachAtMostOnce() async throws {
        let statements = NIOLockedValueBox<[[BucketKey: Double]]>([])
        let batcher = RateLimitBatcher { takes in
            statements.withLockedValue { $0.append(takes) }
            try await Task.sleep(for: .milliseconds(20))  // a round trip, while the next batch gathers
            return Set(takes.keys.filter { $0.tier == "flash" })
        }
        let repeated = BucketKey(user: UUID(), tier: "flash")
        let keys = (0..<100).map { _ in BucketKey(user: UUID(), tier: "flash") } + Array(repeating: repeated, count: 5) + [BucketKey(user: UUID(), tier: "pro")]
        let results = try await withThrowingTaskGroup(of: (BucketKey, Bool).self) { group in
            for key in keys { group.addTask { (key, try await batcher.take(key, capacity: 60)) } }
            return try await group.reduce(into: [(BucketKey, Bool)]()) { $0.append($1) }
        }
        #expect(results.count == keys.count)
        #expect(results.allSatisfy { $0.1 == ($0.0.tier == "flash") })
        let sent = statements.withLockedValue { $0 }
        #expect(sent.count < 50, "\(sent.count) statements for \(keys.count) checks")
        #expect(sent.count >= 5)  // the repeated bucket's five checks went one per statement
        #expect(sent.map { $0.count }.reduce(0, +) == keys.count)
    }

    @Test func aFailedStatementFailsItsChecksAndTheNextBatchStillRuns() async throws {
        let calls = NIOLockedValueBox(0)
        let batcher = RateLimitBatcher { takes in
            let call = calls.withLockedValue { $0 += 1; return $0 }
            if call == 1 { throw StoreUnavailable("down") }
            return Set(takes.keys)
        }
        let key = BucketKey(user: UUID(), tier: "flash")
        await #expect(throws: StoreUnavailable.self) { try await batcher.take(key, capacity: 1) }
        #expect(try await batcher.take(key, capacity: 1))
    }

    /// On PostgreSQL: many users' checks at once, one bucket's beyond its capacity among them;
    /// each bucket gives exactly what it holds.
    @Test func onPostgreSQLEachBucketGivesExactlyWhatItHolds() async throws {
        guard let url = StoreBackend.postgresURL else {
            print("SKIPPED (no PostgreSQL): set CAREER_TEST_DATABASE_URL, or run scripts/test.sh with PostgreSQL installed")
            return
        }
        try await withPostgresStore(url: url) { store in
            let busy = UUID()
            let others = (0..<40).map { _ in UUID() }
            let outcomes = try await withThrowingTaskGroup(of: (UUID, Duration?).self) { group in
                for _ in 0..<12 { group.addTask { (busy, try await store.takeCall(user: busy, tier: "pro", perMinute: 5)) } }
                for user in others { group.addTask { (user, try await store.takeCall(user: user, tier: "pro", perMinute: 5)) } }
                return try await group.reduce(into: [(UUID, Duration?)]()) { $0.append($1) }
            }
            let busyOutcomes = outcomes.filter { $0.0 == busy }
            #expect(busyOutcomes.filter { $0.1 == nil }.count == 5)
            // A refusal says when the next call comes: within a minute's refill of one call (12 s).
            #expect(busyOutcomes.compactMap(\.1).allSatisfy { $0 > .zero && $0 <= .seconds(12) })
            #expect(outcomes.filter { $0.0 != busy }.allSatisfy { $0.1 == nil })
        }
    }
}
