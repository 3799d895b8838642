/*
 * timeutil.h — UTC <-> UK local time (Europe/London), civil dates, ISO text.
 *
 * Times are int64 seconds since 1970-01-01T00:00:00Z.  UK local time is
 * GMT, or BST (UTC+1) from 01:00 UTC on the last Sunday of March to 01:00
 * UTC on the last Sunday of October (the rule in force since 1996, used for
 * every year here).  No time-zone database is read, so results do not
 * depend on the machine.
 */
#ifndef RS_TIMEUTIL_H
#define RS_TIMEUTIL_H

#include <stdint.h>

typedef struct rs_tm {
    int year, month, day;     /* month 1-12, day 1-31 */
    int hour, minute, second;
    int wday;                 /* ISO: 1 = Monday ... 7 = Sunday */
    int utc_offset;           /* seconds: 0 (GMT) or 3600 (BST) for local */
} rs_tm;

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t rs_days_from_civil(int year, int month, int day);
void rs_civil_from_days(int64_t days, int *year, int *month, int *day);
int rs_is_valid_date(int year, int month, int day);

/* Breaks a UTC instant into UTC fields (utc_offset 0). */
void rs_time_utc(int64_t t, rs_tm *out);
/* Breaks a UTC instant into UK local fields. */
void rs_time_london(int64_t t, rs_tm *out);
/* UK offset (0 or 3600) in force at UTC instant t. */
int rs_london_offset(int64_t t);

/* Local UK wall-clock time -> UTC.  In the autumn repeated hour the first
 * (BST) instant is taken; a time in the spring gap (01:00-01:59 on the last
 * Sunday of March) does not exist and is taken as if the clocks had not
 * yet changed (GMT), i.e. one hour later in local terms.  *flag (may be
 * NULL) is set to 0 normally, 1 in the repeated hour, 2 in the gap. */
int64_t rs_london_to_utc(int year, int month, int day, int hour, int minute, int second,
                         int *flag);

/* "2020-08-15T14:03:22Z" into buf (at least 21 bytes). */
void rs_time_format_utc(int64_t t, char *buf, unsigned long size);

#endif
