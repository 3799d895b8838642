#!/usr/bin/env bash
# Ingest end to end: every good row once, every bad row explained, nothing
# twice, no plate anywhere.
source "$(dirname "$0")/lib.sh"
need_sqlite3

run 0 "$GEN" --out "$T/gen" --seed 11
G="$T/gen"
W="$T/ws.db"
run 0 "$RS" init --store "$W"
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --code-field CODE --store "$W"
run 0 "$RS" keygen "$T/key"
run 2 "$RS" keygen "$T/key"
has "$T/err" "already exists"
export ROADSAFE_STORE="$W"

rows() { echo $(( $(wc -l < "$1") - 1 )); }

# --- telematics: load, reload, same bytes under another name, gzip -----------
n=$(rows "$G/telematics.csv")
run 0 "$RS" ingest telematics "$G/telematics.csv"
has "$T/out" "loaded $n, rejected 0, already present 0"
eq "$(sql "$W" "SELECT sum(n) FROM ping_chunk WHERE source='traffic'")" "$n" "pings stored"
run 0 "$RS" ingest telematics "$G/telematics.csv"
has "$T/out" "loaded 0, rejected 0, already present $n"
cp "$G/telematics.csv" "$T/renamed.csv"; gzip -c "$G/telematics.csv" > "$T/renamed.csv.gz"
run 0 "$RS" ingest telematics "$T/renamed.csv" "$T/renamed.csv.gz"
has "$T/out" "renamed.csv (telematics): loaded 0, rejected 0, already present $n"
has "$T/out" "renamed.csv.gz (telematics): loaded 0, rejected 0, already present $n"
run 0 "$RS" ingest telematics - < "$G/telematics.csv"
has "$T/out" "already present $n"
eq "$(sql "$W" "SELECT sum(n) FROM ping_chunk")" "$n" "pings after reloads"

# --- any number of threads: the same pings, rejects and summary -----------------
# A file with bad records of every CSV kind spread through it (quoted fields,
# an over-long line, blank and CRLF lines, NUL, invalid UTF-8, short rows,
# out-of-range values), so batches of both kinds meet at many places.
awk -F, -v OFS=, '
  NR == 1 { print; next }
  NR % 997 == 0 { $1 = "\"" $1 "\"" }
  NR % 1499 == 0 { $3 = "1e3" }
  NR % 5003 == 0 { $2 = "ab\"c" }
  NR % 2003 == 0 { print $1, $2; next }
  NR % 3001 == 0 { print ""; }
  NR % 4001 == 0 { printf "%s\r\n", $0; next }
  NR == 30011 { s = $0; for (i = 0; i < 7000; i++) s = s "xxxxxxxxxx"; print s; next }
  { print }' "$G/telematics.csv" > "$T/mixed.csv"
printf '2020-06-01T10:00:00Z,51.7,0.4,3\0000,30\n2020-06-01T10:00:00Z,51.7,0.4,\377,30\n' >> "$T/mixed.csv"
tail -n 5000 "$G/telematics.csv" >> "$T/mixed.csv"
for th in 1 2 4; do
  run 0 "$RS" init --store "$T/th$th.db"
  run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --store "$T/th$th.db"
  ROADSAFE_THREADS=$th run 1 "$RS" ingest telematics "$T/mixed.csv" --store "$T/th$th.db" \
    --rejects "$T/rej$th.csv" --quiet
  cp "$T/out" "$T/sum$th.txt"
  sql "$T/th$th.db" "SELECT n, t_min, t_max, hex(data) FROM ping_chunk ORDER BY id" \
    | sha256sum > "$T/pings$th.sha"
done
for th in 2 4; do
  cmp -s "$T/pings1.sha" "$T/pings$th.sha" || fail "pings with $th threads differ from 1 thread"
  cmp -s "$T/rej1.csv" "$T/rej$th.csv" || fail "rejects with $th threads differ from 1 thread"
  eq "$(sed "s/th$th/thX/" "$T/sum$th.txt")" "$(sed "s/th1/thX/" "$T/sum1.txt")" "summary, $th threads"
