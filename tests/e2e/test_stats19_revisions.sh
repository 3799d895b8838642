#!/usr/bin/env bash
# The DfT revises published STATS19 files.  A re-load compares every stored
# column: a corrected speed_limit or number_of_vehicles is no longer
# "already present".  Without --update each differing row is rejected
# naming the column that differs (never a value); with --update the
# revisions are applied in the file's one transaction and counted
# ("revised N").  Identical rows stay "already present".
source "$(dirname "$0")/lib.sh"
need_sqlite3

W="$T/ws.db"
export ROADSAFE_STORE="$W"
run 0 "$RS" init

# 2024 layout (44 collision columns, 23 casualty columns)
CH='collision_index,collision_year,collision_ref_no,location_easting_osgr,location_northing_osgr,longitude,latitude,police_force,collision_severity,number_of_vehicles,number_of_casualties,date,day_of_week,time,local_authority_district,local_authority_ons_district,local_authority_highway,local_authority_highway_current,first_road_class,first_road_number,road_type,speed_limit,junction_detail_historic,junction_detail,junction_control,second_road_class,second_road_number,pedestrian_crossing_human_control_historic,pedestrian_crossing_physical_facilities_historic,pedestrian_crossing,light_conditions,weather_conditions,road_surface_conditions,special_conditions_at_site,carriageway_hazards_historic,carriageway_hazards,urban_or_rural_area,did_police_officer_attend_scene_of_accident,trunk_road_flag,lsoa_of_accident_location,enhanced_severity_collision,collision_injury_based,collision_adjusted_severity_serious,collision_adjusted_severity_slight'
KH='collision_index,collision_year,collision_ref_no,vehicle_reference,casualty_reference,casualty_class,sex_of_casualty,age_of_casualty,age_band_of_casualty,casualty_severity,pedestrian_location,pedestrian_movement,car_passenger,bus_or_coach_passenger,pedestrian_road_maintenance_worker,casualty_type,casualty_imd_decile,lsoa_of_casualty,enhanced_casualty_severity,casualty_injury_based,casualty_adjusted_severity_serious,casualty_adjusted_severity_slight,casualty_distance_banding'
# coll INDEX SEVERITY VEHICLES SPEED_LIMIT EASTING
# (the enhanced severity agrees with the severity: 5, very serious, for serious)
enh() { if [ "$1" = 2 ]; then echo 5; else echo "$1"; fi; }
coll() { echo "$1,2024,${1:4},$5,206000,0.49,51.73,42,$2,$3,1,14/03/2024,5,08:15,-1,E07000070,E10000012,E10000012,3,120,6,$4,-1,0,4,6,0,-1,-1,0,1,1,1,0,-1,0,1,1,2,E01021234,$(enh "$2"),1,0.1,0.9"; }
# cas INDEX VEH CAS SEVERITY AGE ADJ_SERIOUS
cas() { echo "$1,2024,${1:4},$2,$3,1,1,$5,7,$4,0,0,0,0,0,9,5,E01021234,$(enh "$4"),1,$6,0.5,1"; }
{ echo "$CH"; coll 2024420000001 3 2 30 571000; coll 2024420000002 2 1 40 573000; coll 2024420000003 3 1 60 575000; } > "$T/coll_v1.csv"
{ echo "$KH"; cas 2024420000001 1 1 3 34 0.5; cas 2024420000002 1 1 2 51 0.5; } > "$T/cas_v1.csv"
run 0 "$RS" ingest stats19 "$T/coll_v1.csv" "$T/cas_v1.csv" --quiet
has "$T/out" "coll_v1.csv (collisions): loaded 3, rejected 0"
has "$T/out" "cas_v1.csv (casualties): loaded 2, rejected 0"

# the revision: collision 1's speed_limit 30 -> 20, collision 2's
# number_of_vehicles 1 -> 2, collision 3 unchanged; casualty 2's age 51 -> 15
{ echo "$CH"; coll 2024420000001 3 2 20 571000; coll 2024420000002 2 2 40 573000; coll 2024420000003 3 1 60 575000; } > "$T/coll_v2.csv"
{ echo "$KH"; cas 2024420000001 1 1 3 34 0.5; cas 2024420000002 1 1 2 15 0.5; } > "$T/cas_v2.csv"
before=$(sql "$W" "SELECT group_concat(collision_index || ':' || speed_limit || ':' || vehicles, ' ') FROM collision")
run 1 "$RS" ingest stats19 "$T/coll_v2.csv" "$T/cas_v2.csv" --rejects "$T/rej.csv" --quiet
has "$T/out" "coll_v2.csv (collisions): loaded 0, rejected 2, already present 1"
has "$T/out" "cas_v2.csv (casualties): loaded 0, rejected 1, already present 1"
has "$T/rej.csv" "coll_v2.csv,2,speed_limit,collision already loaded with a different value here"
has "$T/rej.csv" "coll_v2.csv,3,number_of_vehicles,collision already loaded"
has "$T/rej.csv" "cas_v2.csv,3,age_of_casualty,casualty already loaded"
lacks "$T/rej.csv" ",20,"
eq "$(sql "$W" "SELECT group_concat(collision_index || ':' || speed_limit || ':' || vehicles, ' ') FROM collision")" "$before" "nothing changed without --update"

# --update applies them, and says how many
run 0 "$RS" ingest stats19 "$T/coll_v2.csv" "$T/cas_v2.csv" --update --quiet
has "$T/out" "coll_v2.csv (collisions): loaded 0, rejected 0, already present 1, revised 2"
has "$T/out" "cas_v2.csv (casualties): loaded 0, rejected 0, already present 1, revised 1"
eq "$(sql "$W" "SELECT speed_limit FROM collision WHERE collision_index = '2024420000001'")" 20 "revised speed_limit"
eq "$(sql "$W" "SELECT vehicles FROM collision WHERE collision_index = '2024420000002'")" 2 "revised number_of_vehicles"
eq "$(sql "$W" "SELECT age FROM casualty WHERE collision_index = '2024420000002'")" 15 "revised age"
# the revised rows stay with the file that first loaded them (its counts hold)
eq "$(sql "$W" "SELECT count(DISTINCT file_id) FROM collision")" 1 "file of the collisions"
# and now everything is present
run 0 "$RS" ingest stats19 "$T/coll_v2.csv" "$T/cas_v2.csv" --quiet
has "$T/out" "coll_v2.csv (collisions): loaded 0, rejected 0, already present 3"
lacks "$T/out" "revised"

# a moved location is a revision too, and the district follows it
{ echo "$CH"; coll 2024420000003 3 1 60 575500; } > "$T/coll_v3.csv"
run 1 "$RS" ingest stats19 "$T/coll_v3.csv" --rejects "$T/rej3.csv" --quiet
has "$T/rej3.csv" "coll_v3.csv,2,location_easting_osgr,"
run 0 "$RS" ingest stats19 "$T/coll_v3.csv" --update --quiet
eq "$(sql "$W" "SELECT e FROM collision WHERE collision_index = '2024420000003'")" 575500.0 "revised easting"
run 2 "$RS" ingest concerns "$T/coll_v3.csv" --update
has "$T/err" "--update is for stats19"
finish
