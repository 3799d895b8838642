/*
 * district.h — policing districts: named polygons in British National Grid.
 *
 * An rs_districts is an immutable set of polygons (GEOS geometries owned by
 * the set), each with a name, an optional code, its area and vertex count.
 * It is built from a shapefile (validated by hand before shapelib reads it,
 * reprojected to EPSG:27700 with PROJ, repaired with GEOSMakeValid when
 * invalid) or from the WKB the store keeps.  Districts are kept in the order
 * given; index i is the district's identity inside one set.
 */
#ifndef RS_DISTRICT_H
#define RS_DISTRICT_H

#include <stddef.h>

#include "geo.h"

typedef struct rs_districts rs_districts;

/* Called once per district repaired by make-valid: name and GEOS's reason. */
typedef void (*rs_district_repair_cb)(void *user, const char *name, const char *reason);

/* Reads FILE.shp (+ .shx, .dbf, .prj) as districts.  name_field is the DBF
 * field holding the name (required), code_field the one holding a code (NULL
 * for none).  Refuses with RS_EINPUT and one clear line: a missing
 * .shp/.shx/.dbf/.prj, a non-polygon file, a truncated or inconsistent .shp
 * or .shx (file codes, lengths, offsets and record counts checked here, not
 * left to shapelib), a .dbf whose record count differs, no records at all,
 * an unknown field, an empty or duplicated name, a geometry that cannot be
 * repaired or whose area is not a finite number (absurd coordinates), a CRS
 * PROJ does not understand.  Returns 0 and *out (free with rs_districts_free). */
int rs_districts_from_shapefile(rs_geo *g, const char *shp_path, const char *name_field,
                                const char *code_field, rs_district_repair_cb repaired,
                                void *user, rs_districts **out);

/* Builds a set from n WKB polygons/multipolygons already in EPSG:27700 (as
 * the store keeps them).  codes may be NULL; codes[i] may be NULL. */
int rs_districts_from_wkb(rs_geo *g, size_t n, const char *const *names,
                          const char *const *codes, const unsigned char *const *wkb,
                          const size_t *wkb_len, rs_districts **out);
void rs_districts_free(rs_districts *d);

size_t rs_districts_count(const rs_districts *d);
const char *rs_districts_name(const rs_districts *d, size_t i);
const char *rs_districts_code(const rs_districts *d, size_t i); /* "" when none */
double rs_districts_area_m2(const rs_districts *d, size_t i);
size_t rs_districts_vertices(const rs_districts *d, size_t i);
/* Borrowed; valid while d lives. */
const GEOSGeometry *rs_districts_geom(const rs_districts *d, size_t i);
/* WKB of district i (ISO, little endian), written into a new buffer the
 * caller frees with free().  Returns 0 or RS_E code. */
int rs_districts_wkb(rs_geo *g, const rs_districts *d, size_t i, unsigned char **wkb, size_t *len);
/* Bounding box of all districts. */
void rs_districts_extent(const rs_districts *d, double *xmin, double *ymin, double *xmax, double *ymax);

#endif
