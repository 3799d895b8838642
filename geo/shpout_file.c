/*
 * shpout_file.c — the shapefile writer's file helpers (see shpout.c):
 * strings and paths, the reserved temporary base name, a new file written
 * and synced whole, the ESRI WKT1 of an EPSG code from PROJ, and
 * rs_write_prj, the .prj written atomically on its own (used by the raster
 * writer too).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shpout_int.h"

/* ---- small helpers ------------------------------------------------------ */

char *rs_shp_dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* "base" + "ext" in a new string, or NULL. */
char *rs_shp_cat2(const char *base, const char *ext)
{
    size_t a = strlen(base), b = strlen(ext);
    char *s = malloc(a + b + 1);
    if (s) {
        memcpy(s, base, a);
        memcpy(s + a, ext, b + 1);
    }
    return s;
}

/* Directory part of path ("." when none), in a new string. */
char *rs_shp_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return rs_shp_dup_str(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

/* fsync of a closed file or of a directory; 0 or -1 with errno. */
int rs_shp_sync_path(const char *path)
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
int rs_shp_reserve_base(rs_geo *g, const char *prefix, const char *final_name, char **base)
{
    char *b = rs_shp_cat2(prefix, ".tmp-XXXXXX");
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
    (void)rs_geo_file(g, b, NULL, 0);
    *base = b;
    return RS_OK;
}

/* Writes len bytes to path, which must not exist yet (created "wx"),
 * flushed and synced.  0 or RS_EIO naming final_name (the file the user
 * asked for) and the reason; a partial file is removed. */
int rs_shp_write_new_file(rs_geo *g, const char *path, const char *final_name, const char *data,
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
int rs_shp_prj_wkt(rs_geo *g, int epsg, char **out)
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
        else if ((*out = rs_shp_dup_str(w)) == NULL)
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
    int rc = rs_shp_reserve_base(g, prefix_for_tmp, path, &base);
    if (rc != RS_OK)
        return rc;
    if ((tmp = rs_shp_cat2(base, ext)) == NULL) {
        rc = rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        goto done;
    }
    (void)rs_geo_file(g, tmp, NULL, 0);
    if ((rc = rs_shp_write_new_file(g, tmp, path, data, len)) != RS_OK) {
        (void)rs_geo_file(g, tmp, NULL, 1);
        goto done;
    }
    if (rs_geo_file(g, tmp, path, 2) != 0) {
        rc = rs_err_set(rs_geo_err(g), RS_EIO, "%s: cannot rename %s into place: %s", path, tmp,
                        strerror(errno));
        remove(tmp);
        (void)rs_geo_file(g, tmp, NULL, 1);
        goto done;
    }
    char *dir = rs_shp_dir_of(path);
    if (dir)
        (void)rs_shp_sync_path(dir); /* best effort: the data itself is synced */
    free(dir);
done:
    remove(base);
    (void)rs_geo_file(g, base, NULL, 1);
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
    int rc = rs_shp_prj_wkt(g, epsg, &wkt);
    if (rc != RS_OK)
        return rc;
    if ((prj = rs_shp_cat2(path, ".prj")) == NULL) {
        rc = rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        goto done;
    }
    rc = write_atomic(g, prj, path, ".prj", wkt, strlen(wkt));
done:
    free(wkt);
    free(prj);
    return rc;
}
