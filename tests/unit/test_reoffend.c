/*
 * test_reoffend.c — the reoffending analysis (engine/reoffend.h) and its
 * survival module (engine/survival.h).
 *
 * Reference values and where they come from:
 *   Kaplan–Meier and log-rank: the remission times of Freireich et al.
 *     (Blood 1963), 6-MP against placebo, as analysed by Gehan (Biometrika
 *     1965) and reproduced in Kleinbaum & Klein, "Survival Analysis" (ch. 2
 *     and 4) and R's survival package: S(t) 0.857 0.807 0.753 0.690 0.627
 *     0.538 0.448 at t = 6 7 10 13 16 22 23 with Greenwood standard errors
 *     0.0764 0.0869 0.0963 0.1068 0.1141 0.1282 0.1346; log-log 95% limits
 *     at t = 6 of 0.620 and 0.952; log-rank chi-square 16.79 on 1 df,
 *     observed 9 / 21 against expected 19.25 / 10.75.  The test also
 *     recomputes the exact products by hand below.
 *   Wilson: Newcombe (Stat Med 1998;17:857), score method: 81/263 ->
 *     0.2553-0.3662, 15/148 -> 0.0624-0.1605.
 *   Newcombe's hybrid score difference (Stat Med 1998;17:873, method 10):
 *     56/70 - 48/80 -> 0.0524-0.3339.
 *   Mantel–Haenszel: the UGDP tolbutamide data by age (Rothman, Modern
 *     Epidemiology): RR_MH 1.33; its Greenland–Robins interval and the
 *     other comparisons are recomputed independently here.
 *   Planted rates: roadsafe-gen (from $RS_BIN) and its truth.json.
 *
 * Workspaces are built the way the command builds them: small detection
 * CSVs written here, rs_store_open + rs_ingest_file with a literal key.
 */
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "ingest.h"
#include "reoffend.h"
#include "store.h"
#include "survival.h"
#include "timeutil.h"

#define DAY 86400LL
#define YEAR (365 * DAY)
#define T0 1550000000LL /* 2019-02-12T19:33:20Z */
#define Z975 1.959963984540054

/* ------------------------------------------------------------ helpers */

static void key_init(rs_key *k)
{
    memset(k, 0, sizeof *k);
    memcpy(k->bytes, "test-key-for-reoffending-0123456789", 35);
    k->len = 35;
}

typedef struct csv_out {
    FILE *f;
    char path[1100];
    int rows;
} csv_out;

static void csv_begin(csv_out *c, const char *dir)
{
    *c = (csv_out){NULL, "", 0};
    snprintf(c->path, sizeof c->path, "%s/detections.csv", dir);
    c->f = fopen(c->path, "w");
    if (c->f == NULL) {
        fprintf(stderr, "cannot write %s\n", c->path);
        exit(1);
    }
    fputs("detection_id,timestamp,device_type,device_id,site_id,easting,northing,speed_mph,"
          "limit_mph,vrm\n",
          c->f);
    c->rows = 0;
}

/* One detection; speed in 0.01 mph. */
static void det(csv_out *c, const char *id, int64_t t, const char *type, const char *plate,
                int limit, int speed_cmph)
{
    char ts[32];
    rs_time_format_utc(t, ts, sizeof ts);
    fprintf(c->f, "%s,%s,%s,DEV1,SITE1,580000,210000,%d.%02d,%d,%s\n", id, ts, type,
            speed_cmph / 100, speed_cmph % 100, limit, plate);
    c->rows++;
}

/* n vehicles of one type, index at t (one second apart); the first k
 * reoffend 10 days later (by a GATSO). */
static void cohort_rows(csv_out *c, const char *prefix, const char *type, int n, int k, int limit,
                        int64_t t)
{
    for (int i = 0; i < n; i++) {
        char id[32], plate[16];
        snprintf(plate, sizeof plate, "%s%04d", prefix, i);
        snprintf(id, sizeof id, "%s-%04d-a", prefix, i);
        det(c, id, t + i, type, plate, limit, limit * 110 + 200);
        if (i < k) {
            snprintf(id, sizeof id, "%s-%04d-b", prefix, i);
            det(c, id, t + i + 10 * DAY, "GATSO", plate, limit, limit * 110 + 200);
        }
    }
}

/* A fresh workspace holding the CSV's detections. */
static rs_ctx *ws_load(const char *dir, csv_out *c)
{
    if (fclose(c->f) != 0)
        exit(1);
    rs_ctx *ctx = rs_ctx_new();
    if (ctx == NULL)
        exit(1);
    char db[1100];
    snprintf(db, sizeof db, "%s/ws.db", dir);
    rs_key key;
    key_init(&key);
    rs_ingest_opts io = {.key = &key};
    rs_ingest_result res;
    memset(&res, 0, sizeof res);
    if (rs_store_open(ctx, db, RS_STORE_CREATE) != 0 ||
        rs_ingest_file(ctx, RS_KIND_DETECTIONS, c->path, &io, &res) != 0) {
        fprintf(stderr, "workspace: %s\n", rs_ctx_err(ctx)->msg);
        exit(1);
    }
    CHECK_EQ_INT(res.loaded, c->rows);
    CHECK_EQ_INT(res.rejected, 0);
    return ctx;
}

