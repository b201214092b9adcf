import Foundation

/// The gateway's database: saved results and the usage ledger, per user. Two implementations:
/// ``PostgresStore`` (`DATABASE_URL`) and ``SQLiteStore`` (an embedded file, the default).
///
/// Every method either completes or throws; callers bound how long they wait (``bounded(_:_:)``)
/// since a database that is down can make a call wait for a connection.
public protocol ResultStore: Sendable {
    /// Saves `result` (its `result` bytes must be set); committed when this returns.
    func save(_ result: SavedResult) async throws
    /// A page of the user's results, newest first, without their `result` bytes.
    func history(user: UUID, kind: ResultKind?, limit: Int, after cursor: HistoryCursor?) async throws -> HistoryPage
    /// One result with its bytes; nil when the user has no such result.
    func result(user: UUID, id: UUID) async throws -> SavedResult?
    /// Deletes one result; false when the user had no such result.
    func deleteResult(user: UUID, id: UUID) async throws -> Bool
    /// Deletes every saved result and usage row of the user.
    func eraseUser(_ user: UUID) async throws
    /// Adds one row to the usage ledger.
    func recordUsage(_ call: UsageCall) async throws
    /// The user's usage with `from <= created_at < to`.
    func usage(user: UUID, from: Date, to: Date) async throws -> UsageSummary
}

/// Runs `operation`, or throws ``StoreUnavailable`` once `limit` has passed (the operation is
/// then cancelled). Database work never holds a caller longer than its bound.
public func bounded<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw StoreUnavailable("no answer from the database within \(limit)")
        }
        return value
    }
}

/// Shared by both stores: turns rows of `(task, model, calls, tokens…)` into a summary.
extension UsageSummary {
    static func make(from: Date, to: Date, calls: Int64, rows: [TaskUsage]) -> UsageSummary {
        UsageSummary(from: from, to: to, calls: calls, usage: rows.reduce(.zero) { $0 + $1.usage }, byTask: rows)
    }
}
