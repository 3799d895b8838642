/*
 * detections.c — detections.csv: speed detections by enforcement devices,
 * with planted reoffending.
 *
 * What: fixed sites (30 GATSO, 6 HADECS3 on trunk roads, 4 SPECS routes, 5
 * REDSPEED at town centres, 4 VECTOR) and the fleet's TRUCAMs at the mobile
 * sites of fleet.c.  The reoffending cohorts: every vehicle whose first
 * (index) detection is in 2019 (local) belongs to the cohort of its index
 * device.  At scale 1 there are 3200 TRUCAM and 3200 GATSO index vehicles
 * and 300 for each other device (all x sqrt(scale)).  A TRUCAM index
 * detection happens inside a 2019 TRUCAM session; the others at a traffic-
 * weighted hour of a uniform 2019 day.  Each index vehicle then
 *   - reoffends with the planted probability (TRUCAM 0.14, GATSO 0.25,
 *     others 0.20 by default) at index + U[26 h, 365 d - 2 h] — uniform over
 *     (24 h, 365 d] with a 2-hour margin at each end so that no reading of
 *     "day" (UTC or local, DST) moves a vehicle across a boundary — by
 *     whichever device is working then (a TRUCAM if a car is parked at a
 *     site at that moment, with probability 0.6, else a fixed camera);
 *     20 % of reoffenders are caught once more later;
 *   - otherwise, with probability 0.12, is caught only after 365 d + 2 h;
 *   - independently, with probability 0.08, is caught a second time
 *     10 min - 20 h after the index (same episode: not a reoffence).
 * Vehicles first caught in 2020 (4000 x sqrt(scale), 45 % by TRUCAM in a
 * 2020 session) fill the operation weekends.  Every detection is over the
 * enforcement threshold.  The realised counts in truth.json are computed
 * from the rows as written.
 *
 * Plates: unique after normalisation (upper case, no spaces); 93 % current
 * format ("AB12 CDE", area letters E? for a third, age identifier 51-70 /
 * 02-20), 6 % prefix ("P123 ABC"), 1 % suffix ("ABC 123D").  Each row
 * writes its vehicle's plate as is (80 %), lower case (8 %), without the
 * space (8 %) or both (4 %).
 *
 * Data structure: arrays of vehicles and detection events, sorted by
 * (time, sequence) before writing; a hash set of normalised plates.
 * Workload: ~14,000 rows at scale 1, ~140,000 at scale 100.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "timeutil.h"

const char *const gen_dev_names[GEN_NDEV] = {"TRUCAM", "GATSO", "HADECS3", "SPECS", "REDSPEED",
                                             "VECTOR"};

#define YEAR_S (365LL * GEN_DAY)
#define MARGIN 7200LL

typedef struct vehicle {
    char plate[16]; /* canonical: upper case, one space where it belongs */
    int cohort;     /* device type of the 2019 index detection, -1 for later vehicles */
} vehicle;

typedef struct det {
    int64_t t;
    uint32_t seq;
    int vehicle;
    int type;       /* GEN_DEV_* */
    int site;       /* TRUCAM: into plan.msites; others: into fixed sites */
    int fleet_veh;  /* TRUCAM: the car carrying it */
    int session;    /* TRUCAM: into plan.ses, else -1 */
    int s10, limit;
} det;

typedef struct det_ctx {
    gen_world *w;
    gen_rng *r;
    gen_site *fixed;
    int nfixed;
    int f0[GEN_NDEV + 1];   /* fixed sites of type k: [f0[k], f0[k+1]) */
    double *fweight;        /* busy-ness of each fixed site */
    det *d;
    size_t n, cap;
    uint32_t seq;
    vehicle *v;
    int nv, capv;
    char **hset;            /* normalised plates */
    size_t hcap;
} det_ctx;

static const double hour_w[24] = {0.5, 0.35, 0.25, 0.2, 0.3, 0.8, 2.0, 3.8, 4.6, 3.8, 3.6, 3.8,
                                  4.0, 4.0, 4.2, 4.6, 5.2, 5.4, 4.6, 3.4, 2.6, 2.0, 1.4, 0.9};

/* ---------------------------------------------------------------- sites */

