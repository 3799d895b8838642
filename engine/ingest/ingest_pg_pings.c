/*
 * ingest_pg_pings.c — telematics and fleet pings into a PostgreSQL
 * workspace: the hooks of the staged load (ingest_pg.h, ingest_pg_int.h).
 *
 * The staging load packs the file's pings in chunks (pings.h); here each
 * staged chunk is decoded and its pings sent one row each into
 * roadsafe.ping by binary COPY, with seq = the ping's place in the file
 * (0, 1, 2, ... in chunk id order, then record order), so a reader gets
 * the file order back.  Streaming: one chunk's blob at a time, nothing
 * allocated per ping.
 *
 * Month partitions.  roadsafe.ping is partitioned by calendar month; a
 * ping whose month has no partition would land in the default ping_other.
 * Creating a partition with CREATE TABLE ... PARTITION OF (what
 * roadsafe.ping_month does) takes an ACCESS EXCLUSIVE lock on
 * roadsafe.ping until its transaction ends, which inside the long COPY
 * transaction would make every reader wait for the load.  So the months
 * the staged pings need are made first, on a second connection in short
 * transactions of their own, and committed before any ping is sent: a
 * standalone table, then ALTER TABLE ... ATTACH PARTITION, which takes
 * only SHARE UPDATE EXCLUSIVE on roadsafe.ping (readers and other
 * loaders' COPY go on) and ACCESS EXCLUSIVE on the new table and, for the
 * instant of checking it is empty, on ping_other.  The main transaction
 * holds no lock on roadsafe.ping or its partitions at that point (nothing
 * of this load has read or written them on it), so the second connection
 * can never wait for its own load.  Makers of partitions are serialised by
 * an advisory lock, and each waits at most a short lock timeout at a time,
 * retried, so readers queued behind it never wait long.  A load killed
 * after making its partitions leaves them empty: harmless (an empty month
 * costs a catalogue entry, and the next load of that month uses it).
 *
 * Fleet.  The loader gives each new vehicle the next fleet_vehicle id and
 * the pings keep the id.  The workspace's vehicles are staged with their
 * ids, so the loader reuses them and numbers new ones after the highest;
 * the new ones are sent with their ids.  Fleet loaders are serialised by a
 * lock on roadsafe.fleet_vehicle that conflicts with itself but not with
 * readers (SHARE ROW EXCLUSIVE), taken before the vehicles are read and
 * held to the commit: two loaders never hand out one id.  The per-vehicle
 * checks (ingest_fleet_check.c) compare the file's pings with the
 * vehicles' stored pings near the file's period; those are staged too, as
 * chunks of a pseudo-file 0, read on the second connection (so the main
 * transaction keeps no lock on roadsafe.ping) once the fleet lock is held
 * (so no fleet load can commit pings in between).  When the file's content
 * is loaded already, none are staged: the SQLite loader checks such a
 * file on its own, and its counts are those of its first load.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "ingest_fleet_int.h"
#include "ingest_pg_int.h"
#include "parse.h"
#include "pings.h"
#include "store.h"

/* How long a maker of partitions waits for a lock before it lets go and
 * tries again, and how often (about ten minutes in all). */
#define PART_LOCK_TIMEOUT "200ms"
#define PART_TRIES 3000
/* The advisory lock key of partition makers ("rspm"). */
#define PART_LOCK_KEY 0x7273706dL

/* ---- months --------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The month of UTC instant t, as year * 12 + (month - 1). */
static int64_t month_of(int64_t t)
{
    int64_t z = (t >= 0 ? t : t - 86399) / 86400 + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    return y * 12 + (m - 1);
}

static int64_t month_start(int64_t mon)
{
    int64_t y = mon >= 0 ? mon / 12 : (mon - 11) / 12;
    return days_from_civil(y, (int)(mon - y * 12) + 1, 1) * 86400;
}

/* A sorted set of months (few: one per month a file spans). */
typedef struct months {
    int64_t *m;
    size_t n, cap;
} months;