done
for why in "stray quote" "not a plain decimal" "fields, header has" "record longer than 65536" \
           "NUL byte" "not valid UTF-8"; do
  has "$T/rej1.csv" "$why"
done
grep -q "^mixed.csv\|/mixed.csv," "$T/rej1.csv" || fail "rejects name the file"

# --- fleet: vehicle ids kept only as keyed hashes ------------------------------
run 2 "$RS" ingest telematics --source fleet "$G/fleet.csv"
has "$T/err" "roadsafe keygen"
nf=$(rows "$G/fleet.csv")
run 0 "$RS" ingest telematics --source fleet --key-file "$T/key" "$G/fleet.csv"
has "$T/out" "loaded $nf"
eq "$(sql "$W" "SELECT sum(n) FROM ping_chunk WHERE source='fleet'")" "$nf" "fleet pings"

# --- detections ------------------------------------------------------------------
nd=$(rows "$G/detections.csv")
run 2 "$RS" ingest detections "$G/detections.csv"
has "$T/err" "roadsafe keygen"
ROADSAFE_KEY_FILE="$T/key" run 0 "$RS" ingest detections "$G/detections.csv"
has "$T/out" "loaded $nd, rejected 0, already present 0"
ROADSAFE_KEY_FILE="$T/key" run 0 "$RS" ingest detections "$G/detections.csv"
has "$T/out" "loaded 0, rejected 0, already present $nd"
eq "$(sql "$W" "SELECT count(*) FROM detection")" "$nd" "detections stored"

# --- STATS19 (generated, newer layout): casualties given first still load -----
nc=$(rows "$G/collisions.csv"); nk=$(rows "$G/casualties.csv")
run 0 "$RS" ingest stats19 "$G/casualties.csv" "$G/collisions.csv"
has "$T/out" "collisions): loaded $nc"
has "$T/out" "casualties): loaded $nk, rejected 0"
run 0 "$RS" ingest stats19 "$G/collisions.csv" "$G/casualties.csv"
has "$T/out" "loaded 0, rejected 0, already present $nc"
has "$T/out" "loaded 0, rejected 0, already present $nk"
unl=$(awk -F, 'NR>1 && ($4=="" || $4=="-1") && ($6=="" || $6=="-1")' "$G/collisions.csv" | wc -l)
eq "$(sql "$W" "SELECT count(*) FROM collision WHERE e IS NULL")" "$unl" "unlocated collisions kept"

# --- concerns ----------------------------------------------------------------------
nq=$(rows "$G/concerns.csv")
run 0 "$RS" ingest concerns "$G/concerns.csv"
has "$T/out" "loaded $nq"

# --- plates never stored, logged or exported ------------------------------------
run 0 "$RS" info
cp "$T/out" "$T/info.txt"
ROADSAFE_KEY_FILE="$T/key" run 0 "$RS" ingest detections "$G/detections.csv" --rejects "$T/rej.csv"
awk -F, 'NR>1{print $NF}' "$G/detections.csv" | sort -u | awk 'NR<=300' > "$T/plates"
: > "$T/plates.norm"
while read -r p; do
  q=$(echo "$p" | tr 'a-z' 'A-Z' | tr -d ' ')
  printf '%s\n%s\n' "$p" "$q" >> "$T/plates.norm"
done < "$T/plates"
sqlite3 "$W" "PRAGMA wal_checkpoint(FULL)" >/dev/null
for f in "$W" "$W-wal" "$T/rej.csv" "$T/info.txt" "$T/out" "$T/err"; do
  [ -f "$f" ] || continue
  if grep -a -F -f "$T/plates.norm" "$f" >/dev/null; then fail "a plate appears in $f"; fi
done

finish
