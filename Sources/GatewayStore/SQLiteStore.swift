import Foundation
import Logging
import NIOConcurrencyHelpers
import SQLiteNIO
import ServiceLifecycle

/// The embedded database: one SQLite file (`DATA_DIR/career.sqlite3`), the default when
/// `DATABASE_URL` is unset, so a fresh clone keeps its history with no server.
///
/// One connection, every operation run one at a time (``SerialLock``): SQLite has one writer
/// anyway, and a transaction's statements must not interleave with another's. Write-ahead
/// logging with `synchronous = NORMAL`: a committed transaction survives the gateway being
/// killed (it is in the log file before `COMMIT` returns); only an operating-system crash can
/// lose the last ones.
public final class SQLiteStore: ResultStore, Service {
    private let connection: SQLiteConnection
    private let lock = SerialLock()
    private let closed = NIOLockedValueBox(false)
    public let path: String

    private init(connection: SQLiteConnection, path: String) {
        self.connection = connection
        self.path = path
    }

    /// Opens (creating the folder and file when needed) and migrates the database at `path`.
    public static func open(path: String, logger: Logger) async throws -> SQLiteStore {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let store = SQLiteStore(connection: connection, path: path)
        // Another connection opening the file at the same moment holds its lock briefly while it
        // switches the journal mode or migrates; SQLite reports some of those waits as "busy" at
        // once (to avoid a deadlock) instead of through the busy timeout, so they are retried.
        var attempt = 0
        while true {
            do {
                for pragma in ["PRAGMA busy_timeout = 10000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON"] {
                    _ = try await connection.query(pragma)
                }
                try await store.migrate(logger: logger)
                return store
            } catch let error as SQLiteError where [.busy, .locked, .busyTimeout, .busyInRecovery, .busyInSnapshot].contains(error.reason) && attempt < 50 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(100))
            } catch {
                try? await store.close()
                throw error
            }
        }
    }

    /// Closes the file; idempotent.
    public func close() async throws {
        guard self.closed.withLockedValue({ let was = $0; $0 = true; return !was }) else { return }
        try await self.connection.close()
    }

    /// Waits for the gateway's graceful shutdown (after the HTTP server has drained), then
    /// closes the file.
    public func run() async throws {
        try? await gracefulShutdown()
        try await self.close()
    }

    deinit {
        // A store dropped without `close()` (a test, an aborted start) still releases the file.
        // The callback holds the connection until it has closed: SQLiteNIO stops a debug build
        // whose connection is freed while still open, and the future alone does not hold it.
        if self.closed.withLockedValue({ let was = $0; $0 = true; return !was }) {
            let connection = self.connection
            connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
        }
    }

    // MARK: Migrations

    /// Applies the migrations not yet recorded, each in its own transaction. `BEGIN IMMEDIATE`
    /// takes the write lock first, so two processes opening one file apply each migration once.
    func migrate(logger: Logger) async throws {
        try await self.lock.run {
            _ = try await self.connection.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)")
            for migration in try Migration.all(.sqlite) {
                try await self.transaction(immediate: true) {
                    let applied = try await self.connection.query("SELECT 1 FROM schema_migrations WHERE version = ?", [.integer(migration.version)])
                    guard applied.isEmpty else { return }
                    for statement in SQLStatements.split(migration.sql) {
                        _ = try await self.connection.query(statement)
                    }
                    _ = try await self.connection.query(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                        [.integer(migration.version), .text(migration.name), .integer(Int(StoreTime.microseconds(Date())))]
                    )
                    logger.info("database migrated", metadata: ["db.migration": "\(migration.name)"])
                }
            }
        }
    }

    /// The versions recorded as applied.
    func appliedVersions() async throws -> [Int] {
        try await self.lock.run {
            try await self.connection.query("SELECT version FROM schema_migrations ORDER BY version").compactMap { row -> Int? in row.column("version")?.integer.map { Int($0) } }
        }
    }

    // MARK: ResultStore

    public func write(_ writes: StoreWrites) async throws {
        let writes = try writes.checked()
        var statements: [(sql: String, binds: [SQLiteData])] = []
        statements += Self.inserts(
            into: "saved_results", ["id", "user_id", "kind", "title", "model", "prompt_tokens", "output_tokens", "thoughts_tokens", "total_tokens", "result", "created_at"],
            writes.results.map { result in
                [Self.text(result.id), Self.text(result.userID), .text(result.kind.rawValue), .text(result.title), .text(result.model)]
                    + Self.tokens(result.usage) + [.text(String(decoding: result.result ?? Data(), as: UTF8.self)), Self.time(result.createdAt)]
            }
        )
        statements += Self.inserts(
            into: "usage_calls", ["id", "user_id", "task", "status", "reason", "models", "prompt_tokens", "output_tokens", "thoughts_tokens", "total_tokens",
                                  "duration_ms", "streamed", "replayed", "request_id", "created_at"],
            writes.usage.map { call in
                [Self.text(call.id), Self.text(call.userID), .text(call.task), .text(call.status.rawValue), call.reason.map(SQLiteData.text) ?? .null,
                 .text(call.modelList)] + Self.tokens(call.usage)
                    + [.integer(Int(call.durationMilliseconds)), .integer(call.streamed ? 1 : 0), .integer(call.replayed ? 1 : 0),
                       .text(call.requestID), Self.time(call.createdAt)]
            }
        )
        statements += Self.inserts(
            into: "usage_tokens", ["call_id", "model", "prompt_tokens", "output_tokens", "thoughts_tokens", "total_tokens"],
            writes.usage.flatMap { call in call.tokensByModel.map { [Self.text(call.id), .text($0.model)] + Self.tokens($0.usage) } }
        )
        guard !statements.isEmpty else { return }
        let batch = statements
        try await self.lock.run {
            // One statement is atomic by itself; more share one transaction (one commit).
            if batch.count == 1 {
                _ = try await self.connection.query(batch[0].sql, batch[0].binds)
                return
            }
            try await self.transaction {
                for statement in batch {
                    _ = try await self.connection.query(statement.sql, statement.binds)
                }
            }
        }
    }

    /// Rows per INSERT statement: 200 rows of at most 15 columns stay far below SQLite's
    /// 32,766 host parameters.
    static let rowsPerInsert = 200

    /// Multi-row INSERTs of `rows` (none when there are none): one statement per
    /// ``rowsPerInsert`` rows, so a batch costs a few statements, not one per row.
    private static func inserts(into table: String, _ columns: [String], _ rows: [[SQLiteData]]) -> [(sql: String, binds: [SQLiteData])] {
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        return stride(from: 0, to: rows.count, by: Self.rowsPerInsert).map { start in
            let chunk = rows[start..<min(start + Self.rowsPerInsert, rows.count)]
            let sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES " + Array(repeating: row, count: chunk.count).joined(separator: ", ")
            return (sql, chunk.flatMap { $0 })
        }
    }

    public func history(user: UUID, kind: ResultKind?, limit: Int, after cursor: HistoryCursor?) async throws -> HistoryPage {
        var sql = "SELECT id, user_id, kind, title, model, prompt_tokens, output_tokens, thoughts_tokens, total_tokens, created_at FROM saved_results WHERE user_id = ?"
        var binds: [SQLiteData] = [Self.text(user)]
        if let kind {
            sql += " AND kind = ?"
            binds.append(.text(kind.rawValue))
        }
        if let cursor {
            sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
            binds += [.integer(Int(cursor.createdAtMicroseconds)), .integer(Int(cursor.createdAtMicroseconds)), Self.text(cursor.id)]
        }
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        binds.append(.integer(limit + 1))  // one more tells whether a next page exists
        let (query, values) = (sql, binds)
        let rows = try await self.lock.run { try await self.connection.query(query, values) }
        let items = try rows.map { try Self.savedResult($0, withResult: false) }
        return HistoryPage(items: Array(items.prefix(limit)), nextCursor: items.count > limit ? HistoryCursor(after: items[limit - 1]) : nil)
    }

    public func result(user: UUID, id: UUID) async throws -> SavedResult? {
        let rows = try await self.lock.run {
            try await self.connection.query(
                "SELECT id, user_id, kind, title, model, prompt_tokens, output_tokens, thoughts_tokens, total_tokens, created_at, result FROM saved_results WHERE user_id = ? AND id = ?",
                [Self.text(user), Self.text(id)]
            )
        }
        return try rows.first.map { try Self.savedResult($0, withResult: true) }
    }

    public func deleteResult(user: UUID, id: UUID) async throws -> Bool {
        try await self.lock.run {
            try await !self.connection.query("DELETE FROM saved_results WHERE user_id = ? AND id = ? RETURNING id", [Self.text(user), Self.text(id)]).isEmpty
        }
    }

    public func eraseUser(_ user: UUID) async throws {
        try await self.lock.run {
            try await self.transaction {
                // The usage_tokens rows go with their calls (ON DELETE CASCADE).
                _ = try await self.connection.query("DELETE FROM usage_calls WHERE user_id = ?", [Self.text(user)])
                _ = try await self.connection.query("DELETE FROM saved_results WHERE user_id = ?", [Self.text(user)])
            }
        }
    }

    public func usage(user: UUID, from: Date, to: Date) async throws -> UsageSummary {
        let range: [SQLiteData] = [Self.text(user), Self.time(from), Self.time(to)]
        let (countRows, taskRows) = try await self.lock.run {
            let count = try await self.connection.query("SELECT count(*) AS calls FROM usage_calls WHERE user_id = ? AND created_at >= ? AND created_at < ?", range)
            let tasks = try await self.connection.query(
                """
                SELECT c.task AS task, coalesce(t.model, '') AS model, count(DISTINCT c.id) AS calls,
                       coalesce(sum(t.prompt_tokens), 0) AS prompt_tokens, coalesce(sum(t.output_tokens), 0) AS output_tokens,
                       coalesce(sum(t.thoughts_tokens), 0) AS thoughts_tokens, coalesce(sum(t.total_tokens), 0) AS total_tokens
                FROM usage_calls c LEFT JOIN usage_tokens t ON t.call_id = c.id
                WHERE c.user_id = ? AND c.created_at >= ? AND c.created_at < ?
                GROUP BY c.task, coalesce(t.model, '') ORDER BY c.task, model
                """,
                range
            )
            return (count, tasks)
        }
        let rows = taskRows.map { row in
            UsageSummary.TaskUsage(
                task: row.column("task")?.string ?? "", model: row.column("model")?.string ?? "",
                calls: Int64(row.column("calls")?.integer ?? 0), usage: Self.tokens(row)
            )
        }
        return .make(from: from, to: to, calls: Int64(countRows.first?.column("calls")?.integer ?? 0), rows: rows)
    }

    // MARK: Helpers

    /// Runs `body` in a transaction; the caller holds the lock.
    private func transaction(immediate: Bool = false, _ body: () async throws -> Void) async throws {
        _ = try await self.connection.query(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            try await body()
            _ = try await self.connection.query("COMMIT")
        } catch {
            _ = try? await self.connection.query("ROLLBACK")
            throw error
        }
    }

    private static func text(_ id: UUID) -> SQLiteData { .text(id.uuidString.lowercased()) }
    private static func time(_ date: Date) -> SQLiteData { .integer(Int(StoreTime.microseconds(date))) }
    private static func tokens(_ usage: TokenUsage) -> [SQLiteData] {
        [.integer(Int(usage.promptTokens)), .integer(Int(usage.outputTokens)), .integer(Int(usage.thoughtsTokens)), .integer(Int(usage.totalTokens))]
    }

    private static func tokens(_ row: SQLiteRow) -> TokenUsage {
        func count(_ name: String) -> Int64 { Int64(row.column(name)?.integer ?? 0) }
        return TokenUsage(promptTokens: count("prompt_tokens"), outputTokens: count("output_tokens"), thoughtsTokens: count("thoughts_tokens"), totalTokens: count("total_tokens"))
    }

    private static func savedResult(_ row: SQLiteRow, withResult: Bool) throws -> SavedResult {
        guard let id = row.column("id")?.string.flatMap(UUID.init(uuidString:)),
              let user = row.column("user_id")?.string.flatMap(UUID.init(uuidString:)),
              let kind = row.column("kind")?.string.flatMap(ResultKind.init(rawValue:)),
              let created = row.column("created_at")?.integer
        else { throw StoreUnavailable("a saved_results row could not be read") }
        return SavedResult(
            id: id, userID: user, kind: kind, title: row.column("title")?.string ?? "", model: row.column("model")?.string ?? "",
            usage: Self.tokens(row), createdAt: StoreTime.date(microseconds: Int64(created)),
            result: withResult ? row.column("result")?.string.map { Data($0.utf8) } : nil
        )
    }
}

