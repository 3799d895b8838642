/*
 * test_weekend.c — district scores and the weekend plan (engine/weekend).
 *
 * What: option parsing; the empirical Bayes harm part against a case
 * worked by hand; the speeding part (weekend weights, shrunk share,
 * geometric mean) by hand; a district with no data scores 0 with a
 * reason; splitmix64 against its published first output; the draw;
 * the same seed gives the same plan byte for byte; the cooldown is never
 * broken over many seeds; the first weekend's picks over many seeds, and
 * the draw over one long stream, match the stated probabilities (Pearson
 * chi-square, fixed seeds, p > 0.001); and a small workspace read back
 * with every window boundary (lookback, weekend days, 36 months).
 * Workload: about 150,000 small plans; well under a second.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ctx.h"
#include "district.h"
#include "ingest.h"
#include "stats.h"
#include "store.h"
#include "timeutil.h"
#include "weekend.h"
#include "ws_helpers.h"

static rs_ctx *ctx;

/* n districts of given areas, start 2021-01-01, raw counts zero. */
static rs_weekend_scores *hand_set(size_t n, const double *area)
{
    static const char *const names[] = {"A", "B", "C", "D", "E", "F", "G", "H"};
    rs_weekend_opts o;
    rs_weekend_opts_init(&o);
    o.start_day = rs_days_from_civil(2021, 1, 1);
    rs_weekend_scores *s = NULL;
    CHECK_EQ_INT(rs_weekend_scores_new(ctx, n, names, NULL, area, &o, &s), 0);
    return s;
}

static void test_options(void)
{
    rs_weekend_weights w;
    rs_weekend_weights_default(&w);
    CHECK_NEAR(w.speed, 1, 0);
    CHECK_NEAR(w.detections, 0.25, 0);
    CHECK_EQ_INT(rs_weekend_weights_parse("speed=2,harm=0.5,concerns=0", &w), 0);
    CHECK_NEAR(w.speed, 2, 0);
    CHECK_NEAR(w.harm, 0.5, 0);
    CHECK_NEAR(w.concerns, 0, 0);
    CHECK_EQ_INT(rs_weekend_weights_parse("detections=1,planned=3", &w), 0);
    CHECK_NEAR(w.detections, 1, 0);
    CHECK_NEAR(w.planned, 3, 0);
    CHECK_NEAR(w.speed, 2, 0); /* unchanged */
    CHECK_EQ_INT(rs_weekend_weights_parse("speed=1,speed=2", &w), -1);
    CHECK_EQ_INT(rs_weekend_weights_parse("sped=1", &w), -1);
    CHECK_EQ_INT(rs_weekend_weights_parse("speed=-1", &w), -1);
    CHECK_EQ_INT(rs_weekend_weights_parse("speed=1e3", &w), -1);
    CHECK_EQ_INT(rs_weekend_weights_parse("speed", &w), -1);
    CHECK_EQ_INT(rs_weekend_weights_parse("speed=1,", &w), -1);
    CHECK_EQ_INT(rs_weekend_weights_parse("", &w), -1);
    CHECK_EQ_INT(rs_weekend_weights_parse("fleet=0", &w), 0); /* the documented key */
    CHECK_NEAR(w.fleet, 0, 0);
    rs_weekend_mode m;
    CHECK_EQ_INT(rs_weekend_mode_parse("ranked", &m), 0);
    CHECK_EQ_INT(m, RS_WEEKEND_RANKED);
    CHECK_EQ_INT(rs_weekend_mode_parse("unpredictable", &m), 0);
    CHECK_EQ_INT(m, RS_WEEKEND_UNPREDICTABLE);
    CHECK_EQ_INT(rs_weekend_mode_parse("random", &m), -1);
}

/* Harm, by hand.  Areas E = 100, 100, 100, 4 km²; KSI y = 50, 100, 150, 20.
 *   m  = 320 / 304 = 20/19 = 1.0526315789
 *   r  = 1/2, 1, 3/2, 5;  r - m = -21/38, -2/38, 17/38, 150/38
 *   s² = (100 (441 + 4 + 289) + 4 x 22500) / 38² / 304 = 163400 / 438976
 *   v  = s² - m / (304 / 4) = (163400 - 6080) / 438976 = 157320 / 438976
 *      = 0.3583795014
 *   small district: b = v / (v + m / 4) = 157320 / (157320 + 115520)
 *      = 0.5766016713;  t = m + b (5 - m) = 3.3286908078 per km²
 *   large ones: b = v / (v + m / 100) = 0.9714661160 */
