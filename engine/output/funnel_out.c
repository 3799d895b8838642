/*
 * funnel_out.c — the funnel chart and its words (see funnel_out.h).
 *
 * Data structure: the limit curves are sampled at FUNNEL_STEPS exposures
 * from just below the smallest to just above the largest area's; each
 * pair of curves (upper, lower) is one chart series with a gap between
 * them, so the legend names it once.
 */
#include "funnel_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chart.h"

#define FUNNEL_STEPS 160

int rs_funnel_chart(rs_ctx *ctx, const rs_funnel_chart_opts *co, size_t n,
                    const rs_funnel_point *p, double county_rate, const char *path)
{
    double xmin = INFINITY, xmax = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].exposure > 0) {
            xmin = fmin(xmin, p[i].exposure);
            xmax = fmax(xmax, p[i].exposure);
        }
    int rc = RS_OK;
    size_t m = FUNNEL_STEPS, nc = 2 * m + 1;
    double *buf = malloc((3 * nc + 2 * (n ? n : 1)) * sizeof *buf);
    rs_chart *ch = NULL;
    if (buf == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (funnel)");
    double *cx = buf, *l95 = buf + nc, *l998 = buf + 2 * nc, *px = buf + 3 * nc,
           *py = px + (n ? n : 1);
    double line_x[2], line_y[2];
    if (!(xmax > 0)) {
        xmin = 0;
        xmax = 1;
    }
    double a = 0.9 * xmin, b = 1.05 * xmax;
    for (size_t k = 0; k < m; k++) {
        double x = a + (b - a) * (double)k / (double)(m - 1), lo, hi;
        cx[k] = cx[2 * m - k] = x; /* upper left to right, then lower right to left */
        rs_funnel_limits(county_rate, x, 0.05, &lo, &hi);
        l95[k] = hi * co->per;
        l95[2 * m - k] = lo * co->per;
        rs_funnel_limits(county_rate, x, 0.002, &lo, &hi);
        l998[k] = hi * co->per;
        l998[2 * m - k] = lo * co->per;
    }
    cx[m] = l95[m] = l998[m] = NAN; /* the gap between the two curves */
    for (size_t i = 0; i < n; i++) {
        px[i] = p[i].exposure > 0 ? p[i].exposure : NAN;
        py[i] = p[i].exposure > 0 ? p[i].rate * co->per : NAN;
    }
    line_x[0] = a;
    line_x[1] = b;
    line_y[0] = line_y[1] = county_rate * co->per;
    ch = rs_chart_new(ctx, co->title, co->x_label, co->y_label, 0, NULL);
    if (ch == NULL) {
        rc = rs_ctx_err(ctx)->code ? rs_ctx_err(ctx)->code
                                   : rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        goto done;
    }
    if (isnan(county_rate)) {
        rc = rs_chart_write_png(ch, path, co->width, co->height); /* "no data" */
        goto done;
    }
    if ((rc = rs_chart_series(ch, "Districts", n, px, py, NULL, NULL, 0)) != RS_OK ||
        (rc = rs_chart_series_points(ch)) != RS_OK ||
        (rc = rs_chart_series_style(ch, 0, 1.3)) != RS_OK ||
        (rc = rs_chart_series(ch, "County rate", 2, line_x, line_y, NULL, NULL, 0)) != RS_OK ||
        (rc = rs_chart_series_style(ch, 3, 1)) != RS_OK ||
        (rc = rs_chart_series(ch, "95% limits", nc, cx, l95, NULL, NULL, 0)) != RS_OK ||
        (rc = rs_chart_series_style(ch, 1, 1)) != RS_OK ||
        (rc = rs_chart_series(ch, "99.8% limits", nc, cx, l998, NULL, NULL, 0)) != RS_OK ||
        (rc = rs_chart_series_style(ch, 2, 1)) != RS_OK)
        goto done;
    rc = rs_chart_write_png(ch, path, co->width, co->height);
done:
    rs_chart_free(ch);
    free(buf);
    return rc;
}

