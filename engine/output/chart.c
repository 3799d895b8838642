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
 */
#include "chart.h"
#include "draw_int.h"
#include "fmt.h"
#include "png.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_SQRT1_2
#define M_SQRT1_2 0.70710678118654752440
#endif

#define CHART_MIN_SIDE 200
#define CHART_MAX_SIDE 8000

typedef struct series {
    char *name;
    size_t n;
    double *x, *y, *low, *high; /* x NULL on a categorical chart given none */
    int step;
} series;

struct rs_chart {
    rs_ctx *ctx;
    char *title, *x_label, *y_label;
    size_t n_labels;
    char **labels; /* NULL: numeric x */
    series *s;
    size_t ns, cap;
};

typedef struct style {
    double r, g, b;
    double width;
    double dash[4];
    int ndash;
    int marker; /* 0 circle, 1 square, 2 triangle, 3 diamond */
} style;

static const style styles[] = {
    {0.106, 0.184, 0.373, 2.6, {0}, 0, 0},        /* dark navy, solid */
    {0.871, 0.459, 0.063, 2.4, {9, 5}, 2, 1},     /* orange, dashed */
    {0.302, 0.737, 0.757, 2.6, {1.5, 4.5}, 2, 2}, /* light teal, dotted */
    {0.45, 0.45, 0.45, 2.2, {10, 4, 2, 4}, 4, 3}, /* grey, dash-dot */
};
#define NSTYLES (sizeof styles / sizeof styles[0])

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

/* ---- scales --------------------------------------------------------------- */

typedef struct axis {
    double min, max, step;
    int decimals;
} axis;

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

static double px_x(const layout *L, double x)
{
    if (L->categorical)
        return L->left + (x + 0.5) * (L->right - L->left) / (double)(L->ncat ? L->ncat : 1);
    return L->left + (x - L->xa.min) / (L->xa.max - L->xa.min) * (L->right - L->left);
}

static double px_y(const layout *L, double y)
{
    return L->bottom - (y - L->ya.min) / (L->ya.max - L->ya.min) * (L->bottom - L->top);
}

static double sx(const series *s, size_t i)
{
    return s->x ? s->x[i] : (double)i;
}

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

/* ---- drawing -------------------------------------------------------------- */

static void use_style(cairo_t *cr, const style *st, double scale, double alpha)
{
    cairo_set_source_rgba(cr, st->r, st->g, st->b, alpha);
    cairo_set_line_width(cr, st->width * scale);
    double d[4];
    for (int i = 0; i < st->ndash; i++)
        d[i] = st->dash[i] * scale;
    cairo_set_dash(cr, d, st->ndash, 0);
    cairo_set_line_cap(cr, st->ndash == 2 && st->dash[0] < 2 ? CAIRO_LINE_CAP_ROUND
                                                               : CAIRO_LINE_CAP_BUTT);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
}

static void marker(cairo_t *cr, const style *st, double x, double y, double r)
{
    cairo_new_path(cr);
    switch (st->marker) {
    case 0:
        cairo_arc(cr, x, y, r, 0, 2 * M_PI);
        break;
    case 1:
        cairo_rectangle(cr, x - r * 0.9, y - r * 0.9, 1.8 * r, 1.8 * r);
        break;
    case 2:
        cairo_move_to(cr, x, y - 1.15 * r);
        cairo_line_to(cr, x + r, y + 0.75 * r);
        cairo_line_to(cr, x - r, y + 0.75 * r);
        cairo_close_path(cr);
        break;
    default:
        cairo_move_to(cr, x, y - 1.2 * r);
        cairo_line_to(cr, x + r, y);
        cairo_line_to(cr, x, y + 1.2 * r);
        cairo_line_to(cr, x - r, y);
        cairo_close_path(cr);
        break;
    }
    cairo_set_dash(cr, NULL, 0, 0);
    if (st->marker == 1) { /* open square: white inside */
        cairo_save(cr);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill_preserve(cr);
        cairo_restore(cr);
        cairo_stroke(cr);
    } else {
        cairo_fill(cr);
    }
}

