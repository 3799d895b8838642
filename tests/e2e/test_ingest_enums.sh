#!/usr/bin/env bash
# Enumerations in real exports carry stray spaces and any case: a device type
# "TRUCAM " or " gatso", a concern source " public " or "CSW\t" is what it
# says (trimmed, matched in any case, stored in its one spelling); an unknown
# value is still rejected, naming the column and the accepted values.
source "$(dirname "$0")/lib.sh"
need_sqlite3

W="$T/ws.db"
export ROADSAFE_STORE="$W" ROADSAFE_KEY_FILE="$T/key"
run 0 "$RS" init
run 0 "$RS" keygen "$T/key"

# a camera back-office export: padded and mixed-case device types
cat > "$T/det.csv" <<'CSV'
detection_id,timestamp,device_type,device_id,site_id,lat,lon,speed_mph,limit_mph,vrm
D1,2020-08-15T14:03:22Z,TRUCAM ,T1,S1,51.7300,0.4950,41.3,30,AB12 CDE
D2,2020-08-15T14:04:22Z, gatso,G1,S2,51.7310,0.5050,38,30,XY19ABC
D3,2020-08-15T14:05:22Z,"  Specs  ",S9,S3,51.7320,0.5150,55,40,K1
D4,2020-08-15T14:06:22Z,LASER,L1,S4,51.7320,0.5150,55,40,K2
D5,2020-08-15T14:07:22Z,TRU CAM,L1,S4,51.7320,0.5150,55,40,K3
CSV
run 1 "$RS" ingest detections "$T/det.csv" --rejects "$T/rej.csv" --quiet
has "$T/out" "loaded 3, rejected 2"
eq "$(sql "$W" "SELECT group_concat(detection_id || '=' || device_type, ' ') FROM (SELECT * FROM detection ORDER BY detection_id)")" \
   "D1=TRUCAM D2=GATSO D3=SPECS" "device types stored in their one spelling"
has "$T/rej.csv" "$T/det.csv,5,device_type,\"unknown device type (TRUCAM, GATSO"
has "$T/rej.csv" "$T/det.csv,6,device_type,\"unknown device type"

# community concerns: padded and mixed-case sources
printf 'timestamp,lat,lon,source\n2020-08-15T14:03:22Z,51.73,0.49, public \n2020-08-15T14:03:23Z,51.73,0.49,CSW\t\n2020-08-15T14:03:24Z,51.73,0.49,COUNCIL\n2020-08-15T14:03:25Z,51.73,0.49,neighbour\n2020-08-15T14:03:26Z,51.73,0.49,pub lic\n' > "$T/conc.csv"
run 1 "$RS" ingest concerns "$T/conc.csv" --rejects "$T/rej2.csv" --quiet
has "$T/out" "loaded 3, rejected 2"
eq "$(sql "$W" "SELECT group_concat(source, ' ') FROM (SELECT source FROM concern ORDER BY t)")" \
   "public CSW council" "sources stored in their one spelling"
has "$T/rej2.csv" "$T/conc.csv,5,source,\"source is not one of CSW, public, council, other"
has "$T/rej2.csv" "$T/conc.csv,6,source,"
finish
