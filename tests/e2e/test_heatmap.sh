#!/usr/bin/env bash
# Heat maps end to end (roadsafe heatmap) on roadsafe-gen's county, seed 5:
#   - a grid writes PREFIX.shp/.shx/.dbf/.prj/.cpg, .csv and a 1600-px-wide
#     PNG; ogrinfo opens the shapefile without a warning, recognises EPSG:27700
#     and counts the same cells and pings as the CSV; the pings add up to the
#     pings stored (decoded from the ping chunks with sqlite3 here) less those
#     outside every district; a district's map has exactly its pings;
#   - filters partition: weekend + weekday, 22-6 + 6-22, two halves of the
#     year each add up to the whole;
#   - suppression (--min-count 50) holds in the CSV, the DBF and the ASCII grid;
#   - the planted hot spots (truth.json) come out as the top share_over cells
#     and the densest over-threshold KDE pixel; gdalinfo opens the .asc in
#     EPSG:27700;
#   - usage errors exit 2 with a message and write nothing.
# GDAL parts are skipped (saying so) when ogrinfo / gdalinfo are absent.
source "$(dirname "$0")/lib.sh"
need_sqlite3

run 0 "$GEN" --out "$T/gen" --seed 5
G="$T/gen"
export ROADSAFE_STORE="$T/ws.db"
W="$ROADSAFE_STORE"
run 0 "$RS" init
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --code-field CODE
run 0 "$RS" ingest telematics "$G/telematics.csv"

# GDAL reads every layer back (gdal-bin, from tools/setup.sh --test)
require ogrinfo gdalinfo gdalsrsinfo
have_ogr=1 have_gdal=1

# --- helpers -----------------------------------------------------------------
# CSV columns: 1 cell_i 2 cell_j 3 x 4 y 5 district 6 pings 7 speeding
# 8 over_threshold 9 share_speeding 10 share_over 11 mean_excess_mph 12 p85_mph
# 13 value 14 withheld.  District names here have no comma or quote, so a
# plain split on commas is exact (checked).
csv_rows() { echo $(( $(wc -l < "$1") - 1 )); }
csv_sum_pings() { awk -F, 'NR>1 {s += $6} END {printf "%d\n", s}' "$1"; }
plain_csv() {
  if grep -q '"' "$1"; then fail "$1 has quoted fields; this test splits on commas"; fi
}

# ogr_eq SHP SQL WANT WHAT: the single value of a one-row SQLite-dialect query
# is WANT, and ogrinfo says nothing on stderr
ogr_eq() {
  local v
  v=$(ogrinfo -ro -q -dialect SQLite -sql "$2" "$1" 2>"$T/ogr.err" |
    sed -n 's/^ *[A-Za-z_]* ([A-Za-z0-9]*) = //p' | head -1)
  [ ! -s "$T/ogr.err" ] || fail "ogrinfo '$2' on $1 warned: $(head -3 "$T/ogr.err")"
  eq "$v" "$3" "$4"
}

