/*
 * store_pg_districts.c — districts and the placer cache on PostgreSQL
 * (store.h: rs_store_districts_replace, _read, rs_store_cache_get, _put).
 * The same rows as on SQLite; the geometry column district.geom (for
 * QGIS and SQL) is derived by the server from geom_wkb.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pings.h"
#include "store.h"
#include "store_pg_int.h"

int rs_pg_districts_replace(rs_ctx *ctx, const rs_districts *d, const char *source)
{
    PGconn *c = rs_pg_conn(ctx);
    int own = !rs_pg_in_transaction(ctx);
    unsigned char *wkb = NULL;
    int rc;
    if (own && (rc = rs_pg_begin(ctx)) != 0)
        return rc;
    /* one `districts load` at a time: the second waits, then replaces */
    if ((rc = rs_pg_exec(ctx,
                         "LOCK TABLE roadsafe.district IN EXCLUSIVE MODE; "
                         "DELETE FROM roadsafe.district; DELETE FROM roadsafe.placer_cache; "
                         "INSERT INTO roadsafe.meta(key, value) VALUES('district_set', '1') "
                         "ON CONFLICT (key) DO UPDATE SET "
                         "value = (roadsafe.meta.value::bigint + 1)::text",
                         "replace districts")) != 0)
        goto done;
    for (size_t i = 0; i < rs_districts_count(d); i++) {
        size_t len = 0;
        if ((rc = rs_districts_wkb(rs_ctx_geo(ctx), d, i, &wkb, &len)) != 0)
            goto done;
        char id[24], area[40], vert[24];
        snprintf(id, sizeof id, "%zu", i);
        snprintf(area, sizeof area, "%.17g", rs_districts_area_m2(d, i));
        snprintf(vert, sizeof vert, "%zu", rs_districts_vertices(d, i));
        const char *vals[6] = {id, rs_districts_name(d, i), rs_districts_code(d, i), area, vert,
                               (const char *)wkb};
        int lens[6] = {0, 0, 0, 0, 0, (int)len};
        int fmts[6] = {0, 0, 0, 0, 0, 1};
        PGresult *res = PQexecParams(c,
                                     "INSERT INTO roadsafe.district(id, name, code, area_m2, "
                                     "vertices, geom_wkb) VALUES($1, $2, $3, $4, $5, $6)",
                                     6, NULL, vals, lens, fmts, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            rc = rs_pg_fail(ctx, res, "store districts");
            goto done;
        }
        PQclear(res);
        free(wkb);
        wkb = NULL;
    }
    if ((rc = rs_pg_meta_set(ctx, "districts_source", source ? source : "")) != 0)
        goto done;
    if (own)
        rc = rs_pg_commit(ctx);
done:
    free(wkb);
    if (rc != 0 && own)
        rs_pg_rollback(ctx);
    return rc;
}

int rs_pg_districts_read(rs_ctx *ctx, rs_districts **out)
{
    *out = NULL;
    PGresult *res = PQexecParams(rs_pg_conn(ctx),
                                 "SELECT name, code, geom_wkb FROM roadsafe.district ORDER BY id",
                                 0, NULL, NULL, NULL, NULL, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return rs_pg_fail(ctx, res, "read districts");
    size_t n = (size_t)PQntuples(res);
    int rc = 0;
    if (n > RS_PING_MAX_DISTRICTS) {
        PQclear(res);
        return rs_err_set(rs_ctx_err(ctx), RS_EINPUT,
                          "%s: %zu districts, more than the %d a workspace can hold",
                          rs_ctx_store_path(ctx), n, RS_PING_MAX_DISTRICTS);
    }
    if (n > 0) {
        char **names = calloc(n, sizeof *names), **codes = calloc(n, sizeof *codes);
        const unsigned char **wkb = calloc(n, sizeof *wkb);
        size_t *lens = calloc(n, sizeof *lens);
        if (!names || !codes || !wkb || !lens) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory reading districts");
        } else {
            for (size_t i = 0; i < n; i++) {
                names[i] = PQgetvalue(res, (int)i, 0);
                codes[i] = PQgetvalue(res, (int)i, 1);
                wkb[i] = (const unsigned char *)PQgetvalue(res, (int)i, 2);
                lens[i] = (size_t)PQgetlength(res, (int)i, 2);
            }
            rc = rs_districts_from_wkb(rs_ctx_geo(ctx), n, (const char *const *)names,
                                       (const char *const *)codes, wkb, lens, out);
        }
        free(names);
        free(codes);
        free(wkb);
        free(lens);
    }
    PQclear(res);
    return rc;
}

int rs_pg_cache_get(rs_ctx *ctx, const char *name, int64_t set, const char *key, void **data,
                    size_t *len)
{
    char setv[24];
    snprintf(setv, sizeof setv, "%lld", (long long)set);
    const char *vals[3] = {name, setv, key};
    *data = NULL;
    *len = 0;
    PGresult *res = PQexecParams(rs_pg_conn(ctx),
                                 "SELECT data FROM roadsafe.placer_cache WHERE name = $1 AND "
                                 "district_set = $2 AND key = $3",
                                 3, NULL, vals, NULL, NULL, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return rs_pg_fail(ctx, res, "read the placer cache");
    int ret = RS_ENOTFOUND;
    if (PQntuples(res) > 0) {
        size_t n = (size_t)PQgetlength(res, 0, 0);
        void *copy = malloc(n > 0 ? n : 1);
        if (copy == NULL) {
            ret = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        } else {
            memcpy(copy, PQgetvalue(res, 0, 0), n);
            *data = copy;
            *len = n;
            ret = 0;
        }
    }
    PQclear(res);
    return ret;
}

int rs_pg_cache_put(rs_ctx *ctx, const char *name, int64_t set, const char *key,
                    const void *data, size_t len)
{
    if (len > (size_t)INT32_MAX)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "placer cache entry too large");
    char setv[24];
    snprintf(setv, sizeof setv, "%lld", (long long)set);
    const char *vals[4] = {name, setv, key, data};
    int lens[4] = {0, 0, 0, (int)len};
    int fmts[4] = {0, 0, 0, 1};
    PGresult *res = PQexecParams(rs_pg_conn(ctx),
                                 "INSERT INTO roadsafe.placer_cache(name, district_set, key, "
                                 "data) VALUES($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET "
                                 "district_set = excluded.district_set, key = excluded.key, "
                                 "data = excluded.data",
                                 4, NULL, vals, lens, fmts, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return rs_pg_fail(ctx, res, "write the placer cache");
    PQclear(res);
    return 0;
}
