/*
 * report_ksi.c — the board pack's KSI sections (see report.h): 1 the
 * headline table for the quarter against the same quarter a year earlier,
 * 2 the 12-quarter trend chart with its table, 3 the district table.
 *
 * Data structure: three rs_ksi_result runs split by district (casualties
 * over the 12 quarters, collisions and severity-adjusted casualties over
 * the quarter and the one a year earlier); figures for the chosen districts
 * are sums over their groups, and their intervals, tests and verdicts are
 * recomputed from the sums exactly as engine/ksi computes them for one
 * group (Garwood interval, exact conditional test, rs_ksi_verdict).  With
 * every district chosen the sums include the "(outside districts)" and
 * "(no location)" groups, so they equal the county's unsplit figures.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "fmt.h"
#include "funnel_out.h"
#include "ksi.h"
#include "report_int.h"
#include "stats.h"

/* Group g of a district-split result: district id, -1 outside every
 * district, -2 no location; -3 unknown. */
static int group_district(const rs_rep *r, const rs_ksi_result *res, size_t g)
{
    const char *name = res->groups[g];
    if (strcmp(name, "(outside districts)") == 0)
        return -1;
    if (strcmp(name, "(no location)") == 0)
        return -2;
    for (size_t i = 0; i < r->nd; i++)
        if (strcmp(rs_districts_name(r->d, i), name) == 0)
            return (int)i;
    return -3;
}

static int group_selected(const rs_rep *r, const rs_ksi_result *res, size_t g)
{
    if (res->opts.split == RS_KSI_SPLIT_NONE || r->all)
        return 1;
    int id = group_district(r, res, g);
    return id >= 0 && r->sel[id];
}

typedef struct ksum {
    int found;                /* any row of the period */
    double fatal, serious, slight, total, ksi, before, rolling;
    rs_ksi_state state;
    const char *verdict;      /* the ksi module's words for the state */
} ksum;

/* Sums the chosen groups' rows of one period. */
static ksum sum_period(const rs_rep *r, const rs_ksi_result *res, int period)
{
    ksum s;
    memset(&s, 0, sizeof s);
    s.state = RS_KSI_NO_DATA;
    s.verdict = "no data in this period";
    s.before = s.rolling = NAN;
    for (size_t k = 0; k < res->nrows; k++) {
        const rs_ksi_row *w = &res->rows[k];
        if (w->period != period || !group_selected(r, res, (size_t)w->group))
            continue;
        if (!s.found) {
            s.found = 1;
            s.state = w->state;
            s.verdict = w->verdict;
            s.before = w->state == RS_KSI_COMPARED ? 0 : NAN;
            s.rolling = isnan(w->rolling12) ? NAN : 0;
        }
        s.fatal += (double)w->fatal;
        s.serious += (double)w->serious;
        s.slight += (double)w->slight;
        s.total += (double)w->total;
        s.ksi += w->ksi;
        if (!isnan(s.before))
            s.before += w->ksi_before;
        if (!isnan(s.rolling))
            s.rolling += w->rolling12;
    }
    return s; /* exact sums: only printing rounds */
}

static int run(rs_rep *r, int collisions, int adjusted, int from, int to, rs_ksi_result **out)
{
    rs_ksi_opts o;
    memset(&o, 0, sizeof o);
    o.by = RS_KSI_QUARTER;
    o.financial = r->o->financial;
    o.from_month = from;
    o.to_month = to;
    o.split = r->nd > 0 ? RS_KSI_SPLIT_DISTRICT : RS_KSI_SPLIT_NONE;
    o.collisions = collisions;
    o.adjusted = adjusted;
    return rs_ksi_run(r->ctx, &o, out);
}

/* One headline row: now against before (NaN: not available); compared says
 * whether both periods are wholly inside the data; words is the verdict
 * when they are not. */