# png_check FILE: PNG signature, IHDR first, width 1600, height > 0
png_check() {
  local sig w h
  sig=$(od -An -tx1 -N16 "$1" | tr -d ' \n')
  eq "$sig" "89504e470d0a1a0a0000000d49484452" "$1: PNG signature and IHDR"
  w=$(od -An -tu1 -j16 -N4 "$1" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
  h=$(od -An -tu1 -j20 -N4 "$1" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
  eq "$w" "1600" "$1: PNG width"
  [ "$h" -gt 0 ] 2>/dev/null || fail "$1: PNG height '$h'"
  echo "$(basename "$1"): PNG ${w} x ${h}"
}

# pings stored, decoded from the packed chunks here (pings.h: 20-byte
# little-endian records, the district an i16 at offset 16, -1 = FFFF outside
# every district): "HEX count" per district value
sql "$W" "SELECT n, hex(data) FROM ping_chunk WHERE source = 'traffic'" |
  awk -F'|' '{for (i = 0; i < $1; i++) c[substr($2, i * 40 + 33, 4)]++}
             END {for (k in c) print k, c[k]}' > "$T/by_district"
decoded() { awk -v k="$1" '$1 == k {n = $2} END {print n + 0}' "$T/by_district"; }
stored=$(sql "$W" "SELECT sum(n) FROM ping_chunk WHERE source = 'traffic'")
eq "$stored" "$(csv_rows "$G/telematics.csv")" "pings stored"
eq "$(awk '{s += $2} END {print s}' "$T/by_district")" "$stored" "pings decoded"
outside=$(decoded FFFF)
inside=$((stored - outside))
echo "pings stored $stored, outside every district $outside"

# --- grid: every output, the same counts -----------------------------------------
P="$T/grid"
run 0 "$RS" heatmap --out "$P" --min-count 1
has "$T/out" "from $inside pings"
for ext in shp shx dbf prj cpg csv png; do
  [ -s "$P.$ext" ] || fail "$P.$ext missing or empty"
done
png_check "$P.png"
plain_csv "$P.csv"
ncsv=$(csv_rows "$P.csv")
sum_csv=$(csv_sum_pings "$P.csv")
eq "$sum_csv" "$inside" "sum of CSV pings = stored - outside every district"
has "$T/out" "$ncsv cells (0 withheld"
eq "$(awk -F, 'NR>1 && $14 != 0' "$P.csv" | wc -l)" "0" "withheld cells with --min-count 1"
if [ $have_ogr = 1 ]; then
  ogrinfo -ro -so -al "$P.shp" >"$T/ogr.out" 2>"$T/ogr.err" || fail "ogrinfo $P.shp failed"
  [ ! -s "$T/ogr.err" ] || fail "ogrinfo warned: $(head -3 "$T/ogr.err")"
  has "$T/ogr.out" 'ID["EPSG",27700]'
  has "$T/ogr.out" "British National Grid"
  has "$T/ogr.out" "Geometry: Polygon"
  eq "$(sed -n 's/^Feature Count: //p' "$T/ogr.out")" "$ncsv" "shapefile features = CSV rows"
  ogr_eq "$P.shp" "SELECT sum(PINGS) AS s FROM grid" "$inside" "sum of PINGS in the DBF"
  if ogrinfo -ro -q -dialect SQLite -sql "SELECT ST_IsValid(GEOMETRY) FROM grid LIMIT 1" \
      "$P.shp" >/dev/null 2>&1; then
    ogr_eq "$P.shp" "SELECT count(*) AS c FROM grid WHERE NOT ST_IsValid(GEOMETRY)" "0" \
      "invalid cell polygons"
  else
    echo "SKIPPING the polygon validity check: GDAL's SQLite dialect lacks SpatiaLite"
  fi
fi

# hexagons: the same pings
run 0 "$RS" heatmap --out "$T/hex" --grid hex:200 --metric p85 --min-count 1
eq "$(csv_sum_pings "$T/hex.csv")" "$inside" "hex grid pings"
if [ $have_ogr = 1 ]; then
  ogr_eq "$T/hex.shp" "SELECT count(*) AS c FROM hex" "$(csv_rows "$T/hex.csv")" \
    "hex features = CSV rows"
fi

# one district, by name and by code: exactly the pings stored with its id
did=$(sql "$W" "SELECT id FROM district WHERE name = 'Oakhurst Green'")
dcode=$(sql "$W" "SELECT code FROM district WHERE name = 'Oakhurst Green'")
want_d=$(decoded "$(printf '%02X%02X' $((did & 255)) $((did >> 8)))")
run 0 "$RS" heatmap --out "$T/og" --district "Oakhurst Green" --min-count 1
eq "$(csv_sum_pings "$T/og.csv")" "$want_d" "Oakhurst Green pings"
# every cell of a district's map is that district's, even where its centre lies
# across the boundary (the cell is clipped to the district, its pings are all in it)
eq "$(awk -F, 'NR>1 && $5 != "Oakhurst Green"' "$T/og.csv" | wc -l)" "0" \
  "cells of the Oakhurst Green map labelled with another district"
if [ $have_ogr = 1 ]; then
  ogr_eq "$T/og.shp" "SELECT count(*) AS c FROM og WHERE DISTRICT <> 'Oakhurst Green'" "0" \
    "features of the Oakhurst Green layer labelled with another district"
fi
run 0 "$RS" heatmap --out "$T/og2" --district "$dcode" --min-count 1
cmp -s "$T/og.csv" "$T/og2.csv" || fail "--district by code differs from by name"
echo "Oakhurst Green (id $did, $dcode): $want_d pings"

# --- filters partition the pings -----------------------------------------------------
# part_sum VAR OPTION...: VAR = the pings of the grid made with OPTION...
part_sum() {
  local var=$1; shift
  run 0 "$RS" heatmap --out "$T/part" --min-count 1 "$@"
  printf -v "$var" '%s' "$(csv_sum_pings "$T/part.csv")"
}
we=0 wd=0 night=0 day=0 h1=0 h2=0
part_sum we --days weekend; part_sum wd --days weekday
eq "$((we + wd))" "$inside" "weekend + weekday pings"
part_sum night --hours 22-6; part_sum day --hours 6-22
eq "$((night + day))" "$inside" "22-6 + 6-22 pings"
part_sum h1 --from 2020-01-01 --to 2020-06-30; part_sum h2 --from 2020-07-01 --to 2020-12-31
eq "$((h1 + h2))" "$inside" "two halves of 2020"
echo "weekend $we + weekday $wd; 22-6 $night + 6-22 $day; H1 $h1 + H2 $h2"
[ "$we" -gt 0 ] && [ "$wd" -gt 0 ] && [ "$night" -gt 0 ] && [ "$day" -gt 0 ] ||
  fail "a filter matched nothing"

# --- suppression in every output ---------------------------------------------------------
S="$T/sup"
run 0 "$RS" heatmap --out "$S" --min-count 50 --metric share_speeding
plain_csv "$S.csv"
held=$(awk -F, 'NR>1 && $14 == 1' "$S.csv" | wc -l)
shown=$(awk -F, 'NR>1 && $14 == 0' "$S.csv" | wc -l)
has "$T/out" "($held withheld: fewer than 50 pings)"
[ "$held" -gt 0 ] && [ "$shown" -gt 0 ] ||
  fail "want withheld and shown cells, got $held and $shown"
eq "$(awk -F, 'NR>1 && $14 == 1 && ($6$7$8$9$10$11$12$13 != "")' "$S.csv" | wc -l)" "0" \
  "withheld CSV rows with figures"
eq "$(awk -F, 'NR>1 && $14 == 0 && ($6 < 50 || $13 == "")' "$S.csv" | wc -l)" "0" \
  "shown CSV rows under 50 pings or without a value"
eq "$(awk -F, 'NR>1 && NF != 14' "$S.csv" | wc -l)" "0" "CSV rows of 14 fields"
sum_shown=$(awk -F, 'NR>1 && $14 == 0 {s += $6} END {printf "%d\n", s}' "$S.csv")
echo "min-count 50: $held withheld, $shown shown ($sum_shown pings published)"
if [ $have_ogr = 1 ]; then
  ogr_eq "$S.shp" "SELECT count(*) AS c FROM sup WHERE WITHHELD = 1" "$held" \
    "withheld features in the DBF"
  ogr_eq "$S.shp" "SELECT count(*) AS c FROM sup WHERE WITHHELD = 1 AND (PINGS IS NOT NULL
        OR SPEEDING IS NOT NULL OR OVER_THR IS NOT NULL OR SHR_SPEED IS NOT NULL
        OR SHR_OVER IS NOT NULL OR MEAN_EXC IS NOT NULL OR P85 IS NOT NULL
        OR VALUE IS NOT NULL)" "0" "withheld features with a figure in the DBF"
  ogr_eq "$S.shp" "SELECT count(*) AS c FROM sup WHERE WITHHELD = 0 AND (PINGS < 50
        OR VALUE IS NULL)" "0" "shown features under 50 pings or without a value"
  ogr_eq "$S.shp" "SELECT sum(PINGS) AS s FROM sup" "$sum_shown" "pings published in the DBF"
