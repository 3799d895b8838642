/*
 * reoffend.h — reoffending after a detection, by the device type of the
 * detection that put the vehicle in the study (TRUCAM hand-held laser,
 * GATSO fixed camera, ...): fixed-window rates with their uncertainty,
 * comparisons against a reference cohort (crude and Mantel–Haenszel
 * across strata), Kaplan–Meier curves and a log-rank test.
 *
 * Definitions (the README states them word for word):
 *   vehicle     the keyed hash of the plate (the store holds nothing else);
 *   index       the vehicle's earliest detection with from <= t < to, ties
 *               broken by the smallest detection_id (byte order); its
 *               device type is the vehicle's cohort.  Vehicles whose index
 *               device type is not a named cohort are left out;
 *   data end    opts.data_end, else the latest detection time in the
 *               workspace.  Detections after the data end are ignored;
 *   reoffence   the vehicle's earliest later detection, by any device,
 *               more than opts.episode seconds after the index (exactly
 *               episode seconds later is the same event);
 *   followed up index + window <= data end;
 *   rate        followed-up vehicles whose reoffence is at most window
 *               seconds after the index / followed-up vehicles;
 *   survival    every cohort vehicle: time from index to reoffence, or
 *               censored at data end - index (censoring at the data end
 *               only).
 *
 * Data structure: one SQL query reads every detection ordered by
 * (vehicle, t, detection_id) and is consumed as a stream, one vehicle at a
 * time; per vehicle only a survival observation (16 bytes) is kept, and
 * per stratum one count pair per cohort.  Workload: millions of
 * detections in a couple of seconds.
 */
#ifndef RS_REOFFEND_H
#define RS_REOFFEND_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "devices.h"
#include "stats.h"

#define RS_REOFFEND_MAX_COHORTS RS_NDEVICES /* the device types (devices.h) */
#define RS_REOFFEND_NKM 4         /* Kaplan–Meier read-outs: 30, 90, 180, 365 days */
#define RS_REOFFEND_DATA_END_AUTO INT64_MIN

/* Strata for the Mantel–Haenszel relative risk, as a bit set. */
enum {
    RS_STRATA_LIMIT = 1,   /* posted limit of the index detection */
    RS_STRATA_EXCESS = 2,  /* index speed up to limit x 1.1 + 9 mph, or above */
    RS_STRATA_DISTRICT = 4 /* district of the index detection (outside all: one stratum) */
};

/* "limit,excess,district" (any subset, any order) or "none" -> 0 and *out;
 * -1 on an unknown or repeated word. */
int rs_strata_parse(const char *s, unsigned *out);

typedef struct rs_reoffend_opts {
    int64_t from, to;       /* index period [from, to), UTC seconds */
    int64_t window;         /* seconds, > 0 (default 365 days) */
    int64_t episode;        /* seconds, >= 0 (default 24 hours) */
    int64_t data_end;       /* UTC seconds, inclusive, or RS_REOFFEND_DATA_END_AUTO */
    size_t ncohorts;        /* 1 .. RS_REOFFEND_MAX_COHORTS; cohort 0 is the reference */
    char cohorts[RS_REOFFEND_MAX_COHORTS][16]; /* device types, upper case */
    unsigned strata;        /* RS_STRATA_* bits (default limit | excess) */
    double alpha;           /* 0.05 for 95% intervals */
} rs_reoffend_opts;

/* Defaults: all time, 365 days, 24 hours, data end auto, TRUCAM then
 * GATSO, limit x excess strata, alpha 0.05. */
void rs_reoffend_opts_default(rs_reoffend_opts *o);

/* "TRUCAM,GATSO,..." (any case) into o->cohorts.  -1 on an unknown device
 * type, a repeated one or an empty list; *bad (may be NULL) then points at
 * the offending word's start in s. */
int rs_reoffend_cohorts_parse(rs_reoffend_opts *o, const char *s, const char **bad);

/* One point of a cumulative reoffending curve. */
typedef struct rs_km_point {
    double day;        /* days after the index */
    double cum;        /* 1 - S(day) */
    double low, high;  /* its interval */
} rs_km_point;

typedef struct rs_reoffend_cohort {
    char name[16];
    uint64_t vehicles;    /* vehicles whose index detection is of this type */
    uint64_t followed_up;
    uint64_t reoffended;  /* followed up and reoffended within the window */
    double rate;          /* reoffended / followed_up; NaN when none followed up */
    rs_ci ci;             /* Wilson */
    /* Against cohort 0 (all NaN for cohort 0 itself, or when a cohort has
     * no followed-up vehicle): */
    double diff;          /* rate - rate of cohort 0 */
    rs_ci diff_ci;        /* Newcombe (hybrid Wilson score) */
    double rr;            /* rate / rate of cohort 0 */
    rs_ci rr_ci;          /* log (Katz) */
    double p;             /* two-proportion z test, two-sided */
    rs_mh_rr mh;          /* Mantel–Haenszel RR across strata */
    /* Survival, every vehicle of the cohort: */
    uint64_t events;      /* reoffences observed up to the data end */
    double km[RS_REOFFEND_NKM];   /* 1 - S at 30, 90, 180, 365 days; NaN past follow-up */
    rs_ci km_ci[RS_REOFFEND_NKM]; /* Greenwood, log-log */
    size_t ncurve;        /* the curve at the end of each whole day 0 .. last follow-up */
    rs_km_point *curve;
} rs_reoffend_cohort;

typedef struct rs_reoffend_result {
    size_t ncohorts;
    rs_reoffend_cohort *cohort;
    double km_days[RS_REOFFEND_NKM]; /* 30, 90, 180, 365 */
    int64_t data_end;                /* as used (NaN-free: INT64_MIN when the workspace is empty) */
    uint64_t detections;             /* rows read */
    uint64_t no_plate;               /* detections up to the data end without a plate
                                        (no vehicle): left out */
    uint64_t vehicles_indexed;       /* vehicles with an index detection, any device type */
    int64_t index_first, index_last; /* earliest and latest index detection of a cohort
                                      * vehicle; INT64_MAX and INT64_MIN when none */
    size_t strata;                   /* strata met among followed-up cohort vehicles */
    double logrank_chisq;            /* across cohorts with vehicles; NaN when fewer than 2 */
    int logrank_df;
    double logrank_p;
} rs_reoffend_result;

/* Runs the analysis on the workspace open in ctx.  Returns 0 and *out
 * (free with rs_reoffend_result_free), RS_EUSAGE for invalid options
 * (message says which), or another RS_E code. */
int rs_reoffend_run(rs_ctx *ctx, const rs_reoffend_opts *o, rs_reoffend_result **out);
void rs_reoffend_result_free(rs_reoffend_result *r);

#endif
