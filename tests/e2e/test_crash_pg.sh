#!/usr/bin/env bash
# Crash safety on PostgreSQL (test_crash.sh is the SQLite one): `roadsafe
# ingest` into a PostgreSQL workspace killed with SIGKILL at random moments,
# at least 15 times across telematics (traffic and fleet), detections,
# STATS19 and concerns files.  After every kill the workspace holds no
# half-loaded file: every ingest_file row's rows_loaded and rows_rejected
# equal the records and rejects carrying its id, and no record lacks its
# ingest_file row; running the same ingest again to the end gives exactly
# the rows of a clean single load.  Kill moments are drawn within each
# kind's measured duration here, halving it when a load beats its kill
# (test_crash.sh explains the bound); draws replay with RS_CRASH_SEED.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
pg_start

SEED=${RS_CRASH_SEED:-$(date +%s)}
RANDOM=$SEED
echo "crash test (PostgreSQL): seed $SEED (replay with RS_CRASH_SEED=$SEED)"
MIN_KILLS=${RS_CRASH_KILLS:-15}

run 0 "$GEN" --out "$T/gen" --seed 5
G="$T/gen"
run 0 "$RS" keygen "$T/key"
export ROADSAFE_KEY_FILE="$T/key"
# every round starts from a copy of this database (CREATE DATABASE ... TEMPLATE)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE base" >/dev/null
BASE="postgresql://rs_admin@/base?host=$PG_DIR&port=5432"
run 0 "$RS" --store "$BASE" init
run 0 "$RS" --store "$BASE" districts load "$G/districts.shp" --name-field NAME --code-field CODE
WS="postgresql://rs_admin@/ws?host=$PG_DIR&port=5432"
fresh() {
  "${PSQL[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS ws WITH (FORCE)" -c "CREATE DATABASE ws TEMPLATE base" >/dev/null
}
q() { PGDATABASE=ws pgq "$1"; }

kinds=(telematics fleet detections stats19 concerns)
args_of() {
  case "$1" in
    telematics) echo "telematics $G/telematics.csv" ;;
    fleet) echo "telematics --source fleet $G/fleet.csv" ;;
    detections) echo "detections $G/detections.csv" ;;
    stats19) echo "stats19 $G/collisions.csv $G/casualties.csv" ;;
    concerns) echo "concerns $G/concerns.csv" ;;
  esac
}
# what the workspace stores, one line
counts() {
  q "SELECT (SELECT count(*) FROM roadsafe.ping WHERE source = 'traffic') || ' ' ||
            (SELECT count(*) FROM roadsafe.ping WHERE source = 'fleet') || ' ' ||
            (SELECT count(*) FROM roadsafe.fleet_vehicle) || ' ' ||
            (SELECT count(*) FROM roadsafe.detection) || ' ' ||
            (SELECT count(*) FROM roadsafe.collision) || ' ' ||
            (SELECT count(*) FROM roadsafe.casualty) || ' ' ||
            (SELECT count(*) FROM roadsafe.concern) || ' ' ||
            (SELECT count(*) FROM roadsafe.reject) || ' ' ||
            (SELECT count(*) FROM roadsafe.ingest_file)"
}
# ingest log rows that disagree with what carries their id
inconsistent() {
  q "SELECT count(*) FROM roadsafe.ingest_file f WHERE f.rows_loaded <>
       (SELECT count(*) FROM roadsafe.ping p WHERE p.file_id = f.id) +
       (SELECT count(*) FROM roadsafe.detection d WHERE d.file_id = f.id) +
       (SELECT count(*) FROM roadsafe.collision c WHERE c.file_id = f.id) +
       (SELECT count(*) FROM roadsafe.casualty c WHERE c.file_id = f.id) +
       (SELECT count(*) FROM roadsafe.concern c WHERE c.file_id = f.id)
     OR f.rows_rejected <> (SELECT count(*) FROM roadsafe.reject r WHERE r.file_id = f.id)"
}
orphans() {
  q "SELECT (SELECT count(*) FROM roadsafe.ping WHERE file_id NOT IN (SELECT id FROM roadsafe.ingest_file)) +
            (SELECT count(*) FROM roadsafe.concern WHERE file_id NOT IN (SELECT id FROM roadsafe.ingest_file)) +
            (SELECT count(*) FROM roadsafe.reject WHERE file_id NOT IN (SELECT id FROM roadsafe.ingest_file)) +
            (SELECT count(*) FROM roadsafe.ping_other)"
}

declare -A want window
halvings=0
for k in "${kinds[@]}"; do
  fresh
  t0=$(now_ms)
  # shellcheck disable=SC2046
  run 0 "$RS" --store "$WS" ingest $(args_of "$k") --quiet
  window[$k]=$(( $(now_ms) - t0 ))
  [ "${window[$k]}" -ge 1 ] || window[$k]=1
  halvings=$((halvings + $(log2_up "${window[$k]}") + 1))
  want[$k]=$(counts)
  eq "$(inconsistent)" "0" "$k: a clean load's ingest log"
  echo "crash test: a clean $k load takes ${window[$k]} ms here: $(counts)"
done
max_rounds=$((MIN_KILLS + halvings))

kills=0 finished=0 iter=0
while [ "$kills" -lt "$MIN_KILLS" ] && [ "$iter" -lt "$max_rounds" ]; do
  k=${kinds[$((iter % ${#kinds[@]}))]}
  iter=$((iter + 1))
  fresh
  attempts=$(( (RANDOM % 2) + 1 ))
  for _ in $(seq "$attempts"); do
    # shellcheck disable=SC2046
    crash_attempt "$k" "$RS" --store "$WS" ingest $(args_of "$k") --quiet
    run 0 "$RS" --store "$WS" info
    eq "$(inconsistent)" "0" "$k ($what): ingest log rows disagreeing with stored records"
    eq "$(orphans)" "0" "$k ($what): records without their ingest log row"
  done
  # shellcheck disable=SC2046
  run 0 "$RS" --store "$WS" ingest $(args_of "$k") --quiet
  eq "$(counts)" "${want[$k]}" "$k: rows after a rerun (traffic fleet vehicles detections collisions casualties concerns rejects files)"
  eq "$(inconsistent)" "0" "$k: ingest log after the rerun"
done
echo "crash test (PostgreSQL): $kills kills, $finished finished before their kill, $iter rounds of at most $max_rounds (seed $SEED)"
[ "$kills" -ge "$MIN_KILLS" ] || fail "only $kills kills landed while ingest ran (want $MIN_KILLS)"
finish
