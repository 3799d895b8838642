#!/usr/bin/env bash
# roadsafe reoffend: the comparison in words with the caveat on exposure to
# enforcement (Markdown and HTML, and the board pack), the page column set
# (--columns page|all; CSV keeps every column), and the caption naming the
# data's index span when --from/--to are not given.
. "$(dirname "$0")/lib.sh"
printf 'leak:libfontconfig.so\n' > "$T/lsan.supp"
export LSAN_OPTIONS="suppressions=$T/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

export ROADSAFE_STORE="$T/gen.db" ROADSAFE_KEY_FILE="$T/key"
run 0 "$RS" keygen "$T/key"
run 0 "$GEN" --out "$T/gen" --seed 7 --scale 1
run 0 "$RS" init
run 0 "$RS" districts load "$T/gen/districts.shp" --name-field NAME --code-field CODE
run 0 "$RS" ingest detections --quiet "$T/gen/detections.csv"
run 0 "$RS" ingest stats19 --quiet "$T/gen/collisions.csv" "$T/gen/casualties.csv"

# ---- columns ------------------------------------------------------------------
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31
eq "$(head -1 "$T/out" | tr ',' '\n' | wc -l)" 34 "CSV columns by default"
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31 --columns page
eq "$(head -1 "$T/out")" "cohort,vehicles,followed_up,reoffended,rate,ci_low,ci_high,diff,diff_low,diff_high,p_value" "CSV --columns page"
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31 --format md
cp "$T/out" "$T/r.md"
eq "$(grep -m1 '^| cohort' "$T/r.md" | tr '|' '\n' | grep -c '[a-z]')" 11 "Markdown columns by default"
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31 --format md --columns all
eq "$(grep -m1 '^| cohort' "$T/out" | tr '|' '\n' | grep -c '[a-z]')" 34 "Markdown --columns all"
run 2 "$RS" reoffend --columns some
has "$T/err" "--columns is page or all"
run 0 "$RS" reoffend --help
has "$T/out" "--columns page|all"

# ---- the words ------------------------------------------------------------------
# the rates as the table gives them
rates=$(awk -F'|' '$2 ~ /TRUCAM|GATSO/ { gsub(/ /, "", $2); gsub(/ /, "", $6); printf "%s=%.1f ", $2, 100 * $6 }' "$T/r.md")
t=${rates#*TRUCAM=}; t=${t%% *}
g=${rates#*GATSO=}; g=${g%% *}
has "$T/r.md" "of vehicles first detected by GATSO were detected again within 12 months, against $t% after TRUCAM"
has "$T/r.md" "$g% of vehicles first detected by GATSO"
has "$T/r.md" "Mantel-Haenszel"
has "$T/r.md" "how often a vehicle passes enforcement"
has "$T/r.md" "not measured or controlled"
lacks "$T/r.md" "the roads and speeds each device works at do not explain"
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31 --format html
has "$T/out" "<p><strong>"
has "$T/out" "how often a vehicle passes enforcement"
# CSV stays one table
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31
lacks "$T/out" "passes enforcement"

# ---- the caption's index period ------------------------------------------------
run 0 "$RS" reoffend --format md
lacks "$T/out" "[start, end)"
need_sqlite3
# the earliest index detection (a vehicle's first) of a TRUCAM or GATSO vehicle
first=$(sql "$ROADSAFE_STORE" "WITH f AS (SELECT vehicle, min(t) AS t FROM detection GROUP BY vehicle)
  SELECT strftime('%Y-%m-%dT%H:%M:%SZ', min(f.t), 'unixepoch') FROM f JOIN detection d
  ON d.vehicle = f.vehicle AND d.t = f.t WHERE d.device_type IN ('TRUCAM', 'GATSO')")
has "$T/out" "index detections from $first (the first) to "
has "$T/out" "(the last)"
run 0 "$RS" reoffend --from 2019-01-01 --to 2019-12-31 --format md
has "$T/out" "index detections in \\[2019-01-01T00:00:00Z, 2020-01-01T00:00:00Z)"

# ---- the board pack -------------------------------------------------------------
run 0 "$RS" report --quarter 2020Q4 --out "$T/pack.html"
has "$T/pack.html" "how often a vehicle passes enforcement"
lacks "$T/pack.html" "the roads and speeds each device works at do not explain"
finish
