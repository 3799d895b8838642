/*
 * common.c — scratch files, the shared workspace and the ingest invariants
 * of the fuzz targets (see fuzz.h).
 *
 * The workspace lives in memory (":memory:") so an input costs no disk
 * writes.  It has no districts unless a target asks for them
 * (fuzz_with_districts: two 2 km boxes near Chelmsford): every ingest builds
 * its placer, and the district locator and interpolation table make that
 * 2.5 times slower, for code that only ever sees coordinates already checked
 * to lie in Great Britain.  A target may also preload a baseline file.  After each input every row
 * of a later file is deleted, so inputs do not see each other and a crash
 * reproduces from its one input.
 */
#include "fuzz.h"

#include <dirent.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "district.h"
#include "store.h"
#include "../wkb_box.h"

static char tmpdir[256];
static char pathbuf[512];
static rs_ctx *ws;
static rs_key key;
static int64_t baseline_file_id; /* files up to this id are the target's baseline */
static int with_districts;

void fuzz_with_districts(void)
{
    FUZZ_ASSERT(ws == NULL); /* before the workspace is made */
    with_districts = 1;
}

static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    if (d == NULL)
        return;
    struct dirent *de;
    char p[600];
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", tmpdir, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(tmpdir);
}

static void free_workspace(void)
{
    rs_ctx_free(ws);
    ws = NULL;
}

const char *fuzz_tmpdir(void)
{
    if (tmpdir[0] == '\0') {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/rs-fuzz-XXXXXX", base && *base ? base : "/tmp");
        mkdir(base && *base ? base : "/tmp", 0777); /* e.g. the build's testtmp */
        if (mkdtemp(tmpdir) == NULL) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(remove_tmpdir);
    }
    return tmpdir;
}

const char *fuzz_write(const char *name, const uint8_t *data, size_t size)
{
    snprintf(pathbuf, sizeof pathbuf, "%s/%s", fuzz_tmpdir(), name);
    FILE *f = fopen(pathbuf, "wb");
    if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(pathbuf);
        abort();
    }
    return pathbuf;
}

/* ---- the workspace --------------------------------------------------------- */

static int64_t q1(const char *sql)
{
    int64_t v = 0;
    FUZZ_ASSERT(rs_store_query_int(ws, sql, &v) == 0);
    return v;
}

rs_ctx *fuzz_workspace(void)
{
    if (ws != NULL)
        return ws;
    setenv("ROADSAFE_THREADS", "1", 1); /* one telematics worker: fewer contexts per input */
    ws = rs_ctx_new();
    FUZZ_ASSERT(ws != NULL);
    atexit(free_workspace);
    if (rs_store_open(ws, ":memory:", RS_STORE_CREATE) != 0) {
        fprintf(stderr, "fuzz: workspace: %s\n", rs_ctx_err(ws)->msg);
        abort();
    }
    memcpy(key.bytes, "fuzzing-key-0123456789abcdef", 28);
    key.len = 28;
    if (!with_districts)
        return ws;
    /* West and East, 2 km each, around (572000, 206000) */
    unsigned char w[128], e[128];
    const unsigned char *wkb[2] = {w, e};
    size_t len[2] = {ws_box_wkb(w, 570000, 205000, 572000, 207000),
                     ws_box_wkb(e, 572000, 205000, 574000, 207000)};
    const char *names[2] = {"West", "East"}, *codes[2] = {"W", "E"};
    rs_districts *d = NULL;
    if (rs_districts_from_wkb(rs_ctx_geo(ws), 2, names, codes, wkb, len, &d) != 0 ||
        rs_store_districts_replace(ws, d, "fuzz") != 0) {
        fprintf(stderr, "fuzz: districts: %s\n", rs_ctx_err(ws)->msg);
        abort();
    }
    rs_districts_free(d);
    return ws;
}

const rs_key *fuzz_key(void)
{
    fuzz_workspace();
    return &key;
}

