/*
 * fleet.c — the weekend operation plan, the patrol shifts with their TRUCAM
 * sessions, and fleet.csv (the patrol cars' own pings).
 *
 * What: every weekend (Friday 18:00 to Sunday 23:59 local) of the
 * detections period (2019-2020) one district gets the operation, chosen by
 * a seeded draw with weight 1 + 30 * sum(share * trip weight) of the hot
 * spots it holds — so hot-spot districts, and the dominant one most, are
 * favoured.  2-4 of the 12 cars (EX-RP-01 .. EX-RP-12) work two or three of
 * five shift slots.  A shift starts at the district's main town, drives the
 * shortest road route to one of the district's mobile enforcement sites,
 * parks there 25-75 minutes with its TRUCAM (a "session"), usually (75 %)
 * patrols on to a random point of the district's roads, drives to another
 * site, and so on.  Each week also has one or two light weekday
 * patrols (3-5 h, Monday-Thursday daytime, a random district, same
 * pattern).  Cars ping every 30 s while on shift: moving pings carry the
 * road's limit, parked pings speed 0.0 and an empty limit.  Only shifts
 * inside the telematics period (2020) are written to fleet.csv; the 2019
 * shifts exist for the TRUCAM detections.
 *
 * Data structure: gen_plan — weekends, mobile sites grouped by district,
 * sessions sorted by start (binary search for "who was parked where at
 * time t"), and a buffer of the fleet pings, sorted before writing.
 * Workload: ~150 weekends, ~400k pings at any scale (the fleet does not
 * grow with --scale).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "timeutil.h"

#define FLEET_INTERVAL 30

typedef struct gen_fping {
    int64_t t;
    uint32_t seq;
    int16_t veh, s10, hdg, limit; /* limit 0: empty */
    double x, y;
} fping;

typedef struct fleet_state {
    gen_world *w;
    gen_rng *r;
    fping *p;
    size_t n, cap;
    uint32_t seq;
    gen_session *ses;
    int nses, cses;
} fleet_state;

static int push_ping(fleet_state *fs, const fping *p)
{
    if (fs->n == fs->cap) {
        size_t nc = fs->cap ? fs->cap * 2 : 65536;
        fping *np = realloc(fs->p, nc * sizeof *np);
        if (np == NULL)
            return rs_err_set(gen_err(fs->w), RS_ENOMEM, "out of memory for fleet pings");
        fs->p = np;
        fs->cap = nc;
    }
    fs->p[fs->n++] = *p;
    return RS_OK;
}

static int push_session(fleet_state *fs, const gen_session *s)
{
    if (fs->nses == fs->cses) {
        int nc = fs->cses ? fs->cses * 2 : 1024;
        gen_session *np = realloc(fs->ses, (size_t)nc * sizeof *np);
        if (np == NULL)
            return rs_err_set(gen_err(fs->w), RS_ENOMEM, "out of memory for sessions");
        fs->ses = np;
        fs->cses = nc;
    }
    fs->ses[fs->nses++] = *s;
    return RS_OK;
}

/* Mobile enforcement sites: one at each hot spot of the district, then
 * random road points (>= 300 m from a town centre, >= 1.2 km apart). */
