/*
 * test_locator.c — geo/locator on the real Essex districts: points well
 * inside each district, points outside, shared-boundary determinism, and
 * agreement with a brute-force GEOS scan on random points (including
 * points placed exactly on cell edges and on polygon vertices).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "check.h"
#include "locator.h"

#define DATA RS_TEST_DATA "/boundaries"

/* ONS label points (BNG_E, BNG_N), in the order of both shapefiles.
 * Source: essex_lad_2022_bfe_attributes.csv (ONS LAD Dec 2022 BFE). */
static const struct {
    const char *name;
    double e, n;
} label[14] = {
    {"Southend-on-Sea", 587777, 186837}, {"Thurrock", 562123, 181590},
    {"Basildon", 571548, 190848},        {"Braintree", 577253, 227335},
    {"Brentwood", 558560, 196070},       {"Castle Point", 579490, 187920},
    {"Chelmsford", 572116, 206972},      {"Colchester", 596944, 223693},
    {"Epping Forest", 548919, 203759},   {"Harlow", 545276, 209589},
    {"Maldon", 591413, 212072},          {"Rochford", 585979, 191417},
    {"Tendring", 614190, 222141},        {"Uttlesford", 557832, 228865},
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double rnd(unsigned long long *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* The reference answer: every district in index order, first whose
 * geometry covers the point (own prepared geometries, no grid).  *ncover,
 * when given, gets the number of districts covering the point. */
typedef struct brute {
    GEOSContextHandle_t h;
    size_t n;
    const GEOSPreparedGeometry **prep;
    double (*env)[4];
} brute;

static void brute_init(brute *b, rs_geo *g, const rs_districts *d)
{
    b->h = rs_geo_geos(g);
    b->n = rs_districts_count(d);
    b->prep = calloc(b->n, sizeof *b->prep);
    b->env = calloc(b->n, sizeof *b->env);
    for (size_t i = 0; i < b->n; i++) {
        const GEOSGeometry *geom = rs_districts_geom(d, i);
        b->prep[i] = GEOSPrepare_r(b->h, geom);
        GEOSGeom_getXMin_r(b->h, geom, &b->env[i][0]);
        GEOSGeom_getYMin_r(b->h, geom, &b->env[i][1]);
        GEOSGeom_getXMax_r(b->h, geom, &b->env[i][2]);
        GEOSGeom_getYMax_r(b->h, geom, &b->env[i][3]);
    }
}

static void brute_free(brute *b)
{
    for (size_t i = 0; i < b->n; i++)
        GEOSPreparedGeom_destroy_r(b->h, b->prep[i]);
    free(b->prep);
    free(b->env);
}

static int32_t brute_find_n(const brute *b, double e, double n, int *ncover)
{
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(b->h, e, n);
    int32_t found = -1;
    int count = 0;
    for (size_t i = 0; i < b->n && (found < 0 || ncover); i++) {
        if (e < b->env[i][0] || e > b->env[i][2] || n < b->env[i][1] || n > b->env[i][3])
            continue;
        char r = GEOSPreparedCovers_r(b->h, b->prep[i], pt);
        if (r == 2)
            CHECK(!"GEOSPreparedCovers failed");
        if (r == 1) {
            count++;
            if (found < 0)
                found = (int32_t)i;
        }
    }
    GEOSGeom_destroy_r(b->h, pt);
    if (ncover)
        *ncover = count;
    return found;
}

static int32_t brute_find(const brute *b, double e, double n)
{
    return brute_find_n(b, e, n, NULL);
}

/* Every vertex of every district that another district covers too (a
 * point on a shared boundary): same answer on repeated calls, and the
 * lowest covering index.  Returns the number of shared vertices seen. */
static int check_shared_vertices(rs_geo *g, const rs_districts *d, rs_locator *l,
                                 const brute *b)
{
    GEOSContextHandle_t h = rs_geo_geos(g);
    int shared = 0, wrong = 0;
    for (size_t i = 0; i < rs_districts_count(d); i++) {
        const GEOSGeometry *geom = rs_districts_geom(d, i);
        int np = GEOSGetNumGeometries_r(h, geom);
        for (int p = 0; p < np; p++) {
            const GEOSGeometry *poly = GEOSGetGeometryN_r(h, geom, p);
            const GEOSCoordSequence *cs =
                GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, poly));
            unsigned int nc = 0;
            GEOSCoordSeq_getSize_r(h, cs, &nc);
            for (unsigned int k = 0; k < nc; k++) {
                double x, y;
                GEOSCoordSeq_getXY_r(h, cs, k, &x, &y);
                int ncover = 0;
                int32_t want = brute_find_n(b, x, y, &ncover);
                if (ncover < 2)
                    continue;
                shared++;
                int32_t a = rs_locator_find(l, x, y), a2 = rs_locator_find(l, x, y);
                if (a != want || a2 != a)
                    wrong++;
            }
        }
    }
    CHECK_EQ_INT(wrong, 0);
    return shared;
}

