/*
 * ingest_telematics.c — telematics pings (FORMATS.md §1), traffic or fleet.
 *
 * Each good ping is reduced to UTC time, BNG position (1 m), speed (0.01
 * mph), limit and district, and packed into chunks of RS_PING_CHUNK (see
 * pings.h).  The provider's vehicle id is dropped for traffic; for fleet it
 * becomes a keyed hash in fleet_vehicle and the ping keeps only its id.
 *
 * Pipeline, for both cores: the calling thread reads records with the CSV
 * reader and copies the fields it needs into batches of BATCH rows; worker
 * threads (one per core, each with its own GEOS/PROJ context, locator and
 * copy of the districts, sharing the calling thread's read-only projection
 * table) parse, validate and place a batch; the calling
 * thread takes finished batches back in file order and stores pings and
 * rejects, so results and rejects are the same as a single-threaded run.
 * Memory: NBATCH batches of about 1 MB, whatever the file size.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest_int.h"
#include "parse.h"
#include "pings.h"
#include "store.h"

#define BATCH 8192
#define MAX_WORKERS 4
#define NFIELD 6 /* time, lat, lon, speed, limit, vehicle */

enum { F_TIME, F_LAT, F_LON, F_SPEED, F_LIMIT, F_VEHICLE };
enum { B_FREE, B_FILLED, B_BUSY, B_DONE };

typedef struct batch {
    int state;
    size_t n;
    long line[BATCH];
    uint32_t off[BATCH][NFIELD];
    uint16_t len[BATCH][NFIELD];
    char *text; /* field bytes, NUL-terminated each */
    size_t text_len, text_cap;
    /* results */
    rs_ping ping[BATCH];
    const char *rej_col[BATCH]; /* NULL: good ping */
    const char *rej_reason[BATCH];
    unsigned char (*vhash)[32]; /* fleet: keyed hash of vehicle_id */
} batch;

typedef struct pipeline {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch *b;
    size_t nbatch;
    int stop;
    int fleet, kph;
    const rs_key *key;
    /* districts as WKB, for each worker to rebuild in its own context */
    size_t nd;
    char **names, **codes;
    unsigned char **wkb;
    size_t *wkb_len;
    const rs_placer *main_placer; /* its projection table is shared, read-only */
    int worker_failed;
    char worker_msg[RS_ERR_MSG_MAX];
} pipeline;

/* ---- row parsing (pure: no store, no reject writing) -------------------- */

static const char *const R_EMPTY_TIME = "empty timestamp";
static const char *const R_BAD_TIME =
    "not an ISO 8601 time with Z or an offset, or not a real date/time";

/* Parses one row of batch b into b->ping[k] or sets b->rej_col/reason. */
static void parse_row(const pipeline *p, rs_placer *pl, batch *b, size_t k)
{
    const char *f[NFIELD];
    size_t l[NFIELD];
    for (int i = 0; i < NFIELD; i++) {
        f[i] = b->text + b->off[k][i];
        l[i] = b->len[k][i];
    }
    rs_ping *out = &b->ping[k];
    b->rej_col[k] = NULL;
#define REJECT(col, why)                                                                      \
    do {                                                                                      \
        b->rej_col[k] = (col);                                                                \
        b->rej_reason[k] = (why);                                                             \
        return;                                                                               \
    } while (0)
    if (l[F_TIME] == 0)
        REJECT("timestamp", R_EMPTY_TIME);
    if (rs_parse_iso8601(f[F_TIME], l[F_TIME], &out->t) != 0)
        REJECT("timestamp", R_BAD_TIME);
    double lat, lon;
    const char *why = NULL, *col = NULL;
    if (rs_check_latlon(f[F_LAT], l[F_LAT], f[F_LON], l[F_LON], &lat, &lon, &col, &why) != 0)
        REJECT(col, why);
    int64_t v;
    const char *sname = p->kph ? "speed_kph" : "speed_mph";
    if (rs_check_speed(f[F_SPEED], l[F_SPEED], p->kph, &v, &why) != 0)
        REJECT(sname, why);
    out->speed = (uint16_t)v;
    int limit = 0;
    if (rs_check_limit(f[F_LIMIT], l[F_LIMIT], p->fleet, &limit, &why) != 0)
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
        if (l[F_VEHICLE] == 0)
            REJECT("vehicle_id", "empty vehicle id");
        rs_vrm_hash(p->key, f[F_VEHICLE], l[F_VEHICLE], b->vhash[k]);
    }
#undef REJECT
}

/* ---- workers --------------------------------------------------------------- */

typedef struct worker {
    pipeline *p;
    pthread_t th;
    int started;
} worker;

