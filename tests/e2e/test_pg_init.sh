#!/usr/bin/env bash
# The shared workspace on PostgreSQL: selecting it (--store URL,
# ROADSAFE_STORE, libpq's PG* variables), `roadsafe init` (the schema at the
# SQLite workspace's version, PostGIS layers, month partitions, idempotent,
# a newer version refused), and the clear refusal of every command that does
# not run on PostgreSQL yet.  Runs against a throwaway cluster (pg_lib.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
need_sqlite3
pg_start

# the version SQLite's init writes is the version PostgreSQL's init writes
run 0 "$RS" --store "$T/ws.db" init
want_v=$(sql "$T/ws.db" "PRAGMA user_version")
[ "$want_v" -ge 6 ] || fail "SQLite schema version $want_v"

# an empty URL: libpq's PG* variables (set by pg_start) say where
run 0 "$RS" --store postgresql:// init
has "$T/out" "(schema version $want_v)"
has "$T/out" "workspace postgresql://rs_admin@/rs?host=$PGHOST"
eq "$(pgq "SELECT value FROM roadsafe.meta WHERE key = 'schema_version'")" "$want_v" "meta schema_version"
wsid=$(pgq "SELECT value FROM roadsafe.meta WHERE key = 'workspace_id'")
[[ "$wsid" =~ ^[0-9a-f]{32}$ ]] || fail "workspace_id '$wsid'"
# a file path is still an SQLite workspace, and nothing of it went to the database
[ -s "$T/ws.db" ] || fail "the SQLite workspace was not made"

