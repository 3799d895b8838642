/*
 * test_presence.c — patrol presence from hand-built fleet tracks
 * (engine/presence.h): gaps below and above the cap, a track's end, a
 * segment crossing cell edges split in proportion to distance, two
 * vehicles interleaved in time, distinct vehicles per cell, filters
 * judged at a gap's first ping, exact cell crossings on square and
 * hexagonal grids against dense sampling, and the same figures read back
 * from a workspace (rs_presence_build, rs_presence_district_minutes).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "pings.h"
#include "presence.h"
#include "store.h"

#define T0 1597500000 /* 2020-08-15T14:00:00Z, a Saturday */

static rs_ping P(uint16_t veh, int64_t t, int32_t e, int32_t n, int16_t district)
{
    rs_ping p = {T0 + t, e, n, 3000, 0, district, veh};
    return p;
}

static const rs_presence_cell *cell_at(const rs_presence *p, int64_t i, int64_t j)
{
    for (size_t k = 0; k < p->ncells; k++)
        if (p->cells[k].i == i && p->cells[k].j == j)
            return &p->cells[k];
    return NULL;
}

static double cell_minutes(const rs_presence *p, int64_t i, int64_t j)
{
    const rs_presence_cell *c = cell_at(p, i, j);
    return c ? c->minutes : 0;
}

static void everything(rs_ping_filter *f)
{
    rs_ping_filter_init(f);
    f->source = "fleet";
    f->district = -2;
}

/* Gaps of 60 s and 120 s in one cell, a 10-minute gap (capped at 5), and
 * the track's end (capped at 5). */
static void test_gaps_and_cap(rs_ctx *ctx)
{
    rs_ping_filter f;
    everything(&f);
    rs_grid g = {RS_GRID_SQUARE, 100};
    rs_ping p[] = {P(1, 0, 10, 10, 0), P(1, 60, 20, 10, 0), P(1, 180, 30, 10, 0),
                   P(1, 780, 40, 10, 0)};
    rs_presence *r = NULL;
    CHECK_EQ_INT(rs_presence_from_pings(ctx, p, 4, &f, &g, RS_PRESENCE_CAP, &r), 0);
    CHECK(r != NULL);
    if (r == NULL)
        return;
    CHECK_NEAR(r->minutes, 1 + 2 + 5 + 5, 1e-9);
    CHECK_EQ_INT(r->pings, 4);
    CHECK_EQ_INT(r->capped, 2);
    CHECK_EQ_INT(r->vehicles, 1);
    CHECK_NEAR(r->km, 0.020, 1e-12); /* 10 m + 10 m; the capped gap's 10 m is not driven */
    CHECK_EQ_INT(r->ncells, 1);
    CHECK_NEAR(cell_minutes(r, 0, 0), 13, 1e-9);
    CHECK_EQ_INT(r->cells[0].gaps, 4);
    CHECK_EQ_INT(r->cells[0].vehicles, 1);
    CHECK_EQ_INT(r->cells[0].district, 0);
    rs_presence_free(r);

    /* a gap of exactly the cap is not capped; a cap of 2 minutes caps the 180 s gap */
    rs_ping q[] = {P(1, 0, 10, 10, 0), P(1, 300, 10, 10, 0), P(1, 480, 10, 10, 0)};
    CHECK_EQ_INT(rs_presence_from_pings(ctx, q, 3, &f, &g, 300, &r), 0);
    CHECK_NEAR(r->minutes, 5 + 3 + 5, 1e-9);
    CHECK_EQ_INT(r->capped, 1);
    rs_presence_free(r);
    CHECK_EQ_INT(rs_presence_from_pings(ctx, q, 3, &f, &g, 120, &r), 0);
    CHECK_NEAR(r->minutes, 2 + 2 + 2, 1e-9);
    CHECK_EQ_INT(r->capped, 3);
    rs_presence_free(r);

    /* a bad cap is a usage error */
    CHECK_EQ_INT(rs_presence_from_pings(ctx, q, 3, &f, &g, 0, &r), RS_EUSAGE);
    CHECK(r == NULL);
    rs_err_clear(rs_ctx_err(ctx));
}

/* A 120 s gap from (50, 50) to (250, 50) on 100 m cells: 50 m, 100 m and
 * 50 m in cells 0, 1, 2, so 0.5, 1 and 0.5 minutes; a diagonal gap split
 * by both an x and a y edge; a zero-length gap credits its ping's cell. */
