#!/usr/bin/env bash
# The fault suite of issue 8 on its own: real processes on loopback, each test bounded in calls
# and time, stopping by itself. (`scripts/test.sh` runs it too, with every other test.)
#
#   scripts/faults.sh            # build, then run every Fault* suite
#
# What it covers: a service SIGKILLed under load (503s, no hang, recovery after restart);
# Gemini 429 storms with RetryInfo, 503 bursts with fallback to flash, a hanging Gemini (504 at
# the deadline, upstream request closed); a client leaving mid-stream (Gemini call closed within
# a second); slowloris on the gateway and on an RPC port; garbage on an RPC port with flat memory;
# 1,000 streams held at once while a CPU hog (stress-ng --cpu 1) takes one core, every one ending with `done`.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build --filter 'Fault(ServiceKill|Gemini|ClientLeaves|SlowClient|Garbage|HeldStreams)Tests' "$@"
