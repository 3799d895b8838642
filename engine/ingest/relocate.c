/*
 * relocate.c — re-assign districts after a district reload (see
 * relocate.h).  Every record is placed by the engine's own placer (never
 * by a server's spatial predicate), so both backends answer alike.
 *
 * SQLite: row tables are updated row by row through one prepared UPDATE;
 * ping chunks are decoded, re-located and written back whole.
 * PostgreSQL: each table is read through a cursor in batches (pings: one
 * row per distinct position), the keys of the records whose district
 * changes go by binary COPY into a temporary table, and one UPDATE ...
 * FROM per table writes them, so client memory stays one batch whatever
 * the size of the workspace, and the server does one pass per table.
 * Workload: once per district load; linear in the stored records.
 */
#include "relocate.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pings.h"
#include "place.h"
#include "store.h"
#include "testhook.h"

static int relocate_table(rs_ctx *ctx, rs_placer *pl, const char *select_sql,
                          const char *update_sql, int64_t *moved)
{
    sqlite3 *db = rs_ctx_db(ctx);
    sqlite3_stmt *sel = NULL, *upd = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(db, select_sql, -1, &sel, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, update_sql, -1, &upd, NULL) != SQLITE_OK) {
        rc = rs_store_fail(ctx, "relocate records");
        goto done;
    }
    int step;
    while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
        double e = sqlite3_column_double(sel, 1), n = sqlite3_column_double(sel, 2);
        int had = sqlite3_column_type(sel, 3) != SQLITE_NULL;
        int64_t old = had ? sqlite3_column_int64(sel, 3) : -1;
        int32_t d = rs_placer_bng(pl, e, n);
        if (d == old)
            continue;
        if (d >= 0)
            sqlite3_bind_int(upd, 1, d);
        else
            sqlite3_bind_null(upd, 1);
        sqlite3_bind_value(upd, 2, sqlite3_column_value(sel, 0));
        if (sqlite3_step(upd) != SQLITE_DONE) {
            rc = rs_store_fail(ctx, "relocate records");
            goto done;
        }
        sqlite3_reset(upd);
        (*moved)++;
    }
    if (step != SQLITE_DONE)
        rc = rs_store_fail(ctx, "relocate records");
done:
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return rc;
}

static int relocate_pings(rs_ctx *ctx, rs_placer *pl, int64_t *moved)
{
    sqlite3 *db = rs_ctx_db(ctx);
    sqlite3_stmt *sel = NULL, *upd = NULL;
    unsigned char *buf = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(db, "SELECT id, t_min, data FROM ping_chunk", -1, &sel, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE ping_chunk SET data = ?1 WHERE id = ?2", -1, &upd,
                           NULL) != SQLITE_OK) {
        rc = rs_store_fail(ctx, "relocate pings");
        goto done;
    }
    buf = malloc((size_t)RS_PING_CHUNK * RS_PING_BYTES);
    if (buf == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory relocating pings");
        goto done;
    }
    int step;
    while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
        int64_t t_min = sqlite3_column_int64(sel, 1);
        int bytes = sqlite3_column_bytes(sel, 2);
        const unsigned char *data = sqlite3_column_blob(sel, 2);
        if (bytes < 0 || bytes % RS_PING_BYTES != 0 ||
            bytes > RS_PING_CHUNK * RS_PING_BYTES) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_EINPUT,
                            "workspace %s: ping chunk %lld is damaged", rs_ctx_store_path(ctx),
                            (long long)sqlite3_column_int64(sel, 0));
            goto done;
        }
        memcpy(buf, data, (size_t)bytes);
        int changed = 0;
        for (int off = 0; off < bytes; off += RS_PING_BYTES) {
            rs_ping p;
            rs_ping_decode(buf + off, t_min, &p);
            int32_t d = rs_placer_bng(pl, p.e, p.n);
            if (d != p.district) {
                p.district = (int16_t)d;
                rs_ping_encode(&p, t_min, buf + off);
                changed = 1;
                (*moved)++;
            }
        }
        if (!changed)
            continue;
        sqlite3_bind_blob(upd, 1, buf, bytes, SQLITE_STATIC);
        sqlite3_bind_int64(upd, 2, sqlite3_column_int64(sel, 0));
        if (sqlite3_step(upd) != SQLITE_DONE) {
            rc = rs_store_fail(ctx, "relocate pings");
            goto done;
        }
        sqlite3_reset(upd);
    }
    if (step != SQLITE_DONE)
        rc = rs_store_fail(ctx, "relocate pings");
