/*
 * test_operation.c — the weekend-operation building blocks that need no
 * workspace (engine/operation.h): window parsing, the weekend a date
 * belongs to, and windows in UTC across the clock changes.  Device names
 * and the course band are tested in test_devices.c, the figures themselves
 * end to end against a brute force in tests/e2e/test_operation.sh.
 */
#include "check.h"
#include "operation.h"
#include "timeutil.h"

static void test_window_parse(void)
{
    int a = 0, b = 0;
    CHECK_EQ_INT(rs_op_window_parse("fri18-sun24", &a, &b), 0);
    CHECK_EQ_INT(a, -360);
    CHECK_EQ_INT(b, 2880);
    CHECK_EQ_INT(rs_op_window_parse("SAT09-Sun17", &a, &b), 0);
    CHECK_EQ_INT(a, 540);
    CHECK_EQ_INT(b, 1440 + 1020);
    CHECK_EQ_INT(rs_op_window_parse("fri18:30-mon02", &a, &b), 0);
    CHECK_EQ_INT(a, -1440 + 18 * 60 + 30);
    CHECK_EQ_INT(b, 2 * 1440 + 120);
    CHECK_EQ_INT(rs_op_window_parse("thu0-fri0", &a, &b), 0);
    CHECK_EQ_INT(a, -2880);
    CHECK_EQ_INT(b, -1440);
    static const char *const bad[] = {"",        "fri18",     "sun18-fri18", "fri18-fri18",
                                      "tue10-sat10", "fri25-sun1", "fri24:30-sun1", "fri-sun",
                                      "fri18:7-sun1", "fri18:60-sun1", "fri 18-sun 24", "fri18-sun24x"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        a = b = 7;
        CHECK_EQ_INT(rs_op_window_parse(bad[k], &a, &b), -1);
        CHECK(a == 7 && b == 7);
    }
    CHECK_EQ_INT(rs_op_window_parse(NULL, &a, &b), -1);
}

static void test_saturday(void)
{
    int64_t sat = 0, want = rs_days_from_civil(2020, 2, 22);
    CHECK_EQ_INT(rs_op_saturday(rs_days_from_civil(2020, 2, 21), &sat), 0);
    CHECK_EQ_INT(sat, want);
    CHECK_EQ_INT(rs_op_saturday(want, &sat), 0);
    CHECK_EQ_INT(sat, want);
    CHECK_EQ_INT(rs_op_saturday(rs_days_from_civil(2020, 2, 23), &sat), 0);
    CHECK_EQ_INT(sat, want);
    for (int d = 17; d <= 20; d++)
        CHECK_EQ_INT(rs_op_saturday(rs_days_from_civil(2020, 2, d), &sat), -1);
    CHECK_EQ_INT(rs_op_saturday(rs_days_from_civil(1969, 12, 27), &sat), 0); /* before 1970 */
    CHECK_EQ_INT(sat, rs_days_from_civil(1969, 12, 27));
}

static void test_windows(void)
{
    rs_op_opts o;
    rs_op_opts_default(&o);
    CHECK_EQ_INT(o.cap, RS_PRESENCE_CAP);
    CHECK_EQ_INT(o.previous, 4);
    int64_t from, to;
    char a[32], b[32];
    /* winter: GMT throughout */
    rs_op_window(&o, rs_days_from_civil(2020, 2, 22), &from, &to);
    rs_time_format_utc(from, a, sizeof a);
    rs_time_format_utc(to, b, sizeof b);
    CHECK_STR(a, "2020-02-21T18:00:00Z");
    CHECK_STR(b, "2020-02-24T00:00:00Z");
    /* clocks go forward on Sunday 29 March 2020: Monday 00:00 BST is 23:00Z */
    rs_op_window(&o, rs_days_from_civil(2020, 3, 28), &from, &to);
    rs_time_format_utc(from, a, sizeof a);
    rs_time_format_utc(to, b, sizeof b);
    CHECK_STR(a, "2020-03-27T18:00:00Z");
    CHECK_STR(b, "2020-03-29T23:00:00Z");
    CHECK_EQ_INT(to - from, 53 * 3600);
    /* clocks go back on Sunday 25 October 2020: Friday 18:00 BST is 17:00Z */
    rs_op_window(&o, rs_days_from_civil(2020, 10, 24), &from, &to);
    rs_time_format_utc(from, a, sizeof a);
    rs_time_format_utc(to, b, sizeof b);
    CHECK_STR(a, "2020-10-23T17:00:00Z");
    CHECK_STR(b, "2020-10-26T00:00:00Z");
    CHECK_EQ_INT(to - from, 55 * 3600);
    /* a window starting on the Thursday */
    CHECK_EQ_INT(rs_op_window_parse("thu20:15-sat01", &o.win_from, &o.win_to), 0);
    rs_op_window(&o, rs_days_from_civil(2020, 7, 4), &from, &to);
    rs_time_format_utc(from, a, sizeof a);
    rs_time_format_utc(to, b, sizeof b);
    CHECK_STR(a, "2020-07-02T19:15:00Z");
    CHECK_STR(b, "2020-07-04T00:00:00Z");
}

int main(void)
{
    test_window_parse();
    test_saturday();
    test_windows();
    return check_done();
}
