/*
 * county.c — the synthetic county: an irregular outline over real Essex
 * ground (British National Grid, E 546000-624000, N 171000-244000) cut into
 * 14 districts by a GEOS Voronoi diagram of 14 seeded points, each cell
 * clipped to the outline.
 *
 * What: the outline is a star-shaped ring around (585000, 207500), an
 * ellipse roughened by a few seeded harmonics, so it is always a simple
 * polygon.  Eleven seeds are spread at least ~13 km apart and three
 * "urban" seeds sit 5-7 km from one of them, which gives a realistic mix of
 * large rural districts and small town districts (Harlow-like to
 * Uttlesford-like).  Every clipped cell must be valid (GEOSisValid_r) and
 * at least 25 km²; a layout that fails the size test is redrawn.
 *
 * Data structure: gen_county (outline ring + 14 gen_district holding their
 * rings as flat x/y arrays, outer rings clockwise) and an even-odd
 * point-in-polygon over those rings with a bounding-box test first.
 * Workload: built once (milliseconds); point location is called some
 * hundred thousand times per run.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static const char *const district_names[] = {
    "Harrowfield",    "Marsh Vale",    "Coldmere",      "Ashwick",        "Brackenford",
    "Wexley Cross",   "Saltings Hundred", "Fenhallow",  "Kingsmoor",      "Oakhurst Green",
    "Redbrook",       "Thistlebury",   "Elderwick",     "Crowhaven",      "Hollins End",
    "Brightwater",    "Longmead",      "Sheldon Forest", "Wickham Reach", "Dunmere",
    "Cressingford",   "Pelham Heath",  "Ravensmoor",    "Stourwick",      "Greyfriars Vale",
};
#define NNAMES ((int)(sizeof district_names / sizeof district_names[0]))

#define CX 585000.0
#define CY 207500.0
#define XMIN 546000.0
#define XMAX 624000.0
#define YMIN 171000.0
#define YMAX 244000.0
#define OUTLINE_N 180

static double ring_signed_area(const double *x, const double *y, int n)
{
    double a = 0;
    for (int i = 0; i + 1 < n; i++)
        a += x[i] * y[i + 1] - x[i + 1] * y[i];
    return a / 2;
}

static void ring_reverse(double *x, double *y, int n)
{
    for (int i = 0, j = n - 1; i < j; i++, j--) {
        double t = x[i];
        x[i] = x[j];
        x[j] = t;
        t = y[i];
        y[i] = y[j];
        y[j] = t;
    }
}

/* Even-odd test of one closed ring. */
static int ring_contains(const double *x, const double *y, int n, double px, double py)
{
    int in = 0;
    for (int i = 0, j = n - 2; i < n - 1; j = i++) {
        if ((y[i] > py) != (y[j] > py) &&
            px < (x[j] - x[i]) * (py - y[i]) / (y[j] - y[i]) + x[i])
            in = !in;
    }
    return in;
}

int gen_county_inside(const gen_county *c, double x, double y)
{
    if (x < c->minx || x > c->maxx || y < c->miny || y > c->maxy)
        return 0;
    return ring_contains(c->ox, c->oy, c->on, x, y);
}

int gen_county_locate(const gen_county *c, double x, double y)
{
    for (int k = 0; k < GEN_NDISTRICTS; k++) {
        const gen_district *d = &c->d[k];
        if (x < d->minx || x > d->maxx || y < d->miny || y > d->maxy)
            continue;
        int in = 0;
        for (int r = 0; r < d->nrings; r++) {
            int a = d->ring_start[r], b = d->ring_start[r + 1];
            if (ring_contains(d->x + a, d->y + a, b - a, x, y))
                in = !in;
        }
        if (in)
            return k;
    }
    return -1;
}

/* Wraps an angle difference into [-pi, pi]. */
static double angle_diff(double a, double b)
{
    double d = fmod(a - b, 2 * GEN_PI);
    if (d > GEN_PI)
        d -= 2 * GEN_PI;
    if (d < -GEN_PI)
        d += 2 * GEN_PI;
    return d;
}

