/*
 * test_stats.c — engine/stats against reference values.
 *
 * Source of every expected number: R's definitions (poisson.test,
 * binom.test, prop.test(correct = FALSE), Wilson = prop.test's score
 * interval without continuity correction, Newcombe 1998 method 10, Katz
 * log RR, Greenland-Robins 1985 for Mantel-Haenszel), recomputed here
 * independently of GSL with python3 + mpmath at 40 digits: Garwood limits
 * by bisection on the Poisson tail sums (not chi-square quantiles),
 * binomial p-values as exact rational sums (fractions.Fraction) of the
 * outcomes no more likely than the one observed, z = sqrt(2) erfinv(0.95),
 * chi-square tails by the regularised upper incomplete gamma.  Values that
 * R prints are quoted too where they were known beforehand:
 *   poisson.test(10)$conf.int          4.795389 18.390356
 *   binom.test(7, 20, 0.5)$p.value     0.2632
 *   prop.test(c(14,25), c(100,100), correct = FALSE)
 *                                      X-squared = 3.8541, p-value = 0.04962
 */
#include "check.h"
#include "stats.h"

static void test_poisson_ci(void)
{
    rs_ci ci = rs_poisson_ci(10, 0.05);
    CHECK_NEAR(ci.low, 4.79538869613, 1e-8);
    CHECK_NEAR(ci.high, 18.390356042, 1e-8);
    ci = rs_poisson_ci(0, 0.05); /* high = -ln(0.025) */
    CHECK_NEAR(ci.low, 0.0, 0.0);
    CHECK_NEAR(ci.high, 3.68887945411, 1e-9);
    ci = rs_poisson_ci(1, 0.05); /* low = -ln(0.975) */
    CHECK_NEAR(ci.low, 0.0253178079843, 1e-10);
    CHECK_NEAR(ci.high, 5.57164339094, 1e-9);
    ci = rs_poisson_ci(254, 0.05);
    CHECK_NEAR(ci.low, 223.720979966, 1e-6);
    CHECK_NEAR(ci.high, 287.234240259, 1e-6);
    ci = rs_poisson_ci(357, 0.05); /* Leeds 2019 KSI casualties */
    CHECK_NEAR(ci.low, 320.92362905, 1e-6);
    CHECK_NEAR(ci.high, 396.022138047, 1e-6);
}

static void test_binom(void)
{
    /* poisson.test(c(254, 238)) = binom.test(254, 492, 0.5) */
    CHECK_NEAR(rs_poisson_compare_p(254, 238), 0.498920193977, 1e-10);
    CHECK_NEAR(rs_poisson_compare_p(238, 254), 0.498920193977, 1e-10);
    CHECK_NEAR(rs_binom_test_p(7, 20, 0.5), 0.263175964355, 1e-11);
    CHECK_NEAR(rs_binom_test_p(13, 20, 0.5), 0.263175964355, 1e-11);
    /* asymmetric null: both walks of R's algorithm */
    CHECK_NEAR(rs_binom_test_p(3, 20, 0.3), 0.220418267381, 1e-11);
    CHECK_NEAR(rs_binom_test_p(10, 20, 0.3), 0.0834450296298, 1e-12);
    CHECK_NEAR(rs_binom_test_p(0, 10, 0.5), 0.001953125, 1e-15); /* 2 / 2^10 */
    CHECK_NEAR(rs_binom_test_p(10, 20, 0.5), 1.0, 0.0);
    /* exact ties: 2 (1 + 10 + 45 + 120) / 2^10 = 352/1024 = 0.34375 exactly,
     * which prints as R prints it (round half to even at 4 digits: 0.3438) */
    CHECK(rs_binom_test_p(3, 10, 0.5) == 0.34375);
    CHECK(rs_binom_test_p(7, 10, 0.5) == 0.34375);
    {
        char buf[32];
        snprintf(buf, sizeof buf, "%.4g", rs_binom_test_p(3, 10, 0.5));
        CHECK_STR(buf, "0.3438");
    }
    /* every k of n = 1..62 equals the sum of the binomial coefficients no
     * larger than C(n, k), computed here in long double from scratch */
    for (unsigned long n = 1; n <= 62; n++) {
        long double c[63];
        c[0] = 1;
        for (unsigned long i = 1; i <= n; i++)
            c[i] = c[i - 1] * (long double)(n - i + 1) / (long double)i;
        for (unsigned long k = 0; k <= n; k++) {
            long double sum = 0;
            for (unsigned long i = 0; i <= n; i++)
                if (roundl(c[i]) <= roundl(c[k]))
                    sum += roundl(c[i]);
            double want = (double)(sum / powl(2.0L, (long double)n));
            if (want > 1)
                want = 1;
            CHECK_NEAR(rs_binom_test_p(k, n, 0.5), want, want * 1e-15);
        }
    }
    /* past the exact range the general path is close to the exact sum */
    CHECK_NEAR(rs_binom_test_p(30, 100, 0.5), 7.85013964559367e-05, 1e-17); /* exact sum, Python fractions */
    CHECK_NEAR(rs_poisson_compare_p(283, 323), 0.113058214171, 1e-10);
    double tiny = rs_poisson_compare_p(40, 323);
    CHECK(tiny > 3.97e-56 && tiny < 3.99e-56); /* 3.97864278156e-56 */
    CHECK_NEAR(rs_poisson_compare_p(0, 0), 1.0, 0.0);
    CHECK_NEAR(rs_poisson_compare_p(5, 5), 1.0, 0.0);
}

