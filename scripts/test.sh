#!/usr/bin/env bash
# Builds everything (the integration tests start the real executables) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build "$@"
