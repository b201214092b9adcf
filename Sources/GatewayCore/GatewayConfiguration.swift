import AppSupport
import Foundation
import GatewayStore

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
    /// `CORS_ALLOWED_ORIGINS`: browser origins allowed, comma-separated
    /// (`https://app.example.com,http://localhost:5173`). Default none: no browser origin is
    /// allowed. `*` is refused at start.
    public var corsAllowedOrigins: [String]
    /// `RATE_LIMIT_PRO_PER_MIN`, `RATE_LIMIT_FLASH_PER_MIN`: calls per user per minute to pro
    /// and to flash tasks. Defaults 20 and 60.
    public var rateLimits: RateLimits
    /// `HTTP_IDLE_TIMEOUT_SECONDS`: a connection that sends no complete request head, stalls
    /// while sending a body, or sits idle between requests for this long is closed. An answer
    /// being written (a stream included) is never cut by it. Default 30 s.
    public var idleTimeout: Duration
    /// `HTTP_BODY_TIMEOUT_SECONDS`: a request whose body has not fully arrived this long after
    /// its head has its connection closed (a body trickled a byte at a time resets the idle
    /// timeout on every byte). Default 60 s: a 1 MiB body at 150 kbit/s still fits.
    public var bodyTimeout: Duration
    /// `HTTP_MAX_CONNECTIONS`: open client connections at once; beyond it new connections wait
    /// in the listen backlog until one closes. Default 1000.
    public var maxConnections: Int
    /// `SSE_PING_SECONDS`: interval of the `: ping` comment on a Server-Sent Events stream, from
    /// the moment it starts until `done` or `error`; also how long a stream waits for the
    /// model's first event before it starts with a ping. Default 15 s (the spec's), 0.1–300.
    public var streamPingInterval: Duration
    /// `DATABASE_URL`: PostgreSQL for saved results, the usage ledger and the state replicas
    /// share (`postgres://user:password@host:port/db?sslmode=require`). Unset: the embedded
    /// SQLite file in ``dataDirectory``. `DATABASE_PASSWORD`, when set, is the password of a
    /// URL that has none (as libpq's `PGPASSWORD`): a compose file or a Secret can then keep the
    /// password apart from the URL.
    public var database: DatabaseURL?
    /// `DATA_DIR`: where the embedded database lives when `DATABASE_URL` is unset. Default `./data`.
    public var dataDirectory: String
    /// `SAVE_RESULTS`: `1` (default) saves each successful AI answer for its user; `0` saves
    /// none. The usage ledger is kept either way.
    public var saveResults: Bool
    /// Connections the kernel queues before the gateway accepts them: 4096 (Linux caps it at
    /// `net.core.somaxconn`, 4096 by default). Hummingbird's default of 256 dropped the SYNs of
    /// a burst of new clients, which then waited for TCP's 1 s, 3 s, 7 s retransmits.
    public static let listenBacklog = 4096
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
        self.corsAllowedOrigins = try CORSPolicy.parseOrigins(reader.string("CORS_ALLOWED_ORIGINS"))
        self.rateLimits = RateLimits(
            proPerMinute: try reader.int("RATE_LIMIT_PRO_PER_MIN", default: 20, range: 1...100_000),
            flashPerMinute: try reader.int("RATE_LIMIT_FLASH_PER_MIN", default: 60, range: 1...100_000)
        )
        self.idleTimeout = try reader.seconds("HTTP_IDLE_TIMEOUT_SECONDS", default: .seconds(30), range: 1...3600)
        self.bodyTimeout = try reader.seconds("HTTP_BODY_TIMEOUT_SECONDS", default: .seconds(60), range: 1...3600)
        self.maxConnections = try reader.int("HTTP_MAX_CONNECTIONS", default: 1000, range: 1...1_000_000)
        self.streamPingInterval = try reader.seconds("SSE_PING_SECONDS", default: .seconds(15), range: 0.1...300)
        if let url = reader.string("DATABASE_URL") {
            do {
                var database = try DatabaseURL(url)
                if database.password == nil, let password = reader.string("DATABASE_PASSWORD") { database.password = password }
                self.database = database
            } catch {
                // The URL itself is never echoed: it holds the database password.
                throw ConfigurationError(setting: "DATABASE_URL", problem: error.description)
            }
        }
        self.dataDirectory = reader.string("DATA_DIR", default: "./data")
        self.saveResults = try reader.bool("SAVE_RESULTS", default: true)
    }

    /// The embedded database's file: `DATA_DIR/career.sqlite3`.
    public var sqlitePath: String {
        URL(fileURLWithPath: self.dataDirectory).appendingPathComponent("career.sqlite3").path
    }
}
