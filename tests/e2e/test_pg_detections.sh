#!/usr/bin/env bash
# `roadsafe ingest detections` on a PostgreSQL workspace against the same
# load on SQLite: the same summary lines, rejects, rows and counts per
# district, device and site; a file loads once by its content (twice in a
# row, under another name, by two loaders at the same moment); no plate in
# the database; a load killed (SIGKILL) between its COPY and its commit
# leaves nothing of the file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
need_sqlite3
pg_start

run 0 "$RS" keygen "$T/key"
export ROADSAFE_KEY_FILE="$T/key"
pg_pair

# A: the sample's detections with bad rows among them (unknown device, bad
# time, empty id, a plate that is no plate, a repeated row, a repeated id
# with other values, a row without a plate)
D="$T/a.csv"
{
  head -n 400 "$G/detections.csv"
  echo "BAD-1,2019-01-01T00:38:26Z,LASER9,GT1,S1,51.62,0.61,35.9,30,ab12 cde"
  echo "BAD-2,2019-13-01T00:38:26Z,GATSO,GT1,S1,51.62,0.61,35.9,30,ab12 cde"
  echo ",2019-01-01T00:38:26Z,GATSO,GT1,S1,51.62,0.61,35.9,30,ab12 cde"
  echo "BAD-3,2019-01-01T00:38:26Z,GATSO,GT1,S1,51.62,0.61,35.9,30,!!!!"
  sed -n 2p "$G/detections.csv"
  sed -n 3p "$G/detections.csv" | awk -F, -v OFS=, '{ $8 = "99.9"; print }'
  echo "NOPLATE-1,2019-01-02T10:00:00Z,TRUCAM,TC1,S9,51.60,0.60,41.0,30,"
  tail -n +401 "$G/detections.csv"
} >"$D"
# B: some of A's rows again, one of them with other values, and new ones
B="$T/b.csv"
{
  head -n 1 "$G/detections.csv"
  sed -n '10,20p' "$G/detections.csv"
  sed -n 21p "$G/detections.csv" | awk -F, -v OFS=, '{ $9 = "70"; print }'
  echo "NEW-1,2019-03-01T08:00:00Z,GATSO,GT9,S9,51.61,0.62,44.0,30,zz11 zzz"
} >"$B"

load() { # load STORE FILE...: summary lines in $T/out, rejects in $T/rej
  local s=$1; shift
  run "$WANT" "$RS" --store "$s" ingest detections --quiet --rejects "$T/rej" "$@"
}
same_rows() {
  sql "$W" "SELECT detection_id, t, device_type, device_id, site_id, printf('%.2f', e),
    printf('%.2f', n), coalesce(district_id, -1), speed_cmph, limit_mph,
    CASE WHEN vehicle IS NULL THEN '-' ELSE hex(vehicle) END
    FROM detection ORDER BY detection_id" >"$T/rows.sqlite"
  pgq "SELECT detection_id, t, device_type, device_id, site_id, round(e::numeric, 2),
    round(n::numeric, 2), coalesce(district_id, -1), speed_cmph, limit_mph,
    coalesce(upper(encode(vehicle, 'hex')), '-') FROM roadsafe.detection
    ORDER BY detection_id COLLATE \"C\"" >"$T/rows.pg"
  cmp -s "$T/rows.sqlite" "$T/rows.pg" || fail "$1: stored detections differ"
  # the counts the analyses start from: per district, device type, device, site
  q="SELECT coalesce(d.name, '(outside)'), x.device_type, x.device_id, x.site_id, count(*),
     sum(x.speed_cmph), count(x.vehicle), sum(CASE WHEN x.speed_cmph > 100 * x.limit_mph THEN 1 ELSE 0 END)
     FROM detection x LEFT JOIN district d ON d.id = x.district_id
     GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
  sql "$W" "$q" >"$T/counts.sqlite"
  # (the test cluster's collation is C.UTF-8: code point order, as SQLite's)
  PGOPTIONS="-c search_path=roadsafe,public" pgq "$q" >"$T/counts.pg"
  [ "$(wc -l <"$T/counts.pg")" -gt 10 ] || fail "$1: too few groups on PostgreSQL"
  cmp -s "$T/counts.sqlite" "$T/counts.pg" || fail "$1: counts per district/device/site differ"
  [ "${2:-}" = reloaded ] ||
    eq "$(pgq "SELECT count(*) FROM roadsafe.reject")" "$(sql "$W" "SELECT count(*) FROM reject")" "$1: rejects stored"
}

