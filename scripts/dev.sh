#!/usr/bin/env bash
# Builds and starts the whole stack on this machine: the Gemini simulator (unless
# GEMINI_API_KEY is set), the generation and coach services, and the gateway.
# Output is prefixed per process; Ctrl-C stops everything. Needs openssl for the development token.
#
# Ports: GATEWAY_PORT (8080), GENERATION_PORT (7101), COACH_PORT (7102), SIMULATOR_PORT (7199).
set -euo pipefail
cd "$(dirname "$0")/.."

gateway_port=${GATEWAY_PORT:-8080}
generation_port=${GENERATION_PORT:-7101}
coach_port=${COACH_PORT:-7102}
simulator_port=${SIMULATOR_PORT:-7199}

echo "building (the first build takes a few minutes)..."
build_log=$(mktemp)
for product in GeminiSimulator GenerationService CoachService Gateway; do
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
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped."
}
trap stop INT TERM EXIT

start() { # name, command...: runs it in the background, its output prefixed with [name]
  local name=$1; shift
  "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
  pids+=($!)  # the process itself, so Ctrl-C reaches it (and its drain) directly
}

if [ -z "${GEMINI_API_KEY:-}" ]; then
  echo "GEMINI_API_KEY is not set: using the local Gemini simulator on port $simulator_port."
  export GEMINI_API_KEY=simulator-key
  export GEMINI_BASE_URL=http://127.0.0.1:$simulator_port
  start simulator env PORT="$simulator_port" "$bin/GeminiSimulator"
fi

start generation env LISTEN_ADDR=127.0.0.1:$generation_port "$bin/GenerationService"
start coach env LISTEN_ADDR=127.0.0.1:$coach_port GENERATION_ADDR=127.0.0.1:$generation_port "$bin/CoachService"
# The gateway never sees the Gemini key.
start gateway env -u GEMINI_API_KEY -u GEMINI_BASE_URL PORT="$gateway_port" SUPABASE_JWT_SECRET="$jwt_secret" \
  GENERATION_ADDR=127.0.0.1:$generation_port COACH_ADDR=127.0.0.1:$coach_port "$bin/Gateway"

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$gateway_port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done

cat <<MSG

Gateway: http://127.0.0.1:$gateway_port
Development token (24 h):
  $dev_token
Try:
  curl -s http://127.0.0.1:$gateway_port/api/v1/interview/questions \\
    -H "Authorization: Bearer $dev_token" \\
    -H 'Content-Type: application/json' \\
    -d '{"jobDescription": "Backend engineer, Swift and Postgres", "profile": {"fullName": "Ada Lovelace"}}'

Ctrl-C stops everything.
MSG
wait