static void test_file(const char *shp, const char *name_field, const char *label_set)
{
    rs_geo *g = rs_geo_new();
    rs_districts *d = NULL;
    rs_locator *l = NULL;
    brute b = {0};
    CHECK_EQ_INT(rs_districts_from_shapefile(g, shp, name_field, NULL, NULL, NULL, &d), RS_OK);
    if (d == NULL) {
        fprintf(stderr, "error: %s\n", rs_geo_err(g)->msg);
        goto done;
    }
    double t0 = now_s();
    CHECK_EQ_INT(rs_locator_new(g, d, 0, &l), RS_OK);
    double built = now_s() - t0;
    if (l == NULL)
        goto done;
    GEOSContextHandle_t h = rs_geo_geos(g);
    brute_init(&b, g, d);
    size_t n = rs_districts_count(d);

    /* a point well inside each district: GEOS's point on surface */
    for (size_t i = 0; i < n; i++) {
        GEOSGeometry *p = GEOSPointOnSurface_r(h, rs_districts_geom(d, i));
        double x = 0, y = 0;
        CHECK(p != NULL && GEOSGeomGetX_r(h, p, &x) && GEOSGeomGetY_r(h, p, &y));
        CHECK_EQ_INT(rs_locator_find(l, x, y), (int32_t)i);
        if (p)
            GEOSGeom_destroy_r(h, p);
    }
    /* the ONS label points: all inside their own district in both files */
    for (size_t i = 0; i < 14 && i < n; i++) {
        CHECK_STR(rs_districts_name(d, i), label[i].name);
        int32_t got = rs_locator_find(l, label[i].e, label[i].n);
        if (got != (int32_t)i)
            fprintf(stderr, "%s: label point of %s found in %d\n", label_set, label[i].name, got);
        CHECK_EQ_INT(got, (int32_t)i);
    }
    /* outside: the North Sea off Clacton, London, far away, NaN */
    CHECK_EQ_INT(rs_locator_find(l, 640000, 200000), -1);
    CHECK_EQ_INT(rs_locator_find(l, 530000, 180000), -1);
    CHECK_EQ_INT(rs_locator_find(l, 0, 0), -1);
    CHECK_EQ_INT(rs_locator_find(l, 1e12, -1e12), -1);
    CHECK_EQ_INT(rs_locator_find(l, NAN, 200000), -1);

    int shared = check_shared_vertices(g, d, l, &b);
    fprintf(stderr, "%s: %d vertices on shared boundaries, all to the lowest index\n", label_set,
            shared);
    CHECK(shared > 0);

    /* 200k random points in the extent agree with the brute force */
    double x0, y0, x1, y1;
    rs_districts_extent(d, &x0, &y0, &x1, &y1);
    enum { N = 200000 };
    double *e = malloc(N * sizeof *e), *nn = malloc(N * sizeof *nn);
    int32_t *out = malloc(N * sizeof *out);
    unsigned long long s = 12345;
    for (size_t i = 0; i < N; i++) {
        e[i] = x0 + (x1 - x0) * rnd(&s);
        nn[i] = y0 + (y1 - y0) * rnd(&s);
    }
    for (size_t i = 0; i < N; i++)
        out[i] = rs_locator_find(l, e[i], nn[i]);
    int disagree = 0, inside = 0;
    for (size_t i = 0; i < N; i++) {
        int32_t want = brute_find(&b, e[i], nn[i]);
        inside += want >= 0;
        if (out[i] != want && disagree++ < 5)
            fprintf(stderr, "%s: (%.3f, %.3f): locator %d, brute force %d\n", label_set, e[i],
                    nn[i], out[i], want);
    }
    CHECK_EQ_INT(disagree, 0);
    CHECK(inside > N / 3);

    /* throughput on 1M points, informational */
    rs_locator_free(l);
    l = NULL;
    CHECK_EQ_INT(rs_locator_new(g, d, 0, &l), RS_OK);
    if (l) {
        enum { M = 1000000 };
        double *me = malloc(M * sizeof *me), *mn = malloc(M * sizeof *mn);
        int32_t *mo = malloc(M * sizeof *mo);
        for (size_t i = 0; i < M; i++) {
            me[i] = x0 + (x1 - x0) * rnd(&s);
            mn[i] = y0 + (y1 - y0) * rnd(&s);
        }
        t0 = now_s();
        for (size_t i = 0; i < M; i++)
            mo[i] = rs_locator_find(l, me[i], mn[i]);
        double dt = now_s() - t0;
        fprintf(stderr, "%s: locator built in %.1f ms; %.2f M lookups/s, fast share %.3f "
                        "(uniform points over the extent)\n",
                label_set, built * 1e3, M / dt / 1e6, rs_locator_fast_share(l));
        free(me);
        free(mn);
        free(mo);
    }

    /* other cell sizes, with points exactly on cell edges and corners */
    static const double cells[] = {50, 1000, 25000};
    for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
        rs_locator *lc = NULL;
        CHECK_EQ_INT(rs_locator_new(g, d, cells[c], &lc), RS_OK);
        if (lc == NULL)
            continue;
        int bad = 0;
        for (size_t i = 0; i < 20000; i++) {
            /* odd i: on a vertical cell edge; even i: on a cell corner */
            double px = x0 + cells[c] * floor((x1 - x0) / cells[c] * rnd(&s));
            double py = y0 + (y1 - y0) * rnd(&s);
            if (i % 2 == 0)
                py = y0 + cells[c] * floor((py - y0) / cells[c]);
            if (rs_locator_find(lc, px, py) != brute_find(&b, px, py))
                bad++;
        }
        CHECK_EQ_INT(bad, 0);
        fprintf(stderr, "%s: cell %g m: 20000 cell-edge points agree\n", label_set, cells[c]);
        rs_locator_free(lc);
    }
    free(e);
    free(nn);
    free(out);
