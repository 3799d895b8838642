/*
 * test_heat.c — heat maps (engine/heat.c, pingscan.c, heat_out.c):
 *
 *   kernels       each kernel's raw and scaled value at chosen distances
 *                 against numbers worked by hand from the formula; every
 *                 scaled kernel integrates to 1 over a fine raster (and the
 *                 quartic is not QGIS's old constant, 7.25 times too big);
 *   KDE layout    rows/cols = ceil(extent / pixel) + 1 of the points' box
 *                 grown by the radius, the top-left anchor, and every
 *                 pixel's value equal to a brute-force sum of the kernel at
 *                 the TRUE pixel centre over all points, for all five
 *                 kernels, raw, scaled and per km², and for each count
 *                 metric; pixels with fewer than K points within the
 *                 radius are NaN;
 *   grid counts   square and hex grids over ~150 000 pings stored in
 *                 several chunks: every cell's pings, speeding, over, p85
 *                 (type 7, by sorting here), mean excess and district equal
 *                 a brute-force pass over the same pings assigned with
 *                 rs_grid_cell; the cells' pings sum to the pings passing
 *                 the filter; withheld cells give NaN for every metric;
 *   hand cells    p85, mean excess and the threshold on a few pings worked
 *                 by hand;
 *   BST           weekend / weekday and hour filters (7-10 and the wrapping
 *                 22-6) judged in UK local time across the clock changes of
 *                 2019-2021, ping by ping (rs_ping_filter_match) and end to
 *                 end through rs_heat_grid_build;
 *   outputs       a withheld cell is not drawn: the PNG of a grid with
 *                 withheld cells is byte-identical to the PNG of the same
 *                 grid with those cells removed; its CSV row has no figures.
 *
 * Epoch seconds of the BST instants come from `date -u -d ... +%s`, their
 * UK-local day and hour from `TZ=Europe/London date`.
 */
#include <cairo.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>

#include "check.h"
#include "district.h"
#include "heat.h"
#include "heat_out.h"
#include "pings.h"
#include "pingscan.h"
#include "store.h"
#include "ws_helpers.h"

static long grey_pixels(const char *png);

#define PI 3.14159265358979323846

static rs_ctx *ctx;
static char tmpd[1024];

static const char *path_of(const char *name)
{
    static char buf[4][1200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpd, name);
    return buf[k];
}

/* ---- deterministic random numbers ------------------------------------------ */

static uint64_t rng_state = 0x243F6A8885A308D3ull;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int64_t rng_range(int64_t lo, int64_t hi) /* [lo, hi] */
{
    return lo + (int64_t)(rng_next() % (uint64_t)(hi - lo + 1));
}

/* ---- workspace ---------------------------------------------------------------- */

/* A fresh workspace with an ingest_file row (id 1) for the chunks and, when
 * nboxes > 0, districts "D0", "D1", ... that are those boxes. */
static void ws_open(const char *name, const ws_box *boxes, size_t nboxes)
{
    rs_store_close(ctx);
    remove(path_of(name));
    if (rs_store_open(ctx, path_of(name), RS_STORE_CREATE) != 0) {
        fprintf(stderr, "open %s: %s\n", name, rs_ctx_err(ctx)->msg);
        exit(1);
    }
    CHECK_EQ_INT(rs_store_exec(ctx,
                               "INSERT INTO ingest_file(id, kind, name, sha256, loaded_at, "
                               "rows_loaded, rows_rejected, rows_present) "
                               "VALUES (1, 'telematics', 'test', 'x', 0, 0, 0, 0)",
                               "ingest_file"),
                 0);
    if (nboxes == 0)
        return;
    static const char *const names[WS_MAX_BOXES] = {"D0", "D1", "D2", "D3",
                                                    "D4", "D5", "D6", "D7"};
    ws_box_districts(ctx, nboxes, names, boxes);
}

/* Stores p[0..n) as chunks of at most `chunk` pings of `source`. */
static void store_pings(const char *source, const rs_ping *p, size_t n, size_t chunk)
{
    sqlite3 *db = rs_ctx_db(ctx);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO ping_chunk(file_id, source, n, t_min, t_max, data) "
                           "VALUES (1, ?1, ?2, ?3, ?4, ?5)",
                           -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "prepare: %s\n", sqlite3_errmsg(db));
        exit(1);
    }
    unsigned char *buf = malloc(RS_PING_CHUNK * RS_PING_BYTES);
    if (buf == NULL)
        exit(1);
    for (size_t at = 0; at < n; at += chunk) {
        size_t m = n - at < chunk ? n - at : chunk;
        int64_t lo = p[at].t, hi = p[at].t;
        for (size_t k = at; k < at + m; k++) {
            lo = p[k].t < lo ? p[k].t : lo;
            hi = p[k].t > hi ? p[k].t : hi;
        }
        for (size_t k = 0; k < m; k++)
            rs_ping_encode(&p[at + k], lo, buf + k * RS_PING_BYTES);
        sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)m);
        sqlite3_bind_int64(st, 3, lo);
        sqlite3_bind_int64(st, 4, hi);
        sqlite3_bind_blob(st, 5, buf, (int)(m * RS_PING_BYTES), SQLITE_STATIC);
        CHECK_EQ_INT(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    free(buf);
    sqlite3_finalize(st);
}

static rs_ping mk(int64_t t, int32_t e, int32_t n, double mph, int limit, int district)
{
    rs_ping p;
    memset(&p, 0, sizeof p);
    p.t = t;
    p.e = e;
    p.n = n;
    p.speed = (uint16_t)lround(mph * 100);
    p.limit = (uint8_t)limit;
    p.district = (int16_t)district;
    return p;
}

/* ---- kernels by hand -------------------------------------------------------------- */

/* The five kernels written out from the formulas (u = d/h):
 *   quartic (1-u²)², triangular 1-u, uniform 1, triweight (1-u²)³,
 *   Epanechnikov 1-u²; scaled by c/(pi h²) with c = 3, 3, 1, 4, 2, the
 *   constants that make each integrate to 1 over the disc of radius h. */
static double ref_kernel(rs_kernel k, double d, double h, int scaled)
{
    if (d > h)
        return 0;
    double u = d / h, t = 1 - u * u, raw = 0, c = 0;
    switch (k) {
    case RS_KERNEL_QUARTIC: raw = t * t; c = 3; break;
    case RS_KERNEL_TRIANGULAR: raw = 1 - u; c = 3; break;
    case RS_KERNEL_UNIFORM: raw = 1; c = 1; break;
    case RS_KERNEL_TRIWEIGHT: raw = t * t * t; c = 4; break;
    case RS_KERNEL_EPANECHNIKOV: raw = t; c = 2; break;
    }
    return scaled ? raw * c / (PI * h * h) : raw;
}

static const char *const kernel_names[5] = {"quartic", "triangular", "uniform", "triweight",
                                            "epanechnikov"};