static int outline_build(gen_world *w, gen_rng *r)
{
    gen_county *c = &w->county;
    double amp[13], ph[13];
    for (int k = 2; k < 13; k++) {
        amp[k] = gen_rng_range(r, 0.3, 1.0) * 0.11 / pow(k, 0.9);
        ph[k] = gen_rng_range(r, 0, 2 * GEN_PI);
    }
    /* Two or three estuaries cut into the east and south-east coast. */
    int nnotch = 2 + (int)gen_rng_below(r, 2);
    double nth[3], ndepth[3], nwidth[3];
    for (int i = 0; i < nnotch; i++) {
        nth[i] = gen_rng_range(r, -1.1, 0.6);
        ndepth[i] = gen_rng_range(r, 0.12, 0.25);
        nwidth[i] = gen_rng_range(r, 0.035, 0.07);
    }
    c->on = OUTLINE_N + 1;
    c->ox = malloc(sizeof(double) * (size_t)c->on);
    c->oy = malloc(sizeof(double) * (size_t)c->on);
    if (c->ox == NULL || c->oy == NULL)
        return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
    const double a = 35500, b = 32000;
    for (int i = 0; i < OUTLINE_N; i++) {
        double th = 2 * GEN_PI * i / OUTLINE_N;
        double ct = cos(th), st = sin(th);
        double base = a * b / sqrt((b * ct) * (b * ct) + (a * st) * (a * st));
        double f = 1.0 + 0.008 * gen_rng_normal(r);
        for (int k = 2; k < 13; k++)
            f += amp[k] * sin(k * th + ph[k]);
        for (int k = 0; k < nnotch; k++) {
            double d = angle_diff(th, nth[k]) / nwidth[k];
            f *= 1 - ndepth[k] * exp(-d * d);
        }
        if (f < 0.62)
            f = 0.62;
        if (f > 1.3)
            f = 1.3;
        double rad = base * f;
        /* Stay inside the box over real Essex ground. */
        if (ct > 1e-9 && CX + rad * ct > XMAX)
            rad = (XMAX - CX) / ct;
        if (ct < -1e-9 && CX + rad * ct < XMIN)
            rad = (XMIN - CX) / ct;
        if (st > 1e-9 && CY + rad * st > YMAX)
            rad = (YMAX - CY) / st;
        if (st < -1e-9 && CY + rad * st < YMIN)
            rad = (YMIN - CY) / st;
        c->ox[i] = floor(CX + rad * ct + 0.5);
        c->oy[i] = floor(CY + rad * st + 0.5);
    }
    c->ox[OUTLINE_N] = c->ox[0];
    c->oy[OUTLINE_N] = c->oy[0];
    if (ring_signed_area(c->ox, c->oy, c->on) > 0)
        ring_reverse(c->ox, c->oy, c->on);
    c->minx = c->maxx = c->ox[0];
    c->miny = c->maxy = c->oy[0];
    for (int i = 1; i < c->on; i++) {
        c->minx = fmin(c->minx, c->ox[i]);
        c->maxx = fmax(c->maxx, c->ox[i]);
        c->miny = fmin(c->miny, c->oy[i]);
        c->maxy = fmax(c->maxy, c->oy[i]);
    }
    return RS_OK;
}

static double outline_dist(const gen_county *c, double x, double y);

/* A roadless island (saltmarsh, like Mersea or Foulness) just off the east
 * coast, so that some district is multipart.  None when no spot fits. */
