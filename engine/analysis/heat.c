/*
 * heat.c — grid aggregation of stored pings (see heat.h); the kernel
 * density is in heat_kde.c.
 *
 * Grid: cells live in an open-addressing hash table keyed by (i, j).  The
 * 85th percentile is exact: the speeds of each cell are grouped and the
 * order statistics selected.  When the pings a filter may pass fit the
 * working budget (heat_int.h: 8 bytes a ping), one pass also appends each
 * ping's (cell, speed) to two arrays, grouped by a counting sort at the
 * end.  Otherwise a first pass only counts per cell, and the speeds are
 * gathered band by band of cells (2 bytes a ping, each band one more pass,
 * each within the budget); a single cell holding more pings than a band
 * takes a pass of its own into a 65,536-bin histogram of its speeds.
 * Either way memory is bounded by the budget plus the cells, and the
 * figures are identical.
 *
 * The first pass runs on every core (heat_scan.c): each thread counts into
 * cells of its own (a dense window of cells in front of its hash table)
 * and takes the next slots of the shared per-ping arrays for each batch;
 * the parts are added up and the slots renumbered at the end.  Counts are
 * integers and a percentile depends only on the multiset of speeds, so
 * the figures do not depend on the split.
 */
#include "heat.h"
#include "heat_int.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "locator.h"
#include "store.h"

#define RS_PI 3.14159265358979323846

/* ---- metrics ------------------------------------------------------------- */

static const struct {
    const char *name;
    const char *label;
} metric_info[] = {
    {"pings", "telematics pings per cell"},
    {"speeding", "pings over the speed limit per cell"},
    {"over_threshold", "pings at or over the enforcement threshold per cell"},
    {"share_speeding", "share of pings over the speed limit (%)"},
    {"share_over", "share of pings at or over the enforcement threshold (%)"},
    {"p85", "85th percentile speed (mph)"},
    {"mean_excess", "mean speed over the limit among speeding pings (mph)"},
    {"presence_minutes", "minutes of patrol presence per cell"},
    {"patrol_vehicles", "distinct patrol vehicles per cell"},
};

int rs_metric_parse(const char *s, rs_metric *out)
{
    for (int i = 0; s && i < (int)(sizeof metric_info / sizeof metric_info[0]); i++)
        if (strcmp(s, metric_info[i].name) == 0) {
            *out = (rs_metric)i;
            return 0;
        }
    return -1;
}

const char *rs_metric_name(rs_metric m) { return metric_info[m].name; }
const char *rs_metric_label(rs_metric m) { return metric_info[m].label; }

double rs_heat_cell_value(const rs_heat_cell *c, rs_metric m)
{
    if (c->withheld || c->pings == 0)
        return NAN;
    switch (m) {
    case RS_METRIC_PINGS: return c->pings;
    case RS_METRIC_SPEEDING: return c->speeding;
    case RS_METRIC_OVER: return c->over;
    case RS_METRIC_SHARE_SPEEDING: return 100.0 * c->speeding / c->pings;
    case RS_METRIC_SHARE_OVER: return 100.0 * c->over / c->pings;
    case RS_METRIC_P85: return c->p85;
    case RS_METRIC_MEAN_EXCESS: return c->mean_excess;
    case RS_METRIC_PRESENCE: return c->presence_min;
    case RS_METRIC_PATROL_VEHICLES: return c->vehicles;
    }
    return NAN;
}

/* ---- grid aggregation ------------------------------------------------------ */

typedef struct acc_cell {
    int64_t i, j;
    uint32_t pings, speeding, over;
    int32_t min_district;
    int64_t excess_cmph; /* sum of speed - limit over speeding pings, 0.01 mph */
} acc_cell;

typedef struct grid_acc {
    rs_grid grid;
    acc_cell *cells;
    size_t ncells, cap;
    uint32_t *slots;  /* hash table of cell index + 1; 0 empty */
    size_t nslots;    /* power of two */
    uint32_t *ping_cell;  /* one-pass plan: each ping's cell and speed */
    uint16_t *ping_speed;
    size_t npings, pcap;
    int keep;             /* 1: fill ping_cell/ping_speed */
    int oom;
    /* a thread's part of a parallel scan (heat_scan.c): ping_cell and
     * ping_speed are shared, each batch taking the next `n` slots from
     * *used; the batches' slots are noted to renumber their cells */
    atomic_size_t *used;
    size_t (*batch)[2];   /* {first slot, pings} */
    size_t nbatch, batch_cap;
    /* a dense window of cells in front of the hash table: dense[(j - dj0)
     * * dw + (i - di0)] is the cell's index + 1, 0 not yet looked up */
    uint32_t *dense;
    int64_t di0, dj0, dw, dh;
    int dense_full;       /* the window reached DENSE_MAX: no more growth */
} grid_acc;

