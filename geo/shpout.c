/*
 * shpout.c — writing one shapefile layer (.shp .shx .dbf .prj .cpg)
 * atomically, with DBF field widths chosen from the data (see shpout.h).
 *
 * Core data structure: the features are buffered as flat arrays, in the
 * form shapelib's SHPCreateObject takes them: all vertices of all features
 * in xs/ys (rings already oriented: outer clockwise, holes
 * counter-clockwise), all ring starts in parts (relative to the feature's
 * first vertex), one small record per feature pointing into both, and every
 * attribute value, already checked and put in its DBF form ("YYYYMMDD",
 * "%lld", "%.*f", UTF-8 cut to 254 bytes), in one string pool addressed by
 * offset (NO_VALUE = null).  Geometries are copied out of GEOS at add time,
 * so a bad geometry is refused where it is added and commit needs no GEOS.
 *
 * Commit: reserve a unique base name PREFIX.tmp-XXXXXX beside PREFIX with
 * mkstemp (an empty file, removed at the end), write base.shp/.shx/.dbf
 * with shapelib and base.prj/.cpg by hand, reopen and compare every shape
 * and value with what was meant, fsync, then rename each into place.  Any
 * failure before the renames removes the temporaries and leaves an earlier
 * layer of the same PREFIX untouched.
 *
 * The parts: shpout.c the layer (rs_shpout_new, _add, _abort: the fields,
 * the values checked into their DBF form, the geometry copied and the rings
 * oriented); shpout_commit.c the commit above; shpout_file.c the helpers
 * for paths, temporary and whole small files and the .prj WKT, with
 * rs_write_prj; shpout_int.h the struct and what the parts share.
 *
 * shapelib 1.5 notes: SAHooks.Error takes only the message (no user
 * pointer), so it cannot reach this context's rs_err without global or
 * thread-local state; the hook installed is silent (a library must not
 * print), and every shapelib failure is reported from its return value and
 * errno, naming the file.  DBFWriteStringAttribute on a 'D' field reads the
 * string as a double (and returns TRUE), and DBFWriteIntegerAttribute takes
 * an int, so numbers and dates are written with DBFWriteAttributeDirectly
 * from text already formatted to the exact field width (never cut, and
 * checked again on read-back).
 *
 * Workload: up to a few hundred thousand features of a few dozen vertices;
 * memory is about 16 bytes a vertex plus the value text.
 */
#include "utf8.h"
#include "shpout.h"
#include "shpout_int.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ------------------------------------------------------ */

/* Makes room for `need` elements of `elem` bytes in *p; 0 or -1. */
static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return -1;
        c *= 2;
    }
    if (c > SIZE_MAX / elem)
        return -1;
    void *q = realloc(*p, c * elem);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* ---- the writer --------------------------------------------------------- */

static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 10)
        return 0;
    /* a letter first: ArcGIS refuses names starting with a digit or '_' */
    if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return 0;
    }
    return 1;
}

static int same_name_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'a' && x <= 'z')
            x = (char)(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z')
            y = (char)(y - 'a' + 'A');
        if (x != y)
            return 0;
    }
    return *a == *b;
}

