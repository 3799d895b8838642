/*
 * test_faults.c — fault injection for the workspace: SQLite failing an
 * allocation or a write at the Nth call, during schema creation and during
 * the ingest of every kind.
 *
 * Two injectors, both counting calls only while armed:
 *   - memory: sqlite3_config(SQLITE_CONFIG_MALLOC) wraps SQLite's default
 *     allocator; the Nth xMalloc/xRealloc returns NULL (once, or for good);
 *   - I/O: a VFS registered as the default wraps the real one; the Nth
 *     xWrite/xTruncate/xSync returns SQLITE_IOERR_WRITE (once) or
 *     SQLITE_FULL (for good, as a full disk does).
 * The workspace connection gets a small page cache before each ingest, so
 * pages spill to the WAL in the middle of a file's transaction, not only
 * at its commit.
 *
 * For N = 1, 2, ... each run starts from a fresh copy of one workspace and
 * is judged after reopening it without faults: PRAGMA integrity_check is
 * "ok" and foreign_key_check empty; the file is wholly loaded (the same
 * log entry, records and rejects as a run without faults) or not at all;
 * a failed run returns an RS_E code with a message.  The loop ends with
 * the first N the run never reaches (it succeeded without a fault).
 *
 * SQLite's allocator is process-wide, so PROJ's own reads of proj.db fail
 * too while armed; that is what running out of memory does, and the engine
 * must cope with it in the same way.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "ingest.h"
#include "store.h"

/* ---- memory faults ------------------------------------------------------ */

static sqlite3_mem_methods real_mem;
static atomic_int mem_armed, mem_calls, mem_fail_at, mem_sticky, mem_fired;
static atomic_int mem_at_begin; /* arm when the workspace's transaction begins */
static atomic_int mem_one_thread; /* count only the arming thread's calls */
static pthread_t mem_thread;

static int mem_should_fail(void)
{
    if (!atomic_load(&mem_armed))
        return 0;
    if (atomic_load(&mem_one_thread) && !pthread_equal(pthread_self(), mem_thread))
        return 0;
    int n = atomic_fetch_add(&mem_calls, 1) + 1;
    int at = atomic_load(&mem_fail_at);
    if (n == at || (atomic_load(&mem_sticky) && n > at)) {
        atomic_store(&mem_fired, 1);
        return 1;
    }
    return 0;
}

static void *mem_malloc(int n)
{
    return mem_should_fail() ? NULL : real_mem.xMalloc(n);
}

static void *mem_realloc(void *p, int n)
{
    return mem_should_fail() ? NULL : real_mem.xRealloc(p, n);
}

static void mem_free(void *p) { real_mem.xFree(p); }
static int mem_size(void *p) { return real_mem.xSize(p); }
static int mem_roundup(int n) { return real_mem.xRoundup(n); }
static int mem_init(void *a) { return real_mem.xInit(a); }
static void mem_shutdown(void *a) { real_mem.xShutdown(a); }

static int install_mem_faults(void)
{
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem) != SQLITE_OK)
        return -1;
    static sqlite3_mem_methods m;
    m = real_mem;
    m.xMalloc = mem_malloc;
    m.xRealloc = mem_realloc;
    m.xFree = mem_free;
    m.xSize = mem_size;
    m.xRoundup = mem_roundup;
    m.xInit = mem_init;
    m.xShutdown = mem_shutdown;
    return sqlite3_config(SQLITE_CONFIG_MALLOC, &m) == SQLITE_OK ? 0 : -1;
}

/* ---- I/O faults: a VFS around the default one ----------------------------- */

static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;
static atomic_int io_armed, io_calls, io_fail_at, io_sticky, io_fired;

typedef struct fault_file {
    sqlite3_file base;
    sqlite3_file *real; /* follows this struct in the same allocation */
} fault_file;

static int io_should_fail(void)
{
    if (!atomic_load(&io_armed))
        return 0;
    int n = atomic_fetch_add(&io_calls, 1) + 1;
    int at = atomic_load(&io_fail_at);
    if (n == at || (atomic_load(&io_sticky) && n > at)) {
        atomic_store(&io_fired, 1);
        return 1;
    }
    return 0;
}