static void test_harm_eb(void)
{
    const double area[4] = {100, 100, 100, 4};
    rs_weekend_scores *s = hand_set(4, area);
    if (s == NULL)
        return;
    const uint64_t y[4] = {50, 100, 150, 20};
    for (int i = 0; i < 4; i++)
        s->d[i].ksi = y[i];
    rs_weekend_compute(s);
    double m = 20.0 / 19.0;
    CHECK_NEAR(s->ksi_rate, m, 1e-12);
    CHECK_NEAR(s->ksi_var, 157320.0 / 438976.0, 1e-12);
    CHECK_NEAR(s->d[3].ksi_rate, 5, 1e-12);
    CHECK_NEAR(s->d[3].ksi_weight, 157320.0 / 272840.0, 1e-12);
    CHECK_NEAR(s->d[3].ksi_eb, 3.3286908078, 1e-9);
    CHECK_NEAR(s->d[3].harm, 3.3286908078 / m, 1e-9);
    CHECK_NEAR(s->d[0].ksi_weight, 0.9714661160, 1e-9);
    CHECK_NEAR(s->d[0].ksi_eb, m + 0.9714661160 * (0.5 - m), 1e-9);
    /* pulled toward the county rate, the small district much more */
    CHECK(s->d[3].ksi_eb < s->d[3].ksi_rate && s->d[3].ksi_eb > m);
    CHECK(fabs(s->d[3].ksi_eb - s->d[3].ksi_rate) > 0.4 * fabs(s->d[3].ksi_rate - m));
    CHECK(fabs(s->d[0].ksi_eb - s->d[0].ksi_rate) < 0.03 * fabs(s->d[0].ksi_rate - m));
    /* the same as the gamma posterior mean (y + a) / (E + B) */
    for (int i = 0; i < 4; i++)
        CHECK_NEAR(s->d[i].ksi_eb, ((double)y[i] + s->prior_a) / (area[i] + s->prior_b), 1e-9);
    rs_weekend_scores_free(s);

    /* no spread beyond Poisson noise: v = 0, every district at the county rate */
    const double area2[2] = {10, 10};
    s = hand_set(2, area2);
    if (s == NULL)
        return;
    s->d[0].ksi = 10;
    s->d[1].ksi = 11;
    rs_weekend_compute(s);
    CHECK_NEAR(s->ksi_var, 0, 0);
    CHECK_NEAR(s->d[0].harm, 1, 1e-12);
    CHECK_NEAR(s->d[1].harm, 1, 1e-12);
    rs_weekend_scores_free(s);
}

/* Speeding, by hand.  A: 1000 weekday pings, 100 over.  B: 100 weekend
 * pings, 50 over (weight 2: 200 and 100).  c = 200 / 1200 = 1/6, Ō = 100.
 *   s_A = (100 + 100/6) / 1100 = 0.1060606;  S_A = sqrt(0.6363636 x 1)
 *   s_B = (100 + 100/6) / 300  = 0.3888889;  S_B = sqrt(2.3333333 x 1)
 * Concern places 3 and 1 on equal areas: no spread beyond Poisson noise
 * (v = 0), so both are shrunk to the county (index 1); detections 0 and 4
 * (mean 2). */
