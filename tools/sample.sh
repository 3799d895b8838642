#!/usr/bin/env bash
# tools/sample.sh — quick-start command (1): set up, build, generate the
# sample county, load it into a fresh workspace and write every output the
# engine has into one folder, named at the end.
#   usage: tools/sample.sh [OUT_DIR] [--seed N] [--scale S] [--store URL] [--key FILE]
#   (default out/sample; --store postgresql://... runs the job on an empty
#   PostgreSQL workspace instead of OUT_DIR/roadsafe.db; --key uses that key
#   file instead of making OUT_DIR/input/sample.key.  RS_BUILD=DIR uses the
#   roadsafe already built in DIR: no setup, no build.)
set -euo pipefail
cd "$(dirname "$0")/.."
out=out/sample
seed=1
scale=1
store=
key=
while [ $# -gt 0 ]; do
  case "$1" in
    --seed) seed=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --store) store=$2; shift 2 ;;
    --key) key=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) out=$1; shift ;;
  esac
done

# OUT_DIR is emptied first: it must not hold (or be) anything the job needs
# or that is not its own — the repository, a key, an SQLite workspace given
# with --store
abs() { realpath -m -- "$1"; }
o=$(abs "$out"); o=${o%/}/
inside() { case "$(abs "$1")/" in "$o"*) return 0 ;; *) return 1 ;; esac; }
case "$(pwd)/" in
  "$o"*) echo "sample.sh: $out holds the repository; name a folder of its own" >&2; exit 2 ;;
esac
if [ -n "$key" ] && inside "$key"; then
  echo "sample.sh: --key $key lies in $out, which the job empties first" >&2; exit 2
fi
case "$store" in
  postgresql://*|postgres://*|"") ;;
  *) if inside "$store"; then
       echo "sample.sh: --store $store lies in $out, which the job empties first" >&2; exit 2
     fi ;;
esac

if [ -n "${RS_BUILD:-}" ]; then
  bin=$RS_BUILD
else
  tools/setup.sh
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
  bin=build
fi
RS=$bin/roadsafe

rm -rf "$out"
mkdir -p "$out"
log="$out/run.log"
step() { echo "+ $*" >>"$log"; "$@" >>"$log" 2>&1; }
# ingest exits 1 when some rows were rejected; that is a result, not a failure
step_partial() { echo "+ $*" >>"$log"; "$@" >>"$log" 2>&1 || [ $? -eq 1 ]; }

step "$bin/roadsafe-gen" --out "$out/input" --seed "$seed" --scale "$scale"
export ROADSAFE_STORE="${store:-$out/roadsafe.db}"
step $RS init
# the job is the sample county alone: a workspace that holds files already
# (a PostgreSQL database used before) would mix them in
if ! $RS info | grep -q '^files loaded   0 '; then
  echo "sample.sh: workspace $ROADSAFE_STORE already holds loaded files; the sample job needs an empty one" >&2
  exit 2
fi
if [ -n "$key" ]; then
  export ROADSAFE_KEY_FILE="$key"
else
  export ROADSAFE_KEY_FILE="$out/input/sample.key"   # a real force keeps its key elsewhere
  step $RS keygen "$ROADSAFE_KEY_FILE"
fi
step $RS districts load "$out/input/districts.shp" --name-field NAME --code-field CODE
step_partial $RS ingest telematics --quiet --rejects "$out/rejects_telematics.csv" "$out/input/telematics.csv"
step_partial $RS ingest telematics --source fleet --quiet --rejects "$out/rejects_fleet.csv" "$out/input/fleet.csv"
step_partial $RS ingest detections --quiet --rejects "$out/rejects_detections.csv" "$out/input/detections.csv"
step_partial $RS ingest stats19 --quiet --rejects "$out/rejects_stats19.csv" "$out/input/collisions.csv" "$out/input/casualties.csv"
step_partial $RS ingest concerns --quiet --rejects "$out/rejects_concerns.csv" "$out/input/concerns.csv"

