/*
 * csv_ahead.c — reading ahead (csv.h, rs_csv_read_ahead): a helper thread
 * reads, decompresses, hashes and splits the records of a file while the
 * thread that owns the reader works on the records before them.
 *
 * Shape.  When reading ahead starts, the reader's file state (zlib stream,
 * read buffer, SHA-256, field offsets) moves into a second rs_csv, the
 * source, which only the helper touches from then on; it reads it with the
 * ordinary rs_csv_next.  The caller's rs_csv keeps its name and header
 * (read-only, shared) and becomes a view: its rec, starts, nfields,
 * rec_line and problem point into the batch being consumed, so every
 * accessor in csv.c works unchanged.
 *
 * Batches.  The helper copies each record (its split fields, their start
 * offsets, line and problem text) into one of AHEAD_BATCHES batches of at
 * most BATCH_BYTES bytes, BATCH_STARTS offsets or BATCH_RECS records, and
 * hands a full batch over in file order.  A batch is filled only while it
 * has room for a record of the largest size the reader makes (a record is
 * at most RS_CSV_RECORD_MAX bytes and MAX_FIELDS fields), so a record is
 * never split across batches.  The helper's last batch carries how the
 * file ended: 0 at the end of the file, or the reader's error code and
 * message, given to the caller after the records before it, exactly where
 * a plain rs_csv_next loop would have met it.
 *
 * Synchronisation: one mutex and one condition variable over the ring
 * (head, count) and the stop flag.  The batch at head is the caller's
 * until it asks for the next; the helper fills only batches outside
 * [head, head + count).  The helper is joined when the caller reaches the
 * end of the file (so the source's SHA-256 is then complete and safe to
 * read) or when the reader is closed (stop is set first; the helper
 * finishes the batch it is filling, at most BATCH_BYTES of parsing).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "csv_int.h"

#define AHEAD_BATCHES 4
#define BATCH_BYTES (512u * 1024u)
#define BATCH_STARTS (128u * 1024u)
#define BATCH_RECS 8192u
/* room kept after the thresholds: the largest record, its problem text */
#define REC_BYTES_MAX (RS_CSV_RECORD_MAX + 2 + 128)
#define BYTES_CAP (BATCH_BYTES + REC_BYTES_MAX)
#define STARTS_CAP (BATCH_STARTS + MAX_FIELDS + 1)

typedef struct ahead_rec {
    uint32_t off;  /* record bytes in the batch */
    uint32_t soff; /* its nfields + 1 field offsets */
    uint32_t nf;
    int32_t poff;  /* problem text in the batch, -1 when none */
    long line;
} ahead_rec;

typedef struct ahead_batch {
    unsigned char *bytes;
    size_t used;
    uint32_t *starts;
    size_t sused;
    ahead_rec *recs;
    size_t n;
    uint64_t bytes_in; /* stored bytes read once the batch was filled */
    int end;           /* 1: records follow; 0: end of file after these; < 0: error */
    long end_line;     /* when end <= 0: the source's line then (rs_csv_line after the end) */
    rs_err err;
} ahead_batch;

struct rs_csv_ahead {
    rs_csv *src;       /* the file's reader proper: the helper's alone */
    pthread_t th;
    int running;       /* the helper is started and not yet joined */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ahead_batch b[AHEAD_BATCHES];
    size_t head, count; /* guarded by mu */
    int stop;           /* guarded by mu */
    /* the caller's side */
    ahead_batch *cur;
    size_t next;
};

static void batch_free(ahead_batch *b)
{
    free(b->bytes);
    free(b->starts);
    free(b->recs);
}

static int batch_alloc(ahead_batch *b)
{
    b->bytes = malloc(BYTES_CAP);
    b->starts = malloc(STARTS_CAP * sizeof *b->starts);
    b->recs = malloc(BATCH_RECS * sizeof *b->recs);
    return b->bytes && b->starts && b->recs ? 0 : -1;
}

/* Copies the source's current record into b, which has room for it. */
static void batch_put(ahead_batch *b, const rs_csv *s)
{
    ahead_rec *r = &b->recs[b->n++];
    size_t len = s->nfields > 0 ? s->starts[s->nfields] : 0;
    r->off = (uint32_t)b->used;
    r->soff = (uint32_t)b->sused;
    r->nf = (uint32_t)s->nfields;
    r->line = s->rec_line;
    if (len > 0)
        memcpy(b->bytes + b->used, s->rec, len);
    b->used += len;
    memcpy(b->starts + b->sused, s->starts, (s->nfields + 1) * sizeof *b->starts);
    b->sused += s->nfields + 1;
    r->poff = -1;
    if (s->problem != NULL) {
        size_t pl = strnlen(s->problem, 127);
        r->poff = (int32_t)b->used;
        memcpy(b->bytes + b->used, s->problem, pl);
        b->bytes[b->used + pl] = '\0';
        b->used += pl + 1;
    }
}

