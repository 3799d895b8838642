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
 *
 * Sets.  A command that writes several files (a heat map's layer, table
 * and picture; a KSI table and its chart) opens a set first:
 *
 *   rs_atomic_set_begin(err);
 *   ... rs_atomic_open / rs_atomic_close(ok) of each file, and the
 *       shapefile and raster writers of geo/ (through rs_atomic_track) ...
 *   rc = ok ? rs_atomic_set_commit(err) : (rs_atomic_set_abort(), rc);
 *
 * In a set, closing a file with ok finishes it (flushed, fsynced, closed)
 * but leaves it under its temporary name.  The commit renames every file of
 * the set into place, in the order they were finished, and then fsyncs
 * their folders; the abort (or any failure before the first rename)
 * removes every temporary, and no file of the set has changed.  Renaming
 * several files is not one atomic step: a reader looking while a commit
 * runs may see the first few files new and the rest old.  The renames
 * start only once every file of the set is complete and synced, so that
 * window is a few rename calls long, and each file is always whole.
 *
 * Signals.  rs_atomic_signals() (called once by the command) makes
 * SIGINT, SIGTERM and SIGHUP clean up before the process ends with that
 * signal: temporaries still being written, or finished in a set not yet
 * committing, are removed (the outputs stay as they were); during a
 * commit's renames the remaining renames are done (the set ends new); a
 * folder given to rs_atomic_track_dir is emptied and removed.  SIGKILL
 * or a power cut cannot be caught: they may leave temporaries (PATH.tmp.*,
 * PREFIX.tmp-*) behind, never a half-written output, and the outputs of a
 * set are then the old ones unless the cut fell among the renames.
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

/* Opens a set (see above).  0.  A set opened inside another is part of it:
 * its commit does nothing, the outer one renames; an abort at any depth
 * discards the whole set (the failure then reaches the outer writer). */
int rs_atomic_set_begin(rs_err *e);
/* Renames the set's finished files into place and closes the set.  0, or
 * RS_EIO naming the file that could not be moved (those before it are
 * already new: the message says so; the temporaries of the rest are
 * removed). */
int rs_atomic_set_commit(rs_err *e);
/* Removes every temporary of the set and closes it; safe with none open. */
void rs_atomic_set_abort(void);

/* For a writer that makes its own temporaries (geo/'s shapefile and
 * raster writers, through the hook of rs_geo): op RS_ATOMIC_MADE says tmp
 * is about to exist (removed if a signal comes), RS_ATOMIC_GONE that it
 * was removed, RS_ATOMIC_DONE that it is complete and synced and is to
 * replace final: renamed now, or at the commit when a set is open.
 * Returns 0, or -1 with errno (a failed rename, or out of memory). */
enum { RS_ATOMIC_MADE = 0, RS_ATOMIC_GONE = 1, RS_ATOMIC_DONE = 2 };
int rs_atomic_track(const char *tmp, const char *final, int op);
/* A private folder whose files are all ours (the board pack's images): on
 * a signal it is emptied and removed.  on zero forgets it. */
void rs_atomic_track_dir(const char *dir, int on);
/* Installs the SIGINT, SIGTERM and SIGHUP clean-up (see above). */
void rs_atomic_signals(void);

/* A test hook: when the environment variable ROADSAFE_TEST_STOP_AT names
 * this point, the process stops here with SIGKILL, or with the signal
 * ROADSAFE_TEST_STOP_SIGNAL names (TERM, INT, HUP).  Points: "set-first"
 * (the first file of a set is finished, the next not yet written),
 * "set-commit" (all finished, no rename yet), "set-rename" (the first
 * rename done), "pack-image" (the board pack has an image in its folder). */
void rs_atomic_test_point(const char *name);

#endif
