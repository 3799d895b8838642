/*
 * test_target.c — engine/analysis/target: the KSI target, trajectory,
 * Poisson trend, projection, verdict and rates, on hand-made series with
 * answers worked out by hand (never from target.c itself).
 *
 *  - Exactly geometric counts 1000, 900, 810, 729, 656.1 (2015-2019): the
 *    Poisson maximum-likelihood fit reproduces them exactly (the score
 *    equations sum(y - mu) = 0 and sum(x (y - mu)) = 0 hold at mu = y), so
 *    the annual rate is 0.9 and the change -10.0%; the covariance is the
 *    inverse of the information sum(mu (1, d)(1, d)') at mu = y.
 *  - Baseline 2015-2019 mean 819.02, target 50% lower 409.51 in 2030, the
 *    trajectory from (2017, 819.02) to (2030, 409.51): 724.5177 in 2020.
 *  - Spec parsing, the missing baseline year named, rates with R's
 *    poisson.test(10)$conf.int = 4.795389 18.390356; exposures: a county
 *    sums its districts, a missing district-year is named.
 */
#include "check.h"
#include "target.h"

static void test_parse(void)
{
    rs_target_spec t;
    CHECK_EQ_INT(rs_target_parse("2015-2019:50:2030", &t), 0);
    CHECK_EQ_INT(t.base_from, 2015);
    CHECK_EQ_INT(t.base_to, 2019);
    CHECK_NEAR(t.pct, 50, 0);
    CHECK_EQ_INT(t.year, 2030);
    CHECK_EQ_INT(rs_target_parse("2005-2009:33.5:2025", &t), 0);
    char buf[64];
    rs_target_format(&t, buf, sizeof buf);
    CHECK_STR(buf, "2005-2009:33.5:2025");
    const char *bad[] = {"",          "2015-2019",        "2015-2019:50",     "2019-2015:50:2030",
                         "2015-2019:0:2030", "2015-2019:100:2030", "2015-2019:50:2019",
                         "2015-2019:50:2030x", "15-19:50:2030", "2015-2019:-5:2030",
                         "2015-2019:5e1:2030"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = rs_target_parse(bad[i], &t);
        if (rc == 0)
            fprintf(stderr, "accepted bad spec '%s'\n", bad[i]);
        CHECK(rc == -1);
    }
}

static void test_geometric(void)
{
    int years[] = {2015, 2016, 2017, 2018, 2019};
    double ksi[] = {1000, 900, 810, 729, 656.1};
    rs_target_spec s = {2015, 2019, 50, 2030};
    rs_err e = {0};
    rs_target_result *r = NULL;
    CHECK_EQ_INT(rs_target_compute(&e, &s, 5, 5, years, ksi, &r), RS_OK);
    if (r == NULL)
        return;
    CHECK_NEAR(r->baseline, 819.02, 1e-9);
    CHECK_NEAR(r->target, 409.51, 1e-9);
    CHECK_NEAR(r->mid, 2017, 0);
    CHECK_NEAR(exp(r->fit.b), 0.9, 1e-10);
    CHECK_NEAR(r->change, -0.1, 1e-10);
    CHECK_EQ_INT(r->fit_from, 2015);
    CHECK_EQ_INT(r->fit_to, 2019);
    for (int i = 0; i < 5; i++) {
        CHECK_NEAR(r->years[i].trend_ksi, ksi[i], 1e-6);
    }
    /* trajectory by hand: 819.02 + (409.51 - 819.02) (t - 2017) / 13 */
    CHECK(isnan(r->years[0].target_ksi));
    CHECK(isnan(r->years[1].target_ksi));
    CHECK_NEAR(r->years[2].target_ksi, 819.02, 1e-9);
    CHECK_NEAR(r->years[4].target_ksi, 819.02 - 409.51 * 2 / 13, 1e-9);
    CHECK_NEAR(rs_target_trajectory(r, 2020), 724.5176923076923, 1e-9);
    CHECK_NEAR(rs_target_trajectory(r, 2030), 409.51, 1e-9);
    /* information at mu = y with d = year - 2017 */
    double w00 = 4095.1, w01 = -2000 - 900 + 729 + 2 * 656.1, w11 = 4000 + 900 + 729 + 4 * 656.1;
    double det = w00 * w11 - w01 * w01;
    double vb = w00 / det, va = w11 / det, cab = -w01 / det;
    CHECK_NEAR(r->fit.cov[1][1], vb, 1e-12);
    CHECK_NEAR(r->fit.cov[0][0], va, 1e-12);
    CHECK_NEAR(r->fit.cov[0][1], cab, 1e-12);
    CHECK_NEAR(r->change_low, exp(log(0.9) - 1.96 * sqrt(vb)) - 1, 1e-10);
    CHECK_NEAR(r->change_high, exp(log(0.9) + 1.96 * sqrt(vb)) - 1, 1e-10);
    /* projection: 2019 .. 2030, trend 810 * 0.9^(t - 2017) */
    CHECK_EQ_INT(r->nproj, 12);
    CHECK_EQ_INT(r->proj[0].year, 2019);
    CHECK_EQ_INT(r->proj[11].year, 2030);
    double m30 = 810 * pow(0.9, 13), d = 13;
    double se = sqrt(va + 2 * d * cab + d * d * vb);
    CHECK_NEAR(r->proj[11].trend, m30, 1e-6);
    CHECK_NEAR(r->y_trend, m30, 1e-6);
    CHECK_NEAR(r->y_low, m30 * exp(-1.96 * se), 1e-6);
    CHECK_NEAR(r->y_high, m30 * exp(1.96 * se), 1e-6);
    CHECK_NEAR(r->proj[11].target_ksi, 409.51, 1e-9);
    /* 205.9 (95% about 190 to 223) is below 409.51 */
    CHECK_EQ_INT(r->state, RS_TARGET_ON_TRACK);
    rs_target_result_free(r);

    /* a flat series against a 50% target: off track */
    double flat[] = {500, 500, 500, 500, 500};
    CHECK_EQ_INT(rs_target_compute(&e, &s, 5, 5, years, flat, &r), RS_OK);
    if (r) {
        CHECK_NEAR(r->change, 0, 1e-12);
        CHECK_EQ_INT(r->state, RS_TARGET_OFF_TRACK);
        rs_target_result_free(r);
    }
    /* two small counts: the interval is wide: cannot tell */
    int y2[] = {2018, 2019};
    double k2[] = {4, 3};
    rs_target_spec s2 = {2018, 2019, 10, 2021};
    CHECK_EQ_INT(rs_target_compute(&e, &s2, 5, 2, y2, k2, &r), RS_OK);
    if (r) {
        CHECK_NEAR(r->change, -0.25, 1e-9);
        CHECK_EQ_INT(r->state, RS_TARGET_CANNOT_TELL);
        CHECK_EQ_INT(r->fit_from, 2018);
        rs_target_result_free(r);
    }
}

