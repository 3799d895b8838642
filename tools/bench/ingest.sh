#!/usr/bin/env bash
# tools/bench/ingest.sh — ingest benchmark (a benchmark prints figures; it
# asserts nothing).  Generates telematics with roadsafe-gen (default scale
# 100 = about 10 million pings), ingests them into a fresh workspace and
# prints rows/s, wall time and peak RSS, next to the parse-only rate of the
# same file (the floor: the CSV reader and field parsers alone).
#   usage: tools/bench/ingest.sh [SCALE] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
scale=${1:-100}
work=${2:-/tmp/roadsafe-bench}
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
mkdir -p "$work"
rm -f "$work"/ws.db*

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "ingest threads: ${ROADSAFE_THREADS:-$(nproc)} (ROADSAFE_THREADS sets it); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ! -f "$work/gen-$scale/telematics.csv" ]; then
  s=$(date +%s.%N)
  build/roadsafe-gen --out "$work/gen-$scale" --scale "$scale" >/dev/null
  awk -v a="$s" -v b="$(date +%s.%N)" -v sc="$scale" 'BEGIN { printf "roadsafe-gen --scale %s: %.1f s\n", sc, b - a }'
fi
f="$work/gen-$scale/telematics.csv"
rows=$(( $(wc -l < "$f") - 1 ))
echo "file: $f, $rows pings, $(du -m "$f" | cut -f1) MB"

build/rs-bench-parse "$f"

export ROADSAFE_STORE="$work/ws.db"
build/roadsafe init >/dev/null
build/roadsafe districts load "$work/gen-$scale/districts.shp" --name-field NAME >/dev/null
timefmt="wall %e s, peak RSS %M KB"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "$timefmt" -o "$work/time.txt" build/roadsafe ingest telematics --quiet "$f"
  cat "$work/time.txt"
  wall=$(sed -E 's/wall ([0-9.]+) s.*/\1/' "$work/time.txt")
else
  s=$(date +%s.%N)
  build/roadsafe ingest telematics --quiet "$f"
  wall=$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  echo "wall $wall s (install the 'time' package for peak RSS)"
fi
awk -v r="$rows" -v w="$wall" 'BEGIN { printf "ingest end to end: %.2f million pings/s\n", r / w / 1e6 }'
ls -l "$work/ws.db" | awk '{ printf "workspace size: %.0f MB\n", $5 / 1e6 }'
