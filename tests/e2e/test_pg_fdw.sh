#!/usr/bin/env bash
# Past one server (README, "Shared workspace on PostgreSQL"): a workspace
# whose November 2020 pings live on a second cluster, attached as a
# postgres_fdw foreign partition with the README's own SQL, loads and maps
# as one server does: the load routes that month's rows to the other
# server, and heat maps (grid and kernel density) over both are
# byte-identical to those of a single server holding everything.  An
# aggregate over the remote month runs on the remote server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
pg_start
pg_start_second
readme_sql() {
  awk -v m="<!-- $1 -->" '$0 == m { f = 1; next } f && /^```sql/ { g = 1; next }
    g && /^```/ { exit } g { print }' "$(dirname "$0")/../../README.md"
}
readme_sql pg-fdw-remote-sql >"$T/remote.sql"
readme_sql pg-fdw-central-sql >"$T/central.sql"
grep -q "CREATE TABLE roadsafe.ping_2020_11" "$T/remote.sql" || fail "README remote block not found"
grep -q "CREATE FOREIGN TABLE" "$T/central.sql" || fail "README central block not found"
# the README's server is this test's second cluster
sed -i "s#host 'region-east.example', port '5432'#host '$PG2_DIR', port '5432'#; s#user 'roadsafe_loader'#user 'rs_admin'#" \
  "$T/central.sql"

run 0 "$GEN" --out "$T/gen" --seed 9
run 0 "$RS" keygen "$T/key"
export ROADSAFE_KEY_FILE="$T/key"
"${PSQL[@]}" -d postgres -c "CREATE DATABASE single" >/dev/null
ONE="postgresql://rs_admin@/single?host=$PG_DIR&port=5432"
TWO="$PG_URL"
for s in "$ONE" "$TWO"; do
  run 0 "$RS" --store "$s" init
  run 0 "$RS" --store "$s" districts load "$T/gen/districts.shp" --name-field NAME --code-field CODE
done
"${PSQL2[@]}" -f "$T/remote.sql" >/dev/null
"${PSQL[@]}" -f "$T/central.sql" >/dev/null
for s in "$ONE" "$TWO"; do
  run 0 "$RS" --store "$s" ingest telematics --quiet "$T/gen/telematics.csv"
  cp "$T/out" "$T/load.$([ "$s" = "$ONE" ] && echo one || echo two)"
done
cmp -s "$T/load.one" "$T/load.two" || fail "loads differ: $(cat "$T/load.one") / $(cat "$T/load.two")"

# November's pings are on the second server, and only there
nov="t >= 1604188800 AND t < 1606780800"
remote=$("${PSQL2[@]}" -c "SELECT count(*) FROM roadsafe.ping_2020_11")
single=$(PGDATABASE=single pgq "SELECT count(*) FROM roadsafe.ping WHERE $nov")
[ "$remote" -gt 1000 ] || fail "the remote month holds $remote pings"
eq "$remote" "$single" "November's pings on the second server"
eq "$(pgq "SELECT relkind FROM pg_class WHERE oid = 'roadsafe.ping_2020_11'::regclass")" "f" \
  "November is a foreign table"
eq "$(pgq "SELECT count(*) FROM roadsafe.ping")" "$(PGDATABASE=single pgq "SELECT count(*) FROM roadsafe.ping")" \
  "pings in all"
eq "$("${PSQL2[@]}" -c "SELECT count(*) FROM roadsafe.ping_2020_11 WHERE geom IS NULL")" "0" \
  "the remote rows' geometry"

# heat maps over both servers equal the single server's
for s in one two; do
  url=$ONE; [ $s = two ] && url=$TWO
  run 0 "$RS" --store "$url" heatmap --out "$T/$s-grid" --metric over_threshold --min-count 1
  run 0 "$RS" --store "$url" heatmap --out "$T/$s-nov" --from 2020-11-01 --to 2020-11-30 --metric p85
  run 0 "$RS" --store "$url" heatmap --out "$T/$s-kde" --kde 500 --pixel 100 --min-count 1
done
for m in grid nov kde; do
  for ext in csv dbf shp asc png; do
    [ -e "$T/one-$m.$ext" ] || continue
    cmp -s "$T/one-$m.$ext" "$T/two-$m.$ext" || fail "$m.$ext differs between one server and two"
  done
done
[ -s "$T/two-kde.asc" ] && [ -s "$T/two-grid.dbf" ] || fail "heat maps missing"

# an aggregate over the remote month's partition is computed by the remote
# server; over the whole table PostgreSQL 15 aggregates per partition
# (partitionwise) but counts the remote rows locally (README)
plan=$(pgq "EXPLAIN VERBOSE SELECT district_id, count(*) FROM roadsafe.ping_2020_11 GROUP BY district_id")
grep -q "Aggregate on (roadsafe.ping_2020_11)" <<<"$plan" || fail "the aggregate is not pushed down: $plan"
grep "Remote SQL" <<<"$plan" | grep -q "GROUP BY" || fail "the remote SQL has no GROUP BY: $plan"
plan=$(pgq "SET enable_partitionwise_aggregate = on; EXPLAIN VERBOSE SELECT district_id, count(*) FROM roadsafe.ping GROUP BY district_id")
grep -q "Partial HashAggregate" <<<"$plan" || fail "no partitionwise aggregate over roadsafe.ping: $plan"
grep -q "Remote SQL: SELECT district_id FROM roadsafe.ping_2020_11" <<<"$plan" ||
  fail "the whole-table plan reads the remote month otherwise than the README says: $plan"
finish
