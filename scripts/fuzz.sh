#!/usr/bin/env bash
# Builds the libFuzzer targets (-sanitize=fuzzer,address, release) and fuzzes each one for the
# given number of seconds, starting from the committed seed corpus. Fuzz/README.md explains.
#
#   scripts/fuzz.sh [seconds per target, default 60] [target…, default all]
#
# New inputs the fuzzer finds go to a temporary corpus, crash inputs to $FUZZ_ARTIFACTS (a new
# temporary directory unless set); the committed corpus is only read. Exits non-zero when a
# target crashed, hung, or failed to build. Environment: FUZZ_SCRATCH (build directory,
# default .build-fuzz), FUZZ_CONFIG (release, the default, or debug: a build several times
# quicker from scratch, for CI's short run), FUZZ_ARTIFACTS, FUZZ_JOBS_ARGS (more libFuzzer options).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(FuzzFrameDecoder FuzzRequestDecoding FuzzServerSentEvents)
fi
scratch=${FUZZ_SCRATCH:-.build-fuzz}
config=${FUZZ_CONFIG:-release}
artifacts=${FUZZ_ARTIFACTS:-$(mktemp -d -t fuzz-artifacts.XXXXXX)}
mkdir -p "$artifacts"

# Largest input per target: a few frames, a large request body, a few events.
max_len() {
    case "$1" in
        FuzzRequestDecoding) echo 16384 ;;
        *) echo 8192 ;;
    esac
}

build_started=$(date +%s)
for target in "${targets[@]}"; do
    echo "== building $target"
    swift build -c "$config" --product "$target" --scratch-path "$scratch" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
done
echo "== fuzz build took $(( $(date +%s) - build_started )) s"
bin=$(swift build -c "$config" --scratch-path "$scratch" --show-bin-path -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING)

failed=()
summary=()
for target in "${targets[@]}"; do
    work=$(mktemp -d -t "fuzz-corpus-$target.XXXXXX")
    log="$artifacts/$target.log"
    dict=()
    [ -f "Fuzz/dict/$target.dict" ] && dict=(-dict="Fuzz/dict/$target.dict")
    echo "== fuzzing $target for $seconds s (new inputs: $work, log: $log)"
    status=0
    # ASan's leak check is off: the Swift runtime's lazily built metadata caches live for the
    # whole process and only confuse it; libFuzzer's own -rss_limit_mb catches real growth.
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} \
        "$bin/$target" "$work" "Fuzz/corpus/$target" "${dict[@]}" \
        -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts/$target-" -print_final_stats=1 ${FUZZ_JOBS_ARGS:-} \
        >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    coverage=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    line="$target: ${runs:-?} executions, ${rate:-?}/s, coverage ${coverage:-?} edges, exit $status"
    summary+=("$line")
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        echo "!! $target failed (exit $status); the end of its log:"
        tail -n 40 "$log"
        ls -l "$artifacts" | grep -- "$target-" || true
    fi
    rm -rf "$work"
done

echo "== fuzz summary ($seconds s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]}; crash inputs and logs in $artifacts (replay one with: swift run <target> <file>)"
    exit 1
fi
echo "no crashes; logs in $artifacts"
