/*
 * export.h — shapefile layers of the workspace for GIS analysts:
 * districts (with the period's metrics), detections, collisions and
 * concerns, in British National Grid (EPSG:27700) or WGS84 (EPSG:4326).
 * Layers are written atomically by geo/shpout (.shp .shx .dbf .prj .cpg).
 * The field lists, meanings and units are in README.md ("Export layers").
 */
#ifndef RS_EXPORT_H
#define RS_EXPORT_H

#include <stdint.h>

#include "ctx.h"

typedef enum {
    RS_LAYER_DISTRICTS = 0,
    RS_LAYER_DETECTIONS,
    RS_LAYER_COLLISIONS,
    RS_LAYER_CONCERNS
} rs_layer;

/* "districts", "detections", "collisions", "concerns" -> 0; -1 otherwise. */
int rs_layer_parse(const char *s, rs_layer *out);

typedef struct rs_export_opts {
    const char *prefix;  /* PREFIX.shp etc. */
    int epsg;            /* 27700 or 4326 */
    int64_t from, to;    /* UTC [from, to); INT64_MIN / INT64_MAX for all */
    int district;        /* -1 all */
    /* Optional extra district attribute (e.g. the weekend score): NULL, or
     * a name <= 10 characters and one value per district id (NaN = null;
     * extra NULL: the field is there, every value null). */
    const char *extra_name;
    const double *extra;
} rs_export_opts;

/* Writes one layer.  *written gets the feature count and *skipped the
 * records left out (collisions without a location).  Returns 0 or an RS_E
 * code with the message in ctx's error. */
int rs_export_layer(rs_ctx *ctx, rs_layer layer, const rs_export_opts *o, int64_t *written,
                    int64_t *skipped);

#endif