static int island_build(gen_world *w, gen_rng *r)
{
    gen_county *c = &w->county;
    enum { NI = 16 };
    for (int attempt = 0; attempt < 60; attempt++) {
        double th = gen_rng_range(r, -0.9, 0.5), ri = gen_rng_range(r, 1300, 2300);
        /* Outline radius in that direction: walk out until outside. */
        double rad = 5000;
        while (rad < 60000 && gen_county_inside(c, CX + rad * cos(th), CY + rad * sin(th)))
            rad += 200;
        double ix = CX + (rad + 1000 + ri) * cos(th), iy = CY + (rad + 1000 + ri) * sin(th);
        double xs[NI + 1], ys[NI + 1];
        double ph = gen_rng_range(r, 0, 2 * GEN_PI);
        int ok = 1;
        for (int i = 0; i < NI && ok; i++) {
            double a = -2 * GEN_PI * i / NI; /* clockwise */
            double rr = ri * (1 + 0.18 * sin(3 * a + ph) + 0.05 * gen_rng_normal(r));
            xs[i] = floor(ix + rr * cos(a) + 0.5);
            ys[i] = floor(iy + rr * sin(a) + 0.5);
            ok = xs[i] > XMIN && xs[i] < XMAX && ys[i] > YMIN && ys[i] < YMAX &&
                 !gen_county_inside(c, xs[i], ys[i]) && outline_dist(c, xs[i], ys[i]) > 400;
        }
        if (!ok)
            continue;
        xs[NI] = xs[0];
        ys[NI] = ys[0];
        c->in = NI + 1;
        c->ix = malloc(sizeof(double) * (size_t)c->in);
        c->iy = malloc(sizeof(double) * (size_t)c->in);
        if (c->ix == NULL || c->iy == NULL)
            return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
        memcpy(c->ix, xs, sizeof xs);
        memcpy(c->iy, ys, sizeof ys);
        return RS_OK;
    }
    return RS_OK;
}

/* Distance from (x, y) to the outline, metres. */
static double outline_dist(const gen_county *c, double x, double y)
{
    double best = 1e300;
    for (int i = 0; i + 1 < c->on; i++) {
        double ax = c->ox[i], ay = c->oy[i], bx = c->ox[i + 1], by = c->oy[i + 1];
        double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
        double t = l2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / l2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        double ex = ax + t * dx - x, ey = ay + t * dy - y;
        best = fmin(best, ex * ex + ey * ey);
    }
    return sqrt(best);
}

/* 11 well-spread seeds and 3 satellites.  Returns 0, or -1 if the outline
 * could not take them (the caller redraws). */
static int seeds_draw(const gen_county *c, gen_rng *r, double *sx, double *sy)
{
    int n = 0;
    double dmin = 14000;
    int tries = 0;
    while (n < 11) {
        double x = gen_rng_range(r, c->minx, c->maxx), y = gen_rng_range(r, c->miny, c->maxy);
        if (++tries % 3000 == 0)
            dmin *= 0.93;
        if (tries > 200000)
            return -1;
        if (!gen_county_inside(c, x, y) || outline_dist(c, x, y) < 4000)
            continue;
        int ok = 1;
        for (int i = 0; i < n && ok; i++)
            ok = hypot(x - sx[i], y - sy[i]) >= dmin;
        if (ok) {
            sx[n] = floor(x + 0.5);
            sy[n] = floor(y + 0.5);
            n++;
        }
    }
    while (n < GEN_NDISTRICTS) {
        if (++tries > 400000)
            return -1;
        int host = (int)gen_rng_below(r, 11);
        double ang = gen_rng_range(r, 0, 2 * GEN_PI), dist = gen_rng_range(r, 5000, 7000);
        double x = sx[host] + dist * cos(ang), y = sy[host] + dist * sin(ang);
        if (!gen_county_inside(c, x, y) || outline_dist(c, x, y) < 2500)
            continue;
        int ok = 1;
        for (int i = 0; i < n && ok; i++)
            ok = hypot(x - sx[i], y - sy[i]) >= 4800;
        if (ok) {
            sx[n] = floor(x + 0.5);
            sy[n] = floor(y + 0.5);
            n++;
        }
    }
    return 0;
}

static GEOSGeometry *ring_to_polygon(GEOSContextHandle_t h, const double *x, const double *y, int n)
{
    GEOSCoordSequence *seq = GEOSCoordSeq_create_r(h, (unsigned)n, 2);
    if (seq == NULL)
        return NULL;
    for (int i = 0; i < n; i++)
        if (!GEOSCoordSeq_setXY_r(h, seq, (unsigned)i, x[i], y[i])) {
            GEOSCoordSeq_destroy_r(h, seq);
            return NULL;
        }
    GEOSGeometry *shell = GEOSGeom_createLinearRing_r(h, seq);
    if (shell == NULL)
        return NULL;
    return GEOSGeom_createPolygon_r(h, shell, NULL, 0);
}

