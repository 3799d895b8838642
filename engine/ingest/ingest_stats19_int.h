/*
 * ingest_stats19_int.h — what the STATS19 loaders share: the collision and
 * casualty loaders (ingest_stats19.c), the vehicle and casualty adjustment
 * lookup loaders (ingest_stats19_links.c), and storing a row that may be
 * loaded already (ingest_stats19_update.c: compared on every stored column,
 * present when the same, else rejected naming the column or, with --update,
 * revised).  Private to the ingest room.
 */
#ifndef RS_INGEST_STATS19_INT_H
#define RS_INGEST_STATS19_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "ingest_int.h"

/* Optional integer code: -1 or empty is missing (*present = 0); a
 * non-integer rejects the row (returns -1). */
int rs_s19_opt_int(rs_ingest_run *r, int col, const char *name, int64_t *v, int *present);
/* Optional plain decimal, likewise. */
int rs_s19_opt_dec(rs_ingest_run *r, int col, const char *name, double *v, int *present);
/* Binds v, or NULL when !present. */
void rs_s19_bind_opt(sqlite3_stmt *st, int i, int64_t v, int present);
void rs_s19_bind_dec(sqlite3_stmt *st, int i, double v, int present);

/* 0 when the collision (index idx) is in the workspace, 1 when it is not,
 * or an RS_E code.  parent: SELECT 1 FROM collision WHERE collision_index = ?1. */
int rs_s19_parent_missing(rs_ingest_run *r, sqlite3_stmt *parent, const char *idx, size_t len);

/* A vehicle file (ci, cv: the index and vehicle_reference columns). */
int rs_ingest_s19_vehicles(rs_ingest_run *r, int ci, int cv);
/* The casualty adjustment lookup (ci, cv, cc: index, vehicle and casualty
 * reference columns; cas: adjusted-serious column). */
int rs_ingest_s19_adjustment(rs_ingest_run *r, int ci, int cv, int cc, int cas);

typedef struct rs_s19_stage rs_s19_stage;

/* Prepares the comparison of rows of table ("collision", "casualty") that
 * are loaded already, keyed by the columns keys (NULL-ended).  params names
 * the table column of each of the loader's parameters ?1, ?2, ... (NULL-
 * ended; it must hold the keys); names maps stored column names to the
 * file's (pairs, NULL-ended) for rejects.  The loader inserts each row
 * with INSERT ... ON CONFLICT DO NOTHING; when that finds the key there it
 * binds the same parameters into rs_s19_stage_compare(s) and calls
 * rs_s19_stage_check.  Returns 0 or an RS_E code. */
int rs_s19_stage_new(rs_ingest_run *r, const char *table, const char *const *keys,
                     const char *const *params, const char *const *names, rs_s19_stage **out);
sqlite3_stmt *rs_s19_stage_compare(rs_s19_stage *s);
sqlite3_stmt *rs_s19_stage_update(rs_s19_stage *s);
/* rs_s19_stage_check's answer when the row differs and --update is given:
 * bind the row into rs_s19_stage_update(s), then call rs_s19_stage_revise. */
#define RS_S19_REVISE 2
/* Compares the bound row with the stored one: 0 when counted present or
 * rejected (naming the first column that differs), RS_S19_REVISE, or an
 * RS_E code. */
int rs_s19_stage_check(rs_s19_stage *s);
/* Gives the stored row the bound row's values (counted revised): 0 or an
 * RS_E code. */
int rs_s19_stage_revise(rs_s19_stage *s);
void rs_s19_stage_free(rs_s19_stage *s);

#endif
