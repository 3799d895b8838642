/*
 * atomic.c — write a file by temporary, fsync and rename (see atomic.h).
 */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dup_str(const char *s, size_t extra)
{
    size_t n = strlen(s);
    char *d = malloc(n + extra + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

int rs_atomic_open(rs_err *e, rs_atomic *a, const char *path)
{
    static const char suffix[] = ".tmp.XXXXXX";
    memset(a, 0, sizeof *a);
    if (path == NULL || strcmp(path, "-") == 0) {
        a->f = stdout;
        return 0;
    }
    if ((a->path = dup_str(path, 0)) == NULL || (a->tmp = dup_str(path, sizeof suffix)) == NULL) {
        free(a->path);
        a->path = NULL;
        return rs_err_set(e, RS_ENOMEM, "out of memory");
    }
    strcat(a->tmp, suffix);
    int fd = mkstemp(a->tmp);
    if (fd < 0 || fchmod(fd, 0644) != 0 || (a->f = fdopen(fd, "w")) == NULL) {
        int err = errno;
        if (fd >= 0) {
            close(fd);
            unlink(a->tmp);
        }
        rs_err_set(e, RS_EIO, "%s: cannot write: %s", path, strerror(err));
        free(a->tmp);
        free(a->path);
        memset(a, 0, sizeof *a);
        return RS_EIO;
    }
    return 0;
}

/* fsync of the folder holding path, so the rename itself is durable. */
static int sync_dir_of(const char *path)
{
    char *dir = dup_str(path, 0);
    if (dir == NULL)
        return -1;
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = open(dir, O_RDONLY);
    free(dir);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    int err = errno;
    close(fd);
    errno = err;
    /* some file systems cannot fsync a folder; the data itself is synced */
    return r == 0 || errno == EINVAL || errno == EROFS ? 0 : -1;
}

int rs_atomic_close(rs_err *e, rs_atomic *a, int ok)
{
    if (a->f == NULL)
        return ok ? 0 : RS_ERR;
    if (a->tmp == NULL) { /* standard output */
        int bad = fflush(a->f) != 0 || ferror(a->f);
        a->f = NULL;
        if (bad && ok)
            return rs_err_set(e, RS_EIO, "cannot write to standard output: %s", strerror(errno));
        return ok ? 0 : RS_ERR;
    }
    int rc = 0;
    if (ok) {
        if (fflush(a->f) != 0 || ferror(a->f) || fsync(fileno(a->f)) != 0)
            rc = rs_err_set(e, RS_EIO, "%s: cannot write: %s", a->path, strerror(errno));
    }
    if (fclose(a->f) != 0 && ok && rc == 0)
        rc = rs_err_set(e, RS_EIO, "%s: cannot write: %s", a->path, strerror(errno));
    a->f = NULL;
    if (ok && rc == 0 && rename(a->tmp, a->path) != 0)
        rc = rs_err_set(e, RS_EIO, "%s: cannot move the finished file into place: %s", a->path,
                        strerror(errno));
    if (!ok || rc != 0)
        unlink(a->tmp);
    else if (sync_dir_of(a->path) != 0)
        rc = rs_err_set(e, RS_EIO, "%s: written, but its folder could not be synced: %s",
                        a->path, strerror(errno));
    free(a->tmp);
    free(a->path);
    a->tmp = a->path = NULL;
    return ok ? rc : RS_ERR;
}
