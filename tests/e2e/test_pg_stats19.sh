#!/usr/bin/env bash
# `roadsafe ingest stats19` on a PostgreSQL workspace against the same loads
# on SQLite: the same summary lines, messages, exit codes, rejects, and the
# same stored collisions, casualties, vehicles and casualty adjustments,
# every column (floating point compared bit for bit), after each step: the
# generator's sample; the real-layout fixtures (2024, 1979-to-latest and
# 2023 releases, with vehicles and the adjustment lookup); a reload; a
# corrected file without --update (rejects) and with it (revisions, the
# rows keeping the file they came from); a casualty file whose collisions
# are missing, then loaded again once they are; a load killed (SIGKILL)
# between its COPY and its commit leaves nothing, revisions included;
# loads at the same moment wait for one another.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
need_sqlite3
pg_start
pg_pair
FX="$(cd "$(dirname "$0")/../fixtures/stats19" && pwd)"

# table|key|columns (:f floating point)
SPECS=(
  "collision|collision_index|collision_index t local_date severity e:f n:f district_id ons_district police_force speed_limit vehicles casualties enhanced_severity injury_based adjusted_serious:f adjusted_slight:f"
  "casualty|collision_index vehicle_ref casualty_ref|collision_index vehicle_ref casualty_ref severity casualty_class casualty_type sex age age_band adjusted_serious:f adjusted_slight:f enhanced_severity injury_based"
  "vehicle|collision_index vehicle_ref|collision_index vehicle_ref vehicle_type escooter towing sex_of_driver age_of_driver age_band_of_driver engine_cc propulsion age_of_vehicle"
  "casualty_adjustment|collision_index vehicle_ref casualty_ref|collision_index vehicle_ref casualty_ref adjusted_serious:f adjusted_slight:f injury_based"
)
# dump sqlite|pg OUT: every column of the four tables (and the name of the
# file each row came from), ordered by key
dump() {
  local b=$1 out=$2 spec tb keys cols c sel ord k
  : >"$out"
  for spec in "${SPECS[@]}"; do
    IFS='|' read -r tb keys cols <<<"$spec"
    sel="" ord=""
    for c in $cols; do
      case $c in
        *:f) c=${c%:f}
          if [ "$b" = sqlite ]; then
            sel+="CASE WHEN x.$c IS NULL THEN 'null' ELSE hex(ieee754_to_blob(x.$c)) END, "
          else
            sel+="coalesce(upper(encode(float8send(x.$c), 'hex')), 'null'), "
          fi ;;
        *) sel+="coalesce(CAST(x.$c AS text), 'null'), " ;;
      esac
    done
    for k in $keys; do
      ord+="${ord:+, }x.$k"
      [ "$b" = pg ] && [ "$k" = collision_index ] && ord+=' COLLATE "C"'
    done
    echo "== $tb" >>"$out"
    if [ "$b" = sqlite ]; then
      sql "$W" "SELECT ${sel}f.name FROM $tb x JOIN ingest_file f ON f.id = x.file_id ORDER BY $ord" >>"$out"
    else
      pgq "SELECT ${sel}f.name FROM roadsafe.$tb x JOIN roadsafe.ingest_file f ON f.id = x.file_id
        ORDER BY $ord" >>"$out"
    fi
  done
}
same_rows() {
  dump sqlite "$T/rows.sqlite"
  dump pg "$T/rows.pg"
  cmp -s "$T/rows.sqlite" "$T/rows.pg" ||
    fail "$1: stored rows differ: $(diff "$T/rows.sqlite" "$T/rows.pg" | head -4)"
}
# both NAME WANT ARG...: `ingest stats19 ARG...` on W, then on P; the same
# stdout, stderr, exit code (WANT) and rejects, then the same rows
both() {
  local name=$1 want=$2 b s x got; shift 2
  for b in sqlite pg; do
    s=$W; [ "$b" = pg ] && s=$P
    got=0
    "$RS" --store "$s" ingest stats19 --quiet --rejects "$T/$name.$b.rej" "$@" \
      >"$T/$name.$b.out" 2>"$T/$name.$b.err" || got=$?
    echo "$got" >"$T/$name.$b.rc"
  done
  for x in out err rc rej; do
    cmp -s "$T/$name.sqlite.$x" "$T/$name.pg.$x" ||
      fail "$name: $x differs: $(diff "$T/$name.sqlite.$x" "$T/$name.pg.$x" | head -4)"
  done
  eq "$(cat "$T/$name.pg.rc")" "$want" "$name: exit code"
  same_rows "$name"
}
count() { pgq "SELECT count(*) FROM roadsafe.$1"; }

