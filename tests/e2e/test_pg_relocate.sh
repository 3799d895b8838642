#!/usr/bin/env bash
# `roadsafe districts load` on a PostgreSQL workspace that already holds
# records re-assigns them, as on SQLite: the same output (the number of
# records that moved) and, for every detection, collision, concern and ping
# (a few thousand, in two monthly partitions), the same district as the
# SQLite workspace with the same rows gives.  A load killed (SIGKILL) after
# re-assigning, before its commit, leaves the old set and the old
# assignments, and a reader meanwhile sees the old set.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
need_sqlite3
require python3
pg_start

run 0 "$RS" keygen "$T/key"
export ROADSAFE_KEY_FILE="$T/key"
pg_pair # seed 9's districts on $W and $P: set A
A="$G/districts.shp"
# another county over the same ground (seed 10): set B, other boundaries
run 0 "$GEN" --out "$T/gen10" --seed 10
B="$T/gen10/districts.shp"

for s in "$W" "$P"; do
  run 0 "$RS" --store "$s" ingest detections --quiet "$G/detections.csv"
  run 0 "$RS" --store "$s" ingest concerns --quiet "$G/concerns.csv"
done

# Collisions and pings, not placed yet (NULL, -1), the same rows on both:
# collisions (some unlocated) and 3000 pings at 1200 positions over the
# county and around it, in January and February 2019.
python3 - "$T" <<'PY'
import random, struct, sys
T = sys.argv[1]
rnd = random.Random(5)
col = []
for i in range(60):
    loc = i % 10 != 0
    e = round(rnd.uniform(540000, 630000), 2) if loc else None
    n = round(rnd.uniform(165000, 250000), 2) if loc else None
    col.append(("2019%04dC%03d" % (42, i), 1546300800 + 3600 * i, e, n))
pos = [(rnd.randint(540000, 630000), rnd.randint(165000, 250000)) for _ in range(1200)]
months = [(1546300800, 1548979200), (1548979200, 1551398400)]
pings = []
for i in range(3000):
    e, n = pos[i % 1200] if i < 2400 else rnd.choice(pos)
    t0, t1 = months[i % 2]
    pings.append((rnd.randrange(t0, t1), e, n, rnd.randint(0, 9000), 30))
def v(x): return "NULL" if x is None else repr(x)
log = ("INSERT INTO {s}ingest_file(id, kind, name, sha256, loaded_at, rows_loaded, rows_rejected, "
       "rows_present) VALUES (1000, 'collisions', 'c.csv', 'c0', 0, 60, 0, 0), "
       "(1001, 'telematics', 't.csv', 't0', 0, 3000, 0, 0);\n")
cols = "".join("INSERT INTO {s}collision(collision_index, file_id, t, local_date, severity, e, n, "
               "district_id) VALUES ('%s', 1000, %d, '2019-01-01', 3, %s, %s, NULL);\n"
               % (k, t, v(e), v(n)) for k, t, e, n in col)
with open(T + "/rows.pg.sql", "w") as f:
    f.write("BEGIN;\n" + log.format(s="roadsafe.") + cols.format(s="roadsafe."))
    f.write("SELECT roadsafe.ping_month(%d), roadsafe.ping_month(%d);\n" % (months[0][0], months[1][0]))
    f.write("COPY roadsafe.ping(file_id, source, t, e, n, speed_cmph, limit_mph, district_id, "
            "vehicle, seq) FROM STDIN;\n")
    for seq, (t, e, n, s, l) in enumerate(pings):
        f.write("1001\ttraffic\t%d\t%d\t%d\t%d\t%d\t-1\t0\t%d\n" % (t, e, n, s, l, seq))
    f.write("\\.\nCOMMIT;\n")
