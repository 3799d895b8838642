/*
 * ksi_groups.c — the words of the KSI tables: period kinds and splits by
 * name, and the road user and age groups of a casualty (see ksi.h for the
 * groups; ksi.c counts them).
 */
#include <string.h>

#include "ksi.h"
#include "ksi_int.h"

/* ---- parsing and naming ---------------------------------------------------- */

int rs_ksi_by_parse(const char *s, rs_ksi_by *out)
{
    if (s == NULL)
        return -1;
    if (strcmp(s, "month") == 0)
        *out = RS_KSI_MONTH;
    else if (strcmp(s, "quarter") == 0)
        *out = RS_KSI_QUARTER;
    else if (strcmp(s, "year") == 0)
        *out = RS_KSI_YEAR;
    else
        return -1;
    return 0;
}

int rs_ksi_split_parse(const char *s, rs_ksi_split *out)
{
    if (s == NULL)
        return -1;
    if (strcmp(s, "none") == 0)
        *out = RS_KSI_SPLIT_NONE;
    else if (strcmp(s, "district") == 0)
        *out = RS_KSI_SPLIT_DISTRICT;
    else if (strcmp(s, "road_user") == 0)
        *out = RS_KSI_SPLIT_ROAD_USER;
    else if (strcmp(s, "age_band") == 0)
        *out = RS_KSI_SPLIT_AGE_BAND;
    else if (strcmp(s, "vehicle") == 0)
        *out = RS_KSI_SPLIT_VEHICLE;
    else
        return -1;
    return 0;
}

const char *rs_ksi_split_column(rs_ksi_split split)
{
    switch (split) {
    case RS_KSI_SPLIT_DISTRICT: return "district";
    case RS_KSI_SPLIT_ROAD_USER: return "road_user";
    case RS_KSI_SPLIT_AGE_BAND: return "age_band";
    case RS_KSI_SPLIT_VEHICLE: return "vehicle";
    default: return NULL;
    }
}

static const char *const road_user_names[] = {"pedestrian",   "pedal cyclist", "motorcyclist",
                                              "car occupant", "bus or coach",  "goods vehicle",
                                              "other",        "e-scooter rider"};
static const char *const age_names[] = {"child 0-15", "16-24", "25-59", "60+", "unknown"};

int rs_ksi_road_user(int t)
{
    switch (t) {
    case 0: return 0;
    case 1: return 1;
    case 2: case 3: case 4: case 5: case 23: case 97:
    case 103: case 104: case 105: case 106: return 2;
    case 8: case 9: case 108: case 109: return 3;
    case 10: case 11: case 110: return 4;
    case 19: case 20: case 21: case 98: case 113: return 5;
    case 33: return ROAD_USER_ESCOOTER;
    case 16: case 17: case 18: case 22: case 90: case 99: return 6;
    default: return 6;
    }
}

int rs_ksi_age_group(int age, int band)
{
    if (age >= 0)
        return age <= 15 ? 0 : age <= 24 ? 1 : age <= 59 ? 2 : 3;
    switch (band) {
    case 1: case 2: case 3: return 0;
    case 4: return 1;
    case 6: case 7: case 8: return 2;
    case 10: case 11: return 3;
    default: return 4;
    }
}

const char *rs_ksi_road_user_name(int g)
{
    return g >= 0 && g < N_ROAD_USER ? road_user_names[g] : "?";
}

const char *rs_ksi_age_group_name(int g)
{
    return g >= 0 && g < N_AGE ? age_names[g] : "?";
}
