/*
 * pin.h — the WGS84 -> BNG operation a workspace's positions were made
 * with, pinned in the workspace.
 *
 * The pin is the operation's PROJ string plus, for every grid file it
 * uses, the grid's name and the SHA-256 of the file PROJ found.  The first
 * ingest records it (meta 'wgs84_bng_operation', and its name in
 * 'wgs84_bng_operation_name'); every later ingest compares what PROJ
 * chooses now with it, and a different operation (another PROJ, a grid
 * file installed, removed or changed) is refused unless the caller allows
 * it, so that one workspace never holds positions made two ways unawares.
 */
#ifndef RS_PIN_H
#define RS_PIN_H

#include "crs.h"
#include "ctx.h"

/* The pin of operation c in a new string (caller frees), or NULL with the
 * error in ctx (a grid file that cannot be read). */
char *rs_pin_of(rs_ctx *ctx, const rs_crs *c);

/* The pinned operation, made from its PROJ string, when the PROJ
 * environment (rs_geo_proj_env) is the one the pin was last checked in;
 * NULL otherwise (then choose with rs_crs_new and check).  Free with
 * rs_crs_free. */
rs_crs *rs_pin_crs(rs_ctx *ctx);

/* Inside the caller's write transaction: records c's pin when the
 * workspace has none; when it has another, returns RS_EINPUT with a
 * message naming both operations, unless allow_new, in which case the pin
 * is replaced and *replaced set to 1.  from_pin: c came from rs_pin_crs
 * (it is then accepted when the pin and the environment are still the
 * same).  Returns 0 or an RS_E code. */
int rs_pin_check(rs_ctx *ctx, const rs_crs *c, int from_pin, int allow_new, int *replaced);

#endif
