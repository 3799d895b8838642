#!/usr/bin/env bash
# Crash safety: `roadsafe ingest` killed with SIGKILL at random moments, at
# least 24 times across telematics (traffic and fleet), detections and
# STATS19 files.  After every kill the workspace must open (`roadsafe info`),
# pass PRAGMA integrity_check and foreign_key_check, hold no half-loaded
# file (every ingest_file row's rows_loaded / rows_rejected equal the records
# / rejects carrying its file_id; no 'pending' row; no record without its
# ingest_file row), and running the same ingest again to the end must give
# exactly the counts of a clean single load.
#
# Kill moments come from the ingest's own duration on this machine, not from
# a fixed range: a clean load of each kind is timed first, and each kill is
# drawn uniformly within that kind's measured duration.  An ingest that
# finishes before its kill (the machine sped up, or the draw fell at the very
# end) halves that kind's window, so a kill always lands eventually: the
# window can halve only log2(duration in ms) times before the kill is sent at
# once.  The test keeps going until RS_CRASH_KILLS (default 24) kills landed
# mid-ingest, within a bound on rounds computed from the measured durations.
# Draws come from bash's RANDOM, seeded from RS_CRASH_SEED (default: the
# clock) and printed, so a failure can be replayed (the draws replay; the
# windows follow this machine's speed).
source "$(dirname "$0")/lib.sh"
need_sqlite3

SEED=${RS_CRASH_SEED:-$(date +%s)}
RANDOM=$SEED
echo "crash test: seed $SEED (replay with RS_CRASH_SEED=$SEED)"
MIN_KILLS=${RS_CRASH_KILLS:-24}

run 0 "$GEN" --out "$T/gen" --seed 5
G="$T/gen"
run 0 "$RS" keygen "$T/key"
export ROADSAFE_KEY_FILE="$T/key"
run 0 "$RS" init --store "$T/base.db"
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --code-field CODE --store "$T/base.db"

# The ingests under test: kind and arguments.
kinds=(telematics fleet detections stats19)
args_of() {
  case "$1" in
    telematics) echo "telematics $G/telematics.csv" ;;
    fleet) echo "telematics --source fleet $G/fleet.csv" ;;
    detections) echo "detections $G/detections.csv" ;;
    stats19) echo "stats19 $G/collisions.csv $G/casualties.csv" ;;
  esac
}

# What a kind stores, as one line of counts.
counts() {
  sql "$1" "SELECT (SELECT coalesce(sum(n), 0) FROM ping_chunk WHERE source = 'traffic') || ' ' ||
                   (SELECT coalesce(sum(n), 0) FROM ping_chunk WHERE source = 'fleet') || ' ' ||
                   (SELECT count(*) FROM fleet_vehicle) || ' ' ||
                   (SELECT count(*) FROM detection) || ' ' ||
                   (SELECT count(*) FROM collision) || ' ' ||
                   (SELECT count(*) FROM casualty) || ' ' ||
                   (SELECT count(*) FROM reject)"
}

# Ingest log rows that disagree with what is stored, and stored rows whose
# ingest log row is missing.
inconsistent() {
  sql "$1" "SELECT count(*) FROM ingest_file f WHERE f.kind = 'pending' OR f.rows_loaded <>
              CASE f.kind
                WHEN 'telematics' THEN (SELECT coalesce(sum(n), 0) FROM ping_chunk p WHERE p.file_id = f.id)
                WHEN 'fleet' THEN (SELECT coalesce(sum(n), 0) FROM ping_chunk p WHERE p.file_id = f.id)
                WHEN 'detections' THEN (SELECT count(*) FROM detection d WHERE d.file_id = f.id)
                WHEN 'collisions' THEN (SELECT count(*) FROM collision c WHERE c.file_id = f.id)
                WHEN 'casualties' THEN (SELECT count(*) FROM casualty c WHERE c.file_id = f.id)
                WHEN 'concerns' THEN (SELECT count(*) FROM concern c WHERE c.file_id = f.id)
                ELSE -1 END
              OR f.rows_rejected <> (SELECT count(*) FROM reject r WHERE r.file_id = f.id)"
}
orphans() {
  sql "$1" "SELECT (SELECT count(*) FROM ping_chunk WHERE file_id NOT IN (SELECT id FROM ingest_file)) +
                   (SELECT count(*) FROM detection WHERE file_id NOT IN (SELECT id FROM ingest_file)) +
                   (SELECT count(*) FROM collision WHERE file_id NOT IN (SELECT id FROM ingest_file)) +
                   (SELECT count(*) FROM casualty WHERE file_id NOT IN (SELECT id FROM ingest_file)) +
                   (SELECT count(*) FROM reject WHERE file_id NOT IN (SELECT id FROM ingest_file))"
}


