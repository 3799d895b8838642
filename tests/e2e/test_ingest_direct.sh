#!/usr/bin/env bash
# Big loads are written once (store.h, direct writing): a load switches the
# workspace to a rollback journal for its transaction, so pings go straight
# into the database file instead of into the write-ahead log and again into
# the file at the checkpoint.  Checked: the mode during the load, a reader
# during the load sees the state before it, the workspace is back in WAL
# mode afterwards, a SIGKILL mid-load leaves nothing loaded (and a
# read-only command rolls the journal back), and with another connection
# open the load goes through the log as before.
source "$(dirname "$0")/lib.sh"
need_sqlite3
export ROADSAFE_DIRECT_LOAD_MB=0   # every load direct, however small (default: 64 MB and up)

run 0 "$GEN" --out "$T/gen" --seed 11
G="$T/gen"
W="$T/ws.db"
run 0 "$RS" init --store "$W"
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --code-field CODE --store "$W"
rows() { echo $(( $(wc -l < "$1") - 1 )); }
nt=$(rows "$G/telematics.csv")
# journal mode in the database header (bytes 18, 19): 1 rollback, 2 WAL
hdr_mode() { od -An -tu1 -j18 -N1 "$W" | tr -d ' '; }
size_of() { if [ -e "$1" ]; then stat -c %s "$1"; else echo 0; fi; }
eq "$(hdr_mode)" "2" "journal mode before the load"

# --- 1: during the load: rollback journal, readers see the state before ----
mkfifo "$T/go"
ROADSAFE_TEST_PAUSE="ingest-placed:$T/go" \
  "$RS" ingest telematics "$G/telematics.csv" --store "$W" >"$T/ing.out" 2>"$T/ing.err" &
ing=$!
while ! grep -q "paused at ingest-placed" "$T/ing.err" && kill -0 "$ing" 2>/dev/null; do
  sleep 0.05; done
grep -q "paused at ingest-placed" "$T/ing.err" || fail "the ingest did not reach its pause point"
eq "$(hdr_mode)" "1" "journal mode during the load"
[ -e "$W-wal" ] && fail "a write-ahead log beside the workspace during a direct load"
run 0 "$RS" info --store "$W"
grep -Eq "telematics \(traffic\) +0( |$)" "$T/out" || fail "pings visible: $(grep traffic "$T/out")"
exec 9<>"$T/go"; echo go >&9; exec 9>&-
st=0; wait "$ing" || st=$?
eq "$st" "0" "direct load: exit"
has "$T/ing.out" "loaded $nt, rejected 0"
eq "$(hdr_mode)" "2" "journal mode after the load"
[ -e "$W-journal" ] && fail "a journal left after the load"
eq "$(sql "$W" "SELECT sum(n) FROM ping_chunk")" "$nt" "pings stored"
run 0 "$RS" ingest telematics "$G/telematics.csv" --store "$W"
has "$T/out" "loaded 0, rejected 0, already present $nt"

# --- 2: SIGKILL mid-load: nothing stays, any command opens it --------------
# The load reads stdin: it blocks once it has read what was written, inside
# its transaction, after its first writes reached the journal.
run 0 "$RS" init --store "$T/k.db"
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --store "$T/k.db"
mkfifo "$T/feed"
"$RS" ingest telematics - --store "$T/k.db" <"$T/feed" >"$T/k.out" 2>"$T/k.err" &
kin=$!
exec 7>"$T/feed"
head -n 30001 "$G/telematics.csv" >&7
# The event is the journal appearing.  The bound (10 minutes, far past any
# machine's time for 30,000 rows) only stops a build that never makes a
# journal from waiting forever; it does not time the load.
n=0
while [ "$(size_of "$T/k.db-journal")" -eq 0 ] && kill -0 "$kin" 2>/dev/null && [ $n -lt 12000 ]; do
  sleep 0.05; n=$((n + 1)); done
[ "$(size_of "$T/k.db-journal")" -gt 0 ] || fail "no journal while the load ran: $(head -c 300 "$T/k.err")"
kill -KILL "$kin"; wait "$kin" 2>/dev/null || true
exec 7>&-
run 0 "$RS" info --store "$T/k.db"      # read-only: rolls the journal back first
grep -Eq "telematics \(traffic\) +0( |$)" "$T/out" || fail "pings visible: $(grep traffic "$T/out")"
[ -e "$T/k.db-journal" ] && fail "the journal of the killed load is still there"
eq "$(sql "$T/k.db" "SELECT count(*) FROM ingest_file")" "0" "files logged by the killed load"
eq "$(sql "$T/k.db" "PRAGMA integrity_check")" "ok" "integrity after the kill"
run 0 "$RS" ingest telematics "$G/telematics.csv" --store "$T/k.db"
has "$T/out" "loaded $nt, rejected 0"

