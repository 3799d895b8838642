#!/usr/bin/env bash
# `roadsafe ingest concerns` on a PostgreSQL workspace against the same
# load on SQLite: the same summary line, rejects and stored rows; the same
# content loads once (again, under another name); a load killed (SIGKILL)
# between its COPY and its commit leaves nothing of the file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
need_sqlite3
pg_start

pg_pair

# A: the sample's concerns with bad rows among them (bad time, bad
# position, unknown source, empty source, a place outside every district)
A="$T/a.csv"
{
  head -n 300 "$G/concerns.csv"
  echo "2020-13-01T07:06:19Z,51.62,1.03,CSW"
  echo "2020-01-01T07:06:19Z,951.62,1.03,CSW"
  echo "2020-01-01T07:06:19Z,51.62,1.03,police"
  echo "2020-01-01T07:06:19Z,51.62,1.03,"
  echo "2020-01-01T07:06:19Z,53.80,-1.55,public"
  tail -n +301 "$G/concerns.csv"
} >"$A"

load() { # load STORE FILE: summary line in $T/out, rejects in $T/rej
  run "$WANT" "$RS" --store "$1" ingest concerns --quiet --rejects "$T/rej" "$2"
}
same_rows() {
  sql "$W" "SELECT t, printf('%.2f', e), printf('%.2f', n), coalesce(district_id, -1), source
    FROM concern ORDER BY t, e, n, source" >"$T/rows.sqlite"
  pgq "SELECT t, round(e::numeric, 2), round(n::numeric, 2), coalesce(district_id, -1), source
    FROM roadsafe.concern ORDER BY t, e, n, source COLLATE \"C\"" >"$T/rows.pg"
  [ "$(wc -l <"$T/rows.pg")" -gt 500 ] || fail "$1: too few concerns on PostgreSQL"
  cmp -s "$T/rows.sqlite" "$T/rows.pg" || fail "$1: stored concerns differ"
  eq "$(pgq "SELECT count(*) FROM roadsafe.reject")" "$(sql "$W" "SELECT count(*) FROM reject")" "$1: rejects stored"
  eq "$(pgq "SELECT count(*) FROM roadsafe.ingest_file WHERE kind = 'concerns'")" \
    "$(sql "$W" "SELECT count(*) FROM ingest_file WHERE kind = 'concerns'")" "$1: log entries"
}

WANT=1
pg_both a "$A"
has "$T/a.pg.out" "rejected 4"
has "$T/a.pg.rej" "source is not one of CSW, public, council, other"
same_rows "after A"
# info says the same of both, but for the workspace's name
run 0 "$RS" --store "$W" info; tail -n +2 "$T/out" >"$T/info.sqlite"
run 0 "$RS" --store "$P" info; tail -n +2 "$T/out" >"$T/info.pg"
has "$T/info.pg" "concerns"
cmp -s "$T/info.sqlite" "$T/info.pg" || fail "info differs: $(diff "$T/info.sqlite" "$T/info.pg" | head -5)"
# A again, and under another name: nothing new, on either
pg_both again "$A"
has "$T/again.pg.out" "loaded 0, rejected 4, already present"
cp "$A" "$T/renamed.csv"
pg_both renamed "$T/renamed.csv"
same_rows "after the reloads"
# the geometry follows the stored positions
eq "$(pgq "SELECT count(*) FROM roadsafe.concern WHERE geom IS NULL OR ST_X(geom) <> e OR ST_Y(geom) <> n")" \
  "0" "concern geometry"

# SIGKILL between the COPY and the commit: nothing of the file stays
C="$T/c.csv"
{ head -n 1 "$G/concerns.csv"; tail -n 200 "$G/concerns.csv" | awk -F, -v OFS=, '{ $1 = "2021" substr($1, 5); print }'; } >"$C"
before=$(pgq "SELECT count(*) FROM roadsafe.concern")
pg_kill_at_copy --store "$P" ingest concerns --quiet "$C"
eq "$(pgq "SELECT count(*) FROM roadsafe.concern")" "$before" "concerns after the kill"
eq "$(pgq "SELECT count(*) FROM roadsafe.ingest_file WHERE name = '$C'")" "0" "log entry after the kill"
# and the file loads whole afterwards
WANT=0 load "$P" "$C"
has "$T/out" "loaded 200, rejected 0"
eq "$(pgq "SELECT count(*) FROM roadsafe.concern")" "$((before + 200))" "concerns after the reload"

# standard input is not read twice: refused, clearly
run 2 "$RS" --store "$P" ingest concerns - <"$A"
has "$T/err" "concerns from standard input cannot be loaded into a PostgreSQL workspace yet"
finish
