import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The gateway's database: saved results and the usage ledger, per user. Two implementations:
/// ``PostgresStore`` (`DATABASE_URL`) and ``SQLiteStore`` (an embedded file, the default).
///
/// Every method either completes or throws; callers bound how long they wait (``bounded(_:_:)``)
/// since a database that is down can make a call wait for a connection.
public protocol ResultStore: Sendable {
    /// Saves results and adds usage-ledger rows, all in one transaction: committed when this
    /// returns, or none of them. Each result's `result` bytes must be set. Many writes in one
    /// call cost the database one commit (``WriteQueue`` gathers them).
    func write(_ writes: StoreWrites) async throws
    /// A page of the user's results, newest first, without their `result` bytes.
    func history(user: UUID, kind: ResultKind?, limit: Int, after cursor: HistoryCursor?) async throws -> HistoryPage
    /// One result with its bytes; nil when the user has no such result.
    func result(user: UUID, id: UUID) async throws -> SavedResult?
    /// Deletes one result; false when the user had no such result.
    func deleteResult(user: UUID, id: UUID) async throws -> Bool
    /// Deletes every saved result and usage row of the user.
    func eraseUser(_ user: UUID) async throws
    /// The user's usage with `from <= created_at < to`.
    func usage(user: UUID, from: Date, to: Date) async throws -> UsageSummary
}

/// Results to save and usage rows to add, written together.
public struct StoreWrites: Sendable {
    public var results: [SavedResult]
    public var usage: [UsageCall]

    public init(results: [SavedResult] = [], usage: [UsageCall] = []) {
        self.results = results
        self.usage = usage
    }

    public var isEmpty: Bool { self.results.isEmpty && self.usage.isEmpty }

    /// Refuses a result without its answer bytes before anything is written.
    func checked() throws -> Self {
        guard self.results.allSatisfy({ $0.result != nil }) else { throw StoreUnavailable("a saved result needs its answer") }
        return self
    }
}

extension ResultStore {
    /// Saves one result; committed when this returns.
    public func save(_ result: SavedResult) async throws {
        try await self.write(StoreWrites(results: [result]))
    }

    /// Adds one row to the usage ledger.
    public func recordUsage(_ call: UsageCall) async throws {
        try await self.write(StoreWrites(usage: [call]))
    }
}

/// Runs `operation`, or throws ``StoreUnavailable`` once `limit` has passed. Database work
/// never holds a caller longer than its bound: at the deadline the caller goes on and the
/// operation is cancelled in the background, even one that does not stop at once (a pool
/// waiting for a connection, a statement waiting for a lock).
public func bounded<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = BoundedRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            let work = Task {
                do {
                    race.finish(.success(try await operation()))
                } catch {
                    race.finish(.failure(error))
                }
            }
            // An event-loop timer, not a sleeping task: with NIO as the executor `Task.sleep` goes
            // to a libdispatch timer, which stays armed after a cancel and fires `limit` later on a
            // thread of its own, once for every database call the gateway made.
            let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(limit)) {
                race.finish(.failure(StoreUnavailable("no answer from the database within \(limit)")))
            }
            race.whenFinished {
                work.cancel()
                timer.cancel()
            }
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first of the operation, the deadline and the caller's cancellation to finish resumes
/// the caller; the others find it done.
private final class BoundedRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var result: Result<T, any Error>?
        var onFinish: (@Sendable () -> Void)?
        var finished = false
    }

    private let state = NIOLockedValueBox(State())

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let early = self.state.withLockedValue { state -> Result<T, any Error>? in
            if let result = state.result { return result }  // cancelled before it began
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func whenFinished(_ action: @escaping @Sendable () -> Void) {
        let runNow = self.state.withLockedValue { state -> Bool in
            guard !state.finished else { return true }
            state.onFinish = action
            return false
        }
        if runNow { action() }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, action) = self.state.withLockedValue { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
            guard !state.finished else { return (nil, nil) }
            state.finished = true
            state.result = result
            defer { state.continuation = nil; state.onFinish = nil }
            return (state.continuation, state.onFinish)
        }
        continuation?.resume(with: result)
        action?()
    }
}

/// Shared by both stores: turns rows of `(task, model, calls, tokens…)` into a summary.
extension UsageSummary {
    static func make(from: Date, to: Date, calls: Int64, rows: [TaskUsage]) -> UsageSummary {
        UsageSummary(from: from, to: to, calls: calls, usage: rows.reduce(.zero) { $0 + $1.usage }, byTask: rows)
    }
}
