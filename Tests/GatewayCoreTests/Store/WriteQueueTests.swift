import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import GatewayStore

/// A real store that counts its batches and can be made slow or failing: what the queue does
/// with them is what these tests check.
private final class CountingStore: ResultStore, Sendable {
    let base: any ResultStore
    let delay: Duration
    let delayFirstOnly: Bool
    let failing: Bool
    private let batches = NIOLockedValueBox<[Int]>([])

    init(base: any ResultStore, delay: Duration = .zero, delayFirstOnly: Bool = false, failing: Bool = false) {
        self.base = base
        self.delay = delay
        self.delayFirstOnly = delayFirstOnly
        self.failing = failing
    }

    /// The size of each batch written, in order.
    var batchSizes: [Int] { self.batches.withLockedValue { $0 } }

    func write(_ writes: StoreWrites) async throws {
        let first = self.batches.withLockedValue { $0.append(writes.results.count + writes.usage.count); return $0.count == 1 }
        if first || !self.delayFirstOnly { try await Task.sleep(for: self.delay) }
        if self.failing { throw StoreUnavailable("the test database refuses writes") }
        try await self.base.write(writes)
    }

    func history(user: UUID, kind: ResultKind?, limit: Int, after cursor: HistoryCursor?) async throws -> HistoryPage {
        try await self.base.history(user: user, kind: kind, limit: limit, after: cursor)
    }
    func result(user: UUID, id: UUID) async throws -> SavedResult? { try await self.base.result(user: user, id: id) }
    func deleteResult(user: UUID, id: UUID) async throws -> Bool { try await self.base.deleteResult(user: user, id: id) }
    func eraseUser(_ user: UUID) async throws { try await self.base.eraseUser(user) }
    func usage(user: UUID, from: Date, to: Date) async throws -> UsageSummary { try await self.base.usage(user: user, from: from, to: to) }
}

