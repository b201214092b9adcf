import Foundation
import NIOCore
import PostgresNIO

/// What a replica learns when it claims an `Idempotency-Key` in the shared table.
public enum SharedKeyClaim: Sendable, Equatable {
    /// This call holds the key: run it, then complete or abandon the key.
    case claimed
    /// The first call's answer: send it again.
    case answered(Data)
    /// Another call (on any replica) holds the key and has not answered yet.
    case running
    /// The key was used for another request.
    case conflict
}

/// The per-user state that gateway replicas share through the database: rate-limit buckets and
/// idempotency keys. Each operation is one statement (one round trip) on the hot path, keyed by
/// the primary key (no scan); expired rows are swept by ``sweepExpired()``.
public protocol SharedCallState: Sendable {
    /// Takes one call from the user's bucket for `tier` (holding `perMinute` calls, refilled
    /// continuously); nil when it may go, else how long to wait.
    func takeCall(user: UUID, tier: String, perMinute: Int) async throws -> Duration?
    /// Claims `key` for a call whose request has `fingerprint`; a claim lasts `lease` unless
    /// completed (a replica that died mid-call frees the key when its lease ends).
    func claimKey(user: UUID, key: String, fingerprint: [UInt8], lease: Duration) async throws -> SharedKeyClaim
    /// Stores the answer of a claimed key, replayed for `retention`.
    func completeKey(user: UUID, key: String, fingerprint: [UInt8], answer: Data, retention: Duration) async throws
    /// Frees a claimed key after a failure (failures are not remembered).
    func abandonKey(user: UUID, key: String, fingerprint: [UInt8]) async throws
    /// Deletes expired keys and buckets that have refilled.
    func sweepExpired() async throws
}

extension PostgresStore: SharedCallState {
    public func takeCall(user: UUID, tier: String, perMinute: Int) async throws -> Duration? {
        try await self.ready()
        let capacity = Double(perMinute)
        // With the checks of the calls arriving at the same moment, in one statement.
        if try await self.rateLimits.take(BucketKey(user: user, tier: tier), capacity: capacity) { return nil }
        // Refused (the rare path): how long until a whole token.
        let rows = try await self.client.query(
            """
            SELECT LEAST(\(capacity), tokens + EXTRACT(EPOCH FROM (clock_timestamp() - updated_at))::float8 * \(capacity) / 60)
            FROM career.rate_limit_buckets WHERE user_id = \(user) AND tier = \(tier)
            """,
            logger: self.logger
        )
        var available = 0.0
        for try await tokens in rows.decode(Double.self) { available = tokens }
        return .milliseconds(Int64((max(0, 1 - available) * 60 / capacity * 1000).rounded(.up)))
    }

    public func claimKey(user: UUID, key: String, fingerprint: [UInt8], lease: Duration) async throws -> SharedKeyClaim {
        try await self.ready()
        let leaseSeconds = Self.seconds(lease)
        let print = ByteBuffer(bytes: fingerprint)
        // Two tries: a key that expires between the claim and the look-up is claimed again.
        for _ in 0..<2 {
            let claimed = try await self.client.query(
                """
                INSERT INTO career.idempotency_keys AS k (user_id, key, fingerprint, answer, expires_at)
                VALUES (\(user), \(key), \(print), NULL, clock_timestamp() + make_interval(secs => \(leaseSeconds)))
                ON CONFLICT (user_id, key) DO UPDATE
                SET fingerprint = EXCLUDED.fingerprint, answer = NULL, expires_at = EXCLUDED.expires_at
                WHERE k.expires_at <= clock_timestamp()
                RETURNING 1
                """,
                logger: self.logger
            )
            if try await claimed.hasRows() { return .claimed }
            let rows = try await self.client.query(
                "SELECT fingerprint, answer FROM career.idempotency_keys WHERE user_id = \(user) AND key = \(key) AND expires_at > clock_timestamp()",
                logger: self.logger
            )
            var found: (stored: ByteBuffer, answer: ByteBuffer?)?
            for try await row in rows.decode((ByteBuffer, ByteBuffer?).self) { found = row }
            if let (stored, answer) = found {
                guard Array(stored.readableBytesView) == fingerprint else { return .conflict }
                guard let answer else { return .running }
                return .answered(Data(answer.readableBytesView))
            }
        }
        return .running
    }

    public func completeKey(user: UUID, key: String, fingerprint: [UInt8], answer: Data, retention: Duration) async throws {
        try await self.ready()
        try await self.client.query(
            """
            UPDATE career.idempotency_keys SET answer = \(ByteBuffer(bytes: answer)), expires_at = clock_timestamp() + make_interval(secs => \(Self.seconds(retention)))
            WHERE user_id = \(user) AND key = \(key) AND fingerprint = \(ByteBuffer(bytes: fingerprint)) AND answer IS NULL
            """,
            logger: self.logger
        ).drain()
    }

    public func abandonKey(user: UUID, key: String, fingerprint: [UInt8]) async throws {
        try await self.ready()
        try await self.client.query(
            "DELETE FROM career.idempotency_keys WHERE user_id = \(user) AND key = \(key) AND fingerprint = \(ByteBuffer(bytes: fingerprint)) AND answer IS NULL",
            logger: self.logger
        ).drain()
    }

    public func sweepExpired() async throws {
        try await self.ready()
        try await self.client.query("DELETE FROM career.idempotency_keys WHERE expires_at <= clock_timestamp()", logger: self.logger).drain()
        // A bucket untouched for a minute has refilled: the same as no row.
        try await self.client.query("DELETE FROM career.rate_limit_buckets WHERE updated_at < clock_timestamp() - interval '61 seconds'", logger: self.logger).drain()
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
