/*
 * heat_kde.c — kernel density of weighted points (see heat.h): kernels,
 * the raster and its accumulation; stored pings come from heat_kde_scan.c.
 *
 * Identical positions are merged first (pings carry 1 m positions, so
 * roads repeat them), then each distinct position, in (easting, northing)
 * order, adds its weighted kernel to the pixels within the radius.  Kernels
 * that depend on d² only (quartic, triweight, Epanechnikov, uniform) never
 * take a square root.  When the radius and the pixel are whole metres
 * (the usual case) every offset from a point to a pixel centre is an exact
 * multiple of half a metre, and the kernel's values are read from a table
 * of rows (kernel_table) computed once by the same expression: the same
 * bits, without a division per pixel.
 *
 * Points come sorted by a stable radix sort (rs_kde_sort_merge).  Stored
 * pings are collected in heat_kde_scan.c.
 *
 * Accumulation is split by raster rows across threads (threads.h); each
 * thread visits every point but writes only its own rows, so the order of
 * additions into a pixel, and therefore the result, does not depend on the
 * number of threads.
 */
#include "heat.h"
#include "heat_int.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "threads.h"

#define RS_PI 3.14159265358979323846
#define MAX_KDE_THREADS 16

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


static int cmp_pt(const void *x, const void *y)
{
    const kde_pt *a = x, *b = y;
    if (a->e != b->e)
        return a->e < b->e ? -1 : 1;
    return (a->n > b->n) - (a->n < b->n);
}

/* Sorts pts[0..n) and merges identical positions into weights; returns
 * the number of distinct positions. */
static uint64_t pt_key(const kde_pt *p)
{
    return (uint64_t)((uint32_t)p->e ^ 0x80000000u) << 32 | ((uint32_t)p->n ^ 0x80000000u);
}

/* Sorts pts[0..n) by (e, n) keeping the order of equal positions (as
 * glibc's merge sort did before): a least-significant-digit radix sort,
 * 16 bits a pass, skipping the digits every key shares.  0, or -1 when
 * out of memory. */
static int radix_sort(kde_pt *pts, size_t n)
{
    kde_pt *tmp = malloc(n * sizeof *tmp);
    size_t *count = malloc(65536 * sizeof *count);
    if (tmp == NULL || count == NULL) {
        free(tmp);
        free(count);
        return -1;
    }
    kde_pt *src = pts, *dst = tmp;
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t q = 0; q < n; q++)
            count[(pt_key(&src[q]) >> shift) & 0xffff]++;
        if (count[(pt_key(&src[0]) >> shift) & 0xffff] == n)
            continue; /* one digit for all: the order stands */
        size_t at = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = count[d];
            count[d] = at;
            at += c;
        }
        for (size_t q = 0; q < n; q++)
            dst[count[(pt_key(&src[q]) >> shift) & 0xffff]++] = src[q];
        kde_pt *t = src;
        src = dst;
        dst = t;
    }
    if (src != pts)
        memcpy(pts, src, n * sizeof *pts);
    free(tmp);
    free(count);
    return 0;
}

size_t rs_kde_sort_merge(kde_pt *pts, size_t n)
{
    if (n < 4096 || radix_sort(pts, n) != 0)
        qsort(pts, n, sizeof *pts, cmp_pt);
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        if (m > 0 && pts[m - 1].e == pts[k].e && pts[m - 1].n == pts[k].n)
            pts[m - 1].w += pts[k].w;
        else
            pts[m++] = pts[k];
    }
    return m;
}

int rs_kde_options_ok(rs_ctx *ctx, const rs_kde_opts *o)
{
    if (!(o->radius > 0) || !(o->pixel > 0))
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "KDE radius and pixel size must be > 0");
    if (o->per_km2 && !o->scaled)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "--per-km2 needs --scaled values");
    return 0;
}

/* ---- the raster and its accumulation ------------------------------------ */


static int64_t floor_div(int64_t a, int64_t b) /* b > 0 */
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static int64_t ceil_div(int64_t a, int64_t b) /* b > 0 */
{
    return -floor_div(-a, b);
}

/* floor(sqrt(v)), v >= 0, exactly. */
static int64_t isqrt64(int64_t v)
{
    int64_t r = (int64_t)sqrt((double)v);
    while (r > 0 && r * r > v)
        r--;
    while ((r + 1) * (r + 1) <= v)
        r++;
    return r;
}

/* Builds k->kt when the radius, the pixel and the raster's corner are
 * whole metres (positions are whole metres too), so that every offset the
 * computed plan forms is exact.  In units of 1/sub metre, the offset from
 * a point to a pixel centre is (ax + i*S, dy), ax in [0, S) the point's
 * place within a pixel, i in [-I-1, I]; kt holds, per |dy| <= hs and then
 * per ax (so points a metre apart read neighbouring rows), the row of
 * W = 2I+2 values over i: each, to the bit, the value KERNEL(d²/h²) the
 * computed plan gives that pixel (0 beyond the radius, never read). */