static void district_clear(gen_district *d)
{
    free(d->x);
    free(d->y);
    free(d->ring_start);
    d->x = d->y = NULL;
    d->ring_start = NULL;
    d->npoints = d->nrings = 0;
}

/* Appends one ring of a GEOS polygon to d, oriented clockwise when outer. */
static int district_add_ring(gen_world *w, gen_district *d, const GEOSGeometry *ring, int outer)
{
    GEOSContextHandle_t h = rs_geo_geos(w->geo);
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned n = 0;
    if (seq == NULL || !GEOSCoordSeq_getSize_r(h, seq, &n))
        return rs_geo_fail(w->geo, RS_ERR, "GEOS ring coordinates");
    if (n < 4)
        return rs_err_set(gen_err(w), RS_ERR, "district %s: degenerate ring", d->name);
    double *nx = realloc(d->x, sizeof(double) * (size_t)(d->npoints + (int)n));
    if (nx)
        d->x = nx;
    double *ny = realloc(d->y, sizeof(double) * (size_t)(d->npoints + (int)n));
    if (ny)
        d->y = ny;
    int *rs = realloc(d->ring_start, sizeof(int) * (size_t)(d->nrings + 2));
    if (rs)
        d->ring_start = rs;
    if (nx == NULL || ny == NULL || rs == NULL)
        return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
    double *px = d->x + d->npoints, *py = d->y + d->npoints;
    for (unsigned i = 0; i < n; i++)
        if (!GEOSCoordSeq_getXY_r(h, seq, i, &px[i], &py[i]))
            return rs_geo_fail(w->geo, RS_ERR, "GEOS ring coordinates");
    double a = ring_signed_area(px, py, (int)n);
    if ((outer && a > 0) || (!outer && a < 0))
        ring_reverse(px, py, (int)n);
    if (d->nrings == 0)
        d->ring_start[0] = 0;
    d->npoints += (int)n;
    d->nrings++;
    d->ring_start[d->nrings] = d->npoints;
    d->area_m2 += outer ? fabs(a) : -fabs(a);
    return RS_OK;
}

static int district_add_polygon(gen_world *w, gen_district *d, const GEOSGeometry *poly)
{
    GEOSContextHandle_t h = rs_geo_geos(w->geo);
    const GEOSGeometry *ext = GEOSGetExteriorRing_r(h, poly);
    if (ext == NULL)
        return rs_geo_fail(w->geo, RS_ERR, "GEOS exterior ring");
    int rc = district_add_ring(w, d, ext, 1);
    int nh = GEOSGetNumInteriorRings_r(h, poly);
    for (int i = 0; rc == RS_OK && i < nh; i++) {
        const GEOSGeometry *hole = GEOSGetInteriorRingN_r(h, poly, i);
        rc = hole ? district_add_ring(w, d, hole, 0) : rs_geo_fail(w->geo, RS_ERR, "GEOS hole");
    }
    return rc;
}

/* Copies the polygons of a clipped cell into d. */
static int district_from_geom(gen_world *w, gen_district *d, const GEOSGeometry *g)
{
    GEOSContextHandle_t h = rs_geo_geos(w->geo);
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POLYGON)
        return GEOSisEmpty_r(h, g) == 1 ? RS_OK : district_add_polygon(w, d, g);
    if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < n; i++) {
            const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
            if (part == NULL)
                return rs_geo_fail(w->geo, RS_ERR, "GEOS part");
            if (GEOSGeomTypeId_r(h, part) != GEOS_POLYGON) /* a touching line or point */
                continue;
            int rc = district_add_polygon(w, d, part);
            if (rc)
                return rc;
        }
        return RS_OK;
    }
    return rs_err_set(gen_err(w), RS_ERR, "district %s: clipping gave geometry type %d", d->name,
                      type);
}

