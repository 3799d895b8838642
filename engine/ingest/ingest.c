/*
 * ingest.c — the file-level driver of ingest (see ingest.h): opens the CSV,
 * runs the kind's loader inside one write transaction, logs the file,
 * recognises a file already loaded, commits.  Also the keyed hash of
 * plates and vehicle ids.
 *
 * Workload: a file at a time, streaming; memory is the CSV reader's record
 * buffer plus one ping chunk.
 */
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ingest_int.h"
#include "parse.h"
#include "store.h"
#include "fmt.h"

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

/* ---- keys and plates ----------------------------------------------------- */

int rs_key_read(rs_ctx *ctx, const char *path, rs_key *key)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_EINPUT, "key file %s: %s", path, strerror(errno));
    size_t n = fread(key->bytes, 1, sizeof key->bytes, f);
    int more = fgetc(f) != EOF;
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return rs_err_set(rs_ctx_err(ctx), RS_EIO, "key file %s: read error", path);
    if (more)
        return rs_err_set(rs_ctx_err(ctx), RS_EINPUT, "key file %s: longer than %d bytes", path,
                          RS_KEY_MAX);
    if (n > 0 && key->bytes[n - 1] == '\n')
        n--;
    if (n > 0 && key->bytes[n - 1] == '\r')
        n--;
    if (n < RS_KEY_MIN)
        return rs_err_set(rs_ctx_err(ctx), RS_EINPUT,
                          "key file %s: shorter than %d bytes; make one with 'roadsafe keygen "
                          "FILE'",
                          path, RS_KEY_MIN);
    key->len = n;
    return 0;
}

int rs_key_generate(rs_ctx *ctx, const char *path)
{
    unsigned char raw[32];
    char hex[65];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return rs_err_set(rs_ctx_err(ctx), RS_ERR, "cannot get random bytes for a key");
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return rs_err_set(rs_ctx_err(ctx), errno == EEXIST ? RS_EUSAGE : RS_EIO,
                          "key file %s: %s", path,
                          errno == EEXIST ? "already exists (not overwritten)" : strerror(errno));
    hex[64] = '\n';
    ssize_t w = write(fd, hex, 65);
    int cerr = close(fd);
    if (w != 65 || cerr != 0) {
        unlink(path);
        return rs_err_set(rs_ctx_err(ctx), RS_EIO, "key file %s: write failed", path);
    }
    return 0;
}

int rs_vrm_normalise(const char *vrm, size_t len, char *out, size_t *out_len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)vrm[i];
        if (c == ' ')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (unsigned char)(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return -1;
        if (n >= 10)
            return -1;
        out[n++] = (char)c;
    }
    if (n == 0)
        return -1;
    out[n] = '\0';
    *out_len = n;
    return 0;
}

void rs_vrm_hash(const rs_key *key, const char *norm, size_t len, unsigned char out[32])
{
    unsigned int olen = 32;
    HMAC(EVP_sha256(), key->bytes, (int)key->len, (const unsigned char *)norm, len, out, &olen);
}

/* ---- shared row helpers ------------------------------------------------- */

int rs_ingest_reject(rs_ingest_run *r, const char *column, const char *reason)
{
    return rs_ingest_reject_at(r, rs_csv_line(r->csv), column, reason);
}

