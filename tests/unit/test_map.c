/*
 * test_map.c — engine/map: PNG maps.  A synthetic pair of 10 km squares
 * with 1 km cells (one withheld), a raster and points: the file is a PNG of
 * the documented size, byte-identical when drawn twice, a withheld cell
 * shows the background, cells show the viridis colour of their value
 * (clamped at a fixed scale_max), outside the districts shows the tint;
 * failures (missing directory, target is a directory, bad arguments) on
 * code and message, leaving no temporary file.  When the Essex boundaries
 * are present, the real districts are drawn too (cells and a density
 * raster) for a person to look at: RS_TEST_TMP/map/essex_*.png.
 */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>

#include "check.h"
#include "ctx.h"
#include "district.h"
#include "map.h"
#include "raster.h"

#define ESSEX RS_TEST_DATA "/boundaries/essex_lad_2022_buc.shp"

/* Under -DROADSAFE_SANITIZE, LeakSanitizer asks for this: fontconfig (below
 * cairo's toy text API) keeps a few hundred bytes of process-lifetime
 * configuration that cairo_debug_reset_static_data() does not release and
 * this program cannot reach without linking fontconfig itself. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

/* The page layout map.h documents, computed independently here. */
typedef struct expect {
    int w, h, mx, my, mw, mh;
    double ex0, ey1, scale;
} expect;

static int rnd(double k, double u) { return (int)lround(k * u); }

static expect expected_layout(int width, double xmin, double ymin, double xmax, double ymax)
{
    expect e;
    double u = width / 1600.0 < 0.75 ? 0.75 : width / 1600.0;
    e.w = width;
    e.mx = rnd(24, u);
    e.my = rnd(100, u);
    e.mw = width - 2 * rnd(24, u) - rnd(300, u);
    double w = xmax - xmin, h = ymax - ymin, pad = 0.04 * (w > h ? w : h);
    double ew = w + 2 * pad, eh = h + 2 * pad;
    double amin = rnd(420, u) / (double)e.mw;
    if (eh / ew < amin)
        eh = ew * amin;
    if (eh / ew > 1.6)
        ew = eh / 1.6;
    e.mh = (int)lround(e.mw * eh / ew);
    e.scale = e.mw / ew;
    eh = e.mh / e.scale;
    e.ex0 = (xmin + xmax) / 2 - ew / 2;
    e.ey1 = (ymin + ymax) / 2 + eh / 2;
    e.h = rnd(100, u) + e.mh + rnd(84, u);
    return e;
}

static GEOSGeometry *square(GEOSContextHandle_t h, double x0, double y0, double side)
{
    char wkt[256];
    snprintf(wkt, sizeof wkt, "POLYGON((%.3f %.3f, %.3f %.3f, %.3f %.3f, %.3f %.3f, %.3f %.3f))",
             x0, y0, x0 + side, y0, x0 + side, y0 + side, x0, y0 + side, x0, y0);
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, wkt);
    GEOSWKTReader_destroy_r(h, r);
    return g;
}

