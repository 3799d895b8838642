/*
 * ksi_out.c — the KSI trend table and its caption (see ksi_out.h; the
 * figures come from analysis/ksi.c, the formats from base/fmt.h).
 */
#include "ksi_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "fmt.h"
#include "ksi_vehicle.h"

/* A count: whole casualties, or one decimal when adjusted. */
#define FMT_COUNT(buf, v, adj) rs_fmt_fixed((buf), 48, (v), (adj) ? 1 : 0)

static void caption(const rs_ksi_result *r, char *buf, size_t size)
{
    const rs_ksi_opts *o = &r->opts;
    const char *kind = o->by == RS_KSI_MONTH     ? "month"
                       : o->by == RS_KSI_QUARTER ? (o->financial ? "financial quarter"
                                                                 : "calendar quarter")
                                                 : (o->financial ? "financial year"
                                                                 : "calendar year");
    size_t n = 0;
#define ADD(...)                                                                           \
    do {                                                                                   \
        if (n < size) {                                                                    \
            int w_ = snprintf(buf + n, size - n, __VA_ARGS__);                             \
            n += w_ > 0 ? (size_t)w_ : 0;                                                  \
        }                                                                                  \
    } while (0)
    ADD("%s%s by %s", o->adjusted ? "Severity-adjusted " : "",
        o->collisions ? "KSI collisions (by collision severity)" : "KSI casualties",
        kind);
    if (r->nrows > 0)
        ADD(", %s to %s", r->rows[0].label, r->rows[r->nrows - 1].label);
    if (o->involving > 0)
        ADD(", in collisions involving %s %s", o->involving - 1 == RS_VF_ESCOOTER ? "an" : "a",
            rs_ksi_family_name(o->involving - 1));
    if (o->split == RS_KSI_SPLIT_VEHICLE)
        ADD(", by vehicle involved (the rows overlap: a collision counts in every family of "
            "vehicle it involves, so the rows add up to more than the %lld %s)",
            (long long)r->rows_total, o->collisions ? "collisions" : "casualties");
    else if (o->split != RS_KSI_SPLIT_NONE)
        ADD(", by %s", o->split == RS_KSI_SPLIT_ROAD_USER ? "road user"
                       : o->split == RS_KSI_SPLIT_AGE_BAND ? "age band"
                                                           : "district");
    if (r->span_first >= 0) {
        char a[24], b[24];
        rs_ksi_period_label(RS_KSI_MONTH, 0, r->span_first, a, sizeof a);
        rs_ksi_period_label(RS_KSI_MONTH, 0, r->span_last, b, sizeof b);
        ADD(". Data from %s to %s", a, b);
    } else {
        ADD(". No %s in the workspace", o->collisions ? "collisions" : "casualties");
    }
    ADD(". Compared with the same %s a year earlier (exact conditional test, p); 95%% exact "
        "Poisson interval of the KSI count",
        o->by == RS_KSI_MONTH ? "month" : o->by == RS_KSI_QUARTER ? "quarter" : "year");
    if (o->baseline_from > 0 && o->financial && o->by != RS_KSI_MONTH)
        ADD("; baseline: mean KSI of the same %s in %d/%02d to %d/%02d",
            o->by == RS_KSI_QUARTER ? "quarter" : "year", o->baseline_from,
            (o->baseline_from + 1) % 100, o->baseline_to, (o->baseline_to + 1) % 100);
    else if (o->baseline_from > 0)
        ADD("; baseline: mean KSI of the same %s in %d-%d",
            o->by == RS_KSI_MONTH ? "month" : o->by == RS_KSI_QUARTER ? "quarter" : "year",
            o->baseline_from, o->baseline_to);
    if (r->ntests > 0 && o->split != RS_KSI_SPLIT_NONE)
        ADD(". %zu test%s in this table (one per row compared with a year earlier); q_value is "
            "the Benjamini-Hochberg adjusted p-value over all %zu, and the verdict rests on it",
            r->ntests, r->ntests == 1 ? "" : "s", r->ntests);
    else if (r->ntests > 1)
        ADD(". %zu tests in this table, each on its own: about 1 in 20 gives p < 0.05 by "
            "chance alone",
            r->ntests);
    if (o->adjusted)
        ADD(". Adjusted as the DfT does (fatal + casualty_adjusted_severity_serious); %lld "
            "non-fatal casualt%s without the factor counted as recorded",
            (long long)r->no_factor, r->no_factor == 1 ? "y" : "ies");
    if (o->adjusted)
        ADD("; %lld of the %lld casualties were injury-based (severity from the injuries "
            "recorded, CRaSH/COPA)",
            (long long)r->injury_based, (long long)r->rows_total);
    if (o->enhanced)
        ADD(". Recorded serious split by enhanced severity where recorded (very, moderately, "
            "less serious; serious_unrecorded without it)");
    ADD(".");
#undef ADD
}