static int months_add(months *s, int64_t mon)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->m[mid] == mon)
            return 0;
        if (s->m[mid] < mon)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        int64_t *nm = realloc(s->m, nc * sizeof *nm);
        if (nm == NULL)
            return RS_ENOMEM;
        s->m = nm;
        s->cap = nc;
    }
    memmove(s->m + lo + 1, s->m + lo, (s->n - lo) * sizeof *s->m);
    s->m[lo] = mon;
    s->n++;
    return 0;
}

/* The months of the staged pings of file fid: a chunk within one month
 * says so by its t_min and t_max; only a chunk across months is decoded. */
static int staged_months(rs_ctx *ctx, rs_ctx *stage, int64_t fid, months *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(rs_ctx_db(stage),
                           "SELECT t_min, t_max, n, data FROM ping_chunk WHERE file_id = ?1", -1,
                           &st, NULL) != SQLITE_OK)
        return rs_stage_error(ctx, stage, rs_store_fail(stage, "read the staged pings"));
    sqlite3_bind_int64(st, 1, fid);
    int step, rc = 0;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t t0 = sqlite3_column_int64(st, 0), t1 = sqlite3_column_int64(st, 1);
        if (month_of(t0) == month_of(t1)) {
            rc = months_add(out, month_of(t0));
            continue;
        }
        const unsigned char *data = sqlite3_column_blob(st, 3);
        int64_t n = sqlite3_column_int64(st, 2);
        if (n < 0 || n * RS_PING_BYTES > sqlite3_column_bytes(st, 3)) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_ERR, "internal error: a staged chunk is short");
            break;
        }
        for (int64_t i = 0; rc == 0 && i < n; i++) {
            rs_ping p;
            rs_ping_decode(data + i * RS_PING_BYTES, t0, &p);
            rc = months_add(out, month_of(p.t));
        }
    }
    if (rc == RS_ENOMEM)
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    else if (rc == 0 && step != SQLITE_DONE)
        rc = rs_stage_error(ctx, stage, rs_store_fail(stage, "read the staged pings"));
    sqlite3_finalize(st);
    return rc;
}

/* Makes (and commits, on side) the partitions of months m that are
 * missing: a table like roadsafe.ping, then attached. */
static int make_partitions(rs_ctx *side, const months *m)
{
    size_t cap = 256 + m->n * 700;
    char *sql = malloc(cap);
    if (sql == NULL)
        return rs_err_set(rs_ctx_err(side), RS_ENOMEM, "out of memory");
    size_t len = (size_t)snprintf(sql, cap,
                                  "BEGIN; SET LOCAL lock_timeout = '" PART_LOCK_TIMEOUT "'; "
                                  "SELECT pg_advisory_xact_lock(%ld); ",
                                  PART_LOCK_KEY);
    for (size_t i = 0; i < m->n && len < cap; i++) {
        int64_t mon = m->m[i];
        int64_t y = mon >= 0 ? mon / 12 : (mon - 11) / 12;
        char part[40];
        snprintf(part, sizeof part, "ping_%04lld_%02d", (long long)y, (int)(mon - y * 12) + 1);
        len += (size_t)snprintf(
            sql + len, cap - len,
            "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = "
            "to_regclass('roadsafe.%s') AND inhparent = 'roadsafe.ping'::regclass) THEN "
            "CREATE TABLE IF NOT EXISTS roadsafe.%s (LIKE roadsafe.ping INCLUDING DEFAULTS "
            "INCLUDING GENERATED); "
            "ALTER TABLE roadsafe.ping ATTACH PARTITION roadsafe.%s "
            "FOR VALUES FROM (%lld) TO (%lld); END IF; END$$; ",
            part, part, part, (long long)month_start(mon), (long long)month_start(mon + 1));
    }
    if (len + sizeof "COMMIT" > cap) { /* cannot happen: 700 bytes hold a month's */
        free(sql);
        return rs_err_set(rs_ctx_err(side), RS_ERR, "internal error: partition statement");
    }
    snprintf(sql + len, cap - len, "COMMIT");
    int rc = 0;
    for (int tries = 0; tries < PART_TRIES; tries++) {
        rs_err_clear(rs_ctx_err(side));
        rc = rs_store_exec(side, sql, "make the month partitions of the pings");
        if (rc != RS_EBUSY)
            break;
        rs_store_exec(side, "ROLLBACK", "roll back");
    }
    free(sql);
    return rc;
}

