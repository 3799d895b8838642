/*
 * ingest_fleet_int.h — the per-vehicle checks of fleet pings
 * (ingest_fleet_check.c): a ping whose vehicle already has one at that
 * second, or that implies more than a speed limit from the vehicle's
 * previous accepted ping in time order (or to its next stored ping), is
 * rejected.  The telematics loader adds each parsed fleet ping in file
 * order, then finishes: the checks run over the whole file and the
 * vehicles' stored pings, and the accepted pings come back in file order.
 * Private to the ingest room.
 */
#ifndef RS_INGEST_FLEET_INT_H
#define RS_INGEST_FLEET_INT_H

#include "ingest_int.h"
#include "pings.h"

typedef struct rs_fleet_check rs_fleet_check;

/* Starts the checks of r's file: max_mph the speed limit (0: the default
 * RS_FLEET_MAX_MPH; < 0: none), same_time_ok 1 to keep pings at a second
 * the vehicle has already.  *out is NULL when there is nothing to check
 * (no limit and same times kept): the loader then stores pings directly.
 * Returns 0 or an RS_E code. */
int rs_fleet_check_new(rs_ingest_run *r, double max_mph, int same_time_ok,
                       rs_fleet_check **out);
/* Adds the next good ping of the file (vehicle id set), read at line. */
int rs_fleet_check_add(rs_fleet_check *c, long line, const rs_ping *p);
/* Decides, rejects the pings that fail (rs_ingest_reject_at, in line
 * order) and hands every accepted ping to keep, in file order.  Returns 0,
 * keep's non-zero RS_E code, or another RS_E code. */
int rs_fleet_check_finish(rs_fleet_check *c, int (*keep)(void *user, const rs_ping *p),
                          void *user);
void rs_fleet_check_free(rs_fleet_check *c);

/* How far, in seconds, a vehicle's stored pings can bear on the checks of
 * a file's pings (max_mph as for rs_fleet_check_new): those stored more
 * than this before the file's first ping or after its last never change a
 * decision.  0 when no speed is checked (same seconds only). */
int64_t rs_fleet_check_window(double max_mph);

#endif
