#!/usr/bin/env bash
# roadsafe ksi --target / --trend-years / --population / --traffic and
# roadsafe target set/show/clear, on the generated county.  The trend, its
# interval, the annual change and the verdict are checked against an
# independent Poisson GLM (statsmodels, Debian's python3-statsmodels under
# /usr/bin/python3) fitted on the same annual counts, to print precision;
# the baseline, trajectory and rates (scipy's chi-square quantiles for the
# exact interval) by hand in Python.
source "$(dirname "$0")/lib.sh"

printf 'leak:libfontconfig.so\n' > "$T/lsan.supp"
export LSAN_OPTIONS="suppressions=$T/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
require python3
PY=/usr/bin/python3
"$PY" -c 'import statsmodels.api, scipy.stats' 2>/dev/null ||
  { echo "FAIL: $PY lacks statsmodels (tools/setup.sh --test installs python3-statsmodels)" >&2; exit 1; }

run 0 "$GEN" --out "$T/gen" --seed 5
W="$T/w.db"
run 0 "$RS" init --store "$W"
run 0 "$RS" districts load "$T/gen/districts.shp" --name-field NAME --code-field CODE --store "$W"
run 0 "$RS" ingest stats19 "$T/gen/collisions.csv" "$T/gen/casualties.csv" --store "$W"

# population and traffic for every district and year 2010-2025
run 0 "$RS" districts list --format csv --store "$W"
awk -F, 'NR > 1 { for (y = 2010; y <= 2025; y++) printf "%s,%d,%d\n", $2, y, 150000 + NR * 1000 + (y - 2010) * 700 }' \
  "$T/out" | sed '1i district,year,population' > "$T/pop.csv"
awk -F, 'NR > 1 { for (y = 2010; y <= 2025; y++) printf "%s,%d,%d\n", $2, y, 900000000 + NR * 1000000 + y }' \
  "$T/out" | sed '1i district,year,vehicle_km' > "$T/traffic.csv"