# SQLite: the same pings in two chunks (pings.h), in file order
with open(T + "/rows.sqlite.sql", "w") as f:
    f.write("BEGIN;\n" + log.format(s="") + cols.format(s=""))
    for c, part in enumerate((pings[:1700], pings[1700:])):
        t_min, t_max = min(p[0] for p in part), max(p[0] for p in part)
        blob = b"".join(struct.pack("<IiiHBBhH", t - t_min, e, n, s, l, 0, -1, 0)
                        for t, e, n, s, l in part)
        f.write("INSERT INTO ping_chunk(id, file_id, source, n, t_min, t_max, data) VALUES "
                "(%d, 1001, 'traffic', %d, %d, %d, X'%s');\n"
                % (c + 1, len(part), t_min, t_max, blob.hex()))
    f.write("COMMIT;\n")
PY
sqlite3 -batch "$W" <"$T/rows.sqlite.sql" || fail "rows into SQLite"
"${PSQL[@]}" -f "$T/rows.pg.sql" >/dev/null || fail "rows into PostgreSQL"
eq "$(pgq "SELECT count(*) FROM roadsafe.ping_2019_01") $(pgq "SELECT count(*) FROM roadsafe.ping_2019_02")" \
  "1500 1500" "pings per month partition"

# every record's district on each backend, in one order
districts() {
  sql "$W" "SELECT detection_id, coalesce(district_id, -1) FROM detection ORDER BY detection_id" >"$T/det.sqlite"
  pgq "SELECT detection_id, coalesce(district_id, -1) FROM roadsafe.detection
       ORDER BY detection_id COLLATE \"C\"" >"$T/det.pg"
  sql "$W" "SELECT collision_index, coalesce(district_id, -1) FROM collision ORDER BY collision_index" >"$T/col.sqlite"
  pgq "SELECT collision_index, coalesce(district_id, -1) FROM roadsafe.collision
       ORDER BY collision_index COLLATE \"C\"" >"$T/col.pg"
  sql "$W" "SELECT t, printf('%.3f', e), printf('%.3f', n), source, coalesce(district_id, -1)
            FROM concern ORDER BY 1, 2, 3, 4" >"$T/con.sqlite"
  pgq "SELECT t, round(e::numeric, 3), round(n::numeric, 3), source, coalesce(district_id, -1)
       FROM roadsafe.concern ORDER BY 1, 2, 3, source COLLATE \"C\"" >"$T/con.pg"
  python3 - "$W" >"$T/ping.sqlite" <<'PY'
import sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
out = []
for t_min, data in db.execute("SELECT t_min, data FROM ping_chunk ORDER BY id"):
    for off in range(0, len(data), 20):
        dt, e, n, s, l, f, d, v = struct.unpack_from("<IiiHBBhH", data, off)
        out.append((t_min + dt, e, n, s, d))
for r in sorted(out):
    print("|".join(map(str, r)))
PY
  pgq "SELECT t, e, n, speed_cmph, district_id FROM roadsafe.ping ORDER BY 1, 2, 3, 4, 5" >"$T/ping.pg"
}
same_districts() {
  districts
  local k
  for k in det col con ping; do
    [ -s "$T/$k.pg" ] || fail "$1: no $k rows on PostgreSQL"
    cmp -s "$T/$k.sqlite" "$T/$k.pg" ||
      fail "$1: $k districts differ: $(diff "$T/$k.sqlite" "$T/$k.pg" | head -4 | tr '\n' ' ')"
  done
}
# one districts load on both: the same output, the same districts after
reload() {
  run 0 "$RS" --store "$W" districts load "$2" --name-field NAME --code-field CODE
  cp "$T/out" "$T/$1.sqlite.out"; cp "$T/err" "$T/$1.sqlite.err"
  run 0 "$RS" --store "$P" districts load "$2" --name-field NAME --code-field CODE
  cp "$T/out" "$T/$1.pg.out"; cp "$T/err" "$T/$1.pg.err"
  cmp -s "$T/$1.sqlite.out" "$T/$1.pg.out" ||
    fail "$1: the load says different things: $(cat "$T/$1.sqlite.out") / $(cat "$T/$1.pg.out")"
  cmp -s "$T/$1.sqlite.err" "$T/$1.pg.err" || fail "$1: the load warns differently"
  same_districts "$1"
}
moved() { sed -n 's/.*; \([0-9]*\) stored records re-assigned$/\1/p' "$T/$1.pg.out"; }

