# tests/e2e/lib.sh — helpers for the end-to-end tests of the roadsafe command.
# Source it; it sets RS (the roadsafe binary), GEN (roadsafe-gen) and T (a
# fresh scratch directory for the calling test).
set -euo pipefail
: "${RS_BIN:?RS_BIN must name the build directory}"
RS="$RS_BIN/roadsafe"
GEN="$RS_BIN/roadsafe-gen"
T="${RS_TEST_TMP:-/tmp}/$(basename "$0" .sh)"
rm -rf "$T"
mkdir -p "$T"
FAILS=0

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

# run CODE CMD...: runs CMD, capturing stdout in $T/out and stderr in $T/err,
# and checks the exit code.
run() {
  local want=$1; shift
  local got=0
  "$@" >"$T/out" 2>"$T/err" || got=$?
  if [ "$got" != "$want" ]; then
    fail "exit $got (want $want): $*"
    sed 's/^/    stderr: /' "$T/err" | head -5 >&2
  fi
}

# has FILE TEXT: FILE contains TEXT (fixed string)
has() { grep -qF -- "$2" "$1" || { fail "$1 lacks '$2'"; sed 's/^/    /' "$1" | head -5 >&2; }; }
lacks() { if grep -qF -- "$2" "$1"; then fail "$1 contains '$2'"; fi; }
eq() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }

# sql DB QUERY: one value from the workspace (sqlite3 CLI)
sql() { sqlite3 -batch -noheader "$1" "$2"; }

# require CMD...: a tool that `tools/setup.sh --test` installs.  The test
# fails without it (a missing tool must not pass as a check that ran).
require() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null || { echo "FAIL: $c is not installed (tools/setup.sh --test installs it)" >&2; exit 1; }
  done
}
need_sqlite3() { require sqlite3; }

# The public test data (../shared/data by default; CMake's ROADSAFE_TEST_DATA
# sets RS_TEST_DATA).  need_data PATH...: skip the test (exit 77, reported
# by ctest as skipped, never as passed) when a data file is absent.
DATA=${RS_TEST_DATA:-../shared/data}
need_data() {
  local f
  for f in "$@"; do
    [ -e "$f" ] || { echo "SKIPPED: $f is absent (public test data, ROADSAFE_TEST_DATA)"; exit 77; }
  done
}

finish() {
  if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS failure(s)" >&2
    exit 1
  fi
  echo "ok"
}

# ---- crash tests (test_crash.sh, test_crash_pg.sh) ----
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# log2 of N, rounded up (N >= 1)
log2_up() { local n=$1 b=0; while [ $((1 << b)) -lt "$n" ]; do b=$((b + 1)); done; echo "$b"; }
# crash_attempt KIND CMD...: runs CMD, a load of kind KIND, in the
# background and SIGKILLs it at a moment drawn (RANDOM) uniformly within
# window[KIND] ms, the caller's measured duration of a clean load.  When
# the kill lands, kills counts up; when the load beat it, finished counts
# up and the kind's window halves, so kills keep landing on any machine.
# Sets what (for messages); the load's stderr is in $T/ingest.err.
crash_attempt() {
  local k=$1; shift
  local ms=$(( (RANDOM * 32768 + RANDOM) % window[$k] ))
  "$@" >/dev/null 2>"$T/ingest.err" &
  local pid=$! st=0
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  kill -KILL "$pid" 2>/dev/null || true
  { wait "$pid"; } 2>/dev/null || st=$?   # (no "Killed" job notice)
  if [ "$st" -eq 137 ]; then
    kills=$((kills + 1)); what="killed after ${ms} ms"
  elif [ "$st" -eq 0 ]; then
    finished=$((finished + 1)); what="finished within ${ms} ms"
    window[$k]=$(( window[$k] > 1 ? window[$k] / 2 : 1 ))
  else
    fail "$k: ingest exited $st before the kill: $(head -c 300 "$T/ingest.err")"; what="exit $st"
  fi
}
