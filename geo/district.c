/*
 * district.c — policing districts: named polygons in British National Grid
 * (see district.h).
 *
 * Core data structure: an array of rs_district records (name, code, one
 * GEOS Polygon/MultiPolygon in EPSG:27700, its area and vertex count) plus
 * the bounding box of all of them.  The set is immutable once built.
 *
 * Reading a shapefile goes: validate the four files by hand (headers, sizes,
 * every .shx entry against the .shp record it points at, the .dbf record
 * count) -> read with shapelib -> reproject the raw coordinates with PROJ
 * unless the .prj is already British National Grid -> sort rings into
 * shells and holes by containment (not by their winding, which writers get
 * wrong) -> check validity, repair with GEOSMakeValid and report the repair.
 *
 * The parts: district.c the set (building, adding, freeing, the accessors)
 * and the two readers, shapefile and WKB; district_file.c the paths and the
 * hand validation of the files, and the .prj; district_geom.c the rings
 * into polygons and the validity check and repair; district_int.h what
 * they share.
 *
 * Workload: tens of districts, up to a few hundred thousand vertices, read
 * once per workspace; nothing here is on a per-point path.
 *
 * shapelib 1.5's SAHooks.Error takes only the message (no user pointer), so
 * it cannot reach an rs_err without global or thread-local state.  The hook
 * installed here is silent instead, and every shapelib failure is reported
 * from its return value; the hand validation before it (district_file.c)
 * catches the corruptions shapelib would have complained about.
 */
#include "utf8.h"
#include "district.h"
#include "district_int.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs.h"

typedef struct rs_district {
    char *name;
    char *code; /* "" when none */
    GEOSGeometry *geom;
    double area;
    size_t nverts;
} rs_district;

struct rs_districts {
    rs_geo *g; /* the context the geometries were made in: must outlive the set */
    size_t n;
    rs_district *v;
    double xmin, ymin, xmax, ymax;
    size_t *slot;  /* open-addressing hash of names: index + 1, 0 empty */
    size_t nslot;  /* a power of two, at least twice the capacity */
};

/* FNV-1a of a name, for the name hash. */
static size_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

/* ---- small helpers ------------------------------------------------------ */

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* 1 when s is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
/* A DBF string as trimmed UTF-8 in a new buffer (caller frees), or NULL
 * when memory runs out.  Invalid UTF-8 is taken to be Latin-1. */
static char *dbf_text(const char *raw)
{
    if (raw == NULL)
        raw = "";
    while (*raw == ' ' || *raw == '\t')
        raw++;
    size_t n = strlen(raw);
    while (n > 0 && (raw[n - 1] == ' ' || raw[n - 1] == '\t' || raw[n - 1] == '\r' ||
                     raw[n - 1] == '\n'))
        n--;
    char *s = malloc(2 * n + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, raw, n);
    s[n] = '\0';
    if (rs_utf8_valid((const unsigned char *)s))
        return s;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c < 0x80) {
            s[k++] = (char)c;
        } else {
            s[k++] = (char)(0xC0 | c >> 6);
            s[k++] = (char)(0x80 | (c & 0x3F));
        }
    }
    s[k] = '\0';
    return s;
}

/* ---- the set ------------------------------------------------------------ */

static rs_districts *set_new(rs_geo *g, size_t n)
{
    rs_districts *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    d->g = g;
    d->v = calloc(n ? n : 1, sizeof *d->v);
    d->nslot = 16;
    while (d->nslot < 2 * n)
        d->nslot *= 2;
    d->slot = calloc(d->nslot, sizeof *d->slot);
    if (d->v == NULL || d->slot == NULL) {
        free(d->v);
        free(d->slot);
        free(d);
        return NULL;
    }
    return d;
}

/* Adds name/code/geom (taking ownership of geom even on failure) as the
 * next district.  Refuses an empty or repeated name. */