static int fixed_sites_build(det_ctx *c)
{
    gen_world *w = c->w;
    const gen_net *n = &w->net;
    gen_rng r;
    gen_rng_init(&r, w->seed, GEN_S_SITES);
    static const int count[GEN_NDEV] = {0, 30, 6, 4, 5, 4};
    static const char prefix[GEN_NDEV] = {'M', 'G', 'H', 'S', 'R', 'V'};
    c->fixed = calloc(64, sizeof *c->fixed);
    c->fweight = calloc(64, sizeof *c->fweight);
    if (c->fixed == NULL || c->fweight == NULL)
        return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
    for (int k = GEN_DEV_GATSO; k < GEN_NDEV; k++) {
        c->f0[k] = c->nfixed;
        int made = 0;
        for (int tries = 0; tries < 400000 && made < count[k]; tries++) {
            int relax = tries > 200000;
            const gen_rsample *sm = &n->samp[gen_rng_below(&r, (uint32_t)n->nsamp)];
            if (sm->district < 0)
                continue;
            int lim = gen_road_limit(n, sm->road, sm->s);
            double td = gen_road_town_dist(n, sm->road, sm->s);
            int ok;
            switch (k) {
            case GEN_DEV_GATSO:
                ok = td >= 100 && (lim <= 40 ? 1 : gen_rng_chance(&r, 0.3));
                break;
            case GEN_DEV_HADECS3:
                ok = lim == 70 || (relax && lim >= 60);
                break;
            case GEN_DEV_SPECS:
                ok = lim >= 50 && lim <= 60;
                break;
            case GEN_DEV_REDSPEED:
                ok = td < 400 && lim <= 30 && td > 60;
                break;
            default:
                ok = lim >= 30 && lim <= 40 && td >= 100;
                break;
            }
            if (!ok)
                continue;
            double x, y, b;
            gen_road_point(&n->roads[sm->road], sm->s, &x, &y, &b);
            x = floor(x + 0.5);
            y = floor(y + 0.5);
            for (int i = 0; i < c->nfixed && ok; i++)
                ok = hypot(x - c->fixed[i].x, y - c->fixed[i].y) >= (relax ? 300 : 800);
            if (!ok)
                continue;
            gen_site *s = &c->fixed[c->nfixed];
            s->type = k;
            s->x = x;
            s->y = y;
            s->road = sm->road;
            s->s = sm->s;
            s->limit = lim;
            s->district = sm->district;
            snprintf(s->id, sizeof s->id, "ESX-%c%03d", prefix[k], made + 1);
            switch (k) {
            case GEN_DEV_GATSO:
                snprintf(s->device, sizeof s->device, "GT%04d", 1000 + 37 * (made + 1));
                break;
            case GEN_DEV_HADECS3:
                snprintf(s->device, sizeof s->device, "HD3-%03d", 100 + made + 1);
                break;
            case GEN_DEV_SPECS:
                snprintf(s->device, sizeof s->device, "SPECS-%02dB", made + 1);
                break;
            case GEN_DEV_REDSPEED:
                snprintf(s->device, sizeof s->device, "RSP%03d", 200 + made + 1);
                break;
            default:
                snprintf(s->device, sizeof s->device, "VEC%03d", 300 + made + 1);
                break;
            }
            c->fweight[c->nfixed] = gen_rng_range(&r, 0.3, 1.7);
            c->nfixed++;
            made++;
        }
    }
    c->f0[GEN_NDEV] = c->nfixed;
    c->f0[GEN_DEV_TRUCAM] = 0;
    w->truth.sites_by_device[GEN_DEV_TRUCAM] = w->plan.nmsites;
    for (int k = GEN_DEV_GATSO; k < GEN_NDEV; k++)
        w->truth.sites_by_device[k] = c->f0[k + 1] - c->f0[k];
    return RS_OK;
}

/* ---------------------------------------------------------------- plates */

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void plate_norm(const char *in, char *out)
{
    for (; *in; in++)
        if (*in != ' ')
            *out++ = (char)toupper((unsigned char)*in);
    *out = '\0';
}

