#!/usr/bin/env bash
# tools/bench/placer.sh — the fixed cost of an ingest and the cost of
# extreme district sets (a benchmark prints figures; it asserts nothing).
# For each case: `districts load` and a small telematics ingest, each with
# wall time, CPU (user+sys) and peak RSS; then `districts list` for the
# 32,768-district set (the most a workspace holds).  Cases: the sample county's 14 districts (a 1-row
# ingest, the fixed cost: median of 5), one district covering Great
# Britain, two districts 6,000 km apart (an extent of +-3,000 km), and
# 32,768 square districts; 32,769 are refused.
#   usage: tools/bench/placer.sh [WORKDIR]
#   RS_BUILD=DIR runs the roadsafe of another build (default build/);
#   RS_BASE=DIR also measures DIR/roadsafe's fixed cost beside it (perf)
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/roadsafe-bench-placer}
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
R=${RS_BUILD:-build}/roadsafe
mkdir -p "$work"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package 'time')"; exit 2; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "roadsafe: $R; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -f "$work/gen/telematics.csv" ] || build/roadsafe-gen --out "$work/gen" --scale 1 >/dev/null
head -30 "$work/gen/telematics.csv" > "$work/rows29.csv"
[ -f "$work/gb.shp" ] || build/rs-bench-shapes "$work/gb" box 1 1 700000 1250000
[ -f "$work/wide.shp" ] || build/rs-bench-shapes "$work/wide" pair 3000
[ -f "$work/many.shp" ] || build/rs-bench-shapes "$work/many" grid 32768 60
[ -f "$work/toomany.shp" ] || build/rs-bench-shapes "$work/toomany" grid 32769 60

# run LABEL CMD...: one line "LABEL: wall W s, cpu C s, peak RSS M MB"
run() {
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || {
    echo "$label: failed (exit $?): $(tail -1 "$work/err")"; return 0; }
  awk -v l="$label" '{ printf "%s: wall %.3f s, cpu %.3f s, peak RSS %.0f MB\n", l, $1, $2 + $3, $4 / 1024 }' "$work/t"
}

fresh() { rm -f "$work"/ws.db*; ROADSAFE_STORE="$work/ws.db" $R init >/dev/null; }
export ROADSAFE_STORE="$work/ws.db"

echo "== sample county (14 districts): fixed cost of a 1-row telematics ingest"
fresh
run "districts load" $R districts load "$work/gen/districts.shp" --name-field NAME
for i in 1 2 3 4 5; do
  { head -1 "$work/gen/telematics.csv"; sed -n "$((i + 1))p" "$work/gen/telematics.csv"; } > "$work/one_$i.csv"
  /usr/bin/time -f "%e %U %S %M" -o "$work/t$i" $R ingest telematics --quiet "$work/one_$i.csv" >/dev/null 2>&1 || true
done
cat "$work"/t[1-5] | sort -n | awk '{ w[NR] = $1; c[NR] = $2 + $3; m = $4 }
  END { printf "1-row ingest, median of 5: wall %.3f s, cpu %.3f s (min %.3f), peak RSS %.0f MB\n", w[3], c[3], c[1], m / 1024 }'
# /usr/bin/time counts CPU in 10 ms steps: with perf, the fixed cost in ms,
# the workspace (with its pinned operation) restored before each run.
# RS_BASE=DIR also runs DIR/roadsafe, interleaved, for a before/after.
if command -v perf >/dev/null; then
  cp "$work/ws.db" "$work/ws.fixed"
  { head -1 "$work/gen/telematics.csv"; sed -n 7p "$work/gen/telematics.csv"; } > "$work/one_p.csv"
  task_ms() { perf stat -x, -e task-clock -r 25 "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ { printf "%.1f", $1 }'; }
  for round in 1 2; do
    for b in ${RS_BASE:+"$RS_BASE/roadsafe"} "$R"; do
      i=$(task_ms --pre "cp $work/ws.fixed $work/ws.db" "$b" ingest telematics --quiet "$work/one_p.csv")
      h=$(task_ms "$b" --help)
      echo "$b, round $round: perf stat -r 25, CPU: 1-row ingest $i ms, --help $h ms (load average $(cut -d' ' -f1 /proc/loadavg))"
    done
  done
fi

echo "== one district covering Great Britain"
fresh
run "districts load" $R districts load "$work/gb.shp" --name-field NAME
run "29-row ingest" $R ingest telematics --quiet "$work/rows29.csv"

echo "== two districts 6,000 km apart (extent +-3,000 km)"
fresh
run "districts load" $R districts load "$work/wide.shp" --name-field NAME
run "29-row ingest" $R ingest telematics --quiet "$work/rows29.csv"

echo "== 32,768 districts (the most a workspace holds)"
fresh
run "districts load" $R districts load "$work/many.shp" --name-field NAME
run "29-row ingest" $R ingest telematics --quiet "$work/rows29.csv"
run "districts list" $R districts list
echo "== 32,769 districts: refused, the workspace unchanged"
run "districts load" $R districts load "$work/toomany.shp" --name-field NAME
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
