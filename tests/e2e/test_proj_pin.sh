#!/usr/bin/env bash
# The WGS84 -> BNG operation is the workspace's, not the current folder's
# (issue 17, item 6).
#  - PROJ grid files lying in the folder a command runs from (a fabricated,
#    garbage OSTN15_NTv2_OSGBtoETRS.gsb and uk_os_OSTN15_NTv2_OSGBtoETRS.tif)
#    are never used: the same concerns file stored from that folder and from
#    an empty one gives identical positions and districts;
#  - the first ingest pins the operation (PROJ string, grids' checksums) in
#    meta; an ingest whose operation differs from the stored one is refused,
#    exit 2, nothing stored, the message naming both operations;
#    --allow-new-transform loads it and replaces the pin; `info` shows both
#    operations in full while they differ.
source "$(dirname "$0")/lib.sh"
need_sqlite3

run 0 "$GEN" --out "$T/gen" --seed 3
H="timestamp,lat,lon,source"
{ echo "$H"; sed -n '2,41p' "$T/gen/concerns.csv"; } > "$T/c1.csv"
{ echo "$H"; sed -n '42,61p' "$T/gen/concerns.csv"; } > "$T/c2.csv"
[ "$(wc -l < "$T/c1.csv")" -eq 41 ] || fail "concerns file too short"

mkdir -p "$T/grids" "$T/plain"
head -c 65536 /dev/urandom > "$T/grids/OSTN15_NTv2_OSGBtoETRS.gsb"
cp "$T/grids/OSTN15_NTv2_OSGBtoETRS.gsb" "$T/grids/uk_os_OSTN15_NTv2_OSGBtoETRS.tif"
mkdir -p "$T/grids/proj"   # also where a relative PROJ_DATA=proj would point
cp "$T/grids/OSTN15_NTv2_OSGBtoETRS.gsb" "$T/grids/proj/"
cp "$T/grids/uk_os_OSTN15_NTv2_OSGBtoETRS.tif" "$T/grids/proj/"

# one workspace per folder, each loaded from its own folder
for f in grids plain; do
  W="$T/$f.db"
  (cd "$T/$f" && run 0 "$RS" init --store "$W" &&
     run 0 "$RS" districts load "$T/gen/districts.shp" --name-field NAME --store "$W" &&
     run 0 "$RS" ingest concerns "$T/c1.csv" --quiet --store "$W")
done
(cd "$T/grids" && PROJ_DATA=proj run 0 "$RS" ingest concerns "$T/c2.csv" --quiet --store "$T/grids.db")
(cd "$T/plain" && run 0 "$RS" ingest concerns "$T/c2.csv" --quiet --store "$T/plain.db")
q="SELECT id, quote(e), quote(n), quote(district_id) FROM concern ORDER BY id"
sql "$T/grids.db" "$q" > "$T/grids.pos"
sql "$T/plain.db" "$q" > "$T/plain.pos"
eq "$(wc -l < "$T/plain.pos")" 60 "concerns stored"
cmp -s "$T/grids.pos" "$T/plain.pos" || fail "positions differ with a grid file in the current folder"
pin=$(sql "$T/plain.db" "SELECT value FROM meta WHERE key = 'wgs84_bng_operation'")
case "$pin" in
  +proj=pipeline*) ;;
  *) fail "no pinned operation in meta: '$pin'" ;;
esac
eq "$(sql "$T/grids.db" "SELECT value FROM meta WHERE key = 'wgs84_bng_operation'")" "$pin" \
  "pin from the folder with grids"
(cd "$T/grids" && run 0 "$RS" info --store "$T/grids.db")
lacks "$T/out" "NOT the operation"

# a workspace whose positions were made with another operation
W="$T/plain.db"
sql "$W" "UPDATE meta SET value = replace(value, '+y=-125.157', '+y=-125.000') WHERE key = 'wgs84_bng_operation'"
other=$(sql "$W" "SELECT value FROM meta WHERE key = 'wgs84_bng_operation'")
[ "$other" != "$pin" ] || fail "the test did not change the pin"
{ echo "$H"; sed -n '62,71p' "$T/gen/concerns.csv"; } > "$T/c3.csv"
before=$(sql "$W" "SELECT count(*) FROM concern")
run 2 "$RS" ingest concerns "$T/c3.csv" --quiet --store "$W"
has "$T/err" "WGS84 -> BNG operation"
has "$T/err" "Inverse of OSGB36 to WGS 84"
has "$T/err" "--allow-new-transform"
has "$T/err" "nothing was loaded"
eq "$(sql "$W" "SELECT count(*) FROM concern")" "$before" "concerns after a refused ingest"
eq "$(sql "$W" "SELECT value FROM meta WHERE key = 'wgs84_bng_operation'")" "$other" \
  "pin after a refused ingest"
run 0 "$RS" info --store "$W"
has "$T/out" "NOT the operation"
has "$T/out" "+y=-125.000"
has "$T/out" "+y=-125.157"
run 0 "$RS" ingest concerns "$T/c3.csv" --quiet --store "$W" --allow-new-transform
has "$T/err" "--allow-new-transform"
eq "$(sql "$W" "SELECT count(*) FROM concern")" "$((before + 10))" "concerns after --allow-new-transform"
eq "$(sql "$W" "SELECT value FROM meta WHERE key = 'wgs84_bng_operation'")" "$pin" \
  "pin after --allow-new-transform"
{ echo "$H"; sed -n '72,75p' "$T/gen/concerns.csv"; } > "$T/c4.csv"
run 0 "$RS" ingest concerns "$T/c4.csv" --quiet --store "$W"

# a grid installed where PROJ is told to look (an absolute PROJ_DATA): PROJ
# now chooses the OSTN15 operation, which is not the pinned one
if [ -f /usr/share/proj/proj.db ]; then
  mkdir -p "$T/projdata"
  cp /usr/share/proj/proj.db "$T/projdata/"
  cp "$T/grids/uk_os_OSTN15_NTv2_OSGBtoETRS.tif" "$T/projdata/"
  { echo "$H"; sed -n '76,80p' "$T/gen/concerns.csv"; } > "$T/c5.csv"
  n=$(sql "$W" "SELECT count(*) FROM concern")
  PROJ_DATA="$T/projdata" run 2 "$RS" ingest concerns "$T/c5.csv" --quiet --store "$W"
  has "$T/err" "Inverse of OSGB36 to WGS 84 (6)"
  has "$T/err" "Inverse of OSGB36 to WGS 84 (9)"
  eq "$(sql "$W" "SELECT count(*) FROM concern")" "$n" "concerns after a new grid"
  run 0 "$RS" ingest concerns "$T/c5.csv" --quiet --store "$W"
fi
finish
