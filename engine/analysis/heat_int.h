/*
 * heat_int.h — private to engine/analysis: what heat.c (grids) and
 * heat_kde.c (kernel density) share.
 */
#ifndef RS_HEAT_INT_H
#define RS_HEAT_INT_H

#include <stddef.h>

#include "heat.h"
#include "pingscan.h"

/* Bytes the per-ping working arrays of one heat map may take before it
 * switches to a bounded-memory pass plan: 128 MB, or
 * ROADSAFE_HEAT_MEMORY_KB when set (a tuning knob; tests set it small to
 * run the bounded plan on small data).  The results do not depend on it. */
size_t rs_heat_budget(void);

/* Threads a heat map's scan uses (base/threads.h). */
int rs_heat_threads(void);

/* Work on one batch of pings with a thread's own state; non-zero stops. */
typedef int (*rs_heat_work)(void *state, const rs_ping *pings, size_t n);

/* rs_pings_scan with the work spread over nt threads (heat_scan.c):
 * every batch goes to work(states[t], ...) for some t in [0, nt), which
 * one depending on timing, so the work must give results that depend only
 * on the multiset of pings, never on their order or split.  nt <= 1 is
 * rs_pings_scan with states[0].  Returns rs_pings_scan's result or the
 * work's non-zero value. */
int rs_heat_scan(rs_ctx *ctx, const rs_ping_filter *f, int nt, rs_heat_work work, void **states);

/* ---- kernel density (heat_kde.c), shared with heat_kde_scan.c ---------- */

typedef rs_kde_point kde_pt;

typedef struct kde_raster {
    rs_raster *r;
    double *count;   /* weights within the radius, when min_count > 1 */
    double xmin, ymax, h, h2, px, norm;
    size_t rows, cols;
    rs_kernel kernel;
    /* The table plan (kernel_table): offsets from points to pixel centres
     * are exact multiples of 1/sub metre, so the kernel is looked up, not
     * computed, from rows of the table laid out as the raster's rows are. */
    double *kt;      /* NULL: computed */
    void *span;      /* int32_t[2] per (|dy|, ax): the i within the radius */
    int64_t sub, S, hs, I, W, x_i, y_i;
} kde_raster;

/* The options' own checks: RS_EUSAGE with the message, else 0. */
int rs_kde_options_ok(rs_ctx *ctx, const rs_kde_opts *o);
/* Sorts pts[0..n) by (easting, northing), stably, and merges identical
 * positions into weights (added in their order); returns how many remain. */
size_t rs_kde_sort_merge(kde_pt *pts, size_t n);
/* The raster over the box [xmin, xmax] x [ymin, ymax] grown by the
 * radius; 0 or an RS_E code with the message in ctx. */
int rs_kde_raster_open(rs_ctx *ctx, const rs_kde_opts *o, double xmin, double xmax, double ymin,
                       double ymax, kde_raster *k);
/* Adds the sorted, merged pts[0..m) to the raster (threads by rows). */
void rs_kde_accumulate(const kde_raster *k, const kde_pt *pts, size_t m);
/* Hands the finished raster to *out (min_count applied); drop frees it. */
void rs_kde_raster_close(const rs_kde_opts *o, kde_raster *k, rs_raster **out);
void rs_kde_raster_drop(kde_raster *k);

#endif
