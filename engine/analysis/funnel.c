/*
 * funnel.c — funnel-plot limits and sides (see funnel.h).  Each limit is
 * two chi-square quantiles (base/stats.h rs_poisson_limits); no state.
 */
#include "funnel.h"

#include <math.h>

#include "stats.h"

void rs_funnel_limits(double rate, double x, double alpha, double *lo, double *hi)
{
    rs_ci c = rs_poisson_limits(rate * x, alpha);
    *lo = c.low / x;
    *hi = c.high / x;
}

int rs_funnel_compute(size_t n, rs_funnel_point *p, double *county_rate)
{
    double sc = 0, sx = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].exposure > 0) {
            sc += p[i].count;
            sx += p[i].exposure;
        }
    *county_rate = NAN;
    if (!(sx > 0))
        return -1;
    double R = sc / sx;
    *county_rate = R;
    for (size_t i = 0; i < n; i++) {
        rs_funnel_point *q = &p[i];
        q->rate = q->lo95 = q->hi95 = q->lo998 = q->hi998 = NAN;
        q->side95 = q->side998 = 0;
        if (!(q->exposure > 0))
            continue;
        double x = q->exposure;
        q->rate = q->count / x;
        /* compared as counts, at the area's own exposure */
        rs_ci c95 = rs_poisson_limits(R * x, 0.05), c998 = rs_poisson_limits(R * x, 0.002);
        q->lo95 = c95.low / x;
        q->hi95 = c95.high / x;
        q->lo998 = c998.low / x;
        q->hi998 = c998.high / x;
        q->side95 = q->count > c95.high ? 1 : q->count < c95.low ? -1 : 0;
        q->side998 = q->count > c998.high ? 1 : q->count < c998.low ? -1 : 0;
    }
    return 0;
}
