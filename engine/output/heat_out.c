/*
 * heat_out.c — heat-map outputs (see heat_out.h).  Cell polygons are
 * clipped to the chosen district (or to the union of all districts) with
 * a prepared geometry: cells wholly inside are kept as they are, the
 * others are intersected.  Every file is written atomically: the CSV with
 * base/atomic.h, the shapefile with geo/shpout, the PNG through png.h.
 */
#include "heat_out.h"
#include "heat_out_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "fmt.h"
#include "map.h"
#include "shpout.h"
#include "store.h"
#include "table.h"

#define DEFAULT_ATTRIBUTION                                                                   \
    "Speeds from connected-vehicle telematics. Boundaries: district polygons loaded in the "  \
    "workspace. Made with roadsafe."
#define PRESENCE_ATTRIBUTION                                                                  \
    "Patrol presence from the force's fleet telematics. Boundaries: district polygons "       \
    "loaded in the workspace. Made with roadsafe."

void rs_heat_clip_free(rs_geo *g, clip *c)
{
    GEOSContextHandle_t h = rs_geo_geos(g);
    if (c->prep)
        GEOSPreparedGeom_destroy_r(h, c->prep);
    if (c->area)
        GEOSGeom_destroy_r(h, c->area);
    rs_districts_free(c->d);
    memset(c, 0, sizeof *c);
}

int rs_heat_clip_init(rs_ctx *ctx, int district, clip *c)
{
    rs_geo *g = rs_ctx_geo(ctx);
    GEOSContextHandle_t h = rs_geo_geos(g);
    memset(c, 0, sizeof *c);
    int rc = rs_store_districts_read(ctx, &c->d);
    if (rc != 0)
        return rc;
    if (c->d == NULL)
        return 0;
    size_t n = rs_districts_count(c->d);
    if (district >= 0) {
        if ((size_t)district >= n)
            return rs_err_set(rs_ctx_err(ctx), RS_ENOTFOUND, "no district %d", district);
        c->area = GEOSGeom_clone_r(h, rs_districts_geom(c->d, (size_t)district));
    } else {
        GEOSGeometry **parts = calloc(n, sizeof *parts);
        if (parts == NULL)
            return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            parts[i] = GEOSGeom_clone_r(h, rs_districts_geom(c->d, i));
        GEOSGeometry *coll =
            GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
        free(parts);
        if (coll) {
            c->area = GEOSUnaryUnion_r(h, coll);
            GEOSGeom_destroy_r(h, coll);
        }
    }
    if (c->area == NULL)
        return rs_geo_fail(g, RS_ERR, "district outline for clipping");
    c->prep = GEOSPrepare_r(h, c->area);
    if (c->prep == NULL)
        return rs_geo_fail(g, RS_ERR, "prepare district outline");
    if (GEOSGeom_getXMin_r(h, c->area, &c->xmin) != 1 || GEOSGeom_getYMin_r(h, c->area, &c->ymin) != 1 ||
        GEOSGeom_getXMax_r(h, c->area, &c->xmax) != 1 || GEOSGeom_getYMax_r(h, c->area, &c->ymax) != 1)
        return rs_geo_fail(g, RS_ERR, "district extent");
    return 0;
}

/* The cell's polygon, clipped to the clip area: a new geometry, or NULL
 * when GEOS failed (its message is left for rs_geo_fail).  A cell with no
 * polygonal part inside the area is kept whole, so its pings stay visible. */
