/*
 * target.h — the partnership's long-term KSI target: the baseline, the
 * straight-line trajectory to the target, the trend of recent years
 * (log-linear Poisson regression fitted by maximum likelihood) projected
 * to the target year with its 95% interval, a verdict in words, and KSI
 * rates per head and per traffic with exact Poisson intervals.  No
 * drawing, no printing (output/target_out.h does both).
 *
 * Definitions (README "roadsafe ksi --target" repeats them for readers):
 *  - Spec "B1-B2:P:Y": baseline years B1..B2 (financial start years with
 *    financial), a reduction of P per cent, by year Y (> B2).
 *  - Baseline: the mean annual KSI over B1..B2; every year must be wholly
 *    inside the data span.  Target: baseline * (1 - P / 100) in year Y.
 *  - Trajectory: the straight line from the baseline at the baseline's
 *    middle year (B1 + B2) / 2 to the target in Y; target_ksi of a year
 *    between the two is the line's value, else none.
 *  - Trend: log E[KSI_t] = a + b * t, KSI_t ~ Poisson, over the last N
 *    complete years (wholly inside the data span), fitted by IRLS; the
 *    covariance of (a, b) is the inverse Fisher information.  trend_ksi
 *    = exp(a + b t); its 95% interval exp(eta +- 1.96 se(eta)).  Annual
 *    change exp(b) - 1 with interval exp(b +- 1.96 se(b)) - 1.
 *  - Verdict for Y: on track when trend_high <= target, off track when
 *    trend_low > target, else cannot tell yet.
 *  - Rates: KSI per 100,000 people and per billion vehicle-km, with the
 *    exact (Garwood) Poisson interval of the (rounded) KSI count divided
 *    by the exposure.
 */
#ifndef RS_TARGET_H
#define RS_TARGET_H

#include <stddef.h>

#include "ctx.h"
#include "ksi.h"

typedef struct rs_target_spec {
    int base_from, base_to; /* years */
    double pct;             /* reduction, per cent (0 < pct < 100) */
    int year;               /* target year, > base_to */
} rs_target_spec;

/* "2015-2019:50:2030" -> 0; -1 when malformed (years 1900-2200, B1 <= B2
 * < Y, 0 < P < 100). */
int rs_target_parse(const char *s, rs_target_spec *out);
/* Back as "2015-2019:50:2030" (P with up to 2 decimals, no trailing zeros). */
void rs_target_format(const rs_target_spec *t, char *buf, size_t size);

/* The workspace's agreed target (table ksi_target, one row).  Load gives
 * *found = 0 when none is stored. */
int rs_target_load(rs_ctx *ctx, rs_target_spec *out, int *found);
int rs_target_save(rs_ctx *ctx, const rs_target_spec *t);
int rs_target_clear(rs_ctx *ctx);

/* A log-linear Poisson fit log mu = a + b (x - x0). */
typedef struct rs_poisson_fit {
    double x0, a, b;
    double cov[2][2]; /* of (a, b) */
    int iterations;
} rs_poisson_fit;

/* Fits by IRLS (y >= 0, not all 0, n >= 2 distinct x).  x0 = mean of x.
 * RS_EUSAGE when it cannot be fitted. */
int rs_poisson_loglin(rs_err *e, size_t n, const double *x, const double *y, rs_poisson_fit *out);
/* mu at x with its 95% interval exp(eta +- 1.96 se(eta)). */
void rs_poisson_predict(const rs_poisson_fit *f, double x, double *mu, double *low, double *high);

typedef enum { RS_TARGET_ON_TRACK = 0, RS_TARGET_OFF_TRACK = 1, RS_TARGET_CANNOT_TELL = 2 } rs_target_state;

typedef struct rs_target_year {
    int year;
    double ksi;         /* NaN when the year is not wholly in the data */
    double target_ksi;  /* trajectory (NaN outside mid..Y) */
    double trend_ksi;   /* fitted value (NaN outside the trend years) */
} rs_target_year;

typedef struct rs_target_proj {
    int year;
    double trend, low, high, target_ksi;
} rs_target_proj;

typedef struct rs_target_result {
    rs_target_spec spec;
    int trend_years;          /* N asked for */
    double baseline, target, mid;
    size_t nyears;            /* every year given, in order */
    rs_target_year *years;
    int fit_from, fit_to;     /* the trend years */
    rs_poisson_fit fit;
    double change, change_low, change_high; /* annual change, fractions (-0.031) */
    size_t nproj;             /* last data year .. max(Y, last) */
    rs_target_proj *proj;
    double y_trend, y_low, y_high; /* the projection for Y */
    rs_target_state state;
} rs_target_result;

/* From a series of consecutive years (years[i] = years[0] + i; ksi[i]
 * NaN when the year is not wholly inside the data).  RS_EUSAGE naming the
 * missing baseline year, or when fewer than 2 complete years are there
 * for the trend.  *out owned by the caller (rs_target_result_free). */
int rs_target_compute(rs_err *e, const rs_target_spec *spec, int trend_years, size_t n,
                      const int *years, const double *ksi, rs_target_result **out);
void rs_target_result_free(rs_target_result *r);
/* The value of the trajectory in year t (NaN outside mid..Y). */
double rs_target_trajectory(const rs_target_result *r, double t);

/* On the open workspace: KSI by year (financial years when financial;
 * adjusted / collisions as in the KSI options), unsplit, over the whole
 * data span, then rs_target_compute.  With ko->to_month >= 0 the years
 * ending after that month count as incomplete (the board pack uses data
 * up to its quarter only); ko->from_month is ignored. */
int rs_target_run(rs_ctx *ctx, const rs_ksi_opts *ko, const rs_target_spec *spec,
                  int trend_years, rs_target_result **out);

/* ---- exposures and rates ---- */

/* Exposures by district and year (VALUE: "population" or "vehicle_km"),
 * from n rows (ingest/exposure.h reads the file; analyses parse none);
 * name (the file) is used in messages. */
typedef struct rs_exposure rs_exposure;
int rs_exposure_make(rs_ctx *ctx, const char *name, const char *value_col, size_t n,
                     const char *const *district, const int *year, const double *value,
                     rs_exposure **out);
void rs_exposure_free(rs_exposure *x);
/* The exposure of one district (name, or NULL for the county: the sum over
 * names[0..nnames) when nnames > 0, else over every district of the year)
 * in year; RS_EINPUT naming the missing district-year. */
int rs_exposure_get(rs_ctx *ctx, const rs_exposure *x, const char *district,
                    const char *const *names, size_t nnames, int year, double *out);

/* Rate of k events per exposure, times scale, with the exact 95% interval
 * (k rounded to a whole number for the interval). */
void rs_rate_ci(double k, double exposure, double scale, double *rate, double *low, double *high);

/* Rates for every row of a yearly KSI result: rate[i], low[i], high[i]
 * (KSI per exposure times scale, exact 95% interval) and expo[i]; NaN for
 * rows not wholly in the data and for the "(outside districts)" and "(no
 * location)" groups.  Unsplit rows take the county: the sum over the
 * workspace's districts (over every district of the file's year when none
 * are loaded); district rows their own district.  RS_EINPUT naming a
 * missing district-year. */
int rs_ksi_rates(rs_ctx *ctx, const rs_ksi_result *r, const rs_exposure *x, double scale,
                 double *expo, double *rate, double *low, double *high);

#endif
