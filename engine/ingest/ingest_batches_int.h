/*
 * ingest_batches_int.h — the threaded batch pipeline the telematics loader
 * (ingest_telematics.c) runs its file through (ingest_batches.c): the
 * file is cut into batches of records, parsed on every core and stored
 * strictly in file order.  The loader gives the columns, how to parse one
 * row and how to store one parsed batch; the pipeline owns the ring of
 * batches, the reader and the threads.  Private to the ingest room, like
 * ingest_int.h.
 */
#ifndef RS_INGEST_BATCHES_INT_H
#define RS_INGEST_BATCHES_INT_H

#include "ingest_int.h"
#include "pings.h"

#define RS_TM_BATCH 8192 /* records per batch */
#define RS_TM_NFIELD 6   /* time, lat, lon, speed, limit, vehicle */
#define RS_TM_VLAST 64   /* longest vehicle id whose hash a batch reuses */

enum { RS_TM_TIME, RS_TM_LAT, RS_TM_LON, RS_TM_SPEED, RS_TM_LIMIT, RS_TM_VEHICLE };

/* One batch of the ring.  Filled by the reader, parsed by any thread, then
 * stored; each stage owns it alone. */
typedef struct rs_tm_batch {
    int state;       /* the pipeline's */
    int raw;         /* 1: text is a run of whole lines; 0: split records */
    long first_line; /* raw: physical line of text[0] */
    size_t n;        /* split: records filled in; raw: records found parsing */
    long line[RS_TM_BATCH];
    uint32_t off[RS_TM_BATCH][RS_TM_NFIELD]; /* split only */
    uint16_t len[RS_TM_BATCH][RS_TM_NFIELD];
    char *text; /* raw: the run (+1 spare byte); split: fields, NUL-terminated */
    size_t text_len, text_cap;
    char *notes; /* raw: CSV problems of records, written while parsing */
    size_t notes_len, notes_cap;
    uint32_t note_off[RS_TM_BATCH];
    /* results, row by row: a ping, or a reject (rej_col "" for a CSV-level
     * problem of the record, rej_reason its text) */
    rs_ping ping[RS_TM_BATCH];
    const char *rej_col[RS_TM_BATCH]; /* NULL: good ping */
    const char *rej_reason[RS_TM_BATCH];
    unsigned char (*vhash)[32]; /* fleet: keyed hash of vehicle_id */
    /* fleet: the last vehicle id hashed in this batch and the row holding
     * its hash (vlast_row -1: none yet); reset before each parse.  Fleet
     * files are sorted by vehicle, so most rows reuse it. */
    char vlast[RS_TM_VLAST];
    size_t vlast_len;
    long vlast_row;
} rs_tm_batch;

/* What the loader gives the pipeline; read-only while it runs. */
typedef struct rs_tm_spec {
    int cols[RS_TM_NFIELD]; /* column of each field, -1 when absent */
    int fleet;              /* batches need vhash */
    /* Parses row k of b, whose fields are f/l, into b->ping[k] (and
     * b->vhash[k]) or sets b->rej_col[k], b->rej_reason[k] to static
     * text.  Called on any thread at once, with that thread's placer. */
    void (*parse_row)(const void *user, rs_placer *pl, rs_tm_batch *b, size_t k,
                      const char *const f[RS_TM_NFIELD], const size_t l[RS_TM_NFIELD]);
    const void *parse_user;
    /* Stores the rows of a parsed batch, rejects included, in row order.
     * Called by one thread at a time, batches in file order.  Returns 0 or
     * an RS_E code with the message in the run's context. */
    int (*store)(void *user, rs_tm_batch *b);
    void *store_user;
} rs_tm_spec;

/* Reads the rest of r's file through the pipeline (ROADSAFE_THREADS
 * threads, default one per core, at most 8).  Returns 0 when every batch
 * was stored, or the first failure's RS_E code with its message in r's
 * context; nothing runs on after it returns. */
int rs_tm_run(rs_ingest_run *r, const rs_tm_spec *spec);

#endif
