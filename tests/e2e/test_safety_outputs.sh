#!/usr/bin/env bash
# A command that writes a set of files (heatmap: .shp .shx .dbf .prj .cpg
# .csv .png; ksi --out --chart; weekends --out; export; the board pack)
# and is stopped part-way leaves the old set or the whole new one, never a
# mix, and (unless killed with SIGKILL) no temporary files and no
# /tmp/roadsafe-pack-* folder.  The stop comes at a named point through the
# test hook ROADSAFE_TEST_STOP_AT (engine/base/atomic.h), never by timing:
#   set-first   the first file of the set is finished, the rest not written
#   set-commit  every file finished and synced, none renamed yet
#   set-rename  the first rename done: SIGTERM/SIGINT/SIGHUP finish the
#               renames (new set); SIGKILL leaves each file whole, old or new
#   pack-image  the board pack has an image in its private folder
# A file in the set that cannot be moved into place (a folder in the way)
# fails the command before any file of the set changes.
source "$(dirname "$0")/lib.sh"

run 0 "$GEN" --out "$T/gen" --seed 3
G="$T/gen"
export ROADSAFE_STORE="$T/ws.db"
run 0 "$RS" init
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --code-field CODE
run 0 "$RS" ingest telematics "$G/telematics.csv" --quiet
run 0 "$RS" ingest concerns "$G/concerns.csv"
run 0 "$RS" ingest stats19 "$G/collisions.csv" "$G/casualties.csv"
export TMPDIR="$T/tmp"   # where the board pack keeps its images
mkdir -p "$TMPDIR"

# sums DIR: md5 and name of every file, temporaries left out
sums() { (cd "$1" && find . -maxdepth 1 -type f ! -name '*.tmp*' -printf '%f\n' | sort |
          while read -r f; do echo "$(md5sum < "$f" | cut -c1-32) $f"; done); }
strays() { (cd "$1" && find . -maxdepth 1 -name '*.tmp*' -printf '%f ') ; }

