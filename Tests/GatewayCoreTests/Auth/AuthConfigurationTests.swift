import AppSupport
import Foundation
import Testing

@testable import GatewayCore

@Suite struct AuthConfigurationTests {
    func expectError(_ environment: [String: String], setting: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try authConfiguration(environment)
            Issue.record("expected a configuration error naming \(setting)", sourceLocation: sourceLocation)
        } catch let error as ConfigurationError {
            #expect(error.setting == setting, "\(error)", sourceLocation: sourceLocation)
            for (name, value) in environment where name == "SUPABASE_JWT_SECRET" {
                #expect(!error.description.contains(value), "the secret leaked: \(error)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func defaults() throws {
        let configuration = try authConfiguration(["SUPABASE_JWT_SECRET": testSecret])
        #expect(!configuration.disabled)
        #expect(configuration.audience == "authenticated")
        #expect(configuration.issuer == nil)
        #expect(configuration.leeway == .seconds(60))
        #expect(configuration.minimumRefreshInterval == .seconds(60))
        #expect(configuration.claimPolicy.leeway == 60)
    }

    @Test func aKeySourceIsRequired() {
        expectError([:], setting: "SUPABASE_JWT_SECRET")
        expectError(["SUPABASE_JWT_ISSUER": testIssuer], setting: "SUPABASE_JWT_SECRET")
    }

    @Test func authDisabledNeedsNoKeys() throws {
        let configuration = try authConfiguration(["AUTH_DISABLED": "1"])
        #expect(configuration.disabled)
        expectError(["AUTH_DISABLED": "maybe"], setting: "AUTH_DISABLED")
    }

    @Test func shortSecretIsRefusedWithoutEchoingIt() {
        expectError(["SUPABASE_JWT_SECRET": String(repeating: "s", count: AuthConfiguration.minimumSecretBytes - 1)], setting: "SUPABASE_JWT_SECRET")
        #expect((try? authConfiguration(["SUPABASE_JWT_SECRET": String(repeating: "s", count: AuthConfiguration.minimumSecretBytes)])) != nil)
    }

    @Test func jwksURLMustBeHTTPS() throws {
        expectError(["SUPABASE_JWKS_URL": "not a url"], setting: "SUPABASE_JWKS_URL")
        expectError(["SUPABASE_JWKS_URL": "ftp://example.supabase.co/jwks"], setting: "SUPABASE_JWKS_URL")
        expectError(["SUPABASE_JWKS_URL": "http://example.supabase.co/auth/v1/.well-known/jwks.json"], setting: "SUPABASE_JWKS_URL")
        let remote = try authConfiguration(["SUPABASE_JWKS_URL": "https://ref.supabase.co/auth/v1/.well-known/jwks.json"])
        #expect(remote.jwksURL == "https://ref.supabase.co/auth/v1/.well-known/jwks.json")
        let local = try authConfiguration(["SUPABASE_JWKS_URL": "http://127.0.0.1:54321/auth/v1/.well-known/jwks.json"])
        #expect(local.jwksURL != nil)
    }

    @Test func jwksFileAndURLAreExclusive() async throws {
        try await withTemporaryFile(try TestKeys().standardJWKS()) { path in
            expectError(
                ["SUPABASE_JWKS_FILE": path, "SUPABASE_JWKS_URL": "https://ref.supabase.co/auth/v1/.well-known/jwks.json"],
                setting: "SUPABASE_JWKS_FILE"
            )
        }
    }

    @Test func jwksFileIsReadAtStart() async throws {
        let keys = try TestKeys()
        try await withTemporaryFile(try keys.standardJWKS()) { path in
            let configuration = try authConfiguration(["SUPABASE_JWKS_FILE": path])
            #expect(configuration.fileKeys.map(\.keyID).sorted() == ["es-1", "rsa-1"])
            #expect(configuration.fileKeys.map(\.algorithm.rawValue).sorted() == ["ES256", "RS256"])
        }
    }

    @Test func unreadableJWKSFile() {
        expectError(["SUPABASE_JWKS_FILE": "/nonexistent/jwks.json"], setting: "SUPABASE_JWKS_FILE")
        expectError(["SUPABASE_JWKS_FILE": FileManager.default.temporaryDirectory.path], setting: "SUPABASE_JWKS_FILE")
    }

    @Test(arguments: [
        "not json",
        #"{"keys": "none"}"#,
        #"{"keys": []}"#,
        // No kid; an HMAC key; an encryption key; a P-384 key; an EdDSA key; a PS256 RSA key.
        #"{"keys": [{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}"#,
        #"{"keys": [{"kty":"oct","kid":"k","k":"c2VjcmV0"}]}"#,
        #"{"keys": [{"kty":"RSA","kid":"k","use":"enc","n":"AQAB","e":"AQAB"}]}"#,
        #"{"keys": [{"kty":"EC","kid":"k","crv":"P-384","x":"AA","y":"AA"}]}"#,
        #"{"keys": [{"kty":"OKP","kid":"k","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#,
        // Not a point on the curve; an RSA modulus under 2048 bits.
        #"{"keys": [{"kty":"EC","kid":"k","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}"#,
        #"{"keys": [{"kty":"RSA","kid":"k","alg":"RS256","n":"2KjqP6UDKeQa9LjXA1GGomzPam9wf5YfeCBR3rgku4_dFsBesTj4WkjO9sfTGUdojjGr1l_e6l8ZRECqN9Tk0GdurSNSOrNvXvHwITaM3aKR63WLGiUako62jIY3ehufq9bNtkJaT3dI05yaSgDVjIMUKWSZrtU5K5cLfYNEeVE","e":"AQAB"}]}"#,
    ])
    func jwksFileWithNoUsableKey(contents: String) async throws {
        try await withTemporaryFile(contents) { path in
            expectError(["SUPABASE_JWKS_FILE": path], setting: "SUPABASE_JWKS_FILE")
        }
    }

    @Test func unusableKeysAreSkippedBesideUsableOnes() async throws {
        let keys = try TestKeys()
        let jwks = try keys.jwks(
            es256: [("es-1", keys.es256), ("es-1", keys.es256Spare)],
            extra: [#"{"kty":"oct","kid":"hmac","k":"c2VjcmV0"}"#, #"{"kty":"EC","kid":"p384","crv":"P-384","x":"AA","y":"AA"}"#, #"{"kty":"XYZ"}"#]
        )
        try await withTemporaryFile(jwks) { path in
            let configuration = try authConfiguration(["SUPABASE_JWKS_FILE": path])
            #expect(configuration.fileKeys.map(\.keyID) == ["es-1"])
            // The first es-1 wins: a token from the second key with the same kid is refused.
            let verifier = try await SupabaseTokenVerifier.make(configuration: configuration, logger: quietLogger)
            #expect(try await verifier.verify(makeToken(signer: .es256(keys.es256, kid: "es-1"))).id == TestClaims().sub)
            await expectRefused(verifier, try await makeToken(signer: .es256(keys.es256Spare, kid: "es-1")))
        }
    }

    @Test func gatewayConfigurationCarriesTheAuthSettings() throws {
        let configuration = try GatewayConfiguration(reader: ConfigurationReader(environment: [
            "RPC_INSECURE": "1", "SUPABASE_JWT_SECRET": testSecret, "SUPABASE_JWT_AUDIENCE": "career-app", "SUPABASE_JWT_ISSUER": testIssuer,
        ]))
        #expect(!configuration.authDisabled)
        #expect(configuration.auth.audience == "career-app")
        #expect(configuration.auth.issuer == testIssuer)
        #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration(reader: ConfigurationReader(environment: ["RPC_INSECURE": "1"]))
        }
    }
}
