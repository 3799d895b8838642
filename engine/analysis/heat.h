/*
 * heat.h — heat maps of speeding from stored telematics: grid aggregation
 * (square or hexagonal cells) and kernel density estimation.
 *
 * Grid: every filtered ping is counted in exactly one cell (geo/grid.h);
 * a cell's figures are exact counts of the pings whose position falls in
 * it.  A cell with fewer than min_count pings is withheld: it keeps its
 * ping count internally but every published figure of it is "no value".
 *
 * KDE: as QGIS's "Heatmap (Kernel Density Estimation)": the raster extent
 * is the points' bounding box grown by the radius; rows = ceil(height /
 * pixel) + 1 and columns likewise, anchored at the top-left corner (xmin,
 * ymax); each point adds kernel(d) to every pixel whose centre lies within
 * the radius.  Differences from QGIS, on purpose: pixel centres are the true
 * centres of the raster's pixels (QGIS measured y from the bottom of the
 * unpadded box, half a row or more off), and the scaled quartic kernel uses
 * the constant 3/(pi h^2) that makes it integrate to 1 (QGIS before its
 * 2025 fix used 116/(5 pi h^2) * 15/16, 7.25 times too large).
 */
#ifndef RS_HEAT_H
#define RS_HEAT_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "grid.h"
#include "pingscan.h"
#include "raster.h"

typedef enum {
    RS_METRIC_PINGS = 0,
    RS_METRIC_SPEEDING,       /* pings with speed > limit */
    RS_METRIC_OVER,           /* pings at or over limit*1.1+2 mph */
    RS_METRIC_SHARE_SPEEDING, /* speeding / pings */
    RS_METRIC_SHARE_OVER,     /* over / pings */
    RS_METRIC_P85,            /* 85th percentile speed, mph */
    RS_METRIC_MEAN_EXCESS,    /* mean (speed - limit) over speeding pings, mph */
    RS_METRIC_PRESENCE,       /* fleet: minutes of patrol presence (engine/presence.h) */
    RS_METRIC_PATROL_VEHICLES /* fleet: distinct patrol vehicles present */
} rs_metric;

/* The two patrol-presence metrics, built from fleet pings by presence.h. */
static inline int rs_metric_is_presence(rs_metric m)
{
    return m == RS_METRIC_PRESENCE || m == RS_METRIC_PATROL_VEHICLES;
}

/* "pings", "speeding", "over_threshold", "share_speeding", "share_over",
 * "p85", "mean_excess", "presence_minutes", "patrol_vehicles" -> 0; -1
 * otherwise. */
int rs_metric_parse(const char *s, rs_metric *out);
const char *rs_metric_name(rs_metric m);
/* Human units for legends, e.g. "share of pings over the threshold (%)". */
const char *rs_metric_label(rs_metric m);

typedef struct rs_heat_cell {
    int64_t i, j;          /* grid cell index */
    double x, y;           /* cell centre, BNG metres */
    int32_t district;      /* the filter's district when it names one; else the district of
                            * the cell centre; else the lowest id among its pings */
    uint32_t pings;
    uint32_t speeding;
    uint32_t over;
    double mean_excess;    /* mph; NaN when no speeding ping */
    double p85;            /* mph, linear interpolation between order statistics */
    int withheld;          /* pings < min_count: publish no figures */
    /* Presence grids (presence.h) only; there `pings` counts the ping-to-ping
     * gaps crediting the cell and withheld means presence_min < min_count. */
    double presence_min;   /* minutes of patrol presence */
    uint32_t vehicles;     /* distinct patrol vehicles */
} rs_heat_cell;

typedef struct rs_heat_grid {
    rs_grid grid;
    rs_heat_cell *cells;   /* sorted by (j, i): south to north, west to east */
    size_t ncells;
    uint64_t pings;        /* pings counted in all cells */
    size_t withheld;       /* cells withheld */
} rs_heat_grid;

/* Aggregates the pings passing f into cells of g.  min_count >= 1.
 * Returns 0 and *out (free with rs_heat_grid_free) or an RS_E code. */
int rs_heat_grid_build(rs_ctx *ctx, const rs_ping_filter *f, const rs_grid *g,
                       uint32_t min_count, rs_heat_grid **out);
void rs_heat_grid_free(rs_heat_grid *h);
/* The metric's value for a cell; NaN when withheld or undefined. */
double rs_heat_cell_value(const rs_heat_cell *c, rs_metric m);

typedef enum {
    RS_KERNEL_QUARTIC = 0,
    RS_KERNEL_TRIANGULAR,
    RS_KERNEL_UNIFORM,
    RS_KERNEL_TRIWEIGHT,
    RS_KERNEL_EPANECHNIKOV
} rs_kernel;

int rs_kernel_parse(const char *s, rs_kernel *out);
/* Kernel value at distance d for radius h: raw (peak 1) or scaled (integrates
 * to 1 over the disc, per m²).  0 when d > h. */
double rs_kernel_value(rs_kernel k, double d, double h, int scaled);

typedef struct rs_kde_opts {
    double radius;     /* metres */
    double pixel;      /* metres */
    rs_kernel kernel;
    int scaled;        /* 0: raw sums; 1: density per m² */
    int per_km2;       /* with scaled: per km² (x 1e6) */
    rs_metric metric;  /* which pings are points: pings, speeding or over */
    uint32_t min_count;/* pixels whose raw point count within the radius is below: NaN */
} rs_kde_opts;

/* KDE of the pings passing f.  Returns 0 and *out (rs_raster_free), or
 * RS_EUSAGE for an impossible option (a share/percentile metric, a
 * non-positive radius or pixel, a raster over 100 million pixels), or
 * RS_ENOTFOUND when no ping passes the filter. */
int rs_heat_kde(rs_ctx *ctx, const rs_ping_filter *f, const rs_kde_opts *o, rs_raster **out);

/* A weighted KDE point: BNG metres (1 m), weight w > 0 (1 per ping; minutes
 * for patrol presence).  The min_count test sums w within the radius. */
typedef struct rs_kde_point {
    int32_t e, n;
    double w;
} rs_kde_point;

/* KDE of n weighted points (o->metric is not consulted).  pts is reordered
 * (identical positions merged).  Returns as rs_heat_kde; RS_ENOTFOUND when
 * n is 0. */
int rs_heat_kde_points(rs_ctx *ctx, rs_kde_point *pts, size_t n, const rs_kde_opts *o,
                       rs_raster **out);

#endif
