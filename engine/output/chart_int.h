/*
 * chart_int.h — the inside of an rs_chart, shared by the two files that
 * make a chart (private to engine/output): chart.c holds the data, the
 * scales and the page layout and writes the PNG; chart_draw.c paints a
 * laid-out chart (series styles, bands, lines, axes, legend).  See chart.c
 * for the data structure and the page.
 */
#ifndef RS_CHART_INT_H
#define RS_CHART_INT_H

#include <stddef.h>

#include <cairo.h>

#include "chart.h"

typedef struct series {
    char *name;
    size_t n;
    double *x, *y, *low, *high; /* x NULL on a categorical chart given none */
    int step;
    int style; /* index into chart_draw.c's styles; -1: the series' own index */
    double marker_scale; /* 1 normally */
    int points;          /* markers only, no line (rs_chart_series_points) */
} series;

struct rs_chart {
    rs_ctx *ctx;
    char *title, *x_label, *y_label;
    size_t n_labels;
    char **labels; /* NULL: numeric x */
    series *s;
    size_t ns, cap;
};

typedef struct axis {
    double min, max, step;
    int decimals;
} axis;

typedef struct layout {
    double W, H, scale;
    double left, right, top, bottom; /* plot area edges in pixels */
    double fs_title, fs_label, fs_tick, fs_legend;
    axis ya, xa;
    int categorical;
    size_t ncat;
    int rotate;  /* categorical labels at 45 degrees */
    size_t every; /* label every k-th category */
} layout;

/* Pixel positions of data coordinates, and the x of point i of s. */
static inline double px_x(const layout *L, double x)
{
    if (L->categorical)
        return L->left + (x + 0.5) * (L->right - L->left) / (double)(L->ncat ? L->ncat : 1);
    return L->left + (x - L->xa.min) / (L->xa.max - L->xa.min) * (L->right - L->left);
}

static inline double px_y(const layout *L, double y)
{
    return L->bottom - (y - L->ya.min) / (L->ya.max - L->ya.min) * (L->bottom - L->top);
}

static inline double sx(const series *s, size_t i)
{
    return s->x ? s->x[i] : (double)i;
}

/* chart_draw.c: paints the whole chart into cr as laid out in L (any = 0:
 * no finite point, a "no data" note instead). */
void rs_chart_render(const rs_chart *c, cairo_t *cr, const layout *L, int any);

#endif
