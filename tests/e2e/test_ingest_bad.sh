#!/usr/bin/env bash
# `roadsafe ingest` on bad input: exit 0 when every row loaded, 1 when some
# rows were rejected, 2 when a file is refused (nothing of it stored) or the
# command is misused; the message names the file and the problem; no plate
# on stdout, stderr or in the rejects.
source "$(dirname "$0")/lib.sh"
need_sqlite3

W="$T/ws.db"
export ROADSAFE_STORE="$W"
run 0 "$RS" init
files() { sql "$W" "SELECT count(*) FROM ingest_file"; }

H="timestamp,vehicle_id,lat,lon,speed_mph,limit_mph"
printf '%s\n2020-08-15T14:03:22Z,v1,51.75,0.30,31,30\n2020-08-15T14:03:23Z,v1,51.75,0.30,57,50\n' "$H" > "$T/good.csv"
printf '%s\n2020-08-15T14:03:22Z,v1,51.75,0.30,31,30\n2021-02-29T10:00:00Z,v1,51.75,0.30,31,30\n2020-08-15T14:03:24Z,v1,0.30,51.75,31,30\n' "$H" > "$T/partial.csv"

# --- 0: all loaded; again: already present, still 0 ------------------------------
run 0 "$RS" ingest telematics "$T/good.csv" --quiet
has "$T/out" "loaded 2, rejected 0, already present 0"
run 0 "$RS" ingest telematics "$T/good.csv" --quiet
has "$T/out" "loaded 0, rejected 0, already present 2"
eq "$(files)" 1 "ingest_file rows after a reload"

# --- 1: some rows rejected; the rejects CSV says where and why -------------------
run 1 "$RS" ingest telematics "$T/partial.csv" --rejects "$T/rej.csv" --quiet
has "$T/out" "loaded 1, rejected 2"
eq "$(head -1 "$T/rej.csv")" "file,line,column,reason" "rejects header"
has "$T/rej.csv" "$T/partial.csv,3,timestamp,"
has "$T/rej.csv" "$T/partial.csv,4,lat,outside Great Britain; lat and lon look swapped"
eq "$(wc -l < "$T/rej.csv")" 3 "rejects lines"
eq "$(sql "$W" "SELECT group_concat(line || ':' || col, ' ') FROM reject")" "3:timestamp 4:lat" "reject table"
# without --rejects the rejects go to stderr
cp "$T/partial.csv" "$T/partial2.csv"; echo "2020-08-15T14:03:25Z,v1,51.75,0.30,31,30" >> "$T/partial2.csv"
run 1 "$RS" ingest telematics "$T/partial2.csv" --quiet
has "$T/err" "rejected: $T/partial2.csv,4,lat,"

