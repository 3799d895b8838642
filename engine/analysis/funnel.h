/*
 * funnel.h — funnel-plot comparison of areas (districts) against the whole
 * (the county): each area's count over its exposure (km², residents) set
 * against exact Poisson control limits around the county rate at 95% and
 * 99.8%, so an area is called unusual only when its count lies outside what
 * chance gives a place of its size.
 *
 * Definitions (README "roadsafe ksi --funnel" repeats them):
 *  - County rate R = sum of the counts / sum of the exposures, over the
 *    areas with an exposure (> 0).
 *  - Limits at exposure x: the expected count theta = R x, and the exact
 *    Poisson limits of rs_poisson_limits(theta, alpha) (alpha 0.05 and
 *    0.002), divided by x to be rates.
 *  - An area is above (below) the limits when its count is above (below)
 *    the limit counts at its own exposure.
 *
 * Pure numbers: no store, no drawing.  Workload: a few dozen areas.
 */
#ifndef RS_FUNNEL_H
#define RS_FUNNEL_H

#include <stddef.h>

typedef struct rs_funnel_point {
    const char *name;       /* borrowed */
    double count, exposure; /* exposure <= 0 or NaN: not placed on the funnel */
    double rate;            /* count / exposure (NaN when not placed) */
    double lo95, hi95, lo998, hi998; /* the limits at this exposure, as rates */
    int side95, side998;    /* -1 below, +1 above, 0 within the limits */
} rs_funnel_point;

/* Fills every point's rate, limits and sides from its count and exposure,
 * and the county rate (NaN when no point has an exposure).  0, or -1 when
 * no point has an exposure. */
int rs_funnel_compute(size_t n, rs_funnel_point *p, double *county_rate);

/* The limits (as rates) at exposure x > 0 around rate R, at 1 - alpha. */
void rs_funnel_limits(double rate, double x, double alpha, double *lo, double *hi);

#endif