static void test_speed_and_score(void)
{
    const double area[2] = {50, 50};
    rs_weekend_scores *s = hand_set(2, area);
    if (s == NULL)
        return;
    s->d[0].pings = 1000;
    s->d[0].over = 100;
    s->d[1].pings = s->d[1].weekend_pings = 100;
    s->d[1].over = s->d[1].weekend_over = 50;
    s->d[0].concerns = s->d[0].concern_places = 3;
    s->d[1].concerns = s->d[1].concern_places = 1;
    s->d[1].detections = 4;
    rs_weekend_compute(s);
    CHECK_NEAR(s->county_share, 1.0 / 6.0, 1e-12);
    CHECK_NEAR(s->mean_over, 100, 1e-12);
    CHECK_NEAR(s->d[1].pings_w, 200, 0);
    CHECK_NEAR(s->d[0].share, (100 + 100.0 / 6) / 1100, 1e-12);
    CHECK_NEAR(s->d[0].speed, sqrt(0.7 / (1100 / 1000.0)), 1e-12);
    CHECK_NEAR(s->d[1].speed, sqrt(7.0 / 3.0), 1e-12);
    CHECK_NEAR(s->d[0].concern_index, 1, 1e-12);
    CHECK_NEAR(s->d[1].detection_index, 2, 1e-12);
    /* no KSI anywhere: harm 0 */
    CHECK_NEAR(s->d[0].harm, 0, 0);
    double b1 = sqrt(7.0 / 3.0) + 1;
    CHECK_NEAR(s->d[1].base, b1, 1e-12);
    CHECK_NEAR(s->d[1].score, b1 / (1 + 0.25 * 2), 1e-12);
    CHECK_NEAR(rs_weekend_score_at(s, 1, 2), b1 / (1 + 0.25 * 2 + 2), 1e-12);
    /* A: 0.798 + 1 = 1.798 undivided; B: 2.528 / 1.5 = 1.685 */
    CHECK_NEAR(s->d[0].score, sqrt(0.7 / 1.1) + 1, 1e-12);
    CHECK_EQ_INT(s->d[0].rank, 1);
    CHECK_EQ_INT(s->d[1].rank, 2);
    CHECK_CONTAINS(s->d[1].reason, "led by speeding");
    CHECK_CONTAINS(s->d[1].reason, "detections 2.00x county lower it");
    /* patrol presence divides like the detections: 60 minutes in B and none
     * in A is 2x the county mean, weighted 0.25 */
    s->d[1].fleet_minutes = 60;
    rs_weekend_compute(s);
    CHECK_NEAR(s->d[1].fleet, 2, 1e-12);
    CHECK_NEAR(s->d[0].fleet, 0, 0);
    CHECK_NEAR(s->d[1].score, b1 / (1 + 0.25 * 2 + 0.25 * 2), 1e-12);
    CHECK_CONTAINS(s->d[1].reason, "patrol presence 2.00x county lowers it");
    rs_weekend_scores_free(s);
}

static void test_no_data(void)
{
    const double area[3] = {10, 10, 10};
    rs_weekend_scores *s = hand_set(3, area);
    if (s == NULL)
        return;
    s->d[0].pings = 10;
    s->d[0].over = 2;
    s->d[0].ksi = 3;
    s->d[1].ksi = 1;
    s->d[1].concerns = 1;
    s->d[2].detections = 5; /* detections alone are not data to score on */
    rs_weekend_compute(s);
    CHECK_EQ_INT(s->d[2].has_data, 0);
    CHECK_NEAR(s->d[2].score, 0, 0);
    CHECK_NEAR(s->d[2].base, 0, 0);
    CHECK_CONTAINS(s->d[2].reason, "no data");
    CHECK_CONTAINS(s->d[2].reason, "score 0");
    CHECK_EQ_INT(s->d[2].rank, 3);
    CHECK(s->d[1].score > 0); /* harm and concerns, no pings */
    CHECK_CONTAINS(s->d[1].reason, "no pings in the lookback");
    /* never planned */
    rs_weekend_plan_opts po = {20, 0, RS_WEEKEND_UNPREDICTABLE, 5};
    rs_weekend_plan *p = NULL;
    CHECK_EQ_INT(rs_weekend_plan_make(ctx, s, &po, &p), 0);
    for (size_t k = 0; p && k < p->n; k++)
        CHECK(p->picks[k].district != 2);
    rs_weekend_plan_free(p);
    /* nothing eligible: the weekend has no district, and says why */
    s->d[0].excluded = 1;
    s->d[1].excluded = 1;
    rs_weekend_compute(s);
    CHECK_EQ_INT(s->nranked, 1);
    CHECK_EQ_INT(s->d[0].rank, 0);
    CHECK_CONTAINS(s->d[0].reason, "excluded");
    po.count = 2;
    CHECK_EQ_INT(rs_weekend_plan_make(ctx, s, &po, &p), 0);
    if (p) {
        CHECK_EQ_INT(p->picks[0].district, -1);
        CHECK_CONTAINS(p->picks[0].reason, "no eligible district");
    }
    rs_weekend_plan_free(p);
    rs_weekend_scores_free(s);
}

