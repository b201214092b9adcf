import AppSupport
import Foundation

/// How the gateway verifies Supabase access tokens. Read once at start; every bad value stops
/// the process with one line naming the setting (and never echoing a secret).
///
/// Unless `AUTH_DISABLED=1`, at least one key source is required: `SUPABASE_JWT_SECRET`,
/// `SUPABASE_JWKS_URL` or `SUPABASE_JWKS_FILE` (the secret may be combined with one of the two
/// JWKS sources, for a project migrating from the legacy secret to signing keys).
public struct AuthConfiguration: Sendable {
    /// Shortest `SUPABASE_JWT_SECRET` accepted: 32 bytes. HS256 needs a key at least as long
    /// as its 256-bit hash (RFC 7518 §3.2), and Supabase itself refuses shorter JWT secrets
    /// (the ones it generates are 40 characters or more).
    public static let minimumSecretBytes = 32

    /// `AUTH_DISABLED=1`: every call runs as a fixed development user, no token read. Default
    /// off; the key settings below are then not read at all.
    public var disabled: Bool
    /// `SUPABASE_JWT_SECRET`: the HS256 secret, used as its UTF-8 bytes as Supabase does.
    /// Default unset (HS256 tokens are refused).
    var secret: String?
    /// `SUPABASE_JWKS_URL`: the project's JWKS
    /// (`https://<ref>.supabase.co/auth/v1/.well-known/jwks.json`), fetched at start and on an
    /// unknown `kid` at most once per ``minimumRefreshInterval``. Default unset.
    public var jwksURL: String?
    /// `SUPABASE_JWKS_FILE`: a JWKS on disk, read and checked at start, never refreshed.
    /// Default unset. These are its usable keys.
    var fileKeys: [PublicSigningKey]
    /// `SUPABASE_JWT_ISSUER`: `iss` must equal it when set, e.g.
    /// `https://<ref>.supabase.co/auth/v1`. Default unset (not checked).
    public var issuer: String?
    /// `SUPABASE_JWT_AUDIENCE`: `aud` must contain it. Default `authenticated`.
    public var audience: String
    /// Clock skew allowed on `exp`, `nbf` and `iat`. 60 s, not configurable.
    public var leeway: Duration = .seconds(60)
    /// Least time between two fetches of `SUPABASE_JWKS_URL`: 60 s, not configurable. An
    /// unknown `kid` within it is refused without a fetch.
    public var minimumRefreshInterval: Duration = .seconds(60)
    /// Age after which the cached JWKS is refetched in the background (so a revoked key stops
    /// verifying): 10 minutes, not configurable.
    public var maximumKeyAge: Duration = .seconds(600)
    /// Deadline of one JWKS fetch: 5 s, not configurable.
    public var fetchTimeout: Duration = .seconds(5)

    public init(reader: ConfigurationReader) throws(ConfigurationError) {
        self.disabled = try reader.bool("AUTH_DISABLED")
        self.audience = reader.string("SUPABASE_JWT_AUDIENCE", default: ClaimPolicy.acceptedRole)
        self.issuer = reader.string("SUPABASE_JWT_ISSUER")
        self.fileKeys = []
        guard !self.disabled else { return }

        if let secret = reader.string("SUPABASE_JWT_SECRET") {
            guard secret.utf8.count >= Self.minimumSecretBytes else {
                throw ConfigurationError(setting: "SUPABASE_JWT_SECRET", problem: "must be at least \(Self.minimumSecretBytes) characters")
            }
            self.secret = secret
        }

        let url = reader.string("SUPABASE_JWKS_URL")
        let file = reader.string("SUPABASE_JWKS_FILE")
        if url != nil && file != nil {
            throw ConfigurationError(setting: "SUPABASE_JWKS_FILE", problem: "cannot be combined with SUPABASE_JWKS_URL; set one of the two")
        }
        if let url {
            guard Self.isAcceptableJWKSURL(url) else {
                throw ConfigurationError(
                    setting: "SUPABASE_JWKS_URL", problem: "must be an https:// URL (http:// only for localhost), got '\(url)'"
                )
            }
            self.jwksURL = url
        }
        if let file {
            self.fileKeys = try Self.readKeys(file: file)
        }

        guard self.secret != nil || self.jwksURL != nil || !self.fileKeys.isEmpty else {
            throw ConfigurationError(
                setting: "SUPABASE_JWT_SECRET",
                problem: "(or SUPABASE_JWKS_URL, SUPABASE_JWKS_FILE, or AUTH_DISABLED=1 for local development) is required"
            )
        }
    }

    /// The claim checks this configuration asks for.
    var claimPolicy: ClaimPolicy {
        let (seconds, attoseconds) = self.leeway.components
        return ClaimPolicy(audience: self.audience, issuer: self.issuer, leeway: TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18)
    }

    /// Keys fetched over plain HTTP could be replaced on the way, so `http://` is accepted only
    /// for a local Supabase (`supabase start`) or a test server on the loopback interface.
    private static func isAcceptableJWKSURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else { return false }
        switch scheme {
        case "https": return true
        case "http": return ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased())
        default: return false
        }
    }

    private static func readKeys(file path: String) throws(ConfigurationError) -> [PublicSigningKey] {
        let setting = "SUPABASE_JWKS_FILE"
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? Int, size > JSONWebKeySet.maxBytes {
                throw ConfigurationError(setting: setting, problem: "is over \(JSONWebKeySet.maxBytes / 1024) KiB: '\(path)'")
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(setting: setting, problem: "cannot be read: '\(path)'")
        }
        let keys: [PublicSigningKey]
        do {
            keys = try JSONWebKeySet.parse(data)
        } catch {
            throw ConfigurationError(setting: setting, problem: "\(error): '\(path)'")
        }
        guard !keys.isEmpty else {
            throw ConfigurationError(setting: setting, problem: "has no usable key (ES256 on P-256 or RS256, with a kid): '\(path)'")
        }
        return keys
    }
}

