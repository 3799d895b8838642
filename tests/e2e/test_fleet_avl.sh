#!/usr/bin/env bash
# Fleet (patrol AVL) feeds repeat and jump.  At ingest a fleet ping is
# rejected, with its line and reason, when its vehicle already has a ping at
# that second, or when it implies more than 150 mph from the vehicle's
# previous accepted ping in time order (across the file, however it is
# ordered, and against pings already stored), or to the vehicle's next
# stored ping.  --fleet-max-mph and --fleet-same-time change the rules.  The
# results do not depend on the number of threads; the sample generator
# writes no such ping; an operation's hot cells visited do not count the
# false segments.
source "$(dirname "$0")/lib.sh"
need_sqlite3
require gdaltransform

export ROADSAFE_KEY_FILE="$T/key"
run 0 "$RS" keygen "$T/key"
fresh() { rm -f "$1" "$1-wal" "$1-shm"; run 0 "$RS" --store "$1" init; }
fleet() { "$RS" ingest telematics --source fleet --quiet "$@"; }

# --- the rules, on a small AVL export (the fleet.csv layout) ------------------
# EX-RP-01 drives north about 400 m every 30 s (30 mph).  Line 4 repeats
# line 3 exactly; line 6 is the same vehicle at line 5's time 29 km away;
# line 9 jumps 20 km in 30 s; EX-RP-02's rows are in reverse time order and
# fine.
H='timestamp,vehicle_id,lat,lon,speed_mph,limit_mph,heading'
cat > "$T/avl.csv" <<CSV
$H
2020-11-02T10:00:00Z,EX-RP-01,51.7000,0.4700,30.0,30,0
2020-11-02T10:00:30Z,EX-RP-01,51.7036,0.4700,30.0,30,0
2020-11-02T10:00:30Z,EX-RP-01,51.7036,0.4700,30.0,30,0
2020-11-02T10:01:00Z,EX-RP-01,51.9680,0.4700,30.0,30,0
2020-11-02T10:01:00Z,EX-RP-01,51.7072,0.4700,30.0,30,0
2020-11-02T10:01:30Z,EX-RP-01,51.7108,0.4700,30.0,30,0
2020-11-02T10:02:00Z,EX-RP-01,51.7144,0.4700,30.0,30,0
2020-11-02T10:02:30Z,EX-RP-01,51.8944,0.4700,30.0,30,0
2020-11-02T10:03:00Z,EX-RP-01,51.7216,0.4700,30.0,30,0
2020-11-02T10:01:00Z,EX-RP-02,51.6072,0.5700,30.0,30,0
2020-11-02T10:00:30Z,EX-RP-02,51.6036,0.5700,30.0,30,0
2020-11-02T10:00:00Z,EX-RP-02,51.6000,0.5700,30.0,30,0
CSV
W="$T/a.db"; fresh "$W"
run 1 fleet --store "$W" --rejects "$T/rej.csv" "$T/avl.csv"
has "$T/out" "loaded 9, rejected 3, already present 0"
eq "$(tail -n +2 "$T/rej.csv" | cut -d, -f2-3 | tr '\n' ' ')" "4,timestamp 5,timestamp 9,lat " "rejected lines"
has "$T/rej.csv" "avl.csv,4,timestamp,the vehicle already has a ping at this time"
has "$T/rej.csv" "avl.csv,5,timestamp,\"the vehicle has another ping at this time, and this one implies more than 150 mph from its previous accepted ping\""
has "$T/rej.csv" "avl.csv,9,lat,implies more than 150 mph from the vehicle's previous accepted ping"
eq "$(sql "$W" "SELECT count(*) FROM reject")" 3 "rejects kept in the workspace"
eq "$(sql "$W" "SELECT sum(n) FROM ping_chunk WHERE source = 'fleet'")" 9 "pings stored"
# the same file again is already present, with the same rejects
run 1 fleet --store "$W" "$T/avl.csv"
has "$T/out" "loaded 0, rejected 3, already present 9"