static void kernel_table(kde_raster *k)
{
    double h = k->h, px = k->px;
    if (h != floor(h) || px != floor(px) || px < 1 || h < 1 || h > 100000 || px > 100000 ||
        k->xmin != floor(k->xmin) || k->ymax != floor(k->ymax) || fabs(k->xmin) > 1e9 ||
        fabs(k->ymax) > 1e9 || k->rows > INT32_MAX || k->cols > INT32_MAX)
        return;
    int64_t sub = ((int64_t)px % 2 == 0) ? 1 : 2, S = sub * (int64_t)px, hs = sub * (int64_t)h;
    int64_t I = hs / S, W = 2 * I + 2;
    if ((double)S * (double)(hs + 1) * (double)W > (double)((int64_t)1 << 22))
        return;
    double *kt = calloc((size_t)(S * (hs + 1) * W), sizeof *kt);
    int32_t(*span)[2] = malloc((size_t)(S * (hs + 1)) * sizeof *span);
    if (kt == NULL || span == NULL) {
        free(kt);
        free(span);
        return; /* the computed plan gives the same values */
    }
    double h2 = k->h2, s2 = (double)(sub * sub);
    for (int64_t ax = 0; ax < S; ax++)
        for (int64_t ady = 0; ady <= hs; ady++) {
            /* the i within the radius: |ax + i*S| <= half */
            int64_t half = isqrt64(hs * hs - ady * ady);
            span[ady * S + ax][0] = (int32_t)ceil_div(-half - ax, S);
            span[ady * S + ax][1] = (int32_t)floor_div(half - ax, S);
            for (int64_t i = -I - 1; i <= I; i++) {
                int64_t dx = ax + i * S, q = dx * dx + ady * ady;
                if (q > hs * hs)
                    continue;
                double u2 = ((double)q / s2) / h2, v = 0;
                switch (k->kernel) {
                case RS_KERNEL_QUARTIC: v = (1.0 - u2) * (1.0 - u2); break;
                case RS_KERNEL_TRIANGULAR: v = 1.0 - sqrt(u2); break;
                case RS_KERNEL_UNIFORM: v = 1.0; break;
                case RS_KERNEL_TRIWEIGHT: v = (1.0 - u2) * (1.0 - u2) * (1.0 - u2); break;
                case RS_KERNEL_EPANECHNIKOV: v = 1.0 - u2; break;
                }
                kt[(ady * S + ax) * W + i + I + 1] = v;
            }
        }
    k->kt = kt;
    k->span = span;
    k->sub = sub;
    k->S = S;
    k->hs = hs;
    k->I = I;
    k->W = W;
    k->x_i = (int64_t)k->xmin;
    k->y_i = (int64_t)k->ymax;
}

/* Allocates the raster over the points' box [xmin, xmax] x [ymin, ymax]
 * grown by the radius, anchored at the top-left as QGIS does. */
int rs_kde_raster_open(rs_ctx *ctx, const rs_kde_opts *o, double xmin, double xmax,
                       double ymin, double ymax, kde_raster *k)
{
    double h = o->radius, px = o->pixel;
    memset(k, 0, sizeof *k);
    xmin -= h;
    ymin -= h;
    xmax += h;
    ymax += h;
    double rows_d = fmax(ceil((ymax - ymin) / px) + 1, 1), cols_d = fmax(ceil((xmax - xmin) / px) + 1, 1);
    if (rows_d * cols_d > 1e8)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE,
                          "KDE raster would have %.0f pixels; use a larger --pixel", rows_d * cols_d);
    k->rows = (size_t)rows_d;
    k->cols = (size_t)cols_d;
    k->r = rs_raster_new(k->cols, k->rows, xmin, ymax - (double)k->rows * px, px);
    k->count = o->min_count > 1 ? calloc(k->rows * k->cols, sizeof *k->count) : NULL;
    if (k->r == NULL || (o->min_count > 1 && k->count == NULL)) {
        rs_raster_free(k->r);
        free(k->count);
        k->r = NULL;
        k->count = NULL;
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory for the KDE raster");
    }
    k->xmin = xmin;
    k->ymax = ymax;
    k->h = h;
    k->h2 = h * h;
    k->px = px;
    k->kernel = o->kernel;
    k->norm = o->scaled ? kernel_norm(o->kernel) / (RS_PI * h * h) * (o->per_km2 ? 1e6 : 1) : 1.0;
    kernel_table(k);
    return 0;
}