static void test_proportions(void)
{
    CHECK_NEAR(rs_norm_q(0.975), 1.95996398454005, 1e-12);
    rs_ci w = rs_wilson_ci(14, 100, 0.05);
    CHECK_NEAR(w.low, 0.0852634365994, 1e-11);
    CHECK_NEAR(w.high, 0.22137188211, 1e-11);
    w = rs_wilson_ci(0, 10, 0.05);
    CHECK_NEAR(w.low, 0.0, 0.0);
    CHECK_NEAR(w.high, 0.277532799863, 1e-11);
    w = rs_wilson_ci(0, 0, 0.05);
    CHECK(w.low == 0 && w.high == 1);

    CHECK_NEAR(rs_two_prop_p(14, 100, 25, 100), 0.0496240440463, 1e-11);
    CHECK_NEAR(rs_chisq_p(3.8541168976, 1), 0.0496240440463, 1e-9);
    CHECK_NEAR(rs_chisq_p(3.841458820694124, 1), 0.05, 1e-12);
    CHECK_NEAR(rs_chisq_p(10, 3), 0.018566135463, 1e-11);

    rs_ci d = rs_prop_diff_ci(14, 100, 25, 100, 0.05);
    CHECK_NEAR(d.low, -0.217950894228, 1e-11);
    CHECK_NEAR(d.high, 0.000357467175363, 1e-11);

    CHECK_NEAR(rs_rr(14, 100, 25, 100), 0.56, 1e-15);
    rs_ci r = rs_rr_ci(14, 100, 25, 100, 0.05);
    CHECK_NEAR(r.low, 0.309605646656, 1e-11);
    CHECK_NEAR(r.high, 1.01290142278, 1e-10);
    CHECK(isnan(rs_rr(1, 10, 0, 10)));
    r = rs_rr_ci(0, 10, 3, 10, 0.05);
    CHECK(isnan(r.low) && isnan(r.high));
}

static void test_mantel_haenszel(void)
{
    /* Three strata (a of n1 exposed, c of n0 unexposed):
     * 10/100 vs 5/100, 20/50 vs 15/100, 3/30 vs 2/40. */
    unsigned long a[] = {10, 20, 3, 4}, n1[] = {100, 50, 30, 0};
    unsigned long c[] = {5, 15, 2, 1}, n0[] = {100, 100, 40, 9};
    rs_mh_rr m = rs_mantel_haenszel_rr(4, a, n1, c, n0, 0.05);
    CHECK_EQ_INT(m.strata_used, 3); /* the last has no exposed group */
    CHECK_NEAR(m.rr, 2.39886039886, 1e-10);
    CHECK_NEAR(m.ci.low, 1.47150457536, 1e-9);
    CHECK_NEAR(m.ci.high, 3.91064445846, 1e-9);
    /* One stratum: the MH estimate is the crude RR and the Greenland-Robins
     * variance reduces to Katz's. */
    unsigned long a1[] = {14}, e1[] = {100}, c1[] = {25}, u1[] = {100};
    m = rs_mantel_haenszel_rr(1, a1, e1, c1, u1, 0.05);
    CHECK_NEAR(m.rr, 0.56, 1e-14);
    CHECK_NEAR(m.ci.low, 0.309605646656, 1e-11);
    CHECK_NEAR(m.ci.high, 1.01290142278, 1e-10);
}

int main(void)
{
    test_poisson_ci();
    test_binom();
    test_proportions();
    test_mantel_haenszel();
    return check_done();
}