static int io_err(void) { return atomic_load(&io_sticky) ? SQLITE_FULL : SQLITE_IOERR_WRITE; }

#define REAL(f) (((fault_file *)(f))->real)

static int f_close(sqlite3_file *f) { return REAL(f)->pMethods->xClose(REAL(f)); }
static int f_read(sqlite3_file *f, void *b, int n, sqlite3_int64 off)
{
    return REAL(f)->pMethods->xRead(REAL(f), b, n, off);
}
static int f_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 off)
{
    if (io_should_fail())
        return io_err();
    return REAL(f)->pMethods->xWrite(REAL(f), b, n, off);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    if (io_should_fail())
        return io_err();
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int f_sync(sqlite3_file *f, int flags)
{
    if (io_should_fail())
        return atomic_load(&io_sticky) ? SQLITE_FULL : SQLITE_IOERR_FSYNC;
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int f_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int f_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int f_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int f_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int f_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int f_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int f_device(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int f_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, pp);
}
static int f_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void f_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int f_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

/* Version 2 methods: WAL needs the shared-memory calls; no xFetch, so
 * SQLite reads through xRead (memory-mapped I/O is off by default). */
static const sqlite3_io_methods fault_io = {
    2,       f_close,  f_read,     f_write,   f_truncate,    f_sync,     f_size,
    f_lock,  f_unlock, f_reserved, f_control, f_sector,      f_device,   f_shm_map,
    f_shm_lock, f_shm_barrier, f_shm_unmap, NULL, NULL};

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)vfs;
    fault_file *ff = (fault_file *)f;
    ff->real = (sqlite3_file *)(ff + 1);
    int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out);
    ff->base.pMethods = rc == SQLITE_OK && ff->real->pMethods ? &fault_io : NULL;
    return rc;
}
static int v_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
    (void)vfs;
    return real_vfs->xDelete(real_vfs, name, sync);
}
static int v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}
static int v_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}
static void *v_dlopen(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return real_vfs->xDlOpen(real_vfs, name);
}
static void v_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
    (void)vfs;
    real_vfs->xDlError(real_vfs, n, msg);
}
static void (*v_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
    (void)vfs;
    return real_vfs->xDlSym(real_vfs, h, sym);
}
static void v_dlclose(sqlite3_vfs *vfs, void *h)
{
    (void)vfs;
    real_vfs->xDlClose(real_vfs, h);
}
static int v_random(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xRandomness(real_vfs, n, out);
}
static int v_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return real_vfs->xSleep(real_vfs, us);
}
static int v_time(sqlite3_vfs *vfs, double *t)
{
    (void)vfs;
    return real_vfs->xCurrentTime(real_vfs, t);
}
static int v_lasterr(sqlite3_vfs *vfs, int n, char *msg)
{
    (void)vfs;
    return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, msg) : 0;
}
static int v_time64(sqlite3_vfs *vfs, sqlite3_int64 *t)
{
    (void)vfs;
    return real_vfs->xCurrentTimeInt64(real_vfs, t);
}

static int install_io_faults(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    if (real_vfs == NULL || real_vfs->iVersion < 2)
        return -1;
    fault_vfs.iVersion = 2;
    fault_vfs.szOsFile = (int)sizeof(fault_file) + real_vfs->szOsFile;
    fault_vfs.mxPathname = real_vfs->mxPathname;
    fault_vfs.zName = "roadsafe-faults";
    fault_vfs.xOpen = v_open;
    fault_vfs.xDelete = v_delete;
    fault_vfs.xAccess = v_access;
    fault_vfs.xFullPathname = v_fullpath;
    fault_vfs.xDlOpen = v_dlopen;
    fault_vfs.xDlError = v_dlerror;
    fault_vfs.xDlSym = v_dlsym;
    fault_vfs.xDlClose = v_dlclose;
    fault_vfs.xRandomness = v_random;
    fault_vfs.xSleep = v_sleep;
    fault_vfs.xCurrentTime = v_time;
    fault_vfs.xGetLastError = v_lasterr;
    fault_vfs.xCurrentTimeInt64 = v_time64;
    return sqlite3_vfs_register(&fault_vfs, 1) == SQLITE_OK ? 0 : -1;
}

/* ---- arming ------------------------------------------------------------------ */

