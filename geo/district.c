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
 * Workload: tens of districts, up to a few hundred thousand vertices, read
 * once per workspace; nothing here is on a per-point path.
 *
 * shapelib 1.5's SAHooks.Error takes only the message (no user pointer), so
 * it cannot reach an rs_err without global or thread-local state.  The hook
 * installed here is silent instead, and every shapelib failure is reported
 * from its return value; the hand validation before it catches the
 * corruptions shapelib would have complained about.
 */
#include "utf8.h"
#include "district.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapefil.h>

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
};

/* ---- small helpers ------------------------------------------------------ */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
static uint32_t le16(const unsigned char *p) { return (uint32_t)p[1] << 8 | p[0]; }

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Size of an open file in bytes, or -1. */
static long file_size(FILE *f)
{
    if (fseek(f, 0, SEEK_END) != 0)
        return -1;
    long n = ftell(f);
    if (fseek(f, 0, SEEK_SET) != 0)
        return -1;
    return n;
}

/* Reads n bytes at off; 0 on success, -1 when the file is shorter. */
static int read_at(FILE *f, long off, void *buf, size_t n)
{
    if (fseek(f, off, SEEK_SET) != 0)
        return -1;
    return fread(buf, 1, n, f) == n ? 0 : -1;
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

static void quiet_shapelib_error(const char *message)
{
    (void)message; /* see the file comment: failures are reported by return value */
}

/* ---- file validation ---------------------------------------------------- */

typedef struct shp_paths {
    char shp[4096], shx[4096], dbf[4096], prj[4096];
} shp_paths;

/* Fills the four sibling paths from "x.shp" (or "x" with no extension);
 * sibling extensions follow the case of the .shp's. */
static int make_paths(rs_geo *g, const char *shp_path, shp_paths *p)
{
    size_t len = strlen(shp_path);
    size_t base = len;
    int upper = 0;
    if (len > 4 && shp_path[len - 4] == '.') {
        const char *ext = shp_path + len - 4;
        if (strcmp(ext, ".shp") == 0 || strcmp(ext, ".SHP") == 0) {
            base = len - 4;
            upper = ext[1] == 'S';
        }
    }
    if (base + 5 > sizeof p->shp)
        return rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: path too long", shp_path);
    snprintf(p->shp, sizeof p->shp, "%.*s.%s", (int)base, shp_path, upper ? "SHP" : "shp");
    snprintf(p->shx, sizeof p->shx, "%.*s.%s", (int)base, shp_path, upper ? "SHX" : "shx");
    snprintf(p->dbf, sizeof p->dbf, "%.*s.%s", (int)base, shp_path, upper ? "DBF" : "dbf");
    snprintf(p->prj, sizeof p->prj, "%.*s.%s", (int)base, shp_path, upper ? "PRJ" : "prj");
    return RS_OK;
}

static FILE *open_required(rs_geo *g, const char *path, const char *why)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (errno == ENOENT)
            rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: missing (%s)", path, why);
        else
            rs_err_set(rs_geo_err(g), RS_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    return f;
}

static const char *shape_kind(uint32_t type)
{
    switch (type) {
    case SHPT_NULL: return "only null shapes";
    case SHPT_POINT: case SHPT_POINTZ: case SHPT_POINTM: return "points";
    case SHPT_ARC: case SHPT_ARCZ: case SHPT_ARCM: return "lines";
    case SHPT_MULTIPOINT: case SHPT_MULTIPOINTZ: case SHPT_MULTIPOINTM: return "multipoints";
    case SHPT_MULTIPATCH: return "multipatches";
    default: return NULL;
    }
}

/* Checks the 100-byte main header shared by .shp and .shx: file code,
 * version, file length against the real size, shape type.  Returns 0 and
 * *type, or RS_EINPUT. */
static int check_main_header(rs_geo *g, const char *path, FILE *f, long size, uint32_t *type)
{
    unsigned char h[100];
    if (size < 100 || read_at(f, 0, h, sizeof h) != 0)
        return rs_err_set(rs_geo_err(g), RS_EINPUT,
                          "%s: truncated (%ld bytes; a shapefile header alone is 100)", path, size);
    if (be32(h) != 9994)
        return rs_err_set(rs_geo_err(g), RS_EINPUT,
                          "%s: not a shapefile (file code %u, expected 9994)", path, be32(h));
    if (le32(h + 28) != 1000)
        return rs_err_set(rs_geo_err(g), RS_EINPUT,
                          "%s: unsupported version %u (expected 1000)", path, le32(h + 28));
    uint64_t stated = (uint64_t)be32(h + 24) * 2;
    if (stated != (uint64_t)size)
        return rs_err_set(rs_geo_err(g), RS_EINPUT,
                          "%s: header says %llu bytes but the file has %ld (truncated or "
                          "corrupt)",
                          path, (unsigned long long)stated, size);
    *type = le32(h + 32);
    if (*type != SHPT_POLYGON && *type != SHPT_POLYGONZ && *type != SHPT_POLYGONM) {
        const char *kind = shape_kind(*type);
        if (kind)
            return rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: holds %s, not polygons", path, kind);
        return rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: unknown shape type %u", path, *type);
    }
    return RS_OK;
}

/* Validates .shp, .shx, .dbf and the presence of .prj before shapelib sees
 * them.  Returns 0 and the record count, or RS_EINPUT / RS_EIO. */
static int validate_files(rs_geo *g, const shp_paths *p, int *nrec)
{
    FILE *shp = NULL, *shx = NULL, *dbf = NULL, *prj = NULL;
    int rc = RS_OK;
    shp = open_required(g, p->shp, "the shapes are required");
    if (shp == NULL) {
        rc = rs_geo_err(g)->code;
        goto done;
    }
    shx = open_required(g, p->shx, "the shapefile's index is required");
    if (shx == NULL) {
        rc = rs_geo_err(g)->code;
        goto done;
    }
    dbf = open_required(g, p->dbf, "the attribute table with the names is required");
    if (dbf == NULL) {
        rc = rs_geo_err(g)->code;
        goto done;
    }
    prj = open_required(g, p->prj, "a shapefile's CRS is required");
    if (prj == NULL) {
        rc = rs_geo_err(g)->code;
        goto done;
    }

    long shp_size = file_size(shp), shx_size = file_size(shx), dbf_size = file_size(dbf);
    if (shp_size < 0 || shx_size < 0 || dbf_size < 0) {
        rc = rs_err_set(rs_geo_err(g), RS_EIO, "%s: cannot read file sizes", p->shp);
        goto done;
    }
    uint32_t shp_type = 0, shx_type = 0;
    if ((rc = check_main_header(g, p->shp, shp, shp_size, &shp_type)) != RS_OK)
        goto done;
    if ((rc = check_main_header(g, p->shx, shx, shx_size, &shx_type)) != RS_OK)
        goto done;
    if (shp_type != shx_type) {
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: shape type %u but %s says %u", p->shx,
                        shx_type, p->shp, shp_type);
        goto done;
    }
    if ((shx_size - 100) % 8 != 0) {
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT,
                        "%s: %ld bytes of entries is not a whole number of 8-byte entries",
                        p->shx, shx_size - 100);
        goto done;
    }
    long count = (shx_size - 100) / 8;
    if (count > 0x7fffffffL / 2) {
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: too many records", p->shx);
        goto done;
    }
    /* every index entry must point at a record inside the .shp whose own
     * header agrees on number and length */
    for (long i = 0; i < count; i++) {
        unsigned char e[8], r[12];
        if (read_at(shx, 100 + 8 * i, e, sizeof e) != 0) {
            rc = rs_err_set(rs_geo_err(g), RS_EIO, "%s: cannot read entry %ld", p->shx, i + 1);
            goto done;
        }
        uint64_t off = (uint64_t)be32(e) * 2, len = (uint64_t)be32(e + 4) * 2;
        if (off < 100 || off + 8 + len > (uint64_t)shp_size) {
            rc = rs_err_set(rs_geo_err(g), RS_EINPUT,
                            "%s: record %ld at byte %llu (+%llu) lies outside %s (%ld bytes)",
                            p->shx, i + 1, (unsigned long long)off,
                            (unsigned long long)(len + 8), p->shp, shp_size);
            goto done;
        }
        if (len < 4) {
            rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: record %ld has length %llu", p->shx,
                            i + 1, (unsigned long long)len);
            goto done;
        }
        if (read_at(shp, (long)off, r, sizeof r) != 0) {
            rc = rs_err_set(rs_geo_err(g), RS_EIO, "%s: cannot read record %ld", p->shp, i + 1);
            goto done;
        }
        if (be32(r) != (uint32_t)(i + 1) || (uint64_t)be32(r + 4) * 2 != len) {
            rc = rs_err_set(rs_geo_err(g), RS_EINPUT,
                            "%s: record %ld disagrees with %s (record header says number %u, "
                            "%u bytes; index says %llu bytes at byte %llu)",
                            p->shp, i + 1, p->shx, be32(r), be32(r + 4) * 2,
                            (unsigned long long)len, (unsigned long long)off);
            goto done;
        }
        uint32_t rtype = le32(r + 8);
        if (rtype != SHPT_NULL && rtype != shp_type) {
            rc = rs_err_set(rs_geo_err(g), RS_EINPUT,
                            "%s: record %ld has shape type %u in a file of type %u", p->shp,
                            i + 1, rtype, shp_type);
            goto done;
        }
    }

    unsigned char d[32];
    if (dbf_size < 32 || read_at(dbf, 0, d, sizeof d) != 0) {
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: truncated (%ld bytes)", p->dbf, dbf_size);
        goto done;
    }
    uint32_t drec = le32(d + 4), dhead = le16(d + 8), dlen = le16(d + 10);
    if (dhead < 33 || dlen < 1 ||
        (uint64_t)dhead + (uint64_t)drec * dlen > (uint64_t)dbf_size) {
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT,
                        "%s: truncated or corrupt (header %u bytes, %u records of %u bytes, "
                        "file %ld bytes)",
                        p->dbf, dhead, drec, dlen, dbf_size);
        goto done;
    }
    if ((long)drec != count) {
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: %u records but %s indexes %ld shapes",
                        p->dbf, drec, p->shx, count);
        goto done;
    }
    *nrec = (int)count;