/* "West" [500,510] km and "East" [510,520] km, both 200..210 km north. */
static rs_districts *two_squares(rs_ctx *ctx)
{
    GEOSContextHandle_t h = rs_geo_geos(rs_ctx_geo(ctx));
    const char *names[2] = {"West", "East"};
    unsigned char *wkb[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(h);
    for (int i = 0; i < 2; i++) {
        GEOSGeometry *g = square(h, 500000 + 10000 * i, 200000, 10000);
        CHECK(g != NULL);
        wkb[i] = GEOSWKBWriter_write_r(h, w, g, &len[i]);
        GEOSGeom_destroy_r(h, g);
    }
    GEOSWKBWriter_destroy_r(h, w);
    rs_districts *d = NULL;
    const unsigned char *const cw[2] = {wkb[0], wkb[1]};
    CHECK_EQ_INT(rs_districts_from_wkb(rs_ctx_geo(ctx), 2, names, NULL, cw, len, &d), 0);
    GEOSFree_r(h, wkb[0]);
    GEOSFree_r(h, wkb[1]);
    return d;
}

/* Value of 1 km cell (i, j) of the West square: 128 at (2,7), 300 (over
 * the fixed maximum 255) at (7,2), withheld (NaN) at (2,2). */
static double cell_value(int i, int j)
{
    if (i == 2 && j == 7)
        return 128;
    if (i == 7 && j == 2)
        return 300;
    if (i == 2 && j == 2)
        return NAN;
    return 12.0 * i + 9.0 * j;
}

static const rs_map_opts synth_opts = {
    .width_px = 1600,
    .title = "Speeding pings over the limit",
    .subtitle = "Synthetic squares \xe2\x80\x94 1 km cells, one withheld",
    .legend_label = "pings over the threshold per cell",
    .attribution = "Synthetic data for a unit test. Boundaries: two squares.",
    .scale_max = 255,
};

/* The synthetic map, built from scratch and written to path. */
static int draw_synthetic(rs_ctx *ctx, const rs_districts *d, const char *path, double *smax)
{
    GEOSContextHandle_t h = rs_geo_geos(rs_ctx_geo(ctx));
    double x0, y0, x1, y1;
    rs_districts_extent(d, &x0, &y0, &x1, &y1);
    rs_map *m = rs_map_new(ctx, x0, y0, x1, y1, &synth_opts);
    CHECK(m != NULL);
    if (m == NULL)
        return -100;
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 10; j++) {
            GEOSGeometry *g = square(h, 500000 + 1000 * i, 200000 + 1000 * j, 1000);
            CHECK_EQ_INT(rs_map_fill(m, g, cell_value(i, j)), 0);
            GEOSGeom_destroy_r(h, g);
        }
    /* a bump of density over the East square, 250 m pixels, 0 around it */
    rs_raster r = {40, 40, 510000, 200000, 250, NULL};
    double v[40 * 40];
    r.v = v;
    for (size_t row = 0; row < 40; row++)
        for (size_t col = 0; col < 40; col++) {
            double cx = 510000 + (col + 0.5) * 250, cy = 210000 - (row + 0.5) * 250;
            double d2 = ((cx - 514000) * (cx - 514000) + (cy - 206000) * (cy - 206000)) / 4e6;
            double val = 240 * exp(-d2 / 2);
            v[row * 40 + col] = val < 8 ? 0 : val;
        }
    v[0] = NAN;
    CHECK_EQ_INT(rs_map_raster(m, &r), 0);
    CHECK_EQ_INT(rs_map_districts(m, d, 1), 0);
    const double px[3] = {515000, 517500, 512000}, py[3] = {207000, 203000, 201500};
    CHECK_EQ_INT(rs_map_points(m, 3, px, py, "Camera sites"), 0);
    *smax = rs_map_scale_max(m);
    int rc = rs_map_write_png(m, path);
    /* the same map written again gives the same bytes */
    if (rc == 0) {
        char again[1200];
        snprintf(again, sizeof again, "%s.again.png", path);
        CHECK_EQ_INT(rs_map_write_png(m, again), 0);
    }
    rs_map_free(m);
    return rc;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(size > 0 ? (size_t)size : 1);
    *n = buf ? fread(buf, 1, (size_t)size, f) : 0;
    fclose(f);
    return buf;
}