/* accumulate_rows with the kernel table: in units of 1/sub metre the
 * offset from a point to the centre of pixel (c, row) is X0 + c*S across
 * and Y0 - row*S down, so the pixels within the radius are found in
 * integers (the same pixels as the computed plan's d² <= h² test), and
 * each receives w * norm * kernel in the same order as there. */
static void accumulate_rows_table(const kde_raster *k, const kde_pt *pts, size_t m, long row_lo,
                                  long row_hi)
{
    const double *kt = k->kt;
    const int32_t(*span)[2] = (const int32_t(*)[2])k->span;
    double norm = k->norm;
    int64_t sub = k->sub, S = k->S, hs = k->hs, W = k->W, I = k->I;
    int64_t cols = (int64_t)k->cols;
    for (size_t q = 0; q < m; q++) {
        int64_t X0 = sub * (k->x_i - pts[q].e) + S / 2;
        int64_t Y0 = sub * (k->y_i - pts[q].n) - S / 2;
        int64_t kx = floor_div(X0, S), ax = X0 - kx * S;
        double w = pts[q].w, wn = w * norm;
        int64_t r0 = ceil_div(Y0 - hs, S), r1 = floor_div(Y0 + hs, S);
        if (r0 < row_lo)
            r0 = row_lo;
        if (r1 > row_hi - 1)
            r1 = row_hi - 1;
        /* row `row` reads the table at |dy| = |Y0 - row*S|: its columns
         * c = i - kx for the i of span, clipped to the raster */
        const double *tab = kt + ax * W + kx + I + 1;
        for (int64_t row = r0; row <= r1; row++) {
            int64_t dy = Y0 - row * S, ady = dy < 0 ? -dy : dy;
            if (row + 3 <= r1) { /* the table row three ahead, while this one is added */
                int64_t d3 = Y0 - (row + 3) * S;
                const char *t3 = (const char *)(tab + (d3 < 0 ? -d3 : d3) * S * W);
                __builtin_prefetch(t3);
                __builtin_prefetch(t3 + 64);
                __builtin_prefetch(t3 + 128);
            }
            const int32_t *sp = span[ady * S + ax];
            int64_t c0 = sp[0] - kx, c1 = sp[1] - kx;
            if (c0 < 0)
                c0 = 0;
            if (c1 > cols - 1)
                c1 = cols - 1;
            double *restrict line = k->r->v + (size_t)row * (size_t)cols;
            const double *restrict trow = tab + ady * S * W;
            for (int64_t c = c0; c <= c1; c++)
                line[c] += wn * trow[c];
            if (k->count) {
                double *restrict cline = k->count + (size_t)row * (size_t)cols;
                for (int64_t c = c0; c <= c1; c++)
                    cline[c] += w;
            }
        }
    }
}

/* The loop of accumulate_rows for one kernel, KERNEL(u2) its raw value:
 * written out per kernel so the innermost loop has no branch on it.  Per
 * row only the columns whose centres can lie within the radius are
 * visited (one spare column each side, so rounding never drops one); the
 * d2 > h2 test decides, as before. */
#define ACCUMULATE(KERNEL)                                                                  \
    for (size_t q = 0; q < m; q++) {                                                        \
        double x = pts[q].e, y = pts[q].n, w = pts[q].w;                                    \
        long r0 = (long)floor((ymax - (y + h)) / px - 0.5);                                 \
        long r1 = (long)ceil((ymax - (y - h)) / px - 0.5);                                  \
        if (r0 < row_lo)                                                                    \
            r0 = row_lo;                                                                    \
        if (r1 > row_hi - 1)                                                                \
            r1 = row_hi - 1;                                                                \
        for (long row = r0; row <= r1; row++) {                                             \
            double dy = ymax - ((double)row + 0.5) * px - y;                                \
            double rest = h2 - dy * dy;                                                     \
            if (rest < 0)                                                                   \
                continue;                                                                   \
            double half = sqrt(rest);                                                       \
            long c0 = (long)floor((x - half - xmin) / px - 0.5) - 1;                        \
            long c1 = (long)ceil((x + half - xmin) / px - 0.5) + 1;                         \
            if (c0 < 0)                                                                     \
                c0 = 0;                                                                     \
            if (c1 > cols - 1)                                                              \
                c1 = cols - 1;                                                              \
            double *line = k->r->v + (size_t)row * (size_t)cols;                            \
            double *cline = k->count ? k->count + (size_t)row * (size_t)cols : NULL;        \
            for (long c = c0; c <= c1; c++) {                                               \
                double dx = xmin + ((double)c + 0.5) * px - x;                              \
                double d2 = dx * dx + dy * dy;                                              \
                if (d2 > h2)                                                                \
                    continue;                                                               \
                double u2 = d2 / h2;                                                        \
                line[c] += w * norm * (KERNEL);                                             \
                if (cline)                                                                  \
                    cline[c] += w;                                                          \
            }                                                                               \
        }                                                                                   \
    }

