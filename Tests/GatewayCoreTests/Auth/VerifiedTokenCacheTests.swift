import Foundation
import JWTKit
import NIOConcurrencyHelpers
import Testing

@testable import GatewayCore

@Suite struct VerifiedTokenCacheTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let user = VerifiedUser(id: "user-1")

    @Test func anEntryServesUntilTheTokenExpires() {
        let cache = VerifiedTokenCache(maximumAge: 60)
        let key = VerifiedTokenCache.key("token-a")
        cache.remember(self.user, for: key, expiresAt: self.start.addingTimeInterval(10), now: self.start)
        #expect(cache.user(for: key, now: self.start.addingTimeInterval(9.9)) == self.user)
        #expect(cache.user(for: key, now: self.start.addingTimeInterval(10)) == nil)
        #expect(cache.count == 0, "an expired entry is dropped when found")
    }

    @Test func anEntryServesAtMostItsMaximumAge() {
        let cache = VerifiedTokenCache(maximumAge: 60)
        let key = VerifiedTokenCache.key("token-a")
        cache.remember(self.user, for: key, expiresAt: self.start.addingTimeInterval(3600), now: self.start)
        #expect(cache.user(for: key, now: self.start.addingTimeInterval(59)) == self.user)
        #expect(cache.user(for: key, now: self.start.addingTimeInterval(60)) == nil)
    }

    @Test func anEntryVerifiedWithReplacedKeysDoesNotServe() {
        let cache = VerifiedTokenCache()
        let key = VerifiedTokenCache.key("token-a")
        cache.remember(self.user, for: key, keyGeneration: 3, expiresAt: .distantFuture, now: self.start)
        #expect(cache.user(for: key, keyGeneration: 3, now: self.start) == self.user)
        #expect(cache.user(for: key, keyGeneration: 4, now: self.start) == nil)
    }

    @Test func anExpiredTokenIsNotRemembered() {
        let cache = VerifiedTokenCache()
        cache.remember(self.user, for: VerifiedTokenCache.key("t"), expiresAt: self.start, now: self.start)
        #expect(cache.count == 0)
    }

    @Test func onlyTheSameTokenFindsTheEntry() {
        let cache = VerifiedTokenCache()
        cache.remember(self.user, for: VerifiedTokenCache.key("header.payload.signature"), expiresAt: .distantFuture, now: self.start)
        #expect(cache.user(for: VerifiedTokenCache.key("header.payload.signaturf"), now: self.start) == nil)
        #expect(cache.user(for: VerifiedTokenCache.key("header.payload.signature "), now: self.start) == nil)
        #expect(cache.user(for: VerifiedTokenCache.key("header.payload.signature"), now: self.start) == self.user)
    }

    @Test func theCacheNeverHoldsMoreThanItsCapacity() {
        let cache = VerifiedTokenCache(maximumAge: 60, capacity: 100)
        // 50 entries that expire soon, then 200 more over the next seconds.
        for index in 0..<50 {
            cache.remember(VerifiedUser(id: "short-\(index)"), for: VerifiedTokenCache.key("short-\(index)"), expiresAt: self.start.addingTimeInterval(1), now: self.start)
        }
        for index in 0..<200 {
            let now = self.start.addingTimeInterval(2)
            cache.remember(VerifiedUser(id: "u-\(index)"), for: VerifiedTokenCache.key("u-\(index)"), expiresAt: .distantFuture, now: now)
            #expect(cache.count <= 100)
        }
        // The newest entry is always kept.
        #expect(cache.user(for: VerifiedTokenCache.key("u-199"), now: self.start.addingTimeInterval(2)) == VerifiedUser(id: "u-199"))
    }
}

/// The cache inside ``SupabaseTokenVerifier``: repeated tokens skip the work, nothing else changes.
@Suite struct VerifierCacheTests {
    let keys: TestKeys

    init() throws {
        self.keys = try TestKeys()
    }

    /// A wall clock the test moves by hand.
    final class SettableClock: Sendable {
        // Whole seconds, as a token's NumericDate claims are.
        private let value = NIOLockedValueBox(Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
        var now: Date { self.value.withLockedValue { $0 } }
        func advance(by seconds: TimeInterval) { self.value.withLockedValue { $0 = $0.addingTimeInterval(seconds) } }
    }

    /// A verifier whose clock the test sets.
    func verifier(clock: SettableClock = SettableClock()) async throws -> SupabaseTokenVerifier {
        try await withTemporaryFile(try self.keys.standardJWKS()) { path in
            try await SupabaseTokenVerifier.make(
                configuration: authConfiguration(["SUPABASE_JWT_SECRET": testSecret, "SUPABASE_JWKS_FILE": path]),
                logger: quietLogger, now: { clock.now }, refreshClock: { .now }
            )
        }
    }

    @Test func aRepeatedTokenIsVerifiedOnceAndStillRefusedOnceExpired() async throws {
        let clock = SettableClock()
        let verifier = try await self.verifier(clock: clock)
        var claims = TestClaims()
        claims.exp = clock.now.addingTimeInterval(30)
        let token = try await makeToken(claims, signer: .es256(self.keys.es256, kid: "es-1"))
        for _ in 0..<3 { #expect(try await verifier.verify(token).id == claims.sub) }
        #expect(verifier.verified.count == 1)
        // 30 s to expiry plus the 60 s leeway: still accepted at +89 s (from a fresh check,
        // the first entry having aged out at +60 s), refused at +90 s.
        clock.advance(by: 89)
        #expect(try await verifier.verify(token).id == claims.sub)
        clock.advance(by: 1)
        await expectRefused(verifier, token, reason: "TOKEN_EXPIRED")
    }

    @Test func aTamperedCopyOfACachedTokenIsRefused() async throws {
        let verifier = try await self.verifier()
        let token = try await makeToken(signer: .hmac(testSecret))
        _ = try await verifier.verify(token)
        let parts = token.split(separator: ".").map(String.init)
        var payload = try #require(Data(base64Encoded: parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + String(repeating: "=", count: (4 - parts[1].count % 4) % 4)))
        payload = Data(String(decoding: payload, as: UTF8.self).replacingOccurrences(of: "6f1c2a9e", with: "00000000").utf8)
        await expectRefused(verifier, "\(parts[0]).\(base64URL(payload)).\(parts[2])")
        // One signature character changed, away from the end (the last character of a
        // base64url signature carries padding bits that decoding may ignore).
        var signature = Array(parts[2])
        signature[10] = signature[10] == "A" ? "B" : "A"
        await expectRefused(verifier, "\(parts[0]).\(parts[1]).\(String(signature))")
        #expect(verifier.verified.count == 1, "refusals are not remembered")
    }

    @Test func refusedTokensAreNeverRemembered() async throws {
        let verifier = try await self.verifier()
        let forged = try await makeToken(signer: .hmac(otherSecret))
        for _ in 0..<3 { await expectRefused(verifier, forged) }
        var anonymous = TestClaims()
        anonymous.role = "anon"
        await expectRefused(verifier, try await makeToken(anonymous, signer: .hmac(testSecret)))
        #expect(verifier.verified.count == 0)
    }
}
