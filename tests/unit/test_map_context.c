/*
 * test_map_context.c — geo/context and the map's context layers: the same
 * roads, places and outlines written once in British National Grid and
 * once in WGS84 (EPSG:4326, transformed here with PROJ) draw the same
 * pixels; a place's label and its dot are drawn (pixels differ from a map
 * without the layer); a map's no-data line is drawn; a missing .shp, a
 * garbage .shp, a missing .prj and a .prj PROJ does not read are refused
 * with RS_EINPUT and a message naming the file and the reason.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cairo.h>
#include <shapefil.h>

#include "check.h"
#include "context.h"
#include "crs.h"
#include "ctx.h"
#include "map.h"

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs(text, f);
    fclose(f);
}

static void write_prj(rs_ctx *ctx, const char *path, const char *crs)
{
    PJ_CONTEXT *pc = rs_geo_proj(rs_ctx_geo(ctx));
    PJ *p = proj_create(pc, crs);
    CHECK(p != NULL);
    const char *wkt = p ? proj_as_wkt(pc, p, PJ_WKT1_ESRI, NULL) : NULL;
    CHECK(wkt != NULL);
    if (wkt)
        write_file(path, wkt);
    proj_destroy(p);
}

/* Two roads (lines), three places (points) and one outline (a polygon)
 * around (570000, 200000), in EPSG:27700; to4326 != NULL transforms them. */
#define NROAD 2
static const double road_x[NROAD][3] = {{560000, 570000, 581000}, {566000, 571000, 574000}};
static const double road_y[NROAD][3] = {{192000, 201000, 203000}, {209000, 199000, 190000}};
#define NPLACE 3
static const double place_x[NPLACE] = {563000, 572500, 578000};
static const double place_y[NPLACE] = {205000, 197000, 193000};
static const char *const place_name[NPLACE] = {"Ashby", "Brookend", "Coldhithe"};

static void write_layers(rs_ctx *ctx, const char *dir, const char *tag, rs_crs *to4326)
{
    char base[1200], prj[1300];
    const char *crs = to4326 ? "EPSG:4326" : "EPSG:27700";
    /* roads */
    snprintf(base, sizeof base, "%s/%s/roads", dir, tag);
    SHPHandle shp = SHPCreate(base, SHPT_ARC);
    DBFHandle dbf = DBFCreate(base);
    CHECK(shp != NULL && dbf != NULL);
    DBFAddField(dbf, "CLASS", FTString, 1, 0);
    for (int k = 0; k < NROAD; k++) {
        double x[3], y[3];
        memcpy(x, road_x[k], sizeof x);
        memcpy(y, road_y[k], sizeof y);
        if (to4326)
            CHECK_EQ_INT(rs_crs_trans(to4326, x, y, 3), 0);
        SHPObject *o = SHPCreateSimpleObject(SHPT_ARC, 3, x, y, NULL);
        SHPWriteObject(shp, -1, o);
        SHPDestroyObject(o);
        DBFWriteStringAttribute(dbf, k, 0, "A");
    }
    SHPClose(shp);
    DBFClose(dbf);
    snprintf(prj, sizeof prj, "%s.prj", base);
    write_prj(ctx, prj, crs);
    /* places */
    snprintf(base, sizeof base, "%s/%s/places", dir, tag);
    shp = SHPCreate(base, SHPT_POINT);
    dbf = DBFCreate(base);
    CHECK(shp != NULL && dbf != NULL);
    DBFAddField(dbf, "POP", FTInteger, 6, 0);
    DBFAddField(dbf, "Name", FTString, 20, 0);
    for (int k = 0; k < NPLACE; k++) {
        double x = place_x[k], y = place_y[k];
        if (to4326)
            CHECK_EQ_INT(rs_crs_trans(to4326, &x, &y, 1), 0);
        SHPObject *o = SHPCreateSimpleObject(SHPT_POINT, 1, &x, &y, NULL);
        SHPWriteObject(shp, -1, o);
        SHPDestroyObject(o);
        DBFWriteIntegerAttribute(dbf, k, 0, 1000 * (k + 1));
        DBFWriteStringAttribute(dbf, k, 1, place_name[k]);
    }
    SHPClose(shp);
    DBFClose(dbf);
    snprintf(prj, sizeof prj, "%s.prj", base);
    write_prj(ctx, prj, crs);
    /* an outline */
    snprintf(base, sizeof base, "%s/%s/parks", dir, tag);
    shp = SHPCreate(base, SHPT_POLYGON);
    dbf = DBFCreate(base);
    DBFAddField(dbf, "ID", FTInteger, 4, 0);
    double x[5] = {575000, 575000, 580000, 580000, 575000};
    double y[5] = {204000, 208000, 208000, 204000, 204000};
    if (to4326)
        CHECK_EQ_INT(rs_crs_trans(to4326, x, y, 5), 0);
    SHPObject *o = SHPCreateSimpleObject(SHPT_POLYGON, 5, x, y, NULL);
    SHPWriteObject(shp, -1, o);
    SHPDestroyObject(o);
    DBFWriteIntegerAttribute(dbf, 0, 0, 1);
    SHPClose(shp);
    DBFClose(dbf);
    snprintf(prj, sizeof prj, "%s.prj", base);
    write_prj(ctx, prj, crs);
}

