#!/usr/bin/env bash
# Full-stack benchmarks, release build, loopback only: gateway → GenerationService → Gemini
# simulator, started and stopped by this script. Writes the "Full stack" section of BENCHMARKS.md
# (between <!-- stack:start --> and <!-- stack:end -->), leaving the rest of the file as it is.
#
#   scripts/bench-stack.sh                                  # all four parts (about 8 minutes)
#   PARTS=throughput DURATION=5 REPEATS=1 scripts/bench-stack.sh
#
# Parts (PARTS, comma-separated; default all four):
#   throughput  wrk POST /api/v1/interview/questions through the stack, and the same load straight
#               to the simulator's :generateContent (the body the service sends, captured from the
#               simulator), alternated, REPEATS times per connection level; medians. Then one more
#               stack run under `perf record` (PROFILE=1) and per-process CPU from /proc.
#   hold        HOLD_STREAMS concurrent streaming calls (POST /api/v1/networking/brief, SSE) with
#               HOLD_LATENCY of simulated latency each; errors and peak RSS (VmHWM) per process.
#   ttfb        sequential streaming calls, stack and direct alternated: time from the request to
#               the first `data:` byte at the client; the difference of the medians is the
#               stack's streaming overhead.
#   startup     exec to ready for each process, STARTUP_RUNS starts each; median.
#
# Environment (defaults in brackets):
#   BUILD_PATH [.build-release]  CONNECTIONS [1,64,256]  DURATION [10] s per wrk run
#   WARMUP [2] s per wrk run, not recorded  REPEATS [3]  PROFILE [1]
#   HOLD_STREAMS [10000]  HOLD_LATENCY [2s]  HOLD_ALIASES [1]: for each value a run in which the
#     gateway reaches the one generation process through that many loopback addresses
#     (127.0.0.1 … 127.0.0.N; the gateway keeps one RPC connection per address)
#   HOLD_MAX_IN_FLIGHT [10000]: the services' GEMINI_MAX_IN_FLIGHT in the hold part (Gemini calls
#     at once per service, and so HTTP/1.1 connections to the simulator; the rest wait in its queue)
#   TTFB_CALLS [300]  STARTUP_RUNS [7]  BASE_PORT [18000]: gateway BASE_PORT+80, generation +101,
#   coach +102, simulator +199  LOG_LEVEL [info]  BENCHMARKS_FILE [BENCHMARKS.md]
#   NO_WRITE=1: print the section instead of writing it   MAX_SECONDS [1800]: the whole run
#   RESULTS_FROM: a kept results directory (KEEP_WORK=1) whose figures the section also shows
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
HOLD_STREAMS="${HOLD_STREAMS:-10000}"
HOLD_LATENCY="${HOLD_LATENCY:-2s}"
HOLD_ALIASES="${HOLD_ALIASES:-1}"
HOLD_MAX_IN_FLIGHT="${HOLD_MAX_IN_FLIGHT:-10000}"
TTFB_CALLS="${TTFB_CALLS:-300}"
STARTUP_RUNS="${STARTUP_RUNS:-7}"
BASE_PORT="${BASE_PORT:-18000}"
MAX_SECONDS="${MAX_SECONDS:-1800}"
BENCHMARKS_FILE="${BENCHMARKS_FILE:-BENCHMARKS.md}"
export LOG_LEVEL="${LOG_LEVEL:-info}"

gateway_port=$((BASE_PORT + 80))
generation_port=$((BASE_PORT + 101))
coach_port=$((BASE_PORT + 102))
simulator_port=$((BASE_PORT + 199))
simulator_key=simulator-key # the simulator's fake key; no real Gemini key is ever used here
here="$PWD"
helper="$here/scripts/bench/stackbench.py"
lua="$here/scripts/bench/post.lua"

has_part() { [[ ",$PARTS," == *",$1,"* ]]; }

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
    for pid in "${pids[@]}"; do pkill -TERM -P "$pid" 2>/dev/null || true; kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pids=()
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

