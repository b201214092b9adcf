import Foundation
import Testing

@testable import GatewayStore

/// The embedded database's own layer over the SQLite library: statements prepared once and run
/// again with other values, errors that name SQLite's reason and nothing of the data, a closed
/// store that refuses work instead of crashing, and several connections opening one file at once.
@Suite struct SQLiteFileTests {
    private static func withFolder<T>(_ body: (URL) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        return try await body(folder)
    }

    @Test func aKeptStatementRunsAgainWithNewValuesAndReadsEveryKind() async throws {
        try await Self.withFolder { folder in
            let file = try SQLiteFile(path: folder.appendingPathComponent("values.sqlite3").path)
            defer { file.close() }
            try file.runOnce("CREATE TABLE t (n INTEGER, s TEXT, maybe TEXT)")
            let insert = "INSERT INTO t (n, s, maybe) VALUES (?, ?, ?)"
            let texts = ["plain", "Zoë — 日本語 🚀", "quote ' and \" and \\", ""]
            for (index, text) in texts.enumerated() {
                // The same statement each time: its earlier values must not leak into the next row.
                try file.query(insert, [.integer(Int64(index) - 1), .text(text), index.isMultiple(of: 2) ? .text("set") : .null])
            }
            let rows = try file.query("SELECT n, s, maybe FROM t ORDER BY n")
            #expect(rows.map { $0.integer("n") } == [-1, 0, 1, 2])
            #expect(rows.map { $0.text("s") } == texts)
            #expect(rows.map { $0["maybe"] } == [.text("set"), .null, .text("set"), .null])
            #expect(rows[0]["absent"] == nil)
            #expect(try file.query("SELECT count(*) AS c FROM t WHERE n > ?", [.integer(0)]).first?.integer("c") == 2)
            #expect(try file.query("SELECT count(*) AS c FROM t WHERE n > ?", [.integer(-5)]).first?.integer("c") == 4)
        }
    }

    @Test func aFailedWriteNamesSQLitesReasonAndNoneOfTheValues() async throws {
        try await Self.withFolder { folder in
            let store = try await SQLiteStore.open(path: folder.appendingPathComponent("career.sqlite3").path, logger: storeLogger)
            let user = UUID()
            let saved = StoreTests.item(user, title: "Secret title of a private job")
            try await store.save(saved)
            var again = StoreTests.item(user, title: "Another secret title")
            again.id = saved.id
            let error = try #require(await #expect(throws: SQLiteFailure.self) { try await store.save(again) })
            #expect(error.description.hasPrefix("SQLite: "))
            #expect(error.description.contains("constraint"))
            #expect(!error.description.contains("secret"))
            #expect(!error.description.contains(saved.id.uuidString.lowercased()))
            // The failed statement left nothing behind: the next write goes through.
            try await store.save(StoreTests.item(user))
            #expect(try await store.history(user: user, kind: nil, limit: 10, after: nil).items.count == 2)
            try await store.close()
        }
    }

    /// The gateway's shutdown while a write is still running: the close waits for it. (The pool
    /// used to run a close still queued at its shutdown on a dispatch queue at once, beside the
    /// running write, which then found its statements finalized; a gateway crashed so.)
    @Test func shuttingDownClosesAfterTheOperationInFlight() async throws {
        try await Self.withFolder { folder in
            let thread = SQLiteThread(file: try SQLiteFile(path: folder.appendingPathComponent("busy.sqlite3").path))
            try await thread.perform { try $0.runOnce("CREATE TABLE t (n INTEGER)") }
            let started = AsyncStream<Void>.makeStream()
            async let count: Int64? = thread.perform { file in
                started.continuation.yield()
                Thread.sleep(forTimeInterval: 0.3)  // still running when the shutdown begins
                try file.query("INSERT INTO t (n) VALUES (?)", [.integer(1)])
                return try file.query("SELECT count(*) AS c FROM t").first?.integer("c")
            }
            var iterator = started.stream.makeAsyncIterator()
            _ = await iterator.next()
            await thread.shutdown()
            #expect(try await count == 1)
            await #expect(throws: (any Error).self) { try await thread.perform { try $0.query("SELECT 1") } }
            await thread.shutdown()  // again: nothing left to close, no crash
        }
    }

    @Test func aClosedStoreRefusesWorkAndClosesOnce() async throws {
        try await Self.withFolder { folder in
            let store = try await SQLiteStore.open(path: folder.appendingPathComponent("career.sqlite3").path, logger: storeLogger)
            try await store.close()
            try await store.close()
            await #expect(throws: (any Error).self) { try await store.history(user: UUID(), kind: nil, limit: 1, after: nil) }
            await #expect(throws: (any Error).self) { try await store.save(StoreTests.item(UUID())) }
        }
    }

    /// Gateways started at once on one data folder: each opens the file while the others switch
    /// it to WAL and migrate; every one opens, and each migration is applied once.
    @Test func severalStoresOpeningOneFileAtOnceAllOpenAndMigrateOnce() async throws {
        try await Self.withFolder { folder in
            let path = folder.appendingPathComponent("career.sqlite3").path
            let stores = try await withThrowingTaskGroup(of: SQLiteStore.self) { group in
                for _ in 0..<6 { group.addTask { try await SQLiteStore.open(path: path, logger: storeLogger) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let expected = try Migration.all(.sqlite).map(\.version)
            for store in stores {
                #expect(try await store.appliedVersions() == expected)
            }
            // Writes from all of them land in the one file.
            let user = UUID()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for store in stores { group.addTask { try await store.save(StoreTests.item(user)) } }
                try await group.waitForAll()
            }
            #expect(try await stores[0].history(user: user, kind: nil, limit: 10, after: nil).items.count == stores.count)
            for store in stores { try await store.close() }
        }
    }
}
