import Foundation
import GatewayStore
import Logging
import TaskContract

/// Per-user rate limits and `Idempotency-Key`s: shared by every gateway replica through the
/// database when it is PostgreSQL (``SharedCallState``), held in this process otherwise (the
/// embedded database is one process's).
///
/// The database never costs a user an answer: when a shared operation fails or does not answer
/// within ``sharedBound``, this replica's own limiter and key store decide instead (logged and
/// counted), so an outage loosens the limits to per-replica ones rather than refusing calls.
final class CallLimits: Sendable {
    let limiter: RateLimiter
    let idempotency: IdempotencyStore
    let shared: (any SharedCallState)?
    /// How long a claimed key stays claimed without an answer: the call's deadline and a margin,
    /// after which a replica that died mid-call no longer blocks the key.
    let lease: Duration
    let metrics: GatewayMetrics
    let logger: Logger
    /// After a shared operation fails, this replica's own limits decide for a while without
    /// waiting on the database first.
    let breaker = DatabaseBreaker()

    /// Longest a shared limit or key operation may take before the local one decides: 1 s.
    static let sharedBound: Duration = .seconds(1)
    /// How often a repeat polls a key that another replica's call holds: every 100 ms.
    static let pollInterval: Duration = .milliseconds(100)

    init(limiter: RateLimiter, idempotency: IdempotencyStore, shared: (any SharedCallState)?, callTimeout: Duration, metrics: GatewayMetrics, logger: Logger) {
        self.limiter = limiter
        self.idempotency = idempotency
        self.shared = shared
        self.lease = callTimeout + .seconds(10)
        self.metrics = metrics
        self.logger = logger
    }

    /// Takes one call from the user's allowance for `tier`, or throws how long to wait.
    func acquire(user: String, tier: ModelTier) async throws(RateLimiter.Refusal) {
        if let shared = self.shared, !self.breaker.isOpen {
            let id = StoreUserID.uuid(forSubject: user)
            let perMinute = self.limiter.limits.perMinute(tier)
            do {
                let wait = try await databaseCall("rate_limit", on: shared, within: Self.sharedBound) { try await shared.takeCall(user: id, tier: tier.rawValue, perMinute: perMinute) }
                self.metrics.recordDatabase(operation: "rate_limit", failed: false)
                self.breaker.recordSuccess()
                if let wait { throw RateLimiter.Refusal(retryAfter: wait) }
                return
            } catch let refusal as RateLimiter.Refusal {
                throw refusal
            } catch {
                self.sharedFailed("rate_limit", error)
            }
        }
        try self.limiter.acquire(user: user, tier: tier)
    }

    enum Claim: Sendable {
        /// The first answer, to send again.
        case replay(Data)
        /// Run the call and settle the ticket.
        case proceed(Ticket)
    }

    /// The right to run a call under a key; settled once by ``TicketSettlement``.
    struct Ticket: Sendable {
        let keep: @Sendable (Data) -> Void
        let forget: @Sendable () -> Void
    }

    /// Replays the key's answer, claims the key for this call, or throws ``IdempotencyStore/Conflict``;
    /// waits while another call with the same key and request is running (on any replica).
    func claim(user: String, key: String, fingerprint: IdempotencyStore.Fingerprint) async throws(IdempotencyStore.Conflict) -> Claim {
        if let shared = self.shared, !self.breaker.isOpen {
            do {
                return try await self.claimShared(shared, user: user, key: key, fingerprint: fingerprint)
            } catch let conflict as IdempotencyStore.Conflict {
                throw conflict
            } catch {
                self.sharedFailed("idempotency_claim", error)
            }
        }
        let store = self.idempotency
        switch try await store.claim(.init(user: user, key: key), fingerprint: fingerprint) {
        case .replay(let answer):
            return .replay(answer)
        case .proceed(let ticket):
            return .proceed(Ticket(keep: { store.complete(ticket, answer: $0) }, forget: { store.abandon(ticket) }))
        }
    }

    private func claimShared(_ shared: any SharedCallState, user: String, key: String, fingerprint: IdempotencyStore.Fingerprint) async throws -> Claim {
        let id = StoreUserID.uuid(forSubject: user)
        let print = fingerprint.digest
        let lease = self.lease
        // A duplicate waits for the running call at most as long as its lease.
        let giveUp = ContinuousClock.now + lease
        while true {
            let claim = try await databaseCall("idempotency_claim", on: shared, within: Self.sharedBound) { try await shared.claimKey(user: id, key: key, fingerprint: print, lease: lease) }
            self.metrics.recordDatabase(operation: "idempotency_claim", failed: false)
            switch claim {
            case .claimed:
                return .proceed(self.sharedTicket(shared, user: id, key: key, fingerprint: print))
            case .answered(let answer):
                return .replay(answer)
            case .conflict:
                throw IdempotencyStore.Conflict()
            case .running:
                guard ContinuousClock.now < giveUp else {
                    throw StoreUnavailable("a call with this key is still running after its lease")
                }
                try await Task.sleep(for: Self.pollInterval)
            }
        }
    }

    /// Settles a shared key in the background: the answer is kept for the retention period,
    /// or the key freed after a failure. A repeat that arrives first polls until it is written.
    private func sharedTicket(_ shared: any SharedCallState, user: UUID, key: String, fingerprint: [UInt8]) -> Ticket {
        Ticket(
            keep: { [metrics, logger] answer in
                Self.settle("idempotency_complete", on: shared, metrics: metrics, logger: logger) {
                    try await shared.completeKey(user: user, key: key, fingerprint: fingerprint, answer: answer, retention: IdempotencyStore.retention)
                }
            },
            forget: { [metrics, logger] in
                Self.settle("idempotency_abandon", on: shared, metrics: metrics, logger: logger) {
                    try await shared.abandonKey(user: user, key: key, fingerprint: fingerprint)
                }
            }
        )
    }

    private static func settle(_ operation: String, on shared: any SharedCallState, metrics: GatewayMetrics, logger: Logger, _ body: @escaping @Sendable () async throws -> Void) {
        Task {
            do {
                try await databaseCall(operation, on: shared, within: .seconds(2), body)
                metrics.recordDatabase(operation: operation, failed: false)
            } catch {
                metrics.recordDatabase(operation: operation, failed: true)
                logger.warning("settling a shared idempotency key failed", metadata: ["db.operation": "\(operation)", "db.error": "\(Persistence.describe(error))"])
            }
        }
    }

    /// Forgets what this process remembers for `user` (the shared rows go with the user's
    /// database rows).
    func forget(user: String) {
        self.idempotency.forget(user: user)
    }

    private func sharedFailed(_ operation: String, _ error: any Error) {
        self.breaker.recordFailure()
        self.metrics.recordDatabase(operation: operation, failed: true)
        self.logger.warning("shared limits unavailable; this replica's own decide", metadata: ["db.operation": "\(operation)", "db.error": "\(Persistence.describe(error))"])
    }
}
