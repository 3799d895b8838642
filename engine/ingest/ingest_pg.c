/*
 * ingest_pg.c — files into a PostgreSQL workspace (see ingest_pg.h for
 * the plan: stage in SQLite with the unchanged loader, then one COPY
 * transaction).  Each kind is a pg_kind: the tables it writes and whether
 * stored rows are staged beside the file's.
 *
 * Workload: a detections file is read twice (once for its detection ids,
 * once by the loader), a concerns file once; the staging area holds the
 * file's rows and the stored rows that share their ids, on disk in a
 * temporary file, so memory does not grow with the file.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csv.h"
#include "ingest_pg.h"
#include "ingest_pg_int.h"
#include "place.h"
#include "store.h"
#include "testhook.h"

/* The workspace's meta rows a load reads and may change (pin.h). */
static const char *const pin_keys[] = {"wgs84_bng_operation", "wgs84_bng_operation_name",
                                       "wgs84_bng_operation_env"};
#define N_PIN_KEYS (sizeof pin_keys / sizeof pin_keys[0])

/* The error of the staging context, as the workspace's. */
int rs_stage_error(rs_ctx *ctx, rs_ctx *stage, int rc)
{
    rs_err *se = rs_ctx_err(stage);
    return rs_err_set(rs_ctx_err(ctx), se->code ? se->code : rc, "%s",
                      se->msg[0] ? se->msg : "staging failed");
}

