/*
 * chart_draw.c — painting a laid-out chart (see chart_int.h): the series
 * styles, confidence bands, lines and markers, gridlines, ticks, axis
 * labels and the legend row.
 */
#include "chart_int.h"

#include <math.h>
#include <stdio.h>

#include "draw_int.h"
#include "fmt.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

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

static const style *style_of(const series *s, size_t k)
{
    return &styles[(s->style >= 0 ? (size_t)s->style : k) % NSTYLES];
}

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
    if (s->points) { /* a scatter: every point a marker, nothing joined */
        for (size_t i = 0; i < s->n; i++) {
            if (!isfinite(s->y[i]) || !isfinite(sx(s, i)))
                continue;
            cairo_set_line_width(cr, 1.6 * L->scale);
            cairo_set_source_rgb(cr, st->r, st->g, st->b);
            marker(cr, st, px_x(L, sx(s, i)), px_y(L, s->y[i]),
                   3.6 * L->scale * s->marker_scale);
        }
        return;
    }
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
        marker(cr, st, px_x(L, sx(s, i)), px_y(L, s->y[i]), 3.6 * L->scale * s->marker_scale);
    }
}

/* The faint vertical gridline and the tick mark at pixel x, leaving the
 * source set for the tick's label. */
static void x_tick(cairo_t *cr, const layout *L, double x)
{
    cairo_set_source_rgb(cr, 0.94, 0.94, 0.94);
    cairo_move_to(cr, x, L->top);
    cairo_line_to(cr, x, L->bottom);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_move_to(cr, x, L->bottom);
    cairo_line_to(cr, x, L->bottom + 5 * L->scale);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
}

void rs_chart_render(const rs_chart *c, cairo_t *cr, const layout *L, int any)
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
            const style *st = style_of(&c->s[k], k);
            double sw = 34 * sc;
            if (s->low) {
                cairo_set_source_rgba(cr, st->r, st->g, st->b, 0.18);
                cairo_rectangle(cr, lx, mid - 7 * sc, sw, 14 * sc);
                cairo_fill(cr);
            }
            use_style(cr, st, sc, 1);
            if (!s->points) {
                cairo_move_to(cr, lx, mid);
                cairo_line_to(cr, lx + sw, mid);
                cairo_stroke(cr);
            }
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
            x_tick(cr, L, x);
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
            x_tick(cr, L, x);
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
            draw_band(cr, L, &c->s[k], style_of(&c->s[k], k));
    for (size_t k = c->ns; k-- > 0;) /* first series on top */
        draw_line(cr, L, &c->s[k], style_of(&c->s[k], k));
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
