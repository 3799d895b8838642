/*
 * report_plan.c — the board pack's section 6: which district gets the
 * extra speed enforcement on each weekend of the coming quarter.
 *
 * engine/weekend with its defaults, started on the first day of the next
 * quarter: the scores look back over the 90 days to the quarter's end
 * (KSI harm over 36 months), so no data after the quarter is used.  The
 * plan covers every weekend whose Saturday lies in the next quarter, in
 * ranked mode (the top eligible score; deterministic, as the pack must be)
 * with a cooldown of 2 weekends (fewer when fewer districts are chosen).
 * Districts not chosen for the pack are excluded from the plan but, as
 * weekend.h defines, still count in the county references.  Shown: the
 * plan, a map of the scores, and the ranking with every part.
 *
 * Data structure: one rs_weekend_scores (index = district id) and one
 * rs_weekend_plan; the map is output/weekend_out.h's (the one `roadsafe
 * weekends` draws, in the pack's words and without plan labels), drawn
 * into the private directory and embedded.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "periods.h"
#include "report_int.h"
#include "weekend.h"
#include "weekend_out.h"

#define PLAN_COOLDOWN 2

static int plan_table(rs_rep *r, const rs_weekend_scores *s, const rs_weekend_plan *p,
                      const char *next)
{
    char cap[200];
    snprintf(cap, sizeof cap, "Weekend plan for %s: the district for each weekend", next);
    const char *cols[] = {"weekend (Saturday)", "district", "score", "why"};
    rs_table *t = rs_table_new(cap, 4, cols);
    int bad = t == NULL;
    for (size_t k = 0; !bad && k < p->n; k++) {
        const rs_weekend_pick *w = &p->picks[k];
        char day[48], sc[32];
        rs_day_words(w->saturday, day, sizeof day);
        rs_fmt_fixed(sc, sizeof sc, w->district >= 0 ? w->score : NAN, 2);
        const char *name = w->district >= 0 && (size_t)w->district < s->n
                               ? s->d[w->district].name
                               : "(none eligible)";
        const char *cells[] = {day, name, sc, w->reason};
        bad = rs_table_add(t, cells) != 0;
    }
    if (bad) {
        rs_table_free(t);
        return rs_rep_table(r, NULL);
    }
    return rs_rep_table(r, t);
}

static int score_map(rs_rep *r, const rs_weekend_scores *s, const rs_weekend_plan *p,
                     const char *next)
{
    char title[160], sub[256];
    snprintf(title, sizeof title, "Weekend enforcement scores for %s", next);
    snprintf(sub, sizeof sub, "Score at the start of the quarter (each part 1 = county average)%s",
             r->all ? "" : "; districts outside the pack not drawn");
    const rs_weekend_map_opts mo = {1400, title, sub, "district score (higher: more need)", 0};
    char path[4096];
    rs_rep_img_path(r, path, sizeof path);
    int rc = rs_weekend_map_print(r->ctx, r->d, s, p, &mo, RS_REP_PRINT_MM, r->o->context,
                                  r->o->ncontext, path);
    if (rc != RS_OK)
        return rc;
    double top = 0;
    for (size_t i = 0; i < s->n && i < r->nd; i++)
        if (!s->d[i].excluded && s->d[i].score > top)
            top = s->d[i].score;
    char alt[1200];
    int n = snprintf(alt, sizeof alt,
                     "Map of %s coloured by their weekend enforcement score on the viridis "
                     "scale from dark purple (low) to yellow (high), 0 to %.2f",
                     r->all ? "the county's districts" : "the chosen districts", top);
    for (size_t k = 0; k < s->nranked && k < 3 && n > 0 && (size_t)n < sizeof alt; k++) {
        const rs_weekend_district *d = &s->d[s->order[k]];
        n += snprintf(alt + n, sizeof alt - (size_t)n, "%s%s %.2f",
                      k == 0 ? ". Highest: " : ", ", d->name, d->score);
    }
    if (n > 0 && (size_t)n < sizeof alt) {
        if (p->n > 0 && p->picks[0].district >= 0)
            snprintf(alt + n, sizeof alt - (size_t)n, ". The first weekend goes to %s.",
                     s->d[p->picks[0].district].name);
        else
            snprintf(alt + n, sizeof alt - (size_t)n, ".");
    }
    return rs_rep_embed_png(r, path, alt,
                            "Each district's score when the quarter starts: speeding, KSI harm "
                            "and concerns added, divided by recent detections and patrol "
                            "presence. The ranking below gives every part.");
}

static int ranking_table(rs_rep *r, const rs_weekend_scores *s)
{
    const char *cols[] = {"rank", "district", "score", "speeding", "KSI harm", "concerns",
                          "detections", "patrol presence", "why"};
    rs_table *t = rs_table_new("District scores at the start of the quarter (each part: 1 = the "
                               "county average; score = (speeding + KSI harm + concerns) / (1 + "
                               "0.25 detections + 0.25 patrol presence))",
                               9, cols);
    int bad = t == NULL;
    for (size_t k = 0; !bad && k < s->nranked; k++) {
        const rs_weekend_district *d = &s->d[s->order[k]];
        char rank[16], sc[32], sp[32], h[32], c[32], de[32], fl[32];
        snprintf(rank, sizeof rank, "%d", d->rank);
        rs_fmt_fixed(sc, sizeof sc, d->score, 2);
        rs_fmt_fixed(sp, sizeof sp, d->speed, 2);
        rs_fmt_fixed(h, sizeof h, d->harm, 2);
        rs_fmt_fixed(c, sizeof c, d->concern_index, 2);
        rs_fmt_fixed(de, sizeof de, d->detection_index, 2);
        rs_fmt_fixed(fl, sizeof fl, d->fleet, 2);
        const char *cells[] = {rank, d->name, sc, sp, h, c, de, fl, d->reason};
        bad = rs_table_add(t, cells) != 0;
    }
    if (bad) {
        rs_table_free(t);
        return rs_rep_table(r, NULL);
    }
    return rs_rep_table(r, t);
}

int rs_rep_plan(rs_rep *r)
{
    int fin = r->o->financial;
    char next[24];
    rs_period_label(RS_PERIOD_QUARTER, fin, rs_period_of(RS_PERIOD_QUARTER, fin, r->q_first) + 1,
                    next, sizeof next);
    char title[96];
    snprintf(title, sizeof title, "6. Weekend plan for %s", next);
    rs_rep_section_open(r, "plan", title);
    if (r->nd == 0) {
        rs_rep_para(r, "unavailable",
                    "Not available: no districts are loaded, so there is nothing to plan.");
        rs_rep_section_close(r);
        return RS_OK;
    }
    int64_t start = rs_month_first_day(r->q_first + 3),
            end = rs_month_first_day(r->q_first + 6) - 1;
    /* 1970-01-01 was a Thursday: day % 7 == 2 is a Saturday */
    int64_t sat = start + ((2 - start % 7) + 7) % 7;
    size_t count = sat <= end ? (size_t)((end - sat) / 7 + 1) : 0;

    rs_weekend_opts o;
    rs_weekend_opts_init(&o);
    o.start_day = start;
    int *ex = calloc(r->nd ? r->nd : 1, sizeof *ex);
    if (ex == NULL)
        return rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->nd; i++)
        if (!r->sel[i])
            ex[o.nexclude++] = (int)i;
    o.exclude = ex;
    rs_weekend_scores *s = NULL;
    rs_weekend_plan *p = NULL;
    int rc = rs_weekend_score(r->ctx, &o, &s);
    free(ex);
    if (rc != RS_OK)
        return rc;
    rs_weekend_plan_opts po;
    memset(&po, 0, sizeof po);
    po.count = count;
    po.mode = RS_WEEKEND_RANKED;
    po.cooldown = s->nranked > PLAN_COOLDOWN ? PLAN_COOLDOWN
                  : s->nranked > 0           ? (int)s->nranked - 1
                                             : 0;
    if ((rc = rs_weekend_plan_make(r->ctx, s, &po, &p)) != RS_OK)
        goto done;

    char lb0[48], lb1[48], w0[48], w1[48];
    rs_rep_day_words(s->from, lb0, sizeof lb0);
    rs_rep_day_words(s->to - 1, lb1, sizeof lb1);
    rs_day_words(sat, w0, sizeof w0);
    rs_day_words(sat + 7 * (int64_t)(count ? count - 1 : 0), w1, sizeof w1);
    rs_rep_para(r, NULL,
                "Which district gets the extra speed enforcement on each of the %zu weekends of "
                "%s (Saturdays %s to %s). Each district's score adds speeding in the telematics "
                "(weekend pings counted twice), KSI harm (casualties per km² over 36 months, "
                "shrunk toward the county rate) and concerns (reports counted once per 100 m "
                "place and week, per km², shrunk the same way), and is divided by recent "
                "detections, patrol presence and weekends already given to it; speeding, "
                "concerns, detections and patrol presence are counted from %s to %s. Each "
                "weekend goes to the eligible "
                "district with the highest score; a district is not chosen again within %d "
                "weekend%s.",
                count, next, w0, w1, lb0, lb1, po.cooldown, po.cooldown == 1 ? "" : "s");
    char cover[1024];
    if (rs_weekend_cover_text(s, cover, sizeof cover) > 0)
        rs_rep_para(r, "note", "%s", cover);
    int any = 0;
    for (size_t i = 0; i < s->n; i++)
        any |= !s->d[i].excluded && s->d[i].has_data;
    if (!any) {
        rs_rep_para(r, "unavailable",
                    "Not available: no chosen district has telematics, KSI casualties or "
                    "concerns in the windows, so every score is 0 and there is nothing to "
                    "rank.");
        goto close;
    }
    if ((rc = plan_table(r, s, p, next)) != RS_OK)
        goto done;
    fputs("<h3>District scores</h3>\n", r->f);
    if ((rc = score_map(r, s, p, next)) != RS_OK || (rc = ranking_table(r, s)) != RS_OK)
        goto done;
    rs_rep_para(r, "note",
                "The plan is ranked, so the same data always give the same plan. roadsafe "
                "weekends draws an unpredictable plan (probability in proportion to the score), "
                "writes every part of the score and a district layer for GIS; the README "
                "defines each part.");
close:
    rs_rep_section_close(r);
done:
    rs_weekend_plan_free(p);
    rs_weekend_scores_free(s);
    return rc;
}
