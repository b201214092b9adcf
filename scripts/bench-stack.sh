#!/usr/bin/env bash
# Full-stack benchmarks, release build, loopback only: gateway → GenerationService → Gemini
# upstream (the Gemini simulator, or nginx serving canned answers), started and stopped by this
# script. Writes the "Full stack" section of BENCHMARKS.md (between <!-- stack:start --> and
# <!-- stack:end -->), leaving the rest of the file as it is.
#
#   scripts/bench-stack.sh                                  # all four parts (about 13 minutes)
#   PARTS=throughput DURATION=5 REPEATS=1 scripts/bench-stack.sh
#   PARTS=throughput UPSTREAMS=static CONNECTIONS=1,64 scripts/bench-stack.sh
#
# Upstreams (UPSTREAMS, comma-separated; default simulator,static), for the throughput and ttfb
# parts, each with its own stack run (fresh processes):
#   simulator   the Gemini simulator (GeminiSimulator), zero simulated latency: it checks each
#               request and builds each answer.
#   static      nginx (Debian package; apt-get install nginx), worker_processes 1, serving one canned
#               answer per method from files: for :generateContent the simulator's JSON answer, for
#               :streamGenerateContent?alt=sse its SSE text, both captured at the start of the run
#               (one stack call of each kind against the simulator, the body the service sent taken
#               from GET /simulator/requests and POSTed straight to the simulator). Config, files,
#               pid and error log under the script's temp dir; nginx is stopped with the rest.
#               An upstream that costs almost nothing, so what the stack itself costs shows.
#
# Parts (PARTS, comma-separated; default all four):
#   throughput  for each upstream: wrk POST /api/v1/interview/questions through the stack, and the
#               same load straight to that upstream's :generateContent ("direct": the body the
#               service sends, captured from the simulator), alternated, REPEATS times per connection
#               level; medians. The machine's idle share (2 s of /proc/stat) is taken just before each
#               run; CPU per process from /proc, as CPUs and as CPU µs per call. Then one more stack
#               run under `perf record` (PROFILE=1) per upstream.
#   hold        HOLD_STREAMS concurrent streaming calls (POST /api/v1/networking/brief, SSE) with
#               HOLD_LATENCY of simulated latency each; errors and peak RSS (VmHWM) per process.
#               Per upstream: the simulator delays each call (a fault); nginx (static) delays each
#               stream with its echo module (apt-get install libnginx-mod-http-echo).
#   ttfb        for each upstream: sequential streaming calls, stack and direct alternated: time from
#               the request to the first `data:` byte at the client; the difference of the medians
#               is the stack's streaming overhead.
#   startup     exec to ready for each process, STARTUP_RUNS starts each; median.
#   FLOOR_STACK=1 (the default) adds, in the throughput and hold parts, the same runs against
#               StackFloor: the stack's shape (Hummingbird front, one RPC hop, a back process calling
#               the upstream through AsyncHTTPClient) with none of its work, on the same upstream
#               and load ("floor" rows; its front counts as the gateway, its back as generation).
#   floors      not in the default set: what the frameworks cost with no work behind them, to
#               set against the CPU-per-call aim. At FLOOR_CONNECTIONS [64] connections, REPEATS
#               runs each, the gateway's CPU µs per request for `GET /healthz` (HTTP in and out
#               through the edge middleware and its log line) and for `POST /api/v1/interview/questions`
#               with `{}` (400 after the token is verified and the body read and checked); and
#               RPCBenchmark (two processes, one connection, FLOOR_CONNECTIONS concurrent calls,
#               FLOOR_RPC_BYTES [2300] payload each way, echoed): CPU µs per call of its client and server.
#
# Environment (defaults in brackets):
#   BUILD_PATH [.build-release]  CONNECTIONS [1,64,256]  DURATION [10] s per wrk run
#   WARMUP [2] s per wrk run, not recorded  REPEATS [3]  PROFILE [1]  PROFILE_CONNECTIONS [64]
#   UPSTREAMS [simulator,static]: see above
#   HOLD_STREAMS [10000]  HOLD_LATENCY [2s]  HOLD_ALIASES [1]: for each value a run in which the
#     gateway reaches the one generation process through that many loopback addresses
#     (127.0.0.1 … 127.0.0.N; the gateway keeps one RPC connection per address)
#   HOLD_MAX_IN_FLIGHT [10000]: the services' GEMINI_MAX_IN_FLIGHT in the hold part (Gemini calls
#     at once per service, and so HTTP/1.1 connections to the simulator; the rest wait in its queue)
#   HOLD_HOG [0,1]: for each value a hold run; 1 = with `stress-ng --cpu 1` keeping one core busy
#   TTFB_CALLS [300]  STARTUP_RUNS [7]  BASE_PORT [18000]: gateway BASE_PORT+80, generation +101,
#   coach +102, StackFloor front +90 and back +91, nginx (static upstream) +198, simulator +199
#   LOG_LEVEL [info]  FLOOR_STACK [1]: see above
#   BENCHMARKS_FILE [BENCHMARKS.md]
#   BASELINE_BIN: a directory of release binaries built from another commit (Gateway,
#     GenerationService, CoachService); the throughput part then runs that stack too ("before",
#     ports shifted by 500, the same upstream), taking turns with this build's and the direct
#     runs, and reports before → after side by side. BASELINE_LABEL names it [an earlier commit]
#   NO_WRITE=1: print the section instead of writing it   MAX_SECONDS [1800]: the whole run
#   RESULTS_FROM: a kept results directory (KEEP_WORK=1) whose figures the section also shows
#     (results of runs before UPSTREAMS existed count as simulator results)
#   SKIP_BUILD=1: use the binaries already in BUILD_PATH
#   IDLE_WAIT [0]: seconds to wait, at most, for the CPUs to be >= 90% idle before starting
#   GATEWAY_WRAPPER: a command the gateway runs under, e.g. "heaptrack -o /tmp/gateway-heap" for
#     a heap profile (the memory figures then measure the wrapper's process; use with NO_WRITE=1)
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/bench/common.sh

BUILD_PATH="${BUILD_PATH:-.build-release}"
PARTS="${PARTS:-throughput,hold,ttfb,startup}"
CONNECTIONS="${CONNECTIONS:-1,64,256}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
REPEATS="${REPEATS:-3}"
PROFILE="${PROFILE:-1}"
PROFILE_CONNECTIONS="${PROFILE_CONNECTIONS:-64}"
HOLD_STREAMS="${HOLD_STREAMS:-10000}"
HOLD_LATENCY="${HOLD_LATENCY:-2s}"
HOLD_ALIASES="${HOLD_ALIASES:-1}"
HOLD_MAX_IN_FLIGHT="${HOLD_MAX_IN_FLIGHT:-10000}"
HOLD_HOG="${HOLD_HOG:-0,1}"
TTFB_CALLS="${TTFB_CALLS:-300}"
UPSTREAMS="${UPSTREAMS:-simulator,static}"
FLOOR_STACK="${FLOOR_STACK:-1}"
STARTUP_RUNS="${STARTUP_RUNS:-7}"
BASE_PORT="${BASE_PORT:-18000}"
MAX_SECONDS="${MAX_SECONDS:-1800}"
BENCHMARKS_FILE="${BENCHMARKS_FILE:-BENCHMARKS.md}"
export LOG_LEVEL="${LOG_LEVEL:-info}"

gateway_port=$((BASE_PORT + 80))
generation_port=$((BASE_PORT + 101))
coach_port=$((BASE_PORT + 102))
floor_port=$((BASE_PORT + 90))
floor_back_port=$((BASE_PORT + 91))
nginx_port=$((BASE_PORT + 198))
simulator_port=$((BASE_PORT + 199))
simulator_key=simulator-key # the simulator's fake key; no real Gemini key is ever used here
here="$PWD"
helper="$here/scripts/bench/stackbench.py"
lua="$here/scripts/bench/post.lua"

has_part() { [[ ",$PARTS," == *",$1,"* ]]; }
has_upstream() { [[ ",$UPSTREAMS," == *",$1,"* ]]; }
IFS=, read -r -a upstreams <<<"$UPSTREAMS"
for u in "${upstreams[@]}"; do
    [[ "$u" == simulator || "$u" == static ]] || { echo "bench-stack: unknown upstream '$u' in UPSTREAMS (simulator, static)" >&2; exit 1; }
done
# nginx is needed when a part that runs per upstream runs against the static one.
needs_nginx=0
if has_upstream static && { has_part throughput || has_part ttfb || has_part hold; }; then needs_nginx=1; fi
# The hold part's static upstream delays each stream with nginx's echo module (Debian's
# libnginx-mod-http-echo): `echo_sleep`, then the canned stream.
echo_module=/usr/lib/nginx/modules/ngx_http_echo_module.so
if has_upstream static && has_part hold && [[ ! -f "$echo_module" ]]; then
    echo "bench-stack: the hold part against the static upstream needs nginx's echo module (apt-get install libnginx-mod-http-echo)" >&2; exit 1
