#!/usr/bin/env bash
# tests/e2e/test_operation.sh — `roadsafe operation` and the presence heat
# maps end to end on a generated county: the operations summary equals a
# brute-force count made here with sqlite3 and awk alone (the fleet pings
# decoded from the workspace's chunks, the weekend windows from the
# system's Europe/London zone); one operation's tables agree with it too;
# the community map is a real PNG; presence heat-map cells add up to the
# brute-force minutes; usage errors exit 2; and no fleet call sign
# appears in clear in the workspace, its WAL, an output or a log.
# Workload: one sample county (the fleet is ~350k pings), a few runs.
. "$(dirname "$0")/lib.sh"
need_sqlite3
[ -x "$GEN" ] || { echo "SKIPPED: roadsafe-gen not built"; exit 77; }
[ -e /usr/share/zoneinfo/Europe/London ] ||
  { echo "SKIPPED: no Europe/London zone for the independent windows"; exit 77; }

export ROADSAFE_STORE="$T/ws.db" ROADSAFE_KEY_FILE="$T/key"
LOG="$T/log"
# logged CODE CMD...: run, and keep every output and message in $LOG
logged() { run "$@"; cat "$T/out" "$T/err" >>"$LOG"; }

logged 0 "$GEN" --out "$T/in" --seed 5 --scale 0.3
logged 0 "$RS" init
logged 0 "$RS" keygen "$T/key"
logged 0 "$RS" districts load "$T/in/districts.shp" --name-field NAME --code-field CODE
logged 0 "$RS" ingest telematics "$T/in/telematics.csv"
# A reader holding a snapshot from before the fleet ingest keeps every page
# the ingest writes in the WAL (no checkpoint can pass it, and the WAL is
# not removed at close), so the WAL can be searched for call signs.
mkfifo "$T/hold"
sqlite3 "$T/ws.db" <"$T/hold" >/dev/null 2>&1 &
holder=$!
exec 9>"$T/hold"
# wait until sqlite3 has read its snapshot (the .system line runs after the
# SELECT), however slow the machine is
printf 'BEGIN; SELECT count(*) FROM meta;\n.system touch %s\n' "$T/held" >&9
while [ ! -e "$T/held" ] && kill -0 "$holder" 2>/dev/null; do sleep 0.05; done
[ -e "$T/held" ] || fail "the reader holding a snapshot did not start"
logged 0 "$RS" ingest telematics --source fleet "$T/in/fleet.csv"
cp "$T/ws.db-wal" "$T/after-fleet.wal" || fail "no WAL after the fleet ingest"
exec 9>&-
wait "$holder" || true
[ "$(wc -c <"$T/after-fleet.wal")" -gt 1000000 ] || fail "the WAL does not hold the fleet pages"
logged 0 "$RS" ingest detections "$T/in/detections.csv"
eq "$(sql "$T/ws.db" "SELECT count(*), min(length(vehicle)), max(length(vehicle)) FROM fleet_vehicle")" \
  "12|32|32" "fleet vehicles kept as 32-byte keyed hashes"

# ---- brute force: the fleet pings decoded from the stored chunks -----------
# Each chunk is "T<t_min>" and its BLOB in hex, folded into one 20-byte
# record (40 hex digits) per line: dt u32, e i32, n i32, speed u16, limit
# u8, flags u8, district i16, vehicle u16, little-endian (engine/pings.h).
# One line per ping: vehicle t e n district, sorted by vehicle then time.
sql "$T/ws.db" "SELECT 'T' || t_min || char(10) || hex(data) FROM ping_chunk
  WHERE source = 'fleet' ORDER BY id" | fold -w 40 |
  awk 'BEGIN { for (i = 0; i < 256; i++) H[sprintf("%02X", i)] = i }
       function u(h, off, n,   v, k) { v = 0; for (k = n - 1; k >= 0; k--) v = v * 256 + H[substr(h, 2 * (off + k) + 1, 2)]; return v }
       /^T/ { tmin = substr($0, 2); next }
       { h = $0; t = tmin + u(h, 0, 4); e = u(h, 4, 4); n = u(h, 8, 4); d = u(h, 16, 2); v = u(h, 18, 2)
         if (e >= 2147483648) e -= 4294967296; if (n >= 2147483648) n -= 4294967296; if (d >= 32768) d -= 65536
         print v, t, e, n, d }' |
  sort -k1,1n -k2,2n -k3,3n -k4,4n -k5,5n >"$T/pings.txt"
eq "$(wc -l <"$T/pings.txt" | tr -d ' ')" "$(($(wc -l <"$T/in/fleet.csv") - 1))" "decoded fleet pings"

# Weekend windows: Friday 18:00 to Monday 00:00 Europe/London, Saturdays of 2020.
: >"$T/windows.txt"
sat=2020-01-04
while [ "$(date -u -d "$sat" +%Y)" = 2020 ]; do
  fri=$(date -u -d "$sat -1 day" +%F)
  mon=$(date -u -d "$sat +2 day" +%F)
  echo "$sat $(date -d "TZ=\"Europe/London\" $fri 18:00" +%s) $(date -d "TZ=\"Europe/London\" $mon 00:00" +%s)" >>"$T/windows.txt"
  sat=$(date -u -d "$sat +7 day" +%F)