enum {
    FAULT_MEM,          /* any allocation of the whole operation, PROJ's included */
    FAULT_MEM_STICKY,
    FAULT_MEM_TXN,      /* allocations of the ingest thread from BEGIN on: the store */
    FAULT_MEM_TXN_STICKY,
    FAULT_IO,
    FAULT_IO_STICKY,
    N_FAULTS
};
static const char *const fault_name[] = {
    "malloc (once)",         "malloc (for good)",   "txn malloc (once)",
    "txn malloc (for good)", "write/sync (once)",   "write/sync (disk full)"};

static int is_mem(int kind) { return kind <= FAULT_MEM_TXN_STICKY; }

static void arm(int kind, int n)
{
    atomic_store(&mem_calls, 0);
    atomic_store(&io_calls, 0);
    atomic_store(&mem_fired, 0);
    atomic_store(&io_fired, 0);
    int mem = is_mem(kind);
    int txn = kind == FAULT_MEM_TXN || kind == FAULT_MEM_TXN_STICKY;
    mem_thread = pthread_self();
    atomic_store(&mem_one_thread, txn);
    atomic_store(&mem_fail_at, mem ? n : 0);
    atomic_store(&mem_sticky, kind == FAULT_MEM_STICKY || kind == FAULT_MEM_TXN_STICKY);
    atomic_store(&io_fail_at, mem ? 0 : n);
    atomic_store(&io_sticky, kind == FAULT_IO_STICKY);
    atomic_store(&mem_at_begin, txn);
    atomic_store(&mem_armed, mem && !txn);
    atomic_store(&io_armed, !mem);
}

/* Disarms; returns 1 when the fault was injected. */
static int disarm(void)
{
    atomic_store(&mem_at_begin, 0);
    atomic_store(&mem_armed, 0);
    atomic_store(&io_armed, 0);
    return atomic_load(&mem_fired) || atomic_load(&io_fired);
}

/* Statement trace of the workspace connection: a pending "txn" fault is
 * armed as the write transaction begins. */
static int on_statement(unsigned type, void *user, void *stmt, void *sql)
{
    (void)user;
    (void)stmt;
    if (type == SQLITE_TRACE_STMT && atomic_load(&mem_at_begin) &&
        strncmp((const char *)sql, "BEGIN", 5) == 0) {
        atomic_store(&mem_at_begin, 0);
        atomic_store(&mem_armed, 1);
    }
    return 0;
}

/* ---- files and workspaces ------------------------------------------------------- */

static char dir[1024];
static rs_key key;

static const char *path_of(const char *name)
{
    static char buf[4][1200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void put(const char *name, const char *text)
{
    FILE *f = fopen(path_of(name), "wb");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", name);
        exit(1);
    }
}

/* Removes a workspace's file and its WAL and shared-memory files. */
static void remove_ws(const char *path)
{
    char aux[1300];
    unlink(path);
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
}

/* Copies a closed workspace (no WAL: its last connection checkpointed). */
static void copy_file(const char *from, const char *to)
{
    remove_ws(to);
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[1 << 16];
    size_t n;
    int bad = in == NULL || out == NULL;
    while (!bad && (n = fread(buf, 1, sizeof buf, in)) > 0)
        bad = fwrite(buf, 1, n, out) != n;
    bad |= in == NULL || ferror(in);
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        bad = 1;
    if (bad) {
        fprintf(stderr, "cannot copy %s to %s\n", from, to);
        exit(1);
    }
}

/* The base workspace: the schema, made without faults.  No districts: the
 * placer is then PROJ's transformation alone, which keeps a run short, and
 * where a record lands is not what these faults test. */
static void make_base(const char *path)
{
    rs_ctx *ctx = rs_ctx_new();
    if (ctx == NULL || rs_store_open(ctx, path, RS_STORE_CREATE) != 0) {
        fprintf(stderr, "base workspace: %s\n", ctx ? rs_ctx_err(ctx)->msg : "no context");
        exit(1);
    }
    rs_ctx_free(ctx); /* last connection: the WAL is checkpointed into the file */
}

/* ---- judging a workspace ------------------------------------------------------- */

typedef struct state {
    int64_t files, loaded, rejected, present; /* ingest_file rows and their sums */
    int64_t records, rejects;                 /* stored rows of the kind, reject rows */
} state;

static int64_t q(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -999;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "query %s: %s\n", sql, sqlite3_errmsg(db));
        return v;
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Opens path with the plain sqlite3 API (no roadsafe code), checks its
 * integrity and reads the state.  Returns 0, or -1 after reporting. */
static int judge(const char *path, const char *records_sql, state *s, const char *what)
{
    sqlite3 *db = NULL;
    int ok = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: cannot reopen: %s\n", what, db ? sqlite3_errmsg(db) : "?");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    sqlite3_finalize(st);
    if (!ok)
        fprintf(stderr, "%s: integrity_check is not ok\n", what);
    if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        fprintf(stderr, "%s: foreign_key_check finds orphans\n", what);
        ok = 0;
    }
    sqlite3_finalize(st);
    s->files = q(db, "SELECT count(*) FROM ingest_file");
    s->loaded = q(db, "SELECT coalesce(sum(rows_loaded), 0) FROM ingest_file");
    s->rejected = q(db, "SELECT coalesce(sum(rows_rejected), 0) FROM ingest_file");
    s->present = q(db, "SELECT coalesce(sum(rows_present), 0) FROM ingest_file");
    s->records = q(db, records_sql);
    s->rejects = q(db, "SELECT count(*) FROM reject");
    if (q(db, "SELECT count(*) FROM ingest_file WHERE kind = 'pending'") != 0) {
        fprintf(stderr, "%s: a 'pending' ingest log entry was committed\n", what);
        ok = 0;
    }
    sqlite3_close(db);
    return ok ? 0 : -1;
}

