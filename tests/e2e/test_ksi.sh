#!/usr/bin/env bash
# roadsafe ksi end to end: help and usage errors (exit 2), the CSV columns,
# Markdown and HTML tables, --out and the second collisions file, the
# chart PNG, financial quarters, verdict words, byte-identical reruns.  The
# generated county against its truth is test_ksi_county.sh; the real Leeds
# and Essex files are test_ksi_leeds.sh and test_ksi_essex.sh.
source "$(dirname "$0")/lib.sh"

# Under -DROADSAFE_SANITIZE: fontconfig (below cairo's text API) keeps a
# few hundred bytes for the life of the process; not ours to free.
printf 'leak:libfontconfig.so\n' > "$T/lsan.supp"
export LSAN_OPTIONS="suppressions=$T/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"


# ---- help and usage errors --------------------------------------------------
run 0 "$RS" ksi --help
has "$T/out" "usage: roadsafe ksi"
for o in --by --financial --from --to --split --baseline --adjusted --collisions \
         --format --out --chart --store; do
  has "$T/out" "$o"
done
run 0 "$RS" --help
has "$T/out" "ksi"

W="$T/ws.db"
run 2 "$RS" ksi --store "$T/none.db"
has "$T/err" "no workspace at"
run 0 "$RS" init --store "$W"
run 2 "$RS" ksi --bogus --store "$W"
has "$T/err" "unknown option '--bogus'"
run 2 "$RS" ksi --by week --store "$W"
has "$T/err" "--by is month, quarter or year"
run 2 "$RS" ksi --split weather --store "$W"
has "$T/err" "--split is none, district, road_user, age_band or vehicle"
run 2 "$RS" ksi --involving tractor --store "$W"
has "$T/err" "--involving is car, motorcycle"
run 2 "$RS" ksi --from 2020Q5 --store "$W"
has "$T/err" "--from '2020Q5' is not a period"
run 2 "$RS" ksi --to 2020/22 --store "$W"
run 2 "$RS" ksi --from 2021 --to 2020 --store "$W"
has "$T/err" "--from is after --to"
run 2 "$RS" ksi --baseline 2009-2005 --store "$W"
has "$T/err" "--baseline is YYYY-YYYY"
run 2 "$RS" ksi --baseline 2005 --store "$W"
run 2 "$RS" ksi --format xml --store "$W"
run 2 "$RS" ksi --collisions --split road_user --store "$W"
run 2 "$RS" ksi extra --store "$W"
run 2 "$RS" ksi --by --store "$W"

# an empty workspace: the header only, and a note
run 0 "$RS" ksi --store "$W"
has "$T/out" "period,fatal,serious,ksi,slight,casualties,"
has "$T/err" "no casualties in the workspace"
eq "$(wc -l < "$T/out")" 1 "empty workspace rows"

# a district split without districts is a usage error
run 2 "$RS" ksi --split district --store "$W"
has "$T/err" "no districts loaded"

# ---- a hand-made workspace (the rows of tests/unit/test_ksi.c) -------------
cat > "$T/col.csv" <<'EOF'
collision_index,collision_severity,date,time,location_easting_osgr,location_northing_osgr
C1,1,10/01/2019,08:00,550000,220000
C2,2,05/04/2019,09:00,551000,221000
C3,3,20/07/2019,10:00,552000,222000
C4,2,15/01/2020,11:00,553000,200000
C5,3,03/03/2020,12:00,,
C6,1,10/04/2020,13:00,554000,201000
C7,2,31/03/2021,14:00,555000,202000
C8,3,05/01/2021,15:00,600000,200000
C9,3,01/04/2021,00:30,556000,223000
EOF
cat > "$T/cas.csv" <<'EOF'
collision_index,vehicle_reference,casualty_reference,casualty_severity,casualty_type,age_of_casualty,age_band_of_casualty,casualty_adjusted_severity_serious
C1,1,1,1,9,45,7,
C1,1,2,3,0,8,2,0.1
C2,1,1,2,1,19,4,1.0
C3,1,1,3,3,30,6,0.2
C3,1,2,3,9,-1,10,
C4,1,1,2,11,70,10,0.9
C4,1,2,2,20,22,5,
C5,1,1,3,90,-1,-1,0.3
C6,1,1,2,9,16,4,0.8
C6,2,1,1,0,85,11,
C7,1,1,2,1,12,3,0.95
C8,1,1,3,5,40,7,0.05
C9,1,1,3,9,50,8,0.1
EOF
run 0 "$RS" ingest stats19 "$T/col.csv" "$T/cas.csv" --store "$W"

run 0 "$RS" ksi --store "$W"
head -1 "$T/out" > "$T/header"
eq "$(cat "$T/header")" \
  "period,fatal,serious,ksi,slight,casualties,ksi_year_before,change,change_pct,rolling_12m_ksi,ksi_ci_low,ksi_ci_high,p_value,verdict" \
  "CSV header"
