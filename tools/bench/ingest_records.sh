#!/usr/bin/env bash
# tools/bench/ingest_records.sh — record-load benchmark (a benchmark prints
# figures; it asserts nothing).  Generates national-size files from the
# sample county (tools/bench/gen_records.py: DETECTIONS speed detections in
# the documented layout, default 2 million; COLLISIONS STATS19 collisions,
# default 1 million, with their casualties and vehicles), loads each into
# a fresh workspace (detections, then collisions, casualties, vehicles) and
# prints per file: rows/s, wall, CPU (user+sys), peak RSS and the load
# average before and after.  Then a re-load of the collision file (every
# row compared with the stored one, "already present").
# The files (about 550 MB at the defaults) are kept in WORKDIR for re-runs.
#   usage: tools/bench/ingest_records.sh [DETECTIONS] [COLLISIONS] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
ndet=${1:-2000000}
ncoll=${2:-1000000}
work=${3:-/tmp/roadsafe-bench-records}
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
mkdir -p "$work"
rm -f "$work"/ws.db*

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
[ -f "$work/gen/districts.shp" ] || build/roadsafe-gen --out "$work/gen" >/dev/null
files="$work/nat-$ndet-$ncoll"
if [ ! -f "$files/vehicles.csv" ]; then
  s=$(date +%s.%N)
  python3 tools/bench/gen_records.py "$work/gen" "$files" "$ndet" "$ncoll"
  awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { printf "generated in %.0f s\n", b - a }'
fi
export ROADSAFE_STORE="$work/ws.db" ROADSAFE_KEY_FILE="$work/key"
[ -f "$work/key" ] || build/roadsafe keygen "$work/key" >/dev/null
build/roadsafe init >/dev/null
build/roadsafe districts load "$work/gen/districts.shp" --name-field NAME >/dev/null

# one load: rows/s on wall time, CPU, peak RSS, load average around it
load() {
  local label=$1 kind=$2 f=$3; shift 3
  local rows=$(( $(wc -l < "$f") - 1 ))
  local la0; la0=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" \
    build/roadsafe ingest "$kind" --quiet "$f" "$@" >/dev/null || [ $? -eq 1 ]
  read -r wall user sys rss < "$work/time.txt"
  awk -v l="$label" -v r="$rows" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" \
      -v a="$la0" -v b="$(cut -d' ' -f1 /proc/loadavg)" \
      'BEGIN { printf "%-22s %9d rows  %8.0f rows/s  wall %6.2f s  CPU %6.2f s (%.0f rows/CPU-s)  peak RSS %4.0f MB  load %s -> %s\n",
               l, r, r / w, w, u + s, r / (u + s), m / 1024, a, b }'
}
load "detections" detections "$files/detections.csv"
load "collisions" stats19 "$files/collisions.csv"
load "casualties" stats19 "$files/casualties.csv"
load "vehicles" stats19 "$files/vehicles.csv"
load "collisions re-load" stats19 "$files/collisions.csv"
ls -l "$work/ws.db" | awk '{ printf "workspace size: %.0f MB\n", $5 / 1e6 }'
