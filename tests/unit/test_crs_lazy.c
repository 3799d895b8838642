/*
 * test_crs_lazy.c — geo/crs: an operation made from a PROJ string
 * (rs_crs_new_pipeline) is made by PROJ at its first transformation, so
 * making one costs nothing until a point needs it: it then transforms bit
 * for bit as the operation whose string it took, and a string PROJ cannot
 * make fails every point with the reason in the geo error.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "crs.h"

int main(void)
{
    rs_geo *g = rs_geo_new();
    if (g == NULL) {
        fprintf(stderr, "rs_geo_new failed\n");
        return 1;
    }
    rs_crs *c = NULL, *p = NULL, *bad = NULL;
    CHECK_EQ_INT(rs_crs_new(g, "EPSG:4326", "EPSG:27700", &c), 0);
    CHECK_EQ_INT(rs_crs_new_pipeline(g, rs_crs_pipeline(c), "pinned", &p), 0);
    if (c && p) {
        double x1[2] = {0.5, 0.71}, y1[2] = {51.5, 51.83}, x2[2], y2[2];
        memcpy(x2, x1, sizeof x1);
        memcpy(y2, y1, sizeof y1);
        CHECK_EQ_INT((int)rs_crs_trans(c, x1, y1, 2), 0);
        CHECK_EQ_INT((int)rs_crs_trans(p, x2, y2, 2), 0);
        CHECK(memcmp(x1, x2, sizeof x1) == 0 && memcmp(y1, y2, sizeof y1) == 0);
    }
    /* not an operation PROJ knows: accepted when made, refused when used */
    rs_err_clear(rs_geo_err(g));
    CHECK_EQ_INT(rs_crs_new_pipeline(g, "+proj=pipeline +step +proj=no_such_method", "bad", &bad), 0);
    CHECK_STR(rs_geo_err(g)->msg, "");
    if (bad) {
        double x[3] = {0.5, 0.6, 0.7}, y[3] = {51.5, 51.6, 51.7};
        CHECK_EQ_INT((int)rs_crs_trans(bad, x, y, 3), 3);
        CHECK(x[0] == HUGE_VAL && y[2] == HUGE_VAL);
        CHECK(strstr(rs_geo_err(g)->msg, "cannot make the operation") != NULL);
        CHECK_EQ_INT((int)rs_crs_trans(bad, x, y, 1), 1); /* and again, without PROJ */
    }
    rs_crs_free(bad);
    rs_crs_free(p);
    rs_crs_free(c);
    rs_geo_free(g);
    return check_done();
}
