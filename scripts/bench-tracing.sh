#!/usr/bin/env bash
# What tracing costs, release build, loopback only: throughput of POST /api/v1/interview/questions
# through gateway → GenerationService → Gemini simulator at CONNECTIONS connections, side by side
# in one run, with tracing
#   off   no OTEL_EXPORTER_OTLP_ENDPOINT (the default: no tracer, nothing exported)
#   100%  every trace exported over OTLP http/protobuf to a local receiver (TraceSink)
#   1%    the same with OTEL_TRACES_SAMPLER_ARG=0.01
# The modes take turns (the order rotates each repeat); each run gets a fresh stack. Medians over
# REPEATS. Writes the "Tracing" section of BENCHMARKS.md (between <!-- tracing:start --> and
# <!-- tracing:end -->).
#
#   scripts/bench-tracing.sh                        # about 3 minutes after the build
#   REPEATS=1 DURATION=5 NO_WRITE=1 scripts/bench-tracing.sh
#
# BASELINE_BIN=DIR adds a fourth mode, "before": the same stack from the release binaries in DIR
# (built from a commit without the tracing code, e.g. a worktree of an earlier commit), so that
# "off" is measured against code that has no tracing at all.
#
# Environment (defaults in brackets): BUILD_PATH [.build-release]  CONNECTIONS [64]
#   DURATION [10] s per run  WARMUP [2] s per run, not recorded  REPEATS [3]
#   BASE_PORT [19000]  SKIP_BUILD=1  NO_WRITE=1  BENCHMARKS_FILE [BENCHMARKS.md]  MAX_SECONDS [1200]
#   BASELINE_BIN, BASELINE_LABEL [an earlier commit]: see above
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/bench/common.sh

BUILD_PATH="${BUILD_PATH:-.build-release}"
CONNECTIONS="${CONNECTIONS:-64}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
REPEATS="${REPEATS:-3}"
BASE_PORT="${BASE_PORT:-19000}"
MAX_SECONDS="${MAX_SECONDS:-1200}"
BENCHMARKS_FILE="${BENCHMARKS_FILE:-BENCHMARKS.md}"
BASELINE_LABEL="${BASELINE_LABEL:-an earlier commit}"
export LOG_LEVEL="${LOG_LEVEL:-info}"

gateway_port=$((BASE_PORT + 80))
generation_port=$((BASE_PORT + 101))
coach_port=$((BASE_PORT + 102))
simulator_port=$((BASE_PORT + 199))
sink_http_port=$((BASE_PORT + 318))
sink_grpc_port=$((BASE_PORT + 317))
simulator_key=simulator-key # the simulator's fake key; no real Gemini key is ever used here
here="$PWD"
helper="$here/scripts/bench/stackbench.py"
lua="$here/scripts/bench/post.lua"

work="$(mktemp -d)"
pids=()
watchdog=""
stop_all() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
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
    if [[ "${KEEP_WORK:-0}" == "1" ]]; then echo "==> work kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'echo "bench-tracing: stopped (TERM or the ${MAX_SECONDS} s limit)" >&2; exit 143' TERM
(sleep "$MAX_SECONDS"; kill -TERM $$ 2>/dev/null) &
watchdog=$!
log() { echo "==> $*" >&2; }

for tool in wrk curl jq python3; do command -v "$tool" >/dev/null || { echo "bench-tracing: $tool is needed (apt-get install $tool)" >&2; exit 1; }; done
for port in $gateway_port $generation_port $coach_port $simulator_port $sink_http_port $sink_grpc_port; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "bench-tracing: port $port is in use (set BASE_PORT)" >&2; exit 1; fi
done

if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
    log "building (release, scratch path $BUILD_PATH)"
    for product in Gateway GenerationService CoachService GeminiSimulator TraceSink; do
        swift build -c release --product "$product" --scratch-path "$BUILD_PATH" >&2
    done
fi
bin="$(swift build -c release --scratch-path "$BUILD_PATH" --show-bin-path)"

idle_before="$(cpu_idle_percent)"
secret="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export RPC_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
python3 "$helper" tokens "$secret" 256 >"$work/tokens.txt"
printf '%s' '{"jobDescription": "Backend engineer: Swift, SwiftNIO, Postgres, on-call for a payments API", "profile": {"fullName": "Ada Lovelace", "jobTitle": "Software engineer", "summary": "Eight years building reliable backend services.", "technicalSkills": [{"name": "Swift"}, {"name": "Postgres"}]}}' >"$work/interview.json"


