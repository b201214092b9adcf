#!/usr/bin/env bash
# What saving results and the usage ledger cost, release build, loopback only: the stack's
# throughput and latency (wrk POST /api/v1/interview/questions, a different user per request)
# with saving off (SAVE_RESULTS=0), with the embedded SQLite database, and with PostgreSQL
# (shared rate limits and idempotency included), alternated REPEATS times in one run; medians.
# Then the history list (GET /api/v1/history?limit=20, one connection) for a user with
# HISTORY_ITEMS saved items, first page and a page deep in the list, on both databases.
# Writes the "Saved results" section of BENCHMARKS.md.
#
#   scripts/bench-persistence.sh                       # about 4 minutes after the build
#   SKIP_BUILD=1 REPEATS=1 DURATION=5 scripts/bench-persistence.sh
#
# Runs itself inside scripts/with-postgres.sh (a throwaway PostgreSQL on loopback).
# Environment (defaults in brackets): BUILD_PATH [.build-release]  CONNECTIONS [1,64]
#   DURATION [10] s per wrk run  WARMUP [2]  REPEATS [3]  HISTORY_ITEMS [10000]
#   BASE_PORT [19000]  BENCHMARKS_FILE [BENCHMARKS.md]  NO_WRITE=1: print the section only
#   SKIP_BUILD=1: use the binaries already in BUILD_PATH
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${CAREER_TEST_DATABASE_URL:-}" ]]; then
    exec scripts/with-postgres.sh "$0" "$@"
fi
. scripts/bench/common.sh

BUILD_PATH="${BUILD_PATH:-.build-release}"
CONNECTIONS="${CONNECTIONS:-1,64}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
REPEATS="${REPEATS:-3}"
HISTORY_ITEMS="${HISTORY_ITEMS:-10000}"
BASE_PORT="${BASE_PORT:-19000}"
BENCHMARKS_FILE="${BENCHMARKS_FILE:-BENCHMARKS.md}"
export LOG_LEVEL="${LOG_LEVEL:-warning}"
here="$PWD"
helper="$here/scripts/bench/stackbench.py"
post_lua="$here/scripts/bench/post.lua"
gateway_port=$((BASE_PORT + 80)) generation_port=$((BASE_PORT + 101)) coach_port=$((BASE_PORT + 102)) simulator_port=$((BASE_PORT + 199))
database_url="$CAREER_TEST_DATABASE_URL"

for tool in wrk curl python3 jq psql; do command -v "$tool" >/dev/null || { echo "bench-persistence: $tool is needed (apt-get install $tool)" >&2; exit 1; }; done