static int same_bytes(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    unsigned char *pa = slurp(a, &na), *pb = slurp(b, &nb);
    int same = pa && pb && na == nb && na > 0 && memcmp(pa, pb, na) == 0;
    free(pa);
    free(pb);
    return same;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* PNG signature, then IHDR's width and height. */
static void check_png_size(const char *path, int w, int h)
{
    size_t n = 0;
    unsigned char *b = slurp(path, &n);
    CHECK(b != NULL && n > 33);
    if (b == NULL || n <= 33) {
        free(b);
        return;
    }
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    CHECK(memcmp(b, sig, 8) == 0);
    CHECK(memcmp(b + 12, "IHDR", 4) == 0);
    CHECK_EQ_INT(be32(b + 16), w);
    CHECK_EQ_INT(be32(b + 20), h);
    free(b);
}

/* RGB of pixel (x, y) of a PNG, as 0xRRGGBB (alpha must be opaque). */
static uint32_t pixel(cairo_surface_t *s, double x, double y)
{
    int ix = (int)floor(x), iy = (int)floor(y);
    const unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    uint32_t v;
    memcpy(&v, data + (size_t)iy * (size_t)stride + 4 * (size_t)ix, 4);
    CHECK_EQ_INT(v >> 24, 0xFF);
    return v & 0xFFFFFF;
}

static void check_rgb(uint32_t got, uint32_t want, int tol, const char *what)
{
    int ok = 1;
    for (int sh = 0; sh <= 16; sh += 8) {
        int a = (int)(got >> sh & 0xFF), b = (int)(want >> sh & 0xFF);
        if (abs(a - b) > tol)
            ok = 0;
    }
    if (!ok)
        fprintf(stderr, "%s: got #%06X, want #%06X\n", what, (unsigned)got, (unsigned)want);
    CHECK(ok);
}

static int has_temp_file(const char *dir)
{
    DIR *dp = opendir(dir);
    if (dp == NULL)
        return 0;
    int found = 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL)
        if (strstr(de->d_name, ".tmp.") != NULL)
            found = 1;
    closedir(dp);
    return found;
}

static void test_synthetic(rs_ctx *ctx, const char *dir)
{
    rs_districts *d = two_squares(ctx);
    if (d == NULL)
        return;
    char a[1200], b[1200], again[1300];
    snprintf(a, sizeof a, "%s/squares.png", dir);
    snprintf(b, sizeof b, "%s/squares_b.png", dir);
    snprintf(again, sizeof again, "%s.again.png", a);
    double smax = 0;
    CHECK_EQ_INT(draw_synthetic(ctx, d, a, &smax), 0);
    CHECK_NEAR(smax, 255, 0);
    CHECK_EQ_INT(draw_synthetic(ctx, d, b, &smax), 0);
    CHECK(same_bytes(a, b));
    CHECK(same_bytes(a, again));
    CHECK(!has_temp_file(dir));

    expect e = expected_layout(1600, 500000, 200000, 520000, 210000);
    CHECK_EQ_INT(e.h, 100 + 672 + 84); /* 20 x 10 km padded by 800 m: 1252 x 672 px */
    check_png_size(a, e.w, e.h);

    cairo_surface_t *s = cairo_image_surface_create_from_png(a);
    CHECK_EQ_INT(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
        CHECK_EQ_INT(cairo_image_surface_get_width(s), e.w);
        CHECK_EQ_INT(cairo_image_surface_get_height(s), e.h);
#define PX(x) (e.mx + ((x) - e.ex0) * e.scale)
#define PY(y) (e.my + (e.ey1 - (y)) * e.scale)
        /* withheld cell (2,2): the page shows through */
        check_rgb(pixel(s, PX(502500), PY(202500)), 0xFFFFFF, 0, "withheld cell");
        /* 128 of 255: viridis entry 128 exactly */
        check_rgb(pixel(s, PX(502500), PY(207500)), 0x21918C, 1, "cell 128/255");
        /* 300 > 255: clamped to the top colour */
        check_rgb(pixel(s, PX(507500), PY(202500)), 0xFDE725, 1, "cell 300/255");
        /* 0 at (0,0): the bottom colour */
        check_rgb(pixel(s, PX(500500), PY(200500)), 0x440154, 1, "cell 0/255");
        /* outside the districts: the light grey-blue tint */
        check_rgb(pixel(s, e.mx + 6, e.my + 6), 0xE4EAF0, 0, "outside");
        /* the East square's north-east corner is 0 in the raster: white */
        check_rgb(pixel(s, PX(519700), PY(209700)), 0xFFFFFF, 0, "raster zero");
        /* page right of the legend column and in the title band: white */
        check_rgb(pixel(s, e.w - 3, 5), 0xFFFFFF, 0, "page");
#undef PX
#undef PY
    }
    cairo_surface_destroy(s);
    rs_districts_free(d);
}

