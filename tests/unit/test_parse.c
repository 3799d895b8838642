/*
 * test_parse.c — the strict field parsers: good and bad forms of every
 * kind, exact rounding of decimals (against strtod on random strings) and
 * of fixed-point values, calendar validity of dates and instants.
 */
#include "check.h"
#include "parse.h"
#include "timeutil.h"

#include <stdint.h>

static int dec(const char *s, double *v)
{
    return rs_parse_decimal(s, strlen(s), v);
}

static int fixed(const char *s, int scale, int64_t *v)
{
    return rs_parse_fixed(s, strlen(s), scale, v);
}

static int iso(const char *s, int64_t *t)
{
    return rs_parse_iso8601(s, strlen(s), t);
}

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    return rs_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static void test_decimal_good(void)
{
    static const struct {
        const char *s;
        double v;
    } good[] = {
        {"0", 0.0},          {"12", 12.0},       {"-12", -12.0},       {"+3", 3.0},
        {"-0", 0.0},         {"3.25", 3.25},     {"-0.5", -0.5},       {"0.1", 0.1},
        {"51.5074", 51.5074}, {"-0.1278", -0.1278}, {"007", 7.0},     {"35.0", 35.0},
        {"123456789012345678901234567890", 123456789012345678901234567890.0},
        {"0.000000000000000000000000000001", 1e-30},
        {"9007199254740993", 9007199254740992.0}, /* 2^53+1: ties to even */
        {"9007199254740995", 9007199254740996.0},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        double v = -999;
        int rc = dec(good[i].s, &v);
        if (rc != 0 || v != good[i].v)
            fprintf(stderr, "decimal \"%s\": rc %d, %.17g\n", good[i].s, rc, v);
        CHECK_EQ_INT(rc, 0);
        CHECK(v == good[i].v);
    }
    double v = 1;
    CHECK_EQ_INT(dec("-0", &v), 0);
    CHECK(!signbit(v));
    CHECK_EQ_INT(dec("-0.000", &v), 0);
    CHECK(!signbit(v));
    /* 255 characters is the longest field taken: 1e254 written out */
    char big[300];
    big[0] = '1';
    memset(big + 1, '0', 254);
    CHECK_EQ_INT(rs_parse_decimal(big, 255, &v), 0);
    CHECK(v == 1e254);
    /* len bounds the field: no NUL needed, nothing past len read */
    CHECK_EQ_INT(rs_parse_decimal("12.5xyz", 4, &v), 0);
    CHECK(v == 12.5);
}

static void test_decimal_bad(void)
{
    static const char *bad[] = {
        "",    "-",     "+",    ".",     "5.",   ".5",   "-.5",  "1e5",  "1E5",
        "0x1p3", "0x10", "inf", "-inf", "nan",  "NaN",  "infinity", "1,5",
        "1,000", " 12", "12 ", "12abc", "12.5.1", "--1", "+-1", "1-", "\t1",
        "1\n", "１２", /* full-width digits */ "12.", "1 000", "0b101", "1d",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v = 0;
        int rc = dec(bad[i], &v);
        if (rc != -1)
            fprintf(stderr, "decimal \"%s\" accepted as %g\n", bad[i], v);
        CHECK_EQ_INT(rc, -1);
    }
    /* a huge value: refused (by its length; nothing under 256 characters
     * overflows a double) */
    char huge[400];
    memset(huge, '9', 399);
    huge[399] = '\0';
    double v;
    CHECK_EQ_INT(rs_parse_decimal(huge, 320, &v), -1);
    /* longer than 255 characters */
    CHECK_EQ_INT(rs_parse_decimal(huge, 256, &v), -1);
    CHECK_EQ_INT(rs_parse_decimal(NULL, 0, &v), -1);
    /* a NUL inside the field */
    CHECK_EQ_INT(rs_parse_decimal("1\0002", 3, &v), -1);
}

static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Random plain decimals, short (fast path) and long (strtod path), must
 * give exactly what strtod gives. */