static void worker_fail(pipeline *p, const char *msg)
{
    pthread_mutex_lock(&p->mu);
    if (!p->worker_failed) {
        p->worker_failed = 1;
        snprintf(p->worker_msg, sizeof p->worker_msg, "%s", msg);
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    pipeline *p = w->p;
    rs_ctx *ctx = rs_ctx_new();
    rs_districts *d = NULL;
    rs_placer *pl = NULL;
    if (ctx == NULL) {
        worker_fail(p, "out of memory starting a worker");
        return NULL;
    }
    if ((p->nd > 0 && rs_districts_from_wkb(rs_ctx_geo(ctx), p->nd, (const char *const *)p->names,
                                            (const char *const *)p->codes,
                                            (const unsigned char *const *)p->wkb, p->wkb_len,
                                            &d) != 0) ||
        rs_placer_new_sharing(ctx, d, p->main_placer, &pl) != 0) {
        worker_fail(p, rs_ctx_err(ctx)->msg);
        rs_districts_free(d);
        rs_ctx_free(ctx);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&p->mu);
        batch *b = NULL;
        for (;;) {
            for (size_t i = 0; i < p->nbatch && b == NULL; i++)
                if (p->b[i].state == B_FILLED)
                    b = &p->b[i];
            if (b || p->stop)
                break;
            pthread_cond_wait(&p->cv, &p->mu);
        }
        if (b == NULL) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        b->state = B_BUSY;
        pthread_mutex_unlock(&p->mu);
        for (size_t k = 0; k < b->n; k++)
            if (b->rej_col[k] == NULL) /* a CSV-level problem is already set */
                parse_row(p, pl, b, k);
        pthread_mutex_lock(&p->mu);
        b->state = B_DONE;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    rs_placer_free(pl);
    rs_districts_free(d);
    rs_ctx_free(ctx);
    return NULL;
}

/* ---- storing ------------------------------------------------------------- */

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
    if (t_max - t_min > (int64_t)UINT32_MAX) /* cannot happen for years 1900-2099 */
        return rs_err_set(rs_ctx_err(r->ctx), RS_EINPUT, "%s: ping times span too long",
                          r->name);
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

typedef struct fleet_ids {
    sqlite3_stmt *find, *add;
    unsigned char last[32];
    uint16_t last_id;
} fleet_ids;

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

/* Stores a finished batch's pings and rejects, in row order. */
static int consume(rs_ingest_run *r, chunk *c, fleet_ids *fi, batch *b)
{
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
        c->pings[c->n++] = pg;
        rs_ingest_loaded(r, pg.district);
        if (c->n == RS_PING_CHUNK && (rc = flush_chunk(r, c)) != 0)
            return rc;
    }
    return 0;
}

/* Appends field s (len bytes) to the batch text, recording its place. */
static int put_field(batch *b, size_t k, int i, const char *s, size_t len)
{
    if (len > 65535)
        len = 65535; /* longer than any valid field: parsing will refuse it */
    if (b->text_len + len + 1 > b->text_cap) {
        size_t nc = b->text_cap ? b->text_cap * 2 : 1 << 20;
        while (nc < b->text_len + len + 1)
            nc *= 2;
        char *t = realloc(b->text, nc);
        if (t == NULL)
            return -1;
        b->text = t;
        b->text_cap = nc;
    }
    memcpy(b->text + b->text_len, s, len);
    b->text[b->text_len + len] = '\0';
    b->off[k][i] = (uint32_t)b->text_len;
    b->len[k][i] = (uint16_t)len;
    b->text_len += len + 1;
    return 0;
}

