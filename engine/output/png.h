/*
 * png.h — writing a cairo surface as a PNG file atomically, with the one
 * writer of base/atomic.h: to a temporary file beside the target (mode
 * 0644), flushed and synced, then renamed into place, so a reader never
 * sees half an image and a failed write leaves an earlier file intact.
 * Shared by maps and charts.
 */
#ifndef RS_PNG_H
#define RS_PNG_H

#include <cairo.h>

#include "rs_err.h"

/* Returns 0, or RS_EIO / RS_ENOMEM with "PATH: reason" in e; no temporary
 * file is left behind on failure.  The surface is not freed.  A path of
 * "-" writes standard output (as every atomic.h writer does). */
int rs_png_write(rs_err *e, cairo_surface_t *s, const char *path);

#endif
