/*
 * store_pg_int.h — private to engine/store: the PostgreSQL backend of the
 * workspace (store_pg.c: connection, errors, transactions, meta;
 * store_pg_migrate.c: the schema; store_pg_districts.c: districts and the
 * placer cache).  store.c calls these when the context's workspace is a
 * PostgreSQL database (rs_ctx_backend is its PGconn).
 *
 * The workspace is the schema "roadsafe" of the database the URL names;
 * every connection has search_path roadsafe, public (PostGIS's types).
 */
#ifndef RS_STORE_PG_INT_H
#define RS_STORE_PG_INT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "district.h"

/* The open connection, or NULL when the workspace is not PostgreSQL. */
PGconn *rs_pg_conn(rs_ctx *ctx);

/* Connects to url (libpq's PG* variables fill what it leaves out) and
 * brings the schema up to date (RS_STORE_CREATE may create it; READONLY
 * never writes).  Same errors as rs_store_open. */
int rs_pg_open(rs_ctx *ctx, const char *url, int flags);

/* Records "what: server message (workspace URL)" from res (may be NULL:
 * the connection's message) and returns the RS_E code that fits its
 * SQLSTATE: RS_EBUSY for serialization failures, deadlocks and lock
 * timeouts, RS_EIO for a lost connection, RS_ERR otherwise.  Clears res. */
int rs_pg_fail(rs_ctx *ctx, PGresult *res, const char *what);

/* Runs SQL with no results (several statements allowed). */
int rs_pg_exec(rs_ctx *ctx, const char *sql, const char *what);
/* One integer from a query with no parameters; 0 when no row or NULL. */
int rs_pg_query_int(rs_ctx *ctx, const char *sql, int64_t *out);
/* store.h's rs_store_query_ints (out and null set by the caller). */
int rs_pg_query_ints(rs_ctx *ctx, const char *sql, int n, int64_t *out, int *null);

int rs_pg_begin(rs_ctx *ctx);
int rs_pg_commit(rs_ctx *ctx);
void rs_pg_rollback(rs_ctx *ctx);
/* 1 inside a transaction block. */
int rs_pg_in_transaction(rs_ctx *ctx);

int rs_pg_meta_set(rs_ctx *ctx, const char *key, const char *value);
int rs_pg_meta_get(rs_ctx *ctx, const char *key, char *buf, unsigned long size);

/* Schema version of the open database's workspace: 0 when it has none,
 * -1 on failure (error recorded). */
int rs_pg_schema_version(rs_ctx *ctx);
/* Applies the migrations the workspace lacks, each in its own transaction
 * under an advisory lock, so two processes initialising one database at
 * once migrate it once (store_pg_migrate.c). */
int rs_pg_migrate(rs_ctx *ctx, int create, int readonly);

int rs_pg_districts_replace(rs_ctx *ctx, const rs_districts *d, const char *source);
int rs_pg_districts_read(rs_ctx *ctx, rs_districts **out);
int rs_pg_cache_get(rs_ctx *ctx, const char *name, int64_t set, const char *key, void **data,
                    size_t *len);
int rs_pg_cache_put(rs_ctx *ctx, const char *name, int64_t set, const char *key,
                    const void *data, size_t len);

#endif
