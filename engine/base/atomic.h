/*
 * atomic.h — the one way roadsafe writes an output file: into a temporary
 * file beside it (PATH.tmp.XXXXXX, made by mkstemp: unique, O_EXCL, never
 * someone else's file), flushed and fsynced, then renamed over PATH, and
 * the folder fsynced.  A reader sees the old file or the whole new one,
 * never a half-written one; a failure or a kill before the rename leaves
 * PATH as it was (a killed writer may leave its PATH.tmp.* behind, never
 * a half PATH).  Shapefiles, whose three parts move together, have their
 * own writer in geo/shpout.c.
 *
 *   rs_atomic a;
 *   if (rs_atomic_open(err, &a, path) != 0) return ...;   err says why
 *   fprintf(a.f, ...);
 *   rc = rs_atomic_close(err, &a, ok);    ok = 0 discards the temporary
 *
 * A NULL path, or "-", writes to standard output (closing flushes it).
 * The file is made with mode 0644 (outputs are for sharing; the workspace
 * and the key have their own modes).
 */
#ifndef RS_ATOMIC_H
#define RS_ATOMIC_H

#include <stdio.h>

#include "rs_err.h"

typedef struct rs_atomic {
    FILE *f;    /* where to write; NULL once closed */
    char *tmp;  /* the temporary beside path; NULL for standard output */
    char *path; /* the file to replace (a copy); NULL for standard output */
} rs_atomic;

/* Opens a temporary file beside path, or standard output.  0, or RS_EIO /
 * RS_ENOMEM set in e naming path (a is then closed: nothing to undo). */
int rs_atomic_open(rs_err *e, rs_atomic *a, const char *path);

/* ok non-zero: flushes, fsyncs and closes the temporary, renames it over
 * path and fsyncs the folder.  ok zero, or any failure on the way: removes
 * the temporary and leaves path untouched.  0 when the file is in place;
 * RS_EIO set in e naming path when a write failed (a discarded file, ok
 * zero, returns RS_ERR without touching e).  Safe on a closed or
 * never-opened (zeroed) a. */
int rs_atomic_close(rs_err *e, rs_atomic *a, int ok);

#endif