static int same_state(const state *a, const state *b)
{
    return a->files == b->files && a->loaded == b->loaded && a->rejected == b->rejected &&
           a->present == b->present && a->records == b->records && a->rejects == b->rejects;
}

/* ---- the cases ------------------------------------------------------------------ */

typedef struct scenario {
    const char *name;
    rs_kind kind;
    const char *file;         /* input, in dir; NULL: the case is opening a new workspace */
    const char *preload;      /* loaded (without faults) before, or NULL */
    const char *records_sql;  /* stored rows of the kind */
} scenario;

/* The engine context of the runs whose faults cannot reach PROJ (writes;
 * allocations from BEGIN on the ingest thread): kept across runs, so its
 * PROJ context keeps proj.db open and its caches warm.  A run that may fail
 * any allocation gets a fresh context, freed after it. */
static rs_ctx *shared_ctx;

static rs_ctx *ctx_for(int fault)
{
    if (fault == FAULT_MEM || fault == FAULT_MEM_STICKY)
        return rs_ctx_new();
    if (shared_ctx == NULL)
        shared_ctx = rs_ctx_new();
    return shared_ctx;
}

static void ctx_done(rs_ctx *ctx)
{
    if (ctx != shared_ctx) {
        rs_ctx_free(ctx);
        return;
    }
    rs_store_close(ctx);
    rs_err_clear(rs_ctx_err(ctx));
}

/* One run: a fresh copy of the base, the fault armed at call n around the
 * operation.  Returns 1 when the fault fired, 0 when the run never got to
 * call n (it must then have succeeded), -1 on an inconsistency. */
