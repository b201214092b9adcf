import Foundation

/// A setting that is missing or invalid. Its description is the one line a process prints
/// before it exits: it names the setting and never echoes a secret's value.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public var setting: String
    public var problem: String

    public init(setting: String, problem: String) {
        self.setting = setting
        self.problem = problem
    }

    public var description: String { "configuration error: \(self.setting) \(self.problem)" }
}

/// Reads settings from the environment, each with a default, so that every process reads its
/// configuration in one place and reports a bad setting the same way.
public struct ConfigurationReader: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The value, or nil when unset or empty.
    public func string(_ name: String) -> String? {
        guard let value = self.environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    public func string(_ name: String, default defaultValue: String) -> String {
        self.string(name) ?? defaultValue
    }

    public func requiredString(_ name: String, hint: String = "") throws(ConfigurationError) -> String {
        guard let value = self.string(name) else {
            throw ConfigurationError(setting: name, problem: "is required" + (hint.isEmpty ? "" : " (\(hint))"))
        }
        return value
    }

    /// `1`, `true`, `yes` and `on` are true; `0`, `false`, `no` and `off` are false.
    public func bool(_ name: String, default defaultValue: Bool = false) throws(ConfigurationError) -> Bool {
        guard let value = self.string(name)?.lowercased() else { return defaultValue }
        switch value {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(setting: name, problem: "must be 1 or 0, got '\(value)'")
        }
    }

    public func int(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = self.string(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(setting: name, problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    public func port(_ name: String, default defaultValue: Int) throws(ConfigurationError) -> Int {
        try self.int(name, default: defaultValue, range: 0...65535)
    }

    /// A number of seconds, fractions allowed.
    public func seconds(_ name: String, default defaultValue: Duration, range: ClosedRange<Double>) throws(ConfigurationError) -> Duration {
        guard let text = self.string(name) else { return defaultValue }
        guard let value = Double(text), range.contains(value) else {
            throw ConfigurationError(setting: name, problem: "must be a number of seconds from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return .milliseconds(Int64(value * 1000))
    }

    /// `host:port`, e.g. `0.0.0.0:7101` or `[::1]:7101`.
    public func hostPort(_ name: String, default defaultValue: String) throws(ConfigurationError) -> (host: String, port: Int) {
        let text = self.string(name, default: defaultValue)
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigurationError(setting: name, problem: "must be host:port, got '\(text)'")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ConfigurationError(setting: name, problem: "must be host:port, got '\(text)'") }
        return (host, port)
    }

    /// The shared RPC secret: `RPC_TOKEN`, or nil when `RPC_INSECURE=1` allows running without one.
    public func rpcToken() throws(ConfigurationError) -> String? {
        if let token = self.string("RPC_TOKEN") {
            guard token.utf8.count >= 16 else {
                throw ConfigurationError(setting: "RPC_TOKEN", problem: "must be at least 16 characters")
            }
            return token
        }
        if try self.bool("RPC_INSECURE") { return nil }
        throw ConfigurationError(setting: "RPC_TOKEN", problem: "is required (or set RPC_INSECURE=1 for local experiments)")
    }
}