static void *ahead_main(void *arg)
{
    rs_csv_ahead *a = arg;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        while (a->count == AHEAD_BATCHES && !a->stop)
            pthread_cond_wait(&a->cv, &a->mu);
        int stop = a->stop;
        size_t t = (a->head + a->count) % AHEAD_BATCHES;
        pthread_mutex_unlock(&a->mu);
        if (stop)
            return NULL;
        ahead_batch *b = &a->b[t];
        b->used = b->sused = b->n = 0;
        b->end = 1;
        memset(&b->err, 0, sizeof b->err);
        while (b->n < BATCH_RECS && b->used < BATCH_BYTES && b->sused < BATCH_STARTS) {
            int rc = rs_csv_next(a->src, &b->err);
            if (rc != 1) {
                b->end = rc;
                break;
            }
            batch_put(b, a->src);
        }
        b->bytes_in = rs_csv_bytes_in(a->src);
        b->end_line = a->src->rec_line;
        int last = b->end <= 0;
        pthread_mutex_lock(&a->mu);
        a->count++;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        if (last)
            return NULL;
    }
}

static void ahead_free(rs_csv_ahead *a)
{
    for (int i = 0; i < AHEAD_BATCHES; i++)
        batch_free(&a->b[i]);
    free(a);
}

int rs_csv_ahead_start(rs_csv *c)
{
    rs_csv_ahead *a = calloc(1, sizeof *a);
    rs_csv *src = malloc(sizeof *src);
    if (a == NULL || src == NULL)
        goto fail;
    for (int i = 0; i < AHEAD_BATCHES; i++)
        if (batch_alloc(&a->b[i]) != 0)
            goto fail;
    *src = *c;
    src->ahead_wanted = 0; /* the source reads by itself */
    a->src = src;
    if (pthread_mutex_init(&a->mu, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&a->cv, NULL) != 0) {
        pthread_mutex_destroy(&a->mu);
        goto fail;
    }
    if (pthread_create(&a->th, NULL, ahead_main, a) != 0) {
        pthread_cond_destroy(&a->cv);
        pthread_mutex_destroy(&a->mu);
        goto fail;
    }
    /* The file state is the source's now; the view keeps name and header. */
    a->running = 1;
    c->gz = NULL;
    c->sha = c->sha_tmp = NULL;
    c->buf = NULL;
    c->starts = NULL;
    c->rec = (unsigned char *)"";
    c->nfields = 0;
    c->problem = NULL;
    c->ahead = a;
    return 0;
fail:
    /* nothing of c was changed: it reads on by itself */
    if (a != NULL)
        ahead_free(a);
    free(src);
    return -1;
}

static void ahead_join(rs_csv_ahead *a)
{
    if (!a->running)
        return;
    pthread_join(a->th, NULL);
    a->running = 0;
}

int rs_csv_ahead_next(rs_csv *c, rs_err *e)
{
    rs_csv_ahead *a = c->ahead;
    for (;;) {
        ahead_batch *b = a->cur;
        if (b != NULL && a->next < b->n) {
            const ahead_rec *r = &b->recs[a->next++];
            c->rec = b->bytes + r->off;
            c->starts = b->starts + r->soff;
            c->nfields = r->nf;
            c->rec_line = r->line;
            c->problem = r->poff >= 0 ? (const char *)b->bytes + r->poff : NULL;
            return 1;
        }
        if (b != NULL && b->end <= 0) {
            /* the helper's last batch, consumed: the file ended here */
            ahead_join(a);
            c->rec = (unsigned char *)"";
            c->nfields = 0;
            c->problem = NULL;
            c->rec_line = b->end_line;
            if (b->end < 0)
                return rs_err_set(e, b->err.code ? b->err.code : b->end, "%s", b->err.msg);
            return 0;
        }
        pthread_mutex_lock(&a->mu);
        if (b != NULL) {
            a->head = (a->head + 1) % AHEAD_BATCHES;
            a->count--;
            pthread_cond_broadcast(&a->cv);
        }
        while (a->count == 0)
            pthread_cond_wait(&a->cv, &a->mu);
        a->cur = &a->b[a->head];
        a->next = 0;
        pthread_mutex_unlock(&a->mu);
    }
}

uint64_t rs_csv_ahead_bytes_in(const rs_csv *c)
{
    return c->ahead->cur ? c->ahead->cur->bytes_in : 0;
}

void rs_csv_ahead_sha256(rs_csv *c, unsigned char out[32])
{
    rs_csv_ahead *a = c->ahead;
    if (a->running) {
        /* the helper is still reading: the hash is not the caller's to take */
        memset(out, 0, 32);
        return;
    }
    rs_csv_sha256(a->src, out);
}

void rs_csv_ahead_close(rs_csv *c)
{
    rs_csv_ahead *a = c->ahead;
    if (a == NULL)
        return;
    pthread_mutex_lock(&a->mu);
    a->stop = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    ahead_join(a);
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    /* the header and name are the view's, freed with it */
    a->src->name = NULL;
    a->src->hdr = NULL;
    a->src->hdr_off = NULL;
    a->src->ahead = NULL;
    a->src->ahead_wanted = 0;
    rs_csv_close(a->src);
    ahead_free(a);
    /* no file state is left: a later rs_csv_next fails, never restarts */
    c->ahead = NULL;
    c->ahead_wanted = 0;
    c->rec = (unsigned char *)"";
    c->starts = NULL;
    c->nfields = 0;
    c->problem = NULL;
    c->eof = 1;
    c->failed = RS_EUSAGE;
}

void rs_csv_read_ahead(rs_csv *c)
{
    if (c != NULL && !c->mem && c->ahead == NULL)
        c->ahead_wanted = 1;
}
