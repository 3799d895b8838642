/*
 * telematics.c — telematics.csv: connected-vehicle GPS pings along the
 * synthetic road network over the period (default 2020 local).
 *
 * What: exactly round(100000 * scale) pings, shared among the days of the
 * period by day-of-week and season weights.  Each day is a set of trips:
 * 65 % along inter-town roads (continuing onto another road at a town),
 * 25 % on town streets, 10 % dedicated passes through a hot spot.  A trip
 * starts at an hour drawn from a weekday or weekend profile and pings
 * every 10 s.  Speed = limit at the position x (driver factor + noise):
 * 18 % of the vehicle pool are "fast" drivers (factor ~N(1.06, 0.06)), the
 * rest ~N(0.94, 0.05), a little faster at night, slower in peak-hour town
 * traffic and at town centres.  Inside a hot spot a ping is over the
 * enforcement threshold with the planted probability and below it
 * otherwise, so the planted share is the expected share written.
 *
 * Data structure: a day buffer of fixed-size ping records, sorted by
 * (time, sequence) once the day's trips are generated; pings that spill
 * past midnight are carried to the next day, so the file is in time order
 * and memory is one day of pings.  Coordinates are projected to WGS84 in
 * batches and every field is formatted by hand.
 * Workload: 10 million rows (about 640 MB) at scale 100.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "timeutil.h"

typedef struct ping {
    int64_t t;
    uint32_t seq, veh;
    double x, y;
    int16_t s10, hdg;
    int16_t limit;
} ping;

typedef struct pbuf {
    ping *p;
    size_t n, cap;
} pbuf;

static const double wk_hour[24] = {0.4, 0.25, 0.2, 0.2, 0.3, 0.8, 2.2, 4.5, 6.0, 4.5, 3.8, 3.9,
                                   4.2, 4.2, 4.4, 5.0, 6.2, 6.6, 5.2, 3.6, 2.6, 2.0, 1.5, 0.9};
static const double we_hour[24] = {0.8, 0.6, 0.4, 0.3, 0.3, 0.5, 0.9, 1.6, 2.6, 3.8, 4.6, 5.0,
                                   5.2, 5.1, 4.9, 4.6, 4.4, 4.2, 3.6, 2.8, 2.2, 1.8, 1.4, 1.0};

#define TRIP_INTERVAL 10
#define FAST_SHARE 25 /* percent of the vehicle pool */

static int cmp_ping(const void *a, const void *b)
{
    const ping *p = a, *q = b;
    if (p->t != q->t)
        return p->t < q->t ? -1 : 1;
    return (p->seq > q->seq) - (p->seq < q->seq);
}

static int limit_index(int limit) { return limit / 10 - 2; } /* 20 -> 0 .. 70 -> 5 */

/* "TV" + 8 hex digits: a bijection of the pool index, so ids are unique. */
static char *fmt_vehicle(char *p, uint32_t veh, uint32_t key)
{
    static const char hex[] = "0123456789abcdef";
    uint32_t v = (veh * 0x9e3779b1u) ^ key;
    *p++ = 'T';
    *p++ = 'V';
    for (int i = 7; i >= 0; i--)
        p[7 - i] = hex[(v >> (4 * i)) & 15];
    return p + 8;
}

static int is_fast(uint32_t veh, uint64_t seed)
{
    return gen_mix64(seed * 31 + veh + 0x7f4a7c15ULL) % 100 < FAST_SHARE;
}

static int pbuf_push(gen_world *w, pbuf *b, const ping *p)
{
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 65536;
        ping *np = realloc(b->p, nc * sizeof *np);
        if (np == NULL)
            return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory for telematics pings");
        b->p = np;
        b->cap = nc;
    }
    b->p[b->n++] = *p;
    return RS_OK;
}

/* Projects and writes p[0..n). */
static int emit(gen_world *w, gen_out *o, const ping *p, size_t n, double *xs, double *ys,
                uint32_t key)
{
    const size_t batch = 16384;
    for (size_t off = 0; off < n; off += batch) {
        size_t k = n - off < batch ? n - off : batch;
        for (size_t i = 0; i < k; i++) {
            xs[i] = p[off + i].x;
            ys[i] = p[off + i].y;
        }
        int rc = gen_to_wgs(w, xs, ys, k);
        if (rc)
            return rc;
        for (size_t i = 0; i < k; i++) {
            const ping *q = &p[off + i];
            if ((rc = gen_out_flush_if(w, o)) != RS_OK)
                return rc;
            char *c = gen_out_ptr(o);
            c = gen_fmt_utc(c, q->t);
            *c++ = ',';
            c = fmt_vehicle(c, q->veh, key);
            *c++ = ',';
            c = gen_fmt_deg(c, ys[i]);
            *c++ = ',';
            c = gen_fmt_deg(c, xs[i]);
            *c++ = ',';
            c = gen_fmt_fixed(c, q->s10, 1);
            *c++ = ',';
            c = gen_fmt_int(c, q->limit);
            *c++ = ',';
            c = gen_fmt_int(c, q->hdg);
            *c++ = '\n';
            gen_out_commit(o, c);
        }
    }
    return RS_OK;
}