static void test_kernels(void)
{
    /* parse */
    for (int k = 0; k < 5; k++) {
        rs_kernel got = RS_KERNEL_QUARTIC;
        CHECK_EQ_INT(rs_kernel_parse(kernel_names[k], &got), 0);
        CHECK_EQ_INT(got, k);
    }
    rs_kernel dummy;
    CHECK_EQ_INT(rs_kernel_parse("gaussian", &dummy), -1);
    CHECK_EQ_INT(rs_kernel_parse(NULL, &dummy), -1);

    /* raw values at h = 100, worked by hand:
     *   d = 50 (u = 0.5): quartic 0.75² = 0.5625, triangular 0.5, uniform 1,
     *                     triweight 0.75³ = 0.421875, Epanechnikov 0.75
     *   d = 80 (u = 0.8): 1-u² = 0.36: 0.1296, 0.2, 1, 0.046656, 0.36 */
    static const double raw50[5] = {0.5625, 0.5, 1, 0.421875, 0.75};
    static const double raw80[5] = {0.1296, 0.2, 1, 0.046656, 0.36};
    static const double norm[5] = {3, 3, 1, 4, 2};
    const double h = 100, disc = PI * h * h; /* 31415.9265... m² */
    for (int k = 0; k < 5; k++) {
        rs_kernel K = (rs_kernel)k;
        CHECK_NEAR(rs_kernel_value(K, 0, h, 0), 1.0, 1e-15);
        CHECK_NEAR(rs_kernel_value(K, 50, h, 0), raw50[k], 1e-15);
        CHECK_NEAR(rs_kernel_value(K, 80, h, 0), raw80[k], 1e-15);
        CHECK_NEAR(rs_kernel_value(K, 100.0001, h, 0), 0.0, 0);
        CHECK_NEAR(rs_kernel_value(K, 250, h, 1), 0.0, 0);
        /* at the edge: 0 for all but the uniform, which is 1 on the closed disc */
        CHECK_NEAR(rs_kernel_value(K, 100, h, 0), K == RS_KERNEL_UNIFORM ? 1.0 : 0.0, 1e-15);
        /* scaled: the same times c / (pi h²) */
        CHECK_NEAR(rs_kernel_value(K, 0, h, 1), norm[k] / disc, 1e-18);
        CHECK_NEAR(rs_kernel_value(K, 50, h, 1), raw50[k] * norm[k] / disc, 1e-18);
        CHECK_NEAR(rs_kernel_value(K, 80, h, 1), raw80[k] * norm[k] / disc, 1e-18);
        /* and against the formulas at awkward distances and radii */
        for (double d = 0; d <= 377; d += 13.7)
            CHECK_NEAR(rs_kernel_value(K, d, 377, 1), ref_kernel(K, d, 377, 1), 1e-18);
    }
    /* the scaled quartic at d = 0 is 3/(pi h²) = 9.54929658551372e-05 for h = 100 */
    CHECK_NEAR(rs_kernel_value(RS_KERNEL_QUARTIC, 0, 100, 1), 9.54929658551372e-05, 1e-18);
    /* QGIS's old scaled quartic, 116/(5 pi h²) * 15/16 = 21.75/(pi h²), is 7.25 times too
     * large: the value here must not be it */
    double qgis_old = 116.0 / (5 * PI * h * h) * 15.0 / 16.0;
    CHECK_NEAR(qgis_old / rs_kernel_value(RS_KERNEL_QUARTIC, 0, h, 1), 7.25, 1e-12);
    CHECK(fabs(rs_kernel_value(RS_KERNEL_QUARTIC, 0, h, 1) - qgis_old) > 1e-5);

    /* every scaled kernel integrates to 1: midpoint sum over a 0.1 m raster
     * covering the disc of radius 50 m.  Tolerance 1e-3: the smooth kernels
     * land within ~1e-6, the uniform one's edge costs ~1e-4 (lattice points
     * in a disc). */
    const double hh = 50, step = 0.1;
    int npx = (int)(2 * hh / step);
    for (int k = 0; k < 5; k++) {
        double sum = 0;
        for (int a = 0; a < npx; a++) {
            double x = -hh + (a + 0.5) * step;
            for (int b = 0; b < npx; b++) {
                double y = -hh + (b + 0.5) * step;
                sum += rs_kernel_value((rs_kernel)k, sqrt(x * x + y * y), hh, 1);
            }
        }
        sum *= step * step;
        printf("integral of the scaled %s kernel over a %.1f m raster: %.6f\n", kernel_names[k],
               step, sum);
        CHECK_NEAR(sum, 1.0, 1e-3);
        if (k == RS_KERNEL_QUARTIC)
            CHECK(fabs(sum * 7.25 - 1.0) > 1.0); /* not QGIS's old constant */
    }
}

/* ---- KDE layout and values ------------------------------------------------------- */

/* Speeds: 25 mph (limit 30: neither), 31 (speeding only), 40 (both). */
static void kde_points(rs_ping *p, size_t *n)
{
    const int32_t pos[][2] = {{10000, 20000}, {10234, 20100}, {10500, 19900}, {10500, 19900},
                              {10500, 19900}, {9871, 20333},  {10123, 19607}, {10124, 19607},
                              {10613, 20261}, {10002, 20001}};
    const double mph[] = {25, 31, 40, 40, 25, 40, 31, 40, 25, 40};
    size_t m = sizeof mph / sizeof mph[0];
    for (size_t k = 0; k < m; k++)
        p[k] = mk(1600000000 + (int64_t)k * 60, pos[k][0], pos[k][1], mph[k], 30, 0);
    *n = m;
}

static int metric_keeps(rs_metric m, const rs_ping *p)
{
    if (m == RS_METRIC_SPEEDING)
        return p->speed > p->limit * 100;
    if (m == RS_METRIC_OVER) /* speed >= limit * 1.1 + 2 mph, in 0.01 mph integers */
        return (int64_t)p->speed * 10 >= (int64_t)(p->limit * 11 + 20) * 100;
    return 1;
}

