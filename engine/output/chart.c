/*
 * chart.c — line charts as PNG with cairo (see chart.h).
 *
 * Core data structure: an rs_chart keeps its titles, the categorical x
 * labels (if any) and an array of series, each a private copy of its x, y
 * and band arrays, so the caller's arrays need not outlive the call.
 * Nothing is drawn until rs_chart_write_png, which lays the page out from
 * the data:
 *
 *   title (bold), legend row under it, plot area with light horizontal
 *   gridlines at round tick values, y tick labels and a rotated y label on
 *   the left, x tick labels (categorical: every label when they fit side
 *   by side, else rotated 45 degrees and thinned to every k-th, k in 1, 2,
 *   3, 4, 6, 12, 24 ...) and the x label below.
 *
 * Series styles cycle through four that stay apart in greyscale: dark
 * navy solid with filled circles, orange dashed with open squares, light
 * teal dotted with triangles, mid grey dash-dot with diamonds.  A band is
 * the series colour at 18% opacity.  NaN values leave gaps.
 *
 * Workload: a handful of series of up to a few thousand points, one chart
 * per file.  Text uses cairo's toy API with the fontconfig "sans-serif"
 * face; cairo's PNG writer adds no time stamp, so the same calls give the
 * same bytes on one machine.  The file is written beside its final name
 * and renamed into place.
 *
 * This file holds the data, the scales, the layout and the writing;
 * chart_draw.c paints the laid-out chart (chart_int.h between them).
 */
#include "chart_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw_int.h"
#include "fmt.h"
#include "png.h"

#ifndef M_SQRT1_2
#define M_SQRT1_2 0.70710678118654752440
#endif

#define CHART_MIN_SIDE 200
#define CHART_MAX_SIDE 8000

static char *dup_str(const char *s)
{
    return strdup(s ? s : "");
}

rs_chart *rs_chart_new(rs_ctx *ctx, const char *title, const char *x_label, const char *y_label,
                       size_t n_labels, const char *const *labels)
{
    rs_chart *c = calloc(1, sizeof *c);
    if (c == NULL)
        goto oom;
    c->ctx = ctx;
    c->title = dup_str(title);
    c->x_label = dup_str(x_label);
    c->y_label = dup_str(y_label);
    if (c->title == NULL || c->x_label == NULL || c->y_label == NULL)
        goto oom;
    if (labels) {
        c->labels = calloc(n_labels ? n_labels : 1, sizeof *c->labels);
        if (c->labels == NULL)
            goto oom;
        c->n_labels = n_labels;
        for (size_t i = 0; i < n_labels; i++)
            if ((c->labels[i] = dup_str(labels[i])) == NULL)
                goto oom;
    }
    return c;
oom:
    rs_chart_free(c);
    if (ctx)
        rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    return NULL;
}

void rs_chart_free(rs_chart *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->ns; i++) {
        free(c->s[i].name);
        free(c->s[i].x);
        free(c->s[i].y);
        free(c->s[i].low);
        free(c->s[i].high);
    }
    free(c->s);
    for (size_t i = 0; c->labels && i < c->n_labels; i++)
        free(c->labels[i]);
    free(c->labels);
    free(c->title);
    free(c->x_label);
    free(c->y_label);
    free(c);
}

static double *dup_arr(const double *a, size_t n, int *bad)
{
    if (a == NULL)
        return NULL;
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (d == NULL) {
        *bad = 1;
        return NULL;
    }
    memcpy(d, a, n * sizeof *d);
    return d;
}

int rs_chart_series(rs_chart *c, const char *name, size_t n, const double *x, const double *y,
                    const double *low, const double *high, int step)
{
    if (c == NULL)
        return RS_EUSAGE;
    rs_err *e = rs_ctx_err(c->ctx);
    if (y == NULL || (x == NULL && c->labels == NULL) || ((low == NULL) != (high == NULL)))
        return rs_err_set(e, RS_EUSAGE,
                          "rs_chart_series: y (and x on a numeric axis) are required; a band "
                          "needs both low and high");
    if (c->labels && n > c->n_labels)
        return rs_err_set(e, RS_EUSAGE, "rs_chart_series: %zu points for %zu x labels", n,
                          c->n_labels);
    if (c->ns == c->cap) {
        size_t nc = c->cap ? 2 * c->cap : 4;
        series *ns = realloc(c->s, nc * sizeof *ns);
        if (ns == NULL)
            return rs_err_set(e, RS_ENOMEM, "out of memory");
        c->s = ns;
        c->cap = nc;
    }
    series *s = &c->s[c->ns];
    int bad = 0;
    memset(s, 0, sizeof *s);
    s->name = dup_str(name);
    s->n = n;
    s->step = step != 0;
    s->style = -1;
    s->marker_scale = 1;
    s->x = dup_arr(x, n, &bad);
    s->y = dup_arr(y, n, &bad);
    s->low = dup_arr(low, n, &bad);
    s->high = dup_arr(high, n, &bad);
    if (bad || s->name == NULL) {
        free(s->name);
        free(s->x);
        free(s->y);
        free(s->low);
        free(s->high);
        return rs_err_set(e, RS_ENOMEM, "out of memory");
    }
    c->ns++;
    return RS_OK;
}

