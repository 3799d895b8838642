/*
 * store_pg_snapshot.c — a PostgreSQL workspace read into a private SQLite
 * one (store.h: rs_store_snapshot), so that every analysis, table, map and
 * layer is made by the one engine from the same rows on both backends.
 *
 * One transaction, REPEATABLE READ READ ONLY: every table is read from the
 * same snapshot, a load committing meanwhile is wholly in it or wholly
 * out, and nothing waits for a load (MVCC readers take no lock a COPY
 * conflicts with).  Rows come by the store's binary cursor
 * (rs_store_cursor_batches), FETCH_ROWS at a time, so
 * memory stays bounded by one batch whatever the workspace holds; values
 * arrive as the server keeps them (a double's 8 bytes, not its text), so
 * the copy is exact.
 *
 * Each table is read in a fixed order: its key where it has one, so that
 * the copy's row order does not depend on where PostgreSQL keeps rows
 * (an UPDATE moves a row); pings by file and position in the file
 * (schema 7), packed into ping_chunk rows as an SQLite load packs them.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pings.h"
#include "store.h"
#include "store_int.h"
#include "store_pg_int.h"

#define FETCH_ROWS 8192

/* Every table of the SQLite schema but ping_chunk, in an order that
 * respects their references, with the order its rows are read in. */
static const struct {
    const char *table, *order;
} tables[] = {
    {"meta", "key"},
    {"district", "id"},
    {"placer_cache", "name"},
    {"ingest_file", "id"},
    {"reject", "file_id, line, col, reason"},
    {"fleet_vehicle", "id"},
    {"detection", "detection_id"},
    {"collision", "collision_index"},
    {"casualty", "collision_index, vehicle_ref, casualty_ref"},
    {"vehicle", "collision_index, vehicle_ref"},
    {"casualty_adjustment", "collision_index, vehicle_ref, casualty_ref"},
    {"concern", "id"},
    {"ksi_target", "id"},
    {"heat_layer", "name"},
    {"heat_cell", "layer, cell_j, cell_i"},
};
#define N_TABLES (sizeof tables / sizeof tables[0])

typedef struct {
    rs_ctx *pg, *lite;
    sqlite3_stmt *ins;
    const char *table;
    int ncols;
    const char *types; /* per column, from the SQLite schema: i integer, f real, t text, b blob */
    int is_meta;       /* the 'schema_version' row stays behind (SQLite keeps it elsewhere) */
} table_copy;

static int table_batch(void *user, const rs_store_batch *b)
{
    table_copy *t = user;
    sqlite3_stmt *st = t->ins;
    for (int r = 0; r < rs_store_batch_rows(b); r++) {
        size_t len;
        if (t->is_meta) {
            const void *key = rs_store_batch_bytes(b, r, 0, &len);
            if (len == 14 && memcmp(key, "schema_version", 14) == 0)
                continue;
        }
        for (int f = 0; f < t->ncols; f++) {
            if (rs_store_batch_isnull(b, r, f)) {
                sqlite3_bind_null(st, f + 1);
                continue;
            }
            switch (t->types[f]) {
            case 'i': sqlite3_bind_int64(st, f + 1, rs_store_batch_int(b, r, f)); break;
            case 'f': sqlite3_bind_double(st, f + 1, rs_store_batch_float8(b, r, f)); break;
            case 'b': {
                const void *v = rs_store_batch_bytes(b, r, f, &len);
                sqlite3_bind_blob(st, f + 1, v, (int)len, SQLITE_TRANSIENT);
                break;
            }
            default: {
                const void *v = rs_store_batch_bytes(b, r, f, &len);
                sqlite3_bind_text(st, f + 1, v, (int)len, SQLITE_TRANSIENT);
            }
            }
        }
        int step = sqlite3_step(st);
        sqlite3_reset(st);
        if (step != SQLITE_DONE) {
            char what[128];
            snprintf(what, sizeof what, "copy table %s", t->table);
            rs_store_fail(t->lite, what);
            return rs_err_set(rs_ctx_err(t->pg), rs_ctx_err(t->lite)->code, "%s",
                              rs_ctx_err(t->lite)->msg);
        }
    }
    return 0;
}

/* The columns of SQLite table name, comma-separated, their count and
 * their types (table_copy.types: one letter each, from the declared type). */
