/*
 * fuzz_time.c — the timestamp parsers (engine/parse.c) and UK local time
 * (engine/timeutil.c).
 *
 * The input is tried as a whole by rs_parse_iso8601, rs_parse_date and
 * rs_parse_hhmm; its first 16 bytes also give an instant and a wall-clock
 * time for the round trips.  Invariants:
 *   - an accepted ISO 8601 instant lies within the documented years (1900-
 *     2099, give or take a day of offset); written back as ...Z it parses to
 *     the same instant; with its zone replaced by every other valid offset
 *     form it still parses, to the same instant shifted by that offset;
 *   - an accepted date is a real date 1900-2099 and converts back to itself;
 *   - an accepted time of day is within [0, 86400);
 *   - UTC -> UK local -> UTC gives the instant back (in the repeated autumn
 *     hour, the first occurrence: exactly 3600 s earlier for the second);
 *     the offset is 0 or 3600 and agrees with rs_london_offset;
 *   - UK local -> UTC -> UK local gives the wall-clock time back, except in
 *     the spring gap, where it comes out one hour later.
 */
#include <string.h>

#include "fuzz.h"
#include "parse.h"
#include "timeutil.h"

#define T_1900 (-2208988800LL) /* 1900-01-01T00:00:00Z */
#define T_2100 4102444800LL    /* 2100-01-01T00:00:00Z */

static uint64_t take(const uint8_t *data, size_t size, size_t at)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = v << 8 | (at + i < size ? data[at + i] : 0);
    return v;
}

static void check_iso(const char *s, size_t len)
{
    int64_t t;
    if (rs_parse_iso8601(s, len, &t) != 0)
        return;
    FUZZ_ASSERT(len >= 20);
    FUZZ_ASSERT(t >= T_1900 - 86400 && t < T_2100 + 86400);
    char buf[32];
    int64_t back;
    /* the date-time part, whatever the zone said */
    int64_t days;
    FUZZ_ASSERT(rs_parse_date(s, 10, &days) == 0);
    int secs;
    FUZZ_ASSERT(rs_parse_hhmm(s + 11, 8, &secs) == 0);
    int64_t wall = days * 86400 + secs;
    int64_t offset = wall - t; /* what the zone meant, in seconds east */
    FUZZ_ASSERT(offset > -86400 && offset < 86400 && offset % 60 == 0);
    /* back as Z */
    if (t >= T_1900 && t < T_2100) {
        rs_time_format_utc(t, buf, sizeof buf);
        FUZZ_ASSERT(rs_parse_iso8601(buf, strlen(buf), &back) == 0 && back == t);
    }
    /* the same wall-clock time with the offset in each written form */
    int64_t a = offset < 0 ? -offset : offset;
    const char sign = offset < 0 ? '-' : '+';
    char forms[3][16];
    snprintf(forms[0], sizeof forms[0], "%c%02d:%02d", sign, (int)(a / 3600), (int)(a / 60 % 60));
    snprintf(forms[1], sizeof forms[1], "%c%02d%02d", sign, (int)(a / 3600), (int)(a / 60 % 60));
    snprintf(forms[2], sizeof forms[2], "%c%02d", sign, (int)(a / 3600));
    for (int f = 0; f < 3; f++) {
        if (f == 2 && a % 3600 != 0)
            continue;
        char s2[96];
        snprintf(s2, sizeof s2, "%.19s%s", s, forms[f]);
        FUZZ_ASSERT(rs_parse_iso8601(s2, strlen(s2), &back) == 0 && back == t);
    }
}

static void check_date(const char *s, size_t len)
{
    int64_t days;
    if (rs_parse_date(s, len, &days) != 0)
        return;
    FUZZ_ASSERT(len == 10);
    int y, m, d;
    rs_civil_from_days(days, &y, &m, &d);
    FUZZ_ASSERT(y >= 1900 && y <= 2099 && rs_is_valid_date(y, m, d));
    FUZZ_ASSERT(rs_days_from_civil(y, m, d) == days);
    char buf[16];
    int64_t back;
    snprintf(buf, sizeof buf, "%02d/%02d/%04d", d, m, y);
    FUZZ_ASSERT(rs_parse_date(buf, 10, &back) == 0 && back == days);
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    FUZZ_ASSERT(rs_parse_date(buf, 10, &back) == 0 && back == days);
}

static void check_hhmm(const char *s, size_t len)
{
    int secs = -1;
    if (rs_parse_hhmm(s, len, &secs) != 0)
        return;
    FUZZ_ASSERT(len == 5 || len == 8);
    FUZZ_ASSERT(secs >= 0 && secs < 86400);
    FUZZ_ASSERT(len == 8 || secs % 60 == 0);
}

static void check_round_trips(const uint8_t *data, size_t size)
{
    /* an instant anywhere in 1900-2099 */
    int64_t t = T_1900 + (int64_t)(take(data, size, 0) % (uint64_t)(T_2100 - T_1900));
    rs_tm lt, ut;
    rs_time_london(t, &lt);
    rs_time_utc(t, &ut);
    FUZZ_ASSERT(lt.utc_offset == 0 || lt.utc_offset == 3600);
    FUZZ_ASSERT(lt.utc_offset == rs_london_offset(t));
    FUZZ_ASSERT(ut.utc_offset == 0);
    FUZZ_ASSERT(rs_is_valid_date(lt.year, lt.month, lt.day));
    FUZZ_ASSERT(lt.wday >= 1 && lt.wday <= 7);
    int flag = -1;
    int64_t back = rs_london_to_utc(lt.year, lt.month, lt.day, lt.hour, lt.minute, lt.second,
                                    &flag);
    FUZZ_ASSERT(flag == 0 || flag == 1);
    FUZZ_ASSERT(back == t || (flag == 1 && back == t - 3600));
    FUZZ_ASSERT(rs_days_from_civil(ut.year, ut.month, ut.day) * 86400 + ut.hour * 3600 +
                    ut.minute * 60 + ut.second ==
                t);

    /* a wall-clock time anywhere in 1900-2099 */
    uint64_t w = take(data, size, 8);
    int64_t day = rs_days_from_civil(1900, 1, 1) + (int64_t)(w % 73048u); /* to 2099-12-31 */
    int y, m, d;
    rs_civil_from_days(day, &y, &m, &d);
    int h = (int)(w >> 20) % 24, mi = (int)(w >> 30) % 60, s = (int)(w >> 40) % 60;
    int64_t u = rs_london_to_utc(y, m, d, h, mi, s, &flag);
    FUZZ_ASSERT(flag >= 0 && flag <= 2);
    rs_time_london(u, &lt);
    int64_t want = day * 86400 + h * 3600 + mi * 60 + s + (flag == 2 ? 3600 : 0);
    int64_t got = rs_days_from_civil(lt.year, lt.month, lt.day) * 86400 + lt.hour * 3600 +
                  lt.minute * 60 + lt.second;
    FUZZ_ASSERT(got == want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    check_iso(s, size);
    check_date(s, size);
    check_hhmm(s, size);
    check_round_trips(data, size);
    return 0;
}
