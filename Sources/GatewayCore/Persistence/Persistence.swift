import CareerProto
import Foundation
import GatewayStore
import JSONText
import Logging
import PostgresNIO

/// What the gateway keeps of its calls: each successful answer of a saved kind (when
/// `SAVE_RESULTS=1`), and one usage-ledger row per call that reached a service.
///
/// The database never costs a user an answer: a save is bounded (``saveBound``) and on any
/// failure the answer goes out without `resultId`, the failure logged and counted. Ledger rows
/// are written after the answer, off the request's path.
public final class Persistence: Sendable {
    public let store: any ResultStore
    let saveResults: Bool
    let metrics: GatewayMetrics
    let logger: Logger
    /// Skips saving for a while after a failed save, so an outage does not cost every answer
    /// the whole ``saveBound``.
    let breaker = DatabaseBreaker()
    /// Saves and ledger rows of calls answered at once share a commit.
    let writes: WriteQueue

    /// Longest a save may hold an answer: 2 s.
    static let saveBound: Duration = .seconds(2)
    /// Longest a history or usage request waits for the database before its 503: 5 s.
    static let readBound: Duration = .seconds(5)

    public init(store: any ResultStore, saveResults: Bool, metrics: GatewayMetrics, logger: Logger) {
        self.store = store
        self.saveResults = saveResults
        self.metrics = metrics
        self.logger = logger
        self.writes = WriteQueue(store: store) { rows, failure in
            metrics.recordDatabase(operation: "record_usage", failed: failure != nil, count: rows)
            if let failure {
                logger.error("recording usage failed", metadata: ["error.type": "\(type(of: failure))", "db.error": "\(Self.describe(failure))", "db.rows": "\(rows)"])
            }
        }
    }

    /// What a route tells about the call it finished.
    struct Call: Sendable {
        /// The ledger's task name (`documents`, `parseProfile`, `coachChat`, …).
        var task: String
        /// What the answer is saved as; nil when it is not saved.
        var kind: ResultKind?
        /// The saved item's title, from the request: worked out only when the answer is saved.
        var title: @Sendable () -> String
        var user: String
        var requestID: String
        var started: ContinuousClock.Instant
        var streamed: Bool
    }

    /// Records an idempotent repeat: no service reached, no tokens, `replayed`.
    func replayed(_ call: Call) {
        self.record(call, status: .ok, reason: nil, tokens: [], duration: ContinuousClock.now - call.started, replayed: true)
    }

    /// The ledger row of a call that reached a service, written when the call has ended for
    /// its user and the service has said what it spent.
    func ledgerEntry(for call: Call) -> LedgerEntry {
        LedgerEntry(persistence: self, call: call)
    }

    /// What became of a coach's planned career path before its answer was finished: a stream
    /// saves it when its `action` event goes out.
    enum CoachPathSave: Sendable {
        case notYet
        /// Saved with this id, or (nil) not saved.
        case attempted(UUID?)
    }

    /// Saves `answer` when its kind is saved and returns it with `resultId` (unchanged when
    /// nothing was saved). `accounting` comes from the answer message, so the answer's JSON is
    /// not read again. (The ledger row is the call's ``LedgerEntry``.)
    func finish(_ call: Call, answer: Data, accounting: AnswerAccounting, coachPath: CoachPathSave = .notYet) async -> Data {
        guard self.saveResults else { return answer }
        // The saved bytes are the answer as the user gets it, `resultId` included.
        if let kind = call.kind {
            let id = UUID.timeOrdered()
            let withID = AnswerAccounting.adding(resultID: id, to: answer)
            let saved = await self.save(id: id, kind: kind, title: call.title(), user: call.user, model: accounting.model, usage: accounting.usage, result: withID)
            return saved ? withID : answer
        }
        // The coach's planned career path is saved as a career path of its own; the copy in the
        // coach's answer gets the same `resultId`, as its last member (the same bytes).
        if let path = accounting.coachCareerPath {
            let id: UUID?
            switch coachPath {
            case .notYet: id = await self.saveCoachCareerPath(path, for: call)
            case .attempted(let savedID): id = savedID
            }
            guard let id else { return answer }
            return AnswerAccounting.adding(resultID: id, at: AnswerAccounting.careerPathInCoachAnswer, in: answer) ?? answer
        }
        return answer
    }

