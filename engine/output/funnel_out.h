/*
 * funnel_out.h — funnel plots (analysis/funnel.h) as a PNG and in words,
 * and the KSI funnel's points from a district-split KSI result, for
 * `roadsafe ksi --funnel` and the board pack's district section alike.
 */
#ifndef RS_FUNNEL_OUT_H
#define RS_FUNNEL_OUT_H

#include <stddef.h>

#include "ctx.h"
#include "district.h"
#include "funnel.h"
#include "ksi.h"
#include "table.h"

/* How a funnel chart is labelled: rates are shown per `per` units of
 * exposure (1 for km², 100000 for residents). */
typedef struct rs_funnel_chart_opts {
    const char *title, *x_label, *y_label;
    double per;
    int width, height;
} rs_funnel_chart_opts;

/* Draws the points placed on the funnel (rs_funnel_compute done) as dots,
 * the county rate as a line and the 95% and 99.8% limits as curves over
 * the exposures, and writes the PNG.  0, or the chart's error set in ctx. */
int rs_funnel_chart(rs_ctx *ctx, const rs_funnel_chart_opts *co, size_t n,
                    const rs_funnel_point *p, double county_rate, const char *path);

/* The areas outside the limits, named in words ("Above the 99.8% limits:
 * A, B. Above the 95% limits only: C. ..."), or that every area lies
 * within the 95% limits. */
void rs_funnel_words(size_t n, const rs_funnel_point *p, char *buf, size_t size);

/* The KSI funnel's points from a district-split result r: one per loaded
 * district (not the outside and no-location rows), its count the KSI of
 * the rows of periods p_first..p_last that hold data; exposure the
 * district's area in km², or with pop (npop names and values; a name
 * matches a district's name or code, any case) its population (a district
 * missing from pop is not placed).  *out (names borrowed from d) owned by
 * the caller (free).  0 or RS_ENOMEM set in ctx. */
int rs_ksi_funnel_points(rs_ctx *ctx, const rs_ksi_result *r, int p_first, int p_last,
                         const rs_districts *d, size_t npop, const char *const *pop_names,
                         const double *pop, rs_funnel_point **out, size_t *n);

/* The funnel's figures as a table: district, ksi, exposure (area_km2 or
 * population), rate, county_rate, expected, low_95, high_95, low_998,
 * high_998 (limits as rates; rates per `per` units), side ("above the
 * 99.8% limits", "above the 95% limits", "within", ...).  *out owned by the
 * caller; 0 or RS_ENOMEM set in ctx. */
int rs_funnel_table(rs_ctx *ctx, const char *caption, const char *exposure_col, double per,
                    size_t n, const rs_funnel_point *p, double county_rate, rs_table **out);

/* The KSI funnel of a district-split result over its periods p_first ..
 * p_last, drawn to path (1200 x 800): per km² of district area, or with
 * pop per 100,000 residents; words (may be NULL) gets rs_funnel_words'
 * sentence.  0, or the error set in ctx. */
int rs_ksi_funnel_png(rs_ctx *ctx, const rs_ksi_result *r, int p_first, int p_last,
                      const rs_districts *d, size_t npop,
                      const char *const *pop_names, const double *pop, const char *path,
                      char *words, size_t wsize);
/* The same, and with table != NULL the figures as rs_funnel_table gives
 * them (*table owned by the caller). */
int rs_ksi_funnel(rs_ctx *ctx, const rs_ksi_result *r, int p_first, int p_last,
                  const rs_districts *d, size_t npop, const char *const *pop_names,
                  const double *pop, const char *path, char *words, size_t wsize,
                  rs_table **table);

#endif
