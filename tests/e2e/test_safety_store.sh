#!/usr/bin/env bash
# The workspace as a system of record (issue 17, items 3, 4, 5 and 7):
#   3  a write-ahead log from another database, even another valid roadsafe
#      workspace's, is refused before any write, both files left as they were;
#      the workspace's own log (a copy taken with it) is accepted;
#   4  a `districts load` while an ingest runs never leaves records under the
#      set that was replaced: the two meet at a pause point, by events;
#   5  a district set larger than a ping's 16-bit district field can hold is
#      refused (exit 2), the workspace unchanged;
#   7  a workspace with a trigger, a view or an index roadsafe does not define
#      is refused (exit 2) before anything runs, byte for byte unchanged.
source "$(dirname "$0")/lib.sh"
need_sqlite3
require python3

run 0 "$GEN" --out "$T/gen" --seed 11
G="$T/gen"
rows() { echo $(( $(wc -l < "$1") - 1 )); }

# squares OUT NX NY [SIZE]: a polygon shapefile of NX x NY squares named
# s<i> over the extent of the generated districts (or SIZE-metre squares
# from its south-west corner), in the generated districts' CRS.
squares() {
  python3 - "$G/districts.shp" "$@" <<'EOF'
import struct, sys
src, out, nx, ny = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(src, 'rb') as f:
    x0, y0, x1, y1 = struct.unpack('<4d', f.read(100)[36:68])
if len(sys.argv) > 5:
    x1, y1 = x0 + nx * float(sys.argv[5]), y0 + ny * float(sys.argv[5])
dx, dy = (x1 - x0) / nx, (y1 - y0) / ny
recs = []
for j in range(ny):
    for i in range(nx):
        a, b, c, d = x0 + i * dx, y0 + j * dy, x0 + (i + 1) * dx, y0 + (j + 1) * dy
        pts = [(a, b), (a, d), (c, d), (c, b), (a, b)]          # clockwise: an outer ring
        recs.append(struct.pack('<i4d2ii', 5, a, b, c, d, 1, 5, 0) +
                    b''.join(struct.pack('<2d', *p) for p in pts))
def header(length_bytes):
    return (struct.pack('>7i', 9994, 0, 0, 0, 0, 0, length_bytes // 2) +
            struct.pack('<2i8d', 1000, 5, x0, y0, x1, y1, 0, 0, 0, 0))
shp, shx, off = [], [], 100
for k, r in enumerate(recs):
    shp.append(struct.pack('>2i', k + 1, len(r) // 2) + r)
    shx.append(struct.pack('>2i', off // 2, len(r) // 2))
    off += 8 + len(r)
open(out + '.shp', 'wb').write(header(off) + b''.join(shp))
open(out + '.shx', 'wb').write(header(100 + 8 * len(recs)) + b''.join(shx))
fld = b'NAME'.ljust(11, b'\0') + b'C' + b'\0' * 4 + bytes([12, 0]) + b'\0' * 14
dbf = struct.pack('<4BIHH20x', 3, 120, 1, 1, len(recs), 32 + 32 + 1, 1 + 12) + fld + b'\r'
dbf += b''.join(b' ' + ('s%d' % k).encode().ljust(12) for k in range(len(recs))) + b'\x1a'
open(out + '.dbf', 'wb').write(dbf)
open(out + '.prj', 'w').write(open(src[:-4] + '.prj').read())
EOF
}

# --- 7: a workspace whose schema is not exactly roadsafe's is refused -------------------
W="$T/ws.db"
run 0 "$RS" init --store "$W"
run 0 "$RS" keygen "$T/key"
export ROADSAFE_KEY_FILE="$T/key"
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --code-field CODE --store "$W"
cp "$W" "$T/clean.db"
# hostile CLEAN_DB SQL WHAT: SQL added to a copy of the clean workspace makes
# every command refuse it naming WHAT, with the file byte for byte unchanged
hostile() {
  local h="$T/hostile.db"
  rm -f "$h" "$h-wal" "$h-shm"
  cp "$T/clean.db" "$h"
  sql "$h" "$1" >/dev/null
  cp "$h" "$T/hostile.before"
  run 2 timeout 300 "$RS" ingest detections "$G/detections.csv" --store "$h" --quiet
  has "$T/err" "does not have roadsafe's schema"
  has "$T/err" "$2"
  cmp -s "$h" "$T/hostile.before" || fail "a refused workspace changed ($2)"
  eq "$(sql "$h" "SELECT count(*) FROM detection")" "0" "detections stored despite $2"
  run 2 "$RS" info --store "$h"
  has "$T/err" "$2"
  run 2 "$RS" districts list --store "$h"
  cmp -s "$h" "$T/hostile.before" || fail "a refused workspace changed on reading ($2)"
}
hostile "CREATE TRIGGER eat AFTER INSERT ON detection BEGIN
           DELETE FROM detection WHERE detection_id = NEW.detection_id; END" "trigger 'eat'"
# a trigger that never ends (a recursive CTE without a bound); were it run,
# the ingest would not finish: `timeout` ends it and the test fails
hostile "CREATE TRIGGER spin AFTER INSERT ON detection BEGIN
           INSERT INTO meta(key, value) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL
             SELECT x + 1 FROM c) SELECT 'k' || x, 'v' FROM c; END" "trigger 'spin'"
hostile "CREATE VIEW peek AS SELECT * FROM detection" "view 'peek'"
hostile "CREATE INDEX detection_site ON detection(site_id)" "index 'detection_site'"
hostile "DROP INDEX concern_time" "index 'concern_time'"
# the clean workspace itself is fine, and ANALYZE's statistics are allowed
sql "$T/clean.db" "ANALYZE" >/dev/null
run 0 "$RS" info --store "$T/clean.db"

# --- 5: a district set a ping cannot hold is refused -----------------------------------
squares "$T/many" 220 150 10            # 33,000 squares of 10 m
cp "$W" "$T/w5.before"
run 2 "$RS" districts load "$T/many.shp" --name-field NAME --store "$W"
has "$T/err" "33000 districts, more than the 32768 a workspace can hold"
cmp -s "$W" "$T/w5.before" || fail "a refused district set changed the workspace"
eq "$(sql "$W" "SELECT count(*) FROM district")" "14" "districts after the refused set"

# --- 4: districts load during an ingest -------------------------------------------------
# The ingest pauses (ROADSAFE_TEST_PAUSE) after it has read the districts and
# built its placer, before storing a record.  districts load then runs; the
# ingest is released once the load has either finished or said it waits for
# the ingest's write lock.  Either way no record may end under a replaced set:
# a second load of the same set re-assigns nothing.
squares "$T/halves" 2 1                 # two halves of the county: another set
mkfifo "$T/go"
rm -f "$T/ing.err"  # never an earlier run's pause line
ROADSAFE_TEST_PAUSE="ingest-placed:$T/go" \
  "$RS" ingest concerns "$G/concerns.csv" --store "$W" >"$T/ing.out" 2>"$T/ing.err" &
ing=$!
while ! grep -q "paused at ingest-placed" "$T/ing.err" && kill -0 "$ing" 2>/dev/null; do
  sleep 0.05; done
grep -q "paused at ingest-placed" "$T/ing.err" || fail "the ingest did not reach its pause point"
"$RS" districts load "$T/halves.shp" --name-field NAME --store "$W" >"$T/load.out" 2>"$T/load.err" &
load=$!
while ! grep -q "waiting for workspace" "$T/load.err" && kill -0 "$load" 2>/dev/null; do
  sleep 0.05; done
exec 9<>"$T/go"; echo go >&9; exec 9>&-  # release the ingest (never blocks)
st=0; wait "$ing" || st=$?
eq "$st" "0" "ingest during districts load: exit"
st=0; wait "$load" || st=$?
eq "$st" "0" "districts load during an ingest: exit"
has "$T/ing.out" "loaded $(rows "$G/concerns.csv"), rejected 0"
eq "$(sql "$W" "SELECT count(*) FROM district")" "2" "districts in force"
run 0 "$RS" districts load "$T/halves.shp" --name-field NAME --store "$W"
has "$T/out" "; 0 stored records re-assigned"
eq "$(sql "$W" "SELECT count(*) FROM concern WHERE district_id IS NOT NULL")" \
  "$(rows "$G/concerns.csv")" "concerns placed in one of the halves"

# --- 3: a write-ahead log from another roadsafe workspace -------------------------------
# A and B are twins (same commands), so B's log laid over A passes quick_check;
# it must still be refused, as it is not A's.  B's log is kept from being
# checkpointed by a reader holding a snapshot taken before B's ingest.
A="$T/a.db"; B="$T/b.db"
for x in "$A" "$B"; do
  run 0 "$RS" init --store "$x"
  run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --code-field CODE --store "$x"
done
mkfifo "$T/hold"
sqlite3 "$B" <"$T/hold" >/dev/null 2>&1 &
holder=$!
exec 8>"$T/hold"
printf 'BEGIN; SELECT count(*) FROM meta;\n.system touch %s\n' "$T/held" >&8
while [ ! -e "$T/held" ] && kill -0 "$holder" 2>/dev/null; do sleep 0.05; done
[ -e "$T/held" ] || fail "the reader holding a snapshot did not start"
run 0 "$RS" ingest concerns "$G/concerns.csv" --store "$B" --quiet
cp "$B-wal" "$A-wal" || fail "no WAL kept for B"
cp "$B" "$T/b-copy.db"; cp "$B-wal" "$T/b-copy.db-wal"   # B with its own log
exec 8>&-
wait "$holder" || true
[ -s "$A-wal" ] || fail "no foreign WAL made"
cp "$A" "$T/a.before"; cp "$A-wal" "$T/a-wal.before"
for c in "ingest concerns $G/concerns.csv --quiet" "districts load $G/districts.shp --name-field NAME" \
         "target set 2015-2017:40:2030"; do
  # shellcheck disable=SC2086
  run 2 "$RS" $c --store "$A"
  has "$T/err" "write-ahead log $A-wal beside workspace $A is not the workspace's own"
  has "$T/err" "another database"
  cmp -s "$A" "$T/a.before" || fail "the workspace changed under a foreign WAL ($c)"
  cmp -s "$A-wal" "$T/a-wal.before" || fail "the foreign WAL changed ($c)"
done
# the workspace's own log, copied with it, is accepted and its records kept
run 0 "$RS" ingest concerns "$G/concerns.csv" --store "$T/b-copy.db"
has "$T/out" "loaded 0, rejected 0, already present $(rows "$G/concerns.csv")"
eq "$(sql "$T/b-copy.db" "PRAGMA integrity_check")" "ok" "integrity of B with its own log"
# not a WAL at all, and a WAL of another page size
rm -f "$A-wal" "$A-shm"
printf 'roadsafe%.0s' $(seq 1 600) > "$A-wal"
run 2 "$RS" ingest concerns "$G/concerns.csv" --store "$A" --quiet
has "$T/err" "not an SQLite write-ahead log"
cmp -s "$A" "$T/a.before" || fail "the workspace changed under a non-WAL -wal"
rm -f "$A-wal" "$A-shm"
python3 -c "import sqlite3; c = sqlite3.connect('$T/small.db'); c.execute('PRAGMA page_size=4096');
c.execute('PRAGMA journal_mode=WAL'); c.execute('CREATE TABLE t(x)'); c.commit()
import shutil; c.execute('INSERT INTO t VALUES(1)'); c.commit(); shutil.copy('$T/small.db-wal', '$A-wal')"
run 2 "$RS" ingest concerns "$G/concerns.csv" --store "$A" --quiet
has "$T/err" "has 4096-byte pages and the workspace 65536-byte pages"
cmp -s "$A" "$T/a.before" || fail "the workspace changed under a 4 KiB-page WAL"
rm -f "$A-wal" "$A-shm"
run 0 "$RS" ingest concerns "$G/concerns.csv" --store "$A" --quiet
eq "$(sql "$A" "PRAGMA integrity_check")" "ok" "integrity after the foreign logs were moved away"
finish