int rs_ingest_reject_at(rs_ingest_run *r, long line, const char *column, const char *reason)
{
    r->res->rejected++;
    if (r->opts && r->opts->rejects) {
        FILE *f = r->opts->rejects;
        rs_csv_put(f, r->name);
        fprintf(f, ",%ld,", line);
        rs_csv_put(f, column);
        fputc(',', f);
        rs_csv_put(f, reason);
        fputc('\n', f);
    }
    sqlite3_stmt *st = r->reject_stmt;
    sqlite3_bind_int64(st, 1, r->file_id);
    sqlite3_bind_int64(st, 2, line);
    sqlite3_bind_text(st, 3, column, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rs_store_fail(r->ctx, "store a reject");
    return 0;
}

int rs_ingest_col(rs_ingest_run *r, const char *const *names)
{
    int found = -1;
    const char *found_name = NULL;
    for (const char *const *n = names; *n; n++) {
        int c = rs_csv_col(r->csv, *n);
        if (c < 0)
            continue;
        if (found >= 0 && c != found) {
            rs_err_set(rs_ctx_err(r->ctx), RS_EINPUT,
                       "%s:1: ambiguous header: both '%s' and '%s' are present", r->name,
                       found_name, *n);
            return -2;
        }
        found = c;
        found_name = *n;
    }
    return found;
}

int rs_ingest_missing(rs_ingest_run *r, const char *what)
{
    return rs_err_set(rs_ctx_err(r->ctx), RS_EINPUT, "%s:1: missing required column %s",
                      r->name, what);
}

const char *rs_ingest_field(rs_ingest_run *r, int i, size_t *len)
{
    if (i < 0) {
        if (len)
            *len = 0;
        return "";
    }
    return rs_csv_field(r->csv, (size_t)i, len);
}

int rs_ingest_next(rs_ingest_run *r, int64_t *rows)
{
    for (;;) {
        int got = rs_csv_next(r->csv, rs_ctx_err(r->ctx));
        if (got <= 0)
            return got;
        rs_ingest_tick(r, ++*rows);
        const char *problem = rs_csv_record_problem(r->csv);
        if (problem == NULL)
            return 1;
        int rc = rs_ingest_reject(r, "", problem);
        if (rc != 0)
            return rc;
    }
}

void rs_ingest_tick(rs_ingest_run *r, int64_t rows)
{
    if (rows - r->ticked < 0x10000)
        return;
    r->ticked = rows;
    if (r->opts && r->opts->progress)
        r->opts->progress(r->opts->progress_user, r->name, rows, rs_csv_bytes_in(r->csv),
                          rs_csv_size(r->csv));
}

int rs_ingest_time(rs_ingest_run *r, int col, const char *name, int64_t *t)
{
    size_t len;
    const char *s = rs_ingest_field(r, col, &len);
    if (len == 0) {
        rs_ingest_reject(r, name, "empty timestamp");
        return -1;
    }
    if (rs_parse_iso8601(s, len, t) != 0) {
        rs_ingest_reject(r, name,
                         "not an ISO 8601 time with Z or an offset, or not a real date/time");
        return -1;
    }
    return 0;
}

int rs_check_latlon(const char *a, size_t la, const char *b, size_t lo, double *lat,
                    double *lon, const char **col, const char **why)
{
    *col = "lat";
    if (la == 0 || lo == 0) {
        *col = la == 0 ? "lat" : "lon";
        *why = "empty coordinate";
        return -1;
    }
    if (rs_parse_decimal(a, la, lat) != 0) {
        *why = "not a plain decimal number";
        return -1;
    }
    if (rs_parse_decimal(b, lo, lon) != 0) {
        *col = "lon";
        *why = "not a plain decimal number";
        return -1;
    }
    if (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) {
        *col = *lat < -90 || *lat > 90 ? "lat" : "lon";
        *why = "out of range for WGS84 degrees";
        return -1;
    }
    if (!rs_in_gb_wgs84(*lat, *lon)) {
        *why = rs_in_gb_wgs84(*lon, *lat) ? "outside Great Britain; lat and lon look swapped"
                                          : "outside Great Britain";
        return -1;
    }
    return 0;
}

int rs_check_limit(const char *s, size_t len, int optional, int *limit, const char **why)
{
    int64_t v;
    if (len == 0 && optional) {
        *limit = 0;
        return 0;
    }
    if (len == 0) {
        *why = "empty speed limit";
        return -1;
    }
    if (rs_parse_int(s, len, &v) != 0 ||
        !(v == 20 || v == 30 || v == 40 || v == 50 || v == 60 || v == 70)) {
        *why = "speed limit is not one of 20, 30, 40, 50, 60, 70 mph";
        return -1;
    }
    *limit = (int)v;
    return 0;
}

int rs_check_speed(const char *s, size_t len, int kph, int64_t *cmph, const char **why)
{
    int64_t v;
    if (len == 0) {
        *why = "empty speed";
        return -1;
    }
    if (!kph) {
        if (rs_parse_fixed(s, len, 2, &v) != 0) {
            *why = "not a plain decimal number";
            return -1;
        }
    } else {
        /* km/h to 0.01 mph exactly: micro-km/h * 100 / 1609344, rounded half up */
        int64_t ukph;
        if (rs_parse_fixed(s, len, 6, &ukph) != 0) {
            *why = "not a plain decimal number";
            return -1;
        }
        if (ukph < 0 || ukph > 400000000) {
            *why = "speed out of range 0-200 mph";
            return -1;
        }
        v = (ukph * 200 + 1609344) / (2 * 1609344);
    }
    if (v < 0 || v > 20000) {
        *why = "speed out of range 0-200 mph";
        return -1;
    }
    *cmph = v;
    return 0;
}

int rs_ingest_latlon(rs_ingest_run *r, int lat_col, int lon_col, double *lat, double *lon)
{
    size_t la, lo;
    const char *a = rs_ingest_field(r, lat_col, &la);
    const char *b = rs_ingest_field(r, lon_col, &lo);
    const char *col, *why;
    if (rs_check_latlon(a, la, b, lo, lat, lon, &col, &why) != 0) {
        rs_ingest_reject(r, col, why);
        return -1;
    }
    return 0;
}

int rs_ingest_limit(rs_ingest_run *r, int col, const char *name, int optional, int *limit)
{
    size_t len;
    const char *s = rs_ingest_field(r, col, &len);
    const char *why;
    if (rs_check_limit(s, len, optional, limit, &why) != 0) {
        rs_ingest_reject(r, name, why);
        return -1;
    }
    return 0;
}

int rs_ingest_speed(rs_ingest_run *r, int mph_col, int kph_col, uint16_t *cmph)
{
    int kph = mph_col < 0;
    size_t len;
    const char *s = rs_ingest_field(r, kph ? kph_col : mph_col, &len);
    const char *why;
    int64_t v;
    if (rs_check_speed(s, len, kph, &v, &why) != 0) {
        rs_ingest_reject(r, kph ? "speed_kph" : "speed_mph", why);
        return -1;
    }
    *cmph = (uint16_t)v;
    return 0;
}

/* ---- the file driver ------------------------------------------------------- */

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

int rs_ingest_file(rs_ctx *ctx, rs_kind kind, const char *path, const rs_ingest_opts *opts,
                   rs_ingest_result *res)
{
    rs_ingest_run run;
    rs_districts *districts = NULL;
    int rc;
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
    if ((rc = rs_store_districts_read(ctx, &districts)) != 0)
        goto done;
    run.districts = districts;
    if ((rc = rs_placer_new(ctx, districts, &run.placer)) != 0)
        goto done;
    if ((rc = rs_store_begin(ctx)) != 0)
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
    if (rc != 0)
        goto done;
    snprintf(res->what, sizeof res->what, "%s", run.kind_name ? run.kind_name : "");
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
    sqlite3_finalize(run.reject_stmt);
    run.reject_stmt = NULL;
    rc = rs_store_commit(ctx);
done:
    sqlite3_finalize(run.reject_stmt);
    if (rc != 0)
        rs_store_rollback(ctx);
    if (opts && opts->rejects)
        fflush(opts->rejects);
    rs_placer_free(run.placer);
    rs_districts_free(districts);
    rs_csv_close(run.csv);
    return rc;
}
