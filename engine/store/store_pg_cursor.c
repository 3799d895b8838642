/*
 * store_pg_cursor.c — reading a big query of a PostgreSQL workspace in
 * batches through a server-side cursor, and counting what a statement
 * changed (store.h: rs_store_cursor_batches, rs_store_batch_*,
 * rs_store_exec_count).
 *
 * The cursor lives in the caller's transaction (DECLARE ... NO SCROLL
 * CURSOR, never WITH HOLD) and is read with FETCH in binary format, so
 * doubles arrive exactly as stored and nothing is parsed from text.  Each
 * batch is one complete PGresult: while the caller's function runs the
 * connection is free, so it may COPY or UPDATE between two FETCHes.
 * Memory: one batch at a time, whatever the size of the query.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_pg_int.h"

struct rs_store_batch {
    PGresult *res;
};

/* the bytes of (row, col) and their number (0 for NULL) */
static const unsigned char *field(const rs_store_batch *b, int row, int col, int *len)
{
    *len = PQgetlength(b->res, row, col);
    return (const unsigned char *)PQgetvalue(b->res, row, col);
}

static uint64_t be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = (v << 8) | p[i];
    return v;
}

int rs_store_batch_rows(const rs_store_batch *b) { return PQntuples(b->res); }

int rs_store_batch_isnull(const rs_store_batch *b, int row, int col)
{
    return PQgetisnull(b->res, row, col);
}

int64_t rs_store_batch_int(const rs_store_batch *b, int row, int col)
{
    int len;
    const unsigned char *p = field(b, row, col, &len);
    if (PQgetisnull(b->res, row, col))
        return 0;
    switch (len) {
    case 2:
        return (int16_t)be(p, 2);
    case 4:
        return (int32_t)be(p, 4);
    case 8:
        return (int64_t)be(p, 8);
    default:
        return 0;
    }
}

double rs_store_batch_float8(const rs_store_batch *b, int row, int col)
{
    int len;
    const unsigned char *p = field(b, row, col, &len);
    if (PQgetisnull(b->res, row, col) || len != 8)
        return 0;
    uint64_t u = be(p, 8);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

const void *rs_store_batch_bytes(const rs_store_batch *b, int row, int col, size_t *len)
{
    int n;
    const unsigned char *p = field(b, row, col, &n);
    *len = (size_t)n;
    return p;
}

/* Checks that every column of a batch has a binary layout the accessors
 * read (the caller's query decides the types; a wrong one is a bug of
 * the caller, but a message beats a wrong number). */
static int check_types(rs_ctx *ctx, PGresult *res)
{
    for (int c = 0; c < PQnfields(res); c++) {
        Oid t = PQftype(res, c);
        /* int2, int4, int8, float8, text, varchar, bytea */
        if (t != 21 && t != 23 && t != 20 && t != 701 && t != 25 && t != 1043 && t != 17)
            return rs_err_set(rs_ctx_err(ctx), RS_ERR,
                              "cursor column %d has a type (oid %u) it cannot read", c + 1,
                              (unsigned)t);
    }
    return 0;
}

int rs_store_cursor_batches(rs_ctx *ctx, const char *sql, int batch_rows, rs_store_batch_fn fn,
                            void *user)
{
    PGconn *conn = rs_pg_conn(ctx);
    if (conn == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "a cursor needs a PostgreSQL workspace");
    if (!rs_pg_in_transaction(ctx))
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "a cursor needs an open transaction");
    if (batch_rows < 1)
        batch_rows = 1;
    size_t len = strlen(sql) + 64;
    char *declare = malloc(len);
    if (declare == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    snprintf(declare, len, "DECLARE rs_cursor NO SCROLL CURSOR FOR %s", sql);
    int rc = rs_pg_exec(ctx, declare, "open a cursor");
    free(declare);
    if (rc != 0)
        return rc;
    char fetch[64];
    snprintf(fetch, sizeof fetch, "FETCH FORWARD %d FROM rs_cursor", batch_rows);
    for (;;) {
        PGresult *res = PQexecParams(conn, fetch, 0, NULL, NULL, NULL, NULL, 1);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            rc = rs_pg_fail(ctx, res, "read through a cursor");
            break;
        }
        if (PQntuples(res) == 0) {
            PQclear(res);
            break;
        }
        rs_store_batch b = {res};
        rc = check_types(ctx, res);
        if (rc == 0)
            rc = fn(user, &b);
        PQclear(res);
        if (rc != 0)
            break;
    }
    /* the cursor goes with the transaction anyway; closing it now frees
     * the name for the next one (an aborted transaction refuses: no matter) */
    if (rc == 0)
        rc = rs_pg_exec(ctx, "CLOSE rs_cursor", "close a cursor");
    else
        PQclear(PQexec(conn, "CLOSE rs_cursor"));
    return rc;
}

int rs_store_exec_count(rs_ctx *ctx, const char *sql, const char *what, int64_t *rows)
{
    *rows = 0;
    PGconn *conn = rs_pg_conn(ctx);
    if (conn == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "%s needs a PostgreSQL workspace", what);
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
        return rs_pg_fail(ctx, res, what);
    const char *n = PQcmdTuples(res);
    *rows = (n && *n) ? strtoll(n, NULL, 10) : 0;
    PQclear(res);
    return 0;
}
