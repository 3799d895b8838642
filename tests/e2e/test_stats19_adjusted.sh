#!/usr/bin/env bash
# Severity adjustment for releases without the adjustment columns: the
# DfT's casualty adjustment lookup (2004 to the latest year before 2024),
# recognised from its header, makes --adjusted work on a 2023 triple; the
# 2024 files carry the columns and the injury-based flags themselves.
# Fixtures: tests/fixtures/stats19/.  Then the real Essex 2023 sample.
source "$(dirname "$0")/lib.sh"
need_sqlite3
F="$(dirname "$0")/../fixtures/stats19"
W="$T/ws.db"
run 0 "$RS" init --store "$W"
run 0 "$RS" ingest stats19 "$F/collisions_2023.csv" "$F/vehicles_2023.csv" "$F/casualties_2023.csv" --store "$W"
# without the lookup: every non-fatal casualty falls back to its recorded severity
run 0 "$RS" ksi --by year --adjusted --store "$W"
has "$T/err" "4 non-fatal casualties had no adjustment factor"
has "$T/out" "2023,1,2.0,3.0,2.0,5,2,3,4,"
# the lookup (UTF-8 BOM, capitalised names): its rows for collisions not in
# the workspace are skipped and said
run 0 "$RS" ingest stats19 "$F/casualty_adjustment_lookup_2004_2023.csv" --store "$W"
has "$T/out" "(casualty adjustments): loaded 5, rejected 0, already present 0; 2 of collisions not in the workspace (skipped)"
eq "$(sql "$W" "SELECT count(*) FROM casualty_adjustment")" 5 "lookup rows kept"
run 0 "$RS" ingest stats19 "$F/casualty_adjustment_lookup_2004_2023.csv" --store "$W"
has "$T/out" "loaded 0, rejected 0, already present 5"
# fatal 1 + 0.9 + 0.3 + 0.1 + 0.8 = 3.1; slight = 4 non-fatal - 2.1 = 1.9
run 0 "$RS" ksi --by year --adjusted --format md --store "$W"
has "$T/out" "| 2023 | 1 | 2.1 | 3.1 | 1.9 | 5 | 2 | 3 | 0 |"
has "$T/out" "4 of the 5 casualties were injury-based"
lacks "$T/err" "had no adjustment factor"
# the lookup loads in any order: given before its collisions in one command
W2="$T/ws2.db"
run 0 "$RS" init --store "$W2"
run 0 "$RS" ingest stats19 "$F/casualty_adjustment_lookup_2004_2023.csv" "$F/casualties_2023.csv" "$F/collisions_2023.csv" --store "$W2"
run 0 "$RS" ksi --by year --adjusted --store "$W2"
has "$T/out" "2023,1,2.1,3.1,1.9,5,2,3,0,"
# a bad lookup row is rejected, the rest loads
printf 'accident_index,Vehicle_Reference,Casualty_Reference,Adjusted_Serious,Adjusted_Slight,Injury_Based\n2023420000101,2,1,1.5,0,1\n2023420000101,2,1,0.9,0.1,2\n2023420000101,2,1,,,\n2023420000101,1,2,0.3,0.7,1\n' > "$T/badlk.csv"
run 1 "$RS" ingest stats19 "$T/badlk.csv" --rejects "$T/rej.csv" --store "$W2"
has "$T/rej.csv" "badlk.csv,2,Adjusted_Serious,adjustment factor out of range 0-1"
has "$T/rej.csv" "badlk.csv,3,Injury_Based,not 0 or 1"
has "$T/rej.csv" "badlk.csv,4,Adjusted_Serious,no adjustment figures in the row"
has "$T/out" "already present 1"

# 2024 files: the columns in the casualty file, injury-based flags, and the
# collision-level adjustment kept
W3="$T/ws3.db"
run 0 "$RS" init --store "$W3"
run 0 "$RS" ingest stats19 "$F/collisions_2024.csv" "$F/casualties_2024.csv" --store "$W3"
# fatal 1 + 1.0 + 0.05 + 0.1 + 0.9 + 0.7 + 0.25 + 0.8 + 0.6 = 5.4
run 0 "$RS" ksi --by year --adjusted --format md --store "$W3"
has "$T/out" "| 2024 | 1 | 4.4 | 5.4 | 3.6 | 9 |"
has "$T/out" "8 of the 9 casualties were injury-based"
eq "$(sql "$W3" "SELECT sum(injury_based) || ' ' || count(injury_based) || ' ' || total(adjusted_serious) FROM collision")" \
   "5 6 3.65" "collision injury-based flags and adjusted serious"
eq "$(sql "$W3" "SELECT count(*) FROM casualty WHERE injury_based = 0")" 1 "one severity-based casualty"

# ---- the real Essex 2023 collisions: no adjustment columns, kept loadable --------
E="$DATA/stats19/essex_pf42_collisions_2023_sample.csv"
need_data "$E"
EW="$T/essex.db"
run 0 "$RS" init --store "$EW"
run 0 "$RS" ingest stats19 "$E" --store "$EW"
has "$T/out" "loaded 91, rejected 0"
eq "$(sql "$EW" "SELECT count(adjusted_serious) FROM collision")" 0 "no collision adjustment in a 2023 file"
finish
