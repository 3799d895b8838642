/*
 * heat_kde_scan.c — kernel density of stored pings (see heat.h): the
 * points are collected from the store on every core (heat_scan.c) and
 * handed to the raster of heat_kde.c.
 *
 * Identical positions are merged whenever a thread's buffer fills, so
 * memory follows the number of distinct 1 m positions, not of pings.
 * When the pings a filter may pass fit the working budget (heat_int.h)
 * they are collected in one pass.  Otherwise a first pass finds the extent
 * and counts the points per 64 m band of easting; the bands are grouped
 * into strips that fit the budget, and each strip is one more pass that
 * collects only its points.  Strips run west to east and each is sorted,
 * so every pixel receives its additions in exactly the order the one-pass
 * plan gives it: the raster is the same to the last bit whichever plan
 * ran, and whatever the number of threads.
 */
#include "heat.h"
#include "heat_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BAND_M 64 /* easting bands of 64 m for planning strips */

static int point_of(const rs_kde_opts *o, const rs_ping *p)
{
    if (o->metric == RS_METRIC_SPEEDING)
        return rs_ping_speeding(p->speed, p->limit);
    if (o->metric == RS_METRIC_OVER)
        return rs_ping_over_threshold(p->speed, p->limit);
    return 1;
}

/* Collects the points of one strip [e_lo, e_hi) of easting (all of them
 * when e_lo > e_hi), merging identical positions whenever the buffer is
 * full; grows the buffer when merging frees less than half (each merge
 * sorts the whole buffer, so it must free room for many points), but past
 * `max` (the thread's share of the budget) only when merging frees none. */
typedef struct kde_collect {
    const rs_kde_opts *o;
    int64_t e_lo, e_hi;
    int all;
    kde_pt *pts;
    size_t n, cap;
    size_t max;         /* past this, grow only when a merge frees nothing */
    int oom;
} kde_collect;

static int collect_visit(void *user, const rs_ping *p, size_t n)
{
    kde_collect *a = user;
    for (size_t q = 0; q < n; q++) {
        if (!point_of(a->o, &p[q]))
            continue;
        if (!a->all && (p[q].e < a->e_lo || p[q].e >= a->e_hi))
            continue;
        if (a->n == a->cap) {
            if (a->cap > 0)
                a->n = rs_kde_sort_merge(a->pts, a->n);
            if (a->cap == 0 || (a->n > a->cap / 2 && (a->cap < a->max || a->n == a->cap))) {
                size_t nc = a->cap ? a->cap * 2 : 1 << 16;
                kde_pt *np = realloc(a->pts, nc * sizeof *np);
                if (np == NULL) {
                    a->oom = 1;
                    return 1;
                }
                a->pts = np;
                a->cap = nc;
            }
        }
        a->pts[a->n++] = (kde_pt){p[q].e, p[q].n, 1.0};
    }
    return 0;
}

static int collect_work(void *state, const rs_ping *p, size_t n)
{
    return collect_visit(state, p, n);
}

/* One collecting pass over every thread: a[0..nt) collect their share of
 * the strip (a[0]'s bounds and options), then a[0] takes them all.  The
 * points, as a multiset of positions with whole-number weights, do not
 * depend on the split.  0 or an RS_E code. */
static int collect_pass(rs_ctx *ctx, const rs_ping_filter *f, kde_collect *a, int nt)
{
    void *states[16];
    for (int t = 0; t < nt; t++) {
        if (t > 0) {
            a[t].o = a[0].o;
            a[t].e_lo = a[0].e_lo;
            a[t].e_hi = a[0].e_hi;
            a[t].all = a[0].all;
            a[t].max = a[0].max;
        }
        a[t].n = 0;
        a[t].oom = 0;
        states[t] = &a[t];
    }
    int rc = rs_heat_scan(ctx, f, nt, collect_work, states);
    size_t total = 0;
    for (int t = 0; t < nt; t++) {
        if (nt > 1 && a[t].n > 0) /* each thread's own duplicates first: less to copy */
            a[t].n = rs_kde_sort_merge(a[t].pts, a[t].n);
        total += a[t].n;
        a[0].oom |= a[t].oom;
    }
    if (rc == 0 && !a[0].oom && total > a[0].cap) {
        kde_pt *np = realloc(a[0].pts, total * sizeof *np);
        if (np == NULL) {
            a[0].oom = 1;
        } else {
            a[0].pts = np;
            a[0].cap = total;
        }
    }
    for (int t = 1; rc == 0 && !a[0].oom && t < nt; t++) {
        if (a[t].n)
            memcpy(a[0].pts + a[0].n, a[t].pts, a[t].n * sizeof *a[t].pts);
        a[0].n += a[t].n;
        a[t].n = 0;
        free(a[t].pts); /* a[0] holds them now: keep one copy */
        a[t].pts = NULL;
        a[t].cap = 0;
    }
    if (a[0].oom)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory collecting points");
    return rc;
}

