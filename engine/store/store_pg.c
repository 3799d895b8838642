/*
 * store_pg.c — the workspace on PostgreSQL: connecting, errors,
 * transactions, meta (see store_pg_int.h and store.h).
 *
 * Workload: one connection per command; statements are few and small
 * (bulk rows go by COPY in the loaders), so nothing here is prepared.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_pg_int.h"

PGconn *rs_pg_conn(rs_ctx *ctx)
{
    return rs_ctx_backend(ctx);
}

int rs_store_is_pg_url(const char *s)
{
    return s && (strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0);
}

/* url without its password (user:PASSWORD@ and password=... parameters),
 * for every message that names the workspace. */
static void redact(const char *url, char *out, size_t size)
{
    const char *p = strstr(url, "://");
    size_t o = 0;
    const char *s = url;
    if (p) {
        const char *auth = p + 3;
        const char *end = auth + strcspn(auth, "/?");
        const char *at = NULL;
        for (const char *q = auth; q < end; q++)
            if (*q == '@')
                at = q;
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            o = (size_t)snprintf(out, size, "%.*s", (int)(colon - url), url);
            s = at;
        }
    }
    for (; *s && o + 1 < size; s++) {
        if (s > url && (s[-1] == '?' || s[-1] == '&') && strncmp(s, "password=", 9) == 0) {
            o += (size_t)snprintf(out + o, size - o, "password=*");
            s += 9;
            while (*s && *s != '&')
                s++;
            if (!*s)
                break;
        }
        if (o + 1 < size)
            out[o++] = *s;
    }
    if (size)
        out[o < size ? o : size - 1] = '\0';
}

int rs_pg_fail(rs_ctx *ctx, PGresult *res, const char *what)
{
    PGconn *c = rs_pg_conn(ctx);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char buf[512];
    if (msg == NULL) {
        snprintf(buf, sizeof buf, "%s", c ? PQerrorMessage(c) : "no workspace open");
        size_t n = strlen(buf);
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
            buf[--n] = '\0';
        msg = buf;
    }
    int code = RS_ERR;
    if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
                  strcmp(state, "55P03") == 0))
        code = RS_EBUSY;
    else if ((state && strncmp(state, "08", 2) == 0) || (c && PQstatus(c) != CONNECTION_OK))
        code = RS_EIO;
    else if (state && strcmp(state, "53200") == 0)
        code = RS_ENOMEM;
    int rc = rs_err_set(rs_ctx_err(ctx), code, "%s: %s (workspace %s)", what, msg,
                        rs_ctx_store_path(ctx));
    PQclear(res);
    return rc;
}

