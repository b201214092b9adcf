import AppSupport
import AsyncHTTPClient
import Foundation
import JSONText
import Logging

/// Turns a bearer token into the user it speaks for, or refuses it.
public protocol TokenVerifier: Sendable {
    func verify(_ token: String) async throws(AuthError) -> VerifiedUser
}

/// Verifies Supabase Auth access tokens with jwt-kit.
///
/// Keys, each bound to one algorithm:
/// - `HS256` with `SUPABASE_JWT_SECRET` (any `kid` in the header is ignored: the secret is the
///   project's only symmetric key, and Supabase's JWKS never lists it);
/// - `ES256` and `RS256` with the JWKS key named by the header's `kid` (required), from
///   `SUPABASE_JWKS_FILE` or `SUPABASE_JWKS_URL` (see ``RemoteKeySet`` for the refresh policy).
///
/// A token is refused when its `alg` is anything else (`none`, `HS512`, `PS256`, …), when its
/// `alg` differs from its key's, when it names critical header extensions (`crit`), or when it
/// is over ``maxTokenBytes``, or when its header or payload JSON is loose in any way that lets
/// two readers disagree (``TokenJSON``: a repeated claim, trailing bytes, a NUL, …). Then the signature, then the claims (``SupabaseClaims``). A token
/// that passed is remembered by its digest for up to a minute (``VerifiedTokenCache``).
public final class SupabaseTokenVerifier: TokenVerifier {
    /// Largest token read: 16 KiB (Supabase's are 1–2 KiB; custom claims can add some).
    public static let maxTokenBytes = 16 * 1024

    private let hmacKey: VerificationKey?
    private let fileKeys: [String: VerificationKey]
    private let remoteKeys: RemoteKeySet?
    private let policy: ClaimPolicy
    private let now: @Sendable () -> Date
    /// Tokens that passed every check recently (see ``VerifiedTokenCache`` for why that is safe).
    let verified = VerifiedTokenCache()

    init(hmacKey: VerificationKey?, fileKeys: [String: VerificationKey], remoteKeys: RemoteKeySet?, policy: ClaimPolicy, now: @escaping @Sendable () -> Date) {
        self.hmacKey = hmacKey
        self.fileKeys = fileKeys
        self.remoteKeys = remoteKeys
        self.policy = policy
        self.now = now
    }

    /// The verifier `configuration` describes. With `SUPABASE_JWKS_URL` this fetches the JWKS
    /// once with `httpClient` and refuses to start when that fails.
    public static func make(
        configuration: AuthConfiguration,
        httpClient: HTTPClient = .shared,
        logger: Logger
    ) async throws(ConfigurationError) -> SupabaseTokenVerifier {
        try await self.make(configuration: configuration, httpClient: httpClient, logger: logger, now: { Date() }, refreshClock: { .now })
    }

    /// As above, with the clocks injectable for tests: `now` for the claims, `refreshClock`
    /// for the JWKS refresh policy.
    static func make(
        configuration: AuthConfiguration,
        httpClient: HTTPClient = .shared,
        logger: Logger,
        now: @escaping @Sendable () -> Date,
        refreshClock: @escaping @Sendable () -> ContinuousClock.Instant
    ) async throws(ConfigurationError) -> SupabaseTokenVerifier {
        var hmacKey: VerificationKey?
        if let secret = configuration.secret {
            hmacKey = await VerificationKey.hmac(secret: secret)
        }
        var fileKeys: [String: VerificationKey] = [:]
        for key in configuration.fileKeys {
            fileKeys[key.keyID] = await VerificationKey.make(key)
        }
        var remoteKeys: RemoteKeySet?
        if let url = configuration.jwksURL {
            do {
                remoteKeys = try await RemoteKeySet(
                    fetch: RemoteKeySet.httpFetch(url: url, client: httpClient, timeout: configuration.fetchTimeout),
                    minimumRefreshInterval: configuration.minimumRefreshInterval,
                    maximumAge: configuration.maximumKeyAge,
                    now: refreshClock,
                    logger: logger
                )
            } catch let error as JWKSFetchError {
                throw ConfigurationError(setting: "SUPABASE_JWKS_URL", problem: "\(error): '\(url)'")
            } catch {
                throw ConfigurationError(setting: "SUPABASE_JWKS_URL", problem: "could not be fetched (\(error)): '\(url)'")
            }
        }
        return SupabaseTokenVerifier(hmacKey: hmacKey, fileKeys: fileKeys, remoteKeys: remoteKeys, policy: configuration.claimPolicy, now: now)
    }

    public func verify(_ token: String) async throws(AuthError) -> VerifiedUser {
        guard token.utf8.count <= Self.maxTokenBytes else { throw .tooLarge }
        let cacheKey = VerifiedTokenCache.key(token)
        let now = self.now()
        // Read before any key is looked up: a verification made with keys that a JWKS refresh
        // has since replaced is then never served from the cache.
        let keyGeneration = self.remoteKeys?.generation.load(ordering: .sequentiallyConsistent) ?? 0
        if let user = self.verified.user(for: cacheKey, keyGeneration: keyGeneration, now: now) { return user }
        let (user, expiresAt) = try await self.verifyInFull(token, now: now)
        self.verified.remember(user, for: cacheKey, keyGeneration: keyGeneration, expiresAt: expiresAt, now: now)
        return user
    }

    /// Every check, nothing remembered: the user and the instant the token stops being accepted.
    private func verifyInFull(_ token: String, now: Date) async throws(AuthError) -> (VerifiedUser, expiresAt: Date) {
        let header = try TokenHeader(token: token)
        guard header.crit == nil else { throw .malformed }
        // The payload is checked as strictly as the header before any key is looked up, so that
        // a token with a repeated claim neither verifies nor makes the JWKS refresh.
        try TokenJSON.checkPayload(base64URL: token.split(separator: ".", omittingEmptySubsequences: false)[1])
        guard let algorithm = header.alg.flatMap(SigningAlgorithm.init(rawValue:)) else { throw .unsupportedAlgorithm }
        let key: VerificationKey
        switch algorithm {
        case .hs256:
            guard let hmacKey = self.hmacKey else { throw .unsupportedAlgorithm }
            key = hmacKey
        case .es256, .rs256:
            guard let keyID = header.kid, !keyID.isEmpty else { throw .missingKeyID }
            guard let found = await self.publicKey(keyID) else { throw .unknownKeyID }
            key = found
        }
        guard key.algorithm == algorithm else { throw .algorithmMismatch }
        let claims = try await key.verify(token)
        let user = try claims.validate(self.policy, now: now)
        return (user, claims.expiration.value.addingTimeInterval(self.policy.leeway))
    }

    private func publicKey(_ keyID: String) async -> VerificationKey? {
        if let key = self.fileKeys[keyID] { return key }
        return await self.remoteKeys?.key(for: keyID)
    }
}

/// The members of a token's header that choose its key, read before anything is verified,
/// from JSON checked by ``TokenJSON``. A member of the wrong type makes the token malformed.
struct TokenHeader {
    var alg: String?
    var kid: String?
    var crit: JSONValue?

    init(token: String) throws(AuthError) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else { throw .malformed }
        for (key, value) in try TokenJSON.object(base64URL: parts[0]) {
            switch key {
            case "alg": self.alg = try Self.string(value)
            case "kid": self.kid = try Self.string(value)
            case "crit": self.crit = value
            default: break
            }
        }
    }

    private static func string(_ value: JSONValue) throws(AuthError) -> String {
        guard case .string(let text) = value else { throw .malformed }
        return text
    }
}