static rs_reoffend_result *run(rs_ctx *ctx, const rs_reoffend_opts *o)
{
    rs_reoffend_result *r = NULL;
    int rc = rs_reoffend_run(ctx, o, &r);
    if (rc != 0) {
        fprintf(stderr, "rs_reoffend_run: %d %s\n", rc, rs_ctx_err(ctx)->msg);
        exit(1);
    }
    return r;
}

static void opts_cohorts(rs_reoffend_opts *o, const char *list)
{
    if (rs_reoffend_cohorts_parse(o, list, NULL) != 0) {
        fprintf(stderr, "cohorts %s\n", list);
        exit(1);
    }
}

/* Independent two-sided normal p-value. */
static double p_two_sided(double z)
{
    return erfc(fabs(z) / sqrt(2.0));
}

/* ------------------------------------------- Freireich et al. (Gehan) */

static const double mp_t[21] = {6,  6,  6,  6,  7,  9,  10, 10, 11, 13, 16,
                                17, 19, 20, 22, 23, 25, 32, 32, 34, 35};
static const int mp_e[21] = {1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0};
static const double pl_t[21] = {1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17,
                                22, 23};

static size_t freireich(rs_surv_obs *obs)
{
    size_t n = 0;
    for (int i = 0; i < 21; i++)
        obs[n++] = (rs_surv_obs){mp_t[i], (unsigned char)mp_e[i], 0};
    for (int i = 0; i < 21; i++)
        obs[n++] = (rs_surv_obs){pl_t[i], 1, 1};
    return n;
}

static void test_km_freireich(rs_ctx *ctx)
{
    rs_surv_obs obs[42];
    size_t n = freireich(obs);
    rs_surv_sort(obs, n);
    rs_km *km = NULL;
    CHECK_EQ_INT(rs_km_fit(ctx, obs, n, 0, &km), 0);
    CHECK_EQ_INT(km->subjects, 21);
    CHECK_EQ_INT(km->events, 9);
    CHECK_EQ_INT(km->n, 7);
    /* Published (3 decimals) and exact (risk sets counted by hand:
     * 21, 17, 15, 12, 11, 7, 6 at risk with 3, 1, 1, 1, 1, 1, 1 events). */
    const double t[7] = {6, 7, 10, 13, 16, 22, 23};
    const double pub_s[7] = {0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448};
    const double pub_se[7] = {0.0764, 0.0869, 0.0963, 0.1068, 0.1141, 0.1282, 0.1346};
    const double r[7] = {21, 17, 15, 12, 11, 7, 6}, d[7] = {3, 1, 1, 1, 1, 1, 1};
    double s = 1, gw = 0;
    for (int i = 0; i < 7; i++) {
        s *= (r[i] - d[i]) / r[i];
        gw += d[i] / (r[i] * (r[i] - d[i]));
        double se;
        double got = rs_km_surv(km, t[i], &se);
        CHECK_NEAR(got, pub_s[i], 5e-4);
        CHECK_NEAR(got, s, 1e-12);
        CHECK_NEAR(se, pub_se[i], 5e-5);
        CHECK_NEAR(se, s * sqrt(gw), 1e-12);
        /* just before the event time, the previous step */
        CHECK_NEAR(rs_km_surv(km, t[i] - 0.5, NULL), i ? pub_s[i - 1] : 1.0, 5e-4);
    }
    /* Defined up to the last (censored) time 35, not beyond. */
    CHECK_NEAR(rs_km_surv(km, 35, NULL), 0.448, 5e-4);
    CHECK(isnan(rs_km_surv(km, 35.5, NULL)));
    CHECK_NEAR(rs_km_surv(km, 0, NULL), 1.0, 0);

    /* Log-log interval (as R's conf.type = "log-log"): published 0.620 -
     * 0.952 for S(6); recomputed from Greenwood here. */
    rs_ci ci;
    double cum = rs_km_cum(km, 6, 0.05, &ci);
    CHECK_NEAR(cum, 1 - 18.0 / 21, 1e-12);
    CHECK_NEAR(1 - ci.high, 0.620, 5e-4);
    CHECK_NEAR(1 - ci.low, 0.952, 5e-4);
    double s6 = 18.0 / 21, g6 = 3.0 / (21 * 18), sl = sqrt(g6) / fabs(log(s6));
    CHECK_NEAR(1 - ci.high, pow(s6, exp(Z975 * sl)), 1e-9);
    CHECK_NEAR(1 - ci.low, pow(s6, exp(-Z975 * sl)), 1e-9);
    cum = rs_km_cum(km, 2, 0.05, &ci); /* before any event */
    CHECK_NEAR(cum, 0, 0);
    CHECK_NEAR(ci.low, 0, 0);
    CHECK_NEAR(ci.high, 0, 0);
    rs_km_free(km);

    /* Placebo: every subject relapses; S reaches 0 at 23 and stays. */
    CHECK_EQ_INT(rs_km_fit(ctx, obs, n, 1, &km), 0);
    CHECK_NEAR(rs_km_surv(km, 1, NULL), 19.0 / 21, 1e-12);
    CHECK_NEAR(rs_km_surv(km, 23, NULL), 0, 0);
    CHECK_NEAR(rs_km_surv(km, 100, NULL), 0, 0);
    cum = rs_km_cum(km, 100, 0.05, &ci);
    CHECK_NEAR(cum, 1, 0);
    CHECK_NEAR(ci.low, 1, 0);
    rs_km_free(km);

    /* Log-rank: published chi-square 16.79 on 1 df; O 9 / 21, E 19.25 / 10.75. */
    rs_logrank_result lr;
    CHECK_EQ_INT(rs_logrank(ctx, obs, n, 2, &lr), 0);
    CHECK_NEAR(lr.chisq, 16.79, 0.005);
    CHECK_NEAR(lr.chisq, 16.792941, 1e-5);
    CHECK_EQ_INT(lr.df, 1);
    CHECK_NEAR(lr.observed[0], 9, 0);
    CHECK_NEAR(lr.observed[1], 21, 0);
    CHECK_NEAR(lr.expected[0], 19.25, 0.005);
    CHECK_NEAR(lr.expected[1], 10.75, 0.005);
    CHECK_NEAR(lr.expected[0] + lr.expected[1], 30, 1e-9);
    CHECK_NEAR(lr.p, erfc(sqrt(lr.chisq) / sqrt(2.0)), 1e-12); /* chi2(1) tail = normal */

    /* An empty third group changes nothing (df stays 1). */
    rs_logrank_result lr3;
    CHECK_EQ_INT(rs_logrank(ctx, obs, n, 3, &lr3), 0);
    CHECK_EQ_INT(lr3.df, 1);
    CHECK_NEAR(lr3.chisq, lr.chisq, 1e-9);
    CHECK_EQ_INT(rs_logrank(ctx, obs, n, 1, &lr3), RS_EUSAGE); /* group 1 >= k */
}

