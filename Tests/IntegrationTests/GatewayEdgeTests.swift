import Foundation
import Testing
import TestSupport

private let questionsBody = #"{"jobDescription": "Senior Swift engineer building backend services with SwiftNIO."}"#
private let origin = "https://app.example.com"

/// The gateway's edge over real processes: CORS on a real 401, per-user rate limits,
/// idempotent repeats that reach Gemini once, and the metrics they leave.
@Suite(.serialized) struct GatewayEdgeTests {
    @Test func aRealUnauthorizedAnswerCarriesCORSHeaders() async throws {
        let stack = try await Stack(gatewayEnvironment: [
            "AUTH_DISABLED": "0",
            "SUPABASE_JWT_SECRET": "integration-secret-with-at-least-32-bytes!!",
            "CORS_ALLOWED_ORIGINS": origin,
        ])
        defer { Task { await stack.stop() } }

        let reply = try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody, headers: [("Origin", origin)])
        #expect(reply.status == 401)
        #expect(reply.headers.first(name: "WWW-Authenticate")?.hasPrefix("Bearer") == true)
        #expect(reply.headers.first(name: "Access-Control-Allow-Origin") == origin)
        #expect(reply.headers.first(name: "Access-Control-Expose-Headers") == "X-Request-Id, Retry-After, WWW-Authenticate")
        #expect(reply.headers[canonicalForm: "Vary"].contains("Origin"))

        let preflight = try await stack.send("OPTIONS", "/api/v1/coach/chat", headers: [("Origin", origin), ("Access-Control-Request-Method", "POST")])
        #expect(preflight.status == 204)
        #expect(preflight.headers.first(name: "Access-Control-Max-Age") == "600")
        let refused = try await stack.send("OPTIONS", "/api/v1/coach/chat", headers: [("Origin", "https://evil.example.com"), ("Access-Control-Request-Method", "POST")])
        #expect(refused.status == 403)
    }

    @Test func overTheRateLimitIs429AndNeverReachesGemini() async throws {
        let stack = try await Stack(gatewayEnvironment: ["RATE_LIMIT_FLASH_PER_MIN": "2"])
        defer { Task { await stack.stop() } }

        for _ in 0..<2 {
            #expect(try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody).status == 200)
        }
        let before = try await stack.geminiRequestCount()
        let refused = try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody)
        #expect(refused.status == 429)
        #expect(refused.error["code"] as? String == "RESOURCE_EXHAUSTED")
        #expect(Int(refused.headers.first(name: "Retry-After") ?? "") ?? 0 >= 1)
        #expect(try await stack.geminiRequestCount() == before)

        let metrics = try await stack.send("GET", "/metrics")
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains(#"gateway_rate_limited_total{tier="flash"} 1"#))
        #expect(text.contains(#"http_requests_total{route="/api/v1/interview/questions",method="POST",status="429"} 1"#))
    }

    @Test func anIdempotentRepeatMakesNoSecondGeminiCall() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }

        let headers = [("Idempotency-Key", "integration-key-1")]
        let first = try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody, headers: headers)
        #expect(first.status == 200)
        let calls = try await stack.geminiRequestCount()
        #expect(calls >= 1)
        let repeated = try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody, headers: headers)
        #expect(repeated.status == 200)
        #expect(repeated.body == first.body)
        #expect(try await stack.geminiRequestCount() == calls)

        let conflict = try await stack.send("POST", "/api/v1/interview/questions", json: #"{"jobDescription": "Chef"}"#, headers: headers)
        #expect(conflict.status == 409)
        #expect(conflict.error["code"] as? String == "ABORTED")
    }
}
