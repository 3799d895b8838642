/*
 * heat_out_int.h — private to engine/output: what the heat-map files
 * (heat_out.c) and the published layer (heat_publish.c) share, so that a
 * layer's cells are the shapefile's cells, polygon for polygon.
 */
#ifndef RS_HEAT_OUT_INT_H
#define RS_HEAT_OUT_INT_H

#include <geos_c.h>

#include "ctx.h"
#include "district.h"
#include "geo.h"
#include "heat.h"

/* The area cells are clipped to: one district or the union of all. */
typedef struct clip {
    rs_districts *d;
    GEOSGeometry *area;             /* owned: union of districts or a clone of one */
    const GEOSPreparedGeometry *prep;
    double xmin, ymin, xmax, ymax;
} clip;

/* The workspace's districts and the area of district (-1: all); with no
 * districts loaded the area is NULL and cells are not clipped. */
int rs_heat_clip_init(rs_ctx *ctx, int district, clip *c);
void rs_heat_clip_free(rs_geo *g, clip *c);

/* The cell's polygon, clipped to the clip area: a new geometry, or NULL
 * when GEOS failed (its message is left for rs_geo_fail).  A cell with no
 * polygonal part inside the area is kept whole, so its pings stay visible. */
GEOSGeometry *rs_heat_cell_geom(rs_geo *g, const rs_grid *grid, const rs_heat_cell *cell,
                                const clip *c);

/* The name of district d, "" outside every district. */
const char *rs_heat_district_name(const clip *c, int32_t d);

#endif