static void test_rng_and_draw(void)
{
    rs_weekend_rng r;
    rs_weekend_rng_seed(&r, 0);
    /* splitmix64 from state 0: the reference implementation's first outputs */
    CHECK(rs_weekend_rng_next(&r) == UINT64_C(0xE220A8397B1DCDAF));
    CHECK(rs_weekend_rng_next(&r) == UINT64_C(0x6E789E6AA1B965F4));
    for (int i = 0; i < 1000; i++) {
        double u = rs_weekend_rng_uniform(&r);
        CHECK(u >= 0 && u < 1);
    }
    const double w[5] = {0, 1, 0, 3, 0};
    CHECK_EQ_INT(rs_weekend_draw(0, w, 5), 1);
    CHECK_EQ_INT(rs_weekend_draw(0.2499, w, 5), 1);
    CHECK_EQ_INT(rs_weekend_draw(0.25, w, 5), 3);
    CHECK_EQ_INT(rs_weekend_draw(0.9999999999, w, 5), 3);
    const double z[3] = {0, 0, -1};
    CHECK_EQ_INT(rs_weekend_draw(0.5, z, 3), -1);

    /* one long stream: frequencies against w / sum(w) */
    const double p6[6] = {5, 1, 0.5, 2, 3, 0.25};
    double tot = 0;
    for (int i = 0; i < 6; i++)
        tot += p6[i];
    unsigned long cnt[6] = {0};
    const unsigned long N = 200000;
    rs_weekend_rng_seed(&r, 20210102);
    for (unsigned long k = 0; k < N; k++) {
        int i = rs_weekend_draw(rs_weekend_rng_uniform(&r), p6, 6);
        CHECK(i >= 0);
        if (i >= 0)
            cnt[i]++;
    }
    double chi = 0;
    for (int i = 0; i < 6; i++) {
        double e = (double)N * p6[i] / tot;
        chi += ((double)cnt[i] - e) * ((double)cnt[i] - e) / e;
    }
    double pv = rs_chisq_p(chi, 5);
    fprintf(stderr, "draw stream: chi-square %.3f, df 5, p %.4f\n", chi, pv);
    CHECK(pv > 0.001);
}

/* Six districts with fixed bases (set through the counts of concern
 * places only, equal areas: base = concern index, the shrunk rate over the
 * county's). */
static rs_weekend_scores *six(void)
{
    const double area[6] = {10, 10, 10, 10, 10, 10};
    rs_weekend_scores *s = hand_set(6, area);
    if (s == NULL)
        return NULL;
    const uint64_t c[6] = {40, 10, 5, 18, 30, 3};
    for (int i = 0; i < 6; i++)
        s->d[i].concerns = s->d[i].concern_places = c[i];
    rs_weekend_compute(s);
    return s;
}

static int same_plan(const rs_weekend_plan *a, const rs_weekend_plan *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t k = 0; k < a->n; k++) {
        const rs_weekend_pick *x = &a->picks[k], *y = &b->picks[k];
        if (x->saturday != y->saturday || x->district != y->district ||
            memcmp(&x->score, &y->score, sizeof x->score) != 0 ||
            memcmp(&x->probability, &y->probability, sizeof x->probability) != 0 ||
            strcmp(x->reason, y->reason) != 0)
            return 0;
    }
    return 1;
}

