#!/usr/bin/env bash
# tests/e2e/test_reoffend.sh — `roadsafe reoffend` end to end: the table in
# csv, md and html, --out, --plot, --data-end, --cohorts, --strata, usage
# errors, determinism, no plate or hash in any output; and, when
# roadsafe-gen is built, the planted cohorts recovered exactly as
# truth.json counts them.
. "$(dirname "$0")/lib.sh"

export ROADSAFE_STORE="$T/ws.db" ROADSAFE_KEY_FILE="$T/key"
run 0 "$RS" keygen "$T/key"
run 0 "$RS" init

# 4 TRUCAM vehicles (1 reoffends 2 days on), 4 GATSO (2 reoffend; one more
# is seen again after 20 hours: the same episode), 1 SPECS.
{
  echo "detection_id,timestamp,device_type,device_id,site_id,easting,northing,speed_mph,limit_mph,vrm"
  for i in 1 2 3 4; do
    echo "T$i,2019-03-01T10:00:0${i}Z,TRUCAM,TC-01,M001,580000,210000,36.5,30,TR0${i} AAA"
    echo "G$i,2019-03-02T10:00:0${i}Z,GATSO,GT1000,G001,581000,211000,52.0,40,GA0${i} BBB"
  done
  echo "T1b,2019-03-03T10:00:01Z,GATSO,GT1000,G001,581000,211000,52.0,40,tr01aaa"
  echo "G1b,2019-06-02T10:00:00Z,TRUCAM,TC-01,M001,580000,210000,36.5,30,GA01BBB"
  echo "G2b,2019-07-02T10:00:00Z,GATSO,GT1000,G001,581000,211000,52.0,40,GA02 BBB"
  echo "G3b,2019-03-03T06:00:03Z,GATSO,GT1000,G001,581000,211000,52.0,40,GA03 BBB"
  echo "S1,2019-03-01T12:00:00Z,SPECS,SP-01,S001,582000,212000,72.0,60,SP01 CCC"
  echo "Z1,2020-12-31T12:00:00Z,GATSO,GT1000,G001,581000,211000,52.0,40,ZZ01 ZZZ"
} >"$T/det.csv"
run 0 "$RS" ingest detections "$T/det.csv"

header="cohort,vehicles,followed_up,reoffended,rate,ci_low,ci_high,diff,diff_low,diff_high,rr,rr_low,rr_high,p_value,mh_rr,mh_rr_low,mh_rr_high,mh_strata,events,km_30,km_30_low,km_30_high,km_90,km_90_low,km_90_high,km_180,km_180_low,km_180_high,km_365,km_365_low,km_365_high,logrank_chisq,logrank_df,logrank_p"

run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31
cp "$T/out" "$T/a.csv"
eq "$(head -1 "$T/a.csv")" "$header" "CSV header"
eq "$(wc -l <"$T/a.csv" | tr -d ' ')" 3 "CSV lines"
has "$T/a.csv" "TRUCAM,4,4,1,0.2500,"
has "$T/a.csv" "GATSO,4,4,2,0.5000,"
has "$T/err" "data end 2020-12-31T12:00:00Z"
# columns: the reference row has no comparison; log-rank on every row
eq "$(awk -F, 'NR==2 {print $8 $11 $14 $15}' "$T/a.csv")" "" "reference row comparisons"
eq "$(awk -F, 'NR==3 {print $11}' "$T/a.csv")" "2.000" "GATSO relative risk"
eq "$(awk -F, 'NR==2 {print $33}' "$T/a.csv")" "1" "log-rank df"
eq "$(awk -F, 'NR==2 {print $32}' "$T/a.csv")" "$(awk -F, 'NR==3 {print $32}' "$T/a.csv")" "log-rank on each row"

# deterministic, and --out writes the same bytes
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31 --out "$T/b.csv"
cmp -s "$T/a.csv" "$T/b.csv" || fail "--out differs from standard output"
eq "$(wc -c <"$T/out" | tr -d ' ')" 0 "stdout with --out"

