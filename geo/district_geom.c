/*
 * district_geom.c — the district reader's geometry (see district.c): the
 * rings of a shapelib object sorted into shells and holes by containment
 * (not by their winding, which writers get wrong) and built into one GEOS
 * Polygon/MultiPolygon, then checked for validity and repaired with
 * GEOSMakeValid, keeping only the polygonal part of the repair.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "district_int.h"

/* ---- rings into polygons ------------------------------------------------ */

typedef struct ring_info {
    GEOSGeometry *poly; /* polygon whose shell is the ring (owns it) */
    double area;        /* absolute planar area */
    double xmin, ymin, xmax, ymax;
    double px, py;      /* first vertex: the fallback containment probe */
    int parent;         /* containing ring (index into the sorted list) or -1 */
    int depth;
} ring_info;

static int cmp_area_desc(const void *a, const void *b)
{
    const ring_info *x = a, *y = b;
    return (x->area < y->area) - (x->area > y->area);
}

/* Even-odd crossing test of (px,py) against the shell of poly; used only
 * when GEOS refuses the containment predicate (invalid input). */
static int crossing_inside(GEOSContextHandle_t h, const GEOSGeometry *poly, double px, double py)
{
    const GEOSGeometry *ring = GEOSGetExteriorRing_r(h, poly);
    const GEOSCoordSequence *cs = ring ? GEOSGeom_getCoordSeq_r(h, ring) : NULL;
    unsigned int n = 0;
    if (cs == NULL || !GEOSCoordSeq_getSize_r(h, cs, &n))
        return 0;
    int in = 0;
    double x0 = 0, y0 = 0, x1, y1;
    if (n == 0 || !GEOSCoordSeq_getXY_r(h, cs, 0, &x0, &y0))
        return 0;
    for (unsigned int i = 1; i < n; i++, x0 = x1, y0 = y1) {
        if (!GEOSCoordSeq_getXY_r(h, cs, i, &x1, &y1))
            return 0;
        if ((y0 > py) != (y1 > py) && px < x0 + (py - y0) * (x1 - x0) / (y1 - y0))
            in = !in;
    }
    return in;
}

/* Builds one Polygon / MultiPolygon from a shapelib object's parts.  Rings
 * are nested by containment: depth 0, 2, ... are shells, odd depths holes
 * of their parent.  Returns the geometry (caller owns) or NULL with the
 * error set (where names the record). */
