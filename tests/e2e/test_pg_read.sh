#!/usr/bin/env bash
# Every reading command on a PostgreSQL workspace reads one snapshot of it
# (store.h) and gives byte for byte what it gives on the same rows in
# SQLite: layers, tables, plans, maps and their messages (the output paths
# aside).  A reader never waits for a load: while a load holds its rows
# uncommitted, a reader answers from the rows committed before it.  The
# KSI target is kept in the workspace on both.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
need_sqlite3
pg_start

run 0 "$RS" keygen "$T/key"
export ROADSAFE_KEY_FILE="$T/key"
pg_pair
for s in "$W" "$P"; do
  run 0 "$RS" --store "$s" ingest detections --quiet "$G/detections.csv"
  run 0 "$RS" --store "$s" ingest concerns --quiet "$G/concerns.csv"
done

# each reader on both workspaces, output in $T/sqlite and $T/pg
readers() { # STORE DIR
  local s=$1 d=$2
  mkdir -p "$d"
  for layer in districts detections concerns; do
    "$RS" --store "$s" export "$layer" --out "$d/$layer" >"$d/$layer.out" 2>&1 || echo "rc $?" >>"$d/$layer.out"
  done
  "$RS" --store "$s" weekends --start 2021-01-01 --count 6 --mode ranked --out "$d/wk" >"$d/wk.out" 2>&1 || echo "rc $?" >>"$d/wk.out"
  "$RS" --store "$s" weekends --start 2021-01-01 --count 6 --mode unpredictable --seed 7 --format md \
    --out "$d/wku" >"$d/wku.out" 2>&1 || echo "rc $?" >>"$d/wku.out"
  "$RS" --store "$s" reoffend --from 2019-01-01 --to 2019-12-31 --format csv --out "$d/re.csv" \
    --plot "$d/re.png" >"$d/re.out" 2>&1 || echo "rc $?" >>"$d/re.out"
  "$RS" --store "$s" reoffend --from 2019-01-01 --to 2019-12-31 --format md >"$d/re.md" 2>&1 || echo "rc $?" >>"$d/re.md"
  "$RS" --store "$s" heatmap --out "$d/hm" >"$d/hm.out" 2>&1 || echo "rc $?" >>"$d/hm.out"
  "$RS" --store "$s" ksi --by year >"$d/ksi.out" 2>&1 || echo "rc $?" >>"$d/ksi.out"
  "$RS" --store "$s" target show >"$d/target.out" 2>&1 || echo "rc $?" >>"$d/target.out"
  "$RS" --store "$s" districts list --format csv >"$d/districts.csv" 2>&1 || echo "rc $?" >>"$d/districts.csv"
}
for s in "$W" "$P"; do
  run 0 "$RS" --store "$s" target set 2015-2019:40:2030
done
readers "$W" "$T/sqlite"
readers "$P" "$T/pg"
# the messages name the output paths; nothing else may differ
for f in "$T"/pg/*.out "$T"/pg/*.md; do
  sed -i "s#$T/pg/#$T/sqlite/#g" "$f"
done
diff -r "$T/sqlite" "$T/pg" >"$T/diff" || fail "readers differ between SQLite and PostgreSQL: $(head -c 2000 "$T/diff")"
n=$(find "$T/pg" -type f | wc -l)
[ "$n" -ge 30 ] || fail "expected the readers to write at least 30 files, got $n"
grep -q "15421 features" "$T/pg/detections.out" || fail "detections layer: $(cat "$T/pg/detections.out")"
grep -q "2015-2019:40:2030" "$T/pg/target.out" || fail "target show: $(cat "$T/pg/target.out")"

# the target is the workspace's: replaced, then cleared
run 0 "$RS" --store "$P" target set 2016-2019:30:2031
run 0 "$RS" --store "$P" target show
has "$T/out" "2016-2019:30:2031"
run 0 "$RS" --store "$P" target clear
has "$T/out" "target cleared"
run 0 "$RS" --store "$P" target show
has "$T/out" "no target set"

# a reader during a load: the load pauses holding its rows uncommitted;
# the reader answers at once from what was committed before it
extra="$T/extra.csv"
{ head -n 1 "$G/detections.csv"
  awk -F, -v OFS=, 'NR > 1 && NR <= 51 { $1 = "EXTRA-" NR; print }' "$G/detections.csv"; } >"$extra"
rm -f "$T/go"; mkfifo "$T/go"
rm -f "$T/l.err"  # never an earlier run's pause line
ROADSAFE_TEST_PAUSE="ingest-pg-copied:$T/go" "$RS" --store "$P" ingest detections "$extra" \
  >"$T/l.out" 2>"$T/l.err" &
loader=$!
while ! grep -q "paused at ingest-pg-copied" "$T/l.err" && kill -0 "$loader" 2>/dev/null; do
  sleep 0.05; done
grep -q "paused at ingest-pg-copied" "$T/l.err" || fail "the load did not reach its pause point"
run 0 "$RS" --store "$P" export detections --out "$T/during"
has "$T/out" "15421 features"
echo go >"$T/go"
wait "$loader" || fail "the paused load failed: $(cat "$T/l.err")"
run 0 "$RS" --store "$P" export detections --out "$T/after"
has "$T/out" "15471 features"

finish
