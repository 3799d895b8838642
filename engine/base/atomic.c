/*
 * atomic.c — write a file by temporary, fsync and rename (see atomic.h);
 * sets of files renamed together; the clean-up on SIGINT, SIGTERM, SIGHUP.
 *
 * Core data structure: one process-wide table of the temporaries in
 * existence (a signal handler has nothing else to go by), each with the
 * file it is to replace and its state: being written, or finished and
 * waiting for its set's commit.  The table is changed only with those
 * signals blocked, so the handler never sees a half-made entry.  Outputs
 * are written by one thread.  Workload: a few files per command.
 */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* not in POSIX: the raw directory read the signal handler uses (opendir
 * may allocate, so it is not safe there) */
long syscall(long number, ...);

static char *dup_str(const char *s, size_t extra)
{
    size_t n = strlen(s);
    char *d = malloc(n + extra + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

/* ---- the table of temporaries ----------------------------------------- */

#define MAX_TRACKED 64

enum { T_FREE = 0, T_WRITING, T_DONE, T_RENAMED };

typedef struct tracked {
    char *tmp;
    char *final; /* NULL while being written by a geo/ writer */
    volatile sig_atomic_t state;
    int seq;     /* order finished in the set: the commit renames in it */
} tracked;

static tracked reg[MAX_TRACKED];
static char *reg_dir;                          /* rs_atomic_track_dir */
static volatile sig_atomic_t set_open, committing;
static int set_done;                           /* files finished in the open set */
static int set_depth;                          /* sets inside sets join the outer one */

static void block(sigset_t *old)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGHUP);
    sigprocmask(SIG_BLOCK, &s, old);
}

static void unblock(const sigset_t *old)
{
    sigprocmask(SIG_SETMASK, old, NULL);
}

static int find(const char *tmp)
{
    for (int i = 0; i < MAX_TRACKED; i++)
        if (reg[i].state != T_FREE && strcmp(reg[i].tmp, tmp) == 0)
            return i;
    return -1;
}

/* Adds or updates tmp's entry (signals blocked by the caller).  Index, or
 * -1 when out of memory or the table is full. */
static int put(const char *tmp, const char *final, int state)
{
    int i = find(tmp);
    if (i < 0)
        for (i = 0; i < MAX_TRACKED && reg[i].state != T_FREE; i++)
            ;
    if (i >= MAX_TRACKED)
        return -1;
    char *t = reg[i].tmp ? reg[i].tmp : strdup(tmp);
    char *f = final ? strdup(final) : NULL;
    if (t == NULL || (final && f == NULL)) {
        if (t != reg[i].tmp)
            free(t);
        free(f);
        return -1;
    }
    free(reg[i].final);
    reg[i].tmp = t;
    reg[i].final = f;
    reg[i].state = state;
    if (state == T_DONE)
        reg[i].seq = ++set_done;
    return i;
}

static void drop(int i)
{
    reg[i].state = T_FREE;
    free(reg[i].tmp);
    free(reg[i].final);
    reg[i].tmp = reg[i].final = NULL;
}

static void forget(const char *tmp)
{
    sigset_t old;
    block(&old);
    int i = find(tmp);
    if (i >= 0)
        drop(i);
    unblock(&old);
}