static int sites_build(gen_world *w, gen_rng *r)
{
    gen_plan *p = &w->plan;
    const gen_net *n = &w->net;
    int cap = GEN_NDISTRICTS * 10;
    p->msites = calloc((size_t)cap, sizeof *p->msites);
    if (p->msites == NULL)
        return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
    for (int k = 0; k < GEN_NDISTRICTS; k++) {
        p->dsite0[k] = p->nmsites;
        int want = 4;
        for (int h = 0; h < GEN_NHOT; h++) {
            if (w->hot[h].district != k)
                continue;
            gen_site *s = &p->msites[p->nmsites++];
            s->road = w->hot[h].road;
            s->s = fmin(fmax(w->hot[h].s + gen_rng_range(r, -150, 150), 0), n->roads[s->road].len);
            want++;
        }
        for (int tries = 0; tries < 20000 && p->nmsites - p->dsite0[k] < want; tries++) {
            const gen_rsample *sm = &n->samp[gen_rng_below(r, (uint32_t)n->nsamp)];
            if (sm->district != k || gen_road_town_dist(n, sm->road, sm->s) < 300)
                continue;
            double x, y, b;
            gen_road_point(&n->roads[sm->road], sm->s, &x, &y, &b);
            int ok = 1;
            for (int i = p->dsite0[k]; i < p->nmsites && ok; i++)
                ok = hypot(x - p->msites[i].x, y - p->msites[i].y) >= 1200;
            if (!ok)
                continue;
            gen_site *s = &p->msites[p->nmsites++];
            s->road = sm->road;
            s->s = sm->s;
            s->x = x; /* provisional, for the spacing test */
            s->y = y;
        }
        if (p->nmsites == p->dsite0[k]) { /* no road in the district: its main town */
            gen_site *s = &p->msites[p->nmsites++];
            s->road = n->adj[n->adj0[k]];
            s->s = n->roads[s->road].town_a == k ? 0 : n->roads[s->road].len;
        }
    }
    p->dsite0[GEN_NDISTRICTS] = p->nmsites;
    for (int i = 0; i < p->nmsites; i++) {
        gen_site *s = &p->msites[i];
        double b;
        gen_road_point(&n->roads[s->road], s->s, &s->x, &s->y, &b);
        s->x = floor(s->x + 0.5);
        s->y = floor(s->y + 0.5);
        s->type = GEN_DEV_TRUCAM;
        s->limit = gen_road_limit(n, s->road, s->s);
        s->district = gen_county_locate(&w->county, s->x, s->y);
        if (s->district < 0)
            s->district = 0;
        snprintf(s->id, sizeof s->id, "ESX-M%03d", i + 1);
    }
    return RS_OK;
}

/* One shift of one car in one district from t0 to t1. */
static int shift_sim(fleet_state *fs, int veh, int district, int64_t t0, int64_t t1, int wk,
                     int emit, double *park_s, long long *npings)
{
    gen_world *w = fs->w;
    gen_plan *p = &w->plan;
    const gen_net *n = &w->net;
    gen_rng *r = fs->r;
    int town = district; /* towns 0..13 are the district main towns */
    int road = n->adj[n->adj0[town]];
    double s = n->roads[road].town_a == town ? 0 : n->roads[road].len;
    int64_t t = t0;
    int last = -1, hdg = 0, rc;
    int nsite = p->dsite0[district + 1] - p->dsite0[district];
    gen_leg legs[64];
    int patrolled = 1; /* the first leg goes straight to a site */
    while (t < t1) {
        /* Next target: a patrol waypoint somewhere on the district's roads
         * (drive through, no stop), or an enforcement site (park there). */
        int site = -1, road1 = -1;
        double s1 = 0;
        if (!patrolled && gen_rng_chance(r, 0.75)) {
            for (int tries = 0; tries < 5000 && road1 < 0; tries++) {
                const gen_rsample *sm = &n->samp[gen_rng_below(r, (uint32_t)n->nsamp)];
                if (sm->district == district) {
                    road1 = sm->road;
                    s1 = sm->s;
                }
            }
        }
        patrolled = road1 >= 0;
        if (road1 < 0) {
            site = p->dsite0[district] + (int)gen_rng_below(r, (uint32_t)nsite);
            if (site == last && nsite > 1)
                site = p->dsite0[district] + (site - p->dsite0[district] + 1) % nsite;
            road1 = p->msites[site].road;
            s1 = p->msites[site].s;
        }
        int nl = 0;
        if (gen_net_route(n, road, s, road1, s1, legs, 64, &nl) != RS_OK || nl == 0) {
            legs[0] = (gen_leg){road1, s1, s1};
            nl = 1;
        }
        /* Drive. */
        int li = 0;
        double pos = legs[0].s0;
        while (li < nl && t < t1) {
            const gen_road *rd = &n->roads[legs[li].road];
            double x, y, b;
            gen_road_point(rd, pos, &x, &y, &b);
            int lim = gen_road_limit(n, legs[li].road, pos);
            double mph = lim * (0.88 + 0.07 * gen_rng_normal(r));
            if (gen_road_town_dist(n, legs[li].road, pos) < 150)
                mph = fmin(mph, 15);
            mph = fmax(8, fmin(mph, lim * 1.08));
            int dir = legs[li].s1 >= legs[li].s0 ? 1 : -1;
            hdg = (int)lround(dir > 0 ? b : b + 180) % 360;
            if (emit) {
                fping fp = {t, fs->seq++, (int16_t)veh, (int16_t)lround(mph * 10), (int16_t)hdg,
                            (int16_t)lim, x, y};
                if ((rc = push_ping(fs, &fp)) != RS_OK)
                    return rc;
                (*npings)++;
            }
            double dist = mph * 0.44704 * FLEET_INTERVAL;
            while (dist > 0 && li < nl) {
                double remaining = fabs(legs[li].s1 - pos);
                if (dist < remaining) {
                    pos += (legs[li].s1 >= legs[li].s0 ? 1 : -1) * dist;
                    dist = 0;
                } else {
                    dist -= remaining;
                    li++;
                    if (li < nl)
                        pos = legs[li].s0;
                }
            }
            t += FLEET_INTERVAL;
        }
        road = legs[li < nl ? li : nl - 1].road;
        s = li < nl ? pos : legs[nl - 1].s1;
        if (t >= t1)
            break;
        if (site < 0)
            continue;
        const gen_site *st = &p->msites[site];
        /* Park at the site with the TRUCAM. */
        int64_t end = t + 60 * (25 + (int64_t)gen_rng_below(r, 51));
        if (end > t1)
            end = t1;
        if (end - t >= 600) {
            gen_session ses = {t, end, veh, site, wk};
            if ((rc = push_session(fs, &ses)) != RS_OK)
                return rc;
            *park_s += (double)(end - t);
        }
        for (; t < end; t += FLEET_INTERVAL) {
            if (!emit)
                continue;
            fping fp = {t, fs->seq++, (int16_t)veh, 0, (int16_t)hdg, 0,
                        st->x + gen_rng_range(r, -3, 3), st->y + gen_rng_range(r, -3, 3)};
            if ((rc = push_ping(fs, &fp)) != RS_OK)
                return rc;
            (*npings)++;
        }
        road = st->road;
        s = st->s;
        last = site;
    }
    return RS_OK;
}

