import Foundation
import JWTKit

/// The claims of a Supabase Auth access token that the gateway reads.
///
/// Supabase always issues `iss` (`https://<ref>.supabase.co/auth/v1`), `aud` (`authenticated`,
/// a string or an array), `exp`, `iat`, `sub` (the user's UUID), `role` (`authenticated`,
/// `anon` or `service_role`), `aal`, `session_id` and `is_anonymous`; `nbf` is optional. Only
/// `exp` is required to decode: every other check is made by ``validate(_:now:)`` so that a
/// missing claim is refused with the same error as a wrong one. Other claims (`email`,
/// `user_metadata`, …) are personal data and are deliberately not decoded.
struct SupabaseClaims: JWTPayload {
    var subject: SubjectClaim?
    var role: String?
    var audience: AudienceClaim?
    var expiration: ExpirationClaim
    var issuedAt: IssuedAtClaim?
    var notBefore: NotBeforeClaim?
    var issuer: IssuerClaim?
    var sessionID: String?
    var isAnonymous: Bool?

    enum CodingKeys: String, CodingKey {
        case subject = "sub"
        case role
        case audience = "aud"
        case expiration = "exp"
        case issuedAt = "iat"
        case notBefore = "nbf"
        case issuer = "iss"
        case sessionID = "session_id"
        case isAnonymous = "is_anonymous"
    }

    /// Does nothing: jwt-kit calls this right after the signature check, but the checks need
    /// the gateway's policy and clock, so ``SupabaseTokenVerifier`` calls ``validate(_:now:)``
    /// itself. Never trust these claims without it.
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// Checks every claim against `policy` at `now`, expiry last, so that `TOKEN_EXPIRED` means
    /// "expired but otherwise valid" (the caller has already checked the signature).
    func validate(_ policy: ClaimPolicy, now: Date) throws(AuthError) -> VerifiedUser {
        guard let subject = self.subject?.value, !subject.isEmpty else { throw .missingSubject }
        guard self.role == ClaimPolicy.acceptedRole else { throw .wrongRole }
        guard let audience = self.audience?.value, audience.contains(policy.audience) else { throw .wrongAudience }
        if let expectedIssuer = policy.issuer, self.issuer?.value != expectedIssuer { throw .wrongIssuer }
        let leeway = policy.leeway
        if let notBefore = self.notBefore?.value, notBefore > now.addingTimeInterval(leeway) { throw .notYetValid }
        if let issuedAt = self.issuedAt?.value, issuedAt > now.addingTimeInterval(leeway) { throw .issuedInFuture }
        guard now < self.expiration.value.addingTimeInterval(leeway) else { throw .expired }
        return VerifiedUser(id: subject, sessionID: self.sessionID, isAnonymous: self.isAnonymous ?? false)
    }
}

/// What a token's claims must say, beyond its signature.
struct ClaimPolicy: Sendable {
    /// The only `role` accepted: a signed-in user. `anon` (the public API key) and
    /// `service_role` (the project's admin key) are refused.
    static let acceptedRole = "authenticated"

    /// `aud` must contain this. `SUPABASE_JWT_AUDIENCE`, default `authenticated`.
    var audience: String
    /// `iss` must equal this when set. `SUPABASE_JWT_ISSUER`, default unset (not checked).
    var issuer: String?
    /// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds. Default 60.
    var leeway: TimeInterval = 60
}

/// A caller whose token verified.
public struct VerifiedUser: Sendable, Hashable {
    /// The token's `sub`: the Supabase user id. Rate limits and idempotency keys are per this.
    public var id: String
    /// The token's `session_id`, when present.
    public var sessionID: String?
    /// The token's `is_anonymous`: a Supabase anonymous sign-in. Such users have
    /// `role = authenticated` and are accepted, as the spec asks; routes may treat them apart.
    public var isAnonymous: Bool

    public init(id: String, sessionID: String? = nil, isAnonymous: Bool = false) {
        self.id = id
        self.sessionID = sessionID
        self.isAnonymous = isAnonymous
    }
}
