/*
 * shpout_int.h — private to the shapefile writer (shpout*.c): the limits of
 * a DBF field, the buffered layer (struct rs_shpout, see shpout.c for its
 * layout), and the file helpers (shpout_file.c) that the writer and the
 * commit (shpout_commit.c) share.
 */
#ifndef RS_SHPOUT_INT_H
#define RS_SHPOUT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "shpout.h"

#define NO_VALUE SIZE_MAX
#define TEXT_MAX 254   /* DBF 'C' field width limit */
#define INT_WIDTH_MAX 19
#define REAL_WIDTH_MAX 33
#define DECIMALS_MAX 15
#define FIELDS_MAX 255

typedef struct field {
    char name[11];
    rs_field_type type;
    int decimals;
} field;

typedef struct feat {
    size_t v0; /* first vertex in xs/ys */
    size_t p0; /* first ring start in parts (polygons) */
    int nv, np;
} feat;

struct rs_shpout {
    rs_geo *g;
    char *prefix;
    rs_shp_kind kind;
    char *wkt; /* ESRI WKT1 for the .prj */
    size_t nfields;
    field *fields;

    feat *feats;
    size_t n, feats_cap;
    double *xs, *ys;
    size_t nv, x_cap, y_cap;
    int *parts;
    size_t np, p_cap;
    size_t *vals; /* n * nfields offsets into pool, NO_VALUE = null */
    size_t vals_cap;
    char *pool;
    size_t pool_len, pool_cap;
};

/* shpout_file.c: strings, paths and whole small files. */

/* A copy of s in a new string, or NULL. */
char *rs_shp_dup_str(const char *s);
/* "base" + "ext" in a new string, or NULL. */
char *rs_shp_cat2(const char *base, const char *ext);
/* Directory part of path ("." when none), in a new string. */
char *rs_shp_dir_of(const char *path);
/* fsync of a closed file or of a directory; 0 or -1 with errno. */
int rs_shp_sync_path(const char *path);
/* Reserves a unique base name "PREFIX.tmp-XXXXXX" (an empty file made by
 * mkstemp, so no other writer can take it).  0 and *base, or RS_EIO naming
 * final_name (the file the user asked for). */
int rs_shp_reserve_base(rs_geo *g, const char *prefix, const char *final_name, char **base);
/* Writes len bytes to path, which must not exist yet (created "wx"),
 * flushed and synced.  0 or RS_EIO naming final_name (the file the user
 * asked for) and the reason; a partial file is removed. */
int rs_shp_write_new_file(rs_geo *g, const char *path, const char *final_name, const char *data,
                          size_t len);
/* ESRI WKT1 of EPSG:epsg from PROJ, in a new string.  0, RS_EUSAGE (not a
 * code), RS_ERR (PROJ does not know it or has no ESRI WKT) or RS_ENOMEM. */
int rs_shp_prj_wkt(rs_geo *g, int epsg, char **out);

#endif