# Clean single loads: the counts each kind must end with, and the time a
# load of that kind takes here and now (the window kills are drawn from).
declare -A want window
halvings=0
for k in "${kinds[@]}"; do
  cp "$T/base.db" "$T/ref.db"
  t0=$(now_ms)
  # shellcheck disable=SC2046
  run 0 "$RS" ingest $(args_of "$k") --quiet --store "$T/ref.db"
  window[$k]=$(( $(now_ms) - t0 ))
  [ "${window[$k]}" -ge 1 ] || window[$k]=1
  halvings=$((halvings + $(log2_up "${window[$k]}") + 1))
  want[$k]=$(counts "$T/ref.db")
  rm -f "$T/ref.db"*
  echo "crash test: a clean $k load takes ${window[$k]} ms here"
done
# Every round sends one or two kills; a kill lands unless the ingest beat it,
# and each time one does, its kind's window halves.  So MIN_KILLS kills need
# at most MIN_KILLS rounds plus one round per possible halving.
max_rounds=$((MIN_KILLS + halvings))

kills=0 finished=0 iter=0
while [ "$kills" -lt "$MIN_KILLS" ] && [ "$iter" -lt "$max_rounds" ]; do
  k=${kinds[$((iter % ${#kinds[@]}))]}
  iter=$((iter + 1))
  W="$T/ws.db"
  rm -f "$W" "$W-wal" "$W-shm" "$W-journal"
  cp "$T/base.db" "$W"
  # every other round the file is half loaded already by an earlier killed
  # run: kill the second attempt too
  attempts=$(( (RANDOM % 2) + 1 ))
  for _ in $(seq "$attempts"); do
    # shellcheck disable=SC2046
    # fleet, detection and STATS19 files are loaded directly (rollback
    # journal, as every big file is), telematics through the WAL
    crash_attempt "$k" env ROADSAFE_DIRECT_LOAD_MB=$([ "$k" = telematics ] && echo 64 || echo 0) \
      "$RS" ingest $(args_of "$k") --quiet --store "$W"
    # the workspace opens, is intact and holds no half-loaded file
    run 0 "$RS" info --store "$W"
    eq "$(sql "$W" "PRAGMA integrity_check")" "ok" "$k ($what): integrity_check"
    eq "$(sql "$W" "PRAGMA foreign_key_check" | wc -l)" "0" "$k ($what): foreign_key_check"
    eq "$(inconsistent "$W")" "0" "$k ($what): ingest log rows disagreeing with stored records"
    eq "$(orphans "$W")" "0" "$k ($what): records without their ingest log row"
  done
  # running it again completes the load exactly
  # shellcheck disable=SC2046
  run 0 "$RS" ingest $(args_of "$k") --quiet --store "$W"
  eq "$(counts "$W")" "${want[$k]}" "$k: counts after a rerun (traffic fleet vehicles detections collisions casualties rejects)"
  eq "$(inconsistent "$W")" "0" "$k: ingest log after the rerun"
done

echo "crash test: $kills kills, $finished ingests finished before their kill, $iter rounds of at most $max_rounds (seed $SEED)"
[ "$kills" -ge "$MIN_KILLS" ] || fail "only $kills kills landed while ingest ran (want $MIN_KILLS)"
finish
