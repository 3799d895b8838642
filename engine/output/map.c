/*
 * map.c — pictorial PNG maps drawn with cairo (see map.h).
 *
 * Core data structure: an rs_map holds its page layout (fixed when the map
 * is made, so the image size is known before anything is drawn) and its
 * layers in the order added.  Polygons (filled cells, district outlines)
 * are copied out of GEOS at once into one flat array of x,y pairs, indexed
 * by rings and shapes, so the caller's geometries need not outlive the call
 * and drawing needs no GEOS; a raster layer keeps a copy of its values, a
 * points layer a copy of its coordinates, a districts layer its names and
 * label anchors.  Colours are resolved only when the PNG is written, once
 * scale_max is known.
 *
 * Drawing order: white page; the map area (light grey-blue outside the
 * districts when there are districts, white inside); the layers, clipped
 * to the map area; the district names (on top, with a white halo, nudged
 * apart when they would overlap); the frame; the title band; the legend
 * column; the footer (scale bar, north arrow, attribution).
 *
 * Workload: one map per output file: up to some 10^5 cells, or a raster of
 * a few million pixels, tens of districts with thousands of vertices, and a
 * few thousand points, drawn once into a width_px x height ARGB32 image
 * (about 1600 x 1100 by default).  Text uses cairo's toy font API with the
 * fontconfig "sans-serif" face; cairo's PNG writer adds no time stamp, so
 * the same calls give the same bytes.
 */
#include "map.h"
#include "draw_int.h"
#include "fmt.h"
#include "png.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#define MAP_MIN_WIDTH 640
#define MAP_MAX_WIDTH 8000

#define UTF8_GE "\xe2\x89\xa5"       /* ≥ */

/* ---- colours ------------------------------------------------------------ */

/* matplotlib's viridis (van der Walt & Smith, CC0): every 8th of its 256
 * entries and the last, as 8-bit sRGB; `at` is the entry index. */
typedef struct anchor {
    unsigned char at, r, g, b;
} anchor;

static const anchor viridis[] = {
    {0, 0x44, 0x01, 0x54},   {8, 0x47, 0x0D, 0x60},   {16, 0x48, 0x18, 0x6A},
    {24, 0x48, 0x23, 0x74},  {32, 0x47, 0x2D, 0x7B},  {40, 0x45, 0x37, 0x81},
    {48, 0x42, 0x40, 0x86},  {56, 0x3E, 0x49, 0x89},  {64, 0x3B, 0x52, 0x8B},
    {72, 0x37, 0x5B, 0x8D},  {80, 0x33, 0x63, 0x8D},  {88, 0x2F, 0x6B, 0x8E},
    {96, 0x2C, 0x72, 0x8E},  {104, 0x29, 0x7A, 0x8E}, {112, 0x26, 0x82, 0x8E},
    {120, 0x23, 0x89, 0x8E}, {128, 0x21, 0x91, 0x8C}, {136, 0x1F, 0x98, 0x8B},
    {144, 0x1F, 0xA0, 0x88}, {152, 0x22, 0xA7, 0x85}, {160, 0x28, 0xAE, 0x80},
    {168, 0x32, 0xB6, 0x7A}, {176, 0x3F, 0xBC, 0x73}, {184, 0x4E, 0xC3, 0x6B},
    {192, 0x5E, 0xC9, 0x62}, {200, 0x70, 0xCF, 0x57}, {208, 0x84, 0xD4, 0x4B},
    {216, 0x98, 0xD8, 0x3E}, {224, 0xAD, 0xDC, 0x30}, {232, 0xC2, 0xDF, 0x23},
    {240, 0xD8, 0xE2, 0x19}, {248, 0xEC, 0xE5, 0x1B}, {255, 0xFD, 0xE7, 0x25},
};
#define NVIRIDIS (sizeof viridis / sizeof viridis[0])

typedef struct rgb {
    double r, g, b;
} rgb;

/* The ramp at t in [0, 1] (clamped), linear between anchors. */
static rgb ramp(double t)
{
    if (!(t > 0))
        t = 0;
    if (t > 1)
        t = 1;
    double pos = t * 255.0;
    size_t i = 0;
    while (i + 2 < NVIRIDIS && viridis[i + 1].at <= pos)
        i++;
    const anchor *a = &viridis[i], *b = &viridis[i + 1];
    double f = (pos - a->at) / (double)(b->at - a->at);
    if (f < 0)
        f = 0;
    if (f > 1)
        f = 1;
    rgb c = {(a->r + f * (b->r - a->r)) / 255.0, (a->g + f * (b->g - a->g)) / 255.0,
             (a->b + f * (b->b - a->b)) / 255.0};
    return c;
}

#define C_PAGE 0xFFFFFF
#define C_OUTSIDE 0xE4EAF0   /* outside the districts: light grey-blue */
#define C_FRAME 0x9AA4AE
#define C_OUTLINE 0x3A3A3A   /* district boundaries */
#define C_TEXT 0x1A1A1A
#define C_SUBTEXT 0x444444
#define C_FAINT 0x6B6B6B     /* attribution */
#define C_NODATA_EDGE 0x9A9A9A

/* Point layers take these fills in turn (all with a dark outline). */
static const unsigned point_fill[] = {0xE8384F, 0xFFFFFF, 0xF58231, 0x000000, 0x42D4F4};
#define NPOINT_FILL (sizeof point_fill / sizeof point_fill[0])

/* ---- the map ------------------------------------------------------------ */

typedef struct ring {
    size_t off, n; /* points xy[2*off .. 2*(off+n)) */
} ring;

typedef struct shape {
    size_t ring0, nrings;
} shape;