/* Three groups: the placebo arm split in two (odd and even positions);
 * the statistic recomputed here with an explicit 2 x 2 inverse. */
static void test_logrank_three(rs_ctx *ctx)
{
    rs_surv_obs obs[42];
    size_t n = freireich(obs);
    for (size_t i = 21; i < n; i++)
        obs[i].group = (unsigned char)(1 + (i % 2));
    rs_surv_sort(obs, n);
    rs_logrank_result lr;
    CHECK_EQ_INT(rs_logrank(ctx, obs, n, 3, &lr), 0);
    CHECK_EQ_INT(lr.df, 2);
    /* Reference: U and V for groups 0 and 1 by brute force. */
    double u[2] = {0, 0}, v[2][2] = {{0, 0}, {0, 0}};
    double times[42];
    size_t nt = 0;
    for (size_t i = 0; i < n; i++)
        if (obs[i].event && (nt == 0 || times[nt - 1] != obs[i].time))
            times[nt++] = obs[i].time;
    for (size_t j = 0; j < nt; j++) {
        double r[3] = {0, 0, 0}, d[3] = {0, 0, 0};
        for (size_t i = 0; i < n; i++) {
            if (obs[i].time >= times[j])
                r[obs[i].group]++;
            if (obs[i].time == times[j] && obs[i].event)
                d[obs[i].group]++;
        }
        double R = r[0] + r[1] + r[2], D = d[0] + d[1] + d[2];
        for (int a = 0; a < 2; a++) {
            u[a] += d[a] - D * r[a] / R;
            for (int b = 0; b < 2; b++)
                v[a][b] += D * (R - D) / (R - 1) * r[a] / R * ((a == b) - r[b] / R);
        }
    }
    double det2 = v[0][0] * v[1][1] - v[0][1] * v[1][0];
    double chisq = (u[0] * (v[1][1] * u[0] - v[0][1] * u[1]) +
                    u[1] * (-v[1][0] * u[0] + v[0][0] * u[1])) /
                   det2;
    CHECK_NEAR(lr.chisq, chisq, 1e-9);
    CHECK_NEAR(lr.p, exp(-chisq / 2), 1e-12); /* chi2(2) tail */
    CHECK(lr.chisq > 16);
}

/* ----------------------------------------------------- option parsing */

