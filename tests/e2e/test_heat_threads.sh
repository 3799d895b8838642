#!/usr/bin/env bash
# Heat maps read the workspace on every core, and the figures do not
# depend on how many: grids (square and hex, every metric including the
# exact p85, with filters, in one pass and in the bounded plan) and kernel
# densities (the kernel table: even and odd pixel sizes; the computed
# kernel: a radius or pixel not in whole metres; a minimum count) must be
# byte-identical with ROADSAFE_THREADS=1, 2 and 3.
source "$(dirname "$0")/lib.sh"

run 0 "$GEN" --out "$T/gen" --seed 5
export ROADSAFE_STORE="$T/ws.db"
run 0 "$RS" init
run 0 "$RS" districts load "$T/gen/districts.shp" --name-field NAME --code-field CODE
run 0 "$RS" ingest telematics "$T/gen/telematics.csv"

same() { # LABEL FILE1 FILE2
  if [ ! -s "$2" ] || [ ! -s "$3" ]; then fail "$1: $2 or $3 missing or empty"; return; fi
  cmp -s "$2" "$3" || fail "$1: $2 and $3 differ"
}

k=0
while read -r budget args; do
  k=$((k + 1))
  for t in 1 2 3; do
    # shellcheck disable=SC2086
    ROADSAFE_HEAT_MEMORY_KB=$budget ROADSAFE_THREADS=$t run 0 "$RS" heatmap $args --out "$T/h$k-t$t"
  done
  for ext in csv dbf shp asc png; do
    [ -e "$T/h$k-t1.$ext" ] || continue
    same "$args ($ext, 2 threads)" "$T/h$k-t1.$ext" "$T/h$k-t2.$ext"
    same "$args ($ext, 3 threads)" "$T/h$k-t1.$ext" "$T/h$k-t3.$ext"
  done
done <<'CASES'
0 --grid square:250 --metric p85 --min-count 1
0 --grid square:1000 --metric mean_excess --days weekend --hours 22-6
0 --grid hex:500 --metric share_over --min-count 1
8 --grid square:2000 --metric p85 --min-count 1
0 --grid square:500 --metric p85 --district Redbrook
0 --kde 500 --pixel 50 --kernel quartic --min-count 1
0 --kde 300 --pixel 25 --kernel triangular --metric speeding --min-count 3
0 --kde 400.5 --pixel 40 --kernel epanechnikov --scaled
0 --kde 350 --pixel 33.3 --kernel triweight --metric pings
16 --kde 400 --pixel 40 --kernel uniform --metric over_threshold --scaled --per-km2
CASES

finish