done
ND=$(sql "$T/ws.db" "SELECT count(*) FROM district")

# Presence per weekend and district: every ping starts a gap to the same
# vehicle's next ping, counted up to 300 s (a vehicle's last ping: 300 s),
# credited to the first ping's district when the first ping is in the window.
# Also the all-time total of gaps starting inside any district.
awk -v nd="$ND" -v allfile="$T/all_minutes.txt" '
  FNR == NR { ws[++nw] = $1; wf[nw] = $2; wt[nw] = $3; next }
  function credit(t, d, sec,   k) {
    if (d < 0) return
    all += sec / 60
    for (k = 1; k <= nw; k++) if (t >= wf[k] && t < wt[k]) { m[k, d] += sec / 60; return }
  }
  { if (have) credit(pt, pd, ($1 == pv && $2 - pt <= 300) ? $2 - pt : 300)
    pv = $1; pt = $2; pd = $5; have = 1 }
  END {
    if (have) credit(pt, pd, 300)
    printf "%.6f\n", all > allfile
    for (k = 1; k <= nw; k++) {
      best = 0
      for (d = 1; d < nd; d++) if (m[k, d] > m[k, best]) best = d
      if (m[k, best] > 0) printf "%s %d %d %d %.6f\n", ws[k], wf[k], wt[k], best, m[k, best]
    }
  }' "$T/windows.txt" "$T/pings.txt" >"$T/ops.txt"
[ -s "$T/ops.txt" ] || fail "brute force found no operation"