/* Adds pts[0..m) to the rows [row_lo, row_hi) of the raster.  Each value
 * is w * norm * kernel_raw(kernel, u2, u), as rs_kernel_value defines it. */
static void accumulate_rows(const kde_raster *k, const kde_pt *pts, size_t m, long row_lo,
                            long row_hi)
{
    if (k->kt) {
        accumulate_rows_table(k, pts, m, row_lo, row_hi);
        return;
    }
    double xmin = k->xmin, ymax = k->ymax, h = k->h, h2 = k->h2, px = k->px, norm = k->norm;
    long cols = (long)k->cols;
    switch (k->kernel) {
    case RS_KERNEL_QUARTIC: ACCUMULATE((1.0 - u2) * (1.0 - u2)) break;
    case RS_KERNEL_TRIANGULAR: ACCUMULATE(1.0 - sqrt(u2)) break;
    case RS_KERNEL_UNIFORM: ACCUMULATE(((void)u2, 1.0)) break;
    case RS_KERNEL_TRIWEIGHT: ACCUMULATE((1.0 - u2) * (1.0 - u2) * (1.0 - u2)) break;
    case RS_KERNEL_EPANECHNIKOV: ACCUMULATE(1.0 - u2) break;
    }
}
#undef ACCUMULATE

typedef struct acc_job {
    const kde_raster *k;
    const kde_pt *pts;
    size_t m;
    long row_lo, row_hi;
} acc_job;

static void *acc_thread(void *arg)
{
    acc_job *j = arg;
    accumulate_rows(j->k, j->pts, j->m, j->row_lo, j->row_hi);
    return NULL;
}

/* Adds pts[0..m) to the whole raster, rows split across threads. */
void rs_kde_accumulate(const kde_raster *k, const kde_pt *pts, size_t m)
{
    int nt = rs_thread_count(MAX_KDE_THREADS);
    /* a thread per few points only pays when there is work to share */
    if ((size_t)nt > k->rows)
        nt = (int)k->rows;
    if (m < 4096 || nt < 2) {
        accumulate_rows(k, pts, m, 0, (long)k->rows);
        return;
    }
    pthread_t tid[MAX_KDE_THREADS];
    acc_job job[MAX_KDE_THREADS];
    int started[MAX_KDE_THREADS] = {0};
    for (int t = 0; t < nt; t++) {
        job[t] = (acc_job){k, pts, m, (long)(k->rows * (size_t)t / (size_t)nt),
                           (long)(k->rows * (size_t)(t + 1) / (size_t)nt)};
        /* thread 0's share runs here; a thread that cannot start runs here too */
        started[t] = t > 0 && pthread_create(&tid[t], NULL, acc_thread, &job[t]) == 0;
    }
    for (int t = 0; t < nt; t++)
        if (!started[t])
            acc_thread(&job[t]);
    for (int t = 1; t < nt; t++)
        if (started[t])
            pthread_join(tid[t], NULL);
}

void rs_kde_raster_close(const rs_kde_opts *o, kde_raster *k, rs_raster **out)
{
    if (k->count)
        for (size_t q = 0; q < k->rows * k->cols; q++)
            if (k->count[q] < o->min_count)
                k->r->v[q] = NAN;
    free(k->count);
    free(k->kt);
    free(k->span);
    k->count = NULL;
    k->kt = NULL;
    k->span = NULL;
    *out = k->r;
    k->r = NULL;
}

void rs_kde_raster_drop(kde_raster *k)
{
    rs_raster_free(k->r);
    free(k->count);
    free(k->kt);
    free(k->span);
    k->r = NULL;
    k->count = NULL;
    k->kt = NULL;
    k->span = NULL;
}

int rs_heat_kde_points(rs_ctx *ctx, rs_kde_point *pts, size_t npts, const rs_kde_opts *o,
                       rs_raster **out)
{
    kde_raster k;
    int rc;
    *out = NULL;
    if ((rc = rs_kde_options_ok(ctx, o)) != 0)
        return rc;
    if (npts == 0)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOTFOUND, "no points for the kernel density");
    size_t m = rs_kde_sort_merge(pts, npts);
    double xmin = pts[0].e, xmax = pts[0].e, ymin = pts[0].n, ymax = pts[0].n;
    for (size_t q = 1; q < m; q++) {
        xmin = fmin(xmin, pts[q].e);
        xmax = fmax(xmax, pts[q].e);
        ymin = fmin(ymin, pts[q].n);
        ymax = fmax(ymax, pts[q].n);
    }
    if ((rc = rs_kde_raster_open(ctx, o, xmin, xmax, ymin, ymax, &k)) != 0)
        return rc;
    rs_kde_accumulate(&k, pts, m);
    rs_kde_raster_close(o, &k, out);
    return 0;
}

