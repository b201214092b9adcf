import Foundation
import PostgresNIO

// The two statements on the answers' path (the shared rate-limit checks of the calls arriving
// together, and the batch of saves and ledger rows their answers wait for), as named prepared
// statements: each pooled
// connection has the server parse and plan them once, not on every call. Profiled at 64
// connections, parsing, analysing and planning were about 40% of the database server's CPU.
// Both have a fixed shape whatever the batch holds (arrays, unnested), so one plan serves
// every batch. Named prepared statements live on a server connection: the gateway needs a
// session (the direct connection or Supabase's session pooler, deploy/DATABASE.md), not a
// transaction pooler.

/// Takes one call from each listed user's token bucket of a tier; returns the (user, tier)
/// pairs whose call was taken (the others were refused). Each bucket refills at capacity/60
/// per second since it was last touched; the update happens only when a whole token is there,
/// so a refused call changes nothing. A pair appears at most once per statement (Postgres
/// refuses to update a row twice in one), and rows go in (user, tier) order, so two replicas'
/// batches lock shared buckets in the same order and never deadlock. The capacity travels as
/// the inserted row's `tokens` + 1.
struct TakeCallsStatement: PostgresPreparedStatement {
    static let name = "career_take_calls_v1"
    static let sql = """
        INSERT INTO career.rate_limit_buckets AS b (user_id, tier, tokens, updated_at)
        SELECT r.user_id, r.tier, r.capacity - 1, clock_timestamp()
        FROM unnest($1::uuid[], $2::text[], $3::float8[]) AS r(user_id, tier, capacity)
        ORDER BY r.user_id, r.tier
        ON CONFLICT (user_id, tier) DO UPDATE
        SET tokens = LEAST(EXCLUDED.tokens + 1, b.tokens + EXTRACT(EPOCH FROM (EXCLUDED.updated_at - b.updated_at))::float8 * (EXCLUDED.tokens + 1) / 60) - 1,
            updated_at = EXCLUDED.updated_at
        WHERE LEAST(EXCLUDED.tokens + 1, b.tokens + EXTRACT(EPOCH FROM (EXCLUDED.updated_at - b.updated_at))::float8 * (EXCLUDED.tokens + 1) / 60) >= 1
        RETURNING b.user_id, b.tier
        """
    typealias Row = BucketKey

    var takes: [BucketKey: Double]

    func makeBindings() -> PostgresBindings {
        let rows = Array(self.takes)
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(rows.map(\.key.user))
        bindings.append(rows.map(\.key.tier))
        bindings.append(rows.map(\.value))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> BucketKey {
        let (user, tier) = try row.decode((UUID, String).self)
        return BucketKey(user: user, tier: tier)
    }
}

/// One user's token bucket of one tier.
struct BucketKey: Hashable, Sendable {
    var user: UUID
    var tier: String
}

/// A batch of saved results and ledger rows in one statement: one round trip and one commit.
/// Each table's rows travel as one array per column; the `usage_tokens` rows' foreign keys are
/// checked at the statement's end, after the calls of the same batch are in.
struct WriteBatchStatement: PostgresPreparedStatement {
    static let name = "career_write_batch_v1"
    static let sql = """
        WITH saved AS (
            INSERT INTO career.saved_results (id, user_id, kind, title, model, prompt_tokens, output_tokens, thoughts_tokens, total_tokens, result, created_at)
            SELECT r.id, r.user_id, r.kind, r.title, r.model, r.p, r.o, r.th, r.tot, r.result::json, timestamptz 'epoch' + r.us * interval '1 microsecond'
            FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[], $8::int8[], $9::int8[], $10::text[], $11::int8[])
                AS r(id, user_id, kind, title, model, p, o, th, tot, result, us)
        ), calls AS (
            INSERT INTO career.usage_calls (id, user_id, task, status, reason, models, prompt_tokens, output_tokens, thoughts_tokens, total_tokens,
                                            duration_ms, streamed, replayed, request_id, created_at)
            SELECT c.id, c.user_id, c.task, c.status, NULLIF(c.reason, ''), c.models, c.p, c.o, c.th, c.tot,
                   c.ms, c.streamed, c.replayed, c.request_id, timestamptz 'epoch' + c.us * interval '1 microsecond'
            FROM unnest($12::uuid[], $13::uuid[], $14::text[], $15::text[], $16::text[], $17::text[], $18::int8[], $19::int8[], $20::int8[], $21::int8[],
                        $22::int8[], $23::bool[], $24::bool[], $25::text[], $26::int8[])
                AS c(id, user_id, task, status, reason, models, p, o, th, tot, ms, streamed, replayed, request_id, us)
        )
        INSERT INTO career.usage_tokens (call_id, model, prompt_tokens, output_tokens, thoughts_tokens, total_tokens)
        SELECT * FROM unnest($27::uuid[], $28::text[], $29::int8[], $30::int8[], $31::int8[], $32::int8[])
        """
    typealias Row = Void

    var writes: StoreWrites

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 32)
        let results = self.writes.results
        bindings.append(results.map(\.id))
        bindings.append(results.map(\.userID))
        bindings.append(results.map(\.kind.rawValue))
        bindings.append(results.map(\.title))
        bindings.append(results.map(\.model))
        Self.appendTokens(results.map(\.usage), to: &bindings)
        bindings.append(results.map { String(decoding: $0.result ?? Data(), as: UTF8.self) })
        bindings.append(results.map { StoreTime.microseconds($0.createdAt) })

        let calls = self.writes.usage
        bindings.append(calls.map(\.id))
        bindings.append(calls.map(\.userID))
        bindings.append(calls.map(\.task))
        bindings.append(calls.map(\.status.rawValue))
        // An array element cannot be NULL here; the statement reads '' as no reason.
        bindings.append(calls.map { $0.reason ?? "" })
        bindings.append(calls.map(\.modelList))
        Self.appendTokens(calls.map(\.usage), to: &bindings)
        bindings.append(calls.map(\.durationMilliseconds))
        bindings.append(calls.map(\.streamed))
        bindings.append(calls.map(\.replayed))
        bindings.append(calls.map(\.requestID))
        bindings.append(calls.map { StoreTime.microseconds($0.createdAt) })

        let tokens = calls.flatMap { call in call.tokensByModel.map { (call.id, $0) } }
        bindings.append(tokens.map(\.0))
        bindings.append(tokens.map(\.1.model))
        Self.appendTokens(tokens.map(\.1.usage), to: &bindings)
        return bindings
    }

    private static func appendTokens(_ usage: [TokenUsage], to bindings: inout PostgresBindings) {
        bindings.append(usage.map(\.promptTokens))
        bindings.append(usage.map(\.outputTokens))
        bindings.append(usage.map(\.thoughtsTokens))
        bindings.append(usage.map(\.totalTokens))
    }

    func decodeRow(_ row: PostgresRow) throws {}
}
