/*
 * reoffend_out.c — the reoffending table and Kaplan–Meier chart (see
 * reoffend_out.h).
 *
 * Data structure: the table is built row by row from the result's
 * cohorts; the chart copies each cohort's daily curve into one x / y /
 * band buffer at a time (4 doubles a point), handed to chart.h.
 */
#include "reoffend_out.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "fmt.h"
#include "timeutil.h"

/* ---- the table ------------------------------------------------------------------ */

#define NCOLS 34

/* A cell with dec decimals (dec < 0: -dec significant digits); NaN is an
 * empty cell.  buf holds 32 bytes. */
static const char *num(char *buf, int dec, double v)
{
    if (dec >= 0)
        rs_fmt_fixed(buf, 32, v, dec);
    else
        rs_fmt_sig(buf, 32, v, -dec);
    return buf;
}

static const char *count(char *buf, uint64_t v)
{
    snprintf(buf, 32, "%llu", (unsigned long long)v);
    return buf;
}

/* The columns of the page set (RS_REOFFEND_COLS_PAGE), by index into cols:
 * the rates with their intervals and the difference against the reference
 * with its interval and test; the adjusted relative risk is in the
 * sentence (rs_reoffend_words). */
static const size_t page_cols[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13};
#define NPAGE (sizeof page_cols / sizeof page_cols[0])

/* "the first index detection" ... the caption's index period in words: the
 * options' bounds where given, else the data's. */
static void index_words(const rs_reoffend_opts *o, const rs_reoffend_result *r, char *buf,
                        size_t size)
{
    char a[32], b[32];
    if (o->from == INT64_MIN && o->to == INT64_MAX && r->index_first > r->index_last) {
        snprintf(buf, size, "index detections: none");
        return;
    }
    if (o->from != INT64_MIN)
        rs_time_format_utc(o->from, a, sizeof a);
    else
        rs_time_format_utc(r->index_first, a, sizeof a);
    if (o->to != INT64_MAX)
        rs_time_format_utc(o->to, b, sizeof b);
    else
        rs_time_format_utc(r->index_last, b, sizeof b);
    if (o->from != INT64_MIN && o->to != INT64_MAX)
        snprintf(buf, size, "index detections in [%s, %s)", a, b);
    else
        snprintf(buf, size, "index detections from %s%s to %s%s", a,
                 o->from == INT64_MIN ? " (the first)" : "", b,
                 o->to == INT64_MAX ? " (the last)" : " (exclusive)");
}