void rs_atomic_test_point(const char *name)
{
    const char *at = getenv("ROADSAFE_TEST_STOP_AT");
    if (at == NULL || strcmp(at, name) != 0)
        return;
    const char *s = getenv("ROADSAFE_TEST_STOP_SIGNAL");
    int sig = SIGKILL;
    if (s && strcmp(s, "TERM") == 0)
        sig = SIGTERM;
    else if (s && strcmp(s, "INT") == 0)
        sig = SIGINT;
    else if (s && strcmp(s, "HUP") == 0)
        sig = SIGHUP;
    raise(sig);
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
    sigset_t old;
    block(&old); /* the temporary is in the table from its first moment */
    int fd = mkstemp(a->tmp);
    int err = errno;
    if (fd >= 0 && put(a->tmp, NULL, T_WRITING) < 0) {
        close(fd);
        unlink(a->tmp);
        fd = -1;
        err = ENOMEM;
    }
    unblock(&old);
    if (fd >= 0 && (fchmod(fd, 0644) != 0 || (a->f = fdopen(fd, "w")) == NULL)) {
        err = errno;
        close(fd);
        unlink(a->tmp);
        forget(a->tmp);
        fd = -1;
    }
    if (fd < 0) {
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
    if (ok && rc == 0 && set_open) {
        /* in a set: finished, renamed at the commit */
        sigset_t old;
        block(&old);
        int i = put(a->tmp, a->path, T_DONE);
        unblock(&old);
        if (i < 0) {
            rc = rs_err_set(e, RS_ENOMEM, "%s: out of memory (or more than %d files in one set)",
                            a->path, MAX_TRACKED);
        } else {
            free(a->tmp);
            free(a->path);
            a->tmp = a->path = NULL;
            if (set_done == 1)
                rs_atomic_test_point("set-first");
            return 0;
        }
    }
    if (ok && rc == 0 && rename(a->tmp, a->path) != 0)
        rc = rs_err_set(e, RS_EIO, "%s: cannot move the finished file into place: %s", a->path,
                        strerror(errno));
    if (!ok || rc != 0)
        unlink(a->tmp);
    forget(a->tmp);
    if (ok && rc == 0 && sync_dir_of(a->path) != 0)
        rc = rs_err_set(e, RS_EIO, "%s: written, but its folder could not be synced: %s",
                        a->path, strerror(errno));
    free(a->tmp);
    free(a->path);
    a->tmp = a->path = NULL;
    return ok ? rc : RS_ERR;
}

/* ---- sets ------------------------------------------------------------------ */

int rs_atomic_set_begin(rs_err *e)
{
    (void)e;
    if (set_depth++ > 0)
        return 0; /* inside another set: part of it */
    set_open = 1;
    set_done = 0;
    return 0;
}

/* Removes the finished temporaries of the set and closes it. */
static void discard_done(void)
{
    sigset_t old;
    block(&old);
    for (int i = 0; i < MAX_TRACKED; i++)
        if (reg[i].state == T_DONE) {
            unlink(reg[i].tmp);
            drop(i);
        } else if (reg[i].state == T_RENAMED) {
            drop(i);
        }
    set_open = committing = 0;
    set_depth = 0;
    unblock(&old);
}

int rs_atomic_set_commit(rs_err *e)
{
    if (!set_open)
        return 0;
    if (set_depth > 1) {
        set_depth--; /* the outer set's commit renames */
        return 0;
    }
    rs_atomic_test_point("set-commit");
    int rc = 0, renamed = 0;
    /* nothing may stand in the way of a rename: checked before the first */
    for (int i = 0; i < MAX_TRACKED && rc == 0; i++) {
        struct stat st;
        if (reg[i].state == T_DONE && lstat(reg[i].final, &st) == 0 && S_ISDIR(st.st_mode))
            rc = rs_err_set(e, RS_EIO, "%s: is a folder; no file of the set was changed",
                            reg[i].final);
    }
    if (rc != 0) {
        discard_done();
        return rc;
    }
    committing = 1; /* from here on a signal finishes the renames */
    for (;;) {
        int i = -1;
        for (int k = 0; k < MAX_TRACKED; k++)
            if (reg[k].state == T_DONE && (i < 0 || reg[k].seq < reg[i].seq))
                i = k;
        if (i < 0)
            break;
        if (rename(reg[i].tmp, reg[i].final) != 0) {
            rc = rs_err_set(e, RS_EIO, "%s: cannot move the finished file into place: %s%s",
                            reg[i].final, strerror(errno),
                            renamed ? " (the files before it in the set are already new)" : "");
            break;
        }
        reg[i].state = T_RENAMED;
        if (++renamed == 1)
            rs_atomic_test_point("set-rename");
    }
    for (int i = 0; i < MAX_TRACKED && rc == 0; i++)
        if (reg[i].state == T_RENAMED && sync_dir_of(reg[i].final) != 0)
            rc = rs_err_set(e, RS_EIO, "%s: written, but its folder could not be synced: %s",
                            reg[i].final, strerror(errno));
    discard_done();
    return rc;
}

void rs_atomic_set_abort(void)
{
    discard_done();
}

int rs_atomic_track(const char *tmp, const char *final, int op)
{
    sigset_t old;
    int i, rc = 0;
    switch (op) {
    case RS_ATOMIC_MADE:
        block(&old);
        (void)put(tmp, NULL, T_WRITING); /* a full table only loses the clean-up */
        unblock(&old);
        return 0;
    case RS_ATOMIC_GONE:
        forget(tmp);
        return 0;
    default:
        if (set_open) {
            block(&old);
            i = put(tmp, final, T_DONE);
            unblock(&old);
            if (i < 0) {
                errno = ENOMEM;
                return -1;
            }
            if (set_done == 1)
                rs_atomic_test_point("set-first");
            return 0;
        }
        rc = rename(tmp, final);
        int err = errno;
        forget(tmp);
        errno = err;
        return rc;
    }
}

void rs_atomic_track_dir(const char *dir, int on)
{
    sigset_t old;
    char *d = on ? strdup(dir) : NULL;
    block(&old);
    char *was = reg_dir;
    reg_dir = d;
    unblock(&old);
    free(was);
}

/* ---- signals ----------------------------------------------------------------- */

struct dirent64_raw {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

/* Empties and removes dir with system calls only (safe in a handler). */
static void remove_dir_raw(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return;
    static char buf[8192];
    for (int pass = 0; pass < 8; pass++) {
        int removed = 0;
        long n;
        lseek(fd, 0, SEEK_SET);
        while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
            for (long off = 0; off < n;) {
                struct dirent64_raw *d = (struct dirent64_raw *)(void *)(buf + off);
                if (strcmp(d->name, ".") != 0 && strcmp(d->name, "..") != 0 &&
                    unlinkat(fd, d->name, 0) == 0)
                    removed++;
                off += d->reclen;
            }
        }
        if (removed == 0)
            break;
    }
    close(fd);
    rmdir(dir);
}

static void on_signal(int sig)
{
    int err = errno;
    for (int i = 0; i < MAX_TRACKED; i++) {
        if (reg[i].state == T_WRITING)
            unlink(reg[i].tmp);
        else if (reg[i].state == T_DONE && committing)
            (void)rename(reg[i].tmp, reg[i].final); /* the set ends new */
        else if (reg[i].state == T_DONE)
            unlink(reg[i].tmp);
    }
    if (reg_dir)
        remove_dir_raw(reg_dir);
    errno = err;
    signal(sig, SIG_DFL);
    raise(sig);
}

void rs_atomic_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigfillset(&sa.sa_mask);
        struct sigaction was;
        /* an ignored signal (nohup) stays ignored */
        if (sigaction(sigs[k], NULL, &was) == 0 && was.sa_handler == SIG_IGN)
            continue;
        sigaction(sigs[k], &sa, NULL);
    }
}
