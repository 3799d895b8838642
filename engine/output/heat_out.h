/*
 * heat_out.h — writing heat maps: the cells as a shapefile layer and a CSV
 * for GIS and spreadsheets, the density as an ESRI ASCII grid, and a PNG
 * map for communities.  Withheld cells (fewer pings than the minimum) carry
 * no figures in any output: empty CSV fields, null DBF attributes, not
 * drawn on the map.  For the presence metrics (fleet) the CSV and DBF
 * carry gaps, presence minutes and patrol vehicles instead of the speeds.
 */
#ifndef RS_HEAT_OUT_H
#define RS_HEAT_OUT_H

#include "context.h"
#include "heat.h"

typedef struct rs_heat_out {
    const char *prefix;      /* PREFIX.csv, .shp..., .asc, .png */
    rs_metric metric;        /* the value drawn and written as VALUE */
    int district;            /* clip to this district id; -1 all districts */
    double scale_max;        /* legend top; <= 0 from the data */
    const char *title;       /* map title (NULL: a default naming metric and area) */
    const char *subtitle;    /* period and filters, written by the caller */
    const char *attribution; /* NULL: a default line */
    const char *withheld;    /* legend words for withheld cells, drawn grey, e.g.
                              * "withheld: fewer than 30 pings" (NULL: a default) */
    const rs_context_layer *const *context; /* context layers drawn on the map (roads,
                                             * places, outlines), in this order */
    size_t ncontext;
    double print_mm;         /* the map's print width (rs_map_opts.print_mm); 0: none */
    const char *note;        /* a line across the map saying why it is empty (NULL: none;
                              * a grid of no pings gets RS_HEAT_NO_PINGS / _FLEET) */
} rs_heat_out;

/* The line a map of no data carries: a grid with no pings (presence: no
 * fleet pings) in its period and filters, a density with nothing in it. */
#define RS_HEAT_NO_PINGS "No pings in this period and these filters: nothing to map"
#define RS_HEAT_NO_FLEET "No patrol fleet pings in this period and these filters: nothing to map"

/* The colour scale of a heat map tops out at this quantile of the drawn
 * (positive) values when no --scale-max is given, so one hot spot does not
 * leave every other cell in the bottom colour; the legend says "≥ V" and
 * how the top was chosen. */
#define RS_HEAT_SCALE_Q 0.98

/* The nearest-rank q-quantile of the positive finite values of v[0..n),
 * or 0 when it is the largest of them (nothing to cap) or there is none. */
double rs_heat_scale_top(const double *v, size_t n, double q);

/* PREFIX.csv, PREFIX.shp (+.shx .dbf .prj .cpg) and PREFIX.png of a grid.
 * A grid of no pings still writes every file; its map carries the line
 * RS_HEAT_NO_PINGS (or RS_HEAT_NO_FLEET) across the middle. */
int rs_heat_write_grid(rs_ctx *ctx, const rs_heat_grid *h, const rs_heat_out *o);
/* PREFIX.asc (+.prj) and PREFIX.png of a density raster; legend_label
 * names its units; o->note, when set, goes across the map. */
int rs_heat_write_kde(rs_ctx *ctx, const rs_raster *r, const char *legend_label,
                      const rs_heat_out *o);

/* What a published layer records beside its cells. */
typedef struct rs_heat_publish_info {
    const char *name;    /* the layer's name, unique in the workspace */
    const char *source;  /* traffic | fleet */
    const char *grid;    /* square:SIZE | hex:SIZE, as given */
    const char *filters; /* period and filters in words (the map's subtitle) */
} rs_heat_publish_info;

/* Keeps grid h in workspace ws as heat layer info->name (tables
 * heat_layer and heat_cell, schema 8), replacing a layer of that name, in
 * one transaction: the cells of PREFIX.shp with the same polygons, the
 * value unrounded, a withheld cell without pings or value.  ctx gives the
 * districts the cells are clipped to (it may be a snapshot of ws). */
int rs_heat_publish(rs_ctx *ctx, rs_ctx *ws, const rs_heat_publish_info *info,
                    const rs_heat_grid *h, const rs_heat_out *o);

#endif