fi
png_check "$S.png"
# the density: a pixel with fewer than 50 points within the radius is no data;
# every other pixel is the unsuppressed value
run 0 "$RS" heatmap --out "$T/kde1" --kde 400 --pixel 200 --metric pings --min-count 1
run 0 "$RS" heatmap --out "$T/kde50" --kde 400 --pixel 200 --metric pings --min-count 50
values() { sed 1,6d "$1" | tr -s ' ' '\n' | grep .; }
read -r nodata1 same diff nodata50 <<<"$(paste -d' ' <(values "$T/kde1.asc") \
    <(values "$T/kde50.asc") |
  awk '{ if ($1 == -9999) n1++; if ($2 == -9999) n50++; else if ($1 == $2) s++; else d++ }
       END {printf "%d %d %d %d\n", n1, s, d, n50}')"
eq "$nodata1" "0" "no-data pixels without suppression"
eq "$diff" "0" "suppressed raster pixels that differ from the unsuppressed ones"
[ "$nodata50" -gt 0 ] && [ "$same" -gt 0 ] ||
  fail "KDE --min-count 50: $nodata50 no data, $same kept"
echo "KDE --min-count 50: $nodata50 pixels no data, $same kept"

# --- the planted hot spots are the top cells ------------------------------------------------
# truth.json: one "key": value per line; hot spots as "id e n radius"
awk '/"hot_spots": \[/ {on = 1; next} on && /^  \]/ {on = 0}
     on && /"id":/ {gsub(/[^0-9]/, "", $2); id = $2}
     on && /"easting":/ {gsub(/[^0-9.]/, "", $2); e = $2}
     on && /"northing":/ {gsub(/[^0-9.]/, "", $2); n = $2}
     on && /"radius_m":/ {gsub(/[^0-9.]/, "", $2); print id, e, n, $2}' "$G/truth.json" > "$T/hot"