/* 1 when the normalised plate was new (and is now taken). */
static int plate_take(det_ctx *c, const char *plate)
{
    char norm[16];
    plate_norm(plate, norm);
    size_t i = str_hash(norm) & (c->hcap - 1);
    while (c->hset[i]) {
        if (strcmp(c->hset[i], norm) == 0)
            return 0;
        i = (i + 1) & (c->hcap - 1);
    }
    c->hset[i] = malloc(strlen(norm) + 1);
    if (c->hset[i] == NULL)
        return -1;
    strcpy(c->hset[i], norm);
    return 1;
}

static char pick_char(gen_rng *r, const char *set) { return set[gen_rng_below(r, (uint32_t)strlen(set))]; }

static void plate_make(gen_rng *r, char *p, int *old)
{
    static const char rnd[] = "ABCDEFGHJKLMNOPRSTUVWXYZ"; /* no I, Q */
    double u = gen_rng_unif(r);
    *old = 0;
    if (u < 0.06) { /* prefix, 1983-2001: P123 ABC */
        *old = 1;
        unsigned num = (1 + gen_rng_below(r, 999)) % 1000u;
        snprintf(p, 16, "%c%u %c%c%c", pick_char(r, "ABCDEFGHJKLMNPRSTVWXY"), num, pick_char(r, rnd),
                 pick_char(r, rnd), pick_char(r, rnd));
        return;
    }
    if (u < 0.07) { /* suffix, 1963-1983: ABC 123D */
        *old = 1;
        unsigned num = (1 + gen_rng_below(r, 999)) % 1000u;
        snprintf(p, 16, "%c%c%c %u%c", pick_char(r, rnd), pick_char(r, rnd), pick_char(r, rnd), num,
                 pick_char(r, "ABCDEFGHJKLMNPRSTVWXY"));
        return;
    }
    /* Current format: area letters, age identifier, three random letters. */
    char a1 = gen_rng_chance(r, 0.33) ? 'E' : pick_char(r, "ABCDEFGHKLMNOPRSVWXY");
    char a2 = pick_char(r, "ABCDEFGHJKLMNOPRSTUVWXY");
    int year = 2020 - (int)floor(gen_rng_exp(r, 5.5));
    if (year < 2001)
        year = 2001 + (int)gen_rng_below(r, 6);
    int age;
    if (year == 2001)
        age = 51;
    else
        age = gen_rng_chance(r, 0.5) ? year % 100 : year % 100 + 50;
    snprintf(p, 16, "%c%c%02u %c%c%c", a1, a2, (unsigned)age % 100u, pick_char(r, rnd), pick_char(r, rnd),
             pick_char(r, rnd));
}

static int vehicle_new(det_ctx *c, gen_rng *pr, int cohort)
{
    gen_world *w = c->w;
    if (c->nv == c->capv) {
        int nc = c->capv ? c->capv * 2 : 4096;
        vehicle *nv = realloc(c->v, (size_t)nc * sizeof *nv);
        if (nv == NULL)
            return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
        c->v = nv;
        c->capv = nc;
    }
    vehicle *v = &c->v[c->nv];
    int old = 0;
    for (;;) {
        plate_make(pr, v->plate, &old);
        int t = plate_take(c, v->plate);
        if (t < 0)
            return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
        if (t == 1)
            break;
    }
    w->truth.det_old_plates += old;
    v->cohort = cohort;
    return c->nv++;
}

/* ---------------------------------------------------------------- events */

static int det_push(det_ctx *c, const det *d)
{
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16384;
        det *nd = realloc(c->d, nc * sizeof *nd);
        if (nd == NULL)
            return rs_err_set(gen_err(c->w), RS_ENOMEM, "out of memory");
        c->d = nd;
        c->cap = nc;
    }
    c->d[c->n] = *d;
    c->d[c->n].seq = c->seq++;
    c->n++;
    return RS_OK;
}

static int speed_over(gen_rng *r, int limit)
{
    int thr10 = 11 * limit + 20;
    int s10 = thr10 + (int)lround(gen_rng_exp(r, 50));
    if (gen_rng_chance(r, 0.03))
        s10 += 100 + (int)gen_rng_below(r, 200);
    return s10;
}

