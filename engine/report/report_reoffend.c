/*
 * report_reoffend.c — the board pack's section 5: does a TRUCAM (hand-held
 * laser) or a GATSO (fixed camera) detection deter reoffending more?
 *
 * The pack's cohort: vehicles whose first detection in the 12 months
 * ending a year before the quarter's end was by TRUCAM or GATSO, followed
 * to the quarter's end (so every one has a full 12 months of follow-up;
 * detections after the quarter are not used).  Everything else is
 * engine/reoffend with its defaults: a reoffence is a later detection by
 * any device more than 24 hours after the first; Mantel–Haenszel strata by
 * speed limit and excess speed.  Shown: the rates, the comparison against
 * TRUCAM, the Kaplan–Meier curves (chart and read-outs) and the log-rank
 * test, with a sentence in plain words.
 *
 * Data structure: one rs_reoffend_result; the chart is drawn by
 * output/reoffend_out.h (the one `roadsafe reoffend --plot` draws, in the
 * pack's words and size) into the private directory and embedded.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "periods.h"
#include "reoffend.h"
#include "reoffend_out.h"
#include "report_int.h"

static void pct(double v, char *buf, size_t size)
{
    rs_fmt_fixed(buf, size, isnan(v) ? v : 100 * v, 1);
}

static void pct_ci(rs_ci c, char *buf, size_t size)
{
    if (isnan(c.low) || isnan(c.high))
        buf[0] = '\0';
    else
        snprintf(buf, size, "%.1f" RS_NBSP "to" RS_NBSP "%.1f", 100 * c.low + 0.0, 100 * c.high + 0.0);
}

static void ratio_ci(rs_ci c, char *buf, size_t size)
{
    if (isnan(c.low) || isnan(c.high))
        buf[0] = '\0';
    else
        snprintf(buf, size, "%.2f" RS_NBSP "to" RS_NBSP "%.2f", c.low, c.high);
}

/* The words of the options the analysis ran with, so the prose says what
 * was computed: the rate's window ("12 months" for 365 days, else "N
 * days"), the episode ("24 hours") and the window in days ("365"). */
typedef struct words {
    char window[32], episode[32], days[32];
} words;

static void words_of(const rs_reoffend_opts *o, words *w)
{
    double d = (double)o->window / 86400, h = (double)o->episode / 3600;
    if (o->window == 365 * 86400LL)
        snprintf(w->window, sizeof w->window, "12 months");
    else
        snprintf(w->window, sizeof w->window, "%.6g day%s", d, d == 1 ? "" : "s");
    snprintf(w->episode, sizeof w->episode, "%.6g hour%s", h, h == 1 ? "" : "s");
    snprintf(w->days, sizeof w->days, "%.6g", d);
}

static int rates_tables(rs_rep *r, const rs_reoffend_result *res, const words *w,
                        const char *index_words)
{
    char cap[320], fcol[64], rcol[64];
    snprintf(cap, sizeof cap,
             "Reoffending within %s of the first detection, by its device (first "
             "detected %s)",
             w->window, index_words);
    snprintf(fcol, sizeof fcol, "followed %s", w->window);
    snprintf(rcol, sizeof rcol, "reoffended within %s", w->window);
    const char *cols[] = {"first detected by", "vehicles", fcol, rcol, "rate (%)",
                          "95% interval (%)"};
    rs_table *t = rs_table_new(cap, 6, cols);
    int bad = t == NULL;
    for (size_t j = 0; !bad && j < res->ncohorts; j++) {
        const rs_reoffend_cohort *c = &res->cohort[j];
        char v[32], fu[32], re[32], ra[32], ci[48];
        rs_rep_count((long long)c->vehicles, v, sizeof v);
        rs_rep_count((long long)c->followed_up, fu, sizeof fu);
        rs_rep_count((long long)c->reoffended, re, sizeof re);
        pct(c->rate, ra, sizeof ra);
        if (isnan(c->rate))
            ci[0] = '\0';
        else
            pct_ci(c->ci, ci, sizeof ci);
        const char *cells[] = {c->name, v, fu, re, ra, ci};
        bad = rs_table_add(t, cells) != 0;
    }
    if (bad) {
        rs_table_free(t);
        return rs_rep_table(r, NULL);
    }
    int rc = rs_rep_table(r, t);
    if (rc != RS_OK || res->ncohorts < 2)
        return rc;

    snprintf(cap, sizeof cap, "Each device against %s (the reference)", res->cohort[0].name);
    const char *cols2[] = {"first detected by", "difference, percentage points (95% interval)",
                           "relative risk (95% interval)", "p-value",
                           "adjusted relative risk (95% interval)"};
    t = rs_table_new(cap, 5, cols2);
    bad = t == NULL;
    for (size_t j = 1; !bad && j < res->ncohorts; j++) {
        const rs_reoffend_cohort *c = &res->cohort[j];
        char d[64] = "", rr[64] = "", rci[48] = "", p[32] = "", mh[64] = "", mci[48] = "";
        if (!isnan(c->diff))
            snprintf(d, sizeof d, "%+.1f (%+.1f" RS_NBSP "to" RS_NBSP "%+.1f)", 100 * c->diff + 0.0,
                     100 * c->diff_ci.low + 0.0, 100 * c->diff_ci.high + 0.0);
        if (!isnan(c->rr)) {
            ratio_ci(c->rr_ci, rci, sizeof rci);
            snprintf(rr, sizeof rr, rci[0] ? "%.2f (%s)" : "%.2f%s", c->rr, rci);
        }
        rs_fmt_p_cell(p, sizeof p, c->p);
        if (!isnan(c->mh.rr)) {
            ratio_ci(c->mh.ci, mci, sizeof mci);
            snprintf(mh, sizeof mh, mci[0] ? "%.2f (%s)" : "%.2f%s", c->mh.rr, mci);
        }
        const char *cells[] = {c->name, d, rr, p, mh};
        bad = rs_table_add(t, cells) != 0;
    }
    if (bad) {
        rs_table_free(t);
        return rs_rep_table(r, NULL);
    }
    return rs_rep_table(r, t);
}