#define DENSE_MAX ((int64_t)1 << 20) /* cells in the window: 4 MB a thread */

static uint64_t cell_hash(int64_t i, int64_t j)
{
    uint64_t h = (uint64_t)i * 0x9E3779B97F4A7C15ull ^ (uint64_t)j * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 32);
}

static int grow_slots(grid_acc *a)
{
    size_t n = a->nslots ? a->nslots * 2 : 4096;
    uint32_t *s = calloc(n, sizeof *s);
    if (s == NULL)
        return -1;
    for (size_t k = 0; k < a->ncells; k++) {
        size_t pos = cell_hash(a->cells[k].i, a->cells[k].j) & (n - 1);
        while (s[pos])
            pos = (pos + 1) & (n - 1);
        s[pos] = (uint32_t)(k + 1);
    }
    free(a->slots);
    a->slots = s;
    a->nslots = n;
    return 0;
}

/* Index of cell (i, j), created when new; -1 on out of memory. */
static int64_t cell_index(grid_acc *a, int64_t i, int64_t j)
{
    if (a->ncells * 2 >= a->nslots && grow_slots(a) != 0)
        return -1;
    size_t mask = a->nslots - 1, pos = cell_hash(i, j) & mask;
    for (;;) {
        uint32_t s = a->slots[pos];
        if (s == 0)
            break;
        acc_cell *c = &a->cells[s - 1];
        if (c->i == i && c->j == j)
            return s - 1;
        pos = (pos + 1) & mask;
    }
    if (a->ncells == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 4096;
        acc_cell *n = realloc(a->cells, nc * sizeof *n);
        if (n == NULL)
            return -1;
        a->cells = n;
        a->cap = nc;
    }
    acc_cell *c = &a->cells[a->ncells];
    memset(c, 0, sizeof *c);
    c->i = i;
    c->j = j;
    c->min_district = INT32_MAX;
    a->slots[pos] = (uint32_t)(a->ncells + 1);
    return (int64_t)a->ncells++;
}

/* Index of the existing cell (i, j), -1 when absent. */
static int64_t cell_find(const grid_acc *a, int64_t i, int64_t j)
{
    if (a->nslots == 0)
        return -1;
    size_t mask = a->nslots - 1, pos = cell_hash(i, j) & mask;
    for (uint32_t s; (s = a->slots[pos]) != 0; pos = (pos + 1) & mask)
        if (a->cells[s - 1].i == i && a->cells[s - 1].j == j)
            return s - 1;
    return -1;
}

/* Grows a's window to take in cell (i, j), with room around it, and
 * fills it from the cells known so far; leaves it as it was when that
 * would pass DENSE_MAX cells (or memory runs out). */
static void dense_grow(grid_acc *a, int64_t i, int64_t j)
{
    int64_t i0 = i, i1 = i, j0 = j, j1 = j;
    if (a->dense) {
        i0 = i < a->di0 ? i : a->di0;
        j0 = j < a->dj0 ? j : a->dj0;
        i1 = i > a->di0 + a->dw - 1 ? i : a->di0 + a->dw - 1;
        j1 = j > a->dj0 + a->dh - 1 ? j : a->dj0 + a->dh - 1;
    }
    if (i1 - i0 >= DENSE_MAX || j1 - j0 >= DENSE_MAX || (i1 - i0 + 1) * (j1 - j0 + 1) > DENSE_MAX) {
        a->dense_full = 1;
        return;
    }
    int64_t pi = (i1 - i0) / 2 + 16, pj = (j1 - j0) / 2 + 16;
    if ((i1 - i0 + 1 + 2 * pi) * (j1 - j0 + 1 + 2 * pj) > DENSE_MAX)
        pi = pj = 0;
    i0 -= pi;
    i1 += pi;
    j0 -= pj;
    j1 += pj;
    int64_t w = i1 - i0 + 1, h = j1 - j0 + 1;
    uint32_t *d = calloc((size_t)(w * h), sizeof *d);
    if (d == NULL) {
        a->dense_full = 1;
        return;
    }
    for (size_t k = 0; k < a->ncells; k++) {
        int64_t ci = a->cells[k].i - i0, cj = a->cells[k].j - j0;
        if (ci >= 0 && ci < w && cj >= 0 && cj < h)
            d[cj * w + ci] = (uint32_t)(k + 1);
    }
    free(a->dense);
    a->dense = d;
    a->di0 = i0;
    a->dj0 = j0;
    a->dw = w;
    a->dh = h;
}

