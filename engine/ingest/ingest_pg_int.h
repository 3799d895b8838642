/*
 * ingest_pg_int.h — private to engine/ingest: the pieces of a staged load
 * into a PostgreSQL workspace (ingest_pg.h gives the plan) that each kind's
 * own file uses.  ingest_pg.c runs the load: staging area, one workspace
 * transaction, the kind's hooks, the log entry, the tables, the commit.
 */
#ifndef RS_INGEST_PG_INT_H
#define RS_INGEST_PG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "ingest.h"

/* The staging context's error, recorded as the workspace's (rc when the
 * stage recorded none); returns the code. */
int rs_stage_error(rs_ctx *ctx, rs_ctx *stage, int rc);

/* Opens the stage's transaction for the stored rows a kind stages and
 * logs their placeholder file, id 0, which they are staged as (a load's
 * own file gets a later id).  On failure the stage is rolled back and the
 * error is ctx's; what names the step. */
int rs_stage_begin_stored(rs_ctx *ctx, rs_ctx *stage, const char *what);

/* Hex text (PostgreSQL's encode(x, 'hex')) into malloc'd bytes; NULL when
 * malformed or out of memory. */
unsigned char *rs_stage_unhex(const char *s, int len, size_t *n);

/* A table the staging load writes and the workspace receives: its columns
 * but file_id, and their PostgreSQL types, one letter each: t text, b bytea,
 * 8 bigint, 4 integer, f double precision (NULL passes as NULL). */
typedef struct {
    const char *table, *cols, *types;
} pg_table;

/* The rows of the stage's query sel (its ?1 bound to fid when fid >= 0;
 * columns of types, letters as for pg_table) into the workspace by
 * copy_sql, a binary COPY in the caller's transaction whose first column
 * gets lead when lead >= 0 (a file id); what names a stage failure. */
int rs_stage_copy_rows(rs_ctx *ctx, rs_ctx *stage, const char *copy_sql, const char *sel,
                       int64_t fid, int64_t lead, const char *types, const char *what);

/* The staged rows of table tb loaded by staged file fid, into the
 * workspace as file pgid (binary COPY, inside the caller's transaction). */
int rs_stage_copy_table(rs_ctx *ctx, rs_ctx *stage, const pg_table *tb, int64_t fid,
                        int64_t pgid);

/* What a kind does beyond the common load (each may be NULL):
 * before: after the workspace's districts, cache and pin are staged and
 *         before the file is loaded into the stage (inside the workspace
 *         transaction): stage the stored rows the loader must see (opts
 *         are the load's: what the loader compares may depend on them);
 * send:   after the log entry (pgid) is written and before the kind's
 *         tables are copied: send what a table copy cannot (rows of
 *         another shape, revisions of stored rows);
 * again:  when the content (kind, sha256) is logged already, for kinds
 *         whose rows are judged by their keys, not by the file's content:
 *         set *pgid to the log entry to load the staged result into (it
 *         then goes on as a new one would), or leave it 0 to store
 *         nothing (the rows count as already present). */
typedef struct {
    int (*before)(rs_ctx *ctx, rs_ctx *stage, const char *path, const rs_ingest_opts *opts);
    int (*send)(rs_ctx *ctx, rs_ctx *stage, int64_t fid, int64_t pgid);
    int (*again)(rs_ctx *ctx, const char *kind, const char *sha, const rs_ingest_result *res,
                 int64_t *pgid);
} pg_hooks;

/* STATS19 (ingest_pg_stats19.c): the stored rows of the file's collisions
 * staged; their revisions and the file's rows sent; a content loaded
 * before loads again into its log entry when it brings something new. */
int rs_pg_s19_before(rs_ctx *ctx, rs_ctx *stage, const char *path,
                     const rs_ingest_opts *opts);
int rs_pg_s19_send(rs_ctx *ctx, rs_ctx *stage, int64_t fid, int64_t pgid);
int rs_pg_s19_again(rs_ctx *ctx, const char *kind, const char *sha, const rs_ingest_result *res,
                    int64_t *pgid);

/* Telematics and fleet pings (ingest_pg_pings.c).  before of fleet: the
 * fleet loaders are serialised (the vehicle ids they hand out), the
 * workspace's fleet vehicles are staged with their ids, and so are the
 * stored fleet pings the per-vehicle checks compare the file's with.
 * send: the month partitions the staged pings need are made and committed
 * on a second connection, then the pings are sent (fleet: the new
 * vehicles first). */
int rs_pg_fleet_before(rs_ctx *ctx, rs_ctx *stage, const char *path,
                       const rs_ingest_opts *opts);
int rs_pg_traffic_send(rs_ctx *ctx, rs_ctx *stage, int64_t fid, int64_t pgid);
int rs_pg_fleet_send(rs_ctx *ctx, rs_ctx *stage, int64_t fid, int64_t pgid);

#endif
