/*
 * map_page.c — the page around a map's frame (see map_int.h and map.h for
 * the layout): the title band, the legend column (caption, colour bar with
 * ticks in real units, no-data swatch, point legends), the footer (scale
 * bar, north arrow, attribution); and the whole page rendered and written
 * as a PNG.
 */
#include "map_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "draw_int.h"
#include "fmt.h"
#include "png.h"

#define UTF8_GE "\xe2\x89\xa5" /* ≥ */

static void draw_titles(const rs_map *m, cairo_t *cr)
{
    const layout *l = &m->lay;
    double maxw = l->w - 2 * l->margin;
    if (m->title) {
        rs_draw_fit_font(cr, m->title, 28 * l->u, 18 * l->u, 1, maxw);
        rs_draw_hex(cr, C_TEXT);
        rs_draw_text_clipped(cr, l->margin, R(l, 50), m->title, maxw);
    }
    if (m->subtitle) {
        rs_draw_fit_font(cr, m->subtitle, 16 * l->u, 12 * l->u, 0, maxw);
        rs_draw_hex(cr, C_SUBTEXT);
        rs_draw_text_clipped(cr, l->margin, R(l, 78), m->subtitle, maxw);
    }
}

static void draw_legend(const rs_map *m, cairo_t *cr, double smax)
{
    const layout *l = &m->lay;
    int x = l->mx + l->mw + R(l, 32);
    double maxw = l->w - l->margin - x;
    double y = l->my;

    /* caption: up to three lines, smaller type when it needs more */
    const char *cap = m->legend_label ? m->legend_label : "value";
    char *lines[3] = {NULL, NULL, NULL};
    int nl = 0;
    double fs = 15 * l->u;
    for (;;) {
        rs_draw_font(cr, fs, 1);
        nl = rs_draw_wrap(cr, cap, maxw, lines, 3);
        if (nl <= 2 || fs <= 12.5 * l->u)
            break;
        for (int i = 0; i < nl; i++)
            free(lines[i]);
        fs -= 1 * l->u;
    }
    if (nl >= 2 && nl < 3) {
        /* balance the lines: the narrowest width that needs no more lines */
        double w = maxw, step = 4 * l->u;
        while (w - step > maxw * 0.3) {
            char *t[3] = {NULL, NULL, NULL};
            int n2 = rs_draw_wrap(cr, cap, w - step, t, 3);
            for (int i = 0; i < n2; i++)
                free(t[i]);
            if (n2 != nl)
                break;
            w -= step;
        }
        if (w < maxw) {
            for (int i = 0; i < nl; i++)
                free(lines[i]);
            nl = rs_draw_wrap(cr, cap, w, lines, 3);
        }
    }
    rs_draw_hex(cr, C_TEXT);
    for (int i = 0; i < nl; i++) {
        y += fs * 1.3;
        rs_draw_text_clipped(cr, x, y, lines[i], maxw);
        free(lines[i]);
    }
    y += R(l, 16);

    /* space below the bar: the no-data note and one row per point legend */
    int has_fill = rs_map_has_kind(m, L_FILL), has_ras = rs_map_has_kind(m, L_RASTER);
    double row = R(l, 26);
    size_t npl = 0;
    for (size_t i = 0; i < m->nlayers; i++)
        if ((m->layers[i].kind == L_POINTS || m->layers[i].kind == L_CONTEXT) &&
            m->layers[i].legend)
            npl++;
    int has_wh = rs_map_has_kind(m, L_WITHHELD);
    double below = R(l, 24) + row * (double)(1 + npl + (has_wh ? 1 : 0));
    double bar_h = l->my + l->mh - y - below;
    if (bar_h > R(l, 340))
        bar_h = R(l, 340);
    if (bar_h < R(l, 100))
        bar_h = R(l, 100);
    double bar_w = R(l, 26), by0 = y, by1 = y + bar_h;

    /* the colour bar: 0 at the bottom, scale_max at the top */
    cairo_pattern_t *grad = cairo_pattern_create_linear(0, by1, 0, by0);
    rs_map_ramp_stops(grad);
    cairo_rectangle(cr, x, by0, bar_w, bar_h);
    cairo_set_source(cr, grad);
    cairo_fill_preserve(cr);
    cairo_pattern_destroy(grad);
    rs_draw_hex(cr, 0x555555);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);

    /* ticks in real units; the top one says the maximum ("≥" when the
     * scale was fixed: larger values are drawn in the top colour) */
    int dec = 0;
    double step = rs_draw_legend_step(smax, &dec);
    double tfs = 13 * l->u;
    rs_draw_font(cr, tfs, 0);
    double tx = x + bar_w + R(l, 10);
    char buf[96], num[64];
    int top_is_tick = fabs(smax / step - round(smax / step)) < 1e-9;
    int tdec = dec;
    if (!top_is_tick) {
        int sig = 2 - (int)floor(log10(smax));
        tdec = sig > tdec ? sig : tdec;
        if (tdec > 6)
            tdec = 6;
    }
    for (int k = 0;; k++) {
        double v = k * step;
        if (v > smax * (1 + 1e-9))
            break;
        double ty = by1 - v / smax * bar_h;
        int is_top = fabs(v - smax) <= smax * 1e-9;
        if (!is_top && (by1 - ty) > bar_h - 1.3 * tfs && !top_is_tick)
            continue; /* would collide with the top label */
        if (is_top)
            break; /* drawn below with its own text */
        cairo_move_to(cr, x + bar_w - R(l, 5), ty);
        cairo_line_to(cr, x + bar_w + R(l, 4), ty);
        rs_draw_hex(cr, 0x333333);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
        rs_fmt_grouped(num, sizeof num, v, dec, 4);
        rs_draw_hex(cr, C_TEXT);
        rs_draw_text(cr, tx, ty + 0.36 * tfs, num, 0);
    }
    rs_fmt_grouped(num, sizeof num, smax, tdec, 4);
    if (!top_is_tick)
        rs_draw_trim_zeros(num);
    snprintf(buf, sizeof buf, "%s%s", m->fixed_max > 0 ? UTF8_GE " " : "", num);
    cairo_move_to(cr, x + bar_w - R(l, 5), by0);
    cairo_line_to(cr, x + bar_w + R(l, 4), by0);
    rs_draw_hex(cr, 0x333333);
    cairo_stroke(cr);
    rs_draw_hex(cr, C_TEXT);
    rs_draw_text(cr, tx, by0 + 0.36 * tfs, buf, 0);

    /* withheld / no data: what the background means */
    y = by1 + R(l, 24);
    double sw = bar_w, sh = R(l, 16);
    double text_x = x + bar_w + R(l, 10);
    const char *note = has_ras && has_fill && !has_wh ? "zero, withheld or no data"
                       : has_ras                      ? "zero or no data"
                       : has_wh                       ? "no data"
                                                      : "withheld / no data";
    cairo_rectangle(cr, x + 0.5, y + 0.5, sw, sh);
    rs_draw_hex(cr, C_PAGE);
    cairo_fill_preserve(cr);
    rs_draw_hex(cr, C_NODATA_EDGE);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    rs_draw_hex(cr, C_TEXT);
    rs_draw_text_clipped(cr, text_x, y + sh / 2 + 0.36 * tfs, note, l->w - l->margin - text_x);
    y += row;
    if (has_wh) {
        cairo_rectangle(cr, x + 0.5, y + 0.5, sw, sh);
        rs_draw_hex(cr, C_WITHHELD);
        cairo_fill_preserve(cr);
        rs_draw_hex(cr, C_NODATA_EDGE);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
        rs_draw_hex(cr, C_TEXT);
        rs_draw_text_clipped(cr, text_x, y + sh / 2 + 0.36 * tfs, m->withheld_legend,
                             l->w - l->margin - text_x);
        y += row;
    }

    for (size_t i = 0; i < m->nlayers; i++) {
        const layer *ly = &m->layers[i];
        if (ly->kind != L_POINTS || !ly->legend)
            continue;
        double cy = y + sh / 2;
        rs_map_marker(cr, l, x + bar_w / 2, cy, ly->fill);
        rs_draw_font(cr, tfs, 0);
        rs_draw_hex(cr, C_TEXT);
        rs_draw_text_clipped(cr, text_x, cy + 0.36 * tfs, ly->legend, l->w - l->margin - text_x);
        y += row;
    }
    for (size_t i = 0; i < m->nlayers; i++) {
        const layer *ly = &m->layers[i];
        if (ly->kind != L_CONTEXT || !ly->legend)
            continue;
        double cy = y + sh / 2;
        if (ly->ckind == RS_CONTEXT_POINTS) {
            rs_map_place_marker(cr, l, x + bar_w / 2, cy);
        } else {
            cairo_new_path(cr);
            cairo_move_to(cr, x, cy);
            cairo_line_to(cr, x + bar_w, cy);
            rs_map_context_line(cr, l, ly->ckind);
        }
        rs_draw_font(cr, tfs, 0);
        rs_draw_hex(cr, C_TEXT);
        rs_draw_text_clipped(cr, text_x, cy + 0.36 * tfs, ly->legend, l->w - l->margin - text_x);
        y += row;
    }
}