fi
[[ "$HOLD_LATENCY" =~ ^[0-9]+(\.[0-9]+)?s$ ]] || { echo "bench-stack: HOLD_LATENCY must be seconds, like 2s" >&2; exit 1; }

work="$(mktemp -d)"
results="$work/results"
mkdir -p "$results"
# RESULTS_FROM=DIR: start from the results a run kept (KEEP_WORK=1 keeps them, in DIR/results), so
# that parts run separately land in one section.
if [[ -n "${RESULTS_FROM:-}" ]]; then cp -R "$RESULTS_FROM"/. "$results"/; fi
pids=()
watchdog=""
# Stops every process this script started: SIGTERM, up to 10 s each, then SIGKILL.
stop_all() {
    local pid
    # Children first: a GATEWAY_WRAPPER (heaptrack) does not pass SIGTERM on to the gateway.
    # Not nginx's: its master stops its workers itself (a worker killed first may be respawned).
    for pid in "${pids[@]}"; do
        [[ "$pid" == "${nginx_pid:-}" ]] || pkill -TERM -P "$pid" 2>/dev/null || true
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pids=()
    nginx_pid=""
}
cleanup() {
    stop_all
    if [[ -n "$watchdog" ]]; then kill "$watchdog" 2>/dev/null || true; wait "$watchdog" 2>/dev/null || true; fi
    if [[ "${KEEP_WORK:-0}" == "1" ]]; then echo "==> results kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'echo "bench-stack: stopped (TERM or the ${MAX_SECONDS} s limit)" >&2; exit 143' TERM
# The whole run is bounded: the watchdog TERMs this script, whose trap stops everything.
(sleep "$MAX_SECONDS"; kill -TERM $$ 2>/dev/null) &
watchdog=$!

log() { echo "==> $*" >&2; }

for tool in wrk curl python3 jq; do command -v "$tool" >/dev/null || { echo "bench-stack: $tool is needed (apt-get install $tool)" >&2; exit 1; }; done
if has_part hold && [[ ",$HOLD_HOG," == *",1,"* ]] && ! command -v stress-ng >/dev/null; then
    echo "bench-stack: stress-ng is needed for HOLD_HOG=1 (apt-get install stress-ng)" >&2; exit 1
fi
nginx_bin=""
if ((needs_nginx)); then
    nginx_bin="$(command -v nginx || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true)"
    [[ -n "$nginx_bin" ]] || { echo "bench-stack: nginx is needed for UPSTREAMS=static (apt-get install nginx)" >&2; exit 1; }
fi
ports=("$gateway_port" "$generation_port" "$coach_port" "$simulator_port" "$floor_port" "$floor_back_port")
if ((needs_nginx)); then ports+=("$nginx_port"); fi
for port in "${ports[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "bench-stack: port $port is in use (set BASE_PORT)" >&2; exit 1; fi
done

# Many sockets per process in the hold part (client, gateway, service and simulator each hold
# one per stream); root may raise the hard limit too.
ulimit -Hn 65536 2>/dev/null || true
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
    log "building (release, scratch path $BUILD_PATH)"
    for product in Gateway GenerationService CoachService GeminiSimulator RPCHealthCheck $(has_part floors && echo RPCBenchmark) $(((FLOOR_STACK)) && echo StackFloor); do
        swift build -c release --product "$product" --scratch-path "$BUILD_PATH" >&2
    done
fi
bin="$(swift build -c release --scratch-path "$BUILD_PATH" --show-bin-path)"
bin_rel="${bin#"$here/"}"

# ------------------------------------------------------------------ machine facts

# Machine-wide busy CPU jiffies.
machine_busy() {
    local _ user nice system idle iowait irq softirq steal rest
    read -r _ user nice system idle iowait irq softirq steal rest </proc/stat
    echo $((user + nice + system + irq + softirq + steal))
}
hz="$(getconf CLK_TCK)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
idle_before="$(cpu_idle_percent)"
IDLE_WAIT="${IDLE_WAIT:-0}"
waited=0
while ((idle_before < 90 && waited < IDLE_WAIT)); do
    log "CPUs ${idle_before}% idle; waiting for the machine to quieten (${waited}/${IDLE_WAIT} s)"
    sleep 8
    waited=$((waited + 10))
    idle_before="$(cpu_idle_percent)"
done

# ------------------------------------------------------------------ the stack

secret="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export RPC_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
python3 "$helper" tokens "$secret" 256 >"$work/tokens.txt"
token="$(head -n 1 "$work/tokens.txt")"

sim_pid="" gen_pid="" coach_pid="" gw_pid="" nginx_pid=""
# The upstream start_stack starts (simulator or static), its port, and the processes whose CPU
# counts as the upstream's (nginx: master and worker).
upstream=simulator up_port="" up_pids=()
# A path the services' GEMINI_BASE_URL adds (the hold part's static upstream: /held).
up_base_path=""

# The static upstream: nginx's prefix directory $work/nginx, with its config and the canned
# answers (generate.json, stream.sse; written in part 0).
write_nginx_conf() {
    local d="$work/nginx" user_line=""
    # Workers read the canned files in this script's private (0700) temp dir.
    if ((EUID == 0)); then user_line="user root;"; fi
    mkdir -p "$d/tmp"
    # Held streams (the hold part): under /held/, a stream waits HOLD_LATENCY before its canned answer.
    local echo_load="" held_locations=""
    if [[ -f "$echo_module" ]]; then
        echo_load="load_module $echo_module;"
        held_locations="location ~ ^/held/.*:streamGenerateContent\$ { default_type text/event-stream; echo_read_request_body; echo_sleep ${HOLD_LATENCY%s}; echo_location_async /canned/stream.sse; }
        location /canned/ { internal; alias $d/; }"
    fi
    cat >"$d/nginx.conf" <<EOF
# Written by scripts/bench-stack.sh: a Gemini upstream that answers every call with a canned file.
$user_line
$echo_load
worker_processes 1;
worker_rlimit_nofile 65536;
pid nginx.pid;
error_log error.log warn;
events { worker_connections 30000; }
http {
    access_log off;
    server_tokens off;
    etag off;
    open_file_cache max=16 inactive=1h;
    open_file_cache_valid 1h;
    client_body_temp_path tmp/client_body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    keepalive_requests 100000;
    keepalive_timeout 300s;
    types { }
    server {
        listen 127.0.0.1:$nginx_port backlog=4096;
        # The static handler answers POST with 405 (after reading and discarding the body); this
        # redirects the request internally, as GET, to the same URI: the file, with status 200.
        error_page 405 =200 \$uri;
        location = /healthz { default_type text/plain; return 200 "ok\n"; }
        # nginx tries regular-expression locations in the order written and takes the first that
        # matches: the held streams' location must come before the plain stream's, which would
        # otherwise answer /held/… at once.
        $held_locations
        location ~ :generateContent\$ { default_type "application/json; charset=UTF-8"; alias $d/generate.json; }
        location ~ :streamGenerateContent\$ { default_type text/event-stream; alias $d/stream.sse; }
    }
}
EOF
}

# start_upstream: starts $upstream; sets up_port and up_pids.
start_upstream() {
    if [[ "$upstream" == static ]]; then
        start nginx -- "$nginx_bin" -p "$work/nginx" -e "$work/nginx/error.log" -c nginx.conf -g 'daemon off;'; nginx_pid=$STARTED
        wait_http "$nginx_port" /healthz 30
        up_port=$nginx_port
        up_pids=("$nginx_pid" $(pgrep -P "$nginx_pid" || true))
    else
        start simulator PORT="$simulator_port" GEMINI_API_KEY="$simulator_key" -- "$bin/GeminiSimulator"; sim_pid=$STARTED
        wait_http "$simulator_port" /healthz 30
        up_port=$simulator_port
        up_pids=("$sim_pid")
    fi
}

# utime + stime of the upstream's processes, in jiffies.
upstream_cpu() {
    local sum=0 pid
    for pid in "${up_pids[@]}"; do sum=$((sum + $(proc_cpu "$pid"))); done
    echo "$sum"
}

# What the results files of an upstream's runs carry in their names: nothing for the simulator
# (as before UPSTREAMS existed), "-static" for nginx.
suffix() { [[ "$1" == simulator ]] || echo "-$1"; }
upstream_label() { if [[ "$1" == static ]]; then echo "nginx (static)"; else echo "$1"; fi; }

# start_stack [generation listen host] [GENERATION_ADDR for the gateway] [extra VAR=VALUE for all],
# against $upstream.
start_stack() {
    local listen_host="${1:-127.0.0.1}" gen_addr="${2:-127.0.0.1:$generation_port}"
    shift 2 || true
    local extra=("$@")
    start_upstream
    local svc=(RPC_TOKEN="$RPC_TOKEN" GEMINI_API_KEY="$simulator_key" GEMINI_BASE_URL="http://127.0.0.1:$up_port$up_base_path" "${extra[@]}")
    start generation "${svc[@]}" LISTEN_ADDR="$listen_host:$generation_port" -- "$bin/GenerationService"; gen_pid=$STARTED
    start coach "${svc[@]}" LISTEN_ADDR="127.0.0.1:$coach_port" GENERATION_ADDR="127.0.0.1:$generation_port" -- "$bin/CoachService"; coach_pid=$STARTED
    # A fresh embedded database each start, so that saved results of earlier runs do not pile up.
    rm -rf "$work/data"
    start gateway -u GEMINI_API_KEY -u GEMINI_BASE_URL PORT="$gateway_port" RPC_TOKEN="$RPC_TOKEN" SUPABASE_JWT_SECRET="$secret" \
        GENERATION_ADDR="$gen_addr" COACH_ADDR="127.0.0.1:$coach_port" DATA_DIR="$work/data" \
        RATE_LIMIT_FLASH_PER_MIN=100000 RATE_LIMIT_PRO_PER_MIN=100000 "${extra[@]}" -- ${GATEWAY_WRAPPER:-} "$bin/Gateway"; gw_pid=$STARTED
    wait_http "$gateway_port" /readyz 60
}

# start_baseline_stack [extra VAR=VALUE for all]: the same gateway, generation and coach from
# $BASELINE_BIN, on the ports shifted by 500, against the upstream start_stack started; its pids
# in before_gw_pid and before_gen_pid.
before_gw_pid="" before_gen_pid=""
start_baseline_stack() {
    local shift_by=500 extra=("$@")
    local svc=(RPC_TOKEN="$RPC_TOKEN" GEMINI_API_KEY="$simulator_key" GEMINI_BASE_URL="http://127.0.0.1:$up_port$up_base_path" "${extra[@]}")
    start before-generation "${svc[@]}" LISTEN_ADDR="127.0.0.1:$((generation_port + shift_by))" -- "$BASELINE_BIN/GenerationService"; before_gen_pid=$STARTED
    start before-coach "${svc[@]}" LISTEN_ADDR="127.0.0.1:$((coach_port + shift_by))" GENERATION_ADDR="127.0.0.1:$((generation_port + shift_by))" -- "$BASELINE_BIN/CoachService"
    rm -rf "$work/before-data"
    start before-gateway -u GEMINI_API_KEY -u GEMINI_BASE_URL PORT="$((gateway_port + shift_by))" RPC_TOKEN="$RPC_TOKEN" SUPABASE_JWT_SECRET="$secret" \
        GENERATION_ADDR="127.0.0.1:$((generation_port + shift_by))" COACH_ADDR="127.0.0.1:$((coach_port + shift_by))" DATA_DIR="$work/before-data" \
        RATE_LIMIT_FLASH_PER_MIN=100000 RATE_LIMIT_PRO_PER_MIN=100000 "${extra[@]}" -- "$BASELINE_BIN/Gateway"; before_gw_pid=$STARTED
    wait_http "$((gateway_port + shift_by))" /readyz 60
}

# start_floor [max in flight]: StackFloor's back and front against the upstream started last (at
# $up_port$up_base_path), the back posting to the paths the service uses; pids in floor_front_pid
# and floor_back_pid. Ready once a call through it is answered.
floor_front_pid="" floor_back_pid=""
start_floor() {
    start floor-back RPC_TOKEN="$RPC_TOKEN" GEMINI_API_KEY="$simulator_key" -- "$bin/StackFloor" back --port "$floor_back_port" \
        --upstream "http://127.0.0.1:$up_port$up_base_path" --generate-path "$direct_path" --stream-path "$stream_path" \
        --max-in-flight "${1:-1024}"; floor_back_pid=$STARTED
    start floor-front RPC_TOKEN="$RPC_TOKEN" -- "$bin/StackFloor" front --port "$floor_port" --back "127.0.0.1:$floor_back_port"; floor_front_pid=$STARTED
    local i
    for i in $(seq 1 200); do
        curl -fsS -o /dev/null "http://127.0.0.1:$floor_port/generate" -H 'Content-Type: application/json' --data-binary @"$work/direct-body.json" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "bench-stack: StackFloor did not answer within 20 s; logs in $work" >&2
    KEEP_WORK=1
    exit 1
}

# The last generate request the simulator saw: body to FILE, "path?query" on stdout.
last_simulator_request() {
    curl -fsS "http://127.0.0.1:$simulator_port/simulator/requests" >"$work/requests.json"
    jq -c '.requests[-1].body' "$work/requests.json" >"$1"
    jq -r '.requests[-1] | .path + (if (.query // "") != "" then "?" + .query else "" end)' "$work/requests.json"
}

interview_body='{"jobDescription": "Backend engineer: Swift, SwiftNIO, Postgres, on-call for a payments API", "profile": {"fullName": "Ada Lovelace", "jobTitle": "Software engineer", "summary": "Eight years building reliable backend services.", "technicalSkills": [{"name": "Swift"}, {"name": "Postgres"}]}}'
brief_body='{"profile": {"fullName": "Ada Lovelace", "jobTitle": "Software engineer", "summary": "Eight years building reliable backend services."}, "counterpartInfo": "Grace Hopper, engineering manager at a payments company, previously compilers"}'
printf '%s' "$interview_body" >"$work/interview.json"
printf '%s' "$brief_body" >"$work/brief.json"

# One stack call of each kind; the script stops (exit 1) unless the stack answers it in full.
interview_call() {
    local status
    status="$(curl -sS -o "$work/answer.json" -w '%{http_code}' "http://127.0.0.1:$gateway_port/api/v1/interview/questions" \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data-binary @"$work/interview.json")"
    [[ "$status" == 200 ]] || { echo "bench-stack: the stack ($upstream upstream) answered $status: $(head -c 500 "$work/answer.json")" >&2; KEEP_WORK=1; exit 1; }
}
brief_call() {
    local status
    status="$(curl -sS -o "$work/answer.txt" -w '%{http_code}' "http://127.0.0.1:$gateway_port/api/v1/networking/brief" \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -H 'Accept: text/event-stream' --data-binary @"$work/brief.json")"
    [[ "$status" == 200 ]] && grep -q '^event: done' "$work/answer.txt" ||
        { echo "bench-stack: streaming call ($upstream upstream) failed: $status: $(head -c 500 "$work/answer.txt")" >&2; KEEP_WORK=1; exit 1; }
}

# ------------------------------------------------------------------ 0. the requests the service sends; the canned answers

# For throughput and ttfb: against the simulator, one stack call of each kind, and the body the
# service sent for each (the direct runs send it, to either upstream); for the static upstream
# (those two parts, and hold) also the simulator's answer to each body, POSTed straight to it:
# what nginx serves.
if has_part throughput || has_part ttfb || ((needs_nginx)) || { ((FLOOR_STACK)) && has_part hold; }; then
    log "capturing the requests the service sends (and, for the static upstream, the simulator's answers to them)"
    upstream=simulator
    start_stack 127.0.0.1 "127.0.0.1:$generation_port"
    interview_call
    direct_path="$(last_simulator_request "$work/direct-body.json")"
    echo "$direct_path" >"$results/direct-path.txt"
    brief_call
    stream_path="$(last_simulator_request "$work/stream-body.json")"
    echo "$stream_path" >"$results/stream-path.txt"
    if ((needs_nginx)); then
        write_nginx_conf
        "$nginx_bin" -t -q -p "$work/nginx" -e "$work/nginx/error.log" -c nginx.conf ||
            { echo "bench-stack: nginx refuses its config ($work/nginx/nginx.conf)" >&2; KEEP_WORK=1; exit 1; }
        status="$(curl -sS -o "$work/nginx/generate.json" -w '%{http_code}' "http://127.0.0.1:$simulator_port$direct_path" \
            -H "x-goog-api-key: $simulator_key" -H 'Content-Type: application/json' --data-binary @"$work/direct-body.json")"
        [[ "$status" == 200 && -s "$work/nginx/generate.json" ]] &&
            jq -e '.candidates[0].content.parts | length > 0' "$work/nginx/generate.json" >/dev/null ||
            { echo "bench-stack: the simulator answered $status to the captured generateContent body" >&2; KEEP_WORK=1; exit 1; }
        status="$(curl -sS -o "$work/nginx/stream.sse" -w '%{http_code}' "http://127.0.0.1:$simulator_port$stream_path" \
            -H "x-goog-api-key: $simulator_key" -H 'Content-Type: application/json' -H 'Accept: text/event-stream' \
            --data-binary @"$work/stream-body.json")"
        [[ "$status" == 200 && -s "$work/nginx/stream.sse" ]] && grep -q '^data: ' "$work/nginx/stream.sse" ||
            { echo "bench-stack: the simulator answered $status to the captured streamGenerateContent body" >&2; KEEP_WORK=1; exit 1; }
        jq -n --arg nginx "$("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //')" \
            --argjson json_bytes "$(wc -c <"$work/nginx/generate.json")" --argjson sse_bytes "$(wc -c <"$work/nginx/stream.sse")" \
            --argjson sse_events "$(grep -c '^data: ' "$work/nginx/stream.sse")" \
            --argjson body_bytes "$(wc -c <"$work/direct-body.json")" --argjson stream_body_bytes "$(wc -c <"$work/stream-body.json")" \
            '{nginx: $nginx, json_bytes: $json_bytes, sse_bytes: $sse_bytes, sse_events: $sse_events, body_bytes: $body_bytes, stream_body_bytes: $stream_body_bytes}' \
            >"$results/static.json"
        cp "$work/nginx/generate.json" "$results/static-generate.json"
        cp "$work/nginx/stream.sse" "$results/static-stream.sse"
    fi
    stop_all
