/*
 * test_timeutil.c — civil dates, BST changes, local <-> UTC, weekends,
 * quarters; and a cross-check of rs_time_london against glibc's
 * localtime_r with the system Europe/London zone for 100k instants.
 */
#include "check.h"
#include "timeutil.h"

#include <stdint.h>
#include <time.h>
#include <unistd.h>

/* Builds a UTC instant from fields (via the module under test's own day
 * count, itself checked against fixed values below). */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    return rs_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static void test_civil(void)
{
    CHECK_EQ_INT(rs_days_from_civil(1970, 1, 1), 0);
    CHECK_EQ_INT(rs_days_from_civil(1969, 12, 31), -1);
    CHECK_EQ_INT(rs_days_from_civil(2000, 3, 1), 11017);
    CHECK_EQ_INT(rs_days_from_civil(2020, 8, 15), 18489);
    CHECK_EQ_INT(rs_days_from_civil(1900, 1, 1), -25567);
    /* round trip over a wide range, and consecutive days */
    int ok = 1;
    int64_t prev = rs_days_from_civil(1599, 12, 31);
    for (int y = 1600; y <= 2400 && ok; y++)
        for (int m = 1; m <= 12 && ok; m++)
            for (int d = 1; d <= 31; d++) {
                if (!rs_is_valid_date(y, m, d))
                    continue;
                int64_t n = rs_days_from_civil(y, m, d);
                int yy, mm, dd;
                rs_civil_from_days(n, &yy, &mm, &dd);
                if (n != prev + 1 || yy != y || mm != m || dd != d) {
                    fprintf(stderr, "civil round trip fails at %d-%d-%d\n", y, m, d);
                    ok = 0;
                    break;
                }
                prev = n;
            }
    CHECK(ok);

    CHECK(rs_is_valid_date(2020, 2, 29));
    CHECK(!rs_is_valid_date(2021, 2, 29));
    CHECK(!rs_is_valid_date(1900, 2, 29));
    CHECK(rs_is_valid_date(2000, 2, 29));
    CHECK(!rs_is_valid_date(2020, 4, 31));
    CHECK(rs_is_valid_date(2020, 12, 31));
    CHECK(!rs_is_valid_date(2020, 13, 1));
    CHECK(!rs_is_valid_date(2020, 0, 1));
    CHECK(!rs_is_valid_date(2020, 1, 0));
    CHECK(!rs_is_valid_date(2020, 1, 32));
}

static void test_utc_fields(void)
{
    rs_tm tm;
    rs_time_utc(utc(2020, 8, 15, 14, 3, 22), &tm);
    CHECK_EQ_INT(tm.year, 2020);
    CHECK_EQ_INT(tm.month, 8);
    CHECK_EQ_INT(tm.day, 15);
    CHECK_EQ_INT(tm.hour, 14);
    CHECK_EQ_INT(tm.minute, 3);
    CHECK_EQ_INT(tm.second, 22);
    CHECK_EQ_INT(tm.wday, 6); /* Saturday */
    CHECK_EQ_INT(tm.utc_offset, 0);
    rs_time_utc(-1, &tm); /* 1969-12-31T23:59:59Z, a Wednesday */
    CHECK_EQ_INT(tm.year, 1969);
    CHECK_EQ_INT(tm.day, 31);
    CHECK_EQ_INT(tm.hour, 23);
    CHECK_EQ_INT(tm.second, 59);
    CHECK_EQ_INT(tm.wday, 3);

    char buf[32];
    rs_time_format_utc(utc(2020, 8, 15, 14, 3, 22), buf, sizeof buf);
    CHECK_STR(buf, "2020-08-15T14:03:22Z");
    rs_time_format_utc(0, buf, sizeof buf);
    CHECK_STR(buf, "1970-01-01T00:00:00Z");
}

/* The offset changes exactly at the instant, not a second early or late. */
static void check_change(int64_t at, int before, int after)
{
    CHECK_EQ_INT(rs_london_offset(at - 1), before);
    CHECK_EQ_INT(rs_london_offset(at), after);
    CHECK_EQ_INT(rs_london_offset(at + 1), after);
}