static int set_add(rs_geo *g, rs_districts *d, const char *name, const char *code,
                   GEOSGeometry *geom, const char *where)
{
    GEOSContextHandle_t h = rs_geo_geos(g);
    if (name[0] == '\0') {
        GEOSGeom_destroy_r(h, geom);
        return rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: empty name", where);
    }
    size_t at = name_hash(name) & (d->nslot - 1);
    for (; d->slot[at] != 0; at = (at + 1) & (d->nslot - 1)) {
        size_t i = d->slot[at] - 1;
        if (strcmp(d->v[i].name, name) == 0) {
            GEOSGeom_destroy_r(h, geom);
            return rs_err_set(rs_geo_err(g), RS_EINPUT,
                              "%s: name \"%s\" already used by district %zu", where, name, i + 1);
        }
    }
    double area = 0, xmin, ymin, xmax, ymax;
    int nc = GEOSGetNumCoordinates_r(h, geom);
    if (!GEOSArea_r(h, geom, &area) || nc < 0 || !GEOSGeom_getXMin_r(h, geom, &xmin) ||
        !GEOSGeom_getYMin_r(h, geom, &ymin) || !GEOSGeom_getXMax_r(h, geom, &xmax) ||
        !GEOSGeom_getYMax_r(h, geom, &ymax)) {
        GEOSGeom_destroy_r(h, geom);
        return rs_geo_fail(g, RS_ERR, where);
    }
    if (!isfinite(area) || !isfinite(xmin) || !isfinite(ymin) || !isfinite(xmax) ||
        !isfinite(ymax)) {
        GEOSGeom_destroy_r(h, geom);
        return rs_err_set(rs_geo_err(g), RS_EINPUT,
                          "%s: coordinates out of range (area not finite)", where);
    }
    rs_district *r = &d->v[d->n];
    r->name = dup_str(name);
    r->code = dup_str(code ? code : "");
    if (r->name == NULL || r->code == NULL) {
        free(r->name);
        free(r->code);
        r->name = r->code = NULL;
        GEOSGeom_destroy_r(h, geom);
        return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    }
    r->geom = geom;
    r->area = area;
    r->nverts = (size_t)nc;
    d->slot[at] = d->n + 1;
    if (d->n == 0) {
        d->xmin = xmin, d->ymin = ymin, d->xmax = xmax, d->ymax = ymax;
    } else {
        d->xmin = fmin(d->xmin, xmin), d->ymin = fmin(d->ymin, ymin);
        d->xmax = fmax(d->xmax, xmax), d->ymax = fmax(d->ymax, ymax);
    }
    d->n++;
    return RS_OK;
}

void rs_districts_free(rs_districts *d)
{
    if (d == NULL)
        return;
    GEOSContextHandle_t h = rs_geo_geos(d->g);
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].name);
        free(d->v[i].code);
        GEOSGeom_destroy_r(h, d->v[i].geom);
    }
    free(d->v);
    free(d->slot);
    free(d);
}

/* Lists the DBF's field names into buf, comma separated. */
static void list_fields(DBFHandle dbf, char *buf, size_t size)
{
    size_t k = 0;
    buf[0] = '\0';
    int n = DBFGetFieldCount(dbf);
    for (int i = 0; i < n && k + 1 < size; i++) {
        char fname[XBASE_FLDNAME_LEN_READ + 1];
        DBFGetFieldInfo(dbf, i, fname, NULL, NULL);
        int w = snprintf(buf + k, size - k, "%s%s", i ? ", " : "", fname);
        if (w < 0)
            break;
        k += (size_t)w;
    }
}

