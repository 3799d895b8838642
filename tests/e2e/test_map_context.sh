#!/usr/bin/env bash
# Map context and empty maps end to end (roadsafe heatmap) on roadsafe-gen's
# county, seed 3:
#   - roadsafe-gen writes roads.shp (lines) and towns.shp (points, NAME) with
#     .shx .dbf .prj .cpg; ogrinfo reads them as EPSG:27700 when installed;
#   - heatmap --context roads.shp,towns.shp draws a grid, a KDE and a presence
#     map (exit 0), and the PNG differs from the map without context;
#   - weekends --out --context draws the plan map with the layers (the PNG
#     differs from the map without, the tables do not); --context without
#     --out, and a missing file, are refused (exit 2);
#   - a missing or garbage context file is refused (exit 2) with the file
#     and the reason, before any output is written;
#   - a period with no pings (grid, KDE, presence) still writes every file,
#     exits 1 and says so on stderr.
source "$(dirname "$0")/lib.sh"

run 0 "$GEN" --out "$T/gen" --seed 3
G="$T/gen"
for f in roads.shp roads.shx roads.dbf roads.prj roads.cpg towns.shp towns.shx towns.dbf \
         towns.prj towns.cpg; do
  [ -s "$G/$f" ] || fail "roadsafe-gen wrote no $f"
done
if command -v ogrinfo >/dev/null; then
  ogrinfo -ro -so -al "$G/roads.shp" >"$T/ogr" 2>&1 || fail "ogrinfo cannot read roads.shp"
  has "$T/ogr" "Line String"
  has "$T/ogr" "British National Grid"
  ogrinfo -ro -al "$G/towns.shp" >"$T/ogr" 2>&1 || fail "ogrinfo cannot read towns.shp"
  has "$T/ogr" "Geometry: Point"
  has "$T/ogr" "NAME (String)"
else
  echo "note: ogrinfo absent; the GDAL reading of roads.shp and towns.shp is not checked"
fi
export ROADSAFE_STORE="$T/ws.db" ROADSAFE_KEY_FILE="$T/key"
run 0 "$RS" init
run 0 "$RS" keygen "$ROADSAFE_KEY_FILE"
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --code-field CODE
run 0 "$RS" ingest telematics --quiet "$G/telematics.csv"
run 0 "$RS" ingest telematics --source fleet --quiet "$G/fleet.csv"
CTX="$G/roads.shp,$G/towns.shp"

# --- context on every kind of heat map ---------------------------------------
run 0 "$RS" heatmap --out "$T/plain" --min-count 1
run 0 "$RS" heatmap --out "$T/ctx" --min-count 1 --context "$CTX"
[ -s "$T/ctx.png" ] || fail "no ctx.png"
cmp -s "$T/plain.png" "$T/ctx.png" && fail "the context layers changed nothing on the map"
cmp -s "$T/plain.csv" "$T/ctx.csv" || fail "the context layers changed the cells' CSV"
run 0 "$RS" heatmap --out "$T/kde" --kde 500 --pixel 100 --context "$CTX"
run 0 "$RS" heatmap --out "$T/pres" --metric presence_minutes --context "$G/towns.shp"
for f in kde pres; do [ -s "$T/$f.png" ] || fail "no $f.png"; done

# --- the weekend plan map -------------------------------------------------------
run 0 "$RS" weekends --start 2021-01-01 --count 4 --allow-stale --out "$T/wk_plain"
run 0 "$RS" weekends --start 2021-01-01 --count 4 --allow-stale --out "$T/wk_ctx" --context "$CTX"
[ -s "$T/wk_ctx.png" ] || fail "no wk_ctx.png"
cmp -s "$T/wk_plain.png" "$T/wk_ctx.png" && fail "the context layers changed nothing on the plan map"
cmp -s "$T/wk_plain_plan.csv" "$T/wk_ctx_plan.csv" || fail "the context layers changed the plan"
run 2 "$RS" weekends --start 2021-01-01 --count 4 --allow-stale --context "$CTX"
has "$T/err" "only --out writes"
run 2 "$RS" weekends --start 2021-01-01 --count 4 --allow-stale --out "$T/wk_bad" --context "$T/nothere.shp"
has "$T/err" "nothere.shp"
ls "$T/wk_bad".* >/dev/null 2>&1 && fail "a refused --context still wrote wk_bad.*"

# --- an output may not replace a context layer (an input) ---------------------
cp "$G/roads.shp" "$T/roads_before.shp"
run 2 "$RS" heatmap --out "$G/roads" --context "$CTX"
has "$T/err" "a --context layer"
run 2 "$RS" weekends --start 2021-01-01 --count 4 --allow-stale --out "$G/towns" --context "$G/roads.shp,$G/towns"
has "$T/err" "a --context layer"
cmp -s "$G/roads.shp" "$T/roads_before.shp" || fail "a heat map was written over its own context layer"
[ -e "$G/roads.csv" ] && fail "the refused heatmap still wrote roads.csv"

# --- bad context files ---------------------------------------------------------
run 2 "$RS" heatmap --out "$T/bad1" --context "$T/nothere.shp"
has "$T/err" "nothere.shp"
has "$T/err" "missing"
printf 'not a shapefile, just words: %0100d\n' 0 >"$T/junk.shp"
cp "$T/junk.shp" "$T/junk.shx"
cp "$G/towns.dbf" "$T/junk.dbf"
cp "$G/towns.prj" "$T/junk.prj"
run 2 "$RS" heatmap --out "$T/bad2" --context "$G/roads.shp,$T/junk.shp"
has "$T/err" "junk.shp"
has "$T/err" "not a shapefile"
cp "$G/towns.shp" "$T/noprj.shp"; cp "$G/towns.shx" "$T/noprj.shx"; cp "$G/towns.dbf" "$T/noprj.dbf"
run 2 "$RS" heatmap --out "$T/bad3" --context "$T/noprj.shp"
has "$T/err" "noprj.prj"
for f in bad1 bad2 bad3; do
  ls "$T/$f".* >/dev/null 2>&1 && fail "a refused --context still wrote $f.*"
done

# --- a period with no data -----------------------------------------------------
run 1 "$RS" heatmap --out "$T/none" --from 2012-01-01 --to 2012-03-31 --context "$CTX"
has "$T/err" "no pings in the period"
has "$T/err" "none.png"
for e in png csv shp shx dbf prj cpg; do [ -s "$T/none.$e" ] || fail "no none.$e"; done
run 1 "$RS" heatmap --out "$T/nonek" --kde 500 --from 2012-01-01 --to 2012-03-31
has "$T/err" "no pings in the period"
for e in png asc prj; do [ -s "$T/nonek.$e" ] || fail "no nonek.$e"; done
run 1 "$RS" heatmap --out "$T/nonep" --metric presence_minutes --from 2012-01-01 --to 2012-03-31
has "$T/err" "no patrol fleet pings"
[ -s "$T/nonep.png" ] || fail "no nonep.png"
# and a period with data is not refused
run 0 "$RS" heatmap --out "$T/some" --from 2020-06-01 --to 2020-06-30

finish
