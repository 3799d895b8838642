/*
 * ingest.c — the file-level driver of ingest (see ingest.h): names the
 * kinds, opens the CSV, runs the kind's loader (ingest_*.c) inside one
 * write transaction, logs the file, recognises a file already loaded,
 * commits.  The loaders' shared row helpers are in ingest_row.c, the key
 * and the keyed hash of plates in key.c.
 *
 * Workload: a file at a time, streaming; memory is the CSV reader's record
 * buffer plus one ping chunk.
 */
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "ingest_int.h"
#include "pin.h"
#include "store.h"
#include "testhook.h"
#include "threads.h"

#define READ_AHEAD_BYTES (1 << 20) /* stored size from which a record file is read ahead */

const char rs_rejects_header[] = "file,line,column,reason\n";

int rs_kind_parse(const char *s, rs_kind *out)
{
    static const struct {
        const char *name;
        rs_kind kind;
    } kinds[] = {{"telematics", RS_KIND_TELEMATICS},
                 {"detections", RS_KIND_DETECTIONS},
                 {"stats19", RS_KIND_STATS19},
                 {"concerns", RS_KIND_CONCERNS}};
    for (size_t i = 0; s && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(s, kinds[i].name) == 0) {
            *out = kinds[i].kind;
            return 0;
        }
    return -1;
}