/* Draws a map of the box with one filled cell and the given layers of
 * tag (NULL: none) into a new ARGB image surface. */
static unsigned char *draw(rs_ctx *ctx, const char *dir, const char *tag, const char *png,
                           const char *note, int *w, int *h, int *stride)
{
    rs_map_opts mo = {900, "Context", "test", "value", "attribution", 10, 0};
    rs_map *m = rs_map_new(ctx, 558000, 188000, 583000, 211000, &mo);
    CHECK(m != NULL);
    if (m == NULL)
        return NULL;
    GEOSContextHandle_t gh = rs_geo_geos(rs_ctx_geo(ctx));
    GEOSGeometry *cell = GEOSGeom_createRectangle_r(gh, 569000, 199000, 571000, 201000);
    CHECK(cell != NULL);
    CHECK_EQ_INT(rs_map_fill(m, cell, 5), 0);
    GEOSGeom_destroy_r(gh, cell);
    if (tag) {
        static const char *const names[] = {"roads", "places", "parks"};
        for (int k = 0; k < 3; k++) {
            char path[1200];
            snprintf(path, sizeof path, "%s/%s/%s.shp", dir, tag, names[k]);
            rs_context_layer *c = NULL;
            int rc = rs_context_layer_read(rs_ctx_geo(ctx), path, &c);
            CHECK_EQ_INT(rc, 0);
            if (rc != 0) {
                fprintf(stderr, "  %s\n", rs_ctx_err(ctx)->msg);
                continue;
            }
            CHECK_EQ_INT(c->kind, k == 0 ? RS_CONTEXT_LINES : k == 1 ? RS_CONTEXT_POINTS
                                                                      : RS_CONTEXT_POLYGONS);
            CHECK_EQ_INT(c->nparts, k == 0 ? NROAD : k == 1 ? NPLACE : 1);
            if (k == 1 && c->nparts == NPLACE) {
                for (int i = 0; i < NPLACE; i++) {
                    CHECK_STR(c->label[i], place_name[i]); /* "Name" over the first field */
                    CHECK_NEAR(c->xy[2 * i], place_x[i], 0.01);
                    CHECK_NEAR(c->xy[2 * i + 1], place_y[i], 0.01);
                }
            }
            CHECK_EQ_INT(rs_map_context(m, c), 0);
            rs_context_layer_free(c);
        }
    }
    if (note)
        CHECK_EQ_INT(rs_map_note(m, note), 0);
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, png);
    CHECK_EQ_INT(rs_map_write_png(m, path), 0);
    rs_map_free(m);
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    CHECK(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS);
    *w = cairo_image_surface_get_width(s);
    *h = cairo_image_surface_get_height(s);
    *stride = cairo_image_surface_get_stride(s);
    size_t n = (size_t)*h * (size_t)*stride;
    unsigned char *px = malloc(n ? n : 1);
    if (px && n)
        memcpy(px, cairo_image_surface_get_data(s), n);
    cairo_surface_destroy(s);
    return px;
}

