# tests/e2e/pg_lib.sh — a throwaway PostgreSQL 15 + PostGIS cluster for the
# tests of the shared workspace.  Source it after lib.sh, then call pg_start.
#
# pg_start makes a cluster with Debian's own server binaries
# (/usr/lib/postgresql/15/bin; nothing found on PATH is used, so another
# initdb or pg_ctl earlier on PATH cannot be picked up by accident) in a
# fresh mktemp folder, owned by an unprivileged user when the test runs as
# root (postgres refuses to run as root): `nobody`.  The server listens on
# a Unix socket in that folder only (listen_addresses = ''), so no TCP port
# is taken and parallel tests never meet.  pg_ctl -w waits until it accepts
# connections, and pg_isready confirms it; no sleeps.  An EXIT/INT/TERM
# trap stops it (pg_ctl stop -m immediate) and removes the folder whatever
# happens.  Without the server binaries or PostGIS the test is skipped
# (exit 77).
#
# After pg_start: PGHOST (the socket folder), PGPORT, PGUSER (the cluster's
# superuser), PGDATABASE (an empty database "rs") are exported, so
# "postgresql://" (libpq's PG* variables) names that database;
# PG_URL is the same database as an explicit URL; PSQL runs psql quietly
# and stops at the first error.

PG_BIN=/usr/lib/postgresql/15/bin
PG_POSTGIS_CONTROL=/usr/share/postgresql/15/extension/postgis.control

pg_skip_unless_available() {
  local b
  for b in initdb pg_ctl postgres pg_isready psql; do
    [ -x "$PG_BIN/$b" ] || { echo "SKIPPED: $PG_BIN/$b is absent (apt-get install postgresql-15)"; exit 77; }
  done
  [ -f "$PG_POSTGIS_CONTROL" ] || {
    echo "SKIPPED: PostGIS for PostgreSQL 15 is absent (apt-get install postgresql-15-postgis-3)"
    exit 77
  }
}

# as_pg_owner CMD...: runs CMD as the cluster's owner, from its folder.
as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$PG_DIR" && runuser -u "$PG_OWNER" -- "$@")
  else
    (cd "$PG_DIR" && "$@")
  fi
}

pg_stop() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "${PG2_DIR:-}" ] && [ -d "$PG2_DIR" ]; then
    if [ -f "$PG2_DIR/data/postmaster.pid" ]; then
      as_pg_owner "$PG_BIN/pg_ctl" -D "$PG2_DIR/data" stop -m immediate -w -t 120 >/dev/null 2>&1 || true
    fi
    rm -rf "$PG2_DIR"
  fi
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
      as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" stop -m immediate -w -t 120 >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
  fi
  PG_DIR=
  exit "$rc"
}

pg_start() {
  pg_skip_unless_available
  require runuser
  PG_OWNER=$(id -un)
  [ "$(id -u)" -eq 0 ] && PG_OWNER=nobody
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/rs-pg.XXXXXX")
  trap pg_stop EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  [ "$(id -u)" -eq 0 ] && chown "$PG_OWNER" "$PG_DIR"
  chmod 700 "$PG_DIR"
  as_pg_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U rs_admin --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 ||
    { sed 's/^/    initdb: /' "$PG_DIR/initdb.log" >&2; echo "FAIL: initdb" >&2; exit 1; }
  # a fixed port number only names the socket file inside PG_DIR (no TCP)
  as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 300 \
    -o "-c listen_addresses='' -c unix_socket_directories='$PG_DIR' -c port=5432 \
        -c fsync=off -c max_connections=30 -c shared_buffers=16MB" start >/dev/null ||
    { sed 's/^/    server: /' "$PG_DIR/server.log" >&2; echo "FAIL: pg_ctl start" >&2; exit 1; }
  export PGHOST=$PG_DIR PGPORT=5432 PGUSER=rs_admin PGDATABASE=postgres
  unset PGPASSWORD PGSERVICE PGSERVICEFILE PGHOSTADDR PGOPTIONS
  local i
  for i in $(seq 1 300); do
    "$PG_BIN/pg_isready" -q -t 1 && break
    [ "$i" -eq 300 ] && { echo "FAIL: the server does not accept connections" >&2; exit 1; }
  done
  PSQL=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At)
  "${PSQL[@]}" -c "CREATE DATABASE rs" >/dev/null
  export PGDATABASE=rs
  PG_URL="postgresql://rs_admin@/rs?host=$PG_DIR&port=5432"
}

