/*
 * ingest_telematics.c — telematics pings (FORMATS.md §1), traffic or fleet.
 *
 * Each good ping is reduced to UTC time, BNG position (1 m), speed (0.01
 * mph), limit and district, and packed into chunks of RS_PING_CHUNK (see
 * pings.h).  The provider's vehicle id is dropped for traffic; for fleet it
 * becomes a keyed hash in fleet_vehicle and the ping keeps only its id.
 * Workload: tens of millions of rows; the loop allocates nothing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_int.h"
#include "pings.h"
#include "store.h"

typedef struct chunk {
    rs_ping *pings;
    size_t n;
    sqlite3_stmt *ins;
    unsigned char *blob;
    const char *source;
} chunk;

static int flush_chunk(rs_ingest_run *r, chunk *c)
{
    if (c->n == 0)
        return 0;
    int64_t t_min = c->pings[0].t, t_max = c->pings[0].t;
    for (size_t i = 1; i < c->n; i++) {
        if (c->pings[i].t < t_min)
            t_min = c->pings[i].t;
        if (c->pings[i].t > t_max)
            t_max = c->pings[i].t;
    }
    if (t_max - t_min > (int64_t)UINT32_MAX) {
        /* Cannot happen for years 1900-2099 (parse limits), but stay safe. */
        return rs_err_set(rs_ctx_err(r->ctx), RS_EINPUT, "%s: ping times span too long",
                          r->name);
    }
    for (size_t i = 0; i < c->n; i++)
        rs_ping_encode(&c->pings[i], t_min, c->blob + i * RS_PING_BYTES);
    sqlite3_stmt *st = c->ins;
    sqlite3_bind_int64(st, 1, r->file_id);
    sqlite3_bind_text(st, 2, c->source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)c->n);
    sqlite3_bind_int64(st, 4, t_min);
    sqlite3_bind_int64(st, 5, t_max);
    sqlite3_bind_blob(st, 6, c->blob, (int)(c->n * RS_PING_BYTES), SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rs_store_fail(r->ctx, "store pings");
    c->n = 0;
    return 0;
}

