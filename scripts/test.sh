#!/usr/bin/env bash
# Builds everything (the integration tests start the real executables) and runs every test, with
# a throwaway PostgreSQL for the database tests (scripts/with-postgres.sh; they skip without one).
#
# The run has a time limit, TEST_TIME_LIMIT_SECONDS (1200; a whole run takes about a minute
# here): a test that hangs fails the run within it, naming the tests that started and did not
# finish and with the test process's backtrace, instead of holding CI silent until CI's own
# limit. Output is line-buffered (stdbuf), so a cut log ends at the last line printed, not at
# the last 4 KiB block.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests

limit=${TEST_TIME_LIMIT_SECONDS:-1200}
log=$(mktemp /tmp/career-tests.XXXXXX)
line_buffered=()
command -v stdbuf >/dev/null 2>&1 && line_buffered=(stdbuf -oL -eL)

# Its own process group (set -m), so that the watchdog can stop everything it started.
set -m
SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=yes,interactive=no} \
  scripts/with-postgres.sh "${line_buffered[@]}" swift test --skip-build "$@" >"$log" 2>&1 &
runner=$!
set +m
tail -n +1 -f --pid="$runner" "$log" &
printer=$!

# Every process below PID, however deep: swift-test starts the test binary outside the group.
descendants() {
  local children
  children=$(ps -eo pid=,ppid= | awk -v parent="$1" '$2 == parent { print $1 }')
  for child in $children; do
    echo "$child"
    descendants "$child"
  done
}

watchdog() {
  local waited=0
  while kill -0 "$runner" 2>/dev/null; do
    if [ "$waited" -ge "$limit" ]; then
      : >"$log.timed-out"
      {
        echo "== the tests did not finish within ${limit}s (TEST_TIME_LIMIT_SECONDS); started and not finished:"
        awk -f scripts/unfinished-tests.awk "$log" || true
        echo "== the test process's backtrace (SIGABRT), then the run is stopped"
      } >&2
      local everything
      everything=$(descendants "$runner")
      pkill -ABRT -f 'PackageTests.xctest' 2>/dev/null || true
      sleep 15
      kill -TERM -- "-$runner" $everything 2>/dev/null || true
      sleep 15
      kill -KILL -- "-$runner" $everything 2>/dev/null || true
      return
    fi
    sleep 1
    waited=$((waited + 1))
  done
}
watchdog &
watcher=$!

status=0
wait "$runner" || status=$?
wait "$printer" 2>/dev/null || true
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
if [ -e "$log.timed-out" ]; then
  status=1
  # Every test ended and the run said so, but the process did not exit: the tests' verdict
  # stands, and the hang is reported for whoever reads the log.
  if grep -qE '^[^ ]+ Test run with [0-9]+ tests? .*passed' "$log" && [ -z "$(awk -f scripts/unfinished-tests.awk "$log")" ]; then
    echo "== every test passed, but the test process did not exit by itself; it was stopped (see above)" >&2
    status=0
  fi
fi
rm -f "$log" "$log.timed-out"
exit "$status"