static void test_trend_window(void)
{
    int years[] = {2012, 2013, 2014, 2015, 2016, 2017, 2018, 2019, 2020};
    double ksi[] = {NAN, 200, 190, 180, 170, 160, 150, 140, NAN};
    rs_target_spec s = {2014, 2016, 40, 2030};
    rs_err e = {0};
    rs_target_result *r = NULL;
    CHECK_EQ_INT(rs_target_compute(&e, &s, 5, 9, years, ksi, &r), RS_OK);
    if (r) {
        CHECK_EQ_INT(r->fit_from, 2015); /* the last 5 complete years */
        CHECK_EQ_INT(r->fit_to, 2019);
        CHECK(isnan(r->years[2].trend_ksi));
        CHECK(!isnan(r->years[3].trend_ksi));
        CHECK_NEAR(r->baseline, 180, 1e-12);
        CHECK_EQ_INT(r->proj[0].year, 2019);
        rs_target_result_free(r);
    }
    rs_target_spec bad = {2011, 2015, 40, 2030};
    memset(&e, 0, sizeof e);
    CHECK_EQ_INT(rs_target_compute(&e, &bad, 5, 9, years, ksi, &r), RS_EUSAGE);
    CHECK_CONTAINS(e.msg, "baseline year 2011");
    CHECK_CONTAINS(e.msg, "2013 to 2019");
    rs_target_spec bad2 = {2018, 2020, 40, 2030};
    memset(&e, 0, sizeof e);
    CHECK_EQ_INT(rs_target_compute(&e, &bad2, 5, 9, years, ksi, &r), RS_EUSAGE);
    CHECK_CONTAINS(e.msg, "baseline year 2020");
}

static void test_rates(void)
{
    double rate, lo, hi;
    rs_rate_ci(10, 100000, 100000, &rate, &lo, &hi);
    CHECK_NEAR(rate, 10, 1e-12);
    CHECK_NEAR(lo, 4.795389, 1e-6);
    CHECK_NEAR(hi, 18.390356, 1e-6);
    rs_rate_ci(10, 2e9, 1e9, &rate, &lo, &hi);
    CHECK_NEAR(rate, 5, 1e-12);
    CHECK_NEAR(lo, 4.795389 / 2, 1e-6);
}

static void test_exposure(void)
{
    rs_ctx *ctx = rs_ctx_new();
    CHECK(ctx != NULL);
    if (ctx == NULL)
        return;
    const char *d[] = {"North", "South", "North"};
    int y[] = {2019, 2019, 2020};
    double v[] = {100000, 50000, 101000};
    rs_exposure *x = NULL;
    CHECK_EQ_INT(rs_exposure_make(ctx, "pop.csv", "population", 3, d, y, v, &x), RS_OK);
    double e = 0;
    const char *names[] = {"north", "South"};
    CHECK_EQ_INT(rs_exposure_get(ctx, x, "north", NULL, 0, 2019, &e), RS_OK);
    CHECK_NEAR(e, 100000, 0);
    CHECK_EQ_INT(rs_exposure_get(ctx, x, NULL, names, 2, 2019, &e), RS_OK);
    CHECK_NEAR(e, 150000, 0); /* the county sums its districts */
    CHECK_EQ_INT(rs_exposure_get(ctx, x, NULL, NULL, 0, 2020, &e), RS_OK);
    CHECK_NEAR(e, 101000, 0); /* no districts loaded: every row of the year */
    CHECK_EQ_INT(rs_exposure_get(ctx, x, NULL, names, 2, 2020, &e), RS_EINPUT);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "pop.csv: no population for district 'South' in 2020");
    rs_err_clear(rs_ctx_err(ctx));
    CHECK_EQ_INT(rs_exposure_get(ctx, x, NULL, NULL, 0, 2018, &e), RS_EINPUT);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "no population for any district in 2018");
    rs_exposure_free(x);
    rs_ctx_free(ctx);
}

int main(void)
{
    test_exposure();
    test_parse();
    test_geometric();
    test_trend_window();
    test_rates();
    return check_done();
}
