/*
 * gen.h — roadsafe-gen, the synthetic sample-county generator: the shared
 * types and the functions one file of tools/gen/ offers another.
 *
 * What: one gen_world holds everything generated so far — the county and its
 * 14 districts (county.c), the road network and its towns (roads.c), the
 * planted speeding hot spots (hotspots.c), the weekend operation plan with
 * the fleet's TRUCAM sessions (fleet.c) and the counters truth.json reports
 * (truth.c).  Each output file has its own writer (telematics.c, fleet.c,
 * detections.c, stats19.c, concerns.c, shp.c) fed by its own PRNG stream
 * (rng.c), so a change in one file's generator leaves the others' bytes
 * alone.
 *
 * Workload: built once per run; everything but the telematics pings is
 * small (tens of thousands of rows), the pings scale linearly with --scale
 * (100,000 at scale 1) and are streamed a day at a time.
 *
 * Coordinates are British National Grid metres (EPSG:27700) throughout;
 * WGS84 appears only when a CSV row is written (gen_to_wgs, batched PROJ).
 * Times are int64 seconds since 1970 UTC (engine/timeutil.h).
 */
#ifndef RS_GEN_H
#define RS_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crs.h"
#include "geo.h"
#include "rs_err.h"

#define GEN_NDISTRICTS 14
#define GEN_NHOT 5
#define GEN_NFLEET 12      /* patrol vehicles EX-RP-01 .. EX-RP-12 */
#define GEN_ROAD_MAXV 8    /* vertices of one road polyline */
#define GEN_DAY 86400LL
#define GEN_PI 3.14159265358979323846

/* ------------------------------------------------------------------ rng.c */

/* xoshiro256** seeded through splitmix64: the same (seed, stream) gives the
 * same sequence on every machine.  Floating-point helpers use only IEEE
 * arithmetic plus log/sqrt/cos/sin from libm. */
typedef struct gen_rng {
    uint64_t s[4];
} gen_rng;

/* Independent streams, one per consumer (never reorder: values are part of
 * the output contract for a seed). */
enum gen_stream {
    GEN_S_COUNTY = 1,
    GEN_S_ROADS,
    GEN_S_HOT,
    GEN_S_TRAFFIC,
    GEN_S_FLEET,
    GEN_S_DETECT,
    GEN_S_PLATES,
    GEN_S_STATS19,
    GEN_S_CONCERNS,
    GEN_S_SITES,
    GEN_S_VEHICLES
};

void gen_rng_init(gen_rng *r, uint64_t seed, uint64_t stream);
uint64_t gen_rng_u64(gen_rng *r);
double gen_rng_unif(gen_rng *r);                   /* [0, 1) */
double gen_rng_range(gen_rng *r, double a, double b); /* [a, b) */
uint32_t gen_rng_below(gen_rng *r, uint32_t n);    /* 0 .. n-1, unbiased; n > 0 */
double gen_rng_normal(gen_rng *r);                 /* N(0, 1) */
double gen_rng_exp(gen_rng *r, double mean);
int gen_rng_poisson(gen_rng *r, double mean);
int gen_rng_chance(gen_rng *r, double p);          /* 1 with probability p */
/* Index drawn with probability w[i] / sum(w); n > 0, weights >= 0. */
int gen_rng_pick(gen_rng *r, const double *w, int n);
uint64_t gen_mix64(uint64_t x);                    /* splitmix64 finaliser */

/* --------------------------------------------------------------- county.c */

typedef struct gen_district {
    char name[32];
    char code[12];     /* X00000001 .. X00000014 */
    /* All rings of the (multi)polygon, concatenated; each ring is closed
     * (first vertex repeated).  Outer rings clockwise, holes anticlockwise,
     * as the shapefile wants them. */
    double *x, *y;
    int npoints;
    int *ring_start;   /* nrings + 1 offsets into x/y */
    int nrings;
    double minx, miny, maxx, maxy;
    double area_m2;
    double sx, sy;     /* the Voronoi seed: also the district's main town */
    int unitary;       /* 1: its own highway authority (STATS19) */
} gen_district;

typedef struct gen_county {
    double *ox, *oy;   /* outline ring, closed, clockwise */
    int on;
    double *ix, *iy;   /* an offshore island ring (no roads), in = 0 when none */
    int in;
    double minx, miny, maxx, maxy;
    gen_district d[GEN_NDISTRICTS];
} gen_county;

/* ---------------------------------------------------------------- roads.c */

enum { GEN_ROAD_INTER = 0, GEN_ROAD_STREET = 1 };

typedef struct gen_town {
    double x, y;
    double r30;        /* 30 mph zone radius along roads (m) */
    double r20;        /* 20 mph centre zone radius, 0 when none */
    double size;       /* relative traffic weight */
    int district;
    int capital;       /* 1: the main town of its district */
} gen_town;