static void det_fixed(det_ctx *c, int type, det *d)
{
    gen_rng *r = c->r;
    int a = c->f0[type], b = c->f0[type + 1];
    if (b <= a) { /* no site of that type could be placed: a GATSO then */
        a = c->f0[GEN_DEV_GATSO];
        b = c->f0[GEN_DEV_GATSO + 1];
        type = GEN_DEV_GATSO;
    }
    d->type = type;
    d->site = a + gen_rng_pick(r, c->fweight + a, b - a);
    d->limit = c->fixed[d->site].limit;
    d->fleet_veh = -1;
    d->session = -1;
    d->s10 = speed_over(r, d->limit);
}

static void det_session(det_ctx *c, int ses, det *d)
{
    const gen_session *s = &c->w->plan.ses[ses];
    d->type = GEN_DEV_TRUCAM;
    d->site = s->site;
    d->fleet_veh = s->vehicle;
    d->session = ses;
    d->limit = c->w->plan.msites[s->site].limit;
    d->s10 = speed_over(c->r, d->limit);
}

static int pick_fixed_type(gen_rng *r)
{
    static const double wt[GEN_NDEV] = {0, 0.62, 0.12, 0.10, 0.08, 0.08};
    return gen_rng_pick(r, wt, GEN_NDEV);
}

/* A detection of vehicle v at time t by whatever device works then. */
static int det_at(det_ctx *c, int v, int64_t t)
{
    det d = {.t = t, .vehicle = v};
    int ids[8];
    int k = gen_plan_sessions_at(&c->w->plan, t, ids, 8);
    if (k > 0 && gen_rng_chance(c->r, 0.6))
        det_session(c, ids[gen_rng_below(c->r, (uint32_t)k)], &d);
    else
        det_fixed(c, pick_fixed_type(c->r), &d);
    return det_push(c, &d);
}

/* A random time in the local days [d0, d1) with the traffic hour profile. */
static int64_t time_in_days(gen_rng *r, int64_t d0, int64_t d1)
{
    int y, m, d;
    rs_civil_from_days(d0 + (int64_t)gen_rng_below(r, (uint32_t)(d1 - d0)), &y, &m, &d);
    return gen_local(y, m, d, gen_rng_pick(r, hour_w, 24), (int)gen_rng_below(r, 60),
                     (int)gen_rng_below(r, 60));
}

/* Sessions starting in [t0, t1): cumulative durations for a weighted pick. */
typedef struct ses_pick {
    int *idx;
    double *cum;
    int n;
} ses_pick;

static int ses_pick_build(gen_world *w, ses_pick *sp, int64_t t0, int64_t t1)
{
    const gen_plan *p = &w->plan;
    sp->idx = malloc(sizeof(int) * (size_t)(p->nses + 1));
    sp->cum = malloc(sizeof(double) * (size_t)(p->nses + 1));
    sp->n = 0;
    if (sp->idx == NULL || sp->cum == NULL)
        return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
    double cum = 0;
    for (int i = 0; i < p->nses; i++) {
        if (p->ses[i].t0 < t0 || p->ses[i].t1 > t1)
            continue;
        cum += (double)(p->ses[i].t1 - p->ses[i].t0);
        sp->idx[sp->n] = i;
        sp->cum[sp->n] = cum;
        sp->n++;
    }
    if (sp->n == 0)
        return rs_err_set(gen_err(w), RS_ERR, "no TRUCAM sessions to draw detections from");
    return RS_OK;
}