# the sample's rows are placed alike by both ingests; the new ones by none
same_districts "before any reload"

# set A again: the new collisions and pings get their districts
reload a "$A"
eq "$(moved a)" "$(($(grep -vc '|-1$' "$T/col.pg") + $(grep -vc '|-1$' "$T/ping.pg")))" \
  "set A again: records moved (the collisions and pings inside the county)"
# set B: records of every kind move
for k in det col con ping; do cp "$T/$k.pg" "$T/$k.a"; done
reload b "$B"
[ "$(moved b)" -gt 1000 ] || fail "set B moved too few records: $(moved b)"
for k in det col con ping; do
  cmp -s "$T/$k.a" "$T/$k.pg" && fail "set B moved no $k record"
done
cp "$T/det.pg" "$T/det.b"; cp "$T/ping.pg" "$T/ping.b"
[ "$(cut -d'|' -f5 "$T/ping.b" | sort -u | wc -l)" -gt 5 ] || fail "pings in too few districts"
grep -q '|-1$' "$T/ping.b" || fail "no ping outside every district"
# set B again: nothing moves
reload b2 "$B"
eq "$(moved b2)" "0" "set B twice: records moved"
# pings at one position share its district (one placing per position)
eq "$(pgq "SELECT count(*) FROM (SELECT e, n FROM roadsafe.ping GROUP BY e, n
  HAVING min(district_id) <> max(district_id)) x")" "0" "positions with two districts"

# on a boundary: the placer's rule (the covering district with the lowest
# id), not PostGIS's ST_Contains (no district contains a boundary point).
# Concerns at vertices of set B shared by two districts, on both backends
# (the coordinates as PostgreSQL prints them: exact, read back exactly)
pgq "SELECT DISTINCT ST_X(p.geom), ST_Y(p.geom) FROM roadsafe.district d,
       LATERAL ST_DumpPoints(d.geom) p
     WHERE (SELECT count(*) FROM roadsafe.district c WHERE ST_Covers(c.geom, p.geom)) > 1
     ORDER BY 1, 2 LIMIT 8" >"$T/edge.txt"
[ "$(wc -l <"$T/edge.txt")" -eq 8 ] || fail "too few shared vertices in set B"
python3 - "$W" "$T/edge.txt" >"$T/edge.pg.sql" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
pts = [tuple(map(float, l.split("|"))) for l in open(sys.argv[2])]
db.executemany("INSERT INTO concern(file_id, t, e, n, district_id, source) VALUES (1000, 1, ?, ?, NULL, 'edge')", pts)
db.commit()
db.close()
print("INSERT INTO roadsafe.concern(file_id, t, e, n, district_id, source) VALUES")
print(",\n".join("(1000, 1, %r, %r, NULL, 'edge')" % p for p in pts) + ";")
PY
"${PSQL[@]}" -f "$T/edge.pg.sql" >/dev/null || fail "boundary concerns into PostgreSQL"
reload edge "$B"
eq "$(moved edge)" "8" "boundary concerns placed"
eq "$(pgq "SELECT count(*) FROM roadsafe.concern x WHERE source = 'edge' AND district_id IS DISTINCT FROM
  (SELECT min(id) FROM roadsafe.district d WHERE ST_Covers(d.geom, x.geom))")" "0" \
  "boundary concerns in the lowest covering district"
eq "$(pgq "SELECT count(*) FROM roadsafe.concern x JOIN roadsafe.district d ON ST_Contains(d.geom, x.geom)
  WHERE source = 'edge'")" "0" "boundary concerns contained by no district"

