import Foundation
#if canImport(Glibc)
import Glibc
/// `write(2)`, named apart from ``JSONLogHandler``'s own `write`.
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif
import Logging

/// Writes each log record as one JSON object on standard output:
/// `{"ts":"…","level":"info","logger":"gateway","msg":"…", …metadata}`.
///
/// What goes into a record is up to the caller; the rule in this codebase is that no profile,
/// job description, token or key is ever logged.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let label: String
    private static let output = OutputLock()

    public init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var metadata = self.metadata
        // The task's context first, so the logger's own and the line's metadata win.
        if let provided = self.metadataProvider?.get(), !provided.isEmpty { metadata.merge(provided) { own, _ in own } }
        if let lineMetadata = event.metadata { metadata.merge(lineMetadata) { _, new in new } }
        let line = LogLineEncoder.line(
            timestamp: .now(), level: event.level, logger: self.label,
            message: event.message.description, metadata: metadata
        )
        Self.output.write(line)
    }

    /// Keeps lines from concurrent tasks whole: one `write(2)` per line, under a lock.
    private final class OutputLock: @unchecked Sendable {
        private let lock = NSLock()
        func write(_ bytes: [UInt8]) {
            self.lock.lock()
            defer { self.lock.unlock() }
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = systemWrite(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return  // stdout is gone: nothing useful left to do with a log line
                    }
                    offset += written
                }
            }
        }
    }
}

public enum LogSetup {
    /// Installs JSON-lines logging at `LOG_LEVEL` (default `info`) for the whole process. Every
    /// line carries the call's `request.id` (``CallLogContext``) and what `additionalMetadata`
    /// provides (the trace and span ids, when tracing is on).
    public static func bootstrap(
        configuration: ConfigurationReader,
        additionalMetadata: Logger.MetadataProvider? = nil
    ) throws(ConfigurationError) -> Logger.Level {
        let text = configuration.string("LOG_LEVEL", default: "info").lowercased()
        guard let level = Logger.Level(rawValue: text) else {
            throw ConfigurationError(setting: "LOG_LEVEL", problem: "must be one of trace, debug, info, notice, warning, error, critical, got '\(text)'")
        }
        LoggingSystem.bootstrap(
            { label, provider in JSONLogHandler(label: label, level: level, metadataProvider: provider) },
            metadataProvider: additionalMetadata.map { .multiplex([CallLogContext.metadataProvider, $0]) }
                ?? CallLogContext.metadataProvider
        )
        return level
    }
}