/* The note of an empty map: one bold line (smaller when it must be) on a
 * white box with a frame, across the middle of the map area. */
static void draw_note(const rs_map *m, cairo_t *cr)
{
    const layout *l = &m->lay;
    if (m->note == NULL)
        return;
    double maxw = l->mw - R(l, 60);
    double fs = rs_draw_fit_font(cr, m->note, 24 * l->u, 12 * l->u, 1, maxw);
    double w = rs_draw_text_w(cr, m->note);
    if (w > maxw)
        w = maxw;
    double pad = R(l, 14), cx = l->mx + l->mw / 2.0, cy = l->my + l->mh / 2.0;
    cairo_rectangle(cr, cx - w / 2 - pad + 0.5, cy - fs / 2 - pad + 0.5, w + 2 * pad,
                    fs + 2 * pad);
    rs_draw_hex(cr, C_PAGE);
    cairo_fill_preserve(cr);
    rs_draw_hex(cr, C_OUTLINE);
    cairo_set_line_width(cr, 1.5 * l->u);
    cairo_stroke(cr);
    rs_draw_hex(cr, C_TEXT);
    rs_draw_text_clipped(cr, cx - w / 2, cy + 0.36 * fs, m->note, maxw);
}

static void draw_scale_bar(const rs_map *m, cairo_t *cr)
{
    const layout *l = &m->lay;
    double len_m = rs_draw_round_length(l->mw / 5.0 / m->scale);
    double len = len_m * m->scale;
    double x0 = l->mx + 0.5, y0 = l->my + l->mh + R(l, 16) + 0.5, bh = R(l, 7);
    for (int i = 0; i < 4; i++) {
        cairo_rectangle(cr, x0 + i * len / 4, y0, len / 4, bh);
        rs_draw_hex(cr, i % 2 ? C_PAGE : 0x333333);
        cairo_fill(cr);
    }
    cairo_rectangle(cr, x0, y0, len, bh);
    rs_draw_hex(cr, 0x333333);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);

    char num[64], unit[8];
    if (len_m >= 1000) {
        rs_fmt_grouped(num, sizeof num, len_m / 1000, 0, 4);
        snprintf(unit, sizeof unit, " km");
    } else {
        rs_fmt_grouped(num, sizeof num, len_m, 0, 4);
        snprintf(unit, sizeof unit, " m");
    }
    double fs = 12 * l->u, ty = y0 + bh + R(l, 16);
    rs_draw_font(cr, fs, 0);
    rs_draw_hex(cr, C_TEXT);
    rs_draw_text(cr, x0, ty, "0", 0.5);
    double nw = rs_draw_text_w(cr, num);
    cairo_move_to(cr, x0 + len - nw / 2, ty);
    cairo_show_text(cr, num);
    cairo_show_text(cr, unit);
}