static void test_plan_reproducible(void)
{
    rs_weekend_scores *s = six();
    if (s == NULL)
        return;
    rs_weekend_plan_opts po = {26, 2, RS_WEEKEND_UNPREDICTABLE, 42};
    rs_weekend_plan *a = NULL, *b = NULL, *c = NULL;
    CHECK_EQ_INT(rs_weekend_plan_make(ctx, s, &po, &a), 0);
    CHECK_EQ_INT(rs_weekend_plan_make(ctx, s, &po, &b), 0);
    po.seed = 43;
    CHECK_EQ_INT(rs_weekend_plan_make(ctx, s, &po, &c), 0);
    if (a && b && c) {
        CHECK(same_plan(a, b));
        CHECK(!same_plan(a, c));
        /* Saturdays: 2021-01-01 is a Friday */
        CHECK_EQ_INT(a->picks[0].saturday, rs_days_from_civil(2021, 1, 2));
        CHECK_EQ_INT(a->picks[25].saturday, rs_days_from_civil(2021, 6, 26));
        CHECK_CONTAINS(a->picks[0].reason, "drawn with probability");
    }
    rs_weekend_plan_free(a);
    rs_weekend_plan_free(b);
    rs_weekend_plan_free(c);

    /* ranked: the top score not in cooldown, lowered by weekends given */
    po.mode = RS_WEEKEND_RANKED;
    po.count = 4;
    po.cooldown = 1;
    CHECK_EQ_INT(rs_weekend_plan_make(ctx, s, &po, &a), 0);
    if (a) {
        /* bases = 1 + b (c / (106 / 6) - 1), b = 0.902 (v = 1.632 per km² squared,
         * m = 1.767 per km², E = 10): A 2.140, E 1.630, D 1.017, B 0.608 */
        CHECK_EQ_INT(a->picks[0].district, 0);
        CHECK_EQ_INT(a->picks[1].district, 4); /* A cooling */
        CHECK_EQ_INT(a->picks[2].district, 0); /* A 2.264 / 2 = 1.132 > D; E cooling */
        CHECK_EQ_INT(a->picks[3].district, 3); /* D 1.019 > E 1.698 / 2 */
        CHECK_NEAR(a->picks[2].planned, 1, 0);
        CHECK_CONTAINS(a->picks[2].reason, "already given 1 weekend here");
        CHECK(isnan(a->picks[0].probability));
        CHECK_CONTAINS(a->picks[0].reason, "top score of 6 eligible (next E");
    }
    rs_weekend_plan_free(a);
    rs_weekend_scores_free(s);
}

static void test_cooldown(void)
{
    rs_weekend_scores *s = six();
    if (s == NULL)
        return;
    int violations = 0, plans = 0;
    for (int mode = 0; mode < 2; mode++)
        for (int w = 0; w <= 4; w++)
            for (uint64_t seed = 1; seed <= (mode ? 2000u : 1u); seed++) {
                rs_weekend_plan_opts po = {40, w, (rs_weekend_mode)mode, seed};
                rs_weekend_plan *p = NULL;
                if (rs_weekend_plan_make(ctx, s, &po, &p) != 0) {
                    violations++;
                    continue;
                }
                plans++;
                for (size_t k = 0; k < p->n; k++) {
                    if (p->picks[k].district < 0)
                        violations++; /* 6 districts, cooldown <= 4: always one */
                    for (size_t j = k > (size_t)w ? k - (size_t)w : 0; j < k; j++)
                        if (p->picks[j].district == p->picks[k].district)
                            violations++;
                }
                rs_weekend_plan_free(p);
            }
    fprintf(stderr, "cooldown: %d plans, %d violations\n", plans, violations);
    CHECK_EQ_INT(violations, 0);
    CHECK_EQ_INT(plans, 5 + 5 * 2000);
    rs_weekend_scores_free(s);
}

/* The first weekend over many seeds against the plan's own stated
 * probability; and the second weekend (cooldown 1) against score_j /
 * sum of the eligible scores given the first pick. */
static void test_frequencies(void)
{
    rs_weekend_scores *s = six();
    if (s == NULL)
        return;
    const int N = 60000;
    unsigned long cnt[6] = {0}, cnt2[6] = {0};
    double stated[6] = {0}, exp2[6] = {0};
    for (int k = 0; k < N; k++) {
        rs_weekend_plan_opts po = {2, 1, RS_WEEKEND_UNPREDICTABLE, 1000 + (uint64_t)k};
        rs_weekend_plan *p = NULL;
        if (rs_weekend_plan_make(ctx, s, &po, &p) != 0)
            break;
        int d = p->picks[0].district, e = p->picks[1].district;
        if (d >= 0 && e >= 0) {
            cnt[d]++;
            stated[d] = p->picks[0].probability;
            cnt2[e]++;
            double tot = 0;
            for (int i = 0; i < 6; i++)
                tot += i == d ? 0 : s->d[i].score;
            for (int i = 0; i < 6; i++)
                exp2[i] += i == d ? 0 : s->d[i].score / tot;
            CHECK_NEAR(p->picks[1].probability, s->d[e].score / tot, 1e-12);
        }
        rs_weekend_plan_free(p);
    }
    double tot = 0;
    for (int i = 0; i < 6; i++)
        tot += s->d[i].score;
    double chi = 0, chi2 = 0;
    for (int i = 0; i < 6; i++) {
        CHECK_NEAR(stated[i], s->d[i].score / tot, 1e-12);
        double e = N * s->d[i].score / tot;
        chi += ((double)cnt[i] - e) * ((double)cnt[i] - e) / e;
        chi2 += ((double)cnt2[i] - exp2[i]) * ((double)cnt2[i] - exp2[i]) / exp2[i];
    }
    double p1 = rs_chisq_p(chi, 5), p2 = rs_chisq_p(chi2, 5);
    fprintf(stderr, "first weekend: chi-square %.3f, p %.4f; second: %.3f, p %.4f\n", chi, p1,
            chi2, p2);
    CHECK(p1 > 0.001);
    CHECK(p2 > 0.001);
    rs_weekend_scores_free(s);
}

