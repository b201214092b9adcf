import AppSupport
import Foundation
import JWTKit
import Logging
import NIOConcurrencyHelpers
import Testing

@testable import GatewayCore

// MARK: Keys

/// The HS256 secret the tests configure (40 characters, like a Supabase project's).
let testSecret = "super-secret-jwt-token-with-at-least-32-characters"
/// Another secret, for "signed by someone else".
let otherSecret = "another-secret-that-is-also-long-enough-to-use"
let testIssuer = "https://test-project.supabase.co/auth/v1"

/// A 2048-bit RSA key made for these tests only (`openssl genrsa 2048`). Not used anywhere else.
let testRSAPrivateKeyPEM = """
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDJwslXoQ7KqHyN
z7enAMYXFl/NsyDbc5AAchYaxPE8knzvHLFjZbBTIoch/RHvomJ/rnOmg+/iiuAF
9DtkgP4r1+iP09owxGIxh2rsxleIMoORic1R3n6lWXFmxrlW4zzvkgHQpZ3kJ/Gi
fY/vkWC1Ra6jODZY5pyCsAhsRrgc+HYyaXBbexFBFizhxLqoz7bDNU8lvfEqJJ/G
iHb6xprZfNdoVn11lWMitDoUnsd4CM+fEQ/J8SfaJzkx+qZHs45UmVhdhv/5/6K4
EvzOxrMAN04J/JusRILM2L+MFW/RCdlOXq7e+IwJudnnBO/hoRIDw35Eb19rJN0f
WK7L0wjzAgMBAAECggEACgbDjGFvw5N0PnSMSwt8ofNrMbo3+kqND/Cbd5ts5Ovf
Xd9I/h20vFToGUDNzjZS0HHiGRbPv4F+Q4gmbBwFmuErvftdtEm2GtcAxyEjgscG
hx+C1BGLV/qQv6DwNJ4DTmEs9OpIupNflzRyiDRrIBGv7Y2NadqVUYtKR93gfWlR
drX+xXulbHq5CqpUCU1Y/89tEDLth3Wx4y8kNwJNQ5RdEoL8Ie7PKhvFvTkvxL5A
hZPGET6Y6upsp83qohl+Iz7bz+XzYvehT5OJlERZcBdWdj4CWETj/VJtWniW87nH
uRpwH0idNAo77/1vU+eKbJZqiBClkUWF61995gYt/QKBgQD9cb2p7oAJMpq6U3t0
hT4CJbiXl28/kLmYrSqHG8gEDVX+t4UCC3pu2GvLHGM1+x7e/jOEK7Lve2MMkyax
19ORskg1uiDOG9Z47rnYXwWkVEEshInPhTsBkA5NClGp79vjhKcI48croCcBJYR6
bqUqE7gmgjQXiw4542SDqMPhLwKBgQDLy6BaS2j6wzvNhcE75abGHkx6K2KQB/hU
kqMx7QYjyHKEW8Opo9uKFu7tu2LOMFa/Dkj8UlngRGg3FT05OjEPsJwr3f2rHvE2
8xXzLiosi8Bf8IxxFL5CsPlY0xJov5juV8StzEl7nEB8EG4h1xwOLnfpZnXlU1Pr
rQhV1Kv7fQKBgH1kzgsKhmyGjglMDpPK7LARS7As64zOpRUF8DmipCZlFrwMvpER
bsTy7Po0FF373f1EVea53DEiohHxqD5rYzD9vT5f1aVEHqv8qRSFhvwT9574AFsd
NuGCDaFOTrM+ilOaKS57y+ootcOadV5B6hPUZ9MdrnpLgYFgoTWGxUtfAoGBAJeE
NBsN1+YgQxUhbbIvotfHbQqjuOrm0g1m3GhhFeCCxgl8BDPavH2lYUxktiggLk5r
u33FaEbh9S2G3/btOc61etbufAu+vI4jGt2rI/XsjUGHIZNtXatN0oTkoNo6IOSL
YpHowXVijVrwCEGmoZg1mjdwUxUF5+3fvsO5k4gtAoGBAJldv21XSjVPEXZA2YuE
KfE+XEQV6IwPIESXXYt3IvkTk6skhHHlJBBjPqwOTj80IAT9hyeRdZA9YK/H6dWm
2AqXMUMqmwcX0xaxGoWnpyigS9xRB28pCLrWEretO1E6wuTT+juUqE8VCdSqJuXX
viOqfoEV7us7YQeNuKo9Y2PD
-----END PRIVATE KEY-----
"""

