#!/usr/bin/env bash
# tools/bench/ingest.sh — ingest benchmark (a benchmark prints figures; it
# asserts nothing).  For 1e6, 1e7 and 5e7 telematics pings: the bare parse
# floor of the file (rs-bench-parse: the CSV reader and the field parsers
# alone, as many threads as ingest uses, storing and projecting nothing),
# then `roadsafe ingest telematics` into a fresh workspace, each printed
# with wall time, CPU time (user + sys), peak RSS and the load average, and
# the ratio of ingest to floor.  On a shared machine compare CPU times and
# ratios: wall times move with the other users.
#   usage: tools/bench/ingest.sh [WORKDIR] [SIZES]
#   SIZES: any of 1e6 1e7 5e7 (default all three).  1e6 and 1e7 are
#   roadsafe-gen's telematics at scale 10 and 100; 5e7 is the 1e7 file's
#   rows five times over (generated here, never committed), removed again
#   at the end.  The script checks the free disk space first.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/roadsafe-bench}
sizes=${2:-1e6 1e7 5e7}
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target roadsafe roadsafe-gen rs-bench-parse >/dev/null
mkdir -p "$work"
threads=${ROADSAFE_THREADS:-$(nproc)}
[ "$threads" -gt 8 ] && threads=8
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "ingest threads: $threads (ROADSAFE_THREADS sets it)"
[ -x /usr/bin/time ] || { echo "install the 'time' package (GNU time) for CPU and peak RSS" >&2; exit 2; }

gen() { # gen SCALE: roadsafe-gen's files in $work/gen-SCALE
  if [ ! -f "$work/gen-$1/telematics.csv" ]; then
    build/roadsafe-gen --out "$work/gen-$1" --scale "$1" >/dev/null
  fi
}

for size in $sizes; do
  case "$size" in
    1e6) gen 10; f="$work/gen-10/telematics.csv"; shp="$work/gen-10/districts.shp" ;;
    1e7) gen 100; f="$work/gen-100/telematics.csv"; shp="$work/gen-100/districts.shp" ;;
    5e7)
      gen 100; shp="$work/gen-100/districts.shp"; f="$work/telematics-5e7.csv"
      need=$(( $(stat -c %s "$work/gen-100/telematics.csv") * 5 / 1048576 * 3 / 2 ))
      free=$(df -Pm "$work" | awk 'NR == 2 { print $4 }')
      if [ "$free" -lt "$need" ]; then
        echo "5e7: skipped, $free MB free in $work, about $need MB needed"; continue
      fi
      if [ ! -f "$f" ]; then
        src="$work/gen-100/telematics.csv"
        { cat "$src"; for _ in 2 3 4 5; do tail -n +2 "$src"; done; } > "$f"
      fi ;;
    *) echo "unknown size $size (1e6, 1e7 or 5e7)" >&2; exit 2 ;;
  esac
  rows=$(( $(wc -l < "$f") - 1 ))
  echo "== $size: $f, $rows pings, $(du -m "$f" | cut -f1) MB"
  cat "$f" > /dev/null   # the same page-cache state for floor and ingest
  echo "load average before: $(load)"
  build/rs-bench-parse "$f" "$threads" | tee "$work/floor.txt"
  export ROADSAFE_STORE="$work/ws.db"
  rm -f "$work"/ws.db*
  build/roadsafe init >/dev/null
  build/roadsafe districts load "$shp" --name-field NAME >/dev/null
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" build/roadsafe ingest telematics --quiet "$f" >/dev/null
  read -r wall user sys rss < "$work/time.txt"
  fwall=$(sed -E 's/.* in ([0-9.]+) s wall, ([0-9.]+) s CPU.*/\1/' "$work/floor.txt")
  fcpu=$(sed -E 's/.* in ([0-9.]+) s wall, ([0-9.]+) s CPU.*/\2/' "$work/floor.txt")
  awk -v r="$rows" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" -v fw="$fwall" -v fc="$fcpu" 'BEGIN {
    printf "ingest: wall %.2f s, CPU %.2f s (user %.2f + sys %.2f), peak RSS %.0f MB, %.2f million pings/s wall, %.2f million/s per CPU second\n", w, u + s, u, s, m / 1024, r / w / 1e6, r / (u + s) / 1e6
    printf "ingest / floor: %.2fx wall, %.2fx CPU\n", w / fw, (u + s) / fc }'
  echo "load average after: $(load)"
  ls -l "$work/ws.db" | awk '{ printf "workspace size: %.0f MB\n", $5 / 1e6 }'
done
rm -f "$work"/ws.db* "$work/telematics-5e7.csv" "$work/time.txt" "$work/floor.txt"