static int headline_row(rs_table *t, int *ntests, const char *measure, double now, double before,
                        int compared, int decimals, const char *words)
{
    char a[32], b[32], ch[32], ci[64], p[32], v[160];
    rs_fmt_fixed(a, sizeof a, now, decimals);
    rs_fmt_fixed(b, sizeof b, before, decimals);
    ch[0] = ci[0] = p[0] = '\0';
    snprintf(v, sizeof v, "%s", words);
    if (!isnan(now)) {
        rs_ci c = rs_poisson_ci((unsigned long)llround(now), 0.05);
        snprintf(ci, sizeof ci, "%.1f" RS_NBSP "to" RS_NBSP "%.1f", c.low, c.high);
    }
    if (compared && !isnan(now) && !isnan(before)) {
        double pv = rs_poisson_compare_p((unsigned long)llround(now),
                                         (unsigned long)llround(before));
        rs_fmt_signed(ch, sizeof ch, now - before, decimals);
        rs_fmt_p_cell(p, sizeof p, pv);
        rs_ksi_verdict(now, before, decimals, pv, NAN, 0, v, sizeof v);
        (*ntests)++;
    }
    const char *cells[] = {measure, a, b, ch, ci, p, v};
    return rs_table_add(t, cells);
}

/* ---- 1 the headline ----------------------------------------------------------- */

static int headline(rs_rep *r, const rs_ksi_result *cas, const rs_ksi_result *col,
                    const rs_ksi_result *adj, int P)
{
    ksum now = sum_period(r, cas, P), prev = sum_period(r, cas, P - 4);
    ksum cn = sum_period(r, col, P), cp = sum_period(r, col, P - 4);
    ksum an = sum_period(r, adj, P), ap = sum_period(r, adj, P - 4);
    int cmp = now.state == RS_KSI_COMPARED;
    int prev_ok = prev.state == RS_KSI_COMPARED || prev.state == RS_KSI_NO_COMPARISON;
    int now_ok = now.state != RS_KSI_NO_DATA;

    rs_rep_section_open(r, "headline", "1. KSI headline");
    rs_rep_para(r, NULL,
                "Casualties killed or seriously injured (KSI) in road collisions reported to "
                "the police (STATS19) in %s, against the same quarter a year earlier (%s).",
                r->qlabel, r->qprev);
    if (cmp) {
        char v[160];
        rs_ksi_verdict(now.ksi, now.before, 0,
                       rs_poisson_compare_p((unsigned long)llround(now.ksi),
                                            (unsigned long)llround(now.before)),
                       NAN, 0, v, sizeof v);
        fputs("<p><strong>", r->f);
        rs_rep_printf(r, "KSI casualties: %.0f in %s against %.0f in %s; %s.", now.ksi,
                      r->qlabel, now.before, r->qprev, v);
        fputs("</strong></p>\n", r->f);
    } else {
        fputs("<p><strong>", r->f);
        rs_rep_printf(r, "KSI casualties in %s: %s.", r->qlabel, now.verdict);
        fputs("</strong></p>\n", r->f);
    }

    char cap[256];
    snprintf(cap, sizeof cap,
             "Casualties and collisions in %s against %s%s, with the exact 95%% Poisson "
             "interval of this quarter's count and the exact test of the two counts",
             r->qlabel, r->qprev, r->all ? "" : " (chosen districts only)");
    const char *cols[] = {"measure", r->qlabel, r->qprev, "change", "95% interval",
                          "p-value", "verdict"};
    rs_table *t = rs_table_new(cap, 7, cols);
    if (t == NULL)
        return rs_rep_table(r, NULL);
    double nan = NAN;
    const char *w = now.verdict;
    int bad = 0, ntests = 0;
    bad |= headline_row(t, &ntests, "KSI casualties (killed or seriously injured)", now_ok ? now.ksi : nan,
                        prev_ok ? prev.ksi : nan, cmp, 0, w);
    bad |= headline_row(t, &ntests, "of which killed", now_ok ? now.fatal : nan,
                        prev_ok ? prev.fatal : nan, cmp, 0, w);
    bad |= headline_row(t, &ntests, "of which seriously injured", now_ok ? now.serious : nan,
                        prev_ok ? prev.serious : nan, cmp, 0, w);
    bad |= headline_row(t, &ntests, "slightly injured", now_ok ? now.slight : nan,
                        prev_ok ? prev.slight : nan, cmp, 0, w);
    bad |= headline_row(t, &ntests, "all casualties", now_ok ? now.total : nan,
                        prev_ok ? prev.total : nan, cmp, 0, w);
    int ccmp = cn.state == RS_KSI_COMPARED;
    bad |= headline_row(t, &ntests, "KSI collisions (by collision severity)",
                        cn.state != RS_KSI_NO_DATA ? cn.ksi : nan,
                        cp.state == RS_KSI_COMPARED || cp.state == RS_KSI_NO_COMPARISON ? cp.ksi
                                                                                         : nan,
                        ccmp, 0, cn.verdict);
    int rcmp = !isnan(now.rolling) && !isnan(prev.rolling);
    bad |= headline_row(t, &ntests, "KSI casualties, 12 months to the quarter's end", now.rolling,
                        prev.rolling, rcmp, 0,
                        rcmp ? "" : "not available: the 12 months are not all in the data");
    bad |= headline_row(t, &ntests, "severity-adjusted KSI casualties (DfT)",
                        an.state != RS_KSI_NO_DATA ? an.ksi : nan,
                        ap.state == RS_KSI_COMPARED || ap.state == RS_KSI_NO_COMPARISON ? ap.ksi
                                                                                         : nan,
                        an.state == RS_KSI_COMPARED, 1, an.verdict);
    if (bad) {
        rs_table_free(t);
        return rs_rep_table(r, NULL);
    }
    int rc = rs_rep_table(r, t);
    if (rc != 0)
        return rc;
    rs_rep_para(r, "note",
                "KSI: fatal plus serious casualties as recorded. A change is called unlikely to "
                "be chance alone when the exact conditional test of the two counts gives "
                "p < 0.05; otherwise it is within the variation expected of counts this size. "
                "The table runs %d tests on overlapping counts, each on its own: about 1 in 20 "
                "tests gives p < 0.05 by chance alone. The 12-month row compares "
                "the 12 months ending with %s with the 12 months ending a year earlier. "
                "Severity-adjusted figures follow the DfT: fatal plus each non-fatal "
                "casualty's probability of being serious (recorded severity where the file "
                "has no factor); their interval and test use the exact sum rounded once to a "
                "whole number.",
                ntests, r->qlabel);
    rs_rep_section_close(r);
    return RS_OK;
}

