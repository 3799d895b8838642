/*
 * fuzz_stats19.c — a STATS19 collision or casualty CSV through
 * rs_ingest_file into the in-memory workspace, which has two districts
 * (collisions are placed in them) and first holds three collisions (the baseline below, kept across inputs) so casualty
 * files find parents and collision files meet indexes already loaded.
 * Checked (common.c): nothing crashes, a refused file stores nothing, a
 * loaded one is logged with counts equal to its stored rows and rejects,
 * and loading it again loads nothing more.
 */
#include "fuzz.h"

static const char baseline[] =
    "collision_index,collision_year,collision_reference,location_easting_osgr,"
    "location_northing_osgr,longitude,latitude,police_force,collision_severity,"
    "number_of_vehicles,number_of_casualties,date,day_of_week,time,"
    "local_authority_ons_district,speed_limit\n"
    "2020420000001,2020,420000001,571000,206000,0.5,51.7,42,3,2,1,14/03/2020,7,08:15,E07000070,30\n"
    "2020420000002,2020,420000002,-1,-1,-1,-1,42,1,1,1,25/10/2020,1,01:30,E07000070,60\n"
    "2020420000003,2020,420000003,,,0.51,51.73,42,2,3,2,29/03/2020,1,01:30,E07000066,-1\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        fuzz_with_districts();
        fuzz_preload(RS_KIND_STATS19, baseline);
        ready = 1;
    }
    fuzz_ingest(RS_KIND_STATS19, data, size);
    return 0;
}
