#!/usr/bin/env bash
# A camera back-office export carrying both lat/lon and easting/northing is
# loaded, placed by easting/northing; a row whose lat/lon lies more than 50 m
# from its grid reference is rejected with the distance, a row with lat/lon
# empty is placed by the grid reference alone, and the summary line says
# which coordinates were used.
source "$(dirname "$0")/lib.sh"
need_sqlite3

W="$T/ws.db"
export ROADSAFE_STORE="$W" ROADSAFE_KEY_FILE="$T/key"
run 0 "$RS" init
run 0 "$RS" keygen "$T/key"

# the grid reference of a point near Chelmsford, as the engine projects it
printf 'detection_id,timestamp,device_type,device_id,site_id,lat,lon,speed_mph,limit_mph,vrm\nP0,2020-08-15T14:00:00Z,TRUCAM,T1,S1,51.7300,0.4950,41.3,30,AB12CDE\n' > "$T/probe.csv"
run 0 "$RS" ingest detections "$T/probe.csv" --quiet
E=$(sql "$W" "SELECT printf('%.2f', e) FROM detection"); N=$(sql "$W" "SELECT printf('%.2f', n) FROM detection")

# the export: lat/lon the same point (0 m), 0.0003 deg north (about 33 m),
# 0.0010 deg north (about 111 m), empty, and not a number
cat > "$T/both.csv" <<CSV
detection_id,timestamp,device_type,device_id,site_id,lat,lon,easting,northing,speed_mph,limit_mph,vrm
B1,2020-08-15T14:03:22Z,TRUCAM,T1,S1,51.7300,0.4950,$E,$N,41.3,30,AB12 CDE
B2,2020-08-15T14:04:22Z,GATSO,G1,S2,51.7303,0.4950,$E,$N,38,30,XY19ABC
B3,2020-08-15T14:05:22Z,GATSO,G1,S2,51.7310,0.4950,$E,$N,38,30,XY19ABD
B4,2020-08-15T14:06:22Z,GATSO,G1,S2,,,$E,$N,38,30,XY19ABE
B5,2020-08-15T14:07:22Z,GATSO,G1,S2,51.73x,0.4950,$E,$N,38,30,XY19ABF
CSV
run 1 "$RS" ingest detections "$T/both.csv" --rejects "$T/rej.csv" --quiet
has "$T/out" "loaded 3, rejected 2, already present 0; positions from easting/northing, lat/lon checked to within 50 m"
has "$T/rej.csv" "$T/both.csv,4,lat,lat/lon is 111 m from easting/northing (more than 50 m apart"
has "$T/rej.csv" "$T/both.csv,6,lat,not a plain decimal number"
eq "$(wc -l < "$T/rej.csv")" 3 "rejects lines"
eq "$(sql "$W" "SELECT count(*) FROM detection WHERE detection_id IN ('B1','B2','B4') AND printf('%.2f', e) = '$E' AND printf('%.2f', n) = '$N'")" 3 \
   "placed by easting/northing"
# a file with one coordinate system says nothing about it
lacks "$T/out" "XY19"
run 0 "$RS" ingest detections "$T/probe.csv" --quiet
lacks "$T/out" "positions from"
finish
