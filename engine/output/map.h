/*
 * map.h — pictorial maps (PNG, drawn with cairo) for communities and the
 * partnership board: coloured cells or a density raster, district
 * boundaries with names, point markers, a title and subtitle, a legend in
 * real units, a scale bar and an attribution line.
 *
 * The colour ramp is viridis (perceptually uniform, luminance rising
 * monotonically, so it still reads in greyscale and for colour-blind
 * readers).  Values are mapped linearly from 0 to scale_max; values above
 * are drawn in the top colour and the legend's top label says "≥".  A
 * cell or pixel with no value (NaN: withheld or empty) is not drawn.
 *
 * Coordinates are British National Grid metres; the map keeps the aspect
 * of its extent.  Output is deterministic for the same calls.  Written
 * atomically (temporary name, then rename).
 *
 * Page layout, with u = max(width_px / 1600, 0.75) (type stays legible on
 * small maps) and every length rounded to whole pixels (round(k * u)): a
 * margin of 24u; a title band of 100u at the top (title bold 28u, subtitle
 * 16u); a legend column of 300u at the right (caption, vertical colour
 * bar with ticks, the no-data swatch, one row per point layer with a
 * legend); a footer of 84u (scale bar bottom-left, north arrow
 * bottom-right of the map, attribution line).  The map area starts at
 * (24u, 100u) and is W = width_px - 2*24u - 300u wide.  The extent is padded
 * by 4 % of its larger side on every side (a single point becomes 1 km
 * square first), then grown about its centre, in height or in width, so
 * that its aspect (height / width) lies in [420u / W, 1.6]; the map area is
 * H = round(W * aspect) high and the image 100u + H + 84u.  width_px is
 * 640..8000.  With print_mm > 0, u is at least 8 pt / 10 in pixels of an
 * image printed print_mm wide (8 * 25.4 / 72 * width_px / print_mm / 10),
 * so no type on the printed page is under 8 pt; the margin then stays
 * 24 * width_px / 1600 and the legend column at most 36 % of the width.
 */
#ifndef RS_MAP_H
#define RS_MAP_H

#include <stddef.h>

#include "context.h"
#include "ctx.h"
#include "district.h"
#include "raster.h"

typedef struct rs_map_opts {
    int width_px;            /* whole image width; 0 = 1600 */
    const char *title;       /* big line at the top */
    const char *subtitle;    /* period and filters, smaller */
    const char *legend_label;/* units, e.g. "pings over the threshold per cell" */
    const char *attribution; /* bottom line, e.g. data sources and licence */
    double scale_max;        /* top of the colour scale; <= 0 or NaN: from the data */
    double print_mm;         /* width the image is printed at (e.g. on an A4 page); > 0:
                              * every length grows (u rises) so that the smallest type,
                              * 10u px, is at least 8 pt there; 0: none (u as above) */
} rs_map_opts;

typedef struct rs_map rs_map;

/* A map of the extent [xmin,xmax] x [ymin,ymax] (metres, EPSG:27700),
 * which is padded a little.  Options are copied.  NULL on failure with a
 * message in ctx's error. */
rs_map *rs_map_new(rs_ctx *ctx, double xmin, double ymin, double xmax, double ymax,
                   const rs_map_opts *opts);
void rs_map_free(rs_map *m);

/* Layers, drawn in the order added. */
/* A filled polygon (Polygon or MultiPolygon) coloured by value (NaN: not drawn). */
int rs_map_fill(rs_map *m, const GEOSGeometry *g, double value);
/* A cell whose value is withheld (too few records to show), drawn grey,
 * apart from the colour ramp and from "no data"; the legend shows the grey
 * with `legend` (the first call's; NULL: "withheld: too few to show"). */
int rs_map_withheld(rs_map *m, const GEOSGeometry *g, const char *legend);
/* A raster coloured by value, NaN and 0 transparent. */
int rs_map_raster(rs_map *m, const rs_raster *r);
/* District outlines, with names at a point inside each when labels != 0
 * (the names go above every layer, nudged apart where they would touch). */
int rs_map_districts(rs_map *m, const rs_districts *d, int labels);
/* Point markers (e.g. enforcement sites) with an optional legend entry. */
int rs_map_points(rs_map *m, size_t n, const double *x, const double *y, const char *legend);

/* A context layer (roads as lines, labelled places as points, outlines
 * as polygons; see context.h), drawn over the cells and under the names and
 * the legend, with a legend row naming it ("roads (FILE.shp)", "places
 * (...)", "outlines (...)").  Lines: a thin, half-transparent dark line;
 * polygons: a dashed outline; points: a small dark dot in a white ring,
 * its label (14u, dark grey on a white halo) beside it where it clashes
 * with no district name or other label, else left out.  The layer is
 * copied. */
int rs_map_context(rs_map *m, const rs_context_layer *c);

/* A line across the middle of the map saying why it is empty (e.g. "No
 * pings in this period"): bold, on a white box.  Copied. */
int rs_map_note(rs_map *m, const char *text);

/* The scale maximum in use (opts->scale_max, or the largest value added). */
double rs_map_scale_max(const rs_map *m);

/* Renders everything (with legend, scale bar, title, attribution) and
 * writes path.  Returns 0 or RS_EIO with the message in ctx's error. */
int rs_map_write_png(rs_map *m, const char *path);

#endif