done:
    free(buf);
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return rc;
}

static int relocate_sqlite(rs_ctx *ctx, rs_placer *pl, int64_t *moved)
{
    int rc;
    if ((rc = relocate_table(ctx, pl, "SELECT detection_id, e, n, district_id FROM detection",
                             "UPDATE detection SET district_id = ?1 WHERE detection_id = ?2",
                             moved)) != 0 ||
        (rc = relocate_table(ctx, pl,
                             "SELECT collision_index, e, n, district_id FROM collision "
                             "WHERE e IS NOT NULL",
                             "UPDATE collision SET district_id = ?1 WHERE collision_index = ?2",
                             moved)) != 0 ||
        (rc = relocate_table(ctx, pl, "SELECT id, e, n, district_id FROM concern",
                             "UPDATE concern SET district_id = ?1 WHERE id = ?2", moved)) != 0)
        return rc;
    return relocate_pings(ctx, pl, moved);
}

/* ---- PostgreSQL ---------------------------------------------------------- */

#define PG_BATCH 10000

/* One table being re-located: its cursor's rows are (key, e, n, district)
 * or, for pings, (e, n, min district, max district). */
typedef struct {
    rs_ctx *ctx;
    rs_placer *pl;
    int int_key;          /* key is a bigint (else text) */
    int pings;            /* rows are distinct ping positions */
    const char *copy_sql; /* into the temporary table */
    rs_store_copy *copy;  /* open while a batch has changes */
    int64_t copied;       /* rows sent to the temporary table */
} pg_pass;

static int pg_batch(void *user, const rs_store_batch *b)
{
    pg_pass *p = user;
    int rc = 0;
    for (int r = 0, n = rs_store_batch_rows(b); r < n; r++) {
        int32_t d;
        if (p->pings) {
            d = rs_placer_bng(p->pl, (double)rs_store_batch_int(b, r, 0),
                              (double)rs_store_batch_int(b, r, 1));
            if (rs_store_batch_int(b, r, 2) == d && rs_store_batch_int(b, r, 3) == d)
                continue;
        } else {
            d = rs_placer_bng(p->pl, rs_store_batch_float8(b, r, 1),
                              rs_store_batch_float8(b, r, 2));
            int64_t old = rs_store_batch_isnull(b, r, 3) ? -1 : rs_store_batch_int(b, r, 3);
            if (d == old)
                continue;
        }
        if (p->copy == NULL && (rc = rs_store_copy_begin(p->ctx, p->copy_sql, &p->copy)) != 0)
            return rc;
        p->copied++;
        if (p->pings) {
            rs_copy_row(p->copy, 3);
            rs_copy_int4(p->copy, (int32_t)rs_store_batch_int(b, r, 0));
            rs_copy_int4(p->copy, (int32_t)rs_store_batch_int(b, r, 1));
            rs_copy_int4(p->copy, d);
        } else {
            rs_copy_row(p->copy, 2);
            if (p->int_key) {
                rs_copy_int8(p->copy, rs_store_batch_int(b, r, 0));
            } else {
                size_t len = 0;
                const void *k = rs_store_batch_bytes(b, r, 0, &len);
                rs_copy_bytes(p->copy, k, len);
            }
            if (d >= 0)
                rs_copy_int4(p->copy, d);
            else
                rs_copy_null(p->copy);
        }
    }
    /* the cursor's next FETCH needs the connection back */
    if (p->copy) {
        rc = rs_store_copy_end(p->ctx, p->copy, 1);
        p->copy = NULL;
    }
    return rc;
}

/* Re-locates one table: select_sql is the cursor's query, columns the
 * temporary table's, update_sql the UPDATE ... FROM pg_temp.rs_moved that
 * writes it back; *moved += the rows it changed. */