int rs_pg_exec(rs_ctx *ctx, const char *sql, const char *what)
{
    PGresult *res = PQexec(rs_pg_conn(ctx), sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        return rs_pg_fail(ctx, res, what);
    PQclear(res);
    return 0;
}

int rs_pg_query_int(rs_ctx *ctx, const char *sql, int64_t *out)
{
    *out = 0;
    PGresult *res = PQexec(rs_pg_conn(ctx), sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return rs_pg_fail(ctx, res, "query");
    if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        *out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

int rs_pg_query_ints(rs_ctx *ctx, const char *sql, int n, int64_t *out, int *null)
{
    PGresult *res = PQexec(rs_pg_conn(ctx), sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return rs_pg_fail(ctx, res, "query");
    for (int i = 0; PQntuples(res) > 0 && i < n && i < PQnfields(res); i++) {
        null[i] = PQgetisnull(res, 0, i);
        out[i] = null[i] ? 0 : strtoll(PQgetvalue(res, 0, i), NULL, 10);
    }
    PQclear(res);
    return 0;
}

int rs_pg_in_transaction(rs_ctx *ctx)
{
    PGconn *c = rs_pg_conn(ctx);
    return c && PQtransactionStatus(c) != PQTRANS_IDLE;
}

/* READ COMMITTED, as PostgreSQL's default: a reader never waits for a
 * writer, and writers of the same rows wait for each other. */
int rs_pg_begin(rs_ctx *ctx) { return rs_pg_exec(ctx, "BEGIN", "begin"); }

int rs_pg_commit(rs_ctx *ctx)
{
    return rs_pg_exec(ctx,
                      "INSERT INTO roadsafe.meta(key, value) VALUES('workspace_id', "
                      "replace(gen_random_uuid()::text, '-', '')) ON CONFLICT (key) DO NOTHING; "
                      "COMMIT",
                      "commit");
}

void rs_pg_rollback(rs_ctx *ctx)
{
    PGconn *c = rs_pg_conn(ctx);
    if (c && PQtransactionStatus(c) != PQTRANS_IDLE)
        PQclear(PQexec(c, "ROLLBACK"));
}

int rs_pg_meta_set(rs_ctx *ctx, const char *key, const char *value)
{
    const char *vals[2] = {key, value};
    PGresult *res = PQexecParams(rs_pg_conn(ctx),
                                 "INSERT INTO roadsafe.meta(key, value) VALUES($1, $2) "
                                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                 2, NULL, vals, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return rs_pg_fail(ctx, res, "write workspace metadata");
    PQclear(res);
    return 0;
}

int rs_pg_meta_get(rs_ctx *ctx, const char *key, char *buf, unsigned long size)
{
    const char *vals[1] = {key};
    PGresult *res = PQexecParams(rs_pg_conn(ctx),
                                 "SELECT value FROM roadsafe.meta WHERE key = $1", 1, NULL,
                                 vals, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return rs_pg_fail(ctx, res, "read workspace metadata");
    int ret = RS_ENOTFOUND;
    if (PQntuples(res) > 0) {
        snprintf(buf, size, "%s", PQgetvalue(res, 0, 0));
        ret = 0;
    }
    PQclear(res);
    return ret;
}

/* Server notices (e.g. "extension already exists, skipping") are not the
 * user's business. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void close_conn(void *conn) { PQfinish(conn); }

int rs_pg_open(rs_ctx *ctx, const char *url, int flags)
{
    rs_err *e = rs_ctx_err(ctx);
    char shown[1024];
    redact(url, shown, sizeof shown);
    rs_ctx_set_store_path(ctx, shown);
    PGconn *c = PQconnectdb(url);
    if (c == NULL)
        return rs_err_set(e, RS_ENOMEM, "cannot connect to workspace %s: out of memory", shown);
    if (PQstatus(c) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        PQfinish(c);
        return rs_err_set(e, RS_EIO, "cannot connect to workspace %s: %s", shown, msg);
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    rs_ctx_set_backend(ctx, c, close_conn);
    /* from here on the workspace is named by what libpq connected to
     * (never a password), whatever the URL left to the PG* variables */
    const char *host = PQhost(c) ? PQhost(c) : "";
    if (host[0] == '/')
        snprintf(shown, sizeof shown, "postgresql://%s@/%s?host=%s&port=%s", PQuser(c), PQdb(c),
                 host, PQport(c));
    else
        snprintf(shown, sizeof shown, "postgresql://%s@%s:%s/%s", PQuser(c), host, PQport(c),
                 PQdb(c));
    rs_ctx_set_store_path(ctx, shown);
    int readonly = (flags & RS_STORE_READONLY) != 0;
    int rc = rs_pg_exec(ctx,
                        readonly ? "SET search_path = roadsafe, public; "
                                   "SET default_transaction_read_only = on; "
                                   "SET application_name = 'roadsafe'"
                                 : "SET search_path = roadsafe, public; "
                                   "SET application_name = 'roadsafe'",
                        "configure the connection");
    if (rc == 0)
        rc = rs_pg_migrate(ctx, (flags & RS_STORE_CREATE) != 0, readonly);
    if (rc != 0) {
        rs_ctx_set_backend(ctx, NULL, NULL);
        PQfinish(c);
    }
    return rc;
}
