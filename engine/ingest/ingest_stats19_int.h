/*
 * ingest_stats19_int.h — what the STATS19 loaders share: the collision and
 * casualty loaders (ingest_stats19.c) and the vehicle and casualty
 * adjustment lookup loaders (ingest_stats19_links.c).  Private to the
 * ingest room.
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

#endif
