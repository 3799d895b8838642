/*
 * ingest_telematics.c — telematics pings, traffic or fleet (README, "Input
 * formats").
 *
 * Each good ping is reduced to UTC time, BNG position (1 m), speed (0.01
 * mph), limit and district, and packed into chunks of RS_PING_CHUNK (see
 * pings.h).  The provider's vehicle id is dropped for traffic; for fleet it
 * becomes a keyed hash in fleet_vehicle and the ping keeps only its id.
 *
 * This file is the kind: the header, one row's checks and the storing of
 * parsed batches.  Fleet pings also pass the per-vehicle checks of
 * ingest_fleet_check.c (same second, impossible speed) before they are
 * stored.  The file goes through the threaded batch pipeline of
 * ingest_batches.c, which parses rows on every core with parse_row and
 * stores batches in file order with store_batch.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_batches_int.h"
#include "ingest_fleet_int.h"
#include "parse.h"
#include "store.h"

typedef struct chunk {
    rs_ping *pings;
    size_t n;
    sqlite3_stmt *ins;
    unsigned char *blob;
    const char *source;
} chunk;

typedef struct fleet_ids {
    sqlite3_stmt *find, *add;
    unsigned char last[32];
    uint16_t last_id;
} fleet_ids;

/* How rows are parsed; read-only, shared by every thread. */
typedef struct row_rules {
    int fleet, kph;
    const rs_key *key;
} row_rules;

/* Where batches are stored; used by the thread holding the store. */
typedef struct sink {
    rs_ingest_run *r;
    chunk *c;
    fleet_ids *fi;         /* NULL for traffic */
    rs_fleet_check *check; /* fleet: the per-vehicle checks, or NULL */
} sink;

/* ---- row parsing (pure: no store, no reject writing) -------------------- */

static const char *const R_EMPTY_TIME = "empty timestamp";

/* Parses row k of batch b, whose fields are f/l, into b->ping[k] or sets
 * b->rej_col/reason (rs_tm_spec.parse_row; user is the row_rules). */
static void parse_row(const void *user, rs_placer *pl, rs_tm_batch *b, size_t k,
                      const char *const f[RS_TM_NFIELD], const size_t l[RS_TM_NFIELD])
{
    const row_rules *p = user;
    rs_ping *out = &b->ping[k];
    b->rej_col[k] = NULL;
#define REJECT(col, why)                                                                      \
    do {                                                                                      \
        b->rej_col[k] = (col);                                                                \
        b->rej_reason[k] = (why);                                                             \
        return;                                                                               \
    } while (0)
    if (l[RS_TM_TIME] == 0)
        REJECT("timestamp", R_EMPTY_TIME);
    if (rs_parse_iso8601(f[RS_TM_TIME], l[RS_TM_TIME], &out->t) != 0)
        REJECT("timestamp", rs_iso8601_why(f[RS_TM_TIME], l[RS_TM_TIME]));
    double lat, lon;
    const char *why = NULL, *col = NULL;
    if (rs_check_latlon(f[RS_TM_LAT], l[RS_TM_LAT], f[RS_TM_LON], l[RS_TM_LON], &lat, &lon, &col, &why) != 0)
        REJECT(col, why);
    int64_t v;
    const char *sname = p->kph ? "speed_kph" : "speed_mph";
    if (rs_check_speed(f[RS_TM_SPEED], l[RS_TM_SPEED], p->kph, &v, &why) != 0)
        REJECT(sname, why);
    out->speed = (uint16_t)v;
    int limit = 0;
    if (rs_check_limit(f[RS_TM_LIMIT], l[RS_TM_LIMIT], p->fleet, &limit, &why) != 0)
        REJECT("limit_mph", why);
    out->limit = (uint8_t)limit;
    double e, n;
    int32_t d;
    if (rs_placer_wgs84(pl, lat, lon, &e, &n, &d) != 0)
        REJECT("lat", "cannot be transformed to British National Grid");
    out->e = (int32_t)lround(e);
    out->n = (int32_t)lround(n);
    out->district = (int16_t)d;
    out->vehicle = 0;
    if (p->fleet) {
        if (l[RS_TM_VEHICLE] == 0)
            REJECT("vehicle_id", "empty vehicle id");
        size_t vl = l[RS_TM_VEHICLE];
        if (b->vlast_row >= 0 && vl == b->vlast_len && memcmp(f[RS_TM_VEHICLE], b->vlast, vl) == 0) {
            memcpy(b->vhash[k], b->vhash[b->vlast_row], 32); /* same vehicle as before */
        } else {
            rs_vrm_hash(p->key, f[RS_TM_VEHICLE], vl, b->vhash[k]);
            b->vlast_row = -1;
            if (vl <= sizeof b->vlast) {
                memcpy(b->vlast, f[RS_TM_VEHICLE], vl);
                b->vlast_len = vl;
                b->vlast_row = (long)k;
            }
        }
    }
#undef REJECT
}

