#!/usr/bin/env bash
# test_weekends_honest.sh — `roadsafe weekends` says what its figures rest
# on: the fleet part, concerns counted once per place and week, and the
# windows that fall outside the data.
#
# What: on the sample county (roadsafe-gen --seed 7, loaded as
# tools/sample.sh loads it, fleet telematics included):
#  * the README's worked example: the command quoted in README.md is run
#    and every figure the README quotes for it is compared with the output
#    (the figures are read from the README text, so neither can go stale);
#  * --weights fleet=0 is accepted; every score is rebuilt from the
#    ranking's own columns (base / (1 + 0.25 detections + 0.25 fleet));
#  * a burst of 40 "public" reports at one point in one week in the
#    district with the least speeding counts as one concern place and
#    leaves it near the bottom; two reports at one point either side of a
#    UK-local Sunday midnight (in BST, both on the same UTC Sunday) are two;
#  * a plan starting 17 months after the data says in its captions which
#    windows, which kinds and how many days lie outside the data; a plan
#    whose windows all lie outside is refused (exit 2) unless --allow-stale;
#    a lookback that starts before the data says so too.
# Workload: one scale-1 county, three copies of its workspace, ~15 runs.
source "$(dirname "$0")/lib.sh"
[ -x "$GEN" ] || { echo "SKIPPED: roadsafe-gen not built"; exit 77; }
require sqlite3
README="$(dirname "$0")/../../README.md"
[ -r "$README" ] || fail "no README.md next to the tests"

export ROADSAFE_STORE="$T/rs.db" ROADSAFE_KEY_FILE="$T/key"
run 0 "$GEN" --out "$T/in" --seed 7
run 0 "$RS" init
run 0 "$RS" keygen "$T/key"
run 0 "$RS" districts load "$T/in/districts.shp" --name-field NAME --code-field CODE
run 0 "$RS" ingest telematics --quiet "$T/in/telematics.csv"
run 0 "$RS" ingest telematics --source fleet --quiet "$T/in/fleet.csv"
run 0 "$RS" ingest detections --quiet "$T/in/detections.csv"
run 0 "$RS" ingest stats19 --quiet "$T/in/collisions.csv" "$T/in/casualties.csv"
run 0 "$RS" ingest concerns --quiet "$T/in/concerns.csv"

# ranking CSV columns (1-based)
C_RANK=1 C_NAME=2 C_SCORE=4 C_BASE=5 C_SPEED=6 C_HARM=7 C_CONC=8 C_DET=9 C_FLEET=10
C_REPORTS=21 C_PLACES=22
# col FILE NAME COLUMN: one cell of the ranking row of district NAME
col() { awk -F, -v n="$2" -v c="$3" '$2 == n { print $c; exit }' "$1"; }