static void test_parse(void)
{
    unsigned s = 99;
    CHECK_EQ_INT(rs_strata_parse("limit,excess,district", &s), 0);
    CHECK_EQ_INT(s, RS_STRATA_LIMIT | RS_STRATA_EXCESS | RS_STRATA_DISTRICT);
    CHECK_EQ_INT(rs_strata_parse("district", &s), 0);
    CHECK_EQ_INT(s, RS_STRATA_DISTRICT);
    CHECK_EQ_INT(rs_strata_parse("none", &s), 0);
    CHECK_EQ_INT(s, 0);
    CHECK_EQ_INT(rs_strata_parse("limit,limit", &s), -1);
    CHECK_EQ_INT(rs_strata_parse("limit,", &s), -1);
    CHECK_EQ_INT(rs_strata_parse("speed", &s), -1);
    CHECK_EQ_INT(rs_strata_parse("", &s), -1);

    rs_reoffend_opts o;
    rs_reoffend_opts_default(&o);
    CHECK_EQ_INT(o.ncohorts, 2);
    CHECK_STR(o.cohorts[0], "TRUCAM");
    CHECK_STR(o.cohorts[1], "GATSO");
    CHECK_EQ_INT(o.window, 365 * DAY);
    CHECK_EQ_INT(o.episode, 24 * 3600);
    CHECK_EQ_INT(o.strata, RS_STRATA_LIMIT | RS_STRATA_EXCESS);
    const char *bad = NULL;
    CHECK_EQ_INT(rs_reoffend_cohorts_parse(&o, "gatso,Trucam,SPECS", &bad), 0);
    CHECK_EQ_INT(o.ncohorts, 3);
    CHECK_STR(o.cohorts[0], "GATSO");
    CHECK_STR(o.cohorts[1], "TRUCAM");
    CHECK_STR(o.cohorts[2], "SPECS");
    CHECK_EQ_INT(rs_reoffend_cohorts_parse(&o, "TRUCAM,LASER", &bad), -1);
    CHECK_STR(bad, "LASER");
    CHECK_EQ_INT(o.ncohorts, 3); /* unchanged on failure */
    CHECK_EQ_INT(rs_reoffend_cohorts_parse(&o, "TRUCAM,trucam", &bad), -1);
    CHECK_EQ_INT(rs_reoffend_cohorts_parse(&o, "", &bad), -1);
    CHECK_EQ_INT(rs_reoffend_cohorts_parse(&o, "TRUCAM,,GATSO", &bad), -1);
}

/* ----------------------------------------- definitions at their edges */

