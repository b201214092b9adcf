import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// PostgreSQL (`DATABASE_URL`: a Supabase project's Postgres, or any PostgreSQL 14+), through
/// postgres-nio's connection pool. Tables live in schema `career`.
///
/// Run it as a service of the gateway's `ServiceGroup` (``run()``): that runs the pool and
/// applies the migrations, retrying with backoff while the database cannot be reached, so the
/// gateway starts (and answers AI calls) with the database down. Until the migrations are
/// applied every operation waits for them, within its caller's bound.
public final class PostgresStore: ResultStore, Service {
    let client: PostgresClient
    let logger: Logger
    private let migrated: MigrationState
    /// The shared rate-limit checks, batched (``RateLimitBatcher``).
    let rateLimits: RateLimitBatcher

    /// Longest a start-up migration attempt waits before it is retried: 30 s.
    static let maximumMigrationBackoff: Duration = .seconds(30)
    /// Longest one start-up migration attempt may take before it is given up and retried
    /// (a connection that stopped answering): 2 minutes, far above what the migrations need.
    static let migrationAttemptLimit: Duration = .seconds(120)
    /// The advisory lock key the migrations hold, so that replicas starting at once apply each
    /// migration once: the first eight bytes of SHA-1("career-backend migrations"), as a bigint.
    static let migrationLockKey: Int64 = 0x6361_7265_6572_6d67

    public init(configuration: PostgresClient.Configuration, logger: Logger) {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let migrated = MigrationState()
        self.client = client
        self.logger = logger
        self.migrated = migrated
        self.rateLimits = RateLimitBatcher { takes in
            await migrated.wait()
            var taken = Set<BucketKey>()
            for try await key in try await client.execute(TakeCallsStatement(takes: takes), logger: logger) { taken.insert(key) }
            return taken
        }
    }

