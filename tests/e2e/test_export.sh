#!/usr/bin/env bash
# Shapefile exports, checked by GDAL: every layer opens with no warning, the
# CRS is recognised, counts and sampled attribute values equal the
# workspace, GeoJSON round-trips, geometries are valid, no plate leaks, and a
# failed export leaves an earlier layer intact.
source "$(dirname "$0")/lib.sh"
need_sqlite3
command -v ogrinfo >/dev/null || { echo "SKIPPED: ogrinfo (gdal-bin) not installed"; exit 77; }

run 0 "$GEN" --out "$T/gen" --seed 21
G="$T/gen"; W="$T/ws.db"; export ROADSAFE_STORE="$W" ROADSAFE_KEY_FILE="$T/key"
run 0 "$RS" init
run 0 "$RS" keygen "$T/key"
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --code-field CODE
run 0 "$RS" ingest telematics --quiet "$G/telematics.csv"
run 0 "$RS" ingest detections --quiet "$G/detections.csv"
run 0 "$RS" ingest stats19 --quiet "$G/collisions.csv" "$G/casualties.csv"
run 0 "$RS" ingest concerns --quiet "$G/concerns.csv"
run 0 "$RS" ingest telematics --source fleet --quiet "$G/fleet.csv"
mkdir -p "$T/layers"

# ogr_count LAYER.shp SQL: one number from GDAL's SQLite dialect
ogr_val() {
  ogrinfo -ro -q -dialect SQLite -sql "$2" "$1" 2>/dev/null |
    awk -F'= ' '/ = /{print $2; exit}'
}

for layer in districts detections collisions concerns; do
  for crs in 27700 4326; do
    p="$T/layers/$layer-$crs"
    run 0 "$RS" export "$layer" --crs "$crs" --out "$p"
    for ext in shp shx dbf prj cpg; do [ -f "$p.$ext" ] || fail "$layer: no .$ext"; done
    ogrinfo -ro -so -al "$p.shp" >"$T/info" 2>"$T/info.err" || fail "ogrinfo $layer $crs"
    [ -s "$T/info.err" ] && { fail "ogrinfo warned on $layer-$crs"; cat "$T/info.err" >&2; }
    has "$T/info" "ID[\"EPSG\",$crs]"
    eq "$(head -c 5 "$p.cpg")" "UTF-8" "$layer .cpg"
    # geometries valid
    eq "$(ogr_val "$p.shp" "SELECT count(*) FROM \"$layer-$crs\" WHERE NOT ST_IsValid(geometry)")" \
       "0" "$layer-$crs invalid geometries"
    # GeoJSON round trip keeps every feature
    rm -f "$T/rt.geojson"
    ogr2ogr -f GeoJSON "$T/rt.geojson" "$p.shp" 2>"$T/rt.err" || fail "ogr2ogr $layer"
    [ -s "$T/rt.err" ] && fail "ogr2ogr warned on $layer-$crs"
    eq "$(ogrinfo -ro -so -al "$T/rt.geojson" | awk -F': ' '/Feature Count/{print $2}')" \
       "$(awk -F': ' '/Feature Count/{print $2}' "$T/info")" "$layer GeoJSON round trip"
  done
done

L="$T/layers"
# counts equal the workspace
eq "$(awk -F': ' '/Feature Count/{print $2}' <(ogrinfo -ro -so -al "$L/detections-27700.shp"))" \
   "$(sql "$W" "SELECT count(*) FROM detection")" "detections count"
eq "$(awk -F': ' '/Feature Count/{print $2}' <(ogrinfo -ro -so -al "$L/collisions-27700.shp"))" \
   "$(sql "$W" "SELECT count(*) FROM collision WHERE e IS NOT NULL")" "located collisions count"
eq "$(awk -F': ' '/Feature Count/{print $2}' <(ogrinfo -ro -so -al "$L/concerns-27700.shp"))" \
   "$(sql "$W" "SELECT count(*) FROM concern")" "concerns count"
eq "$(awk -F': ' '/Feature Count/{print $2}' <(ogrinfo -ro -so -al "$L/districts-27700.shp"))" \
   "14" "districts count"

# sampled attributes equal the workspace
id=$(sql "$W" "SELECT detection_id FROM detection ORDER BY detection_id LIMIT 1 OFFSET 17")
eq "$(ogr_val "$L/detections-27700.shp" "SELECT printf('%.2f', SPEED_MPH) FROM \"detections-27700\" WHERE DET_ID = '$id'")" \
   "$(sql "$W" "SELECT printf('%.2f', speed_cmph / 100.0) FROM detection WHERE detection_id = '$id'")" \
   "detection speed"
eq "$(ogr_val "$L/detections-27700.shp" "SELECT VEHICLE FROM \"detections-27700\" WHERE DET_ID = '$id'")" \
   "$(sql "$W" "SELECT lower(hex(vehicle)) FROM detection WHERE detection_id = '$id'")" \
   "detection vehicle hash"
ix=$(sql "$W" "SELECT collision_index FROM collision WHERE e IS NOT NULL ORDER BY collision_index LIMIT 1 OFFSET 5")
eq "$(ogr_val "$L/collisions-27700.shp" "SELECT SEVERITY FROM \"collisions-27700\" WHERE COLL_INDEX = '$ix'")" \
   "$(sql "$W" "SELECT severity FROM collision WHERE collision_index = '$ix'")" "collision severity"
