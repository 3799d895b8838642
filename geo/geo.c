/*
 * geo.c — the spatial context (see geo.h).  The GEOS message handler writes
 * into a buffer owned by the context, so a GEOS failure is read back by the
 * caller that saw NULL / 2 / -1 and turned into one rs_err line.
 *
 * PROJ looks for its database and grid files only in the data folders of
 * its installation (or those PROJ_DATA names, when they are absolute), never
 * in the current folder or the user's PROJ folder, and never on the network:
 * a grid file lying in the folder a command runs from must not change the
 * transformation.  The one process-wide state here is PROJ's own default
 * search list, read once (see proj_info_read).
 */
#include "geo.h"

#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct rs_geo {
    GEOSContextHandle_t geos;
    PJ_CONTEXT *proj;
    rs_err err;
    char geos_msg[512];
    rs_geo_file_fn file_hook; /* NULL: renames happen at once */
};

void rs_geo_set_file_hook(rs_geo *g, rs_geo_file_fn fn)
{
    if (g)
        g->file_hook = fn;
}

int rs_geo_file(rs_geo *g, const char *tmp, const char *final, int op)
{
    if (g && g->file_hook)
        return g->file_hook(tmp, final, op);
    return op == 2 ? rename(tmp, final) : 0;
}

static void geos_error_handler(const char *message, void *userdata)
{
    rs_geo *g = userdata;
    snprintf(g->geos_msg, sizeof g->geos_msg, "%s", message ? message : "unknown GEOS error");
}

static void geos_notice_handler(const char *message, void *userdata)
{
    (void)message;
    (void)userdata; /* notices (e.g. "Self-intersection at ...") are found by IsValidReason instead */
}

static void proj_log_silent(void *app, int level, const char *msg)
{
    (void)app;
    (void)level;
    (void)msg; /* errors are read from proj_context_errno, never printed */
}

/* The folders PROJ may read: PROJ's default list (the user's writable
 * folder first, then PROJ_DATA when set, or the installation's data folder)
 * less the user's folder and any relative entry (the current folder again).
 * Fills paths (pointing into *buf, which the caller frees); returns the
 * count, or -1 out of memory. */
/* proj_info() frees the strings of its previous answer, so two threads
 * calling it at once may read freed memory: it is called once per process
 * and its answer kept (read-only afterwards). */
static pthread_once_t proj_info_once = PTHREAD_ONCE_INIT;
static char proj_info_path[8192], proj_info_version[64];

static void proj_info_read(void)
{
    PJ_INFO info = proj_info();
    snprintf(proj_info_path, sizeof proj_info_path, "%s", info.searchpath ? info.searchpath : "");
    snprintf(proj_info_version, sizeof proj_info_version, "%s", info.version ? info.version : "?");
}

static int proj_dirs(PJ_CONTEXT *ctx, char **buf, const char *paths[16])
{
    const char *user = proj_context_get_user_writable_directory(ctx, 0);
    pthread_once(&proj_info_once, proj_info_read);
    const char *list = proj_info_path;
    size_t len = strlen(list);
    int n = 0;
    *buf = malloc(len + 1);
    if (*buf == NULL)
        return -1;
    memcpy(*buf, list, len + 1);
    for (char *save = NULL, *tok = strtok_r(*buf, ":", &save); tok && n < 16;
         tok = strtok_r(NULL, ":", &save))
        if (tok[0] == '/' && !(user && strcmp(tok, user) == 0))
            paths[n++] = tok;
    if (n == 0)
        paths[n++] = "/usr/share/proj";
    return n;
}

