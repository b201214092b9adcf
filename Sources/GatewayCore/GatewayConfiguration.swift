import AppSupport

/// Everything the gateway reads at start. Defaults are stated per property.
public struct GatewayConfiguration: Sendable {
    /// `HOST`: address to listen on. Default `127.0.0.1` (containers set `0.0.0.0`).
    public var host: String
    /// `PORT`: HTTP port. Default 8080.
    public var port: Int
    /// `GENERATION_ADDR`: the generation service's replicas. Default `127.0.0.1:7101`.
    public var generationTarget: String
    /// `COACH_ADDR`: the coach service's replicas. Default `127.0.0.1:7102`.
    public var coachTarget: String
    /// `RPC_TOKEN`; nil only with `RPC_INSECURE=1`.
    public var rpcToken: String?
    /// `CALL_TIMEOUT_SECONDS`: deadline of each call, passed down to Gemini. Default 120 s.
    public var callTimeout: Duration
    /// `AUTH_DISABLED=1`: every call runs as a fixed development user. Never the default.
    public var authDisabled: Bool
    /// How access tokens are verified: `SUPABASE_JWT_SECRET`, `SUPABASE_JWKS_URL`,
    /// `SUPABASE_JWKS_FILE`, `SUPABASE_JWT_ISSUER`, `SUPABASE_JWT_AUDIENCE` (defaults there).
    public var auth: AuthConfiguration
    /// Largest request body: 1 MiB (the spec's limit, not configurable).
    public static let maxBodyBytes = 1 << 20

    public init(reader: ConfigurationReader) throws(ConfigurationError) {
        self.host = reader.string("HOST", default: "127.0.0.1")
        self.port = try reader.port("PORT", default: 8080)
        self.generationTarget = reader.string("GENERATION_ADDR", default: "127.0.0.1:7101")
        self.coachTarget = reader.string("COACH_ADDR", default: "127.0.0.1:7102")
        self.rpcToken = try reader.rpcToken()
        self.callTimeout = try reader.seconds("CALL_TIMEOUT_SECONDS", default: .seconds(120), range: 1...3600)
        self.auth = try AuthConfiguration(reader: reader)
        self.authDisabled = self.auth.disabled
    }
}