static int run_once(const scenario *sc, int fault, int n, const state *clean, const state *none,
                    int *failures)
{
    const char *ws = path_of("run.db");
    const char *base = path_of(sc->preload ? "base_pre.db" : "base.db");
    char what[256];
    snprintf(what, sizeof what, "%s, %s at call %d", sc->name, fault_name[fault], n);
    if (sc->file == NULL) {
        remove_ws(ws);
    } else {
        copy_file(base, ws);
    }
    rs_ctx *ctx = ctx_for(fault);
    if (ctx == NULL)
        return -1;
    int rc;
    rs_ingest_result res;
    memset(&res, 0, sizeof res);
    if (sc->file == NULL) {
        arm(fault, n);
        rc = rs_store_open(ctx, ws, RS_STORE_CREATE);
    } else {
        if (rs_store_open(ctx, ws, 0) != 0) {
            fprintf(stderr, "%s: open: %s\n", what, rs_ctx_err(ctx)->msg);
            ctx_done(ctx);
            return -1;
        }
        /* a small page cache: pages spill to the WAL inside the transaction */
        sqlite3_exec(rs_ctx_db(ctx), "PRAGMA cache_size = 4", NULL, NULL, NULL);
        sqlite3_trace_v2(rs_ctx_db(ctx), SQLITE_TRACE_STMT, on_statement, NULL);
        rs_ingest_opts opts = {.key = &key};
        arm(fault, n);
        rc = rs_ingest_file(ctx, sc->kind, path_of(sc->file), &opts, &res);
    }
    int fired = disarm();
    rs_err err = *rs_ctx_err(ctx);
    ctx_done(ctx);

    int bad = 0;
    if (rc != 0) {
        (*failures)++;
        if (!(rc < 0 && rc >= RS_EVERSION && err.code == rc && err.msg[0] != '\0')) {
            fprintf(stderr, "%s: failed with code %d and message \"%s\"\n", what, rc, err.msg);
            bad = 1;
        }
        if (!fired) {
            fprintf(stderr, "%s: failed without a fault: %s\n", what, err.msg);
            bad = 1;
        }
    }
    if (sc->file == NULL) {
        /* a failed creation may leave a partial schema; opening it again
         * without faults must finish it */
        rs_ctx *c2 = rs_ctx_new();
        if (rs_store_open(c2, ws, RS_STORE_CREATE) != 0 ||
            rs_store_schema_version(c2) != rs_store_schema_version_built()) {
            fprintf(stderr, "%s: reopening without faults: %s\n", what, rs_ctx_err(c2)->msg);
            bad = 1;
        }
        rs_ctx_free(c2);
        state s;
        if (judge(ws, "SELECT 0", &s, what) != 0)
            bad = 1;
    } else {
        state s;
        if (judge(ws, sc->records_sql, &s, what) != 0) {
            bad = 1;
        } else if (!same_state(&s, clean) && !same_state(&s, none)) {
            fprintf(stderr,
                    "%s (rc %d: %s): half loaded: %lld files, %lld loaded / %lld stored, %lld "
                    "rejected / %lld rejects; whole load: %lld files, %lld / %lld, %lld / %lld\n",
                    what, rc, err.msg, (long long)s.files, (long long)s.loaded,
                    (long long)s.records, (long long)s.rejected, (long long)s.rejects,
                    (long long)clean->files, (long long)clean->loaded, (long long)clean->records,
                    (long long)clean->rejected, (long long)clean->rejects);
            bad = 1;
        } else if (rc == 0 && !same_state(&s, clean)) {
            fprintf(stderr, "%s: reported success but the file is not loaded\n", what);
            bad = 1;
        }
    }
    if (bad)
        return -1;
    if (!fired && rc != 0)
        return -1;
    return fired ? 1 : 0;
}

/* The state after a load without faults (clean) and before it (none). */
static void reference_states(const scenario *sc, state *clean, state *none)
{
    const char *ws = path_of("ref.db");
    copy_file(path_of(sc->preload ? "base_pre.db" : "base.db"), ws);
    CHECK_EQ_INT(judge(ws, sc->records_sql, none, "reference (before)"), 0);
    rs_ctx *ctx = rs_ctx_new();
    CHECK_EQ_INT(rs_store_open(ctx, ws, 0), 0);
    rs_ingest_opts opts = {.key = &key};
    rs_ingest_result res;
    CHECK_EQ_INT(rs_ingest_file(ctx, sc->kind, path_of(sc->file), &opts, &res), 0);
    CHECK(res.loaded > 0);
    CHECK(res.rejected > 0); /* every case has bad rows: rejects are stored too */
    rs_ctx_free(ctx);
    CHECK_EQ_INT(judge(ws, sc->records_sql, clean, "reference (after)"), 0);
    CHECK_EQ_INT(clean->files, none->files + 1);
}

/* Calls the operation makes without faults (a run armed at a call it
 * never reaches). */
static int count_calls(const scenario *sc, int fault, const state *clean, const state *none)
{
    int failures = 0;
    if (run_once(sc, fault, INT32_MAX, clean, none, &failures) != 0)
        return -1;
    return is_mem(fault) ? atomic_load(&mem_calls) : atomic_load(&io_calls);
}