enum { L_FILL, L_RASTER, L_DISTRICTS, L_POINTS };

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

static int R(const layout *l, double base) { return (int)lround(base * l->u); }

static double X(const rs_map *m, double x) { return m->lay.mx + (x - m->ex0) * m->scale; }
static double Y(const rs_map *m, double y) { return m->lay.my + (m->ey1 - y) * m->scale; }

static int nomem(rs_map *m) { return rs_err_set(rs_ctx_err(m->ctx), RS_ENOMEM, "out of memory"); }

/* Grows *p (elements of `size`) so that `need` fit.  0 or -1. */
static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2 / size)
            return -1;
        n *= 2;
    }
    void *q = realloc(*p, n * size);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

static char *dup_opt(const char *s)
{
    if (s == NULL || *s == '\0')
        return NULL;
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

static void layer_clear(layer *l)
{
    free(l->ras.v);
    if (l->lab) {
        for (size_t i = 0; i < l->nshapes; i++)
            free(l->lab[i].name);
        free(l->lab);
    }
    free(l->pts);
    free(l->legend);
}

void rs_map_free(rs_map *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->nlayers; i++)
        layer_clear(&m->layers[i]);
    free(m->layers);
    free(m->xy);
    free(m->rings);
    free(m->shapes);
    free(m->title);
    free(m->subtitle);
    free(m->legend_label);
    free(m->attribution);
    free(m);
}

/* Fixes the page: margins, title band, legend column, footer, and the map
 * area whose height follows the (padded) extent's aspect.  See map.h. */
static void plan_layout(rs_map *m, int width, double xmin, double ymin, double xmax, double ymax)
{
    layout *l = &m->lay;
    l->u = width / 1600.0;
    if (l->u < 0.75)
        l->u = 0.75; /* type stays legible on small maps: the map area gives */
    l->w = width;
    l->margin = R(l, 24);
    l->top = R(l, 100);
    l->legend_w = R(l, 300);
    l->footer = R(l, 84);
    l->mx = l->margin;
    l->my = l->top;
    l->mw = width - 2 * l->margin - l->legend_w;

    double w = xmax - xmin, h = ymax - ymin;
    if (!(w > 0) && !(h > 0)) {
        xmin -= 500, xmax += 500, ymin -= 500, ymax += 500;
        w = h = 1000;
    }
    double pad = 0.04 * (w > h ? w : h);
    double cx = (xmin + xmax) / 2, cy = (ymin + ymax) / 2;
    double ew = w + 2 * pad, eh = h + 2 * pad;
    double amin = R(l, 420) / (double)l->mw, amax = 1.6;
    if (eh / ew < amin)
        eh = ew * amin;
    if (eh / ew > amax)
        ew = eh / amax;
    l->mh = (int)lround(l->mw * (eh / ew));
    m->scale = l->mw / ew;
    eh = l->mh / m->scale; /* the rounding to whole pixels goes into the extent */
    m->ex0 = cx - ew / 2;
    m->ex1 = cx + ew / 2;
    m->ey0 = cy - eh / 2;
    m->ey1 = cy + eh / 2;
    l->h = l->top + l->mh + l->footer;
}

rs_map *rs_map_new(rs_ctx *ctx, double xmin, double ymin, double xmax, double ymax,
                   const rs_map_opts *opts)
{
    if (ctx == NULL)
        return NULL;
    rs_err *e = rs_ctx_err(ctx);
    int width = opts && opts->width_px != 0 ? opts->width_px : 1600;
    if (width < MAP_MIN_WIDTH || width > MAP_MAX_WIDTH) {
        rs_err_set(e, RS_EUSAGE, "map: width %d px is outside %d..%d", width, MAP_MIN_WIDTH,
                   MAP_MAX_WIDTH);
        return NULL;
    }
    if (!isfinite(xmin) || !isfinite(ymin) || !isfinite(xmax) || !isfinite(ymax) ||
        xmax < xmin || ymax < ymin) {
        rs_err_set(e, RS_EUSAGE, "map: extent [%g, %g] x [%g, %g] is not a box", xmin, xmax,
                   ymin, ymax);
        return NULL;
    }
    rs_map *m = calloc(1, sizeof *m);
    if (m == NULL) {
        rs_err_set(e, RS_ENOMEM, "out of memory");
        return NULL;
    }
    m->ctx = ctx;
    if (opts) {
        m->title = dup_opt(opts->title);
        m->subtitle = dup_opt(opts->subtitle);
        m->legend_label = dup_opt(opts->legend_label);
        m->attribution = dup_opt(opts->attribution);
        if ((opts->title && *opts->title && !m->title) ||
            (opts->subtitle && *opts->subtitle && !m->subtitle) ||
            (opts->legend_label && *opts->legend_label && !m->legend_label) ||
            (opts->attribution && *opts->attribution && !m->attribution)) {
            nomem(m);
            rs_map_free(m);
            return NULL;
        }
        if (opts->scale_max > 0 && isfinite(opts->scale_max))
            m->fixed_max = opts->scale_max;
    }
    plan_layout(m, width, xmin, ymin, xmax, ymax);
    return m;
}

double rs_map_scale_max(const rs_map *m)
{
    if (m == NULL)
        return NAN;
    if (m->fixed_max > 0)
        return m->fixed_max;
    return m->data_max > 0 ? m->data_max : 1.0;
}

static void note_value(rs_map *m, double v)
{
    if (isfinite(v) && v > m->data_max)
        m->data_max = v;
}