fi

# ------------------------------------------------------------------ 1. throughput

if has_part throughput; then
    stack_url="http://127.0.0.1:$gateway_port/api/v1/interview/questions"
    before_url="http://127.0.0.1:$((gateway_port + 500))/api/v1/interview/questions"
    run_wrk() { # target connections seconds -> JSON line (direct: to $direct_url)
        local target=$1 c=$2 d=$3 threads=$(($2 < 2 ? 1 : 2))
        if [[ "$target" == stack ]]; then
            wrk -t"$threads" -c"$c" -d"${d}s" --timeout 10s -s "$lua" "$stack_url" -- "$work/interview.json" "$work/tokens.txt"
        elif [[ "$target" == before ]]; then
            wrk -t"$threads" -c"$c" -d"${d}s" --timeout 10s -s "$lua" "$before_url" -- "$work/interview.json" "$work/tokens.txt"
        elif [[ "$target" == floor ]]; then
            # The floor forwards its body as it is: it gets the body the service would send.
            wrk -t"$threads" -c"$c" -d"${d}s" --timeout 10s -s "$lua" "http://127.0.0.1:$floor_port/generate" -- "$work/direct-body.json"
        else
            wrk -t"$threads" -c"$c" -d"${d}s" --timeout 10s -s "$lua" "$direct_url" -- "$work/direct-body.json" "x-goog-api-key:$simulator_key"
        fi | grep '^{"requests"'
    }
    IFS=, read -r -a levels <<<"$CONNECTIONS"
    for upstream in "${upstreams[@]}"; do
        sfx="$(suffix "$upstream")"
        log "throughput ($upstream upstream): starting the stack"
        start_stack 127.0.0.1 "127.0.0.1:$generation_port" GEMINI_MAX_IN_FLIGHT=1024 GEMINI_MAX_QUEUE=10000 HTTP_MAX_CONNECTIONS=4096
        interview_call
        targets=(stack direct)
        if [[ -n "${BASELINE_BIN:-}" ]]; then
            start_baseline_stack GEMINI_MAX_IN_FLIGHT=1024 GEMINI_MAX_QUEUE=10000 HTTP_MAX_CONNECTIONS=4096
            targets=(stack before direct)
        fi
        if ((FLOOR_STACK)); then
            start_floor 1024
            targets+=(floor)
        fi
        direct_url="http://127.0.0.1:$up_port$direct_path"
        for rep in $(seq 1 "$REPEATS"); do
            for c in "${levels[@]}"; do
                # The targets take turns; the order rotates each repeat.
                order=()
                for i in "${!targets[@]}"; do order+=("${targets[$(((i + rep - 1) % ${#targets[@]}))]}"); done
                for target in "${order[@]}"; do
                    idle="$(cpu_idle_percent)"
                    log "throughput ($upstream upstream): repeat $rep, $c connections, $target (CPUs ${idle}% idle just before)"
                    run_wrk "$target" "$c" "$WARMUP" >/dev/null
                    case "$target" in
                        before) t_gw=$before_gw_pid t_gen=$before_gen_pid ;;
                        floor) t_gw=$floor_front_pid t_gen=$floor_back_pid ;;
                        *) t_gw=$gw_pid t_gen=$gen_pid ;;
                    esac
                    b_gw=$(proc_cpu "$t_gw"); b_gen=$(proc_cpu "$t_gen"); b_up=$(upstream_cpu); b_all=$(machine_busy)
                    t0=$(date +%s.%N)
                    line="$(run_wrk "$target" "$c" "$DURATION")"
                    t1=$(date +%s.%N)
                    # CPUs used during the run (CPU seconds / wall seconds), and CPU µs per call
                    # (CPU seconds / requests wrk completed).
                    usage="$(awk -v hz="$hz" -v t0="$t0" -v t1="$t1" -v n="$(jq .requests <<<"$line")" -v stack="$([[ "$target" != direct ]] && echo 1 || echo 0)" \
                        -v gw=$(($(proc_cpu "$t_gw") - b_gw)) -v gen=$(($(proc_cpu "$t_gen") - b_gen)) \
                        -v up=$(($(upstream_cpu) - b_up)) -v all=$(($(machine_busy) - b_all)) '
                        function us(j) { return n > 0 ? sprintf("%.0f", j / hz / n * 1e6) : "null" }
                        BEGIN {
                            t = t1 - t0
                            if (stack) printf "{\"cpus\":{\"gateway\":%.2f,\"generation\":%.2f,\"upstream\":%.2f,\"machine\":%.2f},\"cpu_us_per_call\":{\"gateway\":%s,\"generation\":%s,\"upstream\":%s}}", gw/hz/t, gen/hz/t, up/hz/t, all/hz/t, us(gw), us(gen), us(up)
                            else printf "{\"cpus\":{\"upstream\":%.2f,\"machine\":%.2f},\"cpu_us_per_call\":{\"upstream\":%s}}", up/hz/t, all/hz/t, us(up)
                        }')"
                    echo "$line" | jq -c --arg upstream "$upstream" --arg target "$target" --argjson c "$c" --argjson rep "$rep" \
                        --argjson idle "$idle" --argjson usage "$usage" \
                        '. + {upstream: $upstream, target: $target, connections: $c, repeat: $rep, idle_before: $idle} + $usage' >>"$results/wrk.jsonl"
                    tail -n 1 "$results/wrk.jsonl" >&2
                done
            done
        done
        if [[ "$PROFILE" == "1" ]] && command -v perf >/dev/null; then
            log "throughput ($upstream upstream): profiling a ${PROFILE_CONNECTIONS}-connection stack run (perf record, ${DURATION} s)"
            up_names=()
            if [[ "$upstream" == static ]]; then
                up_names=("$nginx_pid=nginx master")
                for p in "${up_pids[@]:1}"; do up_names+=("$p=nginx"); done
            else
                up_names=("$sim_pid=simulator")
            fi
            perf record -F 999 -g -o "$work/perf.data" -p "$(IFS=,; echo "$gw_pid,$gen_pid,${up_pids[*]}")" -- sleep "$DURATION" >/dev/null 2>&1 &
            perf_pid=$!
            pids+=("$perf_pid")
            run_wrk stack "$PROFILE_CONNECTIONS" "$DURATION" | jq -c --arg upstream "$upstream" --argjson c "$PROFILE_CONNECTIONS" '. + {upstream: $upstream, target: "stack (under perf)", connections: $c}' \
                >"$results/profile-run$sfx.jsonl"
            wait "$perf_pid" 2>/dev/null || true
            # Per process: self time by shared object and symbol, and each sample charged to the first
            # app or library Swift frame up its call chain (stackbench.py perfsum).
            perf script -i "$work/perf.data" -F pid,ip,sym,dso 2>/dev/null |
                python3 "$helper" perfsum "$gw_pid=gateway" "$gen_pid=generation" "${up_names[@]}" --top 12 >"$results/perf-dso$sfx.txt" || true
            cp "$results/perf-dso$sfx.txt" "/tmp/bench-stack-perf$sfx.txt" 2>/dev/null || true
        fi
        stop_all
    done
    upstream=simulator
