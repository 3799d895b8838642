/*
 * stats19.c — collisions.csv and casualties.csv in the DfT's newer
 * (collision_*) STATS19 layout, 2015-2020, police force 42.
 *
 * What: collisions per month ~ Poisson(2900/12 x sqrt(scale) x season[m] x
 * 0.97^years-since-Jan-2015), located along the road network (75 % inter-
 * town roads by traffic weight, 25 % town streets; a few metres off the
 * centre line), each with 1 casualty (80 %) or 2 + Geometric(0.6) (capped
 * at 8).  A casualty is KSI with probability 0.25 x (1 + 0.12 sin(2 pi (m -
 * 4) / 12)) — a summer peak — so KSI casualties drift down 3 % a year with
 * a seasonal cycle; the expected count per quarter is in truth.json.
 * Road, speed limit and location decide only the fatal/serious split,
 * urban/rural, light, junction and the like, never the KSI total.
 * Codes follow the DfT guide: severity 1 fatal 2 serious 3 slight,
 * day_of_week 1 = Sunday, -1 missing, local UK date and time.  The fields
 * collected only since 2023 (enhanced severities) are -1, as in the DfT's
 * own rows for these years; local_authority_district is -1 as in the newer
 * releases.  Adjusted severities: fatal empty; recorded serious 1 (85 %)
 * or 0.55-0.99; slight 0 (45 %) or 0-0.3; serious + slight = 1 exactly.
 * 2 % of collisions have no location: half with empty easting, northing,
 * longitude and latitude, half with -1 in all four.
 *
 * Data structure: arrays of collision and casualty records; collisions are
 * sorted by local time within each year before references are assigned.
 * Workload: ~17,000 collisions and ~23,000 casualties at scale 1.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "timeutil.h"

#define COLL_PER_YEAR 2900.0
#define KSI_BASE 0.25
#define TREND 0.97

static const double season_c[12] = {0.93, 0.90, 0.94, 0.93, 1.00, 1.00,
                                    1.03, 0.99, 1.04, 1.08, 1.10, 1.06};
static const double coll_hour[24] = {0.8, 0.6, 0.5, 0.4, 0.5, 1.0, 2.2, 4.6, 6.2, 4.4, 4.0, 4.4,
                                     5.0, 5.2, 5.6, 6.8, 7.4, 7.6, 6.0, 4.4, 3.4, 2.6, 2.0, 1.4};

typedef struct coll {
    int y, m, d, hh, mi, dow;
    uint32_t seq;
    double e, n;
    int missing;   /* 0, 1 empty fields, 2 -1 */
    int district, road, limit, cls, number, road_type, jdet, jctl, cls2, num2;
    int ped_h, ped_p, light, weather, surface, special, hazard, urban, police, trunk;
    int nveh, ncas, cas0, sev;
    long ref;
} coll;

typedef struct cas {
    int veh, cls, sex, age, sev, ped_loc, ped_mov, car_p, bus_p, worker, type, home, imd;
    long lsoa;     /* cell number, -1 missing */
    int adj;       /* adjusted serious in millionths, -1 for fatal */
} cas;

static double p_ksi(int month) { return KSI_BASE * (1 + 0.12 * sin(2 * GEN_PI * (month - 4) / 12.0)); }

static int age_band(int age)
{
    static const int upper[] = {5, 10, 15, 20, 25, 35, 45, 55, 65, 75};
    if (age < 0)
        return -1;
    for (int i = 0; i < 10; i++)
        if (age <= upper[i])
            return i + 1;
    return 11;
}

static int pick_code(gen_rng *r, const int *codes, const double *w, int n)
{
    return codes[gen_rng_pick(r, w, n)];
}

static long lsoa_cell(double e, double n)
{
    return (long)((e - 540000) / 1000) * 100 + (long)((n - 165000) / 1000);
}

/* Mean casualties per collision under the draw in make_casualties(). */
static double mean_casualties(void)
{
    double mean = 0.8, p = 0.6, q = 1;
    for (int k = 0; k < 7; k++) { /* 2 + k casualties, capped at 8 */
        double pk = k < 6 ? p * q : q;
        mean += 0.2 * pk * (2 + k);
        q *= 1 - p;
    }
    return mean;
}

