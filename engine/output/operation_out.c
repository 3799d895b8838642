/*
 * operation_out.c — the community map of a weekend operation: the
 * operation's presence grid clipped to the district with GEOS, detection
 * sites, boundaries, legend (see operation_out.h).
 */
#include "operation_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "periods.h"
#include "store.h"
#include "timeutil.h"

/* ---- the community map ----------------------------------------------------------------- */

/* Cell (i, j) clipped to the district (new geometry), or NULL when
 * nothing of it is inside or on failure (*failed set). */
static GEOSGeometry *clipped_cell(GEOSContextHandle_t h, const rs_grid *g, int64_t i, int64_t j,
                                  const GEOSGeometry *area, const GEOSPreparedGeometry *prep,
                                  int *failed)
{
    double xs[7], ys[7];
    int n;
    rs_grid_ring(g, i, j, xs, ys, &n);
    GEOSCoordSequence *seq = GEOSCoordSeq_create_r(h, (unsigned)n, 2);
    for (int k = 0; seq && k < n; k++)
        GEOSCoordSeq_setXY_r(h, seq, (unsigned)k, xs[k], ys[k]);
    GEOSGeometry *ring = seq ? GEOSGeom_createLinearRing_r(h, seq) : NULL;
    GEOSGeometry *poly = ring ? GEOSGeom_createPolygon_r(h, ring, NULL, 0) : NULL;
    if (poly == NULL) {
        *failed = 1;
        return NULL;
    }
    char inside = GEOSPreparedContains_r(h, prep, poly);
    if (inside == 1)
        return poly;
    char touches = inside == 0 ? GEOSPreparedIntersects_r(h, prep, poly) : 2;
    GEOSGeometry *cut = touches == 1 ? GEOSIntersection_r(h, poly, area) : NULL;
    GEOSGeom_destroy_r(h, poly);
    if (inside == 2 || touches == 2 || (touches == 1 && cut == NULL)) {
        *failed = 1;
        return NULL;
    }
    if (cut == NULL)
        return NULL;
    int type = GEOSGeomTypeId_r(h, cut);
    char empty = GEOSisEmpty_r(h, cut);
    if (empty == 2 || type == -1) { /* GEOS failed: not "nothing inside" */
        GEOSGeom_destroy_r(h, cut);
        *failed = 1;
        return NULL;
    }
    if (empty == 1 || (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON)) {
        /* empty, or a sliver that degenerated to lines or a mixed
         * collection: nothing worth colouring */
        GEOSGeom_destroy_r(h, cut);
        return NULL;
    }
    return cut;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* *top = the 90th percentile of the minutes of cells whose centre is in
 * the district (0, "from the data", when there are fewer than 10).  0, or
 * -1 when GEOS failed (a point not made, a predicate answering 2). */
static int scale_top(const rs_presence *p, const GEOSGeometry *area, GEOSContextHandle_t h,
                     double *top)
{
    double *v = p && p->ncells ? malloc(p->ncells * sizeof *v) : NULL;
    size_t n = 0;
    int failed = 0;
    *top = 0;
    for (size_t k = 0; v && k < p->ncells && !failed; k++) {
        if (!(p->cells[k].minutes > 0))
            continue;
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, p->cells[k].x, p->cells[k].y);
        char in = pt ? GEOSIntersects_r(h, area, pt) : 2;
        if (in == 1)
            v[n++] = p->cells[k].minutes;
        failed = in == 2;
        if (pt)
            GEOSGeom_destroy_r(h, pt);
    }
    if (!failed && n >= 10) {
        qsort(v, n, sizeof *v, cmp_double);
        *top = v[(size_t)floor(0.9 * (double)(n - 1))];
    }
    free(v);
    return failed ? -1 : 0;
}