/* First pass of the bounded plan: the points' box and their count per
 * easting band. */
typedef struct kde_plan {
    const rs_kde_opts *o;
    int32_t emin, emax, nmin, nmax;
    uint64_t n;
    uint64_t *band;     /* points per band, from band_base */
    int64_t band_base;  /* band of the table's first entry */
    size_t nbands;
    int oom;
} kde_plan;

/* The band of easting e: floor(e / BAND_M). */
static int64_t band_of(int32_t e)
{
    return e >= 0 ? e / BAND_M : -((-(int64_t)e + BAND_M - 1) / BAND_M);
}

static int plan_visit(void *user, const rs_ping *p, size_t n)
{
    kde_plan *a = user;
    for (size_t q = 0; q < n; q++) {
        if (!point_of(a->o, &p[q]))
            continue;
        int32_t e = p[q].e, nn = p[q].n;
        if (a->n == 0) {
            a->emin = a->emax = e;
            a->nmin = a->nmax = nn;
        } else {
            if (e < a->emin) a->emin = e;
            if (e > a->emax) a->emax = e;
            if (nn < a->nmin) a->nmin = nn;
            if (nn > a->nmax) a->nmax = nn;
        }
        a->n++;
        int64_t b = band_of(e);
        if (a->nbands == 0 || b < a->band_base || b >= a->band_base + (int64_t)a->nbands) {
            int64_t lo = a->nbands ? (b < a->band_base ? b : a->band_base) : b;
            int64_t hi = a->nbands ? (b >= a->band_base + (int64_t)a->nbands ? b + 1
                                                                           : a->band_base + (int64_t)a->nbands)
                                   : b + 1;
            /* grow by at least half again, so a sweep across the county costs O(bands) */
            int64_t want = hi - lo, have = (int64_t)a->nbands;
            if (want < have + have / 2) {
                if (b < a->band_base)
                    lo = hi - (have + have / 2);
                else
                    hi = lo + (have + have / 2);
            }
            size_t nb = (size_t)(hi - lo);
            uint64_t *nbuf = calloc(nb, sizeof *nbuf);
            if (nbuf == NULL) {
                a->oom = 1;
                return 1;
            }
            if (a->nbands)
                memcpy(nbuf + (a->band_base - lo), a->band, a->nbands * sizeof *nbuf);
            free(a->band);
            a->band = nbuf;
            a->band_base = lo;
            a->nbands = nb;
        }
        a->band[b - a->band_base]++;
    }
    return 0;
}

static int plan_work(void *state, const rs_ping *p, size_t n) { return plan_visit(state, p, n); }

/* Adds plan b (a thread's) into a: box, count and bands.  0 or -1. */
static int plan_merge(kde_plan *a, const kde_plan *b)
{
    if (b->n == 0)
        return 0;
    if (a->n == 0) {
        a->emin = b->emin, a->emax = b->emax, a->nmin = b->nmin, a->nmax = b->nmax;
    } else {
        a->emin = b->emin < a->emin ? b->emin : a->emin;
        a->emax = b->emax > a->emax ? b->emax : a->emax;
        a->nmin = b->nmin < a->nmin ? b->nmin : a->nmin;
        a->nmax = b->nmax > a->nmax ? b->nmax : a->nmax;
    }
    a->n += b->n;
    int64_t lo = b->band_base, hi = b->band_base + (int64_t)b->nbands;
    if (a->nbands) {
        lo = a->band_base < lo ? a->band_base : lo;
        hi = a->band_base + (int64_t)a->nbands > hi ? a->band_base + (int64_t)a->nbands : hi;
    }
    uint64_t *nb = calloc((size_t)(hi - lo), sizeof *nb);
    if (nb == NULL)
        return -1;
    for (size_t q = 0; q < a->nbands; q++)
        nb[a->band_base - lo + (int64_t)q] += a->band[q];
    for (size_t q = 0; q < b->nbands; q++)
        nb[b->band_base - lo + (int64_t)q] += b->band[q];
    free(a->band);
    a->band = nb;
    a->band_base = lo;
    a->nbands = (size_t)(hi - lo);
    return 0;
}