static layer *new_layer(rs_map *m, int kind)
{
    if (grow((void **)&m->layers, &m->cap_layers, m->nlayers + 1, sizeof *m->layers) != 0)
        return NULL;
    layer *l = &m->layers[m->nlayers++];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    return l;
}

/* Copies one polygon's rings into the map's arrays. */
static int add_polygon(rs_map *m, GEOSContextHandle_t h, const GEOSGeometry *poly)
{
    rs_geo *g = rs_ctx_geo(m->ctx);
    int nholes = GEOSGetNumInteriorRings_r(h, poly);
    if (nholes < 0)
        return rs_geo_fail(g, RS_ERR, "map: polygon rings");
    for (int k = -1; k < nholes; k++) {
        const GEOSGeometry *r =
            k < 0 ? GEOSGetExteriorRing_r(h, poly) : GEOSGetInteriorRingN_r(h, poly, k);
        const GEOSCoordSequence *seq = r ? GEOSGeom_getCoordSeq_r(h, r) : NULL;
        unsigned int n = 0;
        if (seq == NULL || GEOSCoordSeq_getSize_r(h, seq, &n) == 0)
            return rs_geo_fail(g, RS_ERR, "map: polygon ring");
        if (n < 3)
            continue;
        if (grow((void **)&m->xy, &m->cap_xy, m->nxy + n, 2 * sizeof *m->xy) != 0 ||
            grow((void **)&m->rings, &m->cap_rings, m->nrings + 1, sizeof *m->rings) != 0)
            return nomem(m);
        if (GEOSCoordSeq_copyToBuffer_r(h, seq, m->xy + 2 * m->nxy, 0, 0) == 0)
            return rs_geo_fail(g, RS_ERR, "map: polygon coordinates");
        m->rings[m->nrings].off = m->nxy;
        m->rings[m->nrings].n = n;
        m->nrings++;
        m->nxy += n;
    }
    return RS_OK;
}

/* Copies a Polygon or MultiPolygon as one new shape; *index gets it. */
static int add_shape(rs_map *m, const GEOSGeometry *geom, size_t *index)
{
    rs_geo *g = rs_ctx_geo(m->ctx);
    GEOSContextHandle_t h = rs_geo_geos(g);
    int type = GEOSGeomTypeId_r(h, geom);
    if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON)
        return rs_err_set(rs_ctx_err(m->ctx), RS_EUSAGE,
                          "map: a filled shape must be a Polygon or MultiPolygon (GEOS type %d)",
                          type);
    if (grow((void **)&m->shapes, &m->cap_shapes, m->nshapes + 1, sizeof *m->shapes) != 0)
        return nomem(m);
    size_t ring0 = m->nrings;
    if (type == GEOS_POLYGON) {
        if (GEOSisEmpty_r(h, geom) == 0) {
            int rc = add_polygon(m, h, geom);
            if (rc != RS_OK)
                return rc;
        }
    } else {
        int n = GEOSGetNumGeometries_r(h, geom);
        if (n < 0)
            return rs_geo_fail(g, RS_ERR, "map: multipolygon parts");
        for (int i = 0; i < n; i++) {
            const GEOSGeometry *part = GEOSGetGeometryN_r(h, geom, i);
            if (part == NULL)
                return rs_geo_fail(g, RS_ERR, "map: multipolygon part");
            if (GEOSisEmpty_r(h, part) != 0)
                continue;
            int rc = add_polygon(m, h, part);
            if (rc != RS_OK)
                return rc;
        }
    }
    m->shapes[m->nshapes].ring0 = ring0;
    m->shapes[m->nshapes].nrings = m->nrings - ring0;
    *index = m->nshapes++;
    return RS_OK;
}

int rs_map_fill(rs_map *m, const GEOSGeometry *g, double value)
{
    if (m == NULL)
        return RS_EUSAGE;
    if (g == NULL)
        return rs_err_set(rs_ctx_err(m->ctx), RS_EUSAGE, "rs_map_fill: no geometry");
    if (isnan(value))
        return RS_OK; /* withheld or empty: the background shows */
    size_t s;
    int rc = add_shape(m, g, &s);
    if (rc != RS_OK)
        return rc;
    layer *l = new_layer(m, L_FILL);
    if (l == NULL)
        return nomem(m);
    l->shape0 = s;
    l->nshapes = 1;
    l->value = value;
    note_value(m, value);
    return RS_OK;
}

int rs_map_raster(rs_map *m, const rs_raster *r)
{
    if (m == NULL)
        return RS_EUSAGE;
    rs_err *e = rs_ctx_err(m->ctx);
    if (r == NULL || (r->cols * r->rows > 0 && r->v == NULL) || !(r->pixel > 0) ||
        !isfinite(r->x0) || !isfinite(r->y0))
        return rs_err_set(e, RS_EUSAGE, "rs_map_raster: not a raster");
    if (r->cols > 32767 || r->rows > 32767)
        return rs_err_set(e, RS_EUSAGE, "rs_map_raster: %zu x %zu pixels is more than 32767 a side",
                          r->cols, r->rows);
    layer *l = new_layer(m, L_RASTER);
    if (l == NULL)
        return nomem(m);
    l->ras = *r;
    l->ras.v = NULL;
    size_t n = r->cols * r->rows;
    if (n > 0) {
        l->ras.v = malloc(n * sizeof *l->ras.v);
        if (l->ras.v == NULL) {
            m->nlayers--;
            return nomem(m);
        }
        memcpy(l->ras.v, r->v, n * sizeof *l->ras.v);
        for (size_t i = 0; i < n; i++)
            note_value(m, r->v[i]);
    }
    return RS_OK;
}

/* The label anchor of a district: a point on the surface of its largest
 * polygon, and that polygon's width. */