# The receiver runs through the whole benchmark; it counts spans and keeps none.
start sink -- "$bin/TraceSink" --http-port "$sink_http_port" --grpc-port "$sink_grpc_port" --stats-file "$work/sink.txt"
sink_pid=$STARTED
# Ready once it has written its first counts (it writes them after it listens).
for _ in $(seq 1 100); do [[ -s "$work/sink.txt" ]] && break; sleep 0.1; done
[[ -s "$work/sink.txt" ]] || { echo "bench-tracing: TraceSink did not start; its log is in $work" >&2; KEEP_WORK=1; exit 1; }

# start_stack MODE: the stack with that mode's tracing settings.
start_stack() {
    local mode=$1 tracing=() bin=$bin
    case "$mode" in
        before) bin=$BASELINE_BIN ;;
        off) ;;
        100%) tracing=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_http_port" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf) ;;
        1%) tracing=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_http_port" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf OTEL_TRACES_SAMPLER_ARG=0.01) ;;
    esac
    rm -rf "$work/data"
    start simulator PORT="$simulator_port" GEMINI_API_KEY="$simulator_key" -- "$bin/GeminiSimulator"
    wait_http "$simulator_port" /healthz 30
    local svc=(RPC_TOKEN="$RPC_TOKEN" GEMINI_API_KEY="$simulator_key" GEMINI_BASE_URL="http://127.0.0.1:$simulator_port"
        GEMINI_MAX_IN_FLIGHT=1024 GEMINI_MAX_QUEUE=10000 "${tracing[@]}")
    start generation "${svc[@]}" LISTEN_ADDR="127.0.0.1:$generation_port" METRICS_ADDR="127.0.0.1:0" -- "$bin/GenerationService"
    gen_pid=$STARTED
    start coach "${svc[@]}" LISTEN_ADDR="127.0.0.1:$coach_port" METRICS_ADDR="127.0.0.1:0" GENERATION_ADDR="127.0.0.1:$generation_port" -- "$bin/CoachService"
    start gateway PORT="$gateway_port" RPC_TOKEN="$RPC_TOKEN" SUPABASE_JWT_SECRET="$secret" DATA_DIR="$work/data" \
        GENERATION_ADDR="127.0.0.1:$generation_port" COACH_ADDR="127.0.0.1:$coach_port" HTTP_MAX_CONNECTIONS=4096 \
        RATE_LIMIT_FLASH_PER_MIN=100000 RATE_LIMIT_PRO_PER_MIN=100000 "${tracing[@]}" -- "$bin/Gateway"
    gw_pid=$STARTED
    wait_http "$gateway_port" /readyz 60
}
stop_stack() { # everything but the sink
    local keep=$sink_pid pid
    for pid in "${pids[@]}"; do [[ "$pid" == "$keep" ]] || kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        [[ "$pid" == "$keep" ]] && continue
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pids=("$keep")
}
hz="$(getconf CLK_TCK)"
spans_received() { sed -E 's/spans=([0-9]+).*/\1/' "$work/sink.txt"; }
run_wrk() { # seconds -> JSON line
    wrk -t2 -c"$CONNECTIONS" -d"${1}s" --timeout 10s -s "$lua" "http://127.0.0.1:$gateway_port/api/v1/interview/questions" \
        -- "$work/interview.json" "$work/tokens.txt" | grep '^{"requests"'
}

