import Foundation
import GatewayStore
import Logging
import Testing

@testable import GatewayStore

/// Which real database a store test runs against.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { self.rawValue }

    /// `CAREER_TEST_DATABASE_URL`, set by `scripts/with-postgres.sh` (which `scripts/test.sh`
    /// runs the tests in when PostgreSQL is installed).
    static var postgresURL: String? { ProcessInfo.processInfo.environment["CAREER_TEST_DATABASE_URL"] }
}

let storeLogger = Logger(label: "store-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// Runs `body` with a migrated store of `backend`: SQLite in a fresh temporary file, or the
/// test PostgreSQL (one database shared by every test; each test uses its own user ids).
/// Without a PostgreSQL server the PostgreSQL case says so and passes nothing off as tested.
func withStore(_ backend: StoreBackend, _ body: @Sendable (any ResultStore) async throws -> Void) async throws {
    switch backend {
    case .sqlite:
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await SQLiteStore.open(path: folder.appendingPathComponent("career.sqlite3").path, logger: storeLogger)
        do {
            try await body(store)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    case .postgres:
        guard let url = StoreBackend.postgresURL else {
            print("SKIPPED (no PostgreSQL): set CAREER_TEST_DATABASE_URL, or run scripts/test.sh with PostgreSQL installed")
            return
        }
        try await withPostgresStore(url: url, body)
    }
}

/// A running, migrated ``PostgresStore`` on `url` for the length of `body`.
func withPostgresStore(url: String, _ body: @Sendable (PostgresStore) async throws -> Void) async throws {
    let store = PostgresStore(configuration: try DatabaseURL(url).clientConfiguration, logger: storeLogger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await store.run() }
        defer { group.cancelAll() }
        let deadline = ContinuousClock.now + .seconds(30)
        while await !store.isMigrated {
            guard ContinuousClock.now < deadline else {
                Issue.record("PostgreSQL store not migrated within 30 s")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await body(store)
    }
}

@Suite(.timeLimit(.minutes(3))) struct StoreTests {
    static let answer = Data(##"{"resume":"# Zoë Ünal\n\n- Built \"things\" 🚀\n","coverLetter":null,"warnings":[],"model":"gemini-2.5-flash","usage":{"promptTokens":1,"outputTokens":2,"thoughtsTokens":0,"totalTokens":3}}"##.utf8)

    static func item(_ user: UUID, kind: ResultKind = .documents, at date: Date = Date(), title: String = "Swift engineer at Acme") -> SavedResult {
        SavedResult(
            userID: user, kind: kind, title: title, model: "gemini-2.5-flash",
            usage: TokenUsage(promptTokens: 1, outputTokens: 2, thoughtsTokens: 0, totalTokens: 3), createdAt: date, result: Self.answer
        )
    }

    @Test(arguments: StoreBackend.allCases)
    func aSavedResultComesBackExactly(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let user = UUID()
            let saved = Self.item(user)
            try await store.save(saved)
            let read = try #require(try await store.result(user: user, id: saved.id))
            #expect(read == saved)
            #expect(read.result == Self.answer)  // byte for byte
            let page = try await store.history(user: user, kind: nil, limit: 20, after: nil)
            #expect(page.items.map(\.id) == [saved.id])
            #expect(page.items.first?.result == nil)
            #expect(page.items.first?.title == "Swift engineer at Acme")
            #expect(page.nextCursor == nil)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func pagesWalkNewestFirstWithoutDuplicatesOrGapsWhileRowsAreAdded(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let user = UUID()
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            var originals: [SavedResult] = []
            for index in 0..<23 {
                // Every third item shares its time with the one before: the id breaks the tie.
                let item = Self.item(user, kind: index % 2 == 0 ? .documents : .analysis, at: start.addingTimeInterval(Double(index - index % 3)))
                originals.append(item)
                try await store.save(item)
            }
            var seen: [SavedResult] = []
            var cursor: HistoryCursor?
            repeat {
                let page = try await store.history(user: user, kind: nil, limit: 5, after: cursor.flatMap { HistoryCursor(token: $0.token) })
                seen += page.items
                cursor = page.nextCursor
                // A new answer arrives between two pages: it is newer, so it is on no later page.
                try await store.save(Self.item(user, at: Date()))
            } while cursor != nil
            let newestFirst = originals.sorted { ($0.createdAt, $0.id.uuidString.lowercased()) > ($1.createdAt, $1.id.uuidString.lowercased()) }
            let seenOriginals = seen.filter { item in originals.contains { $0.id == item.id } }
            #expect(seenOriginals.map(\.id) == newestFirst.map(\.id))
            #expect(Set(seen.map(\.id)).count == seen.count)

            let analyses = try await store.history(user: user, kind: .analysis, limit: 100, after: nil)
            #expect(analyses.items.count == 11)
            #expect(analyses.items.allSatisfy { $0.kind == .analysis })
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func anotherUsersResultIsNotFoundAndNotDeleted(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let owner = UUID()
            let other = UUID()
            let saved = Self.item(owner)
            try await store.save(saved)
            #expect(try await store.result(user: other, id: saved.id) == nil)
            #expect(try await store.deleteResult(user: other, id: saved.id) == false)
            #expect(try await store.history(user: other, kind: nil, limit: 20, after: nil).items.isEmpty)
            #expect(try await store.deleteResult(user: owner, id: saved.id) == true)
            #expect(try await store.result(user: owner, id: saved.id) == nil)
            #expect(try await store.deleteResult(user: owner, id: saved.id) == false)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func theLedgerSumsPerTaskAndModelAndErasureForgetsTheUser(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let user = UUID()
            let other = UUID()
            let now = Date()
            func call(_ user: UUID, _ task: String, _ status: CallStatus, _ tokens: [(String, Int64)], at date: Date = now) -> UsageCall {
                UsageCall(
                    userID: user, task: task, status: status, reason: status == .ok ? nil : "MALFORMED_MODEL_OUTPUT",
                    tokensByModel: tokens.map { .init(model: $0.0, usage: TokenUsage(promptTokens: $0.1, outputTokens: 2 * $0.1, thoughtsTokens: 1, totalTokens: 3 * $0.1 + 1)) },
                    duration: .milliseconds(1234), streamed: false, replayed: false, requestID: "req-1", createdAt: date
                )
            }
            try await store.recordUsage(call(user, "documents", .ok, [("gemini-2.5-flash", 10)]))
            try await store.recordUsage(call(user, "documents", .ok, [("gemini-2.5-pro", 5), ("gemini-2.5-flash", 7)]))
            try await store.recordUsage(call(user, "analysis", .error, [("gemini-2.5-pro", 100)]))
            try await store.recordUsage(call(user, "analysis", .error, []))  // failed before any model answered
            try await store.recordUsage(call(user, "documents", .ok, [("gemini-2.5-flash", 1000)], at: now.addingTimeInterval(-40 * 86400)))
            try await store.recordUsage(call(other, "documents", .ok, [("gemini-2.5-flash", 99)]))

            let summary = try await store.usage(user: user, from: now.addingTimeInterval(-30 * 86400), to: now.addingTimeInterval(1))
            #expect(summary.calls == 4)
            #expect(summary.usage.promptTokens == 10 + 5 + 7 + 100)
            #expect(summary.usage.totalTokens == 31 + 16 + 22 + 301)
            let rows = Dictionary(uniqueKeysWithValues: summary.byTask.map { ("\($0.task)/\($0.model)", $0) })
            #expect(rows["documents/gemini-2.5-flash"]?.calls == 2)
            #expect(rows["documents/gemini-2.5-flash"]?.usage.promptTokens == 17)
            #expect(rows["documents/gemini-2.5-pro"]?.calls == 1)
            #expect(rows["analysis/gemini-2.5-pro"]?.usage.outputTokens == 200)
            #expect(rows["analysis/"]?.calls == 1)

            try await store.save(Self.item(user))
            try await store.eraseUser(user)
            #expect(try await store.history(user: user, kind: nil, limit: 20, after: nil).items.isEmpty)
            #expect(try await store.usage(user: user, from: .distantPast, to: .distantFuture).calls == 0)
            #expect(try await store.usage(user: other, from: .distantPast, to: .distantFuture).calls == 1)
        }
    }

    @Test func migrationsApplyOnceAndSurviveReopening() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("career.sqlite3").path
        let user = UUID()
        let saved = Self.item(user)
        let first = try await SQLiteStore.open(path: path, logger: storeLogger)
        try await first.save(saved)
        try await first.close()
        // Two at once on one file: BEGIN IMMEDIATE makes them take turns.
        async let second = SQLiteStore.open(path: path, logger: storeLogger)
        async let third = SQLiteStore.open(path: path, logger: storeLogger)
        let (a, b) = try await (second, third)
        #expect(try await a.appliedVersions() == [1])
        #expect(try await b.result(user: user, id: saved.id)?.result == Self.answer)
        try await a.close()
        try await b.close()
    }

    @Test func postgresReplicasMigratingAtOnceApplyEachMigrationOnce() async throws {
        guard let url = StoreBackend.postgresURL else {
            print("SKIPPED (no PostgreSQL): postgresReplicasMigratingAtOnceApplyEachMigrationOnce")
            return
        }
        // Ten rounds of three replicas that start at once and are stopped as soon as they have
        // migrated, often in the middle of their own start-up migration: each round must apply
        // every migration once, and every replica's `run()` must return when stopped (a
        // start-up migration that outlived its pool once held the shutdown forever). The bound
        // turns such a hang into a failure.
        for _ in 0..<10 {
            let versions = try await bounded(.seconds(60)) {
                try await withThrowingTaskGroup(of: [Int].self) { group in
                    for _ in 0..<3 {
                        group.addTask {
                            let store = PostgresStore(configuration: try DatabaseURL(url).clientConfiguration, logger: storeLogger)
                            return try await withThrowingTaskGroup(of: [Int]?.self) { inner in
                                inner.addTask { try await store.run(); return nil }
                                try await store.migrate()
                                let versions = try await store.appliedVersions()
                                inner.cancelAll()
                                try await inner.waitForAll()
                                return versions
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(versions == [[1, 2], [1, 2], [1, 2]])
        }
    }

    @Test func postgresOverTLSWhenTheURLAsksForIt() async throws {
        guard let url = StoreBackend.postgresURL else {
            print("SKIPPED (no PostgreSQL): postgresOverTLSWhenTheURLAsksForIt")
            return
        }
        // The test server's certificate is self-signed: `require` encrypts without checking it.
        try await withPostgresStore(url: url + "?sslmode=require") { store in
            let user = UUID()
            let saved = Self.item(user)
            try await store.save(saved)
            #expect(try await store.result(user: user, id: saved.id)?.result == Self.answer)
            let tls = try await store.client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            for try await encrypted in tls.decode(Bool.self) { #expect(encrypted) }
        }
        // `verify-full` checks the certificate, which no trusted root signed: no connection.
        let strict = PostgresStore(configuration: try DatabaseURL(url + "?sslmode=verify-full").clientConfiguration, logger: storeLogger)
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await strict.client.run() }
            await #expect(throws: (any Error).self) { try await bounded(.seconds(5)) { try await strict.migrate() } }
            group.cancelAll()
        }
    }

    // MARK: Small parts

    @Test func aBoundReturnsAtItsDeadlineEvenWhenTheWorkIgnoresCancellation() async throws {
        let started = ContinuousClock.now
        await #expect(throws: StoreUnavailable.self) {
            try await bounded(.milliseconds(200)) {
                // Work that does not stop when cancelled, like a pool waiting for a connection.
                await withCheckedContinuation { continuation in
                    Thread.detachNewThread {
                        Thread.sleep(forTimeInterval: 3)
                        continuation.resume()
                    }
                }
                return 1
            }
        }
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(try await bounded(.seconds(5)) { 42 } == 42)
        await #expect(throws: CancellationError.self) {
            try await bounded(.seconds(5)) { throw CancellationError() }
        }
    }

    @Test func cursorsRoundTripAndRefuseGarbage() {
        let cursor = HistoryCursor(createdAtMicroseconds: 1_800_000_000_123_456, id: UUID())
        #expect(HistoryCursor(token: cursor.token) == cursor)
        let id = "0b3f6c1e-5a2d-4c8e-9f10-1a2b3c4d5e6f"
        for garbage in [
            "", "x", "!!!", String(repeating: "a", count: 200), "MTIz", "12.\(id)", "12_not-a-uuid", "_\(id)",
            "12345678901234567_\(id)", "-1_\(id)", "+1_\(id)", "1_\(id)_", "é",
        ] {
            #expect(HistoryCursor(token: garbage) == nil, "\(garbage)")
            #expect(garbage.range(of: HistoryCursor.tokenPattern, options: .regularExpression) == nil, "\(garbage)")
        }
        // Any text of the documented form is a position, upper-case hex included.
        for valid in [cursor.token, "0_\(id)", "9999999999999999_\(id.uppercased())"] {
            #expect(HistoryCursor(token: valid) != nil, "\(valid)")
            #expect(valid.range(of: HistoryCursor.tokenPattern, options: .regularExpression) != nil, "\(valid)")
        }
    }

    @Test func userIDsAreTheSubjectWhenItIsAUUID() {
        let uuid = UUID()
        #expect(StoreUserID.uuid(forSubject: uuid.uuidString.lowercased()) == uuid)
        let derived = StoreUserID.uuid(forSubject: "user-42")
        #expect(derived == StoreUserID.uuid(forSubject: "user-42"))
        #expect(derived != StoreUserID.uuid(forSubject: "user-43"))
        #expect(derived.uuidString.dropFirst(14).first == "8")  // version 8
    }

    @Test func databaseURLsReadLikeLibpq() throws {
        let supabase = try DatabaseURL("postgresql://postgres.abcd:p%40ss%3Aword@aws-0-eu-central-1.pooler.supabase.com:5432/postgres?sslmode=require")
        #expect(supabase.username == "postgres.abcd")
        #expect(supabase.password == "p@ss:word")
        #expect(supabase.host == "aws-0-eu-central-1.pooler.supabase.com")
        #expect(supabase.port == 5432)
        #expect(supabase.database == "postgres")
        #expect(supabase.sslMode == .require)
        #expect(!supabase.redacted.contains("word"))
        let local = try DatabaseURL("postgres://career@[::1]/career")
        #expect(local.host == "::1")
        #expect(local.sslMode == .prefer)
        for bad in ["mysql://a@b/c", "postgres://", "postgres://host/db", "postgres://a@h:99999/d", "postgres://a@h/d?sslmode=sometimes", "not a url"] {
            #expect(throws: DatabaseURL.Invalid.self, "\(bad)") { try DatabaseURL(bad) }
        }
    }

    @Test func migrationFilesSplitIntoStatementsKeepingDollarQuotedBodiesWhole() {
        let statements = SQLStatements.split("""
            -- a comment; with a semicolon
            CREATE TABLE a (x int); -- trailing
            DO $$
            BEGIN
                IF true THEN EXECUTE 'SELECT 1'; END IF;
            END
            $$;
            SELECT 2
            """)
        #expect(statements.count == 3)
        #expect(statements[0] == "CREATE TABLE a (x int)")
        #expect(statements[1].hasPrefix("DO $$") && statements[1].hasSuffix("$$") && statements[1].contains("END IF;"))
        #expect(statements[2] == "SELECT 2")
    }
}

/// The PostgreSQL migrations as Supabase gets them, and what row-level security lets a
/// browser-side client see.
@Suite(.timeLimit(.minutes(3))) struct SupabaseMigrationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../..").standardizedFileURL

    @Test func theSupabaseCLICopiesHoldTheGatewaysMigrationsStatementForStatement() throws {
        let copies = try FileManager.default.contentsOfDirectory(atPath: Self.repository.appendingPathComponent("supabase/migrations").path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        let migrations = try Migration.all(.postgres)
        #expect(copies.count == migrations.count)
        for (copy, migration) in zip(copies, migrations) {
            let copied = SQLStatements.split(try String(contentsOf: Self.repository.appendingPathComponent("supabase/migrations/\(copy)"), encoding: .utf8))
            let original = SQLStatements.split(migration.sql)
            // The copy may add statements around the migration (the schema, recording itself),
            // never change one.
            let start = try #require(copied.firstIndex(of: original[0]), "\(copy) lacks the first statement of \(migration.name)")
            #expect(Array(copied[start..<min(copied.count, start + original.count)]) == original, "\(copy) differs from \(migration.name)")
            #expect(copied.contains { $0.contains("career.schema_migrations") && $0.contains("(\(migration.version), '\(migration.name)')") },
                    "\(copy) does not record itself as \(migration.name)")
        }
    }

    /// `Tests/Fixtures/check-rls.sh`, on a PostgreSQL server of its own (never the shared test
    /// database: it drops the schemas): the migrations on a Supabase look-alike (`auth.uid()`
    /// reading the request's JWT claims, the `authenticated` and `anon` roles); as one user,
    /// only that user's saved results and ledger rows are visible, only their own results can
    /// be deleted, and nothing can be written.
    @Test func rowLevelSecurityLetsAUserReadOnlyTheirOwnRows() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.repository.appendingPathComponent("Tests/Fixtures/check-rls.sh").path]
        var environment = ProcessInfo.processInfo.environment
        environment["CAREER_TEST_DATABASE_URL"] = nil
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Read on a thread of its own: blocking one of the (two, here) threads that run every
        // test's async work for seconds would stall the whole suite.
        let text = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
        if process.terminationStatus == 77 {
            print("SKIPPED (no PostgreSQL): rowLevelSecurityLetsAUserReadOnlyTheirOwnRows")
            return
        }
        #expect(process.terminationStatus == 0, "\(text.split(separator: "\n").filter { $0.hasPrefix("FAIL") }.joined(separator: "\n"))")
        #expect(text.contains("PASS: "))
        #expect(!text.contains("FAIL: "))
    }
}
