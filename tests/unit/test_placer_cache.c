/*
 * test_placer_cache.c — the placer kept in the workspace (place.h,
 * locator.h, crs.h): a placer read back from the placer cache answers
 * exactly as a fresh build (same BNG bits, same district) at random points
 * and on district edges; the locator and table byte forms round-trip and
 * refuse damaged bytes; a damaged or stale cache entry is rebuilt, not
 * used; an operation made from another's PROJ string transforms bit for
 * bit alike; and district sets whose extent is all of Great Britain, or
 * +-3,000 km, are placed with bounded memory (an address-space limit of
 * 512 MiB where the build has no sanitizer) and no table.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "check.h"
#include "crs.h"
#include "locator.h"
#include "place.h"
#include "relocate.h"
#include "ws_helpers.h"

static double rnd(unsigned long long *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* Five Essex boxes, 0 and 1 sharing an edge, 3 inside nothing. */
static const ws_box boxes[5] = {{560000, 190000, 570000, 200000},
                                {570000, 190000, 580000, 200000},
                                {590000, 220000, 600000, 230000},
                                {545000, 205000, 556000, 214000},
                                {600000, 230000, 612000, 241000}};
static const char *const names[5] = {"a", "b", "c", "d", "e"};

/* a and b give the same BNG bits and district at n random lon/lat points
 * over Essex and at the boxes' corners and edge midpoints. */
static int same_answers(rs_placer *a, rs_placer *b, int n)
{
    unsigned long long s = 0x9e3779b97f4a7c15ULL;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double lat = 51.3 + 0.8 * rnd(&s), lon = -0.3 + 1.6 * rnd(&s);
        double e1, n1, e2, n2;
        int32_t d1 = -9, d2 = -9;
        int r1 = rs_placer_wgs84(a, lat, lon, &e1, &n1, &d1);
        int r2 = rs_placer_wgs84(b, lat, lon, &e2, &n2, &d2);
        if (r1 != r2 || memcmp(&e1, &e2, sizeof e1) || memcmp(&n1, &n2, sizeof n1) || d1 != d2)
            bad++;
    }
    for (int i = 0; i < 5; i++)
        for (int k = 0; k < 9; k++) {
            double e = k % 3 == 0 ? boxes[i].x0 : k % 3 == 1 ? (boxes[i].x0 + boxes[i].x1) / 2
                                                             : boxes[i].x1;
            double nn = k / 3 == 0 ? boxes[i].y0 : k / 3 == 1 ? (boxes[i].y0 + boxes[i].y1) / 2
                                                              : boxes[i].y1;
            if (rs_placer_bng(a, e, nn) != rs_placer_bng(b, e, nn))
                bad++;
        }
    return bad;
}

static int64_t cache_rows(rs_ctx *ctx)
{
    int64_t v = -1;
    CHECK_EQ_INT(rs_store_query_int(ctx, "SELECT count(*) FROM placer_cache", &v), 0);
    return v;
}

