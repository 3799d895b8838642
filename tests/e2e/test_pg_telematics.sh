#!/usr/bin/env bash
# `roadsafe ingest telematics` (traffic and --source fleet) on a PostgreSQL
# workspace against the same loads on SQLite: the same summary lines,
# rejects and exit codes; the same pings, in file order (SQLite's chunks
# decoded, PostgreSQL's rows by file and seq), fleet vehicle ids too; the
# fleet checks against stored pings agree; each month's partition exists
# and the default partition stays empty; a file loads once by its content;
# a load killed (SIGKILL) between its COPY and its commit leaves nothing,
# then loads whole; a reader is answered, with the old count, while a load
# waits before its commit, and another load makes its month meanwhile; two
# fleet loaders at once hand out the ids two loads in a row would.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
need_sqlite3
require python3
pg_start

run 0 "$RS" keygen "$T/key"
export ROADSAFE_KEY_FILE="$T/key"
pg_pair
TM="$G/telematics.csv" FL="$G/fleet.csv"

# A: traffic pings with bad rows among them, and one in a month of its own
A="$T/a.csv"
{
  head -n 15001 "$TM"
  echo "2020-02-30T10:00:00Z,TVx,51.86,0.53,40.0,30,90"
  echo "2020-03-01T10:00:00Z,TVx,95.0,0.53,40.0,30,90"
  echo "2020-03-01T10:00:00Z,TVx,51.86,0.53,,30,90"
  echo "2020-03-01T10:00:00Z,TVx,51.86,0.53,40.0,abc,90"
  echo "2021-06-15T12:00:00Z,TVx,51.86,0.53,40.0,30,90"
  sed -n '15002,20001p' "$TM"
} >"$A"
# F1: fleet pings with a repeated second and a jump across the county
F1="$T/f1.csv"
{
  head -n 12001 "$FL"
  # (the last row again 100 m off; then 1 s later 40 km off)
  sed -n 12001p "$FL" | python3 -c 'import sys, datetime
f = sys.stdin.readline().rstrip("\n").split(",")
print(",".join(f[:2] + ["%.6f" % (float(f[2]) + 0.001)] + f[3:]))
t = datetime.datetime.strptime(f[0], "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(seconds=1)
print(",".join([t.strftime("%Y-%m-%dT%H:%M:%SZ"), f[1], "%.6f" % (float(f[2]) + 0.4)] + f[3:]))'
  echo "2020-01-01T09:09:00Z,,51.57,0.55,15.0,20,228"
} >"$F1"
# F2: the next fleet pings, a stored second repeated by its vehicle, a new
# vehicle
F2="$T/f2.csv"
{
  head -n 1 "$FL"
  sed -n '12002,16001p' "$FL"
  sed -n 100p "$FL" | awk -F, -v OFS=, '{ $3 = $3 + 0.002; print }'
  echo "2020-04-01T09:00:00Z,EX-NEW-01,51.57,0.55,15.0,20,228"
} >"$F2"

load() { # load STORE FILE [ARG...]: summary lines in $T/out, rejects in $T/rej
  local s=$1; shift
  run "$WANT" "$RS" --store "$s" ingest telematics --quiet --rejects "$T/rej" "$@"
}

# every ping, file by file in file order: name|source|t|e|n|speed|limit|district|vehicle|seq
dump_sqlite() {
  python3 - "$W" <<'EOF'
import sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
seq = {}
for name, src, t0, n, data in db.execute(
        "SELECT f.name, c.source, c.t_min, c.n, c.data FROM ping_chunk c "
        "JOIN ingest_file f ON f.id = c.file_id ORDER BY c.file_id, c.id"):
    for i in range(n):
        dt, e, nn, sp, lim, _, d, v = struct.unpack_from("<IiiHBBhH", data, 20 * i)
        k = seq.get(name, 0)
        seq[name] = k + 1
        print(f"{name}|{src}|{t0 + dt}|{e}|{nn}|{sp}|{lim}|{d}|{v}|{k}")
EOF
}
dump_pg() {
  pgq "SELECT f.name, p.source, p.t, p.e, p.n, p.speed_cmph, p.limit_mph, p.district_id,
    p.vehicle, p.seq FROM roadsafe.ping p JOIN roadsafe.ingest_file f ON f.id = p.file_id
    ORDER BY p.file_id, p.seq"
}
same_pings() {
  dump_sqlite >"$T/pings.sqlite"
  dump_pg >"$T/pings.pg"
  [ "$(wc -l <"$T/pings.pg")" -gt 1000 ] || fail "$1: too few pings on PostgreSQL"
  cmp -s "$T/pings.sqlite" "$T/pings.pg" ||
    fail "$1: stored pings differ: $(diff "$T/pings.sqlite" "$T/pings.pg" | head -3)"
  eq "$(pgq "SELECT id || ':' || encode(vehicle, 'hex') FROM roadsafe.fleet_vehicle ORDER BY id")" \
    "$(sql "$W" "SELECT id || ':' || lower(hex(vehicle)) FROM fleet_vehicle ORDER BY id")" \
    "$1: fleet vehicles"
  eq "$(pgq "SELECT count(*) FROM roadsafe.ping_other")" "0" "$1: pings outside a month partition"
  # one partition per month the pings fall in (none empty, but for a kill)
  eq "$(pgq "SELECT string_agg(m, ' ' ORDER BY m) FROM (SELECT DISTINCT
      'ping_' || to_char(to_timestamp(t) AT TIME ZONE 'UTC', 'YYYY_MM') AS m FROM roadsafe.ping) x")" \
    "$(pgq "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'roadsafe.ping'::regclass
      AND c.relname <> 'ping_other' AND (SELECT count(*) FROM roadsafe.ping p
      WHERE p.tableoid = c.oid) > 0")" "$1: month partitions"
  eq "$(pgq "SELECT count(*) FROM roadsafe.reject")" "$(sql "$W" "SELECT count(*) FROM reject")" \
    "$1: rejects stored"
}

WANT=1 # rows rejected
pg_both a "$A"
has "$T/a.pg.out" "rejected 4"
pg_both f1 --source fleet "$F1"
has "$T/f1.pg.rej" "the vehicle already has a ping at this time"
has "$T/f1.pg.rej" "implies more than 150 mph"
pg_both f2 --source fleet "$F2"
has "$T/f2.pg.rej" "the vehicle already has a ping at this time"
same_pings "after A, F1, F2"
eq "$(pgq "SELECT count(*) FROM pg_class WHERE relname = 'ping_2021_06'")" "1" "a month of its own"
# a lower limit on its own content (the checks' window follows it)
F3="$T/f3.csv"
{ head -n 1 "$FL"; sed -n '16002,19001p' "$FL"; } >"$F3"
pg_both f3 --source fleet --fleet-max-mph 40 "$F3"
same_pings "after F3"

# each again, and under another name: nothing new, the same words
pg_both again_a "$A"
has "$T/again_a.pg.out" "loaded 0, rejected 4, already present"
# with fewer rejects kept than there are: no closing line for a reload
pg_both capped --max-rejects 2 "$A"
lacks "$T/capped.pg.rej" "more rejected rows not kept"
pg_both again_f1 --source fleet "$F1"
cp "$F2" "$T/renamed.csv"
# (checked on its own, as the SQLite loader checks a content already loaded:
# its repeat of a stored second is no repeat inside the file)
WANT=0 pg_both renamed --source fleet "$T/renamed.csv"
same_pings "after the reloads"
eq "$(pgq "SELECT count(*) FROM roadsafe.ingest_file WHERE kind IN ('telematics', 'fleet')")" "4" \
  "one log entry per content"

# SIGKILL between the COPY and the commit: nothing of the file stays
C="$T/c.csv"
{ head -n 1 "$TM"; sed -n '40001,60000p' "$TM"; } >"$C"
before=$(pgq "SELECT count(*) FROM roadsafe.ping")
pg_kill_at_copy --store "$P" ingest telematics --quiet "$C"
eq "$(pgq "SELECT count(*) FROM roadsafe.ping")" "$before" "pings after the kill"
eq "$(pgq "SELECT count(*) FROM roadsafe.ingest_file WHERE name = '$C'")" "0" "log entry after the kill"
# and the file loads whole afterwards
WANT=0 pg_both c "$C"
has "$T/c.pg.out" "loaded 20000, rejected 0"
same_pings "after the killed load and its retry"
# a fleet load too, its vehicles with it
K="$T/k.csv"
{ head -n 1 "$FL"; sed -n '30001,34000p' "$FL"; echo "2020-05-01T09:00:00Z,EX-NEW-02,51.57,0.55,15.0,20,228"; } >"$K"
vehicles=$(pgq "SELECT count(*) FROM roadsafe.fleet_vehicle")
pg_kill_at_copy --store "$P" ingest telematics --source fleet --quiet "$K"
eq "$(pgq "SELECT count(*) FROM roadsafe.fleet_vehicle")" "$vehicles" "vehicles after the kill"
WANT=0 pg_both k --source fleet "$K"
same_pings "after the killed fleet load and its retry"

# a reader during a load: answered at once, with the count before the load
D="$T/d.csv"
{ head -n 1 "$TM"; sed -n '70001,80000p' "$TM"; } >"$D"
before=$(pgq "SELECT count(*) FROM roadsafe.ping")
rm -f "$T/go"; mkfifo "$T/go"
rm -f "$T/l1.err"  # never an earlier run's pause line
ROADSAFE_TEST_PAUSE="ingest-pg-copied:$T/go" \
  "$RS" --store "$P" ingest telematics --quiet "$D" >"$T/l1.out" 2>"$T/l1.err" &
l1=$!
while ! grep -q "paused at ingest-pg-copied" "$T/l1.err" && kill -0 "$l1" 2>/dev/null; do
  sleep 0.05; done
grep -q "paused at ingest-pg-copied" "$T/l1.err" || fail "the load did not reach its pause point"
eq "$(pgq "SELECT count(*) FROM roadsafe.ping")" "$before" "a reader during the load"
eq "$(pgq "SELECT count(*) FROM roadsafe.ping WHERE t >= 1577836800 AND t < 1580515200")" \
  "$(pgq "SELECT count(*) FROM roadsafe.ping_2020_01")" "a month read during the load"
# another loader, of another month, makes its partition and commits meanwhile
E="$T/e.csv"
{ head -n 1 "$TM"; echo "2022-07-04T08:00:00Z,TVy,51.86,0.53,40.0,30,90"; } >"$E"
run 0 "$RS" --store "$P" ingest telematics --quiet "$E"
has "$T/out" "loaded 1, rejected 0"
exec 9<>"$T/go"; echo go >&9; exec 9>&-
st=0; wait "$l1" || st=$?; eq "$st" "0" "the paused loader"
has "$T/l1.out" "loaded 10000, rejected 0"
eq "$(pgq "SELECT count(*) FROM roadsafe.ping")" "$((before + 10001))" "pings after both loads"
eq "$(pgq "SELECT count(*) FROM roadsafe.ping_other")" "0" "the default partition"

# two fleet loaders at once, each with a new vehicle: the second waits for
# the first (the fleet lock), and the ids are those of the two loads one
# after the other on SQLite
G1="$T/g1.csv" G2="$T/g2.csv"
{ head -n 1 "$FL"; sed -n '40001,41000p' "$FL"; echo "2020-06-01T09:00:00Z,EX-NEW-03,51.57,0.55,15.0,20,228"; } >"$G1"
{ head -n 1 "$FL"; sed -n '41001,42000p' "$FL"; echo "2020-06-01T09:00:00Z,EX-NEW-04,51.57,0.55,15.0,20,228"; } >"$G2"
# (the two traffic loads above ran on PostgreSQL only)
run 0 "$RS" --store "$W" ingest telematics --quiet "$D"
run 0 "$RS" --store "$W" ingest telematics --quiet "$E"
run 0 "$RS" --store "$W" ingest telematics --source fleet --quiet "$G1"
run 0 "$RS" --store "$W" ingest telematics --source fleet --quiet "$G2"
rm -f "$T/go"; mkfifo "$T/go"
rm -f "$T/l1.err"  # never an earlier run's pause line
ROADSAFE_TEST_PAUSE="ingest-pg-copied:$T/go" \
  "$RS" --store "$P" ingest telematics --source fleet --quiet "$G1" >"$T/l1.out" 2>"$T/l1.err" &
l1=$!
while ! grep -q "paused at ingest-pg-copied" "$T/l1.err" && kill -0 "$l1" 2>/dev/null; do
  sleep 0.05; done
"$RS" --store "$P" ingest telematics --source fleet --quiet "$G2" >"$T/l2.out" 2>"$T/l2.err" &
l2=$!
while [ "$(pgq "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'roadsafe'
  AND wait_event_type = 'Lock'")" = "0" ] && kill -0 "$l2" 2>/dev/null; do sleep 0.05; done
exec 9<>"$T/go"; echo go >&9; exec 9>&-
st=0; wait "$l1" || st=$?; eq "$st" "0" "first fleet loader"
st=0; wait "$l2" || st=$?; eq "$st" "0" "second fleet loader"
has "$T/l1.out" "loaded 1001, rejected 0"
has "$T/l2.out" "loaded 1001, rejected 0"
same_pings "after two fleet loaders at once"
finish