static void test_boundaries(void)
{
    const char *dir = check_tmpdir("test_reoffend_edges");
    csv_out c;
    csv_begin(&c, dir);
    const int64_t de = T0 + YEAR + 100 * DAY; /* data end */
    const int lim = 30, sp = 3500;
    /* TRUCAM */
    det(&c, "A1", T0, "TRUCAM", "AA01AAA", lim, sp);
    det(&c, "A2", T0 + DAY, "GATSO", "AA01AAA", lim, sp); /* exactly 24 h: same event */
    det(&c, "B1", T0, "TRUCAM", "BB01BBB", lim, sp);
    det(&c, "B2", T0 + DAY + 1, "GATSO", "BB01BBB", lim, sp); /* 24 h + 1 s: reoffence */
    det(&c, "C1", T0, "TRUCAM", "CC01CCC", lim, sp);
    det(&c, "C2", T0 + 3600, "GATSO", "CC01CCC", lim, sp);
    det(&c, "C3", T0 + DAY, "TRUCAM", "CC01CCC", lim, sp);
    det(&c, "C4", T0 + DAY + 5, "SPECS", "CC01CCC", lim, sp); /* the reoffence */
    det(&c, "D-b", T0, "GATSO", "DD01DDD", lim, sp);          /* tie: D-a is the index */
    det(&c, "D-a", T0, "TRUCAM", "DD01DDD", lim, sp);
    det(&c, "K0", T0 - 20 * DAY, "GATSO", "KK01KKK", lim, sp); /* before the period */
    det(&c, "K1", T0, "TRUCAM", "KK01KKK", lim, sp);
    /* GATSO */
    det(&c, "E-2", T0, "TRUCAM", "EE01EEE", lim, sp); /* tie: E-1 is the index */
    det(&c, "E-1", T0, "GATSO", "EE01EEE", lim, sp);
    det(&c, "F1", T0, "GATSO", "FF01FFF", lim, sp);
    det(&c, "F2", T0 + YEAR, "GATSO", "FF01FFF", lim, sp); /* exactly the window: within */
    det(&c, "G1", T0, "GATSO", "GG01GGG", lim, sp);
    det(&c, "G2", T0 + YEAR + 1, "GATSO", "GG01GGG", lim, sp); /* past the window */
    det(&c, "H1", de - YEAR, "GATSO", "HH01HHH", lim, sp);      /* followed up, just */
    det(&c, "I1", de - YEAR + 1, "GATSO", "II01III", lim, sp);  /* not followed up */
    det(&c, "I2", de - YEAR + 1 + 2 * DAY, "TRUCAM", "II01III", lim, sp);
    det(&c, "J1", T0, "GATSO", "JJ01JJJ", lim, sp);
    det(&c, "J2", de + 10, "GATSO", "JJ01JJJ", lim, sp); /* after the data end: ignored */
    /* others */
    det(&c, "L1", T0 + 200 * DAY, "GATSO", "LL01LLL", lim, sp); /* at 'to': not indexed */
    det(&c, "M1", T0, "SPECS", "MM01MMM", lim, sp);             /* indexed, not a cohort */
    rs_ctx *ctx = ws_load(dir, &c);

    rs_reoffend_opts o;
    rs_reoffend_opts_default(&o);
    o.from = T0 - 10 * DAY;
    o.to = T0 + 200 * DAY;
    o.data_end = de;
    opts_cohorts(&o, "TRUCAM,GATSO,VECTOR");
    rs_reoffend_result *r = run(ctx, &o);
    CHECK_EQ_INT(r->detections, c.rows);
    CHECK_EQ_INT(r->data_end, de);
    CHECK_EQ_INT(r->vehicles_indexed, 12);
    const rs_reoffend_cohort *tc = &r->cohort[0], *gt = &r->cohort[1], *vc = &r->cohort[2];
    CHECK_STR(tc->name, "TRUCAM");
    CHECK_EQ_INT(tc->vehicles, 5); /* A B C D K */
    CHECK_EQ_INT(tc->followed_up, 5);
    CHECK_EQ_INT(tc->reoffended, 2); /* B C */
    CHECK_NEAR(tc->rate, 0.4, 1e-12);
    CHECK_EQ_INT(tc->events, 2);
    CHECK_EQ_INT(gt->vehicles, 6);    /* E F G H I J */
    CHECK_EQ_INT(gt->followed_up, 5); /* not I */
    CHECK_EQ_INT(gt->reoffended, 1);  /* F */
    CHECK_NEAR(gt->rate, 0.2, 1e-12);
    CHECK_EQ_INT(gt->events, 3); /* F G I */
    /* KM, TRUCAM: events at 24 h + 1 s and + 5 s among 5. */
    CHECK_NEAR(tc->km[0], 0.4, 1e-12);
    CHECK_NEAR(tc->km[3], 0.4, 1e-12);
    /* KM, GATSO: I at 2 days among 6; at 365 days F's event ties with H's
     * censoring (H still at risk: 5), G's at 365 d + 1 s comes after. */
    CHECK_NEAR(gt->km[0], 1.0 / 6, 1e-12);
    CHECK_NEAR(gt->km[2], 1.0 / 6, 1e-12);
    CHECK_NEAR(gt->km[3], 1 - (5.0 / 6) * (4.0 / 5), 1e-12);
    CHECK_EQ_INT(gt->ncurve, (size_t)((de - T0) / DAY) + 1);
    CHECK_NEAR(gt->curve[1].cum, 0, 0);
    CHECK_NEAR(gt->curve[2].cum, 1.0 / 6, 1e-12);
    /* The cohort with no vehicles: counts 0, every figure undefined. */
    CHECK_STR(vc->name, "VECTOR");
    CHECK_EQ_INT(vc->vehicles, 0);
    CHECK_EQ_INT(vc->followed_up, 0);
    CHECK(isnan(vc->rate) && isnan(vc->ci.low) && isnan(vc->diff) && isnan(vc->rr));
    CHECK(isnan(vc->p) && isnan(vc->mh.rr) && isnan(vc->km[0]) && isnan(vc->km_ci[3].high));
    CHECK_EQ_INT(vc->ncurve, 0);
    CHECK_EQ_INT(r->logrank_df, 1); /* two cohorts with vehicles */
    CHECK(!isnan(r->logrank_chisq));
    rs_reoffend_result_free(r);

    /* Episode 0: A's second detection (24 h later) is now a reoffence. */
    o.episode = 0;
    r = run(ctx, &o);
    CHECK_EQ_INT(r->cohort[0].reoffended, 3); /* A B C (at C2); D's same-second GATSO is
                                                 not "more than 0 s" later */
    CHECK_NEAR(r->cohort[0].km[0], 3.0 / 5, 1e-12);
    rs_reoffend_result_free(r);

    /* Data end from the workspace: the latest detection (J2). */
    o.episode = 24 * 3600;
    o.data_end = RS_REOFFEND_DATA_END_AUTO;
    r = run(ctx, &o);
    CHECK_EQ_INT(r->data_end, de + 10);
    CHECK_EQ_INT(r->cohort[1].events, 4); /* F G I J */
    rs_reoffend_result_free(r);

    /* The reference with no vehicles: no comparison anywhere. */
    opts_cohorts(&o, "VECTOR,TRUCAM");
    r = run(ctx, &o);
    CHECK(isnan(r->cohort[1].diff) && isnan(r->cohort[1].rr) && isnan(r->cohort[1].p));
    CHECK(isnan(r->cohort[1].mh.rr));
    CHECK(isnan(r->logrank_chisq));
    CHECK_EQ_INT(r->logrank_df, 0);
    rs_reoffend_result_free(r);

    /* Misuse. */
    o.from = o.to;
    CHECK_EQ_INT(rs_reoffend_run(ctx, &o, &r), RS_EUSAGE);
    CHECK(r == NULL);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "index period is empty");
    rs_ctx_free(ctx);

    rs_ctx *none = rs_ctx_new();
    rs_reoffend_opts_default(&o);
    CHECK_EQ_INT(rs_reoffend_run(none, &o, &r), RS_EUSAGE);
    rs_ctx_free(none);
}

