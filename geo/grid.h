/*
 * grid.h — square and hexagonal cells in a projected CRS (metres),
 * anchored at the CRS origin as PostGIS's ST_SquareGrid / ST_HexagonGrid
 * (and ST_Square / ST_Hexagon) anchor them, so cell (i, j) here is the
 * same polygon as PostGIS's for the same size.
 *
 * Square of side `size`: cell (i, j) covers [i*size, (i+1)*size) x
 * [j*size, (j+1)*size).  A point on an edge belongs to the cell above /
 * to the right (half-open cells), so every point is in exactly one cell.
 *
 * Hexagon, flat-topped, edge length (= circumradius) `size`: cell (0, 0)
 * is centred on the origin; columns are 1.5*size apart; odd columns
 * (|i| % 2 == 1, so i = -1 too) are shifted UP by half a row height
 * (sqrt(3)/2*size) exactly as PostGIS does: the centre of (i, j) is
 * (1.5*size*i, sqrt(3)*size*(j + 0.5*(|i| % 2))).  Vertices are computed
 * with PostGIS's own expression and constant, so they agree to the bit.
 * A point is in the cell whose centre is nearest (ties broken toward the
 * lower i, then lower j, so again exactly one cell).  "Nearest" is by the
 * squared distance as computed in doubles: a point on a shared edge whose
 * two distances round differently goes to the nearer by rounding, so the
 * tie rule decides only exact ties; either way the answer is deterministic
 * and the chosen cell's ring covers the point.
 *
 * Rings: the square ring is PostGIS's (ll, ul, ur, lr, ll), already
 * clockwise.  PostGIS's hexagon ring is counter-clockwise; the ring here
 * is the same polygon with its vertices in reverse order (starting, like
 * PostGIS's, at the west vertex), so that it is clockwise.
 *
 * Non-finite coordinates have no cell: rs_grid_cell gives INT64_MIN for
 * both indices.
 */
#ifndef RS_GRID_H
#define RS_GRID_H

#include <stdint.h>

typedef enum { RS_GRID_SQUARE = 0, RS_GRID_HEX = 1 } rs_grid_kind;

typedef struct rs_grid {
    rs_grid_kind kind;
    double size; /* metres: square side or hexagon edge */
} rs_grid;

/* Parses "square:SIZE" or "hex:SIZE" (SIZE plain decimal metres > 0).
 * 0 or -1. */
int rs_grid_parse(const char *s, rs_grid *out);

/* The cell holding (x, y). */
void rs_grid_cell(const rs_grid *g, double x, double y, int64_t *i, int64_t *j);
/* Cell centre. */
void rs_grid_centre(const rs_grid *g, int64_t i, int64_t j, double *x, double *y);
/* Cell outline as a closed ring, clockwise (the shapefile outer-ring
 * order): xs/ys get n points (5 for a square, 7 for a hexagon), the last
 * equal to the first.  xs and ys must hold 7. */
void rs_grid_ring(const rs_grid *g, int64_t i, int64_t j, double *xs, double *ys, int *n);
/* Area of one cell in m². */
double rs_grid_cell_area(const rs_grid *g);

#endif
