/*
 * operation.h — what a weekend speed-enforcement operation achieved: patrol
 * presence (from the force's fleet telematics, presence.h), the district's
 * speeding hot cells visited, detections by device type and how many were
 * too fast for a speed-awareness course, the busiest sites, and the same
 * figures for the district's previous weekends; and, over a period, one
 * row per weekend operation with the average offences per operation.
 *
 * Definitions (README "roadsafe operation" repeats them for readers):
 *  - Weekend window: a weekend is named by its Saturday; its window runs
 *    from Friday 18:00 to Sunday 23:59:59 UK local time (Europe/London,
 *    BST-aware) unless other day/hour bounds are given (rs_op_window_parse).
 *  - Patrol hours, vehicles and distance in district D: the presence
 *    (presence.h: gaps capped at 5 minutes, a gap belongs to its first
 *    ping) of the gaps whose first ping lies in D and in the window; the
 *    distance is the straight-line length of the uncapped gaps.
 *  - Hot cells of D: 250 m square cells holding traffic pings located in
 *    D over the enforcement threshold (pings.h) in the 90 days before the
 *    window starts; the top decile by that count (ceil(10 %) of those
 *    cells; ties broken by cell index, south to north then west to east).
 *    A hot cell is visited when any patrol presence (a gap starting
 *    anywhere) is credited to it during the window.
 *  - Detections: stored detections located in D whose time lies in the
 *    window, by device type.  Over the course band: speed above the
 *    speed-awareness course band, i.e. speed > limit x 1.1 + 9 mph (NPCC:
 *    a course is offered up to that speed), computed exactly on 0.01 mph
 *    (rs_over_course, devices.h).
 *  - Sites: detections grouped by site_id; the site's position is the mean
 *    of its detections' positions, its device type the most frequent one.
 *  - Summary: for each weekend whose Saturday lies in the period, the
 *    operation district is the district with the most patrol minutes in
 *    the window (ties: lowest id); a weekend with no patrol presence in
 *    any district is not an operation.  Offences per operation = the mean
 *    of the detections of the operations; offences per patrol hour of the
 *    average = all their detections / all their patrol hours.
 *
 * Data structure: rs_op_result holds one rs_op_weekend per weekend (the
 * operation first), every site of the operation weekend (most detections
 * first) and the operation's presence grid for the map.
 * Workload: per weekend, two gathers of its fleet pings (tens of
 * thousands), one scan of 90 days of traffic chunks for the hot cells
 * and one indexed detection query; a summary is one fleet gather per
 * weekend of the period.
 */
#ifndef RS_OPERATION_H
#define RS_OPERATION_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "devices.h"
#include "presence.h"

/* by_device[] is indexed by device type (devices.h: TRUCAM first, OTHER last). */
#define RS_OP_NDEV RS_NDEVICES

typedef struct rs_op_opts {
    int win_from, win_to; /* minutes from the Saturday's 00:00 UK local, [from, to):
                             default -360 (Fri 18:00) and 2880 (Mon 00:00) */
    int64_t cap;          /* presence gap cap, seconds (RS_PRESENCE_CAP) */
    int hot_days;         /* traffic evidence for hot cells: days before the window (90) */
    double hot_size;      /* hot cell side, metres (250) */
    double hot_share;     /* top share of cells that are hot (0.10) */
    int previous;         /* previous weekends to compare (4) */
} rs_op_opts;

void rs_op_opts_default(rs_op_opts *o);

/* Parses a window "DAY[HH[:MM]]-DAY[HH[:MM]]" with DAY one of thu, fri,
 * sat, sun, mon (any case), hours 0-24: e.g. "fri18-sun24" (the default),
 * "sat09-sun17", "fri18:30-mon02".  The end is exclusive and must follow
 * the start.  0 or -1. */
int rs_op_window_parse(const char *s, int *win_from, int *win_to);

/* The Saturday (days since 1970-01-01) of the weekend holding UK-local day
 * `day` when it is a Friday, Saturday or Sunday; 0, or -1 for another day. */
int rs_op_saturday(int64_t day, int64_t *saturday);

/* UTC [from, to) of the window of the weekend of `saturday`. */
void rs_op_window(const rs_op_opts *o, int64_t saturday, int64_t *from, int64_t *to);

typedef struct rs_op_weekend {
    int64_t saturday;          /* days since 1970-01-01 */
    int64_t from, to;          /* the window, UTC [from, to) */
    double patrol_minutes;     /* presence of gaps starting in the district */
    double km;                 /* their straight-line distance */
    uint32_t vehicles;         /* distinct patrol vehicles */
    uint32_t hot_cells;        /* 0: no traffic over the threshold in the 90 days */
    uint32_t hot_visited;
    uint64_t detections;
    uint64_t over_course;      /* over the speed-awareness course band */
    uint64_t by_device[RS_OP_NDEV];
} rs_op_weekend;

typedef struct rs_op_site {
    char *site_id;
    const char *device_type;   /* the most frequent at the site (static string) */
    uint64_t detections, over_course;
    double e, n;               /* mean position, BNG metres */
} rs_op_site;

typedef struct rs_op_result {
    int district;
    rs_op_weekend *weekends;   /* [0] the operation, then previous ones, newest first */
    size_t nweekends;
    rs_op_site *sites;         /* every site of the operation weekend, most detections first */
    size_t nsites;
    rs_presence *presence;     /* the operation window's presence, hot-cell grid, all gaps */
} rs_op_result;

/* The operation in district id `district` on the weekend of `saturday`,
 * with o->previous earlier weekends.  0 and *out (rs_op_result_free), or
 * an RS_E code (RS_ENOTFOUND: no such district). */
int rs_operation_run(rs_ctx *ctx, int district, int64_t saturday, const rs_op_opts *o,
                     rs_op_result **out);
void rs_op_result_free(rs_op_result *r);

typedef struct rs_op_summary_row {
    int64_t saturday;
    int district;
    double patrol_minutes, km;
    uint32_t vehicles;
    uint64_t detections, trucam;
} rs_op_summary_row;

typedef struct rs_op_summary {
    rs_op_summary_row *rows;   /* one per operation, in date order */
    size_t n;
    size_t weekends;           /* weekends in the period, with or without an operation */
    uint64_t detections, trucam, vehicles; /* sums over the operations */
    double patrol_minutes, km;
    double mean_detections;    /* offences per operation; NaN with no operation */
    double median_detections;
    uint64_t min_detections, max_detections;
} rs_op_summary;

/* Weekends whose Saturday lies in UK-local days [first_day, last_day].
 * 0 and *out (rs_op_summary_free), or an RS_E code. */
int rs_operation_summary(rs_ctx *ctx, int64_t first_day, int64_t last_day, const rs_op_opts *o,
                         rs_op_summary **out);
void rs_op_summary_free(rs_op_summary *s);

#endif
