/*
 * test_grid.c — geo/grid: cell rings equal PostGIS's ST_Hexagon / ST_Square
 * outputs (reversed to clockwise for hexagons), rings clockwise, areas,
 * 100k random points per grid kind each covered by their own cell and in
 * no neighbour's interior (checked with GEOS), deterministic assignment of
 * points exactly on edges and vertices, negative coordinates, parsing.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "geo.h"
#include "grid.h"

static double rnd(unsigned long long *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* Signed area by the shoelace formula: > 0 counter-clockwise. */
static double shoelace(const double *xs, const double *ys, int n)
{
    double a = 0;
    for (int k = 0; k + 1 < n; k++)
        a += xs[k] * ys[k + 1] - xs[k + 1] * ys[k];
    return a / 2;
}

static GEOSGeometry *cell_poly(GEOSContextHandle_t h, const rs_grid *g, int64_t i, int64_t j)
{
    double xs[7], ys[7];
    int n = 0;
    rs_grid_ring(g, i, j, xs, ys, &n);
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, (unsigned)n, 2);
    if (cs == NULL)
        return NULL;
    for (int k = 0; k < n; k++)
        if (!GEOSCoordSeq_setXY_r(h, cs, (unsigned)k, xs[k], ys[k])) {
            GEOSCoordSeq_destroy_r(h, cs);
            return NULL;
        }
    GEOSGeometry *ring = GEOSGeom_createLinearRing_r(h, cs);
    if (ring == NULL)
        return NULL;
    GEOSGeometry *poly = GEOSGeom_createPolygon_r(h, ring, NULL, 0);
    if (poly == NULL)
        GEOSGeom_destroy_r(h, ring);
    return poly;
}

/* 1 covers, 0 not, -1 GEOS failure. */
static int covers(GEOSContextHandle_t h, const rs_grid *g, int64_t i, int64_t j, double x,
                  double y, int interior_only)
{
    GEOSGeometry *poly = cell_poly(h, g, i, j);
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, x, y);
    int r = -1;
    if (poly && pt) {
        char c = interior_only ? GEOSContains_r(h, poly, pt) : GEOSCovers_r(h, poly, pt);
        r = c == 2 ? -1 : c;
    }
    GEOSGeom_destroy_r(h, poly);
    GEOSGeom_destroy_r(h, pt);
    return r;
}

/* The cells sharing an edge (or, for squares, a corner) with (i, j). */
static int neighbours(const rs_grid *g, int64_t i, int64_t j, int64_t ni[8], int64_t nj[8])
{
    int n = 0;
    if (g->kind == RS_GRID_SQUARE) {
        for (int di = -1; di <= 1; di++)
            for (int dj = -1; dj <= 1; dj++)
                if (di || dj)
                    ni[n] = i + di, nj[n] = j + dj, n++;
        return n;
    }
    /* odd columns sit half a row higher: an even column's side neighbours
     * are rows j-1 and j, an odd column's rows j and j+1 */
    int64_t lo = (i % 2 != 0) ? j : j - 1;
    ni[n] = i, nj[n] = j - 1, n++;
    ni[n] = i, nj[n] = j + 1, n++;
    ni[n] = i - 1, nj[n] = lo, n++;
    ni[n] = i - 1, nj[n] = lo + 1, n++;
    ni[n] = i + 1, nj[n] = lo, n++;
    ni[n] = i + 1, nj[n] = lo + 1, n++;
    return n;
}

static void test_parse(void)
{
    rs_grid g;
    CHECK_EQ_INT(rs_grid_parse("hex:250", &g), 0);
    CHECK_EQ_INT(g.kind, RS_GRID_HEX);
    CHECK_NEAR(g.size, 250, 0);
    CHECK_EQ_INT(rs_grid_parse("square:0.5", &g), 0);
    CHECK_EQ_INT(g.kind, RS_GRID_SQUARE);
    CHECK_NEAR(g.size, 0.5, 0);
    CHECK_EQ_INT(rs_grid_parse("square:100.", &g), 0);
    CHECK_NEAR(g.size, 100, 0);
    const char *bad[] = {"", "hex", "hex:", "hex:0", "hex:0.000", "hex:-5", "hex:+5", "hex:1e3",
                         "hex:abc", "hex:5 ", "hex: 5", "HEX:5", "tri:5", "square:inf",
                         "square:nan", "square:.", "square:5m", "square:1,5"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        if (rs_grid_parse(bad[k], &g) != -1) {
            fprintf(stderr, "parse accepted \"%s\"\n", bad[k]);
            CHECK(0);
        }
    }
    CHECK_EQ_INT(rs_grid_parse(NULL, &g), -1);
}

