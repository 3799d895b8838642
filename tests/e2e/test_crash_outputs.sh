#!/usr/bin/env bash
# Hostile surroundings never crash roadsafe:
#  - an output folder that cannot be written (read-only, a path through a
#    regular file, a full disk) gives a clear error naming the output, exit
#    3, and leaves the previous outputs byte for byte as they were;
#  - a damaged workspace (truncated, emptied, header overwritten, random
#    bytes in the middle, a garbage WAL) gives a clear error (exit 2 or 3)
#    or, where the damage lies in pages a command never reads, works; it is
#    never a crash (signal, sanitizer report).  A workspace emptied to 0
#    bytes is refused, not started afresh (it used to be: every command
#    silently treated it as a new workspace and ingest filled it again).
#
# As root, chmod 555 does not stop writes.  There the read-only case uses
# `chattr +i` when the file system supports it, else runs the command as
# user nobody (setpriv) over a folder nobody cannot write, else it is
# skipped with a note.  The full disk is a 2 MB tmpfs filled up, when this
# process may mount one (root), and in every case a file size limit
# (ulimit -f with SIGXFSZ ignored: writes past it fail with EFBIG).
source "$(dirname "$0")/lib.sh"
need_sqlite3

run 0 "$GEN" --out "$T/gen" --seed 3
G="$T/gen"
W="$T/ws.db"
run 0 "$RS" init --store "$W"
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --code-field CODE --store "$W"
run 0 "$RS" ingest telematics "$G/telematics.csv" --store "$W"
run 0 "$RS" ingest concerns "$G/concerns.csv" --store "$W"
export ROADSAFE_STORE="$W"