GEOSGeometry *rs_heat_cell_geom(rs_geo *g, const rs_grid *grid, const rs_heat_cell *cell,
                               const clip *c)
{
    GEOSContextHandle_t h = rs_geo_geos(g);
    double xs[7], ys[7];
    int n;
    rs_grid_ring(grid, cell->i, cell->j, xs, ys, &n);
    GEOSCoordSequence *seq = GEOSCoordSeq_create_r(h, (unsigned)n, 2);
    if (seq == NULL)
        return NULL;
    for (int k = 0; k < n; k++)
        GEOSCoordSeq_setXY_r(h, seq, (unsigned)k, xs[k], ys[k]);
    GEOSGeometry *ring = GEOSGeom_createLinearRing_r(h, seq);
    GEOSGeometry *poly = ring ? GEOSGeom_createPolygon_r(h, ring, NULL, 0) : NULL;
    if (poly == NULL || c->prep == NULL)
        return poly;
    GEOSGeometry *cut = NULL, *out = NULL;
    GEOSGeometry **parts = NULL;
    unsigned kept = 0;
    char inside = GEOSPreparedContains_r(h, c->prep, poly);
    if (inside == 2)
        goto done;
    if (inside == 1) {
        out = poly;
        poly = NULL;
        goto done;
    }
    cut = GEOSIntersection_r(h, poly, c->area);
    char empty = cut ? GEOSisEmpty_r(h, cut) : 2;
    if (empty == 2)
        goto done;
    int type = GEOSGeomTypeId_r(h, cut);
    if (empty == 0 && (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON)) {
        out = cut;
        cut = NULL;
        goto done;
    }
    /* a mixed result: keep only its polygonal parts */
    int np = empty ? 0 : GEOSGetNumGeometries_r(h, cut);
    if (type < 0 || np < 0 || (parts = calloc(np > 0 ? (size_t)np : 1, sizeof *parts)) == NULL)
        goto done;
    for (int k = 0; k < np; k++) {
        const GEOSGeometry *pt = GEOSGetGeometryN_r(h, cut, k);
        int t = pt ? GEOSGeomTypeId_r(h, pt) : -1;
        if (t < 0 || (t == GEOS_POLYGON && (parts[kept++] = GEOSGeom_clone_r(h, pt)) == NULL))
            goto done;
    }
    if (kept == 0) { /* nothing polygonal left inside: the whole cell */
        out = poly;
        poly = NULL;
        goto done;
    }
    out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, kept);
    kept = 0; /* GEOS owns the parts now, collection made or not */
done:
    for (unsigned k = 0; k < kept; k++)
        if (parts[k])
            GEOSGeom_destroy_r(h, parts[k]);
    free(parts);
    if (cut)
        GEOSGeom_destroy_r(h, cut);
    if (poly)
        GEOSGeom_destroy_r(h, poly);
    return out;
}

const char *rs_heat_district_name(const clip *c, int32_t d)
{
    if (c->d == NULL || d < 0 || (size_t)d >= rs_districts_count(c->d))
        return "";
    return rs_districts_name(c->d, (size_t)d);
}

/* Presence grids: gaps, minutes and vehicles instead of the speed columns. */
static void write_csv_presence(FILE *f, const rs_heat_grid *h, const clip *c, const rs_heat_out *o)
{
    fputs("cell_i,cell_j,x,y,district,gaps,presence_min,patrol_vehicles,value,withheld\n", f);
    for (size_t k = 0; k < h->ncells; k++) {
        const rs_heat_cell *cell = &h->cells[k];
        fprintf(f, "%lld,%lld,%.1f,%.1f,", (long long)cell->i, (long long)cell->j, cell->x, cell->y);
        rs_csv_put(f, rs_heat_district_name(c, cell->district));
        if (cell->withheld)
            fputs(",,,,,1\n", f);
        else
            fprintf(f, ",%u,%.2f,%u,%.2f,0\n", cell->pings, cell->presence_min, cell->vehicles,
                    rs_heat_cell_value(cell, o->metric));
    }
}