static int draw_ncas(gen_rng *r)
{
    if (gen_rng_chance(r, 0.8))
        return 1;
    int k = 2;
    while (k < 8 && !gen_rng_chance(r, 0.6))
        k++;
    return k;
}

static int draw_age(gen_rng *r, int type, int cls)
{
    if (gen_rng_chance(r, 0.02))
        return -1;
    double a;
    if (type == 0) /* pedestrian */
        a = gen_rng_chance(r, 0.25) ? gen_rng_range(r, 4, 16) : 16 + gen_rng_exp(r, 25);
    else if (type == 1)
        a = gen_rng_range(r, 8, 25) + gen_rng_exp(r, 18);
    else if (cls == 2)
        a = gen_rng_chance(r, 0.3) ? gen_rng_range(r, 0, 16) : 16 + gen_rng_exp(r, 22);
    else if (type >= 2 && type <= 5)
        a = 16 + gen_rng_exp(r, 18);
    else
        a = 17 + gen_rng_exp(r, 22);
    int age = (int)a;
    return age > 98 ? 98 : age;
}

static void make_casualty(gen_rng *r, const coll *c, int pedestrian, int month, cas *k)
{
    memset(k, 0, sizeof *k);
    static const int occ[] = {9, 8, 1, 2, 3, 4, 5, 97, 23, 11, 10, 19, 20, 21, 98, 90, 16, 22, 17};
    static const double occ_w[] = {0.62, 0.02, 0.10, 0.01,  0.03,  0.015, 0.04, 0.005, 0.002, 0.02,
                                   0.003, 0.05, 0.005, 0.01, 0.002, 0.01, 0.002, 0.003, 0.002};
    if (pedestrian) {
        k->type = 0;
        k->cls = 3;
    } else {
        k->type = pick_code(r, occ, occ_w, (int)(sizeof occ / sizeof occ[0]));
        int t = k->type;
        double pdriver = (t == 1 || (t >= 2 && t <= 5) || t == 97 || t == 23 || t == 16 || t == 22)
                             ? 0.95
                         : (t == 10 || t == 11) ? 0.15
                                                : 0.65;
        k->cls = gen_rng_chance(r, pdriver) ? 1 : 2;
    }
    k->veh = 1 + (int)gen_rng_below(r, (uint32_t)c->nveh);
    k->sex = gen_rng_chance(r, 0.01) ? (gen_rng_chance(r, 0.5) ? 9 : -1)
                                     : (gen_rng_chance(r, 0.59) ? 1 : 2);
    k->age = draw_age(r, k->type, k->cls);
    if (pedestrian) {
        static const int loc[] = {5, 6, 1, 9, 4, 10, 8, 7, 2, 3, -1};
        static const double loc_w[] = {0.35, 0.12, 0.10, 0.08, 0.08, 0.12, 0.05, 0.03, 0.03, 0.02, 0.02};
        static const int mov[] = {1, 3, 2, 4, 5, 7, 8, 9, 6, -1};
        static const double mov_w[] = {0.35, 0.2, 0.05, 0.03, 0.03, 0.03, 0.03, 0.26, 0.01, 0.01};
        k->ped_loc = pick_code(r, loc, loc_w, 11);
        k->ped_mov = pick_code(r, mov, mov_w, 10);
        double u = gen_rng_unif(r);
        k->worker = u < 0.85 ? 0 : u < 0.99 ? 2 : 1;
    }
    if ((k->type == 9 || k->type == 8) && k->cls == 2)
        k->car_p = gen_rng_chance(r, 0.55) ? 1 : 2;
    if ((k->type == 10 || k->type == 11) && k->cls == 2) {
        static const int bp[] = {4, 3, 1, 2};
        static const double bp_w[] = {0.6, 0.2, 0.1, 0.1};
        k->bus_p = pick_code(r, bp, bp_w, 4);
    }
    /* Severity: the KSI probability depends on the month only (the planted
     * trend); road and road user only move fatal against serious. */
    if (gen_rng_chance(r, p_ksi(month))) {
        double pf = 0.05;
        if (c->limit >= 60)
            pf *= 2.0;
        else if (c->limit <= 30)
            pf *= 0.6;
        if (k->type == 0 || (k->type >= 2 && k->type <= 5) || k->type == 97)
            pf *= 1.5;
        k->sev = gen_rng_chance(r, pf) ? 1 : 2;
    } else {
        k->sev = 3;
    }
    if (k->sev == 1)
        k->adj = -1;
    else if (k->sev == 2)
        k->adj = gen_rng_chance(r, 0.85) ? 1000000 : (int)lround(gen_rng_range(r, 0.55, 0.99) * 1e6);
    else
        k->adj = gen_rng_chance(r, 0.45) ? 0 : (int)lround(gen_rng_range(r, 0.0, 0.3) * 1e6);
    double u = gen_rng_unif(r);
    k->home = u < 0.72 ? 1 : u < 0.86 ? 2 : u < 0.98 ? 3 : -1;
    static const int imd[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1};
    static const double imd_w[] = {0.06, 0.07, 0.08, 0.1, 0.11, 0.12, 0.12, 0.12, 0.1, 0.08, 0.04};
    k->imd = pick_code(r, imd, imd_w, 11);
    u = gen_rng_unif(r);
    if (u < 0.55 && !c->missing)
        k->lsoa = lsoa_cell(c->e, c->n);
    else if (u < 0.9)
        k->lsoa = lsoa_cell(gen_rng_range(r, 550000, 620000), gen_rng_range(r, 175000, 240000));
    else
        k->lsoa = -1;
}

