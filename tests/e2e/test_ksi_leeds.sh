#!/usr/bin/env bash
# roadsafe ksi on the real Leeds 2019 STATS19 files (public test data):
# 22 fatal, 335 serious, 1,551 slight casualties.  Skipped when absent.
source "$(dirname "$0")/lib.sh"

# Under -DROADSAFE_SANITIZE: fontconfig (below cairo's text API) keeps a
# few hundred bytes for the life of the process; not ours to free.
printf 'leak:libfontconfig.so\n' > "$T/lsan.supp"
export LSAN_OPTIONS="suppressions=$T/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

L="$DATA/stats19/leeds_2019"
need_data "$L/leeds_2019_accidents.csv" "$L/leeds_2019_casualties.csv"
LW="$T/leeds.db"
run 0 "$RS" init --store "$LW"
run 0 "$RS" ingest stats19 "$L/leeds_2019_accidents.csv" "$L/leeds_2019_casualties.csv" --store "$LW"
run 0 "$RS" ksi --by year --store "$LW"
has "$T/out" "2019,22,335,357,1551,1908,"
run 0 "$RS" ksi --by year --collisions --out "$T/leeds.csv" --store "$LW"
has "$T/leeds_collisions.csv" "2019,21,300,321,1130,1451,"
run 0 "$RS" ksi --by quarter --store "$LW"
eq "$(awk -F, 'NR > 1 { s += $4 } END { print s }' "$T/out")" 357 "Leeds quarterly KSI sum"
run 0 "$RS" ksi --by year --adjusted --store "$LW"
has "$T/err" "1886 non-fatal casualties had no adjustment factor"
finish
