#!/usr/bin/env bash
# Checks the PostgreSQL migrations and their Supabase row-level security with psql, the way the
# gateway's RLS test does:
#  1. plain PostgreSQL (no schema auth): 0001 and 0002 apply, and 0002 changes nothing;
#  2. Supabase look-alike (Tests/Fixtures/supabase-auth-emulation.sql, applied twice): 0001, then
#     0002 (twice: it can run again) set up RLS; rows for two users; then, as `authenticated`
#     with one user's JWT claims, only that user's rows are visible, saved results can be
#     deleted only by their owner, the ledger is read-only, the gateway-only tables and every
#     write are refused; `anon` gets nothing; the owner (the gateway) still sees everything.
#
#   Tests/Fixtures/check-rls.sh             # starts a throwaway server (scripts/with-postgres.sh)
#   CAREER_TEST_DATABASE_URL=postgres://... Tests/Fixtures/check-rls.sh
#
# It connects as the URL's user, who must own the database and may create roles, and it DROPS
# the schemas career and auth in that database first. Prints PASS or FAIL per check and a
# summary line; exits 1 when any check fails (77 when there is no PostgreSQL to check against).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
migrations=$repo/Sources/GatewayStore/Migrations/postgres
fixture=$repo/Tests/Fixtures/supabase-auth-emulation.sql

if [ -z "${CAREER_TEST_DATABASE_URL:-}" ]; then
  if [ -z "${CHECK_RLS_STARTED_SERVER:-}" ]; then
    CHECK_RLS_STARTED_SERVER=1 exec "$repo/scripts/with-postgres.sh" "$repo/Tests/Fixtures/check-rls.sh" "$@"
  fi
  echo "SKIP: no PostgreSQL (CAREER_TEST_DATABASE_URL unset and no server binaries)"
  exit 77
fi
url=$CAREER_TEST_DATABASE_URL
command -v psql >/dev/null || { echo "FAIL: no psql (apt-get install postgresql-client)"; exit 1; }

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/      /'; }

