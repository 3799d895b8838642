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

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <shapefil.h>

#define NO_VALUE SIZE_MAX
#define TEXT_MAX 254   /* DBF 'C' field width limit */
#define INT_WIDTH_MAX 19
#define REAL_WIDTH_MAX 33
#define DECIMALS_MAX 15
#define FIELDS_MAX 255

typedef struct field {
    char name[11];
    rs_field_type type;
    int decimals;
} field;

typedef struct feat {
    size_t v0; /* first vertex in xs/ys */
    size_t p0; /* first ring start in parts (polygons) */
    int nv, np;
} feat;

struct rs_shpout {
    rs_geo *g;
    char *prefix;
    rs_shp_kind kind;
    char *wkt; /* ESRI WKT1 for the .prj */
    size_t nfields;
    field *fields;

    feat *feats;
    size_t n, feats_cap;
    double *xs, *ys;
    size_t nv, x_cap, y_cap;
    int *parts;
    size_t np, p_cap;
    size_t *vals; /* n * nfields offsets into pool, NO_VALUE = null */
    size_t vals_cap;
    char *pool;
    size_t pool_len, pool_cap;
};

/* ---- small helpers ------------------------------------------------------ */

static void quiet_shapelib_error(const char *message)
{
    (void)message; /* see the file comment: failures are reported from return values */
}