fi

# ------------------------------------------------------------------ 3. ttfb (before hold: same settings as throughput)

if has_part ttfb; then
    for upstream in "${upstreams[@]}"; do
        sfx="$(suffix "$upstream")"
        log "ttfb ($upstream upstream): starting the stack"
        start_stack 127.0.0.1 "127.0.0.1:$generation_port"
        brief_call
        idle="$(cpu_idle_percent)"
        log "ttfb ($upstream upstream): $TTFB_CALLS calls each, alternated (CPUs ${idle}% idle just before)"
        tcpdump_pid=""
        if command -v tcpdump >/dev/null; then
            # Packet times on loopback: the upstream's first chunk to the service, and the gateway's
            # first SSE data to the client (stackbench.py pcap pairs them).
            tcpdump -i lo -Z root -s 4096 --time-stamp-precision=nano -w "$work/ttfb$sfx.pcap" "tcp port $up_port or tcp port $gateway_port" \
                >"$work/tcpdump.log" 2>&1 &
            tcpdump_pid=$!
            pids+=("$tcpdump_pid")
            sleep 1
        fi
        python3 "$helper" ttfb --calls "$TTFB_CALLS" --warmup 20 --max-seconds 300 \
            --a "stack,$gateway_port,/api/v1/networking/brief,$work/brief.json,Authorization:Bearer $token" \
            --b "direct,$up_port,$stream_path,$work/stream-body.json,x-goog-api-key:$simulator_key,x-bench:direct" |
            jq -c --arg upstream "$upstream" --argjson idle "$idle" '. + {upstream: $upstream, idle_before: $idle}' >"$results/ttfb$sfx.json"
        cat "$results/ttfb$sfx.json" >&2
        if [[ -n "$tcpdump_pid" ]]; then
            sleep 0.5
            kill -TERM "$tcpdump_pid" 2>/dev/null || true
            wait "$tcpdump_pid" 2>/dev/null || true
            python3 "$helper" pcap "$work/ttfb$sfx.pcap" --simulator-port "$up_port" --gateway-port "$gateway_port" >"$results/ttfb-wire$sfx.json" || true
            cat "$results/ttfb-wire$sfx.json" >&2
        fi
        stop_all
    done
    upstream=simulator