static void test_stored_equals_fresh(const char *dir)
{
    char ws[1200];
    snprintf(ws, sizeof ws, "%s/cache.db", dir);
    rs_ctx *ctx = rs_ctx_new();
    CHECK_EQ_INT(rs_store_open(ctx, ws, RS_STORE_CREATE), 0);
    CHECK_EQ_INT(rs_store_begin(ctx), 0);
    ws_box_districts(ctx, 5, names, boxes);
    rs_districts *d = NULL;
    int64_t set = 0, moved = 0;
    CHECK_EQ_INT(rs_store_districts_read(ctx, &d), 0);
    /* what `districts load` does: replace, then relocate (which builds and saves) */
    CHECK_EQ_INT(rs_relocate_all(ctx, d, &moved), 0);
    CHECK_EQ_INT(rs_store_commit(ctx), 0);
    CHECK_EQ_INT(cache_rows(ctx), 2);
    rs_districts_free(d);
    d = NULL;

    CHECK_EQ_INT(rs_store_districts_read_set(ctx, &d, &set), 0);
    CHECK(set >= 1);
    rs_placer *fresh = NULL, *stored = NULL, *shared = NULL;
    CHECK_EQ_INT(rs_placer_new(ctx, d, &fresh), 0);
    CHECK_EQ_INT(rs_placer_new_stored(ctx, d, set, &stored), 0);
    CHECK_EQ_INT(rs_placer_was_built(stored), 0); /* both read from the cache */
    CHECK_EQ_INT(rs_placer_was_built(fresh), 1);
    CHECK(rs_placer_table_error(stored) > 0);
    CHECK(rs_placer_table_error(stored) == rs_placer_table_error(fresh));
    CHECK_EQ_INT(same_answers(fresh, stored, 20000), 0);
    /* a thread's placer borrowing the stored one's table and grid */
    rs_ctx *c2 = rs_ctx_new();
    rs_districts *d2 = NULL;
    CHECK_EQ_INT(rs_store_open(c2, ws, 0), 0);
    CHECK_EQ_INT(rs_store_districts_read(c2, &d2), 0);
    CHECK_EQ_INT(rs_placer_new_sharing(c2, d2, stored, &shared), 0);
    CHECK_EQ_INT(same_answers(fresh, shared, 20000), 0);
    rs_placer_free(shared);
    rs_districts_free(d2);
    rs_ctx_free(c2);

    /* saving a placer read from the cache writes nothing new */
    CHECK_EQ_INT(rs_store_begin(ctx), 0);
    CHECK_EQ_INT(rs_placer_save(ctx, stored), 0);
    CHECK_EQ_INT(rs_store_commit(ctx), 0);
    rs_placer_free(stored);
    stored = NULL;

    /* damaged entries: a cut locator, a table with one node changed to NaN */
    sqlite3 *db = rs_ctx_db(ctx);
    CHECK_EQ_INT(sqlite3_exec(db,
                              "UPDATE placer_cache SET data = substr(data, 1, length(data) - 4) "
                              "WHERE name = 'locator'; "
                              "UPDATE placer_cache SET data = substr(data, 1, 200) || "
                              "X'000000000000F87F' || substr(data, 209) WHERE name = 'table'",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    CHECK_EQ_INT(rs_placer_new_stored(ctx, d, set, &stored), 0);
    CHECK_EQ_INT(rs_placer_was_built(stored), 1);
    CHECK_EQ_INT(same_answers(fresh, stored, 5000), 0);
    rs_placer_free(stored);
    stored = NULL;
    /* a locator whose cells name a district that does not exist */
    CHECK_EQ_INT(sqlite3_exec(db, "DELETE FROM placer_cache", NULL, NULL, NULL), SQLITE_OK);
    CHECK_EQ_INT(rs_store_begin(ctx), 0);
    CHECK_EQ_INT(rs_placer_new_stored(ctx, d, set, &stored), 0);
    CHECK_EQ_INT(rs_placer_save(ctx, stored), 0); /* rebuilt, saved again */
    CHECK_EQ_INT(rs_store_commit(ctx), 0);
    CHECK_EQ_INT(cache_rows(ctx), 2);
    rs_placer_free(stored);
    stored = NULL;

    /* a new district set: the old entries are gone, a stale set never used */
    CHECK_EQ_INT(rs_store_begin(ctx), 0);
    ws_box_districts(ctx, 3, names, boxes);
    CHECK_EQ_INT(rs_store_commit(ctx), 0);
    CHECK_EQ_INT(cache_rows(ctx), 0);
    int64_t set2 = 0;
    rs_districts *d3 = NULL;
    CHECK_EQ_INT(rs_store_districts_read_set(ctx, &d3, &set2), 0);
    CHECK(set2 == set + 1);
    /* a placer built for the old set saves nothing under the new one */
    CHECK_EQ_INT(rs_placer_new_stored(ctx, d, set, &stored), 0);
    CHECK_EQ_INT(rs_store_begin(ctx), 0);
    CHECK_EQ_INT(rs_placer_save(ctx, stored), 0);
    CHECK_EQ_INT(rs_store_commit(ctx), 0);
    CHECK_EQ_INT(cache_rows(ctx), 0);
    rs_placer_free(stored);
    rs_districts_free(d3);
    rs_placer_free(fresh);
    rs_districts_free(d);
    rs_ctx_free(ctx);
}

/* The byte forms at the geo level: round trip and refusals. */
static void test_bytes(void)
{
    rs_ctx *ctx = rs_ctx_new();
    rs_geo *g = rs_ctx_geo(ctx);
    unsigned char wkb[5][128];
    const unsigned char *wp[5];
    size_t len[5];
    for (int i = 0; i < 5; i++) {
        len[i] = ws_box_wkb(wkb[i], boxes[i].x0, boxes[i].y0, boxes[i].x1, boxes[i].y1);
        wp[i] = wkb[i];
    }
    rs_districts *d = NULL, *d4 = NULL;
    CHECK_EQ_INT(rs_districts_from_wkb(g, 5, names, NULL, wp, len, &d), 0);
    CHECK_EQ_INT(rs_districts_from_wkb(g, 4, names, NULL, wp, len, &d4), 0);
    rs_locator *l = NULL, *back = NULL;
    unsigned char *buf = NULL;
    size_t n = 0;
    CHECK_EQ_INT(rs_locator_new(g, d, 0, &l), 0);
    CHECK_EQ_INT(rs_locator_save(l, &buf, &n), 0);
    CHECK_EQ_INT(rs_locator_load(g, d, buf, n, &back), 0);
    unsigned long long s = 7;
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        double e = 540000 + 80000 * rnd(&s), nn = 180000 + 70000 * rnd(&s);
        if (rs_locator_find(l, e, nn) != rs_locator_find(back, e, nn))
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    rs_locator_free(back);
    back = NULL;
    /* another set, a cut copy, a cell naming district 5 of 5 */
    CHECK_EQ_INT(rs_locator_load(g, d4, buf, n, &back), RS_EINPUT);
    CHECK_EQ_INT(rs_locator_load(g, d, buf, n - 1, &back), RS_EINPUT);
    CHECK_EQ_INT(rs_locator_load(g, d, buf, 10, &back), RS_EINPUT);
    int32_t five = 5;
    memcpy(buf + 72, &five, sizeof five); /* the first cell, after the 72-byte header */
    CHECK_EQ_INT(rs_locator_load(g, d, buf, n, &back), RS_EINPUT);
    CHECK(back == NULL);
    free(buf);

    rs_crs *c = NULL, *like = NULL;
    rs_crs_table *t = NULL, *tb = NULL;
    CHECK_EQ_INT(rs_crs_new(g, "EPSG:4326", "EPSG:27700", &c), 0);
    CHECK_EQ_INT(rs_crs_new_like(g, c, &like), 0);
    CHECK_STR(rs_crs_pipeline(like), rs_crs_pipeline(c));
    CHECK_STR(rs_crs_describe(like), rs_crs_describe(c));
    CHECK_EQ_INT(rs_crs_table_new(g, c, 0.1, 51.4, 0.9, 52.0, 0.005, &t), 0);
    CHECK_EQ_INT(rs_crs_table_save(t, &buf, &n), 0);
    CHECK_EQ_INT(rs_crs_table_load(g, buf, n, &tb), 0);
    CHECK(rs_crs_table_max_error(tb) == rs_crs_table_max_error(t));
    bad = 0;
    for (int i = 0; i < 100000; i++) {
        double lon = 0.1 + 0.8 * rnd(&s), lat = 51.4 + 0.6 * rnd(&s);
        double e1, n1, e2, n2, x = lon, y = lat, x2 = lon, y2 = lat;
        rs_crs_table_fwd(t, lon, lat, &e1, &n1);
        rs_crs_table_fwd(tb, lon, lat, &e2, &n2);
        rs_crs_trans(c, &x, &y, 1);
        rs_crs_trans(like, &x2, &y2, 1);
        if (memcmp(&e1, &e2, 8) || memcmp(&n1, &n2, 8) || memcmp(&x, &x2, 8) ||
            memcmp(&y, &y2, 8))
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    rs_crs_table_free(tb);
    tb = NULL;
    CHECK_EQ_INT(rs_crs_table_load(g, buf, n - 8, &tb), RS_EINPUT);
    buf[8] ^= 1; /* nx */
    CHECK_EQ_INT(rs_crs_table_load(g, buf, n, &tb), RS_EINPUT);
    CHECK(tb == NULL);
    free(buf);
    rs_crs_table_free(t);
    rs_crs_free(like);
    rs_crs_free(c);
    rs_locator_free(l);
    rs_districts_free(d4);
    rs_districts_free(d);
    rs_ctx_free(ctx);
}

/* District sets whose extent has no table: all of GB, +-3,000 km.  Placed
 * through PROJ itself, so a point agrees with rs_crs_trans bit for bit. */
static void test_huge_extents(void)
{
    static const ws_box gb[1] = {{1, 1, 700000, 1250000}};
    static const ws_box wide[2] = {{400000 - 3e6, 600000 - 3e6, 401000 - 3e6, 601000 - 3e6},
                                   {399000 + 3e6, 599000 + 3e6, 400000 + 3e6, 600000 + 3e6}};
    const ws_box *sets[2] = {gb, wide};
    size_t counts[2] = {1, 2};
    for (int k = 0; k < 2; k++) {
        rs_ctx *ctx = rs_ctx_new();
        rs_geo *g = rs_ctx_geo(ctx);
        unsigned char wkb[2][128];
        const unsigned char *wp[2];
        size_t len[2];
        for (size_t i = 0; i < counts[k]; i++) {
            len[i] = ws_box_wkb(wkb[i], sets[k][i].x0, sets[k][i].y0, sets[k][i].x1, sets[k][i].y1);
            wp[i] = wkb[i];
        }
        rs_districts *d = NULL;
        rs_placer *p = NULL;
        rs_crs *c = NULL;
        CHECK_EQ_INT(rs_districts_from_wkb(g, counts[k], names, NULL, wp, len, &d), 0);
        int rc = rs_placer_new(ctx, d, &p);
        if (rc != 0)
            fprintf(stderr, "extent %d: %s\n", k, rs_ctx_err(ctx)->msg);
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_INT(rs_crs_new(g, "EPSG:4326", "EPSG:27700", &c), 0);
        if (p != NULL) {
            CHECK(rs_placer_table_error(p) == 0); /* no table */
            double e, n, x = 0.5, y = 51.7;
            int32_t di = -9;
            CHECK_EQ_INT(rs_placer_wgs84(p, 51.7, 0.5, &e, &n, &di), 0);
            rs_crs_trans(c, &x, &y, 1);
            CHECK(e == x && n == y);
            CHECK_EQ_INT(di, k == 0 ? 0 : -1);
        }
        rs_crs_free(c);
        rs_placer_free(p);
        rs_districts_free(d);
        rs_ctx_free(ctx);
    }
}

/* A set too large for a table keeps that fact too: the next placer reads
 * an empty table entry and builds nothing. */
static void test_no_table_cached(const char *dir)
{
    char ws[1200];
    snprintf(ws, sizeof ws, "%s/gb.db", dir);
    static const ws_box gb[1] = {{1, 1, 700000, 1250000}};
    rs_ctx *ctx = rs_ctx_new();
    rs_districts *d = NULL;
    rs_placer *p = NULL;
    int64_t set = 0, moved = 0;
    CHECK_EQ_INT(rs_store_open(ctx, ws, RS_STORE_CREATE), 0);
    CHECK_EQ_INT(rs_store_begin(ctx), 0);
    ws_box_districts(ctx, 1, names, gb);
    CHECK_EQ_INT(rs_store_districts_read(ctx, &d), 0);
    CHECK_EQ_INT(rs_relocate_all(ctx, d, &moved), 0);
    CHECK_EQ_INT(rs_store_commit(ctx), 0);
    rs_districts_free(d);
    d = NULL;
    CHECK_EQ_INT(cache_rows(ctx), 2);
    CHECK_EQ_INT(rs_store_districts_read_set(ctx, &d, &set), 0);
    CHECK_EQ_INT(rs_placer_new_stored(ctx, d, set, &p), 0);
    CHECK_EQ_INT(rs_placer_was_built(p), 0);
    CHECK(rs_placer_table_error(p) == 0);
    CHECK_EQ_INT(rs_placer_bng(p, 350000, 600000), 0);
    rs_placer_free(p);
    rs_districts_free(d);
    rs_ctx_free(ctx);
}

int main(void)
{
    const char *dir = check_tmpdir("placer_cache");
    test_stored_equals_fresh(dir);
    test_bytes();
    test_no_table_cached(dir);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    /* a table over all of GB (4.7 million nodes) and its measurement took
     * about 670 MB; over +-3,000 km it was refused (2.3e8 cells) */
    struct rlimit lim = {(rlim_t)512 << 20, (rlim_t)512 << 20};
    CHECK_EQ_INT(setrlimit(RLIMIT_AS, &lim), 0);
#endif
    test_huge_extents();
    return check_done();
}