static void kde_case(const rs_ping *pts, size_t npts, rs_kernel kern, int scaled, int per_km2,
                     rs_metric metric, double radius, double pixel, uint32_t min_count)
{
    rs_ping_filter f;
    rs_ping_filter_init(&f);
    rs_kde_opts o = {radius, pixel, kern, scaled, per_km2, metric, min_count};
    rs_raster *r = NULL;
    int rc = rs_heat_kde(ctx, &f, &o, &r);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0 || r == NULL) {
        fprintf(stderr, "kde: %s\n", rs_ctx_err(ctx)->msg);
        rs_err_clear(rs_ctx_err(ctx));
        return;
    }
    /* the points' box, grown by the radius */
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (size_t k = 0; k < npts; k++) {
        if (!metric_keeps(metric, &pts[k]))
            continue;
        xmin = fmin(xmin, pts[k].e);
        xmax = fmax(xmax, pts[k].e);
        ymin = fmin(ymin, pts[k].n);
        ymax = fmax(ymax, pts[k].n);
    }
    xmin -= radius;
    xmax += radius;
    ymin -= radius;
    ymax += radius;
    size_t cols = (size_t)ceil((xmax - xmin) / pixel) + 1;
    size_t rows = (size_t)ceil((ymax - ymin) / pixel) + 1;
    CHECK_EQ_INT(r->cols, cols);
    CHECK_EQ_INT(r->rows, rows);
    CHECK_NEAR(r->pixel, pixel, 0);
    CHECK_NEAR(r->x0, xmin, 1e-9);                             /* left edge */
    CHECK_NEAR(r->y0 + (double)r->rows * r->pixel, ymax, 1e-6); /* top edge */
    if (r->cols != cols || r->rows != rows) {
        rs_raster_free(r);
        return;
    }
    double mult = scaled && per_km2 ? 1e6 : 1;
    int bad = 0, nan_px = 0, zero_px = 0;
    for (size_t row = 0; row < rows; row++) {
        /* the TRUE centre of the pixel: half a pixel in from the top-left */
        double cy = ymax - ((double)row + 0.5) * pixel;
        for (size_t c = 0; c < cols; c++) {
            double cx = xmin + ((double)c + 0.5) * pixel;
            double want = 0;
            uint32_t within = 0;
            for (size_t k = 0; k < npts; k++) {
                if (!metric_keeps(metric, &pts[k]))
                    continue;
                double dx = cx - pts[k].e, dy = cy - pts[k].n;
                double d = sqrt(dx * dx + dy * dy);
                if (d <= radius)
                    within++;
                want += ref_kernel(kern, d, radius, scaled) * mult;
            }
            double got = r->v[row * cols + c];
            if (min_count > 1 && within < min_count) {
                nan_px++;
                if (!isnan(got) && bad++ < 5)
                    fprintf(stderr, "pixel (%zu,%zu): %u points within, want NaN, got %g\n", c,
                            row, within, got);
                continue;
            }
            zero_px += want == 0;
            if (!(fabs(got - want) <= 1e-9 * fabs(want) + 1e-15) && bad++ < 5)
                fprintf(stderr,
                        "%s%s%s pixel (%zu,%zu) centre (%.1f,%.1f): got %.12g, want %.12g\n",
                        kernel_names[kern], scaled ? " scaled" : "", per_km2 ? " per km²" : "",
                        c, row, cx, cy, got, want);
        }
    }
    CHECK_EQ_INT(bad, 0);
    if (min_count > 1)
        CHECK(nan_px > 0);
    else
        CHECK(zero_px > 0); /* the corners are beyond every point's reach */
    rs_raster_free(r);
}

static void test_kde(void)
{
    ws_open("kde.db", NULL, 0);
    rs_ping pts[16];
    size_t n = 0;
    kde_points(pts, &n);
    store_pings("traffic", pts, n, RS_PING_CHUNK);
    /* a ping outside every district and a fleet ping: not points */
    rs_ping out[2] = {mk(1600000000, 30000, 30000, 80, 30, -1),
                      mk(1600000000, 40000, 40000, 80, 30, 0)};
    store_pings("traffic", out, 1, RS_PING_CHUNK);
    store_pings("fleet", out + 1, 1, RS_PING_CHUNK);

    /* a worked layout: points span e 9871..10613, n 19607..20333; radius 300 grows the box
     * to [9571, 10913] x [19307, 20633]: 1342 x 1326 m; pixel 37 m:
     * cols = ceil(1342/37) + 1 = 37 + 1 = 38, rows = ceil(1326/37) + 1 = 36 + 1 = 37 */
    {
        rs_ping_filter f;
        rs_ping_filter_init(&f);
        rs_kde_opts o = {300, 37, RS_KERNEL_QUARTIC, 0, 0, RS_METRIC_PINGS, 1};
        rs_raster *r = NULL;
        CHECK_EQ_INT(rs_heat_kde(ctx, &f, &o, &r), 0);
        if (r) {
            CHECK_EQ_INT(r->cols, 38);
            CHECK_EQ_INT(r->rows, 37);
            CHECK_NEAR(r->x0, 9571, 0);
            CHECK_NEAR(r->y0, 20633 - 37 * 37, 1e-9);
            /* the pixel whose centre is nearest the 3 pings at (10500, 19900): centre
             * (9571 + 25.5*37, 20633 - 19.5*37) = (10514.5, 19911.5) */
            double cx = 9571 + 25.5 * 37, cy = 20633 - 19.5 * 37;
            double want = 0;
            for (size_t k = 0; k < n; k++)
                want += ref_kernel(RS_KERNEL_QUARTIC, hypot(cx - pts[k].e, cy - pts[k].n), 300, 0);
            CHECK_NEAR(r->v[19 * 38 + 25], want, 1e-12);
            /* by hand: the three pings at sqrt(14.5² + 11.5²) = 18.51 m give
             * 3 * (1 - (18.51/300)²)² = 2.9772; the others add a little */
            CHECK(r->v[19 * 38 + 25] > 2.97);
        }
        rs_raster_free(r);
    }

    for (int k = 0; k < 5; k++)
        for (int sc = 0; sc < 3; sc++)
            kde_case(pts, n, (rs_kernel)k, sc > 0, sc == 2, RS_METRIC_PINGS, 300, 37, 1);
    kde_case(pts, n, RS_KERNEL_QUARTIC, 0, 0, RS_METRIC_SPEEDING, 250, 20, 1);
    kde_case(pts, n, RS_KERNEL_TRIANGULAR, 1, 0, RS_METRIC_OVER, 410, 33.3, 1);
    /* suppression: fewer than K points within the radius -> NaN */
    kde_case(pts, n, RS_KERNEL_QUARTIC, 0, 0, RS_METRIC_PINGS, 300, 37, 3);
    kde_case(pts, n, RS_KERNEL_EPANECHNIKOV, 1, 1, RS_METRIC_PINGS, 500, 25, 6);
    kde_case(pts, n, RS_KERNEL_UNIFORM, 0, 0, RS_METRIC_OVER, 300, 50, 4);

    /* a single point's scaled density sums to 1 over the raster (1 m pixels), per km² to 1e6 */
    ws_open("kde1.db", NULL, 0);
    rs_ping one = mk(1600000000, 500000, 200000, 40, 30, 3);
    store_pings("traffic", &one, 1, RS_PING_CHUNK);
    for (int k = 0; k < 5; k++)
        for (int km = 0; km < 2; km++) {
            rs_ping_filter f;
            rs_ping_filter_init(&f);
            rs_kde_opts o = {100, 1, (rs_kernel)k, 1, km, RS_METRIC_PINGS, 1};
            rs_raster *r = NULL;
            CHECK_EQ_INT(rs_heat_kde(ctx, &f, &o, &r), 0);
            if (r == NULL)
                continue;
            CHECK_EQ_INT(r->cols, 201);
            CHECK_EQ_INT(r->rows, 201);
            double sum = 0;
            for (size_t i = 0; i < r->cols * r->rows; i++)
                sum += r->v[i];
            CHECK_NEAR(sum / (km ? 1e6 : 1), 1.0, 2e-3);
            rs_raster_free(r);
        }

    /* impossible options */
    {
        rs_ping_filter f;
        rs_ping_filter_init(&f);
        rs_raster *r = NULL;
        rs_kde_opts o = {100, 10, RS_KERNEL_QUARTIC, 0, 0, RS_METRIC_SHARE_OVER, 1};
        CHECK_EQ_INT(rs_heat_kde(ctx, &f, &o, &r), RS_EUSAGE);
        CHECK(r == NULL);
        rs_err_clear(rs_ctx_err(ctx));
        o.metric = RS_METRIC_PINGS;
        o.radius = 0;
        CHECK_EQ_INT(rs_heat_kde(ctx, &f, &o, &r), RS_EUSAGE);
        rs_err_clear(rs_ctx_err(ctx));
        o.radius = 100;
        o.per_km2 = 1;
        CHECK_EQ_INT(rs_heat_kde(ctx, &f, &o, &r), RS_EUSAGE);
        rs_err_clear(rs_ctx_err(ctx));
        o.per_km2 = 0;
        f.district = 7; /* no ping there */
        CHECK_EQ_INT(rs_heat_kde(ctx, &f, &o, &r), RS_ENOTFOUND);
        rs_err_clear(rs_ctx_err(ctx));
    }
}