int rs_chart_series_points(rs_chart *c)
{
    if (c == NULL || c->ns == 0)
        return RS_EUSAGE;
    c->s[c->ns - 1].points = 1;
    return RS_OK;
}

int rs_chart_series_style(rs_chart *c, size_t style, double marker_scale)
{
    if (c == NULL || c->ns == 0 || !(marker_scale > 0 && marker_scale <= 4))
        return RS_EUSAGE;
    c->s[c->ns - 1].style = (int)style;
    c->s[c->ns - 1].marker_scale = marker_scale;
    return RS_OK;
}

/* ---- scales --------------------------------------------------------------- */

/* A range from lo to hi with about target round ticks; pad widens the
 * range out to whole ticks. */
static axis make_axis(double lo, double hi, int pad, int target)
{
    axis a;
    if (!(hi > lo)) {
        if (lo == 0 && hi == 0) {
            lo = 0;
            hi = 1;
        } else {
            double m = fabs(lo) > 0 ? fabs(lo) * 0.1 : 1;
            lo -= m;
            hi += m;
        }
    }
    a.step = rs_draw_nice_step((hi - lo) / target);
    if (pad) {
        a.min = floor(lo / a.step) * a.step;
        a.max = ceil(hi / a.step) * a.step;
    } else {
        a.min = lo;
        a.max = hi;
    }
    a.decimals = rs_draw_step_decimals(a.step);
    return a;
}

/* ---- layout --------------------------------------------------------------- */

/* The data range of every finite value (bands included). */
static int data_range(const rs_chart *c, double *ylo, double *yhi, double *xlo, double *xhi)
{
    int any = 0;
    *ylo = INFINITY;
    *yhi = -INFINITY;
    *xlo = INFINITY;
    *xhi = -INFINITY;
    for (size_t k = 0; k < c->ns; k++) {
        const series *s = &c->s[k];
        for (size_t i = 0; i < s->n; i++) {
            double v[3] = {s->y[i], s->low ? s->low[i] : NAN, s->high ? s->high[i] : NAN};
            int point = 0;
            for (int j = 0; j < 3; j++)
                if (isfinite(v[j])) {
                    *ylo = fmin(*ylo, v[j]);
                    *yhi = fmax(*yhi, v[j]);
                    point = 1;
                }
            if (point && isfinite(sx(s, i))) {
                *xlo = fmin(*xlo, sx(s, i));
                *xhi = fmax(*xhi, sx(s, i));
                any = 1;
            }
        }
    }
    return any;
}

/* Label spacing: the smallest k in 1, 2, 3, 4, 6, 12, 24, 36 ... with
 * k * per >= need. */
static size_t thin_every(double need, double per)
{
    static const size_t ks[] = {1, 2, 3, 4, 6, 12};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
        if (ks[i] * per >= need)
            return ks[i];
    size_t k = 24;
    while (k * per < need)
        k += 12;
    return k;
}

