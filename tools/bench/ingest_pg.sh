#!/usr/bin/env bash
# tools/bench/ingest_pg.sh — telematics ingest into a PostgreSQL workspace
# against the same file into an SQLite one (a benchmark prints figures; it
# asserts nothing).  For 1e6 and 1e7 pings (roadsafe-gen's telematics at
# scale 10 and 100, as tools/bench/ingest.sh): `roadsafe ingest
# telematics` into a fresh SQLite workspace, then into a fresh PostgreSQL
# workspace in a throwaway cluster (PostgreSQL 15 + PostGIS, Unix socket in
# a temporary folder, as tests/e2e/pg_lib.sh makes it, but with fsync on
# and shared_buffers 256MB: a durable server, not a test one), each with
# wall time, roadsafe's CPU time and peak RSS, the server's CPU time, and
# the size of what was stored; then the same heat maps from both (a 250 m
# grid and a 500 m quartic KDE at 100 m pixels: on PostgreSQL a reader
# first copies the workspace into its snapshot, store.h), each with wall,
# CPU and peak RSS, and whether the two backends' outputs are identical.
# The cluster is stopped and removed at the end, whatever happens.
#   usage: tools/bench/ingest_pg.sh [WORKDIR] [SIZES]   (SIZES: 1e6 1e7)
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/roadsafe-bench}
sizes=${2:-1e6 1e7}
PG_BIN=/usr/lib/postgresql/15/bin
[ -x "$PG_BIN/postgres" ] || { echo "PostgreSQL 15 server binaries are absent" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "install the 'time' package (GNU time)" >&2; exit 2; }
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target roadsafe roadsafe-gen >/dev/null
mkdir -p "$work"

owner=$(id -un)
[ "$(id -u)" -eq 0 ] && owner=nobody
as_owner() { if [ "$(id -u)" -eq 0 ]; then (cd "$pgdir" && runuser -u "$owner" -- "$@"); else (cd "$pgdir" && "$@"); fi; }
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/rs-pgbench.XXXXXX")
stop() {
  [ -f "$pgdir/data/postmaster.pid" ] &&
    as_owner "$PG_BIN/pg_ctl" -D "$pgdir/data" stop -m immediate -w >/dev/null 2>&1 || true
  rm -rf "$pgdir"
}
trap stop EXIT
[ "$(id -u)" -eq 0 ] && chown "$owner" "$pgdir"
chmod 700 "$pgdir"
as_owner "$PG_BIN/initdb" -D "$pgdir/data" -U rs_admin --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_owner "$PG_BIN/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 300 \
  -o "-c listen_addresses='' -c unix_socket_directories='$pgdir' -c port=5432 \
      -c shared_buffers=256MB -c max_wal_size=4GB" start >/dev/null
export PGHOST=$pgdir PGPORT=5432 PGUSER=rs_admin PGDATABASE=postgres
psql=("$PG_BIN/psql" -X -q -At)
server_cpu() { # CPU seconds of every server process so far (clock ticks / 100)
  local pid t=0
  for pid in $(pgrep -u "$owner" -f "postgres" || true); do
    [ -r "/proc/$pid/stat" ] && t=$((t + $(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat")))
  done
  echo "$t"
}

gen() { [ -f "$work/gen-$1/telematics.csv" ] || build/roadsafe-gen --out "$work/gen-$1" --scale "$1" >/dev/null; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
for size in $sizes; do
  case "$size" in
    1e6) gen 10; g="$work/gen-10" ;;
    1e7) gen 100; g="$work/gen-100" ;;
    *) echo "unknown size $size (1e6 or 1e7)" >&2; exit 2 ;;
  esac
  f="$g/telematics.csv"
  rows=$(( $(wc -l < "$f") - 1 ))
  echo "== $size: $rows pings, $(du -m "$f" | cut -f1) MB"
  cat "$f" >/dev/null
  # SQLite
  rm -f "$work"/ws.db*
  build/roadsafe --store "$work/ws.db" init >/dev/null
  build/roadsafe --store "$work/ws.db" districts load "$g/districts.shp" --name-field NAME >/dev/null
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" \
    build/roadsafe --store "$work/ws.db" ingest telematics --quiet "$f" >/dev/null
  read -r wall user sys rss < "$work/time.txt"
  awk -v r="$rows" -v w="$wall" -v c="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" -v m="$rss" \
    -v z="$(stat -c %s "$work/ws.db")" 'BEGIN {
    printf "sqlite:     wall %6.2f s, roadsafe CPU %6.2f s, peak RSS %4.0f MB, %.2f million pings/s, workspace %.0f MB\n", w, c, m / 1024, r / w / 1e6, z / 1e6 }'
  # PostgreSQL
  "${psql[@]}" -c "DROP DATABASE IF EXISTS rs" -c "CREATE DATABASE rs" >/dev/null 2>&1
  url="postgresql:///rs"
  build/roadsafe --store "$url" init >/dev/null
  build/roadsafe --store "$url" districts load "$g/districts.shp" --name-field NAME >/dev/null
  s0=$(server_cpu)
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" \
    build/roadsafe --store "$url" ingest telematics --quiet "$f" >/dev/null
  s1=$(server_cpu)
  read -r wall user sys rss < "$work/time.txt"
  z=$(PGDATABASE=rs "${psql[@]}" -c "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'roadsafe.ping'::regclass")
  awk -v r="$rows" -v w="$wall" -v c="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" -v m="$rss" -v s="$(( s1 - s0 ))" \
    -v z="$z" 'BEGIN {
    printf "postgresql: wall %6.2f s, roadsafe CPU %6.2f s, peak RSS %4.0f MB, %.2f million pings/s, server CPU %.2f s, ping table %.0f MB\n", w, c, m / 1024, r / w / 1e6, s / 100, z / 1e6 }'
  # heat maps from each backend (readers; on PostgreSQL through the snapshot)
  for job in "grid --min-count 1" "kde --kde 500 --pixel 100 --min-count 1"; do
    name=${job%% *}; args=${job#* }
    for b in sqlite postgresql; do
      st="$work/ws.db"; [ "$b" = postgresql ] && st="$url"
      # shellcheck disable=SC2086
      /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" \
        build/roadsafe --store "$st" heatmap --out "$work/heat-$b-$name" $args >/dev/null
      read -r wall user sys rss < "$work/time.txt"
      awk -v n="$name" -v b="$b" -v w="$wall" -v c="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
        -v m="$rss" 'BEGIN { printf "heatmap %-4s %-10s wall %6.2f s, roadsafe CPU %6.2f s, peak RSS %4.0f MB\n", n, b, w, c, m / 1024 }'
    done
    for ext in csv dbf asc png; do
      [ -e "$work/heat-sqlite-$name.$ext" ] || continue
      cmp -s "$work/heat-sqlite-$name.$ext" "$work/heat-postgresql-$name.$ext" &&
        echo "heatmap $name.$ext: identical on both backends" ||
        echo "heatmap $name.$ext: DIFFERS between the backends"
    done
  done
  rm -f "$work"/heat-*
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
rm -f "$work"/ws.db* "$work/time.txt"
