/*
 * ctx.h — the engine context: one per thread of work.  It owns the spatial
 * context (GEOS handle, PROJ context), the workspace connection (SQLite)
 * once one is opened, and the error record every call reports into.
 * Every engine function takes the context as its first argument.
 */
#ifndef RS_CTX_H
#define RS_CTX_H

#include "geo.h"
#include "rs_err.h"

typedef struct rs_ctx rs_ctx;
typedef struct sqlite3 sqlite3;

/* NULL only when memory or a library context cannot be had. */
rs_ctx *rs_ctx_new(void);
/* Closes the workspace (if open) and frees everything; accepts NULL. */
void rs_ctx_free(rs_ctx *ctx);

/* Borrowed pointers, valid while ctx lives. */
rs_err *rs_ctx_err(rs_ctx *ctx);
rs_geo *rs_ctx_geo(rs_ctx *ctx);
/* The open workspace connection, or NULL (see store.h). */
sqlite3 *rs_ctx_db(rs_ctx *ctx);
void rs_ctx_set_db(rs_ctx *ctx, sqlite3 *db);
/* The workspace path given to rs_store_open, or "" */
const char *rs_ctx_store_path(const rs_ctx *ctx);
void rs_ctx_set_store_path(rs_ctx *ctx, const char *path);
/* A workspace on another backend (store.h: PostgreSQL): the store's
 * connection, opaque here, and how to close it; rs_ctx_free closes it.
 * NULL when the workspace is an SQLite file or none is open. */
typedef void (*rs_backend_close_fn)(void *conn);
void *rs_ctx_backend(rs_ctx *ctx);
void rs_ctx_set_backend(rs_ctx *ctx, void *conn, rs_backend_close_fn close_fn);

/* Called once per wait, from inside a command, when it has waited a
 * second for another process's write transaction (path: the workspace),
 * so a person at a terminal knows why nothing happens.  NULL (the
 * default) says nothing.  rs_ctx_wait_notice calls it, if set. */
typedef void (*rs_wait_fn)(const char *path, void *user);
void rs_ctx_set_wait_notice(rs_ctx *ctx, rs_wait_fn fn, void *user);
void rs_ctx_wait_notice(rs_ctx *ctx);

#endif