int rs_districts_from_shapefile(rs_geo *g, const char *shp_path, const char *name_field,
                                const char *code_field, rs_district_repair_cb repaired,
                                void *user, rs_districts **out)
{
    if (g == NULL || out == NULL)
        return RS_EUSAGE;
    *out = NULL;
    if (shp_path == NULL || name_field == NULL)
        return rs_err_set(rs_geo_err(g), RS_EUSAGE,
                          "rs_districts_from_shapefile: a path and a name field are required");

    shp_paths *p = calloc(1, sizeof *p);
    SHPHandle shp = NULL;
    DBFHandle dbf = NULL;
    rs_crs *crs = NULL;
    rs_districts *d = NULL;
    SHPObject *o = NULL;
    char *name = NULL, *code = NULL;
    int rc, nrec = 0;
    if (p == NULL)
        return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    if ((rc = rs_dist_make_paths(g, shp_path, p)) != RS_OK)
        goto done;
    if ((rc = rs_dist_validate_files(g, p, &nrec)) != RS_OK)
        goto done;
    if (nrec == 0) {
        /* an empty layer (a failed export, a filter that matched nothing)
         * would replace a workspace's districts with none */
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: no districts in it (0 records)", p->shp);
        goto done;
    }
    if ((rc = rs_shp_open_bng(g, p, &crs, &shp, &dbf)) != RS_OK)
        goto done;
    int nent = 0, stype = 0;
    SHPGetInfo(shp, &nent, &stype, NULL, NULL);
    if (nent != nrec || DBFGetRecordCount(dbf) != nrec) {
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: shapelib sees %d shapes and %d records, "
                        "expected %d", p->shp, nent, DBFGetRecordCount(dbf), nrec);
        goto done;
    }
    int name_i = DBFGetFieldIndex(dbf, name_field);
    int code_i = code_field ? DBFGetFieldIndex(dbf, code_field) : -1;
    if (name_i < 0 || (code_field && code_i < 0)) {
        char fields[512];
        list_fields(dbf, fields, sizeof fields);
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: no field \"%s\" (fields: %s)", p->dbf,
                        name_i < 0 ? name_field : code_field, fields);
        goto done;
    }

    d = set_new(g, (size_t)nrec);
    if (d == NULL) {
        rc = rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < nrec; i++) {
        char where[4400];
        name = dbf_text(DBFIsAttributeNULL(dbf, i, name_i) ? ""
                                                            : DBFReadStringAttribute(dbf, i, name_i));
        code = dbf_text(code_i < 0 || DBFIsAttributeNULL(dbf, i, code_i)
                            ? ""
                            : DBFReadStringAttribute(dbf, i, code_i));
        if (name == NULL || code == NULL) {
            rc = rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
            goto done;
        }
        if (name[0] == '\0') {
            rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: record %d: empty name in field %s",
                            p->dbf, i + 1, name_field);
            goto done;
        }
        snprintf(where, sizeof where, "%s: record %d (%s)", p->shp, i + 1, name);
        o = SHPReadObject(shp, i);
        if (o == NULL) {
            rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: shapelib cannot read it", where);
            goto done;
        }
        if (o->nSHPType == SHPT_NULL || o->nVertices == 0) {
            rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: no geometry", where);
            goto done;
        }
        if (crs && rs_crs_trans(crs, o->padfX, o->padfY, (size_t)o->nVertices) != 0) {
            rc = rs_err_set(rs_geo_err(g), RS_EINPUT,
                            "%s: coordinates cannot be transformed to British National Grid",
                            where);
            goto done;
        }
        GEOSGeometry *geom = rs_dist_build_geometry(g, o, where);
        SHPDestroyObject(o);
        o = NULL;
        if (geom == NULL) {
            rc = rs_geo_err(g)->code ? rs_geo_err(g)->code : RS_ERR;
            goto done;
        }
        if ((rc = rs_dist_ensure_valid(g, &geom, name, where, repaired, user)) != RS_OK) {
            GEOSGeom_destroy_r(rs_geo_geos(g), geom);
            goto done;
        }
        if ((rc = set_add(g, d, name, code, geom, where)) != RS_OK)
            goto done;
        free(name);
        free(code);
        name = code = NULL;
    }
    *out = d;
    d = NULL;
    rc = RS_OK;
done:
    free(name);
    free(code);
    if (o)
        SHPDestroyObject(o);
    rs_districts_free(d);
    if (dbf)
        DBFClose(dbf);
    if (shp)
        SHPClose(shp);
    rs_crs_free(crs);
    free(p);
    return rc;
}