/* ---- grid counts against brute force ----------------------------------------------- */

typedef struct bf_ping {
    int64_t i, j;
    uint16_t speed;
    uint8_t limit;
    int16_t district;
} bf_ping;

static int cmp_bf(const void *x, const void *y)
{
    const bf_ping *a = x, *b = y;
    if (a->j != b->j)
        return a->j < b->j ? -1 : 1;
    if (a->i != b->i)
        return a->i < b->i ? -1 : 1;
    return (a->speed > b->speed) - (a->speed < b->speed);
}

static int cmp_u16(const void *x, const void *y)
{
    uint16_t a = *(const uint16_t *)x, b = *(const uint16_t *)y;
    return (a > b) - (a < b);
}

/* Type-7 85th percentile (R's default, numpy's linear) of sorted v, in mph. */
static double p85_sorted(const uint16_t *v, size_t n)
{
    double hpos = 0.85 * (double)(n - 1);
    size_t lo = (size_t)floor(hpos);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return (v[lo] + (hpos - (double)lo) * (v[hi] - v[lo])) / 100.0;
}

static int values_equal(double a, double b, double tol)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return fabs(a - b) <= tol;
}

/* The district the engine should give a cell of a map of all districts: the
 * box holding its centre, else the lowest district among its pings, else -1. */
static int cell_district(const ws_box *boxes, size_t nboxes, double x, double y, int min_ping)
{
    for (size_t k = 0; k < nboxes; k++)
        if (x > boxes[k].x0 && x < boxes[k].x1 && y > boxes[k].y0 && y < boxes[k].y1)
            return (int)k;
    return min_ping;
}

/* Cells withheld and shown over all grid cases: both kinds must be exercised. */
static size_t grid_withheld, grid_shown;

static void grid_case(const rs_ping *all, size_t n, const rs_ping_filter *f, const rs_grid *g,
                      uint32_t min_count, const ws_box *boxes, size_t nboxes, const char *what)
{
    /* brute force: every stored traffic ping through the filter, into its cell */
    bf_ping *b = malloc((n ? n : 1) * sizeof *b);
    uint16_t *sp = malloc((n ? n : 1) * sizeof *sp);
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        if (!rs_ping_filter_match(f, &all[k]))
            continue;
        rs_grid_cell(g, all[k].e, all[k].n, &b[m].i, &b[m].j);
        b[m].speed = all[k].speed;
        b[m].limit = all[k].limit;
        b[m].district = all[k].district;
        m++;
    }
    qsort(b, m, sizeof *b, cmp_bf);

    rs_heat_grid *h = NULL;
    int rc = rs_heat_grid_build(ctx, f, g, min_count, &h);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0 || h == NULL) {
        fprintf(stderr, "%s: %s\n", what, rs_ctx_err(ctx)->msg);
        rs_err_clear(rs_ctx_err(ctx));
        free(b);
        free(sp);
        return;
    }
    CHECK_EQ_INT(h->pings, m);
    uint64_t sum = 0;
    for (size_t c = 0; c < h->ncells; c++)
        sum += h->cells[c].pings;
    CHECK_EQ_INT(sum, m);

    size_t cell = 0, bad = 0, withheld = 0, shown = 0;
    for (size_t a = 0; a < m;) {
        size_t e = a;
        while (e < m && b[e].i == b[a].i && b[e].j == b[a].j)
            e++;
        uint32_t pings = (uint32_t)(e - a), speeding = 0, over = 0;
        int64_t excess = 0;
        int mind = INT32_MAX;
        for (size_t k = a; k < e; k++) {
            sp[k - a] = b[k].speed;
            if (b[k].speed > b[k].limit * 100) {
                speeding++;
                excess += (int64_t)b[k].speed - b[k].limit * 100;
            }
            /* over the threshold: speed >= limit * 1.1 + 2 mph, in 0.01 mph integers */
            if ((int64_t)b[k].speed * 10 >= (int64_t)(b[k].limit * 11 + 20) * 100)
                over++;
            if (b[k].district >= 0 && b[k].district < mind)
                mind = b[k].district;
        }
        qsort(sp, pings, sizeof *sp, cmp_u16); /* already sorted; sorted again on purpose */
        double p85 = p85_sorted(sp, pings);
        double mean_excess = speeding ? (double)excess / speeding / 100.0 : NAN;
        int held = pings < min_count;
        withheld += (size_t)held;
        shown += !held;
        if (cell >= h->ncells) {
            bad++;
            break;
        }
        const rs_heat_cell *hc = &h->cells[cell++];
        double cx, cy;
        rs_grid_centre(g, b[a].i, b[a].j, &cx, &cy);
        /* a map of one district: its cells are that district's, wherever their centre */
        int want_d = f->district >= 0
                         ? f->district
                         : cell_district(boxes, nboxes, cx, cy, mind == INT32_MAX ? -1 : mind);
        double want[7] = {pings,
                          speeding,
                          over,
                          100.0 * speeding / pings,
                          100.0 * over / pings,
                          p85,
                          mean_excess};
        int ok = hc->i == b[a].i && hc->j == b[a].j && hc->pings == pings &&
                 hc->speeding == speeding && hc->over == over && hc->withheld == held &&
                 hc->district == want_d && fabs(hc->x - cx) < 1e-9 && fabs(hc->y - cy) < 1e-9 &&
                 values_equal(hc->p85, p85, 1e-9) &&
                 values_equal(hc->mean_excess, mean_excess, 1e-9);
        for (int mt = 0; mt < 7; mt++) {
            double v = rs_heat_cell_value(hc, (rs_metric)mt);
            if (held ? !isnan(v) : !values_equal(v, want[mt], 1e-9))
                ok = 0;
        }
        if (!ok && bad++ < 5)
            fprintf(stderr,
                    "%s: cell (%lld,%lld): got (%lld,%lld) pings %u speeding %u over %u p85 %.4f "
                    "excess %.4f district %d withheld %d; want pings %u speeding %u over %u p85 "
                    "%.4f excess %.4f district %d withheld %d\n",
                    what, (long long)b[a].i, (long long)b[a].j, (long long)hc->i,
                    (long long)hc->j, hc->pings, hc->speeding, hc->over, hc->p85,
                    hc->mean_excess, hc->district, hc->withheld, pings, speeding, over, p85,
                    mean_excess, want_d, held);
        a = e;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(cell, h->ncells);
    CHECK_EQ_INT(h->withheld, withheld);
    printf("%s: %zu pings in %zu cells (%zu withheld, %zu shown)\n", what, m, h->ncells, withheld,
           shown);
    grid_withheld += withheld;
    grid_shown += shown;
    rs_heat_grid_free(h);
    free(b);
    free(sp);
}

