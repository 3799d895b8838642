/*
 * heat.c — grid aggregation and kernel density of stored pings (see
 * heat.h).
 *
 * Grid: one pass over the filtered pings.  Cells live in an open-addressing
 * hash table keyed by (i, j); each ping also appends (cell, speed) to two
 * parallel arrays so the 85th percentile can be found exactly afterwards
 * (counting sort by cell, then quickselect within each cell).  Memory: 6
 * bytes per ping plus the cells (10 million pings: about 80 MB at peak).
 *
 * KDE: identical positions are merged first (pings carry 1 m positions, so
 * roads repeat them), then each distinct position adds its weighted kernel
 * to the pixels within the radius.  Kernels that depend on d² only
 * (quartic, triweight, Epanechnikov, uniform) never take a square root.
 */
#include "heat.h"

#include <math.h>
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
    uint32_t *ping_cell;
    uint16_t *ping_speed;
    size_t npings, pcap;
    int oom;
} grid_acc;

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

static int grid_visit(void *user, const rs_ping *p, size_t n)
{
    grid_acc *a = user;
    if (a->npings + n > a->pcap) {
        size_t nc = a->pcap ? a->pcap * 2 : 1 << 20;
        while (nc < a->npings + n)
            nc *= 2;
        uint32_t *pc = realloc(a->ping_cell, nc * sizeof *pc);
        if (pc)
            a->ping_cell = pc;
        uint16_t *ps = realloc(a->ping_speed, nc * sizeof *ps);
        if (ps)
            a->ping_speed = ps;
        if (!pc || !ps) {
            a->oom = 1;
            return 1;
        }
        a->pcap = nc;
    }
    int64_t last_i = INT64_MIN, last_j = INT64_MIN, last_k = -1;
    for (size_t k = 0; k < n; k++) {
        int64_t i, j;
        rs_grid_cell(&a->grid, p[k].e, p[k].n, &i, &j);
        int64_t idx = (i == last_i && j == last_j) ? last_k : cell_index(a, i, j);
        if (idx < 0) {
            a->oom = 1;
            return 1;
        }
        last_i = i;
        last_j = j;
        last_k = idx;
        acc_cell *c = &a->cells[idx];
        c->pings++;
        if (rs_ping_speeding(p[k].speed, p[k].limit)) {
            c->speeding++;
            c->excess_cmph += (int64_t)p[k].speed - (int64_t)p[k].limit * 100;
        }
        if (rs_ping_over_threshold(p[k].speed, p[k].limit))
            c->over++;
        if (p[k].district >= 0 && p[k].district < c->min_district)
            c->min_district = p[k].district;
        a->ping_cell[a->npings] = (uint32_t)idx;
        a->ping_speed[a->npings] = p[k].speed;
        a->npings++;
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

static int cmp_cell(const void *x, const void *y)
{
    const rs_heat_cell *a = x, *b = y;
    if (a->j != b->j)
        return a->j < b->j ? -1 : 1;
    if (a->i != b->i)
        return a->i < b->i ? -1 : 1;
    return 0;
}

int rs_heat_grid_build(rs_ctx *ctx, const rs_ping_filter *f, const rs_grid *g,
                       uint32_t min_count, rs_heat_grid **out)
{
    grid_acc a;
    rs_heat_grid *h = NULL;
    rs_districts *d = NULL;
    rs_locator *loc = NULL;
    uint32_t *start = NULL;
    uint16_t *sorted = NULL;
    int rc;
    memset(&a, 0, sizeof a);
    a.grid = *g;
    *out = NULL;
    if (g->size <= 0 || min_count < 1)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "cell size and minimum count must be > 0");
    /* size the per-ping arrays once from the pings stored in the period
     * (an upper bound of what passes the filter), so the scan never
     * reallocates them: 6 bytes a ping, and 2 more while grouping */
    int64_t stored = 0;
    if ((rc = rs_pings_count_bound(ctx, f, &stored)) != 0)
        goto done;
    if (stored > 0) {
        a.ping_cell = malloc((size_t)stored * sizeof *a.ping_cell);
        a.ping_speed = malloc((size_t)stored * sizeof *a.ping_speed);
        if (a.ping_cell == NULL || a.ping_speed == NULL) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory building the grid");
            goto done;
        }
        a.pcap = (size_t)stored;
    }
    rc = rs_pings_scan(ctx, f, grid_visit, &a);
    if (a.oom) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory building the grid");
        goto done;
    }
    if (rc != 0)
        goto done;
    if ((rc = rs_store_districts_read(ctx, &d)) != 0)
        goto done;
    if (d && (rc = rs_locator_new(rs_ctx_geo(ctx), d, 0, &loc)) != 0)
        goto done;
    /* group speeds by cell: counting sort */
    start = calloc(a.ncells + 1, sizeof *start);
    sorted = malloc((a.npings ? a.npings : 1) * sizeof *sorted);
    h = calloc(1, sizeof *h);
    if (start == NULL || sorted == NULL || h == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory building the grid");
        goto done;
    }
    for (size_t k = 0; k < a.ncells; k++)
        start[k + 1] = start[k] + a.cells[k].pings;
    for (size_t k = 0; k < a.npings; k++)
        sorted[start[a.ping_cell[k]]++] = a.ping_speed[k];
    for (size_t k = a.ncells; k > 0; k--)
        start[k] = start[k - 1];
    start[0] = 0;
    free(a.ping_cell);
    free(a.ping_speed);
    a.ping_cell = NULL;
    a.ping_speed = NULL;
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
        o->p85 = p85_of(sorted + start[k], c->pings);
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
    free(start);
    free(sorted);
    rs_locator_free(loc);
    rs_districts_free(d);
    return rc;
}

