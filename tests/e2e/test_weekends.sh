#!/usr/bin/env bash
# test_weekends.sh — end-to-end test of `roadsafe weekends` on the sample
# county.
#
# What: generates the county with roadsafe-gen (seed 7), loads it, and
# checks that the district holding the planted dominant hot spot (H1, read
# from truth.json) ranks first and gets the first ranked weekend; that the
# same seed gives the same plan, ranking, shapefile and map byte for byte
# (and another seed another plan); that the cooldown is never broken over
# many seeds; the CSV header, the seed in the output, the md and html
# forms, --exclude, a random seed that is printed, districts with no data
# (score 0 and a reason), the shapefile as GDAL reads it, and usage errors.
# Workload: one scale-1 county (100,000 pings), about 60 small runs.
source "$(dirname "$0")/lib.sh"
[ -x "$GEN" ] || { echo "SKIPPED: roadsafe-gen not built"; exit 77; }

export ROADSAFE_STORE="$T/rs.db" ROADSAFE_KEY_FILE="$T/key"
run 0 "$GEN" --out "$T/in" --seed 7
run 0 "$RS" init
run 0 "$RS" keygen "$T/key"
run 0 "$RS" districts load "$T/in/districts.shp" --name-field NAME --code-field CODE
run 0 "$RS" ingest telematics --quiet "$T/in/telematics.csv"
run 0 "$RS" ingest detections --quiet "$T/in/detections.csv"
run 0 "$RS" ingest stats19 --quiet "$T/in/collisions.csv" "$T/in/casualties.csv"
run 0 "$RS" ingest concerns --quiet "$T/in/concerns.csv"