GEOSGeometry *rs_dist_build_geometry(rs_geo *g, const SHPObject *o, const char *where)
{
    GEOSContextHandle_t h = rs_geo_geos(g);
    int nr = o->nParts > 0 ? o->nParts : 1;
    ring_info *r = calloc((size_t)nr, sizeof *r);
    GEOSGeometry **polys = NULL;
    GEOSGeometry **holes = NULL;
    GEOSGeometry *out = NULL;
    double *cx = NULL, *cy = NULL;
    int nused = 0;
    if (r == NULL) {
        rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        goto done;
    }
    cx = malloc(((size_t)o->nVertices + 1) * sizeof *cx);
    cy = malloc(((size_t)o->nVertices + 1) * sizeof *cy);
    if (cx == NULL || cy == NULL) {
        rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        goto done;
    }
    for (int k = 0; k < nr; k++) {
        int start = o->nParts > 0 ? o->panPartStart[k] : 0;
        int end = (o->nParts > 0 && k + 1 < nr) ? o->panPartStart[k + 1] : o->nVertices;
        if (start < 0 || end > o->nVertices || start > end) {
            rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: part %d has bad vertex offsets", where,
                       k + 1);
            goto done;
        }
        int m = end - start;
        if (m == 0)
            continue; /* an empty part carries nothing */
        memcpy(cx, o->padfX + start, (size_t)m * sizeof *cx);
        memcpy(cy, o->padfY + start, (size_t)m * sizeof *cy);
        if (cx[0] != cx[m - 1] || cy[0] != cy[m - 1]) {
            cx[m] = cx[0], cy[m] = cy[0];
            m++;
        }
        if (m < 4) {
            rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: ring %d has %d points (at least 4 needed)",
                       where, k + 1, m);
            goto done;
        }
        ring_info *ri = &r[nused];
        double a = 0;
        ri->xmin = ri->xmax = cx[0];
        ri->ymin = ri->ymax = cy[0];
        for (int i = 0; i + 1 < m; i++) {
            a += cx[i] * cy[i + 1] - cx[i + 1] * cy[i];
            ri->xmin = fmin(ri->xmin, cx[i + 1]), ri->xmax = fmax(ri->xmax, cx[i + 1]);
            ri->ymin = fmin(ri->ymin, cy[i + 1]), ri->ymax = fmax(ri->ymax, cy[i + 1]);
        }
        ri->area = fabs(a) / 2;
        ri->px = cx[0], ri->py = cy[0];
        GEOSCoordSequence *cs = GEOSCoordSeq_copyFromArrays_r(h, cx, cy, NULL, NULL, (unsigned)m);
        GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
        /* GEOS takes ownership of what it is given even when it fails */
        if (ring == NULL) {
            rs_geo_fail(g, RS_ERR, where);
            goto done;
        }
        ri->poly = GEOSGeom_createPolygon_r(h, ring, NULL, 0);
        if (ri->poly == NULL) {
            rs_geo_fail(g, RS_ERR, where);
            goto done;
        }
        nused++;
    }
    if (nused == 0) {
        rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: no rings", where);
        goto done;
    }

    qsort(r, (size_t)nused, sizeof *r, cmp_area_desc);
    for (int i = 0; i < nused; i++) {
        r[i].parent = -1;
        r[i].depth = 0;
        /* the smallest earlier (larger) ring containing i is its parent */
        for (int j = i - 1; j >= 0; j--) {
            if (r[i].xmin < r[j].xmin || r[i].xmax > r[j].xmax || r[i].ymin < r[j].ymin ||
                r[i].ymax > r[j].ymax)
                continue;
            char c = GEOSContains_r(h, r[j].poly, r[i].poly);
            if (c == 2) /* invalid rings: GEOS refuses; fall back to a point test */
                c = (char)crossing_inside(h, r[j].poly, r[i].px, r[i].py);
            if (c) {
                r[i].parent = j;
                r[i].depth = r[j].depth + 1;
                break;
            }
        }
    }

    int nshell = 0;
    for (int i = 0; i < nused; i++)
        nshell += r[i].depth % 2 == 0;
    polys = calloc((size_t)nshell, sizeof *polys);
    holes = calloc((size_t)nused, sizeof *holes);
    if (polys == NULL || holes == NULL) {
        rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        goto done;
    }
    int np = 0;
    for (int s = 0; s < nused; s++) {
        if (r[s].depth % 2 != 0)
            continue;
        int nh = 0;
        for (int i = s + 1; i < nused; i++) {
            if (r[i].parent != s || r[i].depth % 2 == 0)
                continue;
            holes[nh] = GEOSGeom_clone_r(h, GEOSGetExteriorRing_r(h, r[i].poly));
            if (holes[nh] == NULL) {
                for (int k = 0; k < nh; k++)
                    GEOSGeom_destroy_r(h, holes[k]);
                rs_geo_fail(g, RS_ERR, where);
                goto done;
            }
            nh++;
        }
        GEOSGeometry *shell = GEOSGeom_clone_r(h, GEOSGetExteriorRing_r(h, r[s].poly));
        if (shell == NULL) {
            for (int k = 0; k < nh; k++)
                GEOSGeom_destroy_r(h, holes[k]);
            rs_geo_fail(g, RS_ERR, where);
            goto done;
        }
        GEOSGeometry *poly = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)nh);
        if (poly == NULL) { /* shell and holes are GEOS's now */
            rs_geo_fail(g, RS_ERR, where);
            goto done;
        }
        polys[np++] = poly;
    }
    if (np == 1) {
        out = polys[0];
        polys[0] = NULL;
    } else {
        out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned)np);
        np = 0; /* GEOS owns the parts now, collection made or not */
        if (out == NULL) {
            rs_geo_fail(g, RS_ERR, where);
            goto done;
        }
    }
    for (int i = 0; i < np; i++)
        if (polys[i])
            GEOSGeom_destroy_r(h, polys[i]);