/* Appends the names of the points with side95 (or side998) == side. */
static void list(size_t n, const rs_funnel_point *p, int side, int level998, int only95,
                 const char *head, char *buf, size_t size, int *any)
{
    size_t k = 0, len = strlen(buf);
    for (size_t i = 0; i < n; i++) {
        int s = level998 ? p[i].side998 : p[i].side95;
        if (s != side || (only95 && p[i].side998 != 0))
            continue;
        len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s", k == 0 ? head : ", ", p[i].name);
        k++;
    }
    if (k > 0) {
        len = strlen(buf);
        snprintf(buf + len, size - len, ". ");
        *any = 1;
    }
}

void rs_funnel_words(size_t n, const rs_funnel_point *p, char *buf, size_t size)
{
    int any = 0;
    size_t placed = 0, within = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        placed += p[i].exposure > 0;
        within += p[i].exposure > 0 && p[i].side95 == 0;
    }
    if (placed == 0) {
        snprintf(buf, size, "No district can be placed on the funnel.");
        return;
    }
    list(n, p, 1, 1, 0, "Above the 99.8% limits (very unlikely to be chance alone): ", buf, size,
         &any);
    list(n, p, 1, 0, 1, "Above the 95% limits only: ", buf, size, &any);
    list(n, p, -1, 1, 0, "Below the 99.8% limits (very unlikely to be chance alone): ", buf,
         size, &any);
    list(n, p, -1, 0, 1, "Below the 95% limits only: ", buf, size, &any);
    size_t len = strlen(buf);
    if (!any)
        snprintf(buf, size, "All %zu districts lie within the 95%% limits: no district's rate "
                            "differs from the county's by more than chance gives a place of its "
                            "size.",
                 placed);
    else
        snprintf(buf + len, size - len, "The other %zu of %zu districts lie within the 95%% "
                                        "limits. About 1 district in 20 falls outside the 95%% "
                                        "limits by chance alone, 1 in 500 outside the 99.8%%.",
                 within, placed);
}