# --- the options -----------------------------------------------------------
W2="$T/b.db"; fresh "$W2"
run 0 fleet --store "$W2" --fleet-max-mph off --fleet-same-time keep "$T/avl.csv"
has "$T/out" "loaded 12, rejected 0"
W2="$T/c.db"; fresh "$W2"
run 2 fleet --store "$W2" --fleet-max-mph 0 "$T/avl.csv"
has "$T/err" "--fleet-max-mph is a speed in mph"
run 1 fleet --store "$W2" --fleet-max-mph 1500 --rejects "$T/rej2.csv" "$T/avl.csv"
has "$T/out" "loaded 10, rejected 2"   # 20 km in 30 s is 1,490 mph: only the repeats go
lacks "$T/rej2.csv" "avl.csv,9,"
has "$T/rej2.csv" "avl.csv,5,timestamp,\"the vehicle has another ping at this time, and this one implies more than 1500 mph"
W2="$T/d.db"; fresh "$W2"
run 1 fleet --store "$W2" --fleet-same-time keep --rejects "$T/rej3.csv" "$T/avl.csv"
has "$T/out" "loaded 10, rejected 2"   # the exact repeat stays; the far twin and the jump go
eq "$(tail -n +2 "$T/rej3.csv" | cut -d, -f2 | tr '\n' ' ')" "5 9 " "rejected lines, same times kept"
run 2 "$RS" --store "$W2" ingest telematics --fleet-max-mph 100 "$T/avl.csv"
has "$T/err" "is for telematics --source fleet"

# --- across files: against the pings already stored --------------------------
# file 2 goes on with EX-RP-01: its first ping jumps from the last stored one;
# its ping at 10:02:45, 2 km south of the stored 10:02:00 (99 mph), would
# make the stored 10:03:00 a jump
cat > "$T/avl2.csv" <<CSV
$H
2020-11-02T10:03:30Z,EX-RP-01,51.9000,0.4700,30.0,30,0
2020-11-02T10:04:00Z,EX-RP-01,51.7288,0.4700,30.0,30,0
2020-11-02T10:02:45Z,EX-RP-01,51.6964,0.4700,30.0,30,0
2020-11-02T10:00:00Z,EX-RP-02,51.6000,0.5700,30.0,30,0
2020-11-02T10:01:30Z,EX-RP-02,51.6108,0.5700,30.0,30,0
CSV
run 1 fleet --store "$W" --rejects "$T/rej4.csv" "$T/avl2.csv"
has "$T/out" "loaded 2, rejected 3"
has "$T/rej4.csv" "avl2.csv,2,lat,implies more than 150 mph from the vehicle's previous accepted ping"
has "$T/rej4.csv" "avl2.csv,4,lat,implies more than 150 mph to the vehicle's next ping already stored"
has "$T/rej4.csv" "avl2.csv,5,timestamp,the vehicle already has a ping at this time"

# --- the sample county: the generator writes no such ping; the same results
# with 1 and 4 threads; the false wedge of a duplicated car is gone ---------
G="$T/gen"
run 0 "$GEN" --out "$G" --seed 1
eq "$(tail -n +2 "$G/fleet.csv" | cut -d, -f1,2 | sort | uniq -d | wc -l)" 0 "generated (vehicle, timestamp) repeats"
# an operation weekend from June 2020 on whose district has a hot cell the
# patrols did not visit; every patrol ping of its window is logged a second
# time, at the same second, right after the real one, in the hottest cell of
# the district (as the AVL feed that had EX-RP-09 in two places at once)
fresh "$T/clean.db"
run 0 "$RS" --store "$T/clean.db" districts load "$G/districts.shp" --name-field NAME --code-field CODE
run 0 fleet --store "$T/clean.db" "$G/fleet.csv"
run 0 "$RS" --store "$T/clean.db" ingest telematics "$G/telematics.csv" --quiet
"$RS" --store "$T/clean.db" operation --summary --from 2020-06-01 --to 2020-12-31 > "$T/summary.csv"
col() { awk -F, -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i } NR == 2 { print $k }' "$1"; }
wk=; d=
while IFS=, read -r w dist _; do
  [ "$w" = weekend ] || [ "$w" = average ] && continue
  "$RS" --store "$T/clean.db" operation --district "$dist" --weekend "$w" > "$T/op_clean.csv"
  if [ "$(col "$T/op_clean.csv" hot_cells_visited)" -lt "$(col "$T/op_clean.csv" hot_cells)" ]; then
    wk=$w; d=$dist; break
  fi