/* ---- 2 the trend ---------------------------------------------------------------- */

static int trend(rs_rep *r, const rs_ksi_result *cas, int P)
{
    enum { NQ = 12 };
    char labels[NQ][24];
    const char *lp[NQ];
    double y[NQ], lo[NQ], hi[NQ], prev[NQ];
    ksum s[NQ];
    int any_prev = 0;
    for (int k = 0; k < NQ; k++) {
        int p = P - (NQ - 1) + k;
        rs_ksi_period_label(RS_KSI_QUARTER, r->o->financial, p, labels[k], sizeof labels[k]);
        lp[k] = labels[k];
        s[k] = sum_period(r, cas, p);
        if (s[k].state == RS_KSI_NO_DATA) {
            y[k] = lo[k] = hi[k] = NAN;
        } else {
            y[k] = s[k].ksi;
            rs_ci c = rs_poisson_ci((unsigned long)llround(s[k].ksi), 0.05);
            lo[k] = c.low;
            hi[k] = c.high;
        }
        prev[k] = s[k].before;
        any_prev |= !isnan(prev[k]);
    }
    rs_rep_section_open(r, "trend", "2. KSI trend");
    char title[128], sameq[64];
    snprintf(title, sizeof title, "KSI casualties by %squarter, %s to %s",
             r->o->financial ? "financial " : "", labels[0], labels[NQ - 1]);
    snprintf(sameq, sizeof sameq, "Same quarter a year earlier");
    rs_chart *ch = rs_chart_new(r->ctx, title, r->o->financial ? "Financial quarter" : "Quarter",
                                "KSI casualties", NQ, lp);
    if (ch == NULL)
        return rs_ctx_err(r->ctx)->code ? rs_ctx_err(r->ctx)->code : RS_ENOMEM;
    int rc = rs_chart_series(ch, "KSI casualties", NQ, NULL, y, lo, hi, 0);
    if (rc == RS_OK && any_prev)
        rc = rs_chart_series(ch, sameq, NQ, NULL, prev, NULL, NULL, 0);
    char path[4096];
    rs_rep_img_path(r, path, sizeof path);
    if (rc == RS_OK)
        rc = rs_chart_write_png(ch, path, 1200, 640);
    rs_chart_free(ch);
    if (rc != RS_OK)
        return rc;

    /* the alt text says what the chart shows */
    int kmin = -1, kmax = -1;
    for (int k = 0; k < NQ; k++) {
        if (isnan(y[k]))
            continue;
        if (kmin < 0 || y[k] < y[kmin])
            kmin = k;
        if (kmax < 0 || y[k] > y[kmax])
            kmax = k;
    }
    char alt[1024], cap[512];
    if (kmin < 0) {
        snprintf(alt, sizeof alt,
                 "Line chart of KSI casualties by quarter from %s to %s; the workspace has no "
                 "casualties in these quarters, so no line is drawn.",
                 labels[0], labels[NQ - 1]);
    } else {
        int n = snprintf(alt, sizeof alt,
                         "Line chart of KSI casualties by quarter from %s to %s, with the 95%% "
                         "interval as a shaded band%s. KSI ranged from %.0f in %s to %.0f in %s",
                         labels[0], labels[NQ - 1],
                         any_prev ? " and the same quarter a year earlier as a dashed line" : "",
                         y[kmin], labels[kmin], y[kmax], labels[kmax]);
        if (!isnan(y[NQ - 1]) && n > 0 && (size_t)n < sizeof alt) {
            if (!isnan(prev[NQ - 1]))
                snprintf(alt + n, sizeof alt - (size_t)n, "; in %s it was %.0f, against %.0f a "
                         "year earlier.", labels[NQ - 1], y[NQ - 1], prev[NQ - 1]);
            else
                snprintf(alt + n, sizeof alt - (size_t)n, "; in %s it was %.0f.",
                         labels[NQ - 1], y[NQ - 1]);
        } else if (n > 0 && (size_t)n < sizeof alt) {
            snprintf(alt + n, sizeof alt - (size_t)n, ".");
        }
    }
    snprintf(cap, sizeof cap,
             "KSI casualties per quarter%s, %s to %s. The band is the exact 95%% Poisson "
             "interval of each count: quarters whose bands overlap may not really differ. The "
             "figures are in the table below.",
             r->all ? "" : " in the chosen districts", labels[0], labels[NQ - 1]);
    if ((rc = rs_rep_embed_png(r, path, alt, cap)) != RS_OK)
        return rc;

    char tcap[320];
    int ntests = 0;
    for (int k = 0; k < NQ; k++)
        ntests += !isnan(prev[k]);
    if (ntests > 1)
        snprintf(tcap, sizeof tcap,
                 "KSI casualties by quarter, %s to %s (the chart's figures). %d quarters "
                 "compared with a year earlier, each on its own: about 1 in 20 tests gives "
                 "p < 0.05 by chance alone",
                 labels[0], labels[NQ - 1], ntests);
    else
        snprintf(tcap, sizeof tcap, "KSI casualties by quarter, %s to %s (the chart's figures)",
                 labels[0], labels[NQ - 1]);
    const char *cols[] = {"quarter", "KSI", "95% interval", "a year earlier", "verdict"};
    rs_table *t = rs_table_new(tcap, 5, cols);
    if (t == NULL)
        return rs_rep_table(r, NULL);
    for (int k = 0; k < NQ; k++) {
        char a[32] = "", ci[64] = "", b[32] = "", v[160];
        snprintf(v, sizeof v, "%s", s[k].verdict);
        if (!isnan(y[k])) {
            rs_fmt_fixed(a, sizeof a, y[k], 0);
            snprintf(ci, sizeof ci, "%.1f" RS_NBSP "to" RS_NBSP "%.1f", lo[k], hi[k]);
        }
        if (!isnan(prev[k])) {
            rs_fmt_fixed(b, sizeof b, prev[k], 0);
            rs_ksi_verdict(y[k], prev[k], 0,
                           rs_poisson_compare_p((unsigned long)llround(y[k]),
                                                (unsigned long)llround(prev[k])),
                           NAN, 0, v, sizeof v);
        }
        const char *cells[] = {labels[k], a, ci, b, v};
        if (rs_table_add(t, cells) != 0) {
            rs_table_free(t);
            return rs_rep_table(r, NULL);
        }
    }
    if ((rc = rs_rep_table(r, t)) != 0)
        return rc;
    rs_rep_section_close(r);
    return RS_OK;
}