static void test_scale_max_and_empty(rs_ctx *ctx, const char *dir)
{
    GEOSContextHandle_t h = rs_geo_geos(rs_ctx_geo(ctx));
    rs_map_opts o = {0};
    o.title = "Nothing to show";
    o.legend_label = "detections per km\xc2\xb2";
    rs_map *m = rs_map_new(ctx, 500000, 200000, 510000, 230000, &o);
    CHECK(m != NULL);
    if (m == NULL)
        return;
    CHECK_NEAR(rs_map_scale_max(m), 1, 0); /* nothing added */
    char path[1200];
    snprintf(path, sizeof path, "%s/empty.png", dir);
    CHECK_EQ_INT(rs_map_write_png(m, path), 0);
    /* 10 x 30 km: padded 1200 m, aspect (32.4/12.4) held at 1.6 */
    expect e = expected_layout(1600, 500000, 200000, 510000, 230000);
    CHECK_EQ_INT(e.mh, (int)lround(1252 * 1.6));
    check_png_size(path, e.w, e.h);

    GEOSGeometry *g = square(h, 501000, 201000, 2000);
    CHECK_EQ_INT(rs_map_fill(m, g, 0), 0);
    CHECK_NEAR(rs_map_scale_max(m), 1, 0); /* all zero */
    CHECK_EQ_INT(rs_map_fill(m, g, 37.25), 0);
    CHECK_EQ_INT(rs_map_fill(m, g, NAN), 0);
    CHECK_NEAR(rs_map_scale_max(m), 37.25, 0);
    snprintf(path, sizeof path, "%s/auto_max.png", dir);
    CHECK_EQ_INT(rs_map_write_png(m, path), 0);

    /* a point is not a fillable shape */
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, 502000, 202000);
    CHECK_EQ_INT(rs_map_fill(m, pt, 1), RS_EUSAGE);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "Polygon or MultiPolygon");
    rs_err_clear(rs_ctx_err(ctx));
    GEOSGeom_destroy_r(h, pt);
    GEOSGeom_destroy_r(h, g);
    rs_map_free(m);

    /* bad arguments */
    o.width_px = 100;
    CHECK(rs_map_new(ctx, 0, 0, 10, 10, &o) == NULL);
    CHECK_EQ_INT(rs_ctx_err(ctx)->code, RS_EUSAGE);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "width 100 px");
    rs_err_clear(rs_ctx_err(ctx));
    CHECK(rs_map_new(ctx, 10, 0, 0, 10, NULL) == NULL);
    CHECK_EQ_INT(rs_ctx_err(ctx)->code, RS_EUSAGE);
    rs_err_clear(rs_ctx_err(ctx));
    CHECK(rs_map_new(ctx, 0, NAN, 10, 10, NULL) == NULL);
    rs_err_clear(rs_ctx_err(ctx));

    /* a single point still makes a map (1 km around it), at another width */
    o.width_px = 800;
    o.scale_max = 5;
    m = rs_map_new(ctx, 530000, 190000, 530000, 190000, &o);
    CHECK(m != NULL);
    if (m) {
        const double x = 530000, y = 190000;
        CHECK_EQ_INT(rs_map_points(m, 1, &x, &y, "The one site"), 0);
        CHECK_NEAR(rs_map_scale_max(m), 5, 0);
        snprintf(path, sizeof path, "%s/point_800.png", dir);
        CHECK_EQ_INT(rs_map_write_png(m, path), 0);
        expect ep = expected_layout(800, 529500, 189500, 530500, 190500);
        check_png_size(path, ep.w, ep.h);
        rs_map_free(m);
    }
}

