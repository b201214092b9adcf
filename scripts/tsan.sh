#!/usr/bin/env bash
# The whole test suite under ThreadSanitizer, child processes included (issue 8).
#
#   scripts/tsan.sh [swift test arguments…]     # e.g. scripts/tsan.sh --filter EndToEndTests
#
# Builds with --sanitize=thread into $TSAN_SCRATCH (default .build-tsan; ~4 min on top of the
# dependencies' first build), then runs `swift test` with TSAN_OPTIONS=log_path=…, which the
# test support passes on to every gateway, service and simulator process the tests start, so
# a race in any process leaves a report file. Exits non-zero when there is a report.
#
# Test failures are printed but do not fail this script: under TSan everything runs 5-15x
# slower, and tests that wait for something within a few seconds can miss on time alone.
# What this script judges is the race reports.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${TSAN_SCRATCH:-.build-tsan}
reports=$(mktemp -d -t tsan-reports.XXXXXX)

swift build --build-tests --sanitize=thread --scratch-path "$scratch"
status=0
# The Swift backtracer and TSan both want the crash signals; the backtracer is off so that a
# crash prints TSan's report rather than a lost backtrace.
SWIFT_BACKTRACE=enable=no TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 log_path=$reports/report" \
    swift test --skip-build --sanitize=thread --scratch-path "$scratch" "$@" || status=$?
echo "== swift test exited $status (timing failures are expected under TSan; see above)"

count=$(find "$reports" -type f | wc -l)
if [ "$count" -gt 0 ]; then
    echo "!! $count ThreadSanitizer report file(s) in $reports:"
    grep -h "WARNING: ThreadSanitizer" "$reports"/* | sort | uniq -c
    exit 1
fi
echo "no ThreadSanitizer report from the test process or any process it started"
rmdir "$reports"