int rs_shpout_new(rs_geo *g, const char *prefix, rs_shp_kind kind, int epsg,
                  const rs_shp_field *fields, size_t nfields, rs_shpout **out)
{
    if (g == NULL || out == NULL)
        return RS_EUSAGE;
    *out = NULL;
    rs_err *err = rs_geo_err(g);
    if (prefix == NULL || *prefix == '\0')
        return rs_err_set(err, RS_EUSAGE, "shapefile: empty output prefix");
    if (kind != RS_SHP_POINTS && kind != RS_SHP_POLYGONS)
        return rs_err_set(err, RS_EUSAGE, "%s.shp: unknown layer kind %d", prefix, (int)kind);
    if (nfields == 0 || fields == NULL)
        return rs_err_set(err, RS_EUSAGE, "%s.dbf: a layer needs at least one field", prefix);
    if (nfields > FIELDS_MAX)
        return rs_err_set(err, RS_EUSAGE, "%s.dbf: %zu fields, at most %d", prefix, nfields,
                          FIELDS_MAX);
    for (size_t k = 0; k < nfields; k++) {
        const rs_shp_field *f = &fields[k];
        if (f->name == NULL || !name_ok(f->name))
            return rs_err_set(err, RS_EUSAGE,
                              "%s.dbf: field name \"%s\" must be 1-10 ASCII letters, digits or "
                              "'_', starting with a letter",
                              prefix, f->name ? f->name : "");
        for (size_t m = 0; m < k; m++)
            if (same_name_nocase(fields[m].name, f->name))
                return rs_err_set(err, RS_EUSAGE,
                                  "%s.dbf: field name \"%s\" repeats \"%s\" "
                                  "(DBF names ignore case)",
                                  prefix, f->name, fields[m].name);
        if (f->type != RS_FIELD_TEXT && f->type != RS_FIELD_INT && f->type != RS_FIELD_REAL &&
            f->type != RS_FIELD_DATE)
            return rs_err_set(err, RS_EUSAGE, "%s.dbf: field \"%s\" has unknown type %d", prefix,
                              f->name, (int)f->type);
        if (f->type == RS_FIELD_REAL && (f->decimals < 0 || f->decimals > DECIMALS_MAX))
            return rs_err_set(err, RS_EUSAGE, "%s.dbf: field \"%s\": %d decimals, 0 to %d allowed",
                              prefix, f->name, f->decimals, DECIMALS_MAX);
    }

    rs_shpout *w = calloc(1, sizeof *w);
    if (w == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    w->g = g;
    w->kind = kind;
    w->nfields = nfields;
    int rc = RS_OK;
    w->prefix = rs_shp_dup_str(prefix);
    w->fields = calloc(nfields, sizeof *w->fields);
    if (w->prefix == NULL || w->fields == NULL) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t k = 0; k < nfields; k++) {
        snprintf(w->fields[k].name, sizeof w->fields[k].name, "%s", fields[k].name);
        w->fields[k].type = fields[k].type;
        w->fields[k].decimals = fields[k].type == RS_FIELD_REAL ? fields[k].decimals : 0;
    }
    if ((rc = rs_shp_prj_wkt(g, epsg, &w->wkt)) != RS_OK) {
        rs_err_prefix(err, "%s.prj", prefix);
        goto fail;
    }
    *out = w;
    return RS_OK;
fail:
    rs_shpout_abort(w);
    return rc;
}

void rs_shpout_abort(rs_shpout *w)
{
    if (w == NULL)
        return;
    free(w->prefix);
    free(w->wkt);
    free(w->fields);
    free(w->feats);
    free(w->xs);
    free(w->ys);
    free(w->parts);
    free(w->vals);
    free(w->pool);
    free(w);
}

/* ---- values ------------------------------------------------------------- */

/* Checks v for field f and writes its DBF form to buf (cap >= 300): 1 =
 * value, 0 = null, -1 = does not parse (why set). */