static void test_dst_changes(void)
{
    check_change(utc(2020, 3, 29, 1, 0, 0), 0, 3600);
    check_change(utc(2020, 10, 25, 1, 0, 0), 3600, 0);
    check_change(utc(2019, 3, 31, 1, 0, 0), 0, 3600);
    check_change(utc(2019, 10, 27, 1, 0, 0), 3600, 0);
    check_change(utc(2021, 3, 28, 1, 0, 0), 0, 3600);
    check_change(utc(2021, 10, 31, 1, 0, 0), 3600, 0);
    CHECK_EQ_INT(rs_london_offset(utc(2020, 1, 15, 12, 0, 0)), 0);
    CHECK_EQ_INT(rs_london_offset(utc(2020, 7, 15, 12, 0, 0)), 3600);

    rs_tm tm;
    /* 00:59:59Z on the spring Sunday is 00:59:59 GMT; 01:00Z is 02:00 BST */
    rs_time_london(utc(2020, 3, 29, 0, 59, 59), &tm);
    CHECK_EQ_INT(tm.hour, 0);
    CHECK_EQ_INT(tm.utc_offset, 0);
    rs_time_london(utc(2020, 3, 29, 1, 0, 0), &tm);
    CHECK_EQ_INT(tm.hour, 2);
    CHECK_EQ_INT(tm.minute, 0);
    CHECK_EQ_INT(tm.utc_offset, 3600);
    /* 00:30Z on the autumn Sunday is 01:30 BST; 01:30Z is 01:30 GMT */
    rs_time_london(utc(2020, 10, 25, 0, 30, 0), &tm);
    CHECK_EQ_INT(tm.hour, 1);
    CHECK_EQ_INT(tm.utc_offset, 3600);
    rs_time_london(utc(2020, 10, 25, 1, 30, 0), &tm);
    CHECK_EQ_INT(tm.hour, 1);
    CHECK_EQ_INT(tm.utc_offset, 0);
    /* local midnight crossing a day in BST */
    rs_time_london(utc(2020, 8, 14, 23, 30, 0), &tm);
    CHECK_EQ_INT(tm.day, 15);
    CHECK_EQ_INT(tm.hour, 0);
    CHECK_EQ_INT(tm.minute, 30);
    CHECK_EQ_INT(tm.wday, 6);
}