/* ---- 3 the districts --------------------------------------------------------------- */

typedef struct dcounts {
    long long det, trucam, gatso, concerns;
} dcounts;

/* Detections and concerns in the quarter per district id; slot nd is
 * "outside every district". */
static int district_counts(rs_rep *r, dcounts *c)
{
    sqlite3_stmt *st = rs_rep_prepare(
        r, "SELECT district_id, count(*), sum(device_type = 'TRUCAM'), "
           "sum(device_type = 'GATSO') FROM detection WHERE t >= ?1 AND t < ?2 "
           "GROUP BY district_id");
    if (st == NULL)
        return rs_ctx_err(r->ctx)->code;
    sqlite3_bind_int64(st, 1, r->t0);
    sqlite3_bind_int64(st, 2, r->t1);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        size_t i = sqlite3_column_type(st, 0) == SQLITE_NULL ? r->nd
                                                            : (size_t)sqlite3_column_int64(st, 0);
        if (i > r->nd)
            i = r->nd;
        c[i].det += sqlite3_column_int64(st, 1);
        c[i].trucam += sqlite3_column_int64(st, 2);
        c[i].gatso += sqlite3_column_int64(st, 3);
    }
    int rc = rs_rep_finish(r, st, s, "count detections by district");
    if (rc != 0)
        return rc;
    st = rs_rep_prepare(r, "SELECT district_id, count(*) FROM concern WHERE t >= ?1 AND t < ?2 "
                           "GROUP BY district_id");
    if (st == NULL)
        return rs_ctx_err(r->ctx)->code;
    sqlite3_bind_int64(st, 1, r->t0);
    sqlite3_bind_int64(st, 2, r->t1);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        size_t i = sqlite3_column_type(st, 0) == SQLITE_NULL ? r->nd
                                                            : (size_t)sqlite3_column_int64(st, 0);
        if (i > r->nd)
            i = r->nd;
        c[i].concerns += sqlite3_column_int64(st, 1);
    }
    return rs_rep_finish(r, st, s, "count concerns by district");
}