mkdir -p "$out/maps" "$out/layers" "$out/tables" "$out/plan"
# the county's roads and towns, drawn on every map so a reader can place a cell
ctx="$out/input/roads.shp,$out/input/towns.shp"
# heat maps: counts for GIS, shares for communities (small cells withheld), density
# (the first also kept in the workspace as layer over_threshold_250m, for GIS from there)
step $RS heatmap --out "$out/maps/over_threshold_250m" --metric over_threshold --min-count 1 \
  --context "$ctx" --publish over_threshold_250m
step $RS heatmap --out "$out/maps/share_over_250m" --metric share_over --min-count 30 \
  --title "Where drivers speed: share of pings over the enforcement threshold" --context "$ctx"
step $RS heatmap --out "$out/maps/weekend_share_over_hex300" --metric share_over --days weekend \
  --grid hex:300 --min-count 30 --context "$ctx"
step $RS heatmap --out "$out/maps/over_threshold_kde" --kde 500 --pixel 100 --metric over_threshold \
  --scaled --per-km2 --min-count 1 --context "$ctx"
step $RS heatmap --out "$out/maps/patrol_pings" --source fleet --metric pings --min-count 1 \
  --title "Policing footprint: patrol vehicle pings" --context "$ctx"
# GIS layers
for layer in districts detections collisions concerns; do
  step $RS export "$layer" --out "$out/layers/$layer"
done

# KSI trend tables for the partnership board
step $RS ksi --by quarter --format csv --out "$out/tables/ksi_quarterly.csv" \
  --chart "$out/tables/ksi_quarterly.png"
step $RS ksi --by quarter --format md --out "$out/tables/ksi_quarterly.md"
step $RS ksi --by year --format html --out "$out/tables/ksi_yearly.html"
step $RS ksi --by year --split district --format csv --out "$out/tables/ksi_by_district.csv"
step $RS ksi --by year --split road_user --format md --out "$out/tables/ksi_by_road_user.md"
# districts against the county rate: funnel plot of KSI per km2 with exact Poisson limits
step $RS ksi --by year --from 2020 --to 2020 --format csv \
  --out "$out/tables/ksi_2020.csv" --funnel "$out/maps/ksi_funnel_2020.png"
# the partnership's long-term target (the sample's data run 2015-2020): table, projection
# (ksi_target_projection.csv) and chart; then kept in the workspace for the board pack
step $RS ksi --by year --target 2015-2019:50:2030 --out "$out/tables/ksi_target.csv" \
  --chart "$out/maps/ksi_target.png"
step $RS target set 2015-2019:50:2030
# reoffending after TRUCAM versus GATSO detection
step $RS reoffend --from 2019-01-01 --to 2019-12-31 --format csv \
  --out "$out/tables/reoffending.csv" --plot "$out/tables/reoffending_km.png"
step $RS reoffend --from 2019-01-01 --to 2019-12-31 --format md --out "$out/tables/reoffending.md"

# weekend operations of 2020 (offences per operation) and the last one's community map
step $RS heatmap --out "$out/maps/patrol_presence_250m" --metric presence_minutes --min-count 1 \
  --context "$ctx"
step $RS operation --summary --from 2020-01-01 --to 2020-12-31 --out "$out/tables/operations_2020"
op=$(awk -F, 'NR > 1 && $1 != "average" { w = $1; d = $2 } END { print w "," d }' \
  "$out/tables/operations_2020.csv")
[ "$op" = "," ] || step $RS operation --weekend "${op%%,*}" --district "${op#*,}" --format md \
  --out "$out/maps/operation_${op%%,*}" --context "$ctx"

# the weekend plan for the next quarter: ranked and unpredictable (seeded)
step $RS weekends --start 2021-01-01 --count 13 --mode ranked --context "$ctx" --out "$out/plan/weekends_ranked"
step $RS weekends --start 2021-01-01 --count 13 --mode unpredictable --seed 2021 \
  --format md --out "$out/plan/weekends_unpredictable"

# the partnership board's quarterly pack (one self-contained HTML file)
step $RS report --quarter 2020Q4 --out "$out/board_pack_2020Q4.html" --context "$ctx"

$RS info > "$out/info.txt"
$RS districts list --format csv > "$out/districts.csv"
$RS districts list --format md > "$out/districts.md"

cat "$out/info.txt"
echo
echo "outputs in $out (log: $log)"