fi

# ------------------------------------------------------------------ 2. hold

if has_part hold; then
    # hold_run TARGET HOG ALIASES PORT PATH BODY FRONT_PID BACK_PID: HOLD_STREAMS streams held on
    # what is running (the stack, or StackFloor: TARGET stack or floor, its front and back pids),
    # the figures appended to hold.jsonl; stops everything at the end.
    hold_run() {
        local target=$1 hog=$2 aliases=$3 port=$4 path=$5 body=$6 front=$7 back=$8
        if [[ "$upstream" == static ]]; then
            # nginx must hold each stream for HOLD_LATENCY: a canned answer at once would measure
            # streams that are never held (as a mis-ordered location once did).
            local t0 t1
            t0=$(date +%s.%N)
            curl -fsS -o /dev/null "http://127.0.0.1:$up_port$up_base_path$stream_path" -H 'Content-Type: application/json' \
                --data-binary @"$work/stream-body.json"
            t1=$(date +%s.%N)
            awk -v a="$t0" -v b="$t1" -v l="${HOLD_LATENCY%s}" 'BEGIN { exit !(b - a >= l) }' ||
                { echo "bench-stack: nginx answered a held stream in under $HOLD_LATENCY: its config does not hold streams" >&2; KEEP_WORK=1; exit 1; }
        fi
        if [[ "$upstream" == simulator ]]; then
            curl -fsS -o /dev/null "http://127.0.0.1:$simulator_port/simulator/faults" -H 'Content-Type: application/json' \
                -d "{\"fault\": \"latency=$HOLD_LATENCY\", \"count\": $HOLD_STREAMS}"
        fi
        local hog_pid=""
        if [[ "$hog" == "1" ]]; then
            # Another program keeping one of the two cores busy for the whole run; `env
            # --default-signal` because a signal ignored here would be ignored by stress-ng too.
            env --default-signal stress-ng --cpu 1 --timeout "$MAX_SECONDS" --quiet &
            hog_pid=$!
            pids+=("$hog_pid")
            sleep 1
        fi
        local idle_hold cpu_before up_mem_pid rss cpu cpu_gw cpu_gen cpu_sim stats='{}' metrics=() members run_name
        idle_hold="$(cpu_idle_percent)"
        # CPU seconds each process spends on the whole run (connections, calls, their end).
        cpu_before="$(for p in $front $back; do proc_cpu "$p"; done; upstream_cpu)"
        cpu_before="$(echo "$cpu_before" | paste -sd' ')"
        # The upstream's memory: the simulator, or nginx's worker.
        up_mem_pid="${up_pids[-1]}"
        # The gateway's own gauges, from its /metrics (StackFloor has none).
        if [[ "$target" == stack ]]; then metrics=(--metrics-port "$port"); fi
        python3 "$helper" hold --port "$port" --path "$path" --body "$body" \
            --tokens "$work/tokens.txt" --count "$HOLD_STREAMS" "${metrics[@]}" --call-timeout 90 >"$work/hold.json"
        members="gateway:$front generation:$back simulator:$up_mem_pid"
        if [[ "$target" == stack ]]; then members+=" coach:$coach_pid"; fi
        rss="$(for p in $members; do
            awk -v n="${p%%:*}" '/^VmHWM/ { hwm = $2 } /^VmRSS/ { rss = $2 } END { printf "\"%s\":{\"hwm_kb\":%d,\"rss_kb\":%d}\n", n, hwm, rss }' "/proc/${p#*:}/status"
        done | paste -sd, -)"
        cpu="$(paste -d' ' <(echo "$cpu_before" | tr ' ' '\n') <(for p in $front $back; do proc_cpu "$p"; done; upstream_cpu) \
            | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($2 - $1) / hz }' | paste -sd' ')"
        read -r cpu_gw cpu_gen cpu_sim <<<"$cpu"
        if [[ "$upstream" == simulator ]]; then stats="$(curl -fsS "http://127.0.0.1:$simulator_port/simulator/stats" || echo '{}')"; fi
        jq -c --arg upstream "$upstream" --arg target "$target" --argjson aliases "$aliases" --arg latency "$HOLD_LATENCY" --argjson rss "{$rss}" --argjson sim "$stats" \
            --argjson hog "$hog" --argjson idle "$idle_hold" --argjson cgw "$cpu_gw" --argjson cgen "$cpu_gen" --argjson csim "$cpu_sim" \
            '. + {upstream: $upstream, target: $target, aliases: $aliases, latency: $latency, memory: $rss, simulator: $sim, hog: $hog, idle_before: $idle,
                  cpu_seconds: {gateway: $cgw, generation: $cgen, simulator: $csim, client: .client_cpu_seconds}}' "$work/hold.json" >>"$results/hold.jsonl"
        tail -n 1 "$results/hold.jsonl" >&2
        run_name="$aliases$([[ "$hog" == "1" ]] && echo "-hog" || true)$(suffix "$upstream")$([[ "$target" == floor ]] && echo "-floor" || true)"
        if [[ "$target" == stack ]]; then
            grep -h '"level":"\(error\|warning\|critical\)"' "$work/gateway.log" "$work/generation.log" 2>/dev/null | cut -c1-300 | sort | uniq -c | sort -rn | head -n 5 >"$results/hold-log-$run_name.txt" || true
            # Everything but the per-request access lines, kept with the results.
            grep -hv '"msg":"request"' "$work/gateway.log" >"$results/hold-gateway-$run_name.log" 2>/dev/null || true
            cp "$work/generation.log" "$results/hold-generation-$run_name.log" 2>/dev/null || true
            : >"$work/gateway.log"; : >"$work/generation.log"
        else
            cat "$work/floor-front.log" "$work/floor-back.log" >"$results/hold-$run_name.log" 2>/dev/null || true
            : >"$work/floor-front.log"; : >"$work/floor-back.log"
        fi
        stop_all
    }

    IFS=, read -r -a alias_counts <<<"$HOLD_ALIASES"
    IFS=, read -r -a hog_modes <<<"$HOLD_HOG"
    for upstream in "${upstreams[@]}"; do
    # The static upstream delays each stream itself (nginx's echo module, under /held/); the
    # simulator is told to by a fault.
    up_base_path=""; [[ "$upstream" == static ]] && up_base_path=/held
    for hog in "${hog_modes[@]}"; do
    for aliases in "${alias_counts[@]}"; do
        if ((aliases > 1)); then
            listen=0.0.0.0
            addr="$(for i in $(seq 1 "$aliases"); do printf '127.0.0.%d:%d,' "$i" "$generation_port"; done)"
            addr="${addr%,}"
        else
            listen=127.0.0.1
            addr="127.0.0.1:$generation_port"
        fi
        log "hold ($(upstream_label "$upstream")): $HOLD_STREAMS streams, $HOLD_LATENCY latency, generation reached through $aliases address(es)"
        start_stack "$listen" "$addr" GEMINI_MAX_IN_FLIGHT="$HOLD_MAX_IN_FLIGHT" GEMINI_MAX_QUEUE=20000 HTTP_MAX_CONNECTIONS=20000 HTTP_IDLE_TIMEOUT_SECONDS=120 RPC_MAX_CALLS_PER_CONNECTION=12000
        sleep 2 # the gateway connects to every replica address
        hold_run stack "$hog" "$aliases" "$gateway_port" /api/v1/networking/brief "$work/brief.json" "$gw_pid" "$gen_pid"
    done
    if ((FLOOR_STACK)); then
        log "hold ($(upstream_label "$upstream")): StackFloor, $HOLD_STREAMS streams, $HOLD_LATENCY latency"
        start_upstream
        start_floor "$HOLD_MAX_IN_FLIGHT"
        hold_run floor "$hog" 1 "$floor_port" /stream "$work/stream-body.json" "$floor_front_pid" "$floor_back_pid"
    fi
    done
    done
    upstream=simulator up_base_path=""
