/*
 * map_int.h — the inside of an rs_map, shared by the three files that make
 * a map (private to engine/output):
 *   map.c         the model: page layout, layers added through map.h;
 *   map_layers.c  what is drawn inside the frame (cells, raster, outlines,
 *                 points, district names) and the colour ramp;
 *   map_page.c    the furniture around it (titles, legend, scale bar, north
 *                 arrow, attribution), the render and the PNG.
 * See map.c for the data structure and the drawing order.
 */
#ifndef RS_MAP_INT_H
#define RS_MAP_INT_H

#include <math.h>
#include <stddef.h>

#include <cairo.h>

#include "map.h"

#define C_PAGE 0xFFFFFF
#define C_OUTSIDE 0xE4EAF0   /* outside the districts: light grey-blue */
#define C_FRAME 0x9AA4AE
#define C_OUTLINE 0x3A3A3A   /* district boundaries */
#define C_TEXT 0x1A1A1A
#define C_SUBTEXT 0x444444
#define C_FAINT 0x6B6B6B     /* attribution */
#define C_NODATA_EDGE 0x9A9A9A
#define C_WITHHELD 0xBDBDBD /* withheld cells: grey, apart from the ramp and "no data" */

typedef struct ring {
    size_t off, n; /* points xy[2*off .. 2*(off+n)) */
} ring;

typedef struct shape {
    size_t ring0, nrings;
} shape;

enum { L_FILL, L_RASTER, L_DISTRICTS, L_POINTS, L_WITHHELD, L_CONTEXT };
#define C_CONTEXT 0x2B2B2B  /* roads, places, context outlines */

typedef struct label {
    char *name;
    double x, y;     /* anchor, metres */
    double width_m;  /* width of the polygon part it sits in */
    double area;     /* for placement order: small districts first */
} label;

typedef struct layer {
    int kind;
    /* L_FILL: one shape; L_DISTRICTS: one shape per district */
    size_t shape0, nshapes;
    double value; /* L_FILL */
    /* L_RASTER (a copy; v owned) */
    rs_raster ras;
    /* L_DISTRICTS */
    int labels;
    label *lab;
    /* L_POINTS */
    size_t npts;
    double *pts; /* x,y pairs */
    char *legend;
    unsigned fill;
    /* L_CONTEXT: parts as rings ring0 .. ring0 + nparts (lines and polygon
     * rings) or points in pts (npts, one label each in plabel); legend says
     * what it is */
    int ckind;
    size_t ring0, nparts;
    char **plabel;
} layer;

/* Page layout in whole pixels, all lengths scaled by u = max(width / 1600,
 * 0.75). */
typedef struct layout {
    double u;
    int w, h;
    int margin, top, legend_w, footer;
    int mx, my, mw, mh; /* map area */
} layout;

struct rs_map {
    rs_ctx *ctx;
    char *title, *subtitle, *legend_label, *attribution;
    char *withheld_legend; /* the rule for the grey cells (rs_map_withheld) */
    char *note;            /* rs_map_note: why the map is empty */
    double fixed_max; /* opts->scale_max when > 0, else 0 */
    double data_max;  /* largest finite value added (0 when none is > 0) */
    layout lay;
    double ex0, ey0, ex1, ey1; /* extent shown, metres */
    double scale;              /* pixels per metre */

    layer *layers;
    size_t nlayers, cap_layers;
    double *xy;
    size_t nxy, cap_xy; /* in points */
    ring *rings;
    size_t nrings, cap_rings;
    shape *shapes;
    size_t nshapes, cap_shapes;
    size_t npoint_layers;
};

static inline int R(const layout *l, double base) { return (int)lround(base * l->u); }

static inline double X(const rs_map *m, double x) { return m->lay.mx + (x - m->ex0) * m->scale; }
static inline double Y(const rs_map *m, double y) { return m->lay.my + (m->ey1 - y) * m->scale; }

/* 1 when m has a layer of this kind (L_*). */
int rs_map_has_kind(const rs_map *m, int kind);

/* map_layers.c */
/* Adds the viridis anchors to grad as colour stops at offsets 0..1. */
void rs_map_ramp_stops(cairo_pattern_t *grad);
/* The white page and, when there are districts, the tint outside them. */
void rs_map_paint_background(const rs_map *m, cairo_t *cr);
/* Every layer in the order added, then the district names, clipped to the
 * map area; smax is the top of the colour scale.  0, or an RS_E code with
 * the message in m's context. */
int rs_map_paint_area(const rs_map *m, cairo_t *cr, double smax);
/* One point marker (as in the points layers and the legend) at (x, y). */
void rs_map_marker(cairo_t *cr, const layout *l, double x, double y, unsigned fill);
/* Strokes the current path as a context layer of this kind (RS_CONTEXT_*). */
void rs_map_context_line(cairo_t *cr, const layout *l, int ckind);
/* A place's dot at (x, y). */
void rs_map_place_marker(cairo_t *cr, const layout *l, double x, double y);

#endif
