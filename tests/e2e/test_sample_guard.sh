#!/usr/bin/env bash
# tools/sample.sh empties its output folder first, so it refuses a folder
# that holds the repository, and a --key or an SQLite --store inside the
# folder (they would be deleted before the job used them); nothing is
# removed when it refuses.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
sample() { RS_BUILD="$RS_BIN" "$root/tools/sample.sh" "$@"; }

mkdir -p "$T/job/input"
echo keep >"$T/job/input/my.key"
echo keep >"$T/job/ws.db"
run 2 sample "$T/job" --key "$T/job/input/my.key"
has "$T/err" "lies in $T/job, which the job empties first"
run 2 sample "$T/job/" --store "$T/job/ws.db"
has "$T/err" "lies in $T/job/, which the job empties first"
# the repository case on a stand-in (a copy of the script in a folder of
# the test's own), so that a broken guard cannot empty the real one
mkdir -p "$T/repo/tools"
cp "$root/tools/sample.sh" "$T/repo/tools/"
echo keep >"$T/repo/CMakeLists.txt"
run 2 env RS_BUILD="$RS_BIN" "$T/repo/tools/sample.sh" "$T/repo"
has "$T/err" "holds the repository"
run 2 env RS_BUILD="$RS_BIN" "$T/repo/tools/sample.sh" "$T"
has "$T/err" "holds the repository"
[ -s "$T/job/input/my.key" ] && [ -s "$T/job/ws.db" ] || fail "a refused job removed files"
[ -s "$T/repo/CMakeLists.txt" ] || fail "the repository was emptied"
finish
