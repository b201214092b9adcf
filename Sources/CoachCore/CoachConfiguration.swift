import AppSupport
import RPCRuntime
import ServiceRuntime

/// What the coach reads at start beyond ``ServiceRuntime/ServiceConfiguration``.
public struct CoachConfiguration: Sendable {
    /// `GENERATION_ADDR`: the generation service's replicas, asked for career paths. Default
    /// `127.0.0.1:7101`.
    public var generationTarget: String
    /// `COACH_STATE_KEY`: the key that signs `turnState`, at least 32 characters. Default: none,
    /// and a random key is generated at start (turn states then do not survive a restart, and
    /// replicas do not accept each other's).
    public var stateKey: String?
    /// `MODEL_COACH`: the model that answers the chat (default `gemini-2.5-pro`, the spec's).
    public var model: String

    /// Shortest accepted `COACH_STATE_KEY`: 32 characters (a 256-bit HMAC key).
    public static let minimumStateKeyLength = 32

    public init(reader: ConfigurationReader) throws(ConfigurationError) {
        self.generationTarget = reader.string("GENERATION_ADDR", default: "127.0.0.1:7101")
        do {
            _ = try EndpointResolver.parse(self.generationTarget)
        } catch {
            throw ConfigurationError(setting: "GENERATION_ADDR", problem: "must be host:port, or a comma-separated list of them")
        }
        self.model = try ModelName.read("MODEL_COACH", default: ModelName.pro, from: reader)
        self.stateKey = reader.string("COACH_STATE_KEY")
        if let key = self.stateKey, key.count < Self.minimumStateKeyLength {
            throw ConfigurationError(setting: "COACH_STATE_KEY", problem: "must be at least \(Self.minimumStateKeyLength) characters")
        }
    }
}
