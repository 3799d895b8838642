#!/usr/bin/env bash
# The rejects kept per file are bounded: a small gzip of garbage (50,000
# bad lines) used to add every one of them to the rejects file and the
# workspace.  At most --max-rejects (default 10,000) are kept per file,
# all are counted, and the summary and the last line of the rejects file
# say how many more were not kept.
source "$(dirname "$0")/lib.sh"
need_sqlite3

W="$T/ws.db"
run 0 "$RS" init --store "$W"
{ echo "timestamp,lat,lon,source"; seq 1 50000 | sed 's/^/junk,/'; } | gzip -c > "$T/junk.csv.gz"
[ "$(stat -c %s "$T/junk.csv.gz")" -lt 200000 ] || fail "the test file is not small"

run 1 "$RS" ingest concerns "$T/junk.csv.gz" --store "$W" --rejects "$T/r.csv"
has "$T/out" "loaded 0, rejected 50000"
has "$T/out" "(40000 of them not kept: at most 10000 per file, --max-rejects)"
eq "$(wc -l < "$T/r.csv")" "10002" "rejects file lines (header, 10000 rejects, the note)"
eq "$(tail -n 1 "$T/r.csv")" "$T/junk.csv.gz,,,40000 more rejected rows not kept (at most 10000 kept per file)" \
  "the rejects file's last line"
eq "$(sed -n 10001p "$T/r.csv" | cut -d, -f2)" "10001" "the last reject kept is line 10001"
eq "$(sql "$W" "SELECT count(*) FROM reject")" "10000" "rejects kept in the workspace"
eq "$(sql "$W" "SELECT rows_rejected FROM ingest_file")" "50000" "rejects counted in the workspace"

# a smaller cap, and on stderr without --rejects
gzip -dc "$T/junk.csv.gz" | sed 's/^junk,/junk2,/' > "$T/junk2.csv"
run 1 "$RS" ingest concerns "$T/junk2.csv" --store "$W" --max-rejects 3
has "$T/out" "rejected 50000"
has "$T/out" "(49997 of them not kept: at most 3 per file"
eq "$(grep -c '^  rejected: ' "$T/err")" "3" "rejects shown on stderr"
has "$T/err" "... 49997 more"

# 0 keeps them all
gzip -dc "$T/junk.csv.gz" | sed 's/^junk,/junk3,/' > "$T/junk3.csv"
run 1 "$RS" ingest concerns "$T/junk3.csv" --store "$W" --max-rejects 0 --rejects "$T/r3.csv"
eq "$(wc -l < "$T/r3.csv")" "50001" "--max-rejects 0: every reject kept"
lacks "$T/out" "not kept"

# a bad value is refused before anything is done
for v in -1 x 1.5 ""; do
  run 2 "$RS" ingest concerns "$T/junk3.csv" --store "$W" --max-rejects "$v"
  has "$T/err" "--max-rejects is a whole number"
done
finish