/* cell_index through the dense window. */
static int64_t cell_lookup(grid_acc *a, int64_t i, int64_t j)
{
    uint64_t di = (uint64_t)(i - a->di0), dj = (uint64_t)(j - a->dj0);
    if (a->dense && di < (uint64_t)a->dw && dj < (uint64_t)a->dh) {
        uint32_t v = a->dense[dj * (uint64_t)a->dw + di];
        if (v)
            return (int64_t)v - 1;
        int64_t idx = cell_index(a, i, j);
        if (idx >= 0)
            a->dense[dj * (uint64_t)a->dw + di] = (uint32_t)(idx + 1);
        return idx;
    }
    int64_t idx = cell_index(a, i, j);
    if (idx >= 0 && !a->dense_full)
        dense_grow(a, i, j);
    return idx;
}

static int grid_visit(void *user, const rs_ping *p, size_t n)
{
    grid_acc *a = user;
    size_t at = 0;
    if (a->keep) {
        /* the slots were sized from the stored count, a bound of what passes */
        at = atomic_fetch_add(a->used, n);
        if (at + n > a->pcap) {
            a->oom = 1;
            return 1;
        }
        if (a->nbatch == a->batch_cap) {
            size_t nc = a->batch_cap ? a->batch_cap * 2 : 64;
            size_t(*nb)[2] = realloc(a->batch, nc * sizeof *nb);
            if (nb == NULL) {
                a->oom = 1;
                return 1;
            }
            a->batch = nb;
            a->batch_cap = nc;
        }
        a->batch[a->nbatch][0] = at;
        a->batch[a->nbatch][1] = n;
        a->nbatch++;
    }
    /* the last cell's bounds: a square cell (i, j) is exactly the points
     * with size*i <= x < size*(i+1), and likewise y (geo/grid.h) */
    int square = a->grid.kind == RS_GRID_SQUARE && a->grid.size >= 1e-3;
    double size = a->grid.size, inv = 1.0 / size, bx0 = 1, bx1 = 0, by0 = 1, by1 = 0;
    int64_t last_i = INT64_MIN, last_j = INT64_MIN, last_k = -1;
    uint32_t *pc = a->keep ? a->ping_cell + at : NULL;
    uint16_t *ps = a->keep ? a->ping_speed + at : NULL;
    for (size_t k = 0; k < n; k++) {
        double x = p[k].e, y = p[k].n;
        int64_t idx;
        if (x >= bx0 && x < bx1 && y >= by0 && y < by1) {
            idx = last_k;
        } else {
            int64_t i, j;
            if (square) {
                /* the unique i with size*i <= x < size*(i+1), as geo/grid.c
                 * finds it, from a product instead of a quotient */
                i = (int64_t)floor(x * inv);
                j = (int64_t)floor(y * inv);
                while (x < size * (double)i)
                    i--;
                while (x >= size * (double)(i + 1))
                    i++;
                while (y < size * (double)j)
                    j--;
                while (y >= size * (double)(j + 1))
                    j++;
            } else {
                rs_grid_cell(&a->grid, x, y, &i, &j);
            }
            idx = (i == last_i && j == last_j) ? last_k : cell_lookup(a, i, j);
            if (idx < 0) {
                a->oom = 1;
                return 1;
            }
            last_i = i;
            last_j = j;
            last_k = idx;
            if (square) {
                bx0 = size * (double)i;
                bx1 = size * (double)(i + 1);
                by0 = size * (double)j;
                by1 = size * (double)(j + 1);
            }
        }
        acc_cell *c = &a->cells[idx];
        uint16_t speed = p[k].speed;
        uint8_t limit = p[k].limit;
        c->pings++;
        if (rs_ping_speeding(speed, limit)) {
            c->speeding++;
            c->excess_cmph += (int64_t)speed - (int64_t)limit * 100;
        }
        if (rs_ping_over_threshold(speed, limit))
            c->over++;
        if (p[k].district >= 0 && p[k].district < c->min_district)
            c->min_district = p[k].district;
        if (pc) {
            pc[k] = (uint32_t)idx;
            ps[k] = speed;
        }
    }
    return 0;
}

