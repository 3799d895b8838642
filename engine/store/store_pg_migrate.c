/*
 * store_pg_migrate.c — the PostgreSQL workspace's schema: migrations
 * data/schema_pg/NNNN_*.sql (compiled in, schema_pg_sql.h), migration i
 * (0-based) taking the workspace from version i to i+1, exactly as the
 * SQLite migrations do, so that one version number means one schema on
 * both backends.  The version is meta 'schema_version'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_pg_sql.h"
#include "schema_sql.h"
#include "store.h"
#include "store_pg_int.h"

#define N_PG ((int)(sizeof rs_schema_pg_migrations / sizeof rs_schema_pg_migrations[0]))

/* A migration on one backend is a migration on the other. */
_Static_assert(sizeof rs_schema_pg_migrations == sizeof rs_schema_migrations,
               "data/schema_pg must hold one migration per data/schema migration");

/* The lock that makes migrating one database a one-at-a-time affair. */
#define RS_PG_MIGRATE_LOCK "SELECT pg_advisory_xact_lock(1381188934)" /* "RSAF" */

int rs_pg_schema_version(rs_ctx *ctx)
{
    int64_t have = 0, v = 0;
    if (rs_pg_query_int(ctx, "SELECT (to_regclass('roadsafe.meta') IS NOT NULL)::int", &have) !=
        0)
        return -1;
    if (!have)
        return 0;
    if (rs_pg_query_int(ctx,
                        "SELECT value::bigint FROM roadsafe.meta WHERE key = 'schema_version'",
                        &v) != 0)
        return -1;
    return (int)v;
}

static int version_error(rs_ctx *ctx, int v, int readonly)
{
    const char *ws = rs_ctx_store_path(ctx);
    if (v > N_PG)
        return rs_err_set(rs_ctx_err(ctx), RS_EVERSION,
                          "workspace %s has schema version %d, newer than this roadsafe "
                          "understands (%d); use a newer roadsafe",
                          ws, v, N_PG);
    if (readonly)
        return rs_err_set(rs_ctx_err(ctx), RS_EVERSION,
                          "workspace %s has schema version %d and needs upgrading to %d; "
                          "run 'roadsafe init' on it once (as its loader)",
                          ws, v, N_PG);
    return 0;
}

int rs_pg_migrate(rs_ctx *ctx, int create, int readonly)
{
    const char *ws = rs_ctx_store_path(ctx);
    int v = rs_pg_schema_version(ctx);
    if (v < 0)
        return rs_ctx_err(ctx)->code ? rs_ctx_err(ctx)->code : RS_ERR;
    if (v == 0 && !create)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOTFOUND,
                          "no workspace in database %s; create one with 'roadsafe init'", ws);
    if (v == N_PG)
        return 0;
    if (version_error(ctx, v, readonly) != 0)
        return rs_ctx_err(ctx)->code;
    for (;;) {
        int rc = rs_pg_begin(ctx);
        if (rc == 0)
            rc = rs_pg_exec(ctx, RS_PG_MIGRATE_LOCK, "lock the workspace for migration");
        if (rc != 0)
            return rc;
        v = rs_pg_schema_version(ctx); /* again, under the lock */
        if (v < 0 || v == N_PG || version_error(ctx, v, 0) != 0) {
            rs_pg_rollback(ctx);
            return v < 0 || v > N_PG ? rs_ctx_err(ctx)->code : 0;
        }
        if (v == 0) {
            int64_t other = 0;
            if (rs_pg_query_int(ctx, "SELECT count(*) FROM pg_class c JOIN pg_namespace s ON "
                                     "s.oid = c.relnamespace WHERE s.nspname = 'roadsafe'",
                                &other) != 0) {
                rs_pg_rollback(ctx);
                return rs_ctx_err(ctx)->code;
            }
            if (other > 0) {
                rs_pg_rollback(ctx);
                return rs_err_set(rs_ctx_err(ctx), RS_EINPUT,
                                  "database %s has a schema 'roadsafe' that is not a roadsafe "
                                  "workspace; nothing was changed",
                                  ws);
            }
        }
        char set[160];
        snprintf(set, sizeof set,
                 "INSERT INTO roadsafe.meta(key, value) VALUES('schema_version', '%d') "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 v + 1);
        if (rs_pg_exec(ctx, rs_schema_pg_migrations[v], "schema migration") != 0 ||
            rs_pg_exec(ctx, set, "schema version") != 0 || rs_pg_commit(ctx) != 0) {
            rs_pg_rollback(ctx);
            return rs_ctx_err(ctx)->code ? rs_ctx_err(ctx)->code : RS_ERR;
        }
    }
}
