/*
 * shpout.h — writing a shapefile layer (.shp .shx .dbf .prj .cpg) that
 * QGIS, ArcGIS and GDAL open without complaint.
 *
 * Rows are buffered in memory and written at rs_shpout_commit(): the DBF
 * field widths are then chosen from the data, so a number is never cut
 * (every shapelib write is checked: shapelib writes a truncated number and
 * only returns FALSE).  Strings are cut to the field width only on UTF-8
 * character boundaries (max 254 bytes).  Dates are DBF date fields
 * (YYYYMMDD).  Polygons are written with outer rings clockwise and holes
 * counter-clockwise (oriented here: GEOS 3.11 lacks GEOSOrientPolygons).
 * The .prj is ESRI WKT1 produced by PROJ for the layer's EPSG code; the
 * .cpg says UTF-8.
 *
 * Atomic: the five files are written under temporary names beside PREFIX
 * and renamed into place only when all are complete, so a failed export
 * leaves no half layer and an earlier layer of the same name intact.
 * Workload: up to a few hundred thousand features.
 */
#ifndef RS_SHPOUT_H
#define RS_SHPOUT_H

#include <stddef.h>

#include "geo.h"

typedef enum {
    RS_FIELD_TEXT = 0,  /* 'C' */
    RS_FIELD_INT = 1,   /* 'N', no decimals */
    RS_FIELD_REAL = 2,  /* 'N' with `decimals` decimals */
    RS_FIELD_DATE = 3   /* 'D', value "YYYY-MM-DD" */
} rs_field_type;

typedef struct rs_shp_field {
    const char *name;   /* 1-10 ASCII letters, digits, '_', starting with a
                         * letter; unique ignoring case (checked) */
    rs_field_type type;
    int decimals;       /* RS_FIELD_REAL only, 0..15 */
} rs_shp_field;

typedef enum { RS_SHP_POINTS = 1, RS_SHP_POLYGONS = 5 } rs_shp_kind;

typedef struct rs_shpout rs_shpout;

/* A new layer to be written at PREFIX.shp etc.  epsg is 27700 or 4326
 * (any code PROJ knows).  Returns 0 and *out, RS_EUSAGE for bad fields
 * (name too long, duplicate, empty, bad characters; no fields at all; more
 * than 255), RS_ERR when PROJ has no WKT. */
int rs_shpout_new(rs_geo *g, const char *prefix, rs_shp_kind kind, int epsg,
                  const rs_shp_field *fields, size_t nfields, rs_shpout **out);
/* Adds a feature: geometry (Point for points; Polygon or MultiPolygon for
 * polygons; copied) and one value per field as text (NULL or "" = null;
 * numbers already formatted by the caller; dates "YYYY-MM-DD").  A value
 * that does not parse for its field type is RS_EUSAGE, and so is an
 * integer of more than 19 characters or a real of more than 33 at the
 * field's decimals; the feature is then not added and w stays usable.
 * Reals are rounded to the field's decimals; text must be UTF-8, is cut to
 * 254 bytes at a character boundary, and text of blanks only is null (DBF
 * readers trim blanks).
 *
 * Field widths at commit: the longest value (INT at most 19, REAL at
 * least decimals+2 and at most 33, TEXT at most 254, DATE 8), at least 1. */
int rs_shpout_add(rs_shpout *w, const GEOSGeometry *geom, const char *const *values);
/* Writes everything under temporary names, checks it, renames into
 * place, frees w.  On failure nothing is left behind and w is freed. */
int rs_shpout_commit(rs_shpout *w);
/* Drops the layer without writing anything; frees w (accepts NULL). */
void rs_shpout_abort(rs_shpout *w);

/* Writes PREFIX.prj (ESRI WKT1 from PROJ for epsg) atomically; `path` is
 * PREFIX, without the extension.  Used by the raster writer too.  Returns
 * 0, RS_EUSAGE (epsg <= 0), RS_ERR (PROJ has no such CRS) or RS_EIO. */
int rs_write_prj(rs_geo *g, const char *path, int epsg);

#endif
