/*
 * test_ksi_vehicle.c — analysis/ksi_vehicle: the vehicle family of every
 * STATS19 vehicle_type code (current and 1979-2004 ones) and escooter_flag,
 * the option words, and the SQL function the KSI query uses.
 *
 * The reference lists are written out from the DfT data guide 2024's
 * vehicle_type codes (README "roadsafe ksi"), not taken from the module.
 */
#include <sqlite3.h>
#include <string.h>

#include "check.h"
#include "ksi_vehicle.h"

static int family_ref(int t)
{
    static const int lists[RS_VF_N][11] = {
        {8, 9, 108, 109, -9},                          /* car */
        {2, 3, 4, 5, 23, 97, 103, 104, 105, 106, -9},  /* motorcycle */
        {19, 20, 21, 98, 113, -9},                     /* goods vehicle */
        {10, 11, 110, -9},                             /* bus or coach */
        {1, -9},                                       /* pedal cycle */
        {33, -9},                                      /* e-scooter */
        {-9}};                                         /* other: the rest */
    for (int f = 0; f < RS_VF_N; f++)
        for (int i = 0; lists[f][i] != -9; i++)
            if (lists[f][i] == t)
                return f;
    return RS_VF_OTHER;
}

static void test_mapping(void)
{
    for (int t = -1; t <= 120; t++) {
        CHECK_EQ_INT(rs_ksi_vehicle_family(t, -1), family_ref(t));
        CHECK_EQ_INT(rs_ksi_vehicle_family(t, 0), family_ref(t));
        CHECK_EQ_INT(rs_ksi_vehicle_family(t, 1), RS_VF_ESCOOTER); /* the flag wins */
    }
    CHECK_STR(rs_ksi_family_name(rs_ksi_vehicle_family(21, 0)), "goods vehicle");
    CHECK_STR(rs_ksi_family_name(rs_ksi_vehicle_family(90, 1)), "e-scooter");
    CHECK_STR(rs_ksi_family_name(rs_ksi_vehicle_family(90, 0)), "other");
    CHECK_STR(rs_ksi_family_name(rs_ksi_vehicle_family(22, 0)), "other");
    CHECK_STR(rs_ksi_family_name(rs_ksi_vehicle_family(104, -1)), "motorcycle");
    CHECK_STR(rs_ksi_family_name(RS_VF_N), "?");
    CHECK_STR(rs_ksi_family_name(-1), "?");
}

static void test_words(void)
{
    static const char *const words[] = {"car", "motorcycle", "goods", "bus",
                                        "pedal_cycle", "escooter", "other"};
    int f = -1;
    for (int i = 0; i < RS_VF_N; i++) {
        CHECK_EQ_INT(rs_ksi_family_parse(words[i], &f), 0);
        CHECK_EQ_INT(f, i);
        CHECK(strstr(rs_ksi_family_words(), words[i]) != NULL);
    }
    CHECK_EQ_INT(rs_ksi_family_parse("e-scooter", &f), 0);
    CHECK_EQ_INT(f, RS_VF_ESCOOTER);
    CHECK_EQ_INT(rs_ksi_family_parse("goods vehicle", &f), 0);
    CHECK_EQ_INT(f, RS_VF_GOODS);
    CHECK_EQ_INT(rs_ksi_family_parse("tractor", &f), -1);
    CHECK_EQ_INT(rs_ksi_family_parse("", &f), -1);
    CHECK_EQ_INT(rs_ksi_family_parse(NULL, &f), -1);
    CHECK_EQ_INT(rs_ksi_family_parse("Car", &f), -1); /* option words are lower case */
}

/* The SQL function agrees with the C one, NULL counting as missing, and
 * the bit mask of a collision's families is their OR. */
static void test_sql(void)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    CHECK_EQ_INT(rs_ksi_vehicle_sql(db), 0);
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db,
                             "SELECT rs_vehicle_family(9, 0), rs_vehicle_family(NULL, NULL), "
                             "rs_vehicle_family(90, 1), (SELECT sum(DISTINCT 1 << "
                             "rs_vehicle_family(t, e)) FROM (SELECT 9 t, 0 e UNION ALL SELECT 8, "
                             "0 UNION ALL SELECT 5, 0 UNION ALL SELECT 90, 1))",
                             -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK_EQ_INT(sqlite3_column_int(st, 0), RS_VF_CAR);
    CHECK_EQ_INT(sqlite3_column_int(st, 1), RS_VF_OTHER);
    CHECK_EQ_INT(sqlite3_column_int(st, 2), RS_VF_ESCOOTER);
    CHECK_EQ_INT(sqlite3_column_int(st, 3),
                 (1 << RS_VF_CAR) | (1 << RS_VF_MOTORCYCLE) | (1 << RS_VF_ESCOOTER));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int main(void)
{
    test_mapping();
    test_words();
    test_sql();
    return check_done();
}
