#!/usr/bin/env bash
# The workspace is a system of record (issue 17): no operator mistake may
# destroy it, its write-ahead log, the key or an input, and no message may
# quote data.
#  - an output path (--out, --chart, --plot, --rejects, each PREFIX.EXT of a
#    prefix --out) naming the workspace, its -wal/-shm, the key file or an
#    input is refused, exit 2, nothing touched;
#  - --rejects that is standard input, a pipe or another non-regular file is
#    refused before anything is opened; one that takes no bytes (/dev/full)
#    says so, non-zero exit.
source "$(dirname "$0")/lib.sh"
need_sqlite3

W="$T/ws.db"
export ROADSAFE_STORE="$W"
run 0 "$RS" init
run 0 "$RS" keygen "$T/key"
export ROADSAFE_KEY_FILE="$T/key"
H="timestamp,vehicle_id,lat,lon,speed_mph,limit_mph"
printf '%s\n2020-08-15T14:03:22Z,v1,51.75,0.30,31,30\n2021-02-29T10:00:00Z,v1,51.75,0.30,31,30\n' "$H" > "$T/in.csv"
run 1 "$RS" ingest telematics "$T/in.csv" --quiet
sums() { cat "$W" "$T/key" "$T/in.csv" | md5sum; ls "$T" | md5sum; }
before=$(sums)

# --- 1: outputs never name the workspace, its WAL/SHM, the key or an input -------------
refused() { # refused WHAT CMD...: exit 2, says why, nothing changed
  local what=$1; shift
  run 2 "$@"
  has "$T/err" "$what"
  has "$T/err" "nothing was done"
  eq "$(sums)" "$before" "files after: $*"
}
for o in "$W" "$W-wal" "$W-shm" "$T/./ws.db"; do
  refused "is the workspace" "$RS" ksi --out "$o"
done
refused "is the key file" "$RS" ksi --out "$T/key"
refused "is the workspace" "$RS" ksi --chart "$W"
refused "is the workspace" "$RS" reoffend --plot "$W"
refused "is the workspace" "$RS" reoffend --out "$W"
refused "is the workspace" "$RS" report --quarter 2020Q4 --out "$W"
refused "is the workspace" "$RS" --store "$W" ksi --out "$W"
ln -s "$W" "$T/link.db"; before=$(sums)
refused "is the workspace" "$RS" ksi --out "$T/link.db"
refused "is the key file" "$RS" ksi --out "$T/key" --store "$W"
refused "is an input" "$RS" ingest telematics "$T/in.csv" --rejects "$T/in.csv" --quiet
# a prefix output: every name it would make is checked
cp "$W" "$T/area.csv"; before=$(sums)
refused "is the workspace" "$RS" heatmap --store "$T/area.csv" --out "$T/area"
refused "is the workspace" "$RS" export --store "$T/area.csv" detections --out "$T/area"
# a key file named by --key-file or the environment
refused "is the key file" "$RS" ksi --out "$ROADSAFE_KEY_FILE"
# other names still work
run 0 "$RS" ksi --out "$T/ksi.csv"
[ -s "$T/ksi.csv" ] || fail "ksi --out to a fresh name wrote nothing"
rm -f "$T/ksi.csv"; before=$(sums)

# --- 2: --rejects: the WAL, standard input, non-regular files, a full device ----------
refused "write-ahead log" "$RS" ingest telematics "$T/in.csv" --rejects "$W-wal" --quiet
refused "shared-memory" "$RS" ingest telematics "$T/in.csv" --rejects "$W-shm" --quiet
got=0; "$RS" ingest telematics - --rejects /proc/self/fd/0 --quiet < "$T/in.csv" >"$T/out" 2>"$T/err" || got=$?
eq "$got" 2 "rejects to standard input (a file): exit"
has "$T/err" "is standard input"
eq "$(sums)" "$before" "files after rejects to standard input"
got=0; cat "$T/in.csv" | "$RS" ingest telematics - --rejects /proc/self/fd/0 --quiet >"$T/out" 2>"$T/err" || got=$?
eq "$got" 2 "rejects to standard input (a pipe): exit"
has "$T/err" "not a regular file"
mkfifo "$T/fifo"; before=$(sums)
refused "not a regular file" timeout 30 "$RS" ingest telematics "$T/in.csv" --rejects "$T/fifo" --quiet
refused "not a regular file" "$RS" ingest telematics "$T/in.csv" --rejects "$T" --quiet
if [ -w /dev/full ]; then
  run 3 "$RS" ingest telematics "$T/in.csv" --rejects /dev/full --quiet
  has "$T/err" "cannot write rejects file /dev/full"
  eq "$(sums)" "$before" "files after rejects to /dev/full"