/// The signing keys of one test: the HS256 secret, an ES256 key (`es-1`) and an RSA key
/// (`rsa-1`), plus a spare ES256 key (`es-2`) that the verifier does not know at first.
struct TestKeys: Sendable {
    let es256 = ES256PrivateKey()
    let es256Spare = ES256PrivateKey()
    let rsa: Insecure.RSA.PrivateKey

    init() throws {
        self.rsa = try Insecure.RSA.PrivateKey(pem: testRSAPrivateKeyPEM)
    }

    /// `{"keys": [...]}` with the public parts of the named keys.
    func jwks(es256 esKeys: [(kid: String, key: ES256PrivateKey)] = [], rsa rsaKeys: [(kid: String, key: Insecure.RSA.PrivateKey)] = [], extra: [String] = []) throws -> String {
        var members: [String] = []
        for (kid, key) in esKeys {
            let parameters = try #require(key.publicKey.parameters)
            members.append(#"{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"\#(kid)","x":"\#(parameters.x)","y":"\#(parameters.y)"}"#)
        }
        for (kid, key) in rsaKeys {
            let primitives = try key.publicKey.getKeyPrimitives()
            members.append(#"{"kty":"RSA","alg":"RS256","use":"sig","kid":"\#(kid)","n":"\#(base64URL(primitives.modulus))","e":"\#(base64URL(primitives.publicExponent))"}"#)
        }
        members += extra
        return #"{"keys":[\#(members.joined(separator: ","))]}"#
    }

    /// The JWKS a test verifier trusts: `es-1` and `rsa-1`.
    func standardJWKS() throws -> String {
        try self.jwks(es256: [("es-1", self.es256)], rsa: [("rsa-1", self.rsa)])
    }
}

func base64URL(_ data: some DataProtocol) -> String {
    Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

// MARK: Tokens

/// A Supabase-shaped access token payload; every member can be removed (nil) or changed.
struct TestClaims: JWTPayload {
    var sub: String? = "6f1c2a9e-2b7d-4c1e-9a3f-0d5b8e7c4a21"
    var role: String? = "authenticated"
    var aud: AudienceClaim? = "authenticated"
    var exp: Date? = Date().addingTimeInterval(3600)
    var iat: Date? = Date()
    var nbf: Date?
    var iss: String? = testIssuer
    var session_id: String? = "b8f7c6d5-0000-4000-8000-000000000001"
    var is_anonymous: Bool? = false
    var email: String? = "person@example.com"

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

enum Signer {
    case hmac(String)
    case es256(ES256PrivateKey, kid: String?)
    case rsa(Insecure.RSA.PrivateKey, kid: String?)
}

/// A token for `claims` signed by `signer`; `header` adds or overrides header members
/// (`alg` included: jwt-kit keeps an `alg` given in the header).
func makeToken(_ claims: TestClaims = TestClaims(), signer: Signer, header: JWTHeader = JWTHeader()) async throws -> String {
    let collection = JWTKeyCollection()
    var header = header
    switch signer {
    case .hmac(let secret):
        await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    case .es256(let key, let kid):
        await collection.add(ecdsa: key)
        if let kid { header.kid = kid }
    case .rsa(let key, let kid):
        await collection.add(rsa: key, digestAlgorithm: .sha256)
        if let kid { header.kid = kid }
    }
    return try await collection.sign(claims, header: header)
}

/// A token assembled by hand: base64url JSON header and payload, and the given signature.
func rawToken(header: String, payload: String, signature: String = "") -> String {
    "\(base64URL(Data(header.utf8))).\(base64URL(Data(payload.utf8))).\(signature)"
}

// MARK: Verifiers

/// A temporary file holding `contents`, removed at the end of `body`.
func withTemporaryFile<T>(_ contents: String, _ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString).json").path
    try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

func authConfiguration(_ environment: [String: String]) throws -> AuthConfiguration {
    try AuthConfiguration(reader: ConfigurationReader(environment: environment))
}

let quietLogger = Logger(label: "auth-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// The verifier the matrix runs against: the HS256 secret plus a JWKS file with `es-1` and
/// `rsa-1`, issuer checked.
func makeStandardVerifier(keys: TestKeys, issuer: String? = testIssuer, audience: String? = nil) async throws -> SupabaseTokenVerifier {
    try await withTemporaryFile(try keys.standardJWKS()) { path in
        var environment = ["SUPABASE_JWT_SECRET": testSecret, "SUPABASE_JWKS_FILE": path]
        environment["SUPABASE_JWT_ISSUER"] = issuer
        environment["SUPABASE_JWT_AUDIENCE"] = audience
        return try await SupabaseTokenVerifier.make(configuration: authConfiguration(environment), logger: quietLogger)
    }
}

/// Expects `token` to be refused with `reason`.
func expectRefused(
    _ verifier: some TokenVerifier, _ token: String, reason: String = "INVALID_TOKEN",
    sourceLocation: SourceLocation = #_sourceLocation
) async {
    do {
        let user = try await verifier.verify(token)
        Issue.record("expected a refusal (\(reason)), accepted user \(user.id)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.reason == reason, "refused for: \(error)", sourceLocation: sourceLocation)
    }
}

/// A clock the test moves by hand, for the JWKS refresh policy.
final class ManualClock: Sendable {
    private let start = ContinuousClock.now
    private let offset = NIOLockedValueBox<Duration>(.zero)

    func advance(by duration: Duration) { self.offset.withLockedValue { $0 += duration } }

    var now: ContinuousClock.Instant { self.start + self.offset.withLockedValue { $0 } }
}

// MARK: Tokens with JSON written by hand

/// A token whose header and payload are exactly `header` and `payload` (bytes as given: a
/// repeated member, trailing bytes, a NUL…), validly signed by `signer`, so that what is
/// refused is the JSON and never the signature.
func signedRawToken(header: String, payload: String, signer: Signer) async throws -> String {
    try await signedRawToken(header: Data(header.utf8), payload: Data(payload.utf8), signer: signer)
}

func signedRawToken(header: Data, payload: Data, signer: Signer) async throws -> String {
    let serializer = RawJSONSerializer(header: header, payload: payload)
    let collection = JWTKeyCollection(defaultJWTSerializer: serializer)
    switch signer {
    case .hmac(let secret):
        await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, serializer: serializer)
    case .es256(let key, _):
        await collection.add(ecdsa: key, serializer: serializer)
    case .rsa(let key, _):
        await collection.add(rsa: key, digestAlgorithm: .sha256, serializer: serializer)
    }
    return try await collection.sign(TestClaims())
}

/// Hands jwt-kit fixed bytes for the header and the payload instead of encoding them.
private struct RawJSONSerializer: JWTSerializer {
    let header: Data
    let payload: Data

    var jsonEncoder: any JWTJSONEncoder { RawEncoder(header: self.header, payload: self.payload) }

    func serialize(_ payload: some JWTPayload, header: JWTHeader) throws -> Data {
        Data(base64URL(self.payload).utf8)
    }

    struct RawEncoder: JWTJSONEncoder {
        let header: Data
        let payload: Data

        func encode<T: Encodable>(_ value: T) throws -> Data {
            value is JWTHeader ? self.header : self.payload
        }
    }
}
