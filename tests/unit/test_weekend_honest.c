/*
 * test_weekend_honest.c — the weekend score's concern part and the
 * wording of windows outside the data (engine/analysis/weekend.h,
 * engine/output/weekend_out.h).
 *
 * What: concern places are shrunk exactly as harm is (the same counts and
 * areas give the same index, checked against the hand-worked harm case);
 * reports without places count nothing; no spread beyond Poisson noise
 * shrinks every district to 1; the fleet weight divides and fleet=0 drops
 * it; the coverage sentence for windows wholly and partly outside the
 * data, and the "stale" rule (every base window empty); and the README's
 * worked shrinkage example (read from README.md, so it cannot go stale)
 * against the engine, for harm and for concerns alike.
 * Workload: a few small hand-made score sets; instant.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ctx.h"
#include "timeutil.h"
#include "weekend.h"
#include "weekend_out.h"

static rs_ctx *ctx;

static rs_weekend_scores *hand_set(size_t n, const double *area)
{
    static const char *const names[] = {"A", "B", "C", "D"};
    rs_weekend_opts o;
    rs_weekend_opts_init(&o);
    o.start_day = rs_days_from_civil(2021, 1, 1);
    rs_weekend_scores *s = NULL;
    CHECK_EQ_INT(rs_weekend_scores_new(ctx, n, names, NULL, area, &o, &s), 0);
    return s;
}

/* Areas 100, 100, 100, 4 km² with 50, 100, 150, 20 concern places: the
 * harm case of test_weekend.c, so m = 20/19, v = 157320 / 438976 and the
 * small district's shrunk rate 3.3286908078 per km² (from 5). */
static void test_concerns_shrunk_like_harm(void)
{
    const double area[4] = {100, 100, 100, 4};
    rs_weekend_scores *s = hand_set(4, area);
    if (s == NULL)
        return;
    const uint64_t k[4] = {50, 100, 150, 20};
    for (int i = 0; i < 4; i++) {
        s->d[i].concern_places = k[i];
        s->d[i].concerns = 3 * k[i]; /* reports: not what is counted */
        s->d[i].ksi = k[i];
    }
    rs_weekend_compute(s);
    double m = 20.0 / 19.0;
    CHECK_NEAR(s->concern_rate, m, 1e-12);
    CHECK_NEAR(s->concern_var, 157320.0 / 438976.0, 1e-12);
    CHECK_NEAR(s->d[3].concern_rate, 5, 1e-12);
    CHECK_NEAR(s->d[3].concern_weight, 157320.0 / 272840.0, 1e-12);
    CHECK_NEAR(s->d[3].concern_eb, 3.3286908078, 1e-9);
    CHECK_NEAR(s->d[3].concern_index, 3.3286908078 / m, 1e-9);
    for (int i = 0; i < 4; i++) {
        CHECK_NEAR(s->d[i].concern_index, s->d[i].harm, 1e-12);
        /* the gamma posterior mean (k + a) / (E + B) */
        CHECK_NEAR(s->d[i].concern_eb,
                   ((double)k[i] + s->concern_prior_a) / (area[i] + s->concern_prior_b), 1e-9);
    }
    /* shrunk: the small district's index is below its raw ratio 5 / m */
    CHECK(s->d[3].concern_index < 5 / m);
    rs_weekend_scores_free(s);

    /* reports with no place counted give no concern part */
    s = hand_set(2, area);
    if (s == NULL)
        return;
    s->d[0].concerns = 40;
    s->d[1].ksi = 1;
    rs_weekend_compute(s);
    CHECK_NEAR(s->d[0].concern_index, 0, 0);
    rs_weekend_scores_free(s);

    /* no spread beyond Poisson noise: v = 0 and every district at 1 */
    const double eq[2] = {10, 10};
    s = hand_set(2, eq);
    if (s == NULL)
        return;
    s->d[0].concern_places = 10;
    s->d[1].concern_places = 11;
    rs_weekend_compute(s);
    CHECK_NEAR(s->concern_var, 0, 0);
    CHECK_NEAR(s->d[0].concern_index, 1, 1e-12);
    CHECK_NEAR(s->d[1].concern_index, 1, 1e-12);
    rs_weekend_scores_free(s);
}