static int write_csv(rs_ctx *ctx, const rs_heat_grid *h, const clip *c, const rs_heat_out *o)
{
    char path[4096];
    snprintf(path, sizeof path, "%s.csv", o->prefix);
    rs_atomic a;
    int rc = rs_atomic_open(rs_ctx_err(ctx), &a, path);
    if (rc != 0)
        return rc;
    FILE *f = a.f;
    if (rs_metric_is_presence(o->metric)) {
        write_csv_presence(f, h, c, o);
        return rs_atomic_close(rs_ctx_err(ctx), &a, 1);
    }
    fputs("cell_i,cell_j,x,y,district,pings,speeding,over_threshold,share_speeding,share_over,"
          "mean_excess_mph,p85_mph,value,withheld\n",
          f);
    for (size_t k = 0; k < h->ncells; k++) {
        const rs_heat_cell *cell = &h->cells[k];
        fprintf(f, "%lld,%lld,%.1f,%.1f,", (long long)cell->i, (long long)cell->j, cell->x, cell->y);
        rs_csv_put(f, rs_heat_district_name(c, cell->district));
        if (cell->withheld) {
            fputs(",,,,,,,,,1\n", f);
            continue;
        }
        char ss[32], so[32], me[32], p85[32], val[32];
        rs_fmt_fixed(ss, sizeof ss, rs_heat_cell_value(cell, RS_METRIC_SHARE_SPEEDING), 2);
        rs_fmt_fixed(so, sizeof so, rs_heat_cell_value(cell, RS_METRIC_SHARE_OVER), 2);
        rs_fmt_fixed(me, sizeof me, cell->mean_excess, 2);
        rs_fmt_fixed(p85, sizeof p85, cell->p85, 2);
        rs_fmt_fixed(val, sizeof val, rs_heat_cell_value(cell, o->metric), 2);
        fprintf(f, ",%u,%u,%u,%s,%s,%s,%s,%s,0\n", cell->pings, cell->speeding, cell->over, ss,
                so, me, p85, val);
    }
    return rs_atomic_close(rs_ctx_err(ctx), &a, 1);
}

static int write_shp(rs_ctx *ctx, const rs_heat_grid *h, const clip *c, const rs_heat_out *o)
{
    static const rs_shp_field fields[] = {
        {"CELL_I", RS_FIELD_INT, 0},    {"CELL_J", RS_FIELD_INT, 0},
        {"DISTRICT", RS_FIELD_TEXT, 0}, {"PINGS", RS_FIELD_INT, 0},
        {"SPEEDING", RS_FIELD_INT, 0},  {"OVER_THR", RS_FIELD_INT, 0},
        {"SHR_SPEED", RS_FIELD_REAL, 2}, {"SHR_OVER", RS_FIELD_REAL, 2},
        {"MEAN_EXC", RS_FIELD_REAL, 2}, {"P85", RS_FIELD_REAL, 2},
        {"VALUE", RS_FIELD_REAL, 2},    {"WITHHELD", RS_FIELD_INT, 0},
    };
    static const rs_shp_field pfields[] = {
        {"CELL_I", RS_FIELD_INT, 0},    {"CELL_J", RS_FIELD_INT, 0},
        {"DISTRICT", RS_FIELD_TEXT, 0}, {"GAPS", RS_FIELD_INT, 0},
        {"PRES_MIN", RS_FIELD_REAL, 2}, {"VEHICLES", RS_FIELD_INT, 0},
        {"VALUE", RS_FIELD_REAL, 2},    {"WITHHELD", RS_FIELD_INT, 0},
    };
    int presence = rs_metric_is_presence(o->metric);
    rs_geo *g = rs_ctx_geo(ctx);
    rs_shpout *w = NULL;
    int rc = presence ? rs_shpout_new(g, o->prefix, RS_SHP_POLYGONS, 27700, pfields,
                                      sizeof pfields / sizeof pfields[0], &w)
                      : rs_shpout_new(g, o->prefix, RS_SHP_POLYGONS, 27700, fields,
                                      sizeof fields / sizeof fields[0], &w);
    if (rc != 0)
        return rc;
    for (size_t k = 0; k < h->ncells; k++) {
        const rs_heat_cell *cell = &h->cells[k];
        GEOSGeometry *geom = rs_heat_cell_geom(g, &h->grid, cell, c);
        if (geom == NULL) {
            rs_shpout_abort(w);
            return rs_geo_fail(g, RS_ERR, "cell polygon");
        }
        char ci[24], cj[24], p[16], s[16], ov[16], ss[32], so[32], me[32], p85[32], val[32];
        snprintf(ci, sizeof ci, "%lld", (long long)cell->i);
        snprintf(cj, sizeof cj, "%lld", (long long)cell->j);
        int wh = cell->withheld;
        snprintf(p, sizeof p, "%u", cell->pings);
        snprintf(s, sizeof s, "%u", cell->speeding);
        snprintf(ov, sizeof ov, "%u", cell->over);
        rs_fmt_fixed(ss, sizeof ss, rs_heat_cell_value(cell, RS_METRIC_SHARE_SPEEDING), 2);
        rs_fmt_fixed(so, sizeof so, rs_heat_cell_value(cell, RS_METRIC_SHARE_OVER), 2);
        rs_fmt_fixed(me, sizeof me, wh ? NAN : cell->mean_excess, 2);
        rs_fmt_fixed(p85, sizeof p85, wh ? NAN : cell->p85, 2);
        rs_fmt_fixed(val, sizeof val, rs_heat_cell_value(cell, o->metric), 2);
        const char *vals[] = {ci, cj, rs_heat_district_name(c, cell->district), wh ? "" : p, wh ? "" : s,
                              wh ? "" : ov, ss, so, me, p85, val, wh ? "1" : "0"};
        if (presence) { /* GAPS, PRES_MIN, VEHICLES, VALUE, WITHHELD */
            snprintf(s, sizeof s, "%u", cell->vehicles);
            rs_fmt_fixed(me, sizeof me, wh ? NAN : cell->presence_min, 2);
            vals[4] = wh ? "" : me;
            vals[5] = wh ? "" : s;
            vals[6] = val;
            vals[7] = vals[11];
        }
        rc = rs_shpout_add(w, geom, vals);
        GEOSGeom_destroy_r(rs_geo_geos(g), geom);
        if (rc != 0) {
            rs_shpout_abort(w);
            return rc;
        }
    }
    return rs_shpout_commit(w);
}

