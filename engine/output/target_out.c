/*
 * target_out.c — the KSI target's tables, words and chart (target_out.h;
 * the figures come from analysis/target.c, the formats from base/fmt.h).
 */
#include "target_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "fmt.h"
#include "ksi_out.h"

void rs_target_year_label(int year, int financial, char *buf, size_t size)
{
    rs_ksi_period_label(RS_KSI_YEAR, financial, year, buf, size);
}

static void pct(char *buf, size_t size, double frac)
{
    rs_fmt_signed(buf, size, 100 * frac, 1);
    size_t n = strlen(buf);
    if (n + 1 < size)
        strcat(buf, "%");
}

void rs_target_change_words(const rs_target_result *t, char *buf, size_t size)
{
    char a[32], b[32], c[32];
    pct(a, sizeof a, t->change);
    pct(b, sizeof b, t->change_low);
    pct(c, sizeof c, t->change_high);
    snprintf(buf, size, "%s a year (95%% %s to %s)", a, b, c);
}

void rs_target_verdict_words(const rs_target_result *t, int financial, char *buf, size_t size)
{
    char y[24], m[32], lo[32], hi[32], tg[32], bl[32], b1[24], b2[24];
    rs_target_year_label(t->spec.year, financial, y, sizeof y);
    rs_target_year_label(t->spec.base_from, financial, b1, sizeof b1);
    rs_target_year_label(t->spec.base_to, financial, b2, sizeof b2);
    rs_fmt_fixed(m, sizeof m, t->y_trend, 1);
    rs_fmt_fixed(lo, sizeof lo, t->y_low, 1);
    rs_fmt_fixed(hi, sizeof hi, t->y_high, 1);
    rs_fmt_fixed(tg, sizeof tg, t->target, 1);
    rs_fmt_fixed(bl, sizeof bl, t->baseline, 1);
    char p[32];
    snprintf(p, sizeof p, "%g", t->spec.pct);
    const char *head = t->state == RS_TARGET_ON_TRACK    ? "On track"
                       : t->state == RS_TARGET_OFF_TRACK ? "Off track"
                                                         : "Cannot tell yet";
    const char *why = t->state == RS_TARGET_ON_TRACK
                          ? "the whole interval is at or below"
                      : t->state == RS_TARGET_OFF_TRACK ? "the whole interval is above"
                                                        : "the interval includes";
    snprintf(buf, size,
             "%s: the trend projects %s KSI in %s (95%% %s to %s); %s the target of %s (%s%% "
             "below the %s to %s baseline mean of %s).",
             head, m, y, lo, hi, why, tg, p, b1, b2, bl);
}

/* ---- tables -------------------------------------------------------------------- */

static void cell(char *buf, double v, int decimals)
{
    if (isnan(v))
        buf[0] = '\0';
    else
        rs_fmt_fixed(buf, 32, v, decimals);
}

#define NX 11