/* ---- storing ------------------------------------------------------------- */

static int flush_chunk(rs_ingest_run *r, chunk *c)
{
    if (c->n == 0)
        return 0;
    int64_t t_min, t_max;
    if (rs_ping_chunk_pack(c->pings, c->n, c->blob, &t_min, &t_max) != 0)
        /* cannot happen for years 1900-2099 */
        return rs_err_set(rs_ctx_err(r->ctx), RS_EINPUT, "%s: ping times span too long",
                          r->name);
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
static int fleet_vehicle_id(rs_ingest_run *r, fleet_ids *fi, const unsigned char hash[32],
                            uint16_t *id)
{
    if (fi->last_id && memcmp(hash, fi->last, 32) == 0) {
        *id = fi->last_id;
        return 0;
    }
    int64_t v = 0;
    sqlite3_bind_blob(fi->find, 1, hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(fi->find);
    if (rc == SQLITE_ROW)
        v = sqlite3_column_int64(fi->find, 0);
    sqlite3_reset(fi->find);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rs_store_fail(r->ctx, "find fleet vehicle");
    if (rc == SQLITE_DONE) {
        sqlite3_bind_blob(fi->add, 1, hash, 32, SQLITE_STATIC);
        rc = sqlite3_step(fi->add);
        sqlite3_reset(fi->add);
        if (rc != SQLITE_DONE)
            return rs_store_fail(r->ctx, "add fleet vehicle");
        v = sqlite3_last_insert_rowid(r->db);
    }
    if (v <= 0 || v > 65535)
        return rs_err_set(rs_ctx_err(r->ctx), RS_EINPUT, "%s: more than 65535 fleet vehicles",
                          r->name);
    memcpy(fi->last, hash, 32);
    fi->last_id = (uint16_t)v;
    *id = fi->last_id;
    return 0;
}

/* Adds one accepted ping to the chunk being filled (user is the sink). */
static int keep_ping(void *user, const rs_ping *pg)
{
    const sink *s = user;
    chunk *c = s->c;
    c->pings[c->n++] = *pg;
    rs_ingest_loaded(s->r, pg->district);
    if (c->n == RS_PING_CHUNK)
        return flush_chunk(s->r, c);
    return 0;
}

/* Stores a finished batch's pings and rejects, in row order
 * (rs_tm_spec.store; user is the sink). */
static int store_batch(void *user, rs_tm_batch *b)
{
    const sink *s = user;
    rs_ingest_run *r = s->r;
    fleet_ids *fi = s->fi;
    int rc;
    for (size_t k = 0; k < b->n; k++) {
        if (b->rej_col[k] != NULL) {
            if ((rc = rs_ingest_reject_at(r, b->line[k], b->rej_col[k], b->rej_reason[k])) != 0)
                return rc;
            continue;
        }
        rs_ping pg = b->ping[k];
        if (fi && (rc = fleet_vehicle_id(r, fi, b->vhash[k], &pg.vehicle)) != 0)
            return rc;
        if (s->check) { /* stored once the whole file is checked */
            if ((rc = rs_fleet_check_add(s->check, b->line[k], &pg)) != 0)
                return rc;
            continue;
        }
        if ((rc = keep_ping(user, &pg)) != 0)
            return rc;
    }
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
    fleet_ids fi = {0};
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
    row_rules rules = {fleet, cm < 0, r->opts ? r->opts->key : NULL};
    sink out = {r, &c, fleet ? &fi : NULL, NULL};
    rs_tm_spec spec = {{ct, cla, clo, cm >= 0 ? cm : ck, cl, fleet ? cv : -1}, fleet,
                       parse_row, &rules, store_batch, &out};
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
                                      -1, &fi.find, NULL) != SQLITE_OK ||
                   sqlite3_prepare_v2(r->db, "INSERT INTO fleet_vehicle(vehicle) VALUES(?1)",
                                      -1, &fi.add, NULL) != SQLITE_OK))) {
        rc = rs_store_fail(r->ctx, "prepare ping storage");
        goto done;
    }
    if (fleet && (rc = rs_fleet_check_new(r, r->opts ? r->opts->fleet_max_mph : 0,
                                          r->opts ? r->opts->fleet_same_time_ok : 0,
                                          &out.check)) != 0)
        goto done;
    if ((rc = rs_tm_run(r, &spec)) == 0 && out.check)
        rc = rs_fleet_check_finish(out.check, keep_ping, &out);
    if (rc == 0)
        rc = flush_chunk(r, &c);
done:
    rs_fleet_check_free(out.check);
    sqlite3_finalize(c.ins);
    sqlite3_finalize(fi.find);
    sqlite3_finalize(fi.add);
    free(c.pings);
    free(c.blob);
    return rc;
}