done:
    if (shp)
        fclose(shp);
    if (shx)
        fclose(shx);
    if (dbf)
        fclose(dbf);
    if (prj)
        fclose(prj);
    return rc;
}

/* The .prj text in a new buffer (caller frees), or NULL with the error set. */
static char *read_prj(rs_geo *g, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: missing (a shapefile's CRS is required)", path);
        return NULL;
    }
    long n = file_size(f);
    char *s = NULL;
    if (n < 0 || n > (1L << 20)) {
        rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: unreadable or too large for a .prj", path);
        goto done;
    }
    s = malloc((size_t)n + 1);
    if (s == NULL) {
        rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        goto done;
    }
    if (fread(s, 1, (size_t)n, f) != (size_t)n) {
        rs_err_set(rs_geo_err(g), RS_EIO, "%s: read failed", path);
        free(s);
        s = NULL;
        goto done;
    }
    s[n] = '\0';
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
    if (n == 0) {
        rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: empty (a shapefile's CRS is required)", path);
        free(s);
        s = NULL;
    }
done:
    fclose(f);
    return s;
}

/* 1 when the CRS text is British National Grid, 0 when it is another CRS,
 * RS_EINPUT (negative) when PROJ does not understand it. */
static int prj_is_bng(rs_geo *g, const char *path, const char *prj)
{
    PJ_CONTEXT *ctx = rs_geo_proj(g);
    PJ *a = proj_create(ctx, prj);
    if (a == NULL || !proj_is_crs(a)) {
        int err = proj_context_errno(ctx);
        proj_destroy(a);
        return rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: CRS not understood (%s)", path,
                          err ? proj_context_errno_string(ctx, err) : "not a CRS");
    }
    PJ *b = proj_create(ctx, "EPSG:27700");
    int same = b ? proj_is_equivalent_to_with_ctx(ctx, a, b, PJ_COMP_EQUIVALENT) : 0;
    proj_destroy(a);
    proj_destroy(b);
    return same ? 1 : 0;
}

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
static GEOSGeometry *build_geometry(rs_geo *g, const SHPObject *o, const char *where)
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
static int ensure_valid(rs_geo *g, GEOSGeometry **geom, const char *name, const char *where,
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

/* ---- the set ------------------------------------------------------------ */

static rs_districts *set_new(rs_geo *g, size_t n)
{
    rs_districts *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    d->g = g;
    d->v = calloc(n ? n : 1, sizeof *d->v);
    if (d->v == NULL) {
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
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->v[i].name, name) == 0) {
            GEOSGeom_destroy_r(h, geom);
            return rs_err_set(rs_geo_err(g), RS_EINPUT,
                              "%s: name \"%s\" already used by district %zu", where, name, i + 1);
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
    char *prj = NULL;
    SHPHandle shp = NULL;
    DBFHandle dbf = NULL;
    rs_crs *crs = NULL;
    rs_districts *d = NULL;
    SHPObject *o = NULL;
    char *name = NULL, *code = NULL;
    int rc, nrec = 0;
    if (p == NULL)
        return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    if ((rc = make_paths(g, shp_path, p)) != RS_OK)
        goto done;
    if ((rc = validate_files(g, p, &nrec)) != RS_OK)
        goto done;
    if (nrec == 0) {
        /* an empty layer (a failed export, a filter that matched nothing)
         * would replace a workspace's districts with none */
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: no districts in it (0 records)", p->shp);
        goto done;
    }
    if ((prj = read_prj(g, p->prj)) == NULL) {
        rc = rs_geo_err(g)->code;
        goto done;
    }
    int bng = prj_is_bng(g, p->prj, prj);
    if (bng < 0) {
        rc = bng;
        goto done;
    }
    if (!bng && (rc = rs_crs_new(g, prj, "EPSG:27700", &crs)) != RS_OK) {
        rs_err_prefix(rs_geo_err(g), "%s", p->prj);
        goto done;
    }

    SAHooks hooks;
    SASetupDefaultHooks(&hooks);
    hooks.Error = quiet_shapelib_error;
    shp = SHPOpenLL(p->shp, "rb", &hooks);
    if (shp == NULL) {
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: shapelib cannot open it", p->shp);
        goto done;
    }
    dbf = DBFOpenLL(p->dbf, "rb", &hooks);
    if (dbf == NULL) {
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: shapelib cannot open it", p->dbf);
        goto done;
    }
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
        GEOSGeometry *geom = build_geometry(g, o, where);
        SHPDestroyObject(o);
        o = NULL;
        if (geom == NULL) {
            rc = rs_geo_err(g)->code ? rs_geo_err(g)->code : RS_ERR;
            goto done;
        }
        if ((rc = ensure_valid(g, &geom, name, where, repaired, user)) != RS_OK) {
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
    free(prj);
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