static void day_label(int64_t t, char *buf, size_t size, int with_year)
{
    static const char *const wd[] = {"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    rs_tm tm;
    rs_time_london(t, &tm);
    if (with_year)
        snprintf(buf, size, "%s %d %s %d %02d:%02d", wd[tm.wday], tm.day, rs_month_abbr(tm.month),
                 tm.year, tm.hour, tm.minute);
    else
        snprintf(buf, size, "%s %d %s %02d:%02d", wd[tm.wday], tm.day, rs_month_abbr(tm.month),
                 tm.hour, tm.minute);
}

int rs_operation_map(rs_ctx *ctx, const rs_op_result *r, const rs_op_opts *o,
                     const rs_context_layer *const *context, size_t ncontext, const char *path)
{
    rs_districts *d = NULL;
    rs_map *m = NULL;
    GEOSContextHandle_t h = rs_geo_geos(rs_ctx_geo(ctx));
    const GEOSPreparedGeometry *prep = NULL;
    double *px = NULL, *py = NULL;
    int rc = rs_store_districts_read(ctx, &d);
    if (rc != 0)
        return rc;
    if (d == NULL || (size_t)r->district >= rs_districts_count(d)) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOTFOUND, "no district %d for the map", r->district);
        goto done;
    }
    const GEOSGeometry *area = rs_districts_geom(d, (size_t)r->district);
    double x0, y0, x1, y1;
    if (GEOSGeom_getXMin_r(h, area, &x0) != 1 || GEOSGeom_getYMin_r(h, area, &y0) != 1 ||
        GEOSGeom_getXMax_r(h, area, &x1) != 1 || GEOSGeom_getYMax_r(h, area, &y1) != 1 ||
        (prep = GEOSPrepare_r(h, area)) == NULL) {
        rc = rs_geo_fail(rs_ctx_geo(ctx), RS_ERR, "district outline for the map");
        goto done;
    }
    const rs_op_weekend *w = &r->weekends[0];
    const char *name = rs_districts_name(d, (size_t)r->district);
    char title[256], sub[512], a[64], b[64], legend[96], attribution[320], sat[48];
    day_label(w->from, a, sizeof a, 1);
    day_label(w->to - 60, b, sizeof b, 0);
    uint64_t trucam = w->by_device[0];
    rs_day_words(w->saturday, sat, sizeof sat);
    snprintf(title, sizeof title, "Policing footprint: %s, weekend of Saturday %s", name, sat);
    snprintf(sub, sizeof sub,
             "%s to %s UK time; %.1f patrol hours by %u vehicles, %.0f km; %llu detections "
             "(%llu TRUCAM) at %zu site%s",
             a, b, w->patrol_minutes / 60, w->vehicles, w->km, (unsigned long long)w->detections,
             (unsigned long long)trucam, r->nsites, r->nsites == 1 ? "" : "s");
    snprintf(legend, sizeof legend, "minutes of patrol presence per %g m cell", o->hot_size);
    snprintf(attribution, sizeof attribution,
             "Patrol presence from the force's fleet telematics (gaps between pings over %lld "
             "min counted as %lld min). Sites from enforcement detections. Made with roadsafe.",
             (long long)(o->cap / 60), (long long)(o->cap / 60));
    /* Parked cars pile hundreds of minutes into a few cells; the colour
     * scale tops out at the 90th percentile of the cells so the routes
     * driven stay readable (the legend marks the top as "at least"). */
    double top;
    if (scale_top(r->presence, area, h, &top) != 0) {
        rc = rs_geo_fail(rs_ctx_geo(ctx), RS_ERR, "presence cells for the map's scale");
        goto done;
    }
    rs_map_opts mo = {0, title, sub, legend, attribution, top, 0};
    if ((m = rs_map_new(ctx, x0, y0, x1, y1, &mo)) == NULL) {
        rc = rs_ctx_err(ctx)->code ? rs_ctx_err(ctx)->code : RS_ERR;
        goto done;
    }
    const rs_presence *p = r->presence;
    for (size_t k = 0; p && k < p->ncells; k++) {
        if (!(p->cells[k].minutes > 0))
            continue;
        int failed = 0;
        GEOSGeometry *cell = clipped_cell(h, &p->grid, p->cells[k].i, p->cells[k].j, area, prep,
                                          &failed);
        if (failed) {
            rc = rs_geo_fail(rs_ctx_geo(ctx), RS_ERR, "presence cell for the map");
            goto done;
        }
        if (cell == NULL)
            continue;
        rc = rs_map_fill(m, cell, p->cells[k].minutes);
        GEOSGeom_destroy_r(h, cell);
        if (rc != 0)
            goto done;
    }
    if ((rc = rs_map_districts(m, d, 1)) != 0)
        goto done;
    for (size_t k = 0; k < ncontext; k++)
        if ((rc = rs_map_context(m, context[k])) != 0)
            goto done;
    px = malloc((r->nsites ? r->nsites : 1) * sizeof *px);
    py = malloc((r->nsites ? r->nsites : 1) * sizeof *py);
    if (px == NULL || py == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (map)");
        goto done;
    }
    /* TRUCAM sites, then every other device: both layers always, so each
     * keeps its marker colour from map to map */
    for (int pass = 0; pass < 2; pass++) {
        size_t n = 0;
        for (size_t k = 0; k < r->nsites; k++)
            if ((strcmp(r->sites[k].device_type, "TRUCAM") == 0) == (pass == 0)) {
                px[n] = r->sites[k].e;
                py[n++] = r->sites[k].n;
            }
        char label[96];
        snprintf(label, sizeof label, "%s (%zu)",
                 pass == 0 ? "TRUCAM sites" : "other camera sites", n);
        if ((rc = rs_map_points(m, n, px, py, label)) != 0)
            goto done;
    }
    rc = rs_map_write_png(m, path);
done:
    free(px);
    free(py);
    rs_map_free(m);
    if (prep)
        GEOSPreparedGeom_destroy_r(h, prep);
    rs_districts_free(d);
    return rc;
}