# ---- the README's worked example ---------------------------------------
# The paragraph starting "On the sample county", joined into one line.
para=$(awk '/^On the sample county/ { p = 1 } p && /^$/ { exit } p { printf "%s ", $0 }' "$README")
[ -n "$para" ] || fail "README.md has no paragraph starting 'On the sample county'"
cmd=$(echo "$para" | sed -nE 's/.*`(roadsafe weekends [^`]*)`.*/\1/p' | head -n 1)
[ -n "$cmd" ] || fail "README's worked example names no roadsafe weekends command"
re='.*ranks first [^,]*, ([A-Z][A-Za-z ]+), with score ([0-9.]+) = base ([0-9.]+) \(speeding ([0-9.]+) \+ harm ([0-9.]+) \+ concerns ([0-9.]+)\) \/ \(1 \+ 0\.25 × detections ([0-9.]+) \+ 0\.25 × fleet ([0-9.]+)\), ahead of ([A-Z][A-Za-z ]+) at ([0-9.]+); with `--weights fleet=0` [A-Za-z ]+ scores ([0-9.]+)\..*'
figs=$(echo "$para" | sed -nE "s/$re/\1|\2|\3|\4|\5|\6|\7|\8|\9/p")
[ -n "$figs" ] || fail "README's worked example does not read as expected: $para"
# sed has nine groups: the last two figures by a second match
tail2=$(echo "$para" | sed -nE 's/.*ahead of ([A-Z][A-Za-z ]+) at ([0-9.]+); with `--weights fleet=0` [A-Za-z ]+ scores ([0-9.]+)\..*/\1|\2|\3/p')
IFS='|' read -r top score base speed harm conc det fleet _ <<<"$figs"
IFS='|' read -r second second_score fleet0 <<<"$tail2"
# shellcheck disable=SC2086
run 0 "$RS" ${cmd#roadsafe }
cp "$T/out" "$T/readme.csv"
awk '/^rank,/ { r = 1; next } r' "$T/readme.csv" >"$T/readme_rank.csv"
r2() { printf '%.2f' "$1"; }
eq "$(col "$T/readme_rank.csv" "$top" $C_RANK)" "1" "README: $top ranks first"
eq "$(r2 "$(col "$T/readme_rank.csv" "$top" $C_SCORE)")" "$score" "README: $top's score"
eq "$(r2 "$(col "$T/readme_rank.csv" "$top" $C_BASE)")" "$base" "README: $top's base"
eq "$(r2 "$(col "$T/readme_rank.csv" "$top" $C_SPEED)")" "$speed" "README: $top's speeding"
eq "$(r2 "$(col "$T/readme_rank.csv" "$top" $C_HARM)")" "$harm" "README: $top's harm"
eq "$(r2 "$(col "$T/readme_rank.csv" "$top" $C_CONC)")" "$conc" "README: $top's concerns"
eq "$(r2 "$(col "$T/readme_rank.csv" "$top" $C_DET)")" "$det" "README: $top's detections"
eq "$(r2 "$(col "$T/readme_rank.csv" "$top" $C_FLEET)")" "$fleet" "README: $top's fleet"
eq "$(col "$T/readme_rank.csv" "$second" $C_RANK)" "2" "README: $second ranks second"
eq "$(r2 "$(col "$T/readme_rank.csv" "$second" $C_SCORE)")" "$second_score" "README: $second's score"
# shellcheck disable=SC2086
run 0 "$RS" ${cmd#roadsafe } --weights fleet=0
awk '/^rank,/ { r = 1; next } r' "$T/out" >"$T/fleet0_rank.csv"
eq "$(r2 "$(col "$T/fleet0_rank.csv" "$top" $C_SCORE)")" "$fleet0" "README: $top's score with fleet=0"
echo "README example: $top $score (base $base, fleet $fleet), $second $second_score; fleet=0: $fleet0"

# ---- the fleet part is shown, and every score rebuilds from the columns --
has "$T/readme.csv" "weekend,district,score,speed,harm,concerns,detections,fleet,planned"
awk -F, '$1 + 0 > 0 && NF > 20 {
    want = $5 / (1 + 0.25 * $9 + 0.25 * $10)
    if (want - $4 > 0.002 || $4 - want > 0.002) { print $2 ": " $4 " vs " want; bad = 1 } }
  END { exit bad }' "$T/readme_rank.csv" || fail "a score does not rebuild from base, detections and fleet"
awk -F, '$1 + 0 > 0 && NF > 20 && $10 + 0 > 0 { n++ } END { exit !(n > 0) }' "$T/readme_rank.csv" ||
  fail "no district has a fleet part on a sample with fleet telematics"
awk -F, '$1 + 0 > 0 && NF > 20 {
    want = $5 / (1 + 0.25 * $9)
    if (want - $4 > 0.002 || $4 - want > 0.002) { print $2 ": " $4 " vs " want; bad = 1 } }
  END { exit bad }' "$T/fleet0_rank.csv" || fail "--weights fleet=0 does not drop the fleet part"
run 0 "$RS" weekends --start 2021-01-01 --count 2 --format md --weights fleet=0.5
has "$T/out" "0.5 fleet"
run 2 "$RS" weekends --start 2021-01-01 --count 2 --weights fleet=1,fleet=2
has "$T/err" "detections, fleet, planned"

# ---- a burst of concerns at one point ----------------------------------
run 0 "$RS" weekends --start 2021-01-01 --count 1
awk '/^rank,/ { r = 1; next } r' "$T/out" >"$T/base_rank.csv"
# the district with the least speeding (not 0) and one of its concerns from
# before the lookback, for a point inside it
low=$(awk -F, '$1 + 0 > 0 && NF > 20 && $6 + 0 > 0 { print $6 "," $2 }' "$T/base_rank.csv" |
  sort -t, -k1,1g | head -n 1 | cut -d, -f2)
