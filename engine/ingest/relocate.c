/*
 * relocate.c — re-assign districts after a district reload (see
 * relocate.h).  Row tables are updated row by row through one prepared
 * UPDATE; ping chunks are decoded, re-located and written back whole.
 * Workload: once per district load; linear in the stored records.
 */
#include "relocate.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "pings.h"
#include "place.h"
#include "store.h"

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
    if (rs_store_backend(ctx) == RS_STORE_POSTGRESQL) {
        /* re-assigning stored records is not yet ported to PostgreSQL: a
         * district set replaces another only while nothing is placed */
        int any = 0;
        if ((rc = rs_store_has_placed_records(ctx, &any)) == 0 && any)
            rc = rs_err_set(rs_ctx_err(ctx), RS_EUSAGE,
                            "workspace %s already holds records placed in districts, and "
                            "re-assigning them to a new district set is not yet available on "
                            "a PostgreSQL workspace; nothing was changed",
                            rs_ctx_store_path(ctx));
        if (rc == 0 && moved)
            *moved = 0;
        goto done;
    }
    if ((rc = relocate_table(ctx, pl,
                             "SELECT detection_id, e, n, district_id FROM detection",
                             "UPDATE detection SET district_id = ?1 WHERE detection_id = ?2",
                             &m)) != 0 ||
        (rc = relocate_table(ctx, pl,
                             "SELECT collision_index, e, n, district_id FROM collision "
                             "WHERE e IS NOT NULL",
                             "UPDATE collision SET district_id = ?1 WHERE collision_index = ?2",
                             &m)) != 0 ||
        (rc = relocate_table(ctx, pl, "SELECT id, e, n, district_id FROM concern",
                             "UPDATE concern SET district_id = ?1 WHERE id = ?2", &m)) != 0 ||
        (rc = relocate_pings(ctx, pl, &m)) != 0)
        goto done;
    if (moved)
        *moved = m;
done:
    rs_placer_free(pl);
    return rc;
}