static int64_t ses_pick_time(gen_world *w, gen_rng *r, const ses_pick *sp, int *ses)
{
    double u = gen_rng_unif(r) * sp->cum[sp->n - 1];
    int lo = 0, hi = sp->n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (sp->cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    const gen_session *s = &w->plan.ses[sp->idx[lo]];
    *ses = sp->idx[lo];
    return s->t0 + (int64_t)gen_rng_below(r, (uint32_t)(s->t1 - s->t0));
}

static int64_t uniform_between(gen_rng *r, int64_t a, int64_t b) /* [a, b) */
{
    return a + (int64_t)(gen_rng_unif(r) * (double)(b - a));
}

static int cmp_det(const void *a, const void *b)
{
    const det *p = a, *q = b;
    if (p->t != q->t)
        return p->t < q->t ? -1 : 1;
    return (p->seq > q->seq) - (p->seq < q->seq);
}

/* The index vehicles of one cohort and all their later detections. */
static int cohort_make(det_ctx *c, gen_rng *pr, int type, long long count, double p_re,
                       const ses_pick *sp2019)
{
    gen_world *w = c->w;
    gen_rng *r = c->r;
    int64_t d0 = (w->idx0 + 3600) / GEN_DAY, d1 = (w->idx1 + 3600) / GEN_DAY;
    int rc;
    for (long long i = 0; i < count; i++) {
        int v = vehicle_new(c, pr, type);
        if (v < 0)
            return v;
        det d = {.vehicle = v};
        if (type == GEN_DEV_TRUCAM) {
            int ses;
            d.t = ses_pick_time(w, r, sp2019, &ses);
            det_session(c, ses, &d);
        } else {
            d.t = time_in_days(r, d0, d1);
            det_fixed(c, type, &d);
        }
        if ((rc = det_push(c, &d)) != RS_OK)
            return rc;
        int64_t t0 = d.t;
        if (gen_rng_chance(r, 0.08) &&
            (rc = det_at(c, v, t0 + uniform_between(r, 600, 20 * 3600))) != RS_OK)
            return rc;
        if (gen_rng_chance(r, p_re)) {
            int64_t t1 = t0 + uniform_between(r, GEN_DAY + MARGIN, YEAR_S - MARGIN + 1);
            if ((rc = det_at(c, v, t1)) != RS_OK)
                return rc;
            if (gen_rng_chance(r, 0.2)) {
                int64_t t2 = t1 + uniform_between(r, GEN_DAY, 200 * GEN_DAY);
                if (t2 < w->det1 && (rc = det_at(c, v, t2)) != RS_OK)
                    return rc;
            }
        } else if (gen_rng_chance(r, 0.12)) {
            int64_t a = t0 + YEAR_S + MARGIN, b = w->det1 - 1;
            if (b > a && (rc = det_at(c, v, uniform_between(r, a, b))) != RS_OK)
                return rc;
        }
    }
    return RS_OK;
}

/* Vehicles first caught in 2020. */
static int later_make(det_ctx *c, gen_rng *pr, long long count, const ses_pick *sp2020)
{
    gen_world *w = c->w;
    gen_rng *r = c->r;
    int64_t d0 = (w->idx1 + 3600) / GEN_DAY, d1 = (w->det1 + 3600) / GEN_DAY;
    int rc;
    for (long long i = 0; i < count; i++) {
        int v = vehicle_new(c, pr, -1);
        if (v < 0)
            return v;
        det d = {.vehicle = v};
        if (gen_rng_chance(r, 0.45)) {
            int ses;
            d.t = ses_pick_time(w, r, sp2020, &ses);
            det_session(c, ses, &d);
        } else {
            d.t = time_in_days(r, d0, d1);
            det_fixed(c, pick_fixed_type(r), &d);
        }
        if ((rc = det_push(c, &d)) != RS_OK)
            return rc;
        if (gen_rng_chance(r, 0.06) && d.t + 20 * 3600 < w->det1 &&
            (rc = det_at(c, v, d.t + uniform_between(r, 600, 20 * 3600))) != RS_OK)
            return rc;
        if (gen_rng_chance(r, 0.15)) {
            int64_t t1 = d.t + uniform_between(r, GEN_DAY + MARGIN, 200 * GEN_DAY);
            if (t1 < w->det1 && (rc = det_at(c, v, t1)) != RS_OK)
                return rc;
        }
    }
    return RS_OK;
}

/* Realised reoffending, from the detections in time order. */
static int realise(det_ctx *c)
{
    gen_world *w = c->w;
    int64_t *first = malloc(sizeof(int64_t) * (size_t)c->nv);
    unsigned char *flags = calloc((size_t)c->nv, 1); /* 1 seen, 2 reoffended, 4 same, 8 late */
    if (first == NULL || flags == NULL) {
        free(first);
        free(flags);
        return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < c->n; i++) {
        const det *d = &c->d[i];
        int v = d->vehicle;
        if (!(flags[v] & 1)) {
            flags[v] |= 1;
            first[v] = d->t;
            continue;
        }
        int64_t dt = d->t - first[v];
        if (dt <= GEN_DAY)
            flags[v] |= 4;
        else if (dt <= YEAR_S)
            flags[v] |= 2;
        else
            flags[v] |= 8;
    }
    int rc = RS_OK;
    for (int v = 0; v < c->nv; v++) {
        int k = c->v[v].cohort;
        int in_window = first[v] >= w->idx0 && first[v] < w->idx1;
        if ((k >= 0) != in_window) {
            rc = rs_err_set(gen_err(w), RS_ERR, "vehicle %d: index detection outside its window", v);
            break;
        }
        if (k < 0)
            continue;
        gen_cohort_truth *ct = &w->truth.cohort[k];
        ct->index_vehicles++;
        ct->reoffended += (flags[v] & 2) != 0;
        ct->same_episode += (flags[v] & 4) != 0;
        ct->late_only += (flags[v] & 8) && !(flags[v] & 2);
    }
    free(first);
    free(flags);
    return rc;
}

static int weekend_of(const gen_plan *p, int64_t t)
{
    int lo = 0, hi = p->nwk; /* last weekend with win0 <= t */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (p->wk[mid].win0 > t)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo == 0 || t >= p->wk[lo - 1].win1)
        return -1;
    return lo - 1;
}