/* N = 1, 2, ... until a run meets no fault.  Every call is tried up to
 * `dense`; beyond, calls are sampled evenly so a scenario costs about `max`
 * runs.  The allocations of a whole ingest run into the tens of thousands,
 * most of them PROJ reading proj.db, so those are sampled, as are
 * allocations failing for good (the first failure decides those runs).
 * The store's own allocations (from BEGIN, on the ingest thread) failing
 * once are tried one by one for the first 300 and then evenly to about 600
 * runs: trying all of them (3,500-5,000 per kind of file) made this test
 * a quarter of the suite's time under the sanitizers.  Every write is
 * tried.  ROADSAFE_FAULTS_ALL=1 tries every call of every kind. */
static void run_scenario(const scenario *sc, int fault)
{
    state clean = {0}, none = {0};
    if (sc->file)
        reference_states(sc, &clean, &none);
    int total = count_calls(sc, fault, &clean, &none);
    CHECK(total > 0);
    int sampled = fault == FAULT_MEM || fault == FAULT_MEM_STICKY ||
                  (fault == FAULT_MEM_TXN_STICKY);
    int dense = sampled ? 20 : fault == FAULT_MEM_TXN ? 300 : 100000;
    int max = sampled ? 40 : fault == FAULT_MEM_TXN ? 600 : 100000;
    const char *all = getenv("ROADSAFE_FAULTS_ALL");
    if (all && strcmp(all, "1") == 0)
        dense = max = 100000;
    int step = total > max ? (total - dense) / (max - dense) + 1 : 1;
    int failures = 0, runs = 0, n = 1, r = 1, inconsistent = 0;
    while (inconsistent < 5) {
        r = run_once(sc, fault, n, &clean, &none, &failures);
        runs++;
        if (r < 0)
            inconsistent++;
        if (r == 0)
            break;
        n += n < dense ? 1 : step;
    }
    fprintf(stderr, "%-20s %-24s %6d calls, %4d runs, %4d failed cleanly, %d inconsistent%s\n",
            sc->name, fault_name[fault], total, runs, failures, inconsistent,
            r == 0 ? ", then success" : ", stopped");
    CHECK_EQ_INT(inconsistent, 0);
    CHECK(r == 0); /* the loop reached a run that no longer meets a fault */
}

