#!/usr/bin/env bash
# RPC benchmark: unary calls/s and p50/p90/p99 latency over ONE loopback connection, with
# 1, 64 and 512 concurrent calls and 1 KiB payloads, in release mode. Runs the server and the
# client as two processes (the realistic figure), then both in one process, and writes the
# "RPC" section of BENCHMARKS.md (between <!-- rpc:start --> and <!-- rpc:end -->), leaving the
# rest of the file as it is.
#
#   scripts/bench-rpc.sh
#   BUILD_PATH=.build-bench DURATION=10 scripts/bench-rpc.sh
#
# Environment:
#   BUILD_PATH       SwiftPM scratch path (default .build)
#   CONCURRENCY      comma-separated levels (default 1,64,512)
#   DURATION         measured seconds per level (default 5; plus WARMUP)
#   WARMUP           warm-up seconds per level (default 1)
#   PAYLOAD_BYTES    request payload (default 1024)
#   BENCHMARKS_FILE  the file to update (default BENCHMARKS.md)
#   IDLE_WAIT        seconds to wait, at most, for the CPUs to be >= 90% idle before measuring
#                    (default 0: measure at once); other work on the machine skews the figures
#   NO_WRITE=1       print the section instead of writing it
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/bench/common.sh

BUILD_PATH="${BUILD_PATH:-.build}"
CONCURRENCY="${CONCURRENCY:-1,64,512}"
DURATION="${DURATION:-5}"
WARMUP="${WARMUP:-1}"
PAYLOAD_BYTES="${PAYLOAD_BYTES:-1024}"
BENCHMARKS_FILE="${BENCHMARKS_FILE:-BENCHMARKS.md}"

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "==> building RPCBenchmark (release, scratch path $BUILD_PATH)" >&2
swift build -c release --product RPCBenchmark --scratch-path "$BUILD_PATH" >&2
bin="$(swift build -c release --scratch-path "$BUILD_PATH" --show-bin-path)/RPCBenchmark"


IDLE_WAIT="${IDLE_WAIT:-0}"
idle="$(cpu_idle_percent)"
waited=0
while ((idle < 90 && waited < IDLE_WAIT)); do
    echo "==> CPUs ${idle}% idle; waiting for the machine to quieten (${waited}/${IDLE_WAIT} s)" >&2
    sleep 8
    waited=$((waited + 10))
    idle="$(cpu_idle_percent)"
done

# CPU seconds the whole machine spent busy, and that this script's finished children used, so
# the section can say how much of the machine other processes took during each run.
machine_busy_seconds() {
    local _ user nice system idle iowait irq softirq steal rest
    read -r _ user nice system idle iowait irq softirq steal rest </proc/stat
    awk -v j=$((user + nice + system + irq + softirq + steal)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", j / hz }'
}
# `times` must run in this shell, not in a $(...) subshell, to see this shell's children.
children_cpu_seconds_file() {
    tail -n 1 "$1" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] } printf "%.2f", t }'
}
now_seconds() { date +%s.%N; }
# Average CPUs used by other processes between two snapshots "busy children wall".
others_cpus() {
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
        printf "%.2f", ((y[1] - x[1]) - (y[2] - x[2])) / (y[3] - x[3]) }'
}
# Sets SNAPSHOT to "busy children wall".
snapshot() {
    times >"$work/times.txt"
    SNAPSHOT="$(machine_busy_seconds) $(children_cpu_seconds_file "$work/times.txt") $(now_seconds)"
}

common=(--concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP" --payload-bytes "$PAYLOAD_BYTES")
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- Two processes: server in the background on a free port, client in the foreground.
echo "==> two processes" >&2
snapshot; before_two="$SNAPSHOT"
"$bin" --mode server --port 0 >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
port=""
for _ in $(seq 1 100); do
    port="$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$work/server.out" | head -n 1)"
    [[ -n "$port" ]] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; echo "server exited" >&2; exit 1; }
    sleep 0.1
done
[[ -n "$port" ]] || { echo "server did not report its port" >&2; exit 1; }
"$bin" --mode client --target "127.0.0.1:$port" "${common[@]}" --label "two processes" >"$work/two.md"
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=""
snapshot; others_two="$(others_cpus "$before_two" "$SNAPSHOT")"

# --- One process.
echo "==> in-process" >&2
snapshot; before_one="$SNAPSHOT"
"$bin" --mode inprocess "${common[@]}" --label "in-process" >"$work/one.md"
snapshot; others_one="$(others_cpus "$before_one" "$SNAPSHOT")"

cat "$work/two.md" "$work/one.md" >&2
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- The section.
cpu="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)"
swift_version="$(swift --version 2>/dev/null | head -n 1)"
revision="$(git rev-parse --short HEAD 2>/dev/null || echo "no commit")"
if [[ -n "$(git status --porcelain 2>/dev/null | head -n 1)" ]]; then revision="$revision (working tree with changes)"; fi
bin_rel="${bin#"$PWD/"}"
{
    echo "<!-- rpc:start -->"
    echo "## RPC"
    echo
    echo "Unary calls over **one** loopback TCP connection, ${PAYLOAD_BYTES}-byte payload echoed back, release build."
    echo "Each level: N tasks each loop \"call, record latency\" for ${WARMUP} s of warm-up (not recorded) then ${DURATION} s;"
    echo "calls/s counts the calls that started after the warm-up. Latency is per call (client side, ContinuousClock), in ms."
    echo "Aim (issue): at least 40,000 calls/s at 64 concurrent calls, with p99 under 5 ms."
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- Machine: $(nproc) cores (nproc), ${cpu:-unknown CPU}, $(uname -sr), CPUs ${idle}% idle just before the run, load average ${load_before} before and ${load_after} after"
    echo "- Other processes on the machine used ${others_two} CPUs on average during the two-process run and ${others_one} during the in-process run (of $(nproc)); figures drop sharply when they are busy"
    echo "- Toolchain: ${swift_version}; revision ${revision}"
    echo "- Command: \`BUILD_PATH=${BUILD_PATH} CONCURRENCY=${CONCURRENCY} DURATION=${DURATION} WARMUP=${WARMUP} PAYLOAD_BYTES=${PAYLOAD_BYTES} scripts/bench-rpc.sh\`, which runs"
    echo "  - \`${bin_rel} --mode server --port 0\` in the background and \`${bin_rel} --mode client --target 127.0.0.1:PORT ${common[*]}\`"
    echo "  - \`${bin_rel} --mode inprocess ${common[*]}\`"
    echo
    echo "### Two processes (server and client, one event-loop thread each)"
    echo
    cat "$work/two.md"
    echo
    echo "### One process (server and client on separate event-loop threads)"
    echo
    cat "$work/one.md"
    echo "<!-- rpc:end -->"
} >"$work/section.md"

if [[ "${NO_WRITE:-0}" == "1" ]]; then
    cat "$work/section.md"
    exit 0
fi

replace_section rpc "$work/section.md"
echo "==> wrote the RPC section of $BENCHMARKS_FILE" >&2
