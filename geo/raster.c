/*
 * raster.c — a single-band float raster and its ESRI ASCII grid writer
 * (see raster.h).
 *
 * Core data structure: rs_raster, a row-major array of doubles, row 0 the
 * northern row (the order the .asc file stores), with the lower-left
 * corner and the square pixel size.
 *
 * Writing streams the text row by row into PATH's stem + ".tmp-XXXXXX.asc"
 * beside it (a unique name reserved with mkstemp), syncs it, writes the
 * .prj (itself atomic, rs_write_prj), and only then renames the grid into
 * place, so a failure leaves an earlier grid of the same name untouched.
 * The header's corner and cell size are printed in plain decimals with the
 * fewest digits that read back to the same double.
 *
 * Workload: a heat-map raster of up to a few thousand pixels a side, a few
 * times per run; memory is the raster itself, the writer adds nothing.
 */
#include "raster.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shpout.h" /* rs_write_prj */

#define NODATA "-9999"

rs_raster *rs_raster_new(size_t cols, size_t rows, double x0, double y0, double pixel)
{
    if (cols == 0 || rows == 0 || cols > SIZE_MAX / rows || cols * rows > SIZE_MAX / sizeof(double))
        return NULL;
    rs_raster *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->v = calloc(cols * rows, sizeof *r->v);
    if (r->v == NULL) {
        free(r);
        return NULL;
    }
    r->cols = cols;
    r->rows = rows;
    r->x0 = x0;
    r->y0 = y0;
    r->pixel = pixel;
    return r;
}

void rs_raster_free(rs_raster *r)
{
    if (r == NULL)
        return;
    free(r->v);
    free(r);
}

void rs_raster_centre(const rs_raster *r, size_t col, size_t row, double *x, double *y)
{
    *x = r->x0 + ((double)col + 0.5) * r->pixel;
    *y = r->y0 + ((double)(r->rows - row) - 0.5) * r->pixel;
}

/* v in plain decimals, with the fewest that read back to the same double
 * ("550000", "0.1", "-100"); the shortest %g form when that would be longer
 * than 30 characters (a corner far out, a tiny pixel). */
static void fmt_exact(char *buf, size_t cap, double v)
{
    for (int d = 0; d <= 17; d++) {
        int n = snprintf(buf, cap, "%.*f", d, v);
        if (n > 0 && n <= 30 && strtod(buf, NULL) == v)
            return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, cap, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* "dir/name.asc" -> "dir/name" (the stem GDAL looks beside for the .prj),
 * in a new string. */
static char *stem_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    size_t n = (dot && (!slash || dot > slash + 1)) ? (size_t)(dot - path) : strlen(path);
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, path, n);
        s[n] = '\0';
    }
    return s;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL ? 1 : slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, slash ? path : ".", n);
        d[n] = '\0';
    }
    return d;
}

/* Writes the grid text to f; 0 or -1 with errno. */
static int write_grid(FILE *f, const rs_raster *r, int digits)
{
    char a[40], b[40], c[40];
    fmt_exact(a, sizeof a, r->x0);
    fmt_exact(b, sizeof b, r->y0);
    fmt_exact(c, sizeof c, r->pixel);
    if (fprintf(f,
                "ncols        %zu\nnrows        %zu\nxllcorner    %s\nyllcorner    %s\n"
                "cellsize     %s\nNODATA_value " NODATA "\n",
                r->cols, r->rows, a, b, c) < 0)
        return -1;
    for (size_t row = 0; row < r->rows; row++) {
        const double *v = r->v + row * r->cols;
        for (size_t col = 0; col < r->cols; col++) {
            int n;
            if (isnan(v[col]))
                n = fprintf(f, col ? " " NODATA : NODATA);
            else if (v[col] == 0 && !signbit(v[col]))
                n = fputs(col ? " 0" : "0", f) == EOF ? -1 : 1; /* what %g writes, faster */
            else
                n = fprintf(f, col ? " %.*g" : "%.*g", digits, v[col]);
            if (n < 0)
                return -1;
        }
        if (fputc('\n', f) == EOF)
            return -1;
    }
    return 0;
}