static void shapelib_hooks(SAHooks *h)
{
    SASetupDefaultHooks(h);
    h->Error = quiet_shapelib_error;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

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

/* "base" + "ext" in a new string, or NULL. */
static char *cat2(const char *base, const char *ext)
{
    size_t a = strlen(base), b = strlen(ext);
    char *s = malloc(a + b + 1);
    if (s) {
        memcpy(s, base, a);
        memcpy(s + a, ext, b + 1);
    }
    return s;
}

/* 1 when s is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
/* Directory part of path ("." when none), in a new string. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return dup_str(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

/* fsync of a closed file or of a directory; 0 or -1 with errno. */
static int sync_path(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

/* Reserves a unique base name "PREFIX.tmp-XXXXXX" (an empty file made by
 * mkstemp, so no other writer can take it).  0 and *base, or RS_EIO naming
 * final_name (the file the user asked for). */
static int reserve_base(rs_geo *g, const char *prefix, const char *final_name, char **base)
{
    char *b = cat2(prefix, ".tmp-XXXXXX");
    if (b == NULL)
        return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    int fd = mkstemp(b);
    if (fd < 0) {
        int e = errno;
        rs_err_set(rs_geo_err(g), RS_EIO, "%s: cannot create a temporary file %s: %s",
                   final_name, b, strerror(e));
        free(b);
        return RS_EIO;
    }
    close(fd);
    *base = b;
    return RS_OK;
}

/* Writes len bytes to path, which must not exist yet (created "wx"),
 * flushed and synced.  0 or RS_EIO naming final_name (the file the user
 * asked for) and the reason; a partial file is removed. */
static int write_new_file(rs_geo *g, const char *path, const char *final_name, const char *data,
                          size_t len)
{
    errno = 0;
    FILE *f = fopen(path, "wx");
    if (f == NULL)
        return rs_err_set(rs_geo_err(g), RS_EIO, "%s: cannot create %s: %s", final_name, path,
                          strerror(errno));
    int ok = fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int e = errno;
    if (fclose(f) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        remove(path);
        return rs_err_set(rs_geo_err(g), RS_EIO, "%s: cannot write %s: %s", final_name, path,
                          strerror(e ? e : EIO));
    }
    return RS_OK;
}

/* ESRI WKT1 of EPSG:epsg from PROJ, in a new string.  0, RS_EUSAGE (not a
 * code), RS_ERR (PROJ does not know it or has no ESRI WKT) or RS_ENOMEM. */
static int prj_wkt(rs_geo *g, int epsg, char **out)
{
    if (epsg <= 0)
        return rs_err_set(rs_geo_err(g), RS_EUSAGE, "EPSG:%d is not an EPSG code", epsg);
    PJ_CONTEXT *ctx = rs_geo_proj(g);
    char code[32];
    snprintf(code, sizeof code, "EPSG:%d", epsg);
    PJ *crs = proj_create(ctx, code);
    if (crs == NULL) {
        int e = proj_context_errno(ctx);
        return rs_err_set(rs_geo_err(g), RS_ERR, "%s: PROJ does not know it: %s", code,
                          e ? proj_context_errno_string(ctx, e) : "no such object");
    }
    int rc = RS_OK;
    if (!proj_is_crs(crs)) {
        rc = rs_err_set(rs_geo_err(g), RS_ERR, "%s is not a coordinate reference system", code);
    } else {
        const char *w = proj_as_wkt(ctx, crs, PJ_WKT1_ESRI, NULL);
        if (w == NULL || *w == '\0')
            rc = rs_err_set(rs_geo_err(g), RS_ERR, "%s: PROJ has no ESRI WKT for it", code);
        else if ((*out = dup_str(w)) == NULL)
            rc = rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    }
    proj_destroy(crs);
    return rc;
}

/* Writes text to `path` atomically: base.tmp-XXXXXX<ext> then rename. */
static int write_atomic(rs_geo *g, const char *path, const char *prefix_for_tmp, const char *ext,
                        const char *data, size_t len)
{
    char *base = NULL, *tmp = NULL;
    int rc = reserve_base(g, prefix_for_tmp, path, &base);
    if (rc != RS_OK)
        return rc;
    if ((tmp = cat2(base, ext)) == NULL) {
        rc = rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = write_new_file(g, tmp, path, data, len)) != RS_OK)
        goto done;
    if (rename(tmp, path) != 0) {
        rc = rs_err_set(rs_geo_err(g), RS_EIO, "%s: cannot rename %s into place: %s", path, tmp,
                        strerror(errno));
        remove(tmp);
        goto done;
    }
    char *dir = dir_of(path);
    if (dir)
        (void)sync_path(dir); /* best effort: the data itself is synced */
    free(dir);
done:
    remove(base);
    free(base);
    free(tmp);
    return rc;
}

int rs_write_prj(rs_geo *g, const char *path, int epsg)
{
    if (g == NULL)
        return RS_EUSAGE;
    if (path == NULL || *path == '\0')
        return rs_err_set(rs_geo_err(g), RS_EUSAGE, "rs_write_prj: empty path");
    char *wkt = NULL, *prj = NULL;
    int rc = prj_wkt(g, epsg, &wkt);
    if (rc != RS_OK)
        return rc;
    if ((prj = cat2(path, ".prj")) == NULL) {
        rc = rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        goto done;
    }
    rc = write_atomic(g, prj, path, ".prj", wkt, strlen(wkt));
done:
    free(wkt);
    free(prj);
    return rc;
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
    w->prefix = dup_str(prefix);
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
    if ((rc = prj_wkt(g, epsg, &w->wkt)) != RS_OK) {
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

/* ---- commit ------------------------------------------------------------- */

/* The five files, in rename order.  .shp and .shx first and back to back:
 * each indexes the other, so the window in which a reader sees one new and
 * one old is as short as it can be.  Then .dbf (its record count must match
 * the .shp), then .prj and .cpg last: when a layer is written again they
 * are almost always byte-identical to the ones they replace, so lagging
 * behind costs a reader nothing. */
static const char *const exts[5] = {".shp", ".shx", ".dbf", ".prj", ".cpg"};
/* Spatial indexes other tools leave beside a layer; they describe the old
 * geometry, so they are removed before the new layer goes in. */
static const char *const stale_exts[3] = {".qix", ".sbn", ".sbx"};

typedef struct commit_state {
    char *base;     /* reserved PREFIX.tmp-XXXXXX */
    char *tmp[5];   /* base + exts[k] */
    char *final[5]; /* prefix + exts[k] */
    int *width;
} commit_state;

/* Field widths from the data: see shpout.h and the file comment. */
static int compute_widths(rs_shpout *w, int *width)
{
    long reclen = 1; /* deletion flag */
    for (size_t k = 0; k < w->nfields; k++) {
        const field *f = &w->fields[k];
        size_t wd = 1;
        if (f->type == RS_FIELD_DATE) {
            wd = 8;
        } else {
            if (f->type == RS_FIELD_REAL && f->decimals > 0)
                wd = (size_t)f->decimals + 2; /* room for "0." and the decimals */
            for (size_t r = 0; r < w->n; r++) {
                size_t off = w->vals[r * w->nfields + k];
                if (off != NO_VALUE) {
                    size_t len = strlen(w->pool + off);
                    if (len > wd)
                        wd = len;
                }
            }
        }
        width[k] = (int)wd;
        reclen += (long)wd;
    }
    if (reclen > 65535)
        return rs_err_set(rs_geo_err(w->g), RS_EUSAGE,
                          "%s.dbf: a record of %ld bytes is longer than DBF allows (65535)",
                          w->prefix, reclen);
    return RS_OK;
}

static int io_fail(rs_shpout *w, const char *file, const char *what)
{
    int e = errno;
    if (e)
        return rs_err_set(rs_geo_err(w->g), RS_EIO, "%s: %s: %s", file, what, strerror(e));
    return rs_err_set(rs_geo_err(w->g), RS_EIO, "%s: %s", file, what);
}

/* Writes .shp/.shx/.dbf with shapelib under the temporary names. */
static int write_shapes(rs_shpout *w, commit_state *cs)
{
    SAHooks hooks;
    shapelib_hooks(&hooks);
    SHPHandle shp = NULL;
    DBFHandle dbf = NULL;
    int rc = RS_OK;
    const char *fshp = cs->final[0], *fdbf = cs->final[2];

    errno = 0;
    shp = SHPCreateLL(cs->tmp[0], w->kind == RS_SHP_POINTS ? SHPT_POINT : SHPT_POLYGON, &hooks);
    if (shp == NULL) {
        rc = io_fail(w, fshp, "cannot create the temporary file");
        goto done;
    }
    errno = 0;
    dbf = DBFCreateLL(cs->tmp[2], NULL, &hooks); /* the .cpg is written by hand */
    if (dbf == NULL) {
        rc = io_fail(w, fdbf, "cannot create the temporary file");
        goto done;
    }
    for (size_t k = 0; k < w->nfields; k++) {
        const field *f = &w->fields[k];
        char type = f->type == RS_FIELD_TEXT ? 'C' : f->type == RS_FIELD_DATE ? 'D' : 'N';
        if (DBFAddNativeFieldType(dbf, f->name, type, cs->width[k], f->decimals) != (int)k) {
            rc = io_fail(w, fdbf, "cannot add a field");
            goto done;
        }
    }

    char buf[TEXT_MAX + 2];
    for (size_t r = 0; r < w->n; r++) {
        const feat *fe = &w->feats[r];
        SHPObject *o;
        if (w->kind == RS_SHP_POINTS)
            o = SHPCreateSimpleObject(SHPT_POINT, 1, w->xs + fe->v0, w->ys + fe->v0, NULL);
        else
            o = SHPCreateObject(SHPT_POLYGON, -1, fe->np, w->parts + fe->p0, NULL, fe->nv,
                                w->xs + fe->v0, w->ys + fe->v0, NULL, NULL);
        if (o == NULL) {
            rc = rs_err_set(rs_geo_err(w->g), RS_ENOMEM, "out of memory");
            goto done;
        }
        errno = 0;
        int id = SHPWriteObject(shp, -1, o);
        SHPDestroyObject(o);
        if (id != (int)r) {
            rc = io_fail(w, fshp, "cannot write a shape");
            goto done;
        }
        for (size_t k = 0; k < w->nfields; k++) {
            const field *f = &w->fields[k];
            size_t off = w->vals[r * w->nfields + k];
            int ok;
            errno = 0;
            if (off == NO_VALUE) {
                ok = DBFWriteNULLAttribute(dbf, (int)r, (int)k);
            } else if (f->type == RS_FIELD_TEXT) {
                ok = DBFWriteStringAttribute(dbf, (int)r, (int)k, w->pool + off);
            } else {
                /* numbers right-aligned to exactly the field width */
                int len = snprintf(buf, sizeof buf, "%*s", cs->width[k], w->pool + off);
                ok = len == cs->width[k] && DBFWriteAttributeDirectly(dbf, (int)r, (int)k, buf);
            }
            if (!ok) {
                rc = io_fail(w, fdbf, "cannot write a value");
                goto done;
            }
        }
    }
done:
    /* shapelib's close writes the headers but reports nothing: the
     * read-back in verify() is what proves them */
    if (shp)
        SHPClose(shp);
    if (dbf)
        DBFClose(dbf);
    return rc;
}

/* Trims the spaces DBF readers trim, for comparing text read back. */
static int same_trimmed(const char *got, const char *want)
{
    while (*want == ' ')
        want++;
    size_t n = strlen(want);
    while (n > 0 && want[n - 1] == ' ')
        n--;
    return strlen(got) == n && memcmp(got, want, n) == 0;
}

/* Reopens the temporaries with shapelib and compares every shape and value
 * with what was meant. */
static int verify(rs_shpout *w, commit_state *cs)
{
    SAHooks hooks;
    shapelib_hooks(&hooks);
    rs_err *err = rs_geo_err(w->g);
    const char *fshp = cs->final[0], *fdbf = cs->final[2];
    int rc = RS_OK;
    errno = 0;
    SHPHandle shp = SHPOpenLL(cs->tmp[0], "rb", &hooks);
    DBFHandle dbf = NULL;
    if (shp == NULL) {
        rc = io_fail(w, fshp, "the written file does not reopen");
        goto done;
    }
    errno = 0;
    if ((dbf = DBFOpenLL(cs->tmp[2], "rb", &hooks)) == NULL) {
        rc = io_fail(w, fdbf, "the written file does not reopen");
        goto done;
    }
    int nent = -1, stype = -1;
    SHPGetInfo(shp, &nent, &stype, NULL, NULL);
    int want_type = w->kind == RS_SHP_POINTS ? SHPT_POINT : SHPT_POLYGON;
    if (nent != (int)w->n || stype != want_type) {
        rc = rs_err_set(err, RS_EIO, "%s: read back %d shapes of type %d, wrote %zu of type %d",
                        fshp, nent, stype, w->n, want_type);
        goto done;
    }
    if (DBFGetRecordCount(dbf) != (int)w->n || DBFGetFieldCount(dbf) != (int)w->nfields) {
        rc = rs_err_set(err, RS_EIO, "%s: read back %d records and %d fields, wrote %zu and %zu",
                        fdbf, DBFGetRecordCount(dbf), DBFGetFieldCount(dbf), w->n, w->nfields);
        goto done;
    }
    for (size_t r = 0; r < w->n; r++) {
        const feat *fe = &w->feats[r];
        SHPObject *o = SHPReadObject(shp, (int)r);
        int same = o != NULL && o->nSHPType == want_type && o->nVertices == fe->nv &&
                   (w->kind == RS_SHP_POINTS || o->nParts == fe->np);
        for (int v = 0; same && v < fe->nv; v++)
            same = o->padfX[v] == w->xs[fe->v0 + (size_t)v] &&
                   o->padfY[v] == w->ys[fe->v0 + (size_t)v];
        for (int p = 0; same && w->kind == RS_SHP_POLYGONS && p < fe->np; p++)
            same = o->panPartStart[p] == w->parts[fe->p0 + (size_t)p];
        SHPDestroyObject(o);
        if (!same) {
            rc = rs_err_set(err, RS_EIO, "%s: shape %zu reads back different from what was written",
                            fshp, r);
            goto done;
        }
        for (size_t k = 0; k < w->nfields; k++) {
            size_t off = w->vals[r * w->nfields + k];
            int isnull = DBFIsAttributeNULL(dbf, (int)r, (int)k);
            const char *got = isnull ? NULL : DBFReadStringAttribute(dbf, (int)r, (int)k);
            if ((off == NO_VALUE) != (isnull != 0) ||
                (off != NO_VALUE && (got == NULL || !same_trimmed(got, w->pool + off)))) {
                rc = rs_err_set(err, RS_EIO,
                                "%s: record %zu field %s reads back different from what was "
                                "written",
                                fdbf, r, w->fields[k].name);
                goto done;
            }
        }
    }
done:
    if (shp)
        SHPClose(shp);
    if (dbf)
        DBFClose(dbf);
    return rc;
}

int rs_shpout_commit(rs_shpout *w)
{
    if (w == NULL)
        return RS_EUSAGE;
    rs_geo *g = w->g;
    rs_err *err = rs_geo_err(g);
    commit_state cs;
    memset(&cs, 0, sizeof cs);
    int rc = RS_OK, renamed = 0;
    char *dir = NULL;

    if (w->nfields > 0 && (cs.width = calloc(w->nfields, sizeof *cs.width)) == NULL) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = compute_widths(w, cs.width)) != RS_OK)
        goto done;
    for (int k = 0; k < 5; k++)
        if ((cs.final[k] = cat2(w->prefix, exts[k])) == NULL) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            goto done;
        }
    if ((rc = reserve_base(g, w->prefix, cs.final[0], &cs.base)) != RS_OK)
        goto done;
    for (int k = 0; k < 5; k++)
        if ((cs.tmp[k] = cat2(cs.base, exts[k])) == NULL) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            goto done;
        }
    if ((rc = write_shapes(w, &cs)) != RS_OK)
        goto done;
    if ((rc = write_new_file(g, cs.tmp[3], cs.final[3], w->wkt, strlen(w->wkt))) != RS_OK ||
        (rc = write_new_file(g, cs.tmp[4], cs.final[4], "UTF-8", 5)) != RS_OK)
        goto done;
    if ((rc = verify(w, &cs)) != RS_OK)
        goto done;
    for (int k = 0; k < 3; k++) /* .prj and .cpg were synced as written */
        if (sync_path(cs.tmp[k]) != 0) {
            rc = io_fail(w, cs.final[k], "cannot sync the temporary file");
            goto done;
        }
    /* nothing may stand in the way of a rename */
    for (int k = 0; k < 5; k++) {
        struct stat st;
        if (lstat(cs.final[k], &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = rs_err_set(err, RS_EIO, "%s: is a directory", cs.final[k]);
            goto done;
        }
    }
    for (int k = 0; k < 3; k++) {
        char *stale = cat2(w->prefix, stale_exts[k]);
        if (stale == NULL) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            goto done;
        }
        errno = 0;
        if (remove(stale) != 0 && errno != ENOENT) {
            rc = rs_err_set(err, RS_EIO, "%s: cannot remove the stale spatial index: %s", stale,
                            strerror(errno));
            free(stale);
            goto done;
        }
        free(stale);
    }
    for (int k = 0; k < 5; k++) {
        if (rename(cs.tmp[k], cs.final[k]) != 0) {
            rc = rs_err_set(err, RS_EIO, "%s: cannot rename %s into place: %s%s", cs.final[k],
                            cs.tmp[k], strerror(errno),
                            renamed ? " (the layer is now partly replaced)" : "");
            goto done;
        }
        renamed++;
    }
    if ((dir = dir_of(w->prefix)) != NULL)
        (void)sync_path(dir); /* best effort: makes the renames durable */
done:
    for (int k = renamed; k < 5; k++)
        if (cs.tmp[k])
            remove(cs.tmp[k]);
    if (cs.base)
        remove(cs.base);
    free(cs.base);
    for (int k = 0; k < 5; k++) {
        free(cs.tmp[k]);
        free(cs.final[k]);
    }
    free(cs.width);
    free(dir);
    rs_shpout_abort(w);
    return rc;
}
