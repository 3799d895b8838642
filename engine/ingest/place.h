/*
 * place.h — where a record is: WGS84 or BNG in, BNG position and district
 * out.  The one place ingest (and `districts locate`) turn coordinates into
 * a district, so every command answers the same way.
 *
 * An rs_placer holds the WGS84 -> BNG transformation (PROJ, one operation
 * chosen once), an interpolation table over the districts' extent (error
 * measured when built, < 1 cm; at most 2^20 nodes, none for a larger
 * extent) and a district locator.  Points outside the table go through
 * PROJ itself.  The table and the locator's grid are built once per
 * district set and kept in the workspace (rs_placer_new_stored,
 * rs_placer_save).  One placer per thread; the threads of one run share
 * the main placer's table and grid (rs_placer_new_sharing).
 */
#ifndef RS_PLACE_H
#define RS_PLACE_H

#include <stdint.h>

#include "crs.h"
#include "ctx.h"
#include "district.h"

/* Great Britain's extent, for rejecting coordinates that cannot be in GB
 * (swapped lat/lon, zeros, another country): lat 49.8..60.95,
 * lon -8.7..1.9 (WGS84); easting 0..700000, northing 0..1250000 (BNG),
 * zero excluded (a 0 easting or northing is a placeholder, not a place). */
int rs_in_gb_wgs84(double lat, double lon);
int rs_in_gb_bng(double e, double n);

typedef struct rs_placer rs_placer;

/* d may be NULL (no districts loaded: every district is -1).  d must
 * outlive the placer.  Returns 0 and *out or an RS_E code. */
int rs_placer_new(rs_ctx *ctx, const rs_districts *d, rs_placer **out);
/* As rs_placer_new, but taking everything from `share` (which must outlive
 * the new placer) instead of building it: the same PROJ operation (made
 * from its PROJ string in ctx's PROJ context), and borrowing its
 * interpolation table and locator grid, which are read-only; d is the same
 * set decoded in ctx.  Worker threads of one ingest share the main placer's. */
int rs_placer_new_sharing(rs_ctx *ctx, const rs_districts *d, const rs_placer *share,
                          rs_placer **out);
/* As rs_placer_new, but reading the table and the locator grid from the
 * workspace's placer cache when it holds them for district set `set` (see
 * rs_store_district_set; read it in the same snapshot as d) and this PROJ
 * operation, and building only what it lacks.  The transformation is the
 * workspace's pinned one when PROJ's environment is unchanged (pin.h).  A cache entry that does not
 * check out against d is ignored and rebuilt.  The workspace is only read. */
int rs_placer_new_stored(rs_ctx *ctx, const rs_districts *d, int64_t set, rs_placer **out);
/* Writes what p built (and did not read from the cache) into the placer
 * cache, when p's district set is still the workspace's; call it inside a
 * write transaction.  Returns 0 or an RS_E code. */
int rs_placer_save(rs_ctx *ctx, rs_placer *p);
void rs_placer_free(rs_placer *p);
/* 1 when p holds a table or locator grid it built (rs_placer_new, or a
 * placer cache that lacked them or did not check out) and has not yet
 * saved; 0 when it read them from the cache, borrowed them, or saved them. */
int rs_placer_was_built(const rs_placer *p);
/* 1 when rs_placer_new_stored made the transformation straight from the
 * workspace's pinned operation (see pin.h: rs_pin_crs). */
int rs_placer_from_pin(const rs_placer *p);

/* WGS84 -> BNG metres and district index (-1 none).  Returns 0, or -1 when
 * the point cannot be transformed. */
int rs_placer_wgs84(rs_placer *p, double lat, double lon, double *e, double *n,
                    int32_t *district);
/* BNG -> district index (-1 none). */
int32_t rs_placer_bng(rs_placer *p, double e, double n);

/* Borrowed description of the transformation, for `info` and reports. */
const char *rs_placer_describe(const rs_placer *p);
/* Borrowed: the WGS84 -> BNG transformation. */
const rs_crs *rs_placer_crs(const rs_placer *p);
/* Max error (m) of the interpolation table against PROJ, or 0 when none. */
double rs_placer_table_error(const rs_placer *p);

#endif