static int cmp_session(const void *a, const void *b)
{
    const gen_session *p = a, *q = b;
    if (p->t0 != q->t0)
        return p->t0 < q->t0 ? -1 : 1;
    return p->vehicle - q->vehicle;
}

static int cmp_fping(const void *a, const void *b)
{
    const fping *p = a, *q = b;
    if (p->t != q->t)
        return p->t < q->t ? -1 : 1;
    return (p->seq > q->seq) - (p->seq < q->seq);
}

/* Local wall time on day `days` (+ hour may pass 24) as UTC. */
static int64_t local_at(int64_t days, int hour, int minute)
{
    int y, m, d;
    rs_civil_from_days(days + hour / 24, &y, &m, &d);
    return gen_local(y, m, d, hour % 24, minute, 0);
}

int gen_plan_build(gen_world *w)
{
    gen_rng r;
    gen_rng_init(&r, w->seed, GEN_S_FLEET);
    gen_plan *p = &w->plan;
    int rc = sites_build(w, &r);
    if (rc)
        return rc;
    fleet_state fs = {.w = w, .r = &r};

    double dweight[GEN_NDISTRICTS];
    for (int k = 0; k < GEN_NDISTRICTS; k++) {
        dweight[k] = 1;
        for (int h = 0; h < GEN_NHOT; h++)
            if (w->hot[h].district == k)
                dweight[k] += 30 * w->hot[h].share * w->hot[h].weight;
    }

    /* Weekends whose Friday lies in the detections period. */
    int64_t dfirst = (w->det0 + 3600) / GEN_DAY, dlast = (w->det1 + 3600) / GEN_DAY; /* [ ) */
    int cap = (int)((dlast - dfirst) / 7) + 2;
    p->wk = calloc((size_t)cap, sizeof *p->wk);
    if (p->wk == NULL)
        return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
    for (int64_t day = dfirst; day < dlast; day++) {
        if (((day + 3) % 7) != 4) /* 0 = Monday: 4 = Friday */
            continue;
        gen_weekend *wk = &p->wk[p->nwk];
        rs_civil_from_days(day + 1, &wk->y, &wk->m, &wk->d);
        wk->win0 = local_at(day, 18, 0);
        wk->win1 = local_at(day + 2, 23, 59) + 60; /* through Sunday 23:59:59 */
        wk->in_fleet = wk->win0 >= w->per0 && wk->win1 <= w->per1;
        wk->district = gen_rng_pick(&r, dweight, GEN_NDISTRICTS);
        wk->nveh = 2 + (int)gen_rng_below(&r, 3);
        int pool[GEN_NFLEET];
        for (int i = 0; i < GEN_NFLEET; i++)
            pool[i] = i;
        for (int i = 0; i < wk->nveh; i++) {
            int j = i + (int)gen_rng_below(&r, (uint32_t)(GEN_NFLEET - i));
            int tmp = pool[i];
            pool[i] = pool[j];
            pool[j] = tmp;
        }
        /* Sort the crew so the plan reads in call-sign order. */
        for (int i = 0; i < wk->nveh; i++)
            for (int j = i + 1; j < wk->nveh; j++)
                if (pool[j] < pool[i]) {
                    int tmp = pool[i];
                    pool[i] = pool[j];
                    pool[j] = tmp;
                }
        /* Shift slots: Fri 18-24, Sat 09-17, Sat 17-24, Sun 09-17, Sun 17-23:59. */
        static const int slot_day[5] = {0, 1, 1, 2, 2}, slot_h0[5] = {18, 9, 17, 9, 17},
                         slot_h1[5] = {24, 17, 24, 17, 24};
        for (int v = 0; v < wk->nveh; v++) {
            wk->veh[v] = pool[v];
            int use[5], nuse = 0;
            for (int s = 0; s < 5; s++) {
                use[s] = gen_rng_chance(&r, 0.5);
                nuse += use[s];
            }
            while (nuse < 2) {
                int s = (int)gen_rng_below(&r, 5);
                nuse += !use[s];
                use[s] = 1;
            }
            while (nuse > 3) {
                int s = (int)gen_rng_below(&r, 5);
                nuse -= use[s];
                use[s] = 0;
            }
            for (int s = 0; s < 5; s++) {
                if (!use[s])
                    continue;
                int64_t t0 = local_at(day + slot_day[s], slot_h0[s], 0) +
                             FLEET_INTERVAL * (int64_t)gen_rng_below(&r, 80);
                int64_t t1 = local_at(day + slot_day[s], slot_h1[s], 0) -
                             FLEET_INTERVAL * (int64_t)gen_rng_below(&r, 80);
                if (t1 > wk->win1 - FLEET_INTERVAL)
                    t1 = wk->win1 - FLEET_INTERVAL;
                wk->patrol_s += (double)(t1 - t0);
                long long np = 0;
                rc = shift_sim(&fs, pool[v], wk->district, t0, t1, p->nwk, wk->in_fleet,
                               &wk->park_s, &np);
                if (rc)
                    goto fail;
                wk->pings += np;
                w->truth.fleet_weekend_pings += np;
            }
        }
        p->nwk++;
    }

    /* Light weekday patrols: one or two a week, Monday-Thursday daytime. */
    for (int64_t day = dfirst; day < dlast; day++) {
        if (((day + 3) % 7) != 0) /* Mondays */
            continue;
        int k = 1 + (int)gen_rng_below(&r, 2);
        int busy_veh[2];
        int64_t busy0[2], busy1[2];
        int nbusy = 0;
        for (int i = 0; i < k; i++) {
            int64_t d = day + gen_rng_below(&r, 4);
            int hour = 8 + (int)gen_rng_below(&r, 6);
            int64_t t0 = local_at(d, hour, (int)gen_rng_below(&r, 60));
            int64_t t1 = t0 + 60 * (180 + (int64_t)gen_rng_below(&r, 121));
            int veh = (int)gen_rng_below(&r, GEN_NFLEET);
            int district = (int)gen_rng_below(&r, GEN_NDISTRICTS);
            if (d >= dlast)
                continue;
            /* One car is on one patrol at a time: a car already out on the
             * week's other patrol then hands this one to the next car (no
             * draw, so every other patrol stays as it was). */
            for (int tries = 0; tries < GEN_NFLEET; tries++) {
                int clash = 0;
                for (int b = 0; b < nbusy; b++)
                    clash |= busy_veh[b] == veh && t0 < busy1[b] && busy0[b] < t1;
                if (!clash)
                    break;
                veh = (veh + 1) % GEN_NFLEET;
            }
            busy_veh[nbusy] = veh;
            busy0[nbusy] = t0;
            busy1[nbusy] = t1;
            nbusy++;
            int emit = t0 >= w->per0 && t1 <= w->per1;
            double park = 0;
            long long np = 0;
            rc = shift_sim(&fs, veh, district, t0, t1, -1, emit, &park, &np);
            if (rc)
                goto fail;
            p->weekday_patrols++;
            p->weekday_patrols_in_file += emit;
            w->truth.fleet_weekday_pings += np;
        }
    }

    qsort(fs.ses, (size_t)fs.nses, sizeof *fs.ses, cmp_session);
    p->ses = fs.ses;
    p->nses = fs.nses;
    for (int i = 0; i < p->nses; i++)
        if (p->ses[i].t1 - p->ses[i].t0 > p->max_session)
            p->max_session = p->ses[i].t1 - p->ses[i].t0;
    qsort(fs.p, fs.n, sizeof *fs.p, cmp_fping);
    p->fp = fs.p;
    p->nfp = fs.n;
    return RS_OK;
fail:
    free(fs.p);
    free(fs.ses);
    return rc;
}

