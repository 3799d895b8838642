/*
 * png.c — atomic PNG files from cairo surfaces (see png.h).
 */
#include "png.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    static const char suffix[] = ".tmp.XXXXXX";
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof suffix);
    sink k = {NULL, 0};
    int fd = -1, made = 0, rc = 0;
    if (tmp == NULL)
        return rs_err_set(e, RS_ENOMEM, "out of memory");
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, suffix, sizeof suffix);
    fd = mkstemp(tmp);
    if (fd < 0) {
        rc = rs_err_set(e, RS_EIO, "%s: cannot create a temporary file beside it: %s", path,
                        strerror(errno));
        goto done;
    }
    made = 1;
    if (fchmod(fd, 0644) != 0 || (k.f = fdopen(fd, "wb")) == NULL) {
        rc = rs_err_set(e, RS_EIO, "%s: %s", path, strerror(errno));
        goto done;
    }
    fd = -1; /* k.f owns it now */
    cairo_status_t st = cairo_surface_write_to_png_stream(s, write_chunk, &k);
    if (st != CAIRO_STATUS_SUCCESS) {
        rc = rs_err_set(e, RS_EIO, "%s: writing PNG: %s", path,
                        k.err ? strerror(k.err) : cairo_status_to_string(st));
        goto done;
    }
    if (fflush(k.f) != 0 || fsync(fileno(k.f)) != 0) {
        rc = rs_err_set(e, RS_EIO, "%s: writing PNG: %s", path, strerror(errno));
        goto done;
    }
    FILE *f = k.f;
    k.f = NULL;
    if (fclose(f) != 0) {
        rc = rs_err_set(e, RS_EIO, "%s: writing PNG: %s", path, strerror(errno));
        goto done;
    }
    if (rename(tmp, path) != 0) {
        rc = rs_err_set(e, RS_EIO, "%s: cannot move the finished PNG into place: %s", path,
                        strerror(errno));
        goto done;
    }
    made = 0;
done:
    if (k.f)
        fclose(k.f);
    if (fd >= 0)
        close(fd);
    if (made)
        remove(tmp);
    free(tmp);
    return rc;
}