for tool in wrk curl python3; do command -v "$tool" >/dev/null || { echo "bench-stack: $tool is needed (apt-get install $tool)" >&2; exit 1; }; done
for port in $gateway_port $generation_port $coach_port $simulator_port; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "bench-stack: port $port is in use (set BASE_PORT)" >&2; exit 1; fi
done

# Many sockets per process in the hold part (client, gateway, service and simulator each hold
# one per stream); root may raise the hard limit too.
ulimit -Hn 65536 2>/dev/null || true
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
    log "building (release, scratch path $BUILD_PATH)"
    for product in Gateway GenerationService CoachService GeminiSimulator RPCHealthCheck; do
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

sim_pid="" gen_pid="" coach_pid="" gw_pid=""

# start_stack [generation listen host] [GENERATION_ADDR for the gateway] [extra VAR=VALUE for all]
start_stack() {
    local listen_host="${1:-127.0.0.1}" gen_addr="${2:-127.0.0.1:$generation_port}"
    shift 2 || true
    local extra=("$@")
    start simulator PORT="$simulator_port" GEMINI_API_KEY="$simulator_key" -- "$bin/GeminiSimulator"; sim_pid=$STARTED
    wait_http "$simulator_port" /healthz 30
    local svc=(RPC_TOKEN="$RPC_TOKEN" GEMINI_API_KEY="$simulator_key" GEMINI_BASE_URL="http://127.0.0.1:$simulator_port" "${extra[@]}")
    start generation "${svc[@]}" LISTEN_ADDR="$listen_host:$generation_port" -- "$bin/GenerationService"; gen_pid=$STARTED
    start coach "${svc[@]}" LISTEN_ADDR="127.0.0.1:$coach_port" GENERATION_ADDR="127.0.0.1:$generation_port" -- "$bin/CoachService"; coach_pid=$STARTED
    start gateway -u GEMINI_API_KEY -u GEMINI_BASE_URL PORT="$gateway_port" RPC_TOKEN="$RPC_TOKEN" SUPABASE_JWT_SECRET="$secret" \
        GENERATION_ADDR="$gen_addr" COACH_ADDR="127.0.0.1:$coach_port" \
        RATE_LIMIT_FLASH_PER_MIN=100000 RATE_LIMIT_PRO_PER_MIN=100000 "${extra[@]}" -- ${GATEWAY_WRAPPER:-} "$bin/Gateway"; gw_pid=$STARTED
    wait_http "$gateway_port" /readyz 60
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


# ------------------------------------------------------------------ 1. throughput

if has_part throughput; then
    log "throughput: starting the stack"
    start_stack 127.0.0.1 "127.0.0.1:$generation_port" GEMINI_MAX_IN_FLIGHT=1024 GEMINI_MAX_QUEUE=10000 HTTP_MAX_CONNECTIONS=4096
    status="$(curl -sS -o "$work/answer.json" -w '%{http_code}' "http://127.0.0.1:$gateway_port/api/v1/interview/questions" \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data-binary @"$work/interview.json")"
    [[ "$status" == 200 ]] || { echo "bench-stack: the stack answered $status: $(cat "$work/answer.json")" >&2; exit 1; }
    direct_path="$(last_simulator_request "$work/direct-body.json")"
    echo "$direct_path" >"$results/direct-path.txt"
    stack_url="http://127.0.0.1:$gateway_port/api/v1/interview/questions"
    direct_url="http://127.0.0.1:$simulator_port$direct_path"
    run_wrk() { # target connections seconds -> JSON line
        local target=$1 c=$2 d=$3 threads=$(($2 < 2 ? 1 : 2))
        if [[ "$target" == stack ]]; then
            wrk -t"$threads" -c"$c" -d"${d}s" --timeout 10s -s "$lua" "$stack_url" -- "$work/interview.json" "$work/tokens.txt"
        else
            wrk -t"$threads" -c"$c" -d"${d}s" --timeout 10s -s "$lua" "$direct_url" -- "$work/direct-body.json" "x-goog-api-key:$simulator_key"
        fi | grep '^{"requests"'
    }
    IFS=, read -r -a levels <<<"$CONNECTIONS"
    for rep in $(seq 1 "$REPEATS"); do
        for c in "${levels[@]}"; do
            order=(stack direct)
            ((rep % 2 == 0)) && order=(direct stack)
            for target in "${order[@]}"; do
                log "throughput: repeat $rep, $c connections, $target"
                run_wrk "$target" "$c" "$WARMUP" >/dev/null
                if [[ "$target" == stack ]]; then
                    b_gw=$(proc_cpu "$gw_pid"); b_gen=$(proc_cpu "$gen_pid"); b_sim=$(proc_cpu "$sim_pid"); b_all=$(machine_busy)
                    t0=$(date +%s.%N)
                fi
                line="$(run_wrk "$target" "$c" "$DURATION")"
                if [[ "$target" == stack ]]; then
                    t1=$(date +%s.%N)
                    cpus="$(awk -v hz="$hz" -v t="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" -v gw=$(($(proc_cpu "$gw_pid") - b_gw)) -v gen=$(($(proc_cpu "$gen_pid") - b_gen)) \
                        -v sim=$(($(proc_cpu "$sim_pid") - b_sim)) -v all=$(($(machine_busy) - b_all)) \
                        'BEGIN { printf "{\"gateway\":%.2f,\"generation\":%.2f,\"simulator\":%.2f,\"machine\":%.2f}", gw/hz/t, gen/hz/t, sim/hz/t, all/hz/t }')"
                else
                    b_sim=$(proc_cpu "$sim_pid"); b_all=$(machine_busy)
                    cpus="{}"
                fi
                echo "$line" | jq -c --arg target "$target" --argjson c "$c" --argjson rep "$rep" --argjson cpus "$cpus" \
                    '. + {target: $target, connections: $c, repeat: $rep, cpus: $cpus}' >>"$results/wrk.jsonl"
                tail -n 1 "$results/wrk.jsonl" >&2
            done
        done
    done
    if [[ "$PROFILE" == "1" ]] && command -v perf >/dev/null; then
        log "throughput: profiling a 64-connection stack run (perf record, ${DURATION} s)"
        perf record -F 999 -g -o "$work/perf.data" -p "$gw_pid,$gen_pid,$sim_pid" -- sleep "$DURATION" >/dev/null 2>&1 &
        perf_pid=$!
        pids+=("$perf_pid")
        run_wrk stack 64 "$DURATION" | jq -c '. + {target: "stack (under perf)", connections: 64}' >>"$results/profile-run.jsonl"
        wait "$perf_pid" 2>/dev/null || true
        # Per process: self time by shared object and symbol, and each sample charged to the first
        # app or library Swift frame up its call chain (stackbench.py perfsum).
        perf script -i "$work/perf.data" -F pid,ip,sym,dso 2>/dev/null |
            python3 "$helper" perfsum "$gw_pid=gateway" "$gen_pid=generation" "$sim_pid=simulator" --top 12 >"$results/perf-dso.txt" || true
        cp "$results/perf-dso.txt" /tmp/bench-stack-perf.txt 2>/dev/null || true
    fi
    stop_all
fi

# ------------------------------------------------------------------ 3. ttfb (before hold: same settings as throughput)

if has_part ttfb; then
    log "ttfb: starting the stack"
    start_stack 127.0.0.1 "127.0.0.1:$generation_port"
    status="$(curl -sS -o "$work/answer.txt" -w '%{http_code}' "http://127.0.0.1:$gateway_port/api/v1/networking/brief" \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -H 'Accept: text/event-stream' --data-binary @"$work/brief.json")"
    [[ "$status" == 200 ]] && grep -q '^event: done' "$work/answer.txt" || { echo "bench-stack: streaming call failed: $status" >&2; exit 1; }
    stream_path="$(last_simulator_request "$work/stream-body.json")"
    echo "$stream_path" >"$results/stream-path.txt"
    log "ttfb: $TTFB_CALLS calls each, alternated"
    tcpdump_pid=""
    if command -v tcpdump >/dev/null; then
        # Packet times on loopback: the simulator's first chunk to the service, and the gateway's
        # first SSE data to the client (stackbench.py pcap pairs them).
        tcpdump -i lo -Z root -s 4096 --time-stamp-precision=nano -w "$work/ttfb.pcap" "tcp port $simulator_port or tcp port $gateway_port" \
            >"$work/tcpdump.log" 2>&1 &
        tcpdump_pid=$!
        pids+=("$tcpdump_pid")
        sleep 1
    fi
    python3 "$helper" ttfb --calls "$TTFB_CALLS" --warmup 20 --max-seconds 300 \
        --a "stack,$gateway_port,/api/v1/networking/brief,$work/brief.json,Authorization:Bearer $token" \
        --b "direct,$simulator_port,$stream_path,$work/stream-body.json,x-goog-api-key:$simulator_key,x-bench:direct" >"$results/ttfb.json"
    cat "$results/ttfb.json" >&2
    if [[ -n "$tcpdump_pid" ]]; then
        sleep 0.5
        kill -TERM "$tcpdump_pid" 2>/dev/null || true
        wait "$tcpdump_pid" 2>/dev/null || true
        python3 "$helper" pcap "$work/ttfb.pcap" --simulator-port "$simulator_port" --gateway-port "$gateway_port" >"$results/ttfb-wire.json" || true
        cat "$results/ttfb-wire.json" >&2
    fi
    stop_all
fi

# ------------------------------------------------------------------ 2. hold

if has_part hold; then
    IFS=, read -r -a alias_counts <<<"$HOLD_ALIASES"
    for aliases in "${alias_counts[@]}"; do
        if ((aliases > 1)); then
            listen=0.0.0.0
            addr="$(for i in $(seq 1 "$aliases"); do printf '127.0.0.%d:%d,' "$i" "$generation_port"; done)"
            addr="${addr%,}"
        else
            listen=127.0.0.1
            addr="127.0.0.1:$generation_port"
        fi
        log "hold: $HOLD_STREAMS streams, $HOLD_LATENCY latency, generation reached through $aliases address(es)"
        start_stack "$listen" "$addr" GEMINI_MAX_IN_FLIGHT="$HOLD_MAX_IN_FLIGHT" GEMINI_MAX_QUEUE=20000 HTTP_MAX_CONNECTIONS=20000 HTTP_IDLE_TIMEOUT_SECONDS=120 RPC_MAX_CALLS_PER_CONNECTION=12000
        sleep 2 # the gateway connects to every replica address
        curl -fsS -o /dev/null "http://127.0.0.1:$simulator_port/simulator/faults" -H 'Content-Type: application/json' \
            -d "{\"fault\": \"latency=$HOLD_LATENCY\", \"count\": $HOLD_STREAMS}"
        python3 "$helper" hold --port "$gateway_port" --path /api/v1/networking/brief --body "$work/brief.json" \
            --tokens "$work/tokens.txt" --count "$HOLD_STREAMS" --metrics-port "$gateway_port" --call-timeout 90 >"$work/hold.json"
        rss="$(for p in gateway:$gw_pid generation:$gen_pid simulator:$sim_pid coach:$coach_pid; do
            awk -v n="${p%%:*}" '/^VmHWM/ { hwm = $2 } /^VmRSS/ { rss = $2 } END { printf "\"%s\":{\"hwm_kb\":%d,\"rss_kb\":%d}\n", n, hwm, rss }' "/proc/${p#*:}/status"
        done | paste -sd, -)"
        stats="$(curl -fsS "http://127.0.0.1:$simulator_port/simulator/stats" || echo '{}')"
        jq -c --argjson aliases "$aliases" --arg latency "$HOLD_LATENCY" --argjson rss "{$rss}" --argjson sim "$stats" \
            '. + {aliases: $aliases, latency: $latency, memory: $rss, simulator: $sim}' "$work/hold.json" >>"$results/hold.jsonl"
        tail -n 1 "$results/hold.jsonl" >&2
        grep -h '"level":"\(error\|warning\|critical\)"' "$work/gateway.log" "$work/generation.log" 2>/dev/null | cut -c1-300 | sort | uniq -c | sort -rn | head -n 5 >"$results/hold-log-$aliases.txt" || true
        # Everything but the per-request access lines, kept with the results.
        grep -hv '"msg":"request"' "$work/gateway.log" >"$results/hold-gateway-$aliases.log" 2>/dev/null || true
        cp "$work/generation.log" "$results/hold-generation-$aliases.log" 2>/dev/null || true
        : >"$work/gateway.log"; : >"$work/generation.log"
        stop_all
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
command_line="${RESULTS_FROM:+RESULTS_FROM=<results of an earlier run> }BUILD_PATH=$BUILD_PATH PARTS=$PARTS CONNECTIONS=$CONNECTIONS DURATION=$DURATION WARMUP=$WARMUP REPEATS=$REPEATS HOLD_STREAMS=$HOLD_STREAMS HOLD_LATENCY=$HOLD_LATENCY HOLD_ALIASES=$HOLD_ALIASES HOLD_MAX_IN_FLIGHT=$HOLD_MAX_IN_FLIGHT TTFB_CALLS=$TTFB_CALLS STARTUP_RUNS=$STARTUP_RUNS scripts/bench-stack.sh"