typedef struct trip_ctx {
    gen_world *w;
    gen_rng *r;
    pbuf *buf;
    uint32_t *seq;
    long long *left;  /* pings still to generate today */
} trip_ctx;

/* One trip from (road, s, dir) starting at t0; stops after npings pings,
 * at the period end, or when today's quota is used up. */
static int trip_run(trip_ctx *tc, int road, double s, int dir, int64_t t0, int npings,
                    double f_trip, int street_trip, int peak, uint32_t veh)
{
    gen_world *w = tc->w;
    const gen_net *n = &w->net;
    gen_truth *tr = &w->truth;
    gen_rng *r = tc->r;
    for (int k = 0; k < npings && *tc->left > 0; k++) {
        int64_t t = t0 + (int64_t)k * TRIP_INTERVAL;
        if (t >= w->per1)
            break;
        const gen_road *rd = &n->roads[road];
        double x, y, bearing;
        gen_road_point(rd, s, &x, &y, &bearing);
        int limit = gen_road_limit(n, road, s);
        double f = f_trip + 0.035 * gen_rng_normal(r);
        if (limit <= 30 && peak && gen_rng_chance(r, 0.3))
            f *= gen_rng_range(r, 0.45, 0.9);
        double mph = limit * f;
        if (gen_road_town_dist(n, road, s) < 150)
            mph = fmin(mph, 12 + 12 * gen_rng_unif(r));
        if (mph < 2)
            mph = 2 + gen_rng_unif(r);
        if (mph > limit * 1.7)
            mph = limit * 1.7;
        int s10 = (int)lround(mph * 10);
        int h = gen_hotspot_at(w, x, y);
        int thr10 = 11 * limit + 20;
        if (h >= 0) {
            if (gen_rng_chance(r, w->hot[h].share)) {
                s10 = thr10 + (int)lround(gen_rng_exp(r, 45));
                if (s10 > thr10 + 300)
                    s10 = thr10 + 300 - (int)gen_rng_below(r, 100);
            } else if (gen_over_threshold(s10, limit)) {
                s10 = thr10 - 1 - (int)gen_rng_below(r, 60);
            }
            w->hot[h].pings++;
            w->hot[h].over += gen_over_threshold(s10, limit);
        } else {
            tr->bg_pings++;
            tr->bg_over += gen_over_threshold(s10, limit);
        }
        tr->pings_by_limit[limit_index(limit)]++;
        tr->over_by_limit[limit_index(limit)] += gen_over_threshold(s10, limit);
        double hdg = dir > 0 ? bearing : bearing + 180;
        int ih = (int)lround(hdg) % 360;
        ping p = {t, (*tc->seq)++, veh, x, y, (int16_t)s10, (int16_t)ih, (int16_t)limit};
        int rc = pbuf_push(w, tc->buf, &p);
        if (rc)
            return rc;
        (*tc->left)--;

        /* Move on; at a road end turn into another road (or round at a dead end). */
        s += dir * (s10 / 10.0) * 0.44704 * TRIP_INTERVAL;
        if (s < 0 || s > rd->len) {
            double over = s < 0 ? -s : s - rd->len;
            if (rd->kind == GEN_ROAD_STREET && s > rd->len) {
                s = rd->len - fmin(over, rd->len);
                dir = -1;
                continue;
            }
            int town = s < 0 ? rd->town_a : rd->town_b;
            int nr = street_trip ? -1 : gen_net_road_from_town(n, r, town, road);
            if (nr < 0) {
                if (street_trip && s < 0) { /* back at the centre: out along another street */
                    nr = gen_net_road_from_town(n, r, town, road);
                    if (nr < 0 || n->roads[nr].kind != GEN_ROAD_STREET)
                        break;
                } else {
                    break;
                }
            }
            const gen_road *nd = &n->roads[nr];
            road = nr;
            if (nd->town_a == town) {
                s = fmin(over, nd->len);
                dir = 1;
            } else {
                s = nd->len - fmin(over, nd->len);
                dir = -1;
            }
        }
    }
    return RS_OK;
}