eq "$(ogr_val "$L/collisions-27700.shp" "SELECT SERIOUS FROM \"collisions-27700\" WHERE COLL_INDEX = '$ix'")" \
   "$(sql "$W" "SELECT count(*) FROM casualty WHERE collision_index = '$ix' AND severity = 2")" \
   "collision serious casualties"
eq "$(ogr_val "$L/collisions-27700.shp" "SELECT DATE FROM \"collisions-27700\" WHERE COLL_INDEX = '$ix'" | tr '/' '-')" \
   "$(sql "$W" "SELECT local_date FROM collision WHERE collision_index = '$ix'")" "collision date"
eq "$(ogr_val "$L/districts-27700.shp" "SELECT sum(KSI) FROM \"districts-27700\"")" \
   "$(sql "$W" "SELECT count(*) FROM casualty k JOIN collision c USING(collision_index) WHERE k.severity <= 2 AND c.district_id IS NOT NULL")" \
   "districts KSI total"
eq "$(ogr_val "$L/districts-27700.shp" "SELECT sum(DET_TOTAL) FROM \"districts-27700\"")" \
   "$(sql "$W" "SELECT count(*) FROM detection WHERE district_id IS NOT NULL")" "districts detections total"
# outer rings clockwise: GDAL reports them as valid polygons; check the area is positive in 4326 too
a=$(ogr_val "$L/districts-4326.shp" "SELECT sum(ST_Area(geometry)) > 0 FROM \"districts-4326\"")
eq "$a" "1" "WGS84 districts area positive"

# no plate in any layer
awk -F, 'NR>1{print $NF}' "$G/detections.csv" | awk 'NR<=200' | tr 'a-z' 'A-Z' | tr -d ' ' > "$T/plates"
for f in "$L"/*.dbf; do
  if grep -a -F -f "$T/plates" "$f" >/dev/null; then fail "a plate appears in $f"; fi
done

# a failed export leaves the earlier layer intact and no temporary files
cp "$L/concerns-27700.dbf" "$T/before.dbf"
mkdir -p "$T/ro"; cp "$L"/concerns-27700.* "$T/ro/"; chmod 555 "$T/ro"
if [ "$(id -u)" -ne 0 ]; then
  run 3 "$RS" export concerns --out "$T/ro/concerns-27700"
  cmp -s "$T/ro/concerns-27700.dbf" "$T/before.dbf" || fail "failed export changed the layer"
fi
chmod 755 "$T/ro"
run 3 "$RS" export concerns --out "$T/nodir/x/concerns"
has "$T/err" "nodir"
ls "$T/nodir" 2>/dev/null && fail "a failed export created files"
[ -z "$(ls "$L" | grep tmp || true)" ] || fail "temporary files left in $L"

# usage errors
run 2 "$RS" export --out "$T/x"
run 2 "$RS" export roads --out "$T/x"
run 2 "$RS" export detections
run 2 "$RS" export detections --crs 3857 --out "$T/x"
run 2 "$RS" export detections --grid square:100 --out "$T/x"

# cells: exactly the layer roadsafe heatmap writes, for every metric (the
# patrol presence metrics once came out of the traffic pings here), and
# with the other options passed the same way
mkdir -p "$T/cells"
for m in pings speeding over_threshold share_speeding share_over p85 mean_excess \
         presence_minutes patrol_vehicles; do
  run 0 "$RS" export cells --metric "$m" --grid hex:400 --min-count 3 --out "$T/cells/e-$m"
  run 0 "$RS" heatmap --metric "$m" --grid hex:400 --min-count 3 --out "$T/cells/h-$m"
  for ext in shp shx dbf csv png; do
    cmp -s "$T/cells/e-$m.$ext" "$T/cells/h-$m.$ext" ||
      fail "export cells --metric $m: $ext differs from heatmap's"
  done
done
# presence: the fleet's cells, minutes > 0, vehicles > 0 (not the traffic grid)
n=$(ogr_val "$T/cells/e-presence_minutes.shp" "SELECT count(*) FROM \"e-presence_minutes\" WHERE PRES_MIN > 0 AND VEHICLES > 0")
[ "${n:-0}" -gt 0 ] || fail "export cells --metric presence_minutes has no cell with presence"
run 0 "$RS" export cells --metric share_over --days weekend --hours 7-19 --out "$T/cells/e-w"
run 0 "$RS" heatmap --metric share_over --days weekend --hours 7-19 --out "$T/cells/h-w"
cmp -s "$T/cells/e-w.dbf" "$T/cells/h-w.dbf" || fail "export cells --days/--hours differs from heatmap"
run 0 "$RS" export cells --crs 27700 --metric pings --out "$T/cells/e-crs"
run 2 "$RS" export cells --crs 4326 --out "$T/cells/x"
run 2 "$RS" export cells --kde 500 --out "$T/cells/x"

# the README's GeoPackage conversion runs without a warning
ogr2ogr -f GPKG -nlt PROMOTE_TO_MULTI "$T/d.gpkg" "$T/layers/districts-27700.shp" 2>"$T/ogr.err" ||
  fail "ogr2ogr to GeoPackage failed"
[ -s "$T/ogr.err" ] && fail "ogr2ogr warned: $(head -c 300 "$T/ogr.err")"
ogrinfo -so "$T/d.gpkg" districts-27700 | grep -q "Geometry: Multi Polygon" ||
  fail "the GeoPackage layer is not MultiPolygon"

finish