# check NAME 'OLD ARGS' 'NEW ARGS': OLD and NEW are the command's arguments
# with D standing for the output folder
check() {
  local name=$1 old=$2 new=$3 D="$T/$1" R="$T/$1.ref"
  mkdir -p "$D" "$R"
  # shellcheck disable=SC2086
  run 0 "$RS" ${old//@/$D}; sums "$D" > "$T/$name.old"
  # shellcheck disable=SC2086
  run 0 "$RS" ${new//@/$R}; sums "$R" > "$T/$name.new"
  cmp -s "$T/$name.old" "$T/$name.new" && fail "$name: the old and new sets are the same"
  local p sig code
  for p in set-first set-commit; do
    for sig in TERM INT KILL; do
      code=0
      # shellcheck disable=SC2086
      ROADSAFE_TEST_STOP_AT=$p ROADSAFE_TEST_STOP_SIGNAL=$sig "$RS" ${new//@/$D} \
        >"$T/out" 2>"$T/err" || code=$?
      [ "$code" -ge 128 ] || fail "$name at $p ($sig): not stopped (exit $code)"
      sums "$D" | cmp -s - "$T/$name.old" || fail "$name at $p ($sig): the old set changed"
      if [ "$sig" = KILL ]; then
        rm -f "$D"/*.tmp*          # SIGKILL cannot be caught: temporaries may stay
      else
        [ -z "$(strays "$D")" ] || fail "$name at $p ($sig): temporaries left: $(strays "$D")"
      fi
    done
  done
  # stopped among the renames: a signal that can be caught ends with the new set
  for sig in TERM INT; do
    run 0 "$RS" ${old//@/$D}
    code=0
    # shellcheck disable=SC2086
    ROADSAFE_TEST_STOP_AT=set-rename ROADSAFE_TEST_STOP_SIGNAL=$sig "$RS" ${new//@/$D} \
      >"$T/out" 2>"$T/err" || code=$?
    [ "$code" -ge 128 ] || fail "$name at set-rename ($sig): not stopped (exit $code)"
    sums "$D" | cmp -s - "$T/$name.new" || { fail "$name at set-rename ($sig): not the new set";
      sums "$D" | diff - "$T/$name.new" | head -4 >&2; }
    [ -z "$(strays "$D")" ] || fail "$name at set-rename ($sig): temporaries left: $(strays "$D")"
  done
  # SIGKILL among the renames: every file is whole, the old one or the new one
  run 0 "$RS" ${old//@/$D}
  # shellcheck disable=SC2086
  ROADSAFE_TEST_STOP_AT=set-rename "$RS" ${new//@/$D} >"$T/out" 2>"$T/err" || true
  while read -r sum f; do
    grep -qx "$sum $f" "$T/$name.old" "$T/$name.new" ||
      fail "$name at set-rename (KILL): $f is neither the old nor the new file"
  done < <(sums "$D")
  rm -f "$D"/*.tmp*
  # and run to the end, the new set
  # shellcheck disable=SC2086
  run 0 "$RS" ${new//@/$D}
  sums "$D" | cmp -s - "$T/$name.new" || fail "$name: a full run does not give the new set"
}

check heatmap "heatmap --grid square:1000 --out @/heat" "heatmap --grid square:500 --out @/heat"
check heatmap_kde "heatmap --kde 800 --pixel 200 --out @/kde" "heatmap --kde 500 --pixel 200 --out @/kde"
check ksi "ksi --by year --format csv --out @/k.csv --chart @/k.png" \
          "ksi --by quarter --format csv --out @/k.csv --chart @/k.png"
check weekends "weekends --start 2021-01-01 --count 5 --mode ranked --out @/wk" \
               "weekends --start 2021-01-01 --count 9 --mode ranked --out @/wk"
check export "export concerns --out @/c" "export concerns --crs 4326 --out @/c"

# a folder where one file of the set goes: refused before any file changes
D="$T/heatmap"
run 0 "$RS" heatmap --grid square:1000 --out "$D/heat"
rm -f "$D/heat.png"; mkdir "$D/heat.png"
sums "$D" > "$T/before_dir"
run 3 "$RS" heatmap --grid square:500 --out "$D/heat"
has "$T/err" "heat.png: is a folder"
sums "$D" | cmp -s - "$T/before_dir" || fail "a folder in the way: files of the set changed"
[ -z "$(strays "$D")" ] || fail "a folder in the way: temporaries left: $(strays "$D")"
rmdir "$D/heat.png"
D="$T/ksi"
run 0 "$RS" ksi --by year --format csv --out "$D/k.csv" --chart "$D/k.png"
rm -f "$D/k.png"; mkdir "$D/k.png"
sums "$D" > "$T/before_dir"
run 3 "$RS" ksi --by quarter --format csv --out "$D/k.csv" --chart "$D/k.png"
sums "$D" | cmp -s - "$T/before_dir" || fail "ksi: a folder in the chart's place changed the table"
[ -z "$(strays "$D")" ] || fail "ksi: temporaries left: $(strays "$D")"

# the board pack: its image folder goes with it
D="$T/pack"; mkdir -p "$D"
run 0 "$RS" report --quarter 2020Q3 --out "$D/pack.html"
old=$(md5sum < "$D/pack.html")
for sig in TERM INT HUP KILL; do
  code=0
  ROADSAFE_TEST_STOP_AT=pack-image ROADSAFE_TEST_STOP_SIGNAL=$sig \
    "$RS" report --quarter 2020Q4 --out "$D/pack.html" >"$T/out" 2>"$T/err" || code=$?
  [ "$code" -ge 128 ] || fail "report at pack-image ($sig): not stopped (exit $code)"
  eq "$(md5sum < "$D/pack.html")" "$old" "report at pack-image ($sig): the old pack"
  if [ "$sig" = KILL ]; then
    rm -rf "$TMPDIR"/roadsafe-pack-* "$D"/*.tmp*
  else
    eq "$(ls "$TMPDIR")" "" "report at pack-image ($sig): left in TMPDIR"
    eq "$(strays "$D")" "" "report at pack-image ($sig): temporaries"
  fi
done
# a pack that fails (a full disk: a file size limit) leaves no image folder either
limited() { (trap '' XFSZ; ulimit -f 64; exec "$@"); }
run 3 limited "$RS" report --quarter 2020Q4 --out "$D/pack.html"
eq "$(md5sum < "$D/pack.html")" "$old" "a failed report: the old pack"
eq "$(ls "$TMPDIR")" "" "a failed report: left in TMPDIR"
eq "$(strays "$D")" "" "a failed report: temporaries"
finish