/* A second connection to the workspace in a fresh context. */
static int open_side(rs_ctx *ctx, rs_ctx **side)
{
    *side = rs_ctx_new();
    if (*side == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    int rc = rs_store_pg_sibling(ctx, *side);
    if (rc != 0)
        rc = rs_stage_error(ctx, *side, rc);
    return rc;
}

/* ---- sending the pings ---------------------------------------------------- */

static int send_pings(rs_ctx *ctx, rs_ctx *stage, int64_t fid, int64_t pgid)
{
    months m = {0};
    rs_ctx *side = NULL;
    int rc = staged_months(ctx, stage, fid, &m);
    if (rc == 0 && m.n > 0 && (rc = open_side(ctx, &side)) == 0 &&
        (rc = make_partitions(side, &m)) != 0)
        rc = rs_stage_error(ctx, side, rc);
    rs_ctx_free(side);
    free(m.m);
    if (rc != 0 || m.n == 0)
        return rc;

    sqlite3_stmt *st = NULL;
    rs_store_copy *c = NULL;
    if (sqlite3_prepare_v2(rs_ctx_db(stage),
                           "SELECT t_min, n, data, source FROM ping_chunk WHERE file_id = ?1 "
                           "ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return rs_stage_error(ctx, stage, rs_store_fail(stage, "read the staged pings"));
    sqlite3_bind_int64(st, 1, fid);
    if ((rc = rs_store_copy_begin(ctx,
                                  "COPY roadsafe.ping(file_id, source, t, e, n, speed_cmph, "
                                  "limit_mph, district_id, vehicle, seq) FROM STDIN "
                                  "(FORMAT binary)",
                                  &c)) != 0) {
        sqlite3_finalize(st);
        return rc;
    }
    int64_t seq = 0;
    int step, ok = 1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t t_min = sqlite3_column_int64(st, 0), n = sqlite3_column_int64(st, 1);
        const unsigned char *data = sqlite3_column_blob(st, 2);
        const unsigned char *source = sqlite3_column_text(st, 3);
        size_t slen = (size_t)sqlite3_column_bytes(st, 3);
        if (n < 0 || n * RS_PING_BYTES > sqlite3_column_bytes(st, 2)) {
            ok = 0;
            break;
        }
        for (int64_t i = 0; i < n; i++) {
            rs_ping p;
            rs_ping_decode(data + i * RS_PING_BYTES, t_min, &p);
            rs_copy_row(c, 10);
            rs_copy_int8(c, pgid);
            rs_copy_bytes(c, source, slen);
            rs_copy_int8(c, p.t);
            rs_copy_int4(c, p.e);
            rs_copy_int4(c, p.n);
            rs_copy_int4(c, p.speed);
            rs_copy_int2(c, p.limit);
            rs_copy_int2(c, p.district);
            rs_copy_int4(c, p.vehicle);
            rs_copy_int8(c, seq++);
        }
    }
    if (!ok) {
        rs_store_copy_end(ctx, c, 0);
        rc = rs_err_set(rs_ctx_err(ctx), RS_ERR, "internal error: a staged chunk is short");
    } else if (step != SQLITE_DONE) {
        rc = rs_stage_error(ctx, stage, rs_store_fail(stage, "read the staged pings"));
        rs_store_copy_end(ctx, c, 0);
    } else {
        rc = rs_store_copy_end(ctx, c, 1);
    }
    sqlite3_finalize(st);
    return rc;
}

int rs_pg_traffic_send(rs_ctx *ctx, rs_ctx *stage, int64_t fid, int64_t pgid)
{
    return send_pings(ctx, stage, fid, pgid);
}

/* ---- fleet ------------------------------------------------------------------ */

typedef struct vehicle_sink {
    rs_ctx *stage;
    sqlite3_stmt *ins;
} vehicle_sink;

static int stage_vehicle(void *user, int ncols, const char *const *v, const int *lens)
{
    vehicle_sink *s = user;
    size_t n = 0;
    if (ncols < 2 || !v[0] || !v[1])
        return 0;
    unsigned char *h = rs_stage_unhex(v[1], lens[1], &n);
    if (h == NULL)
        return rs_err_set(rs_ctx_err(s->stage), RS_ENOMEM, "cannot stage the fleet vehicles");
    sqlite3_bind_int64(s->ins, 1, strtoll(v[0], NULL, 10));
    sqlite3_bind_blob(s->ins, 2, h, (int)n, SQLITE_TRANSIENT);
    free(h);
    int rc = sqlite3_step(s->ins);
    sqlite3_reset(s->ins);
    return rc == SQLITE_DONE ? 0 : rs_store_fail(s->stage, "stage the fleet vehicles");
}

/* The workspace's fleet vehicles, with their ids, into the stage. */
static int stage_vehicles(rs_ctx *ctx, rs_ctx *stage)
{
    vehicle_sink s = {stage, NULL};
    if (sqlite3_prepare_v2(rs_ctx_db(stage),
                           "INSERT INTO fleet_vehicle(id, vehicle) VALUES(?1, ?2)", -1, &s.ins,
                           NULL) != SQLITE_OK)
        return rs_stage_error(ctx, stage, rs_store_fail(stage, "stage the fleet vehicles"));
    int rc = rs_store_query_rows(ctx,
                                 "SELECT id, encode(vehicle, 'hex') FROM roadsafe.fleet_vehicle "
                                 "ORDER BY id",
                                 stage_vehicle, &s);
    if (rc != 0 && rs_ctx_err(stage)->code)
        rc = rs_stage_error(ctx, stage, rc);
    sqlite3_finalize(s.ins);
    return rc;
}

/* The period of the file's timestamps and its SHA-256 (as the loader will
 * compute it; "" when the file cannot be read to its end).  *t_min >
 * *t_max when no timestamp parses.  Every record counts, good or not: a
 * wider period only stages more. */
static void file_period(const char *path, int64_t *t_min, int64_t *t_max, char sha_hex[65])
{
    rs_csv *csv = NULL;
    rs_err e = {0};
    *t_min = INT64_MAX;
    *t_max = INT64_MIN;
    sha_hex[0] = '\0';
    if (rs_csv_open(&e, path, path, &csv) != 0)
        return; /* the loader says why */
    int col = rs_csv_col(csv, "timestamp"), got;
    while ((got = rs_csv_next(csv, &e)) == 1) {
        size_t len = 0;
        int64_t t;
        const char *s = col >= 0 ? rs_csv_field(csv, (size_t)col, &len) : "";
        if (len > 0 && rs_parse_iso8601(s, len, &t) == 0) {
            if (t < *t_min)
                *t_min = t;
            if (t > *t_max)
                *t_max = t;
        }
    }
    if (got == 0) {
        unsigned char sha[32];
        rs_csv_sha256(csv, sha);
        for (int i = 0; i < 32; i++)
            snprintf(sha_hex + 2 * i, 3, "%02x", sha[i]);
    }
    /* a read failure: the loader meets it again and says so */
    rs_csv_close(csv);
}

/* Stored fleet pings into the stage, as chunks of file 0. */
typedef struct old_pings {
    rs_ctx *stage;
    sqlite3_stmt *ins;
    rs_ping *p;
    unsigned char *blob;
    size_t n;
} old_pings;

static int old_flush(old_pings *o)
{
    if (o->n == 0)
        return 0;
    int64_t t0, t1;
    if (rs_ping_chunk_pack(o->p, o->n, o->blob, &t0, &t1) != 0)
        return rs_err_set(rs_ctx_err(o->stage), RS_ERR, "stored ping times span too long");
    sqlite3_bind_int64(o->ins, 1, (sqlite3_int64)o->n);
    sqlite3_bind_int64(o->ins, 2, t0);
    sqlite3_bind_int64(o->ins, 3, t1);
    sqlite3_bind_blob(o->ins, 4, o->blob, (int)(o->n * RS_PING_BYTES), SQLITE_STATIC);
    int rc = sqlite3_step(o->ins);
    sqlite3_reset(o->ins);
    o->n = 0;
    return rc == SQLITE_DONE ? 0 : rs_store_fail(o->stage, "stage the stored fleet pings");
}

static int old_row(void *user, int ncols, const char *const *v, const int *lens)
{
    old_pings *o = user;
    (void)lens;
    if (ncols < 7)
        return 0;
    for (int i = 0; i < 7; i++)
        if (v[i] == NULL)
            return 0;
    rs_ping *p = &o->p[o->n++];
    p->t = strtoll(v[0], NULL, 10);
    p->e = (int32_t)strtol(v[1], NULL, 10);
    p->n = (int32_t)strtol(v[2], NULL, 10);
    p->speed = (uint16_t)strtol(v[3], NULL, 10);
    p->limit = (uint8_t)strtol(v[4], NULL, 10);
    p->district = (int16_t)strtol(v[5], NULL, 10);
    p->vehicle = (uint16_t)strtol(v[6], NULL, 10);
    return o->n == RS_PING_CHUNK ? old_flush(o) : 0;
}

/* The workspace's fleet pings with t in [from, to], read on a second
 * connection, into the stage as chunks of the pseudo-file 0. */
static int stage_old_pings(rs_ctx *ctx, rs_ctx *stage, int64_t from, int64_t to)
{
    old_pings o = {stage, NULL, NULL, NULL, 0};
    rs_ctx *side = NULL;
    char sql[512];
    int rc;
    o.p = malloc(sizeof *o.p * RS_PING_CHUNK);
    o.blob = malloc((size_t)RS_PING_CHUNK * RS_PING_BYTES);
    if (o.p == NULL || o.blob == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = open_side(ctx, &side)) != 0)
        goto done;
    if ((rc = rs_stage_begin_stored(ctx, stage, "stage the stored fleet pings")) != 0)
        goto done;
    if (sqlite3_prepare_v2(rs_ctx_db(stage),
                           "INSERT INTO ping_chunk(file_id, source, n, t_min, t_max, data) "
                           "VALUES(0, 'fleet', ?1, ?2, ?3, ?4)",
                           -1, &o.ins, NULL) != SQLITE_OK) {
        rc = rs_stage_error(ctx, stage, rs_store_fail(stage, "stage the stored fleet pings"));
        goto done;
    }
    snprintf(sql, sizeof sql,
             "SELECT t, e, n, speed_cmph, limit_mph, district_id, vehicle FROM roadsafe.ping "
             "WHERE source = 'fleet' AND t >= %lld AND t <= %lld",
             (long long)from, (long long)to);
    rc = rs_store_query_rows(side, sql, old_row, &o);
    if (rc == 0)
        rc = old_flush(&o);
    if (rc != 0) {
        rc = rs_ctx_err(stage)->code ? rs_stage_error(ctx, stage, rc)
                                     : rs_stage_error(ctx, side, rc);
        goto done;
    }
    if ((rc = rs_store_commit(stage)) != 0)
        rc = rs_stage_error(ctx, stage, rc);
done:
    sqlite3_finalize(o.ins);
    rs_store_rollback(stage);
    rs_ctx_free(side);
    free(o.p);
    free(o.blob);
    return rc;
}

int rs_pg_fleet_before(rs_ctx *ctx, rs_ctx *stage, const char *path,
                       const rs_ingest_opts *opts)
{
    /* one fleet loader at a time hands out vehicle ids; readers go on */
    int rc = rs_store_exec(ctx, "LOCK TABLE roadsafe.fleet_vehicle IN SHARE ROW EXCLUSIVE MODE",
                           "lock the fleet vehicles");
    if (rc != 0)
        return rc;
    if ((rc = rs_store_begin(stage)) != 0)
        return rs_stage_error(ctx, stage, rc);
    if ((rc = stage_vehicles(ctx, stage)) != 0) {
        rs_store_rollback(stage);
        return rc;
    }
    if ((rc = rs_store_commit(stage)) != 0)
        return rs_stage_error(ctx, stage, rc);

    double max_mph = opts ? opts->fleet_max_mph : 0;
    int same_time_ok = opts ? opts->fleet_same_time_ok : 0;
    if (max_mph < 0 && same_time_ok)
        return 0; /* no checks: no stored ping is compared */
    int64_t t_min, t_max, seen = 0;
    char sha[65];
    file_period(path, &t_min, &t_max, sha);
    if (t_min > t_max)
        return 0;
    if (sha[0]) {
        const char *args[1] = {sha};
        if ((rc = rs_store_query_int_args(ctx,
                                          "SELECT count(*) FROM roadsafe.ingest_file "
                                          "WHERE kind = 'fleet' AND sha256 = $1",
                                          1, args, &seen)) != 0)
            return rc;
        if (seen > 0)
            return 0; /* checked on its own, as the SQLite loader does */
    }
    int64_t w = rs_fleet_check_window(max_mph);
    return stage_old_pings(ctx, stage, t_min - w, t_max + w);
}

/* The vehicles the staging load added (ids above the workspace's). */
static int send_vehicles(rs_ctx *ctx, rs_ctx *stage)
{
    int64_t top = 0;
    int rc = rs_store_query_int(ctx, "SELECT coalesce(max(id), 0) FROM roadsafe.fleet_vehicle",
                                &top);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = NULL;
    rs_store_copy *c = NULL;
    if (sqlite3_prepare_v2(rs_ctx_db(stage),
                           "SELECT id, vehicle FROM fleet_vehicle WHERE id > ?1 ORDER BY id", -1,
                           &st, NULL) != SQLITE_OK)
        return rs_stage_error(ctx, stage, rs_store_fail(stage, "read the staged vehicles"));
    sqlite3_bind_int64(st, 1, top);
    if ((rc = rs_store_copy_begin(ctx,
                                  "COPY roadsafe.fleet_vehicle(id, vehicle) FROM STDIN "
                                  "(FORMAT binary)",
                                  &c)) != 0) {
        sqlite3_finalize(st);
        return rc;
    }
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        rs_copy_row(c, 2);
        rs_copy_int4(c, sqlite3_column_int(st, 0));
        rs_copy_bytes(c, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1));
    }
    if (step != SQLITE_DONE) {
        rc = rs_stage_error(ctx, stage, rs_store_fail(stage, "read the staged vehicles"));
        rs_store_copy_end(ctx, c, 0);
    } else {
        rc = rs_store_copy_end(ctx, c, 1);
    }
    sqlite3_finalize(st);
    /* the identity goes on after the ids given here, should anything
     * ever add a vehicle without one */
    if (rc == 0)
        rc = rs_store_exec(ctx,
                           "SELECT setval(pg_get_serial_sequence('roadsafe.fleet_vehicle', "
                           "'id'), max(id)) FROM roadsafe.fleet_vehicle HAVING max(id) > 0",
                           "number the fleet vehicles");
    return rc;
}

int rs_pg_fleet_send(rs_ctx *ctx, rs_ctx *stage, int64_t fid, int64_t pgid)
{
    int rc = send_vehicles(ctx, stage);
    return rc != 0 ? rc : send_pings(ctx, stage, fid, pgid);
}