/* ---- ingest invariants -------------------------------------------------------- */

static const char *const record_tables[] = {"reject",    "ping_chunk", "detection",
                                            "collision", "casualty",   "concern"};
#define N_TABLES (sizeof record_tables / sizeof record_tables[0])

static int64_t rows_of(const char *table, const char *cond)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s", table, cond);
    return q1(sql);
}

/* Records the file `id` stored, by the kind its ingest_file row names. */
static int64_t records_of_file(const char *kind, int64_t id)
{
    char sql[256];
    const char *table = strcmp(kind, "telematics") == 0 || strcmp(kind, "fleet") == 0
                            ? NULL
                        : strcmp(kind, "detections") == 0 ? "detection"
                        : strcmp(kind, "collisions") == 0 ? "collision"
                        : strcmp(kind, "casualties") == 0 ? "casualty"
                        : strcmp(kind, "concerns") == 0   ? "concern"
                                                          : "";
    FUZZ_ASSERT(table == NULL || table[0] != '\0');
    if (table == NULL)
        snprintf(sql, sizeof sql, "SELECT coalesce(sum(n), 0) FROM ping_chunk WHERE file_id = %lld",
                 (long long)id);
    else
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE file_id = %lld", table,
                 (long long)id);
    return q1(sql);
}

/* Deletes everything a file after the baseline stored. */
static void reset_to_baseline(void)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "DELETE FROM reject WHERE file_id > %1$lld; DELETE FROM ping_chunk WHERE file_id > "
             "%1$lld; DELETE FROM casualty WHERE file_id > %1$lld; DELETE FROM detection WHERE "
             "file_id > %1$lld; DELETE FROM collision WHERE file_id > %1$lld; DELETE FROM "
             "concern WHERE file_id > %1$lld; DELETE FROM ingest_file WHERE id > %1$lld; "
             "DELETE FROM fleet_vehicle",
             (long long)baseline_file_id);
    FUZZ_ASSERT(rs_store_exec(ws, sql, "reset") == 0);
}

static void check_nothing_after(int64_t last_id)
{
    char cond[64];
    snprintf(cond, sizeof cond, "file_id > %lld", (long long)last_id);
    for (size_t i = 0; i < N_TABLES; i++)
        FUZZ_ASSERT(rows_of(record_tables[i], cond) == 0);
    snprintf(cond, sizeof cond, "id > %lld", (long long)last_id);
    FUZZ_ASSERT(rows_of("ingest_file", cond) == 0);
}

/* One ingest, checked; returns rs_ingest_file's code.  *files gets the
 * number of ingest_file rows it added (0 or 1). */
