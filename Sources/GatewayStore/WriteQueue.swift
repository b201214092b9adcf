import Foundation
import NIOConcurrencyHelpers

/// Gathers the gateway's writes (saved results, usage rows) into batches, so that many calls
/// answered at once cost the database one commit between them instead of one each (group
/// commit): while one batch is being written, the next one gathers; a write that finds the
/// queue idle goes out at once, alone, so a quiet gateway adds no delay.
///
/// A save waits for the commit of its batch (a `resultId` means the row is committed); a usage
/// row does not wait, and ``init(store:onUsageWritten:)``'s callback hears how its batch went.
/// A batch fails or commits as a whole.
public final class WriteQueue: Sendable {
    private struct PendingSave {
        var result: SavedResult
        var committed: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var saves: [PendingSave] = []
        var usage: [UsageCall] = []
        var writing = false
        /// Usage rows dropped since the last report (reported once per batch, not per row, so
        /// an outage does not flood the log).
        var droppedUsage = 0
    }

    private let store: any ResultStore
    private let state = NIOLockedValueBox(State())
    private let onUsageWritten: @Sendable (_ rows: Int, _ failure: (any Error)?) -> Void

    /// Most results and usage rows written in one batch: 256.
    public static let maxBatch = 256
    /// Most usage rows waiting at once; beyond it new ones are dropped (and counted as failed
    /// writes) rather than growing the gateway's memory while the database is away: 10,000.
    public static let maxWaitingUsage = 10_000
    /// Longest one batch may take before it is given up (failed): 5 s.
    static let batchBound: Duration = .seconds(5)

    public init(store: any ResultStore, onUsageWritten: @escaping @Sendable (_ rows: Int, _ failure: (any Error)?) -> Void = { _, _ in }) {
        self.store = store
        self.onUsageWritten = onUsageWritten
    }

    /// Saves `result` with the next batch; returns once that batch is committed.
    public func save(_ result: SavedResult) async throws {
        try await withCheckedThrowingContinuation { (committed: CheckedContinuation<Void, any Error>) in
            let start = self.state.withLockedValue { state in
                state.saves.append(PendingSave(result: result, committed: committed))
                return Self.claimWriter(&state)
            }
            if start { self.startWriter() }
        }
    }

    /// Adds `call` to the ledger with the next batch, without waiting for it.
    public func record(_ call: UsageCall) {
        let start = self.state.withLockedValue { state -> Bool in
            guard state.usage.count < Self.maxWaitingUsage else {
                state.droppedUsage += 1
                return false  // a writer runs: the queue is full
            }
            state.usage.append(call)
            return Self.claimWriter(&state)
        }
        if start { self.startWriter() }
    }

    /// True when the caller must start the writer (none runs).
    private static func claimWriter(_ state: inout State) -> Bool {
        guard !state.writing else { return false }
        state.writing = true
        return true
    }

    private func startWriter() {
        Task { await self.writeUntilEmpty() }
    }

    /// Writes batches until nothing waits, then stops (the next write starts it again).
    private func writeUntilEmpty() async {
        while let (saves, usage) = self.nextBatch() {
            let writes = StoreWrites(results: saves.map(\.result), usage: usage)
            let failure: (any Error)?
            do {
                // Bounded: a statement the database never answers must not stall every later
                // write behind it.
                try await bounded(Self.batchBound) { [store] in try await store.write(writes) }
                failure = nil
            } catch {
                failure = error
            }
            for save in saves {
                if let failure { save.committed.resume(throwing: failure) } else { save.committed.resume() }
            }
            if !usage.isEmpty { self.onUsageWritten(usage.count, failure) }
            let dropped = self.state.withLockedValue { state in
                defer { state.droppedUsage = 0 }
                return state.droppedUsage
            }
            if dropped > 0 { self.onUsageWritten(dropped, StoreUnavailable("\(dropped) usage rows dropped: too many were waiting for the database")) }
        }
    }

    /// Takes the next batch (saves first: someone waits for them), or marks the writer
    /// stopped when nothing waits.
    private func nextBatch() -> ([PendingSave], [UsageCall])? {
        self.state.withLockedValue { state in
            guard !state.saves.isEmpty || !state.usage.isEmpty else {
                state.writing = false
                return nil
            }
            let saves = Array(state.saves.prefix(Self.maxBatch))
            state.saves.removeFirst(saves.count)
            let usage = Array(state.usage.prefix(Self.maxBatch - saves.count))
            state.usage.removeFirst(usage.count)
            return (saves, usage)
        }
    }
}