static void test_cell_edges(rs_ctx *ctx)
{
    rs_ping_filter f;
    everything(&f);
    rs_grid g = {RS_GRID_SQUARE, 100};
    rs_ping p[] = {P(7, 0, 50, 50, 0), P(7, 120, 250, 50, 0)};
    rs_presence *r = NULL;
    CHECK_EQ_INT(rs_presence_from_pings(ctx, p, 2, &f, &g, RS_PRESENCE_CAP, &r), 0);
    if (r == NULL)
        return;
    CHECK_EQ_INT(r->ncells, 3);
    CHECK_NEAR(cell_minutes(r, 0, 0), 0.5, 1e-9);
    CHECK_NEAR(cell_minutes(r, 1, 0), 1.0, 1e-9);
    CHECK_NEAR(cell_minutes(r, 2, 0), 0.5 + 5, 1e-9); /* + the track's end */
    CHECK_EQ_INT(cell_at(r, 1, 0)->gaps, 1);
    CHECK_EQ_INT(cell_at(r, 2, 0)->gaps, 2);
    CHECK_NEAR(r->km, 0.2, 1e-12);
    /* sorted south to north, west to east */
    CHECK(r->cells[0].i == 0 && r->cells[1].i == 1 && r->cells[2].i == 2);
    CHECK_NEAR(r->cells[1].x, 150, 1e-9);
    CHECK_NEAR(r->cells[1].y, 50, 1e-9);
    rs_presence_free(r);

    /* (80, 10) -> (120, 40) over 60 s: x = 100 at t = 0.5, one edge; then
     * (120, 40) -> (120, 140) over 100 s crosses y = 100 at 60 % */
    rs_ping q[] = {P(2, 0, 80, 10, 0), P(2, 60, 120, 40, 0), P(2, 160, 120, 140, 0)};
    CHECK_EQ_INT(rs_presence_from_pings(ctx, q, 3, &f, &g, RS_PRESENCE_CAP, &r), 0);
    CHECK_NEAR(cell_minutes(r, 0, 0), 0.5, 1e-9);
    CHECK_NEAR(cell_minutes(r, 1, 0), 0.5 + 1.0, 1e-9);
    CHECK_NEAR(cell_minutes(r, 1, 1), 100.0 / 60 * 0.4 + 5, 1e-9);
    CHECK_NEAR(r->minutes, 1 + 100.0 / 60 + 5, 1e-9);
    CHECK_NEAR(r->km, 0.05 + 0.1, 1e-12);
    rs_presence_free(r);

    /* a corner crossing: (50, 50) -> (150, 150) passes exactly through (100, 100) */
    rs_ping c[] = {P(3, 0, 50, 50, 0), P(3, 60, 150, 150, 0)};
    CHECK_EQ_INT(rs_presence_from_pings(ctx, c, 2, &f, &g, RS_PRESENCE_CAP, &r), 0);
    CHECK_NEAR(cell_minutes(r, 0, 0), 0.5, 1e-9);
    CHECK_NEAR(cell_minutes(r, 1, 1), 0.5 + 5, 1e-9);
    CHECK_NEAR(cell_minutes(r, 0, 1) + cell_minutes(r, 1, 0), 0, 1e-9);
    rs_presence_free(r);

    /* parked: two pings at the same place */
    rs_ping z[] = {P(4, 0, 333, 444, 0), P(4, 90, 333, 444, 0)};
    CHECK_EQ_INT(rs_presence_from_pings(ctx, z, 2, &f, &g, RS_PRESENCE_CAP, &r), 0);
    CHECK_EQ_INT(r->ncells, 1);
    CHECK_NEAR(cell_minutes(r, 3, 4), 1.5 + 5, 1e-9);
    CHECK_NEAR(r->km, 0, 0);
    rs_presence_free(r);
}

/* Two vehicles pinging alternately, given in time order (as a file holds
 * them): each vehicle's gaps run to its own next ping, never to the other
 * vehicle's. */