static int label_anchor(rs_map *m, const GEOSGeometry *geom, label *lab)
{
    rs_geo *g = rs_ctx_geo(m->ctx);
    GEOSContextHandle_t h = rs_geo_geos(g);
    const GEOSGeometry *part = geom;
    if (GEOSGeomTypeId_r(h, geom) == GEOS_MULTIPOLYGON) {
        int n = GEOSGetNumGeometries_r(h, geom);
        double best = -1;
        for (int i = 0; i < n; i++) {
            const GEOSGeometry *p = GEOSGetGeometryN_r(h, geom, i);
            double a = 0;
            if (p == NULL || GEOSArea_r(h, p, &a) == 0)
                return rs_geo_fail(g, RS_ERR, "map: district part area");
            if (a > best) {
                best = a;
                part = p;
            }
        }
    }
    if (GEOSisEmpty_r(h, part) != 0) {
        lab->x = lab->y = NAN;
        return RS_OK;
    }
    GEOSGeometry *pt = GEOSPointOnSurface_r(h, part);
    if (pt == NULL)
        return rs_geo_fail(g, RS_ERR, "map: district label point");
    double x0 = 0, x1 = 0;
    int ok = GEOSGeomGetX_r(h, pt, &lab->x) == 1 && GEOSGeomGetY_r(h, pt, &lab->y) == 1 &&
             GEOSGeom_getXMin_r(h, part, &x0) == 1 && GEOSGeom_getXMax_r(h, part, &x1) == 1 &&
             GEOSArea_r(h, geom, &lab->area) == 1;
    GEOSGeom_destroy_r(h, pt);
    if (!ok)
        return rs_geo_fail(g, RS_ERR, "map: district label point");
    lab->width_m = x1 - x0;
    return RS_OK;
}

int rs_map_districts(rs_map *m, const rs_districts *d, int labels)
{
    if (m == NULL)
        return RS_EUSAGE;
    if (d == NULL)
        return rs_err_set(rs_ctx_err(m->ctx), RS_EUSAGE, "rs_map_districts: no districts");
    size_t n = rs_districts_count(d);
    size_t shape0 = m->nshapes;
    for (size_t i = 0; i < n; i++) {
        size_t s;
        int rc = add_shape(m, rs_districts_geom(d, i), &s);
        if (rc != RS_OK)
            return rc;
    }
    layer *l = new_layer(m, L_DISTRICTS);
    if (l == NULL)
        return nomem(m);
    l->shape0 = shape0;
    l->nshapes = n;
    l->labels = labels != 0;
    if (!l->labels || n == 0)
        return RS_OK;
    l->lab = calloc(n, sizeof *l->lab);
    if (l->lab == NULL)
        return nomem(m);
    for (size_t i = 0; i < n; i++) {
        l->lab[i].name = dup_opt(rs_districts_name(d, i));
        const char *name = rs_districts_name(d, i);
        if (name && *name && l->lab[i].name == NULL)
            return nomem(m);
        int rc = label_anchor(m, rs_districts_geom(d, i), &l->lab[i]);
        if (rc != RS_OK)
            return rc;
    }
    return RS_OK;
}

int rs_map_points(rs_map *m, size_t n, const double *x, const double *y, const char *legend)
{
    if (m == NULL)
        return RS_EUSAGE;
    if (n > 0 && (x == NULL || y == NULL))
        return rs_err_set(rs_ctx_err(m->ctx), RS_EUSAGE, "rs_map_points: NULL coordinates");
    if (n > SIZE_MAX / (2 * sizeof(double)))
        return nomem(m);
    layer *l = new_layer(m, L_POINTS);
    if (l == NULL)
        return nomem(m);
    l->fill = point_fill[m->npoint_layers++ % NPOINT_FILL];
    if (n > 0) {
        l->pts = malloc(2 * n * sizeof *l->pts);
        if (l->pts == NULL)
            return nomem(m);
        for (size_t i = 0; i < n; i++) {
            l->pts[2 * i] = x[i];
            l->pts[2 * i + 1] = y[i];
        }
        l->npts = n;
    }
    if (legend && *legend && (l->legend = dup_opt(legend)) == NULL)
        return nomem(m);
    return RS_OK;
}

/* ---- drawing ------------------------------------------------------------ */

static void path_shape(const rs_map *m, cairo_t *cr, const shape *s)
{
    for (size_t r = s->ring0; r < s->ring0 + s->nrings; r++) {
        const double *p = m->xy + 2 * m->rings[r].off;
        size_t n = m->rings[r].n;
        cairo_move_to(cr, X(m, p[0]), Y(m, p[1]));
        for (size_t k = 1; k < n; k++)
            cairo_line_to(cr, X(m, p[2 * k]), Y(m, p[2 * k + 1]));
        cairo_close_path(cr);
    }
}

static int has_kind(const rs_map *m, int kind)
{
    for (size_t i = 0; i < m->nlayers; i++)
        if (m->layers[i].kind == kind)
            return 1;
    return 0;
}

