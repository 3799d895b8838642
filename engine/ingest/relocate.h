/*
 * relocate.h — re-assign the district of every stored record after the
 * district set changes (`roadsafe districts load`), so records keep
 * answering "which district?" against the set in force.  Runs inside the
 * caller's transaction (which must be open on a PostgreSQL workspace):
 * a failure rolls back with the district change.  Both backends place
 * with the same rs_placer, so they give the same districts and counts.
 */
#ifndef RS_RELOCATE_H
#define RS_RELOCATE_H

#include <stdint.h>

#include "ctx.h"
#include "district.h"

/* Re-locates detections, located collisions, concerns and every ping chunk
 * against d (NULL: no districts).  *moved (may be NULL) gets the number of
 * records whose district changed.  Returns 0 or an RS_E code. */
int rs_relocate_all(rs_ctx *ctx, const rs_districts *d, int64_t *moved);

#endif