eq "$(wc -l < "$T/hot")" "5" "hot spots in truth.json"
eq "$(awk 'NR == 1 {print $1}' "$T/hot")" "1" "hot spot 1 first"
sed 's/^/planted hot spot: /' "$T/hot"

# nearest FILE X Y: "id distance radius" of the nearest planted hot spot
nearest() {
  awk -v x="$2" -v y="$3" 'BEGIN {best = -1}
    {d = sqrt(($2 - x)^2 + ($3 - y)^2); if (best < 0 || d < best) {best = d; id = $1; r = $4}}
    END {printf "%s %.0f %s\n", id, best, r}' "$1"
}

# The planted discs have over-threshold shares of 0.40-0.60 against ~0.03-0.05
# elsewhere, so with enough pings per cell (30) to make a share meaningful the
# cells with the highest shares must lie on them: a cell touching a disc has its
# centre within radius + cell size (250 m; the half-diagonal is 177 m).  The
# dominant spot (H1: 0.60, most pings) must give the top cell.
run 0 "$RS" heatmap --out "$T/share" --metric share_over --min-count 30
plain_csv "$T/share.csv"
awk -F, 'NR>1 && $14 == 0 {print $13, $3, $4, $6}' "$T/share.csv" | sort -k1,1gr -k2,2n -k3,3n \
  > "$T/ranked"
head -10 "$T/ranked" > "$T/top"
k=0
while read -r v x y np; do
  k=$((k + 1))
  read -r id d r <<<"$(nearest "$T/hot" "$x" "$y")"
  echo "top cell $k: share_over $v% of $np pings at ($x, $y): $d m from H$id (radius $r m)"
  if [ $k -le 5 ] && [ "$d" -gt $((r + 250)) ]; then
    fail "top cell $k at ($x, $y) is $d m from the nearest hot spot H$id (radius $r)"
  fi
  if [ $k = 1 ] && { [ "$id" != 1 ] || [ "$d" -gt $((r + 250)) ]; }; then
    fail "the top cell is not on the dominant hot spot H1 (nearest H$id, $d m)"
  fi
done < "$T/top"

