#!/usr/bin/env bash
# Missing is not zero (roadsafe export districts, roadsafe report) on
# roadsafe-gen's county, seed 2:
#   - a workspace holding every source and one holding only the districts,
#     the traffic telematics and the collision file (no casualties, no
#     detections, no concerns) give a districts layer with the same fields,
#     in the same order, of the same types (ogrinfo);
#   - in the partial layer every figure of a source never loaded is null:
#     KSI, KILLED, DET_* and CONCERNS, and WKND_SCORE (a score with parts
#     missing would read them as nothing); PINGS and the shares are there;
#   - a workspace without telematics has PINGS null and its KSI figures;
#   - the board pack of the partial workspace says "not loaded" in the
#     detections and concerns columns of its district table, never 0.
source "$(dirname "$0")/lib.sh"
require ogrinfo

run 0 "$GEN" --out "$T/gen" --seed 2
G="$T/gen"
export ROADSAFE_KEY_FILE="$T/key"
run 0 "$RS" keygen "$ROADSAFE_KEY_FILE"
load() { # load DB SOURCE...
  local db=$1; shift
  run 0 "$RS" init --store "$db"
  run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --code-field CODE --store "$db"
  local s
  for s in "$@"; do
    case $s in
      telematics) run 0 "$RS" ingest telematics --quiet "$G/telematics.csv" --store "$db" ;;
      collisions) run 0 "$RS" ingest stats19 --quiet "$G/collisions.csv" --store "$db" ;;
      stats19) run 0 "$RS" ingest stats19 --quiet "$G/collisions.csv" "$G/casualties.csv" --store "$db" ;;
      detections) run 0 "$RS" ingest detections --quiet "$G/detections.csv" --store "$db" ;;
      concerns) run 0 "$RS" ingest concerns --quiet "$G/concerns.csv" --store "$db" ;;
    esac
  done
}
load "$T/full.db" telematics stats19 detections concerns
load "$T/part.db" telematics collisions
load "$T/nopings.db" stats19 detections concerns

for w in full part nopings; do
  run 0 "$RS" export districts --out "$T/$w" --store "$T/$w.db"
  ogrinfo -ro -so "$T/$w.shp" "$w" >"$T/$w.info" 2>&1 || fail "ogrinfo cannot read $w.shp"
  # the field list: NAME: Type, without the widths (those follow the data)
  sed -n 's/^\([A-Z0-9_]*\): \([A-Za-z]*\) (.*/\1 \2/p' "$T/$w.info" >"$T/$w.fields"
  ogrinfo -ro -al -geom=NO "$T/$w.shp" >"$T/$w.all" 2>&1
done
[ "$(wc -l <"$T/full.fields")" -eq 19 ] || fail "full.shp has too few fields: $(cat "$T/full.fields")"
grep -qx "WKND_SCORE Real" "$T/full.fields" || fail "full.shp has no WKND_SCORE"
for w in part nopings; do
  cmp -s "$T/full.fields" "$T/$w.fields" ||
    fail "$w.shp's fields differ from full.shp's: $(diff "$T/full.fields" "$T/$w.fields" | tr '\n' ' ')"
done

# values: one line "FIELD (Type) = value" per field and feature
count() { grep -c "^  $2 ([A-Za-z]*) = $3\$" "$T/$1.all" || true; }
features=$(grep -c '^OGRFeature' "$T/part.all")
eq "$features" 14 "districts in part.shp"
for f in KSI KILLED DET_TOTAL DET_TRUCAM DET_GATSO DET_OTHER CONCERNS WKND_SCORE; do
  eq "$(count part "$f" '(null)')" 14 "$f null in the partial layer"
  eq "$(count full "$f" '(null)')" 0 "$f null in the full layer"
done
eq "$(count part PINGS '(null)')" 0 "PINGS null with telematics loaded"
eq "$(count nopings PINGS '(null)')" 14 "PINGS null without telematics"
eq "$(count nopings KSI '(null)')" 0 "KSI null with casualties loaded"
# a source loaded with nothing in the period is a true zero
run 0 "$RS" export districts --out "$T/old" --from 2001-01-01 --to 2001-12-31 --store "$T/full.db"
ogrinfo -ro -al -geom=NO "$T/old.shp" >"$T/old.all" 2>&1
eq "$(count old KSI 0)" 14 "KSI 0 in a loaded but empty period"
eq "$(count old CONCERNS 0)" 14 "CONCERNS 0 in a loaded but empty period"

# the board pack says so in words
run 0 "$RS" report --quarter 2020Q2 --out "$T/part.html" --store "$T/part.db"
python3 - "$T/part.html" >"$T/pack.txt" <<'PY' || fail "pack district table: $(cat "$T/pack.txt")"
import re, sys
doc = open(sys.argv[1]).read()
sec = re.search(r'<section[^>]*id="districts".*?</section>', doc, re.S)
assert sec, "no districts section"
rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", sec.group(0), re.S)
assert len(rows) >= 14, rows[:2]
for name, cells in rows:
    tds = re.findall(r"<td[^>]*>(.*?)</td>", cells)
    # district, KSI, a year earlier, verdict, all casualties, detections, TRUCAM, GATSO, concerns
    if name.startswith("(collision without"):
        continue
    assert tds[-4:] == ["not loaded"] * 4, (name, tds)
PY
finish