static int canon_value(const field *f, const char *v, char *buf, size_t cap, const char **why)
{
    if (v == NULL || *v == '\0')
        return 0;
    switch (f->type) {
    case RS_FIELD_TEXT: {
        if (!rs_utf8_valid((const unsigned char *)v)) {
            *why = "is not valid UTF-8";
            return -1;
        }
        size_t n = strlen(v);
        if (n > TEXT_MAX) {
            n = TEXT_MAX;
            while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
                n--; /* back to the start of the character that would be cut */
        }
        memcpy(buf, v, n);
        buf[n] = '\0';
        /* DBF pads with spaces and readers trim them: all blanks reads as null */
        if (strspn(buf, " ") == n)
            return 0;
        return 1;
    }
    case RS_FIELD_INT: {
        const char *p = v;
        if (*p == '+' || *p == '-')
            p++;
        if (*p == '\0' || strspn(p, "0123456789") != strlen(p)) {
            *why = "is not an integer";
            return -1;
        }
        errno = 0;
        long long x = strtoll(v, NULL, 10);
        if (errno == ERANGE) {
            *why = "is out of range";
            return -1;
        }
        int len = snprintf(buf, cap, "%lld", x);
        if (len < 0 || len > INT_WIDTH_MAX) {
            *why = "has more than 19 characters";
            return -1;
        }
        return 1;
    }
    case RS_FIELD_REAL: {
        /* [+-] digits [. digits] [e [+-] digits], at least one digit before the e */
        const char *p = v;
        size_t nd = 0;
        if (*p == '+' || *p == '-')
            p++;
        while (*p >= '0' && *p <= '9')
            p++, nd++;
        if (*p == '.') {
            p++;
            while (*p >= '0' && *p <= '9')
                p++, nd++;
        }
        if (nd > 0 && (*p == 'e' || *p == 'E')) {
            p++;
            if (*p == '+' || *p == '-')
                p++;
            size_t ne = 0;
            while (*p >= '0' && *p <= '9')
                p++, ne++;
            if (ne == 0)
                nd = 0;
        }
        if (nd == 0 || *p != '\0') {
            *why = "is not a number";
            return -1;
        }
        errno = 0;
        double x = strtod(v, NULL);
        if (!isfinite(x) || (errno == ERANGE && fabs(x) > 1.0)) {
            *why = "is out of range";
            return -1;
        }
        int len = snprintf(buf, cap, "%.*f", f->decimals, x);
        if (len < 0 || len > REAL_WIDTH_MAX) {
            *why = "needs more than 33 characters at this number of decimals";
            return -1;
        }
        if (buf[0] == '-' && strspn(buf + 1, "0.") == (size_t)len - 1)
            memmove(buf, buf + 1, (size_t)len); /* "-0.000" rounds to zero: write "0.000" */
        return 1;
    }
    case RS_FIELD_DATE: {
        int ok = strlen(v) == 10 && v[4] == '-' && v[7] == '-';
        for (int i = 0; ok && i < 10; i++)
            if (i != 4 && i != 7 && !(v[i] >= '0' && v[i] <= '9'))
                ok = 0;
        if (ok) {
            int y = atoi(v), m = atoi(v + 5), d = atoi(v + 8);
            static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            ok = y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] &&
                 !(m == 2 && d == 29 && !leap);
        }
        if (!ok) {
            *why = "is not a date YYYY-MM-DD";
            return -1;
        }
        memcpy(buf, v, 4);
        memcpy(buf + 4, v + 5, 2);
        memcpy(buf + 6, v + 8, 2);
        buf[8] = '\0';
        return 1;
    }
    }
    *why = "has an unknown field type";
    return -1;
}

/* ---- geometry ----------------------------------------------------------- */

/* Twice the signed area of a closed ring (> 0 counter-clockwise), taken
 * relative to the first vertex so large BNG coordinates do not cancel. */
static double ring_area2(const double *x, const double *y, size_t n)
{
    double a = 0;
    for (size_t k = 1; k + 1 < n; k++)
        a += (x[k] - x[0]) * (y[k + 1] - y[0]) - (x[k + 1] - x[0]) * (y[k] - y[0]);
    return a;
}

static void reverse(double *v, size_t n)
{
    for (size_t a = 0, b = n - 1; a < b; a++, b--) {
        double t = v[a];
        v[a] = v[b];
        v[b] = t;
    }
}

/* Room for `extra` more vertices in xs and ys; 0 or -1. */
static int reserve_vertices(rs_shpout *w, size_t extra)
{
    if (extra > SIZE_MAX - w->nv)
        return -1;
    size_t need = w->nv + extra;
    if (grow((void **)&w->xs, &w->x_cap, need, sizeof *w->xs) != 0 ||
        grow((void **)&w->ys, &w->y_cap, need, sizeof *w->ys) != 0)
        return -1;
    return 0;
}

/* Appends one ring to the vertex arrays, oriented clockwise (outer) or
 * counter-clockwise (hole).  0 = appended, 1 = empty ring (skipped),
 * negative = error (set). */
