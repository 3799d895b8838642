/*
 * district_file.c — the district reader's file checks (see district.c):
 * the four sibling paths of a shapefile, the hand validation of the .shp,
 * .shx and .dbf headers, sizes and index entries before shapelib reads
 * them, and the .prj text and whether it is British National Grid.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "district_int.h"

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

/* ---- file validation ---------------------------------------------------- */

/* Fills the four sibling paths from "x.shp" (or "x" with no extension);
 * sibling extensions follow the case of the .shp's. */
int rs_dist_make_paths(rs_geo *g, const char *shp_path, shp_paths *p)
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
static int check_main_header(rs_geo *g, const char *path, FILE *f, long size, uint32_t *type,
                             int polygons_only)
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
    if (!polygons_only && shape_kind(*type) != NULL)
        return RS_OK;
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
int rs_dist_validate_files(rs_geo *g, const shp_paths *p, int *nrec)
{
    uint32_t type;
    return rs_shp_validate_files(g, p, 1, nrec, &type);
}

int rs_shp_validate_files(rs_geo *g, const shp_paths *p, int polygons_only, int *nrec,
                          uint32_t *type)
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
    if ((rc = check_main_header(g, p->shp, shp, shp_size, &shp_type, polygons_only)) != RS_OK)
        goto done;
    if ((rc = check_main_header(g, p->shx, shx, shx_size, &shx_type, polygons_only)) != RS_OK)
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
    *type = shp_type;
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
char *rs_dist_read_prj(rs_geo *g, const char *path)
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
int rs_dist_prj_is_bng(rs_geo *g, const char *path, const char *prj)
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

static void quiet_shapelib_error(const char *message) { (void)message; }

int rs_shp_open_bng(rs_geo *g, const shp_paths *p, rs_crs **crs, SHPHandle *shp,
                    DBFHandle *dbf)
{
    int rc = RS_OK;
    char *prj = rs_dist_read_prj(g, p->prj);
    if (prj == NULL)
        return rs_geo_err(g)->code;
    int bng = rs_dist_prj_is_bng(g, p->prj, prj);
    if (bng < 0) {
        rc = bng;
        goto done;
    }
    if (!bng && (rc = rs_crs_new(g, prj, "EPSG:27700", crs)) != RS_OK) {
        rs_err_prefix(rs_geo_err(g), "%s", p->prj);
        goto done;
    }
    SAHooks hooks;
    SASetupDefaultHooks(&hooks);
    hooks.Error = quiet_shapelib_error;
    if ((*shp = SHPOpenLL(p->shp, "rb", &hooks)) == NULL ||
        (*dbf = DBFOpenLL(p->dbf, "rb", &hooks)) == NULL)
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: shapelib cannot open it",
                        *shp ? p->dbf : p->shp);
done:
    free(prj);
    return rc;
}