static void draw_band(cairo_t *cr, const layout *L, const series *s, const style *st)
{
    size_t i = 0;
    cairo_set_source_rgba(cr, st->r, st->g, st->b, 0.18);
    while (i < s->n) {
        while (i < s->n && !(isfinite(s->low[i]) && isfinite(s->high[i]) && isfinite(sx(s, i))))
            i++;
        size_t j = i;
        while (j < s->n && isfinite(s->low[j]) && isfinite(s->high[j]) && isfinite(sx(s, j)))
            j++;
        if (j > i) { /* segment [i, j) */
            cairo_new_path(cr);
            double hw = (j - i == 1 && L->categorical)
                            ? 0.18 * (L->right - L->left) / (double)(L->ncat ? L->ncat : 1)
                            : 0;
            cairo_move_to(cr, px_x(L, sx(s, i)) - hw, px_y(L, s->high[i]));
            for (size_t k = i + 1; k < j; k++) {
                if (s->step)
                    cairo_line_to(cr, px_x(L, sx(s, k)), px_y(L, s->high[k - 1]));
                cairo_line_to(cr, px_x(L, sx(s, k)), px_y(L, s->high[k]));
            }
            cairo_line_to(cr, px_x(L, sx(s, j - 1)) + hw, px_y(L, s->high[j - 1]));
            cairo_line_to(cr, px_x(L, sx(s, j - 1)) + hw, px_y(L, s->low[j - 1]));
            for (size_t k = j - 1; k > i; k--) {
                cairo_line_to(cr, px_x(L, sx(s, k)), px_y(L, s->low[k]));
                if (s->step)
                    cairo_line_to(cr, px_x(L, sx(s, k)), px_y(L, s->low[k - 1]));
            }
            cairo_line_to(cr, px_x(L, sx(s, i)) - hw, px_y(L, s->low[i]));
            cairo_close_path(cr);
            cairo_fill(cr);
        }
        i = j;
    }
}

static void draw_line(cairo_t *cr, const layout *L, const series *s, const style *st)
{
    use_style(cr, st, L->scale, 1);
    cairo_new_path(cr);
    int pen = 0;
    double prev_y = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!isfinite(s->y[i]) || !isfinite(sx(s, i))) {
            pen = 0;
            continue;
        }
        double x = px_x(L, sx(s, i)), y = px_y(L, s->y[i]);
        if (!pen)
            cairo_move_to(cr, x, y);
        else {
            if (s->step)
                cairo_line_to(cr, x, prev_y);
            cairo_line_to(cr, x, y);
        }
        pen = 1;
        prev_y = y;
    }
    cairo_stroke(cr);
    /* Markers on sparse categorical series (and on isolated points, which
     * would otherwise not show). */
    int many = !L->categorical || s->n > 60;
    for (size_t i = 0; i < s->n; i++) {
        if (!isfinite(s->y[i]) || !isfinite(sx(s, i)))
            continue;
        int alone = (i == 0 || !isfinite(s->y[i - 1])) && (i + 1 >= s->n || !isfinite(s->y[i + 1]));
        if (many && !alone)
            continue;
        cairo_set_line_width(cr, 1.6 * L->scale);
        cairo_set_source_rgb(cr, st->r, st->g, st->b);
        marker(cr, st, px_x(L, sx(s, i)), px_y(L, s->y[i]), 3.6 * L->scale);
    }
}

