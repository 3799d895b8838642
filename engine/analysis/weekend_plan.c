/*
 * weekend_plan.c — the weekend plan from district scores: ranked, or drawn
 * with splitmix64 in proportion to the score (definitions in weekend.h).
 *
 * Data structure: per district the score at the current weekend, the
 * weekends given and the last weekend chosen; one rs_weekend_pick per
 * weekend.  Workload: O(weekends x districts).
 */
#include "weekend.h"
#include "weekend_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rs_weekend_mode_parse(const char *s, rs_weekend_mode *out)
{
    if (s && strcmp(s, "ranked") == 0)
        *out = RS_WEEKEND_RANKED;
    else if (s && strcmp(s, "unpredictable") == 0)
        *out = RS_WEEKEND_UNPREDICTABLE;
    else
        return -1;
    return 0;
}

const char *rs_weekend_mode_name(rs_weekend_mode m)
{
    return m == RS_WEEKEND_UNPREDICTABLE ? "unpredictable" : "ranked";
}

/* ---- random numbers --------------------------------------------------- */

void rs_weekend_rng_seed(rs_weekend_rng *r, uint64_t seed) { r->state = seed; }

uint64_t rs_weekend_rng_next(rs_weekend_rng *r)
{
    uint64_t z = (r->state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

double rs_weekend_rng_uniform(rs_weekend_rng *r)
{
    return (double)(rs_weekend_rng_next(r) >> 11) * 0x1.0p-53;
}

int rs_weekend_draw(double u, const double *w, size_t n)
{
    double total = 0;
    int last = -1;
    for (size_t i = 0; i < n; i++)
        if (w[i] > 0) {
            total += w[i];
            last = (int)i;
        }
    if (last < 0)
        return -1;
    double target = u * total, run = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(w[i] > 0))
            continue;
        run += w[i];
        if (run > target)
            return (int)i;
    }
    return last; /* u * total rounded up to the total */
}

/* ---- the plan --------------------------------------------------------- */

void rs_weekend_plan_free(rs_weekend_plan *p)
{
    if (p == NULL)
        return;
    free(p->picks);
    free(p);
}

static void pick_reason(const rs_weekend_scores *s, const rs_weekend_plan_opts *o,
                        rs_weekend_pick *pk, int runner_up, double runner_score)
{
    size_t size = sizeof pk->reason;
    if (pk->district < 0) {
        snprintf(pk->reason, size,
                 "no eligible district: every district is excluded, in cooldown or scored 0");
        return;
    }
    const rs_weekend_district *d = &s->d[pk->district];
    int len;
    if (o->mode == RS_WEEKEND_RANKED) {
        if (runner_up >= 0)
            len = snprintf(pk->reason, size, "top score of %zu eligible (next %s %.3f)",
                           pk->eligible, s->d[runner_up].name, runner_score);
        else
            len = snprintf(pk->reason, size, "only eligible district");
    } else {
        len = snprintf(pk->reason, size, "drawn with probability %.4f from %zu eligible (u = %.6f)",
                       pk->probability, pk->eligible, pk->u);
    }
    double idx;
    const char *lead = rs_weekend_lead_part(s, d, &idx);
    if (len > 0 && (size_t)len < size)
        len += snprintf(pk->reason + len, size - (size_t)len, "; led by %s (%.2fx county)", lead,
                        idx);
    if (len > 0 && (size_t)len < size && pk->planned > 0)
        snprintf(pk->reason + len, size - (size_t)len, "; already given %.0f weekend%s here",
                 pk->planned, pk->planned == 1 ? "" : "s");
}

int rs_weekend_plan_make(rs_ctx *ctx, const rs_weekend_scores *s, const rs_weekend_plan_opts *o,
                         rs_weekend_plan **out)
{
    *out = NULL;
    if (o->count == 0 || o->cooldown < 0)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE,
                          "a plan needs at least one weekend and a cooldown of 0 or more");
    rs_weekend_plan *p = calloc(1, sizeof *p);
    double *score = calloc(s->n ? s->n : 1, sizeof *score);
    double *given = calloc(s->n ? s->n : 1, sizeof *given);
    int64_t *last = calloc(s->n ? s->n : 1, sizeof *last); /* last weekend index + 1, 0 never */
    if (p == NULL || score == NULL || given == NULL || last == NULL ||
        (p->picks = calloc(o->count, sizeof *p->picks)) == NULL) {
        rs_weekend_plan_free(p);
        free(score);
        free(given);
        free(last);
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    }
    p->opts = *o;
    p->n = o->count;
    rs_weekend_rng rng;
    rs_weekend_rng_seed(&rng, o->seed);
    int64_t wd = ((s->opts.start_day + 4) % 7 + 7) % 7; /* 0 Sunday .. 6 Saturday */
    int64_t saturday = s->opts.start_day + (6 - wd);
    for (size_t k = 0; k < o->count; k++) {
        rs_weekend_pick *pk = &p->picks[k];
        pk->saturday = saturday + 7 * (int64_t)k;
        pk->district = -1;
        pk->probability = NAN;
        pk->u = NAN;
        size_t eligible = 0;
        for (size_t i = 0; i < s->n; i++) {
            int cooling = last[i] > 0 && (int64_t)k - (last[i] - 1) <= o->cooldown;
            score[i] = s->d[i].excluded || cooling ? 0 : rs_weekend_score_at(s, i, given[i]);
            eligible += score[i] > 0;
        }
        pk->eligible = eligible;
        int chosen = -1, runner = -1;
        if (o->mode == RS_WEEKEND_UNPREDICTABLE) {
            pk->u = rs_weekend_rng_uniform(&rng);
            chosen = rs_weekend_draw(pk->u, score, s->n);
            if (chosen >= 0) {
                double total = 0;
                for (size_t i = 0; i < s->n; i++)
                    total += score[i] > 0 ? score[i] : 0;
                pk->probability = score[chosen] / total;
            }
        } else {
            for (size_t i = 0; i < s->n; i++) {
                if (!(score[i] > 0))
                    continue;
                if (chosen < 0 || score[i] > score[chosen]) {
                    runner = chosen;
                    chosen = (int)i;
                } else if (runner < 0 || score[i] > score[runner]) {
                    runner = (int)i;
                }
            }
        }
        if (chosen >= 0) {
            pk->district = chosen;
            pk->score = score[chosen];
            pk->planned = given[chosen];
            given[chosen] += 1;
            last[chosen] = (int64_t)k + 1;
        }
        pick_reason(s, o, pk, runner, runner >= 0 ? score[runner] : 0);
    }
    free(score);
    free(given);
    free(last);
    *out = p;
    return 0;
}