static int ingest_checked(rs_kind kind, const char *path, rs_ingest_result *res, int *files)
{
    rs_ctx *ctx = fuzz_workspace();
    int64_t before = q1("SELECT coalesce(max(id), 0) FROM ingest_file");
    *files = 0;
    char *rej_text = NULL;
    size_t rej_len = 0;
    FILE *rej = open_memstream(&rej_text, &rej_len);
    FUZZ_ASSERT(rej != NULL);
    rs_ingest_opts opts = {rej, &key, NULL, NULL, 0};
    rs_err_clear(rs_ctx_err(ctx));
    int rc = rs_ingest_file(ctx, kind, path, &opts, res);
    fclose(rej);
    sqlite3 *db = rs_ctx_db(ctx);
    /* never a transaction left open, whatever happened */
    FUZZ_ASSERT(sqlite3_get_autocommit(db));
    if (rc != 0) {
        /* refused: an RS_E code, a message, nothing stored */
        FUZZ_ASSERT(rc < 0 && rc >= RS_EVERSION);
        FUZZ_ASSERT(rs_ctx_err(ctx)->code == rc);
        FUZZ_ASSERT(rs_ctx_err(ctx)->msg[0] != '\0');
        check_nothing_after(before);
    } else {
        FUZZ_ASSERT(res->loaded >= 0 && res->rejected >= 0 && res->present >= 0);
        FUZZ_ASSERT(res->outside + res->unlocated <= res->loaded);
        FUZZ_ASSERT((res->rejected > 0) == (rej_len > 0));
        sqlite3_stmt *st = NULL;
        FUZZ_ASSERT(sqlite3_prepare_v2(db,
                                       "SELECT id, kind, rows_loaded, rows_rejected, rows_present "
                                       "FROM ingest_file WHERE id > ?1",
                                       -1, &st, NULL) == SQLITE_OK);
        sqlite3_bind_int64(st, 1, before);
        while (sqlite3_step(st) == SQLITE_ROW) {
            (*files)++;
            int64_t id = sqlite3_column_int64(st, 0);
            const char *k = (const char *)sqlite3_column_text(st, 1);
            FUZZ_ASSERT(strcmp(k, res->what) == 0);
            FUZZ_ASSERT(sqlite3_column_int64(st, 2) == res->loaded);
            FUZZ_ASSERT(sqlite3_column_int64(st, 3) == res->rejected);
            FUZZ_ASSERT(sqlite3_column_int64(st, 4) == res->present);
            /* the log agrees with what is stored */
            FUZZ_ASSERT(records_of_file(k, id) == res->loaded);
            char cond[64];
            snprintf(cond, sizeof cond, "file_id = %lld", (long long)id);
            FUZZ_ASSERT(rows_of("reject", cond) == res->rejected);
        }
        sqlite3_finalize(st);
        FUZZ_ASSERT(*files <= 1);
    }
    free(rej_text);
    return rc;
}

void fuzz_ingest(rs_kind kind, const uint8_t *data, size_t size)
{
    fuzz_workspace();
    const char *path = fuzz_write("input.csv", data, size);
    rs_ingest_result res, again;
    int files = 0, files2 = 0;
    int rc = ingest_checked(kind, path, &res, &files);
    /* a good file is logged once (emptied workspace: its content is new) */
    FUZZ_ASSERT(rc != 0 || files == 1);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "    %s: %s\n", rc ? "refused" : res.what,
                rc ? rs_ctx_err(fuzz_workspace())->msg : "");
    if (getenv("FUZZ_VERBOSE") && rc == 0)
        fprintf(stderr, "    loaded %lld, rejected %lld, present %lld\n", (long long)res.loaded,
                (long long)res.rejected, (long long)res.present);
    /* loading the same file again adds nothing (checked when it added
     * something: a second ingest halves the speed of fuzzing) */
    if (rc == 0 && res.loaded > 0) {
        FUZZ_ASSERT(ingest_checked(kind, path, &again, &files2) == 0);
        FUZZ_ASSERT(again.loaded == 0);
        if (kind != RS_KIND_DETECTIONS && kind != RS_KIND_STATS19) {
            FUZZ_ASSERT(files2 == 0); /* known by its content: not logged again */
            FUZZ_ASSERT(again.present == res.loaded);
        }
    }
    reset_to_baseline();
}

/* Loads a fixed file the target's inputs build on (e.g. collisions for
 * casualty files); kept across inputs. */
void fuzz_preload(rs_kind kind, const char *text)
{
    fuzz_workspace();
    const char *path = fuzz_write("baseline.csv", (const uint8_t *)text, strlen(text));
    rs_ingest_opts opts = {NULL, &key, NULL, NULL, 0};
    rs_ingest_result res;
    if (rs_ingest_file(ws, kind, path, &opts, &res) != 0 || res.rejected != 0) {
        fprintf(stderr, "fuzz: baseline: %s (%lld rejected)\n", rs_ctx_err(ws)->msg,
                (long long)res.rejected);
        abort();
    }
    baseline_file_id = q1("SELECT max(id) FROM ingest_file");
}