int rs_reoffend_table(rs_ctx *ctx, const rs_reoffend_opts *o, const rs_reoffend_result *r,
                      rs_reoffend_cols which, rs_table **out)
{
    static const char *const cols[NCOLS] = {
        "cohort",      "vehicles",   "followed_up", "reoffended",  "rate",
        "ci_low",      "ci_high",    "diff",        "diff_low",    "diff_high",
        "rr",          "rr_low",     "rr_high",     "p_value",     "mh_rr",
        "mh_rr_low",   "mh_rr_high", "mh_strata",   "events",      "km_30",
        "km_30_low",   "km_30_high", "km_90",       "km_90_low",   "km_90_high",
        "km_180",      "km_180_low", "km_180_high", "km_365",      "km_365_low",
        "km_365_high", "logrank_chisq", "logrank_df", "logrank_p"};
    char caption[640], end[32] = "", iw[160];
    *out = NULL;
    if (r->data_end != INT64_MIN) /* INT64_MIN: no detections, no date to format */
        rs_time_format_utc(r->data_end, end, sizeof end);
    index_words(o, r, iw, sizeof iw);
    snprintf(caption, sizeof caption,
             "Reoffending by index device: %s, window %.6g days, episode %.6g hours, data end "
             "%s; comparisons against %s%s",
             iw, (double)o->window / 86400, (double)o->episode / 3600,
             r->data_end == INT64_MIN ? "none (no detections)" : end, o->cohorts[0],
             which == RS_REOFFEND_COLS_PAGE
                 ? " (the main columns; --columns all gives the relative risks, strata, "
                   "Kaplan-Meier read-outs and log-rank test)"
                 : "");
    const char *pcols[NCOLS];
    size_t nc = which == RS_REOFFEND_COLS_PAGE ? NPAGE : NCOLS;
    for (size_t i = 0; i < nc; i++)
        pcols[i] = cols[which == RS_REOFFEND_COLS_PAGE ? page_cols[i] : i];
    rs_table *t = rs_table_new(caption, nc, pcols);
    if (t == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (reoffending table)");
    for (size_t j = 0; j < r->ncohorts; j++) {
        const rs_reoffend_cohort *c = &r->cohort[j];
        char b[NCOLS][32];
        const char *cell[NCOLS];
        size_t k = 0;
        cell[k++] = c->name;
        cell[k] = count(b[k], c->vehicles), k++;
        cell[k] = count(b[k], c->followed_up), k++;
        cell[k] = count(b[k], c->reoffended), k++;
        cell[k] = num(b[k], 4, c->rate), k++;
        cell[k] = num(b[k], 4, c->ci.low), k++;
        cell[k] = num(b[k], 4, c->ci.high), k++;
        cell[k] = num(b[k], 4, c->diff), k++;
        cell[k] = num(b[k], 4, c->diff_ci.low), k++;
        cell[k] = num(b[k], 4, c->diff_ci.high), k++;
        cell[k] = num(b[k], 3, c->rr), k++;
        cell[k] = num(b[k], 3, c->rr_ci.low), k++;
        cell[k] = num(b[k], 3, c->rr_ci.high), k++;
        cell[k] = num(b[k], -3, c->p), k++;
        cell[k] = num(b[k], 3, c->mh.rr), k++;
        cell[k] = num(b[k], 3, c->mh.ci.low), k++;
        cell[k] = num(b[k], 3, c->mh.ci.high), k++;
        cell[k] = num(b[k], 0, j == 0 ? NAN : (double)c->mh.strata_used), k++;
        cell[k] = count(b[k], c->events), k++;
        for (size_t i = 0; i < RS_REOFFEND_NKM; i++) {
            cell[k] = num(b[k], 4, c->km[i]), k++;
            cell[k] = num(b[k], 4, c->km_ci[i].low), k++;
            cell[k] = num(b[k], 4, c->km_ci[i].high), k++;
        }
        cell[k] = num(b[k], 2, r->logrank_chisq), k++;
        cell[k] = num(b[k], 0, isnan(r->logrank_chisq) ? NAN : (double)r->logrank_df), k++;
        cell[k] = num(b[k], -3, r->logrank_p), k++;
        if (which == RS_REOFFEND_COLS_PAGE)
            for (size_t i = 0; i < NPAGE; i++)
                cell[i] = cell[page_cols[i]]; /* page_cols ascend: each source is unread yet */
        if (rs_table_add(t, cell) != 0) {
            rs_table_free(t);
            return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (reoffending table)");
        }
    }
    *out = t;
    return RS_OK;
}

/* ---- the verdict in words ---------------------------------------------------------- */

void rs_reoffend_window_words(const rs_reoffend_opts *o, char *buf, size_t size)
{
    double d = (double)o->window / 86400;
    if (o->window == 365 * 86400LL)
        snprintf(buf, size, "12 months");
    else
        snprintf(buf, size, "%.6g day%s", d, d == 1 ? "" : "s");
}

int rs_reoffend_words(const rs_reoffend_opts *o, const rs_reoffend_result *r, char *head,
                      size_t hsize, char *detail, size_t dsize)
{
    char win[32];
    rs_reoffend_window_words(o, win, sizeof win);
    head[0] = detail[0] = '\0';
    if (r->ncohorts < 2)
        return -1;
    const rs_reoffend_cohort *a = &r->cohort[0], *b = &r->cohort[1];
    if (a->followed_up == 0 || b->followed_up == 0 || isnan(b->diff)) {
        snprintf(head, hsize, "No comparison: %s has no vehicle followed for %s before the data "
                              "end.",
                 a->followed_up == 0 ? a->name : b->name, win);
        return -1;
    }
    char pb[32];
    rs_fmt_p_words(pb, sizeof pb, b->p);
    int sig = b->diff_ci.low > 0 || b->diff_ci.high < 0;
    snprintf(head, hsize,
             "%.1f%% of vehicles first detected by %s were detected again within %s, against "
             "%.1f%% after %s: a difference of %.1f percentage points (95%% interval %+.1f to "
             "%+.1f; %s), %s.",
             100 * b->rate, b->name, win, 100 * a->rate, a->name, fabs(100 * b->diff),
             100 * b->diff_ci.low + 0.0, 100 * b->diff_ci.high + 0.0, pb,
             sig ? "unlikely to be chance alone" : "within what chance alone would give");
    size_t n = 0;
    char sw[96] = "";
    const char *parts[3];
    size_t np = 0;
    if (o->strata & RS_STRATA_LIMIT)
        parts[np++] = "speed limit";
    if (o->strata & RS_STRATA_EXCESS)
        parts[np++] = "excess-speed band";
    if (o->strata & RS_STRATA_DISTRICT)
        parts[np++] = "district";
    for (size_t i = 0; i < np; i++)
        snprintf(sw + strlen(sw), sizeof sw - strlen(sw), "%s%s",
                 i == 0 ? "" : i + 1 == np ? " and " : ", ", parts[i]);
    if (!isnan(b->mh.rr) && !isnan(b->rr)) {
        int w = snprintf(detail, dsize,
                         "Crude relative risk %.2f; within the same %s of the index detection "
                         "(Mantel-Haenszel, %zu strata) %.2f (95%% interval %.2f to %.2f). %s ",
                         b->rr, np ? sw : "stratum", b->mh.strata_used, b->mh.rr, b->mh.ci.low, b->mh.ci.high,
                         fabs(b->mh.rr - b->rr) >= 0.05
                             ? "The two differ: part of the crude difference comes from the "
                               "speed limits and excess speeds at which each device detects "
                               "vehicles, not from the device."
                             : "The two agree: the speed limits and excess speeds at which "
                               "each device detects vehicles do not explain the difference.");
        n = w > 0 && (size_t)w < dsize ? (size_t)w : 0;
    }
    snprintf(detail + n, dsize - n,
             "Being detected again also depends on how often a vehicle passes enforcement: a "
             "fixed camera on a commuter route sees the same vehicles day after day, a "
             "hand-held device a place now and then. That exposure is not measured or "
             "controlled here, so the difference need not be the effect of the device.");
    return 0;
}

/* ---- the Kaplan–Meier chart ------------------------------------------------------ */

size_t rs_reoffend_chart_points(const rs_reoffend_opts *o, const rs_reoffend_cohort *c)
{
    size_t maxd = (size_t)ceil((double)o->window / 86400) + 1;
    return c->ncurve < maxd ? c->ncurve : maxd;
}

int rs_reoffend_chart(rs_ctx *ctx, const rs_reoffend_opts *o, const rs_reoffend_result *r,
                      const rs_reoffend_chart_opts *co, const char *path)
{
    rs_chart *ch = rs_chart_new(ctx, co->title, co->x_label, co->y_label, 0, NULL);
    if (ch == NULL) {
        if (rs_ctx_err(ctx)->code)
            return rs_ctx_err(ctx)->code;
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (chart)");
    }
    int rc = RS_OK;
    double *buf = NULL;
    for (size_t j = 0; j < r->ncohorts && rc == RS_OK; j++) {
        const rs_reoffend_cohort *c = &r->cohort[j];
        size_t n = rs_reoffend_chart_points(o, c);
        if (n == 0)
            continue;
        free(buf);
        if ((buf = malloc(4 * n * sizeof *buf)) == NULL) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (chart)");
            break;
        }
        double *x = buf, *y = buf + n, *lo = buf + 2 * n, *hi = buf + 3 * n;
        for (size_t i = 0; i < n; i++) {
            x[i] = c->curve[i].day;
            y[i] = 100 * c->curve[i].cum;
            lo[i] = 100 * c->curve[i].low;
            hi[i] = 100 * c->curve[i].high;
        }
        char name[64], vn[32];
        if (co->grouped_counts)
            rs_fmt_grouped(vn, sizeof vn, (double)c->vehicles, 0, 4);
        else
            snprintf(vn, sizeof vn, "%llu", (unsigned long long)c->vehicles);
        snprintf(name, sizeof name, "%s (n = %s)", c->name, vn);
        rc = rs_chart_series(ch, name, n, x, y, lo, hi, 1);
    }
    free(buf);
    if (rc == RS_OK)
        rc = rs_chart_write_png(ch, path, co->width, co->height);
    rs_chart_free(ch);
    return rc;
}