fi

# ------------------------------------------------------------------ 5. floors

if has_part floors; then
    FLOOR_CONNECTIONS="${FLOOR_CONNECTIONS:-64}"
    FLOOR_RPC_BYTES="${FLOOR_RPC_BYTES:-2300}"
    upstream="${upstreams[0]}"
    log "floors: starting the stack ($upstream upstream)"
    start_stack 127.0.0.1 "127.0.0.1:$generation_port" HTTP_MAX_CONNECTIONS=4096
    echo '{}' >"$work/empty.json"
    for rep in $(seq 1 "$REPEATS"); do
        for probe in healthz refused; do
            if [[ "$probe" == healthz ]]; then args=("http://127.0.0.1:$gateway_port/healthz" -- GET)
            else args=("http://127.0.0.1:$gateway_port/api/v1/interview/questions" -- "$work/empty.json" "$work/tokens.txt"); fi
            log "floors: repeat $rep, $probe, $FLOOR_CONNECTIONS connections"
            wrk -t2 -c"$FLOOR_CONNECTIONS" -d"${WARMUP}s" -s "$lua" "${args[@]}" >/dev/null
            b_gw=$(proc_cpu "$gw_pid")
            line="$(wrk -t2 -c"$FLOOR_CONNECTIONS" -d"${DURATION}s" --timeout 10s -s "$lua" "${args[@]}" | grep '^{"requests"')"
            a_gw=$(proc_cpu "$gw_pid")
            jq -c --arg probe "$probe" --argjson rep "$rep" --argjson us "$(awk -v a="$b_gw" -v b="$a_gw" -v hz="$hz" -v n="$(jq .requests <<<"$line")" \
                'BEGIN { printf "%.1f", (b - a) / hz * 1e6 / n }')" '. + {probe: $probe, repeat: $rep, gateway_us: $us}' <<<"$line" >>"$results/floors.jsonl"
            tail -n 1 "$results/floors.jsonl" >&2
        done
    done
    stop_all
    rpc_bin="$bin/RPCBenchmark"
    for rep in $(seq 1 "$REPEATS"); do
        log "floors: repeat $rep, RPCBenchmark, two processes, $FLOOR_CONNECTIONS concurrent calls, $FLOOR_RPC_BYTES bytes"
        "$rpc_bin" --mode server --port 0 --insecure >"$work/rpc-server.out" 2>"$work/rpc-server.err" &
        rpc_pid=$!
        pids+=("$rpc_pid")
        rpc_port=""
        for _ in $(seq 1 100); do
            rpc_port="$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$work/rpc-server.out" | head -n 1)"
            [[ -n "$rpc_port" ]] && break
            sleep 0.1
        done
        [[ -n "$rpc_port" ]] || { echo "bench-stack: RPCBenchmark's server did not start: $(cat "$work/rpc-server.err")" >&2; exit 1; }
        b_srv=$(proc_cpu "$rpc_pid")
        /usr/bin/time -f '%U %S' -o "$work/rpc-client.time" "$rpc_bin" --mode client --insecure --target "127.0.0.1:$rpc_port" \
            --concurrency "$FLOOR_CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" --payload-bytes "$FLOOR_RPC_BYTES" --label floor >"$work/rpc-client.md"
        a_srv=$(proc_cpu "$rpc_pid")
        kill "$rpc_pid" 2>/dev/null || true
        wait "$rpc_pid" 2>/dev/null || true
        # The client's table row: | label | concurrency | calls | calls/s | ...
        calls="$(awk -F'|' '$2 ~ /floor/ { gsub(/[ ,]/, "", $4); print $4 }' "$work/rpc-client.md" | head -n 1)"
        rate="$(awk -F'|' '$2 ~ /floor/ { gsub(/[ ,]/, "", $5); print $5 }' "$work/rpc-client.md" | head -n 1)"
        # The client's CPU covers its warm-up too: its calls are the measured ones plus the
        # warm-up's at the same rate.
        jq -nc --argjson rep "$rep" --argjson calls "$calls" --argjson rate "$rate" --argjson warmup "$WARMUP" \
            --argjson srv "$(awk -v a="$b_srv" -v b="$a_srv" -v hz="$hz" 'BEGIN { printf "%.3f", (b - a) / hz }')" \
            --argjson cli "$(awk '{ printf "%.3f", $1 + $2 }' "$work/rpc-client.time")" \
            '{probe: "rpc", repeat: $rep, calls_per_second: $rate,
              server_us: ($srv * 1e6 / ($calls + $rate * $warmup) * 10 | round / 10), client_us: ($cli * 1e6 / ($calls + $rate * $warmup) * 10 | round / 10)}' \
            >>"$results/floors.jsonl"
        tail -n 1 "$results/floors.jsonl" >&2
    done
fi

# ------------------------------------------------------------------ 4. startup

if has_part startup; then
    export RPC_HEALTHCHECK="$bin/RPCHealthCheck"
    log "startup: simulator"
    PORT=$simulator_port GEMINI_API_KEY=$simulator_key python3 "$helper" startup --port "$simulator_port" --probes listen,http:/healthz \
        --runs "$STARTUP_RUNS" -- "$bin/GeminiSimulator" | jq -c '{process: "simulator"} + .' >>"$results/startup.jsonl"
    log "startup: generation"
    LISTEN_ADDR=127.0.0.1:$generation_port GEMINI_API_KEY=$simulator_key GEMINI_BASE_URL=http://127.0.0.1:$simulator_port \
        python3 "$helper" startup --port "$generation_port" --probes listen,rpc --runs "$STARTUP_RUNS" -- "$bin/GenerationService" |
        jq -c '{process: "generation"} + .' >>"$results/startup.jsonl"
    log "startup: coach"
    LISTEN_ADDR=127.0.0.1:$coach_port GENERATION_ADDR=127.0.0.1:$generation_port GEMINI_API_KEY=$simulator_key GEMINI_BASE_URL=http://127.0.0.1:$simulator_port \
        python3 "$helper" startup --port "$coach_port" --probes listen,rpc --runs "$STARTUP_RUNS" -- "$bin/CoachService" |
        jq -c '{process: "coach"} + .' >>"$results/startup.jsonl"
    log "startup: gateway (with both services running)"
    start_stack 127.0.0.1 "127.0.0.1:$generation_port"
    kill -TERM "$gw_pid"; wait "$gw_pid" 2>/dev/null || true
    env -u GEMINI_API_KEY -u GEMINI_BASE_URL PORT="$gateway_port" SUPABASE_JWT_SECRET="$secret" \
        GENERATION_ADDR="127.0.0.1:$generation_port" COACH_ADDR="127.0.0.1:$coach_port" \
        python3 "$helper" startup --port "$gateway_port" --probes listen,http:/healthz,http:/readyz --runs "$STARTUP_RUNS" -- "$bin/Gateway" |
        jq -c '{process: "gateway"} + .' >>"$results/startup.jsonl"
    # What the rpc probe itself costs: RPCHealthCheck against a service that is up.
    hc=()
    for _ in $(seq 1 "$STARTUP_RUNS"); do
        t0=$(date +%s%N); "$bin/RPCHealthCheck" --target "127.0.0.1:$generation_port" >/dev/null 2>&1; t1=$(date +%s%N)
        hc+=($(((t1 - t0) / 1000)))
    done
    printf '%s\n' "${hc[@]}" | median | awk '{ printf "%.1f\n", $1 / 1000 }' >"$results/healthcheck-ms.txt"
    stop_all
    cat "$results/startup.jsonl" >&2
