import Crypto
import Foundation
import NIOConcurrencyHelpers

/// Remembers access tokens that verified, for a short while, so that a client sending the same
/// token with every request (Supabase clients reuse one for up to an hour) pays for the header
/// and claims decoding and the signature check about once a minute instead of on every call:
/// that work was ~10% of the gateway's CPU under load (BENCHMARKS.md, full-stack profile).
///
/// Rules that keep it as strict as verifying every time:
/// - Only tokens that passed every check are remembered; a refused token takes the full path
///   on each attempt, so forged tokens cannot fill the cache.
/// - Entries are keyed by the token's SHA-256: no token is held in memory here, and a lookup
///   compares digests, never a caller's bytes with a stored token.
/// - An entry serves until the token expires (`exp` plus the leeway, the same instant the full
///   check would refuse it) or ``maximumAge`` after it was verified, whichever comes first.
///   Time-dependent claims other than `exp` (`nbf`, `iat`) only get more valid as time passes.
/// - Each entry records the generation of the JWKS keys it was verified with; once a refresh
///   replaces the keys, older entries no longer serve, so a revoked key stops admitting its
///   tokens as soon as the gateway learns of it, as without the cache.
/// - At most ``capacity`` entries; when it is full, expired entries go, and if that is not
///   enough the whole cache is emptied (a burst of new users costs one full check each).
final class VerifiedTokenCache: Sendable {
    /// How long a verification is trusted: 60 s.
    static let defaultMaximumAge: TimeInterval = 60
    /// Entries kept at most: 10,000 (~1 MB).
    static let defaultCapacity = 10_000

    let maximumAge: TimeInterval
    let capacity: Int

    private struct Entry {
        var user: VerifiedUser
        var keyGeneration: Int
        var validUntil: Date
    }

    private let entries = NIOLockedValueBox<[SHA256Digest: Entry]>([:])

    init(maximumAge: TimeInterval = defaultMaximumAge, capacity: Int = defaultCapacity) {
        self.maximumAge = maximumAge
        self.capacity = capacity
    }

    static func key(_ token: String) -> SHA256Digest {
        SHA256.hash(data: Array(token.utf8))
    }

    /// The user `key`'s token verified as, when that is still trusted at `now` with the keys
    /// of `keyGeneration`.
    func user(for key: SHA256Digest, keyGeneration: Int = 0, now: Date) -> VerifiedUser? {
        self.entries.withLockedValue { entries in
            guard let entry = entries[key] else { return nil }
            guard now < entry.validUntil, entry.keyGeneration == keyGeneration else {
                entries[key] = nil
                return nil
            }
            return entry.user
        }
    }

    /// Remembers that `key`'s token verified at `now` as `user`, with the keys of
    /// `keyGeneration`, and stays valid until `expiresAt`.
    func remember(_ user: VerifiedUser, for key: SHA256Digest, keyGeneration: Int = 0, expiresAt: Date, now: Date) {
        let validUntil = min(expiresAt, now.addingTimeInterval(self.maximumAge))
        guard now < validUntil else { return }
        self.entries.withLockedValue { entries in
            if entries.count >= self.capacity, entries[key] == nil {
                entries = entries.filter { now < $0.value.validUntil }
                if entries.count >= self.capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[key] = Entry(user: user, keyGeneration: keyGeneration, validUntil: validUntil)
        }
    }

    var count: Int { self.entries.withLockedValue { $0.count } }
}
