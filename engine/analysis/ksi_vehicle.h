/*
 * ksi_vehicle.h — the vehicle families of `roadsafe ksi --split vehicle`
 * and `--involving FAMILY`: which kinds of vehicle a collision involved,
 * from the STATS19 vehicle table (vehicle_type and escooter_flag).  A
 * collision involves every family of its vehicles, so a casualty counts
 * in each of them: the rows of the split overlap.
 *
 * vehicle_type -> family (README "roadsafe ksi" repeats it):
 *   car           8, 9 (taxi/private hire car, car); 108, 109 (1979-2004)
 *   motorcycle    2-5, 23 (electric), 97; 103-106 (1979-2004)
 *   goods vehicle 19-21, 98; 113 (1979-2004)
 *   bus or coach  10 (minibus), 11; 110 (1979-2004)
 *   pedal cycle   1
 *   e-scooter     escooter_flag 1 (whatever vehicle_type says), or
 *                 vehicle_type 33 (undocumented, used for e-scooters)
 *   other         16 horse, 17 agricultural, 18 tram, 22 mobility scooter,
 *                 90 other, 99 unknown, missing, and any other code
 */
#ifndef RS_KSI_VEHICLE_H
#define RS_KSI_VEHICLE_H

#include <sqlite3.h>

enum {
    RS_VF_CAR = 0,
    RS_VF_MOTORCYCLE,
    RS_VF_GOODS,
    RS_VF_BUS,
    RS_VF_PEDAL_CYCLE,
    RS_VF_ESCOOTER,
    RS_VF_OTHER,
    RS_VF_N
};

/* The family of a vehicle (vehicle_type and escooter_flag, -1 missing). */
int rs_ksi_vehicle_family(int vehicle_type, int escooter);
/* Display name ("car", "motorcycle", "goods vehicle", "bus or coach",
 * "pedal cycle", "e-scooter", "other"), or "?". */
const char *rs_ksi_family_name(int family);
/* The option word (car, motorcycle, goods, bus, pedal_cycle, escooter,
 * other; also the display names) -> 0 and *family; -1 otherwise. */
int rs_ksi_family_parse(const char *s, int *family);
/* The option words, for messages: "car, motorcycle, ...". */
const char *rs_ksi_family_words(void);

/* Registers the SQL function rs_vehicle_family(vehicle_type, escooter) on
 * db (deterministic; NULL arguments count as missing).  0, or -1. */
int rs_ksi_vehicle_sql(sqlite3 *db);

#endif
