/*
 * ws_helpers.h — filling the scratch workspaces of the unit tests
 * (test_heat, test_ingest, test_ksi, test_weekend):
 *
 *   ws_box_wkb(b, x0, y0, x1, y1)      the box [x0,x1] x [y0,y1] as a
 *                                      little-endian WKB polygon (93 bytes)
 *   ws_box_districts(ctx, n, names, boxes)
 *                                      makes those n boxes (at most 8) the
 *                                      districts of ctx's open workspace
 *   ws_load(ctx, kind, path, key, want)
 *                                      ingests one file that must load
 *                                      whole: want rows, none rejected
 *
 * Header-only, every function static inline: the CHECK macros inside count
 * into the including test's own check.h counters (a separate .c file would
 * have counters of its own), and a test that calls only some of them builds
 * without -Wunused-function warnings.  Include it after check.h.
 */
#ifndef RS_WS_HELPERS_H
#define RS_WS_HELPERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ctx.h"
#include "district.h"
#include "geo.h"
#include "ingest.h"
#include "store.h"
#include "../wkb_box.h"

/* The most districts ws_box_districts makes at once. */
#define WS_MAX_BOXES 8

typedef struct ws_box {
    double x0, y0, x1, y1;
} ws_box;

/* Replaces the districts of ctx's open workspace with n boxes, district i
 * named names[i] and covering boxes[i] (EPSG:27700 metres), with source
 * "test".  Each step is a CHECK; a set the geometry layer refuses (d NULL)
 * ends the test with exit(1) after its error message. */
static inline void ws_box_districts(rs_ctx *ctx, size_t n, const char *const *names,
                                    const ws_box *boxes)
{
    if (n > WS_MAX_BOXES) {
        fprintf(stderr, "ws_box_districts: %zu boxes, at most %d\n", n, WS_MAX_BOXES);
        exit(1);
    }
    unsigned char wkb[WS_MAX_BOXES][128];
    const unsigned char *wp[WS_MAX_BOXES];
    size_t len[WS_MAX_BOXES];
    for (size_t i = 0; i < n; i++) {
        len[i] = ws_box_wkb(wkb[i], boxes[i].x0, boxes[i].y0, boxes[i].x1, boxes[i].y1);
        wp[i] = wkb[i];
    }
    rs_districts *d = NULL;
    CHECK_EQ_INT(rs_districts_from_wkb(rs_ctx_geo(ctx), n, names, NULL, wp, len, &d), 0);
    CHECK(d != NULL);
    if (d == NULL) {
        fprintf(stderr, "districts: %s\n", rs_geo_err(rs_ctx_geo(ctx))->msg);
        exit(1);
    }
    CHECK_EQ_INT(rs_store_districts_replace(ctx, d, "test"), 0);
    rs_districts_free(d);
}

/* Ingests path as kind into ctx's open workspace (key for the kinds that
 * hash plates, else NULL) and checks that it succeeds with no row rejected
 * and exactly want rows loaded; the engine's message is printed when it
 * fails. */
static inline void ws_load(rs_ctx *ctx, rs_kind kind, const char *path, const rs_key *key,
                           int64_t want)
{
    rs_ingest_result res;
    rs_ingest_opts o = {NULL, key, NULL, NULL, 0};
    memset(&res, 0, sizeof res);
    rs_err_clear(rs_ctx_err(ctx));
    int rc = rs_ingest_file(ctx, kind, path, &o, &res);
    if (rc != 0)
        fprintf(stderr, "ingest %s: %s\n", path, rs_ctx_err(ctx)->msg);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(res.rejected, 0);
    CHECK_EQ_INT(res.loaded, want);
}

#endif