static int grid_work(void *state, const rs_ping *p, size_t n) { return grid_visit(state, p, n); }

/* Folds the threads' parts into a (empty, keep and arrays as the parts'):
 * cells added up, each part's slots renumbered to a's cells. */
static int merge_parts(grid_acc *a, grid_acc *part, int nt)
{
    for (int t = 0; t < nt; t++) {
        grid_acc *q = &part[t];
        uint32_t *map = malloc((q->ncells ? q->ncells : 1) * sizeof *map);
        if (map == NULL)
            return -1;
        for (size_t k = 0; k < q->ncells; k++) {
            const acc_cell *c = &q->cells[k];
            int64_t g = cell_index(a, c->i, c->j);
            if (g < 0) {
                free(map);
                return -1;
            }
            acc_cell *o = &a->cells[g];
            o->pings += c->pings;
            o->speeding += c->speeding;
            o->over += c->over;
            o->excess_cmph += c->excess_cmph;
            if (c->min_district < o->min_district)
                o->min_district = c->min_district;
            map[k] = (uint32_t)g;
        }
        for (size_t b = 0; a->keep && b < q->nbatch; b++)
            for (size_t x = q->batch[b][0]; x < q->batch[b][0] + q->batch[b][1]; x++)
                a->ping_cell[x] = map[a->ping_cell[x]];
        free(map);
    }
    return 0;
}