static void do_layout(const rs_chart *c, cairo_t *cr, int width, int height, int any,
                      double ylo, double yhi, double xlo, double xhi, layout *L)
{
    memset(L, 0, sizeof *L);
    L->W = width;
    L->H = height;
    double sc = fmin(width / 1000.0, height / 600.0);
    L->scale = sc < 0.6 ? 0.6 : sc > 3 ? 3 : sc;
    L->fs_title = 20 * L->scale;
    L->fs_label = 14 * L->scale;
    L->fs_tick = 12.5 * L->scale;
    L->fs_legend = 13 * L->scale;
    double pad = 14 * L->scale;

    if (!any) {
        ylo = 0;
        yhi = 1;
        xlo = 0;
        xhi = 1;
    }
    if (ylo >= 0)
        ylo = 0;
    L->ya = make_axis(ylo, yhi, 1, 6);
    L->categorical = c->labels != NULL;
    L->ncat = c->n_labels;
    if (!L->categorical)
        L->xa = make_axis(xlo, xhi, 1, 6);

    /* top: title, legend row */
    cairo_font_extents_t fe;
    rs_draw_font(cr, L->fs_title, 1);
    cairo_font_extents(cr, &fe);
    double y = pad + fe.height;
    rs_draw_font(cr, L->fs_legend, 0);
    cairo_font_extents(cr, &fe);
    if (c->ns > 0)
        y += 0.6 * pad + fe.height;
    L->top = y + pad;

    /* left: y label (rotated) and tick labels */
    rs_draw_font(cr, L->fs_tick, 0);
    double tw = 0;
    char buf[64];
    for (double v = L->ya.min; v <= L->ya.max + L->ya.step * 1e-9; v += L->ya.step) {
        rs_fmt_grouped(buf, sizeof buf, v, L->ya.decimals, 5);
        tw = fmax(tw, rs_draw_text_w(cr, buf));
    }
    rs_draw_font(cr, L->fs_label, 0);
    cairo_font_extents(cr, &fe);
    double label_h = c->y_label[0] ? fe.height + 0.6 * pad : 0;
    L->left = pad + label_h + tw + 8 * L->scale;

    /* right: room for half the last x label */
    rs_draw_font(cr, L->fs_tick, 0);
    cairo_font_extents(cr, &fe);
    double tick_h = fe.height;
    double maxw = 0;
    for (size_t i = 0; L->categorical && i < L->ncat; i++)
        maxw = fmax(maxw, rs_draw_text_w(cr, c->labels[i]));
    L->right = L->W - fmax(2 * pad, L->categorical ? 0 : 30 * L->scale);

    /* bottom: x tick labels and the x label */
    double below = 8 * L->scale + tick_h;
    L->every = 1;
    if (L->categorical && L->ncat > 0) {
        double per = (L->right - L->left) / (double)L->ncat;
        if (maxw + 10 * L->scale <= per) {
            L->rotate = 0;
        } else {
            L->rotate = 1;
            L->every = thin_every(1.9 * tick_h, per);
            below = 8 * L->scale + maxw * M_SQRT1_2 + tick_h * M_SQRT1_2 + 4 * L->scale;
        }
    }
    rs_draw_font(cr, L->fs_label, 0);
    cairo_font_extents(cr, &fe);
    double xlab_h = c->x_label[0] ? fe.height + 0.6 * pad : 0;
    L->bottom = L->H - pad - xlab_h - below;
    if (L->bottom - L->top < 40)
        L->bottom = L->top + 40; /* absurdly small image: draw anyway */
}

/* ---- output --------------------------------------------------------------- */

int rs_chart_write_png(rs_chart *c, const char *path, int width, int height)
{
    if (c == NULL)
        return RS_EUSAGE;
    rs_err *e = rs_ctx_err(c->ctx);
    if (path == NULL || *path == '\0')
        return rs_err_set(e, RS_EUSAGE, "rs_chart_write_png: no path");
    if (width < CHART_MIN_SIDE || width > CHART_MAX_SIDE || height < CHART_MIN_SIDE ||
        height > CHART_MAX_SIDE)
        return rs_err_set(e, RS_EUSAGE, "chart size %dx%d: each side must be %d to %d pixels",
                          width, height, CHART_MIN_SIDE, CHART_MAX_SIDE);

    int rc = RS_OK;
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    cairo_t *cr = cairo_create(surf);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        rc = rs_err_set(e, RS_ENOMEM, "chart: %s", cairo_status_to_string(cairo_status(cr)));
        goto done;
    }
    double ylo, yhi, xlo, xhi;
    int any = data_range(c, &ylo, &yhi, &xlo, &xhi);
    layout L;
    do_layout(c, cr, width, height, any, ylo, yhi, xlo, xhi, &L);
    rs_chart_render(c, cr, &L, any);
    cairo_surface_flush(surf);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        rc = rs_err_set(e, RS_ERR, "chart: drawing failed: %s",
                        cairo_status_to_string(cairo_status(cr)));
        goto done;
    }

    rc = rs_png_write(e, surf, path);
done:
    cairo_destroy(cr);
    cairo_surface_destroy(surf);
    return rc;
}
