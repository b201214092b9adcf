-- Supabase CLI copy of Sources/GatewayStore/Migrations/postgres/0001_create_tables.sql
-- (`supabase db push`). The gateway's own runner applies the same files from
-- Sources/GatewayStore/Migrations/postgres at start and records them in
-- career.schema_migrations; it also creates the schema, which the CLI has no runner to do:
CREATE SCHEMA IF NOT EXISTS career;

-- 0001: the gateway's tables, in schema `career`.
-- The migration runner creates the schema and career.schema_migrations itself, then applies
-- each numbered file once, in order, in its own transaction, under an advisory lock.
-- user_id is always the Supabase user's id (the JWT's `sub`).

-- AI answers a user chose to keep, newest first; `result` is json (not jsonb) so the answer's
-- exact bytes come back as they were saved.
CREATE TABLE career.saved_results (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('documents','analysis','careerPath','networkingBrief','reachOut','interviewQuestions','thankYouNote')),
    title text NOT NULL,
    model text NOT NULL,
    prompt_tokens bigint NOT NULL,
    output_tokens bigint NOT NULL,
    thoughts_tokens bigint NOT NULL,
    total_tokens bigint NOT NULL,
    result json NOT NULL,          -- json, not jsonb: the answer's exact bytes are kept
    created_at timestamptz NOT NULL
);
-- A user's list, newest first, all kinds or one kind (id breaks ties for stable paging).
CREATE INDEX saved_results_by_user ON career.saved_results (user_id, created_at DESC, id DESC);
CREATE INDEX saved_results_by_user_kind ON career.saved_results (user_id, kind, created_at DESC, id DESC);

-- The usage ledger: one row per AI call, whatever its outcome (ok, error, blocked, cancelled),
-- with its token totals across every model the call used.
CREATE TABLE career.usage_calls (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    task text NOT NULL,
    status text NOT NULL CHECK (status IN ('ok','error','blocked','cancelled')),
    reason text,
    models text NOT NULL,
    prompt_tokens bigint NOT NULL,
    output_tokens bigint NOT NULL,
    thoughts_tokens bigint NOT NULL,
    total_tokens bigint NOT NULL,
    duration_ms bigint NOT NULL,
    streamed boolean NOT NULL,
    replayed boolean NOT NULL,
    request_id text NOT NULL,
    created_at timestamptz NOT NULL
);
-- A user's usage over a time window.
CREATE INDEX usage_calls_by_user ON career.usage_calls (user_id, created_at);

-- A call's tokens per model (a call can fall back from one model to another); goes with its call.
CREATE TABLE career.usage_tokens (
    call_id uuid NOT NULL REFERENCES career.usage_calls (id) ON DELETE CASCADE,
    model text NOT NULL,
    prompt_tokens bigint NOT NULL,
    output_tokens bigint NOT NULL,
    thoughts_tokens bigint NOT NULL,
    total_tokens bigint NOT NULL,
    PRIMARY KEY (call_id, model)
);

-- Idempotency keys, shared by every gateway replica: per user and key, the first request's
-- fingerprint and the answer to replay (NULL until there is one), kept until expires_at.
CREATE TABLE career.idempotency_keys (
    user_id uuid NOT NULL,
    key text NOT NULL,
    fingerprint bytea NOT NULL,
    answer bytea,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);
-- Sweeping expired keys.
CREATE INDEX idempotency_keys_expiry ON career.idempotency_keys (expires_at);

-- Rate limits, shared by every gateway replica: one token bucket per user and tier, holding
-- `tokens` as of updated_at.
CREATE TABLE career.rate_limit_buckets (
    user_id uuid NOT NULL,
    tier text NOT NULL,
    tokens double precision NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, tier)
);
-- Sweeping idle buckets.
CREATE INDEX rate_limit_buckets_updated ON career.rate_limit_buckets (updated_at);

-- Recorded the way the gateway's runner records it, so that a gateway started on this database
-- later does not apply 0001_create_tables again.
CREATE TABLE IF NOT EXISTS career.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
INSERT INTO career.schema_migrations (version, name) VALUES (1, '0001_create_tables') ON CONFLICT (version) DO NOTHING;