/* Voronoi cells of the seeds clipped to the outline.  Returns 0, 1 when a
 * district came out too small (redraw), or an RS_E code. */
static int districts_clip(gen_world *w, const double *sx, const double *sy)
{
    GEOSContextHandle_t h = rs_geo_geos(w->geo);
    gen_county *c = &w->county;
    int rc = RS_OK;
    GEOSGeometry *outline = NULL, *sites = NULL, *vd = NULL;
    GEOSGeometry *pts[GEN_NDISTRICTS];

    outline = ring_to_polygon(h, c->ox, c->oy, c->on);
    if (outline != NULL && c->in > 0) {
        GEOSGeometry *parts[2] = {outline, ring_to_polygon(h, c->ix, c->iy, c->in)};
        outline = parts[1] ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, 2) : NULL;
        if (outline == NULL) {
            GEOSGeom_destroy_r(h, parts[0]);
            GEOSGeom_destroy_r(h, parts[1]);
        }
    }
    if (outline == NULL || GEOSisValid_r(h, outline) != 1) {
        rc = rs_geo_fail(w->geo, RS_ERR, "county outline");
        goto done;
    }
    for (int i = 0; i < GEN_NDISTRICTS; i++) {
        pts[i] = GEOSGeom_createPointFromXY_r(h, sx[i], sy[i]);
        if (pts[i] == NULL) {
            for (int j = 0; j < i; j++)
                GEOSGeom_destroy_r(h, pts[j]);
            rc = rs_geo_fail(w->geo, RS_ERR, "GEOS point");
            goto done;
        }
    }
    sites = GEOSGeom_createCollection_r(h, GEOS_MULTIPOINT, pts, GEN_NDISTRICTS);
    if (sites == NULL) {
        for (int j = 0; j < GEN_NDISTRICTS; j++)
            GEOSGeom_destroy_r(h, pts[j]);
        rc = rs_geo_fail(w->geo, RS_ERR, "GEOS multipoint");
        goto done;
    }
    vd = GEOSVoronoiDiagram_r(h, sites, outline, 0.0, 0);
    if (vd == NULL) {
        rc = rs_geo_fail(w->geo, RS_ERR, "GEOSVoronoiDiagram");
        goto done;
    }
    int ncell = GEOSGetNumGeometries_r(h, vd);
    if (ncell != GEN_NDISTRICTS) {
        rc = rs_err_set(gen_err(w), RS_ERR, "Voronoi diagram has %d cells, expected %d", ncell,
                        GEN_NDISTRICTS);
        goto done;
    }
    int used[GEN_NDISTRICTS] = {0};
    for (int i = 0; i < ncell && rc == RS_OK; i++) {
        const GEOSGeometry *cell = GEOSGetGeometryN_r(h, vd, i);
        if (cell == NULL) {
            rc = rs_geo_fail(w->geo, RS_ERR, "Voronoi cell");
            break;
        }
        /* Which seed is this the cell of?  (GEOS does not keep site order.) */
        int owner = -1;
        for (int k = 0; k < GEN_NDISTRICTS && owner < 0; k++) {
            GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, sx[k], sy[k]);
            char in = p ? GEOSContains_r(h, cell, p) : 2;
            GEOSGeom_destroy_r(h, p);
            if (in == 2) {
                rc = rs_geo_fail(w->geo, RS_ERR, "GEOSContains");
                break;
            }
            if (in == 1)
                owner = k;
        }
        if (rc)
            break;
        if (owner < 0 || used[owner]) {
            rc = rs_err_set(gen_err(w), RS_ERR, "Voronoi cell %d has no seed of its own", i);
            break;
        }
        used[owner] = 1;
        GEOSGeometry *clip = GEOSIntersection_r(h, cell, outline);
        if (clip == NULL) {
            rc = rs_geo_fail(w->geo, RS_ERR, "GEOSIntersection");
            break;
        }
        gen_district *d = &c->d[owner];
        char valid = GEOSisValid_r(h, clip);
        if (valid != 1) {
            rc = valid == 2 ? rs_geo_fail(w->geo, RS_ERR, "GEOSisValid")
                            : rs_err_set(gen_err(w), RS_ERR, "district %s is not valid", d->name);
        } else {
            rc = district_from_geom(w, d, clip);
        }
        GEOSGeom_destroy_r(h, clip);
    }
    if (rc == RS_OK) {
        for (int k = 0; k < GEN_NDISTRICTS; k++)
            if (c->d[k].nrings == 0 || c->d[k].area_m2 < 25e6)
                rc = 1;
    }

