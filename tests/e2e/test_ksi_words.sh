#!/usr/bin/env bash
# roadsafe ksi: honest words and exact figures on the generated county
# (seed 7).
#  - Severity-adjusted figures are computed from the exact sums and rounded
#    only for printing: every quarter's interval (the exact sum rounded once
#    to a whole count), change and per cent change are checked against the
#    input CSVs summed in Python, with scipy's chi-square quantiles; and the
#    two figures that were wrong (2019Q2 237.8-303.1, (no location) 2016Q2
#    +1090.0%).
#  - A split table has q_value, the Benjamini-Hochberg adjusted p-value over
#    all its tests, checked against statsmodels' multipletests(fdr_bh) on
#    p-values from scipy's binomtest; the verdicts rest on q and the caption
#    states the number of tests.
#  - No table says "a real rise/fall".
source "$(dirname "$0")/lib.sh"

printf 'leak:libfontconfig.so\n' > "$T/lsan.supp"
export LSAN_OPTIONS="suppressions=$T/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
require python3
PY=/usr/bin/python3
"$PY" -c 'import statsmodels.stats.multitest, scipy.stats' 2>/dev/null ||
  { echo "FAIL: $PY lacks statsmodels (tools/setup.sh --test installs python3-statsmodels)" >&2; exit 1; }

run 0 "$GEN" --out "$T/gen" --seed 7
W="$T/w.db"
run 0 "$RS" init --store "$W"
run 0 "$RS" districts load "$T/gen/districts.shp" --name-field NAME --code-field CODE --store "$W"
run 0 "$RS" ingest stats19 "$T/gen/collisions.csv" "$T/gen/casualties.csv" --store "$W"

# ---- adjusted figures from the exact sums --------------------------------------
run 0 "$RS" ksi --adjusted --store "$W"
cp "$T/out" "$T/adj.csv"
"$PY" - "$T" <<'PY' || fail "adjusted KSI figures differ from the exact sums"
import csv, sys
from collections import defaultdict
from scipy.stats import chi2
d = sys.argv[1]
quarter = {}
for r in csv.DictReader(open(d + "/gen/collisions.csv")):
    dd, mm, yy = r["date"].split("/")
    quarter[r["collision_index"]] = (int(yy), (int(mm) - 1) // 3 + 1)
adj = defaultdict(float)
for r in csv.DictReader(open(d + "/gen/casualties.csv")):
    q = quarter[r["collision_index"]]
    sev = int(r["casualty_severity"])
    f = r["casualty_adjusted_severity_serious"]
    if sev == 1:
        adj[q] += 1
    elif f not in ("", "-1"):
        adj[q] += float(f)
    elif sev == 2:
        adj[q] += 1
bad = 0
def cmp(what, got, want):
    global bad
    if got != want:
        print("%s: got %s, want %s" % (what, got, want)); bad += 1
for r in csv.DictReader(open(d + "/adj.csv")):
    y, qq = r["period"].split("Q")
    k = (int(y), int(qq))
    now = adj[k]
    cmp(r["period"] + " ksi", r["ksi"], "%.1f" % now)
    n = round(now)
    lo = 0.0 if n == 0 else chi2.ppf(0.025, 2 * n) / 2
    hi = chi2.ppf(0.975, 2 * n + 2) / 2
    cmp(r["period"] + " ci", (r["ksi_ci_low"], r["ksi_ci_high"]), ("%.1f" % lo, "%.1f" % hi))
    if r["change"] != "":
        before = adj[(k[0] - 1, k[1])]
        ch = now - before
        want = "%+.1f" % ch if abs(round(ch, 1)) > 0 else "0.0"
        cmp(r["period"] + " change", r["change"], want)
        pct = 100 * ch / before
        want = "%+.1f" % pct if abs(round(pct, 1)) > 0 else "0.0"
        cmp(r["period"] + " change_pct", r["change_pct"], want)
sys.exit(1 if bad else 0)
PY
# the two figures that were printed wrong
eq "$(awk -F, '$1 == "2019Q2" { print $14 "-" $15 }' "$T/adj.csv")" "237.8-303.1" "2019Q2 adjusted interval"
run 0 "$RS" ksi --adjusted --split district --store "$W"
cp "$T/out" "$T/adj_d.csv"
"$PY" - "$T/adj_d.csv" <<'PY' || fail "(no location) 2016Q2 adjusted change_pct is not +1090.0"
import csv, sys
r = [r for r in csv.DictReader(open(sys.argv[1]))
     if r["period"] == "2016Q2" and r["district"] == "(no location)"][0]
sys.exit(0 if r["change_pct"] == "+1090.0" else 1)
PY

# ---- Benjamini-Hochberg on a split ------------------------------------------------
for split in district road_user; do
  run 0 "$RS" ksi --split $split --store "$W"
  cp "$T/out" "$T/split_$split.csv"
  "$PY" - "$T/split_$split.csv" <<'PY' || fail "q_value of the $split split differs from statsmodels' fdr_bh"
import csv, sys
from scipy.stats import binomtest
from statsmodels.stats.multitest import multipletests
rows = [r for r in csv.DictReader(open(sys.argv[1]))]
tested = [r for r in rows if r["p_value"] != ""]
p = [binomtest(int(r["ksi"]), int(r["ksi"]) + int(r["ksi_year_before"]), 0.5).pvalue
     if int(r["ksi"]) + int(r["ksi_year_before"]) > 0 else 1.0 for r in tested]
q = multipletests(p, method="fdr_bh")[1]
bad = 0
for r, pv, qv in zip(tested, p, q):
    if abs(float(r["q_value"]) - qv) > 5e-4 * max(qv, 1e-12) + 1e-12:
        print(r["period"], r["q_value"], qv); bad += 1
    v = r["verdict"]
    if v != "no change":
        if qv < 0.05 and "unlikely to be chance alone" not in v: bad += 1; print(v)
        if qv >= 0.05 and "within normal variation" not in v: bad += 1; print(v)
        if pv < 0.05 <= qv and ("tests are allowed for" not in v): bad += 1; print(v)
for r in rows:
    if (r["p_value"] == "") != (r["q_value"] == ""): bad += 1
print("tests", len(tested))
sys.exit(1 if bad else 0)
PY
done
# the caption states the number of tests
run 0 "$RS" ksi --split district --format md --store "$W"
n=$("$PY" -c 'import csv, sys; print(sum(r["p_value"] != "" for r in csv.DictReader(open(sys.argv[1]))))' "$T/split_district.csv")
has "$T/out" "$n tests in this table"
has "$T/out" "q_value"
# the seed-7 county has quarters where p < 0.05 but q >= 0.05 (the words say so)
has "$T/split_district.csv" "tests are allowed for"

# ---- no "real" rise or fall anywhere ------------------------------------------
run 0 "$RS" ksi --store "$W"
cp "$T/out" "$T/plain.csv"
has "$T/plain.csv" "unlikely to be chance alone (p = "
for f in "$T/plain.csv" "$T/adj.csv" "$T/adj_d.csv" "$T/split_district.csv" "$T/split_road_user.csv"; do
  lacks "$f" "a real rise"
  lacks "$f" "a real fall"
done
run 0 "$RS" ksi --format md --store "$W"
has "$T/out" "tests in this table, each on its own"
lacks "$T/out" "q_value"
finish