# KDE of over-threshold pings: the densest pixel lies on a planted hot spot
K="$T/kde"
run 0 "$RS" heatmap --out "$K" --kde 500 --pixel 100 --metric over_threshold
[ -s "$K.asc" ] && [ -s "$K.prj" ] && [ -s "$K.png" ] || fail "$K.asc/.prj/.png missing"
png_check "$K.png"
read -r cols rows <<<"$(sed -n 's/.*: \([0-9]*\) x \([0-9]*\) pixels.*/\1 \2/p' "$T/out")"
eq "$(awk '$1 == "ncols" {print $2}' "$K.asc")" "$cols" "ncols"
eq "$(awk '$1 == "nrows" {print $2}' "$K.asc")" "$rows" "nrows"
read -r vmax mx my <<<"$(awk 'NR <= 6 {h[$1] = $2; next}
  {r = NR - 7
   for (c = 1; c <= NF; c++)
     if ($c != -9999 && (!seen || $c > m)) {m = $c; mr = r; mc = c - 1; seen = 1}}
  END {printf "%s %.1f %.1f\n", m, h["xllcorner"] + (mc + 0.5) * h["cellsize"],
       h["yllcorner"] + (h["nrows"] - mr - 0.5) * h["cellsize"]}' "$K.asc")"
read -r id d r <<<"$(nearest "$T/hot" "$mx" "$my")"
echo "densest KDE pixel: $vmax at ($mx, $my), $d m from H$id (radius $r m)"
[ "$d" -le 600 ] || fail "the densest pixel is $d m from the nearest hot spot (H$id)"
if [ $have_gdal = 1 ]; then
  gdalinfo -mm "$K.asc" >"$T/gdal.out" 2>"$T/gdal.err" || fail "gdalinfo $K.asc failed"
  [ ! -s "$T/gdal.err" ] || fail "gdalinfo warned: $(head -3 "$T/gdal.err")"
  has "$T/gdal.out" "Driver: AAIGrid"
  has "$T/gdal.out" "Size is $cols, $rows"
  has "$T/gdal.out" "British National Grid"
  has "$T/gdal.out" "NoData Value=-9999"
  # GDAL's own maximum agrees with the one found above
  gmax=$(sed -n 's/.*Computed Min\/Max=[^,]*,\([0-9.]*\).*/\1/p' "$T/gdal.out")
  awk -v a="$gmax" -v b="$vmax" 'BEGIN {exit !(a - b < 0.001 && b - a < 0.001)}' ||
    fail "gdalinfo maximum $gmax, the file's $vmax"
  eq "$(gdalsrsinfo -e "$K.asc" 2>/dev/null | grep -o 'EPSG:[0-9]*' | head -1)" "EPSG:27700" \
    "gdalsrsinfo identifies the grid's CRS"
fi

# --- usage errors: exit 2, a message, nothing written -----------------------------------
U="$T/usage"
run 2 "$RS" heatmap --out "$U" --grid tri:100
has "$T/err" "--grid is square:SIZE or hex:SIZE"
run 2 "$RS" heatmap --out "$U" --grid square:0
has "$T/err" "--grid is square:SIZE or hex:SIZE"
run 2 "$RS" heatmap --out "$U" --kde 500 --per-km2
has "$T/err" "--per-km2 needs --scaled"
run 2 "$RS" heatmap --out "$U" --per-km2 --scaled
has "$T/err" "need --kde"
run 2 "$RS" heatmap --out "$U" --kde 500 --metric share_over
has "$T/err" "--kde needs --metric pings, speeding"
run 2 "$RS" heatmap --out "$U" --kde 500 --grid square:250
has "$T/err" "not both"
run 2 "$RS" heatmap --out "$U" --district Nowhere
has "$T/err" "no district 'Nowhere'"
has "$T/err" "Oakhurst Green"
run 2 "$RS" heatmap --out "$U" --metric speed
has "$T/err" "unknown --metric 'speed'"
run 2 "$RS" heatmap --out "$U" --kde 500 --kernel gaussian
has "$T/err" "unknown --kernel 'gaussian'"
run 2 "$RS" heatmap --out "$U" --hours 7-7
has "$T/err" "--hours is H1-H2"
run 2 "$RS" heatmap --out "$U" --days sundays
has "$T/err" "--days is all, weekend or weekday"
run 2 "$RS" heatmap --out "$U" --min-count 0
has "$T/err" "--min-count needs a number > 0"
run 2 "$RS" heatmap --out "$U" --from 2020-02-01 --to 2020-01-01
has "$T/err" "--from is after --to"
run 2 "$RS" heatmap --grid square:250
has "$T/err" "--out PREFIX is required"
if ls "$U".* >/dev/null 2>&1; then fail "a usage error wrote $(ls "$U".*)"; fi

finish
