#!/usr/bin/env bash
# Concurrency: several roadsafe processes on one workspace at once.  Writers
# take the write lock with BEGIN IMMEDIATE and a 60 s busy timeout, so a
# second writer waits for the first; readers (info, heatmap) read a
# consistent snapshot from the WAL while writers work.  Every process must
# complete correctly and nothing may be lost: the final counts are the sum
# of clean single loads.
source "$(dirname "$0")/lib.sh"
need_sqlite3

run 0 "$GEN" --out "$T/gen" --seed 7
G="$T/gen"
run 0 "$RS" keygen "$T/key"
export ROADSAFE_KEY_FILE="$T/key"
W="$T/ws.db"
run 0 "$RS" init --store "$W"
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --code-field CODE --store "$W"

rows() { echo $(( $(wc -l < "$1") - 1 )); }
count() { sql "$W" "$1"; }

# Detections split in two files, so two writers of the same kind race.
head -1 "$G/detections.csv" > "$T/det_a.csv"; cp "$T/det_a.csv" "$T/det_b.csv"
tail -n +2 "$G/detections.csv" | awk 'NR % 2 == 1' >> "$T/det_a.csv"
tail -n +2 "$G/detections.csv" | awk 'NR % 2 == 0' >> "$T/det_b.csv"
nt=$(rows "$G/telematics.csv"); nd=$(rows "$G/detections.csv")
nc=$(rows "$G/collisions.csv"); nk=$(rows "$G/casualties.csv")

# start NAME CMD...: runs CMD in the background, output in $T/NAME.{out,err}
declare -A pids
start() { local name=$1; shift; "$@" >"$T/$name.out" 2>"$T/$name.err" & pids[$name]=$!; }
# join NAME WANT: waits for NAME and checks its exit code
join() {
  local st=0
  wait "${pids[$1]}" || st=$?
  [ "$st" = "$2" ] || { fail "$1 exited $st (want $2)"; sed 's/^/    /' "$T/$1.err" | head -5 >&2; }
}

# --- round 1: two ingests (telematics, detections half A) and info at once ---
start tele "$RS" ingest telematics "$G/telematics.csv" --store "$W"
start detA "$RS" ingest detections "$T/det_a.csv" --store "$W"
start info1 "$RS" info --store "$W"
join tele 0; join detA 0; join info1 0
has "$T/tele.out" "loaded $nt, rejected 0"
has "$T/detA.out" "loaded $(rows "$T/det_a.csv"), rejected 0"
has "$T/info1.out" "schema"

# --- round 2: two writers of one kind, a third of another, two reports -------
start detB "$RS" ingest detections "$T/det_b.csv" --store "$W"
start detA2 "$RS" ingest detections "$T/det_a.csv" --store "$W"     # already loaded: present
start s19 "$RS" ingest stats19 "$G/casualties.csv" "$G/collisions.csv" --store "$W"
start heat "$RS" heatmap --out "$T/heat" --store "$W"
start info2 "$RS" info --store "$W"
join detB 0; join detA2 0; join s19 0; join heat 0; join info2 0
has "$T/detB.out" "loaded $(rows "$T/det_b.csv"), rejected 0"
has "$T/detA2.out" "loaded 0, rejected 0, already present $(rows "$T/det_a.csv")"
has "$T/s19.out" "collisions): loaded $nc"
has "$T/s19.out" "casualties): loaded $nk, rejected 0"
[ -s "$T/heat.png" ] && [ -s "$T/heat.csv" ] && [ -s "$T/heat.shp" ] || fail "heatmap outputs missing"

# --- round 3: the same file twice at once is loaded once ---------------------
# An excerpt of the fleet file: the second load waits for the first under
# the 60 s busy timeout, and the whole file's per-vehicle checks under
# ThreadSanitizer on a busy machine could take longer than that.
head -n 60001 "$G/fleet.csv" > "$T/fleet.csv"
start f1 "$RS" ingest telematics --source fleet "$T/fleet.csv" --store "$W"
start f2 "$RS" ingest telematics --source fleet "$T/fleet.csv" --store "$W"
join f1 0; join f2 0
nf=$(rows "$T/fleet.csv")
cat "$T/f1.out" "$T/f2.out" > "$T/fleet.out"
has "$T/fleet.out" "loaded $nf, rejected 0, already present 0"
has "$T/fleet.out" "loaded 0, rejected 0, already present $nf"

# --- a writer holding the lock makes the next one wait, not fail -------------
# sqlite3 takes the write lock and holds it until told to commit.  No step
# depends on how fast the machine is: the test waits for sqlite3 to say it
# holds the lock, then for the ingest to say it is waiting, and only then
# releases the lock; the ingest must still be running at that moment.
mkfifo "$T/lock.in"
sqlite3 "$W" <"$T/lock.in" >/dev/null 2>"$T/lock.err" &
locker=$!
exec 8>"$T/lock.in"
printf 'BEGIN IMMEDIATE;\n.system touch %s\n' "$T/locked" >&8
while [ ! -e "$T/locked" ] && kill -0 "$locker" 2>/dev/null; do sleep 0.05; done
[ -e "$T/locked" ] || fail "sqlite3 could not take the write lock: $(head -c 300 "$T/lock.err")"
"$RS" ingest concerns "$G/concerns.csv" --store "$W" >"$T/out" 2>"$T/err" &
ing=$!
while ! grep -q "waiting for workspace" "$T/err" && kill -0 "$ing" 2>/dev/null; do sleep 0.05; done
kill -0 "$ing" 2>/dev/null || fail "ingest finished while another process held the write lock"
printf 'COMMIT;\n' >&8
exec 8>&-
wait "$locker" || fail "sqlite3 holding the lock failed: $(head -c 300 "$T/lock.err")"
st=0; wait "$ing" || st=$?
eq "$st" "0" "ingest after the lock was released: exit"
has "$T/err" "waiting for workspace $W: another process is writing to it"
eq "$(grep -c "waiting for workspace" "$T/err")" "1" "the wait is announced once"
has "$T/out" "loaded $(rows "$G/concerns.csv"), rejected 0"

# --- nothing lost: the totals are the sum of the single loads -----------------
eq "$(count "SELECT sum(n) FROM ping_chunk WHERE source = 'traffic'")" "$nt" "traffic pings"
eq "$(count "SELECT sum(n) FROM ping_chunk WHERE source = 'fleet'")" "$nf" "fleet pings"
eq "$(count "SELECT count(*) FROM detection")" "$nd" "detections"
eq "$(count "SELECT count(*) FROM collision")" "$nc" "collisions"
eq "$(count "SELECT count(*) FROM casualty")" "$nk" "casualties"
eq "$(count "SELECT count(*) FROM concern")" "$(rows "$G/concerns.csv")" "concerns"
# telematics, detections A, B and A again (known by detection_id: logged,
# all present), collisions, casualties, fleet once (the second known by its
# content: not logged), concerns
eq "$(count "SELECT count(*) FROM ingest_file")" "8" "ingest log entries"
eq "$(count "PRAGMA integrity_check")" "ok" "integrity_check"
finish
