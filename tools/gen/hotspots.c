/*
 * hotspots.c — the planted speeding hot spots.
 *
 * What: five discs (centre on a road, radius 300-600 m) where a telematics
 * ping is over the enforcement threshold with a planted probability (0.60
 * for hot spot 1, the dominant one, 0.40-0.52 for the others) instead of
 * the ~3-5 % elsewhere.  Hot spots 1 and 2 share a district; the others
 * lie in two or three further districts (3-4 districts in all).  Centres
 * are on inter-town roads, away from town centres (>= 400 m along the road)
 * and off 70 mph roads, at least 4 km apart.  The dominant one also gets
 * the largest share of the dedicated hot-spot trips, so it has the most
 * pings and the most over-threshold pings.
 *
 * Data structure: the fixed array w->hot[GEN_NHOT]; lookup is a linear
 * scan of five discs.
 * Workload: placed once; gen_hotspot_at runs once per ping.
 */
#include <math.h>

#include "gen.h"

int gen_hotspot_at(const gen_world *w, double x, double y)
{
    for (int i = 0; i < GEN_NHOT; i++) {
        double dx = x - w->hot[i].x, dy = y - w->hot[i].y;
        if (dx * dx + dy * dy <= w->hot[i].r * w->hot[i].r)
            return i;
    }
    return -1;
}

int gen_hotspots_place(gen_world *w)
{
    gen_rng r;
    gen_rng_init(&r, w->seed, GEN_S_HOT);
    const gen_net *n = &w->net;
    int ndist = 3 + gen_rng_chance(&r, 0.5);
    for (int i = 0; i < GEN_NHOT; i++) {
        gen_hotspot *h = &w->hot[i];
        h->id = i + 1;
        if (i == 0) {
            h->share = 0.60;
            h->r = 500;
            h->weight = 0.48;
        } else {
            h->share = floor(gen_rng_range(&r, 0.40, 0.52) * 100 + 0.5) / 100;
            h->r = 10 * floor(gen_rng_range(&r, 30, 60) + 0.5);
            h->weight = 0.13;
        }
    }
    for (int i = 0; i < GEN_NHOT; i++) {
        gen_hotspot *h = &w->hot[i];
        int placed = 0;
        for (int tries = 0; tries < 200000 && !placed; tries++) {
            int relax = tries > 100000; /* district rule given up: still placed */
            const gen_rsample *sm = &n->samp[gen_rng_below(&r, (uint32_t)n->nsamp)];
            const gen_road *rd = &n->roads[sm->road];
            if (rd->kind != GEN_ROAD_INTER || sm->district < 0)
                continue;
            if (gen_road_town_dist(n, sm->road, sm->s) < 700)
                continue;
            int lim = gen_road_limit(n, sm->road, sm->s);
            if (lim >= 70 || lim <= 20)
                continue;
            if (!relax) {
                int want = -1; /* required district, or -1: one not used yet */
                if (i == 1)
                    want = w->hot[0].district;
                if (i == 4 && ndist == 3)
                    want = w->hot[2].district;
                if (want >= 0 && sm->district != want)
                    continue;
                if (want < 0) {
                    int used = 0;
                    for (int j = 0; j < i; j++)
                        used |= w->hot[j].district == sm->district;
                    if (used)
                        continue;
                }
            }
            double x, y, b;
            gen_road_point(rd, sm->s, &x, &y, &b);
            x = floor(x + 0.5);
            y = floor(y + 0.5);
            int ok = gen_county_locate(&w->county, x, y) == sm->district;
            for (int j = 0; j < i && ok; j++)
                ok = hypot(x - w->hot[j].x, y - w->hot[j].y) > 4000 + h->r + w->hot[j].r;
            if (!ok)
                continue;
            h->x = x;
            h->y = y;
            h->road = sm->road;
            h->s = sm->s;
            h->limit = lim;
            h->district = sm->district;
            placed = 1;
        }
        if (!placed)
            return rs_err_set(gen_err(w), RS_ERR, "could not place hot spot %d", i + 1);
    }
    return RS_OK;
}
