/*
 * survival.h — Kaplan–Meier estimates with Greenwood variances and the
 * k-sample log-rank test, for right-censored times (the reoffending
 * analysis measures time from an index detection to the next offence).
 *
 * Data structure: a flat array of observations (time, event flag, group),
 * sorted once by time; estimators walk it in one pass.  Workload: up to a
 * few million observations in at most a handful of groups.
 *
 * Conventions (as R's survival package): at a time where events and
 * censorings tie, the censored subjects are still at risk for those
 * events.  Times are in any unit the caller chooses.
 */
#ifndef RS_SURVIVAL_H
#define RS_SURVIVAL_H

#include <stddef.h>

#include "ctx.h"
#include "stats.h"

#define RS_SURV_MAX_GROUPS 16

typedef struct rs_surv_obs {
    double time;         /* time to the event, or to censoring; >= 0 */
    unsigned char event; /* 1 event observed, 0 censored */
    unsigned char group; /* 0 .. RS_SURV_MAX_GROUPS-1 */
} rs_surv_obs;

/* Sorts obs in place by (time, event first, group). */
void rs_surv_sort(rs_surv_obs *obs, size_t n);

/* A Kaplan–Meier fit: the step function at its distinct event times. */
typedef struct rs_km {
    size_t n;         /* distinct event times */
    double *t;        /* event times, ascending */
    double *s;        /* S(t[i]): survival just after t[i] */
    double *gw;       /* Greenwood sum, sum over t[j] <= t[i] of d / (r (r - d)) */
    double t_max;     /* largest observed time (event or censoring); NaN when empty */
    size_t subjects;  /* observations fitted */
    size_t events;
} rs_km;

/* Fits the observations of group (or all when group < 0) in obs, which
 * must be sorted with rs_surv_sort.  Returns 0 and *out (free with
 * rs_km_free), or RS_ENOMEM. */
int rs_km_fit(rs_ctx *ctx, const rs_surv_obs *obs, size_t n, int group, rs_km **out);
void rs_km_free(rs_km *km);

/* S(t), the product over event times <= t, and (se may be NULL) its
 * Greenwood standard error S * sqrt(gw).  NaN when the fit has no subjects,
 * or when t lies beyond the largest observed time while S > 0 (the curve
 * is not defined there). */
double rs_km_surv(const rs_km *km, double t, double *se);

/* Cumulative incidence 1 - S(t) with a two-sided 1 - alpha interval from
 * Greenwood's variance on the log(-log S) scale (Kalbfleisch–Prentice; R's
 * conf.type = "log-log"), which stays inside [0, 1].  When S(t) = 1 (no
 * event yet) the interval is [0, 0] and when S(t) = 0 it is [1, 1]
 * (Greenwood's variance is 0 there).  NaN (and a NaN interval) where
 * rs_km_surv is NaN. */
double rs_km_cum(const rs_km *km, double t, double alpha, rs_ci *ci);

/* The k-sample log-rank test (Mantel–Haenszel weights): observed and
 * expected events per group, and the chi-square statistic U' V^-1 U over
 * the groups with subjects but one, with df = (groups with subjects) - 1. */
typedef struct rs_logrank_result {
    double chisq;   /* NaN when df < 1 or the variance matrix is singular */
    int df;
    double p;       /* upper-tail chi-square p-value; NaN with chisq */
    double observed[RS_SURV_MAX_GROUPS];
    double expected[RS_SURV_MAX_GROUPS];
    size_t subjects[RS_SURV_MAX_GROUPS];
} rs_logrank_result;

/* obs sorted with rs_surv_sort; groups 0..k-1 (k <= RS_SURV_MAX_GROUPS).
 * Returns 0, or RS_EUSAGE for k out of range or a group >= k. */
int rs_logrank(rs_ctx *ctx, const rs_surv_obs *obs, size_t n, size_t k, rs_logrank_result *out);

#endif