static int write_rows(det_ctx *c)
{
    gen_world *w = c->w;
    gen_plan *p = &w->plan;
    gen_rng vr;
    gen_rng_init(&vr, w->seed, GEN_S_VEHICLES);
    int nm = p->nmsites, nf = c->nfixed, rc;
    double *lon = malloc(sizeof(double) * (size_t)(nm + nf));
    double *lat = malloc(sizeof(double) * (size_t)(nm + nf));
    long long *ctr = calloc((size_t)(GEN_NFLEET + nf), sizeof(long long));
    gen_out o;
    if (lon == NULL || lat == NULL || ctr == NULL) {
        free(lon);
        free(lat);
        free(ctr);
        return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
    }
    for (int i = 0; i < nm; i++) {
        lon[i] = p->msites[i].x;
        lat[i] = p->msites[i].y;
    }
    for (int i = 0; i < nf; i++) {
        lon[nm + i] = c->fixed[i].x;
        lat[nm + i] = c->fixed[i].y;
    }
    if ((rc = gen_to_wgs(w, lon, lat, (size_t)(nm + nf))) != RS_OK)
        goto done;
    rc = gen_out_open(w, &o, "detections.csv",
                      "detection_id,timestamp,device_type,device_id,site_id,lat,lon,speed_mph,"
                      "limit_mph,vrm");
    if (rc)
        goto done;
    for (size_t i = 0; i < c->n; i++) {
        const det *d = &c->d[i];
        char dev[24];
        const gen_site *site;
        int li, ci;
        if (d->type == GEN_DEV_TRUCAM) {
            snprintf(dev, sizeof dev, "TC-%02u", (unsigned)(d->fleet_veh + 1) % 100u);
            site = &p->msites[d->site];
            li = d->site;
            ci = d->fleet_veh;
        } else {
            site = &c->fixed[d->site];
            snprintf(dev, sizeof dev, "%s", site->device);
            li = nm + d->site;
            ci = GEN_NFLEET + d->site;
        }
        /* Truth: TRUCAM detections of each operation weekend, and all
         * detections in the operation district during its window. */
        if (d->type == GEN_DEV_TRUCAM && d->session >= 0 && p->ses[d->session].weekend >= 0)
            p->wk[p->ses[d->session].weekend].trucam_det++;
        int wk = weekend_of(p, d->t);
        if (wk >= 0 && site->district == p->wk[wk].district)
            p->wk[wk].all_det_in_district++;
        w->truth.det_by_device[d->type]++;

        /* The plate as this row writes it. */
        char vrm[16];
        const char *pl = c->v[d->vehicle].plate;
        double u = gen_rng_unif(&vr);
        int variant = u < 0.80 ? 0 : u < 0.88 ? 1 : u < 0.96 ? 2 : 3;
        size_t k = 0;
        for (const char *q = pl; *q; q++) {
            if (*q == ' ' && (variant & 2))
                continue;
            vrm[k++] = (variant & 1) ? (char)tolower((unsigned char)*q) : *q;
        }
        vrm[k] = '\0';
        w->truth.det_plate_variants[variant]++;

        if ((rc = gen_out_flush_if(w, &o)) != RS_OK)
            break;
        char *b = gen_out_ptr(&o);
        b = gen_fmt_str(b, dev);
        *b++ = '-';
        long long seqno = ++ctr[ci];
        char num[8];
        num[6] = '\0';
        for (int j = 5; j >= 0; j--, seqno /= 10)
            num[j] = (char)('0' + seqno % 10);
        b = gen_fmt_str(b, num);
        *b++ = ',';
        b = gen_fmt_utc(b, d->t);
        *b++ = ',';
        b = gen_fmt_str(b, gen_dev_names[d->type]);
        *b++ = ',';
        b = gen_fmt_str(b, dev);
        *b++ = ',';
        b = gen_fmt_str(b, site->id);
        *b++ = ',';
        b = gen_fmt_deg(b, lat[li]);
        *b++ = ',';
        b = gen_fmt_deg(b, lon[li]);
        *b++ = ',';
        b = gen_fmt_fixed(b, d->s10, 1);
        *b++ = ',';
        b = gen_fmt_int(b, d->limit);
        *b++ = ',';
        b = gen_fmt_str(b, vrm);
        *b++ = '\n';
        gen_out_commit(&o, b);
    }
    w->truth.rows_detections = o.rows;
    if (rc == RS_OK)
        rc = gen_out_close(w, &o);
    else
        gen_out_abort(&o);
done:
    free(lon);
    free(lat);
    free(ctr);
    return rc;
}