static int file_already_loaded(rs_ingest_run *r, const char *sha_hex, int *yes)
{
    sqlite3_stmt *st = NULL;
    *yes = 0;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT 1 FROM ingest_file WHERE kind = ?1 AND sha256 = ?2 AND id <> ?3 "
                           "LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return rs_store_fail(r->ctx, "check earlier loads");
    sqlite3_bind_text(st, 1, r->kind_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sha_hex, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, r->file_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        *yes = 1;
    else if (rc != SQLITE_DONE)
        return rs_store_fail(r->ctx, "check earlier loads");
    return 0;
}

int rs_ingest_content_loaded(rs_ingest_run *r, int *yes)
{
    unsigned char sha[32];
    char hex[65];
    rs_csv_sha256(r->csv, sha);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
    return file_already_loaded(r, hex, yes);
}

static int log_file(rs_ingest_run *r, const char *sha_hex, int create)
{
    sqlite3_stmt *st = NULL;
    const char *sql =
        create ? "INSERT INTO ingest_file(kind, name, sha256, loaded_at, rows_loaded, "
                 "rows_rejected, rows_present) VALUES('pending', ?1, '', ?2, 0, 0, 0)"
               : "UPDATE ingest_file SET kind = ?1, sha256 = ?2, rows_loaded = ?3, "
                 "rows_rejected = ?4, rows_present = ?5 WHERE id = ?6";
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
        return rs_store_fail(r->ctx, "log the file");
    if (create) {
        sqlite3_bind_text(st, 1, r->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
    } else {
        sqlite3_bind_text(st, 1, r->kind_name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, sha_hex, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, r->res->loaded);
        sqlite3_bind_int64(st, 4, r->res->rejected);
        sqlite3_bind_int64(st, 5, r->res->present);
        sqlite3_bind_int64(st, 6, r->file_id);
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return rs_store_fail(r->ctx, "log the file");
    if (create)
        r->file_id = sqlite3_last_insert_rowid(r->db);
    return 0;
}

/* 1 when a file is big enough to be written directly (store.h): stored
 * size at least ROADSAFE_DIRECT_LOAD_MB megabytes (default 64; 0: every
 * file, stdin too).  Switching the journal costs a few fsyncs each way,
 * more than a small load saves. */
static int big_load(const rs_csv *csv)
{
    const char *env = getenv("ROADSAFE_DIRECT_LOAD_MB");
    char *end = NULL;
    long mb = env && *env ? strtol(env, &end, 10) : 64;
    if (env && *env && (*end != '\0' || mb < 0))
        mb = 64;
    if (mb == 0)
        return 1;
    int64_t size = rs_csv_size(csv);
    return size >= 0 && size >= (int64_t)mb * 1000000;
}

int rs_ingest_file(rs_ctx *ctx, rs_kind kind, const char *path, const rs_ingest_opts *opts,
                   rs_ingest_result *res)
{
    rs_ingest_run run;
    rs_districts *districts = NULL;
    int rc, direct = 0;
    memset(res, 0, sizeof *res);
    memset(&run, 0, sizeof run);
    run.ctx = ctx;
    run.db = rs_ctx_db(ctx);
    run.opts = opts;
    run.res = res;
    run.name = strcmp(path, "-") == 0 ? "stdin" : path;
    if ((kind == RS_KIND_DETECTIONS || kind == RS_KIND_FLEET) && (!opts || !opts->key))
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE,
                          "%s: %s need a key for hashing %s: give --key-file FILE or set "
                          "ROADSAFE_KEY_FILE (make a key once with 'roadsafe keygen FILE' and "
                          "keep it safe)",
                          run.name, kind == RS_KIND_FLEET ? "fleet telematics" : "detections",
                          kind == RS_KIND_FLEET ? "vehicle ids" : "plates");
    if ((rc = rs_csv_open(rs_ctx_err(ctx), path, run.name, &run.csv)) != 0)
        return rc;
    /* The record kinds are loaded on this thread; with a second core a
     * helper reads and splits the file ahead of it (csv.h), for a file of
     * 1 MiB or more (not stdin: see rs_csv_read_ahead). */
    if (kind != RS_KIND_TELEMATICS && kind != RS_KIND_FLEET &&
        rs_csv_size(run.csv) >= READ_AHEAD_BYTES && rs_thread_count(2) > 1)
        rs_csv_read_ahead(run.csv);
    /* The district set is read, and the placer built from it, inside the
     * write transaction the records are stored in: a `districts load` by
     * another process either commits before (and this run places against
     * the new set) or waits until this run commits (and re-assigns its
     * records), never in between. */
    /* A big file of any kind is written straight into the database file,
     * not through the write-ahead log (store.h, direct writing): its pages
     * are then written once, not a second time by the checkpoint. */
    if (big_load(run.csv))
        direct = rs_store_direct_begin(ctx);
    if ((rc = rs_store_begin(ctx)) != 0)
        goto done;
    int64_t set = 0;
    if ((rc = rs_store_districts_read_set(ctx, &districts, &set)) != 0)
        goto done;
    run.districts = districts;
    if ((rc = rs_placer_new_stored(ctx, districts, set, &run.placer)) != 0)
        goto done;
    rs_test_pause("ingest-placed");
    if ((rc = rs_pin_check(ctx, rs_placer_crs(run.placer), rs_placer_from_pin(run.placer),
                           opts && opts->allow_new_transform,
                           &res->transform_replaced)) != 0)
        goto done;
    /* a workspace from before the placer cache, or one whose cache did not
     * check out, gets it now (kept only if this load commits) */
    if ((rc = rs_placer_save(ctx, run.placer)) != 0)
        goto done;
    if ((rc = log_file(&run, NULL, 1)) != 0)
        goto done;
    if (sqlite3_prepare_v2(run.db, "INSERT INTO reject(file_id, line, col, reason) "
                                   "VALUES(?1, ?2, ?3, ?4)",
                           -1, &run.reject_stmt, NULL) != SQLITE_OK) {
        rc = rs_store_fail(ctx, "prepare rejects");
        goto done;
    }
    switch (kind) {
    case RS_KIND_TELEMATICS: rc = rs_ingest_telematics(&run, 0); break;
    case RS_KIND_FLEET: rc = rs_ingest_telematics(&run, 1); break;
    case RS_KIND_DETECTIONS: rc = rs_ingest_detections(&run); break;
    case RS_KIND_STATS19: rc = rs_ingest_stats19(&run); break;
    case RS_KIND_CONCERNS: rc = rs_ingest_concerns(&run); break;
    }
    if (rc == 0)
        rc = run.reject_rc; /* a reject that could not be stored fails the load */
    if (rc != 0)
        goto done;
    snprintf(res->what, sizeof res->what, "%s", run.kind_name ? run.kind_name : "");
    res->by_content = run.dedupe_by_content;
    unsigned char sha[32];
    char hex[65];
    rs_csv_sha256(run.csv, sha);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
    if (run.dedupe_by_content) {
        int dup = 0;
        if ((rc = file_already_loaded(&run, hex, &dup)) != 0)
            goto done;
        if (dup) {
            /* The same content was loaded before: nothing of this run stays. */
            rs_store_rollback(ctx);
            res->present = res->loaded;
            res->loaded = 0;
            res->outside = 0;
            rc = 0;
            goto done;
        }
    }
    if ((rc = log_file(&run, hex, 0)) != 0)
        goto done;
    if (res->not_kept > 0 && opts && opts->rejects) {
        /* the last line of this file's rejects says how many are missing */
        char why[160];
        snprintf(why, sizeof why, "%lld more rejected rows not kept (at most %lld kept per file)",
                 (long long)res->not_kept, (long long)(res->rejected - res->not_kept));
        rs_csv_put(opts->rejects, run.name);
        fputs(",,,", opts->rejects);
        rs_csv_put(opts->rejects, why);
        fputc('\n', opts->rejects);
    }
    sqlite3_finalize(run.reject_stmt);
    run.reject_stmt = NULL;
    rc = rs_store_commit(ctx);
done:
    sqlite3_finalize(run.reject_stmt);
    if (rc != 0)
        rs_store_rollback(ctx);
    if (direct)
        rs_store_direct_end(ctx);
    if (opts && opts->rejects)
        fflush(opts->rejects);
    rs_placer_free(run.placer);
    rs_districts_free(districts);
    rs_csv_close(run.csv);
    return rc;
}
