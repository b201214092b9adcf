import Foundation

/// The numbered SQL files of one dialect (`Migrations/<dialect>/NNNN_name.sql`), applied in
/// order at start and recorded by version, so each runs once per database.
struct Migration: Sendable, Equatable {
    var version: Int
    var name: String
    var sql: String

    enum Dialect: String {
        case postgres
        case sqlite
    }

    /// Every migration of `dialect`, by version.
    static func all(_ dialect: Dialect) throws -> [Migration] {
        guard let folder = Bundle.module.url(forResource: "Migrations/\(dialect.rawValue)", withExtension: nil) else {
            throw StoreUnavailable("the \(dialect.rawValue) migrations are missing from the bundle")
        }
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
        let migrations = try files.map { url -> Migration in
            let name = url.deletingPathExtension().lastPathComponent
            guard let version = name.split(separator: "_").first.flatMap({ Int($0) }) else {
                throw StoreUnavailable("migration file '\(url.lastPathComponent)' does not start with its number")
            }
            return Migration(version: version, name: name, sql: try String(contentsOf: url, encoding: .utf8))
        }.sorted { $0.version < $1.version }
        guard Set(migrations.map(\.version)).count == migrations.count else {
            throw StoreUnavailable("two \(dialect.rawValue) migrations share a number")
        }
        return migrations
    }
}