static void draw_background(const rs_map *m, cairo_t *cr)
{
    const layout *l = &m->lay;
    rs_draw_hex(cr, C_PAGE);
    cairo_paint(cr);
    if (!has_kind(m, L_DISTRICTS))
        return;
    /* outside the districts a light tint, inside white */
    rs_draw_hex(cr, C_OUTSIDE);
    cairo_rectangle(cr, l->mx, l->my, l->mw, l->mh);
    cairo_fill(cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    for (size_t i = 0; i < m->nlayers; i++) {
        const layer *ly = &m->layers[i];
        if (ly->kind != L_DISTRICTS)
            continue;
        for (size_t s = ly->shape0; s < ly->shape0 + ly->nshapes; s++)
            path_shape(m, cr, &m->shapes[s]);
    }
    rs_draw_hex(cr, C_PAGE);
    cairo_fill(cr);
}

static void draw_fill(const rs_map *m, cairo_t *cr, const layer *ly, double smax)
{
    rgb c = ramp(ly->value / smax);
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    path_shape(m, cr, &m->shapes[ly->shape0]);
    cairo_fill_preserve(cr);
    /* a hairline of the same colour closes the anti-aliasing seams
     * between neighbouring cells */
    cairo_set_line_width(cr, 1.0);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_stroke(cr);
}

static int draw_raster(const rs_map *m, cairo_t *cr, const layer *ly, double smax)
{
    const rs_raster *r = &ly->ras;
    if (r->cols == 0 || r->rows == 0)
        return RS_OK;
    int w = (int)r->cols, h = (int)r->rows;
    int stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, w);
    if (stride < 0)
        return rs_err_set(rs_ctx_err(m->ctx), RS_ERR, "map: raster of %d px too wide", w);
    unsigned char *data = calloc((size_t)h, (size_t)stride);
    if (data == NULL)
        return rs_err_set(rs_ctx_err(m->ctx), RS_ENOMEM, "out of memory");
    for (int row = 0; row < h; row++) {
        uint32_t *px = (uint32_t *)(void *)(data + (size_t)row * (size_t)stride);
        for (int col = 0; col < w; col++) {
            double v = r->v[(size_t)row * r->cols + (size_t)col];
            if (isnan(v) || v == 0)
                continue; /* transparent */
            rgb c = ramp(v / smax);
            px[col] = 0xFF000000u | (uint32_t)lround(c.r * 255) << 16 |
                      (uint32_t)lround(c.g * 255) << 8 | (uint32_t)lround(c.b * 255);
        }
    }
    cairo_surface_t *img =
        cairo_image_surface_create_for_data(data, CAIRO_FORMAT_ARGB32, w, h, stride);
    int rc = RS_OK;
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        rc = rs_err_set(rs_ctx_err(m->ctx), RS_ERR, "map: raster image: %s",
                        cairo_status_to_string(cairo_surface_status(img)));
    } else {
        double k = r->pixel * m->scale;
        cairo_save(cr);
        cairo_translate(cr, X(m, r->x0), Y(m, r->y0 + (double)r->rows * r->pixel));
        cairo_scale(cr, k, k);
        cairo_set_source_surface(cr, img, 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
        cairo_paint(cr);
        cairo_restore(cr);
    }
    cairo_surface_destroy(img); /* the paint has been done: data may go */
    free(data);
    return rc;
}

static void draw_outlines(const rs_map *m, cairo_t *cr, const layer *ly)
{
    for (size_t s = ly->shape0; s < ly->shape0 + ly->nshapes; s++)
        path_shape(m, cr, &m->shapes[s]);
    rs_draw_hex(cr, C_OUTLINE);
    cairo_set_line_width(cr, 1.5 * m->lay.u);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr);
}

static double marker_radius(const layout *l) { return 4.5 * l->u; }

static void marker(cairo_t *cr, const layout *l, double x, double y, unsigned fill)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, marker_radius(l), 0, 2 * 3.14159265358979323846);
    rs_draw_hex(cr, fill);
    cairo_fill_preserve(cr);
    rs_draw_hex(cr, C_TEXT);
    cairo_set_line_width(cr, 1.2 * l->u);
    cairo_stroke(cr);
}

static void draw_points(const rs_map *m, cairo_t *cr, const layer *ly)
{
    double pad = 2 * marker_radius(&m->lay);
    for (size_t i = 0; i < ly->npts; i++) {
        double x = X(m, ly->pts[2 * i]), y = Y(m, ly->pts[2 * i + 1]);
        if (!isfinite(x) || !isfinite(y) || x < m->lay.mx - pad || y < m->lay.my - pad ||
            x > m->lay.mx + m->lay.mw + pad || y > m->lay.my + m->lay.mh + pad)
            continue;
        marker(cr, &m->lay, x, y, ly->fill);
    }
}

/* ---- district names ----------------------------------------------------- */

typedef struct placed {
    const label *lab;
    double size;
    double x, y;           /* baseline start */
    double bx0, by0, bx1, by1; /* ink box with halo */
} placed;

static int cmp_label_area(const void *a, const void *b)
{
    const placed *p = a, *q = b;
    if (p->lab->area != q->lab->area)
        return p->lab->area < q->lab->area ? -1 : 1;
    return p->lab < q->lab ? -1 : p->lab > q->lab;
}

/* Whether two names' boxes come closer than gap (so that neighbours do
 * not read as one name). */
static int overlaps(const placed *a, const placed *b, double gap)
{
    return a->bx0 < b->bx1 + gap && b->bx0 < a->bx1 + gap && a->by0 < b->by1 &&
           b->by0 < a->by1;
}

/* Places every name (small districts first, so the big ones move), nudging
 * a name up or down by a line when it would cover one already placed, then
 * draws them all: white halo first, dark text over it. */
