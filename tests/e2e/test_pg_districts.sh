#!/usr/bin/env bash
# `roadsafe districts load` on a PostgreSQL workspace: the same reading and
# checks as on SQLite, the same rows stored (ids, names, codes, areas,
# vertices, WKB, the placer cache), a PostGIS layer that matches them, and
# stored records re-assigned when the set changes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
need_sqlite3
pg_start

run 0 "$GEN" --out "$T/gen" --seed 7
G="$T/gen"
W="$T/ws.db"
run 0 "$RS" --store "$W" init
run 0 "$RS" --store postgresql:// init

load() { run "$1" "$RS" --store "$2" districts load "$T/gen/districts.shp" --name-field NAME --code-field CODE; }
load 0 "$W"; cp "$T/out" "$T/sqlite.out"
load 0 postgresql://; cp "$T/out" "$T/pg.out"
cmp -s "$T/sqlite.out" "$T/pg.out" || fail "the load says different things: $(cat "$T/sqlite.out") / $(cat "$T/pg.out")"
has "$T/pg.out" "loaded "

same_rows() {
  sql "$W" "SELECT id, name, code, printf('%.6f', area_m2), vertices, hex(geom_wkb) FROM district ORDER BY id" >"$T/d_sqlite"
  pgq "SELECT id, name, code, round(area_m2::numeric, 6), vertices, upper(encode(geom_wkb, 'hex'))
       FROM roadsafe.district ORDER BY id" >"$T/d_pg"
  [ -s "$T/d_pg" ] || fail "$1: no districts on PostgreSQL"
  cmp -s "$T/d_sqlite" "$T/d_pg" || fail "$1: district rows differ between SQLite and PostgreSQL"
  for k in district_set districts_source; do
    eq "$(pgq "SELECT value FROM roadsafe.meta WHERE key = '$k'")" \
       "$(sql "$W" "SELECT value FROM meta WHERE key = '$k'")" "$1: meta $k"
  done
  sql "$W" "SELECT name, district_set, key, hex(data) FROM placer_cache ORDER BY name" >"$T/c_sqlite"
  pgq "SELECT name, district_set, key, upper(encode(data, 'hex')) FROM roadsafe.placer_cache ORDER BY name" >"$T/c_pg"
  [ -s "$T/c_pg" ] || fail "$1: no placer cache on PostgreSQL"
  cmp -s "$T/c_sqlite" "$T/c_pg" || fail "$1: placer cache differs between SQLite and PostgreSQL"
}
same_rows "first load"
# list and locate read the same answers from either workspace
for fmt in csv md; do
  run 0 "$RS" --store "$W" districts list --format "$fmt"; cp "$T/out" "$T/list.sqlite"
  run 0 "$RS" --store postgresql:// districts list --format "$fmt"
  cmp -s "$T/list.sqlite" "$T/out" || fail "districts list --format $fmt differs"
done
has "$T/out" "|"
# points over the county and beyond it, a header, a bad line
{ echo "lat,lon"; awk -F, 'NR > 1 && NR % 40 == 0 { print $6 "," $7 }' "$G/detections.csv" 2>/dev/null
  echo "52.0,1.9"; echo "50.0,-5.5"; echo "not,a point"; } >"$T/points.csv"
[ "$(wc -l <"$T/points.csv")" -gt 10 ] || fail "too few points to locate"
run 1 "$RS" --store "$W" districts locate <"$T/points.csv"; cp "$T/out" "$T/loc.sqlite"; cp "$T/err" "$T/loc.sqlite.err"
run 1 "$RS" --store postgresql:// districts locate <"$T/points.csv"
cmp -s "$T/loc.sqlite" "$T/out" || fail "districts locate differs"
cmp -s "$T/loc.sqlite.err" "$T/err" || fail "districts locate tells a bad line differently"
[ "$(cut -d, -f3 "$T/out" | grep -c .)" -gt 5 ] || fail "too few points located in a district"
# the layer is the stored polygons, in EPSG:27700
eq "$(pgq "SELECT count(*) FROM roadsafe.district WHERE ST_SRID(geom) <> 27700 OR NOT ST_IsValid(geom)
  OR abs(ST_Area(geom) - area_m2) > 1e-6 * area_m2")" "0" "district layer against the stored areas"

# again: the set is replaced (its number counted up), the same rows
load 0 "$W"; load 0 postgresql://
same_rows "second load"
eq "$(pgq "SELECT value FROM roadsafe.meta WHERE key = 'district_set'")" "2" "district set number"

# a refused input: the same message on both, nothing changed
run 2 "$RS" --store "$W" districts load "$T/gen/districts.shp" --name-field NOPE
cp "$T/err" "$T/bad_sqlite"
run 2 "$RS" --store postgresql:// districts load "$T/gen/districts.shp" --name-field NOPE
cmp -s "$T/bad_sqlite" "$T/err" || fail "a bad field is told differently: $(cat "$T/err")"
same_rows "after a refused load"

# once records are placed, a new set re-assigns them (tests/e2e/
# test_pg_relocate.sh checks it against SQLite): a concern outside the
# county loses its district
pgq "INSERT INTO roadsafe.ingest_file(kind, name, sha256, loaded_at, rows_loaded, rows_rejected,
  rows_present) VALUES ('concerns', 'c.csv', 'ab', 0, 1, 0, 0);
  INSERT INTO roadsafe.concern(file_id, t, e, n, district_id, source)
  SELECT id, 0, 530000, 180000, 0, 'public' FROM roadsafe.ingest_file" >/dev/null
load 0 "$W"
load 0 postgresql://
has "$T/out" "; 1 stored records re-assigned"
eq "$(pgq "SELECT coalesce(district_id, -1) FROM roadsafe.concern")" "-1" "the re-assigned concern"
same_rows "after the re-assignment"
finish
