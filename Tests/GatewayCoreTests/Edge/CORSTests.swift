import AppSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import GatewayCore

/// CORS for the configured origins only, on every answer: routes, errors from routing and
/// authentication, limits, and preflights.
@Suite struct CORSTests {
    static let origin = "https://app.example.com"
    static let environment = ["CORS_ALLOWED_ORIGINS": "https://app.example.com, http://localhost:5173/"]

    static func expectAllowed(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.headers[.accessControlAllowOrigin] == Self.origin, sourceLocation: sourceLocation)
        #expect(response.headers[.accessControlExposeHeaders] == "X-Request-Id, Retry-After, WWW-Authenticate", sourceLocation: sourceLocation)
        #expect(response.headers[values: .vary].contains("Origin"), sourceLocation: sourceLocation)
        #expect(response.headers[.requestID] != nil, sourceLocation: sourceLocation)
    }

    @Test func everyKindOfAnswerCarriesTheHeadersForAnAllowedOrigin() async throws {
        let verifier = try await makeStandardVerifier(keys: try TestKeys())
        try await withFakeGateway(environment: Self.environment, verifier: verifier) { client in
            let origin: HTTPFields = [.origin: Self.origin]
            // 200 before auth, 401 from auth, 404 and 405 from routing.
            let healthy = try await client.execute(uri: "/healthz", method: .get, headers: origin)
            #expect(healthy.status == .ok)
            Self.expectAllowed(healthy)
            let unauthorized = try await client.post("/api/v1/interview/questions", Bodies.questions, headers: origin)
            #expect(unauthorized.status == .unauthorized)
            Self.expectAllowed(unauthorized)
            let missing = try await client.execute(uri: "/api/v1/nothing-here", method: .post, headers: origin)
            #expect(missing.status == .notFound)
            Self.expectAllowed(missing)
            let wrongMethod = try await client.execute(uri: "/api/v1/interview/questions", method: .get, headers: origin)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "POST")
            #expect(wrongMethod.errorField("code") == "UNIMPLEMENTED")
            #expect(wrongMethod.errorField("reason") == "METHOD_NOT_ALLOWED")
            Self.expectAllowed(wrongMethod)
        }
    }

    @Test func limitsAndServiceErrorsCarryTheHeaders() async throws {
        let services = FakeCareerServices()
        try await withFakeGateway(services, environment: Self.environment.merging(["RATE_LIMIT_FLASH_PER_MIN": "1"]) { $1 }) { client in
            let origin: HTTPFields = [.origin: Self.origin]
            services.failNextUnary(.init(code: .unavailable, message: "down", retryAfter: .seconds(2)))
            let unavailable = try await client.post("/api/v1/interview/questions", Bodies.questions, headers: origin)
            #expect(unavailable.status == .serviceUnavailable)
            Self.expectAllowed(unavailable)
            let limited = try await client.post("/api/v1/interview/questions", Bodies.questions, headers: origin)
            #expect(limited.status == .tooManyRequests)
            Self.expectAllowed(limited)
            let tooLarge = try await client.post("/api/v1/interview/questions", String(repeating: " ", count: (1 << 20) + 1), headers: origin)
            #expect(tooLarge.status == .contentTooLarge)
            Self.expectAllowed(tooLarge)
        }
    }

    @Test func otherOriginsGetNoAllowHeaders() async throws {
        try await withFakeGateway(environment: Self.environment) { client in
            let response = try await client.execute(uri: "/healthz", method: .get, headers: [.origin: "https://evil.example.com"])
            #expect(response.status == .ok)
            #expect(response.headers[.accessControlAllowOrigin] == nil)
            #expect(response.headers[.accessControlExposeHeaders] == nil)
            #expect(response.headers[values: .vary].contains("Origin"))
            // Without an Origin, still `Vary: Origin`, so a cache never mixes the two.
            let plain = try await client.execute(uri: "/healthz", method: .get)
            #expect(plain.headers[.accessControlAllowOrigin] == nil)
            #expect(plain.headers[values: .vary].contains("Origin"))
        }
    }

    @Test func aPreflightFromAnAllowedOriginIsAnswered() async throws {
        let verifier = try await makeStandardVerifier(keys: try TestKeys())
        try await withFakeGateway(environment: Self.environment, verifier: verifier) { client in
            for origin in [Self.origin, "http://localhost:5173"] {
                let response = try await client.execute(uri: "/api/v1/coach/chat", method: .options, headers: [
                    .origin: origin,
                    .accessControlRequestMethod: "POST",
                    .accessControlRequestHeaders: "authorization, content-type, idempotency-key",
                ])
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == origin)
                #expect(response.headers[.accessControlAllowMethods] == "GET, POST, DELETE, OPTIONS")
                #expect(response.headers[.accessControlAllowHeaders] == "Authorization, Content-Type, Accept, Idempotency-Key, X-Request-Id")
                #expect(response.headers[.accessControlMaxAge] == "600")
                #expect(response.headers[values: .vary].contains("Origin"))
                #expect(response.headers[.accessControlAllowOrigin] != "*")
            }
        }
    }

    @Test func aPreflightFromAnotherOriginIsRefused() async throws {
        try await withFakeGateway(environment: Self.environment) { client in
            let response = try await client.execute(uri: "/api/v1/coach/chat", method: .options, headers: [
                .origin: "https://evil.example.com", .accessControlRequestMethod: "POST",
            ])
            #expect(response.status == .forbidden)
            #expect(response.errorField("code") == "PERMISSION_DENIED")
            #expect(response.errorField("reason") == "CORS_ORIGIN_NOT_ALLOWED")
            #expect(response.headers[.accessControlAllowOrigin] == nil)
            #expect(response.headers[.accessControlAllowMethods] == nil)
        }
    }

    @Test func anOptionsRequestWithAnOriginIsTreatedAsAPreflight() async throws {
        try await withFakeGateway(environment: Self.environment) { client in
            let allowed = try await client.execute(uri: "/api/v1/coach/chat", method: .options, headers: [.origin: Self.origin])
            #expect(allowed.status == .noContent)
            #expect(allowed.headers[.accessControlAllowOrigin] == Self.origin)
            let refused = try await client.execute(uri: "/api/v1/coach/chat", method: .options, headers: [.origin: "https://evil.example.com"])
            #expect(refused.status == .forbidden)
            // Without an Origin it is no preflight: the path answers POST only.
            let plain = try await client.execute(uri: "/api/v1/coach/chat", method: .options)
            #expect(plain.status == .methodNotAllowed)
        }
    }

    @Test func theOriginListIsCheckedAtStart() throws {
        #expect(try CORSPolicy.parseOrigins(nil) == [])
        #expect(try CORSPolicy.parseOrigins("https://a.example, http://localhost:5173/") == ["https://a.example", "http://localhost:5173"])
        for bad in ["*", "https://a.example,*", "a.example", "https://a.example/app", "ftp://a.example", "https://*.example.com"] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try CORSPolicy.parseOrigins(bad) }
        }
    }
}