fi
# a character device that takes the bytes is still fine
run 1 "$RS" ingest telematics "$T/in.csv" --rejects /dev/null --quiet
has "$T/out" "already present"

# --- 3: a write-ahead log from another database is never folded in ------------------
A="$T/a.db"; B="$T/b.db"
( echo "$H"; for i in $(seq 0 2999); do
    printf '2020-08-15T14:%02d:%02dZ,v%d,51.75,0.30,31,30\n' $((i / 60 % 60)) $((i % 60)) $((i % 50))
  done ) > "$T/big.csv"
run 0 "$RS" init --store "$A"
run 0 "$RS" init --store "$B"
run 0 "$RS" ingest telematics "$T/big.csv" --store "$A" --quiet
sql "$A" "INSERT INTO meta VALUES('pad', hex(randomblob(1000000)))"   # a longer file than B
# B's log, copied while B's writer still holds it (so it is not checkpointed away)
printf "PRAGMA wal_autocheckpoint=0;\nINSERT INTO meta VALUES('foo','bar');\n.system cp '%s' '%s'\n" \
  "$B-wal" "$A-wal" | sqlite3 "$B" >/dev/null
[ -s "$A-wal" ] || fail "no foreign WAL made"
cp "$A" "$T/a.before"
run 2 "$RS" info --store "$A"
has "$T/err" "damaged"
run 2 "$RS" ingest telematics "$T/in.csv" --store "$A" --quiet
has "$T/err" "write-ahead log $A-wal"
cmp -s "$A" "$T/a.before" || fail "the workspace changed under a foreign WAL"
run 2 "$RS" districts load "$T/none.shp" --name-field N --store "$A"
cmp -s "$A" "$T/a.before" || fail "the workspace changed under a foreign WAL (districts)"
# moved away, the workspace is whole again
mv "$A-wal" "$T/foreign-wal" 2>/dev/null || fail "the foreign WAL was folded in"; rm -f "$A-shm"
cp "$T/a.before" "$A"   # (undo what a roadsafe that folded it in did)
run 1 "$RS" ingest telematics "$T/in.csv" --store "$A" --quiet
eq "$(sql "$A" "PRAGMA integrity_check" 2>&1 | head -1 || true)" "ok" "integrity after the foreign WAL was moved away"

# --- 8: NULLs in a hand-edited workspace never crash a command -----------------------
run 0 "$GEN" --out "$T/gen" --seed 3
N="$T/n.db"
run 0 "$RS" init --store "$N"
run 0 "$RS" districts load "$T/gen/districts.shp" --name-field NAME --code-field CODE --store "$N"
run 0 "$RS" ingest detections "$T/gen/detections.csv" --store "$N" --quiet
# A zero-length BLOB passes NOT NULL and reads as a NULL text pointer, like a
# NULL would; the schema stays roadsafe's (an altered schema is refused, 7)
sql "$N" "UPDATE detection SET device_type = X'', site_id = X'', device_id = X''
          WHERE detection_id IN (SELECT detection_id FROM detection LIMIT 5)"
cp "$N" "$T/n-det.db"
sql "$N" "UPDATE district SET name = X'' WHERE id = (SELECT min(id) FROM district)"
nocrash() { # nocrash DB CMD...: any exit but a signal
  local db=$1; shift; local got=0
  "$@" --store "$db" >"$T/out" 2>"$T/err" || got=$?
  [ "$got" -lt 128 ] || fail "exit $got (a crash) with NULLs: $*"
}
for c in info "districts list" "heatmap --out $T/nh" "export detections --out $T/ne" \
         "operation --summary --from 2020-01-01 --to 2020-12-31" reoffend \
         "ingest detections $T/gen/detections.csv --quiet"; do
  # shellcheck disable=SC2086
  nocrash "$N" "$RS" $c
  # shellcheck disable=SC2086
  nocrash "$T/n-det.db" "$RS" $c
done
run 2 "$RS" info --store "$N"
has "$T/err" "empty name"

