/*
 * grid.c — square and flat-topped hexagonal cells anchored at the CRS
 * origin, the same polygons as PostGIS's ST_Square / ST_Hexagon (see
 * grid.h for the conventions).
 *
 * Core data structure: none beyond the two-field rs_grid; every function is
 * closed-form arithmetic.  Vertices and centres are computed with the same
 * expressions as PostGIS (liblwgeom/lwgeom_generate_grid.c: x = size *
 * (1.5*i + hx), y = size*2*H * (j + 0.5*(|i| % 2) + hy), H the double
 * literal 0.8660254037844387), so the coordinates agree to the bit.
 *
 * Point to cell: a square cell is floor(x/size), then nudged by one so that
 * the answer agrees exactly with the ring coordinates size*i, size*(i+1).
 * A hexagon is the Voronoi cell of its centre in a regular hexagonal
 * tiling, so the cell of a point is the one with the nearest centre; the
 * candidates are the 4 columns around x/(1.5*size) times the 3 rows around
 * the row estimate in each, compared by squared distance with ties going to
 * the lower i, then the lower j.
 *
 * Workload: called once per ingested point (millions), so nothing here
 * allocates or fails.
 */
#include "grid.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* cos(pi/6) as PostGIS writes it (one ulp above sqrt(3.0)/2); kept so the
 * vertex coordinates are PostGIS's to the bit. */
#define HEX_H 0.8660254037844387

/* The unit hexagon in PostGIS's vertex order (counter-clockwise, starting
 * at the west vertex); y in units of the row height 2*H*size. */
static const double hex_x[7] = {-1.0, -0.5, 0.5, 1.0, 0.5, -0.5, -1.0};
static const double hex_y[7] = {0.0, -0.5, -0.5, 0.0, 0.5, 0.5, 0.0};

int rs_grid_parse(const char *s, rs_grid *out)
{
    if (s == NULL || out == NULL)
        return -1;
    rs_grid_kind kind;
    const char *p;
    if (strncmp(s, "square:", 7) == 0) {
        kind = RS_GRID_SQUARE;
        p = s + 7;
    } else if (strncmp(s, "hex:", 4) == 0) {
        kind = RS_GRID_HEX;
        p = s + 4;
    } else {
        return -1;
    }
    /* plain decimal: digits, optionally '.' and digits; at least one digit */
    size_t ndig = 0, i = 0;
    while (p[i] >= '0' && p[i] <= '9')
        i++, ndig++;
    if (p[i] == '.') {
        i++;
        while (p[i] >= '0' && p[i] <= '9')
            i++, ndig++;
    }
    if (ndig == 0 || p[i] != '\0')
        return -1;
    errno = 0;
    char *end = NULL;
    double v = strtod(p, &end);
    if (errno != 0 || end != p + i || !isfinite(v) || !(v > 0.0))
        return -1;
    out->kind = kind;
    out->size = v;
    return 0;
}

/* floor(v) as int64, clamped to the int64 range (v finite). */
static int64_t floor_i64(double v)
{
    double f = floor(v);
    if (f < -9.2e18)
        return INT64_MIN / 2;
    if (f > 9.2e18)
        return INT64_MAX / 2;
    return (int64_t)f;
}

static int is_odd(int64_t i) { return (i % 2) != 0; }

/* Centre of hexagon (i, j), by PostGIS's expression with hx = hy = 0. */
static void hex_centre(double size, int64_t i, int64_t j, double *x, double *y)
{
    double height = size * 2 * HEX_H;
    *x = size * (1.5 * (double)i);
    *y = height * ((double)j + 0.5 * (is_odd(i) ? 1.0 : 0.0));
}

static void square_cell(double size, double x, double y, int64_t *i, int64_t *j)
{
    int64_t ci = floor_i64(x / size), cj = floor_i64(y / size);
    /* agree exactly with the ring coordinates: [size*i, size*(i+1)) */
    if (x < size * (double)ci)
        ci--;
    else if (x >= size * (double)(ci + 1))
        ci++;
    if (y < size * (double)cj)
        cj--;
    else if (y >= size * (double)(cj + 1))
        cj++;
    *i = ci;
    *j = cj;
}

static void hex_cell(double size, double x, double y, int64_t *i, int64_t *j)
{
    double col_w = 1.5 * size, height = size * 2 * HEX_H;
    int64_t i0 = floor_i64(x / col_w);
    int64_t best_i = 0, best_j = 0;
    double best_d = INFINITY;
    int have = 0;
    /* The column strip [1.5*size*i0, 1.5*size*(i0+1)) meets only columns
     * i0 and i0+1; one more on each side absorbs rounding. */
    for (int64_t ci = i0 - 1; ci <= i0 + 2; ci++) {
        double shift = is_odd(ci) ? 0.5 : 0.0;
        int64_t j0 = floor_i64(y / height - shift + 0.5);
        for (int64_t cj = j0 - 1; cj <= j0 + 1; cj++) {
            double cx, cy;
            hex_centre(size, ci, cj, &cx, &cy);
            double dx = x - cx, dy = y - cy, d = dx * dx + dy * dy;
            /* candidates come in increasing (i, j), so strict < keeps the
             * lowest i, then the lowest j, among equal distances */
            if (!have || d < best_d) {
                have = 1;
                best_d = d;
                best_i = ci;
                best_j = cj;
            }
        }
    }
    *i = best_i;
    *j = best_j;
}

void rs_grid_cell(const rs_grid *g, double x, double y, int64_t *i, int64_t *j)
{
    if (!isfinite(x) || !isfinite(y)) {
        *i = INT64_MIN;
        *j = INT64_MIN;
        return;
    }
    if (g->kind == RS_GRID_HEX)
        hex_cell(g->size, x, y, i, j);
    else
        square_cell(g->size, x, y, i, j);
}

void rs_grid_centre(const rs_grid *g, int64_t i, int64_t j, double *x, double *y)
{
    if (g->kind == RS_GRID_HEX) {
        hex_centre(g->size, i, j, x, y);
    } else {
        *x = g->size * ((double)i + 0.5);
        *y = g->size * ((double)j + 0.5);
    }
}

void rs_grid_ring(const rs_grid *g, int64_t i, int64_t j, double *xs, double *ys, int *n)
{
    double size = g->size;
    if (g->kind == RS_GRID_HEX) {
        double height = size * 2 * HEX_H;
        double shift = is_odd(i) ? 0.5 : 0.0;
        /* PostGIS's vertices in reverse order: the same polygon, clockwise */
        for (int k = 0; k < 7; k++) {
            int s = 6 - k;
            xs[k] = size * (1.5 * (double)i + hex_x[s]);
            ys[k] = height * ((double)j + shift + hex_y[s]);
        }
        *n = 7;
        return;
    }
    /* PostGIS's envelope order, already clockwise: ll, ul, ur, lr, ll */
    double llx = size * (double)i, lly = size * (double)j;
    double urx = size * (double)(i + 1), ury = size * (double)(j + 1);
    xs[0] = llx, ys[0] = lly;
    xs[1] = llx, ys[1] = ury;
    xs[2] = urx, ys[2] = ury;
    xs[3] = urx, ys[3] = lly;
    xs[4] = llx, ys[4] = lly;
    *n = 5;
}

double rs_grid_cell_area(const rs_grid *g)
{
    if (g->kind == RS_GRID_HEX)
        return 1.5 * sqrt(3.0) * g->size * g->size;
    return g->size * g->size;
}
