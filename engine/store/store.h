/*
 * store.h — the workspace: one SQLite file (or a PostgreSQL database: see
 * "the shared workspace" below) holding districts, the ingest log, rejects
 * and every loaded record.
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
    RS_STORE_READONLY = 2, /* open for reading only */
    RS_STORE_PG_OK = 4,    /* the caller also works on a PostgreSQL workspace */
    /* a private SQLite workspace in a temporary file that no other process
     * sees and that vanishes when closed, or when the process dies
     * (path ignored): a staging area */
    RS_STORE_SCRATCH = 8,
    /* a reader that reads no pings (ksi, reoffend, target show): its
     * snapshot of a PostgreSQL workspace leaves them out */
    RS_STORE_NO_PINGS = 16
};

/* ---- the shared workspace on PostgreSQL ---------------------------------
 * A path that is a postgresql:// or postgres:// URL (libpq's connection
 * URI; what it leaves out, libpq takes from PGHOST, PGDATABASE, ... as
 * usual, so "postgresql://" alone is the PG* variables' database) names a
 * workspace in that database's schema "roadsafe" (data/schema_pg, the same
 * versions as data/schema).  rs_store_open opens one only with
 * RS_STORE_PG_OK: the callers that pass it use nothing of the workspace
 * but what this header offers, and every function here works on both
 * backends except rs_store_text (SQLite statements) and the bulk functions
 * at the end (rs_store_copy_*, rs_store_query_rows, rs_store_query_int_args,
 * rs_store_cursor_batches, rs_store_exec_count: PostgreSQL only).  Without the flag, a RS_STORE_READONLY open of a URL
 * reads the whole workspace, as one consistent snapshot, into a staging
 * area (RS_STORE_SCRATCH) and gives that: an SQLite workspace, so every
 * reader runs unchanged and gives the same answers on both backends
 * (rs_store_snapshot); a writer without the flag is RS_EUSAGE ("not yet
 * available on a PostgreSQL workspace").  The context's store path is then
 * the URL without its password. */
int rs_store_is_pg_url(const char *s);
typedef enum { RS_STORE_SQLITE = 0, RS_STORE_POSTGRESQL = 1 } rs_store_backend_kind;
rs_store_backend_kind rs_store_backend(rs_ctx *ctx);

/* Copies every table of PostgreSQL workspace pg into the empty staging
 * area lite (store_pg_snapshot.c), in one REPEATABLE READ READ ONLY
 * transaction: a snapshot that waits for no load; the pings only when
 * with_pings.  Errors are pg's. */
int rs_store_snapshot(rs_ctx *pg, rs_ctx *lite, int with_pings);

/* Bulk loading a PostgreSQL workspace (store_pg_copy.c).  begin runs
 * copy_sql, a "COPY table(columns) FROM STDIN (FORMAT binary)", inside
 * the caller's transaction; then per row rs_copy_row with the number of
 * fields and one rs_copy_* per field, in the columns' order and types
 * (int8: bigint, int4: integer, int2: smallint, float8: double precision,
 * bytes: text or bytea); end with ok = 1 sends it (0 or the server's error), with ok = 0
 * abandons it (RS_ERR; the caller rolls back).  end frees c. */
typedef struct rs_store_copy rs_store_copy;
int rs_store_copy_begin(rs_ctx *ctx, const char *copy_sql, rs_store_copy **out);
void rs_copy_row(rs_store_copy *c, int nfields);
void rs_copy_null(rs_store_copy *c);
void rs_copy_int8(rs_store_copy *c, int64_t v);
void rs_copy_int4(rs_store_copy *c, int32_t v);
void rs_copy_int2(rs_store_copy *c, int16_t v);
void rs_copy_float8(rs_store_copy *c, double v);
void rs_copy_bytes(rs_store_copy *c, const void *p, size_t n);
int rs_store_copy_end(rs_ctx *ctx, rs_store_copy *c, int ok);

/* Streams the rows of a query on a PostgreSQL workspace, one call of fn
 * each with the text of its first (at most 16) columns (NULL for SQL
 * NULL); fn returns 0 to go on, an RS_E code to stop (returned). */
typedef int (*rs_store_row_fn)(void *user, int ncols, const char *const *vals,
                               const int *lens);
int rs_store_query_rows(rs_ctx *ctx, const char *sql, rs_store_row_fn fn, void *user);
/* rs_store_query_int with text parameters $1..$n (PostgreSQL). */
int rs_store_query_int_args(rs_ctx *ctx, const char *sql, int n, const char *const *args,
                            int64_t *out);

/* Reads a big query on a PostgreSQL workspace through a cursor in the
 * caller's open transaction (store_pg_cursor.c): fn gets the rows
 * batch_rows at a time, in binary, and between two calls the connection
 * is free for other statements (a COPY, an UPDATE).  Columns must be
 * smallint, integer, bigint, double precision, text or bytea.  fn returns
 * 0 to go on, an RS_E code to stop (returned).  Memory: one batch. */
typedef struct rs_store_batch rs_store_batch;
typedef int (*rs_store_batch_fn)(void *user, const rs_store_batch *b);
int rs_store_cursor_batches(rs_ctx *ctx, const char *sql, int batch_rows, rs_store_batch_fn fn,
                            void *user);
int rs_store_batch_rows(const rs_store_batch *b);
int rs_store_batch_isnull(const rs_store_batch *b, int row, int col);
/* smallint, integer or bigint (0 for NULL) */
int64_t rs_store_batch_int(const rs_store_batch *b, int row, int col);
/* double precision (0 for NULL) */
double rs_store_batch_float8(const rs_store_batch *b, int row, int col);
/* text or bytea: borrowed bytes, valid during fn; *len their number */
const void *rs_store_batch_bytes(const rs_store_batch *b, int row, int col, size_t *len);
/* Runs one statement on a PostgreSQL workspace; *rows gets the number of
 * rows it inserted, updated or deleted.  On failure records "what: server
 * message". */
int rs_store_exec_count(rs_ctx *ctx, const char *sql, const char *what, int64_t *rows);

/* A second connection to ctx's PostgreSQL workspace (the same server,
 * database and credentials; autocommit; search_path roadsafe, public) in
 * out, a fresh context, for work that must commit apart from ctx's open
 * transaction (store_pg_sibling.c).  The schema is not migrated again.
 * Returns 0 or an RS_E code in out's error. */
int rs_store_pg_sibling(rs_ctx *ctx, rs_ctx *out);

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
/* The first n (at most 8) integer columns of a query's first row, on either
 * backend: out[i] (0 when NULL or no row) and null[i] (1 when NULL or no
 * row). */
int rs_store_query_ints(rs_ctx *ctx, const char *sql, int n, int64_t *out, int *null);

/* A big load into one table: rs_store_indexes_drop drops the table's own
 * secondary indexes (not those SQLite makes for its keys) inside the
 * caller's write transaction, remembering their SQL; rs_store_indexes_restore
 * builds them again from that same SQL (one sort per index instead of an
 * insert at a random place per row) and frees x, which must be done before
 * the transaction commits.  A failed load rolls both back with the rest.
 * rs_store_indexes_free frees x without restoring (then roll back).  Each
 * returns 0 or an RS_E code. */
typedef struct rs_store_indexes rs_store_indexes;
int rs_store_indexes_drop(rs_ctx *ctx, const char *table, rs_store_indexes **out);
int rs_store_indexes_restore(rs_ctx *ctx, rs_store_indexes *x);
void rs_store_indexes_free(rs_store_indexes *x);

#endif