int rs_heat_kde(rs_ctx *ctx, const rs_ping_filter *f, const rs_kde_opts *o, rs_raster **out)
{
    int rc;
    *out = NULL;
    if ((rc = rs_kde_options_ok(ctx, o)) != 0)
        return rc;
    if (o->metric != RS_METRIC_PINGS && o->metric != RS_METRIC_SPEEDING &&
        o->metric != RS_METRIC_OVER)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE,
                          "kernel density needs a count metric (pings, speeding or "
                          "over_threshold), not %s",
                          rs_metric_name(o->metric));
    size_t budget = rs_heat_budget() / sizeof(kde_pt);
    if (budget < 1024)
        budget = 1024;
    int nt = rs_heat_threads();
    if (nt > 16)
        nt = 16;
    kde_collect a[16];
    memset(a, 0, sizeof a);
    /* With several threads a pass's points are held twice for a moment
     * (each thread's buffer, then all of them together in a[0]), so a pass
     * may gather only half the budget. */
    size_t pass = nt > 1 ? budget / 2 : budget;
    int64_t bound = 0;
    if ((rc = rs_pings_count_bound(ctx, f, &bound)) != 0)
        return rc;
    if ((uint64_t)bound <= pass) {
        /* one pass: every point in memory at once */
        a[0] = (kde_collect){o, 0, 0, 1, NULL, 0, 0, budget / (2 * (size_t)nt), 0};
        rc = collect_pass(ctx, f, a, nt);
        if (rc == 0 && a[0].n == 0)
            rc = rs_err_set(rs_ctx_err(ctx), RS_ENOTFOUND, "no pings match the filters");
        if (rc == 0)
            rc = rs_heat_kde_points(ctx, a[0].pts, a[0].n, o, out);
        for (int t = 0; t < nt; t++)
            free(a[t].pts);
        return rc;
    }
    /* bounded plan: extent and easting bands first, then a pass per strip */
    kde_plan pl, part[16];
    void *states[16];
    memset(&pl, 0, sizeof pl);
    memset(part, 0, sizeof part);
    pl.o = o;
    for (int t = 0; t < nt; t++) {
        part[t].o = o;
        states[t] = &part[t];
    }
    rc = rs_heat_scan(ctx, f, nt, plan_work, states);
    for (int t = 0; t < nt; t++) {
        pl.oom |= part[t].oom;
        if (rc == 0 && !pl.oom && plan_merge(&pl, &part[t]) != 0)
            pl.oom = 1;
        free(part[t].band);
    }
    if (pl.oom)
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory planning the kernel density");
    if (rc == 0 && pl.n == 0)
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOTFOUND, "no pings match the filters");
    kde_raster k;
    memset(&k, 0, sizeof k);
    if (rc == 0)
        rc = rs_kde_raster_open(ctx, o, pl.emin, pl.emax, pl.nmin, pl.nmax, &k);
    a[0] = (kde_collect){o, 0, 0, 0, NULL, 0, 0, budget / (2 * (size_t)nt), 0};
    size_t b = 0;
    while (rc == 0 && b < pl.nbands) {
        /* a strip: consecutive bands holding at most a pass (at least one band) */
        uint64_t inside = pl.band[b];
        size_t e = b + 1;
        while (e < pl.nbands && inside + pl.band[e] <= pass)
            inside += pl.band[e++];
        if (inside > 0) {
            a[0].e_lo = (pl.band_base + (int64_t)b) * BAND_M;
            a[0].e_hi = (pl.band_base + (int64_t)e) * BAND_M;
            rc = collect_pass(ctx, f, a, nt);
            if (rc == 0)
                rs_kde_accumulate(&k, a[0].pts, rs_kde_sort_merge(a[0].pts, a[0].n));
        }
        b = e;
    }
    if (rc == 0)
        rs_kde_raster_close(o, &k, out);
    rs_kde_raster_drop(&k);
    for (int t = 0; t < nt; t++)
        free(a[t].pts);
    free(pl.band);
    return rc;
}