typedef struct gen_road {
    double x[GEN_ROAD_MAXV], y[GEN_ROAD_MAXV], cum[GEN_ROAD_MAXV];
    int nv;
    double len;
    int kind;          /* GEN_ROAD_INTER or GEN_ROAD_STREET */
    int town_a, town_b;/* ends (s = 0 and s = len); town_b = -1 for streets */
    int limit;         /* posted limit away from towns */
    int cls;           /* STATS19 first_road_class: 1 M, 3 A, 4 B, 5 C, 6 unclassified */
    int number;        /* road number, 0 when none */
    int trunk;         /* 1 trunk road */
    int dual;          /* 1 dual carriageway */
    double weight;     /* traffic weight (per metre times length) */
} gen_road;

typedef struct gen_rsample { /* a point every 100 m along every road */
    int road;
    float s;
    int district;      /* -1 when outside every district */
} gen_rsample;

typedef struct gen_net {
    gen_town *towns;
    int ntowns;
    gen_road *roads;
    int nroads;
    double *cumw_inter, *cumw_street; /* cumulative traffic weights per road (0 for the other kind) */
    gen_rsample *samp;
    int nsamp;
    int *adj, *adj0;   /* roads touching town t: adj[adj0[t] .. adj0[t+1]) */
} gen_net;

typedef struct gen_leg {  /* drive along `road` from s0 to s1 (either order) */
    int road;
    double s0, s1;
} gen_leg;

/* ------------------------------------------------------------- hotspots.c */

typedef struct gen_hotspot {
    int id;            /* 1 .. GEN_NHOT; 1 is the dominant one */
    double x, y, r;
    int district, road, limit;
    double s;
    double share;      /* planted P(over enforcement threshold) for a ping inside */
    double weight;     /* share of the dedicated hot-spot trips */
    long long pings, over;    /* telematics pings written inside, and over threshold */
    long long concerns;       /* concerns written within 1 km */
} gen_hotspot;

/* ---------------------------------------------------------------- fleet.c */

typedef struct gen_site {  /* an enforcement site (mobile or fixed) */
    char id[24];
    char device[24];   /* fixed sites: their camera; mobile sites: "" */
    int type;          /* GEN_DEV_* */
    double x, y;
    int limit, district, road;
    double s;
} gen_site;

typedef struct gen_session { /* a patrol car parked at a mobile site with its TRUCAM */
    int64_t t0, t1;
    int vehicle;       /* 0 .. GEN_NFLEET-1 */
    int site;          /* into plan.msites */
    int weekend;       /* into plan.wk, -1 for a weekday patrol */
} gen_session;

typedef struct gen_weekend {
    int y, m, d;       /* the Saturday */
    int64_t win0, win1;/* Friday 18:00 .. Sunday 23:59:59 local, as UTC */
    int district;
    int nveh;
    int veh[4];
    double patrol_s, park_s;
    int in_fleet;      /* 1 when inside the fleet.csv period */
    long long pings;
    long long trucam_det;   /* TRUCAM detections in the window in its district */
    long long all_det_in_district;
} gen_weekend;

typedef struct gen_plan {
    gen_weekend *wk;
    int nwk;
    gen_session *ses;  /* sorted by t0 */
    int nses;
    int64_t max_session;
    gen_site *msites;  /* mobile sites, grouped by district */
    int nmsites;
    int dsite0[GEN_NDISTRICTS + 1];
    int weekday_patrols, weekday_patrols_in_file;
    struct gen_fping *fp; /* fleet.csv pings, sorted by time (fleet.c) */
    size_t nfp;
} gen_plan;

/* ------------------------------------------------------------ detections */

enum { GEN_DEV_TRUCAM = 0, GEN_DEV_GATSO, GEN_DEV_HADECS3, GEN_DEV_SPECS, GEN_DEV_REDSPEED,
       GEN_DEV_VECTOR, GEN_NDEV };
extern const char *const gen_dev_names[GEN_NDEV];

typedef struct gen_cohort_truth {
    double planted;
    long long index_vehicles, reoffended, same_episode, late_only;
} gen_cohort_truth;

/* ---------------------------------------------------------------- truth */

#define GEN_Y0 2015
#define GEN_NYEARS 6

typedef struct gen_truth {
    long long rows_telematics, rows_fleet, rows_detections, rows_collisions, rows_casualties,
        rows_concerns;
    long long traffic_trips, hot_trips, bg_pings, bg_over, pings_by_limit[8], over_by_limit[8];
    long long fleet_weekend_pings, fleet_weekday_pings;
    gen_cohort_truth cohort[GEN_NDEV];
    long long sites_by_device[GEN_NDEV]; /* TRUCAM: mobile sites */
    long long det_by_device[GEN_NDEV], det_vehicles, det_bg_vehicles, det_plate_variants[4],
        det_old_plates;
    long long coll_sev[GEN_NYEARS][4], cas_sev[GEN_NYEARS][4];
    long long ksi_q[GEN_NYEARS][4];
    double adj_ksi_q[GEN_NYEARS][4], exp_ksi_q[GEN_NYEARS][4];
    long long coll_missing_empty, coll_missing_minus1;
    long long concerns_by_source[4];
} gen_truth;

/* ---------------------------------------------------------------- world */