static int add_ring(rs_shpout *w, const GEOSGeometry *ring, int outer, size_t fv0, size_t *nparts)
{
    GEOSContextHandle_t h = rs_geo_geos(w->g);
    rs_err *err = rs_geo_err(w->g);
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned int n = 0;
    if (cs == NULL || !GEOSCoordSeq_getSize_r(h, cs, &n))
        return rs_geo_fail(w->g, RS_ERR, "reading a ring");
    if (n == 0)
        return 1;
    if (n < 4)
        return rs_err_set(err, RS_EUSAGE, "%s.shp: feature %zu: a ring of %u points", w->prefix,
                          w->n + 1, n);
    if (w->nv + n - fv0 > INT_MAX)
        return rs_err_set(err, RS_EUSAGE, "%s.shp: feature %zu has too many vertices", w->prefix,
                          w->n + 1);
    if (reserve_vertices(w, n) != 0)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    double *x = w->xs + w->nv, *y = w->ys + w->nv;
    for (unsigned int k = 0; k < n; k++) {
        if (!GEOSCoordSeq_getXY_r(h, cs, k, &x[k], &y[k]))
            return rs_geo_fail(w->g, RS_ERR, "reading a ring");
        if (!isfinite(x[k]) || !isfinite(y[k]))
            return rs_err_set(err, RS_EUSAGE, "%s.shp: feature %zu has a non-finite coordinate",
                              w->prefix, w->n + 1);
    }
    if (x[0] != x[n - 1] || y[0] != y[n - 1])
        return rs_err_set(err, RS_EUSAGE, "%s.shp: feature %zu has an unclosed ring", w->prefix,
                          w->n + 1);
    double a = ring_area2(x, y, n);
    if ((outer && a > 0) || (!outer && a < 0)) {
        reverse(x, n);
        reverse(y, n);
    }
    if (grow((void **)&w->parts, &w->p_cap, w->np + 1, sizeof *w->parts) != 0)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    w->parts[w->np++] = (int)(w->nv - fv0);
    w->nv += n;
    (*nparts)++;
    return 0;
}

static int add_polygon(rs_shpout *w, const GEOSGeometry *poly, size_t fv0, size_t *nparts)
{
    GEOSContextHandle_t h = rs_geo_geos(w->g);
    char empty = GEOSisEmpty_r(h, poly);
    if (empty == 2)
        return rs_geo_fail(w->g, RS_ERR, "reading a polygon");
    if (empty)
        return 0;
    const GEOSGeometry *ext = GEOSGetExteriorRing_r(h, poly);
    int nholes = GEOSGetNumInteriorRings_r(h, poly);
    if (ext == NULL || nholes < 0)
        return rs_geo_fail(w->g, RS_ERR, "reading a polygon");
    int rc = add_ring(w, ext, 1, fv0, nparts);
    if (rc < 0)
        return rc;
    for (int k = 0; k < nholes; k++) {
        const GEOSGeometry *hole = GEOSGetInteriorRingN_r(h, poly, k);
        if (hole == NULL)
            return rs_geo_fail(w->g, RS_ERR, "reading a polygon hole");
        if ((rc = add_ring(w, hole, 0, fv0, nparts)) < 0)
            return rc;
    }
    return 0;
}

/* Appends the geometry's vertices; fills *fe.  On error the arrays are
 * rolled back by the caller. */
