/*
 * concerns.c — concerns.csv: speeding concerns reported by Community Speed
 * Watch, the public, councils and others over the period (2020 local).
 *
 * What: 700 x sqrt(scale) reports.  45 % cluster around the hot spots
 * (Gaussian, sigma = 0.8 r + 250 m, the dominant hot spot most often),
 * 35 % around towns (sigma = half the 30 zone), 20 % near any road.  Each
 * is reported between 07:00 and 21:59 local on a uniform day.  Near a hot
 * spot the source is CSW 45 %, public 35 %, council 12 %, other 8 %;
 * elsewhere public 45 %, CSW 25 %, council 18 %, other 12 %.
 *
 * Data structure: an array of reports sorted by time, projected in one batch.
 * Workload: hundreds to a few thousand rows.
 */
#include <math.h>
#include <stdlib.h>

#include "gen.h"
#include "timeutil.h"

typedef struct concern {
    int64_t t;
    uint32_t seq;
    double x, y;
    int source;
} concern;

static const char *const source_names[4] = {"CSW", "public", "council", "other"};

static int cmp_concern(const void *a, const void *b)
{
    const concern *p = a, *q = b;
    if (p->t != q->t)
        return p->t < q->t ? -1 : 1;
    return (p->seq > q->seq) - (p->seq < q->seq);
}

int gen_concerns_write(gen_world *w)
{
    gen_rng r;
    gen_rng_init(&r, w->seed, GEN_S_CONCERNS);
    const gen_net *n = &w->net;
    long long count = llround(700 * w->gentle);
    concern *cs = malloc(sizeof *cs * (size_t)count);
    double *lon = malloc(sizeof(double) * (size_t)count), *lat = malloc(sizeof(double) * (size_t)count);
    double *tw = malloc(sizeof(double) * (size_t)n->ntowns);
    gen_out o;
    int rc = RS_OK;
    if (cs == NULL || lon == NULL || lat == NULL || tw == NULL) {
        rc = rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
        goto done;
    }
    double hw[GEN_NHOT];
    for (int i = 0; i < GEN_NHOT; i++)
        hw[i] = w->hot[i].share * w->hot[i].weight;
    for (int i = 0; i < n->ntowns; i++)
        tw[i] = n->towns[i].size;
    int64_t d0 = (w->per0 + 3600) / GEN_DAY, d1 = (w->per1 + 3600) / GEN_DAY;
    for (long long i = 0; i < count; i++) {
        concern *c = &cs[i];
        double u = gen_rng_unif(&r);
        int near_hot = u < 0.45;
        for (;;) {
            double x, y;
            if (near_hot) {
                const gen_hotspot *h = &w->hot[gen_rng_pick(&r, hw, GEN_NHOT)];
                double sg = 0.8 * h->r + 250;
                x = h->x + sg * gen_rng_normal(&r);
                y = h->y + sg * gen_rng_normal(&r);
            } else if (u < 0.80) {
                const gen_town *t = &n->towns[gen_rng_pick(&r, tw, n->ntowns)];
                x = t->x + 0.5 * t->r30 * gen_rng_normal(&r);
                y = t->y + 0.5 * t->r30 * gen_rng_normal(&r);
            } else {
                const gen_rsample *sm = &n->samp[gen_rng_below(&r, (uint32_t)n->nsamp)];
                double b;
                gen_road_point(&n->roads[sm->road], sm->s, &x, &y, &b);
                x += 50 * gen_rng_normal(&r);
                y += 50 * gen_rng_normal(&r);
            }
            if (gen_county_locate(&w->county, x, y) >= 0) {
                c->x = x;
                c->y = y;
                break;
            }
        }
        int yy, mm, dd;
        rs_civil_from_days(d0 + (int64_t)gen_rng_below(&r, (uint32_t)(d1 - d0)), &yy, &mm, &dd);
        c->t = gen_local(yy, mm, dd, 7 + (int)gen_rng_below(&r, 15), (int)gen_rng_below(&r, 60),
                         (int)gen_rng_below(&r, 60));
        static const double src_hot[4] = {0.45, 0.35, 0.12, 0.08}, src_else[4] = {0.25, 0.45, 0.18, 0.12};
        c->source = gen_rng_pick(&r, near_hot ? src_hot : src_else, 4);
        c->seq = (uint32_t)i;
    }
    qsort(cs, (size_t)count, sizeof *cs, cmp_concern);
    for (long long i = 0; i < count; i++) {
        lon[i] = cs[i].x;
        lat[i] = cs[i].y;
        for (int h = 0; h < GEN_NHOT; h++)
            if (hypot(cs[i].x - w->hot[h].x, cs[i].y - w->hot[h].y) <= 1000)
                w->hot[h].concerns++;
        w->truth.concerns_by_source[cs[i].source]++;
    }
    if ((rc = gen_to_wgs(w, lon, lat, (size_t)count)) != RS_OK)
        goto done;
    if ((rc = gen_out_open(w, &o, "concerns.csv", "timestamp,lat,lon,source")) != RS_OK)
        goto done;
    for (long long i = 0; i < count; i++) {
        if ((rc = gen_out_flush_if(w, &o)) != RS_OK)
            break;
        char *p = gen_out_ptr(&o);
        p = gen_fmt_utc(p, cs[i].t);
        *p++ = ',';
        p = gen_fmt_deg(p, lat[i]);
        *p++ = ',';
        p = gen_fmt_deg(p, lon[i]);
        *p++ = ',';
        p = gen_fmt_str(p, source_names[cs[i].source]);
        *p++ = '\n';
        gen_out_commit(&o, p);
    }
    w->truth.rows_concerns = o.rows;
    if (rc == RS_OK)
        rc = gen_out_close(w, &o);
    else
        gen_out_abort(&o);
done:
    free(cs);
    free(lon);
    free(lat);
    free(tw);
    return rc;
}
