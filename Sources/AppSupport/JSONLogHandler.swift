import Foundation
import Logging

/// Writes each log record as one JSON object on standard output:
/// `{"ts":"…","level":"info","logger":"gateway","msg":"…", …metadata}`.
///
/// What goes into a record is up to the caller; the rule in this codebase is that no profile,
/// job description, token or key is ever logged.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private static let output = OutputLock()

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var record: [String: Any] = [
            "ts": Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
            "level": event.level.rawValue,
            "logger": self.label,
            "msg": event.message.description,
        ]
        let merged = self.metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged where record[key] == nil {
            record[key] = Self.plain(value)
        }
        guard var line = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(0x0A)
        Self.output.write(line)
    }

    private static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let array): array.map(plain)
        case .dictionary(let dictionary): dictionary.mapValues(plain)
        }
    }

    /// Keeps lines from concurrent tasks whole.
    private final class OutputLock: @unchecked Sendable {
        private let lock = NSLock()
        func write(_ data: Data) {
            self.lock.lock()
            defer { self.lock.unlock() }
            FileHandle.standardOutput.write(data)
        }
    }
}

public enum LogSetup {
    /// Installs JSON-lines logging at `LOG_LEVEL` (default `info`) for the whole process.
    public static func bootstrap(configuration: ConfigurationReader) throws(ConfigurationError) -> Logger.Level {
        let text = configuration.string("LOG_LEVEL", default: "info").lowercased()
        guard let level = Logger.Level(rawValue: text) else {
            throw ConfigurationError(setting: "LOG_LEVEL", problem: "must be one of trace, debug, info, notice, warning, error, critical, got '\(text)'")
        }
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        return level
    }
}