int gen_plan_sessions_at(const gen_plan *p, int64_t t, int *out, int max)
{
    int lo = 0, hi = p->nses; /* first session with t0 > t */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (p->ses[mid].t0 > t)
            hi = mid;
        else
            lo = mid + 1;
    }
    int k = 0;
    for (int i = lo - 1; i >= 0 && p->ses[i].t0 >= t - p->max_session && k < max; i--)
        if (t < p->ses[i].t1)
            out[k++] = i;
    /* Oldest first, so the answer does not depend on the scan direction. */
    for (int i = 0, j = k - 1; i < j; i++, j--) {
        int tmp = out[i];
        out[i] = out[j];
        out[j] = tmp;
    }
    return k;
}

int gen_fleet_write(gen_world *w)
{
    gen_plan *p = &w->plan;
    const fping *fp = p->fp;
    gen_out o;
    int rc = gen_out_open(w, &o, "fleet.csv",
                          "timestamp,vehicle_id,lat,lon,speed_mph,limit_mph,heading");
    if (rc)
        return rc;
    const size_t batch = 16384;
    double *xs = malloc(batch * sizeof *xs), *ys = malloc(batch * sizeof *ys);
    if (xs == NULL || ys == NULL) {
        rc = rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t off = 0; off < p->nfp; off += batch) {
        size_t k = p->nfp - off < batch ? p->nfp - off : batch;
        for (size_t i = 0; i < k; i++) {
            xs[i] = fp[off + i].x;
            ys[i] = fp[off + i].y;
        }
        if ((rc = gen_to_wgs(w, xs, ys, k)) != RS_OK)
            goto done;
        for (size_t i = 0; i < k; i++) {
            const fping *q = &fp[off + i];
            if ((rc = gen_out_flush_if(w, &o)) != RS_OK)
                goto done;
            char *c = gen_out_ptr(&o);
            c = gen_fmt_utc(c, q->t);
            c = gen_fmt_str(c, ",EX-RP-");
            c = gen_fmt_2d(c, q->veh + 1);
            *c++ = ',';
            c = gen_fmt_deg(c, ys[i]);
            *c++ = ',';
            c = gen_fmt_deg(c, xs[i]);
            *c++ = ',';
            c = gen_fmt_fixed(c, q->s10, 1);
            *c++ = ',';
            if (q->limit > 0)
                c = gen_fmt_int(c, q->limit);
            *c++ = ',';
            c = gen_fmt_int(c, q->hdg);
            *c++ = '\n';
            gen_out_commit(&o, c);
        }
    }
    w->truth.rows_fleet = o.rows;
    rc = gen_out_close(w, &o);
done:
    if (rc)
        gen_out_abort(&o);
    free(xs);
    free(ys);
    return rc;
}

void gen_plan_free(gen_plan *p)
{
    free(p->wk);
    free(p->ses);
    free(p->msites);
    free(p->fp);
    memset(p, 0, sizeof *p);
}