int rs_ksi_table(rs_ctx *ctx, const rs_ksi_result *r, rs_table **out)
{
    return rs_ksi_table_extra(ctx, r, NULL, 0, NULL, NULL, out);
}

int rs_ksi_table_extra(rs_ctx *ctx, const rs_ksi_result *r, const char *caption_extra,
                       size_t nextra, const char *const *extra_cols,
                       const char *const *extra_cells, rs_table **out)
{
    const rs_ksi_opts *o = &r->opts;
    const char *cols[48];
    if (nextra > 20)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "too many extra KSI columns");
    size_t nc = 0;
    cols[nc++] = "period";
    cols[nc++] = "fatal";
    cols[nc++] = "serious";
    cols[nc++] = "ksi";
    cols[nc++] = "slight";
    cols[nc++] = o->collisions ? "collisions" : "casualties";
    const char *split = rs_ksi_split_column(o->split);
    if (split)
        cols[nc++] = split;
    if (o->enhanced) {
        cols[nc++] = "very_serious";
        cols[nc++] = "moderately_serious";
        cols[nc++] = "less_serious";
        cols[nc++] = "serious_unrecorded";
    }
    if (o->adjusted) {
        cols[nc++] = "recorded_serious";
        cols[nc++] = "recorded_ksi";
        cols[nc++] = "no_factor";
    }
    cols[nc++] = "ksi_year_before";
    cols[nc++] = "change";
    cols[nc++] = "change_pct";
    cols[nc++] = "rolling_12m_ksi";
    if (o->baseline_from > 0) {
        cols[nc++] = "baseline_ksi";
        cols[nc++] = "baseline_change_pct";
    }
    cols[nc++] = "ksi_ci_low";
    cols[nc++] = "ksi_ci_high";
    cols[nc++] = "p_value";
    if (split)
        cols[nc++] = "q_value";
    cols[nc++] = "verdict";
    for (size_t j = 0; j < nextra; j++)
        cols[nc++] = extra_cols[j];

    char cap[2048];
    caption(r, cap, sizeof cap);
    if (caption_extra && *caption_extra) {
        size_t cl = strlen(cap);
        snprintf(cap + cl, sizeof cap - cl, " %s", caption_extra);
    }
    rs_table *t = rs_table_new(cap, nc, cols);
    if (t == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    int adj = o->adjusted;
    for (size_t i = 0; i < r->nrows; i++) {
        const rs_ksi_row *w = &r->rows[i];
        char v[28][48];
        const char *cells[48];
        size_t k = 0;
        snprintf(v[k++], 48, "%s", w->label);
        snprintf(v[k++], 48, "%lld", (long long)w->fatal);
        FMT_COUNT(v[k++], adj ? w->adj_serious : (double)w->serious, adj);
        FMT_COUNT(v[k++], w->ksi, adj);
        FMT_COUNT(v[k++], adj ? w->adj_slight : (double)w->slight, adj);
        snprintf(v[k++], 48, "%lld", (long long)w->total);
        if (split)
            snprintf(v[k++], 48, "%s", r->groups[w->group]);
        if (o->enhanced) {
            snprintf(v[k++], 48, "%lld", (long long)w->very_serious);
            snprintf(v[k++], 48, "%lld", (long long)w->moderately_serious);
            snprintf(v[k++], 48, "%lld", (long long)w->less_serious);
            snprintf(v[k++], 48, "%lld", (long long)(w->serious - w->very_serious -
                                                     w->moderately_serious - w->less_serious));
        }
        if (adj) {
            snprintf(v[k++], 48, "%lld", (long long)w->serious);
            snprintf(v[k++], 48, "%lld", (long long)(w->fatal + w->serious));
            snprintf(v[k++], 48, "%lld", (long long)w->no_factor);
        }
        FMT_COUNT(v[k++], w->ksi_before, adj);
        rs_fmt_signed(v[k++], 48, w->change, adj ? 1 : 0);
        rs_fmt_signed(v[k++], 48, w->change_pct, 1);
        FMT_COUNT(v[k++], w->rolling12, adj);
        if (o->baseline_from > 0) {
            rs_fmt_fixed(v[k++], 48, w->baseline, 1);
            rs_fmt_signed(v[k++], 48, w->baseline_change_pct, 1);
        }
        rs_fmt_fixed(v[k++], 48, w->ci.low, 1);
        rs_fmt_fixed(v[k++], 48, w->ci.high, 1);
        if (isnan(w->p))
            v[k++][0] = '\0';
        else
            snprintf(v[k++], 48, "%.4g", w->p);
        if (split) {
            if (isnan(w->q))
                v[k++][0] = '\0';
            else
                snprintf(v[k++], 48, "%.4g", w->q);
        }
        for (size_t j = 0; j < k; j++)
            cells[j] = v[j];
        cells[k] = w->verdict; /* longer than the 48-byte scratch cells */
        for (size_t j = 0; j < nextra; j++)
            cells[k + 1 + j] = extra_cells[i * nextra + j];
        if (rs_table_add(t, cells) != 0) {
            rs_table_free(t);
            return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        }
    }
    *out = t;
    return RS_OK;
}