    /// Runs the pool and migrates; returns on graceful shutdown.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.client.run() }
                group.addTask {
                    await self.migrateUntilDone()
                    await self.sweepPeriodically()
                }
            }
        }
    }

    /// Whether the migrations have been applied (the store is usable).
    public var isMigrated: Bool { get async { await self.migrated.done } }

    private func migrateUntilDone() async {
        var backoff: Duration = .milliseconds(500)
        while !Task.isCancelled {
            do {
                // Not through `uninterrupted`: this runs beside the pool, and at shutdown the
                // pool stops; a detached migration asking it for a connection then would wait
                // forever and hold the shutdown. Cancelled here, the connection closes with the
                // pool, and the transaction with it.
                //
                // And through `bounded`, so that shutdown never waits for the attempt: a
                // statement sent on a connection the pool has just closed (the ROLLBACK after
                // the shutdown failed the statement before it) is never answered by
                // postgres-nio 1.33 (it writes to the closed channel with no promise), and the
                // attempt would hang the store's `run()` and the gateway's shutdown with it.
                let migrations = try Migration.all(.postgres)
                try await bounded(Self.migrationAttemptLimit) { try await self.migrate(migrations) }
                await self.migrated.markDone()
                return
            } catch {
                self.logger.warning("database migration failed; retrying", metadata: ["error.type": "\(type(of: error))", "retry.in_ms": "\(backoff.components.seconds * 1000)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, Self.maximumMigrationBackoff)
            }
        }
    }

    /// Interval of the sweep of expired idempotency keys and refilled rate-limit buckets: 60 s.
    static let sweepInterval: Duration = .seconds(60)

    /// Deletes expired shared state every ``sweepInterval`` (each replica does; the statements
    /// are cheap and idempotent).
    private func sweepPeriodically() async {
        while (try? await Task.sleep(for: Self.sweepInterval)) != nil {
            do {
                // Bounded for the reason the start-up migration is: shutdown must not wait
                // for a statement the pool's closing left unanswered.
                try await bounded(Self.sweepInterval) { try await self.sweepExpired() }
            } catch {
                self.logger.warning("sweeping expired shared state failed", metadata: ["error.type": "\(type(of: error))"])
            }
        }
    }

    /// Applies the migrations not yet recorded (for a caller other than the store's own
    /// ``run()``), each in its own transaction that first takes a
    /// transaction-level advisory lock (`pg_advisory_xact_lock`), so replicas starting at once
    /// take turns and each migration runs once. The lock goes with the transaction, whatever
    /// happens to the caller: a replica cancelled or killed mid-migration never leaves it held.
    func migrate() async throws {
        let migrations = try Migration.all(.postgres)
        try await Self.uninterrupted { try await self.migrate(migrations) }
    }

    /// Runs `body` to its end even when the caller is cancelled (``bounded(_:_:)`` gives up on
    /// it at its deadline): a transaction cut between its statements could hand its connection
    /// back to the pool still inside the transaction, holding its locks.
    static func uninterrupted<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task { try await body() }.value
    }

    private func migrate(_ migrations: [Migration]) async throws {
        try await self.client.withConnection { connection in
            // The schema and the record table too under the lock: two replicas creating them at
            // the same instant would otherwise collide in the catalog.
            try await connection.query("BEGIN", logger: self.logger).drain()
            do {
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))", logger: self.logger).drain()
                try await connection.query("CREATE SCHEMA IF NOT EXISTS career", logger: self.logger).drain()
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS career.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                    logger: self.logger
                ).drain()
                try await connection.query("COMMIT", logger: self.logger).drain()
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: self.logger).drain()
                throw error
            }
            for migration in migrations {
                try await connection.query("BEGIN", logger: self.logger).drain()
                do {
                    try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))", logger: self.logger).drain()
                    let applied = try await connection.query(
                        "SELECT 1 FROM career.schema_migrations WHERE version = \(migration.version)", logger: self.logger
                    ).hasRows()
                    if !applied {
                        for statement in SQLStatements.split(migration.sql) {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger).drain()
                        }
                        try await connection.query(
                            "INSERT INTO career.schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: self.logger
                        ).drain()
                    }
                    try await connection.query("COMMIT", logger: self.logger).drain()
                    if !applied { self.logger.info("database migrated", metadata: ["db.migration": "\(migration.name)"]) }
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: self.logger).drain()
                    throw error
                }
            }
        }
    }

    /// The versions recorded as applied.
    func appliedVersions() async throws -> [Int] {
        var versions: [Int] = []
        for try await version in try await self.client.query("SELECT version FROM career.schema_migrations ORDER BY version").decode(Int.self) {
            versions.append(version)
        }
        return versions
    }

    /// Waits for the start-up migrations: a gateway that has just started saves its first
    /// answers once they are applied (a few milliseconds on a reachable database) instead of
    /// dropping them; every caller bounds the wait (``bounded(_:_:)``).
    func ready() async throws {
        await self.migrated.wait()
    }

    // MARK: ResultStore

    public func write(_ writes: StoreWrites) async throws {
        let writes = try writes.checked()
        guard !writes.isEmpty else { return }
        try await self.ready()
        for try await _ in try await self.client.execute(WriteBatchStatement(writes: writes), logger: self.logger) {}
    }

    // Times cross as whole microseconds since 1970 both ways (`timestamptz 'epoch' + n *
    // interval '1 microsecond'` in, `EXTRACT(EPOCH …) * 1000000` out): a bound `Date` is
    // truncated by the driver, which would put a cursor a microsecond off the row it follows.
    private static let resultColumns =
        "id, user_id, kind, title, model, prompt_tokens, output_tokens, thoughts_tokens, total_tokens, (EXTRACT(EPOCH FROM created_at) * 1000000)::bigint"

    public func history(user: UUID, kind: ResultKind?, limit: Int, after cursor: HistoryCursor?) async throws -> HistoryPage {
        try await self.ready()
        var binds = PostgresBindings()
        binds.append(user)
        var sql = "SELECT \(Self.resultColumns) FROM career.saved_results WHERE user_id = $1"
        if let kind {
            binds.append(kind.rawValue)
            sql += " AND kind = $\(binds.count)"
        }
        if let cursor {
            binds.append(cursor.createdAtMicroseconds)
            binds.append(cursor.id)
            sql += " AND (created_at, id) < (timestamptz 'epoch' + $\(binds.count - 1) * interval '1 microsecond', $\(binds.count))"
        }
        binds.append(limit + 1)  // one more tells whether a next page exists
        sql += " ORDER BY created_at DESC, id DESC LIMIT $\(binds.count)"
        let rows = try await self.client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: self.logger)
        var items: [SavedResult] = []
        for try await row in rows.decode((UUID, UUID, String, String, String, Int64, Int64, Int64, Int64, Int64).self) {
            items.append(try Self.savedResult(row, result: nil))
        }
        return HistoryPage(items: Array(items.prefix(limit)), nextCursor: items.count > limit ? HistoryCursor(after: items[limit - 1]) : nil)
    }

    public func result(user: UUID, id: UUID) async throws -> SavedResult? {
        try await self.ready()
        let rows = try await self.client.query(
            "SELECT \(unescaped: Self.resultColumns), result::text FROM career.saved_results WHERE user_id = \(user) AND id = \(id)", logger: self.logger
        )
        var found: SavedResult?
        for try await row in rows.decode((UUID, UUID, String, String, String, Int64, Int64, Int64, Int64, Int64, String).self) {
            let (a, b, c, d, e, f, g, h, i, j, answer) = row
            found = try Self.savedResult((a, b, c, d, e, f, g, h, i, j), result: Data(answer.utf8))
        }
        return found
    }

    public func deleteResult(user: UUID, id: UUID) async throws -> Bool {
        try await self.ready()
        let rows = try await self.client.query("DELETE FROM career.saved_results WHERE user_id = \(user) AND id = \(id) RETURNING id", logger: self.logger)
        return try await rows.hasRows()
    }

    public func eraseUser(_ user: UUID) async throws {
        try await self.ready()
        try await Self.uninterrupted { try await self.client.withTransaction(logger: self.logger) { connection in
            // The usage_tokens rows go with their calls (ON DELETE CASCADE).
            try await connection.query("DELETE FROM career.usage_calls WHERE user_id = \(user)", logger: self.logger).drain()
            try await connection.query("DELETE FROM career.saved_results WHERE user_id = \(user)", logger: self.logger).drain()
            try await connection.query("DELETE FROM career.idempotency_keys WHERE user_id = \(user)", logger: self.logger).drain()
            try await connection.query("DELETE FROM career.rate_limit_buckets WHERE user_id = \(user)", logger: self.logger).drain()
        } }
    }

    public func usage(user: UUID, from: Date, to: Date) async throws -> UsageSummary {
        try await self.ready()
        var calls: Int64 = 0
        for try await count in try await self.client.query(
            "SELECT count(*) FROM career.usage_calls WHERE user_id = \(user) AND created_at >= \(from) AND created_at < \(to)", logger: self.logger
        ).decode(Int64.self) {
            calls = count
        }
        let rows = try await self.client.query(
            """
            SELECT c.task, coalesce(t.model, ''), count(DISTINCT c.id), coalesce(sum(t.prompt_tokens), 0)::bigint, coalesce(sum(t.output_tokens), 0)::bigint,
                   coalesce(sum(t.thoughts_tokens), 0)::bigint, coalesce(sum(t.total_tokens), 0)::bigint
            FROM career.usage_calls c LEFT JOIN career.usage_tokens t ON t.call_id = c.id
            WHERE c.user_id = \(user) AND c.created_at >= \(from) AND c.created_at < \(to)
            GROUP BY 1, 2 ORDER BY 1, 2
            """,
            logger: self.logger
        )
        var byTask: [UsageSummary.TaskUsage] = []
        for try await (task, model, count, prompt, output, thoughts, total) in rows.decode((String, String, Int64, Int64, Int64, Int64, Int64).self) {
            byTask.append(.init(task: task, model: model, calls: count, usage: TokenUsage(promptTokens: prompt, outputTokens: output, thoughtsTokens: thoughts, totalTokens: total)))
        }
        return .make(from: from, to: to, calls: calls, rows: byTask)
    }

    private static func savedResult(_ row: (UUID, UUID, String, String, String, Int64, Int64, Int64, Int64, Int64), result: Data?) throws -> SavedResult {
        let (id, user, kind, title, model, prompt, output, thoughts, total, created) = row
        guard let kind = ResultKind(rawValue: kind) else { throw StoreUnavailable("a saved_results row has an unknown kind") }
        return SavedResult(
            id: id, userID: user, kind: kind, title: title, model: model,
            usage: TokenUsage(promptTokens: prompt, outputTokens: output, thoughtsTokens: thoughts, totalTokens: total), createdAt: StoreTime.date(microseconds: created), result: result
        )
    }
}

/// Whether the start-up migrations have been applied, and who waits for them.
private actor MigrationState {
    private(set) var done = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func markDone() {
        self.done = true
        for waiter in self.waiters { waiter.resume() }
        self.waiters = []
    }

    /// Returns once the migrations are applied (callers bound the wait).
    func wait() async {
        guard !self.done else { return }
        await withCheckedContinuation { self.waiters.append($0) }
    }
}

extension PostgresRowSequence {
    /// Reads every row, so the connection (and its lease from the pool) is free for the next
    /// query: a sequence dropped unread would leave that to its deinitialisation.
    func drain() async throws {
        for try await _ in self {}
    }

    /// Whether the statement returned any row, all of them read.
    func hasRows() async throws -> Bool {
        var any = false
        for try await _ in self { any = true }
        return any
    }
}
