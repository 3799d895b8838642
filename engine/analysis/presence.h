/*
 * presence.h — patrol presence ("the policing footprint") from the force's
 * own fleet telematics: how many minutes patrol vehicles spent where, and
 * how many distinct vehicles were there.
 *
 * Definition.  The fleet pings of each vehicle (fleet_vehicle id) are put
 * in time order.  Every ping starts a gap that ends at the vehicle's next
 * ping; the gap is credited to where the vehicle was:
 *   - a gap of up to `cap` seconds (default 5 minutes) is credited in full
 *     and split across the grid cells that the straight segment between
 *     the two pings crosses, in proportion to the length inside each cell
 *     (a segment of zero length credits the cell of the ping);
 *   - a longer gap, and the gap after a vehicle's last ping, counts as
 *     `cap` seconds, credited to the cell of its first ping (the straight
 *     line across a long gap — the end of a shift, lost signal — says
 *     nothing about where the vehicle was), and is counted as capped;
 *   - a gap belongs to its first ping for every filter: period, UK-local
 *     day kind and hours, and district (rs_ping_filter, as pingscan), so
 *     "presence in district D" is the credit of gaps starting in D.
 * Distance is the straight-line length of the uncapped gaps.  A cell's
 * patrol vehicles are the distinct vehicles with credit in it.
 *
 * Data structure: the fleet pings of the period (plus `cap` seconds after
 * it, for the last gaps) are gathered and sorted by (vehicle, time); each
 * credited gap is cut into (cell, vehicle, seconds) pieces, which are
 * sorted by (cell, vehicle) and reduced.  Exact cell crossings: a segment
 * is cut at every line carrying a cell edge (square: x, y = k*size; flat
 * hexagon: y = k*sqrt(3)/2*size and y -/+ sqrt(3)*x = k*sqrt(3)*size) and
 * each piece goes to the cell holding its midpoint.
 *
 * Workload: a weekend operation is tens of thousands of pings; a year of
 * a 12-car fleet about half a million.  Memory is about 24 bytes per ping
 * plus 32 per piece of the period asked for, not the whole store.
 */
#ifndef RS_PRESENCE_H
#define RS_PRESENCE_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "grid.h"
#include "heat.h"
#include "pings.h"
#include "pingscan.h"
#include "raster.h"

#define RS_PRESENCE_CAP 300 /* default gap cap, seconds */

typedef struct rs_presence_cell {
    int64_t i, j;          /* grid cell index */
    double x, y;           /* cell centre, BNG metres */
    int32_t district;      /* lowest district id of the pings crediting it; -1 none */
    double minutes;        /* presence credited to the cell */
    uint32_t vehicles;     /* distinct vehicles with credit here */
    uint32_t gaps;         /* gaps crediting the cell (a crossing gap counts in each) */
} rs_presence_cell;

typedef struct rs_presence {
    rs_grid grid;
    rs_presence_cell *cells; /* sorted by (j, i): south to north, west to east */
    size_t ncells;
    double minutes;        /* total presence credited */
    double km;             /* straight-line length of the uncapped gaps */
    uint64_t pings;        /* pings passing the filter (= gaps credited) */
    uint64_t capped;       /* of which capped (longer than cap, or a track's end) */
    uint32_t vehicles;     /* distinct vehicles */
} rs_presence;

/* Presence from an array of fleet pings in any order (reordered here: sorted
 * by vehicle and time).  Gaps start at pings passing f (f->source is not
 * consulted); cap in seconds (> 0).  g NULL: totals only, no cells.
 * Returns 0 and *out (rs_presence_free), or RS_EUSAGE / RS_ENOMEM. */
int rs_presence_from_pings(rs_ctx *ctx, rs_ping *pings, size_t n, const rs_ping_filter *f,
                           const rs_grid *g, int64_t cap, rs_presence **out);

/* The same from the workspace's fleet pings (f->source is ignored). */
int rs_presence_build(rs_ctx *ctx, const rs_ping_filter *f, const rs_grid *g, int64_t cap,
                      rs_presence **out);
void rs_presence_free(rs_presence *p);

/* Per-district presence of the gaps passing f (f->district is ignored; a
 * gap belongs to the district of its first ping). */
typedef struct rs_presence_district {
    double minutes, km;
    uint32_t vehicles;
} rs_presence_district;

/* Fills out[0..nd) (zeroed first) from the workspace's fleet pings.
 * Returns 0 or an RS_E code. */
int rs_presence_by_district(rs_ctx *ctx, const rs_ping_filter *f, int64_t cap, size_t nd,
                            rs_presence_district *out);

/* For the weekend plan's "recent enforcement": minutes of patrol presence
 * per district in the UTC period [from, to), default cap, every day and
 * hour, into per_district[0..nd) (zeroed first).  *any (may be NULL) is
 * set to 1 when the workspace holds any fleet ping at all (so a caller can
 * fall back to other evidence when the force loads no fleet telematics).
 * Returns 0 or an RS_E code. */
int rs_presence_district_minutes(rs_ctx *ctx, int64_t from, int64_t to, size_t nd,
                                 double *per_district, int *any);

/* A heat grid of presence for heat_out (metric presence_minutes or
 * patrol_vehicles): rs_heat_cell.presence_min, .vehicles, .pings = gaps,
 * .district = the filter's district when it names one, else the district
 * of the cell centre, else as rs_presence_cell; the
 * grid's pings = fleet pings passing f.  A cell is withheld when its
 * presence is under min_minutes; as with ping counts, min_minutes <= 1
 * withholds nothing. */
int rs_presence_heat_grid(rs_ctx *ctx, const rs_ping_filter *f, const rs_grid *g, int64_t cap,
                          double min_minutes, rs_heat_grid **out);

/* Kernel density of presence by segment sampling: each uncapped gap is cut
 * into equal pieces no longer than min(pixel, radius) / 2, each a KDE
 * point at its midpoint weighted by its minutes; a capped gap is one point
 * at its first ping weighted by the cap.  o->min_count compares minutes
 * within the radius (<= 1 withholds nothing).  As rs_heat_kde_points otherwise; RS_ENOTFOUND when no
 * ping passes f. */
int rs_presence_kde(rs_ctx *ctx, const rs_ping_filter *f, int64_t cap, const rs_kde_opts *o,
                    rs_raster **out);

/* The grid cells the segment (x0,y0)-(x1,y1) crosses, in order from
 * (x0,y0), with the fraction of the length in each (summing to 1; one cell
 * with fraction 1 for a zero-length segment).  Fills at most max; returns
 * the number of pieces, or -1 when there would be more than max. */
int rs_presence_segment_cells(const rs_grid *g, double x0, double y0, double x1, double y1,
                              int64_t *ci, int64_t *cj, double *frac, int max);

#endif