work="$(mktemp -d)"
pids=()
stop_pid() { kill -TERM "$1" 2>/dev/null || true; for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done; kill -KILL "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
cleanup() { for pid in "${pids[@]}"; do stop_pid "$pid"; done; rm -rf "$work"; }
trap cleanup EXIT
log() { echo "==> $*" >&2; }

if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
    log "building (release, scratch path $BUILD_PATH)"
    for product in Gateway GenerationService CoachService GeminiSimulator; do
        swift build -c release --product "$product" --scratch-path "$BUILD_PATH" >&2
    done
fi
bin="$(swift build -c release --scratch-path "$BUILD_PATH" --show-bin-path)"

secret="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export RPC_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
python3 "$helper" tokens "$secret" 256 >"$work/tokens.txt"
printf '%s' '{"jobDescription": "Backend engineer: Swift, SwiftNIO, Postgres, on-call for a payments API", "profile": {"fullName": "Ada Lovelace", "jobTitle": "Software engineer", "technicalSkills": [{"name": "Swift"}]}}' >"$work/interview.json"

wait_http() { for _ in $(seq 1 600); do curl -fsS -o /dev/null "http://127.0.0.1:$1$2" 2>/dev/null && return 0; sleep 0.05; done; echo "not ready: $1$2" >&2; tail -20 "$work"/*.log >&2; exit 1; }

svc=(RPC_TOKEN="$RPC_TOKEN" GEMINI_API_KEY=simulator-key GEMINI_BASE_URL="http://127.0.0.1:$simulator_port")
start simulator PORT="$simulator_port" GEMINI_API_KEY=simulator-key -- "$bin/GeminiSimulator"
wait_http "$simulator_port" /healthz
start generation "${svc[@]}" LISTEN_ADDR="127.0.0.1:$generation_port" -- "$bin/GenerationService"
start coach "${svc[@]}" LISTEN_ADDR="127.0.0.1:$coach_port" GENERATION_ADDR="127.0.0.1:$generation_port" -- "$bin/CoachService"

gateway_pid=""
start_gateway() { # MODE: off | sqlite | postgres
    data_dir="$work/data-$1-$RANDOM"  # the newest gateway's, for the history fill below
    local extra=(DATA_DIR="$data_dir")
    case $1 in
        off) extra+=(SAVE_RESULTS=0) ;;
        postgres) extra+=(DATABASE_URL="$database_url") ;;
    esac
    start "gateway-$1" -u GEMINI_API_KEY PORT="$gateway_port" SUPABASE_JWT_SECRET="$secret" GENERATION_ADDR="127.0.0.1:$generation_port" \
        COACH_ADDR="127.0.0.1:$coach_port" RATE_LIMIT_FLASH_PER_MIN=100000 RATE_LIMIT_PRO_PER_MIN=100000 "${extra[@]}" -- "$bin/Gateway"
    gateway_pid=$STARTED
    wait_http "$gateway_port" /readyz
    # PostgreSQL: migrated once a call gets a resultId.
    if [[ $1 == postgres ]]; then
        for _ in $(seq 1 100); do
            curl -fsS "http://127.0.0.1:$gateway_port/api/v1/interview/questions" -H "Authorization: Bearer $(head -n1 "$work/tokens.txt")" \
                -H 'Content-Type: application/json' -d @"$work/interview.json" | grep -q resultId && break
            sleep 0.1
        done
    fi
}
stop_gateway() { stop_pid "$gateway_pid"; }

idle_before="$(cpu_idle_percent)"
log "throughput: modes off, sqlite, postgres alternated, $REPEATS repeats, connections $CONNECTIONS"
IFS=, read -r -a levels <<<"$CONNECTIONS"
for repeat in $(seq 1 "$REPEATS"); do
    for mode in off sqlite postgres; do
        start_gateway "$mode"
        for c in "${levels[@]}"; do
            threads=$((c > 1 ? 2 : 1))
            wrk -t"$threads" -c"$c" -d"${WARMUP}s" -s "$post_lua" "http://127.0.0.1:$gateway_port/api/v1/interview/questions" -- "$work/interview.json" "$work/tokens.txt" >/dev/null
            wrk -t"$threads" -c"$c" -d"${DURATION}s" --timeout 10s -s "$post_lua" "http://127.0.0.1:$gateway_port/api/v1/interview/questions" -- "$work/interview.json" "$work/tokens.txt" \
                | grep '^{' | jq -c --arg mode "$mode" --argjson c "$c" '. + {mode: $mode, c: $c}' >>"$work/throughput.jsonl"
        done
        stop_gateway
        log "  repeat $repeat $mode done"
    done
done

log "history: $HISTORY_ITEMS items of one user"
user="$(python3 -c 'import uuid; print(uuid.uuid4())')"
token="$(python3 - "$secret" "$user" <<'PY'
import base64, hashlib, hmac, json, sys, time
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
now = int(time.time())
head = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
body = b(json.dumps({"sub": sys.argv[2], "role": "authenticated", "aud": "authenticated", "iat": now, "exp": now + 3600}).encode())
sig = b(hmac.new(sys.argv[1].encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
print(f"{head}.{body}.{sig}")
PY
)"
for mode in sqlite postgres; do
    start_gateway "$mode"
    if [[ $mode == sqlite ]]; then
        file="$data_dir/career.sqlite3"
        python3 - "$file" "$user" "$HISTORY_ITEMS" <<'PY'
import sqlite3, sys, time, uuid
db = sqlite3.connect(sys.argv[1], timeout=30)
now = int(time.time() * 1e6)
rows = [(str(uuid.uuid4()), sys.argv[2], "documents", f"Job {i}", "gemini-2.5-flash", 1, 2, 0, 3, '{"resume":"# Resume","model":"gemini-2.5-flash"}', now - i * 1000) for i in range(int(sys.argv[3]))]
db.executemany("INSERT INTO saved_results (id, user_id, kind, title, model, prompt_tokens, output_tokens, thoughts_tokens, total_tokens, result, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
db.commit()
PY
    else
        psql "$database_url" -X -q -c "INSERT INTO career.saved_results SELECT gen_random_uuid(), '$user'::uuid, 'documents', 'Job ' || i, 'gemini-2.5-flash', 1, 2, 0, 3, '{\"resume\":\"# Resume\",\"model\":\"gemini-2.5-flash\"}'::json, now() - i * interval '1 millisecond' FROM generate_series(1, $HISTORY_ITEMS) i"
    fi
    # A cursor half-way down the list, walked in pages of 100 (the largest `limit`).
    cursor=""
    for _ in $(seq 1 $((HISTORY_ITEMS / 200))); do
        cursor="$(curl -fsS "http://127.0.0.1:$gateway_port/api/v1/history?limit=100${cursor:+&cursor=$cursor}" -H "Authorization: Bearer $token" | jq -r '.nextCursor')"
    done
    for page in first deep; do
        path="/api/v1/history?limit=20"
        [[ $page == deep ]] && path="$path&cursor=$cursor"
        wrk -t1 -c1 -d"${WARMUP}s" -s "$post_lua" "http://127.0.0.1:$gateway_port$path" -- GET "Authorization:Bearer $token" >/dev/null
        wrk -t1 -c1 -d"${DURATION}s" --timeout 10s -s "$post_lua" "http://127.0.0.1:$gateway_port$path" -- GET "Authorization:Bearer $token" \
            | grep '^{' | jq -c --arg mode "$mode" --arg page "$page" '. + {mode: $mode, page: $page}' >>"$work/history.jsonl"
    done
    stop_gateway
done

# ------------------------------------------------------------------ the section
section="$work/section.md"
{
    echo "<!-- persistence:start -->"
    echo "## Saved results"
    echo
    echo "\`scripts/bench-persistence.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), CPUs ${idle_before}% idle before; release build; $(nproc) cores)."
    echo "POST /api/v1/interview/questions through gateway → generation → simulator, 256 users round-robin, ${DURATION} s runs, ${REPEATS} repeats alternated; medians."
    echo "\`off\`: SAVE_RESULTS=0 (the ledger is still written, to SQLite); \`sqlite\`: the embedded database; \`postgres\`: PostgreSQL on loopback (saving, the ledger, shared rate limits)."
    echo
    echo "| mode | connections | requests/s | vs off | p50 ms | p99 ms | errors |"
    echo "|---|---|---|---|---|---|---|"
    jq -rs '
      def median: sort | if length == 0 then 0 else .[(length - 1) / 2 | floor] end;
      group_by(.c)[] as $level
      | ($level | map(select(.mode == "off")) | map(.rps) | median) as $base
      | ("off", "sqlite", "postgres") as $mode
      | ($level | map(select(.mode == $mode))) as $runs
      | "| \($mode) | \($level[0].c) | \($runs | map(.rps) | median | floor) | \(if $base > 0 then (($runs | map(.rps) | median) / $base * 100 | floor | tostring) + "%" else "-" end) | \($runs | map(.p50_ms) | median) | \($runs | map(.p99_ms) | median) | \($runs | map(.non2xx + .connect_errors + .read_errors + .timeouts) | add) |"
    ' "$work/throughput.jsonl"
    echo
    echo "History list, GET /api/v1/history?limit=20, one connection, one user with ${HISTORY_ITEMS} items (\`deep\`: a cursor half-way down):"
    echo
    echo "| database | page | requests/s | p50 ms | p99 ms |"
    echo "|---|---|---|---|---|"
    jq -r '"| \(.mode) | \(.page) | \(.rps | floor) | \(.p50_ms) | \(.p99_ms) |"' "$work/history.jsonl"
    echo "<!-- persistence:end -->"
} >"$section"
if [[ "${NO_WRITE:-0}" == "1" ]]; then cat "$section"; else replace_section persistence "$section"; cat "$section"; fi