int rs_districts_from_wkb(rs_geo *g, size_t n, const char *const *names,
                          const char *const *codes, const unsigned char *const *wkb,
                          const size_t *wkb_len, rs_districts **out)
{
    if (g == NULL || out == NULL)
        return RS_EUSAGE;
    *out = NULL;
    if (n > 0 && (names == NULL || wkb == NULL || wkb_len == NULL))
        return rs_err_set(rs_geo_err(g), RS_EUSAGE, "rs_districts_from_wkb: NULL arrays");
    GEOSContextHandle_t h = rs_geo_geos(g);
    int rc = RS_OK;
    rs_districts *d = set_new(g, n);
    GEOSWKBReader *rd = GEOSWKBReader_create_r(h);
    if (d == NULL || rd == NULL) {
        rc = rd ? rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory")
                : rs_geo_fail(g, RS_ERR, "GEOSWKBReader_create");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        char where[300];
        const char *name = names[i] ? names[i] : "";
        snprintf(where, sizeof where, "district %zu (%.200s)", i + 1, name);
        if (wkb[i] == NULL) {
            rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: no WKB", where);
            goto done;
        }
        GEOSGeometry *geom = GEOSWKBReader_read_r(h, rd, wkb[i], wkb_len[i]);
        if (geom == NULL) {
            rc = rs_geo_fail(g, RS_EINPUT, where);
            goto done;
        }
        int type = GEOSGeomTypeId_r(h, geom);
        if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) {
            GEOSGeom_destroy_r(h, geom);
            rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: not a polygon (GEOS type %d)", where,
                            type);
            goto done;
        }
        char v = GEOSisValid_r(h, geom);
        if (v != 1) {
            char *reason = v == 0 ? GEOSisValidReason_r(h, geom) : NULL;
            GEOSGeom_destroy_r(h, geom);
            if (v == 0)
                rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: invalid polygon (%s)", where,
                                reason ? reason : "unknown reason");
            else
                rc = rs_geo_fail(g, RS_ERR, where);
            if (reason)
                GEOSFree_r(h, reason);
            goto done;
        }
        if ((rc = set_add(g, d, name, codes ? codes[i] : NULL, geom, where)) != RS_OK)
            goto done;
    }
    *out = d;
    d = NULL;
done:
    if (rd)
        GEOSWKBReader_destroy_r(h, rd);
    rs_districts_free(d);
    return rc;
}

size_t rs_districts_count(const rs_districts *d) { return d ? d->n : 0; }
const char *rs_districts_name(const rs_districts *d, size_t i) { return d->v[i].name; }
const char *rs_districts_code(const rs_districts *d, size_t i) { return d->v[i].code; }
double rs_districts_area_m2(const rs_districts *d, size_t i) { return d->v[i].area; }
size_t rs_districts_vertices(const rs_districts *d, size_t i) { return d->v[i].nverts; }
const GEOSGeometry *rs_districts_geom(const rs_districts *d, size_t i) { return d->v[i].geom; }

int rs_districts_wkb(rs_geo *g, const rs_districts *d, size_t i, unsigned char **wkb, size_t *len)
{
    if (g == NULL || d == NULL || wkb == NULL || len == NULL)
        return RS_EUSAGE;
    *wkb = NULL;
    *len = 0;
    if (i >= d->n)
        return rs_err_set(rs_geo_err(g), RS_EUSAGE, "district %zu of %zu", i, d->n);
    GEOSContextHandle_t h = rs_geo_geos(g);
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(h);
    if (w == NULL)
        return rs_geo_fail(g, RS_ERR, "GEOSWKBWriter_create");
    GEOSWKBWriter_setByteOrder_r(h, w, GEOS_WKB_NDR);
    GEOSWKBWriter_setFlavor_r(h, w, GEOS_WKB_ISO);
    GEOSWKBWriter_setOutputDimension_r(h, w, 2);
    size_t n = 0;
    unsigned char *buf = GEOSWKBWriter_write_r(h, w, d->v[i].geom, &n);
    GEOSWKBWriter_destroy_r(h, w);
    if (buf == NULL)
        return rs_geo_fail(g, RS_ERR, "GEOSWKBWriter_write");
    unsigned char *copy = malloc(n ? n : 1);
    if (copy == NULL) {
        GEOSFree_r(h, buf);
        return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    }
    memcpy(copy, buf, n);
    GEOSFree_r(h, buf);
    *wkb = copy;
    *len = n;
    return RS_OK;
}

void rs_districts_extent(const rs_districts *d, double *xmin, double *ymin, double *xmax,
                         double *ymax)
{
    *xmin = d ? d->xmin : 0;
    *ymin = d ? d->ymin : 0;
    *xmax = d ? d->xmax : 0;
    *ymax = d ? d->ymax : 0;
}