check() { # SPEC TREND_YEARS EXTRA...: the table and projection against statsmodels
  local spec=$1 n=$2; shift 2
  run 0 "$RS" ksi --by year --target "$spec" --trend-years "$n" "$@" --out "$T/t.csv" \
    --chart "$T/t.png" --format csv --store "$W"
  [ -s "$T/t_projection.csv" ] || fail "no projection table for $spec"
  [ -s "$T/t.png" ] || fail "no chart for $spec"
  run 0 "$RS" ksi --by year --target "$spec" --trend-years "$n" "$@" --format md --store "$W"
  cp "$T/out" "$T/t.md"
  "$PY" - "$T" "$spec" "$n" <<'PY' || fail "target figures differ from statsmodels ($spec, $n years)"
import csv, math, sys
import numpy as np, statsmodels.api as sm
d, spec, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
base, pct, Y = spec.split(":"); b1, b2 = map(int, base.split("-")); pct = float(pct); Y = int(Y)
rows = list(csv.DictReader(open(d + "/t.csv")))
yr = lambda s: int(s[:4])
# complete years: the generator writes whole years, so every row is one
ksi = {yr(r["period"]): float(r["ksi"]) for r in rows}
years = sorted(ksi)
fit_years = years[-n:]
X = sm.add_constant(np.array(fit_years, float) - np.mean(fit_years))
m = sm.GLM(np.array([ksi[y] for y in fit_years]), X, family=sm.families.Poisson()).fit(tol=1e-14)
cov = m.cov_params()
base_mean = sum(ksi[y] for y in range(b1, b2 + 1)) / (b2 - b1 + 1)
target = base_mean * (1 - pct / 100); mid = (b1 + b2) / 2
def traj(t):
  return "" if t < mid or t > Y else "%.1f" % (base_mean + (target - base_mean) * (t - mid) / (Y - mid))
def pred(t):
  x = np.array([1.0, t - np.mean(fit_years)])
  eta = x @ m.params; se = math.sqrt(x @ cov @ x)
  return math.exp(eta), math.exp(eta - 1.96 * se), math.exp(eta + 1.96 * se)
bad = []
def eq(what, got, want):
  if got != want: bad.append("%s: got %r, want %r" % (what, got, want))
for r in rows:
  y = yr(r["period"])
  eq("target_ksi %d" % y, r["target_ksi"], traj(y))
  sg = lambda v: "0.0" if abs(float("%.1f" % v)) == 0 else "%+.1f" % v  # base/fmt.h: zero unsigned
  eq("vs_target %d" % y, r["vs_target"], "" if traj(y) == "" else sg(ksi[y] - float(traj(y))))
  eq("trend_ksi %d" % y, r["trend_ksi"], "%.1f" % pred(y)[0] if y in fit_years else "")
proj = list(csv.DictReader(open(d + "/t_projection.csv")))
eq("projection years", [p["year"] for p in proj], [str(y) for y in range(years[-1], max(Y, years[-1]) + 1)])
for p in proj:
  mu, lo, hi = pred(int(p["year"]))
  eq("projection %s" % p["year"], (p["trend_ksi"], p["trend_low"], p["trend_high"], p["target_ksi"]),
     ("%.1f" % mu, "%.1f" % lo, "%.1f" % hi, traj(int(p["year"]))))
b, se_b = m.params[1], math.sqrt(cov[1][1])
f = lambda v: "%+.1f%%" % (100 * v)
change = "%s a year (95%% %s to %s)" % (f(math.exp(b) - 1), f(math.exp(b - 1.96 * se_b) - 1), f(math.exp(b + 1.96 * se_b) - 1))
mu, lo, hi = pred(Y)
verdict = "On track" if hi <= target else "Off track" if lo > target else "Cannot tell yet"
md = open(d + "/t.md").read()
for want in (change, "%s: the trend projects %.1f KSI in %d (95%% %.1f to %.1f)" % (verdict, mu, Y, lo, hi),
             "the target of %.1f" % target, "mean of %.1f" % base_mean):
  if want not in md: bad.append("md lacks %r" % want)
print("%s: %s; %s; trend %d %.1f (%.1f to %.1f) against %.1f" % (spec, verdict, change, Y, mu, lo, hi, target))
for b_ in bad: print(b_, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}
check 2015-2019:50:2030 5
check 2015-2017:40:2025 3
check 2016-2016:10:2021 3
check 2015-2019:50:2030 5 --population "$T/pop.csv" --traffic "$T/traffic.csv"

# rates: county rows sum the districts; exact Poisson interval
"$PY" - "$T" <<'PY' || fail "rates differ from the hand computation"
import csv, sys
from scipy.stats import chi2
d = sys.argv[1]
pop, trf = {}, {}
for r in csv.DictReader(open(d + "/pop.csv")): pop[int(r["year"])] = pop.get(int(r["year"]), 0) + float(r["population"])
for r in csv.DictReader(open(d + "/traffic.csv")): trf[int(r["year"])] = trf.get(int(r["year"]), 0) + float(r["vehicle_km"])
bad = 0
for r in csv.DictReader(open(d + "/t.csv")):
  y, k = int(r["period"]), int(r["ksi"])
  lo, hi = (chi2.ppf(0.025, 2 * k) / 2 if k else 0.0), chi2.ppf(0.975, 2 * k + 2) / 2
  for col, e, s in (("ksi_per_100k", pop[y], 1e5), ("ksi_per_bn_vkm", trf[y], 1e9)):
    want = ("%.2f" % (k / e * s), "%.2f" % (lo / e * s), "%.2f" % (hi / e * s))
    got = (r[col], r[col + "_low"], r[col + "_high"])
    if got != want: print(col, y, got, want, file=sys.stderr); bad += 1
  bad += r["population"] != "%.0f" % pop[y]
sys.exit(1 if bad else 0)
PY
# by district: each district's own population
run 0 "$RS" ksi --by year --split district --population "$T/pop.csv" --store "$W"
has "$T/out" "ksi_per_100k"

# a missing district-year is named
first=$(sed -n 2p "$T/pop.csv" | cut -d, -f1)
grep -v "^$first,2018," "$T/pop.csv" > "$T/pop_gap.csv"
run 2 "$RS" ksi --by year --population "$T/pop_gap.csv" --store "$W"
has "$T/err" "no population for district '$first' in 2018"
printf 'district,year\nA,2019\n' > "$T/pop_bad.csv"
run 2 "$RS" ksi --by year --population "$T/pop_bad.csv" --store "$W"
has "$T/err" "lacks population"

# usage errors
run 2 "$RS" ksi --by year --target 2010-2014:50:2030 --store "$W"
has "$T/err" "baseline year 2010 is not wholly in the data"
run 2 "$RS" ksi --by year --target 2015-2019:50 --store "$W"
has "$T/err" "is not B1-B2:P:Y"
run 2 "$RS" ksi --by year --target 2015-2019:120:2030 --store "$W"
run 2 "$RS" ksi --by year --target 2015-2019:50:2018 --store "$W"
run 2 "$RS" ksi --by quarter --target 2015-2019:50:2030 --store "$W"
has "$T/err" "needs --by year"
run 2 "$RS" ksi --by year --split district --target 2015-2019:50:2030 --store "$W"
run 2 "$RS" ksi --by year --trend-years 5 --store "$W"
run 2 "$RS" ksi --by year --target 2015-2019:50:2030 --trend-years 1 --store "$W"
# standard output: the projection after an empty line
run 0 "$RS" ksi --by year --target 2015-2019:50:2030 --store "$W"
has "$T/out" "year,trend_ksi,trend_low,trend_high,target_ksi"
eq "$(grep -c '^$' "$T/out")" 1 "empty lines between the tables"
# financial years
run 0 "$RS" ksi --by year --financial --target 2015-2018:50:2030 --store "$W"
has "$T/out" "2030/31,"

# the stored target and the board pack
run 0 "$RS" report --quarter 2020Q4 --out "$T/p0.html" --store "$W"
run 0 "$RS" target show --store "$W"
has "$T/out" "no target set"
run 2 "$RS" target set 2015:50:2030 --store "$W"
run 2 "$RS" target frobnicate --store "$W"
run 0 "$RS" target set 2015-2019:50:2030 --store "$W"
run 0 "$RS" target show --store "$W"
has "$T/out" "2015-2019:50:2030"
eq "$(sql "$W" 'SELECT base_from||","||base_to||","||pct||","||year FROM ksi_target')" "2015,2019,50.0,2030" "stored target"
run 0 "$RS" report --quarter 2020Q4 --out "$T/p1.html" --store "$W"
has "$T/p1.html" 'id="target"'
has "$T/p1.html" 'the trend projects'
has "$T/p1.html" 'href="#target"'
run 0 "$RS" target clear --store "$W"
run 0 "$RS" target show --store "$W"
has "$T/out" "no target set"
run 0 "$RS" report --quarter 2020Q4 --out "$T/p2.html" --store "$W"
cmp -s "$T/p0.html" "$T/p2.html" || fail "the pack without a target changed"
lacks "$T/p2.html" 'id="target"'
finish
