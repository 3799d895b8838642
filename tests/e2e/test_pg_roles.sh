#!/usr/bin/env bash
# The roles of a shared workspace, exactly as the README sets them up
# (section "Shared workspace on PostgreSQL"): the loader creates and writes
# the workspace, the analyst may read every table (month partitions made
# later included) and write none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
pg_start

# the SQL blocks of the README, after their markers
readme_sql() {
  awk -v m="<!-- $1 -->" '$0 == m { f = 1; next } f && /^```sql/ { g = 1; next }
    g && /^```/ { exit } g { print }' README.md
}
readme_sql pg-setup-sql >"$T/setup.sql"
readme_sql pg-grants-sql >"$T/grants.sql"
grep -q "CREATE ROLE roadsafe_analyst" "$T/setup.sql" || fail "README setup block not found"
grep -q "GRANT SELECT" "$T/grants.sql" || fail "README grants block not found"

PGDATABASE=postgres "${PSQL[@]}" -f "$T/setup.sql" >/dev/null
URL="postgresql:///roadsafe"
run 0 "$GEN" --out "$T/gen" --seed 5
# the loader (no superuser) creates the workspace and loads the districts
PGUSER=roadsafe_loader run 0 "$RS" --store "$URL" init
PGUSER=roadsafe_loader run 0 "$RS" --store "$URL" districts load "$T/gen/districts.shp" \
  --name-field NAME --code-field CODE
PGUSER=roadsafe_loader "${PSQL[@]}" -d roadsafe -f "$T/grants.sql" >/dev/null
n=$(PGDATABASE=roadsafe pgq "SELECT count(*) FROM roadsafe.district")
[ "$n" -gt 0 ] || fail "no districts loaded"
# a month partition made after the grants
PGUSER=roadsafe_loader PGDATABASE=roadsafe pgq "SELECT roadsafe.ping_month(1700000000)" >/dev/null
# pings loaded after the grants, into month partitions the load makes
PGUSER=roadsafe_loader run 0 "$RS" --store "$URL" ingest telematics --quiet "$T/gen/telematics.csv"
pings=$(PGDATABASE=roadsafe pgq "SELECT count(*) FROM roadsafe.ping")
[ "$pings" -gt 0 ] || fail "no pings loaded"

an() { PGUSER=roadsafe_analyst PGDATABASE=roadsafe "${PSQL[@]}" -c "$1"; }
# the analyst reads the tables and the layers
eq "$(an "SELECT count(*) FROM roadsafe.district")" "$n" "analyst reads districts"
eq "$(an "SELECT count(*) FROM roadsafe.district WHERE ST_SRID(geom) = 27700")" "$n" "analyst reads the layer"
eq "$(an "SELECT count(*) FROM roadsafe.ping_2023_11")" "0" "analyst reads a later partition"
eq "$(an "SELECT count(*) FROM roadsafe.ping")" "$pings" "analyst reads the pings"
eq "$(an "SELECT count(*) FROM roadsafe.ping_2020_01")" \
  "$(PGDATABASE=roadsafe pgq "SELECT count(*) FROM roadsafe.ping_2020_01")" "analyst reads a partition a load made"
eq "$(an "SELECT value FROM roadsafe.meta WHERE key = 'schema_version'")" \
  "$(PGDATABASE=roadsafe pgq "SELECT value FROM roadsafe.meta WHERE key = 'schema_version'")" "analyst reads meta"
# and writes nothing
for stmt in "INSERT INTO roadsafe.meta(key, value) VALUES ('x', 'y')" \
            "DELETE FROM roadsafe.district" \
            "UPDATE roadsafe.district SET name = 'x'" \
            "INSERT INTO roadsafe.ping(file_id, source, t, e, n, speed_cmph, limit_mph, district_id, vehicle) VALUES (1, 'traffic', 1700000000, 1, 1, 0, 30, -1, 0)" \
            "CREATE TABLE roadsafe.mine (x int)"; do
  if an "$stmt" >/dev/null 2>"$T/an_err"; then
    fail "the analyst could: $stmt"
  fi
  has "$T/an_err" "permission denied"
done
# roadsafe run as the analyst: reading commands open it, writing ones fail cleanly
PGUSER=roadsafe_analyst run 3 "$RS" --store "$URL" districts load "$T/gen/districts.shp" \
  --name-field NAME --code-field CODE
has "$T/err" "permission denied"
eq "$(PGDATABASE=roadsafe pgq "SELECT count(*) FROM roadsafe.district")" "$n" "districts after the analyst's load"
eq "$(PGDATABASE=roadsafe pgq "SELECT count(*) FROM roadsafe.meta WHERE key = 'x'")" "0" "meta after the analyst"
finish