int rs_ksi_funnel_points(rs_ctx *ctx, const rs_ksi_result *r, int p_first, int p_last,
                         const rs_districts *d, size_t npop, const char *const *pop_names,
                         const double *pop, rs_funnel_point **out, size_t *n)
{
    size_t nd = d ? rs_districts_count(d) : 0;
    *out = NULL;
    *n = 0;
    rs_funnel_point *p = calloc(nd ? nd : 1, sizeof *p);
    if (p == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (funnel)");
    for (size_t i = 0; i < nd; i++) {
        p[i].name = rs_districts_name(d, i);
        p[i].exposure = NAN;
        if (pop_names == NULL) {
            p[i].exposure = rs_districts_area_m2(d, i) / 1e6;
        } else {
            const char *code = rs_districts_code(d, i);
            for (size_t j = 0; j < npop; j++)
                if (strcasecmp(pop_names[j], p[i].name) == 0 ||
                    (code && code[0] && strcasecmp(pop_names[j], code) == 0))
                    p[i].exposure = pop[j];
        }
    }
    for (size_t k = 0; k < r->nrows; k++) {
        const rs_ksi_row *w = &r->rows[k];
        if (w->period < p_first || w->period > p_last || w->state == RS_KSI_NO_DATA)
            continue;
        const char *g = r->groups[w->group];
        for (size_t i = 0; i < nd; i++)
            if (strcmp(g, p[i].name) == 0) {
                p[i].count += w->ksi;
                break;
            }
    }
    double rate;
    rs_funnel_compute(nd, p, &rate);
    *out = p;
    *n = nd;
    return RS_OK;
}

int rs_funnel_table(rs_ctx *ctx, const char *caption, const char *exposure_col, double per,
                    size_t n, const rs_funnel_point *p, double county_rate, rs_table **out)
{
    const char *cols[] = {"district", "ksi",     "",        "rate",     "county_rate", "expected",
                          "low_95",   "high_95", "low_998", "high_998", "side"};
    cols[2] = exposure_col;
    *out = NULL;
    rs_table *t = rs_table_new(caption, 11, cols);
    if (t == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (funnel table)");
    for (size_t i = 0; i < n; i++) {
        const rs_funnel_point *q = &p[i];
        char v[10][48];
        const char *cells[11];
        int placed = q->exposure > 0;
        double nan = NAN;
        snprintf(v[0], 48, "%.6g", q->count);
        snprintf(v[1], 48, "%.6g", placed ? q->exposure : nan);
        snprintf(v[2], 48, "%.6g", q->rate * per);
        snprintf(v[3], 48, "%.6g", county_rate * per);
        snprintf(v[4], 48, "%.6g", placed ? county_rate * q->exposure : nan);
        snprintf(v[5], 48, "%.6g", q->lo95 * per);
        snprintf(v[6], 48, "%.6g", q->hi95 * per);
        snprintf(v[7], 48, "%.6g", q->lo998 * per);
        snprintf(v[8], 48, "%.6g", q->hi998 * per);
        for (int k = 1; k < 9; k++)
            if (strcmp(v[k], "nan") == 0 || strcmp(v[k], "-nan") == 0)
                v[k][0] = '\0';
        const char *side = !placed                ? "not placed (no exposure)"
                           : q->side998 > 0       ? "above the 99.8% limits"
                           : q->side998 < 0       ? "below the 99.8% limits"
                           : q->side95 > 0        ? "above the 95% limits"
                           : q->side95 < 0        ? "below the 95% limits"
                                                  : "within the limits";
        cells[0] = q->name;
        for (int k = 0; k < 9; k++)
            cells[k + 1] = v[k];
        cells[10] = side;
        if (rs_table_add(t, cells) != 0) {
            rs_table_free(t);
            return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (funnel table)");
        }
    }
    *out = t;
    return RS_OK;
}

int rs_ksi_funnel_png(rs_ctx *ctx, const rs_ksi_result *r, int p0, int p1,
                      const rs_districts *d, size_t npop, const char *const *pop_names,
                      const double *pop, const char *path, char *words, size_t wsize)
{
    return rs_ksi_funnel(ctx, r, p0, p1, d, npop, pop_names, pop, path, words, wsize, NULL);
}

int rs_ksi_funnel(rs_ctx *ctx, const rs_ksi_result *r, int p0, int p1, const rs_districts *d,
                  size_t npop, const char *const *pop_names, const double *pop,
                  const char *path, char *words, size_t wsize, rs_table **table)
{
    rs_funnel_point *p = NULL;
    size_t n = 0;
    int rc = rs_ksi_funnel_points(ctx, r, p0, p1, d, npop, pop_names, pop, &p, &n);
    if (rc != RS_OK)
        return rc;
    double rate;
    rs_funnel_compute(n, p, &rate);
    const rs_ksi_opts *o = &r->opts;
    char title[256], yl[128], xl[96];
    const char *what = o->collisions ? "KSI collisions" : o->adjusted ? "Severity-adjusted KSI"
                                                                      : "KSI casualties";
    const char *per = pop_names ? "per 100,000 residents" : "per km\xc2\xb2";
    char a[24], b[24];
    rs_ksi_period_label(o->by, o->financial, p0, a, sizeof a);
    rs_ksi_period_label(o->by, o->financial, p1, b, sizeof b);
    if (p0 == p1)
        snprintf(title, sizeof title, "%s %s by district, %s", what,
                 per, a);
    else if (p0 < p1)
        snprintf(title, sizeof title, "%s %s by district, %s to %s",
                 what, per, a, b);
    else
        snprintf(title, sizeof title, "%s %s by district", what, per);
    snprintf(yl, sizeof yl, "%s %s", what, per);
    snprintf(xl, sizeof xl, "%s", pop_names ? "Residents" : "District area (km\xc2\xb2)");
    rs_funnel_chart_opts co = {title, xl, yl, pop_names ? 1e5 : 1.0, 1200, 800};
    rc = rs_funnel_chart(ctx, &co, n, p, rate, path);
    if (rc == RS_OK && words)
        rs_funnel_words(n, p, words, wsize);
    if (rc == RS_OK && table) {
        char cap[512];
        snprintf(cap, sizeof cap, "%s (the funnel's figures; rates %s, limits exact Poisson "
                                  "around the county rate)",
                 title, per);
        rc = rs_funnel_table(ctx, cap, pop_names ? "population" : "area_km2",
                             pop_names ? 1e5 : 1.0, n, p, rate, table);
    }
    free(p);
    return rc;
}