static int lite_columns(rs_ctx *lite, const char *name, char *cols, size_t size, char *types,
                        size_t tsize, int *n)
{
    sqlite3_stmt *st = NULL;
    char sql[128];
    size_t o = 0;
    *n = 0;
    cols[0] = '\0';
    snprintf(sql, sizeof sql, "SELECT name, type FROM pragma_table_info('%s') ORDER BY cid",
             name);
    if (sqlite3_prepare_v2(rs_ctx_db(lite), sql, -1, &st, NULL) != SQLITE_OK)
        return rs_store_fail(lite, "read the schema");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *ty = (const char *)sqlite3_column_text(st, 1);
        int w = snprintf(cols + o, size - o, "%s%s", o ? ", " : "",
                         (const char *)sqlite3_column_text(st, 0));
        if (w < 0 || (size_t)w >= size - o || (size_t)*n + 1 >= tsize) {
            sqlite3_finalize(st);
            return rs_err_set(rs_ctx_err(lite), RS_ERR, "table %s has too many columns", name);
        }
        o += (size_t)w;
        types[(*n)++] = strcmp(ty, "INTEGER") == 0 ? 'i'
                        : strcmp(ty, "REAL") == 0  ? 'f'
                        : strcmp(ty, "BLOB") == 0  ? 'b'
                                                   : 't';
        types[*n] = '\0';
    }
    sqlite3_finalize(st);
    return 0;
}

static int copy_one(rs_ctx *pg, rs_ctx *lite, const char *name, const char *order)
{
    char cols[2048], types[64], sql[4096];
    int n = 0;
    int rc = lite_columns(lite, name, cols, sizeof cols, types, sizeof types, &n);
    if (rc != 0)
        return rs_err_set(rs_ctx_err(pg), rs_ctx_err(lite)->code, "%s", rs_ctx_err(lite)->msg);
    table_copy t = {pg, lite, NULL, name, n, types, strcmp(name, "meta") == 0};
    /* the staging area's own meta rows (its workspace id) give way */
    snprintf(sql, sizeof sql, "INSERT %sINTO main.%s(%s) VALUES(", t.is_meta ? "OR REPLACE " : "",
             name, cols);
    for (int i = 0; i < n; i++)
        strcat(sql, i ? ", ?" : "?");
    strcat(sql, ")");
    if (sqlite3_prepare_v2(rs_ctx_db(lite), sql, -1, &t.ins, NULL) != SQLITE_OK) {
        rs_store_fail(lite, "copy the workspace");
        return rs_err_set(rs_ctx_err(pg), rs_ctx_err(lite)->code, "%s", rs_ctx_err(lite)->msg);
    }
    snprintf(sql, sizeof sql, "SELECT %s FROM roadsafe.%s ORDER BY %s", cols, name, order);
    rc = rs_store_cursor_batches(pg, sql, FETCH_ROWS, table_batch, &t);
    sqlite3_finalize(t.ins);
    return rc;
}

/* Pings of one file, gathered into chunks as a load writes them. */
typedef struct {
    rs_ctx *pg, *lite;
    sqlite3_stmt *ins;
    int64_t file_id;
    char source[16];
    rs_ping p[RS_PING_CHUNK];
    size_t n;
    unsigned char blob[(size_t)RS_PING_CHUNK * RS_PING_BYTES];
} ping_copy;

static int flush_chunk(ping_copy *c)
{
    if (c->n == 0)
        return 0;
    int64_t lo, hi;
    if (rs_ping_chunk_pack(c->p, c->n, c->blob, &lo, &hi) != 0)
        return rs_err_set(rs_ctx_err(c->pg), RS_ERR, "stored ping times span too long");
    sqlite3_stmt *st = c->ins;
    sqlite3_bind_int64(st, 1, c->file_id);
    sqlite3_bind_text(st, 2, c->source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)c->n);
    sqlite3_bind_int64(st, 4, lo);
    sqlite3_bind_int64(st, 5, hi);
    sqlite3_bind_blob(st, 6, c->blob, (int)(c->n * RS_PING_BYTES), SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    c->n = 0;
    if (step != SQLITE_DONE) {
        rs_store_fail(c->lite, "copy the pings");
        return rs_err_set(rs_ctx_err(c->pg), rs_ctx_err(c->lite)->code, "%s",
                          rs_ctx_err(c->lite)->msg);
    }
    return 0;
}