/* The map's title in plain words (the metric's internal name is in the
 * CSV and the layer, not in what a community reads). */
static const char *plain_title(rs_metric m)
{
    switch (m) {
    case RS_METRIC_PINGS: return "Where the traffic is: connected-vehicle pings";
    case RS_METRIC_SPEEDING: return "Where drivers speed: pings over the speed limit";
    case RS_METRIC_OVER: return "Where drivers speed: pings at or over the enforcement threshold";
    case RS_METRIC_SHARE_SPEEDING: return "Where drivers speed: share of pings over the limit";
    case RS_METRIC_SHARE_OVER:
        return "Where drivers speed: share of pings at or over the enforcement threshold";
    case RS_METRIC_P85: return "How fast traffic goes: 85th percentile speed";
    case RS_METRIC_MEAN_EXCESS: return "How far over the limit: mean excess of speeding pings";
    case RS_METRIC_PRESENCE: return "Policing footprint: minutes of patrol presence";
    case RS_METRIC_PATROL_VEHICLES: return "Policing footprint: patrol vehicles seen";
    }
    return "Heat map";
}

static const char *default_title(const clip *c, int district, rs_metric metric, char *buf,
                                 size_t size)
{
    snprintf(buf, size, "%s, %s", plain_title(metric),
             district >= 0 ? rs_heat_district_name(c, district) : "all districts");
    return buf;
}

static int cmp_dbl(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

double rs_heat_scale_top(const double *v, size_t n, double q)
{
    double *s = NULL;
    size_t k = 0;
    if (n == 0 || (s = malloc(n * sizeof *s)) == NULL)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]) && v[i] > 0)
            s[k++] = v[i];
    double top = 0;
    if (k > 0) {
        qsort(s, k, sizeof *s, cmp_dbl);
        size_t rank = (size_t)ceil(q * (double)k); /* nearest rank, 1-based */
        if (rank < 1)
            rank = 1;
        if (rank > k)
            rank = k;
        top = s[rank - 1] < s[k - 1] ? s[rank - 1] : 0; /* 0: nothing to cap */
    }
    free(s);
    return top;
}

/* The legend's top: --scale-max when given, else the cap at the
 * RS_HEAT_SCALE_Q quantile of the drawn values when it is below the
 * largest (one hot spot would otherwise leave every other cell dark), else
 * the data's own maximum (0).  *capped says whether the cap applies. */
/* The legend's unit line, saying where the colours top out when capped. */
static void legend_words(char *buf, size_t size, const char *label, int capped, const char *what)
{
    if (capped)
        snprintf(buf, size, "%s (top colour: the highest %g%% of %s)", label,
                 100 * (1 - RS_HEAT_SCALE_Q), what);
    else
        snprintf(buf, size, "%s", label);
}