void rs_heat_grid_free(rs_heat_grid *h)
{
    if (h == NULL)
        return;
    free(h->cells);
    free(h);
}

/* ---- kernel density ------------------------------------------------------ */

int rs_kernel_parse(const char *s, rs_kernel *out)
{
    static const char *const names[] = {"quartic", "triangular", "uniform", "triweight",
                                        "epanechnikov"};
    for (int i = 0; s && i < 5; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (rs_kernel)i;
            return 0;
        }
    return -1;
}

/* Kernel of u2 = (d/h)^2 (and u = d/h for the triangular one), raw. */
static double kernel_raw(rs_kernel k, double u2, double u)
{
    double t = 1.0 - u2;
    switch (k) {
    case RS_KERNEL_QUARTIC: return t * t;
    case RS_KERNEL_TRIANGULAR: return 1.0 - u;
    case RS_KERNEL_UNIFORM: return 1.0;
    case RS_KERNEL_TRIWEIGHT: return t * t * t;
    case RS_KERNEL_EPANECHNIKOV: return t;
    }
    return 0;
}

/* Constant c such that c/(pi h^2) * raw integrates to 1 over the disc. */
static double kernel_norm(rs_kernel k)
{
    switch (k) {
    case RS_KERNEL_QUARTIC: return 3.0;
    case RS_KERNEL_TRIANGULAR: return 3.0;
    case RS_KERNEL_UNIFORM: return 1.0;
    case RS_KERNEL_TRIWEIGHT: return 4.0;
    case RS_KERNEL_EPANECHNIKOV: return 2.0;
    }
    return 0;
}

double rs_kernel_value(rs_kernel k, double d, double h, int scaled)
{
    if (d > h || h <= 0)
        return 0.0;
    double u = d / h;
    double v = kernel_raw(k, u * u, u);
    return scaled ? v * kernel_norm(k) / (RS_PI * h * h) : v;
}

typedef rs_kde_point kde_pt;

typedef struct kde_acc {
    rs_metric metric;
    kde_pt *pts;
    size_t n, cap;
    int oom;
} kde_acc;

static int kde_visit(void *user, const rs_ping *p, size_t n)
{
    kde_acc *a = user;
    for (size_t k = 0; k < n; k++) {
        if (a->metric == RS_METRIC_SPEEDING && !rs_ping_speeding(p[k].speed, p[k].limit))
            continue;
        if (a->metric == RS_METRIC_OVER && !rs_ping_over_threshold(p[k].speed, p[k].limit))
            continue;
        if (a->n == a->cap) {
            size_t nc = a->cap ? a->cap * 2 : 1 << 16;
            kde_pt *np = realloc(a->pts, nc * sizeof *np);
            if (np == NULL) {
                a->oom = 1;
                return 1;
            }
            a->pts = np;
            a->cap = nc;
        }
        a->pts[a->n++] = (kde_pt){p[k].e, p[k].n, 1.0};
    }
    return 0;
}

static int cmp_pt(const void *x, const void *y)
{
    const kde_pt *a = x, *b = y;
    if (a->e != b->e)
        return a->e < b->e ? -1 : 1;
    return (a->n > b->n) - (a->n < b->n);
}

static int kde_options_ok(rs_ctx *ctx, const rs_kde_opts *o)
{
    if (!(o->radius > 0) || !(o->pixel > 0))
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "KDE radius and pixel size must be > 0");
    if (o->per_km2 && !o->scaled)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "--per-km2 needs --scaled values");
    return 0;
}

