/*
 * geo.c — the spatial context (see geo.h).  The GEOS message handler writes
 * into a buffer owned by the context, so a GEOS failure is read back by the
 * caller that saw NULL / 2 / -1 and turned into one rs_err line.
 *
 * PROJ looks for its database and grid files only in the data folders of
 * its installation (or those PROJ_DATA names, when they are absolute), never
 * in the current folder or the user's PROJ folder, and never on the network:
 * a grid file lying in the folder a command runs from must not change the
 * transformation.
 */
#include "geo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rs_geo {
    GEOSContextHandle_t geos;
    PJ_CONTEXT *proj;
    rs_err err;
    char geos_msg[512];
};

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

int rs_geo_proj_confine(PJ_CONTEXT *ctx)
{
    /* PROJ's default list: the user's writable folder first, then PROJ_DATA
     * (when set) or the installation's data folder.  Keep the absolute
     * folders other than the user's; relative ones would mean the current
     * folder again. */
    const char *user = proj_context_get_user_writable_directory(ctx, 0);
    PJ_INFO info = proj_info();
    const char *list = info.searchpath ? info.searchpath : "";
    size_t len = strlen(list);
    char *buf = malloc(len + 1);
    const char *paths[16];
    int n = 0;
    if (buf == NULL)
        return -1;
    memcpy(buf, list, len + 1);
    for (char *save = NULL, *tok = strtok_r(buf, ":", &save); tok && n < 16;
         tok = strtok_r(NULL, ":", &save))
        if (tok[0] == '/' && !(user && strcmp(tok, user) == 0))
            paths[n++] = tok;
    if (n == 0)
        paths[n++] = "/usr/share/proj";
    proj_context_set_search_paths(ctx, n, paths);
    free(buf);
    proj_context_set_enable_network(ctx, 0);
    return 0;
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