static double legend_top(const rs_heat_out *o, const double *v, size_t n, int *capped)
{
    *capped = 0;
    if (o->scale_max > 0)
        return o->scale_max;
    double top = rs_heat_scale_top(v, n, RS_HEAT_SCALE_Q);
    *capped = top > 0;
    return top;
}

/* The context layers, then the no-data line when there is nothing to map. */
static int add_extras(rs_map *m, const rs_heat_out *o, int empty)
{
    for (size_t k = 0; k < o->ncontext; k++) {
        int rc = rs_map_context(m, o->context[k]);
        if (rc != 0)
            return rc;
    }
    if (o->note)
        return rs_map_note(m, o->note);
    if (empty)
        return rs_map_note(m, rs_metric_is_presence(o->metric) ? RS_HEAT_NO_FLEET
                                                               : RS_HEAT_NO_PINGS);
    return 0;
}

static int write_grid(rs_ctx *ctx, const rs_heat_grid *h, const rs_heat_out *o);
static int write_kde(rs_ctx *ctx, const rs_raster *r, const char *legend_label,
                     const rs_heat_out *o);

/* The files of one heat map are one set: they appear together (atomic.h). */
int rs_heat_write_grid(rs_ctx *ctx, const rs_heat_grid *h, const rs_heat_out *o)
{
    rs_atomic_set_begin(rs_ctx_err(ctx));
    int rc = write_grid(ctx, h, o);
    if (rc == 0)
        return rs_atomic_set_commit(rs_ctx_err(ctx));
    rs_atomic_set_abort();
    return rc;
}

int rs_heat_write_kde(rs_ctx *ctx, const rs_raster *r, const char *legend_label,
                      const rs_heat_out *o)
{
    rs_atomic_set_begin(rs_ctx_err(ctx));
    int rc = write_kde(ctx, r, legend_label, o);
    if (rc == 0)
        return rs_atomic_set_commit(rs_ctx_err(ctx));
    rs_atomic_set_abort();
    return rc;
}

static int write_grid(rs_ctx *ctx, const rs_heat_grid *h, const rs_heat_out *o)
{
    clip c;
    rs_map *m = NULL;
    int rc = rs_heat_clip_init(ctx, o->district, &c);
    if (rc != 0)
        goto done;
    if ((rc = write_csv(ctx, h, &c, o)) != 0 || (rc = write_shp(ctx, h, &c, o)) != 0)
        goto done;
    char title[256], legend[256];
    const char *attribution = o->attribution              ? o->attribution
                              : rs_metric_is_presence(o->metric) ? PRESENCE_ATTRIBUTION
                                                                 : DEFAULT_ATTRIBUTION;
    double *vals = malloc((h->ncells ? h->ncells : 1) * sizeof *vals);
    if (vals == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (map scale)");
        goto done;
    }
    for (size_t k = 0; k < h->ncells; k++)
        vals[k] = rs_heat_cell_value(&h->cells[k], o->metric);
    int capped;
    double top = legend_top(o, vals, h->ncells, &capped);
    free(vals);
    legend_words(legend, sizeof legend, rs_metric_label(o->metric), capped, "cells");
    rs_map_opts mo = {0, o->title ? o->title : default_title(&c, o->district, o->metric, title, sizeof title),
                      o->subtitle, legend, attribution, top, o->print_mm};
    double x0 = c.xmin, y0 = c.ymin, x1 = c.xmax, y1 = c.ymax;
    if (c.area == NULL) { /* no districts: the cells' extent */
        x0 = y0 = INFINITY;
        x1 = y1 = -INFINITY;
        for (size_t k = 0; k < h->ncells; k++) {
            x0 = fmin(x0, h->cells[k].x - h->grid.size);
            x1 = fmax(x1, h->cells[k].x + h->grid.size);
            y0 = fmin(y0, h->cells[k].y - h->grid.size);
            y1 = fmax(y1, h->cells[k].y + h->grid.size);
        }
        if (h->ncells == 0)
            x0 = y0 = 0, x1 = y1 = 1000;
    }
    m = rs_map_new(ctx, x0, y0, x1, y1, &mo);
    if (m == NULL) {
        rc = rs_ctx_err(ctx)->code ? rs_ctx_err(ctx)->code : RS_ERR;
        goto done;
    }
    rs_geo *g = rs_ctx_geo(ctx);
    for (size_t k = 0; k < h->ncells; k++) {
        double v = rs_heat_cell_value(&h->cells[k], o->metric);
        int withheld = h->cells[k].withheld != 0;
        if (isnan(v) && !withheld)
            continue;
        GEOSGeometry *geom = rs_heat_cell_geom(g, &h->grid, &h->cells[k], &c);
        if (geom == NULL) {
            rc = rs_geo_fail(g, RS_ERR, "cell polygon");
            goto done;
        }
        rc = withheld ? rs_map_withheld(m, geom, o->withheld) : rs_map_fill(m, geom, v);
        GEOSGeom_destroy_r(rs_geo_geos(g), geom);
        if (rc != 0)
            goto done;
    }
    if (c.d && (rc = rs_map_districts(m, c.d, 1)) != 0)
        goto done;
    if ((rc = add_extras(m, o, h->pings == 0)) != 0)
        goto done;
    char png[4096];
    snprintf(png, sizeof png, "%s.png", o->prefix);
    rc = rs_map_write_png(m, png);
done:
    rs_map_free(m);
    rs_heat_clip_free(rs_ctx_geo(ctx), &c);
    return rc;
}

