/*
 * shapes.c — district shapefiles for the placer benchmark and tests:
 * square districts in BNG (EPSG:27700), written with the engine's layer
 * writer.
 *   usage: rs-bench-shapes PREFIX grid N SIDE_KM   N squares tiling a square of
 *                                                 SIDE_KM around Chelmsford
 *          rs-bench-shapes PREFIX box X0 Y0 X1 Y1 one rectangle (metres)
 *          rs-bench-shapes PREFIX pair HALF_KM    two 1 km squares at
 *                                                 -HALF_KM and +HALF_KM from
 *                                                 (400000, 600000): an extent of
 *                                                 +-HALF_KM
 * The name field is NAME ("d1", "d2", ...).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shpout.h"

static int add_box(rs_geo *g, rs_shpout *w, size_t i, double x0, double y0, double x1, double y1)
{
    char name[32];
    snprintf(name, sizeof name, "d%zu", i + 1);
    const char *vals[1] = {name};
    GEOSGeometry *box = GEOSGeom_createRectangle_r(rs_geo_geos(g), x0, y0, x1, y1);
    int rc = box ? rs_shpout_add(w, box, vals) : RS_ERR;
    if (box)
        GEOSGeom_destroy_r(rs_geo_geos(g), box);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: rs-bench-shapes PREFIX grid N SIDE_KM | box X0 Y0 X1 Y1 | "
                        "pair HALF_KM\n");
        return 2;
    }
    rs_geo *g = rs_geo_new();
    rs_shp_field f = {"NAME", RS_FIELD_TEXT, 0};
    rs_shpout *w = NULL;
    int rc = g ? rs_shpout_new(g, argv[1], RS_SHP_POLYGONS, 27700, &f, 1, &w) : RS_ENOMEM;
    if (rc == 0 && strcmp(argv[2], "grid") == 0 && argc == 5) {
        size_t n = strtoul(argv[3], NULL, 10);
        size_t k = (size_t)ceil(sqrt((double)n));
        double side = atof(argv[4]) * 1000, c = side / (double)k;
        double x0 = 572000 - side / 2, y0 = 207000 - side / 2;
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = add_box(g, w, i, x0 + (double)(i % k) * c, y0 + (double)(i / k) * c,
                         x0 + (double)(i % k + 1) * c, y0 + (double)(i / k + 1) * c);
    } else if (rc == 0 && strcmp(argv[2], "box") == 0 && argc == 7) {
        rc = add_box(g, w, 0, atof(argv[3]), atof(argv[4]), atof(argv[5]), atof(argv[6]));
    } else if (rc == 0 && strcmp(argv[2], "pair") == 0 && argc == 4) {
        double h = atof(argv[3]) * 1000;
        rc = add_box(g, w, 0, 400000 - h, 600000 - h, 401000 - h, 601000 - h);
        if (rc == 0)
            rc = add_box(g, w, 1, 399000 + h, 599000 + h, 400000 + h, 600000 + h);
    } else if (rc == 0) {
        fprintf(stderr, "rs-bench-shapes: unknown shape arguments\n");
        rs_shpout_abort(w);
        rs_geo_free(g);
        return 2;
    }
    if (rc == 0)
        rc = rs_shpout_commit(w);
    else
        rs_shpout_abort(w);
    if (rc != 0)
        fprintf(stderr, "rs-bench-shapes: %s\n", g ? rs_geo_err(g)->msg : "out of memory");
    rs_geo_free(g);
    return rc == 0 ? 0 : 1;
}
