/*
 * presence.c — patrol presence from fleet pings (definitions in
 * presence.h).
 *
 * One walker serves every consumer: it sorts the gathered pings by
 * (vehicle, time, position...) so the order never depends on storage, and
 * hands each gap that starts at a ping passing the filter to a sink: the
 * cell builder (pieces sorted and reduced), the per-district totals, or
 * the KDE sampler.  Because gaps arrive vehicle by vehicle, "distinct
 * vehicles" needs only the last vehicle seen per district or cell.
 */
#include "presence.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "locator.h"
#include "store.h"

#define SQRT3 1.7320508075688772935

/* ---- cutting a segment at cell edges ------------------------------------ */

typedef struct tbuf {
    double *t;
    size_t n, cap;
} tbuf;

static int tbuf_push(tbuf *b, double t)
{
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 64;
        double *nt = realloc(b->t, nc * sizeof *nt);
        if (nt == NULL)
            return -1;
        b->t = nt;
        b->cap = nc;
    }
    b->t[b->n++] = t;
    return 0;
}

/* Parameters t in (0, 1) where u(t) = u0 + t (u1 - u0) crosses a line
 * u = k * spacing. */
static int add_family(tbuf *b, double u0, double u1, double spacing)
{
    if (u0 == u1)
        return 0;
    double lo = fmin(u0, u1), hi = fmax(u0, u1);
    double k0 = ceil(lo / spacing), k1 = floor(hi / spacing);
    for (double k = k0; k <= k1; k++) {
        double t = (k * spacing - u0) / (u1 - u0);
        if (t > 0 && t < 1 && tbuf_push(b, t) != 0)
            return -1;
    }
    return 0;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

typedef void (*cell_piece_fn)(void *user, int64_t i, int64_t j, double frac);

/* Calls fn for each cell the segment crosses, in order, with its share of
 * the length.  tb is scratch.  0 or -1 (out of memory). */
static int cut_segment(const rs_grid *g, double x0, double y0, double x1, double y1, tbuf *tb,
                       cell_piece_fn fn, void *user)
{
    int64_t i, j;
    tb->n = 0;
    if (x0 == x1 && y0 == y1) {
        rs_grid_cell(g, x0, y0, &i, &j);
        fn(user, i, j, 1.0);
        return 0;
    }
    int rc;
    if (g->kind == RS_GRID_SQUARE)
        rc = add_family(tb, x0, x1, g->size) | add_family(tb, y0, y1, g->size);
    else
        rc = add_family(tb, y0, y1, SQRT3 / 2 * g->size) |
             add_family(tb, y0 - SQRT3 * x0, y1 - SQRT3 * x1, SQRT3 * g->size) |
             add_family(tb, y0 + SQRT3 * x0, y1 + SQRT3 * x1, SQRT3 * g->size);
    if (rc != 0 || tbuf_push(tb, 1.0) != 0)
        return -1;
    qsort(tb->t, tb->n, sizeof *tb->t, cmp_double);
    double ta = 0, run = 0;
    int64_t ri = 0, rj = 0;
    int have = 0;
    for (size_t k = 0; k < tb->n; k++) {
        double tbnd = tb->t[k];
        if (tbnd <= ta)
            continue;
        double tm = 0.5 * (ta + tbnd);
        rs_grid_cell(g, x0 + tm * (x1 - x0), y0 + tm * (y1 - y0), &i, &j);
        if (have && i == ri && j == rj) {
            run += tbnd - ta;
        } else {
            if (have)
                fn(user, ri, rj, run);
            ri = i;
            rj = j;
            run = tbnd - ta;
            have = 1;
        }
        ta = tbnd;
    }
    if (have)
        fn(user, ri, rj, run);
    return 0;
}

typedef struct seg_out {
    int64_t *ci, *cj;
    double *frac;
    int n, max;
} seg_out;

static void seg_collect(void *user, int64_t i, int64_t j, double frac)
{
    seg_out *o = user;
    if (o->n < o->max) {
        o->ci[o->n] = i;
        o->cj[o->n] = j;
        o->frac[o->n] = frac;
    }
    o->n++;
}

int rs_presence_segment_cells(const rs_grid *g, double x0, double y0, double x1, double y1,
                              int64_t *ci, int64_t *cj, double *frac, int max)
{
    tbuf tb = {0};
    seg_out o = {ci, cj, frac, 0, max};
    int rc = cut_segment(g, x0, y0, x1, y1, &tb, seg_collect, &o);
    free(tb.t);
    return rc != 0 || o.n > max ? -1 : o.n;
}

/* ---- the walker ------------------------------------------------------------ */

/* A gap handed to a sink: from ping a to ping b (b NULL when capped) for
 * sec seconds. */
typedef int (*gap_fn)(void *user, const rs_ping *a, const rs_ping *b, double sec);

static int cmp_ping(const void *x, const void *y)
{
    const rs_ping *a = x, *b = y;
#define KEY(f)                                                                                \
    if (a->f != b->f)                                                                         \
        return a->f < b->f ? -1 : 1;
    KEY(vehicle)
    KEY(t)
    KEY(e)
    KEY(n)
    KEY(speed)
    KEY(limit)
    KEY(district)
#undef KEY
    return 0;
}

/* Sorts p and calls fn for every gap starting at a ping passing f.
 * Returns 0 or fn's non-zero value. */
static int walk(rs_ping *p, size_t n, const rs_ping_filter *f, int64_t cap, gap_fn fn, void *user)
{
    if (n > 1)
        qsort(p, n, sizeof *p, cmp_ping);
    for (size_t k = 0; k < n; k++) {
        if (!rs_ping_filter_match(f, &p[k]))
            continue;
        const rs_ping *b = k + 1 < n && p[k + 1].vehicle == p[k].vehicle ? &p[k + 1] : NULL;
        int rc;
        if (b != NULL && b->t - p[k].t <= cap)
            rc = fn(user, &p[k], b, (double)(b->t - p[k].t));
        else
            rc = fn(user, &p[k], NULL, (double)cap);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Gathering the store's fleet pings that can start or end a gap of f. */
typedef struct gather {
    rs_ping *p;
    size_t n, cap;
} gather;

static int gather_visit(void *user, const rs_ping *p, size_t n)
{
    gather *g = user;
    if (g->n + n > g->cap) {
        size_t nc = g->cap ? g->cap : 65536;
        while (nc < g->n + n)
            nc *= 2;
        rs_ping *np = realloc(g->p, nc * sizeof *np);
        if (np == NULL)
            return 1;
        g->p = np;
        g->cap = nc;
    }
    memcpy(g->p + g->n, p, n * sizeof *p);
    g->n += n;
    return 0;
}

static int gather_pings(rs_ctx *ctx, const rs_ping_filter *f, int64_t cap, gather *out)
{
    rs_ping_filter s;
    rs_ping_filter_init(&s);
    s.source = "fleet";
    s.from = f->from;
    s.to = f->to > INT64_MAX - cap ? INT64_MAX : f->to + cap;
    s.district = -2;
    memset(out, 0, sizeof *out);
    int rc = rs_pings_scan(ctx, &s, gather_visit, out);
    if (rc == 1)
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory gathering fleet pings");
    return rc;
}

static int check_cap(rs_ctx *ctx, int64_t cap)
{
    if (cap <= 0 || cap > 86400 * 7)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE,
                          "the presence gap cap must be more than 0 and at most 7 days");
    return 0;
}

/* ---- cells ------------------------------------------------------------------ */

typedef struct piece {
    int64_t i, j;
    double sec;
    uint32_t seq;
    uint16_t veh;
    int16_t district;
} piece;

typedef struct cell_acc {
    const rs_grid *grid;
    rs_presence *res;
    piece *pc;
    size_t npc, cap;
    uint32_t seq;
    int32_t last_veh; /* for the distinct-vehicle total */
    const rs_ping *cur; /* the gap being cut */
    double cur_sec;
    tbuf tb;
    int oom;
} cell_acc;

static void add_piece(void *user, int64_t i, int64_t j, double frac)
{
    cell_acc *a = user;
    if (a->oom)
        return;
    if (a->npc == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 65536;
        piece *np = realloc(a->pc, nc * sizeof *np);
        if (np == NULL) {
            a->oom = 1;
            return;
        }
        a->pc = np;
        a->cap = nc;
    }
    a->pc[a->npc++] = (piece){i, j, a->cur_sec * frac, a->seq++, a->cur->vehicle,
                              a->cur->district};
}

static int cell_gap(void *user, const rs_ping *a, const rs_ping *b, double sec)
{
    cell_acc *c = user;
    rs_presence *r = c->res;
    r->pings++;
    if (b == NULL)
        r->capped++;
    else
        r->km += hypot((double)b->e - a->e, (double)b->n - a->n) / 1000.0;
    if (sec <= 0)
        return 0;
    r->minutes += sec / 60.0;
    if (c->last_veh != a->vehicle) {
        r->vehicles++;
        c->last_veh = a->vehicle;
    }
    if (c->grid == NULL)
        return 0;
    c->cur = a;
    c->cur_sec = sec;
    if (b == NULL) {
        int64_t i, j;
        rs_grid_cell(c->grid, a->e, a->n, &i, &j);
        add_piece(c, i, j, 1.0);
    } else if (cut_segment(c->grid, a->e, a->n, b->e, b->n, &c->tb, add_piece, c) != 0) {
        c->oom = 1;
    }
    return c->oom;
}

static int cmp_piece(const void *x, const void *y)
{
    const piece *a = x, *b = y;
    if (a->j != b->j)
        return a->j < b->j ? -1 : 1;
    if (a->i != b->i)
        return a->i < b->i ? -1 : 1;
    if (a->veh != b->veh)
        return a->veh < b->veh ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

int rs_presence_from_pings(rs_ctx *ctx, rs_ping *pings, size_t n, const rs_ping_filter *f,
                           const rs_grid *g, int64_t cap, rs_presence **out)
{
    int rc;
    *out = NULL;
    if ((rc = check_cap(ctx, cap)) != 0)
        return rc;
    if (g && !(g->size > 0))
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "cell size must be > 0");
    cell_acc a;
    memset(&a, 0, sizeof a);
    a.grid = g;
    a.last_veh = -1;
    a.res = calloc(1, sizeof *a.res);
    if (a.res == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (presence)");
    if (g)
        a.res->grid = *g;
    walk(pings, n, f, cap, cell_gap, &a);
    if (a.oom) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (presence)");
        goto done;
    }
    if (a.npc > 1)
        qsort(a.pc, a.npc, sizeof *a.pc, cmp_piece);
    size_t ncells = 0;
    for (size_t k = 0; k < a.npc; k++)
        ncells += k == 0 || a.pc[k].i != a.pc[k - 1].i || a.pc[k].j != a.pc[k - 1].j;
    a.res->cells = calloc(ncells ? ncells : 1, sizeof *a.res->cells);
    if (a.res->cells == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (presence)");
        goto done;
    }
    rs_presence_cell *c = NULL;
    for (size_t k = 0; k < a.npc; k++) {
        const piece *p = &a.pc[k];
        if (c == NULL || p->i != c->i || p->j != c->j) {
            c = &a.res->cells[a.res->ncells++];
            c->i = p->i;
            c->j = p->j;
            rs_grid_centre(g, p->i, p->j, &c->x, &c->y);
            c->district = -1;
            c->vehicles = 1;
        } else if (p->veh != a.pc[k - 1].veh) {
            c->vehicles++;
        }
        c->minutes += p->sec / 60.0;
        c->gaps++;
        if (p->district >= 0 && (c->district < 0 || p->district < c->district))
            c->district = p->district;
    }
    *out = a.res;
    a.res = NULL;
    rc = 0;
done:
    rs_presence_free(a.res);
    free(a.pc);
    free(a.tb.t);
    return rc;
}

int rs_presence_build(rs_ctx *ctx, const rs_ping_filter *f, const rs_grid *g, int64_t cap,
                      rs_presence **out)
{
    gather ga;
    *out = NULL;
    int rc = check_cap(ctx, cap);
    if (rc == 0)
        rc = gather_pings(ctx, f, cap, &ga);
    else
        memset(&ga, 0, sizeof ga);
    if (rc == 0)
        rc = rs_presence_from_pings(ctx, ga.p, ga.n, f, g, cap, out);
    free(ga.p);
    return rc;
}

void rs_presence_free(rs_presence *p)
{
    if (p == NULL)
        return;
    free(p->cells);
    free(p);
}

/* ---- districts ------------------------------------------------------------ */

typedef struct dist_acc {
    rs_presence_district *out;
    int32_t *last_veh;
    size_t nd;
} dist_acc;

static int dist_gap(void *user, const rs_ping *a, const rs_ping *b, double sec)
{
    dist_acc *d = user;
    if (a->district < 0 || (size_t)a->district >= d->nd || sec <= 0)
        return 0;
    rs_presence_district *o = &d->out[a->district];
    o->minutes += sec / 60.0;
    if (b)
        o->km += hypot((double)b->e - a->e, (double)b->n - a->n) / 1000.0;
    if (d->last_veh[a->district] != a->vehicle) {
        o->vehicles++;
        d->last_veh[a->district] = a->vehicle;
    }
    return 0;
}

int rs_presence_by_district(rs_ctx *ctx, const rs_ping_filter *f, int64_t cap, size_t nd,
                            rs_presence_district *out)
{
    gather ga;
    memset(&ga, 0, sizeof ga);
    if (nd)
        memset(out, 0, nd * sizeof *out);
    int rc = check_cap(ctx, cap);
    if (rc != 0 || nd == 0)
        return rc;
    rs_ping_filter any = *f;
    any.district = -2;
    dist_acc d = {out, malloc(nd * sizeof(int32_t)), nd};
    if (d.last_veh == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (presence)");
    for (size_t k = 0; k < nd; k++)
        d.last_veh[k] = -1;
    if ((rc = gather_pings(ctx, f, cap, &ga)) == 0)
        walk(ga.p, ga.n, &any, cap, dist_gap, &d);
    free(ga.p);
    free(d.last_veh);
    return rc;
}

int rs_presence_district_minutes(rs_ctx *ctx, int64_t from, int64_t to, size_t nd,
                                 double *per_district, int *any)
{
    rs_presence_district *pd = calloc(nd ? nd : 1, sizeof *pd);
    if (pd == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (presence)");
    rs_ping_filter f;
    rs_ping_filter_init(&f);
    f.source = "fleet";
    f.from = from;
    f.to = to;
    int64_t have = 0;
    int rc = rs_store_query_int(
        ctx, "SELECT EXISTS (SELECT 1 FROM ping_chunk WHERE source = 'fleet')", &have);
    if (rc == 0)
        rc = rs_presence_by_district(ctx, &f, RS_PRESENCE_CAP, nd, pd);
    for (size_t k = 0; k < nd; k++)
        per_district[k] = rc == 0 ? pd[k].minutes : 0;
    if (any)
        *any = rc == 0 && have != 0;
    free(pd);
    return rc;
}

/* ---- heat grid and kernel density ------------------------------------------- */

int rs_presence_heat_grid(rs_ctx *ctx, const rs_ping_filter *f, const rs_grid *g, int64_t cap,
                          double min_minutes, rs_heat_grid **out)
{
    rs_presence *p = NULL;
    rs_heat_grid *h = NULL;
    rs_districts *d = NULL;
    rs_locator *loc = NULL;
    *out = NULL;
    int rc = rs_presence_build(ctx, f, g, cap, &p);
    if (rc != 0)
        goto done;
    if ((rc = rs_store_districts_read(ctx, &d)) != 0)
        goto done;
    if (d && (rc = rs_locator_new(rs_ctx_geo(ctx), d, 0, &loc)) != 0)
        goto done;
    h = calloc(1, sizeof *h);
    if (h == NULL || (h->cells = calloc(p->ncells ? p->ncells : 1, sizeof *h->cells)) == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (presence grid)");
        goto done;
    }
    h->grid = *g;
    h->ncells = p->ncells;
    h->pings = p->pings;
    /* a -1 from the locator with a newly recorded error is a GEOS failure,
     * not "outside every district" (as in rs_heat_grid_build) */
    rs_err *err = rs_ctx_err(ctx);
    int clean = err->code == 0;
    for (size_t k = 0; k < p->ncells; k++) {
        const rs_presence_cell *c = &p->cells[k];
        rs_heat_cell *o = &h->cells[k];
        o->i = c->i;
        o->j = c->j;
        o->x = c->x;
        o->y = c->y;
        /* as heat grids: a one-district map's cells are that district's */
        o->district = f->district >= 0 ? f->district : loc ? rs_locator_find(loc, c->x, c->y) : -1;
        if (o->district < 0 && loc && clean && err->code != 0) {
            rc = err->code;
            goto done;
        }
        if (o->district < 0)
            o->district = c->district;
        o->pings = c->gaps;
        o->mean_excess = NAN;
        o->p85 = NAN;
        o->presence_min = c->minutes;
        o->vehicles = c->vehicles;
        o->withheld = min_minutes > 1 && c->minutes < min_minutes;
        h->withheld += (size_t)o->withheld;
    }
    *out = h;
    h = NULL;
done:
    rs_heat_grid_free(h);
    rs_presence_free(p);
    rs_locator_free(loc);
    rs_districts_free(d);
    return rc;
}

typedef struct kde_acc {
    rs_kde_point *pts;
    size_t n, cap;
    double step;
    int oom;
} kde_acc;

static int kde_push(kde_acc *a, double x, double y, double w)
{
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 65536;
        rs_kde_point *np = realloc(a->pts, nc * sizeof *np);
        if (np == NULL) {
            a->oom = 1;
            return 1;
        }
        a->pts = np;
        a->cap = nc;
    }
    a->pts[a->n++] = (rs_kde_point){(int32_t)lround(x), (int32_t)lround(y), w};
    return 0;
}

static int kde_gap(void *user, const rs_ping *a, const rs_ping *b, double sec)
{
    kde_acc *k = user;
    if (sec <= 0)
        return 0;
    double len = b ? hypot((double)b->e - a->e, (double)b->n - a->n) : 0;
    if (len == 0)
        return kde_push(k, a->e, a->n, sec / 60.0);
    double ns = ceil(len / k->step);
    if (ns > 1e6)
        ns = 1e6;
    for (double s = 0; s < ns; s++) {
        double t = (s + 0.5) / ns;
        if (kde_push(k, a->e + t * ((double)b->e - a->e), a->n + t * ((double)b->n - a->n),
                     sec / 60.0 / ns) != 0)
            return 1;
    }
    return 0;
}

int rs_presence_kde(rs_ctx *ctx, const rs_ping_filter *f, int64_t cap, const rs_kde_opts *o,
                    rs_raster **out)
{
    gather ga;
    kde_acc k = {NULL, 0, 0, fmin(o->pixel, o->radius) / 2, 0};
    *out = NULL;
    memset(&ga, 0, sizeof ga);
    int rc = check_cap(ctx, cap);
    if (rc != 0)
        return rc;
    if (!(k.step > 0))
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "KDE radius and pixel size must be > 0");
    if ((rc = gather_pings(ctx, f, cap, &ga)) != 0)
        goto done;
    walk(ga.p, ga.n, f, cap, kde_gap, &k);
    if (k.oom)
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory collecting presence points");
    else if (k.n == 0)
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOTFOUND, "no fleet pings match the filters");
    else
        rc = rs_heat_kde_points(ctx, k.pts, k.n, o, out);
done:
    free(ga.p);
    free(k.pts);
    return rc;
}