/* All censored; tied event times across cohorts. */
static void test_censored_and_ties(void)
{
    const char *dir = check_tmpdir("test_reoffend_ties");
    csv_out c;
    csv_begin(&c, dir);
    /* 3 TRUCAM and 3 GATSO vehicles, nobody detected again. */
    cohort_rows(&c, "TQ", "TRUCAM", 3, 0, 40, T0);
    cohort_rows(&c, "GQ", "GATSO", 3, 0, 40, T0);
    rs_ctx *ctx = ws_load(dir, &c);
    rs_reoffend_opts o;
    rs_reoffend_opts_default(&o);
    o.data_end = T0 + 2 * YEAR;
    rs_reoffend_result *r = run(ctx, &o);
    for (int j = 0; j < 2; j++) {
        const rs_reoffend_cohort *k = &r->cohort[j];
        CHECK_EQ_INT(k->vehicles, 3);
        CHECK_EQ_INT(k->reoffended, 0);
        CHECK_EQ_INT(k->events, 0);
        CHECK_NEAR(k->rate, 0, 0);
        CHECK_NEAR(k->ci.low, 0, 0);
        CHECK_NEAR(k->ci.high, 0.5614970317550454, 1e-9); /* Wilson 0/3: z^2/(3+z^2) */
        for (int i = 0; i < RS_REOFFEND_NKM; i++) {
            CHECK_NEAR(k->km[i], 0, 0);
            CHECK_NEAR(k->km_ci[i].low, 0, 0);
            CHECK_NEAR(k->km_ci[i].high, 0, 0);
        }
    }
    CHECK(isnan(r->cohort[1].rr)); /* 0 / 0 */
    CHECK_NEAR(r->cohort[1].diff, 0, 0);
    CHECK_NEAR(r->cohort[1].p, 1, 0);
    CHECK(isnan(r->logrank_chisq)); /* no event: no test */
    CHECK_EQ_INT(r->logrank_df, 1);
    rs_reoffend_result_free(r);
    rs_ctx_free(ctx);

    /* Ties: 4 TRUCAM (2 reoffend) and 4 GATSO (3 reoffend), every
     * reoffence exactly 10 days after its index (indexes at the same
     * second: same-time index detections of different vehicles). */
    dir = check_tmpdir("test_reoffend_ties2");
    csv_begin(&c, dir);
    for (int i = 0; i < 8; i++) {
        char id[16], plate[16];
        snprintf(plate, sizeof plate, "TT%02dTTT", i);
        snprintf(id, sizeof id, "X%d", i);
        det(&c, id, T0, i < 4 ? "TRUCAM" : "GATSO", plate, 30, 3400);
        if (i < 2 || (i >= 4 && i < 7)) {
            snprintf(id, sizeof id, "Y%d", i);
            det(&c, id, T0 + 10 * DAY, "GATSO", plate, 30, 3400);
        }
    }
    ctx = ws_load(dir, &c);
    o.data_end = T0 + 2 * YEAR;
    r = run(ctx, &o);
    CHECK_NEAR(r->cohort[0].km[0], 0.5, 1e-12);
    CHECK_NEAR(r->cohort[1].km[0], 0.75, 1e-12);
    /* One event time: N 8, D 5, n0 4: E0 = 2.5, O0 = 2,
     * V = 5 * 3 / 7 * 1/2 * 1/2; chi-square = 0.25 / V. */
    CHECK_NEAR(r->logrank_chisq, 0.25 / (15.0 / 28), 1e-12);
    CHECK_EQ_INT(r->logrank_df, 1);
    rs_reoffend_result_free(r);
    rs_ctx_free(ctx);
}

/* Wilson and the crude comparisons (Newcombe's examples). */
static void test_wilson_and_comparisons(void)
{
    const char *dir = check_tmpdir("test_reoffend_wilson");
    csv_out c;
    csv_begin(&c, dir);
    cohort_rows(&c, "TA", "TRUCAM", 263, 81, 30, T0);
    cohort_rows(&c, "GA", "GATSO", 148, 15, 30, T0 + 3600);
    rs_ctx *ctx = ws_load(dir, &c);
    rs_reoffend_opts o;
    rs_reoffend_opts_default(&o);
    o.data_end = T0 + 2 * YEAR; /* everyone followed up */
    rs_reoffend_result *r = run(ctx, &o);
    const rs_reoffend_cohort *t = &r->cohort[0], *g = &r->cohort[1];
    CHECK_EQ_INT(t->followed_up, 263);
    CHECK_EQ_INT(t->reoffended, 81);
    CHECK_EQ_INT(g->followed_up, 148);
    CHECK_EQ_INT(g->reoffended, 15);
    CHECK_NEAR(t->ci.low, 0.2553, 5e-5);
    CHECK_NEAR(t->ci.high, 0.3662, 5e-5);
    CHECK_NEAR(g->ci.low, 0.0624, 5e-5);
    CHECK_NEAR(g->ci.high, 0.1605, 5e-5);
    /* Independently: RR with the Katz interval, pooled z test. */
    double p1 = 15.0 / 148, p0 = 81.0 / 263;
    double rr = p1 / p0, se = sqrt(1.0 / 15 - 1.0 / 148 + 1.0 / 81 - 1.0 / 263);
    CHECK_NEAR(g->diff, p1 - p0, 1e-12);
    CHECK_NEAR(g->rr, rr, 1e-12);
    CHECK_NEAR(g->rr_ci.low, rr * exp(-Z975 * se), 1e-9);
    CHECK_NEAR(g->rr_ci.high, rr * exp(Z975 * se), 1e-9);
    double pool = 96.0 / 411;
    double z = (p1 - p0) / sqrt(pool * (1 - pool) * (1.0 / 148 + 1.0 / 263));
    CHECK_NEAR(g->p, p_two_sided(z), 1e-12);
    /* One stratum (all at 30 mph, under the excess band): MH = crude. */
    CHECK_EQ_INT(r->strata, 1);
    CHECK_NEAR(g->mh.rr, rr, 1e-12);
    CHECK_EQ_INT(g->mh.strata_used, 1);
    /* Nobody censored before 365 days: KM at 365 days is the rate. */
    CHECK_NEAR(t->km[3], 81.0 / 263, 1e-12);
    CHECK_NEAR(g->km[0], 15.0 / 148, 1e-12);
    rs_reoffend_result_free(r);
    rs_ctx_free(ctx);

    /* Newcombe's difference: 56/70 - 48/80 -> 0.0524 .. 0.3339. */
    dir = check_tmpdir("test_reoffend_newcombe");
    csv_begin(&c, dir);
    cohort_rows(&c, "TB", "TRUCAM", 80, 48, 40, T0);
    cohort_rows(&c, "GB", "GATSO", 70, 56, 40, T0);
    ctx = ws_load(dir, &c);
    r = run(ctx, &o);
    CHECK_NEAR(r->cohort[1].diff, 56.0 / 70 - 48.0 / 80, 1e-12);
    CHECK_NEAR(r->cohort[1].diff_ci.low, 0.0524, 5e-5);
    CHECK_NEAR(r->cohort[1].diff_ci.high, 0.3339, 5e-5);
    rs_reoffend_result_free(r);
    rs_ctx_free(ctx);
}