/* fleet=0 is accepted and drops the fleet part from the divisor. */
static void test_fleet_weight(void)
{
    const double area[2] = {10, 10};
    rs_weekend_scores *s = hand_set(2, area);
    if (s == NULL)
        return;
    s->d[0].concern_places = 4;
    s->d[1].concern_places = 4;
    s->d[0].fleet_minutes = 90;
    s->d[1].fleet_minutes = 30;
    rs_weekend_compute(s);
    CHECK_NEAR(s->mean_fleet, 60, 1e-12);
    CHECK_NEAR(s->d[0].fleet, 1.5, 1e-12);
    CHECK_NEAR(s->d[0].score, s->d[0].base / (1 + 0.25 * 1.5), 1e-12);
    CHECK_EQ_INT(rs_weekend_weights_parse("fleet=0", &s->opts.w), 0);
    rs_weekend_compute(s);
    CHECK_NEAR(s->d[0].score, s->d[0].base, 1e-12);
    CHECK_EQ_INT(rs_weekend_weights_parse("fleet=0,fleet=1", &s->opts.w), -1);
    rs_weekend_scores_free(s);
}

static void set_cover(rs_weekend_cover *c, int loaded, int64_t first, int64_t last)
{
    int64_t n = c->to - c->from;
    c->loaded = loaded;
    c->first = first;
    c->last = last;
    c->before = first > c->from ? (first - c->from < n ? first - c->from : n) : 0;
    c->after = c->to > last + 1 ? (c->to - last - 1 < n ? c->to - last - 1 : n) : 0;
    if (c->before + c->after > n)
        c->after = n - c->before;
}

static void test_cover_text(void)
{
    const double area[1] = {10};
    rs_weekend_scores *s = hand_set(1, area);
    if (s == NULL)
        return;
    char buf[1024];
    /* a set with nothing loaded: every window empty, and said */
    CHECK(rs_weekend_stale(s));
    CHECK_EQ_INT(rs_weekend_cover_text(s, buf, sizeof buf), 4);
    CHECK_CONTAINS(buf, "no telematics loaded");
    /* lookback 2020-10-03 .. 2020-12-31 (90 days), harm 2018-01-01 .. 2020-12-31 */
    int64_t d2015 = rs_days_from_civil(2015, 1, 1), d1231 = rs_days_from_civil(2020, 12, 31);
    for (int k = 0; k < RS_WEEKEND_NCOVER; k++)
        set_cover(&s->cover[k], 1, d2015, d1231);
    CHECK(!rs_weekend_stale(s));
    CHECK_EQ_INT(rs_weekend_cover_text(s, buf, sizeof buf), 0);
    CHECK_STR(buf, "");
    /* telematics end 30 days before the start; concerns begin 10 days into the lookback */
    set_cover(&s->cover[RS_WEEKEND_COVER_TELEMATICS], 1, d2015, d1231 - 30);
    set_cover(&s->cover[RS_WEEKEND_COVER_CONCERNS], 1, rs_days_from_civil(2020, 10, 13), d1231);
    CHECK_EQ_INT(rs_weekend_cover_text(s, buf, sizeof buf), 2);
    CHECK_CONTAINS(buf, "Outside the data: the lookback 2020-10-03 to 2020-12-31: no telematics "
                        "on the last 30 of its 90 days (33%; they end 2020-12-01)");
    CHECK_CONTAINS(buf, "; no concerns on the first 10 of its 90 days (11%; they start "
                        "2020-10-13).");
    CHECK(!rs_weekend_stale(s));
    /* the base windows all empty; detections alone do not make a score */
    set_cover(&s->cover[RS_WEEKEND_COVER_TELEMATICS], 1, d2015, d2015 + 100);
    set_cover(&s->cover[RS_WEEKEND_COVER_CONCERNS], 0, 0, 0);
    set_cover(&s->cover[RS_WEEKEND_COVER_COLLISIONS], 1, d1231 + 10, d1231 + 400);
    CHECK(rs_weekend_stale(s));
    rs_weekend_cover_text(s, buf, sizeof buf);
    CHECK_CONTAINS(buf, "no telematics on any of its 90 days (they end 2015-04-11)");
    CHECK_CONTAINS(buf, "no concerns loaded");
    CHECK_CONTAINS(buf, "The harm window 2018-01-01 to 2020-12-31: no STATS19 collisions on any "
                        "of its 1096 days (they start 2021-01-10).");
    /* a tiny buffer is cut, never overrun */
    char small[16];
    rs_weekend_cover_text(s, small, sizeof small);
    CHECK_EQ_INT(strlen(small), sizeof small - 1);
    rs_weekend_scores_free(s);
}

