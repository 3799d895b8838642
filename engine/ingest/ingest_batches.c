/*
 * ingest_batches.c — the threaded batch pipeline of the telematics loader
 * (see ingest_batches_int.h; the rows themselves are ingest_telematics.c's).
 *
 * Pipeline, for every core.  The file is cut into batches of up to
 * RS_TM_BATCH records, kept in a ring of nbatch slots.  A batch is one of
 * two kinds.  A raw batch is a copy of a run of whole lines with no quote
 * in them (rs_csv_take_plain), which is almost every line of a real file;
 * it is split later by the memory CSV reader of whoever parses it.  A split
 * batch holds records read one by one with rs_csv_next (quoted fields,
 * over-long lines), their fields copied in.  Three kinds of task keep the
 * ring moving: fill the next free slot from the file (one thread at a time:
 * the reader is sequential), parse a filled batch (any number at once), and
 * store the oldest parsed batch (one thread at a time, strictly in file
 * order, so results and rejects are those of a single-threaded run).  The
 * calling thread and one worker per further core run the same loop and
 * take whichever task is ready, storing first, then filling, then parsing:
 * nobody waits while there is work, and no more threads run than there are
 * cores.  Each thread parses with its own GEOS/PROJ context, locator and
 * copy of the districts, sharing the calling thread's read-only projection
 * table.  Memory: nbatch batches of about 1.5 MB, whatever the file size.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest_batches_int.h"
#include "threads.h"

#define MAX_THREADS 8
#define RAW_MIN_BYTES 4096 /* shorter quote-free runs are read one record at a time */
#define RAW_CHECK_EVERY 16 /* records between looks for such a run */
#define SMALL_FILE_BYTES (1 << 20) /* stored size below which no worker starts */

enum { B_FREE, B_FILLED, B_BUSY, B_DONE };

typedef struct pipeline {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    rs_tm_batch *b;
    size_t nbatch;
    size_t take, filled;   /* batches [take, filled) are in the ring */
    int reading, storing;  /* a thread holds the reader / the store */
    int eof, finished, rc; /* rc: the first failure (RS_E code); stops all */
    /* The first failure's message.  The store's holder writes into the
     * run's context (the store code does); the reader's holder into
     * read_err; a parsing thread into msg under p->mu.  Only one place is
     * ever written by two threads at once: none. */
    rs_err read_err;
    char msg[RS_ERR_MSG_MAX]; /* a parsing failure, or a worker's start-up */
    int from_reader;          /* the first failure came from the reader */
    /* the file side, used only by the thread holding the reader */
    rs_ingest_run *r;
    int have_span;
    rs_csv_span span;
    int64_t rows;
    /* the loader's columns, row parser and batch store; read-only */
    const rs_tm_spec *spec;
    /* for parsing; read-only once threads start */
    size_t nhdr;
    const char *file_name;
    /* districts as WKB, for each worker to rebuild in its own context */
    size_t nd;
    char **names, **codes;
    unsigned char **wkb;
    size_t *wkb_len;
    const rs_placer *main_placer; /* its projection table is shared, read-only */
} pipeline;

/* ---- batch parsing (any thread) ------------------------------------------ */

static void parse_split(const pipeline *p, rs_placer *pl, rs_tm_batch *b)
{
    for (size_t k = 0; k < b->n; k++) {
        if (b->rej_col[k] != NULL) /* a CSV-level problem is already set */
            continue;
        const char *f[RS_TM_NFIELD];
        size_t l[RS_TM_NFIELD];
        for (int i = 0; i < RS_TM_NFIELD; i++) {
            f[i] = b->text + b->off[k][i];
            l[i] = b->len[k][i];
        }
        p->spec->parse_row(p->spec->parse_user, pl, b, k, f, l);
    }
}

/* Keeps a CSV problem of record k (the reader's text lives only until its
 * next record).  Returns -1 when out of memory. */
static int put_note(rs_tm_batch *b, size_t k, const char *s)
{
    size_t len = strlen(s);
    if (b->notes_len + len + 1 > b->notes_cap) {
        size_t nc = b->notes_cap ? b->notes_cap * 2 : 4096;
        while (nc < b->notes_len + len + 1)
            nc *= 2;
        char *t = realloc(b->notes, nc);
        if (t == NULL)
            return -1;
        b->notes = t;
        b->notes_cap = nc;
    }
    memcpy(b->notes + b->notes_len, s, len + 1);
    b->note_off[k] = (uint32_t)b->notes_len;
    b->notes_len += len + 1;
    return 0;
}

/* Splits a raw batch with the thread's memory reader and parses each
 * record.  Returns 0, -1 when out of memory, -2 when the run holds more
 * records than a batch (cannot happen: a run has fewer line ends). */
