/*
 * draw.c — the cairo helpers shared by maps and charts (see draw_int.h).
 * Every map and chart PNG depends on the measurements and roundings here:
 * a change shows in every image.
 */
#include "draw_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define UTF8_ELLIPSIS "\xe2\x80\xa6" /* … */

/* ---- text --------------------------------------------------------------- */

void rs_draw_font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double rs_draw_text_w(cairo_t *cr, const char *s)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

void rs_draw_text(cairo_t *cr, double x, double y, const char *s, double align)
{
    cairo_move_to(cr, x - align * rs_draw_text_w(cr, s), y);
    cairo_show_text(cr, s);
}

double rs_draw_fit_font(cairo_t *cr, const char *s, double size, double min, int bold,
                        double maxw)
{
    rs_draw_font(cr, size, bold);
    double w = rs_draw_text_w(cr, s);
    if (w > maxw && w > 0) {
        size = size * maxw / w;
        if (size < min)
            size = min;
        rs_draw_font(cr, size, bold);
    }
    return size;
}

void rs_draw_text_clipped(cairo_t *cr, double x, double y, const char *s, double maxw)
{
    if (rs_draw_text_w(cr, s) <= maxw) {
        rs_draw_text(cr, x, y, s, 0);
        return;
    }
    size_t n = strlen(s);
    char *buf = malloc(n + sizeof UTF8_ELLIPSIS);
    if (buf == NULL)
        return; /* cairo's own status catches nothing here; the text is just left out */
    while (n > 0) {
        do
            n--;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80);
        memcpy(buf, s, n);
        memcpy(buf + n, UTF8_ELLIPSIS, sizeof UTF8_ELLIPSIS);
        if (rs_draw_text_w(cr, buf) <= maxw)
            break;
    }
    rs_draw_text(cr, x, y, buf, 0);
    free(buf);
}

int rs_draw_wrap(cairo_t *cr, const char *s, double maxw, char **lines, int maxlines)
{
    int n = 0;
    size_t len = strlen(s);
    char *cur = malloc(len + 1), *trial = malloc(len + 1);
    if (cur == NULL || trial == NULL)
        goto fail;
    cur[0] = '\0';
    const char *p = s;
    while (*p) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        const char *q = p;
        while (*q && *q != ' ')
            q++;
        size_t cl = strlen(cur), wl = (size_t)(q - p);
        memcpy(trial, cur, cl);
        size_t tl = cl;
        if (cl)
            trial[tl++] = ' ';
        memcpy(trial + tl, p, wl);
        trial[tl + wl] = '\0';
        if (cl == 0 || n == maxlines - 1 || rs_draw_text_w(cr, trial) <= maxw) {
            memcpy(cur, trial, tl + wl + 1);
        } else {
            if ((lines[n] = malloc(cl + 1)) == NULL)
                goto fail;
            memcpy(lines[n++], cur, cl + 1);
            memcpy(cur, p, wl);
            cur[wl] = '\0';
        }
        p = q;
    }
    if (cur[0]) {
        if ((lines[n] = malloc(strlen(cur) + 1)) == NULL)
            goto fail;
        strcpy(lines[n++], cur);
    }
    free(cur);
    free(trial);
    return n;
fail:
    for (int i = 0; i < n; i++)
        free(lines[i]);
    free(cur);
    free(trial);
    return 0;
}

/* ---- colour ------------------------------------------------------------- */

void rs_draw_hex(cairo_t *cr, unsigned rgb)
{
    cairo_set_source_rgb(cr, ((rgb >> 16) & 0xFF) / 255.0, ((rgb >> 8) & 0xFF) / 255.0,
                         (rgb & 0xFF) / 255.0);
}

/* ---- round numbers for scales ------------------------------------------- */

double rs_draw_nice_step(double raw)
{
    if (!(raw > 0) || !isfinite(raw))
        return 1;
    double p = pow(10, floor(log10(raw)));
    double f = raw / p;
    double nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
    return nf * p;
}

int rs_draw_step_decimals(double step)
{
    int d = 0;
    while (d < 6) {
        double v = step * pow(10, d);
        if (fabs(v - round(v)) < 1e-6 * (v > 1 ? v : 1))
            break;
        d++;
    }
    return d;
}

double rs_draw_legend_step(double max, int *dec)
{
    static const double mant[] = {1, 2, 2.5, 5};
    double best = max, bestd = INFINITY;
    int bestdec = 0;
    int e0 = (int)floor(log10(max)) - 1;
    for (int e = e0; e <= e0 + 2; e++) {
        for (size_t i = 0; i < 4; i++) {
            double step = mant[i] * pow(10, e);
            double k = floor(max / step + 1e-9);
            int on_tick = fabs(max / step - k) < 1e-9;
            double labels = k + 1 + (on_tick ? 0 : 1);
            if (labels > 7 || k < 1)
                continue;
            double d = fabs(labels - 6);
            if (d <= bestd) {
                bestd = d;
                best = step;
                int dd = -e + (mant[i] == 2.5 ? 1 : 0);
                bestdec = dd > 0 ? dd : 0;
            }
        }
    }
    *dec = bestdec;
    return best;
}

void rs_draw_trim_zeros(char *s)
{
    if (strchr(s, '.') == NULL)
        return;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '0')
        s[--n] = '\0';
    if (n > 0 && s[n - 1] == '.')
        s[--n] = '\0';
}

double rs_draw_round_length(double target)
{
    if (!(target > 1))
        return 1;
    double p = pow(10, floor(log10(target)));
    static const double mant[] = {1, 2, 5, 10};
    double best = p, bd = INFINITY;
    for (size_t i = 0; i < 4; i++) {
        double d = fabs(log(mant[i] * p / target));
        if (d < bd) {
            bd = d;
            best = mant[i] * p;
        }
    }
    return best;
}