# --- 9: no message quotes a header cell that could be data ----------------------------
printf 'D1,2020-08-15T14:03:22Z,TRUCAM,QX91 ZZQ,site1,51.75,0.30,41,30,QX91 ZZQ\n' > "$T/headerless.csv"
run 2 "$RS" ingest detections "$T/headerless.csv" --store "$W" --quiet
has "$T/err" "columns 4 and 10 (of the header line)"
lacks "$T/err" "QX91"
lacks "$T/out" "QX91"

# --- 10: the key: owner-only, regular, long, varied, no stray white space, and the
# workspace's own --------------------------------------------------------------------
K="$T/k.db"
run 0 "$RS" init --store "$K"
head -21 "$T/gen/detections.csv" > "$T/det20.csv"
badkey() { # badkey WHY FILE: refused, exit 2, nothing stored
  run 2 timeout 20 "$RS" ingest detections "$T/det20.csv" --store "$K" --key-file "$2" --quiet
  has "$T/err" "$1"
  eq "$(sql "$K" "SELECT count(*) FROM detection")" 0 "detections stored under a bad key"
}
run 0 "$RS" keygen "$T/k1"
cp "$T/k1" "$T/open.key"; chmod 644 "$T/open.key"
badkey "chmod 600" "$T/open.key"
( umask 077
  printf 'aaaaaaaaaaaaaaaa' > "$T/a16.key"
  head -c 40 /dev/zero | tr '\0' a > "$T/a40.key"
  head -c 40 /dev/zero > "$T/nul.key"
  { cat "$T/k1"; echo; } > "$T/nl.key" )
badkey "shorter than 32 bytes" "$T/a16.key"
badkey "every byte of the key is the same" "$T/a40.key"
badkey "every byte of the key is the same" "$T/nul.key"
badkey "white space" "$T/nl.key"
mkfifo -m 600 "$T/key.fifo"
badkey "not a regular file" "$T/key.fifo"
lacks "$T/err" "$(head -c 64 "$T/k1")"
# the first key is recorded; another is refused, the first still works
run 0 "$RS" ingest detections "$T/det20.csv" --store "$K" --key-file "$T/k1" --quiet
eq "$(sql "$K" "SELECT length(value) FROM meta WHERE key = 'key_fingerprint'")" 64 "fingerprint stored"
n1=$(sql "$K" "SELECT count(*) FROM detection")
run 0 "$RS" keygen "$T/k2"
head -41 "$T/gen/detections.csv" > "$T/det40.csv"
run 2 "$RS" ingest detections "$T/det40.csv" --store "$K" --key-file "$T/k2" --quiet
has "$T/err" "is not the key this workspace's plates were hashed with"
eq "$(sql "$K" "SELECT count(*) FROM detection")" "$n1" "detections after a different key"
run 0 "$RS" ingest detections "$T/det40.csv" --store "$K" --key-file "$T/k1" --quiet

# --- 12: outputs carry no formula, no markup, no terminal control from the data -----------
F="$T/f.db"
run 0 "$RS" init --store "$F"
run 0 "$RS" districts load "$T/gen/districts.shp" --name-field NAME --code-field CODE --store "$F"
sql "$F" "UPDATE district SET name = '=HYPERLINK(\"http://x\")' WHERE id = 0;
          UPDATE district SET name = '@SUM(A1)' WHERE id = 1;
          UPDATE district SET name = char(27) || ']0;pwned' || char(7) || 'North' || char(27) || '[2J' WHERE id = 2;
          UPDATE district SET name = '[click](http://x) <b>|' WHERE id = 3;
          UPDATE district SET code = '-1' WHERE id = 4"
run 0 "$RS" districts list --store "$F"
has "$T/out" "\"'=HYPERLINK(\"\"http://x\"\")\""
has "$T/out" "'@SUM(A1)"
lacks "$T/out" "$(printf '\033')"
grep -q "^-1," "$T/out" || fail "a numeric cell (-1) changed in CSV"
run 0 "$RS" districts list --format md --store "$F"
has "$T/out" '\[click](http://x) &lt;b&gt;\|'
lacks "$T/out" "$(printf '\033')"
run 0 "$RS" info --store "$F"
has "$T/out" "]0;pwnedNorth[2J"
lacks "$T/out" "$(printf '\033')"
lacks "$T/out" "$(printf '\007')"

finish