/* k-th smallest (0-based) of v[0..n), reordering v. */
static uint16_t select_kth(uint16_t *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        uint16_t pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                uint16_t t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/* 85th percentile of v[0..n) in mph, type 7 (linear between order statistics). */
static double p85_of(uint16_t *v, size_t n)
{
    double h = 0.85 * (double)(n - 1);
    size_t lo = (size_t)h;
    double frac = h - (double)lo;
    uint16_t a = select_kth(v, n, lo);
    if (frac == 0 || lo + 1 >= n)
        return a / 100.0;
    /* the next order statistic is the minimum of the part above lo */
    uint16_t b = v[lo + 1];
    for (size_t k = lo + 1; k < n; k++)
        if (v[k] < b)
            b = v[k];
    return (a + frac * (b - a)) / 100.0;
}

/* The same figure from a histogram of n speeds (hist[v]: pings at v). */
static double p85_of_hist(const uint32_t *hist, size_t n)
{
    double h = 0.85 * (double)(n - 1);
    size_t lo = (size_t)h;
    double frac = h - (double)lo;
    uint16_t a = 0, b = 0;
    size_t seen = 0;
    int have_a = 0;
    for (uint32_t v = 0; v < 65536; v++) {
        seen += hist[v];
        if (!have_a && seen > lo) {
            a = (uint16_t)v;
            have_a = 1;
        }
        if (have_a && seen > lo + 1) {
            b = (uint16_t)v;
            break;
        }
    }
    if (frac == 0 || lo + 1 >= n)
        return a / 100.0;
    return (a + frac * (b - a)) / 100.0;
}

static int cmp_cell(const void *x, const void *y)
{
    const rs_heat_cell *a = x, *b = y;
    if (a->j != b->j)
        return a->j < b->j ? -1 : 1;
    if (a->i != b->i)
        return a->i < b->i ? -1 : 1;
    return 0;
}

/* One gathering pass of the bounded plan: the speeds of cells [k0, k1)
 * into speeds (at start[k - k0], advancing), or, with hist, the speeds of
 * cell k0 alone into its histogram. */
typedef struct band_acc {
    grid_acc *a;
    size_t k0, k1;
    uint32_t *cursor;
    uint16_t *speeds;
    uint32_t *hist;
} band_acc;

static int band_visit(void *user, const rs_ping *p, size_t n)
{
    band_acc *b = user;
    int64_t last_i = INT64_MIN, last_j = INT64_MIN, last_k = -1;
    for (size_t k = 0; k < n; k++) {
        int64_t i, j;
        rs_grid_cell(&b->a->grid, p[k].e, p[k].n, &i, &j);
        int64_t idx = (i == last_i && j == last_j) ? last_k : cell_find(b->a, i, j);
        last_i = i;
        last_j = j;
        last_k = idx;
        if (idx < (int64_t)b->k0 || idx >= (int64_t)b->k1)
            continue;
        if (b->hist)
            b->hist[p[k].speed]++;
        else
            b->speeds[b->cursor[idx - (int64_t)b->k0]++] = p[k].speed;
    }
    return 0;
}

/* p85[k] for every cell: the one-pass plan's arrays grouped by cell. */
static int p85_one_pass(grid_acc *a, double *p85)
{
    uint32_t *start = calloc(a->ncells + 1, sizeof *start);
    uint16_t *sorted = malloc((a->npings ? a->npings : 1) * sizeof *sorted);
    if (start == NULL || sorted == NULL) {
        free(start);
        free(sorted);
        return -1;
    }
    for (size_t k = 0; k < a->ncells; k++)
        start[k + 1] = start[k] + a->cells[k].pings;
    for (size_t k = 0; k < a->npings; k++)
        sorted[start[a->ping_cell[k]]++] = a->ping_speed[k];
    for (size_t k = a->ncells; k > 0; k--)
        start[k] = start[k - 1];
    start[0] = 0;
    free(a->ping_cell);
    free(a->ping_speed);
    a->ping_cell = NULL;
    a->ping_speed = NULL;
    for (size_t k = 0; k < a->ncells; k++)
        p85[k] = p85_of(sorted + start[k], a->cells[k].pings);
    free(start);
    free(sorted);
    return 0;
}

/* p85[k] for every cell: bands of cells holding at most cap speeds, a pass
 * each. */
static int p85_banded(rs_ctx *ctx, const rs_ping_filter *f, grid_acc *a, size_t cap, double *p85)
{
    band_acc b = {a, 0, 0, NULL, NULL, NULL};
    int rc = 0;
    size_t k = 0;
    while (rc == 0 && k < a->ncells) {
        b.k0 = k;
        if (a->cells[k].pings > cap) {
            b.k1 = k + 1;
            b.hist = calloc(65536, sizeof *b.hist);
            if (b.hist == NULL)
                return -1;
            rc = rs_pings_scan(ctx, f, band_visit, &b);
            if (rc == 0)
                p85[k] = p85_of_hist(b.hist, a->cells[k].pings);
            free(b.hist);
            b.hist = NULL;
            k++;
            continue;
        }
        size_t total = 0, e = k;
        while (e < a->ncells && a->cells[e].pings <= cap && total + a->cells[e].pings <= cap)
            total += a->cells[e++].pings;
        b.k1 = e;
        b.cursor = malloc((e - k) * sizeof *b.cursor);
        b.speeds = malloc((total ? total : 1) * sizeof *b.speeds);
        if (b.cursor == NULL || b.speeds == NULL) {
            free(b.cursor);
            free(b.speeds);
            return -1;
        }
        uint32_t off = 0;
        for (size_t q = k; q < e; q++) {
            b.cursor[q - k] = off;
            off += a->cells[q].pings;
        }
        rc = rs_pings_scan(ctx, f, band_visit, &b);
        for (size_t q = k, at = 0; rc == 0 && q < e; at += a->cells[q].pings, q++)
            p85[q] = p85_of(b.speeds + at, a->cells[q].pings);
        free(b.cursor);
        free(b.speeds);
        b.cursor = NULL;
        b.speeds = NULL;
        k = e;
    }
    return rc;
}

int rs_heat_grid_build(rs_ctx *ctx, const rs_ping_filter *f, const rs_grid *g,
                       uint32_t min_count, rs_heat_grid **out)
{
    grid_acc a;
    rs_heat_grid *h = NULL;
    rs_districts *d = NULL;
    rs_locator *loc = NULL;
    double *p85 = NULL;
    int rc;
    memset(&a, 0, sizeof a);
    a.grid = *g;
    *out = NULL;
    if (g->size <= 0 || min_count < 1)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "cell size and minimum count must be > 0");
    /* the pings stored in the period bound what passes the filter: when
     * their 8 bytes each fit the budget, one pass keeps them (sized once,
     * so the scan never reallocates); otherwise the bounded plan */
    int64_t stored = 0;
    size_t budget = rs_heat_budget();
    if ((rc = rs_pings_count_bound(ctx, f, &stored)) != 0)
        goto done;
    a.keep = (uint64_t)stored * 8 <= budget;
    if (a.keep && stored > 0) {
        a.ping_cell = malloc((size_t)stored * sizeof *a.ping_cell);
        a.ping_speed = malloc((size_t)stored * sizeof *a.ping_speed);
        if (a.ping_cell == NULL || a.ping_speed == NULL) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory building the grid");
            goto done;
        }
        a.pcap = (size_t)stored;
    }
    /* every thread counts into cells of its own; a's are their sum */
    int nt = rs_heat_threads();
    grid_acc part[16];
    void *states[16];
    atomic_size_t used = 0;
    if (nt > 16)
        nt = 16;
    for (int t = 0; t < nt; t++) {
        memset(&part[t], 0, sizeof part[t]);
        part[t].grid = *g;
        part[t].keep = a.keep;
        part[t].ping_cell = a.ping_cell;
        part[t].ping_speed = a.ping_speed;
        part[t].pcap = a.pcap;
        part[t].used = &used;
        states[t] = &part[t];
    }
    rc = rs_heat_scan(ctx, f, nt, grid_work, states);
    for (int t = 0; t < nt; t++)
        a.oom |= part[t].oom;
    if (rc == 0 && !a.oom && merge_parts(&a, part, nt) != 0)
        a.oom = 1;
    a.npings = atomic_load(&used);
    for (int t = 0; t < nt; t++) {
        free(part[t].cells);
        free(part[t].slots);
        free(part[t].batch);
        free(part[t].dense);
    }
    if (a.oom) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory building the grid");
        goto done;
    }
    if (rc != 0)
        goto done;
    p85 = malloc((a.ncells ? a.ncells : 1) * sizeof *p85);
    h = calloc(1, sizeof *h);
    if (p85 == NULL || h == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory building the grid");
        goto done;
    }
    if (a.keep)
        rc = p85_one_pass(&a, p85);
    else
        rc = p85_banded(ctx, f, &a, budget / 2 < 1024 ? 1024 : budget / 2, p85);
    if (rc < 0)
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory building the grid");
    if (rc != 0)
        goto done;
    if ((rc = rs_store_districts_read(ctx, &d)) != 0)
        goto done;
    if (d && (rc = rs_locator_new(rs_ctx_geo(ctx), d, 0, &loc)) != 0)
        goto done;
    h->grid = *g;
    h->cells = calloc(a.ncells ? a.ncells : 1, sizeof *h->cells);
    if (h->cells == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory building the grid");
        goto done;
    }
    h->ncells = a.ncells;
    /* the locator answers -1 both outside every district and when GEOS
     * fails; a failure is recorded in ctx's error (the locator reports into
     * ctx's rs_geo), so a -1 with a newly recorded error is a failure */
    rs_err *err = rs_ctx_err(ctx);
    int clean = err->code == 0;
    for (size_t k = 0; k < a.ncells; k++) {
        const acc_cell *c = &a.cells[k];
        rs_heat_cell *o = &h->cells[k];
        o->i = c->i;
        o->j = c->j;
        rs_grid_centre(g, c->i, c->j, &o->x, &o->y);
        /* a map of one district: the cell is that district's (all its pings are,
         * and its outline is clipped to it) even where its centre lies outside */
        o->district = f->district >= 0 ? f->district
                      : loc            ? rs_locator_find(loc, o->x, o->y)
                                       : -1;
        if (o->district < 0 && loc && clean && err->code != 0) {
            rc = err->code;
            goto done;
        }
        if (o->district < 0)
            o->district = c->min_district == INT32_MAX ? -1 : c->min_district;
        o->pings = c->pings;
        o->speeding = c->speeding;
        o->over = c->over;
        o->mean_excess = c->speeding ? (double)c->excess_cmph / c->speeding / 100.0 : NAN;
        o->p85 = p85[k];
        o->withheld = c->pings < min_count;
        h->pings += c->pings;
        h->withheld += (size_t)o->withheld;
    }
    qsort(h->cells, h->ncells, sizeof *h->cells, cmp_cell);
    *out = h;
    h = NULL;
    rc = 0;
done:
    rs_heat_grid_free(h);
    free(a.cells);
    free(a.slots);
    free(a.ping_cell);
    free(a.ping_speed);
    free(p85);
    rs_locator_free(loc);
    rs_districts_free(d);
    return rc;
}

size_t rs_heat_budget(void)
{
    const char *env = getenv("ROADSAFE_HEAT_MEMORY_KB");
    long kb = env ? atol(env) : 0;
    return kb > 0 ? (size_t)kb << 10 : (size_t)128 << 20;
}

void rs_heat_grid_free(rs_heat_grid *h)
{
    if (h == NULL)
        return;
    free(h->cells);
    free(h);
}

