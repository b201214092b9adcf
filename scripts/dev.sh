#!/usr/bin/env bash
# Builds and starts the whole stack on this machine: the Gemini simulator (unless
# GEMINI_API_KEY is set), the generation and coach services, and the gateway. Prints the
# gateway's URL, a development token and a curl that works as printed. Output is prefixed per
# process; Ctrl-C stops everything (a second Ctrl-C kills what is still draining); when one
# process exits, the others are stopped too.
#
# Settings (environment), with defaults:
#   GATEWAY_PORT 8080, GENERATION_PORT 7101, COACH_PORT 7102, SIMULATOR_PORT 7199
#   GEMINI_API_KEY        unset: the local simulator answers instead of Gemini
#   RPC_TOKEN             generated for this run
#   SUPABASE_JWT_SECRET   generated for this run; the printed token is signed with it
#   LOG_LEVEL             info
# Every other setting in the README's configuration table passes through to the processes.
# Needs swift, curl and openssl.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in swift curl openssl; do
  command -v "$tool" >/dev/null || { echo "scripts/dev.sh needs $tool on PATH" >&2; exit 1; }
done

gateway_port=${GATEWAY_PORT:-8080}
generation_port=${GENERATION_PORT:-7101}
coach_port=${COACH_PORT:-7102}
simulator_port=${SIMULATOR_PORT:-7199}

ports_needed=("GATEWAY_PORT=$gateway_port" "GENERATION_PORT=$generation_port" "COACH_PORT=$coach_port")
[ -n "${GEMINI_API_KEY:-}" ] || ports_needed+=("SIMULATOR_PORT=$simulator_port")
for setting in "${ports_needed[@]}"; do
  # Something already answering there would take our processes' calls, or make them fail to bind.
  if (exec 3<>"/dev/tcp/127.0.0.1/${setting#*=}") 2>/dev/null; then
    echo "port ${setting#*=} is in use; choose another with ${setting%=*}=..." >&2
    exit 1
  fi
done

echo "building (the first build takes a few minutes)..."
build_log=$(mktemp)
for product in GeminiSimulator GenerationService CoachService Gateway; do
  # One product at a time: a plain `swift build` would also build the test-only protobuf-c
  # fixtures, which need libprotobuf-c-dev.
  if ! swift build --product "$product" >"$build_log" 2>&1; then
    cat "$build_log"
    echo "build of $product failed" >&2
    exit 1
  fi
done
rm -f "$build_log"
bin=$(swift build --show-bin-path)

random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
export RPC_TOKEN=${RPC_TOKEN:-$(random_hex 24)}

# A development JWT secret and a token signed with it, shaped like a Supabase user's access
# token (role authenticated, audience authenticated), valid for 24 hours.
jwt_secret=${SUPABASE_JWT_SECRET:-$(random_hex 32)}
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
jwt_header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
jwt_payload=$(printf '{"sub":"00000000-0000-4000-8000-000000000001","role":"authenticated","aud":"authenticated","email":"dev@example.com","iat":%d,"exp":%d}' "$now" $((now + 86400)) | b64url)
jwt_signature=$(printf '%s.%s' "$jwt_header" "$jwt_payload" | openssl dgst -sha256 -hmac "$jwt_secret" -binary | b64url)
dev_token="$jwt_header.$jwt_payload.$jwt_signature"
export LOG_LEVEL=${LOG_LEVEL:-info}