# Expected summary rows: weekend,district,patrol_hours,detections,trucam
: >"$T/expect.csv"
total=0
while read -r s from to d minutes; do
  name=$(sql "$T/ws.db" "SELECT name FROM district WHERE id = $d")
  counts=$(sql "$T/ws.db" "SELECT count(*) || ',' || coalesce(sum(device_type = 'TRUCAM'), 0)
    FROM detection WHERE district_id = $d AND t >= $from AND t < $to")
  awk -v s="$s" -v n="$name" -v m="$minutes" -v c="$counts" 'BEGIN { printf "%s,%s,%.2f,%s\n", s, n, m / 60, c }' >>"$T/expect.csv"
  total=$((total + ${counts%,*}))
done <"$T/ops.txt"
nops=$(wc -l <"$T/ops.txt" | tr -d ' ')

# ---- the summary ------------------------------------------------------------------
logged 0 "$RS" operation --summary --from 2020-01-01 --to 2020-12-31 --out "$T/summary"
has "$T/out" "$nops operations in $(wc -l <"$T/windows.txt" | tr -d " ") weekends"
eq "$(head -1 "$T/summary.csv")" \
  "weekend,district,patrol_hours,patrol_vehicles,distance_km,detections,trucam,offences_per_patrol_hour" \
  "summary header"
grep -v '^weekend,\|^average,' "$T/summary.csv" | cut -d, -f1,2,3,6,7 >"$T/got.csv"
# patrol hours may differ in the last printed digit from summation order only
paste -d, "$T/got.csv" "$T/expect.csv" | awk -F, '
  $1 != $6 || $2 != $7 || $4 != $9 || $5 != $10 || ($3 - $8) > 0.011 || ($8 - $3) > 0.011 { bad++; print "    " $0 > "/dev/stderr" }
  END { exit bad > 0 }' || fail "summary rows differ from the brute force (got | expected)"
eq "$(wc -l <"$T/got.csv" | tr -d ' ')" "$nops" "operations in the summary"
want_mean=$(awk -v t="$total" -v n="$nops" 'BEGIN { printf "%.1f", t / n }')
eq "$(awk -F, '$1 == "average" { print $2 "," $6 }' "$T/summary.csv")" "$nops operations,$want_mean" \
  "average offences per operation"
# the plan the generator followed: every 2020 operation district and its count
awk -F, 'NR > 1 && $1 != "average" { print $1, $2, $6, $7 }' "$T/summary.csv" >"$T/ours.txt"
# deterministic, and the same table on standard output
logged 0 "$RS" operation --summary --from 2020-01-01 --to 2020-12-31
cmp -s "$T/out" "$T/summary.csv" || fail "summary on stdout differs from --out"
logged 0 "$RS" operation --summary --from 2020-01-01 --to 2020-12-31 --format md
has "$T/out" "| weekend | district | patrol_hours |"

# ---- one operation: its tables and the community map -------------------------------
read -r s from to d minutes <"$T/ops.txt"
name=$(sql "$T/ws.db" "SELECT name FROM district WHERE id = $d")
logged 0 "$RS" operation --district "$name" --weekend "$s" --out "$T/op"
row=$(awk -F, 'NR == 2' "$T/op.csv")
eq "$(echo "$row" | cut -d, -f1,2)" "$s,operation" "operation row"
eq "$(echo "$row" | cut -d, -f5)" "$(sed -n 1p "$T/expect.csv" | cut -d, -f3)" "operation patrol hours"
eq "$(echo "$row" | cut -d, -f11,12)" "$(sed -n 1p "$T/expect.csv" | cut -d, -f4,5)" "operation detections"
eq "$(echo "$row" | cut -d, -f19)" "$(sql "$T/ws.db" "SELECT count(*) FROM detection WHERE district_id = $d
  AND t >= $from AND t < $to AND speed_cmph * 10 > (limit_mph * 11 + 90) * 100")" "over the course band"
eq "$(awk -F, 'NR > 1 { print $2 }' "$T/op.csv" | sort | uniq -c | tr -s ' ' | tr '\n' ';')" \
  " 1 operation; 4 previous;" "the operation and four previous weekends"
eq "$(awk -F, 'NR == 6 { print $1 }' "$T/op.csv")" "$(date -u -d "$s -28 day" +%F)" "fourth weekend back"
eq "$(awk -F, 'NR > 1 { s += $4 } END { print s }' "$T/op_sites.csv")" \
  "$(sql "$T/ws.db" "SELECT count(*) FROM (SELECT site_id FROM detection WHERE district_id = $d
     AND t >= $from AND t < $to GROUP BY site_id ORDER BY count(*) DESC, site_id LIMIT 10)
     JOIN detection USING (site_id) WHERE district_id = $d AND t >= $from AND t < $to")" \
  "detections at the top sites"
eq "$(od -An -tx1 -N8 "$T/op.png" | tr -d ' \n')" "89504e470d0a1a0a" "PNG signature"
eq "$(od -An -tu1 -j16 -N4 "$T/op.png" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')" \
  1600 "PNG width"
[ "$(wc -c <"$T/op.png")" -gt 20000 ] || fail "the community map is suspiciously small"
# the Friday, Saturday and Sunday name the same weekend
logged 0 "$RS" operation --district "$name" --weekend "$(date -u -d "$s +1 day" +%F)" --format md
has "$T/out" "| $s | operation |"
# a narrower window has fewer or as many patrol hours
logged 0 "$RS" operation --district "$name" --weekend "$s" --hours sat09-sun17
has "$T/out" "$(date -u -d "$s" +%F) 09:00"

# ---- presence heat maps ------------------------------------------------------------------
logged 0 "$RS" heatmap --metric presence_minutes --min-count 1 --out "$T/pres"
eq "$(head -1 "$T/pres.csv")" "cell_i,cell_j,x,y,district,gaps,presence_min,patrol_vehicles,value,withheld" \
  "presence CSV header"
awk -F, -v want="$(cat "$T/all_minutes.txt")" 'NR > 1 { s += $7; n++ }
  END { d = s - want; if (d < 0) d = -d; if (d > 0.005 * n + 0.01) { print s, want; exit 1 } }' \
  "$T/pres.csv" || fail "presence cells do not add up to the brute-force minutes"
logged 0 "$RS" heatmap --source fleet --metric patrol_vehicles --grid hex:300 --out "$T/veh"
eq "$(awk -F, 'NR > 1 && $8 != "" { if ($8 > m) m = $8 } END { print (m >= 2 && m <= 12) }' "$T/veh.csv")" \
  1 "patrol vehicles per cell between 2 and the fleet's 12"
logged 0 "$RS" heatmap --metric presence_minutes --kde 400 --pixel 100 --out "$T/kde"
[ -s "$T/kde.asc" ] && [ -s "$T/kde.png" ] || fail "presence KDE not written"

# ---- usage errors ---------------------------------------------------------------------------
logged 2 "$RS" operation --district "$name" --weekend "$(date -u -d "$s -3 day" +%F)"
has "$T/err" "not a Friday, Saturday or Sunday"
logged 2 "$RS" operation --district "$name" --weekend "$s" --hours sun18-fri18
logged 2 "$RS" operation --district Nowhere --weekend "$s"
logged 2 "$RS" operation --summary --from 2020-01-01
logged 2 "$RS" heatmap --source traffic --metric presence_minutes --out "$T/x"
logged 2 "$RS" heatmap --metric patrol_vehicles --kde 300 --out "$T/x"

# ---- no call sign in clear ------------------------------------------------------------------
cut -d, -f2 "$T/in/fleet.csv" | tail -n +2 | sort -u >"$T/callsigns.txt"
eq "$(wc -l <"$T/callsigns.txt" | tr -d ' ')" 12 "call signs in fleet.csv"
leaks=$(find "$T" -path "$T/in" -prune -o -type f ! -name callsigns.txt -print0 |
  xargs -0 grep -a -l -F -f "$T/callsigns.txt" || true)
[ -z "$leaks" ] || fail "a fleet call sign in clear in: $leaks"
ls "$T"/ws.db "$T"/after-fleet.wal "$T"/op.* "$T"/summary.csv "$LOG" >/dev/null ||
  fail "files to check are missing"
finish