# the generator's sample (collision file sorted first by the command)
both sample 0 "$G/casualties.csv" "$G/collisions.csv"
has "$T/sample.pg.out" "collisions.csv (collisions): loaded"
has "$T/sample.pg.out" "casualties.csv (casualties): loaded"
[ "$(count collision)" -gt 1000 ] || fail "too few collisions on PostgreSQL: $(count collision)"
[ "$(count casualty)" -gt 1000 ] || fail "too few casualties on PostgreSQL: $(count casualty)"
# loaded again: nothing new
both reload 0 "$G/collisions.csv" "$G/casualties.csv"
has "$T/reload.pg.out" "(collisions): loaded 0, rejected 0, already present"
has "$T/reload.pg.out" "(casualties): loaded 0, rejected 0, already present"

# the real layouts: 2024 (vehicles), 1979-to-latest, 2023 with the lookup
both f2024 0 "$FX/vehicles_2024.csv" "$FX/casualties_2024.csv" "$FX/collisions_2024.csv"
has "$T/f2024.pg.out" "vehicles_2024.csv (vehicles): loaded 9"
both f1979 0 "$FX/collisions_1979_latest.csv" "$FX/vehicles_1979_latest.csv" \
  "$FX/casualties_1979_latest.csv"
both f2023 0 "$FX/collisions_2023.csv" "$FX/casualties_2023.csv" "$FX/vehicles_2023.csv" \
  "$FX/casualty_adjustment_lookup_2004_2023.csv"
has "$T/f2023.pg.out" "(casualty adjustments): loaded 5"
has "$T/f2023.pg.out" "2 of collisions not in the workspace (skipped)"
[ "$(count vehicle)" -gt 0 ] || fail "no vehicles on PostgreSQL"
[ "$(count casualty_adjustment)" = 5 ] || fail "adjustments on PostgreSQL: $(count casualty_adjustment)"
both f2023again 0 "$FX/collisions_2023.csv" "$FX/casualties_2023.csv" "$FX/vehicles_2023.csv" \
  "$FX/casualty_adjustment_lookup_2004_2023.csv"
lacks "$T/f2023again.pg.out" "loaded 1"

# a corrected release: speed limits, a location (so the district), a vehicle
# count, ages; without --update each differing row is rejected naming the
# column, with it they are revised (in both tables) and keep their file
awk -F, -v OFS=, 'NR >= 10 && NR <= 14 { $21 = ($21 == 30 ? 20 : 30) }
  NR == 20 { $4 = $4 + 1500 } NR == 40 { $10 = $10 + 1 } NR <= 201' \
  "$G/collisions.csv" >"$T/coll_fix.csv"
awk -F, -v OFS=, 'NR >= 5 && NR <= 8 { $8 = ($8 < 0 ? 30 : ($8 + 1) % 100) } NR <= 101' \
  "$G/casualties.csv" >"$T/cas_fix.csv"
both fix 1 "$T/coll_fix.csv" "$T/cas_fix.csv"
has "$T/fix.pg.out" "coll_fix.csv (collisions): loaded 0, rejected 7, already present 193"
has "$T/fix.pg.out" "cas_fix.csv (casualties): loaded 0, rejected 4, already present 96"
has "$T/fix.pg.rej" "speed_limit,collision already loaded with a different value here"
has "$T/fix.pg.rej" "age_of_casualty,casualty already loaded with a different value here"
both fix_update 0 --update "$T/coll_fix.csv" "$T/cas_fix.csv"
has "$T/fix_update.pg.out" "already present 193, revised 7"
has "$T/fix_update.pg.out" "already present 96, revised 4"
# (the revised rows still name the sample's files: same_rows compares that)
grep -q "coll_fix.csv" "$T/rows.pg" && fail "a revised collision took the corrected file's id"
both fix_update_again 0 --update "$T/coll_fix.csv" "$T/cas_fix.csv"
lacks "$T/fix_update_again.pg.out" "revised"
# the geometry follows the revised positions
eq "$(pgq "SELECT count(*) FROM roadsafe.collision WHERE (e IS NULL) <> (geom IS NULL)
  OR ST_X(geom) <> e OR ST_Y(geom) <> n")" "0" "collision geometry"

# casualties of collisions not loaded yet: rejected; once their collisions
# are in, the same file loads them
awk -F, -v OFS=, 'NR == 1 { print; next } NR <= 31 { $1 = "Z" $1; print }' \
  "$G/collisions.csv" >"$T/coll_z.csv"
awk -F, -v OFS=, 'NR == FNR { if (FNR > 1) z[$1] = 1; next }
  FNR == 1 { print; next } FNR >= 200 && FNR <= 204 { print } ("Z" $1) in z { $1 = "Z" $1; print }' \
  "$T/coll_z.csv" "$G/casualties.csv" >"$T/cas_z.csv"