static void test_interleaved(rs_ctx *ctx)
{
    rs_ping_filter f;
    everything(&f);
    rs_grid g = {RS_GRID_SQUARE, 100};
    rs_ping p[] = {
        P(1, 0, 10, 10, 0),   P(2, 10, 510, 10, 1), P(1, 30, 20, 10, 0),
        P(2, 40, 520, 10, 1), P(1, 60, 30, 10, 0),  P(2, 70, 90, 10, 1), /* 2 drives west */
    };
    rs_presence *r = NULL;
    CHECK_EQ_INT(rs_presence_from_pings(ctx, p, 6, &f, &g, RS_PRESENCE_CAP, &r), 0);
    if (r == NULL)
        return;
    CHECK_EQ_INT(r->vehicles, 2);
    CHECK_EQ_INT(r->pings, 6);
    CHECK_EQ_INT(r->capped, 2); /* each track's end */
    /* vehicle 1: 30 + 30 s in cell (0,0), then its end: 5 min */
    /* vehicle 2: 30 s in (5,0); 30 s from x=520 to x=90: 20 m in (5,0), 100 m
     * in each of (4,0)..(1,0), 10 m in (0,0) of 430 m; then its end in (0,0) */
    double v2 = 0.5 / 430;
    CHECK_NEAR(cell_minutes(r, 5, 0), 0.5 + 20 * v2, 1e-9);
    CHECK_NEAR(cell_minutes(r, 3, 0), 100 * v2, 1e-9);
    CHECK_NEAR(cell_minutes(r, 0, 0), 1 + 5 + 10 * v2 + 5, 1e-9);
    CHECK_NEAR(r->minutes, 1 + 5 + 1 + 5, 1e-9);
    CHECK_EQ_INT(cell_at(r, 0, 0)->vehicles, 2);
    CHECK_EQ_INT(cell_at(r, 3, 0)->vehicles, 1);
    CHECK_EQ_INT(cell_at(r, 5, 0)->vehicles, 1);
    CHECK_EQ_INT(cell_at(r, 0, 0)->district, 0); /* lowest district of its pings */
    CHECK_EQ_INT(cell_at(r, 3, 0)->district, 1);
    CHECK_NEAR(r->km, (10 + 10 + 10 + 430) / 1000.0, 1e-12);
    rs_presence_free(r);

    /* the input order does not matter */
    rs_ping rev[6];
    for (int k = 0; k < 6; k++)
        rev[k] = p[5 - k];
    CHECK_EQ_INT(rs_presence_from_pings(ctx, rev, 6, &f, &g, RS_PRESENCE_CAP, &r), 0);
    CHECK_NEAR(cell_minutes(r, 0, 0), 1 + 5 + 10 * v2 + 5, 1e-9);
    CHECK_EQ_INT(r->vehicles, 2);
    rs_presence_free(r);

    /* totals only (no grid) */
    CHECK_EQ_INT(rs_presence_from_pings(ctx, p, 6, &f, NULL, RS_PRESENCE_CAP, &r), 0);
    CHECK_EQ_INT(r->ncells, 0);
    CHECK_NEAR(r->minutes, 12, 1e-9);
    rs_presence_free(r);
}

/* Filters judge a gap by its first ping: a gap starting before `to` is
 * credited in full even when it ends after; district likewise. */
static void test_filters(rs_ctx *ctx)
{
    rs_grid g = {RS_GRID_SQUARE, 100};
    rs_ping p[] = {P(1, 0, 10, 10, 0), P(1, 120, 10, 10, 1), P(1, 240, 10, 10, -1),
                   P(1, 300, 10, 10, 0)};
    rs_ping_filter f;
    everything(&f);
    f.from = T0 + 60;
    f.to = T0 + 241;
    rs_presence *r = NULL;
    CHECK_EQ_INT(rs_presence_from_pings(ctx, p, 4, &f, &g, RS_PRESENCE_CAP, &r), 0);
    CHECK_NEAR(r->minutes, 2 + 1, 1e-9); /* the pings at 120 and 240 */
    rs_presence_free(r);
    everything(&f);
    f.district = 0;
    CHECK_EQ_INT(rs_presence_from_pings(ctx, p, 4, &f, &g, RS_PRESENCE_CAP, &r), 0);
    CHECK_NEAR(r->minutes, 2 + 5, 1e-9);
    rs_presence_free(r);
    f.district = -1; /* inside any district */
    CHECK_EQ_INT(rs_presence_from_pings(ctx, p, 4, &f, &g, RS_PRESENCE_CAP, &r), 0);
    CHECK_NEAR(r->minutes, 2 + 2 + 5, 1e-9);
    rs_presence_free(r);
    /* UK-local hours: 14:00Z in August is 15:00 BST */
    everything(&f);
    CHECK_EQ_INT(rs_ping_filter_hours(&f, "15-16"), 0);
    CHECK_EQ_INT(rs_presence_from_pings(ctx, p, 4, &f, &g, RS_PRESENCE_CAP, &r), 0);
    CHECK_NEAR(r->minutes, 10, 1e-9);
    rs_presence_free(r);
    CHECK_EQ_INT(rs_ping_filter_hours(&f, "14-15"), 0);
    CHECK_EQ_INT(rs_presence_from_pings(ctx, p, 4, &f, &g, RS_PRESENCE_CAP, &r), 0);
    CHECK_NEAR(r->minutes, 0, 0);
    CHECK_EQ_INT(r->ncells, 0);
    CHECK_EQ_INT(r->vehicles, 0);
    rs_presence_free(r);
}