int main(void)
{
    int have_mem = install_mem_faults() == 0;
    if (install_io_faults() != 0)
        check_skip("cannot register a VFS");
    snprintf(dir, sizeof dir, "%s", check_tmpdir("test_faults"));
    setenv("ROADSAFE_THREADS", "1", 1);
    memcpy(key.bytes, "test-faults-key-0123456789", 26);
    key.len = 26;

    put("telematics.csv",
        "timestamp,lat,lon,speed_mph,limit_mph\n"
        "2020-08-15T14:03:22Z,51.7300,0.4950,31.5,30\n"
        "2020-08-15T14:03:32Z,51.7310,0.5050,42,30\n"
        "2020-08-15T14:03:42Z,51.73,0.49,abc,30\n"
        "2020-08-15T14:03:52Z,51.7320,0.5150,55.5,40\n"
        "2020-08-15T14:04:02Z,51.7330,0.5250,25,20\n"
        "2020-08-15T14:04:12,51.7330,0.5250,25,20\n");
    put("fleet.csv",
        "timestamp,vehicle_id,lat,lon,speed_mph,limit_mph\n"
        "2020-08-15T14:03:22Z,EX-RP-01,51.7300,0.4950,31.5,30\n"
        "2020-08-15T14:03:32Z,EX-RP-01,51.7310,0.5050,42,\n"
        "2020-08-15T14:03:42Z,EX-RP-02,51.73,0.49,12,30\n"
        "2020-08-15T14:03:52Z,,51.7320,0.5150,55.5,40\n");
    put("detections.csv",
        "detection_id,timestamp,device_type,device_id,site_id,lat,lon,speed_mph,limit_mph,vrm\n"
        "D1,2020-08-15T14:03:22Z,TRUCAM,T1,S1,51.7300,0.4950,41.3,30,AB12 CDE\n"
        "D2,2020-08-15T14:04:22Z,GATSO,G1,S2,51.7310,0.5050,38,30,XY19ABC\n"
        "D3,2020-08-15T14:05:22Z,LASER,G1,S2,51.7310,0.5050,38,30,XY19ABC\n"
        "D4,2020-08-16T09:00:00+01:00,SPECS,S9,S3,51.7320,0.5150,55,40,k1\n"
        "D5,2020-08-16T09:00:00Z,SPECS,S9,S3,51.7320,0.5150,55,40,A-1\n");
    put("collisions.csv",
        "collision_index,location_easting_osgr,location_northing_osgr,police_force,"
        "collision_severity,number_of_vehicles,number_of_casualties,date,time,"
        "local_authority_ons_district,speed_limit\n"
        "2020420000001,571000,206000,42,3,2,1,14/03/2020,08:15,E07000070,30\n"
        "2020420000002,-1,-1,42,1,1,1,25/10/2020,01:30,E07000070,60\n"
        "2020420000003,573000,206500,42,2,3,2,29/03/2020,01:30,E07000066,-1\n"
        "2020420000004,573000,206500,42,5,3,2,29/03/2020,01:30,E07000066,-1\n");
    put("casualties.csv",
        "collision_index,vehicle_reference,casualty_reference,casualty_class,sex_of_casualty,"
        "age_of_casualty,age_band_of_casualty,casualty_severity,casualty_type\n"
        "2020420000001,1,1,1,1,34,6,3,9\n"
        "2020420000002,1,1,3,2,-1,-1,1,0\n"
        "2020420000003,2,1,2,1,45,7,2,9\n"
        "2020420000009,1,1,1,1,34,6,3,9\n");
    put("concerns.csv",
        "timestamp,lat,lon,source\n"
        "2021-05-01T10:00:00+01:00,51.732,0.50,council\n"
        "2021-05-01T11:00:00Z,51.733,0.51,CSW\n"
        "2021-05-01T12:00:00Z,51.733,0.51,mayor\n"
        "2021-05-01T13:00:00Z,51.734,0.52,public\n");

    make_base(path_of("base.db"));
    /* base_pre: the collisions already loaded, for the casualty case */
    copy_file(path_of("base.db"), path_of("base_pre.db"));
    {
        rs_ctx *ctx = rs_ctx_new();
        rs_ingest_opts opts = {.key = &key};
        rs_ingest_result res;
        CHECK_EQ_INT(rs_store_open(ctx, path_of("base_pre.db"), 0), 0);
        CHECK_EQ_INT(rs_ingest_file(ctx, RS_KIND_STATS19, path_of("collisions.csv"), &opts, &res),
                     0);
        rs_ctx_free(ctx);
    }

    const scenario cases[] = {
        {"new workspace", RS_KIND_TELEMATICS, NULL, NULL, NULL},
        {"telematics", RS_KIND_TELEMATICS, "telematics.csv", NULL,
         "SELECT coalesce(sum(n), 0) FROM ping_chunk"},
        {"fleet", RS_KIND_FLEET, "fleet.csv", NULL, "SELECT coalesce(sum(n), 0) FROM ping_chunk"},
        {"detections", RS_KIND_DETECTIONS, "detections.csv", NULL,
         "SELECT count(*) FROM detection"},
        {"stats19 collisions", RS_KIND_STATS19, "collisions.csv", NULL,
         "SELECT count(*) FROM collision"},
        {"stats19 casualties", RS_KIND_STATS19, "casualties.csv", "collisions.csv",
         "SELECT count(*) FROM casualty"},
        {"concerns", RS_KIND_CONCERNS, "concerns.csv", NULL, "SELECT count(*) FROM concern"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int fault = 0; fault < N_FAULTS; fault++) {
            if (is_mem(fault) && !have_mem)
                continue;
            if (cases[i].file == NULL && (fault == FAULT_MEM_TXN || fault == FAULT_MEM_TXN_STICKY))
                continue; /* creating a workspace: covered by the whole-operation runs */
            run_scenario(&cases[i], fault);
        }
    }
    if (!have_mem)
        fprintf(stderr, "note: SQLite was initialised before the test; no malloc faults\n");
    rs_ctx_free(shared_ctx);
    return check_done();
}
