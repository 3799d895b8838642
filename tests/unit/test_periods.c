/*
 * test_periods.c — base/periods: months as integers, calendar and UK
 * financial quarters and years, their labels, words and parsing.
 *
 * The expectations are written out by hand from the calendar (2020-01 is
 * 2020 * 12 = 24240; financial year 2020/21 Q1 is April to June 2020;
 * 2020-04-01 is day 18353 and its UK midnight is 23:00 UTC the day
 * before, BST), not computed by the module; months before year 0 check
 * that every division is floor division; a sweep checks that every month
 * lies in exactly one period of each kind.
 */
#include "check.h"
#include "periods.h"

static void test_months(void)
{
    CHECK_EQ_INT(rs_month_index(2020, 1), 24240);
    CHECK_EQ_INT(rs_month_index(2020, 12), 24251);
    CHECK_EQ_INT(rs_month_year(24240), 2020);
    CHECK_EQ_INT(rs_month_of_year(24240), 1);
    CHECK_EQ_INT(rs_month_of_year(24251), 12);
    CHECK_EQ_INT(rs_month_year(24252), 2021);
    CHECK_STR(rs_month_name(1), "January");
    CHECK_STR(rs_month_name(12), "December");
    CHECK_STR(rs_month_name(0), "?");
    CHECK_STR(rs_month_name(13), "?");
    CHECK_STR(rs_month_abbr(9), "Sep");
    /* day 18262 is 2020-01-01 (50 years of 365 days and 12 leap days) */
    CHECK_EQ_INT(rs_month_first_day(24240), 18262);
    CHECK_EQ_INT(rs_month_first_day(24243), 18353); /* + 31 + 29 + 31 */
    CHECK_EQ_INT(rs_month_start_utc(24240), 1577836800LL);           /* GMT: midnight UTC */
    CHECK_EQ_INT(rs_month_start_utc(24243), 1585699200LL - 3600);    /* BST: 23:00 UTC */
    char b[48];
    rs_day_label(18353, b, sizeof b);
    CHECK_STR(b, "2020-04-01");
    rs_day_words(18353, b, sizeof b);
    CHECK_STR(b, "1 April 2020");
    rs_day_words(-1, b, sizeof b);
    CHECK_STR(b, "31 December 1969");
}

static void test_floor(void)
{
    CHECK_EQ_INT(rs_floor_div(0, 12), 0);
    CHECK_EQ_INT(rs_floor_div(11, 12), 0);
    CHECK_EQ_INT(rs_floor_div(12, 12), 1);
    CHECK_EQ_INT(rs_floor_div(-1, 12), -1);
    CHECK_EQ_INT(rs_floor_div(-12, 12), -1);
    CHECK_EQ_INT(rs_floor_div(-13, 12), -2);
    /* month -1 is December of year -1; month 0 January of year 0 */
    CHECK_EQ_INT(rs_month_year(-1), -1);
    CHECK_EQ_INT(rs_month_of_year(-1), 12);
    CHECK_EQ_INT(rs_month_year(0), 0);
    CHECK_EQ_INT(rs_month_of_year(0), 1);
    CHECK_EQ_INT(rs_month_year(-12), -1);
    CHECK_EQ_INT(rs_month_of_year(-12), 1);
    /* quarters and years around year 0 */
    CHECK_EQ_INT(rs_period_of(RS_PERIOD_QUARTER, 0, -1), -1);
    CHECK_EQ_INT(rs_period_first_month(RS_PERIOD_QUARTER, 0, -1), -3); /* October, year -1 */
    CHECK_EQ_INT(rs_period_of(RS_PERIOD_YEAR, 0, -1), -1);
    /* January of year 0 is in financial year -1/00, its Q4 */
    CHECK_EQ_INT(rs_period_of(RS_PERIOD_YEAR, 1, 0), -1);
    CHECK_EQ_INT(rs_period_first_month(RS_PERIOD_YEAR, 1, -1), -9); /* April, year -1 */
    CHECK_EQ_INT(rs_period_of(RS_PERIOD_QUARTER, 1, 0), -1);
    char b[48];
    rs_period_label(RS_PERIOD_QUARTER, 1, -1, b, sizeof b);
    CHECK_STR(b, "-001/00 Q4");
    rs_period_label(RS_PERIOD_YEAR, 1, rs_period_of(RS_PERIOD_YEAR, 1, -13), b, sizeof b);
    CHECK_STR(b, "-002/99"); /* December of year -2 is in financial year -2/-1 */
}

