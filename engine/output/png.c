/*
 * png.c — atomic PNG files from cairo surfaces (see png.h): cairo encodes
 * into the temporary of base/atomic.h, which is synced and renamed into
 * place only when the whole image was written.
 */
#include "png.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "atomic.h"

typedef struct sink {
    FILE *f;
    int err; /* errno of the first failed write */
} sink;

static cairo_status_t write_chunk(void *closure, const unsigned char *data, unsigned int len)
{
    sink *k = closure;
    if (fwrite(data, 1, len, k->f) != len) {
        if (k->err == 0)
            k->err = errno ? errno : EIO;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

int rs_png_write(rs_err *e, cairo_surface_t *s, const char *path)
{
    rs_atomic a;
    int rc = rs_atomic_open(e, &a, path);
    if (rc != 0)
        return rc;
    sink k = {a.f, 0};
    cairo_status_t st = cairo_surface_write_to_png_stream(s, write_chunk, &k);
    if (st != CAIRO_STATUS_SUCCESS) {
        rc = rs_err_set(e, RS_EIO, "%s: writing PNG: %s", path,
                        k.err ? strerror(k.err) : cairo_status_to_string(st));
        rs_atomic_close(e, &a, 0); /* discards the temporary; path stays as it was */
        return rc;
    }
    return rs_atomic_close(e, &a, 1);
}
