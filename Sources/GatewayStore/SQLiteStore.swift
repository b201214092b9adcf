import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// The embedded database: one SQLite file (`DATA_DIR/career.sqlite3`), the default when
/// `DATABASE_URL` is unset, so a fresh clone keeps its history with no server.
///
/// One connection, used from one thread of its own (``SQLiteThread``): SQLite has one writer
/// anyway, and each operation (a whole transaction) is one closure run there, so operations run
/// one at a time, a batch costs one hand-off between threads, and the statements it repeats are
/// prepared once (``SQLiteFile``). This is the SQLite library SQLiteNIO builds, used directly:
/// SQLiteNIO runs every statement as its own thread hand-off and prepares it anew, which was most
/// of what saving cost at one call at a time (BENCHMARKS.md, "Performance, round two").
///
/// Write-ahead logging with `synchronous = NORMAL`: a committed transaction survives the gateway
/// being killed (it is in the log file before `COMMIT` returns); only an operating-system crash
/// can lose the last ones.
public final class SQLiteStore: ResultStore, Service {
    private let thread: SQLiteThread
    private let closed = NIOLockedValueBox(false)
    public let path: String

    private init(thread: SQLiteThread, path: String) {
        self.thread = thread
        self.path = path
    }

    /// Opens (creating the folder and file when needed) and migrates the database at `path`.
    public static func open(path: String, logger: Logger) async throws -> SQLiteStore {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = SQLiteStore(thread: SQLiteThread(file: try SQLiteFile(path: path)), path: path)
        // Another connection opening the file at the same moment holds its lock briefly while it
        // switches the journal mode or migrates; SQLite reports some of those waits as "busy" at
        // once (to avoid a deadlock) instead of through the busy timeout, so they are retried.
        var attempt = 0
        while true {
            do {
                try await store.thread.perform { file in
                    for pragma in ["PRAGMA busy_timeout = 10000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON"] {
                        try file.runOnce(pragma)
                    }
                }
                try await store.migrate(logger: logger)
                return store
            } catch let error as SQLiteFailure where error.isBusy && attempt < 50 {
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
        await self.thread.shutdown()
    }

    /// Waits for the gateway's graceful shutdown (after the HTTP server has drained), then
    /// closes the file.
    public func run() async throws {
        try? await gracefulShutdown()
        try await self.close()
    }

    // A store dropped without `close()` (a test, an aborted start) still releases the file: the
    // thread's deinit closes it.

    // MARK: Migrations

    /// Applies the migrations not yet recorded, each in its own transaction. `BEGIN IMMEDIATE`
    /// takes the write lock first, so two processes opening one file apply each migration once.
    func migrate(logger: Logger) async throws {
        let migrations = try Migration.all(.sqlite)
        let applied = try await self.thread.perform { file -> [String] in
            try file.runOnce("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)")
            var applied: [String] = []
            for migration in migrations {
                try file.transaction(immediate: true) {
                    guard try file.runOnce("SELECT 1 FROM schema_migrations WHERE version = ?", [.integer(migration.version)]).isEmpty else { return }
                    for statement in SQLStatements.split(migration.sql) {
                        try file.runOnce(statement)
                    }
                    try file.runOnce(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                        [.integer(migration.version), .text(migration.name), .integer(StoreTime.microseconds(Date()))]
                    )
                    applied.append(migration.name)
                }
            }
            return applied
        }
        for name in applied {
            logger.info("database migrated", metadata: ["db.migration": "\(name)"])
        }
    }

    /// The versions recorded as applied.
    func appliedVersions() async throws -> [Int] {
        try await self.thread.perform { file in
            try file.query("SELECT version FROM schema_migrations ORDER BY version").compactMap { $0.integer("version").map { Int($0) } }
        }
    }

    // MARK: ResultStore

    private static let insertResult = SQLiteStore.insert(
        into: "saved_results", ["id", "user_id", "kind", "title", "model", "prompt_tokens", "output_tokens", "thoughts_tokens", "total_tokens", "result", "created_at"]
    )
    private static let insertCall = SQLiteStore.insert(
        into: "usage_calls", ["id", "user_id", "task", "status", "reason", "models", "prompt_tokens", "output_tokens", "thoughts_tokens", "total_tokens",
                              "duration_ms", "streamed", "replayed", "request_id", "created_at"]
    )
    private static let insertTokens = SQLiteStore.insert(
        into: "usage_tokens", ["call_id", "model", "prompt_tokens", "output_tokens", "thoughts_tokens", "total_tokens"]
    )

    public func write(_ writes: StoreWrites) async throws {
        let writes = try writes.checked()
        var rows: [(sql: String, binds: [SQLiteValue])] = []
        rows += writes.results.map { result in
            (Self.insertResult, [Self.text(result.id), Self.text(result.userID), .text(result.kind.rawValue), .text(result.title), .text(result.model)]
                + Self.tokens(result.usage) + [.text(String(decoding: result.result ?? Data(), as: UTF8.self)), Self.time(result.createdAt)])
        }
        rows += writes.usage.map { call in
            (Self.insertCall, [Self.text(call.id), Self.text(call.userID), .text(call.task), .text(call.status.rawValue), call.reason.map(SQLiteValue.text) ?? .null,
                               .text(call.modelList)] + Self.tokens(call.usage)
                + [.integer(call.durationMilliseconds), .integer(call.streamed ? 1 : 0), .integer(call.replayed ? 1 : 0),
                   .text(call.requestID), Self.time(call.createdAt)])
        }
        rows += writes.usage.flatMap { call in call.tokensByModel.map { (Self.insertTokens, [Self.text(call.id), .text($0.model)] + Self.tokens($0.usage)) } }
        guard !rows.isEmpty else { return }
        let batch = rows
        try await self.thread.perform { file in
            // One row is atomic by itself; more share one transaction (one commit). Each insert
            // is one prepared statement run once per row.
            if batch.count == 1 {
                try file.query(batch[0].sql, batch[0].binds)
                return
            }
            try file.transaction {
                for row in batch { try file.query(row.sql, row.binds) }
            }
        }
    }

    /// A one-row INSERT of `columns` into `table`.
    private static func insert(into table: String, _ columns: [String]) -> String {
        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
    }

    public func history(user: UUID, kind: ResultKind?, limit: Int, after cursor: HistoryCursor?) async throws -> HistoryPage {
        var sql = "SELECT id, user_id, kind, title, model, prompt_tokens, output_tokens, thoughts_tokens, total_tokens, created_at FROM saved_results WHERE user_id = ?"
        var binds: [SQLiteValue] = [Self.text(user)]
        if let kind {
            sql += " AND kind = ?"
            binds.append(.text(kind.rawValue))
        }
        if let cursor {
            sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
            binds += [.integer(cursor.createdAtMicroseconds), .integer(cursor.createdAtMicroseconds), Self.text(cursor.id)]
        }
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        binds.append(.integer(limit + 1))  // one more tells whether a next page exists
        let (query, values) = (sql, binds)
        let rows = try await self.thread.perform { file in try file.query(query, values) }
        let items = try rows.map { try Self.savedResult($0, withResult: false) }
        return HistoryPage(items: Array(items.prefix(limit)), nextCursor: items.count > limit ? HistoryCursor(after: items[limit - 1]) : nil)
    }

    public func result(user: UUID, id: UUID) async throws -> SavedResult? {
        let binds = [Self.text(user), Self.text(id)]
        let rows = try await self.thread.perform { file in
            try file.query(
                "SELECT id, user_id, kind, title, model, prompt_tokens, output_tokens, thoughts_tokens, total_tokens, created_at, result FROM saved_results WHERE user_id = ? AND id = ?",
                binds
            )
        }
        return try rows.first.map { try Self.savedResult($0, withResult: true) }
    }

    public func deleteResult(user: UUID, id: UUID) async throws -> Bool {
        let binds = [Self.text(user), Self.text(id)]
        return try await self.thread.perform { file in
            try !file.query("DELETE FROM saved_results WHERE user_id = ? AND id = ? RETURNING id", binds).isEmpty
        }
    }

    public func eraseUser(_ user: UUID) async throws {
        let binds = [Self.text(user)]
        try await self.thread.perform { file in
            try file.transaction {
                // The usage_tokens rows go with their calls (ON DELETE CASCADE).
                try file.query("DELETE FROM usage_calls WHERE user_id = ?", binds)
                try file.query("DELETE FROM saved_results WHERE user_id = ?", binds)
            }
        }
    }

    public func usage(user: UUID, from: Date, to: Date) async throws -> UsageSummary {
        let range: [SQLiteValue] = [Self.text(user), Self.time(from), Self.time(to)]
        let (countRows, taskRows) = try await self.thread.perform { file in
            let count = try file.query("SELECT count(*) AS calls FROM usage_calls WHERE user_id = ? AND created_at >= ? AND created_at < ?", range)
            let tasks = try file.query(
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
            UsageSummary.TaskUsage(task: row.text("task") ?? "", model: row.text("model") ?? "", calls: row.integer("calls") ?? 0, usage: Self.tokens(row))
        }
        return .make(from: from, to: to, calls: countRows.first?.integer("calls") ?? 0, rows: rows)
    }

    // MARK: Helpers

    private static func text(_ id: UUID) -> SQLiteValue { .text(id.uuidString.lowercased()) }
    private static func time(_ date: Date) -> SQLiteValue { .integer(StoreTime.microseconds(date)) }
    private static func tokens(_ usage: TokenUsage) -> [SQLiteValue] {
        [.integer(usage.promptTokens), .integer(usage.outputTokens), .integer(usage.thoughtsTokens), .integer(usage.totalTokens)]
    }

    private static func tokens(_ row: SQLiteRow) -> TokenUsage {
        func count(_ name: String) -> Int64 { row.integer(name) ?? 0 }
        return TokenUsage(promptTokens: count("prompt_tokens"), outputTokens: count("output_tokens"), thoughtsTokens: count("thoughts_tokens"), totalTokens: count("total_tokens"))
    }

    private static func savedResult(_ row: SQLiteRow, withResult: Bool) throws -> SavedResult {
        guard let id = row.text("id").flatMap(UUID.init(uuidString:)),
              let user = row.text("user_id").flatMap(UUID.init(uuidString:)),
              let kind = row.text("kind").flatMap(ResultKind.init(rawValue:)),
              let created = row.integer("created_at")
        else { throw StoreUnavailable("a saved_results row could not be read") }
        return SavedResult(
            id: id, userID: user, kind: kind, title: row.text("title") ?? "", model: row.text("model") ?? "",
            usage: Self.tokens(row), createdAt: StoreTime.date(microseconds: created),
            result: withResult ? row.text("result").map { Data($0.utf8) } : nil
        )
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
