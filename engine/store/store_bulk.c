/*
 * store_bulk.c — setting a table's secondary indexes aside for a big load
 * (see store.h: rs_store_indexes_drop).
 *
 * A big file inserted row by row into a table whose index is keyed at
 * random (a detection's vehicle hash) touches a random page of that index
 * per row; once the index outgrows the page cache every row reads and
 * writes a page.  Building the index afterwards sorts the rows once
 * instead.  The indexes are dropped and re-created inside the caller's
 * write transaction, from the very SQL text sqlite_schema held, so the
 * committed schema is the same as before (the schema check compares it
 * with the migrations), and a load that fails rolls the drop back too.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "threads.h"

#define MAX_INDEXES 16

struct rs_store_indexes {
    int n;
    char *name[MAX_INDEXES];
    char *sql[MAX_INDEXES];
};

void rs_store_indexes_free(rs_store_indexes *x)
{
    if (x == NULL)
        return;
    for (int i = 0; i < x->n; i++) {
        free(x->name[i]);
        free(x->sql[i]);
    }
    free(x);
}

int rs_store_indexes_drop(rs_ctx *ctx, const char *table, rs_store_indexes **out)
{
    sqlite3 *db = rs_ctx_db(ctx);
    sqlite3_stmt *st = NULL;
    int rc = 0, step;
    *out = NULL;
    rs_store_indexes *x = calloc(1, sizeof *x);
    if (x == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    /* sql is NULL for the indexes SQLite makes itself (PRIMARY KEY, UNIQUE) */
    if (sqlite3_prepare_v2(db,
                           "SELECT name, sql FROM main.sqlite_schema WHERE type = 'index' AND "
                           "tbl_name = ?1 AND sql IS NOT NULL ORDER BY rowid",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = rs_store_fail(ctx, "list a table's indexes");
        goto fail;
    }
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (x->n == MAX_INDEXES) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_ERR, "internal error: too many indexes on %s",
                            table);
            goto fail;
        }
        x->name[x->n] = strdup(rs_store_text(st, 0));
        x->sql[x->n] = strdup(rs_store_text(st, 1));
        if (x->name[x->n] == NULL || x->sql[x->n] == NULL) {
            x->n++;
            rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
            goto fail;
        }
        x->n++;
    }
    if (step != SQLITE_DONE) {
        rc = rs_store_fail(ctx, "list a table's indexes");
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    for (int i = 0; i < x->n; i++) {
        char *sql = sqlite3_mprintf("DROP INDEX main.\"%w\"", x->name[i]);
        if (sql == NULL) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
            goto fail;
        }
        rc = rs_store_exec(ctx, sql, "set an index aside for a big load");
        sqlite3_free(sql);
        if (rc != 0)
            goto fail;
    }
    *out = x;
    return 0;
fail:
    sqlite3_finalize(st);
    rs_store_indexes_free(x);
    return rc;
}

int rs_store_indexes_restore(rs_ctx *ctx, rs_store_indexes *x)
{
    int rc = 0;
    /* SQLite's sorter may sort the index's runs on helper threads besides
     * this one: one per further core, none with ROADSAFE_THREADS=1.  The
     * vehicle index of 2 million detections took 3.6-4.1 s with none and
     * 2.5-2.7 s with one, on two cores.  No helpers again afterwards. */
    char threads[40];
    snprintf(threads, sizeof threads, "PRAGMA threads=%d", rs_thread_count(8) - 1);
    if (x && x->n > 0)
        rc = rs_store_exec(ctx, threads, "let an index build use every core");
    for (int i = 0; x && i < x->n && rc == 0; i++)
        rc = rs_store_exec(ctx, x->sql[i], "rebuild an index after a big load");
    if (x && x->n > 0 && rc == 0)
        rc = rs_store_exec(ctx, "PRAGMA threads=0", "end the index build's helper threads");
    rs_store_indexes_free(x);
    return rc;
}
