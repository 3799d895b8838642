#!/usr/bin/env bash
# tools/bench/heat.sh — heat-map benchmark (prints figures, asserts nothing):
#  1. a county-wide 250 m square grid over 10 million stored pings
#     (the workspace tools/bench/ingest.sh leaves in WORKDIR, made if absent);
#  2. a 500 m-radius quartic KDE at 50 m pixels over 1 million pings
#     (roadsafe-gen --scale 10), and over the grid workspace's pings.
#   usage: tools/bench/heat.sh [WORKDIR]
# Run tools/bench/ingest.sh 500 WORKDIR first for the figures at 50 million
# pings (the grid and the second KDE use whatever WORKDIR/ws.db holds).
# Each line gives wall and CPU time and peak RSS; the load average is
# printed before and after.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/roadsafe-bench}
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
RS=build/roadsafe
mkdir -p "$work/out"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

if [ ! -f "$work/ws.db" ]; then
  tools/bench/ingest.sh 100 "$work" >/dev/null
fi
n=$(sqlite3 "$work/ws.db" "SELECT sum(n) FROM ping_chunk" 2>/dev/null || echo '?')
timed() { # label, command...
  local label=$1; shift
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "$label: wall %e s, CPU %U+%S s, peak RSS %M KB" "$@" >/dev/null
  else
    local s; s=$(date +%s.%N); "$@" >/dev/null
    awk -v a="$s" -v b="$(date +%s.%N)" -v l="$label" 'BEGIN { printf "%s: wall %.2f s\n", l, b - a }'
  fi
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "grid workspace: $n pings"
timed "250 m grid, all pings (CSV + shapefile + PNG)" \
  $RS heatmap --store "$work/ws.db" --grid square:250 --metric over_threshold --min-count 1 \
  --out "$work/out/grid250"
timed "250 m hex grid" \
  $RS heatmap --store "$work/ws.db" --grid hex:250 --min-count 1 --out "$work/out/hex250"

if [ ! -f "$work/ws1m.db" ]; then
  [ -f "$work/gen-10/telematics.csv" ] || build/roadsafe-gen --out "$work/gen-10" --scale 10 >/dev/null
  $RS init --store "$work/ws1m.db" >/dev/null
  $RS districts load "$work/gen-10/districts.shp" --name-field NAME --store "$work/ws1m.db" >/dev/null
  $RS ingest telematics --quiet --store "$work/ws1m.db" "$work/gen-10/telematics.csv" >/dev/null
fi
echo "KDE workspace: $(sqlite3 "$work/ws1m.db" "SELECT sum(n) FROM ping_chunk" 2>/dev/null || echo '?') pings"
timed "KDE quartic r=500 m, 50 m pixels, all pings (ASC + PNG)" \
  $RS heatmap --store "$work/ws1m.db" --kde 500 --pixel 50 --kernel quartic --metric pings \
  --min-count 1 --out "$work/out/kde500"
timed "KDE quartic r=500 m, 50 m pixels, the grid workspace's $n pings" \
  $RS heatmap --store "$work/ws.db" --kde 500 --pixel 50 --kernel quartic --metric pings \
  --min-count 1 --out "$work/out/kde500-all"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
