import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Remembers the answers of `POST`s that carried an `Idempotency-Key`, so that a repeat from
/// the same user with the same key gets the first answer again without a second call.
///
/// - A key is scoped to its user; the request it stood for is fingerprinted as
///   SHA-256(path, body). The same key with another fingerprint is a conflict (409 `ABORTED`).
/// - Only successful answers are remembered, for ``retention`` (10 minutes) after they were
///   given. A failure forgets the key, so a retry runs again.
/// - A repeat that arrives while the first call is still running waits for it and then
///   replays its answer (or, when the first failed, runs itself), so two concurrent
///   duplicates never both reach the service. The wait is bounded by the first call's deadline.
/// - Memory is bounded: at most ``maxEntries`` keys and ``maxStoredBytes`` of answers; beyond
///   either, the oldest keys are forgotten first.
final class IdempotencyStore: Sendable {
    /// How long an answer is replayed: 10 minutes (the spec's).
    static let retention: Duration = .seconds(600)

    struct Key: Hashable, Sendable {
        var user: String
        var key: String
    }

    /// The request a key stood for.
    struct Fingerprint: Hashable, Sendable {
        var digest: [UInt8]

        init(path: String, body: Data) {
            var hasher = SHA256()
            hasher.update(data: Data(path.utf8))
            hasher.update(data: [0])
            hasher.update(data: body)
            self.digest = Array(hasher.finalize())
        }
    }

    /// The same key was used for a different request.
    struct Conflict: Error {}

    enum Claim: Sendable {
        /// The first answer, to send again.
        case replay(Data)
        /// Run the call, then ``complete(_:answer:)`` or ``abandon(_:)`` the ticket.
        case proceed(Ticket)
    }

    /// The right to run a call under a key; exactly one holder at a time.
    struct Ticket: Sendable {
        fileprivate var key: Key
        fileprivate var serial: UInt64
    }

    private enum Entry {
        case running(Fingerprint, serial: UInt64, waiters: [CheckedContinuation<Void, Never>])
        case answered(Fingerprint, serial: UInt64, answer: Data, expires: ContinuousClock.Instant)

        var serial: UInt64 {
            switch self {
            case .running(_, let serial, _), .answered(_, let serial, _, _): serial
            }
        }
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Keys in the order they were claimed, oldest first; a key claimed again appears
        /// again, and an item whose serial no longer matches its entry is skipped.
        var order = CircularBuffer<(key: Key, serial: UInt64)>()
        var storedBytes = 0
        var nextSerial: UInt64 = 0
    }

    let maxEntries: Int
    let maxStoredBytes: Int
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = NIOLockedValueBox(State())

    /// Defaults: 10,000 keys, 64 MiB of answers.
    init(maxEntries: Int = 10_000, maxStoredBytes: Int = 64 << 20, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.maxEntries = maxEntries
        self.maxStoredBytes = maxStoredBytes
        self.now = now
    }

    /// Replays the key's answer, claims the key for this call, or throws ``Conflict``; waits
    /// while another call with the same key and request is running.
    func claim(_ key: Key, fingerprint: Fingerprint) async throws(Conflict) -> Claim {
        while true {
            enum Step { case done(Claim), conflict, wait }
            // Decided under the lock inside the continuation, so a completion cannot slip in
            // between looking at the entry and joining its waiters.
            var step = Step.wait
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                step = self.state.withLockedValue { state -> Step in
                    let now = self.now()
                    switch state.entries[key] {
                    case .answered(let stored, _, let answer, let expires) where expires > now:
                        return stored == fingerprint ? .done(.replay(answer)) : .conflict
                    case .running(let stored, let serial, var waiters):
                        guard stored == fingerprint else { return .conflict }
                        waiters.append(continuation)
                        state.entries[key] = .running(stored, serial: serial, waiters: waiters)
                        return .wait
                    case .answered, nil:
                        return .done(.proceed(Self.begin(key, fingerprint, in: &state, limits: self)))
                    }
                }
                if case .wait = step { return }
                continuation.resume()
            }
            switch step {
            case .done(let claim): return claim
            case .conflict: throw Conflict()
            case .wait: continue
            }
        }
    }

    /// Remembers the ticket's answer and replays it to whoever waits.
    func complete(_ ticket: Ticket, answer: Data) {
        let waiters = self.state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            guard case .running(let fingerprint, let serial, let waiters) = state.entries[ticket.key], serial == ticket.serial else { return [] }
            state.entries[ticket.key] = .answered(fingerprint, serial: serial, answer: answer, expires: self.now() + Self.retention)
            state.storedBytes += answer.count
            Self.evict(&state, limits: self, now: self.now())
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Forgets the key after a failure; a waiting duplicate then runs itself.
    func abandon(_ ticket: Ticket) {
        let waiters = self.state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            guard case .running(_, let serial, let waiters) = state.entries[ticket.key], serial == ticket.serial else { return [] }
            state.entries[ticket.key] = nil
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Forgets every answer remembered for `user` (the right to erasure). A call still running
    /// keeps its key until it settles; its answer is then the user's newest data.
    func forget(user: String) {
        self.state.withLockedValue { state in
            for (key, entry) in state.entries where key.user == user {
                guard case .answered(_, _, let answer, _) = entry else { continue }
                state.storedBytes -= answer.count
                state.entries[key] = nil
            }
        }
    }

    /// Keys held now (running or answered), for tests of the memory bound.
    var count: Int { self.state.withLockedValue { $0.entries.count } }

    private static func begin(_ key: Key, _ fingerprint: Fingerprint, in state: inout State, limits: IdempotencyStore) -> Ticket {
        if case .answered(_, _, let answer, _) = state.entries[key] { state.storedBytes -= answer.count }
        state.nextSerial += 1
        let serial = state.nextSerial
        state.entries[key] = .running(fingerprint, serial: serial, waiters: [])
        state.order.append((key, serial))
        Self.evict(&state, limits: limits, now: limits.now())
        return Ticket(key: key, serial: serial)
    }

    /// Drops expired answers from the front of the order, then the oldest keys while over a
    /// bound. A running key that is dropped wakes its waiters, which then run themselves.
    private static func evict(_ state: inout State, limits: IdempotencyStore, now: ContinuousClock.Instant) {
        while let oldest = state.order.first {
            guard let entry = state.entries[oldest.key], entry.serial == oldest.serial else {
                state.order.removeFirst()  // stale: the key was forgotten or claimed again
                continue
            }
            let expired: Bool
            if case .answered(_, _, _, let expires) = entry { expired = expires <= now } else { expired = false }
            let overBound = state.entries.count > limits.maxEntries || state.storedBytes > limits.maxStoredBytes
            guard expired || overBound else { return }
            state.order.removeFirst()
            state.entries[oldest.key] = nil
            switch entry {
            case .answered(_, _, let answer, _):
                state.storedBytes -= answer.count
            case .running(_, _, let waiters):
                for waiter in waiters { waiter.resume() }
            }
        }
    }
}
