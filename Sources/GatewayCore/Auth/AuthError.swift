import HTTPTypes

/// Why a request's credentials were refused.
///
/// The public face is ``reason``: `TOKEN_EXPIRED` for a token whose signature and every other
/// claim check out but whose `exp` has passed (the frontend refreshes its session and retries),
/// `INVALID_TOKEN` for everything else. ``description`` is a fixed phrase naming the check that
/// failed, safe for a debug log line and a metric label: it never holds the token, a claim's
/// value or a key id.
public struct AuthError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable, Hashable {
        case missingCredentials = "no bearer token"
        case malformed = "malformed token"
        case tooLarge = "token over the size limit"
        case unsupportedAlgorithm = "algorithm not accepted"
        case missingKeyID = "no key id for an asymmetric algorithm"
        case unknownKeyID = "unknown key id"
        case algorithmMismatch = "algorithm does not match the key"
        case badSignature = "signature does not verify"
        case missingSubject = "no subject"
        case wrongRole = "role is not authenticated"
        case wrongAudience = "audience does not match"
        case wrongIssuer = "issuer does not match"
        case notYetValid = "not valid yet"
        case issuedInFuture = "issued in the future"
        case expired = "expired"
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    static let missingCredentials = AuthError(.missingCredentials)
    static let malformed = AuthError(.malformed)
    static let tooLarge = AuthError(.tooLarge)
    static let unsupportedAlgorithm = AuthError(.unsupportedAlgorithm)
    static let missingKeyID = AuthError(.missingKeyID)
    static let unknownKeyID = AuthError(.unknownKeyID)
    static let algorithmMismatch = AuthError(.algorithmMismatch)
    static let badSignature = AuthError(.badSignature)
    static let missingSubject = AuthError(.missingSubject)
    static let wrongRole = AuthError(.wrongRole)
    static let wrongAudience = AuthError(.wrongAudience)
    static let wrongIssuer = AuthError(.wrongIssuer)
    static let notYetValid = AuthError(.notYetValid)
    static let issuedInFuture = AuthError(.issuedInFuture)
    static let expired = AuthError(.expired)

    /// The `reason` of the error body: `TOKEN_EXPIRED` or `INVALID_TOKEN`.
    public var reason: String { self.code == .expired ? "TOKEN_EXPIRED" : "INVALID_TOKEN" }

    /// True when no credentials were presented at all (no `Authorization` header, or not `Bearer`).
    public var isMissingCredentials: Bool { self.code == .missingCredentials }

    public var description: String { self.code.rawValue }

    /// The 401 the client sees. Its `WWW-Authenticate` follows RFC 6750 §3: a bare `Bearer`
    /// challenge when no token was presented, `error="invalid_token"` otherwise.
    public var apiError: APIErrorResponse {
        let challenge: String
        let message: String
        switch self.code {
        case .missingCredentials:
            challenge = #"Bearer realm="api""#
            message = "an Authorization: Bearer <access token> header is required"
        case .expired:
            challenge = #"Bearer realm="api", error="invalid_token", error_description="the access token expired""#
            message = "the access token expired; refresh the session and retry"
        default:
            challenge = #"Bearer realm="api", error="invalid_token""#
            message = "the access token is not valid"
        }
        return APIErrorResponse(
            code: .unauthenticated, message: message, reason: self.reason,
            extraHeaders: [.wwwAuthenticate: challenge]
        )
    }
}