static void render(const rs_chart *c, cairo_t *cr, const layout *L, int any)
{
    const double sc = L->scale;
    cairo_font_extents_t fe;
    char buf[64];

    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);

    /* title */
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    rs_draw_font(cr, L->fs_title, 1);
    cairo_font_extents(cr, &fe);
    double pad = 14 * sc;
    rs_draw_text(cr, L->left, pad + fe.ascent, c->title, 0);
    double ty = pad + fe.height;

    /* legend row */
    if (c->ns > 0) {
        rs_draw_font(cr, L->fs_legend, 0);
        cairo_font_extents(cr, &fe);
        double lx = L->left, ly = ty + 0.6 * pad + fe.ascent;
        double mid = ly - fe.ascent * 0.35;
        for (size_t k = 0; k < c->ns; k++) {
            const series *s = &c->s[k];
            const style *st = &styles[k % NSTYLES];
            double sw = 34 * sc;
            if (s->low) {
                cairo_set_source_rgba(cr, st->r, st->g, st->b, 0.18);
                cairo_rectangle(cr, lx, mid - 7 * sc, sw, 14 * sc);
                cairo_fill(cr);
            }
            use_style(cr, st, sc, 1);
            cairo_move_to(cr, lx, mid);
            cairo_line_to(cr, lx + sw, mid);
            cairo_stroke(cr);
            cairo_set_line_width(cr, 1.6 * sc);
            marker(cr, st, lx + sw / 2, mid, 3.6 * sc);
            cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
            char name[300];
            snprintf(name, sizeof name, "%s%s", s->name, s->low ? " (95% CI shaded)" : "");
            rs_draw_text(cr, lx + sw + 6 * sc, ly, name, 0);
            lx += sw + 6 * sc + rs_draw_text_w(cr, name) + 22 * sc;
        }
    }

    /* gridlines and y ticks */
    rs_draw_font(cr, L->fs_tick, 0);
    cairo_font_extents(cr, &fe);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_width(cr, 1);
    for (double v = L->ya.min; v <= L->ya.max + L->ya.step * 1e-9; v += L->ya.step) {
        double y = round(px_y(L, v)) + 0.5;
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, L->left, y);
        cairo_line_to(cr, L->right, y);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        rs_fmt_grouped(buf, sizeof buf, v, L->ya.decimals, 5);
        rs_draw_text(cr, L->left - 8 * sc, y + fe.ascent * 0.36, buf, 1);
    }

    /* x ticks and labels */
    double tick_y = L->bottom + 8 * sc;
    if (L->categorical) {
        for (size_t i = 0; i < L->ncat; i += L->every) {
            double x = round(px_x(L, (double)i)) + 0.5;
            cairo_set_source_rgb(cr, 0.94, 0.94, 0.94);
            cairo_move_to(cr, x, L->top);
            cairo_line_to(cr, x, L->bottom);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
            cairo_move_to(cr, x, L->bottom);
            cairo_line_to(cr, x, L->bottom + 5 * sc);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
            if (!L->rotate) {
                rs_draw_text(cr, x, tick_y + fe.ascent, c->labels[i], 0.5);
            } else {
                cairo_save(cr);
                cairo_translate(cr, x + fe.ascent * 0.3, tick_y);
                cairo_rotate(cr, -M_PI / 4);
                rs_draw_text(cr, 0, fe.ascent * 0.3, c->labels[i], 1);
                cairo_restore(cr);
            }
        }
    } else {
        double first = ceil(L->xa.min / L->xa.step - 1e-9) * L->xa.step;
        for (double v = first; v <= L->xa.max + L->xa.step * 1e-9; v += L->xa.step) {
            double x = round(px_x(L, v)) + 0.5;
            cairo_set_source_rgb(cr, 0.94, 0.94, 0.94);
            cairo_move_to(cr, x, L->top);
            cairo_line_to(cr, x, L->bottom);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
            cairo_move_to(cr, x, L->bottom);
            cairo_line_to(cr, x, L->bottom + 5 * sc);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
            rs_fmt_grouped(buf, sizeof buf, v, L->xa.decimals, 5);
            rs_draw_text(cr, x, tick_y + fe.ascent, buf, 0.5);
        }
    }

    /* axis labels */
    rs_draw_font(cr, L->fs_label, 0);
    cairo_font_extents(cr, &fe);
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    if (c->x_label[0])
        rs_draw_text(cr, (L->left + L->right) / 2, L->H - pad - fe.descent, c->x_label, 0.5);
    if (c->y_label[0]) {
        cairo_save(cr);
        cairo_translate(cr, pad + fe.ascent, (L->top + L->bottom) / 2);
        cairo_rotate(cr, -M_PI / 2);
        rs_draw_text(cr, 0, 0, c->y_label, 0.5);
        cairo_restore(cr);
    }

    /* data, clipped to the plot area */
    cairo_save(cr);
    cairo_rectangle(cr, L->left, L->top - 6 * sc, L->right - L->left,
                    L->bottom - L->top + 6 * sc);
    cairo_clip(cr);
    for (size_t k = 0; k < c->ns; k++)
        if (c->s[k].low)
            draw_band(cr, L, &c->s[k], &styles[k % NSTYLES]);
    for (size_t k = c->ns; k-- > 0;) /* first series on top */
        draw_line(cr, L, &c->s[k], &styles[k % NSTYLES]);
    cairo_restore(cr);

    /* axes */
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_width(cr, 1.2 * sc);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_move_to(cr, L->left, L->top);
    cairo_line_to(cr, L->left, L->bottom);
    cairo_line_to(cr, L->right, L->bottom);
    cairo_stroke(cr);

    if (!any) {
        rs_draw_font(cr, L->fs_label, 0);
        cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
        rs_draw_text(cr, (L->left + L->right) / 2, (L->top + L->bottom) / 2, "no data", 0.5);
    }
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
    render(c, cr, &L, any);
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