static int draw_labels(const rs_map *m, cairo_t *cr)
{
    const layout *l = &m->lay;
    size_t n = 0;
    for (size_t i = 0; i < m->nlayers; i++)
        if (m->layers[i].kind == L_DISTRICTS && m->layers[i].labels)
            n += m->layers[i].nshapes;
    if (n == 0)
        return RS_OK;
    placed *pl = calloc(n, sizeof *pl);
    if (pl == NULL)
        return rs_err_set(rs_ctx_err(m->ctx), RS_ENOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < m->nlayers; i++) {
        const layer *ly = &m->layers[i];
        if (ly->kind != L_DISTRICTS || !ly->labels)
            continue;
        for (size_t j = 0; j < ly->nshapes; j++)
            if (ly->lab[j].name && isfinite(ly->lab[j].x))
                pl[k++].lab = &ly->lab[j];
    }
    n = k;
    qsort(pl, n, sizeof *pl, cmp_label_area);

    double halo = 3.0 * l->u;
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        placed *p = &pl[done];
        *p = pl[i];
        double ax = X(m, p->lab->x), ay = Y(m, p->lab->y);
        if (ax < l->mx || ax > l->mx + l->mw || ay < l->my || ay > l->my + l->mh)
            continue;
        /* 14 px, smaller (not under 10) when wider than its polygon */
        double room = 0.95 * p->lab->width_m * m->scale;
        p->size = rs_draw_fit_font(cr, p->lab->name, 14 * l->u, 10 * l->u, 0, room);
        cairo_text_extents_t te;
        cairo_text_extents(cr, p->lab->name, &te);
        double w = te.x_advance, asc = p->size * 0.74, desc = p->size * 0.22;
        double line = asc + desc + 2 * halo;
        static const double nudge[] = {0, -1, 1, -2, 2, -3, 3, 0};
        size_t nn = sizeof nudge / sizeof nudge[0];
        for (size_t c = 0; c < nn; c++) {
            double x = ax - w / 2, y = ay + asc / 2 + nudge[c] * line;
            /* keep inside the map area */
            if (x < l->mx + halo)
                x = l->mx + halo;
            if (x + w > l->mx + l->mw - halo)
                x = l->mx + l->mw - halo - w;
            if (y - asc < l->my + halo)
                y = l->my + halo + asc;
            if (y + desc > l->my + l->mh - halo)
                y = l->my + l->mh - halo - desc;
            p->x = x;
            p->y = y;
            p->bx0 = x - halo;
            p->bx1 = x + w + halo;
            p->by0 = y - asc - halo;
            p->by1 = y + desc + halo;
            int clash = 0;
            for (size_t q = 0; q < done && !clash && c + 1 < nn; q++)
                clash = overlaps(p, &pl[q], 6 * l->u);
            if (!clash)
                break; /* the last candidate (nowhere free: stay put) always is */
        }
        done++;
    }
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (size_t i = 0; i < done; i++) {
        rs_draw_font(cr, pl[i].size, 0);
        cairo_move_to(cr, pl[i].x, pl[i].y);
        cairo_text_path(cr, pl[i].lab->name);
        rs_draw_hex(cr, C_PAGE);
        cairo_set_line_width(cr, 2 * halo);
        cairo_stroke_preserve(cr);
        rs_draw_hex(cr, C_TEXT);
        cairo_fill(cr);
    }
    free(pl);
    return RS_OK;
}

/* ---- furniture ---------------------------------------------------------- */

static void draw_titles(const rs_map *m, cairo_t *cr)
{
    const layout *l = &m->lay;
    double maxw = l->w - 2 * l->margin;
    if (m->title) {
        rs_draw_fit_font(cr, m->title, 28 * l->u, 18 * l->u, 1, maxw);
        rs_draw_hex(cr, C_TEXT);
        rs_draw_text_clipped(cr, l->margin, R(l, 50), m->title, maxw);
    }
    if (m->subtitle) {
        rs_draw_fit_font(cr, m->subtitle, 16 * l->u, 12 * l->u, 0, maxw);
        rs_draw_hex(cr, C_SUBTEXT);
        rs_draw_text_clipped(cr, l->margin, R(l, 78), m->subtitle, maxw);
    }
}