/* A row of the district table; detections and concerns never loaded
 * (r->have_det, r->have_con) say so instead of 0; words replaces the row's
 * verdict when not NULL. */
static int district_row(const rs_rep *r, rs_table *t, const char *name, const rs_ksi_row *now,
                        const char *words,
                        const dcounts *c, int has_counts)
{
    char k[32] = "", b[32] = "", v[160] = "", tot[32] = "", d[32] = "", tr[32] = "", ga[32] = "",
         co[32] = "";
    if (now) {
        if (now->state != RS_KSI_NO_DATA) {
            rs_fmt_fixed(k, sizeof k, now->ksi, 0);
            rs_rep_count(now->total, tot, sizeof tot);
        }
        rs_fmt_fixed(b, sizeof b, now->ksi_before, 0);
        snprintf(v, sizeof v, "%s", words ? words : now->verdict);
    }
    if (has_counts) {
        rs_rep_count(c->det, d, sizeof d);
        rs_rep_count(c->trucam, tr, sizeof tr);
        rs_rep_count(c->gatso, ga, sizeof ga);
        rs_rep_count(c->concerns, co, sizeof co);
        if (!r->have_det) {
            snprintf(d, sizeof d, RS_REP_NOT_LOADED);
            snprintf(tr, sizeof tr, RS_REP_NOT_LOADED);
            snprintf(ga, sizeof ga, RS_REP_NOT_LOADED);
        }
        if (!r->have_con)
            snprintf(co, sizeof co, RS_REP_NOT_LOADED);
    }
    const char *cells[] = {name, k, b, v, tot, d, tr, ga, co};
    return rs_table_add(t, cells);
}

/* The funnel plot of KSI per km² over the four quarters ending with the
 * quarter, every district against the county rate (whatever districts are
 * chosen: the limits are the county's), with the districts outside the
 * limits named. */
