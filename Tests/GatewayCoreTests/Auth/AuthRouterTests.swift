import AppSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import RPCRuntime
import Testing

@testable import GatewayCore

/// The authentication outcome through the whole router, in process: a good token gets past
/// the middleware (the services are not running, so the call itself fails with something other
/// than 401), and every bad one is a 401 with a `WWW-Authenticate: Bearer` challenge and the
/// spec's error body.
@Suite struct AuthRouterTests {
    let keys: TestKeys

    init() throws {
        self.keys = try TestKeys()
    }

    /// Runs `body` against the gateway's router, built with the standard verifier (or with
    /// authentication disabled).
    func withRouter(authDisabled: Bool = false, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var environment = ["RPC_INSECURE": "1"]
        if authDisabled { environment["AUTH_DISABLED"] = "1" } else { environment["SUPABASE_JWT_SECRET"] = testSecret }
        let configuration = try GatewayConfiguration(reader: ConfigurationReader(environment: environment))
        // Clients that are never run: every call fails fast with "service unavailable".
        let generation = try RPCClient(target: "127.0.0.1:1", configuration: .init(token: nil), logger: quietLogger)
        let coach = try RPCClient(target: "127.0.0.1:1", configuration: .init(token: nil), logger: quietLogger)
        let verifier: (any TokenVerifier)? = authDisabled ? nil : try await makeStandardVerifier(keys: self.keys)
        let router = buildRouter(configuration: configuration, generation: generation, coach: coach, verifier: verifier)
        let app = Application(router: router, logger: quietLogger)
        try await app.test(.router) { client in try await body(client) }
    }

    static let body = ByteBuffer(string: #"{"jobDescription":"Senior Swift engineer"}"#)

    static func call(_ client: some TestClientProtocol, authorization: String?) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(uri: "/api/v1/interview/questions", method: .post, headers: headers, body: Self.body)
    }