/* README.md with every run of white space one space; NULL when absent. */
static char *readme_text(void)
{
    FILE *f = fopen("README.md", "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    int c, space = 0;
    while (buf && (c = fgetc(f)) != EOF && n + 1 < cap) {
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            space = 1;
            continue;
        }
        if (space && n > 0)
            buf[n++] = ' ';
        space = 0;
        buf[n++] = (char)c;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* "areas 100, 100, 100, 4 km² with 50, 100, 150, 20 KSI give m = 20/19,
 * v = 0.3584, and the 4 km² district's rate 5.00 becomes 3.33 per km² (b =
 * 0.577), the others keep 97% of their distance from m." */
static void test_readme_example(void)
{
    char *t = readme_text();
    CHECK(t != NULL);
    if (t == NULL)
        return;
    static const char lead[] = "areas 100, 100, 100, 4 km² with 50, 100, 150, 20 KSI give m = ";
    const char *p = strstr(t, lead);
    CHECK(p != NULL);
    int num = 0, den = 0, keep = 0;
    double v = 0, rate = 0, eb = 0, b = 0;
    int got = p ? sscanf(p + strlen(lead),
                         "%d/%d, v = %lf, and the 4 km² district's rate %lf becomes %lf per km² "
                         "(b = %lf), the others keep %d%%",
                         &num, &den, &v, &rate, &eb, &b, &keep)
                : 0;
    CHECK_EQ_INT(got, 7);
    const double area[4] = {100, 100, 100, 4};
    const uint64_t y[4] = {50, 100, 150, 20};
    for (int part = 0; part < 2 && got == 7; part++) {
        rs_weekend_scores *s = hand_set(4, area);
        if (s == NULL)
            break;
        for (int i = 0; i < 4; i++) {
            if (part == 0)
                s->d[i].ksi = y[i];
            else
                s->d[i].concern_places = y[i];
        }
        rs_weekend_compute(s);
        double m = part == 0 ? s->ksi_rate : s->concern_rate;
        double var = part == 0 ? s->ksi_var : s->concern_var;
        const rs_weekend_district *d = &s->d[3], *big = &s->d[0];
        CHECK_NEAR(m, (double)num / den, 1e-12);
        CHECK_NEAR(var, v, 0.00005);
        CHECK_NEAR(part == 0 ? d->ksi_rate : d->concern_rate, rate, 0.005);
        CHECK_NEAR(part == 0 ? d->ksi_eb : d->concern_eb, eb, 0.005);
        CHECK_NEAR(part == 0 ? d->ksi_weight : d->concern_weight, b, 0.0005);
        CHECK_NEAR(100 * (part == 0 ? big->ksi_weight : big->concern_weight), keep, 0.5);
        rs_weekend_scores_free(s);
    }
    free(t);
}

int main(void)
{
    ctx = rs_ctx_new();
    if (ctx == NULL)
        return 1;
    test_concerns_shrunk_like_harm();
    test_fleet_weight();
    test_cover_text();
    test_readme_example();
    rs_ctx_free(ctx);
    return check_done();
}