/* The comparison in plain words, as `roadsafe reoffend --format md|html`
 * words it (output/reoffend_out.h): the first sentence in bold, then the
 * relative risks and the caveat on exposure to enforcement. */
static void verdict(rs_rep *r, const rs_reoffend_opts *o, const rs_reoffend_result *res)
{
    char head[512], detail[1024];
    if (rs_reoffend_words(o, res, head, sizeof head, detail, sizeof detail) != 0) {
        if (head[0])
            rs_rep_para(r, "unavailable", "%s", head);
        return;
    }
    fputs("<p><strong>", r->f);
    rs_rep_printf(r, "%s", head);
    fputs("</strong></p>\n", r->f);
    rs_rep_para(r, NULL, "%s", detail);
}

static int km_chart(rs_rep *r, const rs_reoffend_opts *o, const rs_reoffend_result *res,
                    const words *w)
{
    char alt[1024];
    int drawn = 0;
    int n = snprintf(alt, sizeof alt,
                     "Step chart of the cumulative percentage of vehicles reoffending against "
                     "days after their first detection, 0 to %s, one line per device with its "
                     "95%% band",
                     w->days);
    for (size_t j = 0; j < res->ncohorts; j++) {
        const rs_reoffend_cohort *c = &res->cohort[j];
        size_t m = rs_reoffend_chart_points(o, c);
        if (m == 0)
            continue;
        drawn++;
        if (n > 0 && (size_t)n < sizeof alt)
            n += snprintf(alt + n, sizeof alt - (size_t)n, "%s%s %.1f%% at day %.0f",
                          j == 0 ? ": " : ", ", c->name, 100 * c->curve[m - 1].cum,
                          c->curve[m - 1].day);
    }
    if (n > 0 && (size_t)n < sizeof alt)
        snprintf(alt + n, sizeof alt - (size_t)n, ".");
    if (!drawn) {
        rs_rep_para(r, "unavailable", "No curve to draw: no cohort has a vehicle.");
        return RS_OK;
    }
    const rs_reoffend_chart_opts co = {
        "Cumulative reoffending after the first detection (Kaplan-Meier, 95% bands)",
        "Days after the first detection", "Vehicles reoffended (%)", 1100, 620, 1};
    char path[4096];
    rs_rep_img_path(r, path, sizeof path);
    int rc = rs_reoffend_chart(r->ctx, o, res, &co, path);
    if (rc != RS_OK)
        return rc;
    return rs_rep_embed_png(r, path, alt,
                            "Kaplan-Meier cumulative reoffending by the device of the first "
                            "detection, with 95% bands (Greenwood, log-log). The read-outs "
                            "are in the table below.");
}

