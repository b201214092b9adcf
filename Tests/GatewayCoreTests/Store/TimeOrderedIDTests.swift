import Foundation
@testable import GatewayStore
import Testing

/// Saved results and ledger rows get version 7 ids: the time first, so that later rows sort
/// after earlier ones and land at the end of their table's B-tree.
@Suite struct TimeOrderedIDTests {
    @Test func anIdIsAVersion7UUIDWithItsTimeInFront() {
        let date = Date(timeIntervalSince1970: 1_765_000_000.123)
        let id = UUID.timeOrdered(at: date)
        let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
        #expect(bytes[6] >> 4 == 7, "version")
        #expect(bytes[8] >> 6 == 0b10, "variant")
        let milliseconds = bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(milliseconds == 1_765_000_000_123)
        // As text too (the embedded database stores ids as lower-case text).
        #expect(id.uuidString.lowercased().hasPrefix(String(format: "%08x-%04x", UInt32(milliseconds >> 16), UInt16(milliseconds & 0xFFFF))))
    }

    @Test func laterIdsSortAfterEarlierOnesAndNoneRepeats() {
        let start = Date()
        let ids = (0..<1000).map { UUID.timeOrdered(at: start.addingTimeInterval(Double($0) / 1000)) }
        let texts = ids.map { $0.uuidString.lowercased() }
        #expect(texts == texts.sorted())
        #expect(Set(ids).count == ids.count)
        // Within one millisecond the rest is random: still all different.
        let sameMillisecond = (0..<1000).map { _ in UUID.timeOrdered(at: start) }
        #expect(Set(sameMillisecond).count == 1000)
    }
}

/// A gateway that stops before its store's own shutdown (a port it cannot bind) drops the store
/// without `close()`: the file is still released. (The crash this once caused, SQLiteNIO's
/// assertion on a connection freed while open, came only as the process exited; this checks
/// the release, not that timing.)
@Suite struct DroppedStoreTests {
    @Test func aStoreDroppedWithoutClosingReleasesItsFile() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dropped-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("career.sqlite3").path
        for _ in 0..<3 {
            var store: SQLiteStore? = try await SQLiteStore.open(path: path, logger: storeLogger)
            #expect(try await store?.appliedVersions().isEmpty == false)
            store = nil
            try await Task.sleep(for: .milliseconds(100))
        }
        let reopened = try await SQLiteStore.open(path: path, logger: storeLogger)
        try await reopened.close()
    }
}