# md and html
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31 --format md
has "$T/out" "| cohort | vehicles | followed_up | reoffended | rate | ci_low | ci_high |"
has "$T/out" "comparisons against TRUCAM"
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31 --format html --out "$T/r.html"
has "$T/r.html" "<table"
has "$T/r.html" "<caption>"

# a data end before GATSO's reoffences: nobody followed up a whole year
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31 --data-end 2019-05-01
has "$T/out" "TRUCAM,4,0,0,,"
has "$T/err" "no TRUCAM vehicle is followed up"
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31 --data-end 2019-05-01T00:00:00Z --window 30
has "$T/out" "TRUCAM,4,4,1,0.2500,"

# --episode: with 4 hours, G3's detection 20 hours on is a reoffence
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31 --episode 4
has "$T/out" "GATSO,4,4,3,0.7500,"

# cohorts: a third one, and one with no vehicles
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31 --cohorts gatso,trucam,specs,vector --strata limit,excess,district
has "$T/out" "GATSO,4,4,2,0.5000,"
has "$T/out" "SPECS,1,1,0,0.0000,"
has "$T/out" "VECTOR,0,0,0,,"
has "$T/err" "no vehicle's index detection is by VECTOR"
eq "$(awk -F, 'NR==2 {print $33}' "$T/out")" "2" "log-rank df with three cohorts with vehicles"

# --plot
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31 --plot "$T/km.png" --out "$T/c.csv"
[ "$(head -c 4 "$T/km.png" | od -An -c | tr -d ' ')" = "211PNG" ] || fail "--plot wrote no PNG"

# help names every option
run 0 "$RS" reoffend --help
for o in --from --to --window --episode --data-end --cohorts --strata --format --out --plot --store; do
  has "$T/out" "$o"
done
run 0 "$RS" --help
has "$T/out" "reoffend"

# usage errors: exit 2, one line saying what is wrong
run 2 "$RS" reoffend --cohorts TRUCAM,LASER
has "$T/err" "'LASER' is not one"
run 2 "$RS" reoffend --cohorts TRUCAM,trucam
run 2 "$RS" reoffend --strata speed
has "$T/err" "--strata"
run 2 "$RS" reoffend --window 0
has "$T/err" "--window needs a number > 0"
run 2 "$RS" reoffend --episode -1
run 2 "$RS" reoffend --format pdf
run 2 "$RS" reoffend --data-end yesterday
has "$T/err" "--data-end 'yesterday'"
run 2 "$RS" reoffend --from 2019-12-31 --to 2019-01-01
run 2 "$RS" reoffend --bogus
run 2 "$RS" reoffend --store "$T/missing.db"
has "$T/err" "no workspace"

# no plate, in any spelling, and no 64-hex hash in any output
for f in "$T/a.csv" "$T/r.html" "$T/c.csv"; do
  lacks "$f" "TR01"
  lacks "$f" "GA01"
  if grep -qE '[0-9a-fA-F]{64}' "$f"; then fail "$f holds a hash"; fi
done

# planted cohorts from roadsafe-gen
export ROADSAFE_STORE="$T/gen.db"
run 0 "$GEN" --out "$T/gen" --seed 7 --scale 1
run 0 "$RS" init
run 0 "$RS" ingest detections --quiet "$T/gen/detections.csv"
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31 --cohorts TRUCAM,GATSO,HADECS3
for dev in TRUCAM GATSO HADECS3; do
  want=$(awk -v d="\"$dev\"" '$0 ~ "\"index_device\": " d {f = 1}
    f && /"index_vehicles"/ {sub(/.*: */, ""); gsub(/[^0-9]/, ""); n = $0}
    f && /"reoffended_within_365d"/ {sub(/.*: */, ""); gsub(/[^0-9]/, ""); print n "," n "," $0; exit}' \
    "$T/gen/truth.json")
  has "$T/out" "$dev,$want,"
done

finish
