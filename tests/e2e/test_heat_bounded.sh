#!/usr/bin/env bash
# Heat maps in bounded memory give the same figures as in one pass.
# `heatmap` keeps the per-ping working arrays within a budget (128 MB;
# ROADSAFE_HEAT_MEMORY_KB sets it): over the budget, a grid gathers its
# speeds band by band of cells (one pass each; a cell bigger than a band
# takes a pass into a histogram) and a kernel density collects its points
# strip by strip of easting.  Here a tiny budget forces those plans on
# roadsafe-gen's county (seed 5) and every output must be byte-identical to
# the one-pass run: grids (square and hex, every metric including the exact
# p85, with filters), kernel densities (every kernel, raw and scaled, a
# minimum count) and the patrol-presence KDE; and the KDE must not depend on
# the number of threads (ROADSAFE_THREADS=1 and 2).
source "$(dirname "$0")/lib.sh"

run 0 "$GEN" --out "$T/gen" --seed 5
G="$T/gen"
export ROADSAFE_STORE="$T/ws.db"
run 0 "$RS" init
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --code-field CODE
run 0 "$RS" ingest telematics "$G/telematics.csv"
run 0 "$RS" keygen "$T/fleet.key"
run 0 "$RS" ingest telematics --source fleet --key-file "$T/fleet.key" "$G/fleet.csv"

same() { # LABEL FILE1 FILE2
  if [ ! -s "$2" ] || [ ! -s "$3" ]; then fail "$1: $2 or $3 missing or empty"; return; fi
  cmp -s "$2" "$3" || fail "$1: $2 and $3 differ"
}

# grids: 8 KB of budget = 4,096 speeds a band, so the county's 100,000
# pings take many bands, and the 2 km cells of the hot spots exceed a band
k=0
for args in "--grid square:2000 --metric p85" "--grid square:250 --metric mean_excess" \
            "--grid hex:500 --metric share_over" "--grid square:1000 --metric p85 --days weekend --hours 22-6" \
            "--grid square:500 --metric p85 --district Redbrook"; do
  k=$((k + 1))
  # shellcheck disable=SC2086
  run 0 "$RS" heatmap $args --min-count 1 --out "$T/g$k-one"
  # shellcheck disable=SC2086
  ROADSAFE_HEAT_MEMORY_KB=8 run 0 "$RS" heatmap $args --min-count 1 --out "$T/g$k-bounded"
  for ext in csv dbf shp png; do same "grid $args ($ext)" "$T/g$k-one.$ext" "$T/g$k-bounded.$ext"; done
done
# the histogram path ran: a 2 km cell holds more pings than a band
big=$(awk -F, 'NR > 1 && $6 > m { m = $6 } END { print m + 0 }' "$T/g1-one.csv")
[ "$big" -gt 4096 ] || fail "no 2 km cell over 4,096 pings (max $big): the histogram pass was not exercised"

# kernel densities: 16 KB = 1,024 points a strip
k=0
for args in "--metric pings --kernel quartic" "--metric over_threshold --kernel triangular --min-count 3" \
            "--metric speeding --kernel uniform --scaled --per-km2" "--metric pings --kernel triweight --days weekday" \
            "--metric over_threshold --kernel epanechnikov --scaled"; do
  k=$((k + 1))
  # shellcheck disable=SC2086
  ROADSAFE_THREADS=1 run 0 "$RS" heatmap --kde 400 --pixel 40 $args --out "$T/k$k-one"
  # shellcheck disable=SC2086
  ROADSAFE_THREADS=2 ROADSAFE_HEAT_MEMORY_KB=16 run 0 "$RS" heatmap --kde 400 --pixel 40 $args --out "$T/k$k-bounded"
  # shellcheck disable=SC2086
  ROADSAFE_THREADS=2 run 0 "$RS" heatmap --kde 400 --pixel 40 $args --out "$T/k$k-two"
  for ext in asc png; do
    same "kde $args ($ext, bounded)" "$T/k$k-one.$ext" "$T/k$k-bounded.$ext"
    same "kde $args ($ext, 2 threads)" "$T/k$k-one.$ext" "$T/k$k-two.$ext"
  done
done

# patrol presence (weighted points, already in memory) across thread counts
ROADSAFE_THREADS=1 run 0 "$RS" heatmap --metric presence_minutes --kde 300 --pixel 30 --out "$T/p-one"
ROADSAFE_THREADS=2 run 0 "$RS" heatmap --metric presence_minutes --kde 300 --pixel 30 --out "$T/p-two"
same "presence kde" "$T/p-one.asc" "$T/p-two.asc"

finish
