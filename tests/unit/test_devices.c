/*
 * test_devices.c — the device types and the speed lines (engine/base/
 * devices.h), against expectations written out here rather than taken
 * from the module: the names and their order, any-case parsing, the list
 * every message quotes, the threshold (35.00 mph on a 30 limit, exactly)
 * and the course band, and the SQL form of the threshold evaluated by
 * SQLite against the C form over every speed 0-200 mph.
 */
#include <sqlite3.h>

#include "check.h"
#include "devices.h"

static void test_names(void)
{
    static const char *const want[] = {"TRUCAM", "GATSO",  "HADECS3", "SPECS",
                                       "REDSPEED", "VECTOR", "OTHER"};
    CHECK_EQ_INT(RS_NDEVICES, 7);
    for (int k = 0; k < 7; k++) {
        CHECK_STR(rs_device_name(k), want[k]);
        /* round trip: name -> type -> name */
        CHECK_EQ_INT(rs_device_parse(want[k], strlen(want[k])), k);
        CHECK_EQ_INT(rs_device_of(want[k]), k);
    }
    /* operation tables and maps rely on TRUCAM first and OTHER last */
    CHECK_EQ_INT(RS_DEV_TRUCAM, 0);
    CHECK_EQ_INT(RS_DEV_GATSO, 1);
    CHECK_EQ_INT(RS_DEV_OTHER, 6);
    CHECK_STR(rs_device_name(-1), "OTHER");
    CHECK_STR(rs_device_name(7), "OTHER");
    /* input in any case; only whole names */
    CHECK_EQ_INT(rs_device_parse("gatso", 5), RS_DEV_GATSO);
    CHECK_EQ_INT(rs_device_parse("HaDeCs3", 7), RS_DEV_HADECS3);
    CHECK_EQ_INT(rs_device_parse("TRUCAMX", 7), -1);
    CHECK_EQ_INT(rs_device_parse("TRUCAMX", 6), RS_DEV_TRUCAM); /* len bounds the name */
    CHECK_EQ_INT(rs_device_parse("TRU", 3), -1);
    CHECK_EQ_INT(rs_device_parse("", 0), -1);
    CHECK_EQ_INT(rs_device_parse(NULL, 0), -1);
    CHECK_EQ_INT(rs_device_parse("LASER", 5), -1);
    /* stored names are exact: unknown (or not upper case) counts as OTHER */
    CHECK_EQ_INT(rs_device_of("LASER"), RS_DEV_OTHER);
    CHECK_EQ_INT(rs_device_of("gatso"), RS_DEV_OTHER);
    CHECK_EQ_INT(rs_device_of(""), RS_DEV_OTHER);
    CHECK_EQ_INT(rs_device_of(NULL), RS_DEV_OTHER);
    /* the list quoted in the detections loader's reject reason */
    CHECK_STR(rs_device_list(), "TRUCAM, GATSO, HADECS3, SPECS, REDSPEED, VECTOR, OTHER");
}

static void test_lines(void)
{
    /* 30 mph: threshold 30 x 1.1 + 2 = 35 mph exactly, course band to 42 mph */
    CHECK_EQ_INT(rs_threshold_cmph(30), 3500);
    CHECK_EQ_INT(rs_course_top_cmph(30), 4200);
    CHECK_EQ_INT(rs_over_threshold(3500, 30), 1);
    CHECK_EQ_INT(rs_over_threshold(3499, 30), 0);
    CHECK_EQ_INT(rs_over_course(4200, 30), 0);
    CHECK_EQ_INT(rs_over_course(4201, 30), 1);
    /* the other limits */
    CHECK_EQ_INT(rs_threshold_cmph(20), 2400);
    CHECK_EQ_INT(rs_threshold_cmph(40), 4600);
    CHECK_EQ_INT(rs_threshold_cmph(50), 5700);
    CHECK_EQ_INT(rs_threshold_cmph(60), 6800);
    CHECK_EQ_INT(rs_threshold_cmph(70), 7900);
    CHECK_EQ_INT(rs_course_top_cmph(70), 8600);
    /* an unknown limit (0) is never over */
    CHECK_EQ_INT(rs_over_threshold(20000, 0), 0);
    CHECK_EQ_INT(rs_over_course(20000, 0), 0);
    /* against the integer forms the README gives, every speed 0-200 mph */
    for (int limit = 20; limit <= 70; limit += 10)
        for (int64_t v = 0; v <= 20000; v++) {
            if (rs_over_threshold(v, limit) != (v * 10 >= (limit * 11 + 20) * 100))
                CHECK(!"threshold differs from 10 speed >= 11 limit + 20");
            if (rs_over_course(v, limit) != (v * 10 > (limit * 11 + 90) * 100))
                CHECK(!"course band differs from 10 speed > 11 limit + 90");
        }
}

static void test_sql(void)
{
    CHECK_STR(RS_OVER_THRESHOLD_SQL("s", "l"), "(l > 0 AND s >= l * 110 + 2 * 100)");
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    CHECK_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_prepare_v2(db, "SELECT " RS_OVER_THRESHOLD_SQL("?1", "?2"), -1, &st,
                                    NULL),
                 SQLITE_OK);
    int differ = 0, steps = 0;
    for (int limit = 0; limit <= 70; limit += 10)
        for (int64_t v = 0; st && v <= 20000; v++) {
            sqlite3_bind_int64(st, 1, v);
            sqlite3_bind_int(st, 2, limit);
            if (sqlite3_step(st) != SQLITE_ROW)
                break;
            steps++;
            differ += sqlite3_column_int(st, 0) != rs_over_threshold(v, limit);
            sqlite3_reset(st);
        }
    CHECK_EQ_INT(steps, 8 * 20001);
    CHECK_EQ_INT(differ, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int main(void)
{
    test_names();
    test_lines();
    test_sql();
    return check_done();
}
