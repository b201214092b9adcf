import Foundation
import JWTKit
import Testing

@testable import GatewayCore

/// The authentication matrix against ``SupabaseTokenVerifier``: HS256 secret plus a JWKS file
/// with an ES256 key (`es-1`) and an RS256 key (`rsa-1`), issuer checked.
@Suite struct TokenVerifierTests {
    let keys: TestKeys

    init() throws {
        self.keys = try TestKeys()
    }

    // MARK: Accepted

    @Test func validHS256() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        let claims = TestClaims()
        let user = try await verifier.verify(makeToken(claims, signer: .hmac(testSecret)))
        #expect(user == VerifiedUser(id: try #require(claims.sub), sessionID: claims.session_id, isAnonymous: false))
    }

    @Test func validHS256WithAKeyIDIsAccepted() async throws {
        // Supabase puts a kid on legacy HS256 tokens too; the secret is the only HS256 key.
        let verifier = try await makeStandardVerifier(keys: self.keys)
        let token = try await makeToken(signer: .hmac(testSecret), header: ["kid": "legacy-secret"])
        #expect(try await verifier.verify(token).id == TestClaims().sub)
    }

    @Test func validES256FromJWKSFile() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        let token = try await makeToken(signer: .es256(self.keys.es256, kid: "es-1"))
        #expect(try await verifier.verify(token).id == TestClaims().sub)
    }

    @Test func validRS256FromJWKSFile() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        let token = try await makeToken(signer: .rsa(self.keys.rsa, kid: "rsa-1"))
        #expect(try await verifier.verify(token).id == TestClaims().sub)
    }

    @Test func audienceAsAnArray() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.aud = AudienceClaim(value: ["other", "authenticated"])
        #expect(try await verifier.verify(makeToken(claims, signer: .hmac(testSecret))).id == claims.sub)
    }

    @Test func expiredWithinTheLeewayIsAccepted() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.exp = Date().addingTimeInterval(-30)
        claims.iat = Date().addingTimeInterval(-3630)
        #expect(try await verifier.verify(makeToken(claims, signer: .hmac(testSecret))).id == claims.sub)
    }

    @Test func notBeforeAndIssuedAtWithinTheLeewayAreAccepted() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.nbf = Date().addingTimeInterval(30)
        claims.iat = Date().addingTimeInterval(30)
        #expect(try await verifier.verify(makeToken(claims, signer: .hmac(testSecret))).id == claims.sub)
    }

    @Test func anonymousSignInIsAcceptedAndMarked() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.is_anonymous = true
        #expect(try await verifier.verify(makeToken(claims, signer: .hmac(testSecret))).isAnonymous)
    }

    @Test func issuerIsNotCheckedWhenNotConfigured() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys, issuer: nil)
        var claims = TestClaims()
        claims.iss = "https://elsewhere.example/auth/v1"
        #expect(try await verifier.verify(makeToken(claims, signer: .hmac(testSecret))).id == claims.sub)
    }

    @Test func configuredAudience() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys, audience: "career-app")
        var claims = TestClaims()
        claims.aud = "career-app"
        #expect(try await verifier.verify(makeToken(claims, signer: .hmac(testSecret))).id == claims.sub)
        await expectRefused(verifier, try await makeToken(signer: .hmac(testSecret)))
    }

    // MARK: Expired

    @Test func expiredIsTokenExpired() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.exp = Date().addingTimeInterval(-120)
        claims.iat = Date().addingTimeInterval(-3720)
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(testSecret)), reason: "TOKEN_EXPIRED")
        await expectRefused(verifier, try await makeToken(claims, signer: .es256(self.keys.es256, kid: "es-1")), reason: "TOKEN_EXPIRED")
        await expectRefused(verifier, try await makeToken(claims, signer: .rsa(self.keys.rsa, kid: "rsa-1")), reason: "TOKEN_EXPIRED")
    }

    @Test func expiredWithABadSignatureIsInvalid() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.exp = Date().addingTimeInterval(-120)
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(otherSecret)))
        await expectRefused(verifier, try await makeToken(claims, signer: .es256(self.keys.es256Spare, kid: "es-1")))
    }

    @Test func expiredAndOtherwiseWrongIsInvalid() async throws {
        // TOKEN_EXPIRED promises that refreshing the session helps: not for an anon token.
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.exp = Date().addingTimeInterval(-120)
        claims.role = "anon"
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(testSecret)))
    }

    // MARK: Signatures and keys

    @Test func wrongSignature() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        await expectRefused(verifier, try await makeToken(signer: .hmac(otherSecret)))
        await expectRefused(verifier, try await makeToken(signer: .es256(self.keys.es256Spare, kid: "es-1")))
        // A valid token whose payload was changed after signing.
        let token = try await makeToken(signer: .hmac(testSecret))
        let parts = token.split(separator: ".")
        var claims = TestClaims()
        claims.sub = "someone-else"
        let forged = try await makeToken(claims, signer: .hmac(otherSecret)).split(separator: ".")
        await expectRefused(verifier, "\(parts[0]).\(forged[1]).\(parts[2])")
    }

    @Test func algNone() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        let payload = String(decoding: try JSONEncoder().encode(TestClaims()), as: UTF8.self)
        await expectRefused(verifier, rawToken(header: #"{"alg":"none","typ":"JWT"}"#, payload: payload))
        await expectRefused(verifier, rawToken(header: #"{"alg":"None","typ":"JWT"}"#, payload: payload))
        await expectRefused(verifier, rawToken(header: #"{"typ":"JWT"}"#, payload: payload))
        // "none" with a real HS256 signature attached is still "none".
        let signature = try await makeToken(signer: .hmac(testSecret)).split(separator: ".")[2]
        await expectRefused(verifier, rawToken(header: #"{"alg":"none","typ":"JWT"}"#, payload: payload, signature: String(signature)))
    }

    @Test func otherAlgorithmsAreRefused() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        // HS512: not an algorithm Supabase uses, refused before any key is tried. (jwt-kit
        // wants an HS512 key of 64 bytes or more, hence the doubled secret.)
        let collection = JWTKeyCollection()
        await collection.add(hmac: HMACKey(from: testSecret + testSecret), digestAlgorithm: .sha512)
        await expectRefused(verifier, try await collection.sign(TestClaims()))
    }

    @Test func unknownKeyID() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        await expectRefused(verifier, try await makeToken(signer: .es256(self.keys.es256Spare, kid: "es-2")))
        // Signed by a known key but naming an unknown kid: jwt-kit alone would fall back to its
        // default key; here the kid must match.
        await expectRefused(verifier, try await makeToken(signer: .es256(self.keys.es256, kid: "es-unknown")))
    }

    @Test func asymmetricTokenWithoutKeyID() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        await expectRefused(verifier, try await makeToken(signer: .es256(self.keys.es256, kid: nil)))
        await expectRefused(verifier, try await makeToken(signer: .rsa(self.keys.rsa, kid: nil)))
    }

    @Test func algorithmConfusionHS256WithThePublicKeyAsSecret() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        let rsaPEM = self.keys.rsa.publicKey.pemRepresentation
        let esPEM = self.keys.es256.publicKey.pemRepresentation
        // HS256 signed with a public key's PEM, naming that key.
        await expectRefused(verifier, try await makeToken(signer: .hmac(rsaPEM), header: ["kid": "rsa-1"]))
        await expectRefused(verifier, try await makeToken(signer: .hmac(esPEM), header: ["kid": "es-1"]))
        // The same HMAC, claiming to be RS256 / ES256.
        await expectRefused(verifier, try await makeToken(signer: .hmac(rsaPEM), header: ["alg": "RS256", "kid": "rsa-1"]))
        await expectRefused(verifier, try await makeToken(signer: .hmac(esPEM), header: ["alg": "ES256", "kid": "es-1"]))
        // An RSA signature labelled ES256 with the RSA key's kid, and the other way round.
        await expectRefused(verifier, try await makeToken(signer: .rsa(self.keys.rsa, kid: "rsa-1"), header: ["alg": "ES256"]))
        await expectRefused(verifier, try await makeToken(signer: .es256(self.keys.es256, kid: "es-1"), header: ["alg": "RS256"]))
    }

    @Test func algorithmConfusionWithoutASecretConfigured() async throws {
        // A JWKS-only gateway has no HS256 key at all.
        let verifier = try await withTemporaryFile(try self.keys.standardJWKS()) { path in
            try await SupabaseTokenVerifier.make(configuration: authConfiguration(["SUPABASE_JWKS_FILE": path]), logger: quietLogger)
        }
        let rsaPEM = self.keys.rsa.publicKey.pemRepresentation
        await expectRefused(verifier, try await makeToken(signer: .hmac(rsaPEM), header: ["kid": "rsa-1"]))
        await expectRefused(verifier, try await makeToken(signer: .hmac(testSecret)))
        #expect(try await verifier.verify(makeToken(signer: .rsa(self.keys.rsa, kid: "rsa-1"))).id == TestClaims().sub)
    }

    @Test func criticalHeaderExtensionsAreRefused() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        await expectRefused(verifier, try await makeToken(signer: .hmac(testSecret), header: ["crit": ["exp"], "exp": 1]))
    }

    // MARK: Claims

    @Test(arguments: ["anon", "service_role", "supabase_admin", "", "Authenticated"])
    func roleOtherThanAuthenticated(role: String) async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.role = role
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(testSecret)))
    }

    @Test func missingRole() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.role = nil
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(testSecret)))
    }

    @Test func missingOrEmptySubject() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.sub = nil
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(testSecret)))
        claims.sub = ""
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(testSecret)))
    }

    @Test func wrongOrMissingAudience() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.aud = "anon"
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(testSecret)))
        claims.aud = AudienceClaim(value: ["other", "another"])
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(testSecret)))
        claims.aud = nil
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(testSecret)))
    }

    @Test func wrongOrMissingIssuerWhenConfigured() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.iss = "https://other-project.supabase.co/auth/v1"
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(testSecret)))
        claims.iss = nil
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(testSecret)))
    }

    @Test func notBeforeInTheFuture() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.nbf = Date().addingTimeInterval(600)
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(testSecret)))
    }

    @Test func issuedInTheFuture() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.iat = Date().addingTimeInterval(600)
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(testSecret)))
    }

    @Test func missingExpiration() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.exp = nil
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(testSecret)))
    }

    @Test func claimOfTheWrongType() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        let collection = JWTKeyCollection()
        await collection.add(hmac: HMACKey(from: testSecret), digestAlgorithm: .sha256)
        struct NumericRole: JWTPayload {
            var sub = "user"
            var role = 1
            var aud = "authenticated"
            var exp = Date().addingTimeInterval(600)
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        await expectRefused(verifier, try await collection.sign(NumericRole()))
    }

    // MARK: Not a token

    @Test(arguments: [
        "", "garbage", "a.b", "a.b.c", "a.b.c.d", "..", "eyJhbGciOiJIUzI1NiJ9..sig",
        "!!!.???.***", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0=.c2ln",
    ])
    func garbage(token: String) async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        await expectRefused(verifier, token)
    }

    @Test func headerThatIsNotJSON() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        await expectRefused(verifier, rawToken(header: "HS256", payload: "{}", signature: "c2ln"))
        await expectRefused(verifier, rawToken(header: #"{"alg":256}"#, payload: "{}", signature: "c2ln"))
        await expectRefused(verifier, rawToken(header: #"{"alg":"ES256","kid":7}"#, payload: "{}", signature: "c2ln"))
    }

    @Test func oversizedToken() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.session_id = String(repeating: "x", count: SupabaseTokenVerifier.maxTokenBytes)
        await expectRefused(verifier, try await makeToken(claims, signer: .hmac(testSecret)))
    }

    @Test func errorDescriptionsNeverHoldTheToken() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        var claims = TestClaims()
        claims.role = "anon"
        let token = try await makeToken(claims, signer: .hmac(testSecret))
        do {
            _ = try await verifier.verify(token)
            Issue.record("accepted")
        } catch {
            let text = "\(error) \(error.apiError.message)"
            #expect(!text.contains(token.prefix(20)))
            #expect(!text.contains("anon"))
            #expect(!text.contains(try #require(claims.sub)))
        }
    }
}