# crashed CODE: the last run's exit was a signal or a sanitizer spoke up
crashed() {
  [ "$1" -ge 128 ] || grep -qE "Sanitizer|runtime error|Segmentation|Aborted" "$T/err"
}
# try WANT CMD...: like run, but several exit codes may be right ("2|3")
try() {
  local want=$1; shift
  local got=0
  "$@" >"$T/out" 2>"$T/err" || got=$?
  if crashed "$got"; then
    fail "crash (exit $got): $*"; sed 's/^/    /' "$T/err" | head -8 >&2
  elif ! [[ "$got" =~ ^($want)$ ]]; then
    fail "exit $got (want $want): $*"; sed 's/^/    /' "$T/err" | head -5 >&2
  fi
}
snapshot() { (cd "$1" && md5sum ./* 2>/dev/null | sort) > "$2"; }
same_as() {
  local now; now=$(mktemp)
  snapshot "$1" "$now"
  cmp -s "$2" "$now" || { fail "$3: the previous outputs in $1 changed"; diff "$2" "$now" | head -5 >&2; }
  rm -f "$now"
}

# --- outputs: the earlier heat map and layer stay as they were --------------
O="$T/outdir"
mkdir -p "$O"
run 0 "$RS" heatmap --out "$O/heat"
run 0 "$RS" heatmap --kde 500 --out "$O/kde"
run 0 "$RS" export concerns --out "$O/concerns"
run 0 "$RS" export cells --out "$O/cells"
snapshot "$O" "$T/before"

# a path through a regular file (ENOTDIR): works as root too
touch "$T/afile"
try 3 "$RS" heatmap --out "$T/afile/heat"
has "$T/err" "afile/heat"
has "$T/err" "Not a directory"
try 3 "$RS" export concerns --out "$T/afile/concerns"
has "$T/err" "afile/concerns"
[ ! -s "$T/afile" ] || fail "a failed output wrote into $T/afile"

# a read-only folder
readonly_how=""
if [ "$(id -u)" -ne 0 ]; then
  chmod 555 "$O"; readonly_how="chmod 555"
elif chattr +i "$O" 2>/dev/null; then
  readonly_how="chattr +i"
elif command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
  readonly_how="user nobody"
fi
as_reader() {
  if [ "$readonly_how" = "user nobody" ]; then
    setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
  else
    "$@"
  fi
}
if [ -n "$readonly_how" ]; then
  if [ "$readonly_how" = "user nobody" ]; then
    # nobody must read the workspace (and make its WAL index) but not write $O
    chmod 1777 "$T"; chmod 666 "$W"*
  fi
  try 3 as_reader "$RS" heatmap --out "$O/heat"
  has "$T/err" "$O/heat"
  try 3 as_reader "$RS" heatmap --kde 500 --out "$O/kde"
  has "$T/err" "$O/kde"
  try 3 as_reader "$RS" export concerns --out "$O/concerns"
  has "$T/err" "$O/concerns"
  case "$readonly_how" in
    "chmod 555") chmod 755 "$O" ;;
    "chattr +i") chattr -i "$O" ;;
  esac
  same_as "$O" "$T/before" "read-only folder ($readonly_how)"
  echo "read-only output folder: tested with $readonly_how"
else
  echo "read-only output folder: NOT tested (root, no chattr +i, no setpriv)"
fi

# a full disk, simulated: a file size limit (EFBIG past 100 KB)
limited() { (trap '' XFSZ; ulimit -f 100; exec "$@"); }
try 3 limited "$RS" heatmap --out "$O/heat"
has "$T/err" "$O/heat"
has "$T/err" "File too large"
try 3 limited "$RS" heatmap --kde 100 --pixel 10 --out "$O/kde"
try 3 limited "$RS" export cells --out "$O/cells"
has "$T/err" "$O/cells"
same_as "$O" "$T/before" "file size limit"

# a really full disk: a small tmpfs, filled up
F="$T/full"
mkdir -p "$F"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=2m tmpfs "$F" 2>/dev/null; then
  trap 'umount "$F" 2>/dev/null || true' EXIT
  run 0 "$RS" export concerns --out "$F/concerns"
  dd if=/dev/zero of="$F/filler" bs=4k 2>/dev/null || true   # fills it
  snapshot "$F" "$T/before_full"
  try 3 "$RS" heatmap --out "$F/heat"
  has "$T/err" "No space left on device"
  try 3 "$RS" export concerns --out "$F/concerns"
  has "$T/err" "$F/concerns"
  same_as "$F" "$T/before_full" "full tmpfs"
  [ -z "$(ls "$F" | grep -v -e '^filler$' -e '^concerns\.' || true)" ] || fail "a failed output left files on the full disk: $(ls "$F")"
  umount "$F"; trap - EXIT
  echo "full disk: tested on a 2 MB tmpfs and with a file size limit"
else
  echo "full disk: tested with a file size limit only (cannot mount a tmpfs)"
fi

# --- a damaged workspace --------------------------------------------------------
size=$(stat -c %s "$W")
cmds=("info" "districts list" "heatmap --out $T/h/heat" "export concerns --out $T/h/c"
      "ingest concerns $G/concerns.csv")
mkdir -p "$T/h"
damage() {  # damage HOW: a fresh copy of the workspace at $T/bad.db, damaged
  rm -f "$T/bad.db" "$T/bad.db-wal" "$T/bad.db-shm"
  cp "$W" "$T/bad.db"
  case "$1" in
    half) truncate -s $((size / 2)) "$T/bad.db" ;;
    empty) truncate -s 0 "$T/bad.db" ;;
    header) dd if=/dev/urandom of="$T/bad.db" bs=100 count=1 conv=notrunc 2>/dev/null ;;
    middle*) dd if=/dev/urandom of="$T/bad.db" bs=4096 count=8 conv=notrunc 2>/dev/null \
               seek=$(( (RANDOM * 32768 + RANDOM) % (size / 4096) )) ;;
    wal) head -c 70000 /dev/urandom > "$T/bad.db-wal" ;;
  esac
}
RANDOM=42
for how in half empty header middle1 middle2 middle3 middle4 wal; do
  for c in "${cmds[@]}"; do
    damage "$how"
    # shellcheck disable=SC2086
    try "0|1|2|3" "$RS" $c --store "$T/bad.db"
    case "$how" in
      half|header|empty)
        # these never work: a clear message naming the workspace
        # shellcheck disable=SC2086
        [ "$(grep -c . "$T/err")" -ge 1 ] && grep -q "bad.db" "$T/err" ||
          fail "$how: '$c' gave no clear error: $(head -c 200 "$T/err")"
        ;;
    esac
  done
done
# damage that every command must refuse, whatever it reads
for how in half empty header; do
  damage "$how"
  try 2 "$RS" info --store "$T/bad.db"
  has "$T/err" "bad.db"
done
# an emptied workspace is not silently started again: nothing is written
damage empty
try 2 "$RS" ingest concerns "$G/concerns.csv" --store "$T/bad.db"
eq "$(stat -c %s "$T/bad.db")" "0" "an emptied workspace after a refused ingest (bytes)"
finish
