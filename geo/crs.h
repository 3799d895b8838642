/*
 * crs.h — coordinate transformation with PROJ, batched.
 *
 * The engine works in British National Grid (EPSG:27700, metres).  Inputs
 * arrive in WGS84 (EPSG:4326, degrees) or in the CRS a shapefile's .prj
 * names.  One rs_crs is one fixed PROJ operation, chosen once when it is
 * created: the most accurate operation whose grids PROJ can find (OSTN15
 * when its grid is installed, else the best Helmert, about 2 m).  Using one
 * operation for a whole data set keeps every point on the same datum shift.
 *
 * rs_crs_table is an interpolation table built from an rs_crs over a
 * lon/lat box: bilinear in each output coordinate, a few times faster than
 * PROJ per point, with its maximum error against PROJ measured at build
 * time (rs_crs_table_max_error) and bounded by the tests (< 1 cm).
 */
#ifndef RS_CRS_H
#define RS_CRS_H

#include <stddef.h>

#include "geo.h"

typedef struct rs_crs rs_crs;

/* Transformation from source CRS `src` to target CRS `dst`; each is anything
 * proj_create() accepts ("EPSG:4326", WKT1/ESRI WKT from a .prj, PROJJSON).
 * Axis order is always x/y = lon/lat (easting/northing), whatever the CRS
 * definition says.  Returns 0 and *out (free with rs_crs_free), or RS_EINPUT
 * when a definition is not understood, with the message in g's error. */
int rs_crs_new(rs_geo *g, const char *src, const char *dst, rs_crs **out);
void rs_crs_free(rs_crs *c);

/* Transforms n points in place.  Points PROJ cannot transform get
 * HUGE_VAL in both coordinates (the others are still transformed).  Returns
 * the number of points that failed. */
size_t rs_crs_trans(rs_crs *c, double *x, double *y, size_t n);

/* The same operation as `like`, in context g (for another thread): built
 * from like's PROJ string, so every point transforms exactly as with like.
 * Returns 0 and *out, or an RS_E code. */
int rs_crs_new_like(rs_geo *g, const rs_crs *like, rs_crs **out);
/* The operation a PROJ string (as rs_crs_pipeline gives) defines, described
 * as desc; it knows no grid names (rs_crs_grid_count 0).  Returns 0 and
 * *out.  PROJ makes the operation at the first rs_crs_trans (opening its
 * database costs more than a small ingest): when it cannot, every point
 * of that and later calls fails, with the reason in g's error. */
int rs_crs_new_pipeline(rs_geo *g, const char *pipeline, const char *desc, rs_crs **out);

/* Borrowed: the operation as a PROJ string ("+proj=pipeline +step ..."). */
const char *rs_crs_pipeline(const rs_crs *c);
/* The grid files the operation uses: their names (as PROJ's database
 * gives them) and the files PROJ found for them ("" when none). */
int rs_crs_grid_count(const rs_crs *c);
const char *rs_crs_grid_name(const rs_crs *c, int i);
const char *rs_crs_grid_path(const rs_crs *c, int i);

/* Borrowed, human readable: the operation in use and its accuracy, e.g.
 * "Inverse of OSGB36 to WGS 84 (6) + British National Grid (accuracy 2 m)". */
const char *rs_crs_describe(const rs_crs *c);

typedef struct rs_crs_table rs_crs_table;

/* Builds a table over [lon0,lon1] x [lat0,lat1] with node spacing `step`
 * degrees, from c (which must take lon/lat in degrees).  Measures the error
 * against c at cell centres and edge midpoints.  Returns 0 or an RS_E code. */
int rs_crs_table_new(rs_geo *g, rs_crs *c, double lon0, double lat0, double lon1,
                     double lat1, double step, rs_crs_table **out);
void rs_crs_table_free(rs_crs_table *t);
/* 0 and *e,*n when (lon,lat) is inside the table, -1 otherwise (use PROJ). 
 * Read-only: safe to call from several threads at once. */
int rs_crs_table_fwd(const rs_crs_table *t, double lon, double lat, double *e, double *n);
/* Largest distance (metres) between table and PROJ seen when built. */
double rs_crs_table_max_error(const rs_crs_table *t);
/* Number of nodes (memory: 16 bytes each). */
size_t rs_crs_table_nodes(const rs_crs_table *t);

/* The table as bytes (native byte order; the caller frees *buf), and back.
 * load checks every size and value and answers RS_EINPUT for bytes that are
 * not a table save wrote; a loaded table interpolates exactly as the saved
 * one did. */
int rs_crs_table_save(const rs_crs_table *t, unsigned char **buf, size_t *len);
int rs_crs_table_load(rs_geo *g, const void *buf, size_t len, rs_crs_table **out);

#endif