static void test_write_failures(rs_ctx *ctx, const char *dir)
{
    rs_map *m = rs_map_new(ctx, 500000, 200000, 510000, 210000, NULL);
    CHECK(m != NULL);
    if (m == NULL)
        return;
    char path[1200], sub[1100];
    /* a directory that does not exist */
    snprintf(sub, sizeof sub, "%s/no_such_dir", dir);
    snprintf(path, sizeof path, "%s/map.png", sub);
    CHECK_EQ_INT(rs_map_write_png(m, path), RS_EIO);
    CHECK_EQ_INT(rs_ctx_err(ctx)->code, RS_EIO);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, path);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "No such file or directory");
    CHECK(access(sub, F_OK) != 0);
    rs_err_clear(rs_ctx_err(ctx));

    /* the target is a directory: the rename fails, the temporary goes */
    snprintf(path, sizeof path, "%s/isdir.png", dir);
    CHECK_EQ_INT(mkdir(path, 0755), 0);
    CHECK_EQ_INT(rs_map_write_png(m, path), RS_EIO);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, path);
    CHECK(!has_temp_file(dir));
    rs_err_clear(rs_ctx_err(ctx));

    /* an empty path is a usage error */
    CHECK_EQ_INT(rs_map_write_png(m, ""), RS_EUSAGE);
    rs_err_clear(rs_ctx_err(ctx));
    rs_map_free(m);
}

/* ---- the real Essex districts, for looking at --------------------------- */

static double hotspots(double x, double y)
{
    static const double c[][4] = {
        /* x, y, peak, sigma (m): town centres and the A12 / A127 corridors */
        {571000, 206500, 90, 3500}, {599500, 225000, 80, 3000}, {572500, 189000, 70, 3000},
        {588500, 186500, 85, 2500}, {544500, 210000, 55, 2500}, {558500, 178500, 60, 3000},
        {585000, 214000, 40, 6000}, {617000, 216500, 45, 3000}, {576000, 223000, 35, 4000},
    };
    double v = 0;
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        double dx = x - c[i][0], dy = y - c[i][1];
        v += c[i][2] * exp(-(dx * dx + dy * dy) / (2 * c[i][3] * c[i][3]));
    }
    return v;
}