static void test_grid(void)
{
    /* districts: two boxes whose edges no cell centre of the grids below lies on */
    const ws_box boxes[2] = {{-5000, -5000, 333.3, 5000}, {333.3, -5000, 900.7, 5000}};
    ws_open("grid.db", boxes, 2);
    const size_t n = 150000;
    rs_ping *p = malloc(n * sizeof *p);
    static const int limits[] = {20, 30, 40, 50, 60, 70};
    const int64_t t0 = 1577836800; /* 2020-01-01T00:00Z */
    for (size_t k = 0; k < n; k++) {
        int32_t e, no;
        uint64_t kind = rng_next() % 10;
        if (kind == 0) { /* exactly on square-cell edges (multiples of 250 and 100) */
            e = (int32_t)(rng_range(-6, 8) * 250);
            no = (int32_t)(rng_range(-6, 8) * 100);
        } else if (kind < 4) { /* a dense road: many pings share positions */
            e = (int32_t)rng_range(-200, 600);
            no = (int32_t)(e / 3 + 100);
        } else {
            e = (int32_t)rng_range(-1500, 2000);
            no = (int32_t)rng_range(-1500, 2000);
        }
        int limit = limits[rng_next() % 6];
        /* speeds in 0.01 mph with ties, around the limit; some exactly at the threshold */
        uint16_t speed = (uint16_t)(rng_next() % 7 == 0
                                        ? (limit * 11 + 20) * 10
                                        : (uint16_t)rng_range(limit * 60, limit * 160) / 5 * 5);
        int district = (int)rng_range(-1, 3);
        p[k] = mk(t0 + (int64_t)rng_range(0, 366 * 86400 - 1), e, no, 0, limit, district);
        p[k].speed = speed;
    }
    /* three traffic chunks of unequal size (one full), and a fleet chunk that must not count */
    store_pings("traffic", p, 40000, RS_PING_CHUNK);
    store_pings("traffic", p + 40000, n - 40000, RS_PING_CHUNK);
    rs_ping fleet[100];
    for (int k = 0; k < 100; k++)
        fleet[k] = mk(t0 + k, 100, 100, 90, 30, 0);
    store_pings("fleet", fleet, 100, RS_PING_CHUNK);
    int64_t nchunks = 0;
    CHECK_EQ_INT(rs_store_query_int(ctx, "SELECT count(*) FROM ping_chunk WHERE source='traffic'",
                                    &nchunks),
                 0);
    CHECK_EQ_INT(nchunks, 3);

    const rs_grid grids[4] = {{RS_GRID_SQUARE, 250}, {RS_GRID_SQUARE, 100},
                              {RS_GRID_HEX, 150},    {RS_GRID_HEX, 173.2}};
    rs_ping_filter f_any, f_all, f_d2;
    rs_ping_filter_init(&f_any); /* inside any district */
    rs_ping_filter_init(&f_all);
    f_all.district = -2; /* everything */
    rs_ping_filter_init(&f_d2);
    f_d2.district = 2;
    f_d2.days = RS_DAYS_WEEKEND;
    CHECK_EQ_INT(rs_ping_filter_hours(&f_d2, "22-6"), 0);
    f_d2.from = t0 + 40 * 86400;
    f_d2.to = t0 + 300 * 86400;
    char what[96];
    for (int gi = 0; gi < 4; gi++) {
        const char *kind = grids[gi].kind == RS_GRID_HEX ? "hex" : "square";
        snprintf(what, sizeof what, "%s:%g any district", kind, grids[gi].size);
        grid_case(p, n, &f_any, &grids[gi], 1, boxes, 2, what);
        snprintf(what, sizeof what, "%s:%g everything, min 5", kind, grids[gi].size);
        grid_case(p, n, &f_all, &grids[gi], 5, boxes, 2, what);
        snprintf(what, sizeof what, "%s:%g district 2 weekend 22-6 period, min 3", kind,
                 grids[gi].size);
        grid_case(p, n, &f_d2, &grids[gi], 3, boxes, 2, what);
    }
    CHECK(grid_withheld > 0 && grid_shown > 0);
    /* large cells: many pings per cell, a big min count */
    rs_grid big = {RS_GRID_SQUARE, 1000};
    grid_case(p, n, &f_any, &big, 2000, boxes, 2, "square:1000 any district, min 2000");
    free(p);

    /* the same pings without districts loaded: a cell's district is the lowest among its pings */
    ws_open("grid-nodistricts.db", NULL, 0);
    rs_ping q[5000];
    for (size_t k = 0; k < 5000; k++) {
        q[k] = mk(t0 + (int64_t)k * 97, (int32_t)rng_range(0, 999), (int32_t)rng_range(0, 999), 0,
                  30, (int)rng_range(-1, 5));
        q[k].speed = (uint16_t)rng_range(1000, 6000);
    }
    store_pings("traffic", q, 5000, 1234);
    rs_grid sq = {RS_GRID_SQUARE, 125};
    grid_case(q, 5000, &f_all, &sq, 1, NULL, 0, "square:125 no districts");
    rs_grid hx = {RS_GRID_HEX, 60};
    grid_case(q, 5000, &f_all, &hx, 2, NULL, 0, "hex:60 no districts, min 2");

    /* nothing passes: no cells */
    rs_ping_filter none;
    rs_ping_filter_init(&none);
    none.from = 0;
    none.to = 1;
    rs_heat_grid *h = NULL;
    CHECK_EQ_INT(rs_heat_grid_build(ctx, &none, &sq, 1, &h), 0);
    CHECK(h != NULL && h->ncells == 0 && h->pings == 0);
    rs_heat_grid_free(h);
    h = NULL;
    CHECK_EQ_INT(rs_heat_grid_build(ctx, &none, &sq, 0, &h), RS_EUSAGE);
    rs_err_clear(rs_ctx_err(ctx));
}