static void draw_north_arrow(const rs_map *m, cairo_t *cr)
{
    const layout *l = &m->lay;
    double cx = l->mx + l->mw - R(l, 14), top = l->my + l->mh;
    rs_draw_font(cr, 14 * l->u, 1);
    rs_draw_hex(cr, C_TEXT);
    rs_draw_text(cr, cx, top + R(l, 26), "N", 0.5);
    double tip = top + R(l, 31), base = top + R(l, 56), notch = top + R(l, 50);
    double hw = 8 * l->u;
    /* left half dark, right half white, one outline */
    cairo_move_to(cr, cx, tip);
    cairo_line_to(cr, cx - hw, base);
    cairo_line_to(cr, cx, notch);
    cairo_close_path(cr);
    rs_draw_hex(cr, C_TEXT);
    cairo_fill(cr);
    cairo_move_to(cr, cx, tip);
    cairo_line_to(cr, cx + hw, base);
    cairo_line_to(cr, cx, notch);
    cairo_close_path(cr);
    rs_draw_hex(cr, C_PAGE);
    cairo_fill(cr);
    cairo_move_to(cr, cx, tip);
    cairo_line_to(cr, cx - hw, base);
    cairo_line_to(cr, cx, notch);
    cairo_line_to(cr, cx + hw, base);
    cairo_close_path(cr);
    rs_draw_hex(cr, C_TEXT);
    cairo_set_line_width(cr, 1.2 * l->u);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_stroke(cr);
}