# --- 2: refused files, nothing stored ------------------------------------------------
n0=$(files); r0=$(sql "$W" "SELECT count(*) FROM reject")
: > "$T/empty.csv"
printf '%s\n' "$H" > "$T/header_only.csv"
printf 'timestamp,vehicle_id,lat,lon,speed_mph\n2020-08-15T14:03:22Z,v,51.75,0.30,31\n' > "$T/nolimit.csv"
printf 'timestamp,lat,lon,speed_mph,limit_mph,Lat\n2020-08-15T14:03:22Z,51.75,0.30,31,30,51.75\n' > "$T/dup.csv"
printf 'timestamp,lat,lon,speed_mph,speed_kph,limit_mph\n2020-08-15T14:03:22Z,51.75,0.30,31,50,30\n' > "$T/both.csv"
printf 'timestamp;lat;lon;speed_mph;limit_mph\n2020-08-15T14:03:22Z;51,75;0,30;31;30\n' > "$T/semi.csv"
printf '\xff\xfet\x00i\x00m\x00e\x00,\x00l\x00a\x00t\x00\n\x00' > "$T/utf16.csv"
printf 'timestamp,lat,lon,speed_mph,limit_mph,r\xe9gion\n' > "$T/latin1.csv"
for f in empty:empty nolimit:limit_mph dup:ambiguous both:speed_kph semi:comma-separated \
         utf16:UTF-16 latin1:UTF-8; do
  name=${f%%:*}; why=${f#*:}
  run 2 "$RS" ingest telematics "$T/$name.csv" --quiet
  has "$T/err" "$T/$name.csv"
  has "$T/err" "$why"
done
eq "$(files)" "$n0" "ingest_file rows after refusals"
eq "$(sql "$W" "SELECT count(*) FROM reject")" "$r0" "reject rows after refusals"
# a header-only file has nothing to load and nothing wrong
run 0 "$RS" ingest telematics "$T/header_only.csv" --quiet
has "$T/out" "loaded 0, rejected 0"

# a refused file does not stop the others; the exit code is the worst
printf '%s\n2020-08-15T14:09:22Z,v9,51.75,0.30,44,40\n' "$H" > "$T/good2.csv"
run 2 "$RS" ingest telematics "$T/semi.csv" "$T/good2.csv" --quiet
has "$T/out" "good2.csv (telematics): loaded 1"
run 2 "$RS" ingest telematics "$T/partial.csv" "$T/dup.csv" --quiet

# STATS19 header refusals
printf 'accident_index,collision_index,collision_severity,date\nA,A,3,15/08/2020\n' > "$T/twoidx.csv"
run 2 "$RS" ingest stats19 "$T/twoidx.csv"
has "$T/err" "ambiguous header"
# a vehicle file loads (tests/e2e/test_stats19_vehicles.sh); one of an unknown
# collision is rejected row by row
printf 'collision_index,vehicle_reference,vehicle_type\nA,1,9\n' > "$T/veh.csv"
run 1 "$RS" ingest stats19 "$T/veh.csv"
has "$T/err" "no such collision"
# casualties of an unknown collision: rejected, not refused
printf 'collision_index,vehicle_reference,casualty_reference,casualty_severity\nNOPE1,1,1,3\n' > "$T/orphan.csv"
run 1 "$RS" ingest stats19 "$T/orphan.csv"
has "$T/err" "no such collision"

# --- detections: the key, and no plate anywhere -----------------------------------------
D="detection_id,timestamp,device_type,device_id,site_id,lat,lon,speed_mph,limit_mph,vrm"
{
  echo "$D"
  echo "X1,2020-08-15T14:03:22Z,GATSO,G1,S1,51.75,0.30,41,30,ab12 cde"
  echo "X2,2020-08-15T14:03:23Z,GATSO,G1,S1,51.75,0.30,fast,30,QZ51 XYW"
  echo "X3,2020-08-15T14:03:24Z,GATSO,G1,S1,51.75,0.30,41,30,QZ5-1XYW"
  echo "X4,2020-08-15T14:03:25Z,LIDAR,G1,S1,51.75,0.30,41,30,KX19 ABC"
  echo "X1,2020-08-15T14:03:22Z,GATSO,G1,S1,51.75,0.30,42,30,AB12CDE"
} > "$T/det.csv"
run 2 "$RS" ingest detections "$T/det.csv"
has "$T/err" "roadsafe keygen"
eq "$(sql "$W" "SELECT count(*) FROM detection")" 0 "detections without a key"
printf 'short\n' > "$T/short.key"
run 2 "$RS" ingest detections "$T/det.csv" --key-file "$T/short.key"
has "$T/err" "short.key"
run 0 "$RS" keygen "$T/key"
run 1 "$RS" ingest detections "$T/det.csv" --key-file "$T/key" --quiet
has "$T/out" "loaded 1, rejected 4, already present 0"
has "$T/err" "different values"
for p in "ab12 cde" "AB12CDE" "AB12 CDE" "QZ51 XYW" "QZ51XYW" "QZ5-1XYW" "KX19 ABC" "KX19ABC"; do
  for f in "$T/out" "$T/err"; do
    if grep -qF -- "$p" "$f"; then fail "plate '$p' in $f"; fi
  done
done
ROADSAFE_KEY_FILE="$T/key" run 1 "$RS" ingest detections "$T/det.csv" --rejects "$T/drej.csv" --quiet
has "$T/out" "loaded 0, rejected 4, already present 1"
sqlite3 "$W" "PRAGMA wal_checkpoint(FULL)" >/dev/null
for p in "ab12 cde" "AB12CDE" "AB12 CDE" "QZ51 XYW" "QZ51XYW" "QZ5-1XYW" "KX19 ABC" "KX19ABC"; do
  for f in "$W" "$W-wal" "$T/drej.csv" "$T/out" "$T/err"; do
    [ -f "$f" ] || continue
    if grep -aqF -- "$p" "$f"; then fail "plate '$p' in $f"; fi
  done
done

# --- usage errors -------------------------------------------------------------------------
run 2 "$RS" ingest
run 2 "$RS" ingest speeds "$T/good.csv"
run 2 "$RS" ingest telematics
run 2 "$RS" ingest detections "$T/det.csv" --source fleet
run 2 "$RS" ingest telematics "$T/good.csv" --source bus
run 2 "$RS" ingest telematics "$T/good.csv" --rejects "$T/no/such/dir/rej.csv"

# --rejects naming an input (here through a link), the workspace or the key would
# empty that file: refused before anything is opened for writing
cp "$T/good.csv" "$T/victim.csv"
ln -sf "$T/victim.csv" "$T/victim-link.csv"
before=$(sha256sum < "$T/victim.csv")
run 2 "$RS" ingest telematics "$T/victim.csv" --rejects "$T/victim-link.csv"
has "$T/err" "is an input"
eq "$(sha256sum < "$T/victim.csv")" "$before" "input left intact by --rejects pointing at it"
ws_before=$(sha256sum < "$ROADSAFE_STORE")
run 2 "$RS" ingest telematics "$T/good.csv" --rejects "$ROADSAFE_STORE"
eq "$(sha256sum < "$ROADSAFE_STORE")" "$ws_before" "workspace left intact by --rejects pointing at it"
key_before=$(sha256sum < "$T/key")
ROADSAFE_KEY_FILE="$T/key" run 2 "$RS" ingest detections "$T/det.csv" --rejects "$T/key"
eq "$(sha256sum < "$T/key")" "$key_before" "key left intact by --rejects pointing at it"

finish