int rs_target_ksi_table(rs_ctx *ctx, const rs_ksi_result *k, const rs_target_result *t,
                        const rs_target_rates *pop, const rs_target_rates *traffic,
                        rs_table **out)
{
    const char *cols[NX];
    size_t nx = 0;
    if (t) {
        cols[nx++] = "target_ksi";
        cols[nx++] = "vs_target";
        cols[nx++] = "trend_ksi";
    }
    if (pop) {
        cols[nx++] = "population";
        cols[nx++] = "ksi_per_100k";
        cols[nx++] = "ksi_per_100k_low";
        cols[nx++] = "ksi_per_100k_high";
    }
    if (traffic) {
        cols[nx++] = "vehicle_km";
        cols[nx++] = "ksi_per_bn_vkm";
        cols[nx++] = "ksi_per_bn_vkm_low";
        cols[nx++] = "ksi_per_bn_vkm_high";
    }
    size_t n = k->nrows;
    char (*buf)[32] = calloc((n ? n : 1) * NX, sizeof *buf);
    const char **cells = calloc((n ? n : 1) * NX, sizeof *cells);
    char cap[1024] = "";
    int rc;
    if (buf == NULL || cells == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const rs_ksi_row *w = &k->rows[i];
        char (*b)[32] = buf + i * nx;
        size_t j = 0;
        if (t) {
            double tk = NAN, tr = NAN;
            for (size_t y = 0; y < t->nyears; y++)
                if (t->years[y].year == w->period) {
                    tk = t->years[y].target_ksi;
                    tr = t->years[y].trend_ksi;
                }
            int covered = w->state != RS_KSI_NO_DATA && w->state != RS_KSI_PARTIAL;
            cell(b[j++], tk, 1);
            if (covered && !isnan(tk))
                rs_fmt_signed(b[j++], 32, w->ksi - tk, 1);
            else
                b[j++][0] = '\0';
            cell(b[j++], tr, 1);
        }
        const rs_target_rates *rs[2] = {pop, traffic};
        for (int q = 0; q < 2; q++) {
            if (rs[q] == NULL)
                continue;
            cell(b[j++], rs[q]->expo[i], 0);
            cell(b[j++], rs[q]->rate[i], 2);
            cell(b[j++], rs[q]->low[i], 2);
            cell(b[j++], rs[q]->high[i], 2);
        }
        for (size_t c = 0; c < nx; c++)
            cells[i * nx + c] = b[c];
    }
    if (t) {
        char ch[96], v[512], b1[24], b2[24], y[24], f1[24], f2[24], bl[32], tg[32];
        int fin = k->opts.financial;
        rs_target_change_words(t, ch, sizeof ch);
        rs_target_verdict_words(t, fin, v, sizeof v);
        rs_target_year_label(t->spec.base_from, fin, b1, sizeof b1);
        rs_target_year_label(t->spec.base_to, fin, b2, sizeof b2);
        rs_target_year_label(t->spec.year, fin, y, sizeof y);
        rs_target_year_label(t->fit_from, fin, f1, sizeof f1);
        rs_target_year_label(t->fit_to, fin, f2, sizeof f2);
        rs_fmt_fixed(bl, sizeof bl, t->baseline, 1);
        rs_fmt_fixed(tg, sizeof tg, t->target, 1);
        snprintf(cap, sizeof cap,
                 "Target: %g%% below the %s to %s mean (%s) by %s, i.e. %s; target_ksi is the "
                 "straight line between them, trend_ksi the log-linear Poisson trend of %s to "
                 "%s: %s. %s",
                 t->spec.pct, b1, b2, bl, y, tg, f1, f2, ch, v);
    }
    if (pop || traffic) {
        size_t cl = strlen(cap);
        snprintf(cap + cl, sizeof cap - cl,
                 "%sRates: KSI per 100,000 people%s and per billion vehicle-km%s, with the exact "
                 "95%% Poisson interval.",
                 cl ? " " : "", pop ? "" : " (no --population)",
                 traffic ? "" : " (no --traffic)");
    }
    rc = rs_ksi_table_extra(ctx, k, cap, nx, cols, cells, out);
done:
    free(buf);
    free(cells);
    return rc;
}