# the same tables (names and columns) as the SQLite workspace, geometry aside
sqlite_cols=$(sql "$T/ws.db" "SELECT m.name || '.' || p.name FROM sqlite_schema m,
  pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY 1")
pg_cols=$(pgq "SELECT table_name || '.' || column_name FROM information_schema.columns
  WHERE table_schema = 'roadsafe' AND column_name <> 'geom' AND table_name NOT LIKE 'ping%'
  ORDER BY 1" | LC_ALL=C sort)
sqlite_cols=$(echo "$sqlite_cols" | grep -v '^ping_chunk\.' | LC_ALL=C sort)
eq "$pg_cols" "$sqlite_cols" "tables and columns on PostgreSQL against SQLite"

# live layers: geometry columns in EPSG:27700 with GiST indexes
layers=$(pgq "SELECT f_table_name || ':' || type || ':' || srid FROM geometry_columns
  WHERE f_table_schema = 'roadsafe' AND f_table_name IN
  ('district', 'detection', 'collision', 'concern', 'ping') ORDER BY 1")
eq "$layers" "collision:POINT:27700
concern:POINT:27700
detection:POINT:27700
district:MULTIPOLYGON:27700
ping:POINT:27700" "geometry columns"
gist=$(pgq "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_indexes
  WHERE schemaname = 'roadsafe' AND indexdef LIKE '%USING gist (geom)%'
  AND tablename IN ('district', 'detection', 'collision', 'concern')")
eq "$gist" "collision,concern,detection,district" "GiST indexes"
# the geometry follows the stored coordinates
pgq "INSERT INTO roadsafe.ingest_file(kind, name, sha256, loaded_at, rows_loaded, rows_rejected,
  rows_present) VALUES('detections', 'x', 'abc', 0, 0, 0, 0)" >/dev/null
pgq "INSERT INTO roadsafe.detection(detection_id, file_id, t, device_type, device_id, site_id, e, n,
  speed_cmph, limit_mph) SELECT 'd1', id, 0, 'TRUCAM', 'v', 's', 530000.5, 180000.25, 4000, 30
  FROM roadsafe.ingest_file" >/dev/null
eq "$(pgq "SELECT ST_AsText(geom) || ' ' || ST_SRID(geom) FROM roadsafe.detection")" \
  "POINT(530000.5 180000.25) 27700" "detection geometry"
# one content per kind: the hash is unique
if pgq "INSERT INTO roadsafe.ingest_file(kind, name, sha256, loaded_at, rows_loaded, rows_rejected,
  rows_present) VALUES('detections', 'y', 'abc', 0, 0, 0, 0)" >/dev/null 2>"$T/uerr"; then
  fail "a second ingest_file row with the same kind and hash was accepted"
fi
has "$T/uerr" "duplicate key"
pgq "DELETE FROM roadsafe.detection; DELETE FROM roadsafe.ingest_file" >/dev/null

# pings: declaratively partitioned by month (UTC), a partition made on demand
eq "$(pgq "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'roadsafe.ping'::regclass")" \
  "r" "ping partitioned by range"
eq "$(pgq "SELECT roadsafe.ping_month(1700000000)")" "ping_2023_11" "month partition name"
eq "$(pgq "SELECT roadsafe.ping_month(1701388799)")" "ping_2023_11" "the same month again"
pgq "INSERT INTO roadsafe.ping(file_id, source, t, e, n, speed_cmph, limit_mph, district_id, vehicle)
  VALUES (1, 'traffic', 1698796800, 1, 2, 0, 30, -1, 0), (1, 'traffic', 1701388799, 1, 2, 0, 30, -1, 0),
         (1, 'traffic', 1701388800, 1, 2, 0, 30, -1, 0)" >/dev/null
eq "$(pgq "SELECT p || ':' || count(*) FROM (SELECT tableoid::regclass::text AS p
  FROM roadsafe.ping) x GROUP BY p ORDER BY p")" \
  "roadsafe.ping_2023_11:2
roadsafe.ping_other:1" "pings by partition (1 Nov 00:00 in, 1 Dec 00:00 out)"
pgq "TRUNCATE roadsafe.ping" >/dev/null

# init again: nothing changes
snap() {
  pgq "SELECT table_name, column_name, data_type FROM information_schema.columns
    WHERE table_schema = 'roadsafe' ORDER BY 1, 2; SELECT indexdef FROM pg_indexes
    WHERE schemaname = 'roadsafe' ORDER BY 1; SELECT key, value FROM roadsafe.meta ORDER BY 1"
}
snap >"$T/snap1"
run 0 "$RS" --store "$PG_URL" init
snap >"$T/snap2"
cmp -s "$T/snap1" "$T/snap2" || fail "a second init changed the workspace"
# ROADSAFE_STORE and the postgres:// spelling select it too
ROADSAFE_STORE="postgres://rs_admin@/rs?host=$PGHOST&port=$PGPORT" run 0 "$RS" init
has "$T/out" "(schema version $want_v)"
# a password never appears in what roadsafe prints
run 0 "$RS" --store "postgresql://rs_admin:s3cret@/rs?host=$PGHOST&port=$PGPORT" init
lacks "$T/out" "s3cret"
run 3 "$RS" --store "postgresql://rs_admin:s3cret@/nosuchdb?host=$PGHOST&port=$PGPORT" init
has "$T/err" "cannot connect to workspace"
lacks "$T/err" "s3cret"
run 3 "$RS" --store "postgresql:///nosuchdb?host=$PGHOST&password=s3cret&port=$PGPORT" init
has "$T/err" "password=*&port="
lacks "$T/err" "s3cret"
# a database without a workspace is not started afresh by a loading command
pgq "CREATE DATABASE empty" >/dev/null
run 2 "$RS" --store "postgresql:///empty" districts load "$T/none.shp" --name-field N
has "$T/err" "no workspace in database"
eq "$(PGDATABASE=empty pgq "SELECT count(*) FROM pg_namespace WHERE nspname = 'roadsafe'")" "0" \
  "the empty database stays empty"

# a workspace from a newer roadsafe is refused, and left as it was
newer=$((want_v + 1))
pgq "UPDATE roadsafe.meta SET value = '$newer' WHERE key = 'schema_version'" >/dev/null
run 2 "$RS" --store postgresql:// init
has "$T/err" "has schema version $newer, newer than this roadsafe understands ($want_v)"
eq "$(pgq "SELECT value FROM roadsafe.meta WHERE key = 'schema_version'")" "$newer" "version untouched"
pgq "UPDATE roadsafe.meta SET value = '$want_v' WHERE key = 'schema_version'" >/dev/null

# every command not ported yet: exit 2 and one clear line, nothing else
not_yet() {
  local name=$1; shift
  run 2 "$RS" --store postgresql:// "$@"
  eq "$(cat "$T/err")" "roadsafe: $name is not yet available on a PostgreSQL workspace (it runs on the SQLite workspace)" "$name"
  [ -s "$T/out" ] && fail "$name wrote to standard output"
  return 0
}
printf 'x' >"$T/in.csv"
# telematics load there (test_pg_telematics.sh): such a file is refused for
# what it lacks, as on SQLite
run 2 "$RS" --store postgresql:// ingest telematics "$T/in.csv"
has "$T/err" "missing required column"
lacks "$T/err" "not yet available"
# ingest stats19 loads (test_pg_stats19.sh): this file is judged, and refused, by its loader
run 2 "$RS" --store postgresql:// ingest stats19 "$T/in.csv"
has "$T/err" "not a STATS19 file"
lacks "$T/err" "not yet available"
# every reader reads the workspace through a snapshot (test_pg_read.sh):
# on the empty workspace it says and exits what it does on an empty SQLite
# one, the output paths aside
run 0 "$RS" --store "$T/empty.db" init
as_sqlite() { # NAME ARG...: the same exit, stdout and stderr on both
  local name=$1; shift
  local a b
  "$RS" --store "$T/empty.db" "$@" >"$T/s.out" 2>"$T/s.err" && a=0 || a=$?
  "$RS" --store postgresql:// "$@" >"$T/p.out" 2>"$T/p.err" && b=0 || b=$?
  eq "$b" "$a" "$name: exit on PostgreSQL"
  cmp -s "$T/s.out" "$T/p.out" || fail "$name: stdout differs: $(cat "$T/s.out") / $(cat "$T/p.out")"
  cmp -s "$T/s.err" "$T/p.err" || fail "$name: stderr differs: $(cat "$T/s.err") / $(cat "$T/p.err")"
}
as_sqlite heatmap heatmap --out "$T/h"
as_sqlite export export districts --out "$T/e"
as_sqlite ksi ksi
as_sqlite target target show
as_sqlite reoffend reoffend
as_sqlite operation operation --district A --weekend 2024-06-01
as_sqlite report report --quarter 2020Q2 --out "$T/r.html"
as_sqlite weekends weekends --start 2024-06-01 --count 4
# the command's own --store selects the workspace as well
run 0 "$RS" ksi --store postgresql://
has "$T/err" "no casualties in the workspace"
finish
