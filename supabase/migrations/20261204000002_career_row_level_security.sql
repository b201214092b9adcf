-- Supabase CLI copy of Sources/GatewayStore/Migrations/postgres/0002_supabase_row_level_security.sql
-- (`supabase db push`); the gateway's own runner applies the same file at start and records it
-- in career.schema_migrations.

-- 0002: row-level security for Supabase.
-- On Supabase a browser-side client (supabase-js, PostgREST) talks to this database as the role
-- `authenticated` (signed in) or `anon` (not). It may read a user's own rows and nothing else:
-- saved results (read and delete), and the usage ledger (read only; only the gateway writes it).
-- Idempotency keys and rate-limit buckets are the gateway's alone: RLS on, no policy, no grant.
-- `anon` gets nothing. The gateway connects as the tables' owner, which RLS does not restrict
-- (no FORCE ROW LEVEL SECURITY), so none of this changes what the gateway can do.
--
-- The same runner applies this file on every PostgreSQL: it does nothing where there is no
-- `auth` schema (a plain PostgreSQL: no Supabase roles, no auth.uid()), and everything where
-- there is (Supabase). DROP POLICY IF EXISTS first, so running it again is harmless.
-- The body is quoted with plain $$ and holds no `;` or `--` inside a string literal: the
-- runner's statement splitter knows no more than that.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'auth') THEN
        RAISE NOTICE 'no schema auth (not Supabase): row-level security not set up';
        RETURN;
    END IF;

    EXECUTE 'ALTER TABLE career.saved_results ENABLE ROW LEVEL SECURITY';
    EXECUTE 'ALTER TABLE career.usage_calls ENABLE ROW LEVEL SECURITY';
    EXECUTE 'ALTER TABLE career.usage_tokens ENABLE ROW LEVEL SECURITY';
    EXECUTE 'ALTER TABLE career.idempotency_keys ENABLE ROW LEVEL SECURITY';
    EXECUTE 'ALTER TABLE career.rate_limit_buckets ENABLE ROW LEVEL SECURITY';

    -- Start from nothing (Supabase's default privileges may have granted more), then grant
    -- exactly what the policies below need.
    EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA career FROM anon';
    EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA career FROM authenticated';
    EXECUTE 'GRANT USAGE ON SCHEMA career TO authenticated';

    -- Saved results: a user lists, reads and deletes their own.
    EXECUTE 'GRANT SELECT, DELETE ON career.saved_results TO authenticated';
    EXECUTE 'DROP POLICY IF EXISTS saved_results_select_own ON career.saved_results';
    EXECUTE 'CREATE POLICY saved_results_select_own ON career.saved_results FOR SELECT TO authenticated '
         || 'USING (user_id = (SELECT auth.uid()))';
    EXECUTE 'DROP POLICY IF EXISTS saved_results_delete_own ON career.saved_results';
    EXECUTE 'CREATE POLICY saved_results_delete_own ON career.saved_results FOR DELETE TO authenticated '
         || 'USING (user_id = (SELECT auth.uid()))';

    -- The usage ledger: a user reads their own calls, and the per-model tokens of those calls.
    EXECUTE 'GRANT SELECT ON career.usage_calls TO authenticated';
    EXECUTE 'DROP POLICY IF EXISTS usage_calls_select_own ON career.usage_calls';
    EXECUTE 'CREATE POLICY usage_calls_select_own ON career.usage_calls FOR SELECT TO authenticated '
         || 'USING (user_id = (SELECT auth.uid()))';
    EXECUTE 'GRANT SELECT ON career.usage_tokens TO authenticated';
    EXECUTE 'DROP POLICY IF EXISTS usage_tokens_select_own ON career.usage_tokens';
    EXECUTE 'CREATE POLICY usage_tokens_select_own ON career.usage_tokens FOR SELECT TO authenticated '
         || 'USING (EXISTS (SELECT 1 FROM career.usage_calls c '
         || 'WHERE c.id = call_id AND c.user_id = (SELECT auth.uid())))';

    -- career.idempotency_keys and career.rate_limit_buckets: RLS on, no policy, no grant.
END
$$;

-- Recorded the way the gateway's runner records it, so that a gateway started on this database
-- later does not apply 0002_supabase_row_level_security again.
CREATE TABLE IF NOT EXISTS career.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
INSERT INTO career.schema_migrations (version, name) VALUES (2, '0002_supabase_row_level_security') ON CONFLICT (version) DO NOTHING;
