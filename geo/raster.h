/*
 * raster.h — a single-band float raster in a projected CRS, written as an
 * ESRI ASCII grid (.asc + .prj) that QGIS and GDAL open.
 *
 * Row 0 is the northern row (as the file stores it); x0,y0 is the
 * lower-left corner of the lower-left pixel (the file's xllcorner,
 * yllcorner); pixels are square.  A NaN value is "no data" and written as
 * NODATA_value -9999.
 */
#ifndef RS_RASTER_H
#define RS_RASTER_H

#include <stddef.h>

#include "geo.h"

typedef struct rs_raster {
    size_t cols, rows;
    double x0, y0;   /* lower-left corner of the grid */
    double pixel;    /* pixel size, metres */
    double *v;       /* rows*cols, row 0 = north */
} rs_raster;

/* Allocates a raster filled with 0; NULL on out of memory (or when cols
 * or rows is 0). */
rs_raster *rs_raster_new(size_t cols, size_t rows, double x0, double y0, double pixel);
void rs_raster_free(rs_raster *r);
/* Centre of pixel (col, row). */
void rs_raster_centre(const rs_raster *r, size_t col, size_t row, double *x, double *y);

/* Writes path (".asc") and the .prj beside it (path's stem + ".prj", where
 * GDAL looks), atomically (temporary name, then rename; the .prj goes in
 * first).  Values with %.*g of `digits` significant digits (use 10; 1..17);
 * the corner and cell size with as many digits as they need to read back
 * exactly.  A value of exactly -9999 reads back as no data.  Returns 0,
 * RS_EUSAGE (empty raster, bad pixel size or digits, an infinite value) or
 * RS_EIO, with the message in g's error. */
int rs_raster_write_asc(rs_geo *g, const rs_raster *r, const char *path, int epsg, int digits);

#endif