/* A few cells worked by hand. */
static void test_grid_hand(void)
{
    ws_open("hand.db", NULL, 0);
    const int64_t t = 1600000000;
    rs_ping p[] = {
        /* cell (0,0) of a 100 m square grid: 50, 10, 40, 20, 30 mph on a 30 limit */
        mk(t, 10, 10, 50, 30, 0), mk(t, 20, 99, 10, 30, 0), mk(t, 99, 0, 40, 30, 0),
        mk(t, 0, 0, 20, 30, 0), mk(t, 50, 50, 30, 30, 0),
        /* cell (1,0): 35.00 on a 30 limit is over the threshold (30*1.1+2 = 35) */
        mk(t, 100, 0, 35, 30, 1),
        /* cell (2,0): 34.99 on 30 is speeding but not over; 30.00 is not speeding */
        mk(t, 250, 10, 34.99, 30, 2), mk(t, 250, 10, 30, 30, 2),
        /* outside every district: not counted by default */
        mk(t, 10, 10, 90, 30, -1),
    };
    store_pings("traffic", p, sizeof p / sizeof p[0], RS_PING_CHUNK);
    rs_ping_filter f;
    rs_ping_filter_init(&f);
    rs_grid g = {RS_GRID_SQUARE, 100};
    rs_heat_grid *h = NULL;
    CHECK_EQ_INT(rs_heat_grid_build(ctx, &f, &g, 1, &h), 0);
    if (h == NULL)
        return;
    CHECK_EQ_INT(h->ncells, 3);
    CHECK_EQ_INT(h->pings, 8);
    if (h->ncells == 3) {
        const rs_heat_cell *a = &h->cells[0], *b = &h->cells[1], *c = &h->cells[2];
        CHECK(a->i == 0 && a->j == 0 && b->i == 1 && c->i == 2);
        CHECK_NEAR(a->x, 50, 0);
        CHECK_NEAR(a->y, 50, 0);
        CHECK_EQ_INT(a->pings, 5);
        CHECK_EQ_INT(a->speeding, 2);  /* 40, 50 */
        CHECK_EQ_INT(a->over, 2);      /* 40, 50 >= 35 */
        CHECK_NEAR(a->mean_excess, 15, 1e-12); /* (10 + 20) / 2 */
        /* sorted 10 20 30 40 50: h = 0.85 * 4 = 3.4 -> 40 + 0.4 * 10 = 44 */
        CHECK_NEAR(a->p85, 44, 1e-12);
        CHECK_NEAR(rs_heat_cell_value(a, RS_METRIC_SHARE_SPEEDING), 40, 1e-12);
        CHECK_NEAR(rs_heat_cell_value(a, RS_METRIC_SHARE_OVER), 40, 1e-12);
        CHECK_EQ_INT(a->district, 0);
        CHECK_EQ_INT(b->pings, 1);
        CHECK_EQ_INT(b->speeding, 1);
        CHECK_EQ_INT(b->over, 1);
        CHECK_NEAR(b->p85, 35, 1e-12);
        CHECK_NEAR(b->mean_excess, 5, 1e-12);
        CHECK_EQ_INT(b->district, 1);
        CHECK_EQ_INT(c->pings, 2);
        CHECK_EQ_INT(c->speeding, 1);
        CHECK_EQ_INT(c->over, 0);
        CHECK_NEAR(c->mean_excess, 4.99, 1e-12);
        /* 30.00, 34.99: h = 0.85 -> 30 + 0.85 * 4.99 = 34.2415 */
        CHECK_NEAR(c->p85, 34.2415, 1e-9);
    }
    rs_heat_grid_free(h);
    /* min count 2: (1,0) is withheld and says nothing */
    CHECK_EQ_INT(rs_heat_grid_build(ctx, &f, &g, 2, &h), 0);
    if (h && h->ncells == 3) {
        CHECK_EQ_INT(h->withheld, 1);
        CHECK(h->cells[1].withheld && !h->cells[0].withheld && !h->cells[2].withheld);
        for (int mt = 0; mt < 7; mt++)
            CHECK(isnan(rs_heat_cell_value(&h->cells[1], (rs_metric)mt)));
        CHECK_EQ_INT(h->cells[1].pings, 1); /* kept internally */
    }
    rs_heat_grid_free(h);
}

/* ---- weekend and hours across the clock changes ------------------------------------ */

typedef struct bst_case {
    int64_t t;
    const char *utc;
    int weekend; /* UK local */
    int hour;    /* UK local */
} bst_case;

static const bst_case bst_cases[] = {
    {1585438200, "2020-03-28T23:30Z", 1, 23}, /* Sat 23:30 GMT */
    {1585524600, "2020-03-29T23:30Z", 0, 0},  /* Mon 00:30 BST */
    {1603582200, "2020-10-24T23:30Z", 1, 0},  /* Sun 00:30 BST */
    {1603668600, "2020-10-25T23:30Z", 1, 23}, /* Sun 23:30 GMT */
    {1585443599, "2020-03-29T00:59:59Z", 1, 0}, /* Sun 00:59 GMT: last second of GMT */
    {1585443600, "2020-03-29T01:00:00Z", 1, 2}, /* Sun 02:00 BST: first of BST */
    {1585463400, "2020-03-29T06:30Z", 1, 7},  /* Sun 07:30 BST */
    {1585377000, "2020-03-28T06:30Z", 1, 6},  /* Sat 06:30 GMT */
    {1603585800, "2020-10-25T00:30Z", 1, 1},  /* Sun 01:30 BST */
    {1603589400, "2020-10-25T01:30Z", 1, 1},  /* Sun 01:30 GMT (the hour again) */
    {1603695540, "2020-10-26T06:59Z", 0, 6},  /* Mon 06:59 GMT */
    {1603434600, "2020-10-23T06:30Z", 0, 7},  /* Fri 07:30 BST */
    {1603486800, "2020-10-23T21:00Z", 0, 22}, /* Fri 22:00 BST */
    {1585353599, "2020-03-27T23:59:59Z", 0, 23}, /* Fri 23:59 GMT */
    {1603706399, "2020-10-26T09:59:59Z", 0, 9}, /* Mon 09:59 GMT */
    {1603706400, "2020-10-26T10:00Z", 0, 10}, /* Mon 10:00 GMT */
    {1616891400, "2021-03-28T00:30Z", 1, 0},  /* Sun 00:30 GMT */
    {1616895000, "2021-03-28T01:30Z", 1, 2},  /* Sun 02:30 BST */
    {1572136200, "2019-10-27T00:30Z", 1, 1},  /* Sun 01:30 BST */
    {1572219000, "2019-10-27T23:30Z", 1, 23}, /* Sun 23:30 GMT */
    {1572129000, "2019-10-26T22:30Z", 1, 23}, /* Sat 23:30 BST */
};
#define NBST (sizeof bst_cases / sizeof bst_cases[0])

static int hours_pass(int h, int from, int to)
{
    if (from < 0)
        return 1;
    return from < to ? (h >= from && h < to) : (h >= from || h < to);
}