/* Cell crossings against dense sampling, square and hexagonal grids. */
static void test_segment_cells(void)
{
    rs_grid grids[] = {{RS_GRID_SQUARE, 250}, {RS_GRID_HEX, 150}, {RS_GRID_HEX, 97.5}};
    uint64_t seed = 12345;
    int64_t ci[512], cj[512];
    double fr[512];
    for (int gk = 0; gk < 3; gk++) {
        const rs_grid *g = &grids[gk];
        int bad = 0;
        for (int trial = 0; trial < 200; trial++) {
            double v[4];
            for (int k = 0; k < 4; k++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                v[k] = (double)(seed >> 11) / 9007199254740992.0;
            }
            double x0 = 570000 + 3000 * v[0], y0 = 230000 + 3000 * v[1];
            double x1 = x0 + 2000 * (v[2] - 0.5), y1 = y0 + 2000 * (v[3] - 0.5);
            int n = rs_presence_segment_cells(g, x0, y0, x1, y1, ci, cj, fr, 512);
            if (n <= 0) {
                bad++;
                continue;
            }
            /* fractions sum to 1; consecutive cells differ */
            double sum = 0;
            for (int k = 0; k < n; k++)
                sum += fr[k];
            if (fabs(sum - 1) > 1e-9)
                bad++;
            /* dense sampling: the share of 10000 samples in each cell */
            const int S = 10000;
            int k = 0;
            double acc = 0;
            for (int s = 0; s < S; s++) {
                double t = (s + 0.5) / S;
                int64_t i, j;
                rs_grid_cell(g, x0 + t * (x1 - x0), y0 + t * (y1 - y0), &i, &j);
                while (k < n && (ci[k] != i || cj[k] != j)) {
                    /* moved on: the previous cell's fraction must match */
                    if (fabs(acc - fr[k]) > 2.0 / S)
                        bad++;
                    k++;
                    acc = 0;
                }
                if (k == n) {
                    bad++;
                    break;
                }
                acc += 1.0 / S;
            }
            /* the last sampled cell, then any sliver too short to be sampled */
            if (k < n && fabs(acc - fr[k]) > 2.0 / S)
                bad++;
            for (k++; k < n; k++)
                if (fr[k] > 2.0 / S)
                    bad++;
        }
        CHECK_EQ_INT(bad, 0);
    }
    /* too small a buffer */
    rs_grid g = {RS_GRID_SQUARE, 10};
    CHECK_EQ_INT(rs_presence_segment_cells(&g, 5, 5, 995, 5, ci, cj, fr, 10), -1);
    CHECK_EQ_INT(rs_presence_segment_cells(&g, 5, 5, 95, 5, ci, cj, fr, 10), 10);
    CHECK_EQ_INT(rs_presence_segment_cells(&g, 5, 5, 5, 5, ci, cj, fr, 10), 1);
    CHECK_NEAR(fr[0], 1, 0);
}

/* The same through a workspace: pings stored as a fleet chunk in time
 * order (interleaved vehicles), read back with rs_presence_build and
 * rs_presence_district_minutes. */