done:
    CHECK_EQ_INT(rs_geo_err(g)->code, 0);
    brute_free(&b);
    rs_locator_free(l);
    rs_districts_free(d);
    rs_geo_free(g);
}

/* An empty set and a misuse. */
static void test_edges(void)
{
    rs_geo *g = rs_geo_new();
    rs_districts *d = NULL;
    rs_locator *l = NULL;
    CHECK_EQ_INT(rs_districts_from_wkb(g, 0, NULL, NULL, NULL, NULL, &d), RS_OK);
    CHECK_EQ_INT(rs_locator_new(g, d, 0, &l), RS_OK);
    if (l)
        CHECK_EQ_INT(rs_locator_find(l, 1, 2), -1);
    rs_locator_free(l);
    l = (rs_locator *)1;
    CHECK_EQ_INT(rs_locator_new(g, d, -5, &l), RS_EUSAGE);
    CHECK(l == NULL);
    rs_districts_free(d);
    rs_geo_free(g);
}

int main(void)
{
    struct stat st;
    if (stat(DATA, &st) != 0)
        check_skip(RS_TEST_DATA " absent: the Essex boundary shapefiles are needed");
    test_file(DATA "/essex_lad_2022_buc.shp", "LAD22NM", "BUC 2022");
    test_file(DATA "/essex_lad_wards2013_dissolved.shp", "LADNM", "wards 2013");
    test_edges();
    return check_done();
}