int rs_heat_kde(rs_ctx *ctx, const rs_ping_filter *f, const rs_kde_opts *o, rs_raster **out)
{
    kde_acc a = {o->metric, NULL, 0, 0, 0};
    int rc;
    *out = NULL;
    if ((rc = kde_options_ok(ctx, o)) != 0)
        return rc;
    if (o->metric != RS_METRIC_PINGS && o->metric != RS_METRIC_SPEEDING &&
        o->metric != RS_METRIC_OVER)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE,
                          "kernel density needs a count metric (pings, speeding or "
                          "over_threshold), not %s",
                          rs_metric_name(o->metric));
    rc = rs_pings_scan(ctx, f, kde_visit, &a);
    if (a.oom)
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory collecting points");
    if (rc == 0 && a.n == 0)
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOTFOUND, "no pings match the filters");
    if (rc == 0)
        rc = rs_heat_kde_points(ctx, a.pts, a.n, o, out);
    free(a.pts);
    return rc;
}

int rs_heat_kde_points(rs_ctx *ctx, rs_kde_point *pts, size_t npts, const rs_kde_opts *o,
                       rs_raster **out)
{
    rs_raster *r = NULL;
    double *count = NULL;
    int rc;
    *out = NULL;
    if ((rc = kde_options_ok(ctx, o)) != 0)
        return rc;
    if (npts == 0)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOTFOUND, "no points for the kernel density");
    kde_acc a = {o->metric, pts, npts, npts, 0};
    /* merge identical positions into weights */
    qsort(a.pts, a.n, sizeof *a.pts, cmp_pt);
    size_t m = 0;
    for (size_t k = 0; k < a.n; k++) {
        if (m > 0 && a.pts[m - 1].e == a.pts[k].e && a.pts[m - 1].n == a.pts[k].n)
            a.pts[m - 1].w += a.pts[k].w;
        else
            a.pts[m++] = a.pts[k];
    }
    double xmin = a.pts[0].e, xmax = a.pts[0].e, ymin = a.pts[0].n, ymax = a.pts[0].n;
    for (size_t k = 1; k < m; k++) {
        xmin = fmin(xmin, a.pts[k].e);
        xmax = fmax(xmax, a.pts[k].e);
        ymin = fmin(ymin, a.pts[k].n);
        ymax = fmax(ymax, a.pts[k].n);
    }
    double h = o->radius, px = o->pixel;
    xmin -= h;
    ymin -= h;
    xmax += h;
    ymax += h;
    double rows_d = fmax(ceil((ymax - ymin) / px) + 1, 1), cols_d = fmax(ceil((xmax - xmin) / px) + 1, 1);
    if (rows_d * cols_d > 1e8) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_EUSAGE,
                        "KDE raster would have %.0f pixels; use a larger --pixel", rows_d * cols_d);
        goto done;
    }
    size_t rows = (size_t)rows_d, cols = (size_t)cols_d;
    /* anchored at the top-left (xmin, ymax) as QGIS does */
    r = rs_raster_new(cols, rows, xmin, ymax - (double)rows * px, px);
    count = o->min_count > 1 ? calloc(rows * cols, sizeof *count) : NULL;
    if (r == NULL || (o->min_count > 1 && count == NULL)) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory for the KDE raster");
        goto done;
    }
    double norm = o->scaled ? kernel_norm(o->kernel) / (RS_PI * h * h) * (o->per_km2 ? 1e6 : 1)
                            : 1.0;
    double h2 = h * h;
    int need_u = o->kernel == RS_KERNEL_TRIANGULAR;
    for (size_t k = 0; k < m; k++) {
        double x = a.pts[k].e, y = a.pts[k].n, w = a.pts[k].w;
        /* pixel centres: x = xmin + (c + 0.5) px, y = ymax - (row + 0.5) px */
        long c0 = (long)floor((x - h - xmin) / px - 0.5), c1 = (long)ceil((x + h - xmin) / px - 0.5);
        long r0 = (long)floor((ymax - (y + h)) / px - 0.5), r1 = (long)ceil((ymax - (y - h)) / px - 0.5);
        if (c0 < 0) c0 = 0;
        if (r0 < 0) r0 = 0;
        if (c1 > (long)cols - 1) c1 = (long)cols - 1;
        if (r1 > (long)rows - 1) r1 = (long)rows - 1;
        for (long row = r0; row <= r1; row++) {
            double dy = ymax - ((double)row + 0.5) * px - y;
            double *line = r->v + (size_t)row * cols;
            for (long c = c0; c <= c1; c++) {
                double dx = xmin + ((double)c + 0.5) * px - x;
                double d2 = dx * dx + dy * dy;
                if (d2 > h2)
                    continue;
                double u2 = d2 / h2;
                line[c] += w * norm * kernel_raw(o->kernel, u2, need_u ? sqrt(u2) : 0);
                if (count)
                    count[(size_t)row * cols + (size_t)c] += w;
            }
        }
    }
    if (count)
        for (size_t k = 0; k < rows * cols; k++)
            if (count[k] < o->min_count)
                r->v[k] = NAN;
    *out = r;
    r = NULL;
done:
    rs_raster_free(r);
    free(count);
    return rc;
}
