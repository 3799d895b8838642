#!/usr/bin/env bash
# tools/bench/reoffend.sh — reoffending benchmark (a benchmark prints
# figures; it asserts nothing; the target is 2 million detections in <= 2 s).
#
# roadsafe-gen cannot reach 2 million detections (its detections grow with
# sqrt(scale), about 15,000 at scale 1 and 490,000 at its maximum scale
# 1000, with a billion telematics pings alongside), so an awk generator
# writes them: V vehicles (default 800,000, about 2.5 detections each), an
# index detection somewhere in 2019 by TRUCAM (40 %), GATSO (40 %) or
# another device, a same-episode repeat for 8 %, a reoffence within a year
# for 14 % (TRUCAM) / 25 % (GATSO) / 20 % (others), and a Poisson number of
# further detections over 2019-2020.  It is ingested into a fresh workspace
# (timed too) and then `roadsafe reoffend` is timed, three runs, with
# warm caches.
#   usage: [BUILD=DIR] tools/bench/reoffend.sh [VEHICLES] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
vehicles=${1:-800000}
work=${2:-/tmp/roadsafe-bench-reoffend}
build=${BUILD:-build} # the build directory (Release)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
mkdir -p "$work"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
csv="$work/detections-$vehicles.csv"
if [ ! -f "$csv" ]; then
  s=$(date +%s.%N)
  awk -v V="$vehicles" '
    function pad(x) { return (x < 10 ? "0" : "") x }
    # UTC seconds -> ISO 8601 (Howard Hinnant civil_from_days)
    function iso(t,    d, s, z, era, doe, yoe, y, doy, mp, dd, m) {
      d = int(t / 86400); s = t - d * 86400
      z = d + 719468; era = int(z / 146097); doe = z - era * 146097
      yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
      y = yoe + era * 400; doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
      mp = int((5 * doy + 2) / 153); dd = doy - int((153 * mp + 2) / 5) + 1
      m = mp < 10 ? mp + 3 : mp - 9; if (m <= 2) y++
      return y "-" pad(m) "-" pad(dd) "T" pad(int(s / 3600)) ":" pad(int(s % 3600 / 60)) ":" pad(s % 60) "Z"
    }
    function dev(    u) {
      u = rand()
      return u < 0.4 ? "TRUCAM" : u < 0.8 ? "GATSO" : u < 0.85 ? "HADECS3" : u < 0.9 ? "SPECS" : u < 0.95 ? "REDSPEED" : "VECTOR"
    }
    function row(v, t, ty,    lim, sp) {
      lim = 20 + 10 * int(rand() * 6)
      sp = lim * 1.1 + 2 + int(rand() * 150) / 10
      n++
      printf "D%09d,%s,%s,%s-%02d,S%03d,%d,%d,%.1f,%d,B%07d\n", n, iso(t), ty, substr(ty, 1, 2), \
        int(rand() * 40), int(rand() * 300), 560000 + int(rand() * 40000), 190000 + int(rand() * 40000), sp, lim, v
    }
    BEGIN {
      srand(20240601)
      y2019 = 1546300800; y2021 = 1609459200; year = 365 * 86400
      print "detection_id,timestamp,device_type,device_id,site_id,easting,northing,speed_mph,limit_mph,vrm"
      for (v = 1; v <= V; v++) {
        t0 = y2019 + int(rand() * year); ty = dev()
        row(v, t0, ty)
        if (rand() < 0.08) row(v, t0 + 600 + int(rand() * 70000), dev())
        p = ty == "TRUCAM" ? 0.14 : ty == "GATSO" ? 0.25 : 0.20
        if (rand() < p) { t1 = t0 + 93600 + int(rand() * (year - 100800)); row(v, t1, dev()) }
        # further detections: Poisson with mean 1.2 over the rest of 2019-2020
        k = 0; l = exp(-1.2); q = rand(); while (q > l) { k++; q *= rand() }
        for (i = 0; i < k; i++) { t = t0 + year + 86400 + int(rand() * (y2021 - t0 - year - 86401)); if (t < y2021) row(v, t, dev()) }
      }
    }' >"$csv"
  awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { printf "generate: %.1f s\n", b - a }'
fi
rows=$(($(wc -l <"$csv") - 1))
echo "file: $csv, $rows detections, $(du -m "$csv" | cut -f1) MB"

export ROADSAFE_STORE="$work/ws-$vehicles.db"
export ROADSAFE_KEY_FILE="$work/key"
[ -f "$ROADSAFE_KEY_FILE" ] || "$build"/roadsafe keygen "$ROADSAFE_KEY_FILE" >/dev/null
new=0; [ -f "$ROADSAFE_STORE" ] || new=1
"$build"/roadsafe init >/dev/null # creates, or brings a kept workspace to the current schema
if [ "$new" = 1 ]; then
  s=$(date +%s.%N)
  "$build"/roadsafe ingest detections --quiet "$csv" >/dev/null
  awk -v a="$s" -v b="$(date +%s.%N)" -v r="$rows" \
    'BEGIN { printf "ingest: %.1f s (%.0f detections/s)\n", b - a, r / (b - a) }'
fi
echo "workspace: $(($(stat -c %s "$ROADSAFE_STORE") / 1000000)) MB"

for run in 1 2 3; do
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "wall %e s, user %U s, peak RSS %M KB" -o "$work/time.txt" \
      "$build"/roadsafe reoffend --from 2019-01-01 --to 2019-12-31 --out "$work/reoffend.csv" 2>/dev/null
    echo "roadsafe reoffend, run $run: $(cat "$work/time.txt")"
  else
    s=$(date +%s.%N)
    "$build"/roadsafe reoffend --from 2019-01-01 --to 2019-12-31 --out "$work/reoffend.csv" 2>/dev/null
    awk -v a="$s" -v b="$(date +%s.%N)" -v r="$run" 'BEGIN { printf "roadsafe reoffend, run %d: wall %.2f s\n", r, b - a }'
  fi
done
cut -d, -f1-7 "$work/reoffend.csv"