both orphans 1 "$T/cas_z.csv"
has "$T/orphans.pg.rej" "no such collision in the workspace (load the collision file first)"
has "$T/orphans.pg.out" "already present 5"
both orphans_parents 0 "$T/coll_z.csv"
has "$T/orphans_parents.pg.out" "loaded 30, rejected 0"
both orphans_again 0 "$T/cas_z.csv"
has "$T/orphans_again.pg.out" "rejected 0, already present 5"
lacks "$T/orphans_again.pg.out" "loaded 0,"

# SIGKILL between the COPY and the commit: nothing of the file stays
awk -F, -v OFS=, 'NR == 1 { print; next } { $1 = "K" $1; print }' \
  "$G/collisions.csv" >"$T/coll_k.csv"
cp "$T/rows.pg" "$T/rows.before"
files=$(count ingest_file)
pg_kill_at_copy --store "$P" ingest stats19 --quiet "$T/coll_k.csv"
dump pg "$T/rows.pg"
cmp -s "$T/rows.before" "$T/rows.pg" || fail "rows changed by the killed load"
eq "$(count ingest_file)" "$files" "log entries after the kill"
# and a killed revision leaves the stored rows as they were (three speed
# limits, and back to the sample's values the seven revised above)
awk -F, -v OFS=, 'NR >= 2 && NR <= 4 { $21 = ($21 == 70 ? 60 : 70) } NR <= 50' \
  "$G/collisions.csv" >"$T/coll_fix2.csv"
pg_kill_at_copy --store "$P" ingest stats19 --update --quiet "$T/coll_fix2.csv"
dump pg "$T/rows.pg"
cmp -s "$T/rows.before" "$T/rows.pg" || fail "rows changed by the killed revision"
# then both load whole
both killed 0 "$T/coll_k.csv"
has "$T/killed.pg.out" "rejected 0, already present 0"
both killed_fix 0 --update "$T/coll_fix2.csv"
has "$T/killed_fix.pg.out" "revised 10"

# loads at the same moment wait for one another: a second load of the same
# collision file finds its rows, a casualty file its collisions
awk -F, -v OFS=, 'NR == 1 { print; next } NR <= 501 { $1 = "C" $1; print }' \
  "$G/collisions.csv" >"$T/coll_c.csv"
awk -F, -v OFS=, 'NR == FNR { if (FNR > 1) c[$1] = 1; next }
  FNR == 1 { print; next } ("C" $1) in c { $1 = "C" $1; print }' \
  "$T/coll_c.csv" "$G/casualties.csv" >"$T/cas_c.csv"
ncas=$(($(wc -l <"$T/cas_c.csv") - 1))
rm -f "$T/go"; mkfifo "$T/go"
rm -f "$T/l1.err"  # never an earlier run's pause line
ROADSAFE_TEST_PAUSE="ingest-pg-copied:$T/go" \
  "$RS" --store "$P" ingest stats19 --quiet "$T/coll_c.csv" >"$T/l1.out" 2>"$T/l1.err" &
l1=$!
while ! grep -q "paused at ingest-pg-copied" "$T/l1.err" && kill -0 "$l1" 2>/dev/null; do
  sleep 0.05; done
"$RS" --store "$P" ingest stats19 --quiet "$T/coll_c.csv" >"$T/l2.out" 2>"$T/l2.err" &
l2=$!
"$RS" --store "$P" ingest stats19 --quiet "$T/cas_c.csv" >"$T/l3.out" 2>"$T/l3.err" &
l3=$!
# both wait on the server (lock waits) until the first commits
while [ "$(pgq "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'roadsafe'
  AND wait_event_type = 'Lock'")" != "2" ] && kill -0 "$l2" 2>/dev/null && kill -0 "$l3" 2>/dev/null
do sleep 0.05; done
exec 9<>"$T/go"; echo go >&9; exec 9>&-
st=0; wait "$l1" || st=$?; eq "$st" "0" "first loader"
st=0; wait "$l2" || st=$?; eq "$st" "0" "second loader"
st=0; wait "$l3" || st=$?; eq "$st" "0" "casualty loader"
has "$T/l1.out" "loaded 500, rejected 0, already present 0"
has "$T/l2.out" "loaded 0, rejected 0, already present 500"
has "$T/l3.out" "loaded $ncas, rejected 0, already present 0"
eq "$(pgq "SELECT count(*) FROM roadsafe.ingest_file WHERE name = '$T/coll_c.csv'")" "1" \
  "log entries of the file loaded twice at once"

# standard input is not read twice: refused, clearly
run 2 "$RS" --store "$P" ingest stats19 - <"$G/collisions.csv"
has "$T/err" "stats19 from standard input cannot be loaded into a PostgreSQL workspace yet"
finish