/* Pixels whose colour differs by more than tol in any channel. */
static size_t differing(const unsigned char *a, const unsigned char *b, int w, int h, int stride,
                        int tol)
{
    size_t n = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const unsigned char *p = a + (size_t)y * stride + 4 * x, *q = b + (size_t)y * stride + 4 * x;
            for (int c = 0; c < 4; c++)
                if (abs(p[c] - q[c]) > tol) {
                    n++;
                    break;
                }
        }
    return n;
}

static void test_same_pixels(rs_ctx *ctx, const char *dir)
{
    rs_crs *to4326 = NULL;
    CHECK_EQ_INT(rs_crs_new(rs_ctx_geo(ctx), "EPSG:27700", "EPSG:4326", &to4326), 0);
    char sub[1200];
    snprintf(sub, sizeof sub, "%s/bng", dir);
    CHECK(mkdir(sub, 0755) == 0);
    snprintf(sub, sizeof sub, "%s/wgs", dir);
    CHECK(mkdir(sub, 0755) == 0);
    write_layers(ctx, dir, "bng", NULL);
    write_layers(ctx, dir, "wgs", to4326);
    rs_crs_free(to4326);
    int w1, h1, s1, w2, h2, s2, w0, h0, s0;
    unsigned char *bng = draw(ctx, dir, "bng", "bng.png", NULL, &w1, &h1, &s1);
    unsigned char *wgs = draw(ctx, dir, "wgs", "wgs.png", NULL, &w2, &h2, &s2);
    unsigned char *none = draw(ctx, dir, NULL, "none.png", NULL, &w0, &h0, &s0);
    CHECK(bng && wgs && none);
    if (bng && wgs && none && w1 == w2 && h1 == h2 && s1 == s2 && w0 == w1 && h0 == h1) {
        /* the 4326 layer went there and back through PROJ: sub-millimetre,
         * far below a pixel (about 30 m here) */
        CHECK_EQ_INT(differing(bng, wgs, w1, h1, s1, 0), 0);
        /* and the layers are drawn: roads, dots, labels, the outline, the
         * legend rows */
        CHECK(differing(bng, none, w1, h1, s1, 8) > 500);
    } else {
        CHECK(0);
    }
    free(bng);
    free(wgs);
    free(none);
    /* the no-data line changes the middle of the map */
    int w3, h3, s3;
    unsigned char *empty = draw(ctx, dir, NULL, "empty.png", "No pings in this period", &w3, &h3,
                                &s3);
    unsigned char *plain = draw(ctx, dir, NULL, "plain.png", NULL, &w0, &h0, &s0);
    if (empty && plain && w3 == w0 && h3 == h0)
        CHECK(differing(empty, plain, w3, h3, s3, 8) > 1000);
    else
        CHECK(0);
    free(empty);
    free(plain);
}

static void expect_refused(rs_ctx *ctx, const char *path, const char *needle1, const char *needle2)
{
    rs_context_layer *c = (rs_context_layer *)1;
    rs_err_clear(rs_ctx_err(ctx));
    int rc = rs_context_layer_read(rs_ctx_geo(ctx), path, &c);
    CHECK_EQ_INT(rc, RS_EINPUT);
    CHECK(c == NULL);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, needle1);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, needle2);
    rs_context_layer_free(c);
}

