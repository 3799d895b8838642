/*
 * ctx.c — the engine context (see ctx.h).
 */
#include "ctx.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "atomic.h"

struct rs_ctx {
    rs_geo *geo;
    sqlite3 *db;
    char store_path[1024];
    rs_wait_fn wait_fn;
    void *wait_user;
    void *backend;
    rs_backend_close_fn backend_close;
};

rs_ctx *rs_ctx_new(void)
{
    rs_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return NULL;
    ctx->geo = rs_geo_new();
    if (ctx->geo == NULL) {
        free(ctx);
        return NULL;
    }
    /* geo's layer and raster writers join the atomic sets and clean-up */
    rs_geo_set_file_hook(ctx->geo, rs_atomic_track);
    return ctx;
}

void rs_ctx_free(rs_ctx *ctx)
{
    if (ctx == NULL)
        return;
    if (ctx->db)
        sqlite3_close_v2(ctx->db);
    if (ctx->backend && ctx->backend_close)
        ctx->backend_close(ctx->backend);
    rs_geo_free(ctx->geo);
    free(ctx);
}

rs_err *rs_ctx_err(rs_ctx *ctx) { return rs_geo_err(ctx->geo); }
rs_geo *rs_ctx_geo(rs_ctx *ctx) { return ctx->geo; }
sqlite3 *rs_ctx_db(rs_ctx *ctx) { return ctx->db; }
void rs_ctx_set_db(rs_ctx *ctx, sqlite3 *db) { ctx->db = db; }
const char *rs_ctx_store_path(const rs_ctx *ctx) { return ctx->store_path; }
void rs_ctx_set_store_path(rs_ctx *ctx, const char *path)
{
    snprintf(ctx->store_path, sizeof ctx->store_path, "%s", path ? path : "");
}

void *rs_ctx_backend(rs_ctx *ctx) { return ctx->backend; }
void rs_ctx_set_backend(rs_ctx *ctx, void *conn, rs_backend_close_fn close_fn)
{
    ctx->backend = conn;
    ctx->backend_close = close_fn;
}

void rs_ctx_set_wait_notice(rs_ctx *ctx, rs_wait_fn fn, void *user)
{
    ctx->wait_fn = fn;
    ctx->wait_user = user;
}

void rs_ctx_wait_notice(rs_ctx *ctx)
{
    if (ctx->wait_fn != NULL)
        ctx->wait_fn(ctx->store_path, ctx->wait_user);
}
