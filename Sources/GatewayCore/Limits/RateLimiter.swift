import NIOConcurrencyHelpers
import TaskContract

/// Calls per user per minute, by the kind of model a task uses.
public struct RateLimits: Sendable, Equatable {
    /// `RATE_LIMIT_PRO_PER_MIN`: analyze, career path, coach chat, documents with thinking
    /// mode. Default 20.
    public var proPerMinute: Int
    /// `RATE_LIMIT_FLASH_PER_MIN`: every other task. Default 60.
    public var flashPerMinute: Int

    public init(proPerMinute: Int = 20, flashPerMinute: Int = 60) {
        self.proPerMinute = proPerMinute
        self.flashPerMinute = flashPerMinute
    }

    func perMinute(_ tier: ModelTier) -> Int {
        switch tier {
        case .pro: self.proPerMinute
        case .flash: self.flashPerMinute
        }
    }
}


/// Per-user call limits: one token bucket per user and tier, holding up to a minute's calls
/// and refilled continuously at that rate, so a user may burst a minute's allowance and then
/// goes at the steady rate.
///
/// Memory is bounded by the users active within the last minute: a bucket that has refilled
/// completely is the same as no bucket, so it is dropped by a sweep that runs whenever the
/// table has doubled since the last one (amortized O(1) per call).
final class RateLimiter: Sendable {
    /// Refusal: wait this long before the next call can pass.
    struct Refusal: Error, Equatable {
        var retryAfter: Duration
    }

    private struct Key: Hashable {
        var user: String
        var tier: ModelTier
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private struct State {
        var buckets: [Key: Bucket] = [:]
        var sweepAtCount = RateLimiter.minimumSweepCount
    }

    static let minimumSweepCount = 1024

    let limits: RateLimits
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = NIOLockedValueBox(State())

    init(limits: RateLimits, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.limits = limits
        self.now = now
    }

    /// Takes one call from `user`'s `tier` allowance, or throws how long to wait.
    func acquire(user: String, tier: ModelTier) throws(Refusal) {
        let capacity = Double(self.limits.perMinute(tier))
        let perSecond = capacity / 60
        let now = self.now()
        let key = Key(user: user, tier: tier)
        let wait: Duration? = self.state.withLockedValue { state in
            var bucket = state.buckets[key] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = Self.refilled(bucket, at: now, capacity: capacity, perSecond: perSecond)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                state.buckets[key] = bucket
                return .milliseconds(Int64(((1 - bucket.tokens) / perSecond * 1000).rounded()))
            }
            bucket.tokens -= 1
            state.buckets[key] = bucket
            if state.buckets.count >= state.sweepAtCount {
                state.buckets = state.buckets.filter { key, bucket in
                    let capacity = Double(self.limits.perMinute(key.tier))
                    return Self.refilled(bucket, at: now, capacity: capacity, perSecond: capacity / 60) < capacity
                }
                state.sweepAtCount = max(Self.minimumSweepCount, state.buckets.count * 2)
            }
            return nil
        }
        if let wait { throw Refusal(retryAfter: wait) }
    }

    /// Buckets held now, for tests of the memory bound.
    var trackedBuckets: Int { self.state.withLockedValue { $0.buckets.count } }

    private static func refilled(_ bucket: Bucket, at now: ContinuousClock.Instant, capacity: Double, perSecond: Double) -> Double {
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return min(capacity, bucket.tokens + max(0, seconds) * perSecond)
    }
}