static void draw_attribution(const rs_map *m, cairo_t *cr)
{
    const layout *l = &m->lay;
    if (m->attribution == NULL)
        return;
    double maxw = l->w - 2 * l->margin;
    rs_draw_fit_font(cr, m->attribution, 12 * l->u, 10 * l->u, 0, maxw);
    rs_draw_hex(cr, C_FAINT);
    rs_draw_text_clipped(cr, l->margin, l->h - R(l, 14), m->attribution, maxw);
}

/* Draws the whole page into a new image surface (*out; the caller
 * destroys it). */
static int render(const rs_map *m, cairo_surface_t **out)
{
    const layout *l = &m->lay;
    rs_err *e = rs_ctx_err(m->ctx);
    *out = NULL;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, l->w, l->h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        int rc = rs_err_set(e, RS_ERR, "map: %d x %d image: %s", l->w, l->h,
                            cairo_status_to_string(cairo_surface_status(s)));
        cairo_surface_destroy(s);
        return rc;
    }
    cairo_t *cr = cairo_create(s);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_SLIGHT);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);

    double smax = rs_map_scale_max(m);
    rs_map_paint_background(m, cr);
    int rc = rs_map_paint_area(m, cr, smax);
    if (rc == RS_OK) {
        cairo_rectangle(cr, l->mx + 0.5, l->my + 0.5, l->mw - 1, l->mh - 1);
        rs_draw_hex(cr, C_FRAME);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
        draw_note(m, cr);
        draw_titles(m, cr);
        draw_legend(m, cr, smax);
        draw_scale_bar(m, cr);
        draw_north_arrow(m, cr);
        draw_attribution(m, cr);
    }
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    if (rc == RS_OK && st != CAIRO_STATUS_SUCCESS)
        rc = rs_err_set(e, RS_ERR, "map: drawing: %s", cairo_status_to_string(st));
    cairo_surface_flush(s);
    if (rc == RS_OK && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        rc = rs_err_set(e, RS_ERR, "map: drawing: %s",
                        cairo_status_to_string(cairo_surface_status(s)));
    if (rc != RS_OK) {
        cairo_surface_destroy(s);
        return rc;
    }
    *out = s;
    return RS_OK;
}

/* ---- writing ------------------------------------------------------------ */

int rs_map_write_png(rs_map *m, const char *path)
{
    if (m == NULL)
        return RS_EUSAGE;
    rs_err *e = rs_ctx_err(m->ctx);
    if (path == NULL || *path == '\0')
        return rs_err_set(e, RS_EUSAGE, "rs_map_write_png: no path");
    cairo_surface_t *s = NULL;
    int rc = render(m, &s);
    if (rc != RS_OK)
        return rc;

    rc = rs_png_write(e, s, path);
    cairo_surface_destroy(s);
    return rc;
}