static void test_labels(void)
{
    char b[48];
    rs_period_label(RS_PERIOD_MONTH, 0, 24240, b, sizeof b);
    CHECK_STR(b, "2020-01");
    rs_period_label(RS_PERIOD_MONTH, 1, 24240, b, sizeof b); /* months are months */
    CHECK_STR(b, "2020-01");
    rs_period_words(RS_PERIOD_MONTH, 0, 24240, b, sizeof b);
    CHECK_STR(b, "January 2020");

    int q = rs_period_of(RS_PERIOD_QUARTER, 0, rs_month_index(2020, 11));
    rs_period_label(RS_PERIOD_QUARTER, 0, q, b, sizeof b);
    CHECK_STR(b, "2020Q4");
    rs_period_words(RS_PERIOD_QUARTER, 0, q, b, sizeof b);
    CHECK_STR(b, "October to December 2020");

    /* financial 2020/21: Q1 April-June 2020, Q4 January-March 2021 */
    q = rs_period_of(RS_PERIOD_QUARTER, 1, rs_month_index(2020, 5));
    CHECK_EQ_INT(rs_period_first_month(RS_PERIOD_QUARTER, 1, q), rs_month_index(2020, 4));
    rs_period_label(RS_PERIOD_QUARTER, 1, q, b, sizeof b);
    CHECK_STR(b, "2020/21 Q1");
    rs_period_words(RS_PERIOD_QUARTER, 1, q, b, sizeof b);
    CHECK_STR(b, "April to June 2020");
    q = rs_period_of(RS_PERIOD_QUARTER, 1, rs_month_index(2021, 3));
    rs_period_label(RS_PERIOD_QUARTER, 1, q, b, sizeof b);
    CHECK_STR(b, "2020/21 Q4");
    rs_period_words(RS_PERIOD_QUARTER, 1, q, b, sizeof b);
    CHECK_STR(b, "January to March 2021");
    /* the same months in calendar terms */
    q = rs_period_of(RS_PERIOD_QUARTER, 0, rs_month_index(2021, 3));
    rs_period_label(RS_PERIOD_QUARTER, 0, q, b, sizeof b);
    CHECK_STR(b, "2021Q1");

    int y = rs_period_of(RS_PERIOD_YEAR, 1, rs_month_index(2021, 3));
    CHECK_EQ_INT(y, 2020);
    rs_period_label(RS_PERIOD_YEAR, 1, y, b, sizeof b);
    CHECK_STR(b, "2020/21");
    rs_period_words(RS_PERIOD_YEAR, 1, y, b, sizeof b);
    CHECK_STR(b, "April 2020 to March 2021");
    rs_period_label(RS_PERIOD_YEAR, 1, 1999, b, sizeof b);
    CHECK_STR(b, "1999/00");
    rs_period_label(RS_PERIOD_YEAR, 0, 2020, b, sizeof b);
    CHECK_STR(b, "2020");
    rs_period_words(RS_PERIOD_YEAR, 0, 2020, b, sizeof b);
    CHECK_STR(b, "January to December 2020");
}

static void test_parse(void)
{
    int a = -1, z = -1;
    CHECK_EQ_INT(rs_period_parse("2020", &a, &z), 0);
    CHECK_EQ_INT(a, 24240);
    CHECK_EQ_INT(z, 24251);
    CHECK_EQ_INT(rs_period_parse("2020-05", &a, &z), 0);
    CHECK_EQ_INT(a, 24244);
    CHECK_EQ_INT(z, 24244);
    CHECK_EQ_INT(rs_period_parse("2020Q2", &a, &z), 0);
    CHECK_EQ_INT(a, 24243);
    CHECK_EQ_INT(z, 24245);
    CHECK_EQ_INT(rs_period_parse("2020/21", &a, &z), 0);
    CHECK_EQ_INT(a, 24243); /* April 2020 */
    CHECK_EQ_INT(z, 24254); /* March 2021 */
    CHECK_EQ_INT(rs_period_parse("2020/21 Q1", &a, &z), 0);
    CHECK_EQ_INT(a, 24243);
    CHECK_EQ_INT(z, 24245);
    CHECK_EQ_INT(rs_period_parse("2020/21q4", &a, &z), 0);
    CHECK_EQ_INT(a, 24252); /* January 2021 */
    CHECK_EQ_INT(z, 24254);
    CHECK_EQ_INT(rs_period_parse("1999/00", &a, &z), 0);
    CHECK_EQ_INT(a, 1999 * 12 + 3);
    CHECK_EQ_INT(rs_period_parse("1900Q1", &a, &z), 0);
    CHECK_EQ_INT(a, 22800);
    const char *bad[] = {"", "20", "1899", "2201", "2020/22", "2020/2", "2020Q5", "2020Q0",
                         "2020-00", "2020-13", "2020-5", "2020 Q1", "2020/21  Q1", "2020/21Q",
                         "2020Q2x", "x2020"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        a = z = -7;
        CHECK_EQ_INT(rs_period_parse(bad[i], &a, &z), -1);
        CHECK_EQ_INT(a, -7); /* untouched */
    }
    CHECK_EQ_INT(rs_period_parse(NULL, &a, &z), -1);
}

/* Every month from year -5 to 2400 lies in exactly one period of each
 * kind, and periods follow each other without gap or overlap. */
static void test_sweep(void)
{
    int ok = 1;
    for (int kind = RS_PERIOD_MONTH; kind <= RS_PERIOD_YEAR && ok; kind++)
        for (int fin = 0; fin <= 1 && ok; fin++)
            for (int m = -60; m <= 2400 * 12 && ok; m++) {
                int p = rs_period_of((rs_period_kind)kind, fin, m);
                int f = rs_period_first_month((rs_period_kind)kind, fin, p);
                int g = rs_period_first_month((rs_period_kind)kind, fin, p + 1);
                if (!(f <= m && m < g && g - f == rs_period_len((rs_period_kind)kind)) ||
                    rs_month_index(rs_month_year(m), rs_month_of_year(m)) != m) {
                    fprintf(stderr, "kind %d financial %d month %d: period %d [%d, %d)\n", kind,
                            fin, m, p, f, g);
                    ok = 0;
                }
            }
    CHECK(ok);
}

int main(void)
{
    test_months();
    test_floor();
    test_labels();
    test_parse();
    test_sweep();
    return check_done();
}