/* Mantel–Haenszel over the tolbutamide strata, as limit bands; and the
 * excess band edge at limit x 1.1 + 9 mph. */
static void test_mantel_haenszel(void)
{
    const char *dir = check_tmpdir("test_reoffend_mh");
    csv_out c;
    csv_begin(&c, dir);
    /* age < 55 as the 30 mph band, age >= 55 as the 50 mph band;
     * tolbutamide = GATSO, placebo = TRUCAM (the reference). */
    cohort_rows(&c, "GY", "GATSO", 106, 8, 30, T0);
    cohort_rows(&c, "TY", "TRUCAM", 120, 5, 30, T0);
    cohort_rows(&c, "GO", "GATSO", 98, 22, 50, T0);
    cohort_rows(&c, "TO", "TRUCAM", 85, 16, 50, T0);
    rs_ctx *ctx = ws_load(dir, &c);
    rs_reoffend_opts o;
    rs_reoffend_opts_default(&o);
    o.data_end = T0 + 2 * YEAR;
    rs_reoffend_result *r = run(ctx, &o);
    const rs_reoffend_cohort *g = &r->cohort[1];
    CHECK_EQ_INT(r->strata, 2);
    CHECK_EQ_INT(g->mh.strata_used, 2);
    CHECK_NEAR(g->mh.rr, 1.33, 0.005); /* published */
    /* Greenland–Robins, recomputed. */
    const double a[2] = {8, 22}, n1[2] = {106, 98}, cc[2] = {5, 16}, n0[2] = {120, 85};
    double R = 0, S = 0, V = 0;
    for (int i = 0; i < 2; i++) {
        double N = n1[i] + n0[i];
        R += a[i] * n0[i] / N;
        S += cc[i] * n1[i] / N;
        V += (n1[i] * n0[i] * (a[i] + cc[i]) - a[i] * cc[i] * N) / (N * N);
    }
    double se = sqrt(V / (R * S));
    CHECK_NEAR(g->mh.rr, R / S, 1e-12);
    CHECK_NEAR(g->mh.ci.low, R / S * exp(-Z975 * se), 1e-9);
    CHECK_NEAR(g->mh.ci.high, R / S * exp(Z975 * se), 1e-9);
    CHECK_NEAR(g->rr, (30.0 / 204) / (21.0 / 205), 1e-12); /* crude */
    rs_reoffend_result_free(r);
    /* Without strata the MH estimate is the crude one. */
    o.strata = 0;
    r = run(ctx, &o);
    CHECK_EQ_INT(r->strata, 1);
    CHECK_NEAR(r->cohort[1].mh.rr, (30.0 / 204) / (21.0 / 205), 1e-12);
    rs_reoffend_result_free(r);
    rs_ctx_free(ctx);

    /* Excess band: on a 30 limit, 42.00 mph is "up to", 42.01 "above". */
    dir = check_tmpdir("test_reoffend_excess");
    csv_begin(&c, dir);
    det(&c, "P1", T0, "TRUCAM", "PP01PPP", 30, 4200);
    det(&c, "P2", T0, "GATSO", "PP02PPP", 30, 4200);
    det(&c, "Q1", T0, "TRUCAM", "QQ01QQQ", 30, 4201);
    det(&c, "Q2", T0, "GATSO", "QQ02QQQ", 30, 4201);
    ctx = ws_load(dir, &c);
    rs_reoffend_opts_default(&o);
    o.data_end = T0 + 2 * YEAR;
    o.strata = RS_STRATA_EXCESS;
    r = run(ctx, &o);
    CHECK_EQ_INT(r->strata, 2);
    rs_reoffend_result_free(r);
    o.strata = RS_STRATA_LIMIT | RS_STRATA_DISTRICT; /* no districts: one stratum */
    r = run(ctx, &o);
    CHECK_EQ_INT(r->strata, 1);
    rs_reoffend_result_free(r);
    rs_ctx_free(ctx);
}

/* ------------------------------------------------ planted (roadsafe-gen) */