static void test_local_to_utc(void)
{
    int flag = -1;
    /* ordinary winter and summer times */
    CHECK_EQ_INT(rs_london_to_utc(2020, 1, 10, 12, 0, 0, &flag), utc(2020, 1, 10, 12, 0, 0));
    CHECK_EQ_INT(flag, 0);
    CHECK_EQ_INT(rs_london_to_utc(2020, 8, 15, 12, 0, 0, &flag), utc(2020, 8, 15, 11, 0, 0));
    CHECK_EQ_INT(flag, 0);

    /* spring 2020-03-29: 00:59:59 GMT exists, 01:00-01:59 is the gap,
     * 02:00 BST exists */
    CHECK_EQ_INT(rs_london_to_utc(2020, 3, 29, 0, 59, 59, &flag), utc(2020, 3, 29, 0, 59, 59));
    CHECK_EQ_INT(flag, 0);
    CHECK_EQ_INT(rs_london_to_utc(2020, 3, 29, 1, 0, 0, &flag), utc(2020, 3, 29, 1, 0, 0));
    CHECK_EQ_INT(flag, 2);
    CHECK_EQ_INT(rs_london_to_utc(2020, 3, 29, 1, 30, 0, &flag), utc(2020, 3, 29, 1, 30, 0));
    CHECK_EQ_INT(flag, 2);
    CHECK_EQ_INT(rs_london_to_utc(2020, 3, 29, 1, 59, 59, &flag), utc(2020, 3, 29, 1, 59, 59));
    CHECK_EQ_INT(flag, 2);
    CHECK_EQ_INT(rs_london_to_utc(2020, 3, 29, 2, 0, 0, &flag), utc(2020, 3, 29, 1, 0, 0));
    CHECK_EQ_INT(flag, 0);

    /* autumn 2020-10-25: 00:59:59 BST, 01:00-01:59 twice (first = BST),
     * 02:00 GMT */
    CHECK_EQ_INT(rs_london_to_utc(2020, 10, 25, 0, 59, 59, &flag), utc(2020, 10, 24, 23, 59, 59));
    CHECK_EQ_INT(flag, 0);
    CHECK_EQ_INT(rs_london_to_utc(2020, 10, 25, 1, 0, 0, &flag), utc(2020, 10, 25, 0, 0, 0));
    CHECK_EQ_INT(flag, 1);
    CHECK_EQ_INT(rs_london_to_utc(2020, 10, 25, 1, 30, 0, &flag), utc(2020, 10, 25, 0, 30, 0));
    CHECK_EQ_INT(flag, 1);
    CHECK_EQ_INT(rs_london_to_utc(2020, 10, 25, 1, 59, 59, &flag), utc(2020, 10, 25, 0, 59, 59));
    CHECK_EQ_INT(flag, 1);
    CHECK_EQ_INT(rs_london_to_utc(2020, 10, 25, 2, 0, 0, &flag), utc(2020, 10, 25, 2, 0, 0));
    CHECK_EQ_INT(flag, 0);
    /* flag pointer may be NULL */
    CHECK_EQ_INT(rs_london_to_utc(2019, 10, 27, 1, 15, 0, NULL), utc(2019, 10, 27, 0, 15, 0));

    /* round trip: local fields of every 10 minutes of 2019-2021 map back
     * (except the gap, which has no instant) */
    int bad = 0;
    for (int64_t t = utc(2019, 1, 1, 0, 0, 0); t < utc(2022, 1, 1, 0, 0, 0); t += 600) {
        rs_tm tm;
        rs_time_london(t, &tm);
        int f;
        int64_t back = rs_london_to_utc(tm.year, tm.month, tm.day, tm.hour, tm.minute,
                                        tm.second, &f);
        /* in the repeated hour the GMT instant maps to the BST one */
        int64_t want = (f == 1 && tm.utc_offset == 0) ? t - 3600 : t;
        if (back != want || f == 2)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
}

/* Deterministic 64-bit generator (splitmix64). */
static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void test_against_tzdata(void)
{
    if (access("/usr/share/zoneinfo/Europe/London", R_OK) != 0) {
        fprintf(stderr, "SKIPPED part: no /usr/share/zoneinfo/Europe/London, "
                        "glibc cross-check not run\n");
        return;
    }
    if (sizeof(time_t) < 8) {
        fprintf(stderr, "SKIPPED part: 32-bit time_t, glibc cross-check not run\n");
        return;
    }
    setenv("TZ", "Europe/London", 1);
    tzset();
    int64_t lo = utc(1996, 1, 1, 0, 0, 0), hi = utc(2038, 1, 1, 0, 0, 0);
    uint64_t seed = 20200815;
    int bad = 0;
    for (int i = 0; i < 100000; i++) {
        int64_t t = lo + (int64_t)(next_rand(&seed) % (uint64_t)(hi - lo));
        time_t tt = (time_t)t;
        struct tm g;
        if (localtime_r(&tt, &g) == NULL) {
            bad++;
            continue;
        }
        rs_tm r;
        rs_time_london(t, &r);
        if (r.year != g.tm_year + 1900 || r.month != g.tm_mon + 1 || r.day != g.tm_mday ||
            r.hour != g.tm_hour || r.minute != g.tm_min || r.second != g.tm_sec ||
            r.wday % 7 != g.tm_wday || (r.utc_offset != 0) != (g.tm_isdst > 0)) {
            if (bad < 5)
                fprintf(stderr, "mismatch at t=%lld\n", (long long)t);
            bad++;
        }
    }
    /* and 00:59:59Z-01:00:01Z on each of the last seven days of March and
     * October 1996-2037, so every change instant is hit to the second */
    for (int y = 1996; y <= 2037; y++) {
        for (int m = 3; m <= 10; m += 7)
            for (int d = 25; d <= 31; d++)
                for (int64_t t = utc(y, m, d, 0, 59, 59); t <= utc(y, m, d, 1, 0, 1); t++) {
                    time_t tt = (time_t)t;
                    struct tm g;
                    rs_tm r;
                    localtime_r(&tt, &g);
                    rs_time_london(t, &r);
                    if (r.hour != g.tm_hour || r.day != g.tm_mday ||
                        (r.utc_offset != 0) != (g.tm_isdst > 0)) {
                        if (bad < 5)
                            fprintf(stderr, "mismatch near change at t=%lld\n", (long long)t);
                        bad++;
                    }
                }
    }
    CHECK_EQ_INT(bad, 0);
}

int main(void)
{
    test_civil();
    test_utc_fields();
    test_dst_changes();
    test_local_to_utc();
    test_against_tzdata();
    return check_done();
}
