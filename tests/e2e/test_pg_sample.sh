#!/usr/bin/env bash
# The whole sample job (tools/sample.sh: generate the county, load every
# kind of file, write every table, map, layer, plan and the board pack) on
# an SQLite workspace and on a PostgreSQL one, with the same key: every
# output is byte-identical.  Only what names the workspace differs: the
# log of the run (paths), info.txt (the workspace's name), the board
# pack's "Workspace" line and the SQLite file itself.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
pg_start
root=$(cd "$(dirname "$0")/../.." && pwd)

run 0 "$RS" keygen "$T/key"
job() { # OUT [--store URL]
  local out=$1; shift
  RS_BUILD="$RS_BIN" "$root/tools/sample.sh" "$out" --scale 0.3 --key "$T/key" "$@" \
    >"$out.stdout" 2>"$out.stderr" || fail "sample job into $out: $(tail -5 "$out.stderr")"
}
job "$T/lite"
job "$T/pg" --store "$PG_URL"

# the two runs name their own folders; within the files that is all
for f in $(grep -rl --binary-files=without-match "$T/pg" "$T/pg" || true); do
  sed -i "s#$T/pg#$T/lite#g" "$f"
done
# the board pack names its workspace: a file on one, a database on the other
grep -q '<dt>Workspace</dt><dd>roadsafe.db (schema version' "$T/lite/board_pack_2020Q4.html" ||
  fail "the SQLite board pack does not name its workspace file"
grep -q '<dt>Workspace</dt><dd>PostgreSQL database rs (schema version' "$T/pg/board_pack_2020Q4.html" ||
  fail "the PostgreSQL board pack does not name its database"
sed -i 's#<dt>Workspace</dt><dd>PostgreSQL database rs #<dt>Workspace</dt><dd>roadsafe.db #' \
  "$T/pg/board_pack_2020Q4.html"
rm -f "$T/lite/roadsafe.db-wal" "$T/lite/roadsafe.db-shm"
diff -r -x run.log -x info.txt -x roadsafe.db "$T/lite" "$T/pg" >"$T/diff" ||
  fail "the sample job's outputs differ between SQLite and PostgreSQL: $(head -c 3000 "$T/diff")"

# the job ran whole on both: every kind loaded, every output written
n_lite=$(find "$T/lite" -type f ! -name roadsafe.db | wc -l)
n_pg=$(find "$T/pg" -type f | wc -l)
eq "$n_pg" "$n_lite" "files written on PostgreSQL"
[ "$n_pg" -ge 80 ] || fail "expected at least 80 outputs, got $n_pg"
for f in board_pack_2020Q4.html tables/ksi_quarterly.csv maps/over_threshold_kde.asc \
         layers/detections.shp plan/weekends_ranked_plan.csv; do
  [ -s "$T/pg/$f" ] || fail "$f missing or empty on PostgreSQL"
done
# info names the workspace; the counts below it are the same
sed -n '/^records/,/^files loaded/p' "$T/lite/info.txt" >"$T/info.lite"
sed -n '/^records/,/^files loaded/p' "$T/pg/info.txt" >"$T/info.pg"
cmp -s "$T/info.lite" "$T/info.pg" || fail "info differs: $(diff "$T/info.lite" "$T/info.pg")"
grep -q "telematics (traffic) *[1-9]" "$T/info.pg" || fail "no traffic pings on PostgreSQL: $(cat "$T/info.pg")"
grep -q "casualties *[1-9]" "$T/info.pg" || fail "no casualties on PostgreSQL: $(cat "$T/info.pg")"

# the layer the job publishes is the same in both workspaces, cell for
# cell (figures exactly, polygons byte for byte); on PostgreSQL it is a
# valid PostGIS layer in EPSG:27700 with a GiST index
sqlite3 -batch -noheader "$T/lite/roadsafe.db" "SELECT layer, cell_i, cell_j, district,
  coalesce(pings, ''), coalesce(printf('%!.17g', value), ''), withheld, lower(hex(geom_wkb))
  FROM heat_cell ORDER BY layer, cell_j, cell_i" >"$T/cells.lite"
pgq "SELECT layer, cell_i, cell_j, district, coalesce(pings::text, ''), coalesce(value::text, ''),
  withheld, encode(geom_wkb, 'hex') FROM roadsafe.heat_cell ORDER BY layer, cell_j, cell_i" >"$T/cells.pg"
[ "$(wc -l <"$T/cells.lite")" -gt 100 ] || fail "the published layer has $(wc -l <"$T/cells.lite") cells"
python3 - "$T/cells.lite" "$T/cells.pg" <<'PY' || fail "the published layers differ between SQLite and PostgreSQL"
import sys
a = [l.rstrip('\n').split('|') for l in open(sys.argv[1])]
b = [l.rstrip('\n').split('|') for l in open(sys.argv[2])]
ok = len(a) == len(b)
for x, y in zip(a, b):
    if x[:5] + x[6:] != y[:5] + y[6:] or (x[5] != y[5] and float(x[5]) != float(y[5])):
        print("differs:", x[:6], y[:6]); ok = False; break
sys.exit(0 if ok else 1)
PY
eq "$(pgq "SELECT count(*) FROM roadsafe.heat_cell WHERE ST_SRID(geom) <> 27700 OR NOT ST_IsValid(geom)")" "0" \
  "published cells with a wrong SRID or an invalid polygon"
pgq "SELECT indexdef FROM pg_indexes WHERE tablename = 'heat_cell'" | grep -q "USING gist (geom)" ||
  fail "no GiST index on heat_cell"

# a second run on the same database is refused: the job needs an empty one
RS_BUILD="$RS_BIN" "$root/tools/sample.sh" "$T/again" --scale 0.3 --key "$T/key" --store "$PG_URL" \
  >"$T/again.out" 2>"$T/again.err" && fail "a second sample job on the same database ran"
has "$T/again.err" "already holds loaded files"
finish