int rs_geo_proj_confine(PJ_CONTEXT *ctx)
{
    char *buf = NULL;
    const char *paths[16];
    int n = proj_dirs(ctx, &buf, paths);
    if (n < 0)
        return -1;
    proj_context_set_search_paths(ctx, n, paths);
    free(buf);
    proj_context_set_enable_network(ctx, 0);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends to the growing string *s (length *len, capacity *cap). */
static int append(char **s, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int append(char **s, size_t *len, size_t *cap, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(*s + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if (k < 0)
            return -1;
        if ((size_t)k < *cap - *len) {
            *len += (size_t)k;
            return 0;
        }
        char *t = realloc(*s, 2 * *cap + (size_t)k);
        if (t == NULL)
            return -1;
        *s = t;
        *cap = 2 * *cap + (size_t)k;
    }
}

char *rs_geo_proj_env(rs_geo *g)
{
    char *buf = NULL, *out = NULL;
    const char *paths[16];
    size_t len = 0, cap = 1024;
    int n = proj_dirs(g->proj, &buf, paths);
    if (n < 0 || (out = malloc(cap)) == NULL)
        goto fail;
    out[0] = '\0';
    if (append(&out, &len, &cap, "PROJ %s", proj_info_version) != 0)
        goto fail;
    for (int i = 0; i < n; i++) {
        DIR *dir = opendir(paths[i]);
        char **names = NULL;
        size_t nn = 0, ncap = 0;
        if (append(&out, &len, &cap, "\n%s%s", paths[i], dir ? ":" : " absent") != 0) {
            if (dir)
                closedir(dir);
            goto fail;
        }
        for (struct dirent *e; dir && (e = readdir(dir)) != NULL;) {
            if (e->d_name[0] == '.')
                continue;
            if (nn == ncap) {
                size_t c2 = ncap ? 2 * ncap : 64;
                char **t = realloc(names, c2 * sizeof *t);
                if (t == NULL)
                    break;
                names = t;
                ncap = c2;
            }
            if ((names[nn] = strdup(e->d_name)) != NULL)
                nn++;
        }
        if (dir)
            closedir(dir);
        qsort(names, nn, sizeof *names, cmp_str);
        int bad = 0;
        for (size_t k = 0; k < nn; k++) {
            char path[4096];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", paths[i], names[k]);
            if (!bad && stat(path, &st) == 0)
                bad = append(&out, &len, &cap, " %s %lld %lld.%09ld %llu", names[k],
                             (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                             st.st_mtim.tv_nsec, (unsigned long long)st.st_ino);
            free(names[k]);
        }
        free(names);
        if (bad)
            goto fail;
    }
    free(buf);
    return out;
fail:
    free(buf);
    free(out);
    rs_err_set(&g->err, RS_ENOMEM, "out of memory");
    return NULL;
}

rs_geo *rs_geo_new(void)
{
    rs_geo *g = calloc(1, sizeof *g);
    if (g == NULL)
        return NULL;
    g->geos = GEOS_init_r();
    g->proj = proj_context_create();
    if (g->geos == NULL || g->proj == NULL) {
        rs_geo_free(g);
        return NULL;
    }
    GEOSContext_setErrorMessageHandler_r(g->geos, geos_error_handler, g);
    GEOSContext_setNoticeMessageHandler_r(g->geos, geos_notice_handler, g);
    proj_log_func(g->proj, NULL, proj_log_silent);
    if (rs_geo_proj_confine(g->proj) != 0) {
        rs_geo_free(g);
        return NULL;
    }
    return g;
}

void rs_geo_free(rs_geo *g)
{
    if (g == NULL)
        return;
    if (g->geos)
        GEOS_finish_r(g->geos);
    if (g->proj)
        proj_context_destroy(g->proj);
    free(g);
}

rs_err *rs_geo_err(rs_geo *g) { return &g->err; }
GEOSContextHandle_t rs_geo_geos(rs_geo *g) { return g->geos; }
PJ_CONTEXT *rs_geo_proj(rs_geo *g) { return g->proj; }

int rs_geo_fail(rs_geo *g, int code, const char *what)
{
    if (g->geos_msg[0]) {
        rs_err_set(&g->err, code, "%s: %s", what, g->geos_msg);
        g->geos_msg[0] = '\0';
    } else {
        rs_err_set(&g->err, code, "%s failed", what);
    }
    return code;
}
