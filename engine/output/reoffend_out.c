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

int rs_reoffend_table(rs_ctx *ctx, const rs_reoffend_opts *o, const rs_reoffend_result *r,
                      rs_table **out)
{
    static const char *const cols[NCOLS] = {
        "cohort",      "vehicles",   "followed_up", "reoffended",  "rate",
        "ci_low",      "ci_high",    "diff",        "diff_low",    "diff_high",
        "rr",          "rr_low",     "rr_high",     "p_value",     "mh_rr",
        "mh_rr_low",   "mh_rr_high", "mh_strata",   "events",      "km_30",
        "km_30_low",   "km_30_high", "km_90",       "km_90_low",   "km_90_high",
        "km_180",      "km_180_low", "km_180_high", "km_365",      "km_365_low",
        "km_365_high", "logrank_chisq", "logrank_df", "logrank_p"};
    char caption[256], end[32], from[32] = "start", to[32] = "end";
    *out = NULL;
    rs_time_format_utc(r->data_end, end, sizeof end);
    if (o->from != INT64_MIN)
        rs_time_format_utc(o->from, from, sizeof from);
    if (o->to != INT64_MAX)
        rs_time_format_utc(o->to, to, sizeof to);
    snprintf(caption, sizeof caption,
             "Reoffending by index device: index detections in [%s, %s), window %.6g days, "
             "episode %.6g hours, data end %s; comparisons against %s",
             from, to, (double)o->window / 86400, (double)o->episode / 3600,
             r->data_end == INT64_MIN ? "none (no detections)" : end, o->cohorts[0]);
    rs_table *t = rs_table_new(caption, NCOLS, cols);
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
        if (rs_table_add(t, cell) != 0) {
            rs_table_free(t);
            return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (reoffending table)");
        }
    }
    *out = t;
    return RS_OK;
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