WANT=1
pg_both a "$D"
has "$T/a.pg.out" "rejected 5"
has "$T/a.pg.rej" "detection_id already loaded with different values"
same_rows "after A"
pg_both b "$B"
has "$T/b.pg.out" "loaded 1, rejected 1, already present 11"
same_rows "after B"
# info says the same of both, but for the workspace's name
run 0 "$RS" --store "$W" info; tail -n +2 "$T/out" >"$T/info.sqlite"
run 0 "$RS" --store "$P" info; tail -n +2 "$T/out" >"$T/info.pg"
has "$T/out" "workspace      postgresql://"
has "$T/info.pg" "detections"
cmp -s "$T/info.sqlite" "$T/info.pg" || fail "info differs: $(diff "$T/info.sqlite" "$T/info.pg" | head -5)"
# A again, and under another name: nothing new
pg_both again "$D"
has "$T/again.pg.out" "loaded 0, rejected 5, already present"
cp "$D" "$T/renamed.csv"
pg_both renamed "$T/renamed.csv"
same_rows "after the reloads" reloaded
# unlike SQLite (which logs every load of a detections file, with its
# rejects), PostgreSQL keeps one log entry, and one set of rejects, per content
eq "$(pgq "SELECT count(*) FROM roadsafe.ingest_file")" "2" "one log entry per content"
eq "$(pgq "SELECT count(*) FROM roadsafe.reject")" "6" "rejects of A and B, once"

# no plate anywhere in the database (the keyed hashes only)
"$PG_BIN/pg_dump" --data-only >"$T/dump.sql"
# (plates with a letter past f, which no hex digest can hold by chance; as
# written and as normalised)
awk -F, 'NR > 1 && k < 50 { p = toupper($10); q = p; gsub(/ /, "", q)
  if (q ~ /[G-Z]/) { print p "\n" q; k++ } }' "$D" | while read -r plate; do
  if grep -qiF -- "$plate" "$T/dump.sql"; then echo "$plate"; fi
done >"$T/leaks"
[ -s "$T/leaks" ] && fail "plates in the database: $(head -3 "$T/leaks")"
# the geometry follows the stored positions
eq "$(pgq "SELECT count(*) FROM roadsafe.detection WHERE geom IS NULL OR ST_X(geom) <> e OR ST_Y(geom) <> n")" \
  "0" "detection geometry"

# SIGKILL between the COPY and the commit: nothing of the file stays
C="$T/c.csv"
{ head -n 1 "$G/detections.csv"; tail -n 2000 "$G/detections.csv" | sed 's/^\([A-Z0-9]*\)-/\1K-/'; } >"$C"
before=$(pgq "SELECT count(*) FROM roadsafe.detection")
pg_kill_at_copy --store "$P" ingest detections --quiet "$C"
eq "$(pgq "SELECT count(*) FROM roadsafe.detection")" "$before" "detections after the kill"
eq "$(pgq "SELECT count(*) FROM roadsafe.ingest_file WHERE name = '$C'")" "0" "log entry after the kill"
# and the file loads whole afterwards
WANT=0 load "$P" "$C"
has "$T/out" "loaded 2000, rejected 0, already present 0"

# two loaders of one file at the same moment: it loads once
E="$T/e.csv"
{ head -n 1 "$G/detections.csv"; sed -n '2000,2999p' "$G/detections.csv" | sed 's/^\([A-Z0-9]*\)-/\1E-/'; } >"$E"
before=$(pgq "SELECT count(*) FROM roadsafe.detection")
rm -f "$T/go"; mkfifo "$T/go"
rm -f "$T/l1.err"  # never an earlier run's pause line
ROADSAFE_TEST_PAUSE="ingest-pg-copied:$T/go" \
  "$RS" --store "$P" ingest detections --quiet "$E" >"$T/l1.out" 2>"$T/l1.err" &
l1=$!
while ! grep -q "paused at ingest-pg-copied" "$T/l1.err" && kill -0 "$l1" 2>/dev/null; do
  sleep 0.05; done
"$RS" --store "$P" ingest detections --quiet "$E" >"$T/l2.out" 2>"$T/l2.err" &
l2=$!
# the second waits for the first's log entry (a lock wait on the server)
while [ "$(pgq "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'roadsafe'
  AND wait_event_type = 'Lock'")" = "0" ] && kill -0 "$l2" 2>/dev/null; do sleep 0.05; done
exec 9<>"$T/go"; echo go >&9; exec 9>&-
st=0; wait "$l1" || st=$?; eq "$st" "0" "first loader"
st=0; wait "$l2" || st=$?; eq "$st" "0" "second loader"
has "$T/l1.out" "loaded 1000, rejected 0, already present 0"
has "$T/l2.out" "loaded 0, rejected 0, already present 1000"
eq "$(pgq "SELECT count(*) FROM roadsafe.detection")" "$((before + 1000))" "detections after two loaders"
eq "$(pgq "SELECT count(*) FROM roadsafe.ingest_file WHERE name = '$E'")" "1" "log entries of the file"

# standard input is not read twice: refused, clearly
run 2 "$RS" --store "$P" ingest detections - <"$D"
has "$T/err" "standard input cannot be loaded into a PostgreSQL workspace yet"
finish