static void draw_legend(const rs_map *m, cairo_t *cr, double smax)
{
    const layout *l = &m->lay;
    int x = l->mx + l->mw + R(l, 32);
    double maxw = l->w - l->margin - x;
    double y = l->my;

    /* caption: up to three lines, smaller type when it needs more */
    const char *cap = m->legend_label ? m->legend_label : "value";
    char *lines[3] = {NULL, NULL, NULL};
    int nl = 0;
    double fs = 15 * l->u;
    for (;;) {
        rs_draw_font(cr, fs, 1);
        nl = rs_draw_wrap(cr, cap, maxw, lines, 3);
        if (nl <= 2 || fs <= 12.5 * l->u)
            break;
        for (int i = 0; i < nl; i++)
            free(lines[i]);
        fs -= 1 * l->u;
    }
    if (nl >= 2 && nl < 3) {
        /* balance the lines: the narrowest width that needs no more lines */
        double w = maxw, step = 4 * l->u;
        while (w - step > maxw * 0.3) {
            char *t[3] = {NULL, NULL, NULL};
            int n2 = rs_draw_wrap(cr, cap, w - step, t, 3);
            for (int i = 0; i < n2; i++)
                free(t[i]);
            if (n2 != nl)
                break;
            w -= step;
        }
        if (w < maxw) {
            for (int i = 0; i < nl; i++)
                free(lines[i]);
            nl = rs_draw_wrap(cr, cap, w, lines, 3);
        }
    }
    rs_draw_hex(cr, C_TEXT);
    for (int i = 0; i < nl; i++) {
        y += fs * 1.3;
        rs_draw_text_clipped(cr, x, y, lines[i], maxw);
        free(lines[i]);
    }
    y += R(l, 16);

    /* space below the bar: the no-data note and one row per point legend */
    int has_fill = has_kind(m, L_FILL), has_ras = has_kind(m, L_RASTER);
    double row = R(l, 26);
    size_t npl = 0;
    for (size_t i = 0; i < m->nlayers; i++)
        if (m->layers[i].kind == L_POINTS && m->layers[i].legend)
            npl++;
    double below = R(l, 24) + row * (double)(1 + npl);
    double bar_h = l->my + l->mh - y - below;
    if (bar_h > R(l, 340))
        bar_h = R(l, 340);
    if (bar_h < R(l, 100))
        bar_h = R(l, 100);
    double bar_w = R(l, 26), by0 = y, by1 = y + bar_h;

    /* the colour bar: 0 at the bottom, scale_max at the top */
    cairo_pattern_t *grad = cairo_pattern_create_linear(0, by1, 0, by0);
    for (size_t i = 0; i < NVIRIDIS; i++)
        cairo_pattern_add_color_stop_rgb(grad, viridis[i].at / 255.0, viridis[i].r / 255.0,
                                         viridis[i].g / 255.0, viridis[i].b / 255.0);
    cairo_rectangle(cr, x, by0, bar_w, bar_h);
    cairo_set_source(cr, grad);
    cairo_fill_preserve(cr);
    cairo_pattern_destroy(grad);
    rs_draw_hex(cr, 0x555555);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);

    /* ticks in real units; the top one says the maximum ("≥" when the
     * scale was fixed: larger values are drawn in the top colour) */
    int dec = 0;
    double step = rs_draw_legend_step(smax, &dec);
    double tfs = 13 * l->u;
    rs_draw_font(cr, tfs, 0);
    double tx = x + bar_w + R(l, 10);
    char buf[96], num[64];
    int top_is_tick = fabs(smax / step - round(smax / step)) < 1e-9;
    int tdec = dec;
    if (!top_is_tick) {
        int sig = 2 - (int)floor(log10(smax));
        tdec = sig > tdec ? sig : tdec;
        if (tdec > 6)
            tdec = 6;
    }
    for (int k = 0;; k++) {
        double v = k * step;
        if (v > smax * (1 + 1e-9))
            break;
        double ty = by1 - v / smax * bar_h;
        int is_top = fabs(v - smax) <= smax * 1e-9;
        if (!is_top && (by1 - ty) > bar_h - 1.3 * tfs && !top_is_tick)
            continue; /* would collide with the top label */
        if (is_top)
            break; /* drawn below with its own text */
        cairo_move_to(cr, x + bar_w - R(l, 5), ty);
        cairo_line_to(cr, x + bar_w + R(l, 4), ty);
        rs_draw_hex(cr, 0x333333);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
        rs_fmt_grouped(num, sizeof num, v, dec, 4);
        rs_draw_hex(cr, C_TEXT);
        rs_draw_text(cr, tx, ty + 0.36 * tfs, num, 0);
    }
    rs_fmt_grouped(num, sizeof num, smax, tdec, 4);
    if (!top_is_tick)
        rs_draw_trim_zeros(num);
    snprintf(buf, sizeof buf, "%s%s", m->fixed_max > 0 ? UTF8_GE " " : "", num);
    cairo_move_to(cr, x + bar_w - R(l, 5), by0);
    cairo_line_to(cr, x + bar_w + R(l, 4), by0);
    rs_draw_hex(cr, 0x333333);
    cairo_stroke(cr);
    rs_draw_hex(cr, C_TEXT);
    rs_draw_text(cr, tx, by0 + 0.36 * tfs, buf, 0);

    /* withheld / no data: what the background means */
    y = by1 + R(l, 24);
    double sw = bar_w, sh = R(l, 16);
    double text_x = x + bar_w + R(l, 10);
    const char *note = has_ras && has_fill ? "zero, withheld or no data"
                       : has_ras           ? "zero or no data"
                                           : "withheld / no data";
    cairo_rectangle(cr, x + 0.5, y + 0.5, sw, sh);
    rs_draw_hex(cr, C_PAGE);
    cairo_fill_preserve(cr);
    rs_draw_hex(cr, C_NODATA_EDGE);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    rs_draw_hex(cr, C_TEXT);
    rs_draw_text_clipped(cr, text_x, y + sh / 2 + 0.36 * tfs, note, l->w - l->margin - text_x);
    y += row;

    for (size_t i = 0; i < m->nlayers; i++) {
        const layer *ly = &m->layers[i];
        if (ly->kind != L_POINTS || !ly->legend)
            continue;
        double cy = y + sh / 2;
        marker(cr, l, x + bar_w / 2, cy, ly->fill);
        rs_draw_font(cr, tfs, 0);
        rs_draw_hex(cr, C_TEXT);
        rs_draw_text_clipped(cr, text_x, cy + 0.36 * tfs, ly->legend, l->w - l->margin - text_x);
        y += row;
    }
}

static void draw_scale_bar(const rs_map *m, cairo_t *cr)
{
    const layout *l = &m->lay;
    double len_m = rs_draw_round_length(l->mw / 5.0 / m->scale);
    double len = len_m * m->scale;
    double x0 = l->mx + 0.5, y0 = l->my + l->mh + R(l, 16) + 0.5, bh = R(l, 7);
    for (int i = 0; i < 4; i++) {
        cairo_rectangle(cr, x0 + i * len / 4, y0, len / 4, bh);
        rs_draw_hex(cr, i % 2 ? C_PAGE : 0x333333);
        cairo_fill(cr);
    }
    cairo_rectangle(cr, x0, y0, len, bh);
    rs_draw_hex(cr, 0x333333);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);

    char num[64], unit[8];
    if (len_m >= 1000) {
        rs_fmt_grouped(num, sizeof num, len_m / 1000, 0, 4);
        snprintf(unit, sizeof unit, " km");
    } else {
        rs_fmt_grouped(num, sizeof num, len_m, 0, 4);
        snprintf(unit, sizeof unit, " m");
    }
    double fs = 12 * l->u, ty = y0 + bh + R(l, 16);
    rs_draw_font(cr, fs, 0);
    rs_draw_hex(cr, C_TEXT);
    rs_draw_text(cr, x0, ty, "0", 0.5);
    double nw = rs_draw_text_w(cr, num);
    cairo_move_to(cr, x0 + len - nw / 2, ty);
    cairo_show_text(cr, num);
    cairo_show_text(cr, unit);
}