id=$(sql "$T/rs.db" "SELECT id FROM district WHERE name = '$low'")
t0=$(sql "$T/rs.db" "SELECT min(t) FROM concern WHERE district_id = $id AND t < 1601683200")
[ -n "$t0" ] || fail "no concern in $low before the lookback"
ts=$(date -u -d "@$t0" +%Y-%m-%dT%H:%M:%SZ)
ll=$(grep "^$ts," "$T/in/concerns.csv" | head -n 1 | cut -d, -f2,3)
[ -n "$ll" ] || fail "concern at $ts not found in concerns.csv"
rank0=$(col "$T/base_rank.csv" "$low" $C_RANK)
places0=$(col "$T/base_rank.csv" "$low" $C_PLACES)
reports0=$(col "$T/base_rank.csv" "$low" $C_REPORTS)
conc0=$(col "$T/base_rank.csv" "$low" $C_CONC)
# 40 reports Monday 2020-12-07 08:00 to Thursday 2020-12-10 14:00 (GMT), one point
{
  echo "timestamp,lat,lon,source"
  for k in $(seq 0 39); do
    echo "$(date -u -d "2020-12-07T08:00:00Z + $((k * 2)) hours" +%Y-%m-%dT%H:%M:%SZ),$ll,public"
  done
} >"$T/burst.csv"
cp "$T/rs.db" "$T/burst.db"
run 0 "$RS" --store "$T/burst.db" ingest concerns --quiet "$T/burst.csv"
run 0 "$RS" --store "$T/burst.db" weekends --start 2021-01-01 --count 1
awk '/^rank,/ { r = 1; next } r' "$T/out" >"$T/burst_rank.csv"
rank1=$(col "$T/burst_rank.csv" "$low" $C_RANK)
eq "$(col "$T/burst_rank.csv" "$low" $C_REPORTS)" "$((reports0 + 40))" "burst: concern reports"
eq "$(col "$T/burst_rank.csv" "$low" $C_PLACES)" "$((places0 + 1))" "burst: concern places (one point, one week)"
[ "$rank1" -ge $((rank0 - 1)) ] || fail "a burst at one point moved $low from $rank0 to $rank1"
awk -v a="$conc0" -v b="$(col "$T/burst_rank.csv" "$low" $C_CONC)" 'BEGIN { exit !(b - a < 0.5) }' ||
  fail "a burst at one point raised $low's concerns from $conc0 to more than 0.5 above"
echo "burst of 40 at one point: $low rank $rank0 -> $rank1, concerns $conc0 -> $(col "$T/burst_rank.csv" "$low" $C_CONC)"

# The same point either side of UK-local midnight between Sunday 18 and
# Monday 19 October 2020 (BST): 22:30Z and 23:30Z, the same UTC day, two weeks.
printf 'timestamp,lat,lon,source\n2020-10-18T22:30:00Z,%s,CSW\n2020-10-18T23:30:00Z,%s,CSW\n' \
  "$ll" "$ll" >"$T/edge.csv"
cp "$T/rs.db" "$T/edge.db"
run 0 "$RS" --store "$T/edge.db" ingest concerns --quiet "$T/edge.csv"
run 0 "$RS" --store "$T/edge.db" weekends --start 2021-01-01 --count 1
awk '/^rank,/ { r = 1; next } r' "$T/out" >"$T/edge_rank.csv"
eq "$(col "$T/edge_rank.csv" "$low" $C_PLACES)" "$((places0 + 2))" \
  "Sunday 23:30 and Monday 00:30 UK time at one point: two concern places"

# ---- windows outside the data ------------------------------------------
# 17 months after the last data: the lookback wholly, the harm window partly.
last=$(sql "$T/rs.db" "SELECT max(local_date) FROM collision")
days() { echo $(( ($(date -u -d "$2" +%s) - $(date -u -d "$1" +%s)) / 86400 )); }
harm_n=$(days 2019-06-01 2022-06-01)
harm_out=$(days "$(date -u -d "$last + 1 day" +%F)" 2022-06-01)
run 0 "$RS" weekends --start 2022-06-01 --count 2 --format md
has "$T/out" "Outside the data: the lookback 2022-03-03 to 2022-05-31: no telematics on any of its 90 days (they end 2020-12-31); no concerns on any of its 90 days"
has "$T/out" "The harm window 2019-06-01 to 2022-05-31: no STATS19 collisions on the last $harm_out of its $harm_n days"
has "$T/err" "Outside the data"
[ "$(grep -c 'Outside the data' "$T/out")" -eq 2 ] || fail "the plan and the ranking captions do not both say it"
# every window outside: refused, unless --allow-stale
run 2 "$RS" weekends --start 2035-06-01 --count 2
has "$T/err" "every window the score is built from lies outside the data"
has "$T/err" "--allow-stale"
run 0 "$RS" weekends --start 2035-06-01 --count 2 --allow-stale
has "$T/err" "no STATS19 collisions on any of its"
# a lookback starting before the first ping (2020-01-01)
run 0 "$RS" weekends --start 2020-02-01 --count 1 --format md
has "$T/out" "no telematics on the first 59 of its 90 days (66%; they start 2020-01-01)"
# inside the data: nothing said
run 0 "$RS" weekends --start 2021-01-01 --count 1 --format md
lacks "$T/out" "Outside the data"
lacks "$T/err" "Outside the data"

finish