int rs_target_proj_table(rs_ctx *ctx, const rs_target_result *t, int financial, rs_table **out)
{
    const char *cols[] = {"year", "trend_ksi", "trend_low", "trend_high", "target_ksi"};
    char cap[1024], ch[96], v[512], f1[24], f2[24];
    rs_target_change_words(t, ch, sizeof ch);
    rs_target_verdict_words(t, financial, v, sizeof v);
    rs_target_year_label(t->fit_from, financial, f1, sizeof f1);
    rs_target_year_label(t->fit_to, financial, f2, sizeof f2);
    snprintf(cap, sizeof cap,
             "Projection of the KSI trend (log-linear Poisson regression on %s to %s, maximum "
             "likelihood): %s; trend_low and trend_high are the 95%% interval of the expected "
             "count. %s",
             f1, f2, ch, v);
    rs_table *tb = rs_table_new(cap, 5, cols);
    if (tb == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    for (size_t i = 0; i < t->nproj; i++) {
        const rs_target_proj *p = &t->proj[i];
        char c[5][32];
        rs_target_year_label(p->year, financial, c[0], 32);
        cell(c[1], p->trend, 1);
        cell(c[2], p->low, 1);
        cell(c[3], p->high, 1);
        cell(c[4], p->target_ksi, 1);
        const char *cells[] = {c[0], c[1], c[2], c[3], c[4]};
        if (rs_table_add(tb, cells) != 0) {
            rs_table_free(tb);
            return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        }
    }
    *out = tb;
    return RS_OK;
}

/* ---- the chart ------------------------------------------------------------------- */

int rs_target_chart(rs_ctx *ctx, const rs_target_result *t, int financial, const char *path)
{
    int y0 = t->nyears ? t->years[0].year : t->fit_from;
    int y1 = t->spec.year > t->fit_to ? t->spec.year : t->fit_to;
    size_t n = (size_t)(y1 - y0 + 1);
    char (*lab)[24] = calloc(n, sizeof *lab);
    const char **labels = calloc(n, sizeof *labels);
    double *v = malloc(6 * n * sizeof *v);
    rs_chart *ch = NULL;
    int rc = RS_ENOMEM;
    if (lab == NULL || labels == NULL || v == NULL)
        goto done;
    double *ksi = v, *traj = v + n, *tr = v + 2 * n, *lo = v + 3 * n, *hi = v + 4 * n,
           *pt = v + 5 * n;
    for (size_t i = 0; i < n; i++) {
        int y = y0 + (int)i;
        rs_target_year_label(y, financial, lab[i], sizeof lab[i]);
        labels[i] = lab[i];
        ksi[i] = tr[i] = lo[i] = hi[i] = pt[i] = NAN;
        for (size_t k = 0; k < t->nyears; k++)
            if (t->years[k].year == y)
                ksi[i] = t->years[k].ksi;
        traj[i] = rs_target_trajectory(t, y);
        if (y >= t->fit_from)
            rs_poisson_predict(&t->fit, y, &tr[i], &lo[i], &hi[i]);
        if (y == t->spec.year)
            pt[i] = t->target;
    }
    char title[160], b1[24], b2[24], yl[24], f1[24], f2[24], ntraj[160], ntr[160], npt[96],
        tg[32];
    rs_target_year_label(t->spec.base_from, financial, b1, sizeof b1);
    rs_target_year_label(t->spec.base_to, financial, b2, sizeof b2);
    rs_target_year_label(t->spec.year, financial, yl, sizeof yl);
    rs_target_year_label(t->fit_from, financial, f1, sizeof f1);
    rs_target_year_label(t->fit_to, financial, f2, sizeof f2);
    rs_fmt_fixed(tg, sizeof tg, t->target, 1);
    snprintf(title, sizeof title, "KSI by %s year against the target: %g%% below the %s to %s mean by %s",
             financial ? "financial" : "calendar", t->spec.pct, b1, b2, yl);
    snprintf(ntraj, sizeof ntraj, "Target trajectory");
    snprintf(ntr, sizeof ntr, "Trend of %s to %s, projected", f1, f2);
    snprintf(npt, sizeof npt, "Target for %s: %s", yl, tg);
    ch = rs_chart_new(ctx, title, financial ? "Financial year" : "Year", "KSI", n, labels);
    if (ch == NULL)
        goto done;
    /* the target point first, so it is drawn on top of the trajectory that
     * ends there, in the grey dash-dot style's diamond */
    if ((rc = rs_chart_series(ch, npt, n, NULL, pt, NULL, NULL, 0)) != RS_OK ||
        (rc = rs_chart_series_style(ch, 3, 2.2)) != RS_OK ||
        (rc = rs_chart_series(ch, "KSI", n, NULL, ksi, NULL, NULL, 0)) != RS_OK ||
        (rc = rs_chart_series_style(ch, 0, 1)) != RS_OK ||
        (rc = rs_chart_series(ch, ntraj, n, NULL, traj, NULL, NULL, 0)) != RS_OK ||
        (rc = rs_chart_series_style(ch, 1, 1)) != RS_OK ||
        (rc = rs_chart_series(ch, ntr, n, NULL, tr, lo, hi, 0)) != RS_OK ||
        (rc = rs_chart_series_style(ch, 2, 1)) != RS_OK)
        goto done;
    rc = rs_chart_write_png(ch, path, 1200, 700);
done:
    if (rc == RS_ENOMEM)
        rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    rs_chart_free(ch);
    free(lab);
    free(labels);
    free(v);
    return rc;
}
