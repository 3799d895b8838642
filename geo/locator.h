/*
 * locator.h — fast point-in-district lookup for many points, in British
 * National Grid.
 *
 * Built once from an rs_districts: a regular accelerator grid over the
 * districts' extent whose cells are classified (with GEOS prepared
 * geometries) as inside exactly one district, outside all, or on a boundary.
 * A point in an inside/outside cell is answered from the grid alone; a point
 * in a boundary cell is tested against the candidate districts found with a
 * GEOS STRtree, with prepared geometries.  A point on a boundary shared by
 * several districts (or on the edge of one) belongs to the covering district
 * with the lowest index — always the same one.
 *
 * Memory: one int32 per accelerator cell (at most 512 x 512 when the cell
 * size is chosen from the extent) plus the candidate lists; a district's
 * prepared geometry is made the first time a lookup needs it.
 * A locator uses its own rs_geo (GEOS is not shared across threads): create
 * one locator per thread.
 */
#ifndef RS_LOCATOR_H
#define RS_LOCATOR_H

#include <stddef.h>
#include <stdint.h>

#include "district.h"

typedef struct rs_locator rs_locator;

/* cell_m: accelerator cell size in metres (0 chooses one from the extent).
 * d must outlive the locator.  Returns 0 and *out or an RS_E code. */
int rs_locator_new(rs_geo *g, const rs_districts *d, double cell_m, rs_locator **out);
void rs_locator_free(rs_locator *l);

/* A locator over d (the same set, decoded in this thread's rs_geo) that
 * borrows share's grid and candidate lists (read-only; share must outlive
 * it) and prepares its own geometries: the cheap way for each thread of one
 * run to have its own.  Returns 0 and *out or an RS_E code. */
int rs_locator_new_sharing(rs_geo *g, const rs_districts *d, const rs_locator *share,
                           rs_locator **out);

/* The grid and candidate lists as bytes (native byte order; the caller
 * frees *buf), and back, for the districts they were built from.  load
 * checks every size and index against d and answers RS_EINPUT for bytes a
 * save of a locator over d could not have written; a loaded locator answers
 * every lookup exactly as the saved one. */
int rs_locator_save(const rs_locator *l, unsigned char **buf, size_t *len);
int rs_locator_load(rs_geo *g, const rs_districts *d, const void *buf, size_t len,
                    rs_locator **out);

/* District index covering (e,n), or -1 when none. */
int32_t rs_locator_find(rs_locator *l, double e, double n);
/* Share of lookups answered without a polygon test (0..1), for benchmarks. */
double rs_locator_fast_share(const rs_locator *l);

#endif