    /// Saves a career path the coach planned as a career path of its own; its id when committed.
    func saveCoachCareerPath(_ path: Career_V1_CareerPathResponse, for call: Call) async -> UUID? {
        guard self.saveResults else { return nil }
        let id = UUID.timeOrdered()
        let title = ResultTitle.careerPath(currentRole: path.currentRole, targetRole: path.targetRole)
        let saved = await self.save(
            id: id, kind: .careerPath, title: title, user: call.user, model: path.model, usage: TokenUsage(path.usage),
            result: AnswerAccounting.adding(resultID: id, to: path.jsonBody())
        )
        return saved ? id : nil
    }

    /// Records a call that reached a service and was answered.
    func recordAnswered(_ call: Call, tokens: [UsageCall.ModelTokens], duration: Duration) {
        self.record(call, status: .ok, reason: nil, tokens: tokens, duration: duration, replayed: false)
    }

    /// Records a call that reached a service and failed (or whose client left), with the
    /// tokens it spent before it ended (its RPC status says).
    func fail(_ call: Call, error: APIErrorResponse?, tokens: [UsageCall.ModelTokens], duration: Duration) {
        let status: CallStatus
        switch error {
        case nil: status = .cancelled
        case let error? where error.reason == "CONTENT_BLOCKED": status = .blocked
        case let error? where error.code == .cancelled: status = .cancelled
        default: status = .error
        }
        self.record(call, status: status, reason: error?.reason ?? (error == nil ? "CLIENT_LEFT" : nil), tokens: tokens, duration: duration, replayed: false)
    }

    /// Whether the item was committed within ``saveBound``.
    private func save(id: UUID, kind: ResultKind, title: String, user: String, model: String, usage: TokenUsage, result: Data) async -> Bool {
        let item = SavedResult(
            id: id, userID: StoreUserID.uuid(forSubject: user), kind: kind, title: title, model: model, usage: usage, createdAt: Date(), result: result
        )
        guard !self.breaker.isOpen else {
            self.metrics.recordDatabase(operation: "save_result", failed: true)
            return false
        }
        do {
            try await databaseCall("save_result", on: self.store, within: Self.saveBound) { [writes] in try await writes.save(item) }
            self.breaker.recordSuccess()
            self.metrics.recordDatabase(operation: "save_result", failed: false)
            return true
        } catch {
            self.breaker.recordFailure()
            self.metrics.recordDatabase(operation: "save_result", failed: true)
            self.logger.error("saving an answer failed; answered without resultId", metadata: ["error.type": "\(type(of: error))", "db.error": "\(Self.describe(error))"])
            return false
        }
    }

    private func record(_ call: Call, status: CallStatus, reason: String?, tokens: [UsageCall.ModelTokens], duration: Duration, replayed: Bool) {
        let row = UsageCall(
            userID: StoreUserID.uuid(forSubject: call.user), task: call.task, status: status, reason: reason, tokensByModel: tokens,
            duration: duration, streamed: call.streamed, replayed: replayed, requestID: call.requestID, createdAt: Date()
        )
        self.writes.record(row)
    }

    /// A database error for a log line: its type and, for ours, the fixed description (never
    /// a query's values: they hold personal data).
    static func describe(_ error: any Error) -> String {
        if let error = error as? StoreUnavailable { return error.description }
        if let error = error as? SQLiteFailure { return error.description }
        if let error = error as? PSQLError { return "PostgreSQL: \(error.code)" + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "") }
        return "\(type(of: error))"
    }

    /// Runs a history or usage read, bounded; any failure is 503 `UNAVAILABLE` with `Retry-After`.
    func read<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (any ResultStore) async throws -> T) async throws -> T {
        do {
            let value = try await databaseCall(operation, on: self.store, within: Self.readBound) { [store] in try await body(store) }
            self.metrics.recordDatabase(operation: operation, failed: false)
            return value
        } catch {
            self.metrics.recordDatabase(operation: operation, failed: true)
            self.logger.warning("database unavailable", metadata: ["db.operation": "\(operation)", "db.error": "\(Self.describe(error))"])
            throw APIErrorResponse(
                code: .unavailable, message: "saved results are unavailable right now; try again shortly", reason: "DATABASE_UNAVAILABLE",
                retryAfterSeconds: 5
            )
        }
    }
}