static void draw_north_arrow(const rs_map *m, cairo_t *cr)
{
    const layout *l = &m->lay;
    double cx = l->mx + l->mw - R(l, 14), top = l->my + l->mh;
    rs_draw_font(cr, 14 * l->u, 1);
    rs_draw_hex(cr, C_TEXT);
    rs_draw_text(cr, cx, top + R(l, 26), "N", 0.5);
    double tip = top + R(l, 31), base = top + R(l, 56), notch = top + R(l, 50);
    double hw = 8 * l->u;
    /* left half dark, right half white, one outline */
    cairo_move_to(cr, cx, tip);
    cairo_line_to(cr, cx - hw, base);
    cairo_line_to(cr, cx, notch);
    cairo_close_path(cr);
    rs_draw_hex(cr, C_TEXT);
    cairo_fill(cr);
    cairo_move_to(cr, cx, tip);
    cairo_line_to(cr, cx + hw, base);
    cairo_line_to(cr, cx, notch);
    cairo_close_path(cr);
    rs_draw_hex(cr, C_PAGE);
    cairo_fill(cr);
    cairo_move_to(cr, cx, tip);
    cairo_line_to(cr, cx - hw, base);
    cairo_line_to(cr, cx, notch);
    cairo_line_to(cr, cx + hw, base);
    cairo_close_path(cr);
    rs_draw_hex(cr, C_TEXT);
    cairo_set_line_width(cr, 1.2 * l->u);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_stroke(cr);
}

static void draw_attribution(const rs_map *m, cairo_t *cr)
{
    const layout *l = &m->lay;
    if (m->attribution == NULL)
        return;
    double maxw = l->w - 2 * l->margin;
    rs_draw_fit_font(cr, m->attribution, 12 * l->u, 10 * l->u, 0, maxw);
    rs_draw_hex(cr, C_FAINT);
    rs_draw_text_clipped(cr, l->margin, l->h - R(l, 14), m->attribution, maxw);
}

/* Draws the whole page into a new image surface (*out; the caller
 * destroys it). */
static int render(const rs_map *m, cairo_surface_t **out)
{
    const layout *l = &m->lay;
    rs_err *e = rs_ctx_err(m->ctx);
    *out = NULL;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, l->w, l->h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        int rc = rs_err_set(e, RS_ERR, "map: %d x %d image: %s", l->w, l->h,
                            cairo_status_to_string(cairo_surface_status(s)));
        cairo_surface_destroy(s);
        return rc;
    }
    cairo_t *cr = cairo_create(s);
    int rc = RS_OK;
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_SLIGHT);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);

    double smax = rs_map_scale_max(m);
    draw_background(m, cr);

    cairo_save(cr);
    cairo_rectangle(cr, l->mx, l->my, l->mw, l->mh);
    cairo_clip(cr);
    for (size_t i = 0; i < m->nlayers && rc == RS_OK; i++) {
        const layer *ly = &m->layers[i];
        switch (ly->kind) {
        case L_FILL:
            draw_fill(m, cr, ly, smax);
            break;
        case L_RASTER:
            rc = draw_raster(m, cr, ly, smax);
            break;
        case L_DISTRICTS:
            draw_outlines(m, cr, ly);
            break;
        case L_POINTS:
            draw_points(m, cr, ly);
            break;
        default:
            break;
        }
    }
    if (rc == RS_OK)
        rc = draw_labels(m, cr);
    cairo_restore(cr);

    if (rc == RS_OK) {
        cairo_rectangle(cr, l->mx + 0.5, l->my + 0.5, l->mw - 1, l->mh - 1);
        rs_draw_hex(cr, C_FRAME);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
        draw_titles(m, cr);
        draw_legend(m, cr, smax);
        draw_scale_bar(m, cr);
        draw_north_arrow(m, cr);
        draw_attribution(m, cr);
    }
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    if (rc == RS_OK && st != CAIRO_STATUS_SUCCESS)
        rc = rs_err_set(e, RS_ERR, "map: drawing: %s", cairo_status_to_string(st));
    cairo_surface_flush(s);
    if (rc == RS_OK && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        rc = rs_err_set(e, RS_ERR, "map: drawing: %s",
                        cairo_status_to_string(cairo_surface_status(s)));
    if (rc != RS_OK) {
        cairo_surface_destroy(s);
        return rc;
    }
    *out = s;
    return RS_OK;
}

/* ---- writing ------------------------------------------------------------ */

int rs_map_write_png(rs_map *m, const char *path)
{
    if (m == NULL)
        return RS_EUSAGE;
    rs_err *e = rs_ctx_err(m->ctx);
    if (path == NULL || *path == '\0')
        return rs_err_set(e, RS_EUSAGE, "rs_map_write_png: no path");
    cairo_surface_t *s = NULL;
    int rc = render(m, &s);
    if (rc != RS_OK)
        return rc;

    rc = rs_png_write(e, s, path);
    cairo_surface_destroy(s);
    return rc;
}