done:
    GEOSGeom_destroy_r(h, vd);
    GEOSGeom_destroy_r(h, sites);
    GEOSGeom_destroy_r(h, outline);
    return rc;
}

static int cmp_seed(const void *a, const void *b)
{
    const double *p = a, *q = b; /* (x, y): north first, then west first */
    if (p[1] != q[1])
        return p[1] > q[1] ? -1 : 1;
    return (p[0] > q[0]) - (p[0] < q[0]);
}

int gen_county_build(gen_world *w)
{
    gen_rng r;
    gen_rng_init(&r, w->seed, GEN_S_COUNTY);
    gen_county *c = &w->county;
    int rc = outline_build(w, &r);
    if (rc == RS_OK)
        rc = island_build(w, &r);
    if (rc)
        return rc;

    /* Names: a seeded shuffle of the list, the first 14 taken. */
    int order[NNAMES];
    for (int i = 0; i < NNAMES; i++)
        order[i] = i;
    for (int i = NNAMES - 1; i > 0; i--) {
        int j = (int)gen_rng_below(&r, (uint32_t)i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }

    for (int attempt = 0; attempt < 50; attempt++) {
        double xy[GEN_NDISTRICTS][2], sx[GEN_NDISTRICTS], sy[GEN_NDISTRICTS];
        if (seeds_draw(c, &r, sx, sy) != 0)
            continue;
        for (int i = 0; i < GEN_NDISTRICTS; i++) {
            xy[i][0] = sx[i];
            xy[i][1] = sy[i];
        }
        qsort(xy, GEN_NDISTRICTS, sizeof xy[0], cmp_seed);
        for (int i = 0; i < GEN_NDISTRICTS; i++) {
            sx[i] = xy[i][0];
            sy[i] = xy[i][1];
            gen_district *d = &c->d[i];
            district_clear(d);
            memset(d, 0, sizeof *d);
            snprintf(d->name, sizeof d->name, "%s", district_names[order[i]]);
            snprintf(d->code, sizeof d->code, "X%08d", i + 1);
            d->sx = sx[i];
            d->sy = sy[i];
        }
        rc = districts_clip(w, sx, sy);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
    }
    if (rc != 0)
        return rs_err_set(gen_err(w), RS_ERR, "could not lay out %d districts", GEN_NDISTRICTS);

    /* Bounding boxes; the two smallest districts are unitary authorities. */
    int small1 = -1, small2 = -1;
    for (int k = 0; k < GEN_NDISTRICTS; k++) {
        gen_district *d = &c->d[k];
        d->minx = d->maxx = d->x[0];
        d->miny = d->maxy = d->y[0];
        for (int i = 1; i < d->npoints; i++) {
            d->minx = fmin(d->minx, d->x[i]);
            d->maxx = fmax(d->maxx, d->x[i]);
            d->miny = fmin(d->miny, d->y[i]);
            d->maxy = fmax(d->maxy, d->y[i]);
        }
        if (small1 < 0 || d->area_m2 < c->d[small1].area_m2) {
            small2 = small1;
            small1 = k;
        } else if (small2 < 0 || d->area_m2 < c->d[small2].area_m2) {
            small2 = k;
        }
    }
    c->d[small1].unitary = 1;
    c->d[small2].unitary = 1;
    return RS_OK;
}

void gen_county_free(gen_county *c)
{
    free(c->ox);
    free(c->oy);
    free(c->ix);
    free(c->iy);
    c->ox = c->oy = c->ix = c->iy = NULL;
    for (int k = 0; k < GEN_NDISTRICTS; k++)
        district_clear(&c->d[k]);
}