modes=(off 100% 1%)
[[ -n "${BASELINE_BIN:-}" ]] && modes=(before off 100% 1%)
count=${#modes[@]}
for rep in $(seq 1 "$REPEATS"); do
    for i in $(seq 0 $((count - 1))); do
        mode=${modes[$(((i + rep - 1) % count))]}
        log "repeat $rep: tracing $mode"
        start_stack "$mode"
        run_wrk "$WARMUP" >/dev/null
        sleep 1
        before=$(spans_received)
        cpu_before=$(($(proc_cpu "$gw_pid") + $(proc_cpu "$gen_pid")))
        line="$(run_wrk "$DURATION")"
        cpu_used=$(($(proc_cpu "$gw_pid") + $(proc_cpu "$gen_pid") - cpu_before))
        sleep 1.5 # the exporters' batches (scheduled every 5 s at most) — counted on a best-effort basis
        after=$(spans_received)
        # CPU per answered call, gateway + generation service: what tracing adds to each call's
        # work, less disturbed by the machine's other load than the throughput is.
        echo "$line" | jq -c --arg mode "$mode" --argjson rep "$rep" --argjson spans $((after - before)) --argjson cpu "$cpu_used" --argjson hz "$hz" \
            '. + {mode: $mode, repeat: $rep, spans: $spans, cpu_us_per_call: ($cpu / $hz * 1e6 / .requests)}' | tee -a "$work/runs.jsonl" >&2
        stop_stack
    done
done

rps() { jq -r --arg mode "$1" 'select(.mode == $mode) | .rps' "$work/runs.jsonl" | median; }
p50() { jq -r --arg mode "$1" 'select(.mode == $mode) | .p50_ms' "$work/runs.jsonl" | median; }
off_rps=$(rps off)
# Each repeat runs every mode back to back, so a mode's ratio to "off" within a repeat is less
# disturbed by what else the machine does over the minutes of the run; the median of those.
cpu() { jq -r --arg mode "$1" 'select(.mode == $mode) | .cpu_us_per_call' "$work/runs.jsonl" | median; }
off_cpu=$(cpu off)
paired() { jq -rs --arg mode "$1" 'group_by(.repeat)[] | (map(select(.mode == "off"))[0].rps) as $off | map(select(.mode == $mode))[0].rps / $off' "$work/runs.jsonl" | median; }
section="$work/section.md"
{
    echo "<!-- tracing:start -->"
    echo "## Tracing"
    echo
    echo "What tracing costs on the benchmarked call (\`POST /api/v1/interview/questions\`, gateway →"
    echo "GenerationService → Gemini simulator, release build, $CONNECTIONS connections), the three modes"
    echo "side by side in one run, taking turns; each run on a fresh stack, medians of $REPEATS runs of"
    echo "${DURATION} s. \"100%\" and \"1%\" export over OTLP http/protobuf to a local receiver"
    echo "(\`TraceSink\`, which decodes and counts every span). Machine: $(nproc) cores, ${idle_before}% idle before the run, $(date -u +%Y-%m-%d)."
    echo
    [[ -n "${BASELINE_BIN:-}" ]] && echo "\"before\" is the same stack built from the commit before the tracing code ($BASELINE_LABEL)."
    echo
    echo "| tracing | requests/s (median) | vs off (ratio of medians) | vs off (median of each repeat's ratio) | p50 ms | CPU µs per call, gateway + generation | vs off |"
    echo "|---|---|---|---|---|---|---|"
    for mode in "${modes[@]}"; do
        r=$(rps "$mode")
        c=$(cpu "$mode")
        echo "| $mode | $(printf '%.0f' "$r") | $(awk -v a="$r" -v b="$off_rps" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }') | $(awk -v q="$(paired "$mode")" 'BEGIN { printf "%+.1f%%", (q - 1) * 100 }') | $(p50 "$mode") | $(printf '%.0f' "$c") | $(awk -v a="$c" -v b="$off_cpu" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }') |"
    done
    echo
    echo "Run-to-run spread of \"off\" alone: $(jq -r 'select(.mode == "off") | .rps' "$work/runs.jsonl" | sort -g | head -1 | xargs printf '%.0f')–$(jq -r 'select(.mode == "off") | .rps' "$work/runs.jsonl" | sort -g | tail -1 | xargs printf '%.0f') requests/s."
    echo "The receiver runs on the same two cores: at 100% its decoding of every span is part of the cost."
    echo
    echo "Every run:"
    echo
    echo '```'
    jq -c '{mode, repeat, rps: (.rps | floor), p50_ms, p99_ms, cpu_us_per_call: (.cpu_us_per_call | floor), errors: (.connect_errors + .read_errors + .write_errors + .non2xx + .timeouts), spans}' "$work/runs.jsonl"
    echo '```'
    echo
    echo "Command: \`${BASELINE_BIN:+BASELINE_BIN=<release binaries of $BASELINE_LABEL> }CONNECTIONS=$CONNECTIONS DURATION=$DURATION REPEATS=$REPEATS scripts/bench-tracing.sh\`"
    echo "<!-- tracing:end -->"
} >"$section"
if [[ "${NO_WRITE:-0}" == "1" ]]; then cat "$section"; else replace_section tracing "$section"; log "wrote the Tracing section of $BENCHMARKS_FILE"; fi