static int ping_batch(void *user, const rs_store_batch *b)
{
    ping_copy *c = user;
    for (int r = 0; r < rs_store_batch_rows(b); r++) {
        int64_t fid = rs_store_batch_int(b, r, 0);
        size_t len;
        const char *src = rs_store_batch_bytes(b, r, 1, &len);
        if (fid != c->file_id || len >= sizeof c->source || memcmp(src, c->source, len) != 0 ||
            c->source[len] != '\0' || c->n == RS_PING_CHUNK) {
            int rc = flush_chunk(c);
            if (rc != 0)
                return rc;
            c->file_id = fid;
            snprintf(c->source, sizeof c->source, "%.*s", (int)len, src);
        }
        rs_ping *p = &c->p[c->n++];
        p->t = rs_store_batch_int(b, r, 2);
        p->e = (int32_t)rs_store_batch_int(b, r, 3);
        p->n = (int32_t)rs_store_batch_int(b, r, 4);
        p->speed = (uint16_t)rs_store_batch_int(b, r, 5);
        p->limit = (uint8_t)rs_store_batch_int(b, r, 6);
        p->district = (int16_t)rs_store_batch_int(b, r, 7);
        p->vehicle = (uint16_t)rs_store_batch_int(b, r, 8);
    }
    return 0;
}

static int copy_pings(rs_ctx *pg, rs_ctx *lite)
{
    ping_copy *c = calloc(1, sizeof *c);
    if (c == NULL)
        return rs_err_set(rs_ctx_err(pg), RS_ENOMEM, "out of memory");
    c->pg = pg;
    c->lite = lite;
    c->file_id = -1;
    if (sqlite3_prepare_v2(rs_ctx_db(lite),
                           "INSERT INTO ping_chunk(file_id, source, n, t_min, t_max, data) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &c->ins, NULL) != SQLITE_OK) {
        rs_store_fail(lite, "copy the pings");
        int rc = rs_err_set(rs_ctx_err(pg), rs_ctx_err(lite)->code, "%s", rs_ctx_err(lite)->msg);
        free(c);
        return rc;
    }
    int rc = rs_store_cursor_batches(pg,
                                     "SELECT file_id, source, t, e, n, speed_cmph, limit_mph, "
                                     "district_id, vehicle FROM roadsafe.ping ORDER BY file_id, seq",
                                     FETCH_ROWS, ping_batch, c);
    if (rc == 0)
        rc = flush_chunk(c);
    sqlite3_finalize(c->ins);
    free(c);
    return rc;
}

/* Fails when the SQLite schema has a table this copy does not know, so a
 * new table cannot be silently left out of the analyses on PostgreSQL. */
static int check_tables(rs_ctx *pg, rs_ctx *lite)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(rs_ctx_db(lite),
                           "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                           "LIKE 'sqlite_%' AND name <> 'ping_chunk'",
                           -1, &st, NULL) != SQLITE_OK)
        return rs_store_fail(lite, "read the schema");
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        size_t i = 0;
        while (i < N_TABLES && strcmp(tables[i].table, name) != 0)
            i++;
        if (i == N_TABLES)
            rc = rs_err_set(rs_ctx_err(pg), RS_ERR,
                            "table %s is not read from a PostgreSQL workspace "
                            "(store_pg_snapshot.c)",
                            name);
    }
    sqlite3_finalize(st);
    return rc;
}

int rs_store_snapshot(rs_ctx *pg, rs_ctx *lite, int with_pings)
{
    if (rs_pg_conn(pg) == NULL || rs_ctx_db(lite) == NULL)
        return rs_err_set(rs_ctx_err(pg), RS_EUSAGE,
                          "a snapshot is read from a PostgreSQL workspace into a staging area");
    int rc = check_tables(pg, lite);
    if (rc != 0)
        return rc;
    if ((rc = rs_pg_exec(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                         "read the workspace")) != 0)
        return rc;
    if ((rc = rs_store_begin(lite)) != 0) {
        rs_pg_rollback(pg);
        return rs_err_set(rs_ctx_err(pg), rs_ctx_err(lite)->code, "%s", rs_ctx_err(lite)->msg);
    }
    for (size_t i = 0; rc == 0 && i < N_TABLES; i++)
        rc = copy_one(pg, lite, tables[i].table, tables[i].order);
    if (rc == 0 && with_pings)
        rc = copy_pings(pg, lite);
    rs_pg_rollback(pg); /* read only: nothing to keep */
    if (rc == 0 && (rc = rs_store_commit(lite)) != 0)
        return rs_err_set(rs_ctx_err(pg), rs_ctx_err(lite)->code, "%s", rs_ctx_err(lite)->msg);
    if (rc != 0)
        rs_store_rollback(lite);
    return rc;
}