static void test_bst(void)
{
    /* the hours parser */
    rs_ping_filter f;
    rs_ping_filter_init(&f);
    CHECK_EQ_INT(rs_ping_filter_hours(&f, "7-10"), 0);
    CHECK(f.hour_from == 7 && f.hour_to == 10);
    CHECK_EQ_INT(rs_ping_filter_hours(&f, "22-6"), 0);
    CHECK(f.hour_from == 22 && f.hour_to == 6);
    CHECK_EQ_INT(rs_ping_filter_hours(&f, "7-7"), -1);
    CHECK_EQ_INT(rs_ping_filter_hours(&f, "25-3"), -1);
    CHECK_EQ_INT(rs_ping_filter_hours(&f, "7-10x"), -1);
    CHECK_EQ_INT(rs_ping_filter_hours(&f, "7"), -1);
    CHECK_EQ_INT(rs_ping_filter_hours(&f, NULL), -1);

    ws_open("bst.db", NULL, 0);
    rs_ping p[NBST];
    for (size_t k = 0; k < NBST; k++)
        p[k] = mk(bst_cases[k].t, 5000, 5000, 40, 30, 1); /* all in one 250 m cell */
    /* two chunks, years interleaved, so the per-year BST cache is refilled */
    store_pings("traffic", p, NBST, 11);

    static const char *const hours[] = {NULL, "7-10", "22-6", "0-24", "6-24"};
    static const char *const days[] = {"all", "weekend", "weekday"};
    rs_grid g = {RS_GRID_SQUARE, 250};
    for (int di = 0; di < 3; di++)
        for (int hi = 0; hi < 5; hi++) {
            rs_ping_filter_init(&f);
            f.days = (rs_days)di;
            if (hours[hi])
                CHECK_EQ_INT(rs_ping_filter_hours(&f, hours[hi]), 0);
            int from = -1, to = -1;
            if (hours[hi])
                sscanf(hours[hi], "%d-%d", &from, &to);
            if (from == 0 && to == 24)
                from = -1;
            uint32_t want = 0;
            for (size_t k = 0; k < NBST; k++) {
                const bst_case *c = &bst_cases[k];
                int pass = (di == 0 || c->weekend == (di == 1)) && hours_pass(c->hour, from, to);
                want += (uint32_t)pass;
                if (rs_ping_filter_match(&f, &p[k]) != pass) {
                    fprintf(stderr, "%s (UK %s, %02d h) with --days %s --hours %s: want %s\n",
                            c->utc, c->weekend ? "weekend" : "weekday", c->hour, days[di],
                            hours[hi] ? hours[hi] : "-", pass ? "pass" : "fail");
                    CHECK(0);
                }
            }
            /* end to end: the one cell holds exactly those pings */
            rs_heat_grid *h = NULL;
            CHECK_EQ_INT(rs_heat_grid_build(ctx, &f, &g, 1, &h), 0);
            if (h) {
                CHECK_EQ_INT(h->pings, want);
                CHECK_EQ_INT(h->ncells, want ? 1 : 0);
                if (h->ncells == 1)
                    CHECK_EQ_INT(h->cells[0].pings, want);
            }
            rs_heat_grid_free(h);
            printf("--days %-7s --hours %-4s: %u of %zu pings\n", days[di],
                   hours[hi] ? hours[hi] : "all", want, NBST);
        }
    /* each instant's UK-local hour exactly: it passes H-(H+1) and fails (H+1)-(H+2) */
    for (size_t k = 0; k < NBST; k++) {
        char in[16], next[16];
        int hr = bst_cases[k].hour;
        snprintf(in, sizeof in, "%d-%d", hr, hr + 1);
        snprintf(next, sizeof next, "%d-%d", (hr + 1) % 24, (hr + 1) % 24 + 1);
        rs_ping_filter_init(&f);
        CHECK_EQ_INT(rs_ping_filter_hours(&f, in), 0);
        int a = rs_ping_filter_match(&f, &p[k]);
        CHECK_EQ_INT(rs_ping_filter_hours(&f, next), 0);
        int b = rs_ping_filter_match(&f, &p[k]);
        if (a != 1 || b != 0) {
            fprintf(stderr, "%s: UK-local hour is not %02d (--hours %s: %d, %s: %d)\n",
                    bst_cases[k].utc, hr, in, a, next, b);
            CHECK(0);
        }
    }
    /* the named instants, one by one */
    rs_ping_filter_init(&f);
    f.days = RS_DAYS_WEEKEND;
    CHECK_EQ_INT(rs_ping_filter_match(&f, &p[0]), 1); /* Sat 23:30 GMT */
    CHECK_EQ_INT(rs_ping_filter_match(&f, &p[1]), 0); /* Mon 00:30 BST */
    CHECK_EQ_INT(rs_ping_filter_match(&f, &p[2]), 1); /* Sun 00:30 BST */
    CHECK_EQ_INT(rs_ping_filter_match(&f, &p[3]), 1); /* Sun 23:30 GMT */
    /* a period [from, to) in UTC instants */
    rs_ping_filter_init(&f);
    f.from = 1603582200;
    f.to = 1603668600;
    uint32_t want = 0;
    for (size_t k = 0; k < NBST; k++) {
        int pass = bst_cases[k].t >= f.from && bst_cases[k].t < f.to;
        want += (uint32_t)pass;
        CHECK_EQ_INT(rs_ping_filter_match(&f, &p[k]), pass);
    }
    rs_heat_grid *h = NULL;
    CHECK_EQ_INT(rs_heat_grid_build(ctx, &f, &g, 1, &h), 0);
    if (h)
        CHECK_EQ_INT(h->pings, want);
    rs_heat_grid_free(h);
    /* districts */
    rs_ping_filter_init(&f);
    rs_ping outside = mk(1600000000, 0, 0, 10, 30, -1), in3 = mk(1600000000, 0, 0, 10, 30, 3);
    CHECK_EQ_INT(rs_ping_filter_match(&f, &outside), 0);
    CHECK_EQ_INT(rs_ping_filter_match(&f, &in3), 1);
    f.district = 3;
    CHECK_EQ_INT(rs_ping_filter_match(&f, &in3), 1);
    CHECK_EQ_INT(rs_ping_filter_match(&f, &p[0]), 0);
    f.district = -2;
    CHECK_EQ_INT(rs_ping_filter_match(&f, &outside), 1);
}

/* ---- outputs: withheld cells carry nothing --------------------------------------- */

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    *len = 0;
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(sz > 0 ? (size_t)sz : 1);
    if (b && sz > 0 && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = b ? (size_t)sz : 0;
    return b;
}