# SIGKILL after re-assigning, before the commit: the old set, the old
# assignments; a reader meanwhile sees the old set without waiting
snapshot() {
  pgq "SELECT id, name, code, md5(geom_wkb) FROM roadsafe.district ORDER BY id" >"$T/$1.districts"
  pgq "SELECT key, value FROM roadsafe.meta WHERE key IN ('district_set', 'districts_source')
       ORDER BY key" >>"$T/$1.districts"
  pgq "SELECT name, district_set, md5(data) FROM roadsafe.placer_cache ORDER BY name" >>"$T/$1.districts"
  districts; cat "$T/det.pg" "$T/col.pg" "$T/con.pg" "$T/ping.pg" >"$T/$1.records"
}
snapshot before
rm -f "$T/go"; mkfifo "$T/go"
rm -f "$T/k.err"  # never an earlier run's pause line
ROADSAFE_TEST_PAUSE="districts-relocated:$T/go" "$RS" --store "$P" districts load "$A" \
  --name-field NAME --code-field CODE >"$T/k.out" 2>"$T/k.err" &
pid=$!
while ! grep -q "paused at districts-relocated" "$T/k.err" && kill -0 "$pid" 2>/dev/null; do
  sleep 0.05; done
grep -q "paused at districts-relocated" "$T/k.err" || fail "the load did not reach its pause point"
snapshot during
cmp -s "$T/before.districts" "$T/during.districts" || fail "a reader sees the new set before the commit"
cmp -s "$T/before.records" "$T/during.records" || fail "a reader sees new assignments before the commit"
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
snapshot after
cmp -s "$T/before.districts" "$T/after.districts" || fail "the killed load changed the district set"
cmp -s "$T/before.records" "$T/after.records" || fail "the killed load changed assignments"
# the next load runs (the dead one's locks are gone) and moves them back
reload a2 "$A"
[ "$(moved a2)" -ge "$(moved b)" ] || fail "set A after B: too few records moved back: $(moved a2)"
cmp -s "$T/det.pg" "$T/det.b" && fail "set A after B: detections kept set B's districts"

# a load that starts while a districts load runs waits for it, then places
# its rows with the new set (never a mix); on SQLite, the same in sequence
N="$T/late.csv"
{ head -n 1 "$G/concerns.csv"; tail -n +2 "$G/concerns.csv" | sed 's/^2020-/2024-/'; } >"$N"
rm -f "$T/w.pg.err"  # never an earlier run's pause line
ROADSAFE_TEST_PAUSE="districts-relocated:$T/go" "$RS" --store "$P" districts load "$B" \
  --name-field NAME --code-field CODE >"$T/w.pg.out" 2>"$T/w.pg.err" &
pid=$!
while ! grep -q "paused at districts-relocated" "$T/w.pg.err" && kill -0 "$pid" 2>/dev/null; do
  sleep 0.05; done
"$RS" --store "$P" ingest concerns --quiet "$N" >"$T/n.pg.out" 2>"$T/n.pg.err" &
ing=$!
while [ "$(pgq "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'roadsafe'
  AND wait_event_type = 'Lock'")" = "0" ] && kill -0 "$ing" 2>/dev/null; do sleep 0.05; done
exec 9<>"$T/go"; echo go >&9; exec 9>&-
st=0; wait "$pid" || st=$?; eq "$st" "0" "the districts load"
st=0; wait "$ing" || st=$?; eq "$st" "0" "the load that waited"
run 0 "$RS" --store "$W" districts load "$B" --name-field NAME --code-field CODE
grep -v "paused at" "$T/w.pg.err" >"$T/w.pg.err2" || true
cmp -s "$T/out" "$T/w.pg.out" || fail "the waited-for load says different things: $(cat "$T/w.pg.out")"
cmp -s "$T/err" "$T/w.pg.err2" || fail "the waited-for load warns differently"
run 0 "$RS" --store "$W" ingest concerns --quiet "$N"
cmp -s "$T/out" "$T/n.pg.out" || fail "the load that waited says different things: $(cat "$T/n.pg.out")"
same_districts "after a load that waited"
finish
