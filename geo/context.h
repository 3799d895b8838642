/*
 * context.h — context layers for maps: roads, places and outlines read from
 * any shapefile (points, lines or polygons, in any CRS its .prj names) and
 * brought into British National Grid (EPSG:27700) with PROJ, so that a map
 * reader can place a coloured cell by the roads and towns around it.
 *
 * A layer is plain data, immutable once read: its parts as runs of x,y
 * pairs (a line's vertices, a polygon ring, or one point), and for points
 * a label each.  The label is the first of the fields NAME, NAME1, LABEL,
 * TOWN, PLACE (any case) that the .dbf has, else its first text field;
 * none when it has no text field.
 */
#ifndef RS_CONTEXT_H
#define RS_CONTEXT_H

#include <stddef.h>

#include "geo.h"

typedef enum {
    RS_CONTEXT_POINTS = 1,  /* labelled places */
    RS_CONTEXT_LINES = 2,   /* roads */
    RS_CONTEXT_POLYGONS = 3 /* outlines (rings), not filled */
} rs_context_kind;

typedef struct rs_context_layer {
    rs_context_kind kind;
    size_t nparts;
    size_t *off;   /* part k is points off[k] .. off[k+1] (nparts + 1 entries) */
    double *xy;    /* x,y pairs, EPSG:27700 metres */
    char **label;  /* points: one per part ("" when empty); NULL for the other kinds */
    char *name;    /* the file's base name, e.g. "roads" */
} rs_context_layer;

/* Reads shp_path (with its .shx, .dbf and .prj; the .prj is required),
 * validating the files by hand first as the district reader does.  Returns
 * 0 and *out (free with rs_context_layer_free), or RS_EINPUT with a message
 * naming the file (and the record) and the reason: a missing or corrupt
 * file, a .prj PROJ does not understand, a shape PROJ cannot bring into
 * British National Grid, an unsupported shape type (multipatch, only null
 * shapes). */
int rs_context_layer_read(rs_geo *g, const char *shp_path, rs_context_layer **out);
void rs_context_layer_free(rs_context_layer *c);

#endif
