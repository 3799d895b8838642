#!/usr/bin/env bash
# A STATS19 collision file whose location columns are missing (renamed by
# whoever exported it, e.g. `easting`/`lng`) is refused whole, exit 2, naming
# the columns looked for, instead of loading every collision as unlocated;
# --unlocated-ok loads it so on purpose.  A file with the columns but no
# value in a row still keeps that collision as unlocated.
source "$(dirname "$0")/lib.sh"
need_sqlite3

W="$T/ws.db"
export ROADSAFE_STORE="$W"
run 0 "$RS" init

# 2024-layout collisions with the location columns renamed
H='collision_index,collision_year,collision_ref_no,easting,northing,lng,lat,police_force,collision_severity,number_of_vehicles,number_of_casualties,date,day_of_week,time,local_authority_district,local_authority_ons_district,speed_limit'
printf '%s\n2024420000001,2024,420000001,571000,206000,0.49,51.73,42,3,2,1,14/03/2024,5,08:15,-1,E07000070,30\n2024420000002,2024,420000002,573000,206500,0.52,51.74,42,2,1,1,15/03/2024,6,09:15,-1,E07000070,40\n' "$H" > "$T/renamed.csv"
run 2 "$RS" ingest stats19 "$T/renamed.csv" --quiet
has "$T/err" "$T/renamed.csv:1: no location columns"
has "$T/err" "location_easting_osgr and location_northing_osgr, or longitude and latitude"
has "$T/err" "--unlocated-ok"
eq "$(sql "$W" "SELECT count(*) FROM collision")" 0 "nothing stored from a refused file"
eq "$(sql "$W" "SELECT count(*) FROM ingest_file")" 0 "no log entry for a refused file"

# only one of a pair is no location either
sed 's/^collision_index,collision_year,collision_ref_no,easting/collision_index,collision_year,collision_ref_no,location_easting_osgr/' "$T/renamed.csv" > "$T/half.csv"
run 2 "$RS" ingest stats19 "$T/half.csv" --quiet
has "$T/err" "no location columns"

# asked for: loaded, every collision unlocated
run 0 "$RS" ingest stats19 "$T/renamed.csv" --unlocated-ok --quiet
has "$T/out" "loaded 2, rejected 0, already present 0; 2 without a usable location"
eq "$(sql "$W" "SELECT count(*) FROM collision WHERE e IS NULL")" 2 "kept unlocated"

# the option is for stats19 only
run 2 "$RS" ingest concerns "$T/renamed.csv" --unlocated-ok
has "$T/err" "--unlocated-ok is for stats19"
finish