/* ---- the chart ---------------------------------------------------------------- */

int rs_ksi_chart(rs_ctx *ctx, const rs_ksi_result *r, const char *path)
{
    size_t n = r->nrows;
    const char **labels = calloc(n ? n : 1, sizeof *labels);
    double *y = malloc((n ? n : 1) * sizeof *y), *prev = malloc((n ? n : 1) * sizeof *prev);
    double *lo = malloc((n ? n : 1) * sizeof *lo), *hi = malloc((n ? n : 1) * sizeof *hi);
    int rc = RS_ENOMEM;
    rs_chart *ch = NULL;
    if (labels == NULL || y == NULL || prev == NULL || lo == NULL || hi == NULL)
        goto done;
    for (size_t i = 0; i < n; i++) {
        const rs_ksi_row *w = &r->rows[i];
        labels[i] = w->label;
        y[i] = w->state == RS_KSI_NO_DATA ? NAN : w->ksi;
        prev[i] = w->state == RS_KSI_COMPARED ? w->ksi_before : NAN;
        lo[i] = w->ci.low;
        hi[i] = w->ci.high;
    }
    const rs_ksi_opts *o = &r->opts;
    const char *per = o->by == RS_KSI_MONTH     ? "month"
                      : o->by == RS_KSI_QUARTER ? "quarter"
                                                : "year";
    char title[160], xl[64], yl[64], same[64];
    snprintf(title, sizeof title, "%sKSI %s by %s%s", o->adjusted ? "Severity-adjusted " : "",
             o->collisions ? "collisions" : "casualties", o->financial && o->by != RS_KSI_MONTH
                                                              ? "financial "
                                                              : "",
             per);
    if (o->financial && o->by != RS_KSI_MONTH)
        snprintf(xl, sizeof xl, "Financial %s", per);
    else
        snprintf(xl, sizeof xl, "%c%s", per[0] - 'a' + 'A', per + 1);
    snprintf(yl, sizeof yl, "KSI %s", o->collisions ? "collisions" : "casualties");
    snprintf(same, sizeof same, "Same %s a year earlier", per);
    ch = rs_chart_new(ctx, title, xl, yl, n, labels);
    if (ch == NULL)
        goto done;
    int any_prev = 0;
    for (size_t i = 0; i < n; i++)
        any_prev |= !isnan(prev[i]);
    if ((rc = rs_chart_series(ch, "KSI", n, NULL, y, lo, hi, 0)) != RS_OK ||
        (any_prev && (rc = rs_chart_series(ch, same, n, NULL, prev, NULL, NULL, 0)) != RS_OK))
        goto done;
    rc = rs_chart_write_png(ch, path, 1200, 700);
done:
    if (rc == RS_ENOMEM)
        rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    rs_chart_free(ch);
    free(labels);
    free(y);
    free(prev);
    free(lo);
    free(hi);
    return rc;
}