# psql as the owner; stops at the first error. Extra arguments go to psql (-f FILE, -c SQL).
owner() { psql "$url" -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
# Runs SQL (on standard input) in a transaction as ROLE, with the JWT claims CLAIMS ('' = none).
as_role() {
  local role=$1 claims=$2
  {
    echo "BEGIN;"
    echo "SET LOCAL ROLE $role;"
    [ -z "$claims" ] || echo "SELECT set_config('request.jwt.claims', '$claims', true) \\g /dev/null"
    cat
    echo ";"
    echo "ROLLBACK;"
  } | psql "$url" -X -q -At -v ON_ERROR_STOP=1 2>&1
}
# expect NAME EXPECTED ROLE CLAIMS SQL: the query's output is EXPECTED.
expect() {
  local name=$1 expected=$2 output
  if output=$(as_role "$3" "$4" <<<"$5") && [ "$output" = "$expected" ]; then
    pass "$name"
  else
    fail "$name" "expected: $expected"$'\n'"got:      $output"
  fi
}
# refused NAME ROLE CLAIMS SQL: the statement fails with "permission denied".
refused() {
  local name=$1 output
  if output=$(as_role "$2" "$3" <<<"$4"); then
    fail "$name (it succeeded)" "$output"
  elif grep -q "permission denied" <<<"$output"; then
    pass "$name"
  else
    fail "$name (another error)" "$output"
  fi
}
# step NAME COMMAND...: a setup step that must succeed.
step() {
  local name=$1 output
  shift
  if output=$("$@"); then
    pass "$name"
  else
    fail "$name" "$output"
    echo "$passed passed, $failed failed"
    exit 1
  fi
}

# What the gateway's runner does before the numbered files (it also records them; not needed here).
runner_setup="CREATE SCHEMA career; CREATE TABLE career.schema_migrations (version bigint PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());"
apply() { owner --single-transaction -f "$migrations/$1"; }

echo "== plain PostgreSQL (no schema auth)"
step "reset: drop schemas career and auth" owner -c "DROP SCHEMA IF EXISTS career CASCADE; DROP SCHEMA IF EXISTS auth CASCADE;"
step "runner creates schema career" owner -c "$runner_setup"
step "0001 applies" apply 0001_create_tables.sql
step "0002 applies (a no-op without auth)" apply 0002_supabase_row_level_security.sql
output=$(owner -c "SELECT count(*) FILTER (WHERE relrowsecurity) || ' rls, ' || count(*) || ' tables' FROM pg_class WHERE relnamespace = 'career'::regnamespace AND relkind = 'r' AND relname <> 'schema_migrations'; SELECT count(*) || ' policies' FROM pg_policies WHERE schemaname = 'career';")
if [ "$output" = $'0 rls, 5 tables\n0 policies' ]; then pass "0002 changed nothing"; else fail "0002 changed nothing" "$output"; fi

echo "== Supabase look-alike"
step "reset: drop schema career" owner -c "DROP SCHEMA career CASCADE;"
step "the auth emulation applies" owner -f "$fixture"
step "the auth emulation applies again" owner -f "$fixture"
step "runner creates schema career" owner -c "$runner_setup"
step "0001 applies" apply 0001_create_tables.sql
step "0002 applies" apply 0002_supabase_row_level_security.sql
step "0002 applies again" apply 0002_supabase_row_level_security.sql
output=$(owner -c "SELECT string_agg(relname || '=' || relrowsecurity, ' ' ORDER BY relname) FROM pg_class WHERE relnamespace = 'career'::regnamespace AND relkind = 'r' AND relname <> 'schema_migrations'; SELECT string_agg(tablename || '.' || policyname || ':' || cmd, ' ' ORDER BY tablename, policyname) FROM pg_policies WHERE schemaname = 'career';")
expected="idempotency_keys=true rate_limit_buckets=true saved_results=true usage_calls=true usage_tokens=true
saved_results.saved_results_delete_own:DELETE saved_results.saved_results_select_own:SELECT usage_calls.usage_calls_select_own:SELECT usage_tokens.usage_tokens_select_own:SELECT"
if [ "$output" = "$expected" ]; then pass "RLS on all five tables; four policies"; else fail "RLS on all five tables; four policies" "expected: $expected"$'\n'"got:      $output"; fi

alice=11111111-1111-4111-8111-111111111111
bob=22222222-2222-4222-8222-222222222222
step "rows for two users (as the owner)" owner <<SQL
INSERT INTO career.saved_results VALUES
  ('a0000000-0000-4000-8000-000000000001', '$alice', 'analysis', 'Alice 1', 'gemini-2.5-pro', 1, 2, 3, 6, '{"a": 1}', now()),
  ('a0000000-0000-4000-8000-000000000002', '$alice', 'documents', 'Alice 2', 'gemini-2.5-pro', 1, 2, 3, 6, '{"a": 2}', now()),
  ('b0000000-0000-4000-8000-000000000001', '$bob', 'analysis', 'Bob 1', 'gemini-2.5-flash', 1, 2, 3, 6, '{"b": 1}', now());
INSERT INTO career.usage_calls VALUES
  ('a1000000-0000-4000-8000-000000000001', '$alice', 'analysis', 'ok', NULL, 'gemini-2.5-pro,gemini-2.5-flash', 2, 4, 6, 12, 900, true, false, 'req-a', now()),
  ('b1000000-0000-4000-8000-000000000001', '$bob', 'analysis', 'error', 'timeout', 'gemini-2.5-flash', 1, 2, 3, 6, 120000, false, false, 'req-b', now());
INSERT INTO career.usage_tokens VALUES
  ('a1000000-0000-4000-8000-000000000001', 'gemini-2.5-pro', 1, 2, 3, 6),
  ('a1000000-0000-4000-8000-000000000001', 'gemini-2.5-flash', 1, 2, 3, 6),
  ('b1000000-0000-4000-8000-000000000001', 'gemini-2.5-flash', 1, 2, 3, 6);
INSERT INTO career.idempotency_keys VALUES
  ('$alice', 'k1', '\x01', NULL, now() + interval '1 day'),
  ('$bob', 'k1', '\x02', '\x03', now() + interval '1 day');
INSERT INTO career.rate_limit_buckets VALUES ('$alice', 'pro', 19, now()), ('$bob', 'pro', 5, now());
SQL

as_alice="{\"sub\":\"$alice\",\"role\":\"authenticated\"}"
as_bob="{\"sub\":\"$bob\",\"role\":\"authenticated\"}"
echo "== as authenticated"
expect "auth.uid() reads the claims" "$alice" authenticated "$as_alice" "SELECT auth.uid()"
expect "alice sees her saved results only" "Alice 1,Alice 2" authenticated "$as_alice" \
  "SELECT string_agg(title, ',' ORDER BY title) FROM career.saved_results"
expect "bob sees his saved results only" "Bob 1" authenticated "$as_bob" \
  "SELECT string_agg(title, ',' ORDER BY title) FROM career.saved_results"
expect "the result's bytes come back as saved" '{"a": 1}' authenticated "$as_alice" \
  "SELECT result FROM career.saved_results WHERE title = 'Alice 1'"
expect "alice sees her usage calls only" "req-a" authenticated "$as_alice" \
  "SELECT string_agg(request_id, ',') FROM career.usage_calls"
expect "alice sees her calls' per-model tokens only" "2" authenticated "$as_alice" \
  "SELECT count(*) FROM career.usage_tokens"
expect "bob sees his calls' per-model tokens only" "1" authenticated "$as_bob" \
  "SELECT count(*) FROM career.usage_tokens"
expect "the older request.jwt.claim.sub setting works too" "Bob 1" authenticated "" \
  "SELECT set_config('request.jwt.claim.sub', '$bob', true) \\g /dev/null
   SELECT string_agg(title, ',') FROM career.saved_results"
expect "no claims: no rows" "0|0|0" authenticated "" \
  "SELECT (SELECT count(*) FROM career.saved_results), (SELECT count(*) FROM career.usage_calls), (SELECT count(*) FROM career.usage_tokens)"
expect "alice deletes her own saved result" "1" authenticated "$as_alice" \
  "WITH gone AS (DELETE FROM career.saved_results WHERE id = 'a0000000-0000-4000-8000-000000000001' RETURNING 1) SELECT count(*) FROM gone"
expect "alice cannot delete bob's saved result" "0" authenticated "$as_alice" \
  "WITH gone AS (DELETE FROM career.saved_results WHERE id = 'b0000000-0000-4000-8000-000000000001' RETURNING 1) SELECT count(*) FROM gone"
refused "no inserting saved results" authenticated "$as_alice" \
  "INSERT INTO career.saved_results VALUES ('a0000000-0000-4000-8000-000000000009', '$alice', 'analysis', 'x', 'm', 0, 0, 0, 0, '{}', now())"
refused "no updating saved results" authenticated "$as_alice" "UPDATE career.saved_results SET title = 'x'"
refused "no writing the usage ledger (insert)" authenticated "$as_alice" \
  "INSERT INTO career.usage_calls VALUES ('a1000000-0000-4000-8000-000000000009', '$alice', 't', 'ok', NULL, 'm', 0, 0, 0, 0, 0, false, false, 'r', now())"
refused "no writing the usage ledger (update)" authenticated "$as_alice" "UPDATE career.usage_calls SET total_tokens = 0"
refused "no writing the usage ledger (delete)" authenticated "$as_alice" "DELETE FROM career.usage_calls"
refused "no deleting per-model tokens" authenticated "$as_alice" "DELETE FROM career.usage_tokens"
refused "no truncating (TRUNCATE ignores RLS)" authenticated "$as_alice" "TRUNCATE career.saved_results CASCADE"
refused "no reading idempotency keys" authenticated "$as_alice" "SELECT count(*) FROM career.idempotency_keys"
refused "no reading rate-limit buckets" authenticated "$as_alice" "SELECT count(*) FROM career.rate_limit_buckets"
refused "no reading the migration record" authenticated "$as_alice" "SELECT count(*) FROM career.schema_migrations"

echo "== as anon"
refused "anon reads no saved results" anon "" "SELECT count(*) FROM career.saved_results"
refused "anon reads no usage" anon "" "SELECT count(*) FROM career.usage_calls"

echo "== as the owner (the gateway)"
expect "the owner sees every row" "3|2|3|2|2" "$(owner -c 'SELECT current_user')" "" \
  "SELECT (SELECT count(*) FROM career.saved_results), (SELECT count(*) FROM career.usage_calls), (SELECT count(*) FROM career.usage_tokens), (SELECT count(*) FROM career.idempotency_keys), (SELECT count(*) FROM career.rate_limit_buckets)"
expect "the owner's delete cascades to per-model tokens" "1" "$(owner -c 'SELECT current_user')" "" \
  "DELETE FROM career.usage_calls WHERE request_id = 'req-a'; SELECT count(*) FROM career.usage_tokens"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