int gen_detections_write(gen_world *w)
{
    gen_rng r, pr;
    gen_rng_init(&r, w->seed, GEN_S_DETECT);
    gen_rng_init(&pr, w->seed, GEN_S_PLATES);
    det_ctx c;
    memset(&c, 0, sizeof c);
    c.w = w;
    c.r = &r;
    ses_pick s19 = {0}, s20 = {0};
    int rc = fixed_sites_build(&c);
    if (rc)
        goto done;
    long long n_main = llround(3200 * w->gentle), n_other = llround(300 * w->gentle),
              n_later = llround(4000 * w->gentle);
    c.hcap = 1;
    while (c.hcap < (size_t)(2 * (2 * n_main + 4 * n_other + n_later) + 16))
        c.hcap <<= 1;
    c.hset = calloc(c.hcap, sizeof *c.hset);
    if (c.hset == NULL) {
        rc = rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = ses_pick_build(w, &s19, w->idx0, w->idx1)) != RS_OK ||
        (rc = ses_pick_build(w, &s20, w->idx1, w->det1)) != RS_OK)
        goto done;
    w->truth.cohort[GEN_DEV_TRUCAM].planted = w->p_trucam;
    w->truth.cohort[GEN_DEV_GATSO].planted = w->p_gatso;
    if ((rc = cohort_make(&c, &pr, GEN_DEV_TRUCAM, n_main, w->p_trucam, &s19)) != RS_OK ||
        (rc = cohort_make(&c, &pr, GEN_DEV_GATSO, n_main, w->p_gatso, &s19)) != RS_OK)
        goto done;
    for (int k = GEN_DEV_HADECS3; k < GEN_NDEV; k++) {
        w->truth.cohort[k].planted = w->p_other;
        if ((rc = cohort_make(&c, &pr, k, n_other, w->p_other, &s19)) != RS_OK)
            goto done;
    }
    if ((rc = later_make(&c, &pr, n_later, &s20)) != RS_OK)
        goto done;
    qsort(c.d, c.n, sizeof *c.d, cmp_det);
    w->truth.det_vehicles = c.nv;
    w->truth.det_bg_vehicles = n_later;
    if ((rc = realise(&c)) != RS_OK)
        goto done;
    rc = write_rows(&c);
done:
    free(s19.idx);
    free(s19.cum);
    free(s20.idx);
    free(s20.cum);
    for (size_t i = 0; c.hset && i < c.hcap; i++)
        free(c.hset[i]);
    free(c.hset);
    free(c.fixed);
    free(c.fweight);
    free(c.d);
    free(c.v);
    return rc;
}
