#!/usr/bin/env bash
# Codes of every STATS19 generation: casualty_type and vehicle_type codes of
# 1979-2004 (103-113) go to their road-user groups and vehicle families,
# 22 and 90 to "other", 33 (e-scooter riders) to its own group;
# speed_limit 99 (unknown, self reported) and -1 are stored as unknown.
# Fixtures: tests/fixtures/stats19/ (a 1979-to-latest file's 2003 rows in
# the 2024 layout, the 2023 and 2024 triples).
source "$(dirname "$0")/lib.sh"
need_sqlite3
F="$(dirname "$0")/../fixtures/stats19"
W="$T/ws.db"
run 0 "$RS" init --store "$W"
run 0 "$RS" ingest stats19 "$F/casualties_1979_latest.csv" "$F/vehicles_1979_latest.csv" "$F/collisions_1979_latest.csv" --store "$W"
run 0 "$RS" ksi --by year --split road_user --store "$W"
for want in "2003,0,2,2,0,2,motorcyclist," "2003,0,1,1,1,2,car occupant," "2003,1,0,1,0,1,bus or coach," \
            "2003,0,0,0,1,1,goods vehicle," "2003,0,0,0,0,0,other,"; do
  has "$T/out" "$want"
done
lacks "$T/out" "e-scooter rider"
run 0 "$RS" ksi --by year --split vehicle --store "$W"
for want in "2003,0,3,3,1,4,car," "2003,0,3,3,1,4,motorcycle," "2003,1,0,1,1,2,goods vehicle," \
            "2003,1,0,1,1,2,bus or coach," "2003,0,0,0,0,0,other,"; do
  has "$T/out" "$want"
done
eq "$(sql "$W" "SELECT group_concat(coalesce(speed_limit, 'unknown'), ' ') FROM (SELECT * FROM collision ORDER BY collision_index)")" \
   "30 70 unknown" "speed_limit 99 is unknown"

run 0 "$RS" ingest stats19 "$F/collisions_2024.csv" "$F/casualties_2024.csv" "$F/collisions_2023.csv" "$F/casualties_2023.csv" --store "$W"
eq "$(sql "$W" "SELECT group_concat(coalesce(speed_limit, 'unknown'), ' ') FROM (SELECT * FROM collision WHERE collision_index LIKE '2024%' ORDER BY collision_index)")" \
   "30 60 unknown unknown 30 20" "speed_limit 99 and -1 are unknown"
run 0 "$RS" ksi --by year --split road_user --store "$W"
# 90 (other vehicle) and 22 (mobility scooter) are "other"; 33 its own group
has "$T/out" "2024,0,2,2,0,2,other,"
has "$T/out" "2023,1,0,1,0,1,e-scooter rider,"
has "$T/out" "2024,0,0,0,0,0,e-scooter rider,"
finish
