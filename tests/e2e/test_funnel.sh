#!/usr/bin/env bash
# roadsafe ksi --funnel: the district funnel plot on the generated county
# (seed 7).  The figures beside the PNG are checked independently: each
# district's KSI from `ksi --split district`, its area from `districts
# list`, the county rate, and the exact Poisson 95% and 99.8% limits from
# scipy.stats.chi2 (and, as a second reference, the classification against
# scipy.stats.poisson tail probabilities where the two agree); per head
# with --population; the districts outside the limits are named in words
# (stderr and the board pack's district section).
source "$(dirname "$0")/lib.sh"
printf 'leak:libfontconfig.so\n' > "$T/lsan.supp"
export LSAN_OPTIONS="suppressions=$T/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
require python3
PY=/usr/bin/python3
"$PY" -c 'import scipy.stats' 2>/dev/null ||
  { echo "FAIL: $PY lacks scipy (tools/setup.sh --test installs python3-statsmodels, which brings it)" >&2; exit 1; }

run 0 "$GEN" --out "$T/gen" --seed 7
export ROADSAFE_STORE="$T/w.db"
run 0 "$RS" init
# without districts: refused
run 0 "$RS" ingest stats19 --quiet "$T/gen/collisions.csv" "$T/gen/casualties.csv"
run 2 "$RS" ksi --funnel "$T/none.png"
has "$T/err" "--funnel needs districts"
run 0 "$RS" districts load "$T/gen/districts.shp" --name-field NAME --code-field CODE
run 2 "$RS" ksi --split road_user --funnel "$T/x.png"
has "$T/err" "--funnel compares districts"
run 2 "$RS" ksi --funnel "$T/w.db"
has "$T/err" "is the workspace"
run 0 "$RS" ksi --help
has "$T/out" "--funnel FILE.png"

run 0 "$RS" districts list --format csv
cp "$T/out" "$T/districts.csv"
run 0 "$RS" ksi --by year --split district
cp "$T/out" "$T/by_district.csv"
run 0 "$RS" ksi --by year --funnel "$T/f.png"
cp "$T/err" "$T/f.err"
[ -s "$T/f.png" ] || fail "no funnel PNG"
eq "$(head -c 8 "$T/f.png" | od -An -tx1 | tr -d ' \n')" "89504e470d0a1a0a" "PNG signature"
has "$T/f.err" "funnel of KSI per km² written to $T/f.png (figures in $T/f.csv)"

# population for every district and year (the year of the last period
# shown, 2020, is used)
awk -F, 'NR > 1 { for (y = 2018; y <= 2021; y++) printf "%s,%d,%d\n", $2, y, 40000 + NR * 7000 + (y - 2018) * (y == 2020 ? 900 : 100) }' \
  "$T/districts.csv" | sed '1i district,year,population' > "$T/pop.csv"
run 0 "$RS" ksi --funnel "$T/g.png" --population "$T/pop.csv"
cp "$T/err" "$T/g.err"
[ -s "$T/g_per_head.png" ] || fail "no per-head funnel PNG"
has "$T/g.err" "per 100,000 residents (populations of 2020)"
# the funnel's CSV beside its PNG may not replace the population file (an input)
cp "$T/pop.csv" "$T/pop_before.csv"
run 2 "$RS" ksi --funnel "$T/pop.png" --population "$T/pop.csv"
has "$T/err" "is an input"
# ...and the refusal names the option that made the file, not --out
has "$T/err" "--funnel $T/pop.csv is an input"
lacks "$T/err" "--out"
cmp -s "$T/pop.csv" "$T/pop_before.csv" || fail "the funnel's CSV was written over the population file"

"$PY" - "$T" <<'PY' || fail "funnel figures differ from scipy"
import csv, sys
from collections import defaultdict
from scipy.stats import chi2, poisson
d = sys.argv[1]
area = {r["name"]: float(r["area_km2"]) for r in csv.DictReader(open(d + "/districts.csv"))}
ksi = defaultdict(int)
for r in csv.DictReader(open(d + "/by_district.csv")):
    if r["district"] in area:
        ksi[r["district"]] += int(r["ksi"])
pop = {}
for r in csv.DictReader(open(d + "/pop.csv")):
    if int(r["year"]) == 2020:
        pop[r["district"]] = float(r["population"])
bad = 0
def limits(theta, alpha):
    lo = 0.0 if theta == 0 else chi2.ppf(alpha / 2, 2 * theta) / 2
    return lo, chi2.ppf(1 - alpha / 2, 2 * theta + 2) / 2
def close(a, b, rel=2e-5):
    return abs(a - b) <= rel * max(abs(b), 1e-9)
def check(path, expo, per, err):
    global bad
    rows = list(csv.DictReader(open(path)))
    R = sum(ksi[n] for n in expo) / sum(expo.values())
    words = open(err).read()
    if len(rows) != len(area): bad += 1; print("rows", len(rows))
    for r in rows:
        n = r["district"]; x = expo[n]; k = ksi[n]
        theta = R * x
        l95, h95 = limits(theta, 0.05)
        l998, h998 = limits(theta, 0.002)
        want = {"ksi": k, "rate": k / x * per, "county_rate": R * per, "expected": theta,
                "low_95": l95 / x * per, "high_95": h95 / x * per,
                "low_998": l998 / x * per, "high_998": h998 / x * per}
        for c, v in want.items():
            if not close(float(r[c]), v):
                bad += 1; print(n, c, r[c], v)
        side = ("above the 99.8% limits" if k > h998 else "below the 99.8% limits" if k < l998
                else "above the 95% limits" if k > h95 else "below the 95% limits" if k < l95
                else "within the limits")
        if r["side"] != side: bad += 1; print(n, r["side"], side)
        # the second reference: beyond the 99.8% limits the Poisson tail at theta is small
        if side == "above the 99.8% limits" and poisson.sf(k - 1, theta) > 0.002: bad += 1; print(n, "sf")
        if side == "below the 99.8% limits" and poisson.cdf(k, theta) > 0.002: bad += 1; print(n, "cdf")
        # named in words when outside, not named when within
        if (side != "within the limits") != (n in words):
            bad += 1; print("words", n, side)
    return sum(r["side"] != "within the limits" for r in rows)
out1 = check(d + "/f.csv", area, 1.0, d + "/f.err")
out2 = check(d + "/g_per_head.csv", pop, 1e5, d + "/g.err")
print("outside", out1, out2)
# the seed-7 county has districts outside the limits (else the words go untested)
if out1 == 0: bad += 1
sys.exit(1 if bad else 0)
PY

# ---- the board pack's district section ----------------------------------------
run 0 "$RS" report --quarter 2020Q4 --out "$T/pack.html"
has "$T/pack.html" "District funnel plot"
has "$T/pack.html" "exact Poisson 95% and 99.8% control limits"
"$PY" - "$T/pack.html" <<'PY' || fail "the pack's funnel image or words are missing"
import re, sys
s = open(sys.argv[1]).read()
i = s.index("District funnel plot")
sec = s[i:i + 400000]
ok = re.search(r'<img[^>]+src="data:image/png;base64,', sec) is not None
ok = ok and re.search(r"<p>(Above|Below) the (95|99\.8)% limits|<p>All \d+ districts lie within", sec) is not None
sys.exit(0 if ok else 1)
PY
finish
