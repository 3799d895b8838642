/*
 * ingest_int.h — what the per-kind loaders (ingest_*.c) share with the
 * file-level driver (ingest.c) and the row helpers (ingest_row.c): the
 * run of one file, and the helpers every loader calls.  The driver calls
 * the loaders; the loaders call the row helpers; nothing calls back.
 *
 * Private to the ingest room, like its other *_int.h (csv_int.h,
 * ingest_batches_int.h): not part of the engine's contract, and no other
 * room includes them.  They sit in engine/ingest, which CMake makes the
 * room's PUBLIC include folder for its public headers (ingest.h, key.h,
 * csv.h, place.h, relocate.h), so the compiler would let another room
 * include them; the rule is kept by review instead.  The one outside user
 * is the fuzz harness tests/fuzz/fuzz_fields.c, for the pure rs_check_*
 * field checks.
 */
#ifndef RS_INGEST_INT_H
#define RS_INGEST_INT_H

#include <sqlite3.h>

#include "csv.h"
#include "district.h"
#include "ingest.h"
#include "place.h"
#include "store.h"

typedef struct rs_ingest_run {
    rs_ctx *ctx;
    sqlite3 *db;
    rs_csv *csv;
    const rs_ingest_opts *opts;
    rs_ingest_result *res;
    const char *name;       /* file name for messages and rejects */
    int64_t file_id;        /* ingest_file.id of this load */
    const char *kind_name;  /* set by the loader: value of ingest_file.kind */
    int dedupe_by_content;  /* set by the loader: whole-file identity */
    rs_placer *placer;
    const rs_districts *districts;
    sqlite3_stmt *reject_stmt;
    int64_t ticked;         /* rows at the last progress report */
    int reject_rc;          /* first failure to store a reject: the load fails with it
                             * even where a loader does not check the return */
} rs_ingest_run;

/* ---- ingest.c ----------------------------------------------------------- */

/* Sets *yes when a file of r's kind with the content read so far (the
 * whole file, once read to its end) is loaded already.  0 or an RS_E code. */
int rs_ingest_content_loaded(rs_ingest_run *r, int *yes);

/* ---- ingest_row.c ------------------------------------------------------- */

/* Records a bad row (current record's line) in the rejects file and table.
 * column may be "" when the problem is the record as a whole.  Returns 0,
 * or an RS_E code when the reject itself cannot be stored; that code is
 * also kept in r->reject_rc, and rs_ingest_next and rs_ingest_file return
 * it, so a loader that goes on to the next row still fails the load. */
int rs_ingest_reject(rs_ingest_run *r, const char *column, const char *reason);
/* The same for a record that started at `line` (batched loaders). */
int rs_ingest_reject_at(rs_ingest_run *r, long line, const char *column, const char *reason);

/* Column index for a field that may go by several names (aliases, any
 * case).  Returns the index, -1 when none is present, or -2 after setting
 * an "ambiguous header" error when two of the names are both present. */
int rs_ingest_col(rs_ingest_run *r, const char *const *names);
/* Refuses the file (RS_EINPUT) for a missing required column. */
int rs_ingest_missing(rs_ingest_run *r, const char *what);

/* Field i of the current record ("" when i < 0). */
const char *rs_ingest_field(rs_ingest_run *r, int i, size_t *len);

/* Reads the next record for a row-at-a-time loader: 1 for a good record
 * (counted in *rows, progress reported), 0 at end of file, or an RS_E code
 * (read error, or a reject that could not be stored).  A record with a
 * CSV-level problem (too long, bad quoting, NUL, invalid UTF-8, wrong
 * field count) is rejected here and skipped. */
int rs_ingest_next(rs_ingest_run *r, int64_t *rows);

/* Reports progress every 65536 rows or so; call with the rows read so far,
 * once per record or once per bulk of records. */
void rs_ingest_tick(rs_ingest_run *r, int64_t rows);

/* Pure field checks (no side effects, safe on any thread): 0, or -1 with
 * the reject reason (and column) set to static text. */
int rs_check_latlon(const char *lat_s, size_t lat_len, const char *lon_s, size_t lon_len,
                    double *lat, double *lon, const char **col, const char **why);
