/*
 * store_pg_snapshot.c — a PostgreSQL workspace read into a private SQLite
 * one (store.h: rs_store_snapshot), so that every analysis, table, map and
 * layer is made by the one engine from the same rows on both backends.
 *
 * One transaction, REPEATABLE READ READ ONLY: every table is read from the
 * same snapshot, a load committing meanwhile is wholly in it or wholly
 * out, and nothing waits for a load (MVCC readers take no lock a COPY
 * conflicts with).  Rows come by binary cursors, FETCH_ROWS at a time, so
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

/* PostgreSQL type oids (pg_type.dat) of the workspace's columns. */
enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23,
       OID_TEXT = 25, OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_VARCHAR = 1043 };

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

static uint64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Binds field f of row r (binary format) to parameter i of st. */
static int bind_field(sqlite3_stmt *st, int i, PGresult *res, int r, int f)
{
    if (PQgetisnull(res, r, f))
        return sqlite3_bind_null(st, i);
    const unsigned char *v = (const unsigned char *)PQgetvalue(res, r, f);
    int len = PQgetlength(res, r, f);
    switch (PQftype(res, f)) {
    case OID_BOOL: return sqlite3_bind_int(st, i, len == 1 && v[0] != 0);
    case OID_INT2: return sqlite3_bind_int(st, i, (int16_t)be(v, 2));
    case OID_INT4: return sqlite3_bind_int(st, i, (int32_t)be(v, 4));
    case OID_INT8: return sqlite3_bind_int64(st, i, (int64_t)be(v, 8));
    case OID_FLOAT4: {
        uint32_t u = (uint32_t)be(v, 4);
        float x;
        memcpy(&x, &u, sizeof x);
        return sqlite3_bind_double(st, i, x);
    }
    case OID_FLOAT8: {
        uint64_t u = be(v, 8);
        double x;
        memcpy(&x, &u, sizeof x);
        return sqlite3_bind_double(st, i, x);
    }
    case OID_BYTEA: return sqlite3_bind_blob(st, i, v, len, SQLITE_TRANSIENT);
    case OID_TEXT:
    case OID_VARCHAR: return sqlite3_bind_text(st, i, (const char *)v, len, SQLITE_TRANSIENT);
    default: return SQLITE_MISMATCH;
    }
}

/* A row visitor of fetch(): row r of res. */
typedef int (*row_fn)(void *user, PGresult *res, int r);

/* Runs select through a binary cursor, calling fn for each row. */
static int fetch(rs_ctx *pg, const char *select, const char *what, row_fn fn, void *user)
{
    PGconn *c = rs_pg_conn(pg);
    char *sql = malloc(strlen(select) + 64);
    if (sql == NULL)
        return rs_err_set(rs_ctx_err(pg), RS_ENOMEM, "out of memory");
    sprintf(sql, "DECLARE rs_snap NO SCROLL BINARY CURSOR FOR %s", select);
    int rc = rs_pg_exec(pg, sql, what);
    free(sql);
    if (rc != 0)
        return rc;
    for (;;) {
        char fetch_sql[48];
        snprintf(fetch_sql, sizeof fetch_sql, "FETCH %d FROM rs_snap", FETCH_ROWS);
        PGresult *res = PQexec(c, fetch_sql);
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            return rs_pg_fail(pg, res, what);
        int n = PQntuples(res);
        for (int r = 0; r < n && rc == 0; r++)
            rc = fn(user, res, r);
        PQclear(res);
        if (rc != 0 || n < FETCH_ROWS)
            break;
    }
    int rc2 = rs_pg_exec(pg, "CLOSE rs_snap", what);
    return rc ? rc : rc2;
}

typedef struct {
    rs_ctx *pg, *lite;
    sqlite3_stmt *ins;
    const char *table;
    int ncols;
    int skip_col; /* meta: the key column, whose 'schema_version' row stays behind */
} table_copy;

static int table_row(void *user, PGresult *res, int r)
{
    table_copy *t = user;
    if (t->skip_col >= 0 && !PQgetisnull(res, r, t->skip_col) &&
        strcmp(PQgetvalue(res, r, t->skip_col), "schema_version") == 0)
        return 0;
    for (int f = 0; f < t->ncols; f++)
        if (bind_field(t->ins, f + 1, res, r, f) != SQLITE_OK)
            return rs_err_set(rs_ctx_err(t->pg), RS_ERR,
                              "cannot read column %s of table %s from workspace %s (type %u)",
                              PQfname(res, f), t->table, rs_ctx_store_path(t->pg),
                              (unsigned)PQftype(res, f));
    int step = sqlite3_step(t->ins);
    sqlite3_reset(t->ins);
    if (step != SQLITE_DONE) {
        char what[128];
        snprintf(what, sizeof what, "copy table %s", t->table);
        rs_store_fail(t->lite, what);
        return rs_err_set(rs_ctx_err(t->pg), rs_ctx_err(t->lite)->code, "%s",
                          rs_ctx_err(t->lite)->msg);
    }
    return 0;
}