/// Runs async bodies one at a time, in arrival order.
final class SerialLock: Sendable {
    private let state = LockState()

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await self.state.acquire()
        do {
            let value = try await body()
            await self.state.release()
            return value
        } catch {
            await self.state.release()
            throw error
        }
    }

    private actor LockState {
        private var busy = false
        private var waiters: [CheckedContinuation<Void, Never>] = []

        func acquire() async {
            guard self.busy else {
                self.busy = true
                return
            }
            await withCheckedContinuation { self.waiters.append($0) }
        }

        func release() {
            if self.waiters.isEmpty {
                self.busy = false
            } else {
                self.waiters.removeFirst().resume()  // the lock passes straight to the next
            }
        }
    }
}

/// Splits a migration file into statements: `--` comments dropped, split at each `;` that is
/// not inside a dollar-quoted body (`DO $$ … $$`, a function's body), which goes whole. Enough
/// for this project's own files, which hold no `;` or `--` inside string literals.
enum SQLStatements {
    static func split(_ sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inDollarQuote = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            var text = Substring(line)
            if !inDollarQuote, let comment = text.range(of: "--") { text = text[..<comment.lowerBound] }
            var index = text.startIndex
            while index < text.endIndex {
                if text[index...].hasPrefix("$$") {
                    inDollarQuote.toggle()
                    current += "$$"
                    index = text.index(index, offsetBy: 2)
                    continue
                }
                if text[index] == ";" && !inDollarQuote {
                    statements.append(current)
                    current = ""
                } else {
                    current.append(text[index])
                }
                index = text.index(after: index)
            }
            current += "\n"
        }
        statements.append(current)
        return statements.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }
}
