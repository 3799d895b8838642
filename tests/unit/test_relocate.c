/*
 * test_relocate.c — engine/relocate.h: after the district set changes,
 * rs_relocate_all re-assigns each stored detection to the district that now
 * contains it, reports how many records moved, moves nothing on a second
 * run, and clears districts when the set is NULL.  Detections are inserted
 * straight into the workspace (foreign keys off) so the expectations follow
 * from the coordinates alone.
 */
#include <sqlite3.h>
#include <stdio.h>

#include "check.h"
#include "relocate.h"
#include "ws_helpers.h"

static int64_t district_of(rs_ctx *ctx, const char *id)
{
    char sql[128];
    int64_t v = -99;
    snprintf(sql, sizeof sql,
             "SELECT coalesce(district_id, -1) FROM detection WHERE detection_id = '%s'", id);
    CHECK_EQ_INT(rs_store_query_int(ctx, sql, &v), 0);
    return v;
}

int main(void)
{
    const char *dir = check_tmpdir("test_relocate");
    char path[1200];
    snprintf(path, sizeof path, "%s/ws.db", dir);
    rs_ctx *ctx = rs_ctx_new();
    CHECK(ctx != NULL);
    CHECK_EQ_INT(rs_store_open(ctx, path, RS_STORE_CREATE), 0);

    /* set A: west [0,1000] and east [1000,2000] */
    const char *const names[] = {"West", "East"};
    const ws_box a[] = {{0, 0, 1000, 1000}, {1000, 0, 2000, 1000}};
    ws_box_districts(ctx, 2, names, a);

    CHECK_EQ_INT(rs_store_exec(ctx, "PRAGMA foreign_keys = OFF", "fk"), 0);
    int rc = rs_store_exec(ctx,
                           "INSERT INTO detection(detection_id, file_id, t, device_type, device_id, "
                           "site_id, e, n, district_id, speed_cmph, limit_mph, vehicle) VALUES "
                           "('d1', 1, 1000, 'GATSO', 'g', 's', 500, 500, 0, 4000, 30, x'00'),"
                           "('d2', 1, 1000, 'GATSO', 'g', 's', 1500, 500, 1, 4000, 30, x'01'),"
                           "('d3', 1, 1000, 'GATSO', 'g', 's', 900, 500, 0, 4000, 30, x'02')",
                           "insert");
    CHECK_EQ_INT(rc, 0);
    if (rc != 0)
        fprintf(stderr, "insert: %s\n", rs_ctx_err(ctx)->msg);

    /* set B: the boundary moves to x = 800, so d3 goes West -> East */
    const ws_box b[] = {{0, 0, 800, 1000}, {800, 0, 2000, 1000}};
    unsigned char w0[128], w1[128];
    const unsigned char *wp[2] = {w0, w1};
    size_t len[2] = {ws_box_wkb(w0, b[0].x0, b[0].y0, b[0].x1, b[0].y1),
                     ws_box_wkb(w1, b[1].x0, b[1].y0, b[1].x1, b[1].y1)};
    rs_districts *d = NULL;
    CHECK_EQ_INT(rs_districts_from_wkb(rs_ctx_geo(ctx), 2, names, NULL, wp, len, &d), 0);
    CHECK(d != NULL);
    if (d == NULL)
        return check_done();
    CHECK_EQ_INT(rs_store_districts_replace(ctx, d, "test"), 0);
    int64_t moved = -1;
    CHECK_EQ_INT(rs_relocate_all(ctx, d, &moved), 0);
    CHECK_EQ_INT(moved, 1);
    CHECK_EQ_INT(district_of(ctx, "d1"), 0);
    CHECK_EQ_INT(district_of(ctx, "d2"), 1);
    CHECK_EQ_INT(district_of(ctx, "d3"), 1);

    /* idempotent: a second run moves nothing */
    moved = -1;
    CHECK_EQ_INT(rs_relocate_all(ctx, d, &moved), 0);
    CHECK_EQ_INT(moved, 0);
    CHECK_EQ_INT(rs_relocate_all(ctx, d, NULL), 0); /* moved may be NULL */

    /* no districts: every record loses its district */
    moved = -1;
    CHECK_EQ_INT(rs_relocate_all(ctx, NULL, &moved), 0);
    CHECK_EQ_INT(moved, 3);
    CHECK_EQ_INT(district_of(ctx, "d1"), -1);
    CHECK_EQ_INT(district_of(ctx, "d3"), -1);

    rs_districts_free(d);
    rs_store_close(ctx);
    rs_ctx_free(ctx);
    return check_done();
}