static void test_store(rs_ctx *ctx)
{
    const char *dir = check_tmpdir("test_presence");
    char path[1200];
    snprintf(path, sizeof path, "%s/ws.db", dir);
    CHECK_EQ_INT(rs_store_open(ctx, path, RS_STORE_CREATE), 0);
    double dm[3] = {-1, -1, -1};
    int any = -1;
    CHECK_EQ_INT(rs_presence_district_minutes(ctx, INT64_MIN, INT64_MAX, 3, dm, &any), 0);
    CHECK_EQ_INT(any, 0);
    CHECK_NEAR(dm[0] + dm[1] + dm[2], 0, 0);

    rs_ping p[] = {
        P(1, 0, 10, 10, 0),   P(2, 10, 510, 10, 1), P(1, 30, 20, 10, 0),
        P(2, 40, 520, 10, 1), P(1, 60, 30, 10, 0),  P(2, 70, 90, 10, 1),
    };
    unsigned char blob[6 * RS_PING_BYTES];
    for (int k = 0; k < 6; k++)
        rs_ping_encode(&p[k], T0, blob + k * RS_PING_BYTES);
    sqlite3 *db = rs_ctx_db(ctx);
    CHECK_EQ_INT(rs_store_exec(ctx,
                               "INSERT INTO ingest_file VALUES (1, 'fleet', 'f.csv', 'x', 0, 6, 0, 0);"
                               "INSERT INTO fleet_vehicle VALUES (1, x'01'), (2, x'02');",
                               "setup"),
                 0);
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db, "INSERT INTO ping_chunk(file_id, source, n, t_min, t_max, data) "
                                 "VALUES (1, 'fleet', 6, ?1, ?2, ?3)",
                             -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_int64(st, 1, T0);
    sqlite3_bind_int64(st, 2, T0 + 70);
    sqlite3_bind_blob(st, 3, blob, sizeof blob, SQLITE_STATIC);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);

    rs_ping_filter f;
    everything(&f);
    rs_grid g = {RS_GRID_SQUARE, 100};
    rs_presence *r = NULL;
    CHECK_EQ_INT(rs_presence_build(ctx, &f, &g, RS_PRESENCE_CAP, &r), 0);
    if (r) {
        CHECK_NEAR(r->minutes, 12, 1e-9);
        CHECK_EQ_INT(r->vehicles, 2);
        CHECK_NEAR(cell_minutes(r, 0, 0), 1 + 5 + 0.5 / 430 * 10 + 5, 1e-9);
    }
    rs_presence_free(r);
    /* a period ending after vehicle 1's second ping: its gap to the third
     * (beyond the period) still counts in full, not capped */
    f.to = T0 + 31;
    CHECK_EQ_INT(rs_presence_build(ctx, &f, &g, RS_PRESENCE_CAP, &r), 0);
    if (r) {
        CHECK_NEAR(r->minutes, 0.5 + 0.5 + 0.5, 1e-9);
        CHECK_EQ_INT(r->capped, 0);
    }
    rs_presence_free(r);
    CHECK_EQ_INT(rs_presence_district_minutes(ctx, INT64_MIN, INT64_MAX, 3, dm, &any), 0);
    CHECK_EQ_INT(any, 1);
    CHECK_NEAR(dm[0], 6, 1e-9);
    CHECK_NEAR(dm[1], 6, 1e-9);
    CHECK_NEAR(dm[2], 0, 0);
    rs_presence_district bd[2];
    everything(&f);
    CHECK_EQ_INT(rs_presence_by_district(ctx, &f, RS_PRESENCE_CAP, 2, bd), 0);
    CHECK_EQ_INT(bd[0].vehicles, 1);
    CHECK_EQ_INT(bd[1].vehicles, 1);
    CHECK_NEAR(bd[0].km, 0.020, 1e-12);
    CHECK_NEAR(bd[1].km, 0.440, 1e-12);

    /* kernel density of presence: the raster's raw sum over pixels times
     * the pixel area integrates the scaled kernel to the minutes */
    rs_kde_opts ko = {50, 5, RS_KERNEL_QUARTIC, 1, 0, RS_METRIC_PRESENCE, 1};
    rs_raster *ras = NULL;
    CHECK_EQ_INT(rs_presence_kde(ctx, &f, RS_PRESENCE_CAP, &ko, &ras), 0);
    if (ras) {
        double sum = 0;
        for (size_t k = 0; k < ras->rows * ras->cols; k++)
            sum += isnan(ras->v[k]) ? 0 : ras->v[k];
        CHECK_NEAR(sum * ras->pixel * ras->pixel, 12, 0.05);
    }
    rs_raster_free(ras);
    f.from = T0 + 1000;
    CHECK_EQ_INT(rs_presence_kde(ctx, &f, RS_PRESENCE_CAP, &ko, &ras), RS_ENOTFOUND);
    rs_err_clear(rs_ctx_err(ctx));
    rs_store_close(ctx);
}

int main(void)
{
    rs_ctx *ctx = rs_ctx_new();
    CHECK(ctx != NULL);
    if (ctx == NULL)
        return check_done();
    test_gaps_and_cap(ctx);
    test_cell_edges(ctx);
    test_interleaved(ctx);
    test_filters(ctx);
    test_segment_cells();
    test_store(ctx);
    rs_ctx_free(ctx);
    return check_done();
}
