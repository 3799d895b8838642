#!/usr/bin/env bash
# The command's surface: help, usage errors, workspace selection, districts
# refusals with exit codes and messages.
source "$(dirname "$0")/lib.sh"

run 0 "$RS" --help
has "$T/out" "commands:"
for c in init info districts ingest keygen; do
  run 0 "$RS" "$c" --help
  has "$T/out" "usage: roadsafe $c"
done
run 2 "$RS"
run 2 "$RS" frobnicate
has "$T/err" "unknown command 'frobnicate'"
run 2 "$RS" init --bogus
has "$T/err" "unknown option '--bogus'"
run 2 "$RS" districts list --format xml --store "$T/x.db"
run 2 "$RS" info --store "$T/none.db"
has "$T/err" "no workspace at $T/none.db"

# workspace path: --store, then ROADSAFE_STORE, then ./roadsafe.db
run 0 "$RS" init --store "$T/a.db"
[ -f "$T/a.db" ] || fail "--store did not create the workspace"
ROADSAFE_STORE="$T/b.db" run 0 "$RS" init
[ -f "$T/b.db" ] || fail "ROADSAFE_STORE did not select the workspace"
(cd "$T" && env -u ROADSAFE_STORE "$RS" init >/dev/null) || fail "init in cwd"
[ -f "$T/roadsafe.db" ] || fail "default workspace is not ./roadsafe.db"
run 0 "$RS" info --store "$T/a.db"
has "$T/out" "schema         version"
has "$T/out" "districts      none loaded"
has "$T/out" "British National Grid"

# districts refusals: exit 2, one clear line, workspace unchanged
run 0 "$GEN" --out "$T/gen" --seed 3
W="$T/ws.db"
run 0 "$RS" init --store "$W"
run 0 "$RS" districts load "$T/gen/districts.shp" --name-field NAME --code-field CODE --store "$W"
has "$T/out" "loaded 14 districts"
run 0 "$RS" districts list --store "$W"
has "$T/out" "code,name,area_km2,vertices"
[ "$(wc -l < "$T/out")" -eq 15 ] || fail "districts list should have 14 rows"
cp "$T/out" "$T/list.before"
mkdir -p "$T/bad"
for ext in shp shx dbf prj cpg; do cp "$T/gen/districts.$ext" "$T/bad/d.$ext"; done
rm "$T/bad/d.prj"
run 2 "$RS" districts load "$T/bad/d.shp" --name-field NAME --store "$W"
has "$T/err" ".prj"
cp "$T/gen/districts.prj" "$T/bad/d.prj"; rm "$T/bad/d.dbf"
run 2 "$RS" districts load "$T/bad/d.shp" --name-field NAME --store "$W"
has "$T/err" ".dbf"
cp "$T/gen/districts.dbf" "$T/bad/d.dbf"; rm "$T/bad/d.shx"
run 2 "$RS" districts load "$T/bad/d.shp" --name-field NAME --store "$W"
has "$T/err" ".shx"
cp "$T/gen/districts.shx" "$T/bad/d.shx"
head -c 2000 "$T/gen/districts.shp" > "$T/bad/d.shp"
run 2 "$RS" districts load "$T/bad/d.shp" --name-field NAME --store "$W"
has "$T/err" "d.shp"
cp "$T/gen/districts.shp" "$T/bad/d.shp"
run 2 "$RS" districts load "$T/bad/d.shp" --name-field NOSUCH --store "$W"
has "$T/err" "NOSUCH"
run 0 "$RS" districts list --store "$W"
cmp -s "$T/out" "$T/list.before" || fail "a refused load changed the workspace"

# locate: the same lookup ingest uses
printf 'lat,lon\n51.7,0.5\n51.0,-3.0\nnot,numbers\n0.7134,51.5362\n' > "$T/pts.csv"
run 1 "$RS" districts locate --store "$W" < "$T/pts.csv"
has "$T/err" "stdin:4"
has "$T/err" "stdin:5: outside Great Britain; lat and lon look swapped"
has "$T/out" "51.0,-3.0,"
eq "$(head -1 "$T/out")" "lat,lon,district" "locate's header line"
[ "$(grep -c '' "$T/out")" -eq 3 ] || fail "locate should write its header and two points"
lacks "$T/out" "0.7134"

# the global option before the command, as the usage line shows it
run 0 "$RS" --store "$T/g.db" init
[ -f "$T/g.db" ] || fail "roadsafe --store FILE init made no workspace"
run 0 "$RS" --store="$T/g.db" info
has "$T/out" "$T/g.db"
run 0 "$RS" --store "$T/nosuch.db" info --store "$T/g.db"
has "$T/out" "$T/g.db"
run 2 "$RS" --store
has "$T/err" "needs a value"

# ingest before any districts: say so, and how to load them
"$GEN" --out "$T/nd" --seed 3 >/dev/null
run 0 "$RS" --store "$T/nd.db" init
run 0 "$RS" --store "$T/nd.db" ingest concerns "$T/nd/concerns.csv"
has "$T/err" "no districts are loaded"
has "$T/err" "roadsafe districts load"
has "$T/out" "not in a district (no districts loaded)"
lacks "$T/out" "outside every district"

# messages that say what was wrong, not what might have been
run 2 "$RS" --store "$T/nd.db" operation --summary --from 2020-12-01
has "$T/err" "--to missing"
lacks "$T/err" "not --district"
run 2 "$RS" --store "$T/nd.db" operation --summary --from 2020-12-01 --to 2020-12-31 --top 3
has "$T/err" "not --top"
run 2 "$RS" --store "$T/nd.db" weekends --start 1/1/21 --count 2
has "$T/err" "(YYYY-MM-DD or DD/MM/YYYY)"

finish
