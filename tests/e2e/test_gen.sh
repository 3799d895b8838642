#!/usr/bin/env bash
# test_gen.sh — end-to-end test of roadsafe-gen, the synthetic county generator.
#
# What: runs the generator twice with one seed and once with another, and
# checks that the same seed gives byte-identical files, a different seed
# different ones, every file exists with its exact header, the row counts
# agree with truth.json, a bad option exits 2, and (ogrinfo, from gdal-bin)
# the districts shapefile opens with 14 valid features in EPSG:27700.
# Run by ctest from the repository root with RS_BIN (the build directory)
# and RS_TEST_TMP (a scratch directory).  Workload: three runs at scale 1,
# a few seconds.
set -euo pipefail

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

: "${RS_BIN:?RS_BIN must name the build directory}"
: "${RS_TEST_TMP:=/tmp}"
GEN="$RS_BIN/roadsafe-gen"
[ -x "$GEN" ] || fail "$GEN not built"
T="$RS_TEST_TMP/test_gen"
rm -rf "$T"
mkdir -p "$T"

"$GEN" --out "$T/gen1" --seed 7 >"$T/run1.log" 2>&1 || fail "seed 7 run failed: $(cat "$T/run1.log")"
"$GEN" --out "$T/gen2" --seed 7 >"$T/run2.log" 2>&1 || fail "second seed 7 run failed: $(cat "$T/run2.log")"
"$GEN" --out "$T/gen3" --seed 8 >"$T/run3.log" 2>&1 || fail "seed 8 run failed: $(cat "$T/run3.log")"

FILES="districts.shp districts.shx districts.dbf districts.prj districts.cpg telematics.csv
       fleet.csv detections.csv collisions.csv casualties.csv concerns.csv truth.json"

# Same seed: byte-identical.  Different seed: the data files differ.
for f in $FILES; do
    [ -s "$T/gen1/$f" ] || fail "gen1/$f missing or empty"
    cmp -s "$T/gen1/$f" "$T/gen2/$f" || fail "$f differs between two runs with seed 7"
done
for f in telematics.csv fleet.csv detections.csv collisions.csv casualties.csv concerns.csv \
    districts.shp truth.json; do
    cmp -s "$T/gen1/$f" "$T/gen3/$f" && fail "$f is the same for seeds 7 and 8"
done

# Exact header lines.
check_header() {
    local got
    got=$(head -n 1 "$T/gen1/$1")
    [ "$got" = "$2" ] || fail "$1 header is '$got', expected '$2'"
}
PINGS="timestamp,vehicle_id,lat,lon,speed_mph,limit_mph,heading"
check_header telematics.csv "$PINGS"
check_header fleet.csv "$PINGS"
check_header detections.csv "detection_id,timestamp,device_type,device_id,site_id,lat,lon,speed_mph,limit_mph,vrm"
check_header collisions.csv "collision_index,collision_year,collision_reference,location_easting_osgr,location_northing_osgr,longitude,latitude,police_force,collision_severity,number_of_vehicles,number_of_casualties,date,day_of_week,time,local_authority_district,local_authority_ons_district,local_authority_highway,first_road_class,first_road_number,road_type,speed_limit,junction_detail,junction_control,second_road_class,second_road_number,pedestrian_crossing_human_control,pedestrian_crossing_physical_facilities,light_conditions,weather_conditions,road_surface_conditions,special_conditions_at_site,carriageway_hazards,urban_or_rural_area,did_police_officer_attend_scene_of_collision,trunk_road_flag,lsoa_of_collision_location,enhanced_severity_collision"
check_header casualties.csv "collision_index,collision_year,collision_reference,vehicle_reference,casualty_reference,casualty_class,sex_of_casualty,age_of_casualty,age_band_of_casualty,casualty_severity,pedestrian_location,pedestrian_movement,car_passenger,bus_or_coach_passenger,pedestrian_road_maintenance_worker,casualty_type,casualty_home_area_type,casualty_imd_decile,lsoa_of_casualty,enhanced_casualty_severity,casualty_adjusted_severity_serious,casualty_adjusted_severity_slight"
check_header concerns.csv "timestamp,lat,lon,source"
[ "$(cat "$T/gen1/districts.cpg")" = "UTF-8" ] || fail "districts.cpg is not UTF-8"
grep -q 'British_National_Grid' "$T/gen1/districts.prj" || fail "districts.prj is not British National Grid"

# Row counts (data rows, header excluded) agree with truth.json.
truth_rows() {
    local n
    n=$(sed -n "s/^ *\"$1\": \([0-9][0-9]*\),\{0,1\}$/\1/p" "$T/gen1/truth.json")
    [ -n "$n" ] || fail "truth.json has no row count for $1"
    echo "$n"
}
for f in telematics.csv fleet.csv detections.csv collisions.csv casualties.csv concerns.csv; do
    want=$(truth_rows "$f")
    got=$(($(wc -l <"$T/gen1/$f") - 1))
    [ "$got" -eq "$want" ] || fail "$f has $got rows, truth.json says $want"
done
[ "$(truth_rows telematics.csv)" -eq 100000 ] || fail "scale 1 should write 100000 pings"
[ "$(truth_rows districts.shp)" -eq 14 ] || fail "truth.json should list 14 districts"
grep -q '"seed": "7"' "$T/gen1/truth.json" || fail "truth.json does not record seed 7"

# Usage errors exit 2.
set +e
"$GEN" --out "$T/bad" --no-such-option >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "an unknown option exited $rc, expected 2"
"$GEN" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "a missing --out exited $rc, expected 2"
"$GEN" --out "$T/bad" --scale nope >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "--scale nope exited $rc, expected 2"
"$GEN" --help >"$T/help.txt" 2>&1
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "--help exited $rc"
for opt in --out --seed --scale --truth-trucam --truth-gatso --truth-other --help; do
    grep -q -- "$opt" "$T/help.txt" || fail "--help does not describe $opt"
done

# The shapefile, as GDAL sees it.
command -v ogrinfo >/dev/null || fail "ogrinfo is not installed (tools/setup.sh --test installs it)"
SHP="$T/gen1/districts.shp"
info=$(ogrinfo -so "$SHP" districts 2>&1) || fail "ogrinfo cannot open districts.shp: $info"
echo "$info" | grep -q 'Feature Count: 14' || fail "districts.shp does not have 14 features"
echo "$info" | grep -Eq 'British_National_Grid|British National Grid|27700' ||
    fail "ogrinfo does not recognise EPSG:27700"
echo "$info" | grep -q 'NAME: String' || fail "districts.dbf has no NAME field"
echo "$info" | grep -q 'CODE: String' || fail "districts.dbf has no CODE field"
if valid=$(ogrinfo -ro -q -dialect SQLite \
    -sql "SELECT count(*) AS n FROM districts WHERE ST_IsValid(geometry)" "$SHP" 2>&1); then
    echo "$valid" | grep -Eq 'n \(Integer\) = 14' ||
        fail "not all 14 district geometries are valid: $valid"
else
    fail "ogrinfo cannot run the SQLite dialect's validity check: $valid"
fi
names=$(ogrinfo -ro -q -dialect SQLite -sql "SELECT count(DISTINCT NAME) AS n FROM districts" \
    "$SHP" 2>/dev/null || true)
if [ -n "$names" ]; then
    echo "$names" | grep -Eq 'n \(Integer\) = 14' || fail "district names are not 14 distinct: $names"
fi

echo "test_gen: ok"
