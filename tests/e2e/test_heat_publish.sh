#!/usr/bin/env bash
# `roadsafe heatmap --publish NAME` keeps the grid in the workspace (tables
# heat_layer and heat_cell): exactly the cells of the shapefile written
# beside it (same cells, same withholding, the polygons as WKB), the value
# unrounded; publishing again under the name replaces the layer whole; a
# bad name or a density raster is refused and nothing is written.
. "$(dirname "$0")/lib.sh"
need_sqlite3
require ogrinfo

run 0 "$GEN" --out "$T/gen" --seed 5 --scale 0.3
export ROADSAFE_STORE="$T/ws.db"
run 0 "$RS" keygen "$T/key"
export ROADSAFE_KEY_FILE="$T/key"
run 0 "$RS" init
run 0 "$RS" districts load "$T/gen/districts.shp" --name-field NAME --code-field CODE
run 0 "$RS" ingest telematics --quiet "$T/gen/telematics.csv"
run_ok() { "$@" >"$T/out" 2>"$T/err" || [ $? -eq 1 ] || fail "failed: $*"; }
run_ok "$RS" ingest telematics --source fleet --quiet "$T/gen/fleet.csv"

run 0 "$RS" heatmap --out "$T/a" --min-count 5 --publish over250
has "$T/out" "published as heat layer over250 in the workspace"
n_csv=$(($(wc -l <"$T/a.csv") - 1))
eq "$(sql "$T/ws.db" "SELECT count(*) FROM heat_cell WHERE layer = 'over250'")" "$n_csv" "cells published"
eq "$(sql "$T/ws.db" "SELECT cells FROM heat_layer WHERE name = 'over250'")" "$n_csv" "cells in the layer row"
eq "$(sql "$T/ws.db" "SELECT metric || ' ' || grid || ' ' || source FROM heat_layer")" \
  "over_threshold square:250 traffic" "layer row"
# the CSV's cells, withholding and figures (the CSV rounds to 2 places)
awk -F, 'NR > 1 { print $1 "|" $2 "|" $5 "|" ($14 == 1 ? "" : $6) "|" $13 "|" $14 }' "$T/a.csv" \
  | sort >"$T/csv.cells"
sql "$T/ws.db" "SELECT cell_i, cell_j, district, coalesce(pings, ''), CASE WHEN value IS NULL THEN '' ELSE printf('%.2f', value) END, withheld FROM heat_cell" \
  | sort >"$T/db.cells"
cmp -s "$T/csv.cells" "$T/db.cells" || fail "published cells differ from the CSV: $(diff "$T/csv.cells" "$T/db.cells" | head -5)"
eq "$(sql "$T/ws.db" "SELECT count(*) FROM heat_cell WHERE withheld = 1 AND (pings IS NOT NULL OR value IS NOT NULL)")" \
  "0" "withheld cells carry no figures"
[ "$(sql "$T/ws.db" "SELECT count(*) FROM heat_cell WHERE withheld = 1")" -gt 0 ] || fail "no withheld cell to check"
# the polygons are the shapefile's: the same total area (ogr reads the WKB too)
sql "$T/ws.db" "SELECT hex(geom_wkb) FROM heat_cell" >"$T/wkb.hex"
area_db=$(python3 - "$T/wkb.hex" <<'PY'
import struct, sys
tot = 0.0
def ring_area(pts):
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:]))
def poly(b, o):
    nr, = struct.unpack_from('<I', b, o); o += 4; a = 0.0
    for r in range(nr):
        n, = struct.unpack_from('<I', b, o); o += 4
        pts = [struct.unpack_from('<dd', b, o + 16 * k) for k in range(n)]; o += 16 * n
        a += abs(ring_area(pts)) * (1 if r == 0 else -1)
    return a, o
for line in open(sys.argv[1]):
    b = bytes.fromhex(line.strip()); t, = struct.unpack_from('<I', b, 1); o = 5
    if t == 3:
        a, o = poly(b, o); tot += a
    elif t == 6:
        n, = struct.unpack_from('<I', b, o); o += 4
        for _ in range(n):
            a, o = poly(b, o + 5); tot += a
    else:
        raise SystemExit("unexpected WKB type %d" % t)
print("%.1f" % tot)
PY
)
area_shp=$(ogrinfo -q -dialect sqlite -sql "SELECT sum(ST_Area(geometry)) AS a FROM a" "$T/a.shp" \
  | awk -F'= ' '/a \(Real\)/ { printf "%.1f\n", $2 }')
eq "$area_db" "$area_shp" "total cell area, workspace vs shapefile"

# published again under the name: replaced whole
run 0 "$RS" heatmap --out "$T/b" --grid hex:400 --metric p85 --min-count 1 --publish over250
n_b=$(($(wc -l <"$T/b.csv") - 1))
eq "$(sql "$T/ws.db" "SELECT count(*) FROM heat_cell")" "$n_b" "cells after republishing"
eq "$(sql "$T/ws.db" "SELECT metric || ' ' || grid FROM heat_layer")" "p85 hex:400" "layer after republishing"
eq "$(sql "$T/ws.db" "SELECT count(*) FROM heat_cell WHERE withheld = 1")" "0" "min-count 1 withholds nothing"
# a second layer beside it
run 0 "$RS" heatmap --out "$T/c" --source fleet --metric pings --min-count 1 --publish patrol
eq "$(sql "$T/ws.db" "SELECT group_concat(name || ':' || source, ' ') FROM (SELECT * FROM heat_layer ORDER BY name)")" \
  "over250:traffic patrol:fleet" "two layers"

# refused: nothing written
before=$(sql "$T/ws.db" "SELECT count(*) FROM heat_cell")
run 2 "$RS" heatmap --out "$T/d" --publish "bad name"
has "$T/err" "--publish NAME is 1 to 63 letters"
run 2 "$RS" heatmap --out "$T/d" --kde 500 --publish k
has "$T/err" "a --kde raster is not published"
[ -e "$T/d.png" ] && fail "a refused heatmap wrote its map"
eq "$(sql "$T/ws.db" "SELECT count(*) FROM heat_cell")" "$before" "cells after refusals"
finish
