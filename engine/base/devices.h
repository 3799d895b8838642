/*
 * devices.h — the one home of the speed-detection device types and of the
 * two speed lines enforcement is judged by, so ingest, the analyses, the
 * outputs and the command all mean the same by "TRUCAM" and by "over".
 *
 * Device types: TRUCAM (hand-held laser), GATSO (fixed camera), HADECS3
 * (motorway), SPECS (average speed), REDSPEED, VECTOR, OTHER, in that
 * order; a device type's index (rs_device) is its place in the list.
 * Detections store the upper-case name; input may use any case.
 *
 * Speed lines, exact in integers on 0.01 mph speeds and mph limits:
 *   enforcement threshold  speed >= limit x 1.1 + 2 mph (the NPCC
 *                          guideline): limit x 110 + 200 in 0.01 mph, so
 *                          35.00 mph on a 30 limit is over (in binary
 *                          floating point 30 * 1.1 + 2 is 35.000000000000007)
 *   course band            speed > limit x 1.1 + 9 mph: above the band a
 *                          speed-awareness course is not offered (NPCC)
 * A limit of 0 (unknown: fleet pings may have none) is never over either.
 * The C tests and the SQL expression are built from the same constants.
 */
#ifndef RS_DEVICES_H
#define RS_DEVICES_H

#include <stddef.h>
#include <stdint.h>

/* The device types, in order; X(NAME) once each. */
#define RS_DEVICE_TYPES(X) X(TRUCAM) X(GATSO) X(HADECS3) X(SPECS) X(REDSPEED) X(VECTOR) X(OTHER)

typedef enum {
#define RS_DEVICE_ENUM_(name) RS_DEV_##name,
    RS_DEVICE_TYPES(RS_DEVICE_ENUM_)
#undef RS_DEVICE_ENUM_
    RS_NDEVICES
} rs_device;

/* Name of device type k ("TRUCAM"); "OTHER" when k is not a device type. */
const char *rs_device_name(int k);
/* Device type named by s[0, len) in any case ("gatso"), or -1. */
int rs_device_parse(const char *s, size_t len);
/* Device type of a stored (upper-case) name; RS_DEV_OTHER for NULL or a
 * name that is none of them. */
rs_device rs_device_of(const char *s);
/* "TRUCAM, GATSO, HADECS3, SPECS, REDSPEED, VECTOR, OTHER", for messages. */
const char *rs_device_list(void);

/* ---- speed lines ---------------------------------------------------------- */

#define RS_LIMIT_PCT 110        /* limit x 1.1, i.e. 110 hundredths of a mph per mph */
#define RS_THRESHOLD_PLUS_MPH 2 /* enforcement threshold: + 2 mph */
#define RS_COURSE_PLUS_MPH 9    /* course band: + 9 mph */

/* The enforcement threshold for limit (mph), in 0.01 mph: 3500 for 30. */
static inline int64_t rs_threshold_cmph(int limit_mph)
{
    return (int64_t)limit_mph * RS_LIMIT_PCT + RS_THRESHOLD_PLUS_MPH * 100;
}
/* The top of the course band for limit (mph), in 0.01 mph: 4200 for 30. */
static inline int64_t rs_course_top_cmph(int limit_mph)
{
    return (int64_t)limit_mph * RS_LIMIT_PCT + RS_COURSE_PLUS_MPH * 100;
}
/* 1 when speed (0.01 mph) is at or over the enforcement threshold. */
static inline int rs_over_threshold(int64_t speed_cmph, int limit_mph)
{
    return limit_mph > 0 && speed_cmph >= rs_threshold_cmph(limit_mph);
}
/* 1 when speed (0.01 mph) is above the course band. */
static inline int rs_over_course(int64_t speed_cmph, int limit_mph)
{
    return limit_mph > 0 && speed_cmph > rs_course_top_cmph(limit_mph);
}

#define RS_DEVICES_STR_(x) #x
#define RS_DEVICES_STR(x) RS_DEVICES_STR_(x)
/* rs_over_threshold as an SQL expression (0 or 1) over the columns or
 * expressions speed (0.01 mph) and limit (mph), both string literals:
 * RS_OVER_THRESHOLD_SQL("d.speed_cmph", "d.limit_mph"). */
#define RS_OVER_THRESHOLD_SQL(speed, limit)                                                   \
    "(" limit " > 0 AND " speed " >= " limit " * " RS_DEVICES_STR(RS_LIMIT_PCT) " + "        \
    RS_DEVICES_STR(RS_THRESHOLD_PLUS_MPH) " * 100)"

#endif