eq "$(wc -l < "$T/out")" 11 "quarter rows 2019Q1..2021Q2 plus header"
has "$T/out" "2019Q4,0,0,0,0,0,"                 # a quarter with no casualties is a row
has "$T/out" "2020Q1,0,2,2,1,3,1,+1,+100.0,3,"
has "$T/out" "up 1 (+100.0%); within normal variation"
has "$T/out" "2021Q1,0,1,1,1,2,"                 # 2021-03-31 in calendar Q1
has "$T/out" "incomplete period (data from 2019-01 to 2021-04 only)"
cp "$T/out" "$T/first.csv"
run 0 "$RS" ksi --store "$W"
cmp -s "$T/out" "$T/first.csv" || fail "a second run differs"

run 0 "$RS" ksi --financial --store "$W"
has "$T/out" "2020/21 Q4,0,1,1,1,2,"              # ... and financial 2020/21 Q4
has "$T/out" "2021/22 Q1,0,0,0,1,1,"              # 00:30 BST on 1 April 2021
has "$T/out" "down 1 (-50.0%); within normal variation"

run 0 "$RS" ksi --by year --financial --from 2019/20 --to 2020/21 --store "$W"
eq "$(wc -l < "$T/out")" 3 "financial years"
has "$T/out" "2020/21,1,2,3,1,4,3,0,0.0,3,"
has "$T/out" ",no change"

run 0 "$RS" ksi --by month --from 2020-02 --to 2020-02 --store "$W"
has "$T/out" "2020-02,0,0,0,0,0,0,0,,3,0.0,3.7,1,no change"

run 0 "$RS" ksi --by year --adjusted --store "$W"
has "$T/out" "period,fatal,serious,ksi,slight,casualties,recorded_serious,recorded_ksi,no_factor,"
has "$T/out" "2019,1,1.3,2.3,2.7,5,1,2,1,"
has "$T/err" "2 non-fatal casualties had no adjustment factor"

run 0 "$RS" ksi --by year --split road_user --baseline 2019-2019 --store "$W"
has "$T/out" "road_user,ksi_year_before,change,change_pct,rolling_12m_ksi,baseline_ksi,baseline_change_pct,"
has "$T/out" "2020,0,1,1,0,1,goods vehicle,0,+1,,"
run 0 "$RS" ksi --by year --split age_band --store "$W"
has "$T/out" "2019,0,0,0,1,1,60+,"

# Markdown and HTML
run 0 "$RS" ksi --by year --format md --store "$W"
has "$T/out" "**KSI casualties by calendar year"
has "$T/out" "| period | fatal | serious | ksi |"
has "$T/out" "| 2020 | 1 | 3 | 4 | 1 | 5 |"
run 0 "$RS" ksi --by year --format html --collisions --store "$W"
has "$T/out" "<!DOCTYPE html>"
has "$T/out" "<caption>KSI casualties by calendar year"
has "$T/out" "<caption>KSI collisions (by collision severity) by calendar year"
has "$T/out" '<th scope="col">verdict</th>'
has "$T/out" '<th scope="row">2020</th>'
has "$T/out" "</html>"

# --out, and the collisions table beside it
run 0 "$RS" ksi --by year --collisions --out "$T/k.csv" --store "$W"
[ -s "$T/k.csv" ] || fail "--out file not written"
[ -s "$T/k_collisions.csv" ] || fail "collisions file not written beside --out"
has "$T/k_collisions.csv" "period,fatal,serious,ksi,slight,collisions,"
has "$T/k_collisions.csv" "2021,0,1,1,2,3,"
eq "$(wc -c < "$T/out")" 0 "stdout with --out"
ls "$T" | grep -q '\.tmp\.' && fail "a temporary file was left behind"
run 0 "$RS" ksi --by year --collisions --store "$W"
has "$T/out" "period,fatal,serious,ksi,slight,collisions,"
run 3 "$RS" ksi --out "$T/no/such/dir.csv" --store "$W"

# the chart
run 0 "$RS" ksi --chart "$T/k.png" --store "$W"
[ "$(head -c 8 "$T/k.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "chart is not a PNG"
[ "$(od -An -tu1 -j16 -N8 "$T/k.png" | tr -s ' ' | sed 's/^ //')" = "0 0 4 176 0 0 2 188" ] ||
  fail "chart is not 1200x700"
cp "$T/k.png" "$T/k1.png"
run 0 "$RS" ksi --chart "$T/k.png" --store "$W"
cmp -s "$T/k.png" "$T/k1.png" || fail "the chart differs on a second run"
run 3 "$RS" ksi --chart "$T/no/such/dir.png" --store "$W"

finish
