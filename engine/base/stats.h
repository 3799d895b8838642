/*
 * stats.h — confidence intervals and tests shared by every analysis, so
 * each figure's uncertainty is computed one way.  Distribution functions
 * come from GSL (gsl_cdf_*), never from hand-written series.
 *
 * All intervals are two-sided at level 1 - alpha (alpha = 0.05 for 95%).
 */
#ifndef RS_STATS_H
#define RS_STATS_H

#include <stddef.h>

typedef struct rs_ci {
    double low, high;
} rs_ci;

/* Exact (Garwood) interval for a Poisson count k: chi-square quantiles,
 * low = 0 when k = 0.  As R's poisson.test(k)$conf.int. */
rs_ci rs_poisson_ci(unsigned long k, double alpha);

/* Exact Poisson control limits (funnel plots) for a count whose expected
 * value is theta >= 0: low = chi2_{alpha/2}(2 theta) / 2 (0 when theta =
 * 0), high = chi2_{1-alpha/2}(2 theta + 2) / 2, the gamma-quantile form of
 * the exact Poisson limits, continuous in theta.  A count above high or
 * below low lies outside the limits. */
rs_ci rs_poisson_limits(double theta, double alpha);

/* Exact conditional test of two Poisson counts with equal exposure
 * (this period a, the same period a year earlier b): under H0 a ~
 * Binomial(a + b, 1/2); two-sided p-value as R's binom.test (sum of the
 * probabilities no more likely than the observed).  1 when a + b = 0. */
double rs_poisson_compare_p(unsigned long a, unsigned long b);

/* Benjamini-Hochberg adjusted p-values (q, the false discovery rate
 * step-up, as R's p.adjust(method = "BH") and statsmodels' multipletests
 * fdr_bh): q_(i) = min over j >= i of min(1, m p_(j) / j) over the m
 * p-values that are not NaN; a NaN p gives a NaN q and is not counted.
 * 0, or -1 when out of memory. */
int rs_bh_adjust(size_t n, const double *p, double *q);

/* Two-sided exact binomial test p-value of k successes in n trials under
 * probability p0 (as R's binom.test). */
double rs_binom_test_p(unsigned long k, unsigned long n, double p0);

/* Wilson score interval for k of n (n > 0); [0, 1] when n = 0. */
rs_ci rs_wilson_ci(unsigned long k, unsigned long n, double alpha);

/* Difference of two proportions p1 - p2 (Wald / Newcombe hybrid score:
 * Newcombe's method 10 from the two Wilson intervals). */
rs_ci rs_prop_diff_ci(unsigned long k1, unsigned long n1, unsigned long k2, unsigned long n2,
                      double alpha);

/* Relative risk p1 / p2 with the log (Katz) interval; NaN parts when a
 * count is 0. */
double rs_rr(unsigned long k1, unsigned long n1, unsigned long k2, unsigned long n2);
rs_ci rs_rr_ci(unsigned long k1, unsigned long n1, unsigned long k2, unsigned long n2,
               double alpha);

/* Two-proportion z test (pooled), two-sided p-value, as R's prop.test
 * with correct = FALSE. */
double rs_two_prop_p(unsigned long k1, unsigned long n1, unsigned long k2, unsigned long n2);

/* Upper-tail p-value of a chi-square statistic with df degrees of freedom. */
double rs_chisq_p(double stat, double df);
/* Standard normal quantile (e.g. 0.975 -> 1.959964). */
double rs_norm_q(double p);

/* Mantel-Haenszel pooled relative risk over n strata (cohort design):
 * a[i] events of n1[i] exposed, c[i] events of n0[i] unexposed; with the
 * Greenland-Robins variance for its log interval. */
typedef struct rs_mh_rr {
    double rr;
    rs_ci ci;
    size_t strata_used; /* strata with both groups present */
} rs_mh_rr;
rs_mh_rr rs_mantel_haenszel_rr(size_t n, const unsigned long *a, const unsigned long *n1,
                               const unsigned long *c, const unsigned long *n0, double alpha);

#endif
