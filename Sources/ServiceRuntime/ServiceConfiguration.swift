import AppSupport
import GeminiAPI
import TaskContract

/// What an AI service reads at start: where it listens, the RPC secret, and its Gemini client.
public struct ServiceConfiguration: Sendable {
    /// `LISTEN_ADDR`; default `127.0.0.1` and the service's own port (7101 generation, 7102 coach).
    public var listenHost: String
    public var listenPort: Int
    /// `RPC_TOKEN`; nil only with `RPC_INSECURE=1`.
    public var rpcToken: String?
    /// `GEMINI_API_KEY`, `GEMINI_BASE_URL`, `GEMINI_MAX_IN_FLIGHT` (64), `GEMINI_MAX_QUEUE` (256).
    public var gemini: GeminiClientConfiguration
    /// `GEMINI_FALLBACK_MODEL`: answers when a pro model stays overloaded. Default
    /// `gemini-2.5-flash`; empty disables.
    public var fallbackModel: String?
    /// `RPC_MAX_CALLS_PER_CONNECTION`: calls one RPC connection may have in flight at once
    /// (the gateway multiplexes every user's calls over one connection per replica). Default
    /// 1,024; raise it for more held streams per gateway.
    public var maxCallsPerConnection: Int
    /// `METRICS_ADDR`: where `GET /metrics` is served; default the RPC host and port + 1000
    /// (port 0: any free port).
    public var metricsHost: String
    public var metricsPort: Int
    /// `LOG_LEVEL` is read by ``LogSetup``; kept here for the start-up line.
    public var serviceName: String

    public init(serviceName: String, defaultListenAddress: String, reader: ConfigurationReader) throws(ConfigurationError) {
        self.serviceName = serviceName
        (self.listenHost, self.listenPort) = try reader.hostPort("LISTEN_ADDR", default: defaultListenAddress)
        (self.metricsHost, self.metricsPort) = try reader.hostPort(
            "METRICS_ADDR", default: "\(self.listenHost.contains(":") ? "[\(self.listenHost)]" : self.listenHost):\(min(self.listenPort + 1000, 65535))"
        )
        self.rpcToken = try reader.rpcToken()
        self.maxCallsPerConnection = try reader.int("RPC_MAX_CALLS_PER_CONNECTION", default: 1_024, range: 1...1_000_000)
        let apiKey = try reader.requiredString("GEMINI_API_KEY", hint: "the launcher sets the simulator's key for offline runs")
        let baseURL = reader.string("GEMINI_BASE_URL", default: GeminiClientConfiguration.defaultBaseURL)
        guard baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://") else {
            throw ConfigurationError(setting: "GEMINI_BASE_URL", problem: "must be an http:// or https:// URL")
        }
        self.gemini = GeminiClientConfiguration(
            apiKey: apiKey,
            baseURL: baseURL,
            maxInFlight: try reader.int("GEMINI_MAX_IN_FLIGHT", default: 64, range: 1...10_000),
            maxQueued: try reader.int("GEMINI_MAX_QUEUE", default: 256, range: 0...100_000)
        )
        // An explicitly empty value disables the fallback, so read the raw environment.
        if let raw = reader.environment["GEMINI_FALLBACK_MODEL"] {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            self.fallbackModel = trimmed.isEmpty ? nil : trimmed
        } else {
            self.fallbackModel = ModelName.flash
        }
    }
}

/// The models the services choose between.
public enum ModelName {
    /// Simple, high-volume work.
    public static let flash = ModelTier.flash.defaultModel
    /// Reasoning.
    public static let pro = ModelTier.pro.defaultModel

    /// The model a `MODEL_<TASK>` setting names, or `defaultModel` when it is unset. A model name
    /// goes into the request path, so only Gemini's model-name characters are accepted; anything
    /// else stops the process at start.
    public static func read(_ variable: String, default defaultModel: String, from reader: ConfigurationReader) throws(ConfigurationError) -> String {
        guard let value = reader.string(variable) else { return defaultModel }
        guard Self.isValid(value) else {
            throw ConfigurationError(setting: variable, problem: "must be a Gemini model name such as gemini-2.5-flash")
        }
        return value
    }

    /// Lowercase letters, digits, `.` and `-`, starting with a letter or digit, at most 100.
    public static func isValid(_ value: String) -> Bool {
        let isLetterOrDigit: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        guard let first = value.unicodeScalars.first, isLetterOrDigit(first), value.unicodeScalars.count <= 100 else { return false }
        return value.unicodeScalars.allSatisfy { isLetterOrDigit($0) || $0 == "." || $0 == "-" }
    }
}
