/*
 * ksi_vehicle.c — vehicle families for the KSI tables (see ksi_vehicle.h
 * for the mapping).  The mapping lives here once, in C; the KSI query
 * reaches it through an SQL function, so each collision's families are
 * gathered in SQLite as a bit mask (sum of distinct 1 << family).
 */
#include "ksi_vehicle.h"

#include <string.h>

static const char *const names[RS_VF_N] = {"car",         "motorcycle", "goods vehicle",
                                           "bus or coach", "pedal cycle", "e-scooter",
                                           "other"};
static const char *const words[RS_VF_N] = {"car",         "motorcycle", "goods", "bus",
                                           "pedal_cycle", "escooter",   "other"};

int rs_ksi_vehicle_family(int t, int escooter)
{
    if (escooter == 1)
        return RS_VF_ESCOOTER;
    switch (t) {
    case 8: case 9: case 108: case 109: return RS_VF_CAR;
    case 2: case 3: case 4: case 5: case 23: case 97:
    case 103: case 104: case 105: case 106: return RS_VF_MOTORCYCLE;
    case 19: case 20: case 21: case 98: case 113: return RS_VF_GOODS;
    case 10: case 11: case 110: return RS_VF_BUS;
    case 1: return RS_VF_PEDAL_CYCLE;
    case 33: return RS_VF_ESCOOTER;
    default: return RS_VF_OTHER;
    }
}

const char *rs_ksi_family_name(int f)
{
    return f >= 0 && f < RS_VF_N ? names[f] : "?";
}

int rs_ksi_family_parse(const char *s, int *family)
{
    if (s == NULL)
        return -1;
    for (int f = 0; f < RS_VF_N; f++)
        if (strcmp(s, words[f]) == 0 || strcmp(s, names[f]) == 0) {
            *family = f;
            return 0;
        }
    if (strcmp(s, "e-scooter") == 0 || strcmp(s, "goods_vehicle") == 0 ||
        strcmp(s, "cycle") == 0) {
        *family = s[0] == 'e' ? RS_VF_ESCOOTER : s[0] == 'g' ? RS_VF_GOODS : RS_VF_PEDAL_CYCLE;
        return 0;
    }
    return -1;
}

const char *rs_ksi_family_words(void)
{
    return "car, motorcycle, goods, bus, pedal_cycle, escooter or other";
}

static int arg_int(sqlite3_value *v)
{
    return sqlite3_value_type(v) == SQLITE_NULL ? -1 : sqlite3_value_int(v);
}

static void family_fn(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_int(c, rs_ksi_vehicle_family(arg_int(argv[0]), arg_int(argv[1])));
}

int rs_ksi_vehicle_sql(sqlite3 *db)
{
    return sqlite3_create_function(db, "rs_vehicle_family", 2,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                   family_fn, NULL, NULL) == SQLITE_OK
               ? 0
               : -1;
}