done:
    if (r)
        for (int i = 0; i < nused; i++)
            GEOSGeom_destroy_r(h, r[i].poly);
    free(r);
    free(polys);
    free(holes);
    free(cx);
    free(cy);
    return out;
}

/* Keeps the polygonal part of a make-valid result (which may hold lines or
 * points where a ring collapsed).  Takes ownership of geom; returns a
 * Polygon/MultiPolygon or NULL (nothing polygonal, or a GEOS failure). */
static GEOSGeometry *polygonal_part(GEOSContextHandle_t h, GEOSGeometry *geom)
{
    int type = GEOSGeomTypeId_r(h, geom);
    if (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON)
        return geom;
    GEOSGeometry *out = NULL;
    GEOSGeometry **parts = NULL;
    unsigned np = 0;
    int n = type == GEOS_GEOMETRYCOLLECTION ? GEOSGetNumGeometries_r(h, geom) : 0;
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *sub = GEOSGetGeometryN_r(h, geom, i);
        int st = sub ? GEOSGeomTypeId_r(h, sub) : -1;
        if (st == GEOS_POLYGON)
            total++;
        else if (st == GEOS_MULTIPOLYGON && GEOSGetNumGeometries_r(h, sub) > 0)
            total += (size_t)GEOSGetNumGeometries_r(h, sub);
    }
    if (total == 0 || (parts = calloc(total, sizeof *parts)) == NULL)
        goto done;
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *sub = GEOSGetGeometryN_r(h, geom, i);
        int st = GEOSGeomTypeId_r(h, sub);
        if (st == GEOS_POLYGON && np < total) {
            if ((parts[np++] = GEOSGeom_clone_r(h, sub)) == NULL)
                goto done;
        } else if (st == GEOS_MULTIPOLYGON) {
            int m = GEOSGetNumGeometries_r(h, sub);
            for (int k = 0; k < m && np < total; k++)
                if ((parts[np++] = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, sub, k))) == NULL)
                    goto done;
        }
    }
    if (np == 1) {
        out = parts[0];
    } else {
        out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, np);
    }
    np = 0; /* owned by out (or by GEOS, when it failed) */
done:
    for (unsigned i = 0; i < np; i++)
        if (parts[i])
            GEOSGeom_destroy_r(h, parts[i]);
    free(parts);
    GEOSGeom_destroy_r(h, geom);
    return out;
}

/* Checks validity; repairs with make-valid and calls repaired(user, name,
 * reason).  *geom stays the caller's: on a repair it is replaced by the
 * repaired geometry (the old one freed).  Returns 0 or an RS_E code
 * (RS_EINPUT when the repair leaves no valid polygon). */
int rs_dist_ensure_valid(rs_geo *g, GEOSGeometry **geom, const char *name, const char *where,
                         rs_district_repair_cb repaired, void *user)
{
    GEOSContextHandle_t h = rs_geo_geos(g);
    char v = GEOSisValid_r(h, *geom);
    if (v == 1)
        return RS_OK;
    if (v != 0)
        return rs_geo_fail(g, RS_ERR, where);
    char *reason = GEOSisValidReason_r(h, *geom);
    GEOSGeometry *fixed = GEOSMakeValid_r(h, *geom);
    if (fixed == NULL) {
        if (reason)
            GEOSFree_r(h, reason);
        return rs_geo_fail(g, RS_EINPUT, where);
    }
    fixed = polygonal_part(h, fixed);
    if (fixed == NULL || GEOSisEmpty_r(h, fixed) != 0 || GEOSisValid_r(h, fixed) != 1) {
        if (fixed)
            GEOSGeom_destroy_r(h, fixed);
        int rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: invalid geometry (%s) cannot be repaired",
                            where, reason ? reason : "unknown reason");
        if (reason)
            GEOSFree_r(h, reason);
        return rc;
    }
    GEOSGeom_destroy_r(h, *geom);
    *geom = fixed;
    if (repaired)
        repaired(user, name, reason ? reason : "invalid");
    if (reason)
        GEOSFree_r(h, reason);
    return RS_OK;
}
