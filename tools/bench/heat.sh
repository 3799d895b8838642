#!/usr/bin/env bash
# tools/bench/heat.sh — heat-map benchmark (prints figures, asserts nothing).
# At 1, 10 and 50 million stored pings (roadsafe-gen --scale 10, 100, 500;
# the CSVs are generated into WORKDIR, ingested, then deleted), it times
#  - a county-wide 250 m square grid of over_threshold (CSV + shapefile + PNG)
#  - a 500 m-radius quartic KDE at 50 m pixels (ASC + PNG)
# and prints for each: wall time, CPU time (user+sys), peak RSS and the
# load average just before it (other work on the machine slows the wall
# time; the CPU time moves much less).
#   usage: tools/bench/heat.sh [WORKDIR] [SCALES]    (default: 10 100 500)
# RS_BUILD=DIR times that build's roadsafe (e.g. one of an older commit);
# ROADSAFE_THREADS sets the threads.  The workspaces stay in WORKDIR
# (ws-SCALE.db: 23 MB, 205 MB, 1 GB); delete WORKDIR when done.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/roadsafe-bench-heat}
scales=${2:-10 100 500}
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
RS=${RS_BUILD:-build}/roadsafe
GEN=build/roadsafe-gen
mkdir -p "$work/out"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "threads: ${ROADSAFE_THREADS:-$(nproc)} (ROADSAFE_THREADS sets it); roadsafe: $RS"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (package 'time')"; exit 1; }

timed() { # label, command...
  local label=$1; shift
  local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null
  read -r wall user sys rss < "$work/time.txt"
  awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v la="$load" \
    'BEGIN { printf "%-44s wall %6.2f s  CPU %6.2f s (%.2f+%.2f)  peak RSS %5.0f MB  load %s\n",
             l, w, u + s, u, s, r / 1024, la }'
}

for s in $scales; do
  ws="$work/ws-$s.db"
  if [ ! -f "$ws" ]; then
    need=$((s * 9 + s * 2 + 200)) # MB: the CSV (about 6.5 MB per scale unit), the workspace
    avail=$(df -Pm "$work" | awk 'NR == 2 { print $4 }')
    if [ "$avail" -lt "$need" ]; then
      echo "scale $s: needs about $need MB free in $work, $avail MB available; skipped"
      continue
    fi
    $GEN --out "$work/gen-$s" --scale "$s" >/dev/null
    $RS init --store "$ws" >/dev/null
    $RS districts load "$work/gen-$s/districts.shp" --name-field NAME --store "$ws" >/dev/null
    $RS ingest telematics --quiet --store "$ws" "$work/gen-$s/telematics.csv" >/dev/null
    rm -rf "$work/gen-$s"
  fi
  n=$(sqlite3 "$ws" "SELECT sum(n) FROM ping_chunk" 2>/dev/null || echo '?')
  echo "-- $n stored pings (scale $s)"
  timed "250 m square grid, over_threshold" \
    $RS heatmap --store "$ws" --grid square:250 --metric over_threshold --min-count 1 \
    --out "$work/out/grid250-$s"
  timed "quartic KDE r 500 m, 50 m pixels" \
    $RS heatmap --store "$ws" --kde 500 --pixel 50 --kernel quartic --metric pings \
    --min-count 1 --out "$work/out/kde500-$s"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