fmt_median() { # file jq-filter-selecting-numbers
    jq -r "$2" "$1" | median
}
{
    echo "<!-- stack:start -->"
    echo "## Full stack"
    echo
    echo "Gateway → GenerationService → Gemini simulator, three release-build processes on this machine, loopback only,"
    echo "started and stopped by \`scripts/bench-stack.sh\`. Gateway with HS256 tokens of 256 different users (the production"
    echo "auth path; per-user limits raised to 100,000 a minute), LOG_LEVEL=${LOG_LEVEL} (one JSON log line per request, to a file)."
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- Machine: $(nproc) cores (nproc), ${cpu:-unknown CPU}, $(uname -sr), CPUs ${idle_before}% idle just before the run, load average ${load_before} before and ${load_after} after"
    echo "- Toolchain: ${swift_version}; revision ${revision}; binaries \`${bin_rel}\`"
    echo "- Command: \`${command_line}\`"
    if [[ -s "$results/wrk.jsonl" ]]; then
        echo
        echo "### Throughput and latency (wrk, zero simulated latency)"
        echo
        echo "\`POST /api/v1/interview/questions\` through the stack (a structured flash answer), and beside it the same load"
        echo "straight to the simulator: \`POST $(cat "$results/direct-path.txt")\` with \`x-goog-api-key\` and the exact body the"
        echo "service sent (captured from \`GET /simulator/requests\`). Each run: \`wrk -t1|2 -cN -d${DURATION}s --timeout 10s -s scripts/bench/post.lua URL -- BODY ...\`"
        echo "after a ${WARMUP} s warm-up run; stack and direct alternated (stack first on odd repeats), ${REPEATS} repeats, medians shown."
        echo "wrk runs on the same 2 cores. CPUs: average CPUs used by each process during the stack runs (from /proc/PID/stat; 2.00 = the whole machine)."
        echo
        echo "| connections | target | req/s | p50 ms | p99 ms | errors + non-2xx (all runs) | stack/direct req/s | p50 stack − direct ms |"
        echo "|---:|---|---:|---:|---:|---:|---:|---:|"
        IFS=, read -r -a levels <<<"$CONNECTIONS"
        for c in "${levels[@]}"; do
            for target in stack direct; do
                sel="select(.connections == $c and .target == \"$target\")"
                rps=$(fmt_median "$results/wrk.jsonl" "$sel | .rps")
                p50=$(fmt_median "$results/wrk.jsonl" "$sel | .p50_ms")
                p99=$(fmt_median "$results/wrk.jsonl" "$sel | .p99_ms")
                errs=$(jq -s "map($sel | .connect_errors + .read_errors + .write_errors + .timeouts + .non2xx) | add" "$results/wrk.jsonl")
                if [[ "$target" == stack ]]; then
                    s_rps=$rps s_p50=$p50
                    echo "| $c | stack | $(printf '%.0f' "$rps") | $p50 | $p99 | $errs | | |"
                else
                    ratio=$(awk -v a="$s_rps" -v b="$rps" 'BEGIN { printf "%.2f", a / b }')
                    diff=$(awk -v a="$s_p50" -v b="$p50" 'BEGIN { printf "%+.3f", a - b }')
                    echo "| $c | direct | $(printf '%.0f' "$rps") | $p50 | $p99 | $errs | $ratio | $diff |"
                fi
            done
        done
        echo
        echo "Every run (req/s, p50/p99 ms; CPUs used by gateway / generation / simulator / whole machine during stack runs):"
        echo
        jq -r '"- repeat \(.repeat), \(.connections) conn, \(.target): \(.rps | floor) req/s, p50 \(.p50_ms), p99 \(.p99_ms), errors \(.connect_errors + .read_errors + .write_errors + .timeouts), non-2xx \(.non2xx)" + (if .cpus.gateway then "; CPUs gateway \(.cpus.gateway), generation \(.cpus.generation), simulator \(.cpus.simulator), machine \(.cpus.machine)" else "" end)' "$results/wrk.jsonl"
    fi
    if [[ -s "$results/perf-dso.txt" ]]; then
        echo
        echo "#### Profile of a 64-connection stack run"
        echo
        echo "\`perf record -F 999 -g -p GATEWAY,GENERATION,SIMULATOR -- sleep ${DURATION}\` during \`wrk -t2 -c64 -d${DURATION}s\` on the stack"
        echo "($(jq -r '"\(.rps | floor) req/s under perf"' "$results/profile-run.jsonl")), summed per process by"
        echo "\`perf script -F pid,ip,sym,dso | scripts/bench/stackbench.py perfsum\`: self time by shared object and symbol, and every sample"
        echo "charged to the first frame up its call chain that is in an app or library Swift module (not the standard library or"
        echo "Foundation), so malloc, retain/release and JSON coding count against the code that asked for them. % of that process's samples:"
        echo
        echo '```'
        cat "$results/perf-dso.txt"
        echo '```'
    fi
    if [[ -s "$results/hold.jsonl" ]]; then
        echo
        echo "### Held concurrency (SSE streams, ${HOLD_LATENCY} of simulated latency each)"
        echo
        echo "\`scripts/bench/stackbench.py hold\` (Python asyncio, one process) opens ${HOLD_STREAMS} connections to the gateway, then sends"
        echo "\`POST /api/v1/networking/brief\` with \`Accept: text/event-stream\` on all of them at once and reads each stream to its end;"
        echo "\`POST /simulator/faults {\"fault\": \"latency=${HOLD_LATENCY}\", \"count\": ${HOLD_STREAMS}}\` delays each Gemini call."
        echo "Settings: \`HTTP_MAX_CONNECTIONS=20000\`, \`HTTP_IDLE_TIMEOUT_SECONDS=120\` (the connections are opened before the requests go), \`GEMINI_MAX_IN_FLIGHT=${HOLD_MAX_IN_FLIGHT}\`, \`GEMINI_MAX_QUEUE=20000\`, \`RPC_MAX_CALLS_PER_CONNECTION=12000\` (one gateway connection carries every stream), \`ulimit -n $(ulimit -n)\`."
        echo "Peak memory is VmHWM from /proc/PID/status at the end of the run (each run starts fresh processes)."
        echo
        echo "| generation addresses | streams | ok (\`done\` event) | HTTP statuses | error events | other failures | peak in flight (client / gateway gauge) | call p50 / p99 s | wall s | gateway MB | generation MB | simulator MB | coach MB |"
        echo "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        jq -r '"| \(.aliases) | \(.count) | \(.ok) | \(.status | to_entries | map("\(.key): \(.value)") | join(", ")) | \(.error_event) | \(.no_done + .connect_failed + ([.exceptions[]] | add // 0)) | \(.client_peak_in_flight) / \(.gateway_peak_http_requests_in_flight | floor) | \(.call_seconds_p50) / \(.call_seconds_p99) | \(.wall_seconds) | \(.memory.gateway.hwm_kb / 1024 | floor) | \(.memory.generation.hwm_kb / 1024 | floor) | \(.memory.simulator.hwm_kb / 1024 | floor) | \(.memory.coach.hwm_kb / 1024 | floor) |"' "$results/hold.jsonl"
        for f in "$results"/hold-log-*.txt; do
            [[ -s "$f" ]] || continue
            echo
            echo "Most frequent warning/error log lines with $(basename "$f" .txt | sed 's/hold-log-//') address(es) (count, line cut at 300 characters):"
            echo
            echo '```'
            cat "$f"
            echo '```'
        done
    fi
    if [[ -s "$results/ttfb.json" ]]; then
        echo
        echo "### Streaming overhead (time to the first SSE \`data:\` byte)"
        echo
        echo "\`scripts/bench/stackbench.py ttfb\`: ${TTFB_CALLS} sequential calls to each target (after 20 warm-up calls), alternated, each on a new"
        echo "connection: ms from the request's last byte sent to the first \`data:\` byte received. Stack: \`POST /api/v1/networking/brief\`"
        echo "with \`Accept: text/event-stream\`; direct: \`POST $(cat "$results/stream-path.txt")\` with the body the service sent."
        echo "The difference of the medians is what the stack adds before the first chunk reaches the client (it includes the request's"
        echo "way down: gateway, RPC, the service building the Gemini request — an upper bound on chunk-to-SSE-byte)."
        echo
        echo "| target | calls | p10 ms | p50 ms | p90 ms | failures |"
        echo "|---|---:|---:|---:|---:|---:|"
        jq -r '. as $r | ["stack", "direct"][] | "| \(.) | \($r[.].n) | \($r[.].p10_ms) | \($r[.].p50_ms) | \($r[.].p90_ms) | \($r.failures[.]) |"' "$results/ttfb.json"
        echo
        echo "Difference of medians (stack − direct): **$(jq -r '.difference_of_medians_ms' "$results/ttfb.json") ms**."
        if [[ -s "$results/ttfb-wire.json" ]] && [[ "$(jq -r .n "$results/ttfb-wire.json")" != 0 ]]; then
            echo
            echo "On the wire (\`tcpdump -i lo\` during the same calls, kernel timestamps; \`stackbench.py pcap\`): from the packet that carried the"
            echo "simulator's first \`data:\` chunk to the service, to the packet that carried the gateway's first \`data:\` event to the client,"
            echo "for each of $(jq -r .n "$results/ttfb-wire.json") stack calls: p10 $(jq -r .p10_ms "$results/ttfb-wire.json") ms,"
            echo "**median $(jq -r .p50_ms "$results/ttfb-wire.json") ms**, p90 $(jq -r .p90_ms "$results/ttfb-wire.json") ms, max $(jq -r .max_ms "$results/ttfb-wire.json") ms."
        fi
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