static void test_refusals(rs_ctx *ctx, const char *dir)
{
    char path[1200], other[1300];
    snprintf(path, sizeof path, "%s/nothere.shp", dir);
    expect_refused(ctx, path, "nothere.shp", "missing");
    /* garbage where the shapes should be */
    snprintf(path, sizeof path, "%s/garbage.shp", dir);
    write_file(path, "this is not a shapefile at all, just some text long enough to be read "
                     "as a header of one hundred bytes by anything that tries to.............");
    snprintf(other, sizeof other, "%s/garbage.shx", dir);
    write_file(other, "neither is this one, which is also long enough to be a header of one "
                      "hundred bytes for anything reading it...........................");
    snprintf(other, sizeof other, "%s/garbage.dbf", dir);
    write_file(other, "x");
    snprintf(other, sizeof other, "%s/garbage.prj", dir);
    write_file(other, "x");
    expect_refused(ctx, path, "garbage.shp", "not a shapefile");
    /* a good layer without its .prj, then with a .prj PROJ cannot read */
    snprintf(other, sizeof other, "%s/bng/places.prj", dir);
    remove(other);
    snprintf(path, sizeof path, "%s/bng/places.shp", dir);
    expect_refused(ctx, path, "bng/places.prj", "missing");
    write_file(other, "PROJCS[\"nonsense\", nothing here]");
    expect_refused(ctx, path, "bng/places.prj", "");
}

/* With print_mm, the page layout of map.h: u = 8 pt / 10 in pixels of the
 * printed image, the margin 24 * width / 1600, the legend column at most
 * 36 % of the width; so the image is taller (bands of 100u and 84u) and the
 * map area is what the legend leaves. */
static void test_print_layout(rs_ctx *ctx, const char *dir)
{
    const int width = 1600;
    const double mm = 182, x0 = 550000, y0 = 180000, x1 = 610000, y1 = 240000;
    double u = 8.0 * 25.4 / 72.0 * width / mm / 10.0;
    CHECK(u > 2.4 && u < 2.5);
    int margin = (int)lround(24 * width / 1600.0), legend = (int)lround(300 * u);
    if (legend > (int)lround(0.36 * width))
        legend = (int)lround(0.36 * width);
    int top = (int)lround(100 * u), footer = (int)lround(84 * u);
    int mw = width - 2 * margin - legend;
    double w = x1 - x0, h = y1 - y0, pad = 0.04 * (w > h ? w : h);
    double ew = w + 2 * pad, eh = h + 2 * pad;
    double amin = (int)lround(420 * u) / (double)mw;
    if (eh / ew < amin)
        eh = ew * amin;
    if (eh / ew > 1.6)
        ew = eh / 1.6;
    int mh = (int)lround(mw * eh / ew);
    rs_map_opts mo = {width, "Print", "at 182 mm", "value", "attribution", 10, mm};
    rs_map *m = rs_map_new(ctx, x0, y0, x1, y1, &mo);
    CHECK(m != NULL);
    if (m == NULL)
        return;
    char path[1200];
    snprintf(path, sizeof path, "%s/print.png", dir);
    CHECK_EQ_INT(rs_map_write_png(m, path), 0);
    rs_map_free(m);
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    CHECK_EQ_INT(cairo_image_surface_get_width(s), width);
    CHECK_EQ_INT(cairo_image_surface_get_height(s), top + mh + footer);
    cairo_surface_destroy(s);
    /* the smallest type, 10u px, on paper: >= 8 pt */
    CHECK(10 * u / width * mm / 25.4 * 72 >= 8 - 1e-9);
    /* too narrow an image for its print width leaves no map: refused */
    rs_map_opts tiny = {640, "t", NULL, NULL, NULL, 0, 20};
    rs_err_clear(rs_ctx_err(ctx));
    CHECK(rs_map_new(ctx, x0, y0, x1, y1, &tiny) == NULL);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "leaves no room for the map");
}

int main(void)
{
    const char *dir = check_tmpdir("map_context");
    char here[1024];
    snprintf(here, sizeof here, "%s", dir);
    rs_ctx *ctx = rs_ctx_new();
    CHECK(ctx != NULL);
    if (ctx == NULL)
        return check_done();
    test_same_pixels(ctx, here);
    test_refusals(ctx, here);
    test_print_layout(ctx, here);
    rs_ctx_free(ctx);
    cairo_debug_reset_static_data();
    return check_done();
}
