/*
 * stats.c — confidence intervals and tests (see stats.h).
 *
 * Every distribution function comes from GSL: chi-square and normal
 * quantiles (gsl_cdf_chisq_*inv, gsl_cdf_ugaussian_*), binomial tails
 * (gsl_cdf_binomial_P/Q) and point probabilities (gsl_ran_binomial_pdf).
 * No state: each call is a pure function of its arguments.  Workload: a
 * few thousand calls per report; the exact binomial test walks at most
 * n + 1 point probabilities, so counts up to millions stay cheap.
 */
#include "stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

rs_ci rs_poisson_ci(unsigned long k, double alpha)
{
    rs_ci ci;
    /* Garwood: low = chi2_{alpha/2}(2k) / 2, high = chi2_{1-alpha/2}(2k + 2) / 2. */
    ci.low = k == 0 ? 0.0 : gsl_cdf_chisq_Pinv(alpha / 2, 2.0 * (double)k) / 2;
    ci.high = gsl_cdf_chisq_Qinv(alpha / 2, 2.0 * (double)k + 2) / 2;
    return ci;
}

rs_ci rs_poisson_limits(double theta, double alpha)
{
    rs_ci ci = {NAN, NAN};
    if (!(theta >= 0) || !(alpha > 0 && alpha < 1))
        return ci;
    ci.low = theta == 0 ? 0.0 : gsl_cdf_chisq_Pinv(alpha / 2, 2.0 * theta) / 2;
    ci.high = gsl_cdf_chisq_Qinv(alpha / 2, 2.0 * theta + 2) / 2;
    return ci;
}

/* P(X <= x) and P(X > x) for X ~ Binomial(n, p), with the empty tails
 * (x < 0, x >= n) exact. */
static double pbinom_le(long x, unsigned long n, double p)
{
    if (x < 0)
        return 0.0;
    if ((unsigned long)x >= n)
        return 1.0;
    return gsl_cdf_binomial_P((unsigned int)x, p, (unsigned int)n);
}

static double pbinom_gt(long x, unsigned long n, double p)
{
    if (x < 0)
        return 1.0;
    if ((unsigned long)x >= n)
        return 0.0;
    return gsl_cdf_binomial_Q((unsigned int)x, p, (unsigned int)n);
}

/* The two-sided p-value under p0 = 1/2 with n <= 62, exactly: C(n, i) in
 * 64-bit integers (C(62, 31) < 2^59, and every step's product < 2^64),
 * ties found exactly, the sum divided by 2^n in long double and rounded
 * once to double.  So a p-value that is a tie such as 352/1024 = 0.34375
 * is that number, and prints as R prints it (0.3438), where summing the
 * floating-point tails fell just below it (0.3437). */
#define EXACT_HALF_MAX_N 62
static double binom_half_exact(unsigned long k, unsigned long n)
{
    uint64_t c[EXACT_HALF_MAX_N + 1];
    c[0] = 1;
    for (unsigned long i = 0; i < n; i++)
        c[i + 1] = c[i] / (i + 1) * (n - i) + c[i] % (i + 1) * (n - i) / (i + 1);
    uint64_t sum = 0;
    for (unsigned long i = 0; i <= n; i++)
        if (c[i] <= c[k])
            sum += c[i];
    long double p = (long double)sum / ldexpl(1.0L, (int)n);
    return p > 1 ? 1.0 : (double)p;
}

double rs_binom_test_p(unsigned long k, unsigned long n, double p0)
{
    if (k > n || !(p0 >= 0 && p0 <= 1))
        return NAN;
    if (n == 0)
        return 1.0;
    if (p0 == 0.5 && n <= EXACT_HALF_MAX_N)
        return binom_half_exact(k, n);
    /* R's binom.test: the two-sided p-value sums the probabilities of all
     * outcomes no more likely than the observed one (with R's relative
     * tolerance 1 + 1e-7 for ties), walking the other side of the mode. */
    const double rel = 1 + 1e-7;
    double d = gsl_ran_binomial_pdf((unsigned int)k, p0, (unsigned int)n);
    double m = (double)n * p0;
    double p;
    if ((double)k == m)
        return 1.0;
    if ((double)k < m) {
        unsigned long y = 0;
        for (unsigned long i = (unsigned long)ceil(m); i <= n; i++)
            if (gsl_ran_binomial_pdf((unsigned int)i, p0, (unsigned int)n) <= d * rel)
                y++;
        p = pbinom_le((long)k, n, p0) + pbinom_gt((long)(n - y), n, p0);
    } else {
        unsigned long y = 0;
        for (unsigned long i = 0; i <= (unsigned long)floor(m); i++)
            if (gsl_ran_binomial_pdf((unsigned int)i, p0, (unsigned int)n) <= d * rel)
                y++;
        p = pbinom_le((long)y - 1, n, p0) + pbinom_gt((long)k - 1, n, p0);
    }
    return p > 1 ? 1.0 : p;
}

double rs_poisson_compare_p(unsigned long a, unsigned long b)
{
    if (a + b == 0)
        return 1.0;
    return rs_binom_test_p(a, a + b, 0.5);
}

/* A p-value and where it came from, sorted by p then by index. */
typedef struct bh_item {
    double p;
    size_t i;
} bh_item;