@Suite(.timeLimit(.minutes(2))) struct WriteQueueTests {
    static func usageRow(_ user: UUID) -> UsageCall {
        UsageCall(
            userID: user, task: "documents", status: .ok,
            tokensByModel: [.init(model: "gemini-2.5-flash", usage: TokenUsage(promptTokens: 3, outputTokens: 2, thoughtsTokens: 0, totalTokens: 5))],
            duration: .milliseconds(10), streamed: false, replayed: false, requestID: "req", createdAt: Date()
        )
    }

    @Test(arguments: StoreBackend.allCases)
    func callsAnsweredAtOnceShareACommitAndEverySaveIsCommittedWhenItReturns(backend: StoreBackend) async throws {
        try await withStore(backend) { base in
            // Each batch takes 50 ms, so the saves that arrive during the first one go together.
            let store = CountingStore(base: base, delay: .milliseconds(50))
            let usageWritten = NIOLockedValueBox(0)
            let queue = WriteQueue(store: store) { rows, failure in
                if failure == nil { usageWritten.withLockedValue { $0 += rows } }
            }
            let user = UUID()
            let items = (0..<64).map { _ in StoreTests.item(user) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for item in items {
                    group.addTask {
                        queue.record(Self.usageRow(user))
                        try await queue.save(item)
                        // Committed when `save` returns: readable at once.
                        #expect(try await base.result(user: user, id: item.id) != nil)
                    }
                }
                try await group.waitForAll()
            }
            #expect(store.batchSizes.reduce(0, +) >= 64)
            #expect(store.batchSizes.count <= 8, "\(store.batchSizes)")  // not one commit per call
            let page = try await base.history(user: user, kind: nil, limit: 100, after: nil)
            #expect(Set(page.items.map(\.id)) == Set(items.map(\.id)))
            // The ledger rows follow without anyone waiting for them.
            for _ in 0..<100 where usageWritten.withLockedValue({ $0 }) < 64 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(usageWritten.withLockedValue { $0 } == 64)
            #expect(try await base.usage(user: user, from: .distantPast, to: .distantFuture).calls == 64)
        }
    }

    @Test func aFailedBatchFailsEverySaveInItAndReportsItsUsageRows() async throws {
        try await withStore(.sqlite) { base in
            let store = CountingStore(base: base, delay: .milliseconds(20), failing: true)
            let failedRows = NIOLockedValueBox(0)
            let queue = WriteQueue(store: store) { rows, failure in
                if failure != nil { failedRows.withLockedValue { $0 += rows } }
            }
            let user = UUID()
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        queue.record(Self.usageRow(user))
                        return (try? await queue.save(StoreTests.item(user))) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes == Array(repeating: false, count: 10))
            for _ in 0..<100 where failedRows.withLockedValue({ $0 }) < 10 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(failedRows.withLockedValue { $0 } == 10)
            #expect(try await base.history(user: user, kind: nil, limit: 20, after: nil).items.isEmpty)
        }
    }

    @Test func usageRowsBeyondTheWaitingLimitAreDroppedAndReportedNotHeld() async throws {
        try await withStore(.sqlite) { base in
            // The database is slow to take the first batch: rows pile up behind it.
            let store = CountingStore(base: base, delay: .milliseconds(500), delayFirstOnly: true)
            let written = NIOLockedValueBox(0)
            let dropped = NIOLockedValueBox(0)
            let queue = WriteQueue(store: store) { rows, failure in
                if failure == nil { written.withLockedValue { $0 += rows } } else { dropped.withLockedValue { $0 += rows } }
            }
            let user = UUID()
            let offered = WriteQueue.maxWaitingUsage + WriteQueue.maxBatch + 100
            for _ in 0..<offered { queue.record(Self.usageRow(user)) }
            for _ in 0..<300 where written.withLockedValue({ $0 }) + dropped.withLockedValue({ $0 }) < offered {
                try await Task.sleep(for: .milliseconds(50))
            }
            // At most the waiting limit plus the batch being written were kept; the rest were
            // reported as failed writes.
            let kept = written.withLockedValue { $0 }
            #expect(dropped.withLockedValue { $0 } >= 100)
            #expect(kept + dropped.withLockedValue { $0 } == offered)
            #expect(try await base.usage(user: user, from: .distantPast, to: .distantFuture).calls == Int64(kept))
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aBatchIsOneTransactionAllOrNothing(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let user = UUID()
            // Hundreds of rows, and calls with two models.
            let results = (0..<3).map { _ in StoreTests.item(user) }
            let calls = (0..<250).map { index in
                UsageCall(
                    userID: user, task: index.isMultiple(of: 2) ? "documents" : "analysis", status: .ok,
                    tokensByModel: [
                        .init(model: "gemini-2.5-flash", usage: TokenUsage(promptTokens: 1, outputTokens: 1, thoughtsTokens: 0, totalTokens: 2)),
                        .init(model: "gemini-2.5-pro", usage: TokenUsage(promptTokens: 2, outputTokens: 2, thoughtsTokens: 1, totalTokens: 5)),
                    ],
                    duration: .milliseconds(5), streamed: false, replayed: false, requestID: "req-\(index)", createdAt: Date()
                )
            }
            try await store.write(StoreWrites(results: results, usage: calls))
            #expect(try await store.history(user: user, kind: nil, limit: 20, after: nil).items.count == 3)
            let summary = try await store.usage(user: user, from: .distantPast, to: .distantFuture)
            #expect(summary.calls == Int64(calls.count))
            #expect(summary.usage.totalTokens == Int64(calls.count * 7))

            // A batch with one bad row (an id already saved) writes nothing.
            let other = UUID()
            var duplicate = StoreTests.item(other)
            duplicate.id = results[0].id
            await #expect(throws: (any Error).self) {
                try await store.write(StoreWrites(results: [StoreTests.item(other), duplicate], usage: [Self.usageRow(other)]))
            }
            #expect(try await store.history(user: other, kind: nil, limit: 20, after: nil).items.isEmpty)
            #expect(try await store.usage(user: other, from: .distantPast, to: .distantFuture).calls == 0)
        }
    }
}
