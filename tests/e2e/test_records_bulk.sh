#!/usr/bin/env bash
# A big record load (100,000 rows and more, at least a quarter of the table)
# sets the table's indexes aside and builds them again before it commits
# (ingest_int.h, rs_ingest_bulk): collisions their time index, detections
# their vehicle and time indexes.  Afterwards each index is there with its
# own SQL and holds every row, the workspace passes its schema and
# integrity checks, `reoffend` reads the vehicle index, and a re-load
# finds every row present.
# Fixtures, written here: 130,000 collisions in the 2024 layout and
# 110,000 speed detections in the documented layout.
source "$(dirname "$0")/lib.sh"
need_sqlite3
F="$(dirname "$0")/../fixtures/stats19"
W="$T/ws.db"
N=130000
{ head -n 1 "$F/collisions_2024.csv"
  sed -n 2p "$F/collisions_2024.csv" | awk -F, -v OFS=, -v n="$N" '{
    for (i = 1; i <= n; i++) {
      $1 = sprintf("2024%09d", i); $3 = sprintf("%09d", i)
      $4 = 560000 + (i * 37) % 30000; $5 = 190000 + (i * 53) % 30000
      $12 = sprintf("%02d/%02d/2024", 1 + i % 28, 1 + i % 12)
      $14 = sprintf("%02d:%02d", i % 24, i % 60)
      print } }'; } > "$T/big.csv"
run 0 "$RS" init --store "$W"
run 0 "$RS" ingest stats19 "$F/collisions_2023.csv" --store "$W"
small=$(sql "$W" "SELECT count(*) FROM collision")
run 0 "$RS" ingest stats19 "$T/big.csv" --store "$W"
has "$T/out" "loaded $N, rejected 0"
eq "$(sql "$W" "SELECT sql FROM sqlite_master WHERE name = 'collision_time'")" \
   "CREATE INDEX collision_time ON collision(t)" "the time index, as the schema has it"
eq "$(sql "$W" "SELECT count(*) FROM collision INDEXED BY collision_time WHERE t IS NOT NULL")" \
   "$(sql "$W" "SELECT count(*) FROM collision NOT INDEXED WHERE t IS NOT NULL")" "collisions in the time index"
eq "$(sql "$W" "SELECT count(*) FROM collision")" "$((small + N))" "collisions stored"
eq "$(sql "$W" "PRAGMA integrity_check")" "ok" "integrity after a big load"
run 0 "$RS" info --store "$W"
run 0 "$RS" ksi --by year --store "$W"
run 0 "$RS" ingest stats19 "$T/big.csv" --store "$W"
has "$T/out" "loaded 0, rejected 0, already present $N"

# --- detections ------------------------------------------------------------
run 0 "$RS" keygen "$T/key"
export ROADSAFE_KEY_FILE="$T/key"
D=110000
awk -v n="$D" 'BEGIN {
  print "detection_id,timestamp,device_type,device_id,site_id,lat,lon,speed_mph,limit_mph,vrm"
  for (i = 1; i <= n; i++)
    printf "D%07d,2024-%02d-%02dT%02d:%02d:%02dZ,%s,DEV%d,S%d,%.6f,%.6f,%.1f,30,AB%02d %c%c%c\n",
      i, 1 + i % 12, 1 + i % 28, i % 24, i % 60, int(i / 60) % 60,
      (i % 2 ? "GATSO" : "TRUCAM"), i % 7, i % 11, 51.70 + (i % 100) * 0.001, 0.40 + (i % 90) * 0.001,
      31 + (i % 200) / 10, i % 100, 65 + i % 26, 65 + int(i / 26) % 26, 65 + int(i / 676) % 26
}' > "$T/det.csv"
run 0 "$RS" ingest detections "$T/det.csv" --store "$W"
has "$T/out" "loaded $D, rejected 0"
eq "$(sql "$W" "SELECT sql FROM sqlite_master WHERE name = 'detection_time'")" \
   "CREATE INDEX detection_time ON detection(t)" "the detection time index, as the schema has it"
eq "$(sql "$W" "SELECT count(*) FROM sqlite_master WHERE name = 'detection_vehicle'")" "1" "the vehicle index"
eq "$(sql "$W" "SELECT count(*) FROM detection INDEXED BY detection_vehicle WHERE vehicle IS NOT NULL")" \
   "$D" "detections in the vehicle index"
eq "$(sql "$W" "SELECT count(*) FROM detection INDEXED BY detection_time WHERE t > 0")" "$D" "detections in the time index"
eq "$(sql "$W" "PRAGMA integrity_check")" "ok" "integrity after a big detection load"
run 0 "$RS" info --store "$W"
run 0 "$RS" reoffend --store "$W"
has "$T/out" "TRUCAM"
run 0 "$RS" ingest detections "$T/det.csv" --store "$W"
has "$T/out" "loaded 0, rejected 0, already present $D"
finish