static int bh_cmp(const void *a, const void *b)
{
    const bh_item *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

int rs_bh_adjust(size_t n, const double *p, double *q)
{
    bh_item *it = malloc((n ? n : 1) * sizeof *it);
    size_t m = 0;
    if (it == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        q[i] = NAN;
        if (!isnan(p[i]))
            it[m++] = (bh_item){p[i], i};
    }
    qsort(it, m, sizeof *it, bh_cmp);
    double run = 1.0; /* the step-up: the running minimum from the largest p down */
    for (size_t k = m; k-- > 0;) {
        double v = (double)m * it[k].p / (double)(k + 1);
        if (v < run)
            run = v;
        q[it[k].i] = run;
    }
    free(it);
    return 0;
}

rs_ci rs_wilson_ci(unsigned long k, unsigned long n, double alpha)
{
    rs_ci ci = {0.0, 1.0};
    if (n == 0 || k > n)
        return ci;
    double z = gsl_cdf_ugaussian_Qinv(alpha / 2);
    double nn = (double)n, p = (double)k / nn, z2 = z * z;
    double denom = 1 + z2 / nn;
    double centre = (p + z2 / (2 * nn)) / denom;
    double half = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / denom;
    ci.low = centre - half;
    ci.high = centre + half;
    /* Exact ends at the boundaries (the formula gives them up to rounding). */
    if (k == 0)
        ci.low = 0.0;
    if (k == n)
        ci.high = 1.0;
    return ci;
}

rs_ci rs_prop_diff_ci(unsigned long k1, unsigned long n1, unsigned long k2, unsigned long n2,
                      double alpha)
{
    rs_ci ci = {NAN, NAN};
    if (n1 == 0 || n2 == 0 || k1 > n1 || k2 > n2)
        return ci;
    double p1 = (double)k1 / (double)n1, p2 = (double)k2 / (double)n2;
    rs_ci w1 = rs_wilson_ci(k1, n1, alpha), w2 = rs_wilson_ci(k2, n2, alpha);
    double d = p1 - p2;
    /* Newcombe (1998) method 10. */
    ci.low = d - sqrt((p1 - w1.low) * (p1 - w1.low) + (w2.high - p2) * (w2.high - p2));
    ci.high = d + sqrt((w1.high - p1) * (w1.high - p1) + (p2 - w2.low) * (p2 - w2.low));
    return ci;
}

double rs_rr(unsigned long k1, unsigned long n1, unsigned long k2, unsigned long n2)
{
    if (n1 == 0 || n2 == 0 || k2 == 0 || k1 > n1 || k2 > n2)
        return NAN;
    return ((double)k1 / (double)n1) / ((double)k2 / (double)n2);
}

rs_ci rs_rr_ci(unsigned long k1, unsigned long n1, unsigned long k2, unsigned long n2,
               double alpha)
{
    rs_ci ci = {NAN, NAN};
    if (k1 == 0 || k2 == 0 || k1 > n1 || k2 > n2)
        return ci;
    double rr = rs_rr(k1, n1, k2, n2);
    double se = sqrt(1.0 / (double)k1 - 1.0 / (double)n1 + 1.0 / (double)k2 - 1.0 / (double)n2);
    double z = gsl_cdf_ugaussian_Qinv(alpha / 2);
    ci.low = rr * exp(-z * se);
    ci.high = rr * exp(z * se);
    return ci;
}

double rs_two_prop_p(unsigned long k1, unsigned long n1, unsigned long k2, unsigned long n2)
{
    if (n1 == 0 || n2 == 0 || k1 > n1 || k2 > n2)
        return NAN;
    double p1 = (double)k1 / (double)n1, p2 = (double)k2 / (double)n2;
    double pool = (double)(k1 + k2) / (double)(n1 + n2);
    double var = pool * (1 - pool) * (1.0 / (double)n1 + 1.0 / (double)n2);
    /* Both proportions 0 or both 1: no evidence of a difference (R's
     * prop.test gives NaN here; 1 is the useful answer). */
    if (var <= 0)
        return 1.0;
    double z = fabs(p1 - p2) / sqrt(var);
    return 2 * gsl_cdf_ugaussian_Q(z);
}

double rs_chisq_p(double stat, double df)
{
    if (!(df > 0) || isnan(stat))
        return NAN;
    if (stat <= 0)
        return 1.0;
    return gsl_cdf_chisq_Q(stat, df);
}

double rs_norm_q(double p)
{
    if (!(p > 0 && p < 1))
        return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
    return gsl_cdf_ugaussian_Pinv(p);
}

rs_mh_rr rs_mantel_haenszel_rr(size_t n, const unsigned long *a, const unsigned long *n1,
                               const unsigned long *c, const unsigned long *n0, double alpha)
{
    rs_mh_rr r = {NAN, {NAN, NAN}, 0};
    /* R = sum a_i n0_i / N_i, S = sum c_i n1_i / N_i, RR = R / S;
     * Greenland & Robins (1985):
     * var(log RR) = sum (n1_i n0_i (a_i + c_i) - a_i c_i N_i) / N_i^2 / (R S). */
    double num = 0, den = 0, v = 0;
    for (size_t i = 0; i < n; i++) {
        if (n1[i] == 0 || n0[i] == 0 || a[i] > n1[i] || c[i] > n0[i])
            continue;
        double ai = (double)a[i], ci = (double)c[i], e = (double)n1[i], u = (double)n0[i];
        double tot = e + u;
        num += ai * u / tot;
        den += ci * e / tot;
        v += (e * u * (ai + ci) - ai * ci * tot) / (tot * tot);
        r.strata_used++;
    }
    if (r.strata_used == 0 || den == 0)
        return r;
    r.rr = num / den;
    if (num == 0)
        return r;
    double se = sqrt(v / (num * den));
    double z = gsl_cdf_ugaussian_Qinv(alpha / 2);
    r.ci.low = r.rr * exp(-z * se);
    r.ci.high = r.rr * exp(z * se);
    return r;
}