static void test_outputs(void)
{
    const ws_box boxes[2] = {{0, 0, 2000, 1000}, {2000, 0, 4000, 1000}};
    ws_open("out.db", boxes, 2);
    rs_ping p[600];
    for (int k = 0; k < 600; k++) {
        int32_t e = (int32_t)rng_range(10, 3990), no = (int32_t)rng_range(10, 990);
        /* dense in the west so some cells have many pings and others few */
        if (k < 400)
            e = (int32_t)rng_range(10, 700);
        p[k] = mk(1600000000 + k, e, no, 0, 30, e < 2000 ? 0 : 1);
        p[k].speed = (uint16_t)rng_range(2000, 5000);
    }
    store_pings("traffic", p, 600, RS_PING_CHUNK);
    rs_ping_filter f;
    rs_ping_filter_init(&f);
    rs_grid g = {RS_GRID_SQUARE, 250};
    rs_heat_grid *h = NULL, *all = NULL;
    CHECK_EQ_INT(rs_heat_grid_build(ctx, &f, &g, 4, &h), 0);
    CHECK_EQ_INT(rs_heat_grid_build(ctx, &f, &g, 1, &all), 0);
    if (h == NULL || all == NULL) {
        rs_heat_grid_free(h);
        rs_heat_grid_free(all);
        return;
    }
    CHECK(h->withheld > 0 && h->withheld < h->ncells);
    /* the same grid with the withheld cells removed */
    rs_heat_grid kept = *h;
    kept.cells = malloc(h->ncells * sizeof *kept.cells);
    kept.ncells = 0;
    kept.withheld = 0;
    for (size_t k = 0; k < h->ncells; k++)
        if (!h->cells[k].withheld)
            kept.cells[kept.ncells++] = h->cells[k];

    char pa[1200], pb[1200], pc[1200];
    snprintf(pa, sizeof pa, "%s", path_of("withheld"));
    snprintf(pb, sizeof pb, "%s", path_of("removed"));
    snprintf(pc, sizeof pc, "%s", path_of("every"));
    rs_heat_out o = {pa, RS_METRIC_SHARE_SPEEDING, -1, 100, "t", "s", "a", NULL, NULL, 0, 0, NULL};
    CHECK_EQ_INT(rs_heat_write_grid(ctx, h, &o), 0);
    o.prefix = pb;
    CHECK_EQ_INT(rs_heat_write_grid(ctx, &kept, &o), 0);
    o.prefix = pc;
    CHECK_EQ_INT(rs_heat_write_grid(ctx, all, &o), 0);
    char fa[1300], fb[1300], fc[1300];
    snprintf(fa, sizeof fa, "%s.png", pa);
    snprintf(fb, sizeof fb, "%s.png", pb);
    snprintf(fc, sizeof fc, "%s.png", pc);
    size_t la, lb, lc;
    unsigned char *a = slurp(fa, &la), *b = slurp(fb, &lb), *c = slurp(fc, &lc);
    CHECK(a && b && c);
    /* withheld cells are drawn grey, apart from "no data" (the map without
     * them has no grey) and from their values (the map of every cell) */
    long ga = grey_pixels(fa), gb = grey_pixels(fb);
    CHECK(ga > gb + 100); /* a few anti-aliased edge pixels may match by chance */
    if (!(ga > gb + 100))
        fprintf(stderr, "grey pixels: withheld map %ld, map without them %ld\n", ga, gb);
    CHECK(a && b && (la != lb || memcmp(a, b, la) != 0));
    CHECK(a && c && (la != lc || memcmp(a, c, la) != 0));
    free(a);
    free(b);
    free(c);

    /* CSV: a withheld row has its cell and district and no figure */
    snprintf(fa, sizeof fa, "%s.csv", pa);
    FILE *csv = fopen(fa, "r");
    CHECK(csv != NULL);
    char line[1024];
    size_t rows = 0, held = 0, bad = 0;
    while (csv && fgets(line, sizeof line, csv)) {
        if (rows++ == 0)
            continue;
        size_t len = strlen(line);
        if (len >= 3 && strcmp(line + len - 3, ",1\n") == 0) {
            held++;
            /* cell_i,cell_j,x,y,district then 8 empty fields and withheld */
            char *s = line;
            for (int k = 0; k < 5 && s; k++)
                s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL;
            if (s == NULL || strcmp(s, ",,,,,,,,1\n") != 0)
                bad++;
        }
    }
    if (csv)
        fclose(csv);
    CHECK_EQ_INT(rows - 1, h->ncells);
    CHECK_EQ_INT(held, h->withheld);
    CHECK_EQ_INT(bad, 0);
    free(kept.cells);
    rs_heat_grid_free(h);
    rs_heat_grid_free(all);
}

static void test_metrics(void)
{
    static const char *const names[7] = {"pings",      "speeding", "over_threshold",
                                         "share_speeding", "share_over", "p85", "mean_excess"};
    for (int k = 0; k < 7; k++) {
        rs_metric m = RS_METRIC_PINGS;
        CHECK_EQ_INT(rs_metric_parse(names[k], &m), 0);
        CHECK_EQ_INT(m, k);
        CHECK_STR(rs_metric_name(m), names[k]);
    }
    rs_metric m;
    CHECK_EQ_INT(rs_metric_parse("over", &m), -1);
}

/* Pixels of the withheld grey (0xBDBDBD) inside the map frame of a PNG
 * (the legend's grey swatch is right of x = 1280 and not counted). */
static long grey_pixels(const char *png)
{
    cairo_surface_t *sf = cairo_image_surface_create_from_png(png);
    long n = 0;
    if (cairo_surface_status(sf) == CAIRO_STATUS_SUCCESS) {
        cairo_surface_flush(sf);
        const unsigned char *d = cairo_image_surface_get_data(sf);
        int w = cairo_image_surface_get_width(sf), h = cairo_image_surface_get_height(sf);
        int stride = cairo_image_surface_get_stride(sf);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w && x < 1280; x++) {
                uint32_t px = *(const uint32_t *)(d + (size_t)y * (size_t)stride + 4 * (size_t)x);
                if ((px & 0xFFFFFF) == 0xBDBDBD)
                    n++;
            }
    }
    cairo_surface_destroy(sf);
    return n;
}

/* The default colour-scale top: the nearest-rank 98th percentile of the
 * positive values, or 0 (no cap) when that is already the largest. */
static void test_scale_top(void)
{
    double v[100];
    for (int i = 0; i < 100; i++)
        v[i] = i + 1; /* 1..100 */
    CHECK_NEAR(rs_heat_scale_top(v, 100, 0.98), 98.0, 0.0); /* rank ceil(98) */
    v[99] = 5000; /* one hot spot */
    CHECK_NEAR(rs_heat_scale_top(v, 100, 0.98), 98.0, 0.0);
    double flat[10] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
    CHECK_NEAR(rs_heat_scale_top(flat, 10, 0.98), 0.0, 0.0); /* nothing to cap */
    double some[5] = {NAN, 0, -1, 2, 10};                    /* only 2 and 10 count */
    CHECK_NEAR(rs_heat_scale_top(some, 5, 0.5), 2.0, 0.0);
    CHECK_NEAR(rs_heat_scale_top(some, 0, 0.98), 0.0, 0.0);
}

int main(void)
{
    test_scale_top();
    snprintf(tmpd, sizeof tmpd, "%s", check_tmpdir("test_heat"));
    ctx = rs_ctx_new();
    if (ctx == NULL)
        return 1;
    test_metrics();
    test_kernels();
    test_kde();
    test_grid_hand();
    test_grid();
    test_bst();
    test_outputs();
    rs_ctx_free(ctx);
    return check_done();
}