typedef struct gen_world {
    uint64_t seed;
    double scale;      /* pings scale linearly */
    double gentle;     /* sqrt(scale): detections, collisions, concerns */
    double p_trucam, p_gatso, p_other;
    const char *out;
    rs_geo *geo;       /* errors land in rs_geo_err(geo) */
    rs_crs *to_wgs;    /* EPSG:27700 -> EPSG:4326 */
    gen_county county;
    gen_net net;
    gen_hotspot hot[GEN_NHOT];
    gen_plan plan;
    gen_truth truth;
    int64_t per0, per1; /* telematics / fleet / concerns period [per0, per1), UTC */
    int64_t det0, det1; /* detections period [det0, det1) */
    int64_t idx0, idx1; /* reoffending index window [idx0, idx1) */
} gen_world;

static inline rs_err *gen_err(gen_world *w) { return rs_geo_err(w->geo); }

/* county.c: outline, Voronoi districts (GEOS), point location. */
int gen_county_build(gen_world *w);
void gen_county_free(gen_county *c);
int gen_county_inside(const gen_county *c, double x, double y);
int gen_county_locate(const gen_county *c, double x, double y); /* district or -1 */

/* shp.c: districts.shp/.shx/.dbf/.prj/.cpg. */
int gen_districts_write(gen_world *w);

/* roads.c */
int gen_net_build(gen_world *w);
void gen_net_free(gen_net *n);
int gen_road_limit(const gen_net *n, int road, double s);
/* Position at s and the grid bearing (degrees, 0 = north) of increasing s. */
void gen_road_point(const gen_road *r, double s, double *x, double *y, double *bearing);
int gen_net_pick_road(const gen_net *n, gen_rng *r, int kind);
/* Another road leaving town t (not `except`), or -1 when none. */
int gen_net_road_from_town(const gen_net *n, gen_rng *r, int t, int except);
/* Shortest drive from (r0, s0) to (r1, s1): legs written to legs[0..*nlegs). */
int gen_net_route(const gen_net *n, int r0, double s0, int r1, double s1, gen_leg *legs,
                  int maxlegs, int *nlegs);
/* Distance along the road from s to the nearer town end (streets: to s = 0). */
double gen_road_town_dist(const gen_net *n, int road, double s);

/* hotspots.c */
int gen_hotspots_place(gen_world *w);
/* Hot spot containing (x, y), or -1. */
int gen_hotspot_at(const gen_world *w, double x, double y);

/* fleet.c */
int gen_plan_build(gen_world *w);
int gen_fleet_write(gen_world *w);
void gen_plan_free(gen_plan *p);
/* Sessions covering t: up to max indices into plan.ses; returns the count. */
int gen_plan_sessions_at(const gen_plan *p, int64_t t, int *out, int max);

/* telematics.c */
int gen_telematics_write(gen_world *w);
/* Enforcement threshold test, exact: speed in tenths of mph. */
static inline int gen_over_threshold(int speed10, int limit) { return speed10 >= 11 * limit + 20; }
/* Draws a speed (tenths) for a vehicle on a `limit` road given its factor. */

/* detections.c, stats19.c, concerns.c, truth.c */
int gen_detections_write(gen_world *w);
int gen_stats19_write(gen_world *w);
int gen_concerns_write(gen_world *w);
int gen_truth_write(gen_world *w);

/* ---------------------------------------------------------------- csvout.c */

/* A CSV file written through one large buffer; every write is checked. */
typedef struct gen_out {
    FILE *f;
    char *buf;
    size_t len, cap;
    char path[1024];
    long long rows;
    int failed;
} gen_out;

#define GEN_OUT_ROW_MAX 1024 /* the longest row any writer formats */

int gen_out_open(gen_world *w, gen_out *o, const char *name, const char *header);
/* Room for one row of up to GEN_OUT_ROW_MAX bytes; 0 or an RS_E code. */
int gen_out_flush_if(gen_world *w, gen_out *o);
static inline char *gen_out_ptr(gen_out *o) { return o->buf + o->len; }
static inline void gen_out_commit(gen_out *o, const char *end)
{
    o->len = (size_t)(end - o->buf);
    o->rows++;
}
int gen_out_close(gen_world *w, gen_out *o);
void gen_out_abort(gen_out *o);
/* A path under --out: "<out>/<name>" into buf. */
int gen_path(gen_world *w, char *buf, size_t size, const char *name);

char *gen_fmt_int(char *p, long long v);
char *gen_fmt_fixed(char *p, long long scaled, int decimals); /* scaled / 10^decimals */
char *gen_fmt_str(char *p, const char *s);
char *gen_fmt_utc(char *p, int64_t t);           /* 2020-08-15T14:03:22Z */
char *gen_fmt_deg(char *p, double deg);          /* 6 decimals */
char *gen_fmt_2d(char *p, int v);                /* two digits */

/* BNG -> WGS84 in place (x = lon, y = lat on return), in batches. */
int gen_to_wgs(gen_world *w, double *x, double *y, size_t n);

/* Local UK wall clock -> UTC (timeutil). */
int64_t gen_local(int y, int m, int d, int hh, int mm, int ss);

#endif