static int district_funnel(rs_rep *r, const rs_ksi_result *cas, int P)
{
    char path[4096], words[2048], alt[2600], cap[512], a[24];
    rs_ksi_period_label(RS_KSI_QUARTER, r->o->financial, P - 3, a, sizeof a);
    fputs("<h3>District funnel plot</h3>\n", r->f);
    rs_rep_img_path(r, path, sizeof path);
    int rc = rs_ksi_funnel_png(r->ctx, cas, P - 3, P, r->d, 0, NULL, NULL, path, words,
                               sizeof words);
    if (rc != RS_OK)
        return rc;
    snprintf(alt, sizeof alt,
             "Funnel plot: each district's KSI casualties per square kilometre from %s to %s "
             "against its area, with the county rate as a line and the exact Poisson 95%% and "
             "99.8%% control limits narrowing as the area grows. %s",
             a, r->qlabel, words);
    snprintf(cap, sizeof cap,
             "KSI casualties per km\xc2\xb2 by district over the four quarters %s to %s, against "
             "the county rate, with exact Poisson 95%% and 99.8%% control limits (every "
             "district, whatever districts are chosen). A district outside the limits has more "
             "(or fewer) KSI for its area than chance gives a place of its size.",
             a, r->qlabel);
    if ((rc = rs_rep_embed_png(r, path, alt, cap)) != RS_OK)
        return rc;
    rs_rep_para(r, NULL, "%s", words);
    return RS_OK;
}