/* ---- a small workspace ------------------------------------------------ */

static char tmpd[1024];

static const char *path_of(const char *name)
{
    static char buf[4][1200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpd, name);
    return buf[k];
}

static void put_file(const char *name, const char *s)
{
    FILE *f = fopen(path_of(name), "wb");
    if (f == NULL || fputs(s, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", name);
        exit(1);
    }
}

/* North (550000, 215000) = 51.813509 N 0.174604 E; South (550000, 205000)
 * = 51.723663 N 0.170289 E (cs2cs EPSG:27700 -> EPSG:4326).  Start
 * 2021-01-01 (a Friday), lookback 10 days: 2020-12-22 .. 2020-12-31 (GMT,
 * so UK local = UTC); the weekend days in it are 26 and 27 December.
 * Threshold on a 30 limit: 35.00 mph. */
static const char pings_csv[] =
    "timestamp,lat,lon,speed_mph,limit_mph\n"
    "2020-12-21T23:59:59Z,51.813509,0.174604,50,30\n"   /* before the lookback */
    "2020-12-22T00:00:00Z,51.813509,0.174604,40,30\n"   /* N weekday over */
    "2020-12-23T12:00:00Z,51.813509,0.174604,30,30\n"   /* N weekday */
    "2020-12-26T12:00:00Z,51.813509,0.174604,35.00,30\n"/* N weekend over */
    "2020-12-27T23:59:59Z,51.813509,0.174604,20,30\n"   /* N weekend */
    "2021-01-01T00:00:00Z,51.813509,0.174604,60,30\n"   /* the start day: out */
    "2020-12-24T10:00:00Z,51.723663,0.170289,34.99,30\n"/* S weekday */
    "2020-12-26T10:00:00Z,51.723663,0.170289,31,30\n";  /* S weekend */

static const char concerns_csv[] =
    "timestamp,lat,lon,source\n"
    "2020-12-21T12:00:00Z,51.813509,0.174604,CSW\n"
    "2020-12-22T12:00:00Z,51.813509,0.174604,CSW\n"
    "2020-12-31T23:00:00Z,51.813509,0.174604,public\n";

static const char detections_csv[] =
    "detection_id,timestamp,device_type,device_id,site_id,easting,northing,speed_mph,"
    "limit_mph,vrm\n"
    "D1,2020-12-30T10:00:00Z,TRUCAM,T1,S1,550000,205000,41,30,AB12CDE\n"
    "D2,2021-01-02T10:00:00Z,TRUCAM,T1,S1,550000,205000,41,30,AB12CDE\n";

/* KSI window [2018-01-01, 2021-01-01). */
static const char collisions_csv[] =
    "collision_index,collision_severity,date,time,location_easting_osgr,"
    "location_northing_osgr\n"
    "C1,1,01/01/2018,08:00,550000,215000\n"   /* first day of the window */
    "C2,2,31/12/2017,08:00,550000,215000\n"   /* before it */
    "C3,2,31/12/2020,23:30,550000,215000\n"   /* last day */
    "C4,2,01/01/2021,00:10,550000,215000\n"   /* the start day: out */
    "C5,2,01/06/2019,12:00,550000,205000\n";  /* South */

static const char casualties_csv[] =
    "collision_index,vehicle_reference,casualty_reference,casualty_severity\n"
    "C1,1,1,1\n"
    "C2,1,1,2\n"
    "C3,1,1,2\n"
    "C3,1,2,3\n"
    "C4,1,1,2\n"
    "C5,1,1,2\n"
    "C5,1,2,3\n";

static void test_workspace(void)
{
    snprintf(tmpd, sizeof tmpd, "%s", check_tmpdir("test_weekend"));
    CHECK_EQ_INT(rs_store_open(ctx, path_of("w.db"), RS_STORE_CREATE), 0);
    const char *const names[3] = {"North", "South", "Empty"};
    const ws_box boxes[3] = {{540000, 210000, 560000, 220000},
                             {540000, 200000, 560000, 210000},
                             {560000, 200000, 562000, 201000}};
    ws_box_districts(ctx, 3, names, boxes);
    rs_key key;
    memset(&key, 0, sizeof key);
    memcpy(key.bytes, "0123456789abcdef0123456789abcdef", 32);
    key.len = 32;
    put_file("pings.csv", pings_csv);
    put_file("concerns.csv", concerns_csv);
    put_file("detections.csv", detections_csv);
    put_file("col.csv", collisions_csv);
    put_file("cas.csv", casualties_csv);
    ws_load(ctx, RS_KIND_TELEMATICS, path_of("pings.csv"), NULL, 8);
    ws_load(ctx, RS_KIND_CONCERNS, path_of("concerns.csv"), NULL, 3);
    ws_load(ctx, RS_KIND_DETECTIONS, path_of("detections.csv"), &key, 2);
    ws_load(ctx, RS_KIND_STATS19, path_of("col.csv"), NULL, 5);
    ws_load(ctx, RS_KIND_STATS19, path_of("cas.csv"), NULL, 7);

    rs_weekend_opts o;
    rs_weekend_opts_init(&o);
    o.start_day = rs_days_from_civil(2021, 1, 1);
    o.lookback_days = 10;
    rs_weekend_scores *sc = NULL;
    CHECK_EQ_INT(rs_weekend_score(ctx, &o, &sc), 0);
    if (sc == NULL)
        return;
    CHECK_EQ_INT(sc->n, 3);
    CHECK_STR(sc->harm_from, "2018-01-01");
    CHECK_STR(sc->harm_to, "2021-01-01");
    const rs_weekend_district *N = &sc->d[0], *S = &sc->d[1], *E = &sc->d[2];
    CHECK_EQ_INT(N->pings, 4);
    CHECK_EQ_INT(N->weekend_pings, 2);
    CHECK_EQ_INT(N->over, 2);
    CHECK_EQ_INT(N->weekend_over, 1);
    CHECK_NEAR(N->pings_w, 6, 0);
    CHECK_NEAR(N->over_w, 3, 0);
    CHECK_EQ_INT(S->pings, 2);
    CHECK_EQ_INT(S->weekend_pings, 1);
    CHECK_EQ_INT(S->over, 0);
    CHECK_EQ_INT(N->ksi, 2);
    CHECK_EQ_INT(S->ksi, 1);
    CHECK_EQ_INT(N->concerns, 2);
    CHECK_EQ_INT(S->detections, 1);
    CHECK_EQ_INT(E->pings + E->ksi + E->concerns + E->detections, 0);
    CHECK_NEAR(N->area_km2, 200, 1e-6);
    CHECK_NEAR(E->score, 0, 0);
    CHECK_EQ_INT(E->rank, 3);
    CHECK_CONTAINS(E->reason, "no data");
    CHECK_EQ_INT(N->rank, 1);
    rs_weekend_scores_free(sc);

    /* excluding North: out of the ranking, still in the county figures */
    int ex[1] = {0};
    o.exclude = ex;
    o.nexclude = 1;
    CHECK_EQ_INT(rs_weekend_score(ctx, &o, &sc), 0);
    if (sc) {
        CHECK_EQ_INT(sc->nranked, 2);
        CHECK_EQ_INT(sc->d[0].rank, 0);
        CHECK_EQ_INT(sc->d[1].rank, 1);
        CHECK_NEAR(sc->county_share, 3.0 / 9.0, 1e-12);
    }
    rs_weekend_scores_free(sc);
    const int bad[1] = {7};
    o.exclude = bad;
    CHECK_EQ_INT(rs_weekend_score(ctx, &o, &sc), RS_EUSAGE);
    rs_store_close(ctx);
}

int main(void)
{
    ctx = rs_ctx_new();
    if (ctx == NULL)
        return 1;
    test_options();
    test_harm_eb();
    test_speed_and_score();
    test_no_data();
    test_rng_and_draw();
    test_plan_reproducible();
    test_cooldown();
    test_frequencies();
    test_workspace();
    rs_ctx_free(ctx);
    return check_done();
}