    /// Expects a 401 with a Bearer challenge and `{"error": {"code": "UNAUTHENTICATED", "reason": reason, …}}`.
    static func expectUnauthorized(_ response: TestResponse, reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(response.status == .unauthorized, sourceLocation: sourceLocation)
        let challenge = response.headers[.wwwAuthenticate] ?? ""
        #expect(challenge.hasPrefix("Bearer"), "WWW-Authenticate: \(challenge)", sourceLocation: sourceLocation)
        if reason == "TOKEN_EXPIRED" || challenge.contains("error=") {
            #expect(challenge.contains(#"error="invalid_token""#), sourceLocation: sourceLocation)
        }
        #expect(response.headers[.requestID]?.isEmpty == false, sourceLocation: sourceLocation)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any], sourceLocation: sourceLocation
        )
        let error = try #require(json["error"] as? [String: Any], sourceLocation: sourceLocation)
        #expect(error["code"] as? String == "UNAUTHENTICATED", sourceLocation: sourceLocation)
        #expect(error["reason"] as? String == reason, sourceLocation: sourceLocation)
        #expect((error["message"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(error["details"] as? [Any] != nil, sourceLocation: sourceLocation)
        #expect(error["requestId"] as? String == response.headers[.requestID], sourceLocation: sourceLocation)
    }

    @Test func validTokensReachTheRoute() async throws {
        let tokens = [
            try await makeToken(signer: .hmac(testSecret)),
            try await makeToken(signer: .es256(self.keys.es256, kid: "es-1")),
            try await makeToken(signer: .rsa(self.keys.rsa, kid: "rsa-1")),
        ]
        try await self.withRouter { client in
            for token in tokens {
                let response = try await Self.call(client, authorization: "Bearer \(token)")
                #expect(response.status != .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == nil)
            }
            // The scheme is case-insensitive.
            let lower = try await Self.call(client, authorization: "bearer \(tokens[0])")
            #expect(lower.status != .unauthorized)
        }
    }

    @Test func badTokensAre401() async throws {
        var expired = TestClaims()
        expired.exp = Date().addingTimeInterval(-600)
        expired.iat = Date().addingTimeInterval(-4200)
        var anon = TestClaims()
        anon.role = "anon"
        var serviceRole = TestClaims()
        serviceRole.role = "service_role"
        var noSubject = TestClaims()
        noSubject.sub = nil
        var wrongAudience = TestClaims()
        wrongAudience.aud = "anon"
        var wrongIssuer = TestClaims()
        wrongIssuer.iss = "https://other.supabase.co/auth/v1"
        var notYet = TestClaims()
        notYet.nbf = Date().addingTimeInterval(900)
        let payload = String(decoding: try JSONEncoder().encode(TestClaims()), as: UTF8.self)

        let cases: [(name: String, authorization: String?, reason: String)] = [
            ("expired", "Bearer \(try await makeToken(expired, signer: .hmac(testSecret)))", "TOKEN_EXPIRED"),
            ("expired ES256", "Bearer \(try await makeToken(expired, signer: .es256(self.keys.es256, kid: "es-1")))", "TOKEN_EXPIRED"),
            ("expired, bad signature", "Bearer \(try await makeToken(expired, signer: .hmac(otherSecret)))", "INVALID_TOKEN"),
            ("wrong signature", "Bearer \(try await makeToken(signer: .hmac(otherSecret)))", "INVALID_TOKEN"),
            ("alg none", "Bearer \(rawToken(header: #"{"alg":"none","typ":"JWT"}"#, payload: payload))", "INVALID_TOKEN"),
            ("unknown kid", "Bearer \(try await makeToken(signer: .es256(self.keys.es256Spare, kid: "es-2")))", "INVALID_TOKEN"),
            (
                "HS256 with the RSA public key as secret",
                "Bearer \(try await makeToken(signer: .hmac(self.keys.rsa.publicKey.pemRepresentation), header: ["kid": "rsa-1"]))",
                "INVALID_TOKEN"
            ),
            ("role anon", "Bearer \(try await makeToken(anon, signer: .hmac(testSecret)))", "INVALID_TOKEN"),
            ("role service_role", "Bearer \(try await makeToken(serviceRole, signer: .hmac(testSecret)))", "INVALID_TOKEN"),
            ("no sub", "Bearer \(try await makeToken(noSubject, signer: .hmac(testSecret)))", "INVALID_TOKEN"),
            ("wrong aud", "Bearer \(try await makeToken(wrongAudience, signer: .hmac(testSecret)))", "INVALID_TOKEN"),
            ("wrong iss", "Bearer \(try await makeToken(wrongIssuer, signer: .hmac(testSecret)))", "INVALID_TOKEN"),
            ("nbf in the future", "Bearer \(try await makeToken(notYet, signer: .hmac(testSecret)))", "INVALID_TOKEN"),
            ("no Authorization header", nil, "INVALID_TOKEN"),
            ("Basic scheme", "Basic dXNlcjpwYXNzd29yZA==", "INVALID_TOKEN"),
            ("token without scheme", try await makeToken(signer: .hmac(testSecret)), "INVALID_TOKEN"),
            ("Bearer without token", "Bearer ", "INVALID_TOKEN"),
            ("garbage", "Bearer not-a-token", "INVALID_TOKEN"),
            ("two tokens", "Bearer a.b.c d.e.f", "INVALID_TOKEN"),
        ]
        try await self.withRouter { client in
            for testCase in cases {
                let response = try await Self.call(client, authorization: testCase.authorization)
                try Self.expectUnauthorized(response, reason: testCase.reason)
                if response.status != .unauthorized { Issue.record("case '\(testCase.name)' got \(response.status)") }
            }
        }
    }

    @Test func missingCredentialsGetABareChallenge() async throws {
        try await self.withRouter { client in
            let response = try await Self.call(client, authorization: nil)
            try Self.expectUnauthorized(response, reason: "INVALID_TOKEN")
            #expect(response.headers[.wwwAuthenticate]?.contains("error=") == false)
        }
    }

    @Test func expiredTokenChallengeSaysInvalidToken() async throws {
        var expired = TestClaims()
        expired.exp = Date().addingTimeInterval(-600)
        let token = try await makeToken(expired, signer: .hmac(testSecret))
        try await self.withRouter { client in
            let response = try await Self.call(client, authorization: "Bearer \(token)")
            try Self.expectUnauthorized(response, reason: "TOKEN_EXPIRED")
            let text = String(buffer: response.body)
            #expect(!text.contains(token))
        }
    }

    @Test func twoAuthorizationHeadersAreRefused() async throws {
        let token = try await makeToken(signer: .hmac(testSecret))
        try await self.withRouter { client in
            var headers: HTTPFields = [.contentType: "application/json"]
            headers.append(HTTPField(name: .authorization, value: "Bearer \(token)"))
            headers.append(HTTPField(name: .authorization, value: "Bearer \(token)"))
            let response = try await client.execute(uri: "/api/v1/interview/questions", method: .post, headers: headers, body: Self.body)
            try Self.expectUnauthorized(response, reason: "INVALID_TOKEN")
        }
    }

    @Test func theVerifiedSubjectBecomesTheUserID() async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: AuthMiddleware(verifier: verifier))
        router.get("whoami") { _, context in context.userID ?? "nobody" }
        let token = try await makeToken(signer: .es256(self.keys.es256, kid: "es-1"))
        try await Application(router: router, logger: quietLogger).test(.router) { client in
            let response = try await client.execute(uri: "/whoami", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(String(buffer: response.body) == TestClaims().sub)
        }
    }

    @Test func operationsRoutesNeedNoToken() async throws {
        try await self.withRouter { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
        }
    }

    @Test func authDisabledRunsAsTheDevelopmentUser() async throws {
        try await self.withRouter(authDisabled: true) { client in
            let response = try await Self.call(client, authorization: nil)
            #expect(response.status != .unauthorized)
            let garbage = try await Self.call(client, authorization: "Bearer not-a-token")
            #expect(garbage.status != .unauthorized)
        }
    }
}
