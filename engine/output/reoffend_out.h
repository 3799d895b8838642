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

/* Which columns the table has. */
typedef enum {
    RS_REOFFEND_COLS_ALL = 0, /* all 34 */
    RS_REOFFEND_COLS_PAGE = 1 /* the 11 that fit a page: cohort .. diff_high, p_value */
} rs_reoffend_cols;

/* The result as a table, one row per cohort, stable snake_case columns
 * (see README): cohort, vehicles, followed_up, reoffended, rate, ci_low,
 * ci_high, diff, diff_low, diff_high, rr, rr_low, rr_high, p_value, mh_rr,
 * mh_rr_low, mh_rr_high, mh_strata, events, km_30 ... km_365_high,
 * logrank_chisq, logrank_df, logrank_p (RS_REOFFEND_COLS_PAGE: cohort to
 * diff_high and p_value); the caption names the index period (the
 * options' bounds, else the first and last index detection), window,
 * episode, data end and reference.  0 and *out (owned by the caller), or
 * RS_ENOMEM set in ctx. */
int rs_reoffend_table(rs_ctx *ctx, const rs_reoffend_opts *o, const rs_reoffend_result *r,
                      rs_reoffend_cols which, rs_table **out);

/* The window in words: "12 months" for 365 days, else "N days". */
void rs_reoffend_window_words(const rs_reoffend_opts *o, char *buf, size_t size);

/* The comparison of cohort 1 against cohort 0 in plain words: head, the
 * rates and difference with its interval and whether it is unlikely to be
 * chance alone; detail, the crude and Mantel-Haenszel relative risks and
 * what they say, then the caveat that how often a vehicle passes
 * enforcement is not controlled.  0; -1 when there is no comparison (head
 * then says why, or is empty with fewer than two cohorts; detail empty). */
int rs_reoffend_words(const rs_reoffend_opts *o, const rs_reoffend_result *r, char *head,
                      size_t hsize, char *detail, size_t dsize);

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
