/*
 * timeutil.c — UTC <-> UK local time (Europe/London), weekends, quarters.
 *
 * What: pure integer arithmetic on int64 seconds since the Unix epoch; no
 * time-zone database, no libc time functions, so results are the same on
 * every machine.  Dates are proleptic Gregorian, converted to and from a
 * day count with Howard Hinnant's era/day-of-era method (400-year eras of
 * 146097 days, years starting on 1 March so the leap day falls last).
 *
 * Core data: none beyond the day count.  The BST window of a year is two
 * instants computed on demand: 01:00 UTC on the last Sunday of March and
 * 01:00 UTC on the last Sunday of October.
 *
 * Workload: called once or a few times per ingested row (millions per
 * run), so every function is a handful of divisions, with no allocation
 * and no global state.
 */
#include "timeutil.h"

#include <stdio.h>

#define SECS_PER_DAY 86400

/* Floor division and modulo (C's / and % truncate towards zero). */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

int64_t rs_days_from_civil(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                  /* [0, 399] */
    int64_t mp = (month + 9) % 12;                                /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + day - 1;                   /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void rs_civil_from_days(int64_t days, int *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                     /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);              /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                   /* [0, 11] */
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = m;
    *day = d;
}

static int is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : dim[month - 1];
}

int rs_is_valid_date(int year, int month, int day)
{
    if (month < 1 || month > 12 || day < 1)
        return 0;
    return day <= days_in_month(year, month);
}

/* ISO weekday (1 = Monday .. 7 = Sunday) of a day count; 1970-01-01 was a
 * Thursday. */
static int iso_wday(int64_t days)
{
    return (int)floor_mod(days + 3, 7) + 1;
}

/* Day count of the last Sunday of (year, month). */
static int64_t last_sunday(int year, int month)
{
    int64_t last = rs_days_from_civil(year, month, days_in_month(year, month));
    return last - iso_wday(last) % 7;
}

/* The BST window of a year: [*start, *end) in UTC seconds. */
static void bst_window(int year, int64_t *start, int64_t *end)
{
    *start = last_sunday(year, 3) * SECS_PER_DAY + 3600;
    *end = last_sunday(year, 10) * SECS_PER_DAY + 3600;
}

static void break_down(int64_t t, int offset, rs_tm *out)
{
    int64_t local = t + offset;
    int64_t days = floor_div(local, SECS_PER_DAY);
    int secs = (int)(local - days * SECS_PER_DAY);
    rs_civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = secs / 3600;
    out->minute = secs / 60 % 60;
    out->second = secs % 60;
    out->wday = iso_wday(days);
    out->utc_offset = offset;
}

void rs_time_utc(int64_t t, rs_tm *out)
{
    break_down(t, 0, out);
}

int rs_london_offset(int64_t t)
{
    int year, month, day;
    rs_civil_from_days(floor_div(t, SECS_PER_DAY), &year, &month, &day);
    int64_t start, end;
    bst_window(year, &start, &end);
    return t >= start && t < end ? 3600 : 0;
}

void rs_time_london(int64_t t, rs_tm *out)
{
    break_down(t, rs_london_offset(t), out);
}

int64_t rs_london_to_utc(int year, int month, int day, int hour, int minute, int second,
                         int *flag)
{
    int64_t local = rs_days_from_civil(year, month, day) * SECS_PER_DAY +
                    (int64_t)hour * 3600 + (int64_t)minute * 60 + second;
    int64_t start, end;
    bst_window(year, &start, &end);
    /* In local terms the clocks jump from 01:00 to 02:00 at `start` (so
     * [start, start+1h) never happens) and fall back from 02:00 to 01:00
     * at `end` (so [end, end+1h) happens twice). */
    int f = 0;
    int64_t utc;
    if (local < start) {
        utc = local;
    } else if (local < start + 3600) {
        f = 2;
        utc = local;               /* as if still GMT */
    } else if (local < end) {
        utc = local - 3600;
    } else if (local < end + 3600) {
        f = 1;
        utc = local - 3600;        /* the first (BST) occurrence */
    } else {
        utc = local;
    }
    if (flag != NULL)
        *flag = f;
    return utc;
}

void rs_time_format_utc(int64_t t, char *buf, unsigned long size)
{
    rs_tm tm;
    rs_time_utc(t, &tm);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.year, tm.month, tm.day,
             tm.hour, tm.minute, tm.second);
}