static int parse_raw(const pipeline *p, rs_placer *pl, rs_csv *mr, rs_tm_batch *b)
{
    rs_err e = {0};
    rs_csv_mem_set(mr, (unsigned char *)b->text, b->text_len, b->first_line);
    b->n = 0;
    b->notes_len = 0;
    while (rs_csv_next(mr, &e) == 1) {
        if (b->n == RS_TM_BATCH)
            return -2;
        size_t k = b->n++;
        b->line[k] = rs_csv_line(mr);
        const char *problem = rs_csv_record_problem(mr);
        if (problem) {
            if (put_note(b, k, problem) != 0)
                return -1;
            b->rej_col[k] = "";
            continue;
        }
        b->rej_col[k] = NULL;
        const char *f[RS_TM_NFIELD];
        size_t l[RS_TM_NFIELD];
        for (int i = 0; i < RS_TM_NFIELD; i++) {
            l[i] = 0;
            f[i] = p->spec->cols[i] >= 0 ? rs_csv_field(mr, (size_t)p->spec->cols[i], &l[i]) : "";
        }
        p->spec->parse_row(p->spec->parse_user, pl, b, k, f, l);
    }
    for (size_t k = 0; k < b->n; k++)
        if (b->rej_col[k] != NULL && b->rej_col[k][0] == '\0')
            b->rej_reason[k] = b->notes + b->note_off[k];
    return 0;
}

static int parse_batch(const pipeline *p, rs_placer *pl, rs_csv *mr, rs_tm_batch *b)
{
    b->vlast_row = -1;
    if (b->raw)
        return parse_raw(p, pl, mr, b);
    parse_split(p, pl, b);
    return 0;
}

/* ---- filling ------------------------------------------------------------ */

/* Makes room for `more` bytes after the batch text.  -1: out of memory. */
static int reserve_text(rs_tm_batch *b, size_t more)
{
    if (b->text_len + more > b->text_cap) {
        size_t nc = b->text_cap ? b->text_cap * 2 : 1 << 20;
        while (nc < b->text_len + more)
            nc *= 2;
        char *t = realloc(b->text, nc);
        if (t == NULL)
            return -1;
        b->text = t;
        b->text_cap = nc;
    }
    return 0;
}

/* Appends field s (len bytes) to the batch text, recording its place. */
static int put_field(rs_tm_batch *b, size_t k, int i, const char *s, size_t len)
{
    if (len > 65535)
        len = 65535; /* longer than any valid field: parsing will refuse it */
    if (reserve_text(b, len + 1) != 0)
        return -1;
    memcpy(b->text + b->text_len, s, len);
    b->text[b->text_len + len] = '\0';
    b->off[k][i] = (uint32_t)b->text_len;
    b->len[k][i] = (uint16_t)len;
    b->text_len += len + 1;
    return 0;
}

/* Fills batch b from the file: a raw run when one is ready, else records
 * one by one.  Sets *eof at the end of the file.  Returns 0 or an RS_E
 * code (message in the run's context).  Called by the reader's holder,
 * without p->mu. */
static int fill_batch(pipeline *p, rs_tm_batch *b, int *eof)
{
    rs_ingest_run *r = p->r;
    rs_err *e = &p->read_err;
    b->n = 0;
    b->text_len = 0;
    if (!p->have_span) {
        int got = rs_csv_take_plain(r->csv, e, RS_TM_BATCH - 1, RAW_MIN_BYTES, &p->span);
        if (got < 0)
            return got;
        p->have_span = got;
    }
    if (p->have_span) {
        /* a run of whole, quote-free lines: split when parsed */
        if (reserve_text(b, p->span.len + 1) != 0)
            return rs_err_set(e, RS_ENOMEM, "out of memory");
        memcpy(b->text, p->span.bytes, p->span.len);
        b->text[p->span.len] = '\0';
        b->text_len = p->span.len;
        b->first_line = p->span.first_line;
        b->raw = 1;
        p->have_span = 0;
        p->rows += (int64_t)p->span.lines;
        rs_ingest_tick(r, p->rows);
        return 0;
    }
    b->raw = 0;
    while (b->n < RS_TM_BATCH) {
        if (b->n > 0 && b->n % RAW_CHECK_EVERY == 0) {
            int got = rs_csv_take_plain(r->csv, e, RS_TM_BATCH - 1, RAW_MIN_BYTES, &p->span);
            if (got < 0)
                return got;
            if ((p->have_span = got) != 0)
                break; /* the next batch takes it */
        }
        int got = rs_csv_next(r->csv, e);
        if (got < 0)
            return got;
        if (got == 0) {
            *eof = 1;
            break;
        }
        rs_ingest_tick(r, ++p->rows);
        size_t k = b->n++;
        b->line[k] = rs_csv_line(r->csv);
        b->rej_col[k] = NULL;
        const char *problem = rs_csv_record_problem(r->csv);
        if (problem) {
            /* keep the reason: the reader's text lives only until the next record */
            if (put_field(b, k, 0, problem, strlen(problem)) != 0)
                return rs_err_set(e, RS_ENOMEM, "out of memory");
            b->rej_col[k] = "";
            continue;
        }
        for (int i = 0; i < RS_TM_NFIELD; i++) {
            size_t len = 0;
            const char *s = p->spec->cols[i] >= 0 ? rs_csv_field(r->csv, (size_t)p->spec->cols[i], &len) : "";
            if (put_field(b, k, i, s, len) != 0)
                return rs_err_set(e, RS_ENOMEM, "out of memory");
        }
    }
    /* reasons point into text, which may have moved while growing */
    for (size_t k = 0; k < b->n; k++)
        if (b->rej_col[k] != NULL)
            b->rej_reason[k] = b->text + b->off[k][0];
    return 0;
}

