/*
 * test_raster.c — geo/raster: pixel centres, the exact text of a small ESRI
 * ASCII grid (header, rows north to south, %.10g values, NaN as -9999), its
 * .prj, refused rasters, a failed write leaving an earlier grid intact with
 * no temporaries, and — when GDAL is installed — gdalinfo -stats reading it
 * with the right size, NoData value and British National Grid, warning-free.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "geo.h"
#include "raster.h"

static const char *dir;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0, r;
    char *b = malloc(cap + 1);
    while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(b, cap * 2 + 1);
            if (nb == NULL) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (b)
        b[n] = '\0';
    return b;
}

static int count_in_dir(const char *d, const char *needle)
{
    DIR *dp = opendir(d);
    if (dp == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL)
        if (strstr(e->d_name, needle))
            n++;
    closedir(dp);
    return n;
}

static void test_centre(void)
{
    rs_raster *r = rs_raster_new(4, 3, 550000, 200000, 25);
    CHECK(r != NULL);
    if (r == NULL)
        return;
    double x, y;
    rs_raster_centre(r, 0, 0, &x, &y); /* north-west pixel */
    CHECK_NEAR(x, 550012.5, 0);
    CHECK_NEAR(y, 200062.5, 0);
    rs_raster_centre(r, 3, 2, &x, &y); /* south-east pixel */
    CHECK_NEAR(x, 550087.5, 0);
    CHECK_NEAR(y, 200012.5, 0);
    for (size_t k = 0; k < 12; k++)
        CHECK(r->v[k] == 0.0);
    rs_raster_free(r);
    rs_raster_free(NULL);
    CHECK(rs_raster_new(0, 3, 0, 0, 1) == NULL);
    CHECK(rs_raster_new(3, 0, 0, 0, 1) == NULL);
    CHECK(rs_raster_new((size_t)-1, 2, 0, 0, 1) == NULL);
}

static const char expected[] = "ncols        3\n"
                               "nrows        2\n"
                               "xllcorner    550000.5\n"
                               "yllcorner    -100\n"
                               "cellsize     0.1\n"
                               "NODATA_value -9999\n"
                               "1.234567891 -9999 0\n"
                               "-3.5 1e-07 1234567.891\n";

static void test_write(rs_geo *g)
{
    char path[1200], prj[1200];
    snprintf(path, sizeof path, "%s/heat.asc", dir);
    snprintf(prj, sizeof prj, "%s/heat.prj", dir);
    rs_raster *r = rs_raster_new(3, 2, 550000.5, -100, 0.1);
    CHECK(r != NULL);
    if (r == NULL)
        return;
    const double v[6] = {1.23456789123, NAN, 0, -3.5, 1e-7, 1234567.891};
    memcpy(r->v, v, sizeof v);
    CHECK_EQ_INT(rs_raster_write_asc(g, r, path, 27700, 10), 0);
    char *text = slurp(path);
    CHECK_STR(text, expected);
    free(text);
    char *p = slurp(prj);
    CHECK(p && strncmp(p, "PROJCS[\"British_National_Grid\"", 30) == 0);
    free(p);
    CHECK_EQ_INT(count_in_dir(dir, ".tmp-"), 0);

    /* refused: an infinite value, bad digits, bad pixel size */
    r->v[2] = INFINITY;
    rs_err_clear(rs_geo_err(g));
    CHECK_EQ_INT(rs_raster_write_asc(g, r, path, 27700, 10), RS_EUSAGE);
    CHECK_CONTAINS(rs_geo_err(g)->msg, "pixel (2, 0) is infinite");
    r->v[2] = 0;
    rs_err_clear(rs_geo_err(g));
    CHECK_EQ_INT(rs_raster_write_asc(g, r, path, 27700, 0), RS_EUSAGE);
    rs_err_clear(rs_geo_err(g));
    r->pixel = 0;
    CHECK_EQ_INT(rs_raster_write_asc(g, r, path, 27700, 10), RS_EUSAGE);
    r->pixel = 0.1;
    rs_err_clear(rs_geo_err(g));

    /* failures leave the earlier grid as it was, and no temporaries */
    char bad[1300];
    snprintf(bad, sizeof bad, "%s/missing/heat.asc", dir);
    CHECK_EQ_INT(rs_raster_write_asc(g, r, bad, 27700, 10), RS_EIO);
    CHECK_CONTAINS(rs_geo_err(g)->msg, "missing/heat.asc");
    rs_err_clear(rs_geo_err(g));
    r->v[0] = 42;
    CHECK_EQ_INT(rs_raster_write_asc(g, r, path, 999999, 10), RS_ERR); /* no such CRS */
    CHECK_CONTAINS(rs_geo_err(g)->msg, "EPSG:999999");
    rs_err_clear(rs_geo_err(g));
    text = slurp(path);
    CHECK_STR(text, expected);
    free(text);
    CHECK_EQ_INT(count_in_dir(dir, ".tmp-"), 0);
    rs_raster_free(r);
}

static void test_gdal(void)
{
    if (system("command -v gdalinfo >/dev/null 2>&1") != 0) {
        printf("GDAL part skipped: gdalinfo not installed\n");
        return;
    }
    char cmd[3000], errpath[1200];
    snprintf(errpath, sizeof errpath, "%s/gdalinfo.stderr", dir);
    snprintf(cmd, sizeof cmd, "gdalinfo -stats '%s/heat.asc' 2>'%s'", dir, errpath);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    if (p == NULL)
        return;
    size_t cap = 1 << 16, n = 0, r;
    char *out = malloc(cap + 1);
    if (out == NULL) {
        pclose(p);
        CHECK(0);
        return;
    }
    while ((r = fread(out + n, 1, cap - n, p)) > 0)
        n += r;
    out[n] = '\0';
    int st = pclose(p);
    CHECK_EQ_INT(st, 0);
    CHECK_CONTAINS(out, "Driver: AAIGrid");
    CHECK_CONTAINS(out, "Size is 3, 2");
    CHECK_CONTAINS(out, "NoData Value=-9999");
    CHECK(strstr(out, "British_National_Grid") || strstr(out, "27700") || strstr(out, "OSGB"));
    CHECK_CONTAINS(out, "Pixel Size = (0.100000000000000,-0.100000000000000)");
    CHECK_CONTAINS(out, "Minimum=-3.500");
    /* GDAL reads a non-integer grid as Float32: 1234567.891 -> 1234567.875 */
    CHECK_CONTAINS(out, "Maximum=1234567.");
    CHECK_CONTAINS(out, "STATISTICS_VALID_PERCENT=83.33"); /* 5 of 6: the NaN is no data */
    char *err = slurp(errpath);
    CHECK(err != NULL);
    if (err) {
        CHECK(strstr(err, "Warning") == NULL && strstr(err, "ERROR") == NULL);
        if (*err)
            fprintf(stderr, "gdalinfo stderr: %s\n", err);
    }
    free(err);
    free(out);
}

int main(void)
{
    dir = check_tmpdir("raster");
    rs_geo *g = rs_geo_new();
    if (g == NULL) {
        fprintf(stderr, "rs_geo_new failed\n");
        return 1;
    }
    test_centre();
    test_write(g);
    test_gdal();
    rs_geo_free(g);
    return check_done();
}