static int pg_relocate(rs_ctx *ctx, rs_placer *pl, int int_key, int pings,
                       const char *select_sql, const char *columns, const char *update_sql,
                       int64_t *moved)
{
    char create[160];
    snprintf(create, sizeof create, "CREATE TEMP TABLE rs_moved (%s) ON COMMIT DROP", columns);
    pg_pass p = {ctx, pl, int_key, pings, "COPY pg_temp.rs_moved FROM STDIN (FORMAT binary)",
                 NULL, 0};
    int64_t n = 0;
    int rc;
    if ((rc = rs_store_exec(ctx, create, "relocate records")) != 0 ||
        (rc = rs_store_cursor_batches(ctx, select_sql, PG_BATCH, pg_batch, &p)) != 0)
        goto done;
    /* statistics, so the join below is planned for the rows there are */
    if (p.copied > 0 &&
        ((rc = rs_store_exec(ctx, "ANALYZE pg_temp.rs_moved", "relocate records")) != 0 ||
         (rc = rs_store_exec_count(ctx, update_sql, "relocate records", &n)) != 0))
        goto done;
    if ((rc = rs_store_exec(ctx, "DROP TABLE pg_temp.rs_moved", "relocate records")) != 0)
        goto done;
    *moved += n;
done:
    if (p.copy)
        rs_store_copy_end(ctx, p.copy, 0);
    return rc;
}

static int relocate_pg(rs_ctx *ctx, rs_placer *pl, int64_t *moved)
{
    int rc;
    if ((rc = pg_relocate(ctx, pl, 0, 0,
                          "SELECT detection_id, e, n, district_id FROM roadsafe.detection",
                          "k text, d integer",
                          "UPDATE roadsafe.detection x SET district_id = m.d FROM "
                          "pg_temp.rs_moved m WHERE x.detection_id = m.k",
                          moved)) != 0 ||
        /* (a located collision without a northing reads as 0, as on SQLite) */
        (rc = pg_relocate(ctx, pl, 0, 0,
                          "SELECT collision_index, e, coalesce(n, 0), district_id FROM "
                          "roadsafe.collision WHERE e IS NOT NULL",
                          "k text, d integer",
                          "UPDATE roadsafe.collision x SET district_id = m.d FROM "
                          "pg_temp.rs_moved m WHERE x.collision_index = m.k",
                          moved)) != 0 ||
        (rc = pg_relocate(ctx, pl, 1, 0,
                          "SELECT id, e, n, district_id FROM roadsafe.concern",
                          "k bigint, d integer",
                          "UPDATE roadsafe.concern x SET district_id = m.d FROM "
                          "pg_temp.rs_moved m WHERE x.id = m.k",
                          moved)) != 0)
        return rc;
    /* pings: one placing per distinct position; its pings whose district
     * differs are updated (and counted, one each, as on SQLite) */
    return pg_relocate(ctx, pl, 0, 1,
                       "SELECT e, n, min(district_id), max(district_id) FROM roadsafe.ping "
                       "GROUP BY e, n",
                       "e integer, n integer, d integer",
                       "UPDATE roadsafe.ping x SET district_id = m.d FROM pg_temp.rs_moved m "
                       "WHERE x.e = m.e AND x.n = m.n AND x.district_id <> m.d",
                       moved);
}

int rs_relocate_all(rs_ctx *ctx, const rs_districts *d, int64_t *moved)
{
    rs_placer *pl = NULL;
    int64_t m = 0;
    int64_t set = 0;
    /* the caller has just replaced the districts (emptying the placer
     * cache): build the table and the locator grid now, once, and keep
     * them for every later ingest */
    int rc = rs_store_district_set(ctx, &set);
    if (rc != 0 || (rc = rs_placer_new_stored(ctx, d, set, &pl)) != 0 ||
        (rc = rs_placer_save(ctx, pl)) != 0) {
        rs_placer_free(pl);
        return rc;
    }
    rc = rs_store_backend(ctx) == RS_STORE_POSTGRESQL ? relocate_pg(ctx, pl, &m)
                                                      : relocate_sqlite(ctx, pl, &m);
    if (rc == 0) {
        /* everything is re-assigned, nothing committed: a kill here leaves
         * the old set and the old assignments */
        rs_test_pause("districts-relocated");
        if (moved)
            *moved = m;
    }
    rs_placer_free(pl);
    return rc;
}