static void test_decimal_random(void)
{
    uint64_t seed = 42;
    int bad = 0;
    for (int i = 0; i < 300000; i++) {
        char buf[64];
        size_t n = 0;
        uint64_t r = next_rand(&seed);
        if (r & 1)
            buf[n++] = '-';
        int il = 1 + (int)((r >> 1) % (i % 3 == 0 ? 25 : 10));
        int fl = (int)((r >> 8) % (i % 3 == 1 ? 30 : 12));
        for (int k = 0; k < il; k++)
            buf[n++] = (char)('0' + next_rand(&seed) % 10);
        if (fl > 0) {
            buf[n++] = '.';
            for (int k = 0; k < fl; k++)
                buf[n++] = (char)('0' + next_rand(&seed) % 10);
        }
        buf[n] = '\0';
        double v, want = strtod(buf, NULL);
        if (want == 0)
            want = fabs(want);
        if (rs_parse_decimal(buf, n, &v) != 0 || v != want) {
            if (bad < 5)
                fprintf(stderr, "decimal \"%s\": %.17g, strtod %.17g\n", buf, v, want);
            bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_fixed(void)
{
    static const struct {
        const char *s;
        int scale;
        int64_t v;
    } good[] = {
        {"35.005", 2, 3501}, {"35.004", 2, 3500}, {"35.0049999", 2, 3500},
        {"-35.005", 2, -3501}, {"-35.004", 2, -3500}, {"0.5", 0, 1},
        {"-0.5", 0, -1},     {"0.4999", 0, 0},    {"-0.4999", 0, 0},
        {"-0.005", 2, -1},   {"-0", 3, 0},        {"12", 3, 12000},
        {"+1.5", 1, 15},     {"1.25", 1, 13},     {"1.35", 1, 14},
        {"0.1", 1, 1},       {"30", 0, 30},       {"51.50740", 6, 51507400},
        {"9223372036854775807", 0, INT64_MAX},
        {"-9223372036854775808", 0, INT64_MIN},
        {"922337203685477580.7", 1, INT64_MAX},
        {"0.000000000000000001", 18, 1},
        {"0.99", 0, 1},      {"99.99", 1, 1000},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t v = -999;
        int rc = fixed(good[i].s, good[i].scale, &v);
        if (rc != 0 || v != good[i].v)
            fprintf(stderr, "fixed \"%s\",%d: rc %d, %lld\n", good[i].s, good[i].scale, rc,
                    (long long)v);
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_INT(v, good[i].v);
    }
    static const struct {
        const char *s;
        int scale;
    } bad[] = {
        {"9223372036854775808", 0},  {"-9223372036854775809", 0},
        {"922337203685477580.8", 1}, {"9223372036854775807.5", 0},
        {"99999999999999999999999", 0}, {"1", 19}, {"1", -1},
        {"1e5", 0}, {"5.", 1}, {".5", 1}, {"", 0}, {"1,5", 1}, {" 1", 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v;
        int rc = fixed(bad[i].s, bad[i].scale, &v);
        if (rc != -1)
            fprintf(stderr, "fixed \"%s\",%d accepted as %lld\n", bad[i].s, bad[i].scale,
                    (long long)v);
        CHECK_EQ_INT(rc, -1);
    }
}

static void test_int(void)
{
    int64_t v;
    CHECK_EQ_INT(rs_parse_int("70", 2, &v), 0);
    CHECK_EQ_INT(v, 70);
    CHECK_EQ_INT(rs_parse_int("70.0", 4, &v), 0);
    CHECK_EQ_INT(v, 70);
    CHECK_EQ_INT(rs_parse_int("70.000", 6, &v), 0);
    CHECK_EQ_INT(v, 70);
    CHECK_EQ_INT(rs_parse_int("-5", 2, &v), 0);
    CHECK_EQ_INT(v, -5);
    CHECK_EQ_INT(rs_parse_int("+5", 2, &v), 0);
    CHECK_EQ_INT(v, 5);
    CHECK_EQ_INT(rs_parse_int("-0", 2, &v), 0);
    CHECK_EQ_INT(v, 0);
    CHECK_EQ_INT(rs_parse_int("9223372036854775807", 19, &v), 0);
    CHECK_EQ_INT(v, INT64_MAX);
    static const char *bad[] = {"70.5", "70.", ".0", "", "-", "7 0", "70 ", " 70", "1e2",
                                "0x10", "70.01", "9223372036854775808", "abc", "3,0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = rs_parse_int(bad[i], strlen(bad[i]), &v);
        if (rc != -1)
            fprintf(stderr, "int \"%s\" accepted\n", bad[i]);
        CHECK_EQ_INT(rc, -1);
    }
}

static void test_iso8601(void)
{
    int64_t t = 0, want = utc(2020, 8, 15, 14, 3, 22);
    static const char *same[] = {
        "2020-08-15T14:03:22Z",      "2020-08-15 14:03:22Z",   "2020-08-15T15:03:22+01:00",
        "2020-08-15T15:03:22+0100",  "2020-08-15T15:03:22+01", "2020-08-15T08:33:22-05:30",
        "2020-08-15T14:03:22.999Z",  "2020-08-15T14:03:22.1+00:00",
        "2020-08-15T14:03:22-00:00", "2020-08-15T14:03:22.123456789Z",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        t = 0;
        int rc = iso(same[i], &t);
        if (rc != 0 || t != want)
            fprintf(stderr, "iso \"%s\": rc %d, %lld\n", same[i], rc, (long long)t);
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_INT(t, want);
    }
    CHECK_EQ_INT(iso("2020-02-29T00:00:00Z", &t), 0);
    CHECK_EQ_INT(t, utc(2020, 2, 29, 0, 0, 0));
    CHECK_EQ_INT(iso("2000-02-29T23:59:59Z", &t), 0);
    CHECK_EQ_INT(iso("1970-01-01T00:00:00Z", &t), 0);
    CHECK_EQ_INT(t, 0);
    CHECK_EQ_INT(iso("1900-01-01T00:00:00Z", &t), 0);
    CHECK_EQ_INT(t, utc(1900, 1, 1, 0, 0, 0));
    CHECK_EQ_INT(iso("2099-12-31T23:59:59Z", &t), 0);
    /* an offset crossing midnight and a year */
    CHECK_EQ_INT(iso("2021-01-01T00:30:00+01:00", &t), 0);
    CHECK_EQ_INT(t, utc(2020, 12, 31, 23, 30, 0));

    static const char *bad[] = {
        "2020-08-15T14:03:22",        /* no zone */
        "2020-08-15T14:03:22.5",      /* no zone after fraction */
        "2021-02-29T00:00:00Z",       /* not a date */
        "1900-02-29T00:00:00Z",
        "2020-08-15T24:00:00Z",       /* hour 24 */
        "2020-08-15T23:59:60Z",       /* leap second */
        "2020-08-15T23:60:00Z",
        "2020-13-01T00:00:00Z",       /* month 13 */
        "2020-00-10T00:00:00Z",
        "2020-08-00T00:00:00Z",       /* day 00 */
        "2020-08-32T00:00:00Z",
        "2020-08-15T14:03:22Zjunk",   /* trailing junk */
        "2020-08-15T14:03:22Z ",
        " 2020-08-15T14:03:22Z",
        "2020-08-15T14:03:22+01:00x",
        "2020-08-15T14:03:22+1",
        "2020-08-15T14:03:22+01:0",
        "2020-08-15T14:03:22+010",
        "2020-08-15T14:03:22+24:00",
        "2020-08-15T14:03:22+01:60",
        "2020-08-15T14:03:22+01-00",
        "2020-08-15T14:03:22.Z",      /* empty fraction */
        "2020-08-15T14:03:22,5Z",
        "2020-08-15T14:03Z",          /* no seconds */
        "2020-08-15t14:03:22z",
        "2020-08-15  14:03:22Z",
        "2020-08-15_14:03:22Z",
        "2020-8-15T14:03:22Z",
        "20200815T140322Z",
        "1899-12-31T23:59:59Z",
        "2100-01-01T00:00:00Z",
        "",
        "2020-08-15",
        "15/08/2020 14:03:22Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = iso(bad[i], &t);
        if (rc != -1)
            fprintf(stderr, "iso \"%s\" accepted\n", bad[i]);
        CHECK_EQ_INT(rc, -1);
    }
    /* len bounds the field */
    CHECK_EQ_INT(rs_parse_iso8601("2020-08-15T14:03:22Z", 19, &t), -1);
    CHECK_EQ_INT(rs_parse_iso8601("2020-08-15T14:03:22Zxx", 20, &t), 0);
    CHECK_EQ_INT(t, want);
}

static void test_date(void)
{
    int64_t d;
    CHECK_EQ_INT(rs_parse_date("15/08/2020", 10, &d), 0);
    CHECK_EQ_INT(d, rs_days_from_civil(2020, 8, 15));
    CHECK_EQ_INT(rs_parse_date("2020-08-15", 10, &d), 0);
    CHECK_EQ_INT(d, rs_days_from_civil(2020, 8, 15));
    CHECK_EQ_INT(rs_parse_date("29/02/2020", 10, &d), 0);
    CHECK_EQ_INT(rs_parse_date("01/01/1970", 10, &d), 0);
    CHECK_EQ_INT(d, 0);
    CHECK_EQ_INT(rs_parse_date("31/12/1969", 10, &d), 0);
    CHECK_EQ_INT(d, -1);
    static const char *bad[] = {"29/02/2021", "29/02/1900", "31/04/2020", "00/01/2020",
                                "01/13/2020", "01/00/2020", "1/1/2020",   "01-01-2020",
                                "2020/01/01", "01/01/20",   "01/01/2020 ", " 01/01/2020",
                                "2021-02-29", "2020-13-01", "2020-1-01",  "",
                                "15.08.2020", "aa/bb/cccc", "01/01/2100", "2020-08-15T00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = rs_parse_date(bad[i], strlen(bad[i]), &d);
        if (rc != -1)
            fprintf(stderr, "date \"%s\" accepted\n", bad[i]);
        CHECK_EQ_INT(rc, -1);
    }
}

static void test_hhmm(void)
{
    int s;
    CHECK_EQ_INT(rs_parse_hhmm("00:00", 5, &s), 0);
    CHECK_EQ_INT(s, 0);
    CHECK_EQ_INT(rs_parse_hhmm("17:42", 5, &s), 0);
    CHECK_EQ_INT(s, 17 * 3600 + 42 * 60);
    CHECK_EQ_INT(rs_parse_hhmm("23:59:59", 8, &s), 0);
    CHECK_EQ_INT(s, 86399);
    CHECK_EQ_INT(rs_parse_hhmm("08:05:07", 8, &s), 0);
    CHECK_EQ_INT(s, 8 * 3600 + 5 * 60 + 7);
    static const char *bad[] = {"24:00", "23:60", "23:59:60", "9:05", "09:5", "0905",
                                "09:05:", "09:05:1", "", "ab:cd", " 09:05", "09:05 ",
                                "09.05", "-1:00", "09:05:07.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = rs_parse_hhmm(bad[i], strlen(bad[i]), &s);
        if (rc != -1)
            fprintf(stderr, "hhmm \"%s\" accepted\n", bad[i]);
        CHECK_EQ_INT(rc, -1);
    }
}

/* Each way of failing gets its own reason; every refused time has one. */
static void test_iso_why(void)
{
    static const struct {
        const char *in, *starts;
    } cases[] = {
        {"2019-01-01 10:00:00", "no time zone"},
        {"2019-01-01T10:00:00.5", "no time zone"},
        {"01/01/2019", "not ISO 8601"},
        {"01/01/2019 10:00:00Z", "not ISO 8601"},
        {"2019-1-01T10:00:00Z", "not ISO 8601"},
        {"", "not ISO 8601"},
        {"2021-02-30T10:00:00Z", "not a real date"},
        {"2021-02-29T10:00:00Z", "not a real date"},
        {"2021-13-01T10:00:00Z", "not a real date"},
        {"2021-02-01T24:00:00Z", "not a real time of day"},
        {"2021-02-01T10:00:60Z", "not a real time of day"},
        {"1899-12-31T10:00:00Z", "year outside 1900-2099"},
        {"2021-02-01T10:00:00+1", "time zone not Z"},
        {"2021-02-01T10:00:00z", "time zone not Z"},
        {"2021-02-01T10:00:00+25:00", "time zone not Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t t;
        size_t n = strlen(cases[i].in);
        CHECK_EQ_INT(rs_parse_iso8601(cases[i].in, n, &t), -1);
        const char *why = rs_iso8601_why(cases[i].in, n);
        CHECK(why != NULL && strncmp(why, cases[i].starts, strlen(cases[i].starts)) == 0);
        if (why == NULL || strncmp(why, cases[i].starts, strlen(cases[i].starts)) != 0)
            fprintf(stderr, "  %s -> %s\n", cases[i].in, why ? why : "(null)");
        CHECK(strstr(why, cases[i].in) == NULL || n == 0); /* never quotes the field */
    }
}

int main(void)
{
    test_iso_why();
    test_decimal_good();
    test_decimal_bad();
    test_decimal_random();
    test_fixed();
    test_int();
    test_iso8601();
    test_date();
    test_hhmm();
    return check_done();
}