fi

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------------ the section

cpu="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)"
swift_version="$(swift --version 2>/dev/null | head -n 1)"
revision="$(git rev-parse --short HEAD 2>/dev/null || echo "no commit")"
if [[ -n "$(git status --porcelain 2>/dev/null | head -n 1)" ]]; then revision="$revision (working tree with changes)"; fi
command_line="${RESULTS_FROM:+RESULTS_FROM=<results of an earlier run> }${BASELINE_BIN:+BASELINE_BIN=<binaries of ${BASELINE_LABEL:-an earlier commit}> }BUILD_PATH=$BUILD_PATH PARTS=$PARTS UPSTREAMS=$UPSTREAMS CONNECTIONS=$CONNECTIONS DURATION=$DURATION WARMUP=$WARMUP REPEATS=$REPEATS HOLD_STREAMS=$HOLD_STREAMS HOLD_LATENCY=$HOLD_LATENCY HOLD_ALIASES=$HOLD_ALIASES HOLD_MAX_IN_FLIGHT=$HOLD_MAX_IN_FLIGHT HOLD_HOG=$HOLD_HOG TTFB_CALLS=$TTFB_CALLS STARTUP_RUNS=$STARTUP_RUNS scripts/bench-stack.sh"

# The results of an upstream's part: FILE STEM EXTENSION UPSTREAM -> path (simulator: no suffix).
result_file() { echo "$results/$1$(suffix "$3").$2"; }
{
    echo "<!-- stack:start -->"
    echo "## Full stack"
    echo
    echo "Gateway → GenerationService → Gemini upstream, release builds on this machine, loopback only, started and stopped"
    echo "by \`scripts/bench-stack.sh\`. Two upstreams, for the throughput and streaming parts each with its own stack run (fresh"
    echo "processes, the services' \`GEMINI_BASE_URL\` pointing at it): the Gemini simulator, and nginx serving canned answers"
    echo "(\"static\": an upstream that costs almost nothing, so what the stack itself costs shows). Gateway with HS256 tokens of"
    echo "256 different users (the production auth path; per-user limits raised to 100,000 a minute), LOG_LEVEL=${LOG_LEVEL} (one"
    echo "JSON log line per request, to a file)."
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- Machine: $(nproc) cores (nproc), ${cpu:-unknown CPU}, $(uname -sr), CPUs ${idle_before}% idle just before the run, load average ${load_before} before and ${load_after} after"
    echo "- Toolchain: ${swift_version}; revision ${revision}; binaries \`${bin_rel}\`"
    echo "- Command: \`${command_line}\`"
    if [[ -s "$results/static.json" ]]; then
        echo
        echo "Static upstream: $(jq -r .nginx "$results/static.json") (Debian package), \`worker_processes 1\` (a master and one worker, so"
        echo "it stays cheap), \`access_log off\`, keep-alive for up to 100,000 requests a connection and 300 s idle; its config,"
        echo "files, pid and error log in the run's temp dir. Every \`POST …:generateContent\` gets one canned file"
        echo "($(jq -r .json_bytes "$results/static.json") bytes, \`Content-Type: application/json; charset=UTF-8\`), every \`POST …:streamGenerateContent?alt=sse\`"
        echo "another ($(jq -r .sse_bytes "$results/static.json") bytes, $(jq -r .sse_events "$results/static.json") \`data:\` events, \`text/event-stream\`, all sent at once). They are the"
        echo "simulator's answers to the bodies the service sent for this benchmark's two calls, captured at the start of the run:"
        echo "one stack call of each kind against the simulator, the body from \`GET /simulator/requests\`, POSTed straight to the"
        echo "simulator. nginx's static handler reads and discards the request body ($(jq -r .body_bytes "$results/static.json") and $(jq -r .stream_body_bytes "$results/static.json") bytes) and answers 405,"
        echo "which \`error_page 405 =200 \$uri\` turns into the file (an internal redirect as GET)."
    fi
    if [[ -s "$results/wrk.jsonl" ]]; then
        echo
        echo "### Throughput and latency (wrk)"
        echo
        echo "\`POST /api/v1/interview/questions\` through the stack (a structured flash answer), and beside it the same load"
        echo "straight to the upstream (\"direct\"): \`POST $(cat "$results/direct-path.txt")\` with \`x-goog-api-key\` and the exact body the"
        echo "service sent (captured from the simulator's \`GET /simulator/requests\`). Each run: \`wrk -t1|2 -cN -d${DURATION}s --timeout 10s -s scripts/bench/post.lua URL -- BODY ...\`"
        echo "after a ${WARMUP} s warm-up run; stack and direct alternated (stack first on odd repeats), ${REPEATS} repeats, medians shown;"
        echo "the stack with \`GEMINI_MAX_IN_FLIGHT=1024\`, \`GEMINI_MAX_QUEUE=10000\`, \`HTTP_MAX_CONNECTIONS=4096\`. wrk runs on the same"
        echo "$(nproc) cores. CPUs: average CPUs used by each process during the run (utime + stime from /proc/PID/stat over the run's"
        echo "wall time; 2.00 = two whole cores; upstream = the simulator, or nginx's master + worker; machine = all busy CPU from"
        echo "/proc/stat, wrk included). CPU µs per call: CPU time the process used during the run / requests wrk completed in it."
        echo "CPUs idle before each run: the machine's idle share over the 2 s just before the run's warm-up (/proc/stat), one per repeat."
        if grep -q '"target":"floor"' "$results/wrk.jsonl"; then
            echo "The \"floor\" rows: the same load on StackFloor (\`POST /generate\` with the body the service sends upstream, which it forwards"
            echo "as it is): a Hummingbird front with no middleware, one RPC hop, a back process posting to the upstream through"
            echo "AsyncHTTPClient: the stack's shape and frameworks with none of its work (no token check, validation, limits, saving, logs or"
            echo "metrics); its front's CPU in the gateway column and its back's in the generation one. The targets take turns."
        fi
        echo
        python3 "$helper" wrktables "$results/wrk.jsonl" --baseline-label "${BASELINE_LABEL:-an earlier commit}"
    fi
    if [[ -s "$results/floors.jsonl" ]]; then
        echo
        echo "### Floors: the frameworks with no work behind them"
        echo
        echo "What the gateway costs for a request that does nothing (\`GET /healthz\`: HTTP in and out through the edge middleware,"
        echo "its metrics and its log line) and for one refused after the token is verified and the body read and checked"
        echo "(\`POST /api/v1/interview/questions\` with \`{}\`: 400), and what one RPC call costs each side with no handler work"
        echo "(RPCBenchmark, two processes, one connection, the payload echoed). At ${FLOOR_CONNECTIONS:-64} connections or concurrent calls,"
        echo "${REPEATS} runs each, medians; CPU µs per request or call = the process's CPU time over the run / requests or calls."
        echo
        echo "| probe | req/s or calls/s | CPU µs per request or call |"
        echo "|---|---:|---|"
        jq -rs '
            def med: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
            (map(select(.probe == "healthz")) | "| gateway, `GET /healthz` | \(map(.rps) | med | floor) | gateway \(map(.gateway_us) | med) |"),
            (map(select(.probe == "refused")) | "| gateway, `POST` refused after auth and body check (400) | \(map(.rps) | med | floor) | gateway \(map(.gateway_us) | med) |"),
            (map(select(.probe == "rpc")) | "| RPC call, \($bytes) bytes each way | \(map(.calls_per_second) | med | floor) | client \(map(.client_us) | med) + server \(map(.server_us) | med) |")
        ' --arg bytes "${FLOOR_RPC_BYTES:-2300}" "$results/floors.jsonl"
    fi
    for u in simulator static; do
        f="$(result_file perf-dso txt "$u")"
        [[ -s "$f" ]] || continue
        up_proc=SIMULATOR
        if [[ "$u" == static ]]; then up_proc="NGINX_MASTER,NGINX_WORKER"; fi
        echo
        echo "#### Profile of a ${PROFILE_CONNECTIONS}-connection stack run, $(upstream_label "$u") upstream"
        echo
        echo "\`perf record -F 999 -g -p GATEWAY,GENERATION,${up_proc} -- sleep ${DURATION}\` during \`wrk -t$((PROFILE_CONNECTIONS < 2 ? 1 : 2)) -c${PROFILE_CONNECTIONS} -d${DURATION}s\` on the stack"
        echo "($(jq -r '"\(.rps | floor) req/s under perf"' "$(result_file profile-run jsonl "$u")" 2>/dev/null | head -n 1)), summed per process by"
        echo "\`perf script -F pid,ip,sym,dso | scripts/bench/stackbench.py perfsum\`: self time by shared object and symbol, and every sample"
        echo "charged to the first frame up its call chain that is in an app or library Swift module (not the standard library or"
        echo "Foundation), so malloc, retain/release and JSON coding count against the code that asked for them. % of that process's samples:"
        echo
        echo '```'
        cat "$f"
        echo '```'
    done
    if [[ -s "$results/hold.jsonl" ]]; then
        echo
        echo "### Held concurrency (SSE streams, ${HOLD_LATENCY} of simulated latency each)"
        echo
        echo "\`scripts/bench/stackbench.py hold\` (Python asyncio, one process) opens ${HOLD_STREAMS} connections to the gateway, then sends"
        echo "\`POST /api/v1/networking/brief\` with \`Accept: text/event-stream\` on all of them at once and reads each stream to its end;"
        echo "\`POST /simulator/faults {\"fault\": \"latency=${HOLD_LATENCY}\", \"count\": ${HOLD_STREAMS}}\` delays each Gemini call; against the static upstream,"
        echo "nginx delays each stream itself (its echo module's \`echo_sleep ${HOLD_LATENCY%s}\`, then the canned stream), at almost no cost, so those rows show what the stack alone needs."
        echo "Settings: \`HTTP_MAX_CONNECTIONS=20000\`, \`HTTP_IDLE_TIMEOUT_SECONDS=120\` (the connections are opened before the requests go), \`GEMINI_MAX_IN_FLIGHT=${HOLD_MAX_IN_FLIGHT}\`, \`GEMINI_MAX_QUEUE=20000\`, \`RPC_MAX_CALLS_PER_CONNECTION=12000\` (one gateway connection carries every stream), \`ulimit -n $(ulimit -n)\`."
        echo "Peak memory is VmHWM from /proc/PID/status at the end of the run (each run starts fresh processes). CPU s: CPU time (user + system, /proc/PID/stat) each"
        echo "server process used over the whole run (connections opened, calls, their end); the client's from the moment the requests go (Python's process_time)."
        echo
        echo "StackFloor rows: the same streams on StackFloor, the stack's shape with none of its work (\`POST /stream\` with the body the service"
        echo "sends upstream; the front writes each chunk as it comes, then \`event: done\`), its front in the gateway columns, its back in the generation ones."
        echo
        echo "With \`stress-ng --cpu 1\` (Debian's stress-ng) keeping one of the two cores busy for the whole run: CPU hog \"yes\"; the CPUs' idle share just before the streams start (the hog already running) beside it."
        echo
        echo "| upstream | CPU hog (idle before) | generation addresses | streams | ok (\`done\` event) | HTTP statuses | error events | other failures | peak in flight (client / gateway gauge) | call p50 / p99 s | wall s | gateway MB | generation MB | upstream MB | coach MB | CPU s gateway / generation / upstream / client |"
        echo "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        jq -r '"| \(if .upstream == "static" then "nginx (static)" else "simulator" end)\(if .target == "floor" then ", **StackFloor**" else "" end) | \(if (.hog // 0) == 1 then "yes" else "no" end)\(if .idle_before then " (\(.idle_before)%)" else "" end) | \(.aliases) | \(.count) | \(.ok) | \(.status | to_entries | map("\(.key): \(.value)") | join(", ")) | \(.error_event) | \(.no_done + .connect_failed + ([.exceptions[]] | add // 0)) | \(.client_peak_in_flight) / \(.gateway_peak_http_requests_in_flight | if . == null then "–" else floor end) | \(.call_seconds_p50) / \(.call_seconds_p99) | \(.wall_seconds) | \(.memory.gateway.hwm_kb / 1024 | floor) | \(.memory.generation.hwm_kb / 1024 | floor) | \(.memory.simulator.hwm_kb / 1024 | floor) | \(.memory.coach.hwm_kb | if . == null then "–" else ./1024 | floor end) | \(if .cpu_seconds then "\(.cpu_seconds.gateway) / \(.cpu_seconds.generation) / \(.cpu_seconds.simulator) / \(.cpu_seconds.client)" else "–" end) |"' "$results/hold.jsonl"
        for f in "$results"/hold-log-*.txt; do
            [[ -s "$f" ]] || continue
            echo
            run_name="$(basename "$f" .txt | sed 's/hold-log-//')"
            echo "Most frequent warning/error log lines with ${run_name%-hog} address(es)$([[ "$run_name" == *-hog ]] && echo ", CPU hog" || true) (count, line cut at 300 characters):"
            echo
            echo '```'
            cat "$f"
            echo '```'
        done
    fi
    ttfb_upstreams=()
    for u in simulator static; do
        if [[ -s "$(result_file ttfb json "$u")" ]]; then ttfb_upstreams+=("$u"); fi
    done
    if ((${#ttfb_upstreams[@]} > 0)); then
        echo
        echo "### Streaming overhead (time to the first SSE \`data:\` byte)"
        echo
        echo "\`scripts/bench/stackbench.py ttfb\`: ${TTFB_CALLS} sequential calls to each target (after 20 warm-up calls), alternated, each on a new"
        echo "connection: ms from the request's last byte sent to the first \`data:\` byte received. Stack: \`POST /api/v1/networking/brief\`"
        echo "with \`Accept: text/event-stream\`; direct: \`POST $(cat "$results/stream-path.txt")\` to the same upstream, with the body the"
        echo "service sent. Each upstream with its own stack run; CPUs idle: the machine's idle share over the 2 s before the calls."
        echo "The difference of the medians is what the stack adds before the first chunk reaches the client (it includes the request's"
        echo "way down: gateway, RPC, the service building the Gemini request — an upper bound on chunk-to-SSE-byte)."
        echo
        echo "| upstream | target | calls | p10 ms | p50 ms | p90 ms | failures | p50 stack − direct ms | CPUs idle before |"
        echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
        for u in "${ttfb_upstreams[@]}"; do
            jq -r --arg name "$(upstream_label "$u")" '. as $r | ["stack", "direct"][] |
                "| \($name) | \(.) | \($r[.].n) | \($r[.].p10_ms) | \($r[.].p50_ms) | \($r[.].p90_ms) | \($r.failures[.]) | " +
                (if . == "stack" then "**\($r.difference_of_medians_ms // "–")**" else "" end) +
                " | \(if $r.idle_before then "\($r.idle_before)%" else "?" end) |"' "$(result_file ttfb json "$u")"
        done
        for u in "${ttfb_upstreams[@]}"; do
            wire="$(result_file ttfb-wire json "$u")"
            if [[ -s "$wire" ]] && [[ "$(jq -r .n "$wire")" != 0 ]]; then
                echo
                echo "On the wire, $(upstream_label "$u") upstream (\`tcpdump -i lo\` during the same calls, kernel timestamps; \`stackbench.py pcap\`):"
                echo "from the packet that carried the upstream's first \`data:\` chunk to the service, to the packet that carried the"
                echo "gateway's first \`data:\` event to the client, for each of $(jq -r .n "$wire") stack calls: p10 $(jq -r .p10_ms "$wire") ms,"
                echo "**median $(jq -r .p50_ms "$wire") ms**, p90 $(jq -r .p90_ms "$wire") ms, max $(jq -r .max_ms "$wire") ms."
            fi
        done
    fi
    if [[ -s "$results/startup.jsonl" ]]; then
        echo
        echo "### Start-up (exec to ready)"
        echo
        echo "\`scripts/bench/stackbench.py startup\`: ${STARTUP_RUNS} starts of each binary; ms from just before exec until each probe first"
        echo "succeeds, polled every 2 ms: \`listen\` = the port accepts a TCP connection; \`/healthz\`, \`/readyz\` = HTTP 200 (the gateway"
        echo "with both services already running); \`rpc health\` = \`RPCHealthCheck --target 127.0.0.1:PORT\` exits 0 (that command"
        echo "alone takes $(cat "$results/healthcheck-ms.txt" 2>/dev/null || echo '?') ms against a running service, median, so the rpc figure includes it)."
        echo
        echo "| process | probe | median ms | min ms | max ms |"
        echo "|---|---|---:|---:|---:|"
        jq -r '.process as $p | del(.process) | to_entries[] | "| \($p) | \(.key | sub("^http:"; "") | sub("^rpc$"; "rpc health")) | \(.value.median_ms) | \(.value.min_ms) | \(.value.max_ms) |"' "$results/startup.jsonl"
    fi
    echo "<!-- stack:end -->"
} >"$work/section.md"

cp "$work/section.md" "/tmp/bench-stack-section.md" 2>/dev/null || true
if [[ "${NO_WRITE:-0}" == "1" ]]; then
    cat "$work/section.md"
    exit 0
fi
replace_section stack "$work/section.md"
log "wrote the Full stack section of $BENCHMARKS_FILE"
