import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import VaporCSQLite

/// A value bound to a statement or read from a row.
enum SQLiteValue: Sendable, Equatable {
    case integer(Int64)
    case text(String)
    case null

    static func integer(_ value: Int) -> Self { .integer(Int64(value)) }
}

/// One row of a query's answer, read by column name.
struct SQLiteRow: Sendable {
    let names: [String]
    let values: [SQLiteValue]

    subscript(_ name: String) -> SQLiteValue? {
        self.names.firstIndex(of: name).map { self.values[$0] }
    }

    func integer(_ name: String) -> Int64? {
        if case .integer(let value) = self[name] { return value }
        return nil
    }

    func text(_ name: String) -> String? {
        if case .text(let value) = self[name] { return value }
        return nil
    }
}

/// An error SQLite reported: its result code and SQLite's fixed description of that code (never
/// the statement or its values, which can hold personal data).
public struct SQLiteFailure: Error, CustomStringConvertible, Sendable {
    /// The extended result code (`SQLITE_BUSY_SNAPSHOT`, …).
    public let code: Int32

    init(code: Int32) {
        self.code = code
    }

    /// SQLite's English description of the code, e.g. "database is locked".
    public var reason: String { String(cString: sqlite_nio_sqlite3_errstr(self.code)) }

    /// Another connection holds the lock this one needs (`SQLITE_BUSY`, `SQLITE_LOCKED` and
    /// their extended codes): worth trying again.
    var isBusy: Bool { [SQLITE_BUSY, SQLITE_LOCKED].contains(self.code & 0xFF) }

    public var description: String { "SQLite: \(self.reason)" }
}

/// One open SQLite database file, used by one thread at a time (``SQLiteThread``'s).
///
/// Statements run through ``query(_:_:)`` are prepared once and kept (SQLite's advice for
/// statements run again and again), so an insert repeated for every row of a batch costs a bind
/// and a step, not a parse.
final class SQLiteFile: @unchecked Sendable {
    // @unchecked: only ever used from the one thread of the store's SQLiteThread.
    private var handle: OpaquePointer?
    private var prepared: [String: OpaquePointer] = [:]

