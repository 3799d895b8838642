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
 *
 * The work is split three ways (map_int.h): this file holds the model and
 * the adders of map.h, map_layers.c draws inside the frame, map_page.c
 * draws the furniture around it and writes the PNG.
 */
#include "map_int.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAP_MIN_WIDTH 640
#define MAP_MAX_WIDTH 8000

/* Point layers take these fills in turn (all with a dark outline). */
static const unsigned point_fill[] = {0xE8384F, 0xFFFFFF, 0xF58231, 0x000000, 0x42D4F4};
#define NPOINT_FILL (sizeof point_fill / sizeof point_fill[0])

/* ---- the map ------------------------------------------------------------ */

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
    if (l->plabel) {
        for (size_t i = 0; i < l->npts; i++)
            free(l->plabel[i]);
        free(l->plabel);
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
    free(m->withheld_legend);
    free(m->note);
    free(m->attribution);
    free(m);
}

/* Fixes the page: margins, title band, legend column, footer, and the map
 * area whose height follows the (padded) extent's aspect.  See map.h. */
static void plan_layout(rs_map *m, int width, double print_mm, double xmin, double ymin,
                        double xmax, double ymax)
{
    layout *l = &m->lay;
    l->u = width / 1600.0;
    if (l->u < 0.75)
        l->u = 0.75; /* type stays legible on small maps: the map area gives */
    if (print_mm > 0) {
        /* the smallest type, 10u px, is 8 pt when printed print_mm wide */
        double u8 = 8.0 * 25.4 / 72.0 * width / print_mm / 10.0;
        if (l->u < u8)
            l->u = u8;
    }
    l->w = width;
    l->margin = print_mm > 0 ? (int)lround(24 * width / 1600.0) : R(l, 24);
    l->top = R(l, 100);
    l->legend_w = R(l, 300);
    if (print_mm > 0 && l->legend_w > (int)lround(0.36 * width))
        l->legend_w = (int)lround(0.36 * width); /* large print type: the map keeps 3/5 */
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
    double print_mm = opts && opts->print_mm > 0 && isfinite(opts->print_mm) ? opts->print_mm : 0;
    plan_layout(m, width, print_mm, xmin, ymin, xmax, ymax);
    if (m->lay.mw < R(&m->lay, 200)) {
        rs_err_set(e, RS_EUSAGE, "map: %d px printed %g mm wide leaves no room for the map", width,
                   print_mm);
        rs_map_free(m);
        return NULL;
    }
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
        char empty = GEOSisEmpty_r(h, geom);
        if (empty == 2)
            return rs_geo_fail(g, RS_ERR, "map: polygon");
        if (!empty) {
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
            char empty = part ? GEOSisEmpty_r(h, part) : 2;
            if (empty == 2)
                return rs_geo_fail(g, RS_ERR, "map: multipolygon part");
            if (empty)
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

int rs_map_withheld(rs_map *m, const GEOSGeometry *g, const char *legend)
{
    if (m == NULL)
        return RS_EUSAGE;
    if (g == NULL)
        return rs_err_set(rs_ctx_err(m->ctx), RS_EUSAGE, "rs_map_withheld: no geometry");
    if (m->withheld_legend == NULL) {
        const char *text = legend && *legend ? legend : "withheld: too few to show";
        size_t n = strlen(text);
        if ((m->withheld_legend = malloc(n + 1)) == NULL)
            return nomem(m);
        memcpy(m->withheld_legend, text, n + 1);
    }
    size_t s;
    int rc = add_shape(m, g, &s);
    if (rc != RS_OK)
        return rc;
    layer *l = new_layer(m, L_WITHHELD);
    if (l == NULL)
        return nomem(m);
    l->shape0 = s;
    l->nshapes = 1;
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
        if (n < 0)
            return rs_geo_fail(g, RS_ERR, "map: district parts");
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
    char empty = GEOSisEmpty_r(h, part);
    if (empty == 2)
        return rs_geo_fail(g, RS_ERR, "map: district label point");
    if (empty) {
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

int rs_map_has_kind(const rs_map *m, int kind)
{
    for (size_t i = 0; i < m->nlayers; i++)
        if (m->layers[i].kind == kind)
            return 1;
    return 0;
}

int rs_map_context(rs_map *m, const rs_context_layer *c)
{
    if (m == NULL)
        return RS_EUSAGE;
    if (c == NULL || (c->nparts > 0 && (c->off == NULL || c->xy == NULL)) ||
        (c->kind == RS_CONTEXT_POINTS && c->nparts > 0 && c->label == NULL) ||
        (c->kind != RS_CONTEXT_POINTS && c->kind != RS_CONTEXT_LINES &&
         c->kind != RS_CONTEXT_POLYGONS))
        return rs_err_set(rs_ctx_err(m->ctx), RS_EUSAGE, "rs_map_context: not a context layer");
    layer *l = new_layer(m, L_CONTEXT);
    if (l == NULL)
        return nomem(m);
    l->ckind = c->kind;
    char what[160];
    snprintf(what, sizeof what, "%s (%s.shp)",
             c->kind == RS_CONTEXT_POINTS  ? "places"
             : c->kind == RS_CONTEXT_LINES ? "roads"
                                           : "outlines",
             c->name ? c->name : "context");
    if ((l->legend = dup_opt(what)) == NULL)
        return nomem(m);
    if (c->kind == RS_CONTEXT_POINTS) {
        if (c->nparts == 0)
            return RS_OK;
        l->pts = malloc(2 * c->nparts * sizeof *l->pts);
        l->plabel = calloc(c->nparts, sizeof *l->plabel);
        if (l->pts == NULL || l->plabel == NULL)
            return nomem(m);
        l->npts = c->nparts;
        for (size_t k = 0; k < c->nparts; k++) {
            l->pts[2 * k] = c->xy[2 * c->off[k]];
            l->pts[2 * k + 1] = c->xy[2 * c->off[k] + 1];
            const char *t = c->label[k] ? c->label[k] : "";
            if (*t && (l->plabel[k] = dup_opt(t)) == NULL)
                return nomem(m);
        }
        return RS_OK;
    }
    l->ring0 = m->nrings;
    for (size_t k = 0; k < c->nparts; k++) {
        size_t n = c->off[k + 1] - c->off[k];
        if (grow((void **)&m->xy, &m->cap_xy, m->nxy + n, 2 * sizeof *m->xy) != 0 ||
            grow((void **)&m->rings, &m->cap_rings, m->nrings + 1, sizeof *m->rings) != 0)
            return nomem(m);
        memcpy(m->xy + 2 * m->nxy, c->xy + 2 * c->off[k], 2 * n * sizeof *m->xy);
        m->rings[m->nrings].off = m->nxy;
        m->rings[m->nrings].n = n;
        m->nrings++;
        m->nxy += n;
    }
    l->nparts = m->nrings - l->ring0;
    return RS_OK;
}

int rs_map_note(rs_map *m, const char *text)
{
    if (m == NULL)
        return RS_EUSAGE;
    if (text == NULL || *text == '\0')
        return rs_err_set(rs_ctx_err(m->ctx), RS_EUSAGE, "rs_map_note: no text");
    free(m->note);
    if ((m->note = dup_opt(text)) == NULL)
        return nomem(m);
    return RS_OK;
}
