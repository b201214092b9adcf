import CareerRPC
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import GatewayCore

@Suite struct RateLimiterTests {
    @Test func aUserMayBurstAMinutesAllowanceThenWaits() throws {
        let clock = ManualClock()
        let limiter = RateLimiter(limits: RateLimits(proPerMinute: 2, flashPerMinute: 3), now: { clock.now })
        try limiter.acquire(user: "u1", tier: .pro)
        try limiter.acquire(user: "u1", tier: .pro)
        #expect(throws: RateLimiter.Refusal(retryAfter: .seconds(30))) { try limiter.acquire(user: "u1", tier: .pro) }
        // The other tier and the other user have their own allowances.
        try limiter.acquire(user: "u1", tier: .flash)
        try limiter.acquire(user: "u2", tier: .pro)
        // A refill of one call every 30 s at 2 a minute.
        clock.advance(by: .seconds(20))
        #expect(throws: RateLimiter.Refusal(retryAfter: .seconds(10))) { try limiter.acquire(user: "u1", tier: .pro) }
        clock.advance(by: .seconds(10))
        try limiter.acquire(user: "u1", tier: .pro)
        #expect(throws: RateLimiter.Refusal.self) { try limiter.acquire(user: "u1", tier: .pro) }
    }

    @Test func idleUsersAreForgotten() throws {
        let clock = ManualClock()
        let limiter = RateLimiter(limits: RateLimits(proPerMinute: 20, flashPerMinute: 60), now: { clock.now })
        for index in 0..<(RateLimiter.minimumSweepCount - 1) {
            try limiter.acquire(user: "user-\(index)", tier: .flash)
        }
        #expect(limiter.trackedBuckets == RateLimiter.minimumSweepCount - 1)
        // A minute later every bucket is full again, the same as absent: the next sweep drops them.
        clock.advance(by: .seconds(61))
        try limiter.acquire(user: "active", tier: .flash)
        #expect(limiter.trackedBuckets == 1)
    }

    @Test func overTheLimitIs429WithRetryAfter() async throws {
        let metrics = GatewayMetrics()
        try await withFakeGateway(environment: ["RATE_LIMIT_FLASH_PER_MIN": "2", "RATE_LIMIT_PRO_PER_MIN": "1"], metrics: metrics) { client in
            for _ in 0..<2 {
                let answered = try await client.post("/api/v1/interview/questions", Bodies.questions)
                #expect(answered.status == .ok)
            }
            let refused = try await client.post("/api/v1/interview/questions", Bodies.questions)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.errorField("code") == "RESOURCE_EXHAUSTED")
            #expect(refused.errorField("reason") == "RATE_LIMITED")
            // About 30 s at 2 a minute (a little less when the calls took time).
            #expect((1...30).contains(Int(refused.headers[HTTPField.Name("Retry-After")!] ?? "") ?? 0))

            // Documents are flash, but pro with thinking mode; the coach is pro.
            let flashDocuments = try await client.post("/api/v1/generate/documents", Bodies.documents)
            #expect(flashDocuments.status == .tooManyRequests)
            let thinkingDocuments = try await client.post("/api/v1/generate/documents", Bodies.thinkingDocuments)
            #expect(thinkingDocuments.status == .ok)
            let chat = try await client.post("/api/v1/coach/chat", Bodies.chat)
            #expect(chat.status == .tooManyRequests)
            // An invalid request is refused for what it is, and costs nothing.
            let invalid = try await client.post("/api/v1/coach/chat", #"{"message": 1}"#)
            #expect(invalid.status == .badRequest)
        }
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains(#"gateway_rate_limited_total{tier="flash"} 2"#))
        #expect(text.contains(#"gateway_rate_limited_total{tier="pro"} 1"#))
    }

    @Test func usersAreLimitedByTheirTokenSubject() async throws {
        let keys = try TestKeys()
        let verifier = try await makeStandardVerifier(keys: keys)
        let alice = try await makeToken(TestClaims(sub: "alice"), signer: .hmac(testSecret))
        let bob = try await makeToken(TestClaims(sub: "bob"), signer: .hmac(testSecret))
        try await withFakeGateway(environment: ["RATE_LIMIT_FLASH_PER_MIN": "1"], verifier: verifier) { client in
            let aliceFirst = try await client.post("/api/v1/interview/questions", Bodies.questions, headers: [.authorization: "Bearer \(alice)"])
            #expect(aliceFirst.status == .ok)
            let aliceSecond = try await client.post("/api/v1/interview/questions", Bodies.questions, headers: [.authorization: "Bearer \(alice)"])
            #expect(aliceSecond.status == .tooManyRequests)
            let bobFirst = try await client.post("/api/v1/interview/questions", Bodies.questions, headers: [.authorization: "Bearer \(bob)"])
            #expect(bobFirst.status == .ok)
        }
    }
}
