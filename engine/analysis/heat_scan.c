/*
 * heat_scan.c — reading stored pings with the work on every core (see
 * heat_int.h).
 *
 * The calling thread runs rs_pings_scan and copies each batch it is given
 * into one of a few buffers; worker threads take the filled buffers, one
 * at a time, and run the work on them with a state of their own.  When
 * every buffer is full the reading thread takes one itself, so no core
 * waits.  Memory: 2 * threads + 1 batch buffers of RS_PING_CHUNK pings.
 * Which thread gets which batch depends on timing: the work must give
 * results that depend only on the multiset of pings (counts, per-state
 * partial sums of integers, collections sorted afterwards).
 */
#include "heat_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "threads.h"

#define MAX_SCAN_THREADS 16

typedef struct scan_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    rs_ping **buf;      /* nbuf buffers of RS_PING_CHUNK */
    size_t *len;        /* pings held by each filled buffer */
    int *freelist, nfree;
    int *ready, nready; /* filled buffers, a FIFO ring from ready_head */
    int ready_head, nbuf;
    int done;           /* the reader has finished */
    int stop;           /* the work failed: its return value */
    rs_heat_work work;
    void **states;
} scan_pool;

/* Runs the work on filled buffer b with state s, then frees b. */
static void run_one(scan_pool *p, int b, void *s)
{
    pthread_mutex_lock(&p->mu);
    int stopped = p->stop;
    pthread_mutex_unlock(&p->mu);
    int rc = stopped ? 0 : p->work(s, p->buf[b], p->len[b]);
    pthread_mutex_lock(&p->mu);
    if (rc != 0 && p->stop == 0)
        p->stop = rc;
    p->freelist[p->nfree++] = b;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* With the lock held: takes the oldest filled buffer, -1 when none. */
static int take_ready(scan_pool *p)
{
    if (p->nready == 0)
        return -1;
    int b = p->ready[p->ready_head];
    p->ready_head = (p->ready_head + 1) % p->nbuf;
    p->nready--;
    return b;
}

typedef struct worker_arg {
    scan_pool *p;
    void *state;
} worker_arg;

static void *worker(void *arg)
{
    worker_arg *w = arg;
    scan_pool *p = w->p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        int b = take_ready(p);
        if (b < 0) {
            if (p->done)
                break;
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        pthread_mutex_unlock(&p->mu);
        run_one(p, b, w->state);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* The scan's visitor, on the reading thread: copies the batch into a free
 * buffer, working through filled ones while none is free. */
static int reader_visit(void *user, const rs_ping *pings, size_t n)
{
    scan_pool *p = user;
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0 && p->stop == 0) {
        int b = take_ready(p);
        if (b >= 0) {
            pthread_mutex_unlock(&p->mu);
            run_one(p, b, p->states[0]);
            pthread_mutex_lock(&p->mu);
        } else {
            pthread_cond_wait(&p->cv, &p->mu);
        }
    }
    if (p->stop) {
        int rc = p->stop;
        pthread_mutex_unlock(&p->mu);
        return rc;
    }
    int b = p->freelist[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    memcpy(p->buf[b], pings, n * sizeof *pings);
    p->len[b] = n;
    pthread_mutex_lock(&p->mu);
    p->ready[(p->ready_head + p->nready) % p->nbuf] = b;
    p->nready++;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

int rs_heat_threads(void) { return rs_thread_count(MAX_SCAN_THREADS); }

int rs_heat_scan(rs_ctx *ctx, const rs_ping_filter *f, int nt, rs_heat_work work, void **states)
{
    if (nt > MAX_SCAN_THREADS)
        nt = MAX_SCAN_THREADS;
    if (nt < 2)
        return rs_pings_scan(ctx, f, work, states[0]);
    scan_pool p;
    memset(&p, 0, sizeof p);
    p.nbuf = 2 * nt + 1;
    p.work = work;
    p.states = states;
    p.buf = calloc((size_t)p.nbuf, sizeof *p.buf);
    p.len = calloc((size_t)p.nbuf, sizeof *p.len);
    p.freelist = calloc((size_t)p.nbuf, sizeof *p.freelist);
    p.ready = calloc((size_t)p.nbuf, sizeof *p.ready);
    int rc = 0;
    if (p.buf == NULL || p.len == NULL || p.freelist == NULL || p.ready == NULL)
        rc = -1;
    for (int b = 0; rc == 0 && b < p.nbuf; b++) {
        p.buf[b] = malloc(RS_PING_CHUNK * sizeof **p.buf);
        if (p.buf[b] == NULL)
            rc = -1;
        p.freelist[p.nfree++] = b;
    }
    if (rc != 0) {
        for (int b = 0; p.buf && b < p.nbuf; b++)
            free(p.buf[b]);
        free(p.buf);
        free(p.len);
        free(p.freelist);
        free(p.ready);
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory reading pings");
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    pthread_t tid[MAX_SCAN_THREADS];
    worker_arg wa[MAX_SCAN_THREADS];
    int started = 0;
    /* a worker that cannot start leaves its share to the others */
    for (int t = 1; t < nt; t++) {
        wa[started] = (worker_arg){&p, states[t]};
        if (pthread_create(&tid[started], NULL, worker, &wa[started]) == 0)
            started++;
    }
    rc = rs_pings_scan(ctx, f, reader_visit, &p);
    pthread_mutex_lock(&p.mu);
    p.done = 1;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    /* what is still queued: the reader helps, then waits for the workers */
    for (;;) {
        pthread_mutex_lock(&p.mu);
        int b = take_ready(&p);
        pthread_mutex_unlock(&p.mu);
        if (b < 0)
            break;
        run_one(&p, b, states[0]);
    }
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    if (rc == 0 && p.stop)
        rc = p.stop;
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    for (int b = 0; b < p.nbuf; b++)
        free(p.buf[b]);
    free(p.buf);
    free(p.len);
    free(p.freelist);
    free(p.ready);
    return rc;
}