/* ---- the task loop ---------------------------------------------------------- */

/* The filled batch that comes first in the file, or NULL.  Under p->mu. */
static rs_tm_batch *oldest_filled(pipeline *p)
{
    for (size_t i = p->take; i < p->filled; i++)
        if (p->b[i % p->nbatch].state == B_FILLED)
            return &p->b[i % p->nbatch];
    return NULL;
}

/* Records the first failure and wakes everyone to stop.  Under p->mu. */
static void fail_locked(pipeline *p, int rc)
{
    if (p->rc == 0)
        p->rc = rc;
    pthread_cond_broadcast(&p->cv);
}

/* Runs tasks until the whole file is stored or something failed: store
 * the oldest batch when it is parsed, else fill a free slot, else parse the
 * oldest filled batch, else wait.  pl and mr are the thread's own placer
 * and memory reader. */
static void run_tasks(pipeline *p, rs_placer *pl, rs_csv *mr)
{
    pthread_mutex_lock(&p->mu);
    while (p->rc == 0 && !p->finished) {
        rs_tm_batch *head = p->take < p->filled ? &p->b[p->take % p->nbatch] : NULL;
        if (!p->storing && head != NULL && head->state == B_DONE) {
            p->storing = 1;
            pthread_mutex_unlock(&p->mu);
            int rc = p->spec->store(p->spec->store_user, head);
            pthread_mutex_lock(&p->mu);
            p->storing = 0;
            if (rc != 0) {
                fail_locked(p, rc);
                break;
            }
            head->state = B_FREE;
            p->take++;
        } else if (!p->reading && !p->eof && p->filled - p->take < p->nbatch) {
            rs_tm_batch *b = &p->b[p->filled % p->nbatch];
            p->reading = 1;
            pthread_mutex_unlock(&p->mu);
            int eof = 0;
            int rc = fill_batch(p, b, &eof);
            pthread_mutex_lock(&p->mu);
            p->reading = 0;
            p->eof = eof;
            if (rc != 0) {
                if (p->rc == 0)
                    p->from_reader = 1;
                fail_locked(p, rc);
                break;
            }
            if (b->n > 0 || b->raw) {
                b->state = B_FILLED;
                p->filled++;
            }
        } else {
            rs_tm_batch *b = oldest_filled(p);
            if (b == NULL) {
                pthread_cond_wait(&p->cv, &p->mu);
                continue;
            }
            b->state = B_BUSY;
            pthread_mutex_unlock(&p->mu);
            int rc = parse_batch(p, pl, mr, b);
            pthread_mutex_lock(&p->mu);
            if (rc != 0) {
                if (p->rc == 0)
                    snprintf(p->msg, sizeof p->msg, "%s",
                             rc == -1 ? "out of memory"
                                      : "internal error: a run of lines overfilled a batch");
                fail_locked(p, rc == -1 ? RS_ENOMEM : RS_ERR);
                break;
            }
            b->state = B_DONE;
        }
        if (p->eof && !p->reading && p->take == p->filled)
            p->finished = 1;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
}

/* ---- workers --------------------------------------------------------------- */

/* The districts as WKB, for each worker to rebuild in its own context. */
static int districts_to_wkb(rs_ingest_run *r, pipeline *p)
{
    const rs_districts *d = r->districts;
    p->nd = d ? rs_districts_count(d) : 0;
    if (p->nd == 0)
        return 0;
    p->names = calloc(p->nd, sizeof *p->names);
    p->codes = calloc(p->nd, sizeof *p->codes);
    p->wkb = calloc(p->nd, sizeof *p->wkb);
    p->wkb_len = calloc(p->nd, sizeof *p->wkb_len);
    if (!p->names || !p->codes || !p->wkb || !p->wkb_len)
        return rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
    for (size_t i = 0; i < p->nd; i++) {
        p->names[i] = (char *)rs_districts_name(d, i);
        p->codes[i] = (char *)rs_districts_code(d, i);
        int rc = rs_districts_wkb(rs_ctx_geo(r->ctx), d, i, &p->wkb[i], &p->wkb_len[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

typedef struct worker {
    pipeline *p;
    pthread_t th;
    int started;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    pipeline *p = w->p;
    pthread_setname_np(pthread_self(), "roadsafe-ingest");
    rs_ctx *ctx = rs_ctx_new();
    rs_districts *d = NULL;
    rs_placer *pl = NULL;
    rs_csv *mr = NULL;
    rs_err e = {0};
    const char *why = NULL;
    if (ctx == NULL || rs_csv_open_mem(&e, p->file_name, p->nhdr, &mr) != 0)
        why = "out of memory starting a worker";
    else if ((p->nd > 0 &&
              rs_districts_from_wkb(rs_ctx_geo(ctx), p->nd, (const char *const *)p->names,
                                    (const char *const *)p->codes,
                                    (const unsigned char *const *)p->wkb, p->wkb_len, &d) != 0) ||
             rs_placer_new_sharing(ctx, d, p->main_placer, &pl) != 0)
        why = rs_ctx_err(ctx)->msg;
    if (why != NULL) {
        pthread_mutex_lock(&p->mu);
        if (p->rc == 0)
            snprintf(p->msg, sizeof p->msg, "%s", why);
        fail_locked(p, RS_ERR);
        pthread_mutex_unlock(&p->mu);
    } else {
        run_tasks(p, pl, mr);
    }
    rs_placer_free(pl);
    rs_districts_free(d);
    rs_csv_close(mr);
    rs_ctx_free(ctx);
    return NULL;
}

int rs_tm_run(rs_ingest_run *r, const rs_tm_spec *spec)
{
    pipeline p;
    worker w[MAX_THREADS];
    int nw = 0, rc = 0;
    rs_csv *own_reader = NULL; /* for the batches the calling thread parses */
    memset(&p, 0, sizeof p);
    memset(w, 0, sizeof w);
    p.spec = spec;
    p.nhdr = rs_csv_header_count(r->csv);
    p.file_name = r->name;
    p.main_placer = r->placer;
    p.r = r;
    /* one thread per core, or ROADSAFE_THREADS (threads.h): more would only take
     * turns with the one holding the reader or the store */
    nw = rs_thread_count(MAX_THREADS) - 1;
    /* a small file is parsed by the calling thread alone: a worker's own
     * GEOS and PROJ contexts and districts would cost more than it saves */
    int64_t size = rs_csv_size(r->csv);
    if (size >= 0 && size < SMALL_FILE_BYTES)
        nw = 0;
    p.nbatch = (size_t)nw * 3 + 4;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    p.b = calloc(p.nbatch, sizeof *p.b);
    if (p.b == NULL) {
        rc = rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; spec->fleet && i < p.nbatch; i++)
        if ((p.b[i].vhash = malloc(sizeof *p.b[i].vhash * RS_TM_BATCH)) == NULL) {
            rc = rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
            goto done;
        }
    if ((rc = districts_to_wkb(r, &p)) != 0 ||
        (rc = rs_csv_open_mem(rs_ctx_err(r->ctx), r->name, p.nhdr, &own_reader)) != 0)
        goto done;
    for (int i = 0; i < nw; i++) {
        w[i].p = &p;
        if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0) {
            rc = rs_err_set(rs_ctx_err(r->ctx), RS_ERR, "cannot start a worker thread");
            goto done;
        }
        w[i].started = 1;
    }
    run_tasks(&p, r->placer, own_reader);
    for (int i = 0; i < nw; i++)
        if (w[i].started) {
            pthread_join(w[i].th, NULL);
            w[i].started = 0;
        }
    rc = p.rc;
    if (rc != 0 && p.from_reader)
        *rs_ctx_err(r->ctx) = p.read_err;
    else if (rc != 0 && p.msg[0] != '\0')
        rc = rs_err_set(rs_ctx_err(r->ctx), rc, "%s: %s", r->name, p.msg);
done:
    pthread_mutex_lock(&p.mu);
    if (p.rc == 0)
        p.rc = RS_ERR; /* stops a worker still running after a failure here */
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    for (int i = 0; i < nw; i++)
        if (w[i].started)
            pthread_join(w[i].th, NULL);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    for (size_t i = 0; p.b && i < p.nbatch; i++) {
        free(p.b[i].text);
        free(p.b[i].notes);
        free(p.b[i].vhash);
    }
    free(p.b);
    for (size_t i = 0; i < p.nd; i++)
        free(p.wkb ? p.wkb[i] : NULL);
    free(p.names);
    free(p.codes);
    free(p.wkb);
    free(p.wkb_len);
    rs_csv_close(own_reader);
    return rc;
}
