#!/usr/bin/env bash
# roadsafe ksi on the generated county: every quarter (plain and adjusted)
# and every year against the generator's truth.json.
source "$(dirname "$0")/lib.sh"

# Under -DROADSAFE_SANITIZE: fontconfig (below cairo's text API) keeps a
# few hundred bytes for the life of the process; not ours to free.
printf 'leak:libfontconfig.so\n' > "$T/lsan.supp"
export LSAN_OPTIONS="suppressions=$T/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
require python3

run 0 "$GEN" --out "$T/gen" --seed 5
GW="$T/gen.db"
run 0 "$RS" init --store "$GW"
run 0 "$RS" ingest stats19 "$T/gen/collisions.csv" "$T/gen/casualties.csv" --store "$GW"
run 0 "$RS" ksi --store "$GW"
cp "$T/out" "$T/gen_q.csv"
run 0 "$RS" ksi --adjusted --store "$GW"
cp "$T/out" "$T/gen_qa.csv"
run 0 "$RS" ksi --by year --store "$GW"
cp "$T/out" "$T/gen_y.csv"
python3 - "$T" <<'PY' || fail "KSI tables differ from the generator's truth.json"
import csv, json, sys
d = sys.argv[1]
t = json.load(open(d + "/gen/truth.json"))["stats19"]
q = {"%dQ%d" % (r["year"], r["quarter"]): r for r in t["ksi_casualties_by_quarter"]}
y = {str(r["year"]): r for r in t["casualties_by_severity"]}
bad = 0
rows = list(csv.DictReader(open(d + "/gen_q.csv")))
bad += len(rows) != len(q)
for r in rows:
  bad += int(r["ksi"]) != q[r["period"]]["ksi"]
for r in csv.DictReader(open(d + "/gen_qa.csv")):
  bad += abs(float(r["ksi"]) - q[r["period"]]["adjusted_ksi"]) > 0.05 + 1e-9
for r in csv.DictReader(open(d + "/gen_y.csv")):
  w = y[r["period"]]
  bad += (int(r["fatal"]), int(r["serious"]), int(r["slight"])) != (w["fatal"], w["serious"], w["slight"])
sys.exit(1 if bad else 0)
PY
finish
