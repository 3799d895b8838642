#!/usr/bin/env bash
# Enhanced severity (2023 on: 5 very, 6 moderately, 7 less serious) is kept
# at ingest and `roadsafe ksi --enhanced` splits recorded serious by it.
# Fixtures: tests/fixtures/stats19/ (2024 layout); then the real Essex
# January 2023 collisions, against a count straight from the file.
source "$(dirname "$0")/lib.sh"
need_sqlite3
F="$(dirname "$0")/../fixtures/stats19"
W="$T/ws.db"
run 0 "$RS" init --store "$W"
run 0 "$RS" ingest stats19 "$F/collisions_2024.csv" "$F/casualties_2024.csv" "$F/vehicles_2024.csv" --store "$W"
eq "$(sql "$W" "SELECT group_concat(coalesce(enhanced_severity, 'n'), ' ') FROM (SELECT * FROM casualty ORDER BY collision_index, vehicle_ref, casualty_ref)")" \
   "3 5 3 1 6 7 3 n 7" "casualty enhanced severity kept (NULL when -1)"
# casualties: serious 5 = 1 very + 1 moderately + 2 less + 1 without a code
run 0 "$RS" ksi --by year --enhanced --store "$W"
has "$T/out" "period,fatal,serious,ksi,slight,casualties,very_serious,moderately_serious,less_serious,serious_unrecorded,"
has "$T/out" "2024,1,5,6,3,9,1,1,2,1,"
run 0 "$RS" ksi --by year --enhanced --format md --store "$W"
has "$T/out" "Recorded serious split by enhanced severity where recorded"
# with a split and with collisions (collision enhanced severity)
run 0 "$RS" ksi --by year --enhanced --split road_user --store "$W"
has "$T/out" "2024,0,2,2,0,2,pedestrian,0,0,1,1,"
run 0 "$RS" ksi --by year --enhanced --collisions --out "$T/e.csv" --store "$W"
has "$T/e_collisions.csv" "2024,1,4,5,1,6,1,1,1,1,"
run 0 "$RS" ksi --by year --enhanced --split vehicle --collisions --out "$T/v.csv" --store "$W"
has "$T/v.csv" "2024,0,2,2,0,2,e-scooter,0,1,1,0,"
has "$T/v_collisions.csv" "2024,1,2,3,0,3,car,1,0,0,1,"
# without --enhanced the table is as before
run 0 "$RS" ksi --by year --store "$W"
lacks "$T/out" "very_serious"
# an enhanced code that is no code, or disagrees with the severity: rejected
H="collision_index,collision_severity,date,enhanced_severity_collision"
printf '%s\nA1,2,01/01/2024,5\nA2,2,01/01/2024,4\nA3,3,01/01/2024,6\nA4,1,01/01/2024,5\nA5,2,01/01/2024,-1\n' "$H" > "$T/enh.csv"
run 1 "$RS" ingest stats19 "$T/enh.csv" --unlocated-ok --rejects "$T/rej.csv" --store "$W"
has "$T/out" "loaded 2, rejected 3"
has "$T/rej.csv" "enh.csv,3,enhanced_severity_collision,\"enhanced severity is not 1, 5, 6, 7, 3"
has "$T/rej.csv" "enh.csv,4,enhanced_severity_collision,enhanced severity disagrees with the severity"
has "$T/rej.csv" "enh.csv,5,enhanced_severity_collision,enhanced severity disagrees"

# ---- the real Essex 2023 collisions -----------------------------------------------
E="$DATA/stats19/essex_pf42_collisions_2023_sample.csv"
need_data "$E"
EW="$T/essex.db"
run 0 "$RS" init --store "$EW"
run 0 "$RS" ingest stats19 "$E" --store "$EW"
run 0 "$RS" ksi --by month --collisions --enhanced --out "$T/x.csv" --store "$EW"
# serious collisions by enhanced code, counted from the file itself
want=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "accident_severity") s = i; if ($i == "enhanced_severity_collision") e = i } next }
  $s == 2 { n[$e]++; k++ } END { printf "%d,%d,%d,%d", n[5], n[6], n[7], k - n[5] - n[6] - n[7] }' "$E")
eq "$want" "5,11,15,0" "Essex enhanced codes (data README)"
grep -q "^2023-01,2,31,33,58,91,$want," "$T/x_collisions.csv" || fail "Essex January 2023 enhanced split: want 2023-01,2,31,33,58,91,$want"
finish