# --- 3: another connection open: the load goes through the log ------------
run 0 "$RS" init --store "$T/o.db"
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --store "$T/o.db"
mkfifo "$T/hold.in"
sqlite3 "$T/o.db" <"$T/hold.in" >/dev/null 2>"$T/hold.err" &
holder=$!
exec 8>"$T/hold.in"
printf 'SELECT count(*) FROM meta;\n.system touch %s\n' "$T/open" >&8
while [ ! -e "$T/open" ] && kill -0 "$holder" 2>/dev/null; do sleep 0.05; done
[ -e "$T/open" ] || fail "sqlite3 could not open the workspace: $(head -c 300 "$T/hold.err")"
run 0 "$RS" ingest telematics "$G/telematics.csv" --store "$T/o.db"
has "$T/out" "loaded $nt, rejected 0"
[ "$(size_of "$T/o.db-wal")" -gt 0 ] || fail "the load with another connection open did not use the log"
printf '.quit\n' >&8; exec 8>&-
wait "$holder" || true
eq "$(sql "$T/o.db" "SELECT sum(n) FROM ping_chunk")" "$nt" "pings stored through the log"

# --- 4: a file below ROADSAFE_DIRECT_LOAD_MB goes through the log ----------
run 0 "$RS" init --store "$T/s.db"
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --store "$T/s.db"
mkfifo "$T/go2"
ROADSAFE_DIRECT_LOAD_MB=1000 ROADSAFE_TEST_PAUSE="ingest-placed:$T/go2" \
  "$RS" ingest telematics "$G/telematics.csv" --store "$T/s.db" >"$T/s.out" 2>"$T/s.err" &
sin=$!
while ! grep -q "paused at ingest-placed" "$T/s.err" && kill -0 "$sin" 2>/dev/null; do
  sleep 0.05; done
eq "$(od -An -tu1 -j18 -N1 "$T/s.db" | tr -d ' ')" "2" "journal mode during a small load"
exec 9<>"$T/go2"; echo go >&9; exec 9>&-
st=0; wait "$sin" || st=$?
eq "$st" "0" "small load: exit"
has "$T/s.out" "loaded $nt, rejected 0"
# --- 5: a big file of any kind is written directly: detections, STATS19 ----
run 0 "$RS" keygen "$T/key"
export ROADSAFE_KEY_FILE="$T/key"
run 0 "$RS" init --store "$T/r.db"
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --store "$T/r.db"
for what in "detections $G/detections.csv" "stats19 $G/collisions.csv"; do
  name=${what%% *}
  # each load its own files: its pause line is never an earlier load's
  mkfifo "$T/go-$name"
  : >"$T/r-$name.err"
  # shellcheck disable=SC2086
  ROADSAFE_TEST_PAUSE="ingest-placed:$T/go-$name" \
    "$RS" ingest $what --store "$T/r.db" >"$T/r-$name.out" 2>>"$T/r-$name.err" &
  rin=$!
  while ! grep -q "paused at ingest-placed" "$T/r-$name.err" && kill -0 "$rin" 2>/dev/null; do
    sleep 0.05; done
  grep -q "paused at ingest-placed" "$T/r-$name.err" || fail "the $name ingest did not reach its pause point"
  eq "$(od -An -tu1 -j18 -N1 "$T/r.db" | tr -d ' ')" "1" "journal mode during a $name load"
  [ -e "$T/r.db-wal" ] && fail "a write-ahead log beside the workspace during a direct $name load"
  # the FIFO stays open until the load ends, so the release is never lost
  exec 9<>"$T/go-$name"; echo go >&9
  st=0; wait "$rin" || st=$?
  exec 9>&-
  eq "$st" "0" "direct $name load: exit"
  has "$T/r-$name.out" "rejected 0"
  eq "$(od -An -tu1 -j18 -N1 "$T/r.db" | tr -d ' ')" "2" "journal mode after a $name load"
done
eq "$(sql "$T/r.db" "SELECT count(*) FROM detection")" "$(rows "$G/detections.csv")" "detections stored directly"
eq "$(sql "$T/r.db" "SELECT count(*) FROM collision")" "$(rows "$G/collisions.csv")" "collisions stored directly"
eq "$(sql "$T/r.db" "PRAGMA integrity_check")" "ok" "integrity after direct record loads"
finish