/* fleet_vehicle id for a keyed hash, adding it when new. */
static int fleet_vehicle_id(rs_ingest_run *r, sqlite3_stmt *find, sqlite3_stmt *add,
                            const unsigned char hash[32], uint16_t *id)
{
    sqlite3_bind_blob(find, 1, hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(find);
    if (rc == SQLITE_ROW) {
        int64_t v = sqlite3_column_int64(find, 0);
        sqlite3_reset(find);
        if (v <= 0 || v > 65535)
            return rs_err_set(rs_ctx_err(r->ctx), RS_EINPUT,
                              "%s: more than 65535 fleet vehicles", r->name);
        *id = (uint16_t)v;
        return 0;
    }
    sqlite3_reset(find);
    if (rc != SQLITE_DONE)
        return rs_store_fail(r->ctx, "find fleet vehicle");
    sqlite3_bind_blob(add, 1, hash, 32, SQLITE_STATIC);
    rc = sqlite3_step(add);
    sqlite3_reset(add);
    if (rc != SQLITE_DONE)
        return rs_store_fail(r->ctx, "add fleet vehicle");
    int64_t v = sqlite3_last_insert_rowid(r->db);
    if (v <= 0 || v > 65535)
        return rs_err_set(rs_ctx_err(r->ctx), RS_EINPUT, "%s: more than 65535 fleet vehicles",
                          r->name);
    *id = (uint16_t)v;
    return 0;
}

int rs_ingest_telematics(rs_ingest_run *r, int fleet)
{
    static const char *const n_time[] = {"timestamp", NULL};
    static const char *const n_lat[] = {"lat", "latitude", NULL};
    static const char *const n_lon[] = {"lon", "lng", "longitude", NULL};
    static const char *const n_mph[] = {"speed_mph", NULL};
    static const char *const n_kph[] = {"speed_kph", NULL};
    static const char *const n_limit[] = {"limit_mph", NULL};
    static const char *const n_vehicle[] = {"vehicle_id", NULL};
    chunk c = {0};
    sqlite3_stmt *find = NULL, *add = NULL;
    int rc = 0;
    r->kind_name = fleet ? "fleet" : "telematics";
    r->dedupe_by_content = 1;
    c.source = fleet ? "fleet" : "traffic";

    int ct = rs_ingest_col(r, n_time), cla = rs_ingest_col(r, n_lat),
        clo = rs_ingest_col(r, n_lon), cm = rs_ingest_col(r, n_mph),
        ck = rs_ingest_col(r, n_kph), cl = rs_ingest_col(r, n_limit),
        cv = rs_ingest_col(r, n_vehicle);
    if (ct == -2 || cla == -2 || clo == -2 || cm == -2 || ck == -2 || cl == -2 || cv == -2)
        return RS_EINPUT;
    if (ct < 0)
        return rs_ingest_missing(r, "timestamp");
    if (cla < 0 || clo < 0)
        return rs_ingest_missing(r, cla < 0 ? "lat" : "lon");
    if (cm >= 0 && ck >= 0)
        return rs_err_set(rs_ctx_err(r->ctx), RS_EINPUT,
                          "%s:1: ambiguous header: both speed_mph and speed_kph are present",
                          r->name);
    if (cm < 0 && ck < 0)
        return rs_ingest_missing(r, "speed_mph (or speed_kph)");
    if (cl < 0 && !fleet)
        return rs_ingest_missing(r, "limit_mph");
    if (cv < 0 && fleet)
        return rs_ingest_missing(r, "vehicle_id (fleet pings are tied to their vehicle)");

    c.pings = malloc(sizeof *c.pings * RS_PING_CHUNK);
    c.blob = malloc((size_t)RS_PING_CHUNK * RS_PING_BYTES);
    if (c.pings == NULL || c.blob == NULL) {
        rc = rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
        goto done;
    }
    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO ping_chunk(file_id, source, n, t_min, t_max, data) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &c.ins, NULL) != SQLITE_OK ||
        (fleet && (sqlite3_prepare_v2(r->db, "SELECT id FROM fleet_vehicle WHERE vehicle = ?1",
                                      -1, &find, NULL) != SQLITE_OK ||
                   sqlite3_prepare_v2(r->db, "INSERT INTO fleet_vehicle(vehicle) VALUES(?1)",
                                      -1, &add, NULL) != SQLITE_OK))) {
        rc = rs_store_fail(r->ctx, "prepare ping storage");
        goto done;
    }

    /* The last vehicle seen, so consecutive pings of one vehicle cost one
     * hash, not one lookup each. */
    unsigned char last_hash[32];
    uint16_t last_vid = 0;
    int64_t rows = 0;
    for (;;) {
        int got = rs_csv_next(r->csv, rs_ctx_err(r->ctx));
        if (got < 0) {
            rc = got;
            goto done;
        }
        if (got == 0)
            break;
        rs_ingest_tick(r, ++rows);
        const char *problem = rs_csv_record_problem(r->csv);
        if (problem) {
            if ((rc = rs_ingest_reject(r, "", problem)) != 0)
                goto done;
            continue;
        }
        rs_ping p;
        double lat, lon, e, n;
        int limit;
        int32_t d;
        if (rs_ingest_time(r, ct, "timestamp", &p.t) != 0 ||
            rs_ingest_latlon(r, cla, clo, &lat, &lon) != 0 ||
            rs_ingest_speed(r, cm, ck, &p.speed) != 0 ||
            rs_ingest_limit(r, cl, "limit_mph", fleet, &limit) != 0)
            continue;
        if (rs_placer_wgs84(r->placer, lat, lon, &e, &n, &d) != 0) {
            rs_ingest_reject(r, "lat", "cannot be transformed to British National Grid");
            continue;
        }
        p.e = (int32_t)lround(e);
        p.n = (int32_t)lround(n);
        p.limit = (uint8_t)limit;
        p.district = (int16_t)d;
        p.vehicle = 0;
        if (fleet) {
            size_t vlen;
            const char *v = rs_ingest_field(r, cv, &vlen);
            if (vlen == 0) {
                rs_ingest_reject(r, "vehicle_id", "empty vehicle id");
                continue;
            }
            unsigned char h[32];
            rs_vrm_hash(r->opts->key, v, vlen, h);
            if (last_vid == 0 || memcmp(h, last_hash, 32) != 0) {
                if ((rc = fleet_vehicle_id(r, find, add, h, &last_vid)) != 0)
                    goto done;
                memcpy(last_hash, h, 32);
            }
            p.vehicle = last_vid;
        }
        c.pings[c.n++] = p;
        rs_ingest_loaded(r, d);
        if (c.n == RS_PING_CHUNK && (rc = flush_chunk(r, &c)) != 0)
            goto done;
    }
    rc = flush_chunk(r, &c);
done:
    sqlite3_finalize(c.ins);
    sqlite3_finalize(find);
    sqlite3_finalize(add);
    free(c.pings);
    free(c.blob);
    return rc;
}
