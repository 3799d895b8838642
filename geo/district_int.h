/*
 * district_int.h — private to the district reader (district*.c): the four
 * sibling paths of a shapefile, and the functions the set (district.c)
 * calls in the file checks (district_file.c) and in the ring assembly and
 * repair (district_geom.c).
 */
#ifndef RS_DISTRICT_INT_H
#define RS_DISTRICT_INT_H

#include <shapefil.h>
#include <stdint.h>

#include "crs.h"
#include "district.h"

/* The four sibling files of one shapefile (see rs_dist_make_paths). */
typedef struct shp_paths {
    char shp[4096], shx[4096], dbf[4096], prj[4096];
} shp_paths;

/* district_file.c: the files, checked by hand before shapelib sees them. */

/* Fills the four sibling paths from "x.shp" (or "x" with no extension);
 * sibling extensions follow the case of the .shp's. */
int rs_dist_make_paths(rs_geo *g, const char *shp_path, shp_paths *p);
/* Validates .shp, .shx, .dbf and the presence of .prj before shapelib sees
 * them.  Returns 0 and the record count, or RS_EINPUT / RS_EIO. */
int rs_dist_validate_files(rs_geo *g, const shp_paths *p, int *nrec);
/* The same checks for a shapefile of any shape type when polygons_only is
 * 0 (the context layers of a map: points, lines or polygons); *type gets the
 * file's shape type (SHPT_*). */
int rs_shp_validate_files(rs_geo *g, const shp_paths *p, int polygons_only, int *nrec,
                          uint32_t *type);
/* The .prj text in a new buffer (caller frees), or NULL with the error set. */
char *rs_dist_read_prj(rs_geo *g, const char *path);
/* 1 when the CRS text is British National Grid, 0 when it is another CRS,
 * RS_EINPUT (negative) when PROJ does not understand it. */
int rs_dist_prj_is_bng(rs_geo *g, const char *path, const char *prj);
/* After the file checks: reads the .prj, makes *crs the transformation to
 * British National Grid (left NULL when the layer is already in it), and
 * opens the .shp and .dbf with shapelib (its messages silenced: failures
 * are reported by return value).  Returns 0, or an RS_E code with the
 * error set; the caller closes and frees what was made either way. */
int rs_shp_open_bng(rs_geo *g, const shp_paths *p, rs_crs **crs, SHPHandle *shp,
                    DBFHandle *dbf);

/* district_geom.c: rings into polygons, validity. */

/* Builds one Polygon / MultiPolygon from a shapelib object's parts.  Rings
 * are nested by containment: depth 0, 2, ... are shells, odd depths holes
 * of their parent.  Returns the geometry (caller owns) or NULL with the
 * error set (where names the record). */
GEOSGeometry *rs_dist_build_geometry(rs_geo *g, const SHPObject *o, const char *where);
/* Checks validity; repairs with make-valid and calls repaired(user, name,
 * reason).  *geom stays the caller's: on a repair it is replaced by the
 * repaired geometry (the old one freed).  Returns 0 or an RS_E code
 * (RS_EINPUT when the repair leaves no valid polygon). */
int rs_dist_ensure_valid(rs_geo *g, GEOSGeometry **geom, const char *name, const char *where,
                         rs_district_repair_cb repaired, void *user);

#endif
