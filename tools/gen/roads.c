/*
 * roads.c — the synthetic road network: towns, the roads between them,
 * town streets, speed limits along every road, and shortest routes.
 *
 * What: the 14 district seeds are the main towns; 14 more towns fill the gaps
 * (best-candidate sampling: of 40 random spots the one farthest from all
 * towns so far).  Every town is joined to its three
 * nearest neighbours by a gently bent road (5 vertices) that must stay
 * inside the county; the graph is then made connected.  Long roads are
 * 70 mph trunk dual carriageways, the rest 60/50 A roads and 40 B roads.
 * Near a town the limit drops: 30 inside its 30 zone (radius r30), 20 in a
 * centre 20 zone when the town has one, and a 40 buffer just outside the
 * 30 zone of 50+ roads.  Each town also has 3-7 radial streets (30, or 20
 * in 20-zone towns).
 *
 * Data structure: gen_net — arrays of gen_town and gen_road (polylines with
 * cumulative lengths), per-kind cumulative traffic weights for weighted
 * picks, a town -> roads adjacency, and a sample every 100 m along every
 * road tagged with its district.  Routes are found with Dijkstra over the
 * towns (at most ~24 nodes).
 * Workload: built once; gen_road_point / gen_road_limit run once per ping.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define NEXTRA_TOWNS 14

static int road_inside(const gen_county *c, const gen_road *r)
{
    for (double s = 0; s <= r->len; s += 250) {
        double x, y, b;
        gen_road_point(r, s, &x, &y, &b);
        if (!gen_county_inside(c, x, y))
            return 0;
    }
    return 1;
}

static void road_finish(gen_road *r)
{
    r->cum[0] = 0;
    for (int i = 1; i < r->nv; i++)
        r->cum[i] = r->cum[i - 1] + hypot(r->x[i] - r->x[i - 1], r->y[i] - r->y[i - 1]);
    r->len = r->cum[r->nv - 1];
}

void gen_road_point(const gen_road *r, double s, double *x, double *y, double *bearing)
{
    int i = 0;
    if (s < 0)
        s = 0;
    if (s > r->len)
        s = r->len;
    while (i + 2 < r->nv && s > r->cum[i + 1])
        i++;
    double seg = r->cum[i + 1] - r->cum[i];
    double t = seg > 0 ? (s - r->cum[i]) / seg : 0;
    double dx = r->x[i + 1] - r->x[i], dy = r->y[i + 1] - r->y[i];
    *x = r->x[i] + t * dx;
    *y = r->y[i] + t * dy;
    double b = atan2(dx, dy) * (180.0 / GEN_PI);
    *bearing = b < 0 ? b + 360.0 : b;
}

int gen_road_limit(const gen_net *n, int road, double s)
{
    const gen_road *r = &n->roads[road];
    if (r->kind == GEN_ROAD_STREET)
        return r->limit;
    int lim = r->limit;
    const int town[2] = {r->town_a, r->town_b};
    const double d[2] = {s, r->len - s};
    for (int e = 0; e < 2; e++) {
        const gen_town *t = &n->towns[town[e]];
        if (t->r20 > 0 && d[e] < t->r20)
            return 20;
        if (d[e] < t->r30)
            lim = lim < 30 ? lim : 30;
        else if (d[e] < t->r30 + 600 && r->limit >= 50)
            lim = lim < 40 ? lim : 40;
    }
    return lim;
}

double gen_road_town_dist(const gen_net *n, int road, double s)
{
    const gen_road *r = &n->roads[road];
    if (r->kind == GEN_ROAD_STREET)
        return s;
    return s < r->len - s ? s : r->len - s;
}

int gen_net_pick_road(const gen_net *n, gen_rng *rng, int kind)
{
    const double *cw = kind == GEN_ROAD_STREET ? n->cumw_street : n->cumw_inter;
    double u = gen_rng_unif(rng) * cw[n->nroads - 1];
    int lo = 0, hi = n->nroads - 1;
    while (lo < hi) { /* first index with cw > u */
        int mid = (lo + hi) / 2;
        if (cw[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

int gen_net_road_from_town(const gen_net *n, gen_rng *rng, int t, int except)
{
    int a = n->adj0[t], b = n->adj0[t + 1];
    double w[64];
    int ids[64], k = 0;
    for (int i = a; i < b && k < 64; i++) {
        if (n->adj[i] == except)
            continue;
        ids[k] = n->adj[i];
        w[k] = n->roads[n->adj[i]].weight;
        k++;
    }
    if (k == 0)
        return -1;
    return ids[gen_rng_pick(rng, w, k)];
}

int gen_net_route(const gen_net *n, int r0, double s0, int r1, double s1, gen_leg *legs,
                  int maxlegs, int *nlegs)
{
    *nlegs = 0;
    if (r0 == r1) {
        if (maxlegs < 1)
            return RS_EUSAGE;
        legs[0] = (gen_leg){r0, s0, s1};
        *nlegs = 1;
        return RS_OK;
    }
    int nt = n->ntowns;
    double *dist = malloc(sizeof(double) * (size_t)nt);
    int *prev = malloc(sizeof(int) * (size_t)nt), *done = calloc((size_t)nt, sizeof(int));
    if (dist == NULL || prev == NULL || done == NULL) {
        free(dist);
        free(prev);
        free(done);
        return RS_ENOMEM;
    }
    for (int t = 0; t < nt; t++) {
        dist[t] = HUGE_VAL;
        prev[t] = -2;
    }
    const gen_road *a = &n->roads[r0], *b = &n->roads[r1];
    dist[a->town_a] = s0;
    prev[a->town_a] = -1;
    if (a->kind == GEN_ROAD_INTER && a->len - s0 < dist[a->town_b]) {
        dist[a->town_b] = a->len - s0;
        prev[a->town_b] = -1;
    }
    for (;;) {
        int u = -1;
        for (int t = 0; t < nt; t++)
            if (!done[t] && dist[t] < HUGE_VAL && (u < 0 || dist[t] < dist[u]))
                u = t;
        if (u < 0)
            break;
        done[u] = 1;
        for (int i = n->adj0[u]; i < n->adj0[u + 1]; i++) {
            const gen_road *r = &n->roads[n->adj[i]];
            if (r->kind != GEN_ROAD_INTER)
                continue;
            int v = r->town_a == u ? r->town_b : r->town_a;
            if (dist[u] + r->len < dist[v]) {
                dist[v] = dist[u] + r->len;
                prev[v] = n->adj[i];
            }
        }
    }
    /* Best way onto the target road. */
    int end_town = b->town_a;
    double best = dist[b->town_a] + s1;
    if (b->kind == GEN_ROAD_INTER && dist[b->town_b] + (b->len - s1) < best) {
        end_town = b->town_b;
        best = dist[b->town_b] + (b->len - s1);
    }
    int rc = RS_OK;
    if (!(best < HUGE_VAL)) {
        rc = RS_ENOTFOUND;
        goto done;
    }
    /* Walk back from end_town to the start road, collecting roads. */
    int path[128], np = 0, t = end_town;
    while (prev[t] >= 0 && np < 128) {
        const gen_road *r = &n->roads[prev[t]];
        path[np++] = prev[t];
        t = r->town_a == t ? r->town_b : r->town_a;
    }
    if (np + 2 > maxlegs) {
        rc = RS_EUSAGE;
        goto done;
    }
    int k = 0;
    double s_exit = (t == a->town_a) ? 0 : a->len; /* t: the town where we leave r0 */
    if (s0 != s_exit)
        legs[k++] = (gen_leg){r0, s0, s_exit};
    for (int i = np - 1; i >= 0; i--) {
        const gen_road *r = &n->roads[path[i]];
        int from = t;
        int to = r->town_a == from ? r->town_b : r->town_a;
        legs[k++] = (gen_leg){path[i], r->town_a == from ? 0 : r->len, r->town_a == from ? r->len : 0};
        t = to;
    }
    double s_entry = (t == b->town_a) ? 0 : b->len;
    legs[k++] = (gen_leg){r1, s_entry, s1};
    *nlegs = k;
done:
    free(dist);
    free(prev);
    free(done);
    return rc;
}

/* ------------------------------------------------------------ building */

typedef struct {
    int a, b;
    double len;
} edge;

static int cmp_edge(const void *p, const void *q)
{
    const edge *x = p, *y = q;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    if (x->a != y->a)
        return x->a - y->a;
    return x->b - y->b;
}

static int uf_find(int *uf, int i)
{
    while (uf[i] != i)
        i = uf[i] = uf[uf[i]];
    return i;
}

/* A bent road from town a to town b (5 vertices), or straight when the
 * bent one leaves the county.  0 when neither stays inside. */
static int road_between(const gen_world *w, gen_rng *rng, int a, int b, gen_road *r)
{
    const gen_town *ta = &w->net.towns[a], *tb = &w->net.towns[b];
    double dx = tb->x - ta->x, dy = tb->y - ta->y, len = hypot(dx, dy);
    double nx = -dy / len, ny = dx / len;
    memset(r, 0, sizeof *r);
    r->town_a = a;
    r->town_b = b;
    r->kind = GEN_ROAD_INTER;
    const double off[3] = {gen_rng_range(rng, -0.04, 0.04), gen_rng_range(rng, -0.06, 0.06),
                     gen_rng_range(rng, -0.04, 0.04)};
    for (int attempt = 0; attempt < 2; attempt++) {
        r->nv = 5;
        r->x[0] = ta->x;
        r->y[0] = ta->y;
        for (int i = 1; i <= 3; i++) {
            double t = 0.25 * i, o = attempt == 0 ? off[i - 1] * len : 0;
            r->x[i] = floor(ta->x + t * dx + o * nx + 0.5);
            r->y[i] = floor(ta->y + t * dy + o * ny + 0.5);
        }
        r->x[4] = tb->x;
        r->y[4] = tb->y;
        road_finish(r);
        if (road_inside(&w->county, r))
            return 1;
    }
    return 0;
}

static int net_push_road(gen_world *w, const gen_road *r, int *cap)
{
    gen_net *n = &w->net;
    if (n->nroads == *cap) {
        int nc = *cap ? *cap * 2 : 64;
        gen_road *p = realloc(n->roads, sizeof *p * (size_t)nc);
        if (p == NULL)
            return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
        n->roads = p;
        *cap = nc;
    }
    n->roads[n->nroads++] = *r;
    return RS_OK;
}

static int towns_place(gen_world *w, gen_rng *rng)
{
    gen_net *n = &w->net;
    const gen_county *c = &w->county;
    n->towns = calloc(GEN_NDISTRICTS + NEXTRA_TOWNS, sizeof *n->towns);
    if (n->towns == NULL)
        return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
    for (int k = 0; k < GEN_NDISTRICTS; k++) {
        gen_town *t = &n->towns[n->ntowns++];
        t->x = c->d[k].sx;
        t->y = c->d[k].sy;
        t->capital = 1;
        t->size = gen_rng_range(rng, 1.5, 2.6);
        t->r30 = gen_rng_range(rng, 1700, 2600);
        t->r20 = gen_rng_chance(rng, 0.6) ? gen_rng_range(rng, 450, 750) : 0;
        t->district = k;
    }
    /* Best-candidate sampling: of 40 random spots, the one farthest from
     * every town so far, which fills the gaps between the main towns. */
    for (int guard = 0; n->ntowns < GEN_NDISTRICTS + NEXTRA_TOWNS && guard < 1000; guard++) {
        double bx = 0, by = 0, best = -1;
        int bd = -1;
        for (int k = 0; k < 40; k++) {
            double x = floor(gen_rng_range(rng, c->minx, c->maxx) + 0.5);
            double y = floor(gen_rng_range(rng, c->miny, c->maxy) + 0.5);
            if (!(gen_county_inside(c, x - 2000, y) && gen_county_inside(c, x + 2000, y) &&
                  gen_county_inside(c, x, y - 2000) && gen_county_inside(c, x, y + 2000)))
                continue;
            int d = gen_county_locate(c, x, y);
            if (d < 0)
                continue;
            double dmin = HUGE_VAL;
            for (int i = 0; i < n->ntowns; i++)
                dmin = fmin(dmin, hypot(x - n->towns[i].x, y - n->towns[i].y));
            if (dmin > best) {
                best = dmin;
                bx = x;
                by = y;
                bd = d;
            }
        }
        if (bd < 0 || best < 4000)
            continue;
        gen_town *t = &n->towns[n->ntowns++];
        t->x = bx;
        t->y = by;
        t->size = gen_rng_range(rng, 0.5, 1.2);
        t->r30 = gen_rng_range(rng, 900, 1600);
        t->r20 = gen_rng_chance(rng, 0.35) ? gen_rng_range(rng, 350, 550) : 0;
        t->district = bd;
    }
    return RS_OK;
}

static int roads_inter(gen_world *w, gen_rng *rng, int *cap)
{
    gen_net *n = &w->net;
    int nt = n->ntowns;
    edge *cand = malloc(sizeof *cand * (size_t)(nt * nt));
    int *uf = malloc(sizeof(int) * (size_t)nt);
    char *have = calloc((size_t)(nt * nt), 1);
    int nc = 0, rc = RS_OK;
    if (cand == NULL || uf == NULL || have == NULL) {
        rc = rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < nt; i++)
        for (int j = i + 1; j < nt; j++)
            cand[nc++] = (edge){i, j, hypot(n->towns[i].x - n->towns[j].x, n->towns[i].y - n->towns[j].y)};
    qsort(cand, (size_t)nc, sizeof *cand, cmp_edge);
    for (int i = 0; i < nt; i++)
        uf[i] = i;
    /* Three nearest neighbours of every town. */
    for (int i = 0; i < nt; i++) {
        int taken = 0;
        for (int e = 0; e < nc && taken < 3; e++) {
            if (cand[e].a != i && cand[e].b != i)
                continue;
            taken++;
            if (have[cand[e].a * nt + cand[e].b])
                continue;
            gen_road r;
            if (!road_between(w, rng, cand[e].a, cand[e].b, &r))
                continue;
            have[cand[e].a * nt + cand[e].b] = 1;
            if ((rc = net_push_road(w, &r, cap)) != RS_OK)
                goto done;
            uf[uf_find(uf, cand[e].a)] = uf_find(uf, cand[e].b);
        }
    }
    /* Connect what is still apart with the shortest roads that fit (Kruskal). */
    for (int pass = 0; pass < 2; pass++) {
        for (int e = 0; e < nc; e++) {
            int ra = uf_find(uf, cand[e].a), rb = uf_find(uf, cand[e].b);
            if (ra == rb)
                continue;
            gen_road r;
            if (!road_between(w, rng, cand[e].a, cand[e].b, &r)) {
                if (pass == 0)
                    continue;
                road_finish(&r); /* last resort: keep the straight road */
            }
            if ((rc = net_push_road(w, &r, cap)) != RS_OK)
                goto done;
            uf[ra] = rb;
        }
    }
done:
    free(cand);
    free(uf);
    free(have);
    return rc;
}

static void roads_classify(gen_world *w, gen_rng *rng)
{
    gen_net *n = &w->net;
    int n70 = 0;
    static const int a_numbers[] = {12, 13, 120, 127, 130, 131, 133, 414};
    for (int i = 0; i < n->nroads; i++) {
        gen_road *r = &n->roads[i];
        if (r->len > 17000 && n70 < 6) {
            r->limit = 70;
            r->dual = 1;
            r->trunk = 1;
            r->cls = 3;
            r->number = a_numbers[n70 % 8];
            n70++;
        } else {
            double u = gen_rng_unif(rng);
            r->limit = u < 0.5 ? 60 : u < 0.8 ? 50 : 40;
            r->cls = r->limit == 40 ? 4 : 3;
            r->number = r->cls == 3 ? 1000 + (int)gen_rng_below(rng, 460)
                                    : 1000 + (int)gen_rng_below(rng, 500);
            r->dual = r->limit == 60 && gen_rng_chance(rng, 0.15);
        }
        double f = r->limit == 70 ? 3.0 : r->limit == 60 ? 2.0 : r->limit == 50 ? 1.6 : 1.3;
        r->weight = r->len * f * 0.5 * (n->towns[r->town_a].size + n->towns[r->town_b].size);
    }
}

static int roads_streets(gen_world *w, gen_rng *rng, int *cap)
{
    gen_net *n = &w->net;
    for (int t = 0; t < n->ntowns; t++) {
        const gen_town *tw = &n->towns[t];
        int ns = tw->capital ? 5 + (int)gen_rng_below(rng, 3) : 3 + (int)gen_rng_below(rng, 2);
        double ang0 = gen_rng_range(rng, 0, 2 * GEN_PI);
        for (int k = 0; k < ns; k++) {
            double ang = ang0 + 2 * GEN_PI * k / ns + gen_rng_range(rng, -0.3, 0.3);
            double len = tw->r30 * gen_rng_range(rng, 0.55, 0.95);
            double bend = gen_rng_range(rng, -0.35, 0.35);
            gen_road r;
            memset(&r, 0, sizeof r);
            r.kind = GEN_ROAD_STREET;
            r.town_a = t;
            r.town_b = -1;
            r.nv = 3;
            r.x[0] = tw->x;
            r.y[0] = tw->y;
            r.x[1] = floor(tw->x + 0.5 * len * cos(ang) + 0.5);
            r.y[1] = floor(tw->y + 0.5 * len * sin(ang) + 0.5);
            r.x[2] = floor(r.x[1] + 0.5 * len * cos(ang + bend) + 0.5);
            r.y[2] = floor(r.y[1] + 0.5 * len * sin(ang + bend) + 0.5);
            road_finish(&r);
            if (!road_inside(&w->county, &r))
                continue;
            r.limit = (tw->r20 > 0 && gen_rng_chance(rng, 0.5)) ? 20 : 30;
            r.cls = gen_rng_chance(rng, 0.3) ? 5 : 6;
            r.number = 0;
            r.weight = r.len * tw->size * 1.2;
            int rc = net_push_road(w, &r, cap);
            if (rc)
                return rc;
        }
    }
    return RS_OK;
}

static int net_index(gen_world *w)
{
    gen_net *n = &w->net;
    n->cumw_inter = malloc(sizeof(double) * (size_t)n->nroads);
    n->cumw_street = malloc(sizeof(double) * (size_t)n->nroads);
    n->adj0 = calloc((size_t)n->ntowns + 1, sizeof(int));
    n->adj = malloc(sizeof(int) * (size_t)n->nroads * 2);
    if (!n->cumw_inter || !n->cumw_street || !n->adj0 || !n->adj)
        return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
    double ci = 0, cs = 0;
    for (int i = 0; i < n->nroads; i++) {
        const gen_road *r = &n->roads[i];
        if (r->kind == GEN_ROAD_INTER)
            ci += r->weight;
        else
            cs += r->weight;
        n->cumw_inter[i] = ci;
        n->cumw_street[i] = cs;
        n->adj0[r->town_a + 1]++;
        if (r->town_b >= 0)
            n->adj0[r->town_b + 1]++;
    }
    for (int t = 0; t < n->ntowns; t++)
        n->adj0[t + 1] += n->adj0[t];
    int *fill = calloc((size_t)n->ntowns, sizeof(int));
    if (fill == NULL)
        return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
    for (int i = 0; i < n->nroads; i++) {
        const gen_road *r = &n->roads[i];
        n->adj[n->adj0[r->town_a] + fill[r->town_a]++] = i;
        if (r->town_b >= 0)
            n->adj[n->adj0[r->town_b] + fill[r->town_b]++] = i;
    }
    free(fill);

    size_t cap = 0;
    for (int i = 0; i < n->nroads; i++)
        cap += (size_t)(n->roads[i].len / 100) + 1;
    n->samp = malloc(sizeof *n->samp * cap);
    if (n->samp == NULL)
        return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
    for (int i = 0; i < n->nroads; i++) {
        const gen_road *r = &n->roads[i];
        for (double s = 50; s < r->len && (size_t)n->nsamp < cap; s += 100) {
            double x, y, b;
            gen_road_point(r, s, &x, &y, &b);
            n->samp[n->nsamp++] = (gen_rsample){i, (float)s, gen_county_locate(&w->county, x, y)};
        }
    }
    return RS_OK;
}

int gen_net_build(gen_world *w)
{
    gen_rng rng;
    gen_rng_init(&rng, w->seed, GEN_S_ROADS);
    int cap = 0, rc;
    if ((rc = towns_place(w, &rng)) != RS_OK)
        return rc;
    if ((rc = roads_inter(w, &rng, &cap)) != RS_OK)
        return rc;
    roads_classify(w, &rng);
    if ((rc = roads_streets(w, &rng, &cap)) != RS_OK)
        return rc;
    return net_index(w);
}

void gen_net_free(gen_net *n)
{
    free(n->towns);
    free(n->roads);
    free(n->cumw_inter);
    free(n->cumw_street);
    free(n->samp);
    free(n->adj);
    free(n->adj0);
    memset(n, 0, sizeof *n);
}
