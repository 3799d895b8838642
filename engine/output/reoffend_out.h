/*
 * reoffend_out.h — reoffending after detection (analysis/reoffend.h) as
 * outputs: the result as a table (the `roadsafe reoffend` table) and the
 * Kaplan–Meier chart, drawn here once for the command and the board pack.
 */
#ifndef RS_REOFFEND_OUT_H
#define RS_REOFFEND_OUT_H

#include <stddef.h>

#include "ctx.h"
#include "reoffend.h"
#include "table.h"

/* The result as a table, one row per cohort, stable snake_case columns
 * (see README): cohort, vehicles, followed_up, reoffended, rate, ci_low,
 * ci_high, diff, diff_low, diff_high, rr, rr_low, rr_high, p_value, mh_rr,
 * mh_rr_low, mh_rr_high, mh_strata, events, km_30 ... km_365_high,
 * logrank_chisq, logrank_df, logrank_p; the caption names the index
 * period, window, episode, data end and reference.  0 and *out (owned by
 * the caller), or RS_ENOMEM set in ctx. */
int rs_reoffend_table(rs_ctx *ctx, const rs_reoffend_opts *o, const rs_reoffend_result *r,
                      rs_table **out);

/* How the Kaplan–Meier chart is labelled and sized. */
typedef struct rs_reoffend_chart_opts {
    const char *title, *x_label, *y_label;
    int width, height;  /* pixels */
    int grouped_counts; /* legend "TRUCAM (n = 1,234)"; 0: "(n = 1234)" */
} rs_reoffend_chart_opts;

/* The points of cohort c the chart draws: its daily curve from day 0 to
 * the end of the rate's window (o->window, rounded up to a whole day), or
 * to its last follow-up day when that is earlier; 0 when it has no curve. */
size_t rs_reoffend_chart_points(const rs_reoffend_opts *o, const rs_reoffend_cohort *c);

/* Draws the cumulative reoffending (1 - S, in %) of every cohort with
 * points as a step line with its 95% band, named "NAME (n = VEHICLES)",
 * and writes the PNG to path.  0; RS_ENOMEM or the chart's error code set
 * in ctx. */
int rs_reoffend_chart(rs_ctx *ctx, const rs_reoffend_opts *o, const rs_reoffend_result *r,
                      const rs_reoffend_chart_opts *co, const char *path);

#endif