/* The columns of SQLite table name, comma-separated, and their count. */
static int lite_columns(rs_ctx *lite, const char *name, char *cols, size_t size, int *n)
{
    sqlite3_stmt *st = NULL;
    char sql[128];
    size_t o = 0;
    *n = 0;
    cols[0] = '\0';
    snprintf(sql, sizeof sql, "SELECT name FROM pragma_table_info('%s') ORDER BY cid", name);
    if (sqlite3_prepare_v2(rs_ctx_db(lite), sql, -1, &st, NULL) != SQLITE_OK)
        return rs_store_fail(lite, "read the schema");
    while (sqlite3_step(st) == SQLITE_ROW) {
        int w = snprintf(cols + o, size - o, "%s%s", o ? ", " : "",
                         (const char *)sqlite3_column_text(st, 0));
        if (w < 0 || (size_t)w >= size - o) {
            sqlite3_finalize(st);
            return rs_err_set(rs_ctx_err(lite), RS_ERR, "table %s has too many columns", name);
        }
        o += (size_t)w;
        (*n)++;
    }
    sqlite3_finalize(st);
    return 0;
}

static int copy_one(rs_ctx *pg, rs_ctx *lite, const char *name, const char *order)
{
    char cols[2048], sql[4096], what[96];
    int n = 0;
    int rc = lite_columns(lite, name, cols, sizeof cols, &n);
    if (rc != 0)
        return rs_err_set(rs_ctx_err(pg), rs_ctx_err(lite)->code, "%s", rs_ctx_err(lite)->msg);
    table_copy t = {pg, lite, NULL, name, n, strcmp(name, "meta") == 0 ? 0 : -1};
    /* the staging area's own meta rows (its workspace id) give way */
    snprintf(sql, sizeof sql, "INSERT %sINTO main.%s(%s) VALUES(", t.skip_col >= 0 ? "OR REPLACE " : "",
             name, cols);
    for (int i = 0; i < n; i++)
        strcat(sql, i ? ", ?" : "?");
    strcat(sql, ")");
    if (sqlite3_prepare_v2(rs_ctx_db(lite), sql, -1, &t.ins, NULL) != SQLITE_OK) {
        rs_store_fail(lite, "copy the workspace");
        return rs_err_set(rs_ctx_err(pg), rs_ctx_err(lite)->code, "%s", rs_ctx_err(lite)->msg);
    }
    snprintf(sql, sizeof sql, "SELECT %s FROM roadsafe.%s ORDER BY %s", cols, name, order);
    snprintf(what, sizeof what, "read table %s", name);
    rc = fetch(pg, sql, what, table_row, &t);
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
    int64_t lo = c->p[0].t, hi = c->p[0].t;
    for (size_t i = 1; i < c->n; i++) {
        lo = c->p[i].t < lo ? c->p[i].t : lo;
        hi = c->p[i].t > hi ? c->p[i].t : hi;
    }
    for (size_t i = 0; i < c->n; i++)
        rs_ping_encode(&c->p[i], lo, c->blob + i * RS_PING_BYTES);
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

static int ping_row(void *user, PGresult *res, int r)
{
    ping_copy *c = user;
    int64_t fid = (int64_t)be((const unsigned char *)PQgetvalue(res, r, 0), 8);
    const char *src = PQgetvalue(res, r, 1);
    if (fid != c->file_id || strcmp(src, c->source) != 0 || c->n == RS_PING_CHUNK) {
        int rc = flush_chunk(c);
        if (rc != 0)
            return rc;
        c->file_id = fid;
        snprintf(c->source, sizeof c->source, "%s", src);
    }
    rs_ping *p = &c->p[c->n++];
    p->t = (int64_t)be((const unsigned char *)PQgetvalue(res, r, 2), 8);
    p->e = (int32_t)be((const unsigned char *)PQgetvalue(res, r, 3), 4);
    p->n = (int32_t)be((const unsigned char *)PQgetvalue(res, r, 4), 4);
    p->speed = (uint16_t)be((const unsigned char *)PQgetvalue(res, r, 5), 4);
    p->limit = (uint8_t)be((const unsigned char *)PQgetvalue(res, r, 6), 2);
    p->district = (int16_t)be((const unsigned char *)PQgetvalue(res, r, 7), 2);
    p->vehicle = (uint16_t)be((const unsigned char *)PQgetvalue(res, r, 8), 4);
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
    int rc = fetch(pg,
                   "SELECT file_id, source, t, e, n, speed_cmph, limit_mph, district_id, vehicle "
                   "FROM roadsafe.ping ORDER BY file_id, seq",
                   "read the pings", ping_row, c);
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