/* Expected rings, worked out by hand from PostGIS's hexagon() in
 * liblwgeom/lwgeom_generate_grid.c (postgis/postgis):
 *   x = size*(1.5*i + hx[k]),  y = size*2*H*(j + 0.5*(|i| % 2) + hy[k])
 *   hx = {-1, -0.5, 0.5, 1, 0.5, -0.5, -1}, hy = {0, -0.5, -0.5, 0, 0.5, 0.5, 0},
 *   H = 0.8660254037844387,
 * i.e. with h = 0.8660254037844387 (H) and 2h = 1.7320508075688774, 3h =
 * 2.598076211353316.  These are PostGIS's vertex orders (counter-clockwise);
 * rs_grid_ring must give them reversed.  ST_Hexagon(1,0,0) is the one the
 * PostGIS manual prints: POLYGON((-1 0,-0.5 -0.866,0.5 -0.866,1 0,0.5
 * 0.866,-0.5 0.866,-1 0)). */
#define h1 0.8660254037844387
#define h2 1.7320508075688774
#define h3 2.598076211353316
static const struct {
    int64_t i, j;
    double x[7], y[7];
} pg_hex[] = {
    /* ST_Hexagon(1, 0, 0) */
    {0, 0, {-1, -0.5, 0.5, 1, 0.5, -0.5, -1}, {0, -h1, -h1, 0, h1, h1, 0}},
    /* ST_Hexagon(1, 1, 0): odd column, shifted up by h */
    {1, 0, {0.5, 1, 2, 2.5, 2, 1, 0.5}, {h1, 0, 0, h1, h2, h2, h1}},
    /* ST_Hexagon(1, 0, 1) */
    {0, 1, {-1, -0.5, 0.5, 1, 0.5, -0.5, -1}, {h2, h1, h1, h2, h3, h3, h2}},
    /* ST_Hexagon(1, -1, -1): |-1| % 2 = 1, so shifted up too */
    {-1, -1, {-2.5, -2, -1, -0.5, -1, -2, -2.5}, {-h1, -h2, -h2, -h1, 0, 0, -h1}},
};

static void test_postgis_rings(void)
{
    rs_grid g = {RS_GRID_HEX, 1.0};
    for (size_t c = 0; c < sizeof pg_hex / sizeof *pg_hex; c++) {
        double xs[7], ys[7];
        int n = 0;
        rs_grid_ring(&g, pg_hex[c].i, pg_hex[c].j, xs, ys, &n);
        CHECK_EQ_INT(n, 7);
        for (int k = 0; k < 7; k++) {
            CHECK_NEAR(xs[k], pg_hex[c].x[6 - k], 1e-12);
            CHECK_NEAR(ys[k], pg_hex[c].y[6 - k], 1e-12);
        }
    }
    /* the manual's values, to its 3 decimals */
    {
        double xs[7], ys[7];
        int n = 0;
        rs_grid_ring(&g, 0, 0, xs, ys, &n);
        CHECK_NEAR(ys[1], 0.866, 5e-4);
        CHECK_NEAR(ys[4], -0.866, 5e-4);
    }
    /* a larger size scales every vertex: ST_Hexagon(250, 3, -2) */
    {
        rs_grid g250 = {RS_GRID_HEX, 250.0};
        double xs[7], ys[7];
        int n = 0;
        rs_grid_ring(&g250, 3, -2, xs, ys, &n);
        /* west vertex: x = 250*(4.5 - 1) = 875, y = 250*2H*(-2 + 0.5) */
        CHECK_NEAR(xs[0], 875, 1e-9);
        CHECK_NEAR(ys[0], 250 * h2 * -1.5, 1e-9);
        CHECK_NEAR(xs[3], 250 * 5.5, 1e-9);
    }
    /* ST_Square(1, 0, 0) = POLYGON((0 0,0 1,1 1,1 0,0 0)) and
     * ST_Square(10, -1, 2) = POLYGON((-10 20,-10 30,0 30,0 20,-10 20))
     * (lwpoly_construct_envelope order, already clockwise) */
    {
        rs_grid s1 = {RS_GRID_SQUARE, 1.0}, s10 = {RS_GRID_SQUARE, 10.0};
        double xs[7], ys[7];
        int n = 0;
        const double ex1[5] = {0, 0, 1, 1, 0}, ey1[5] = {0, 1, 1, 0, 0};
        rs_grid_ring(&s1, 0, 0, xs, ys, &n);
        CHECK_EQ_INT(n, 5);
        for (int k = 0; k < 5; k++) {
            CHECK_NEAR(xs[k], ex1[k], 0);
            CHECK_NEAR(ys[k], ey1[k], 0);
        }
        const double ex2[5] = {-10, -10, 0, 0, -10}, ey2[5] = {20, 30, 30, 20, 20};
        rs_grid_ring(&s10, -1, 2, xs, ys, &n);
        CHECK_EQ_INT(n, 5);
        for (int k = 0; k < 5; k++) {
            CHECK_NEAR(xs[k], ex2[k], 0);
            CHECK_NEAR(ys[k], ey2[k], 0);
        }
    }
}

