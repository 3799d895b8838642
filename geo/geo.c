/*
 * geo.c — the spatial context (see geo.h).  The GEOS message handler writes
 * into a buffer owned by the context, so a GEOS failure is read back by the
 * caller that saw NULL / 2 / -1 and turned into one rs_err line.
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