pids=()
names=()
stopping=0
any_running() {
  local pid
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done
  return 1
}
stop() {
  [ "$stopping" = 1 ] && return
  stopping=1
  # A second Ctrl-C while the services drain kills them.
  trap 'echo "killing."; kill -KILL "${pids[@]}" 2>/dev/null; exit 130' INT
  echo "stopping (SIGTERM: the services finish the calls in flight)..."
  kill -TERM "${pids[@]}" 2>/dev/null || true
  # Draining takes at most the services' 30 s; a process still there after 45 s is stuck (a
  # crash whose backtrace hangs, say) and is killed, so that stopping always ends.
  local waited=0
  while ((waited < 450)) && any_running; do sleep 0.1; waited=$((waited + 1)); done
  if any_running; then
    echo "still running after 45 s: killing."
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  wait "${pids[@]}" 2>/dev/null || true
  echo "stopped."
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

start() { # name, command...: runs it in the background, its output prefixed with [name]
  local name=$1; shift
  # The prefixing sed ignores Ctrl-C, so it outlives the process and prints its last lines
  # (its drain) instead of leaving it writing to a closed pipe.
  "$@" > >(trap '' INT; sed -u "s/^/[$name] /") 2>&1 &
  pids+=($!)  # the process itself (env execs it), so the SIGTERM reaches it directly
  names+=("$name")
}

# The name of a started process that has exited, if any.
exited() {
  local i
  for i in "${!pids[@]}"; do
    kill -0 "${pids[$i]}" 2>/dev/null || { echo "${names[$i]}"; return 0; }
  done
  return 1
}

if [ -z "${GEMINI_API_KEY:-}" ]; then
  echo "GEMINI_API_KEY is not set: using the local Gemini simulator on port $simulator_port (set it to call Google)."
  export GEMINI_API_KEY=simulator-key
  export GEMINI_BASE_URL=http://127.0.0.1:$simulator_port
  start simulator env PORT="$simulator_port" "$bin/GeminiSimulator"
else
  echo "GEMINI_API_KEY is set: the services call Gemini at ${GEMINI_BASE_URL:-https://generativelanguage.googleapis.com}."
fi

start generation env LISTEN_ADDR="127.0.0.1:$generation_port" "$bin/GenerationService"
start coach env LISTEN_ADDR="127.0.0.1:$coach_port" GENERATION_ADDR="127.0.0.1:$generation_port" "$bin/CoachService"
# The gateway never sees the Gemini key.
start gateway env -u GEMINI_API_KEY -u GEMINI_BASE_URL PORT="$gateway_port" SUPABASE_JWT_SECRET="$jwt_secret" \
  GENERATION_ADDR="127.0.0.1:$generation_port" COACH_ADDR="127.0.0.1:$coach_port" "$bin/Gateway"

ready=0
for _ in $(seq 1 150); do
  if gone=$(exited); then
    echo "$gone exited during start-up (its last lines are above); stopping the others." >&2
    exit 1
  fi
  if curl -fsS "http://127.0.0.1:$gateway_port/readyz" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.2
done
if [ "$ready" != 1 ]; then
  echo "the gateway did not become ready within 30 s (see the lines above); stopping." >&2
  exit 1
fi

cat <<MSG

Gateway: http://127.0.0.1:$gateway_port
Development token (24 h):
  $dev_token
Try:
  curl -s http://127.0.0.1:$gateway_port/api/v1/interview/questions \\
    -H "Authorization: Bearer $dev_token" \\
    -H 'Content-Type: application/json' \\
    -d '{"jobDescription": "Backend engineer, Swift and Postgres", "profile": {"fullName": "Ada Lovelace"}}'
The answer is saved (its resultId); your history, and what the AI has cost you:
  curl -s http://127.0.0.1:$gateway_port/api/v1/history -H "Authorization: Bearer $dev_token"
  curl -s http://127.0.0.1:$gateway_port/api/v1/usage -H "Authorization: Bearer $dev_token"
Saved results live in \${DATA_DIR:-./data}/career.sqlite3 (set DATABASE_URL for PostgreSQL).
API reference in a browser (Authorize with the token above, then try each call):
  http://127.0.0.1:$gateway_port/docs

Ctrl-C stops everything.
MSG

# Until Ctrl-C (the trap stops everything) or until one process exits.
wait -n "${pids[@]}" || true
echo "$(exited || echo "a process") exited; stopping the others." >&2
exit 1