/* speed in 0.01 mph from mph text, or from km/h text when kph != 0 */
int rs_check_speed(const char *s, size_t len, int kph, int64_t *cmph, const char **why);
/* limit in {20..70}; empty allowed (0) when optional */
int rs_check_limit(const char *s, size_t len, int optional, int *limit, const char **why);

/* Shared field checks on the current record; each returns 0, or -1 after
 * rejecting the row. */
int rs_ingest_time(rs_ingest_run *r, int col, const char *name, int64_t *t);
int rs_ingest_latlon(rs_ingest_run *r, int lat_col, int lon_col, double *lat, double *lon);
int rs_ingest_limit(rs_ingest_run *r, int col, const char *name, int optional, int *limit);
/* speed in 0.01 mph from an mph column or (when mph_col < 0) a km/h one. */
int rs_ingest_speed(rs_ingest_run *r, int mph_col, int kph_col, uint16_t *cmph);

/* A table whose rows are keyed by a unique index (detections by
 * detection_id, collisions by index, casualties by index, vehicle and
 * casualty reference): re-loading a row stores nothing new. */
typedef struct rs_keyed {
    sqlite3_stmt *ins; /* INSERT ... ON CONFLICT DO NOTHING; bound per row by the caller */
    sqlite3_stmt *get; /* SELECT of the stored row by the same key; bound likewise */
    /* 1 when the stored row (get's current row) has the values of row */
    int (*same)(sqlite3_stmt *get, const void *row);
    const char *what;  /* "detection": failures read "store a detection", "compare a ..." */
    const char *col;   /* the reject when a stored row differs: column, */
    const char *why;   /* and reason */
    /* when set, ins failing its foreign key (the row's collision is not in
     * the workspace) rejects the row with orphan_why (column orphan_col)
     * instead of failing the load: the key checks the parent, no lookup */
    const char *orphan_col, *orphan_why;
} rs_keyed;

/* Inserts the row ins is bound to, else compares it with the stored one:
 * returns 1 when the row is new (the caller counts it loaded), 0 when one
 * with its key was stored already (counted present when the same, else
 * rejected with k->col, k->why), or an RS_E code when a statement (or
 * storing the reject) fails. */
int rs_ingest_keyed(rs_ingest_run *r, const rs_keyed *k, const void *row);

/* A big load into one table (detections, collisions): once RS_BULK_ROWS
 * rows are stored, and when the load is at least a quarter of the rows
 * the table held before (as the ingest log counts them: no scan), the
 * table's indexes are set aside and built again at the end
 * (store.h, rs_store_indexes_drop), sorted once instead of row by row.
 * begin reads the count before (of r->kind_name in the ingest log, so
 * after the loader has set it); row is called after each stored row;
 * end re-creates the indexes (call it only when the load succeeded);
 * free drops what is set aside without restoring (the caller rolls back). */
#define RS_BULK_ROWS 100000
typedef struct rs_ingest_bulk {
    const char *table;
    int64_t before;
    int weighed;
    rs_store_indexes *aside;
} rs_ingest_bulk;
int rs_ingest_bulk_begin(rs_ingest_run *r, rs_ingest_bulk *b, const char *table);
int rs_ingest_bulk_row(rs_ingest_run *r, rs_ingest_bulk *b);
int rs_ingest_bulk_end(rs_ingest_run *r, rs_ingest_bulk *b);
void rs_ingest_bulk_free(rs_ingest_bulk *b);

/* Trims spaces and tabs at both ends of s[0, *len) in place of the
 * pointers: an enumeration (device type, source) is matched trimmed, in
 * any case, so "TRUCAM " and " public " are what they say. */
static inline void rs_ingest_trim(const char **s, size_t *len)
{
    while (*len > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

/* Records the result of one good row stored for the summary line. */
static inline void rs_ingest_loaded(rs_ingest_run *r, int32_t district)
{
    r->res->loaded++;
    if (district < 0)
        r->res->outside++;
}

/* ---- the per-kind loaders (ingest_telematics.c, ingest_detections.c,
 * ingest_stats19.c, ingest_concerns.c), called by the driver ------------- */

/* Check the header, then read every record. */
int rs_ingest_telematics(rs_ingest_run *r, int fleet);
int rs_ingest_detections(rs_ingest_run *r);
int rs_ingest_stats19(rs_ingest_run *r);
int rs_ingest_concerns(rs_ingest_run *r);

#endif
