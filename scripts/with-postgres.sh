#!/usr/bin/env bash
# scripts/with-postgres.sh COMMAND [ARGS...]
#
# Runs COMMAND with a throwaway PostgreSQL server on 127.0.0.1 and stops and deletes it when
# COMMAND ends (or this script fails or gets INT/TERM). COMMAND gets
#   CAREER_TEST_DATABASE_URL=postgres://career:career@127.0.0.1:PORT/career_test
# The server: a free port on 127.0.0.1 only, TLS on (a fresh self-signed certificate, so both
# sslmode=disable and sslmode=require work), password (scram-sha-256) logins over TCP. The login
# role `career` (password `career`, CREATEROLE so a test can create Supabase's roles) owns the
# databases career_test and career_test_2 (a spare). The superuser `postgres` is reachable only
# through the Unix socket in the server's private directory. Durability is off (fsync=off).
# Each run has its own directory and port, so two can run at once.
#
# Without PostgreSQL's server binaries (initdb, pg_ctl: on PATH, else the newest
# /usr/lib/postgresql/*/bin) it says so and runs COMMAND without the variable, so the tests
# that need the server skip themselves. As root the server runs as `postgres` (or a system
# user `careerpg`, created when neither exists), since PostgreSQL refuses to run as root.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

# -- the server binaries
initdb=""
pg_ctl=""
if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
  initdb=$(command -v initdb)
  pg_ctl=$(command -v pg_ctl)
else
  newest=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [ -x "$newest/initdb" ] && [ -x "$newest/pg_ctl" ]; then
    initdb=$newest/initdb
    pg_ctl=$newest/pg_ctl
  fi
fi
if [ -z "$pg_ctl" ]; then
  echo "with-postgres: no PostgreSQL server binaries (apt-get install postgresql); PostgreSQL tests will be skipped" >&2
  exec "$@"
fi
# psql of the same installation (Debian links only the client wrappers into /usr/bin).
psql=$(dirname "$(readlink -f "$pg_ctl")")/psql
[ -x "$psql" ] || psql=$(command -v psql || true)
if [ -z "$psql" ]; then
  echo "with-postgres: no psql beside $pg_ctl (apt-get install postgresql-client)" >&2
  exit 1
fi

# -- who runs the server
as_server() { "$@"; }
server_user=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
  if id postgres >/dev/null 2>&1; then
    server_user=postgres
  else
    server_user=careerpg
    if ! id careerpg >/dev/null 2>&1; then
      # Another run may be creating it at the same moment: only its absence afterwards is fatal.
      useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin careerpg >/dev/null 2>&1 || id careerpg >/dev/null
    fi
  fi
  as_server() { runuser -u "$server_user" -- "$@"; }
fi

# -- a private directory: the data, the socket, the log; deleted at exit
# /tmp, not $TMPDIR: the server's user must reach it, and a socket path must stay short.
dir=$(mktemp -d /tmp/with-postgres.XXXXXX)
started=false
child=""
# shellcheck disable=SC2317  # run by the traps
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  if $started; then
    (cd "$dir" && as_server "$pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1) || true
  fi
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir "$dir/socket"
chmod 700 "$dir"
[ "$server_user" = "$(id -un)" ] || chown -R "$server_user:" "$dir"

show_log() {
  echo "with-postgres: $1; its log:" >&2
  sed 's/^/  /' "$2" >&2 || true
}

# initdb and pg_ctl run from the private directory: the server's user may not be allowed in the
# caller's working directory.
if ! (cd "$dir" && as_server "$initdb" -D "$dir/data" --username=postgres --auth-local=trust \
      --auth-host=scram-sha-256 --encoding=UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1); then
  show_log "initdb failed" "$dir/initdb.log"
  exit 1
fi

tls=on
if command -v openssl >/dev/null 2>&1; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$dir/data/server.key" -out "$dir/data/server.crt" >/dev/null 2>&1
  chmod 600 "$dir/data/server.key"
  [ "$server_user" = "$(id -un)" ] || chown "$server_user:" "$dir/data/server.key" "$dir/data/server.crt"
else
  tls=off
  echo "with-postgres: no openssl (apt-get install openssl): the server runs without TLS" >&2
fi

cat >>"$dir/data/postgresql.conf" <<EOF

# scripts/with-postgres.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/socket'
max_connections = 200
ssl = $tls
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
password_encryption = 'scram-sha-256'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
cat >"$dir/data/pg_hba.conf" <<'EOF'
# scripts/with-postgres.sh: the superuser over the private socket only; passwords over TCP,
# with or without TLS.
local     all  all                 trust
hostssl   all  all  127.0.0.1/32  scram-sha-256
hostnossl all  all  127.0.0.1/32  scram-sha-256
EOF

# -- a free port: let the kernel pick one (python3), else a random one that `ss` says is
# unused; if another process takes it before the server binds it, try again with another.
free_port() {
  if command -v python3 >/dev/null 2>&1 &&
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null; then
    return
  fi
  local port used
  used=" $(ss -Hltn 2>/dev/null | awk '{print $4}' | sed 's/.*://' | tr '\n' ' ') "
  while :; do
    port=$((20000 + RANDOM % 40000))
    case $used in
      *" $port "*) ;;
      *) echo "$port"; return ;;
    esac
  done
}

port=""
for attempt in 1 2 3 4 5; do
  candidate=$(free_port)
  : >"$dir/server.log"
  [ "$server_user" = "$(id -un)" ] || chown "$server_user:" "$dir/server.log"
  if (cd "$dir" && as_server "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $candidate" -w -t 60 start >/dev/null 2>&1); then
    port=$candidate
    started=true
    break
  fi
  if ! grep -q -e "could not bind" -e "Address already in use" "$dir/server.log"; then
    show_log "the server did not start" "$dir/server.log"
    exit 1
  fi
done
if [ -z "$port" ]; then
  show_log "no free port after $attempt tries" "$dir/server.log"
  exit 1
fi

if ! as_server "$psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/socket" -p "$port" -U postgres -d postgres \
  >"$dir/setup.log" 2>&1 <<'EOF'; then
CREATE ROLE career LOGIN CREATEROLE PASSWORD 'career';
CREATE DATABASE career_test OWNER career;
CREATE DATABASE career_test_2 OWNER career;
EOF
  show_log "setting up the role and databases failed" "$dir/setup.log"
  exit 1
fi

export CAREER_TEST_DATABASE_URL="postgres://career:career@127.0.0.1:$port/career_test"
echo "with-postgres: PostgreSQL $("$pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port (TLS $tls; user career, databases career_test and career_test_2), until the command ends" >&2

# COMMAND runs in the background so that INT or TERM reach this script at once (a foreground
# child would delay the trap until it ended); it keeps this script's standard input.
exec 3<&0
"$@" <&3 3<&- &
child=$!
exec 3<&-
status=0
wait "$child" || status=$?
child=""
exit "$status"