static int hexval(int ch)
{
    return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Hex text (PostgreSQL's encode(x, 'hex')) into bytes; NULL when bad. */
unsigned char *rs_stage_unhex(const char *s, int len, size_t *n)
{
    if (len < 0 || len % 2)
        return NULL;
    unsigned char *b = malloc(len > 0 ? (size_t)len / 2 : 1);
    for (int i = 0; b && i < len; i += 2) {
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0) {
            free(b);
            return NULL;
        }
        b[i / 2] = (unsigned char)(hi * 16 + lo);
    }
    *n = (size_t)len / 2;
    return b;
}

static int cache_row(void *user, int ncols, const char *const *v, const int *lens)
{
    rs_ctx *stage = user;
    size_t n = 0;
    if (ncols < 4 || !v[0] || !v[1] || !v[2] || !v[3])
        return 0;
    unsigned char *data = rs_stage_unhex(v[3], lens[3], &n);
    if (data == NULL)
        return rs_err_set(rs_ctx_err(stage), RS_ENOMEM, "cannot copy the placer cache");
    int rc = rs_store_cache_put(stage, v[0], strtoll(v[1], NULL, 10), v[2], data, n);
    free(data);
    return rc;
}

/* The staging area gets the workspace's districts (same set number), its
 * placer cache and its pin. */
static int stage_workspace(rs_ctx *ctx, rs_ctx *stage)
{
    rs_districts *d = NULL;
    int64_t set = 0;
    char buf[4096], setv[24];
    int rc = rs_store_districts_read_set(ctx, &d, &set);
    if (rc != 0)
        return rc;
    if ((rc = rs_store_begin(stage)) != 0)
        goto done;
    if (d && (rc = rs_store_districts_replace(stage, d, "")) != 0)
        goto stage_fail;
    snprintf(setv, sizeof setv, "%lld", (long long)set);
    if ((rc = rs_store_meta_set(stage, "district_set", setv)) != 0)
        goto stage_fail;
    for (size_t i = 0; i < N_PIN_KEYS; i++) {
        int got = rs_store_meta_get(ctx, pin_keys[i], buf, sizeof buf);
        if (got == RS_ENOTFOUND)
            continue;
        if (got != 0) {
            rc = got;
            goto done;
        }
        if ((rc = rs_store_meta_set(stage, pin_keys[i], buf)) != 0)
            goto stage_fail;
    }
    rc = rs_store_query_rows(ctx,
                             "SELECT name, district_set, key, encode(data, 'hex') FROM "
                             "roadsafe.placer_cache",
                             cache_row, stage);
    if (rc != 0) {
        if (rs_ctx_err(stage)->code)
            goto stage_fail;
        goto done;
    }
    if ((rc = rs_store_commit(stage)) != 0)
        goto stage_fail;
    goto done;
stage_fail:
    rc = rs_stage_error(ctx, stage, rc);
done:
    rs_store_rollback(stage);
    rs_districts_free(d);
    return rc;
}

int rs_stage_begin_stored(rs_ctx *ctx, rs_ctx *stage, const char *what)
{
    int rc;
    if ((rc = rs_store_begin(stage)) != 0 ||
        (rc = rs_store_exec(stage,
                            "INSERT INTO ingest_file(id, kind, name, sha256, loaded_at, "
                            "rows_loaded, rows_rejected, rows_present) "
                            "VALUES(0, 'workspace', '', '', 0, 0, 0, 0)",
                            what)) != 0) {
        rc = rs_stage_error(ctx, stage, rc);
        rs_store_rollback(stage);
    }
    return rc;
}

/* The file's detection ids into the temporary table rs_ids. */
static int copy_ids(rs_ctx *ctx, const char *path, const char *name)
{
    rs_csv *csv = NULL;
    rs_err e = {0};
    int rc = rs_store_exec(ctx,
                           "CREATE TEMPORARY TABLE rs_ids (detection_id text) ON COMMIT DROP",
                           "stage detection ids");
    if (rc != 0)
        return rc;
    if (rs_csv_open(&e, path, name, &csv) != 0)
        return 0; /* the loader says why */
    int col = rs_csv_col(csv, "detection_id");
    rs_store_copy *c = NULL;
    if (col >= 0 && (rc = rs_store_copy_begin(ctx, "COPY rs_ids FROM STDIN (FORMAT binary)",
                                              &c)) == 0) {
        int got;
        while ((got = rs_csv_next(csv, &e)) == 1) {
            size_t len = 0;
            const char *id = rs_csv_field(csv, (size_t)col, &len);
            if (len == 0 || rs_csv_record_problem(csv) != NULL)
                continue;
            rs_copy_row(c, 1);
            rs_copy_bytes(c, id, len);
        }
        /* a read failure: the loader meets it again and says so */
        rc = rs_store_copy_end(ctx, c, 1);
    }
    rs_csv_close(csv);
    return rc;
}

/* One stored detection into the staging area (as loaded by file 0). */
typedef struct {
    rs_ctx *stage;
    sqlite3_stmt *ins;
} prefetch;

static int stored_row(void *user, int ncols, const char *const *v, const int *lens)
{
    prefetch *p = user;
    sqlite3_stmt *st = p->ins;
    if (ncols < 11)
        return 0;
    sqlite3_bind_text(st, 1, v[0], lens[0], SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, strtoll(v[1], NULL, 10));
    for (int i = 2; i <= 4; i++)
        sqlite3_bind_text(st, i + 1, v[i], lens[i], SQLITE_STATIC);
    sqlite3_bind_double(st, 6, strtod(v[5], NULL));
    sqlite3_bind_double(st, 7, strtod(v[6], NULL));
    if (v[7])
        sqlite3_bind_int64(st, 8, strtoll(v[7], NULL, 10));
    else
        sqlite3_bind_null(st, 8);
    sqlite3_bind_int64(st, 9, strtoll(v[8], NULL, 10));
    sqlite3_bind_int64(st, 10, strtoll(v[9], NULL, 10));
    size_t n = 0;
    unsigned char *veh = v[10] ? rs_stage_unhex(v[10], lens[10], &n) : NULL;
    if (veh)
        sqlite3_bind_blob(st, 11, veh, (int)n, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 11);
    free(veh);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : rs_store_fail(p->stage, "stage stored detections");
}

/* The stored detections whose ids the file holds, into the staging area,
 * so that the loader finds them as it would in an SQLite workspace. */
static int stage_stored(rs_ctx *ctx, rs_ctx *stage)
{
    prefetch p = {stage, NULL};
    int rc;
    if ((rc = rs_stage_begin_stored(ctx, stage, "stage stored detections")) != 0)
        return rc;
    if (sqlite3_prepare_v2(rs_ctx_db(stage),
                           "INSERT INTO detection(detection_id, file_id, t, device_type, "
                           "device_id, site_id, e, n, district_id, speed_cmph, limit_mph, "
                           "vehicle) VALUES(?1, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                           -1, &p.ins, NULL) != SQLITE_OK) {
        rc = rs_stage_error(ctx, stage, rs_store_fail(stage, "stage stored detections"));
        goto done;
    }
    rc = rs_store_query_rows(ctx,
                             "SELECT d.detection_id, d.t, d.device_type, d.device_id, "
                             "d.site_id, d.e, d.n, d.district_id, d.speed_cmph, d.limit_mph, "
                             "encode(d.vehicle, 'hex') FROM roadsafe.detection d "
                             "WHERE d.detection_id IN (SELECT detection_id FROM rs_ids)",
                             stored_row, &p);
    if (rc != 0 && rs_ctx_err(stage)->code)
        rc = rs_stage_error(ctx, stage, rc);
    if (rc == 0 && (rc = rs_store_commit(stage)) != 0)
        rc = rs_stage_error(ctx, stage, rc);
done:
    sqlite3_finalize(p.ins);
    rs_store_rollback(stage);
    return rc;
}


static const pg_table t_detection = {"detection",
                                     "detection_id, t, device_type, device_id, site_id, e, n, "
                                     "district_id, speed_cmph, limit_mph, vehicle",
                                     "t8tttff444b"};
static const pg_table t_concern = {"concern", "t, e, n, district_id, source", "8ff4t"};
static const pg_table t_reject = {"reject", "line, col, reason", "8tt"};

int rs_stage_copy_rows(rs_ctx *ctx, rs_ctx *stage, const char *copy_sql, const char *sel,
                       int64_t fid, int64_t lead, const char *types, const char *what)
{
    sqlite3_stmt *st = NULL;
    rs_store_copy *c = NULL;
    int nc = (int)strlen(types);
    int rc = rs_store_copy_begin(ctx, copy_sql, &c);
    if (rc != 0)
        return rc;
    if (sqlite3_prepare_v2(rs_ctx_db(stage), sel, -1, &st, NULL) != SQLITE_OK) {
        rs_store_copy_end(ctx, c, 0);
        return rs_stage_error(ctx, stage, rs_store_fail(stage, what));
    }
    if (fid >= 0)
        sqlite3_bind_int64(st, 1, fid);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        rs_copy_row(c, nc + (lead >= 0));
        if (lead >= 0)
            rs_copy_int8(c, lead);
        for (int i = 0; i < nc; i++) {
            if (sqlite3_column_type(st, i) == SQLITE_NULL) {
                rs_copy_null(c);
                continue;
            }
            switch (types[i]) {
            case '8': rs_copy_int8(c, sqlite3_column_int64(st, i)); break;
            case '4': rs_copy_int4(c, sqlite3_column_int(st, i)); break;
            case 'f': rs_copy_float8(c, sqlite3_column_double(st, i)); break;
            case 'b':
                rs_copy_bytes(c, sqlite3_column_blob(st, i), (size_t)sqlite3_column_bytes(st, i));
                break;
            default:
                rs_copy_bytes(c, sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
            }
        }
    }
    if (step != SQLITE_DONE) {
        rc = rs_stage_error(ctx, stage, rs_store_fail(stage, what));
        rs_store_copy_end(ctx, c, 0);
    } else {
        rc = rs_store_copy_end(ctx, c, 1);
    }
    sqlite3_finalize(st);
    return rc;
}

/* The staging load's rows of table tb (file fid) into the workspace as
 * file pgid. */
int rs_stage_copy_table(rs_ctx *ctx, rs_ctx *stage, const pg_table *tb, int64_t fid, int64_t pgid)
{
    char copy[512], sel[512];
    snprintf(copy, sizeof copy, "COPY roadsafe.%s(file_id, %s) FROM STDIN (FORMAT binary)",
             tb->table, tb->cols);
    snprintf(sel, sizeof sel, "SELECT %s FROM %s WHERE file_id = ?1", tb->cols, tb->table);
    return rs_stage_copy_rows(ctx, stage, copy, sel, fid, pgid, tb->types, "read the staged rows");
}

/* What a kind loads on PostgreSQL: its log name, its tables (in the order
 * of their references), whether stored rows sharing the file's ids are
 * staged first (kinds whose identity is the content need none), and its
 * own hooks (ingest_pg_int.h). */
typedef struct {
    rs_kind kind;
    const char *name;
    const pg_table *tables[4];
    int stage_ids;
    pg_hooks hooks;
} pg_kind;

static const pg_kind pg_kinds[] = {
    {RS_KIND_DETECTIONS, "detections", {&t_detection, &t_reject}, 1, {NULL, NULL, NULL}},
    {RS_KIND_CONCERNS, "concerns", {&t_concern, &t_reject}, 0, {NULL, NULL, NULL}},
    /* its four tables are sent by its hook, collisions first */
    {RS_KIND_STATS19, "stats19", {&t_reject}, 0,
     {rs_pg_s19_before, rs_pg_s19_send, rs_pg_s19_again}},
    {RS_KIND_TELEMATICS, "telematics", {&t_reject}, 0, {NULL, rs_pg_traffic_send, NULL}},
    {RS_KIND_FLEET, "fleet", {&t_reject}, 0, {rs_pg_fleet_before, rs_pg_fleet_send, NULL}},
};

/* The pin the staging load recorded (a first load, or one allowed to
 * replace it) becomes the workspace's. */
static int copy_pin(rs_ctx *ctx, rs_ctx *stage)
{
    char have[4096], now[4096];
    for (size_t i = 0; i < N_PIN_KEYS; i++) {
        int rc = rs_store_meta_get(stage, pin_keys[i], now, sizeof now);
        if (rc == RS_ENOTFOUND)
            continue;
        if (rc != 0)
            return rs_stage_error(ctx, stage, rc);
        rc = rs_store_meta_get(ctx, pin_keys[i], have, sizeof have);
        if (rc != 0 && rc != RS_ENOTFOUND)
            return rc;
        if ((rc != 0 || strcmp(have, now) != 0) &&
            (rc = rs_store_meta_set(ctx, pin_keys[i], now)) != 0)
            return rc;
    }
    return 0;
}

/* The staging load's rejects (written to tmp) onto the caller's file.
 * For a content already loaded, of a kind known by its content (res->by_content),
 * SQLite's loader rolls back before it writes its closing line on the
 * rejects not kept; drop_last (that line was written) leaves it out too. */
static void pass_rejects(FILE *tmp, FILE *out, int drop_last)
{
    char buf[8192];
    long keep = ftell(tmp);
    for (long pos = keep - 2; drop_last && pos >= -1; pos--) {
        if (pos < 0 || (fseek(tmp, pos, SEEK_SET) == 0 && getc(tmp) == '\n')) {
            keep = pos + 1;
            break;
        }
    }
    rewind(tmp);
    while (keep > 0) {
        size_t n = fread(buf, 1, keep < (long)sizeof buf ? (size_t)keep : sizeof buf, tmp);
        if (n == 0)
            break;
        fwrite(buf, 1, n, out);
        keep -= (long)n;
    }
    fflush(out);
}

static const pg_kind *find_kind(rs_kind kind)
{
    for (size_t i = 0; i < sizeof pg_kinds / sizeof pg_kinds[0]; i++)
        if (pg_kinds[i].kind == kind)
            return &pg_kinds[i];
    return NULL;
}

int rs_ingest_file_pg(rs_ctx *ctx, rs_kind kind, const char *path, const rs_ingest_opts *opts,
                      rs_ingest_result *res)
{
    memset(res, 0, sizeof *res);
    const pg_kind *k = find_kind(kind);
    if (k == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE,
                          "this kind does not load into a PostgreSQL workspace yet");
    if (strcmp(path, "-") == 0)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE,
                          "%s from standard input cannot be loaded into a PostgreSQL "
                          "workspace yet; name the file",
                          k->name);
    rs_ctx *stage = rs_ctx_new();
    if (stage == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    /* the loader's rejects go through a temporary file (pass_rejects) */
    rs_ingest_opts so;
    FILE *rejects = NULL, *caller_rejects = opts ? opts->rejects : NULL;
    int reloaded = 0;
    int rc = rs_store_open(stage, "", RS_STORE_SCRATCH);
    if (rc != 0) {
        rc = rs_stage_error(ctx, stage, rc);
        rs_ctx_free(stage);
        return rc;
    }
    /* One transaction on the workspace from here to the commit: the
     * district set read, the stored rows compared and the file's rows
     * written all belong to it. */
    if ((rc = rs_store_begin(ctx)) != 0 ||
        /* a `districts load` waits for this load to commit, or this load
         * for it; readers never wait */
        (rc = rs_store_exec(ctx, "LOCK TABLE roadsafe.district IN SHARE MODE",
                            "lock the district set")) != 0 ||
        (rc = stage_workspace(ctx, stage)) != 0 ||
        (k->stage_ids &&
         ((rc = copy_ids(ctx, path, path)) != 0 || (rc = stage_stored(ctx, stage)) != 0)) ||
        (k->hooks.before && (rc = k->hooks.before(ctx, stage, path, opts)) != 0))
        goto done;
    if (opts && opts->rejects) {
        so = *opts;
        if ((so.rejects = rejects = tmpfile()) == NULL) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_EIO, "cannot make a temporary file for rejects");
            goto done;
        }
        opts = &so;
    }
    if ((rc = rs_ingest_file(stage, kind, path, opts, res)) != 0) {
        rc = rs_stage_error(ctx, stage, rc);
        goto done;
    }
    int64_t fid = 0, pgid = 0;
    char sha[80] = "", logkind[32] = "";
    sqlite3_stmt *st = NULL;
    /* the log entry as the SQLite load wrote it: its kind is the file's
     * (a STATS19 file is logged as collisions, casualties, ...) */
    if (sqlite3_prepare_v2(rs_ctx_db(stage),
                           "SELECT id, sha256, kind FROM ingest_file ORDER BY id DESC LIMIT 1", -1,
                           &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        fid = sqlite3_column_int64(st, 0);
        snprintf(sha, sizeof sha, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(logkind, sizeof logkind, "%s", (const char *)sqlite3_column_text(st, 2));
    }
    sqlite3_finalize(st);
    if (fid <= 0) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ERR, "%s: the staged load left no log entry", path);
        goto done;
    }
    char loaded_at[24], nl[24], nr[24], np[24];
    snprintf(loaded_at, sizeof loaded_at, "%lld", (long long)time(NULL));
    snprintf(nl, sizeof nl, "%lld", (long long)res->loaded);
    snprintf(nr, sizeof nr, "%lld", (long long)res->rejected);
    snprintf(np, sizeof np, "%lld", (long long)res->present);
    const char *args[7] = {path, sha, loaded_at, nl, nr, np, logkind};
    /* the same content already loaded (or being loaded: this waits for
     * that transaction) gives no row */
    if ((rc = rs_store_query_int_args(ctx,
                                      "INSERT INTO roadsafe.ingest_file(kind, name, sha256, "
                                      "loaded_at, rows_loaded, rows_rejected, rows_present) "
                                      "VALUES($7, $1, $2, $3, $4, $5, $6) "
                                      "ON CONFLICT (kind, sha256) DO NOTHING RETURNING id",
                                      7, args, &pgid)) != 0)
        goto done;
    if (pgid == 0 && k->hooks.again && (rc = k->hooks.again(ctx, logkind, sha, res, &pgid)) != 0)
        goto done;
    if (pgid == 0) {
        reloaded = res->by_content;
        rs_store_rollback(ctx);
        res->present += res->loaded;
        res->loaded = 0;
        res->outside = 0;
        goto done;
    }
    if (k->hooks.send && (rc = k->hooks.send(ctx, stage, fid, pgid)) != 0)
        goto done;
    for (int i = 0; i < 4 && k->tables[i]; i++)
        if ((rc = rs_stage_copy_table(ctx, stage, k->tables[i], fid, pgid)) != 0)
            goto done;
    if ((rc = copy_pin(ctx, stage)) != 0)
        goto done;
    rs_test_pause("ingest-pg-copied");
    rc = rs_store_commit(ctx);
done:
    if (rc != 0)
        rs_store_rollback(ctx);
    if (rejects) {
        pass_rejects(rejects, caller_rejects, reloaded && res->not_kept > 0);
        fclose(rejects);
    }
    rs_ctx_free(stage);
    return rc;
}
