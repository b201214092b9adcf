import Foundation
import NIOConcurrencyHelpers

/// Gathers the shared rate-limit checks of calls arriving together into one statement, as
/// ``WriteQueue`` does for writes: while one batch is at the database the next one gathers, and
/// a check that finds none running goes at once, so a quiet gateway adds no delay. Under load a
/// check costs the database a share of one round trip and one commit instead of one each.
///
/// A user's second check of the same tier waits for the next batch (a statement may update a
/// bucket once), so checks of one bucket are still taken one after the other.
final class RateLimitBatcher: Sendable {
    private struct Pending {
        var key: BucketKey
        var capacity: Double
        var taken: CheckedContinuation<Bool, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        var running = false
    }

    private let state = NIOLockedValueBox(State())
    private let execute: @Sendable (_ takes: [BucketKey: Double]) async throws -> Set<BucketKey>

    /// Most checks in one statement: 256.
    static let maxBatch = 256
    /// Longest one batch may take before its checks fail (and the callers' breaker takes over): 5 s.
    static let batchBound: Duration = .seconds(5)

    /// `execute` runs one batch: the capacity of each bucket to take a call from, and returns
    /// the buckets a call was taken from.
    init(execute: @escaping @Sendable (_ takes: [BucketKey: Double]) async throws -> Set<BucketKey>) {
        self.execute = execute
    }

    /// Takes one call from `key`'s bucket, which holds `capacity`: true when taken.
    func take(_ key: BucketKey, capacity: Double) async throws -> Bool {
        try await withCheckedThrowingContinuation { (taken: CheckedContinuation<Bool, any Error>) in
            let start = self.state.withLockedValue { state -> Bool in
                state.pending.append(Pending(key: key, capacity: capacity, taken: taken))
                guard !state.running else { return false }
                state.running = true
                return true
            }
            if start { Task { await self.runUntilEmpty() } }
        }
    }

    private func runUntilEmpty() async {
        while let batch = self.nextBatch() {
            let takes = Dictionary(batch.map { ($0.key, $0.capacity) }) { first, _ in first }
            do {
                let taken = try await bounded(Self.batchBound) { [execute] in try await execute(takes) }
                for check in batch { check.taken.resume(returning: taken.contains(check.key)) }
            } catch {
                for check in batch { check.taken.resume(throwing: error) }
            }
        }
    }

    /// The next batch, each bucket at most once (later checks of a bucket stay, in order, for
    /// the batches after); nil, and the runner marked stopped, when nothing waits.
    private func nextBatch() -> [Pending]? {
        self.state.withLockedValue { state in
            guard !state.pending.isEmpty else {
                state.running = false
                return nil
            }
            var batch: [Pending] = []
            var rest: [Pending] = []
            var keys: Set<BucketKey> = []
            for check in state.pending {
                if batch.count < Self.maxBatch, keys.insert(check.key).inserted {
                    batch.append(check)
                } else {
                    rest.append(check)
                }
            }
            state.pending = rest
            return batch
        }
    }
}
