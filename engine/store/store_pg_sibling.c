/*
 * store_pg_sibling.c — a second connection to an open PostgreSQL
 * workspace (store.h: rs_store_pg_sibling), for short transactions that
 * must commit while the first connection's long one is still open (a load
 * makes the month partitions its pings need, and reads the stored pings it
 * compares against, without keeping a lock on the ping table).
 *
 * The parameters are the first connection's own (PQconninfo: what the URL
 * and libpq's PG* variables gave, a password too), so the sibling reaches
 * the same database as the same user whatever the URL left out.
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_pg_int.h"

static void close_sibling(void *conn) { PQfinish(conn); }

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

int rs_store_pg_sibling(rs_ctx *ctx, rs_ctx *out)
{
    rs_err *e = rs_ctx_err(out);
    PGconn *first = rs_pg_conn(ctx);
    if (first == NULL)
        return rs_err_set(e, RS_EUSAGE, "a second connection needs a PostgreSQL workspace");
    PQconninfoOption *opts = PQconninfo(first);
    if (opts == NULL)
        return rs_err_set(e, RS_ENOMEM, "out of memory");
    size_t n = 0;
    for (PQconninfoOption *o = opts; o->keyword; o++)
        n++;
    const char **keys = calloc(n + 1, sizeof *keys), **vals = calloc(n + 1, sizeof *vals);
    size_t k = 0;
    for (PQconninfoOption *o = opts; keys && vals && o->keyword; o++)
        if (o->val && o->val[0]) {
            keys[k] = o->keyword;
            vals[k++] = o->val;
        }
    PGconn *c = keys && vals ? PQconnectdbParams(keys, vals, 0) : NULL;
    free(keys);
    free(vals);
    PQconninfoFree(opts);
    rs_ctx_set_store_path(out, rs_ctx_store_path(ctx));
    if (c == NULL)
        return rs_err_set(e, RS_ENOMEM, "out of memory");
    if (PQstatus(c) != CONNECTION_OK) {
        rs_ctx_set_backend(out, c, close_sibling);
        return rs_pg_fail(out, NULL, "open a second connection to the workspace");
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    rs_ctx_set_backend(out, c, close_sibling);
    return rs_pg_exec(out,
                      "SET search_path = roadsafe, public; SET application_name = 'roadsafe'",
                      "configure the second connection");
}