static void test_rings_and_areas(GEOSContextHandle_t h)
{
    const rs_grid grids[] = {{RS_GRID_HEX, 1.0}, {RS_GRID_HEX, 250.0}, {RS_GRID_HEX, 0.7},
                             {RS_GRID_SQUARE, 1.0}, {RS_GRID_SQUARE, 100.0}};
    for (size_t q = 0; q < sizeof grids / sizeof *grids; q++) {
        const rs_grid *g = &grids[q];
        double s = g->size;
        double want = g->kind == RS_GRID_HEX ? 3 * sqrt(3) / 2 * s * s : s * s;
        CHECK_NEAR(rs_grid_cell_area(g), want, want * 1e-14);
        for (int64_t i = -5; i <= 5; i++) {
            for (int64_t j = -5; j <= 5; j++) {
                double xs[7], ys[7];
                int n = 0;
                rs_grid_ring(g, i, j, xs, ys, &n);
                CHECK_EQ_INT(n, g->kind == RS_GRID_HEX ? 7 : 5);
                CHECK(xs[0] == xs[n - 1] && ys[0] == ys[n - 1]);
                double a = shoelace(xs, ys, n);
                CHECK(a < 0); /* clockwise */
                CHECK_NEAR(-a, want, want * 1e-12);
                /* the centre is the mean of the distinct vertices and lies in its own cell */
                double cx, cy, mx = 0, my = 0;
                rs_grid_centre(g, i, j, &cx, &cy);
                for (int k = 0; k < n - 1; k++)
                    mx += xs[k], my += ys[k];
                CHECK_NEAR(cx, mx / (n - 1), s * 1e-12);
                CHECK_NEAR(cy, my / (n - 1), s * 1e-12);
                int64_t ci, cj;
                rs_grid_cell(g, cx, cy, &ci, &cj);
                CHECK(ci == i && cj == j);
            }
        }
        /* GEOS agrees on area and validity */
        GEOSGeometry *p = cell_poly(h, g, -3, 7);
        double ga = 0;
        CHECK(p != NULL);
        CHECK(p && GEOSArea_r(h, p, &ga) == 1);
        CHECK_NEAR(ga, want, want * 1e-12);
        CHECK(p && GEOSisValid_r(h, p) == 1);
        GEOSGeom_destroy_r(h, p);
    }
}

/* 100k random points: each is covered by its own cell and lies in the
 * interior of none of the neighbours. */