static int km_table(rs_rep *r, const rs_reoffend_result *res)
{
    char kcol[RS_REOFFEND_NKM][32];
    for (int i = 0; i < RS_REOFFEND_NKM; i++)
        snprintf(kcol[i], sizeof kcol[i], "%.6g days (%%)", res->km_days[i]);
    const char *cols[] = {"first detected by", "reoffences observed", kcol[0], kcol[1], kcol[2],
                          kcol[3]};
    rs_table *t = rs_table_new("Cumulative reoffending (Kaplan-Meier) with 95% intervals", 6,
                               cols);
    int bad = t == NULL;
    for (size_t j = 0; !bad && j < res->ncohorts; j++) {
        const rs_reoffend_cohort *c = &res->cohort[j];
        char ev[32], k[RS_REOFFEND_NKM][64];
        rs_rep_count((long long)c->events, ev, sizeof ev);
        for (int i = 0; i < RS_REOFFEND_NKM; i++) {
            if (isnan(c->km[i]))
                k[i][0] = '\0';
            else
                snprintf(k[i], sizeof k[i], "%.1f (%.1f" RS_NBSP "to" RS_NBSP "%.1f)", 100 * c->km[i] + 0.0,
                         100 * c->km_ci[i].low + 0.0, 100 * c->km_ci[i].high + 0.0);
        }
        const char *cells[] = {c->name, ev, k[0], k[1], k[2], k[3]};
        bad = rs_table_add(t, cells) != 0;
    }
    if (bad) {
        rs_table_free(t);
        return rs_rep_table(r, NULL);
    }
    int rc = rs_rep_table(r, t);
    if (rc != RS_OK)
        return rc;
    if (!isnan(res->logrank_chisq)) {
        char pb[32];
        rs_fmt_p_words(pb, sizeof pb, res->logrank_p);
        rs_rep_para(r, NULL, "Log-rank test of the curves: chi-square %.2f on %d degree%s of "
                    "freedom, %s: %s.",
                    res->logrank_chisq, res->logrank_df, res->logrank_df == 1 ? "" : "s", pb,
                    res->logrank_p < 0.05 ? "the curves really differ"
                                          : "the curves do not differ beyond chance");
    }
    return RS_OK;
}

int rs_rep_reoffend(rs_rep *r)
{
    rs_rep_section_open(r, "reoffending", "5. Reoffending: TRUCAM against GATSO");
    rs_reoffend_opts o;
    rs_reoffend_opts_default(&o);
    int end = r->q_first + 3; /* the month after the quarter */
    o.from = rs_month_start_utc(end - 24);
    o.to = rs_month_start_utc(end - 12);
    o.data_end = r->t1 - 1;
    char a[40], b[40], iw[128], de[40];
    rs_rep_day_words(o.from, a, sizeof a);
    rs_rep_day_words(o.to - 1, b, sizeof b);
    rs_rep_day_words(o.data_end, de, sizeof de);
    snprintf(iw, sizeof iw, "%s to %s", a, b);
    words w;
    words_of(&o, &w);
    rs_rep_para(r, NULL,
                "Vehicles are grouped by the device of their first detection from %s (the 12 "
                "months ending a year before the quarter's end) and followed to %s, so each has "
                "12 months in which to be detected again. A reoffence is any later detection, "
                "by any device, more than %s after the first. Vehicles are the keyed "
                "hashes of plates: no plate is used. County-wide, whatever the districts "
                "chosen.",
                iw, de, w.episode);
    rs_reoffend_result *res = NULL;
    int rc = rs_reoffend_run(r->ctx, &o, &res);
    if (rc != RS_OK)
        return rc;
    if (res->no_plate > 0) {
        char np[32];
        rs_rep_count((long long)res->no_plate, np, sizeof np);
        rs_rep_para(r, "note",
                    "%s detection%s without a plate up to %s %s no vehicle to follow and %s "
                    "left out of reoffending (%s counted in the other sections).",
                    np, res->no_plate == 1 ? "" : "s", de, res->no_plate == 1 ? "has" : "have",
                    res->no_plate == 1 ? "is" : "are", res->no_plate == 1 ? "it is" : "they are");
    }
    uint64_t any = 0;
    for (size_t j = 0; j < res->ncohorts; j++)
        any += res->cohort[j].vehicles;
    if (any == 0) {
        rs_rep_para(r, "unavailable",
                    "Not available: no vehicle was first detected by TRUCAM or GATSO from %s.",
                    iw);
    } else if ((rc = rates_tables(r, res, &w, iw)) == RS_OK) {
        verdict(r, &o, res);
        fputs("<h3>Survival curves</h3>\n", r->f);
        if ((rc = km_chart(r, &o, res, &w)) == RS_OK)
            rc = km_table(r, res);
    }
    rs_reoffend_result_free(res);
    if (rc != RS_OK)
        return rc;
    rs_rep_para(r, "note",
                "Rates: Wilson 95%% intervals; differences: Newcombe's hybrid score interval; "
                "relative risks: log (Katz) intervals; adjusted relative risk: Mantel-Haenszel "
                "across speed-limit and excess-speed strata (Greenland-Robins interval). Speed "
                "awareness courses and penalties differ by device and are not taken into "
                "account, nor is how often each vehicle passes a device.");
    rs_rep_section_close(r);
    return RS_OK;
}