static int districts(rs_rep *r, const rs_ksi_result *cas, int P)
{
    rs_rep_section_open(r, "districts", "3. Districts");
    if (r->nd == 0) {
        rs_rep_para(r, "unavailable",
                    "No districts are loaded in the workspace, so there is no district table "
                    "(roadsafe districts load ...).");
        rs_rep_section_close(r);
        return RS_OK;
    }
    dcounts *c = calloc(r->nd + 1, sizeof *c);
    if (c == NULL)
        return rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
    int rc = district_counts(r, c);
    if (rc == 0 && (r->have_det = rs_rep_loaded(r, "detection")) < 0)
        rc = r->have_det;
    if (rc == 0 && (r->have_con = rs_rep_loaded(r, "concern")) < 0)
        rc = r->have_con;
    if (rc != 0) {
        free(c);
        return rc;
    }
    rs_rep_para(r, NULL,
                "KSI casualties by the district the collision is located in, against the same "
                "quarter a year earlier, with the speed detections (all devices; TRUCAM "
                "hand-held laser and GATSO fixed camera of them) and community speeding "
                "concerns recorded in %s.",
                r->qlabel);
    int bad = 0;
    const rs_ksi_row *outside = NULL, *noloc = NULL;
    const rs_ksi_row **byid = calloc(r->nd, sizeof *byid);
    if (byid == NULL)
        bad = 1;
    for (size_t k = 0; !bad && k < cas->nrows; k++) {
        const rs_ksi_row *w = &cas->rows[k];
        if (w->period != P)
            continue;
        int id = group_district(r, cas, (size_t)w->group);
        if (id >= 0)
            byid[id] = w;
        else if (id == -1)
            outside = w;
        else if (id == -2)
            noloc = w;
    }
    /* The district rows shown are tested together: Benjamini-Hochberg over
     * them, and each verdict rests on its q. */
    size_t nshow = r->nd + 2, ntests = 0;
    double *pq = bad ? NULL : malloc(2 * nshow * sizeof *pq);
    char(*words)[160] = bad ? NULL : calloc(nshow, sizeof *words);
    if (pq == NULL || words == NULL)
        bad = 1;
    for (size_t i = 0; !bad && i < nshow; i++) {
        const rs_ksi_row *w = i < r->nd ? (r->sel[i] ? byid[i] : NULL)
                              : !r->all ? NULL
                              : i == r->nd ? outside : noloc;
        pq[i] = w && w->state == RS_KSI_COMPARED ? w->p : NAN;
        ntests += !isnan(pq[i]);
    }
    if (!bad && rs_bh_adjust(nshow, pq, pq + nshow) != 0)
        bad = 1;
    for (size_t i = 0; !bad && i < nshow; i++) {
        const rs_ksi_row *w = i < r->nd ? byid[i] : i == r->nd ? outside : noloc;
        if (!isnan(pq[i]))
            rs_ksi_verdict(w->ksi, w->ksi_before, 0, pq[i], pq[nshow + i], ntests, words[i],
                           sizeof words[i]);
    }
    char cap[384];
    if (ntests > 1)
        snprintf(cap, sizeof cap,
                 "KSI casualties, detections and concerns by district, %s. %zu rows "
                 "compared with %s: the verdicts allow for the %zu tests (Benjamini-Hochberg "
                 "adjusted p-value q)",
                 r->qlabel, ntests, r->qprev, ntests);
    else
        snprintf(cap, sizeof cap, "KSI casualties, detections and concerns by district, %s",
                 r->qlabel);
    const char *cols[] = {"district", "KSI",        r->qprev, "verdict", "all casualties",
                          "detections", "TRUCAM",   "GATSO",  "concerns"};
    rs_table *t = rs_table_new(cap, 9, cols);
    if (t == NULL) {
        free(pq);
        free(words);
        free(byid);
        free(c);
        return rs_rep_table(r, NULL);
    }
#define WORDS(i) (!bad && !isnan(pq[i]) ? words[i] : NULL)
    dcounts tot = {0, 0, 0, 0};
    for (size_t i = 0; !bad && i < r->nd; i++) {
        if (!r->sel[i])
            continue;
        bad |= district_row(r, t, rs_districts_name(r->d, i), byid[i], WORDS(i), &c[i], 1) != 0;
        tot.det += c[i].det;
        tot.trucam += c[i].trucam;
        tot.gatso += c[i].gatso;
        tot.concerns += c[i].concerns;
    }
    if (!bad && r->all) {
        dcounts *o = &c[r->nd];
        if (outside || o->det || o->concerns)
            bad |= district_row(r, t, "(outside every district)", outside, WORDS(r->nd), o, 1) != 0;
        if (noloc)
            bad |= district_row(r, t, "(collision without a location)", noloc, WORDS(r->nd + 1),
                                o, 0) != 0;
        tot.det += o->det;
        tot.trucam += o->trucam;
        tot.gatso += o->gatso;
        tot.concerns += o->concerns;
    }
    if (!bad) {
        ksum s = sum_period(r, cas, P);
        rs_ksi_row w;
        memset(&w, 0, sizeof w);
        w.state = s.state;
        w.ksi = s.ksi;
        w.total = (int64_t)s.total;
        w.ksi_before = s.before;
        snprintf(w.verdict, sizeof w.verdict, "%s", s.verdict);
        if (s.state == RS_KSI_COMPARED)
            rs_ksi_verdict(s.ksi, s.before, 0,
                           rs_poisson_compare_p((unsigned long)llround(s.ksi),
                                                (unsigned long)llround(s.before)),
                           NAN, 0, w.verdict, sizeof w.verdict);
        bad |= district_row(r, t, r->all ? "County total" : "Chosen districts", &w, NULL, &tot,
                            1) != 0;
    }
#undef WORDS
    free(pq);
    free(words);
    free(byid);
    free(c);
    if (bad) {
        rs_table_free(t);
        return rs_rep_table(r, NULL);
    }
    if ((rc = rs_rep_table(r, t)) != 0)
        return rc;
    rs_rep_para(r, "note",
                "A district's verdict uses the same exact test as the county's, with its "
                "p-value adjusted for the number of districts tested at once (Benjamini-"
                "Hochberg q): of many districts, about 1 in 20 would show p < 0.05 by chance "
                "alone. With the small counts of one district most changes are within normal "
                "variation. Detections "
                "count every device; TRUCAM and GATSO are shown as the two devices compared in "
                "section 5.");
    if ((rc = district_funnel(r, cas, P)) != RS_OK)
        return rc;
    rs_rep_section_close(r);
    return RS_OK;
}

int rs_rep_ksi(rs_rep *r)
{
    int fin = r->o->financial;
    int P = rs_ksi_period_of(RS_KSI_QUARTER, fin, r->q_first);
    int last = r->q_first + 2;
    rs_ksi_result *cas = NULL, *col = NULL, *adj = NULL;
    int rc;
    if ((rc = run(r, 0, 0, r->q_first - 33, last, &cas)) != RS_OK ||
        (rc = run(r, 1, 0, r->q_first - 12, last, &col)) != RS_OK ||
        (rc = run(r, 0, 1, r->q_first - 12, last, &adj)) != RS_OK)
        goto done;
    if ((rc = headline(r, cas, col, adj, P)) != RS_OK || (rc = trend(r, cas, P)) != RS_OK ||
        (rc = districts(r, cas, P)) != RS_OK)
        goto done;
done:
    rs_ksi_result_free(cas);
    rs_ksi_result_free(col);
    rs_ksi_result_free(adj);
    return rc;
}