static void test_essex(rs_ctx *ctx, const char *dir)
{
    check_need_data(ESSEX);
    rs_districts *d = NULL;
    int rc = rs_districts_from_shapefile(rs_ctx_geo(ctx), ESSEX, "LAD22NM", "LAD22CD", NULL,
                                         NULL, &d);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "%s\n", rs_ctx_err(ctx)->msg);
        rs_err_clear(rs_ctx_err(ctx));
        return;
    }
    GEOSContextHandle_t h = rs_geo_geos(rs_ctx_geo(ctx));
    double x0, y0, x1, y1;
    rs_districts_extent(d, &x0, &y0, &x1, &y1);
    size_t nd = rs_districts_count(d);
    const GEOSPreparedGeometry **prep = calloc(nd, sizeof *prep);
    for (size_t i = 0; i < nd; i++)
        prep[i] = GEOSPrepare_r(h, rs_districts_geom(d, i));

    /* 2 km cells whose centre is in a district; counts under 3 withheld */
    rs_map_opts o = {
        .title = "Speeding on Essex roads: pings over the limit",
        .subtitle = "Weekends, 1 January \xe2\x80\x93 31 March 2024 \xc2\xb7 2 km cells \xc2\xb7 "
                    "cells with fewer than 3 pings withheld",
        .legend_label = "pings over the threshold per cell",
        .attribution = "Contains OS data \xc2\xa9 Crown copyright and database right 2022. "
                       "Synthetic pings for illustration only.",
        .scale_max = 0,
    };
    rs_map *m = rs_map_new(ctx, x0, y0, x1, y1, &o);
    CHECK(m != NULL);
    const double step = 2000;
    for (double cx = floor(x0 / step) * step; m && cx < x1; cx += step)
        for (double cy = floor(y0 / step) * step; cy < y1; cy += step) {
            GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, cx + step / 2, cy + step / 2);
            int inside = 0;
            for (size_t i = 0; i < nd && !inside; i++)
                inside = GEOSPreparedContains_r(h, prep[i], pt) == 1;
            GEOSGeom_destroy_r(h, pt);
            if (!inside)
                continue;
            double v = floor(hotspots(cx + step / 2, cy + step / 2));
            GEOSGeometry *cell = square(h, cx, cy, step);
            CHECK_EQ_INT(rs_map_fill(m, cell, v < 3 ? NAN : v), 0);
            GEOSGeom_destroy_r(h, cell);
        }
    const double sx[] = {569800, 598000, 573500, 590000, 545500, 557000, 612000, 580500},
                 sy[] = {205000, 224000, 190500, 187500, 209000, 180000, 217000, 230000};
    char path[1200];
    if (m) {
        CHECK_EQ_INT(rs_map_districts(m, d, 1), 0);
        CHECK_EQ_INT(rs_map_points(m, 8, sx, sy, "Fixed speed cameras"), 0);
        snprintf(path, sizeof path, "%s/essex_cells.png", dir);
        CHECK_EQ_INT(rs_map_write_png(m, path), 0);
        rs_map_free(m);
    }

    /* a 250 m density raster with a fixed scale */
    o.title = "Where the policing footprint went";
    o.subtitle = "Patrol presence, weekends, January \xe2\x80\x93 March 2024";
    o.legend_label = "patrol minutes per km\xc2\xb2";
    o.scale_max = 60;
    m = rs_map_new(ctx, x0, y0, x1, y1, &o);
    CHECK(m != NULL);
    rs_raster r = {0};
    r.pixel = 250;
    r.x0 = floor(x0 / r.pixel) * r.pixel;
    r.y0 = floor(y0 / r.pixel) * r.pixel;
    r.cols = (size_t)ceil((x1 - r.x0) / r.pixel);
    r.rows = (size_t)ceil((y1 - r.y0) / r.pixel);
    r.v = calloc(r.cols * r.rows, sizeof *r.v);
    for (size_t row = 0; m && r.v && row < r.rows; row++)
        for (size_t col = 0; col < r.cols; col++) {
            double cx = r.x0 + (col + 0.5) * r.pixel, cy = r.y0 + (r.rows - row - 0.5) * r.pixel;
            double v = 0.8 * hotspots(cx, cy);
            r.v[row * r.cols + col] = v < 1 ? 0 : v;
        }
    if (m && r.v) {
        CHECK_EQ_INT(rs_map_raster(m, &r), 0);
        CHECK_EQ_INT(rs_map_districts(m, d, 1), 0);
        CHECK_EQ_INT(rs_map_points(m, 8, sx, sy, "Fixed speed cameras"), 0);
        CHECK_EQ_INT(rs_map_points(m, 3, sx + 2, sy + 2, "Weekend operation bases"), 0);
        snprintf(path, sizeof path, "%s/essex_raster.png", dir);
        CHECK_EQ_INT(rs_map_write_png(m, path), 0);
    }
    free(r.v);
    rs_map_free(m);

    for (size_t i = 0; i < nd; i++)
        GEOSPreparedGeom_destroy_r(h, prep[i]);
    free(prep);
    rs_districts_free(d);
}

int main(int argc, char **argv)
{
    const char *dir = check_tmpdir("map");
    char here[1024];
    snprintf(here, sizeof here, "%s", dir);
    rs_ctx *ctx = rs_ctx_new();
    CHECK(ctx != NULL);
    if (ctx == NULL)
        return check_done();
    if (check_data_mode(argc, argv)) { /* unit.test_map.data */
        test_essex(ctx, here);
    } else {
        test_synthetic(ctx, here);
        test_scale_max_and_empty(ctx, here);
        test_write_failures(ctx, here);
    }
    rs_ctx_free(ctx);
    cairo_debug_reset_static_data();
    return check_done();
}
