/*
 * chart.h — line charts as PNG (cairo) for the board: series of values
 * over ordered categories (periods) or over a numeric x (days), each
 * with an optional confidence band; axes with ticks, a legend, a title.
 * Colours are distinguishable in greyscale (dark solid, mid dashed, light
 * dotted...), deterministic output, written atomically.
 */
#ifndef RS_CHART_H
#define RS_CHART_H

#include <stddef.h>

#include "ctx.h"

typedef struct rs_chart rs_chart;

/* x labels: when labels != NULL the x axis is categorical (n labels, x =
 * 0..n-1; long label lists are thinned); else numeric from the series. */
rs_chart *rs_chart_new(rs_ctx *ctx, const char *title, const char *x_label, const char *y_label,
                       size_t n_labels, const char *const *labels);
void rs_chart_free(rs_chart *c);

/* A series of n points; y NaN leaves a gap.  low/high (may be NULL) draw
 * a translucent band.  step != 0 draws a step function (Kaplan-Meier). */
int rs_chart_series(rs_chart *c, const char *name, size_t n, const double *x, const double *y,
                    const double *low, const double *high, int step);

/* Draws the last series added in the style another position would have
 * (0 dark solid, 1 mid dashed, 2 light dotted, 3 grey dash-dot; then
 * again), so a series added first (drawn on top) can look like a later
 * one; its point markers marker_scale times their size (0 < s <= 4). */
int rs_chart_series_style(rs_chart *c, size_t style, double marker_scale);

/* Draws the last series added as markers only (a scatter: no line joins
 * its points, and its legend entry is the marker alone). */
int rs_chart_series_points(rs_chart *c);

/* y axis from 0 (when all values >= 0) to a round number above the data. */
int rs_chart_write_png(rs_chart *c, const char *path, int width, int height);

#endif