static int districts_to_wkb(rs_ingest_run *r, pipeline *p)
{
    const rs_districts *d = r->districts;
    p->nd = d ? rs_districts_count(d) : 0;
    if (p->nd == 0)
        return 0;
    p->names = calloc(p->nd, sizeof *p->names);
    p->codes = calloc(p->nd, sizeof *p->codes);
    p->wkb = calloc(p->nd, sizeof *p->wkb);
    p->wkb_len = calloc(p->nd, sizeof *p->wkb_len);
    if (!p->names || !p->codes || !p->wkb || !p->wkb_len)
        return rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
    for (size_t i = 0; i < p->nd; i++) {
        p->names[i] = (char *)rs_districts_name(d, i);
        p->codes[i] = (char *)rs_districts_code(d, i);
        int rc = rs_districts_wkb(rs_ctx_geo(r->ctx), d, i, &p->wkb[i], &p->wkb_len[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int worker_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    const char *env = getenv("ROADSAFE_THREADS");
    if (env && atoi(env) > 0)
        n = atoi(env);
    if (n < 1)
        n = 1;
    return n > MAX_WORKERS ? MAX_WORKERS : (int)n;
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
    pipeline p;
    worker w[MAX_WORKERS];
    int nw = 0, rc = 0;
    memset(&p, 0, sizeof p);
    memset(w, 0, sizeof w);
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
    int cols[NFIELD] = {ct, cla, clo, cm >= 0 ? cm : ck, cl, fleet ? cv : -1};

    p.fleet = fleet;
    p.kph = cm < 0;
    p.key = r->opts ? r->opts->key : NULL;
    p.main_placer = r->placer;
    nw = worker_count();
    p.nbatch = (size_t)nw * 2 + 2;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    p.b = calloc(p.nbatch, sizeof *p.b);
    c.pings = malloc(sizeof *c.pings * RS_PING_CHUNK);
    c.blob = malloc((size_t)RS_PING_CHUNK * RS_PING_BYTES);
    if (p.b == NULL || c.pings == NULL || c.blob == NULL) {
        rc = rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; fleet && i < p.nbatch; i++)
        if ((p.b[i].vhash = malloc(sizeof *p.b[i].vhash * BATCH)) == NULL) {
            rc = rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
            goto done;
        }
    if ((rc = districts_to_wkb(r, &p)) != 0)
        goto done;
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
    for (int i = 0; i < nw; i++) {
        w[i].p = &p;
        if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0) {
            rc = rs_err_set(rs_ctx_err(r->ctx), RS_ERR, "cannot start a worker thread");
            goto done;
        }
        w[i].started = 1;
    }

    /* batches are used round-robin: slot seq % nbatch; next_fill / next_take */
    size_t next_fill = 0, next_take = 0;
    int64_t rows = 0;
    int eof = 0;
    while (!eof || next_take < next_fill) {
        /* take finished batches in order */
        pthread_mutex_lock(&p.mu);
        while (next_take < next_fill && !p.worker_failed &&
               (p.b[next_take % p.nbatch].state != B_DONE) &&
               (eof || next_fill - next_take == p.nbatch))
            pthread_cond_wait(&p.cv, &p.mu);
        int failed = p.worker_failed;
        int ready = next_take < next_fill && p.b[next_take % p.nbatch].state == B_DONE;
        pthread_mutex_unlock(&p.mu);
        if (failed) {
            rc = rs_err_set(rs_ctx_err(r->ctx), RS_ERR, "%s: %s", r->name, p.worker_msg);
            goto done;
        }
        if (ready) {
            batch *b = &p.b[next_take % p.nbatch];
            if ((rc = consume(r, &c, fleet ? &fi : NULL, b)) != 0)
                goto done;
            b->n = 0;
            b->text_len = 0;
            pthread_mutex_lock(&p.mu);
            b->state = B_FREE;
            pthread_mutex_unlock(&p.mu);
            next_take++;
            continue;
        }
        if (eof || next_fill - next_take == p.nbatch)
            continue;
        /* fill the next batch */
        batch *b = &p.b[next_fill % p.nbatch];
        while (b->n < BATCH) {
            int got = rs_csv_next(r->csv, rs_ctx_err(r->ctx));
            if (got < 0) {
                rc = got;
                goto done;
            }
            if (got == 0) {
                eof = 1;
                break;
            }
            rs_ingest_tick(r, ++rows);
            size_t k = b->n++;
            b->line[k] = rs_csv_line(r->csv);
            b->rej_col[k] = NULL;
            const char *problem = rs_csv_record_problem(r->csv);
            if (problem) {
                /* keep the reason: the reader's text lives only until the next record */
                if (put_field(b, k, 0, problem, strlen(problem)) != 0)
                    goto oom;
                b->rej_col[k] = "";
                b->rej_reason[k] = b->text + b->off[k][0];
                continue;
            }
            for (int i = 0; i < NFIELD; i++) {
                size_t len = 0;
                const char *s = cols[i] >= 0 ? rs_csv_field(r->csv, (size_t)cols[i], &len) : "";
                if (put_field(b, k, i, s, len) != 0)
                    goto oom;
            }
        }
        /* reasons point into text, which may have moved while growing */
        for (size_t k = 0; k < b->n; k++)
            if (b->rej_col[k] != NULL)
                b->rej_reason[k] = b->text + b->off[k][0];
        if (b->n == 0)
            continue;
        pthread_mutex_lock(&p.mu);
        b->state = B_FILLED;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        next_fill++;
    }
    rc = flush_chunk(r, &c);
    goto done;
oom:
    rc = rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
done:
    pthread_mutex_lock(&p.mu);
    p.stop = 1;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    for (int i = 0; i < nw; i++)
        if (w[i].started)
            pthread_join(w[i].th, NULL);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    for (size_t i = 0; p.b && i < p.nbatch; i++) {
        free(p.b[i].text);
        free(p.b[i].vhash);
    }
    free(p.b);
    for (size_t i = 0; i < p.nd; i++)
        free(p.wkb ? p.wkb[i] : NULL);
    free(p.names);
    free(p.codes);
    free(p.wkb);
    free(p.wkb_len);
    sqlite3_finalize(c.ins);
    sqlite3_finalize(fi.find);
    sqlite3_finalize(fi.add);
    free(c.pings);
    free(c.blob);
    return rc;
}
