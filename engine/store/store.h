/*
 * store.h — the workspace: one SQLite file holding districts, the ingest
 * log, rejects and every loaded record.
 *
 * Opening applies the schema migrations (data/schema/NNNN_*.sql, compiled
 * in) that the file lacks, each in its own transaction, and records the
 * version in PRAGMA user_version.  A workspace written by a newer roadsafe
 * (user_version above what this build knows) is refused.  Connections use
 * WAL, foreign keys on, a 32 MiB page cache and a busy timeout, so a second
 * process waits for a writer rather than failing at once.  New workspaces
 * use 64 KiB pages.
 */
#ifndef RS_STORE_H
#define RS_STORE_H

#include <stdint.h>

#include "ctx.h"
#include "district.h"

enum {
    RS_STORE_CREATE = 1,   /* create the file when absent */
    RS_STORE_READONLY = 2  /* open for reading only */
};

/* Busy timeout in milliseconds: how long a command waits for another
 * process's write transaction before giving up with RS_EBUSY. */
#define RS_STORE_BUSY_MS 60000

/* A wait of a second for another process's write transaction is told to
 * the context's wait notice (rs_ctx_set_wait_notice), once per wait. */

/* Opens (and migrates) the workspace at path into ctx.  Without
 * RS_STORE_CREATE a missing file is RS_ENOTFOUND ("no workspace at PATH;
 * create one with 'roadsafe init'"), and so is, as RS_EINPUT, a file with no
 * roadsafe schema (emptied to 0 bytes, a new SQLite file): it is never
 * started afresh.  Not a SQLite file / corrupt: RS_EINPUT.  Newer schema:
 * RS_EVERSION. */
int rs_store_open(rs_ctx *ctx, const char *path, int flags);
void rs_store_close(rs_ctx *ctx);

/* Schema version this build writes, and the open workspace's. */
int rs_store_schema_version_built(void);
int rs_store_schema_version(rs_ctx *ctx);

/* Transactions.  begin takes the write lock at once (BEGIN IMMEDIATE). */
int rs_store_begin(rs_ctx *ctx);
int rs_store_commit(rs_ctx *ctx);
void rs_store_rollback(rs_ctx *ctx);

/* Direct writing, for one big load.  In WAL mode every page a transaction
 * writes goes to the log and is copied into the database a second time by
 * the checkpoint.  rs_store_direct_begin, called outside a transaction,
 * switches the workspace to a rollback journal when no other connection
 * has it open (it does not wait for one): pages the transaction appends
 * are then written once, straight into the database file, and only the
 * original content of the few pages it changes goes to the journal.
 * Returns 1 when switched, 0 when the workspace stays in WAL mode (the load
 * is just as correct, only slower).  While a direct load runs, a reader
 * waits (busy timeout) once the load holds the file's exclusive lock, and
 * then sees the committed state; a SIGKILL leaves a hot journal that the
 * next connection rolls back.  rs_store_direct_end, after the commit or
 * rollback, puts the workspace back in WAL mode (every later open does so
 * too, should it fail here). */
int rs_store_direct_begin(rs_ctx *ctx);
void rs_store_direct_end(rs_ctx *ctx);

/* Runs SQL with no results; on failure records "what: sqlite message". */
int rs_store_exec(rs_ctx *ctx, const char *sql, const char *what);

/* Turns the connection's last SQLite error into ctx's error (RS_EBUSY for
 * SQLITE_BUSY/LOCKED, RS_EINPUT for a corrupt or non-database file, RS_ERR
 * otherwise).  Returns the code. */
int rs_store_fail(rs_ctx *ctx, const char *what);

/* meta key/value. get returns 0 and copies into buf, RS_ENOTFOUND when absent. */
int rs_store_meta_set(rs_ctx *ctx, const char *key, const char *value);
int rs_store_meta_get(rs_ctx *ctx, const char *key, char *buf, unsigned long size);

/* Replaces the district set in one transaction (the caller's, if one is
 * open, else its own).  Records that carry a district are re-located
 * against the new set by the caller (see ingest's relocate). */
int rs_store_districts_replace(rs_ctx *ctx, const rs_districts *d, const char *source);
/* Reads the stored set; *out is NULL (and 0 returned) when none is loaded. */
int rs_store_districts_read(rs_ctx *ctx, rs_districts **out);

/* The district set's number: counted up by every rs_store_districts_replace
 * (0 before the first). */
int rs_store_district_set(rs_ctx *ctx, int64_t *out);
/* rs_store_districts_read and rs_store_district_set from one snapshot. */
int rs_store_districts_read_set(rs_ctx *ctx, rs_districts **out, int64_t *set);
/* The placer cache: named blobs built from district set `set` (and
 * whatever else `key` says they depend on).  Replacing the districts
 * empties it.  get returns 0 and a copy in *data (caller frees), or
 * RS_ENOTFOUND when there is no entry of that name, set and key. */
int rs_store_cache_get(rs_ctx *ctx, const char *name, int64_t set, const char *key, void **data,
                       size_t *len);
int rs_store_cache_put(rs_ctx *ctx, const char *name, int64_t set, const char *key,
                       const void *data, size_t len);

/* A text column, never NULL: "" for SQL NULL and for a zero-length BLOB
 * (sqlite3_column_text gives NULL for both; a hand-edited workspace can
 * hold either even in a NOT NULL column).  Every text read of a stored
 * row goes through it. */
typedef struct sqlite3_stmt sqlite3_stmt;
const char *rs_store_text(sqlite3_stmt *st, int col);

/* One integer from a query with no parameters (e.g. a count); 0 when the
 * query returns no row. */
int rs_store_query_int(rs_ctx *ctx, const char *sql, int64_t *out);

#endif
