import AppSupport
import Foundation
import Testing

@testable import GatewayCore

/// The database settings: a bad one stops the gateway at start with one line naming it, and
/// never with the database password in it.
@Suite struct DatabaseConfigurationTests {
    static let base = ["AUTH_DISABLED": "1", "RPC_INSECURE": "1"]

    func configuration(_ settings: [String: String]) throws(ConfigurationError) -> GatewayConfiguration {
        try GatewayConfiguration(reader: ConfigurationReader(environment: Self.base.merging(settings) { _, new in new }))
    }

    @Test func defaultsAreTheEmbeddedDatabaseInDataAndSaving() throws {
        let defaults = try self.configuration([:])
        #expect(defaults.database == nil)
        #expect(defaults.sqlitePath.hasSuffix("data/career.sqlite3"))
        #expect(defaults.saveResults)
        #expect(try self.configuration(["SAVE_RESULTS": "0"]).saveResults == false)
        #expect(try self.configuration(["DATABASE_URL": "postgres://career:pw@db:5432/career?sslmode=require"]).database?.host == "db")
    }

    @Test func databasePasswordFillsAURLWithoutOne() throws {
        let apart = try self.configuration(["DATABASE_URL": "postgres://career@db:5432/career", "DATABASE_PASSWORD": "from-a-secret"])
        #expect(apart.database?.password == "from-a-secret")
        #expect(apart.database?.username == "career")
        // The URL's own password wins.
        let inURL = try self.configuration(["DATABASE_URL": "postgres://career:in-url@db:5432/career", "DATABASE_PASSWORD": "from-a-secret"])
        #expect(inURL.database?.password == "in-url")
    }

    @Test func aBadSettingNamesItselfAndNeverTheDatabasePassword() {
        for (name, value) in [("DATABASE_URL", "postgres://career:s3cret-password@db:5432/career?sslmode=sometimes"),
                              ("DATABASE_URL", "mysql://career:s3cret-password@db/career"), ("SAVE_RESULTS", "maybe")] {
            do {
                _ = try self.configuration([name: value])
                Issue.record("\(name)=\(value) was accepted")
            } catch {
                #expect(error.setting == name)
                #expect(!error.description.contains("s3cret-password"))
            }
        }
    }

    @Test func aDataFolderThatCannotBeWrittenStopsTheGatewayNamingDataDir() async throws {
        // A folder under a regular file cannot be made, even by root.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-folder-\(UUID().uuidString)")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = try self.configuration(["DATA_DIR": file.appendingPathComponent("data").path])
        do {
            _ = try await openStore(configuration: configuration, logger: quietLogger)
            Issue.record("opened a database under a file")
        } catch let error as ConfigurationError {
            #expect(error.setting == "DATA_DIR")
        }
    }
}