int rs_raster_write_asc(rs_geo *g, const rs_raster *r, const char *path, int epsg, int digits)
{
    if (g == NULL)
        return RS_EUSAGE;
    rs_err *err = rs_geo_err(g);
    if (r == NULL || path == NULL || *path == '\0')
        return rs_err_set(err, RS_EUSAGE, "raster: no raster or no path");
    if (r->cols == 0 || r->rows == 0 || r->v == NULL)
        return rs_err_set(err, RS_EUSAGE, "%s: an empty raster", path);
    if (!isfinite(r->x0) || !isfinite(r->y0) || !isfinite(r->pixel) || !(r->pixel > 0))
        return rs_err_set(err, RS_EUSAGE, "%s: corner (%g, %g) or pixel size %g is unusable",
                          path, r->x0, r->y0, r->pixel);
    if (digits < 1 || digits > 17)
        return rs_err_set(err, RS_EUSAGE, "%s: %d significant digits, 1 to 17 allowed", path,
                          digits);
    for (size_t k = 0; k < r->cols * r->rows; k++)
        if (isinf(r->v[k]))
            return rs_err_set(err, RS_EUSAGE, "%s: pixel (%zu, %zu) is infinite", path,
                              k % r->cols, k / r->cols);

    int rc = RS_OK;
    char *stem = NULL, *base = NULL, *tmp = NULL, *dir = NULL;
    FILE *f = NULL;
    if ((stem = stem_of(path)) == NULL || (base = malloc(strlen(stem) + 12)) == NULL) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    /* reserve a unique name beside path, then write base.asc */
    snprintf(base, strlen(stem) + 12, "%s.tmp-XXXXXX", stem);
    int fd = mkstemp(base);
    if (fd < 0) {
        rc = rs_err_set(err, RS_EIO, "%s: cannot create a temporary file %s: %s", path, base,
                        strerror(errno));
        free(base);
        base = NULL;
        goto done;
    }
    close(fd);
    (void)rs_geo_file(g, base, NULL, 0);
    if ((tmp = malloc(strlen(base) + 5)) == NULL) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    snprintf(tmp, strlen(base) + 5, "%s.asc", base);
    (void)rs_geo_file(g, tmp, NULL, 0);
    errno = 0;
    if ((f = fopen(tmp, "wx")) == NULL) {
        rc = rs_err_set(err, RS_EIO, "%s: cannot create %s: %s", path, tmp, strerror(errno));
        goto done;
    }
    int ok = write_grid(f, r, digits) == 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int e = errno;
    if (fclose(f) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    f = NULL;
    if (!ok) {
        rc = rs_err_set(err, RS_EIO, "%s: cannot write %s: %s", path, tmp, strerror(e ? e : EIO));
        goto done;
    }
    /* the .prj first: a new grid must never sit beside an old CRS */
    if ((rc = rs_write_prj(g, stem, epsg)) != RS_OK)
        goto done;
    if (rs_geo_file(g, tmp, path, 2) != 0) {
        rc = rs_err_set(err, RS_EIO, "%s: cannot rename %s into place: %s", path, tmp,
                        strerror(errno));
        goto done;
    }
    free(tmp);
    tmp = NULL;
    if ((dir = dir_of(path)) != NULL) {
        int dfd = open(dir, O_RDONLY);
        if (dfd >= 0) {
            (void)fsync(dfd); /* best effort: makes the rename durable */
            close(dfd);
        }
    }
done:
    if (f)
        fclose(f);
    if (tmp) {
        remove(tmp);
        (void)rs_geo_file(g, tmp, NULL, 1);
    }
    if (base) {
        remove(base);
        (void)rs_geo_file(g, base, NULL, 1);
    }
    free(tmp);
    free(base);
    free(stem);
    free(dir);
    return rc;
}