done < "$T/summary.csv"
[ -n "$wk" ] && [ -n "$d" ] || fail "no operation with a hot cell left unvisited"
"$RS" --store "$T/clean.db" heatmap --district "$d" --metric over_threshold --min-count 1 \
  --from "$(date -u -d "$wk - 92 days" +%F)" --to "$(date -u -d "$wk - 2 days" +%F)" --out "$T/hot"
read -r hx hy <<<"$(awk -F, 'NR > 1 && $13 != "" && $13 + 0 > best { best = $13 + 0; x = $3; y = $4 } END { print x, y }' "$T/hot.csv")"
read -r glon glat _ <<<"$(echo "$hx $hy" | gdaltransform -s_srs EPSG:27700 -t_srs EPSG:4326)"
from=$(date -u -d "$wk - 1 day" +%Y-%m-%dT12); to=$(date -u -d "$wk + 2 days" +%Y-%m-%dT00)
awk -F, -v OFS=, -v a="$from" -v b="$to" -v la="$glat" -v lo="$glon" \
  '{ print } NR > 1 && $1 >= a && $1 < b { $3 = sprintf("%.6f", la); $4 = sprintf("%.6f", lo); print }' \
  "$G/fleet.csv" > "$T/fleet_ghost.csv"
ng=$(( $(wc -l < "$T/fleet_ghost.csv") - $(wc -l < "$G/fleet.csv") ))
[ "$ng" -gt 1000 ] || fail "only $ng ghost rows"
for th in 1 4; do
  fresh "$T/s$th.db"
  run 0 "$RS" --store "$T/s$th.db" districts load "$G/districts.shp" --name-field NAME --code-field CODE
  ROADSAFE_THREADS=$th run 1 fleet --store "$T/s$th.db" --rejects "$T/srej$th.csv" "$T/fleet_ghost.csv"
  sed "s/s$th.db//" "$T/out" > "$T/ssum$th.txt"
  sql "$T/s$th.db" "SELECT hex(data) FROM ping_chunk ORDER BY id" | sha256sum > "$T/spings$th.sha"
done
has "$T/ssum1.txt" "rejected $ng,"
for th in 4; do
  cmp -s "$T/srej1.csv" "$T/srej$th.csv" || fail "rejects with $th threads differ from 1 thread"
  cmp -s "$T/spings1.sha" "$T/spings$th.sha" || fail "pings with $th threads differ from 1 thread"
  cmp -s "$T/ssum1.txt" "$T/ssum$th.txt" || fail "summary with $th threads differs"
done
# every twin is rejected, and only they: the pings stored are the clean file's
eq "$(sql "$T/s1.db" "SELECT hex(data) FROM ping_chunk WHERE source = 'fleet' ORDER BY id" | sha256sum)" \
   "$(sql "$T/clean.db" "SELECT hex(data) FROM ping_chunk WHERE source = 'fleet' ORDER BY id" | sha256sum)" "pings kept"
# so the operation (hot cells visited included) is the clean feed's
run 0 "$RS" --store "$T/s1.db" ingest telematics "$G/telematics.csv" --quiet
"$RS" --store "$T/clean.db" operation --district "$d" --weekend "$wk" > "$T/op_clean.csv"
"$RS" --store "$T/s1.db" operation --district "$d" --weekend "$wk" > "$T/op_checked.csv"
cmp -s "$T/op_clean.csv" "$T/op_checked.csv" || fail "the operation differs from the clean feed's"
# unchecked, the false segments would count (so the comparison above can fail)
fresh "$T/raw.db"
run 0 "$RS" --store "$T/raw.db" districts load "$G/districts.shp" --name-field NAME --code-field CODE
run 0 fleet --store "$T/raw.db" --fleet-max-mph off --fleet-same-time keep "$T/fleet_ghost.csv"
run 0 "$RS" --store "$T/raw.db" ingest telematics "$G/telematics.csv" --quiet
"$RS" --store "$T/raw.db" operation --district "$d" --weekend "$wk" > "$T/op_raw.csv"
eq "$(col "$T/op_checked.csv" hot_cells_visited)" "$(col "$T/op_clean.csv" hot_cells_visited)" "hot cells visited"
[ "$(col "$T/op_raw.csv" hot_cells_visited)" -gt "$(col "$T/op_clean.csv" hot_cells_visited)" ] ||
  fail "the doubled feed, unchecked, does not add hot cells visited: the test cannot fail"
finish