static void test_random_points(GEOSContextHandle_t h, const rs_grid *g, double x0, double y0,
                               double w, unsigned long long seed)
{
    unsigned long long s = seed;
    int bad_cover = 0, bad_neigh = 0, geos_fail = 0;
    for (int k = 0; k < 100000; k++) {
        double x = x0 + rnd(&s) * w, y = y0 + rnd(&s) * w;
        int64_t i, j;
        rs_grid_cell(g, x, y, &i, &j);
        int c = covers(h, g, i, j, x, y, 0);
        if (c < 0)
            geos_fail++;
        else if (c == 0 && bad_cover++ < 5)
            fprintf(stderr, "(%.17g, %.17g) -> (%lld, %lld) not covered\n", x, y, (long long)i,
                    (long long)j);
        int64_t ni[8], nj[8];
        int nn = neighbours(g, i, j, ni, nj);
        for (int m = 0; m < nn; m++) {
            int in = covers(h, g, ni[m], nj[m], x, y, 1);
            if (in < 0)
                geos_fail++;
            else if (in == 1 && bad_neigh++ < 5)
                fprintf(stderr, "(%.17g, %.17g) -> (%lld, %lld) but inside (%lld, %lld)\n", x,
                        y, (long long)i, (long long)j, (long long)ni[m], (long long)nj[m]);
        }
    }
    CHECK_EQ_INT(geos_fail, 0);
    CHECK_EQ_INT(bad_cover, 0);
    CHECK_EQ_INT(bad_neigh, 0);
}

/* Points exactly on vertices and edges: one cell, always the same, and a
 * cell that covers the point. */
static void test_boundaries(GEOSContextHandle_t h)
{
    /* hexagon vertices: each shared by three cells */
    const rs_grid hx[] = {{RS_GRID_HEX, 1.0}, {RS_GRID_HEX, 250.0}, {RS_GRID_HEX, 0.7}};
    for (size_t q = 0; q < 3; q++) {
        for (int64_t i = -3; i <= 3; i++) {
            for (int64_t j = -3; j <= 3; j++) {
                double xs[7], ys[7];
                int n = 0;
                rs_grid_ring(&hx[q], i, j, xs, ys, &n);
                for (int k = 0; k < n - 1; k++) {
                    int64_t a, b, a2, b2;
                    rs_grid_cell(&hx[q], xs[k], ys[k], &a, &b);
                    rs_grid_cell(&hx[q], xs[k], ys[k], &a2, &b2);
                    CHECK(a == a2 && b == b2);
                    CHECK_EQ_INT(covers(h, &hx[q], a, b, xs[k], ys[k], 0), 1);
                    /* one of the three cells meeting there: within one column */
                    CHECK(llabs(a - i) <= 1);
                }
                /* the top edge, shared exactly with (i, j+1)'s bottom edge:
                 * either cell, always the same one, and it covers the point.
                 * Around the x axis in even columns (j = 0 top, j = -1 top)
                 * both distances are exactly half a row height, a true tie,
                 * and the lower j must win. */
                double ytop = ys[1]; /* clockwise from west: vertex 1 is top-left */
                CHECK(ys[1] == ys[2]);
                int exact_tie = i % 2 == 0 && (j == 0 || j == -1);
                for (int t = 1; t <= 3; t++) { /* interior of the edge (ends are vertices) */
                    double x = xs[1] + (xs[2] - xs[1]) * t / 4.0;
                    int64_t a, b, a2, b2;
                    rs_grid_cell(&hx[q], x, ytop, &a, &b);
                    rs_grid_cell(&hx[q], x, ytop, &a2, &b2);
                    CHECK(a == a2 && b == b2);
                    CHECK(a == i && (b == j || b == j + 1));
                    if (exact_tie)
                        CHECK(a == i && b == j);
                    CHECK_EQ_INT(covers(h, &hx[q], a, b, x, ytop, 0), 1);
                    CHECK_EQ_INT(covers(h, &hx[q], i, j + 1, x, ytop, 0), 1);
                }
            }
        }
    }
    /* vertices where three centres are at distance exactly 1 in floating
     * point too (0.25 + h*h rounds to 1): the tie rule decides, lowest i,
     * then lowest j.  East vertex of (0,0): (0,0), (1,-1), (1,0) -> (0,0);
     * west vertex: (-1,-1), (-1,0), (0,0) -> (-1,-1). */
    {
        rs_grid g = {RS_GRID_HEX, 1.0};
        int64_t a, b;
        rs_grid_cell(&g, 1.0, 0.0, &a, &b);
        CHECK(a == 0 && b == 0);
        rs_grid_cell(&g, -1.0, 0.0, &a, &b);
        CHECK(a == -1 && b == -1);
        CHECK_EQ_INT(covers(h, &g, a, b, -1.0, 0.0, 0), 1);
    }
    /* squares: half-open, so edges and corners go up / right */
    {
        rs_grid g = {RS_GRID_SQUARE, 10.0};
        int64_t a, b;
        rs_grid_cell(&g, 0, 0, &a, &b);
        CHECK(a == 0 && b == 0);
        rs_grid_cell(&g, -10, -10, &a, &b);
        CHECK(a == -1 && b == -1);
        rs_grid_cell(&g, 20, 5, &a, &b);
        CHECK(a == 2 && b == 0);
        rs_grid_cell(&g, -0.0, -1e-300, &a, &b);
        CHECK(a == 0 && b == -1);
        rs_grid g3 = {RS_GRID_SQUARE, 0.1};
        for (int64_t i = -50; i <= 50; i++) {
            double xs[7], ys[7];
            int n = 0;
            rs_grid_ring(&g3, i, -i, xs, ys, &n);
            rs_grid_cell(&g3, xs[0], ys[0], &a, &b); /* lower-left corner is the cell's */
            CHECK(a == i && b == -i);
            rs_grid_cell(&g3, xs[2], ys[2], &a, &b); /* upper-right belongs to the next */
            CHECK(a == i + 1 && b == -i + 1);
        }
    }
}