int gen_telematics_write(gen_world *w)
{
    gen_rng r;
    gen_rng_init(&r, w->seed, GEN_S_TRAFFIC);
    const gen_net *n = &w->net;
    gen_truth *tr = &w->truth;
    gen_out o;
    pbuf buf = {0};
    double *xs = NULL, *ys = NULL, *dw = NULL;
    int rc = gen_out_open(w, &o, "telematics.csv",
                          "timestamp,vehicle_id,lat,lon,speed_mph,limit_mph,heading");
    if (rc)
        return rc;
    int64_t day0 = (w->per0 + 3600) / GEN_DAY, nday = (w->per1 + 3600) / GEN_DAY - day0;
    xs = malloc(16384 * sizeof *xs);
    ys = malloc(16384 * sizeof *ys);
    dw = malloc((size_t)nday * sizeof *dw);
    if (xs == NULL || ys == NULL || dw == NULL) {
        rc = rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
        goto done;
    }
    /* Day weights: day of week and a mild summer peak. */
    double wsum = 0;
    for (int64_t d = 0; d < nday; d++) {
        int wd = (int)(((day0 + d) % 7 + 10) % 7); /* 1970-01-01 was a Thursday: 0 = Monday */
        static const double dowf[7] = {1.0, 1.0, 1.0, 1.0, 1.08, 0.88, 0.78};
        dw[d] = dowf[wd] * (1 + 0.06 * sin(2 * GEN_PI * ((double)d - 100) / 366.0));
        wsum += dw[d];
    }
    const long long total = llround(100000.0 * w->scale);
    const uint32_t npool = (uint32_t)llround(4000 * w->gentle);
    const uint32_t key = (uint32_t)gen_mix64(w->seed ^ 0x7e1e);
    uint32_t seq = 0;
    double hotw[GEN_NHOT];
    for (int i = 0; i < GEN_NHOT; i++)
        hotw[i] = w->hot[i].weight;
    double cum = 0;
    long long given = 0;
    for (int64_t d = 0; d < nday; d++) {
        cum += dw[d];
        long long upto = d == nday - 1 ? total : (long long)floor(total * cum / wsum);
        long long left = upto - given;
        given = upto;
        int y, m, dd, ny, nm, nd;
        rs_civil_from_days(day0 + d, &y, &m, &dd);
        rs_civil_from_days(day0 + d + 1, &ny, &nm, &nd);
        int64_t next_start = gen_local(ny, nm, nd, 0, 0, 0);
        int wd = (int)(((day0 + d) % 7 + 10) % 7);
        const double *prof = wd >= 5 ? we_hour : wk_hour;
        trip_ctx tc = {w, &r, &buf, &seq, &left};
        while (left > 0) {
            int hour = gen_rng_pick(&r, prof, 24);
            int64_t t0 = gen_local(y, m, dd, hour, (int)gen_rng_below(&r, 60),
                                   (int)gen_rng_below(&r, 60));
            if (t0 >= w->per1)
                continue;
            uint32_t veh = gen_rng_below(&r, npool);
            double f = is_fast(veh, w->seed) ? 1.09 + 0.06 * gen_rng_normal(&r)
                                             : 0.95 + 0.05 * gen_rng_normal(&r);
            if (hour < 5 || hour >= 22)
                f += 0.03;
            int peak = wd < 5 && ((hour >= 7 && hour <= 9) || (hour >= 16 && hour <= 18));
            double u = gen_rng_unif(&r);
            int dir = gen_rng_chance(&r, 0.5) ? 1 : -1;
            tr->traffic_trips++;
            if (u < 0.15) {
                const gen_hotspot *h = &w->hot[gen_rng_pick(&r, hotw, GEN_NHOT)];
                double s = h->s - dir * gen_rng_range(&r, 800, 2500);
                double len = n->roads[h->road].len;
                s = s < 0 ? 0 : s > len ? len : s;
                tr->hot_trips++;
                rc = trip_run(&tc, h->road, s, dir, t0, 20 + (int)gen_rng_below(&r, 21), f, 0,
                              peak, veh);
            } else if (u < 0.38) {
                int road = gen_net_pick_road(n, &r, GEN_ROAD_STREET);
                double s = gen_rng_unif(&r) * n->roads[road].len;
                rc = trip_run(&tc, road, s, dir, t0, 6 + (int)gen_rng_below(&r, 20), f, 1, peak,
                              veh);
            } else {
                int road = gen_net_pick_road(n, &r, GEN_ROAD_INTER);
                double s = gen_rng_unif(&r) * n->roads[road].len;
                rc = trip_run(&tc, road, s, dir, t0, 15 + (int)gen_rng_below(&r, 46), f, 0, peak,
                              veh);
            }
            if (rc)
                goto done;
        }
        /* Write what is before tomorrow; keep the spill-over. */
        qsort(buf.p, buf.n, sizeof *buf.p, cmp_ping);
        size_t k = 0;
        while (k < buf.n && (d == nday - 1 || buf.p[k].t < next_start))
            k++;
        if ((rc = emit(w, &o, buf.p, k, xs, ys, key)) != RS_OK)
            goto done;
        memmove(buf.p, buf.p + k, (buf.n - k) * sizeof *buf.p);
        buf.n -= k;
    }
    tr->rows_telematics = o.rows;
    rc = gen_out_close(w, &o);
    if (rc == RS_OK && tr->rows_telematics != total)
        rc = rs_err_set(gen_err(w), RS_ERR, "telematics: wrote %lld pings, planned %lld",
                        tr->rows_telematics, total);
done:
    if (rc)
        gen_out_abort(&o);
    free(buf.p);
    free(xs);
    free(ys);
    free(dw);
    return rc;
}