# pg_start_second (after pg_start): a second throwaway cluster, the same
# way, in its own folder PG2_DIR (socket there, no TCP), with an empty
# database "region"; stopped and removed with the first.  PG2_CONN is its
# libpq connection string and PSQL2 runs psql on it.
pg_start_second() {
  PG2_DIR=$(mktemp -d "${TMPDIR:-/tmp}/rs-pg2.XXXXXX")
  [ "$(id -u)" -eq 0 ] && chown "$PG_OWNER" "$PG2_DIR"
  chmod 700 "$PG2_DIR"
  as_pg_owner "$PG_BIN/initdb" -D "$PG2_DIR/data" -U rs_admin --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$PG2_DIR/initdb.log" 2>&1 ||
    { sed 's/^/    initdb: /' "$PG2_DIR/initdb.log" >&2; echo "FAIL: initdb (second cluster)" >&2; exit 1; }
  as_pg_owner "$PG_BIN/pg_ctl" -D "$PG2_DIR/data" -l "$PG2_DIR/server.log" -w -t 300 \
    -o "-c listen_addresses='' -c unix_socket_directories='$PG2_DIR' -c port=5432 \
        -c fsync=off -c max_connections=30 -c shared_buffers=16MB" start >/dev/null ||
    { sed 's/^/    server: /' "$PG2_DIR/server.log" >&2; echo "FAIL: pg_ctl start (second cluster)" >&2; exit 1; }
  local i
  for i in $(seq 1 300); do
    "$PG_BIN/pg_isready" -q -t 1 -h "$PG2_DIR" -p 5432 && break
    [ "$i" -eq 300 ] && { echo "FAIL: the second server does not accept connections" >&2; exit 1; }
  done
  PSQL2=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At -h "$PG2_DIR" -p 5432 -U rs_admin)
  "${PSQL2[@]}" -d postgres -c "CREATE DATABASE region" >/dev/null
  PSQL2+=(-d region)
  PG2_CONN="host=$PG2_DIR port=5432 user=rs_admin dbname=region"
}

# pgq SQL: one value (or rows, |-separated) from the test database.
pgq() { "${PSQL[@]}" -c "$1"; }

# pg_kill_at_copy ARG...: run roadsafe ARG... until it pauses between its
# COPY and its commit (ROADSAFE_TEST_PAUSE point ingest-pg-copied), then
# SIGKILL it; its stderr is in $T/k.err.
pg_kill_at_copy() {
  rm -f "$T/go"; mkfifo "$T/go"
  rm -f "$T/k.err"  # never an earlier run's pause line
  ROADSAFE_TEST_PAUSE="ingest-pg-copied:$T/go" "$RS" "$@" >"$T/k.out" 2>"$T/k.err" &
  local pid=$!
  while ! grep -q "paused at ingest-pg-copied" "$T/k.err" && kill -0 "$pid" 2>/dev/null; do
    sleep 0.05; done
  grep -q "paused at ingest-pg-copied" "$T/k.err" || fail "the load did not reach its pause point"
  kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
}

# pg_both NAME FILE...: the test's `load STORE FILE...` on the SQLite
# workspace $W, then on $P; the same summary lines and rejects (kept as
# $T/NAME.{sqlite,pg}.{out,rej}).
pg_both() {
  local name=$1; shift
  load "$W" "$@"; cp "$T/out" "$T/$name.sqlite.out"; cp "$T/rej" "$T/$name.sqlite.rej"
  load "$P" "$@"; cp "$T/out" "$T/$name.pg.out"; cp "$T/rej" "$T/$name.pg.rej"
  cmp -s "$T/$name.sqlite.out" "$T/$name.pg.out" ||
    fail "$name: summary differs: $(cat "$T/$name.sqlite.out") / $(cat "$T/$name.pg.out")"
  cmp -s "$T/$name.sqlite.rej" "$T/$name.pg.rej" || fail "$name: rejects differ"
}

# pg_pair: the sample data in $G (roadsafe-gen, seed 9) and two workspaces
# with its districts: SQLite $W and PostgreSQL $P.
pg_pair() {
  run 0 "$GEN" --out "$T/gen" --seed 9
  G="$T/gen" W="$T/ws.db" P=postgresql://
  local s
  for s in "$W" "$P"; do
    run 0 "$RS" --store "$s" init
    run 0 "$RS" --store "$s" districts load "$G/districts.shp" --name-field NAME --code-field CODE
  done
}