/* The integer after "key": following the first occurrence of anchor. */
static long long json_int_after(const char *js, const char *anchor, const char *key)
{
    const char *p = strstr(js, anchor);
    if (p == NULL || (p = strstr(p, key)) == NULL)
        return -1;
    p = strchr(p + strlen(key), ':');
    return p ? strtoll(p + 1, NULL, 10) : -1;
}

static void test_planted(void)
{
    const char *bin = getenv("RS_BIN");
    char gen[1100];
    snprintf(gen, sizeof gen, "%s/roadsafe-gen", bin ? bin : "");
    if (bin == NULL || access(gen, X_OK) != 0) {
        printf("SKIPPED (part): planted rates: no roadsafe-gen in $RS_BIN\n");
        return;
    }
    const char *dir = check_tmpdir("test_reoffend_gen");
    char cmd[2600];
    snprintf(cmd, sizeof cmd, "'%s' --out '%s/gen' --seed 1 --scale 1 >/dev/null", gen, dir);
    if (system(cmd) != 0) {
        CHECK(!"roadsafe-gen ran");
        return;
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/gen/truth.json", dir);
    FILE *f = fopen(path, "r");
    static char js[1 << 20];
    size_t n = f ? fread(js, 1, sizeof js - 1, f) : 0;
    if (f)
        fclose(f);
    js[n] = '\0';
    const char *anchor[2] = {"\"index_device\": \"TRUCAM\"", "\"index_device\": \"GATSO\""};
    const double planted[2] = {0.14, 0.25};
    long long idx[2], reo[2];
    for (int j = 0; j < 2; j++) {
        idx[j] = json_int_after(js, anchor[j], "\"index_vehicles\"");
        reo[j] = json_int_after(js, anchor[j], "\"reoffended_within_365d\"");
        CHECK(idx[j] > 0 && reo[j] >= 0);
    }

    rs_ctx *ctx = rs_ctx_new();
    char db[1200], csv[1200];
    snprintf(db, sizeof db, "%s/ws.db", dir);
    snprintf(csv, sizeof csv, "%s/gen/detections.csv", dir);
    rs_key key;
    key_init(&key);
    rs_ingest_opts io = {.key = &key};
    rs_ingest_result res;
    if (ctx == NULL || rs_store_open(ctx, db, RS_STORE_CREATE) != 0 ||
        rs_ingest_file(ctx, RS_KIND_DETECTIONS, csv, &io, &res) != 0) {
        CHECK(!"generated detections load");
        rs_ctx_free(ctx);
        return;
    }
    rs_reoffend_opts o;
    rs_reoffend_opts_default(&o);
    o.from = rs_london_to_utc(2019, 1, 1, 0, 0, 0, NULL);
    o.to = rs_london_to_utc(2020, 1, 1, 0, 0, 0, NULL);
    rs_reoffend_result *r = run(ctx, &o);
    for (int j = 0; j < 2; j++) {
        const rs_reoffend_cohort *k = &r->cohort[j];
        /* The generator's own count from the rows it wrote, exactly. */
        CHECK_EQ_INT(k->vehicles, idx[j]);
        CHECK_EQ_INT(k->followed_up, idx[j]);
        CHECK_EQ_INT(k->reoffended, reo[j]);
        /* The planted probability inside the 95% interval. */
        CHECK(k->ci.low <= planted[j] && planted[j] <= k->ci.high);
        printf("planted %s %.2f: %llu/%llu = %.4f, 95%% CI %.4f-%.4f; KM 365 d %.4f\n",
               k->name, planted[j], (unsigned long long)k->reoffended,
               (unsigned long long)k->followed_up, k->rate, k->ci.low, k->ci.high, k->km[3]);
    }
    CHECK(r->cohort[1].rr_ci.low > 1); /* GATSO reoffends more, clearly */
    CHECK(r->logrank_p < 1e-6);
    rs_reoffend_result_free(r);
    rs_ctx_free(ctx);
}

/* An empty workspace: nothing indexed, nothing undefined crashes. */
static void test_empty(void)
{
    const char *dir = check_tmpdir("test_reoffend_empty");
    csv_out c;
    csv_begin(&c, dir);
    fclose(c.f);
    rs_ctx *ctx = rs_ctx_new();
    char db[1100];
    snprintf(db, sizeof db, "%s/ws.db", dir);
    CHECK_EQ_INT(rs_store_open(ctx, db, RS_STORE_CREATE), 0);
    rs_reoffend_opts o;
    rs_reoffend_opts_default(&o);
    rs_reoffend_result *r = run(ctx, &o);
    CHECK_EQ_INT(r->detections, 0);
    CHECK_EQ_INT(r->data_end, INT64_MIN);
    CHECK_EQ_INT(r->cohort[0].vehicles, 0);
    CHECK(isnan(r->cohort[0].rate) && isnan(r->logrank_chisq));
    rs_reoffend_result_free(r);
    rs_ctx_free(ctx);
}

int main(void)
{
    rs_ctx *ctx = rs_ctx_new();
    if (ctx == NULL)
        return 1;
    test_km_freireich(ctx);
    test_logrank_three(ctx);
    rs_ctx_free(ctx);
    test_parse();
    test_boundaries();
    test_censored_and_ties();
    test_wilson_and_comparisons();
    test_mantel_haenszel();
    test_empty();
    test_planted();
    return check_done();
}