static void test_negative_and_odd(void)
{
    rs_grid g = {RS_GRID_HEX, 1.0};
    int64_t a, b;
    /* centre of (-1,-1) is (-1.5, 2h*(-1 + 0.5)) = (-1.5, -h) */
    rs_grid_cell(&g, -1.5, -h1, &a, &b);
    CHECK(a == -1 && b == -1);
    rs_grid_cell(&g, -1.4, -0.9, &a, &b);
    CHECK(a == -1 && b == -1);
    /* odd columns are shifted up: (1.5, 0.1) is h - 0.1 from (1,0)'s centre
     * (1.5, h) and h + 0.1 from (1,-1)'s (1.5, -h) */
    rs_grid_cell(&g, 1.5, 0.1, &a, &b);
    CHECK(a == 1 && b == 0);
    rs_grid_cell(&g, 1.5, -0.1, &a, &b);
    CHECK(a == 1 && b == -1);
    rs_grid_cell(&g, -1.5, 0.1, &a, &b);
    CHECK(a == -1 && b == 0);
    double cx, cy;
    rs_grid_centre(&g, -3, 2, &cx, &cy);
    CHECK_NEAR(cx, -4.5, 0);
    CHECK_NEAR(cy, h2 * 2.5, 1e-12);
    rs_grid sq = {RS_GRID_SQUARE, 100.0};
    rs_grid_cell(&sq, -0.5, -250, &a, &b);
    CHECK(a == -1 && b == -3);
    rs_grid_centre(&sq, -1, -3, &cx, &cy);
    CHECK_NEAR(cx, -50, 0);
    CHECK_NEAR(cy, -250, 0);
    rs_grid_cell(&sq, NAN, 0, &a, &b);
    CHECK(a == INT64_MIN && b == INT64_MIN);
    rs_grid_cell(&g, 0, INFINITY, &a, &b);
    CHECK(a == INT64_MIN && b == INT64_MIN);
}

int main(void)
{
    rs_geo *geo = rs_geo_new();
    if (geo == NULL) {
        fprintf(stderr, "rs_geo_new failed\n");
        return 1;
    }
    GEOSContextHandle_t h = rs_geo_geos(geo);
    test_parse();
    test_postgis_rings();
    test_rings_and_areas(h);
    test_negative_and_odd();
    test_boundaries(h);
    rs_grid hex = {RS_GRID_HEX, 250.0}, hex_odd = {RS_GRID_HEX, 0.7};
    rs_grid sq = {RS_GRID_SQUARE, 100.0};
    /* around the origin (negative coordinates) and in the BNG range */
    test_random_points(h, &hex, -20000, -20000, 40000, 1);
    test_random_points(h, &hex_odd, 500000, 150000, 50, 2);
    test_random_points(h, &sq, -5000, -5000, 10000, 3);
    rs_geo_free(geo);
    return check_done();
}
