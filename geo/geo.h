/*
 * geo.h — the spatial context: one GEOS handle, one PROJ context and the
 * error record they report into.  Every geo/ function takes an rs_geo as its
 * first argument; nothing in geo/ keeps global state.
 *
 * An rs_geo is used by one thread at a time.  Code that works on several
 * threads creates one rs_geo per thread.
 */
#ifndef RS_GEO_H
#define RS_GEO_H

#include <geos_c.h>
#include <proj.h>

#include "rs_err.h"

typedef struct rs_geo rs_geo;

/* A new context, or NULL when memory or the libraries' own contexts cannot
 * be had.  Free with rs_geo_free(). */
rs_geo *rs_geo_new(void);
void rs_geo_free(rs_geo *g);

/* Borrowed: the error record of this context. GEOS and PROJ messages land
 * here (GEOS through its message handler, PROJ from proj_context_errno). */
rs_err *rs_geo_err(rs_geo *g);

/* The temporaries of the layer and raster writers (shpout, raster) are
 * announced through this hook, so the caller can rename a set of outputs
 * together and clean up on a signal (engine/base/atomic.h installs
 * rs_atomic_track here).  op 0: tmp is about to exist; 1: it was removed;
 * 2: it is complete and synced and is to replace final.  Without a hook,
 * op 2 renames tmp over final.  The hook returns 0, or -1 with errno. */
typedef int (*rs_geo_file_fn)(const char *tmp, const char *final, int op);
void rs_geo_set_file_hook(rs_geo *g, rs_geo_file_fn fn);
int rs_geo_file(rs_geo *g, const char *tmp, const char *final, int op);

GEOSContextHandle_t rs_geo_geos(rs_geo *g);
/* The PROJ context: it finds proj.db and grid files only in the absolute
 * folders of PROJ's own search list other than the user's (the
 * installation's data folder, or PROJ_DATA's), never in the current folder,
 * and never on the network (see rs_geo_proj_confine). */
PJ_CONTEXT *rs_geo_proj(rs_geo *g);
/* Applies those limits to any PROJ context.  Returns 0, or -1 out of memory. */
int rs_geo_proj_confine(PJ_CONTEXT *ctx);
/* What PROJ's choice of operation depends on besides the CRSs, as text:
 * PROJ's version, and every file in the folders it may read (name, size,
 * modification time, inode), proj.db and the grids included.  The same text
 * means PROJ would choose the same operations.  A new string (caller
 * frees), or NULL out of memory (error recorded). */
char *rs_geo_proj_env(rs_geo *g);

/* Copies the last GEOS error (if any) into the context's error record with
 * the given code and "what" prefix; returns code. */
int rs_geo_fail(rs_geo *g, int code, const char *what);

#endif