/* Light: daylight from an approximate day length at 51.8 N. */
static int light_code(gen_rng *r, const coll *c, int urban)
{
    int doy = (int)(rs_days_from_civil(c->y, c->m, c->d) - rs_days_from_civil(c->y, 1, 1));
    double daylen = 12 + 4.4 * cos(2 * GEN_PI * (doy - 172) / 365.25);
    int64_t t = gen_local(c->y, c->m, c->d, c->hh, c->mi, 0);
    double noon = 12.0 + rs_london_offset(t) / 3600.0;
    double h = c->hh + c->mi / 60.0;
    if (fabs(h - noon) < daylen / 2 + 0.4)
        return 1;
    double u = gen_rng_unif(r);
    if (urban)
        return u < 0.85 ? 4 : u < 0.88 ? 5 : 7;
    return u < 0.80 ? 6 : u < 0.95 ? 4 : 7;
}

static void make_collision(gen_world *w, gen_rng *r, coll *c)
{
    const gen_net *n = &w->net;
    /* Where. */
    for (;;) {
        int kind = gen_rng_chance(r, 0.75) ? GEN_ROAD_INTER : GEN_ROAD_STREET;
        int road = gen_net_pick_road(n, r, kind);
        double s = gen_rng_unif(r) * n->roads[road].len, x, y, b;
        gen_road_point(&n->roads[road], s, &x, &y, &b);
        double off = 8 * gen_rng_normal(r), th = b * GEN_PI / 180;
        x = floor(x + off * cos(th) + 0.5); /* perpendicular to the bearing */
        y = floor(y - off * sin(th) + 0.5);
        int d = gen_county_locate(&w->county, x, y);
        if (d < 0)
            continue;
        const gen_road *rd = &n->roads[road];
        c->e = x;
        c->n = y;
        c->district = d;
        c->road = road;
        c->limit = gen_road_limit(n, road, s);
        c->cls = rd->cls;
        c->number = rd->cls <= 4 ? rd->number : 0;
        c->trunk = rd->trunk ? 1 : 2;
        double td = gen_road_town_dist(n, road, s);
        const gen_town *tw = &n->towns[rd->town_a];
        if (rd->kind == GEN_ROAD_INTER && s > rd->len / 2)
            tw = &n->towns[rd->town_b];
        c->urban = (c->limit <= 40 || td < tw->r30) ? 1 : 2;
        /* Junction. */
        if (td < 60) {
            c->jdet = gen_rng_chance(r, 0.55) ? 1 : 6;
        } else {
            double u = gen_rng_unif(r);
            c->jdet = u < 0.58 ? 0 : u < 0.80 ? 3 : u < 0.86 ? 8 : u < 0.90 ? 6 : u < 0.93 ? 2
                    : u < 0.96 ? 1 : u < 0.98 ? 7 : 9;
            if (rd->limit == 70 && c->jdet != 0 && gen_rng_chance(r, 0.3))
                c->jdet = 5;
        }
        if (c->jdet == 0) {
            c->jctl = -1;
            c->cls2 = 0;
            c->num2 = -1;
        } else {
            double u = gen_rng_unif(r);
            c->jctl = u < 0.62 ? 4 : u < 0.92 ? 2 : u < 0.93 ? 3 : u < 0.94 ? 1 : 9;
            u = gen_rng_unif(r);
            if (u < 0.6) {
                c->cls2 = 6;
                c->num2 = 0;
            } else if (u < 0.8) {
                c->cls2 = 4;
                c->num2 = 1000 + (int)gen_rng_below(r, 500);
            } else if (u < 0.9) {
                c->cls2 = 3;
                c->num2 = 100 + (int)gen_rng_below(r, 1400);
            } else {
                c->cls2 = 5;
                c->num2 = 0;
            }
        }
        c->road_type = rd->dual ? 3 : c->jdet == 1 ? 1 : 6;
        if (c->road_type == 6 && rd->kind == GEN_ROAD_STREET && gen_rng_chance(r, 0.04))
            c->road_type = 2;
        if (c->jdet == 5)
            c->road_type = 7;
        if (gen_rng_chance(r, 0.01))
            c->road_type = 9;
        break;
    }
    double u = gen_rng_unif(r);
    c->ped_h = u < 0.95 ? 0 : u < 0.965 ? 1 : u < 0.97 ? 2 : u < 0.99 ? 9 : -1;
    static const int pf[] = {0, 1, 4, 5, 8, 7, 9};
    static const double pf_w[] = {0.82, 0.03, 0.05, 0.05, 0.03, 0.01, 0.01};
    c->ped_p = pick_code(r, pf, pf_w, 7);
    int winter = c->m == 12 || c->m <= 2;
    static const int wc[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    double ww[] = {0.78, 0.12, winter ? 0.02 : 0, 0.02, 0.01, winter ? 0.003 : 0, 0.01, 0.02, 0.04};
    c->weather = pick_code(r, wc, ww, 9);
    if (c->weather == 2 || c->weather == 5)
        c->surface = 2;
    else if (c->weather == 3 || c->weather == 6)
        c->surface = 3;
    else {
        u = gen_rng_unif(r);
        c->surface = winter && u < 0.06 ? 4 : u < 0.74 ? 1 : u < 0.97 ? 2 : u < 0.98 ? 9 : -1;
    }
    u = gen_rng_unif(r);
    c->special = u < 0.96 ? 0 : u < 0.98 ? 4 : u < 0.99 ? 5 : 9;
    u = gen_rng_unif(r);
    c->hazard = u < 0.95 ? 0 : u < 0.97 ? 2 : u < 0.985 ? 7 : u < 0.99 ? 3 : 9;
    c->light = light_code(r, c, c->urban == 1);
}

static int cmp_coll(const void *a, const void *b)
{
    const coll *p = a, *q = b;
    long kp = ((long)(p->y * 13 + p->m) * 32 + p->d) * 1440 + p->hh * 60 + p->mi;
    long kq = ((long)(q->y * 13 + q->m) * 32 + q->d) * 1440 + q->hh * 60 + q->mi;
    if (kp != kq)
        return kp < kq ? -1 : 1;
    return (p->seq > q->seq) - (p->seq < q->seq);
}

static char *fi(char *p, long long v)
{
    p = gen_fmt_int(p, v);
    *p++ = ',';
    return p;
}

static char *fadj(char *p, int micro)
{
    if (micro % 1000000 == 0)
        return gen_fmt_int(p, micro / 1000000);
    char *start = p;
    p = gen_fmt_fixed(p, micro, 6);
    while (p > start && p[-1] == '0')
        p--;
    return p;
}

static char *flsoa(char *p, long cell)
{
    if (cell < 0)
        return gen_fmt_str(p, "-1");
    *p++ = 'X';
    *p++ = '0';
    *p++ = '1';
    for (int i = 5; i >= 0; i--, cell /= 10)
        p[i] = (char)('0' + cell % 10);
    return p + 6;
}

/* collision_reference: "42" and seven digits. */
static char *fref(char *p, const coll *c)
{
    long v = c->ref;
    *p++ = '4';
    *p++ = '2';
    for (int i = 6; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + 7;
}

/* collision_index: the year and the reference. */
static char *fidx(char *p, const coll *c) { return fref(gen_fmt_int(p, c->y), c); }

static int write_files(gen_world *w, coll *cs, size_t nc, const cas *ks)
{
    int rc;
    gen_out o, oc;
    double *lon = malloc(sizeof(double) * (nc + 1)), *lat = malloc(sizeof(double) * (nc + 1));
    if (lon == NULL || lat == NULL) {
        free(lon);
        free(lat);
        return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < nc; i++) {
        lon[i] = cs[i].e;
        lat[i] = cs[i].n;
    }
    if ((rc = gen_to_wgs(w, lon, lat, nc)) != RS_OK)
        goto done;
    rc = gen_out_open(w, &o, "collisions.csv",
                      "collision_index,collision_year,collision_reference,location_easting_osgr,"
                      "location_northing_osgr,longitude,latitude,police_force,collision_severity,"
                      "number_of_vehicles,number_of_casualties,date,day_of_week,time,"
                      "local_authority_district,local_authority_ons_district,"
                      "local_authority_highway,first_road_class,first_road_number,road_type,"
                      "speed_limit,junction_detail,junction_control,second_road_class,"
                      "second_road_number,pedestrian_crossing_human_control,"
                      "pedestrian_crossing_physical_facilities,light_conditions,"
                      "weather_conditions,road_surface_conditions,special_conditions_at_site,"
                      "carriageway_hazards,urban_or_rural_area,"
                      "did_police_officer_attend_scene_of_collision,trunk_road_flag,"
                      "lsoa_of_collision_location,enhanced_severity_collision");
    if (rc)
        goto done;
    rc = gen_out_open(w, &oc, "casualties.csv",
                      "collision_index,collision_year,collision_reference,vehicle_reference,"
                      "casualty_reference,casualty_class,sex_of_casualty,age_of_casualty,"
                      "age_band_of_casualty,casualty_severity,pedestrian_location,"
                      "pedestrian_movement,car_passenger,bus_or_coach_passenger,"
                      "pedestrian_road_maintenance_worker,casualty_type,casualty_home_area_type,"
                      "casualty_imd_decile,lsoa_of_casualty,enhanced_casualty_severity,"
                      "casualty_adjusted_severity_serious,casualty_adjusted_severity_slight");
    if (rc) {
        gen_out_abort(&o);
        goto done;
    }
    for (size_t i = 0; i < nc && rc == RS_OK; i++) {
        const coll *c = &cs[i];
        const gen_district *d = &w->county.d[c->district];
        if ((rc = gen_out_flush_if(w, &o)) != RS_OK)
            break;
        char *p = gen_out_ptr(&o);
        p = fidx(p, c);
        *p++ = ',';
        p = fi(p, c->y);
        p = fref(p, c);
        *p++ = ',';
        if (c->missing == 1) {
            p = gen_fmt_str(p, ",,,,");
        } else if (c->missing == 2) {
            p = gen_fmt_str(p, "-1,-1,-1,-1,");
        } else {
            p = fi(p, (long long)c->e);
            p = fi(p, (long long)c->n);
            p = gen_fmt_deg(p, lon[i]);
            *p++ = ',';
            p = gen_fmt_deg(p, lat[i]);
            *p++ = ',';
        }
        p = fi(p, 42);
        p = fi(p, c->sev);
        p = fi(p, c->nveh);
        p = fi(p, c->ncas);
        p = gen_fmt_2d(p, c->d);
        *p++ = '/';
        p = gen_fmt_2d(p, c->m);
        *p++ = '/';
        p = gen_fmt_int(p, c->y);
        *p++ = ',';
        p = fi(p, c->dow);
        p = gen_fmt_2d(p, c->hh);
        *p++ = ':';
        p = gen_fmt_2d(p, c->mi);
        *p++ = ',';
        p = fi(p, -1);
        p = gen_fmt_str(p, d->code);
        *p++ = ',';
        p = gen_fmt_str(p, d->unitary ? d->code : "X10000001");
        *p++ = ',';
        p = fi(p, c->cls);
        p = fi(p, c->number);
        p = fi(p, c->road_type);
        p = fi(p, c->limit);
        p = fi(p, c->jdet);
        p = fi(p, c->jctl);
        p = fi(p, c->cls2);
        p = fi(p, c->num2);
        p = fi(p, c->ped_h);
        p = fi(p, c->ped_p);
        p = fi(p, c->light);
        p = fi(p, c->weather);
        p = fi(p, c->surface);
        p = fi(p, c->special);
        p = fi(p, c->hazard);
        p = fi(p, c->urban);
        p = fi(p, c->police);
        p = fi(p, c->trunk);
        p = flsoa(p, c->missing ? -1 : lsoa_cell(c->e, c->n));
        p = gen_fmt_str(p, ",-1\n");
        gen_out_commit(&o, p);

        for (int j = 0; j < c->ncas; j++) {
            const cas *k = &ks[c->cas0 + j];
            if ((rc = gen_out_flush_if(w, &oc)) != RS_OK)
                break;
            char *q = gen_out_ptr(&oc);
            q = fidx(q, c);
            *q++ = ',';
            q = fi(q, c->y);
            q = fref(q, c);
            *q++ = ',';
            q = fi(q, k->veh);
            q = fi(q, j + 1);
            q = fi(q, k->cls);
            q = fi(q, k->sex);
            q = fi(q, k->age);
            q = fi(q, age_band(k->age));
            q = fi(q, k->sev);
            q = fi(q, k->ped_loc);
            q = fi(q, k->ped_mov);
            q = fi(q, k->car_p);
            q = fi(q, k->bus_p);
            q = fi(q, k->worker);
            q = fi(q, k->type);
            q = fi(q, k->home);
            q = fi(q, k->imd);
            q = flsoa(q, k->lsoa);
            q = gen_fmt_str(q, ",-1,");
            if (k->adj >= 0) {
                q = fadj(q, k->adj);
                *q++ = ',';
                q = fadj(q, 1000000 - k->adj);
            } else {
                *q++ = ',';
            }
            *q++ = '\n';
            gen_out_commit(&oc, q);
        }
    }
    w->truth.rows_collisions = o.rows;
    w->truth.rows_casualties = oc.rows;
    if (rc == RS_OK) {
        rc = gen_out_close(w, &o);
        int rc2 = gen_out_close(w, &oc);
        if (rc == RS_OK)
            rc = rc2;
    } else {
        gen_out_abort(&o);
        gen_out_abort(&oc);
    }
done:
    free(lon);
    free(lat);
    return rc;
}

int gen_stats19_write(gen_world *w)
{
    gen_rng r;
    gen_rng_init(&r, w->seed, GEN_S_STATS19);
    gen_truth *tr = &w->truth;
    size_t cap = 0, nc = 0, kcap = 0, nk = 0;
    coll *cs = NULL;
    cas *ks = NULL;
    int rc = RS_OK;
    const double mcas = mean_casualties();
    uint32_t seq = 0;
    for (int y = GEN_Y0; y < GEN_Y0 + GEN_NYEARS; y++) {
        for (int m = 1; m <= 12; m++) {
            double years = (y - GEN_Y0) + (m - 0.5) / 12.0;
            double expect = COLL_PER_YEAR * w->gentle / 12.0 * season_c[m - 1] * pow(TREND, years);
            tr->exp_ksi_q[y - GEN_Y0][(m - 1) / 3] += expect * mcas * p_ksi(m);
            int count = gen_rng_poisson(&r, expect);
            int dim = 31;
            while (!rs_is_valid_date(y, m, dim))
                dim--;
            for (int i = 0; i < count; i++) {
                if (nc == cap) {
                    cap = cap ? cap * 2 : 8192;
                    coll *p = realloc(cs, cap * sizeof *p);
                    if (p == NULL) {
                        rc = rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
                        goto done;
                    }
                    cs = p;
                }
                coll *c = &cs[nc++];
                memset(c, 0, sizeof *c);
                c->seq = seq++;
                c->y = y;
                c->m = m;
                c->d = 1 + (int)gen_rng_below(&r, (uint32_t)dim);
                c->hh = gen_rng_pick(&r, coll_hour, 24);
                c->mi = gen_rng_chance(&r, 0.35) ? 5 * (int)gen_rng_below(&r, 12)
                                                  : (int)gen_rng_below(&r, 60);
                int64_t days = rs_days_from_civil(c->y, c->m, c->d);
                c->dow = (int)(((days + 4) % 7 + 7) % 7) + 1; /* 1970-01-01 Thursday = 5 */
                make_collision(w, &r, c);
                if (gen_rng_chance(&r, 0.02))
                    c->missing = gen_rng_chance(&r, 0.5) ? 1 : 2;
                c->ncas = draw_ncas(&r);
                int ped = gen_rng_chance(&r, c->urban == 1 ? 0.15 : 0.04);
                if (ped)
                    c->nveh = gen_rng_chance(&r, 0.85) ? 1 : 2;
                else {
                    double u = gen_rng_unif(&r);
                    c->nveh = u < 0.22 ? 1 : u < 0.85 ? 2 : u < 0.96 ? 3 : u < 0.99 ? 4 : 5;
                }
                if (nk + (size_t)c->ncas > kcap) {
                    kcap = kcap ? kcap * 2 : 16384;
                    cas *p = realloc(ks, kcap * sizeof *p);
                    if (p == NULL) {
                        rc = rs_err_set(gen_err(w), RS_ENOMEM, "out of memory");
                        goto done;
                    }
                    ks = p;
                }
                c->cas0 = (int)nk;
                c->sev = 3;
                for (int j = 0; j < c->ncas; j++) {
                    cas *k = &ks[nk++];
                    make_casualty(&r, c, ped && j == 0, m, k);
                    if (k->sev < c->sev)
                        c->sev = k->sev;
                }
                double u = gen_rng_unif(&r);
                c->police = c->sev < 3 ? (u < 0.85 ? 1 : u < 0.97 ? 2 : 3)
                                       : (u < 0.6 ? 1 : u < 0.88 ? 2 : 3);
            }
        }
    }
    /* References: in time order within each year (the array is already in
     * year order), so sort and number. */
    qsort(cs, nc, sizeof *cs, cmp_coll);
    {
        int year = 0;
        long ref = 0;
        for (size_t i = 0; i < nc; i++) {
            coll *c = &cs[i];
            if (c->y != year) {
                year = c->y;
                ref = 1000000 + (long)gen_rng_below(&r, 500000);
            }
            ref += 1 + (long)gen_rng_below(&r, 9);
            c->ref = ref;
            int yi = c->y - GEN_Y0;
            tr->coll_sev[yi][c->sev]++;
            tr->coll_missing_empty += c->missing == 1;
            tr->coll_missing_minus1 += c->missing == 2;
            for (int j = 0; j < c->ncas; j++) {
                const cas *k = &ks[c->cas0 + j];
                tr->cas_sev[yi][k->sev]++;
                int q = (c->m - 1) / 3;
                if (k->sev <= 2)
                    tr->ksi_q[yi][q]++;
                tr->adj_ksi_q[yi][q] += k->sev == 1 ? 1.0 : k->adj / 1e6;
            }
        }
    }
    rc = write_files(w, cs, nc, ks);
done:
    free(cs);
    free(ks);
    return rc;
}
