#!/usr/bin/env bash
# Writes .env for `docker compose` from .env.example, with a fresh RPC_TOKEN, COACH_STATE_KEY,
# POSTGRES_PASSWORD and development SUPABASE_JWT_SECRET wherever the example leaves them empty.
# Never overwrites .env.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -e .env ]; then
  echo ".env exists; not touching it (delete it to start over)." >&2
  exit 1
fi
random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
umask 077  # secrets: readable by this user only
sed -e "s/^RPC_TOKEN=\$/RPC_TOKEN=$(random_hex 24)/" \
    -e "s/^COACH_STATE_KEY=\$/COACH_STATE_KEY=$(random_hex 32)/" \
    -e "s/^POSTGRES_PASSWORD=\$/POSTGRES_PASSWORD=$(random_hex 24)/" \
    -e "s/^SUPABASE_JWT_SECRET=\$/SUPABASE_JWT_SECRET=$(random_hex 32)/" \
    .env.example > .env
echo "wrote .env (offline: the Gemini simulator; a development JWT secret). Next: docker compose up --build -d"
