/*
 * ingest_pg.h — loading files into a PostgreSQL workspace (store.h).
 *
 * Every row goes through exactly the checks, placing and hashing of the
 * SQLite loaders: the file is first loaded, unchanged, into a private
 * SQLite staging area (RS_STORE_SCRATCH) that holds the workspace's
 * districts, placer cache, transformation pin and the stored rows that
 * share the file's keys, so it is judged as the workspace itself would
 * judge it.  What the staging load stored is then sent by binary COPY, with
 * the ingest log entry and the rejects, in one PostgreSQL transaction:
 * a file is wholly loaded or, when the process dies, not at all.  The log
 * entry is unique by (kind, SHA-256 of the content), so a file loads once:
 * a second loader of the same content, at the same moment too, waits for
 * the first and then stores nothing (its rows count as already present).
 * STATS19 rows are judged by their keys, not by the content: a content
 * logged before loads again into its entry when it brings something new
 * (ingest_pg_stats19.c).
 */
#ifndef RS_INGEST_PG_H
#define RS_INGEST_PG_H

#include "ingest.h"

/* rs_ingest_file on a PostgreSQL workspace, for every kind.  "-"
 * (standard input, which cannot be read twice) is RS_EUSAGE with a
 * message saying so. */
int rs_ingest_file_pg(rs_ctx *ctx, rs_kind kind, const char *path, const rs_ingest_opts *opts,
                      rs_ingest_result *res);

#endif