    /// Opens (creating it when missing) the file at `path`.
    init(path: String) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            sqlite_nio_sqlite3_close_v2(handle)
            throw SQLiteFailure(code: status)
        }
        sqlite_nio_sqlite3_extended_result_codes(handle, 1)
        self.handle = handle
    }

    var isOpen: Bool { self.handle != nil }

    /// Runs one statement, prepared once and kept for the next time, and returns its rows.
    @discardableResult
    func query(_ sql: String, _ binds: [SQLiteValue] = []) throws -> [SQLiteRow] {
        let statement = try self.preparedStatement(sql)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        return try self.run(statement, binds)
    }

    /// Runs one statement that is not kept (migrations, settings).
    @discardableResult
    func runOnce(_ sql: String, _ binds: [SQLiteValue] = []) throws -> [SQLiteRow] {
        let statement = try self.prepare(sql, persistent: false)
        defer { sqlite_nio_sqlite3_finalize(statement) }
        return try self.run(statement, binds)
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// `immediate` takes the write lock at once (`BEGIN IMMEDIATE`).
    func transaction<T>(immediate: Bool = false, _ body: () throws -> T) throws -> T {
        try self.query(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let value = try body()
            try self.query("COMMIT")
            return value
        } catch {
            _ = try? self.query("ROLLBACK")
            throw error
        }
    }

    /// Finalizes the kept statements and closes the file; idempotent.
    func close() {
        for statement in self.prepared.values { sqlite_nio_sqlite3_finalize(statement) }
        self.prepared = [:]
        if let handle = self.handle { sqlite_nio_sqlite3_close_v2(handle) }
        self.handle = nil
    }

    deinit { self.close() }

    // MARK: Statements

    private func preparedStatement(_ sql: String) throws -> OpaquePointer {
        if let statement = self.prepared[sql] { return statement }
        let statement = try self.prepare(sql, persistent: true)
        self.prepared[sql] = statement
        return statement
    }

    private func prepare(_ sql: String, persistent: Bool) throws -> OpaquePointer {
        guard let handle = self.handle else { throw SQLiteFailure(code: SQLITE_MISUSE) }
        var statement: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, flags, &statement, nil)
        guard status == SQLITE_OK, let statement else { throw SQLiteFailure(code: status) }
        return statement
    }

    private func run(_ statement: OpaquePointer, _ binds: [SQLiteValue]) throws -> [SQLiteRow] {
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .integer(let number): status = sqlite_nio_sqlite3_bind_int64(statement, index, number)
            case .text(let text): status = sqlite_nio_sqlite3_bind_text(statement, index, text, -1, SQLiteFile.transient)
            case .null: status = sqlite_nio_sqlite3_bind_null(statement, index)
            }
            guard status == SQLITE_OK else { throw SQLiteFailure(code: status) }
        }
        let columns = Int32(sqlite_nio_sqlite3_column_count(statement))
        let names = (0..<columns).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) }
        var rows: [SQLiteRow] = []
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { return rows }
            guard status == SQLITE_ROW else { throw SQLiteFailure(code: status) }
            rows.append(SQLiteRow(names: names, values: (0..<columns).map { Self.column($0, of: statement) }))
        }
    }

    private static func column(_ index: Int32, of statement: OpaquePointer) -> SQLiteValue {
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_NULL:
            return .null
        case SQLITE_INTEGER:
            return .integer(sqlite_nio_sqlite3_column_int64(statement, index))
        default:
            // Text (and anything else, read as its text): this store writes only integers and text.
            guard let bytes = sqlite_nio_sqlite3_column_text(statement, index) else { return .null }
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            return .text(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self))
        }
    }

    /// SQLite copies a bound text before the bind returns (`SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// The one thread the embedded database is used from: every store operation is one closure run
/// there, so a batch of statements (a transaction) costs one hand-off between threads, not one
/// per statement, and operations run one at a time in the order they were submitted.
final class SQLiteThread: Sendable {
    private let pool = NIOThreadPool(numberOfThreads: 1)
    let file: SQLiteFile
    /// Held while the file is used or closed. Operations already run one at a time on the pool's
    /// thread; the lock is for the close, which `NIOThreadPool` may run elsewhere: a work item
    /// still queued when the pool shuts down is called (as cancelled) on a dispatch queue while
    /// the pool's thread may still be inside an operation, and once the pool has stopped,
    /// `submit` calls the item at once on the caller's thread. Unlocked, such a close finalized
    /// statements under a running transaction (a gateway crashed so on SIGTERM, in SQLite's free).
    private let access = NIOLock()

    init(file: SQLiteFile) {
        self.file = file
        self.pool.start()
    }

    /// Runs `body` with the file on the database's thread.
    func perform<T: Sendable>(_ body: @escaping @Sendable (SQLiteFile) throws -> T) async throws -> T {
        let file = self.file
        let access = self.access
        return try await self.pool.runIfActive { try access.withLock { try body(file) } }
    }

    /// Closes the file on its thread, after everything submitted before, and waits for that;
    /// then stops the thread. Idempotent.
    func shutdown() async {
        let file = self.file
        let access = self.access
        do {
            try await self.pool.runIfActive { access.withLock { file.close() } }
        } catch {
            access.withLock { file.close() }  // the pool had stopped: nothing runs there any more
        }
        try? await self.pool.shutdownGracefully()
    }

    deinit {
        // Dropped without shutdown(): the file still closes, after the work already submitted.
        // (After a shutdown this closes nothing: closing is idempotent.)
        let file = self.file
        let access = self.access
        self.pool.submit { _ in access.withLock { file.close() } }
        self.pool.shutdownGracefully { _ in }
    }
}