static int write_kde(rs_ctx *ctx, const rs_raster *r, const char *legend_label,
                     const rs_heat_out *o)
{
    clip c;
    rs_map *m = NULL;
    char path[4096];
    int rc = rs_heat_clip_init(ctx, o->district, &c);
    if (rc != 0)
        goto done;
    snprintf(path, sizeof path, "%s.asc", o->prefix);
    if ((rc = rs_raster_write_asc(rs_ctx_geo(ctx), r, path, 27700, 10)) != 0)
        goto done;
    char title[256];
    snprintf(title, sizeof title, "%s, %s",
             o->metric == RS_METRIC_PINGS      ? "Traffic density (telematics pings)"
             : o->metric == RS_METRIC_SPEEDING ? "Density of speeding pings"
             : o->metric == RS_METRIC_PRESENCE ? "Density of patrol presence (minutes)"
                                               : "Density of pings over the enforcement threshold",
             o->district >= 0 ? rs_heat_district_name(&c, o->district) : "all districts");
    size_t npx = r->cols * r->rows;
    int capped;
    double top = legend_top(o, r->v, npx, &capped);
    char legend[256];
    legend_words(legend, sizeof legend, legend_label, capped, "pixels");
    rs_map_opts mo = {0, o->title ? o->title : title, o->subtitle, legend,
                      o->attribution                         ? o->attribution
                      : o->metric == RS_METRIC_PRESENCE ? PRESENCE_ATTRIBUTION
                                                        : DEFAULT_ATTRIBUTION,
                      top, o->print_mm};
    double x0 = r->x0, y0 = r->y0, x1 = r->x0 + (double)r->cols * r->pixel,
           y1 = r->y0 + (double)r->rows * r->pixel;
    if (c.area) {
        x0 = c.xmin;
        y0 = c.ymin;
        x1 = c.xmax;
        y1 = c.ymax;
    }
    m = rs_map_new(ctx, x0, y0, x1, y1, &mo);
    if (m == NULL) {
        rc = rs_ctx_err(ctx)->code ? rs_ctx_err(ctx)->code : RS_ERR;
        goto done;
    }
    if ((rc = rs_map_raster(m, r)) != 0 || (c.d && (rc = rs_map_districts(m, c.d, 1)) != 0) ||
        (rc = add_extras(m, o, 0)) != 0)
        goto done;
    snprintf(path, sizeof path, "%s.png", o->prefix);
    rc = rs_map_write_png(m, path);
done:
    rs_map_free(m);
    rs_heat_clip_free(rs_ctx_geo(ctx), &c);
    return rc;
}
