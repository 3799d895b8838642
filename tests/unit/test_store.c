/*
 * test_store.c — the workspace: creation, migrations, refusals.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "store.h"

static void path_in(char *buf, size_t size, const char *dir, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

int main(void)
{
    const char *dir = check_tmpdir("test_store");
    char path[1200];
    rs_ctx *ctx = rs_ctx_new();
    CHECK(ctx != NULL);

    /* missing workspace without CREATE */
    path_in(path, sizeof path, dir, "absent.db");
    CHECK_EQ_INT(rs_store_open(ctx, path, 0), RS_ENOTFOUND);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "roadsafe init");
    rs_err_clear(rs_ctx_err(ctx));

    /* create: schema at the built version, WAL, foreign keys on */
    path_in(path, sizeof path, dir, "ws.db");
    CHECK_EQ_INT(rs_store_open(ctx, path, RS_STORE_CREATE), 0);
    CHECK_EQ_INT(rs_store_schema_version(ctx), rs_store_schema_version_built());
    CHECK(rs_store_schema_version_built() >= 1);
    int64_t v = 0;
    CHECK_EQ_INT(rs_store_query_int(ctx, "PRAGMA foreign_keys", &v), 0);
    CHECK_EQ_INT(v, 1);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(rs_ctx_db(ctx), "PRAGMA journal_mode", -1, &st, NULL);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    CHECK_EQ_INT(rs_store_meta_set(ctx, "k", "v1"), 0);
    CHECK_EQ_INT(rs_store_meta_set(ctx, "k", "v2"), 0);
    char buf[32];
    CHECK_EQ_INT(rs_store_meta_get(ctx, "k", buf, sizeof buf), 0);
    CHECK_STR(buf, "v2");
    CHECK_EQ_INT(rs_store_meta_get(ctx, "nope", buf, sizeof buf), RS_ENOTFOUND);
    rs_districts *d = (rs_districts *)1;
    CHECK_EQ_INT(rs_store_districts_read(ctx, &d), 0);
    CHECK(d == NULL);
    rs_store_close(ctx);

    /* reopening is idempotent */
    CHECK_EQ_INT(rs_store_open(ctx, path, 0), 0);
    CHECK_EQ_INT(rs_store_schema_version(ctx), rs_store_schema_version_built());
    /* a workspace from a newer roadsafe is refused */
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", rs_store_schema_version_built() + 1);
    CHECK_EQ_INT(rs_store_exec(ctx, sql, "bump"), 0);
    rs_store_close(ctx);
    CHECK_EQ_INT(rs_store_open(ctx, path, 0), RS_EVERSION);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "newer than this roadsafe");
    rs_err_clear(rs_ctx_err(ctx));

    /* another SQLite database is not a workspace */
    path_in(path, sizeof path, dir, "other.db");
    sqlite3 *db = NULL;
    sqlite3_open(path, &db);
    sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK_EQ_INT(rs_store_open(ctx, path, 0), RS_EINPUT);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "not a roadsafe workspace");
    rs_err_clear(rs_ctx_err(ctx));

    /* a file that is not SQLite at all */
    path_in(path, sizeof path, dir, "junk.db");
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 200; i++)
        fputs("this is not a database file\n", f);
    fclose(f);
    CHECK(rs_store_open(ctx, path, 0) == RS_EINPUT);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "not a roadsafe workspace");
    rs_err_clear(rs_ctx_err(ctx));

    /* a workspace emptied (truncated to 0 bytes) or an empty SQLite file is
     * refused, never silently started afresh, for reading or writing; only
     * CREATE (roadsafe init) makes a workspace of it */
    path_in(path, sizeof path, dir, "emptied.db");
    fclose(fopen(path, "w"));
    for (int flags = 0; flags <= RS_STORE_READONLY; flags += RS_STORE_READONLY) {
        CHECK_EQ_INT(rs_store_open(ctx, path, flags), RS_EINPUT);
        CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "not a roadsafe workspace");
        CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "roadsafe init");
        rs_err_clear(rs_ctx_err(ctx));
    }
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && sb.st_size == 0);
    path_in(path, sizeof path, dir, "empty_sqlite.db");
    sqlite3_open(path, &db);
    sqlite3_exec(db, "PRAGMA user_version = 0; VACUUM", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK_EQ_INT(rs_store_open(ctx, path, 0), RS_EINPUT);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "not a roadsafe workspace");
    rs_err_clear(rs_ctx_err(ctx));
    CHECK_EQ_INT(rs_store_open(ctx, path, RS_STORE_CREATE), 0);
    CHECK_EQ_INT(rs_store_schema_version(ctx), rs_store_schema_version_built());
    rs_store_close(ctx);

    rs_ctx_free(ctx);
    return check_done();
}
