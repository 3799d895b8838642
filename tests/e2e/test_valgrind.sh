#!/usr/bin/env bash
# Memory: a small end-to-end flow under valgrind memcheck — init, districts
# load, ingest of every kind, heat maps (grid and KDE), exports, info.  Any
# invalid read or write, use of uninitialised memory or definite leak fails
# the command (--error-exitcode=1; every command here succeeds otherwise, so
# exit 1 can only be valgrind's).  Debian's shapelib, GEOS and PROJ are not
# instrumented for the sanitizers, so this is the only eye inside them.
#
# Runs in the Release build only: skipped when valgrind is missing or the
# binary is built with AddressSanitizer (the two do not mix).
# tests/valgrind.supp silences what the libraries keep on purpose.  To see
# where an uninitialised value came from, add --track-origins=yes to VG.
source "$(dirname "$0")/lib.sh"
need_sqlite3
command -v valgrind >/dev/null || { echo "SKIPPED: valgrind not installed"; exit 77; }
if ldd "$RS" | grep -q -e libasan -e libubsan || grep -qa -e __asan_init -e __ubsan_handle "$RS"; then
  echo "SKIPPED: sanitizer build (valgrind runs in the Release build)"; exit 77
fi

SUPP="$(cd "$(dirname "$0")/.." && pwd)/valgrind.supp"
VG=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --suppressions="$SUPP" --num-callers=30)
export ROADSAFE_THREADS=2   # the worker pool, small

run 0 "$GEN" --out "$T/gen" --seed 9
G="$T/gen"
S="$T/small"
mkdir -p "$S"
for f in telematics fleet detections collisions casualties concerns; do
  head -n 301 "$G/$f.csv" > "$S/$f.csv"
done
W="$T/ws.db"
export ROADSAFE_STORE="$W"
run 0 "$RS" keygen "$T/key"
export ROADSAFE_KEY_FILE="$T/key"

vg() {  # vg CMD...: one roadsafe command under memcheck, must exit 0 with no report
  run 0 "${VG[@]}" --log-file="$T/vg.%p.log" "$RS" "$@"
  local logs
  logs=$(cat "$T"/vg.*.log 2>/dev/null || true)
  if [ -n "$logs" ]; then
    fail "valgrind reports for: roadsafe $*"
    echo "$logs" | head -80 | sed 's/^/    /' >&2
  fi
  rm -f "$T"/vg.*.log
}

vg init
vg districts load "$G/districts.shp" --name-field NAME --code-field CODE
vg ingest telematics "$S/telematics.csv"
vg ingest telematics --source fleet "$S/fleet.csv"
vg ingest detections "$S/detections.csv"
vg ingest stats19 "$S/collisions.csv" "$S/casualties.csv"
vg ingest concerns "$S/concerns.csv"
vg info
vg districts list
vg heatmap --out "$T/heat" --min-count 1
vg heatmap --kde 300 --pixel 100 --out "$T/kde"
vg export districts --out "$T/districts"
vg export detections --crs 4326 --out "$T/detections"
vg export collisions --out "$T/collisions"
[ -s "$T/heat.png" ] && [ -s "$T/kde.asc" ] && [ -s "$T/detections.shp" ] || fail "outputs missing"
finish