# The district of hot spot 1 (the dominant one) from truth.json.
h1=$(awk '/"hot_spots": \[/ { f = 1 }
  f && /"district":/ { sub(/.*"district": "/, ""); sub(/".*/, ""); print; exit }' "$T/in/truth.json")
[ -n "$h1" ] || fail "no hot spot district in truth.json"
grep -q '"dominant": true' "$T/in/truth.json" || fail "truth.json names no dominant hot spot"

# Ranked, standard output: the plan, a blank line, the ranking.
run 0 "$RS" weekends --start 2021-01-01 --count 8
cp "$T/out" "$T/ranked.csv"
eq "$(head -n 1 "$T/ranked.csv" | cut -d, -f1-3)" "weekend,district,score" "plan header"
has "$T/ranked.csv" "weekend,district,score,speed,harm,concerns,detections,fleet,planned,probability,seed,reason"
has "$T/ranked.csv" "rank,district,code,score,base,speed,harm,concerns,detections,fleet,pings,"
eq "$(sed -n 2p "$T/ranked.csv" | cut -d, -f1,2)" "2021-01-02,$h1" "first ranked weekend"
top=$(awk '/^rank,/ { getline; print; exit }' "$T/ranked.csv" | cut -d, -f1,2)
eq "$top" "1,$h1" "first of the ranking (planted dominant hot spot)"
eq "$(sed -n 9p "$T/ranked.csv" | cut -d, -f1)" "2021-02-20" "eighth Saturday"
echo "ranking (seed 7): $(awk -F, '/^rank,/ { r = 1; next }
  r && NF > 3 { printf "%s %s %s; ", $1, $2, $4 }' "$T/ranked.csv")"

# Unpredictable: the same seed, the same files byte for byte.
U="--start 2021-01-01 --count 12 --mode unpredictable"
run 0 "$RS" weekends $U --seed 12345 --out "$T/a"
has "$T/out" "seed 12345"
run 0 "$RS" weekends $U --seed 12345 --out "$T/b"
for ext in _plan.csv _ranking.csv .shp .shx .dbf .prj .cpg .png; do
  [ -s "$T/a$ext" ] || fail "a$ext missing or empty"
  cmp -s "$T/a$ext" "$T/b$ext" || fail "a$ext and b$ext differ for the same seed"
done
run 0 "$RS" weekends $U --seed 12346 --out "$T/c"
cmp -s "$T/a_plan.csv" "$T/c_plan.csv" && fail "seeds 12345 and 12346 gave the same plan"
cmp -s "$T/a_ranking.csv" "$T/c_ranking.csv" || fail "the ranking depends on the seed"
awk -F, 'NR > 1 && $11 != "12345" { bad = 1 } END { exit bad }' "$T/a_plan.csv" ||
  fail "the plan's seed column is not 12345 on every row"
awk -F, 'NR > 1 && $10 !~ /^(0\.[0-9][0-9][0-9][0-9]|1\.0000)$/ { bad = 1 } END { exit bad }' \
  "$T/a_plan.csv" ||
  fail "an unpredictable pick without a probability"
[ "$(head -c 8 "$T/a.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
  fail "a.png is not a PNG"
[ "$(cat "$T/a.cpg")" = "UTF-8" ] || fail "a.cpg is not UTF-8"
grep -q 'British_National_Grid' "$T/a.prj" || fail "a.prj is not British National Grid"
run 0 "$RS" weekends $U --seed 12345
cp "$T/out" "$T/s1"
run 0 "$RS" weekends $U --seed 12345
cmp -s "$T/s1" "$T/out" || fail "standard output differs for the same seed"

# The cooldown is never broken (districts are names without commas).
for seed in $(seq 1 25); do
  run 0 "$RS" weekends --start 2021-01-01 --count 40 --mode unpredictable --seed "$seed" \
    --cooldown 4
  awk -F, -v s="$seed" 'NR == 1 { next } $0 == "" { exit }
    { for (j = NR - 4; j < NR; j++)
        if (j in d && d[j] == $2) { print "seed " s ": " $2 " again at row " NR; bad = 1 }
      d[NR] = $2 }
    END { exit bad }' "$T/out" || fail "cooldown 4 broken with seed $seed"
done

# Formats.
run 0 "$RS" weekends --start 2021-01-01 --count 3 --format md
has "$T/out" "**Weekend plan: 3 weekends, 2021-01-02 to 2021-01-16; mode ranked"
has "$T/out" "| weekend | district | score |"
run 0 "$RS" weekends --start 2021-01-01 --count 3 --format html --mode unpredictable --seed 9
has "$T/out" "<caption>Weekend plan: 3 weekends"
has "$T/out" "seed 9"
has "$T/out" '<th scope="col">reason</th>'

# A random seed is printed so the plan can be repeated.
run 0 "$RS" weekends --start 2021-01-01 --count 4 --mode unpredictable
has "$T/err" "drawn at random; repeat the plan with --seed"
seed=$(sed -n 's/.*--seed \([0-9][0-9]*\).*/\1/p' "$T/err")
cp "$T/out" "$T/r1"
run 0 "$RS" weekends --start 2021-01-01 --count 4 --mode unpredictable --seed "$seed"
cmp -s "$T/r1" "$T/out" || fail "--seed $seed does not repeat the randomly seeded plan"

# --exclude: the district leaves the plan and the ranking.
run 0 "$RS" weekends --start 2021-01-01 --count 10 --exclude "$h1" --out "$T/x"
awk -F, -v h="$h1" 'NR > 1 && $2 == h { bad = 1 } END { exit bad }' "$T/x_plan.csv" ||
  fail "--exclude $h1 still plans it"
awk -F, -v h="$h1" 'NR > 1 && $2 == h { bad = 1 } END { exit bad }' "$T/x_ranking.csv" ||
  fail "--exclude $h1 still ranks it"
eq "$(($(wc -l <"$T/x_ranking.csv") - 1))" "13" "ranking rows after one exclusion"

# No data in any window (planned anyway, --allow-stale): every district
# scores 0 with a reason.
run 0 "$RS" weekends --start 2035-06-01 --count 2 --lookback 30 --allow-stale --out "$T/none"
has "$T/err" "no telematics pings in the lookback"
awk -F, 'NR > 1 && ($4 != "0.000" || $0 !~ /no data: no pings in the lookback/) { bad = 1 }
  END { exit bad }' "$T/none_ranking.csv" || fail "a district without data does not score 0 with a reason"
has "$T/none_plan.csv" "no eligible district"

# The shapefile as GDAL reads it.
require ogrinfo
info=$(ogrinfo -so "$T/a.shp" a 2>&1) || fail "ogrinfo cannot open a.shp: $info"
echo "$info" | grep -q 'Feature Count: 14' || fail "a.shp does not have 14 districts"
for f in NAME SCORE SPEED HARM CONCERNS DETECT KSI_EB_KM2 PLAN FIRST_WKND REASON; do
  echo "$info" | grep -q "^$f: " || fail "a.dbf has no $f field"
done
first=$(ogrinfo -ro -q -sql "SELECT NAME FROM x WHERE RANK = 1" "$T/x.shp" 2>/dev/null |
  sed -n 's/^ *NAME (String) = //p')
[ -n "$first" ] && [ "$first" != "$h1" ] || fail "x.shp: rank 1 is '$first'"

# Usage errors exit 2 and say why.
run 2 "$RS" weekends --count 3
has "$T/err" "--start DATE and --count N are required"
run 2 "$RS" weekends --start 2021-01-01 --count 0
run 2 "$RS" weekends --start 2021-02-30 --count 3
run 2 "$RS" weekends --start 2021-01-01 --count 3 --mode random
run 2 "$RS" weekends --start 2021-01-01 --count 3 --weights speed=1,fast=2
run 2 "$RS" weekends --start 2021-01-01 --count 3 --weights speed=0,harm=0,concerns=0
run 2 "$RS" weekends --start 2021-01-01 --count 3 --seed -4 --mode unpredictable
run 2 "$RS" weekends --start 2021-01-01 --count 3 --exclude "Nowhere Town"
has "$T/err" "no district 'Nowhere Town'"
run 2 "$RS" weekends --start 2021-01-01 --count 3 --cooldown 14
has "$T/err" "--cooldown 14 needs more than 14 districts"
run 0 "$RS" weekends --help
has "$T/out" "--weights"

finish