static int add_geometry(rs_shpout *w, const GEOSGeometry *geom, feat *fe)
{
    GEOSContextHandle_t h = rs_geo_geos(w->g);
    rs_err *err = rs_geo_err(w->g);
    int type = GEOSGeomTypeId_r(h, geom);
    if (type < 0)
        return rs_geo_fail(w->g, RS_ERR, "reading a geometry");
    fe->v0 = w->nv;
    fe->p0 = w->np;
    if (w->kind == RS_SHP_POINTS) {
        if (type != GEOS_POINT)
            return rs_err_set(err, RS_EUSAGE, "%s.shp: feature %zu is not a Point", w->prefix,
                              w->n + 1);
        char empty = GEOSisEmpty_r(h, geom);
        if (empty == 2)
            return rs_geo_fail(w->g, RS_ERR, "reading a point");
        if (empty)
            return rs_err_set(err, RS_EUSAGE, "%s.shp: feature %zu is an empty point", w->prefix,
                              w->n + 1);
        double x, y;
        if (!GEOSGeomGetX_r(h, geom, &x) || !GEOSGeomGetY_r(h, geom, &y))
            return rs_geo_fail(w->g, RS_ERR, "reading a point");
        if (!isfinite(x) || !isfinite(y))
            return rs_err_set(err, RS_EUSAGE, "%s.shp: feature %zu has a non-finite coordinate",
                              w->prefix, w->n + 1);
        if (reserve_vertices(w, 1) != 0)
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        w->xs[w->nv] = x;
        w->ys[w->nv] = y;
        w->nv++;
        fe->nv = 1;
        fe->np = 0;
        return RS_OK;
    }
    size_t nparts = 0;
    int rc;
    if (type == GEOS_POLYGON) {
        rc = add_polygon(w, geom, fe->v0, &nparts);
    } else if (type == GEOS_MULTIPOLYGON) {
        int ng = GEOSGetNumGeometries_r(h, geom);
        if (ng < 0)
            return rs_geo_fail(w->g, RS_ERR, "reading a multipolygon");
        rc = 0;
        for (int k = 0; k < ng && rc >= 0; k++) {
            const GEOSGeometry *part = GEOSGetGeometryN_r(h, geom, k);
            if (part == NULL)
                return rs_geo_fail(w->g, RS_ERR, "reading a multipolygon");
            rc = add_polygon(w, part, fe->v0, &nparts);
        }
    } else {
        return rs_err_set(err, RS_EUSAGE, "%s.shp: feature %zu is not a Polygon or MultiPolygon",
                          w->prefix, w->n + 1);
    }
    if (rc < 0)
        return rc;
    if (nparts == 0)
        return rs_err_set(err, RS_EUSAGE, "%s.shp: feature %zu is an empty polygon", w->prefix,
                          w->n + 1);
    if (nparts > INT_MAX)
        return rs_err_set(err, RS_EUSAGE, "%s.shp: feature %zu has too many rings", w->prefix,
                          w->n + 1);
    fe->nv = (int)(w->nv - fe->v0);
    fe->np = (int)nparts;
    return RS_OK;
}

int rs_shpout_add(rs_shpout *w, const GEOSGeometry *geom, const char *const *values)
{
    if (w == NULL)
        return RS_EUSAGE;
    rs_err *err = rs_geo_err(w->g);
    if (geom == NULL)
        return rs_err_set(err, RS_EUSAGE, "%s.shp: feature %zu has no geometry", w->prefix,
                          w->n + 1);
    if (values == NULL)
        return rs_err_set(err, RS_EUSAGE, "%s.dbf: feature %zu has no values", w->prefix,
                          w->n + 1);
    if (w->n >= INT_MAX - 1)
        return rs_err_set(err, RS_EUSAGE, "%s.shp: too many features", w->prefix);

    size_t nv0 = w->nv, np0 = w->np, pool0 = w->pool_len;
    int rc;
    /* values first (cheap to undo), then the geometry */
    if (grow((void **)&w->vals, &w->vals_cap, (w->n + 1) * w->nfields, sizeof *w->vals) != 0 ||
        grow((void **)&w->feats, &w->feats_cap, w->n + 1, sizeof *w->feats) != 0) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto undo;
    }
    size_t *vals = w->vals + w->n * w->nfields;
    for (size_t k = 0; k < w->nfields; k++) {
        char buf[320];
        const char *why = "";
        int r = canon_value(&w->fields[k], values[k], buf, sizeof buf, &why);
        if (r < 0) {
            rc = rs_err_set(err, RS_EUSAGE, "%s.dbf: feature %zu, field %s: \"%.60s\" %s",
                            w->prefix, w->n + 1, w->fields[k].name, values[k], why);
            goto undo;
        }
        if (r == 0) {
            vals[k] = NO_VALUE;
            continue;
        }
        size_t len = strlen(buf) + 1;
        if (grow((void **)&w->pool, &w->pool_cap, w->pool_len + len, 1) != 0) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            goto undo;
        }
        memcpy(w->pool + w->pool_len, buf, len);
        vals[k] = w->pool_len;
        w->pool_len += len;
    }
    feat fe;
    if ((rc = add_geometry(w, geom, &fe)) != RS_OK)
        goto undo;
    w->feats[w->n++] = fe;
    return RS_OK;
undo:
    w->nv = nv0;
    w->np = np0;
    w->pool_len = pool0;
    return rc;
}
