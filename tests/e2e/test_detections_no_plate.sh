#!/usr/bin/env bash
# A detection with an empty plate (unread, obscured) is kept: it counts in
# the per-district figures, has no vehicle (NULL in the workspace, never the
# keyed hash of an empty string) and is left out of reoffending only, with
# the count on reoffend's stderr line and in the board pack's reoffending
# section.  A plate that is not a plate is still rejected.
source "$(dirname "$0")/lib.sh"
need_sqlite3

W="$T/ws.db"
export ROADSAFE_STORE="$W" ROADSAFE_KEY_FILE="$T/key"
run 0 "$RS" init
run 0 "$RS" keygen "$T/key"
run 0 "$GEN" --out "$T/g" --seed 1
run 0 "$RS" districts load "$T/g/districts.shp" --name-field NAME --code-field CODE

# one site near Chelmsford; AB12CDE is caught twice, two records have no plate
cat > "$T/det.csv" <<'CSV'
detection_id,timestamp,device_type,device_id,site_id,lat,lon,speed_mph,limit_mph,vrm
D1,2020-08-15T14:03:22Z,TRUCAM,T1,S1,51.7300,0.4950,41.3,30,AB12 CDE
D2,2020-08-15T14:04:22Z,TRUCAM,T1,S1,51.7300,0.4950,38,30,
D3,2020-08-15T14:05:22Z,GATSO,G1,S1,51.7300,0.4950,38,30,"   "
D4,2020-09-20T14:06:22Z,GATSO,G1,S1,51.7300,0.4950,44,30,ab12cde
D5,2020-08-15T14:07:22Z,GATSO,G1,S1,51.7300,0.4950,44,30,AB-12
CSV
run 1 "$RS" ingest detections "$T/det.csv" --rejects "$T/rej.csv" --quiet
has "$T/out" "loaded 4, rejected 1"
has "$T/rej.csv" "det.csv,6,vrm,plate is not 1-10 letters and digits"
eq "$(sql "$W" "SELECT group_concat(detection_id, ' ') FROM (SELECT detection_id FROM detection WHERE vehicle IS NULL ORDER BY 1)")" "D2 D3" "no vehicle"
eq "$(sql "$W" "SELECT count(DISTINCT vehicle) FROM detection")" 1 "vehicles"
eq "$(sql "$W" "SELECT count(*) FROM detection WHERE vehicle IS NOT NULL AND length(vehicle) <> 32")" 0 "hash lengths"
# loading again: already present (NULL matches NULL)
run 1 "$RS" ingest detections "$T/det.csv" --quiet
has "$T/out" "loaded 0, rejected 1, already present 4"

# the district's detections count all four
run 0 "$RS" weekends --start 2020-10-01 --count 1 --allow-stale --out "$T/wk"
eq "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "detection_count") k = i } NR > 1 { s += $k } END { print s }' "$T/wk_ranking.csv")" 4 \
   "detections counted by district"

# reoffending: one vehicle (D1, then D4 a month later); the two without a plate left out
run 0 "$RS" reoffend --from 2020-01-01 --to 2020-12-31 --data-end 2021-12-31 --cohorts TRUCAM,GATSO
has "$T/err" "2 detections read, 1 vehicles with an index detection"
has "$T/err" "2 detections without a plate left out"
awk -F, 'NR == 2 { print $2 }' "$T/out" > "$T/trucam_vehicles"
eq "$(cat "$T/trucam_vehicles")" 1 "TRUCAM cohort vehicles"

# the board pack says so in its reoffending section
run 0 "$RS" report --quarter 2021Q3 --out "$T/pack.html"
has "$T/pack.html" "2 detections without a plate up to"
has "$T/pack.html" "left out of reoffending"
finish
