#!/usr/bin/env bash
# Builds everything (the integration tests start the real executables) and runs every test, with
# a throwaway PostgreSQL for the database tests (scripts/with-postgres.sh; they skip without one).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
scripts/with-postgres.sh swift test --skip-build "$@"
