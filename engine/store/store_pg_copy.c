/*
 * store_pg_copy.c — bulk rows in and out of a PostgreSQL workspace
 * (store.h: rs_store_copy_*, rs_store_query_rows, rs_store_query_int_args).
 *
 * COPY ... FROM STDIN (FORMAT binary): the 19-byte signature and header,
 * then per row a 16-bit field count and per field a 32-bit length (-1 for
 * NULL) and the value in network byte order, then -1 as the trailer.  Rows
 * are gathered in a 256 KiB buffer and handed to libpq a buffer at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_pg_int.h"

#define COPY_BUF (256 * 1024)

struct rs_store_copy {
    PGconn *conn;
    unsigned char *buf;
    size_t len;
    int failed; /* PQputCopyData refused: the server's message comes at the end */
};

static void flush(rs_store_copy *c)
{
    if (c->len && !c->failed && PQputCopyData(c->conn, (const char *)c->buf, (int)c->len) != 1)
        c->failed = 1;
    c->len = 0;
}

static void put(rs_store_copy *c, const void *p, size_t n)
{
    if (c->len + n > COPY_BUF)
        flush(c);
    if (n > COPY_BUF) {
        if (!c->failed && PQputCopyData(c->conn, p, (int)n) != 1)
            c->failed = 1;
        return;
    }
    memcpy(c->buf + c->len, p, n);
    c->len += n;
}

static void put_be(rs_store_copy *c, uint64_t v, int bytes)
{
    unsigned char b[8];
    for (int i = 0; i < bytes; i++)
        b[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
    put(c, b, (size_t)bytes);
}

int rs_store_copy_begin(rs_ctx *ctx, const char *copy_sql, rs_store_copy **out)
{
    *out = NULL;
    PGconn *conn = rs_pg_conn(ctx);
    if (conn == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "COPY needs a PostgreSQL workspace");
    rs_store_copy *c = calloc(1, sizeof *c);
    unsigned char *buf = malloc(COPY_BUF);
    if (c == NULL || buf == NULL) {
        free(c);
        free(buf);
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    }
    PGresult *res = PQexec(conn, copy_sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        free(c);
        free(buf);
        return rs_pg_fail(ctx, res, "start a bulk load");
    }
    PQclear(res);
    c->conn = conn;
    c->buf = buf;
    static const unsigned char sig[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0};
    put(c, sig, sizeof sig);
    put_be(c, 0, 4); /* flags */
    put_be(c, 0, 4); /* header extension length */
    *out = c;
    return 0;
}

void rs_copy_row(rs_store_copy *c, int nfields) { put_be(c, (uint16_t)nfields, 2); }
void rs_copy_null(rs_store_copy *c) { put_be(c, 0xffffffffu, 4); }
void rs_copy_int8(rs_store_copy *c, int64_t v)
{
    put_be(c, 8, 4);
    put_be(c, (uint64_t)v, 8);
}
void rs_copy_int4(rs_store_copy *c, int32_t v)
{
    put_be(c, 4, 4);
    put_be(c, (uint32_t)v, 4);
}
void rs_copy_int2(rs_store_copy *c, int16_t v)
{
    put_be(c, 2, 4);
    put_be(c, (uint16_t)v, 2);
}
void rs_copy_float8(rs_store_copy *c, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    put_be(c, 8, 4);
    put_be(c, u, 8);
}
void rs_copy_bytes(rs_store_copy *c, const void *p, size_t n)
{
    put_be(c, (uint32_t)n, 4);
    put(c, p, n);
}

int rs_store_copy_end(rs_ctx *ctx, rs_store_copy *c, int ok)
{
    if (c == NULL)
        return 0;
    PGconn *conn = c->conn;
    if (ok) {
        put_be(c, 0xffff, 2); /* trailer */
        flush(c);
    }
    int failed = c->failed;
    free(c->buf);
    free(c);
    /* a refusal of ours (ok = 0) aborts the COPY: the server rolls it back */
    if (PQputCopyEnd(conn, ok && !failed ? NULL : "abandoned by roadsafe") != 1)
        return rs_pg_fail(ctx, NULL, "finish a bulk load");
    int rc = 0;
    PGresult *res;
    while ((res = PQgetResult(conn)) != NULL) {
        if (rc == 0 && ok && PQresultStatus(res) != PGRES_COMMAND_OK) {
            rc = rs_pg_fail(ctx, res, "bulk load");
            continue;
        }
        PQclear(res);
    }
    return ok ? rc : RS_ERR;
}

int rs_store_query_rows(rs_ctx *ctx, const char *sql, rs_store_row_fn fn, void *user)
{
    PGconn *conn = rs_pg_conn(ctx);
    if (conn == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "needs a PostgreSQL workspace");
    if (!PQsendQuery(conn, sql) || !PQsetSingleRowMode(conn))
        return rs_pg_fail(ctx, NULL, "query");
    int rc = 0;
    PGresult *res;
    while ((res = PQgetResult(conn)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE && rc == 0) {
            int n = PQnfields(res);
            const char *vals[16];
            int lens[16];
            if (n > 16)
                n = 16;
            for (int i = 0; i < n; i++) {
                vals[i] = PQgetisnull(res, 0, i) ? NULL : PQgetvalue(res, 0, i);
                lens[i] = PQgetlength(res, 0, i);
            }
            rc = fn(user, n, vals, lens);
        } else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && rc == 0) {
            rc = rs_pg_fail(ctx, res, "query");
            continue;
        }
        PQclear(res);
    }
    return rc;
}

int rs_store_query_int_args(rs_ctx *ctx, const char *sql, int n, const char *const *args,
                            int64_t *out)
{
    *out = 0;
    PGresult *res = PQexecParams(rs_pg_conn(ctx), sql, n, NULL, args, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
        return rs_pg_fail(ctx, res, "query");
    if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        *out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}
