/*
 * weekend.h — which policing district gets each weekend's extra speed
 * enforcement: a score per district with every part shown, and a plan for
 * N weekends, either ranked or drawn at random in proportion to the score.
 *
 * Definitions (README "roadsafe weekends" repeats them for planners).
 * S is the UK-local start day; n is the number of districts in the
 * workspace.  County references are over all n districts, excluded ones
 * too (excluding a district from the plan does not change the others).
 *
 *  Windows.  Lookback: the UK-local days S - L .. S - 1 (L = lookback
 *  days).  Harm: collisions whose UK-local date lies in [S - 36 months, S)
 *  (same day of the month three years earlier, clamped to the month's
 *  end).  Weekend k (k = 1..N): the Saturday on or after S, plus 7(k-1)
 *  days.
 *
 *  Speeding S_i.  Every traffic ping in district i in the lookback counts
 *  weight 2 when its UK-local day is a Saturday or Sunday, else 1.  P_i =
 *  weighted pings, O_i = weighted pings over the enforcement threshold
 *  (pings.h).  County share c = sum O / sum P; mean volume Ō = sum O / n.
 *  Share shrunk toward the county with 100 weighted pings of prior:
 *  s_i = (O_i + 100 c) / (P_i + 100).  S_i = sqrt((s_i / c) (O_i / Ō)),
 *  the geometric mean of the share index and the volume index (both 1 for
 *  a county-average district, 0 with no pings).  0 when sum O = 0.
 *
 *  Harm H_i.  y_i = KSI casualties (casualty severity fatal or serious) of
 *  collisions located in district i in the harm window; E_i = area, km².
 *  Poisson-gamma empirical Bayes, method-of-moments prior (Marshall 1991):
 *  county rate m = sum y / sum E; r_i = y_i / E_i; s² = sum E_i (r_i - m)²
 *  / sum E; prior variance v = max(0, s² - m / (sum E / n)); shrinkage
 *  weight b_i = v / (v + m / E_i) (0 when v = 0); EB rate t_i = m + b_i
 *  (r_i - m), which is the gamma posterior mean (y_i + a) / (E_i + B) with
 *  a = m² / v, B = m / v.  H_i = t_i / m; 0 when m = 0.
 *
 *  Concerns C_i.  A place is a 100 m square of the British National Grid
 *  (the one holding (floor(e / 100), floor(n / 100)) x 100 m); a week is a
 *  UK-local Monday to Sunday.  k_i = concern places: the distinct (place,
 *  week) pairs among the concern reports in district i in the lookback, so
 *  a burst of reports at one spot in one week counts once.  Shrunk toward
 *  the county exactly as harm is (the same Poisson-gamma method of moments,
 *  with k_i for y_i and the area E_i): county rate m_c = sum k / sum E,
 *  prior variance v_c, weight b_c,i, shrunk rate t_c,i; C_i = t_c,i / m_c;
 *  0 when sum k = 0.
 *
 *  Detections D_i = d_i / (sum d / n), d_i = speed detections (any device)
 *  in district i in the lookback; 0 when sum d = 0.
 *
 *  Score.  Base B_i = w_speed S_i + w_harm H_i + w_concerns C_i.  At a
 *  weekend of the plan, with g_i weekends already given to district i
 *  earlier in the same plan:
 *      score_i = B_i / (1 + w_detections D_i + w_fleet F_i + w_planned g_i).
 *  Defaults: w_speed = w_harm = w_concerns = 1, w_detections = 0.25,
 *  w_fleet = 0.25, w_planned = 1.  F_i is the fleet-presence part: minutes
 *  of patrol presence in district i in the lookback (from the force's
 *  fleet telematics, presence.h) divided by the mean over districts; 0 for
 *  every district when the workspace holds no fleet pings.
 *  No data: a district with no pings in the lookback, no KSI casualty in
 *  the harm window and no concern in the lookback scores 0, with a reason.
 *
 *  Plan.  Eligible at weekend k: not excluded, score > 0, and not chosen
 *  at any of the weekends k - W .. k - 1 (W = cooldown).  Ranked: the
 *  eligible district with the highest score (ties: lower district id).
 *  Unpredictable: u = the next output of splitmix64 (seeded with the plan's
 *  seed) with its top 53 bits divided by 2^53; the districts are taken in
 *  id order and the first whose running sum of eligible scores exceeds
 *  u x (the sum of all eligible scores) is chosen, so P(i) = score_i /
 *  sum of eligible scores.  One u is drawn per weekend, whether or not any
 *  district is eligible.  No eligible district: the weekend has none.
 *
 * Data structure: rs_weekend_scores holds one rs_weekend_district per
 * workspace district (index = district id) with raw counts, parts and
 * reasons, and the county references; rs_weekend_plan one rs_weekend_pick
 * per weekend.
 * Workload: two streaming scans of the lookback's telematics (weekend
 * and weekday pings, constant memory), three grouped SQL counts, one
 * sorted pass over the lookback's concerns and four min/max queries for
 * the data's span; the plan is O(N x districts).
 */
#ifndef RS_WEEKEND_H
#define RS_WEEKEND_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

typedef struct rs_weekend_weights {
    double speed, harm, concerns; /* the base: parts added */
    double detections, planned;   /* the divisor: recent enforcement */
    double fleet;                 /* the divisor's patrol presence (default 0.25) */
} rs_weekend_weights;

/* speed=1, harm=1, concerns=1, detections=0.25, planned=1, fleet=0.25 */
void rs_weekend_weights_default(rs_weekend_weights *w);
/* Sets the weights named in "key=value,..." (keys speed, harm, concerns,
 * detections, fleet, planned; values plain decimals >= 0); others keep their
 * value.  0, or -1 for an unknown key, a bad value or a key twice. */
int rs_weekend_weights_parse(const char *s, rs_weekend_weights *w);

typedef struct rs_weekend_opts {
    int64_t start_day;        /* UK-local day S, days since 1970-01-01 */
    int lookback_days;        /* L >= 1; default 90 */
    int harm_months;          /* default 36 */
    double weekend_weight;    /* weight of a weekend ping; default 2 */
    double share_prior;       /* weighted pings of prior in the share; default 100 */
    rs_weekend_weights w;
    const int *exclude;       /* district ids left out of ranking and plan */
    size_t nexclude;
} rs_weekend_opts;

/* Defaults above; start_day 0, no exclusions. */
void rs_weekend_opts_init(rs_weekend_opts *o);

/* The data behind each window: the lookback's telematics (traffic),
 * concerns and detections, and the harm window's STATS19 collisions. */
enum {
    RS_WEEKEND_COVER_TELEMATICS = 0,
    RS_WEEKEND_COVER_CONCERNS,
    RS_WEEKEND_COVER_DETECTIONS,
    RS_WEEKEND_COVER_COLLISIONS,
    RS_WEEKEND_NCOVER
};

/* How one window meets its data.  The data of a kind cover whole calendar
 * months: from the first day of the UK-local month of its first record to
 * the last day of the month of its last record; a day of the window
 * outside that span has no data (not "zero"). */
typedef struct rs_weekend_cover {
    const char *what;         /* "telematics", "concerns", "detections", "STATS19 collisions" */
    const char *window;       /* "lookback" or "harm window" */
    int loaded;               /* any record of the kind in the workspace */
    int64_t first, last;      /* first and last day of the data's months (loaded) */
    int64_t from, to;         /* the window, UK-local days [from, to) */
    int64_t before, after;    /* days of the window before first, after last (all when not loaded) */
} rs_weekend_cover;

/* Days of the window without data (before + after), and 1 when that is
 * every day of it. */
int64_t rs_weekend_cover_missing(const rs_weekend_cover *c);
int rs_weekend_cover_empty(const rs_weekend_cover *c);

typedef struct rs_weekend_district {
    char *name, *code;        /* owned */
    double area_km2;
    int excluded;
    /* raw counts */
    uint64_t pings, weekend_pings;  /* traffic pings in the lookback */
    uint64_t over, weekend_over;    /* of them over the enforcement threshold */
    uint64_t ksi;                   /* KSI casualties in the harm window */
    uint64_t concerns;              /* concern reports in the lookback */
    uint64_t concern_places;        /* k_i: distinct (100 m place, week) pairs of them */
    uint64_t detections;            /* detections in the lookback */
    double fleet_minutes;           /* patrol presence in the lookback, minutes */
    /* derived by rs_weekend_compute */
    int has_data;
    double pings_w, over_w;   /* weighted P_i, O_i */
    double share;             /* s_i, shrunk */
    double share_index;       /* s_i / c */
    double volume_index;      /* O_i / Ō */
    double speed;             /* S_i */
    double ksi_rate;          /* r_i, per km² */
    double ksi_weight;        /* b_i */
    double ksi_eb;            /* t_i, per km² */
    double harm;              /* H_i */
    double concern_rate;      /* k_i / E_i, per km² */
    double concern_weight;    /* b_c,i */
    double concern_eb;        /* t_c,i, per km² */
    double concern_index;     /* C_i */
    double detection_index;   /* D_i */
    double fleet;             /* F_i: patrol presence in the lookback relative to
                               * the county mean (0 without fleet telematics) */
    double base;              /* B_i (0 when excluded or without data) */
    double score;             /* score with no weekend planned yet (g_i = 0) */
    int rank;                 /* 1-based among the districts not excluded; 0 excluded */
    char reason[256];         /* one line */
} rs_weekend_district;

typedef struct rs_weekend_scores {
    rs_weekend_opts opts;     /* copied; exclude is not kept (see excluded) */
    int64_t from, to;         /* lookback, UTC [from, to) */
    char harm_from[11], harm_to[11]; /* harm window, UK-local dates [from, to) */
    size_t n;
    rs_weekend_district *d;   /* index = district id */
    size_t *order;            /* ranking: not-excluded district ids, best first */
    size_t nranked;
    /* county references */
    double county_share;      /* c */
    double mean_over;         /* Ō */
    double ksi_rate;          /* m, per km² */
    double ksi_var;           /* v */
    double prior_a, prior_b;  /* gamma prior (0 when v = 0) */
    double concern_rate;      /* m_c, concern places per km² */
    double concern_var;       /* v_c */
    double concern_prior_a, concern_prior_b; /* (0 when v_c = 0) */
    double mean_concerns, mean_detections;   /* mean concern places, detections */
    double mean_fleet;        /* mean patrol presence, minutes */
    uint64_t pings;           /* all traffic pings in districts in the lookback */
    /* where each window meets its data (rs_weekend_score; all not loaded
     * in a set from rs_weekend_scores_new) */
    rs_weekend_cover cover[RS_WEEKEND_NCOVER];
} rs_weekend_scores;

/* Reads the workspace and scores every district (rs_weekend_compute).
 * Returns 0 and *out (free with rs_weekend_scores_free), RS_EUSAGE for a
 * bad option (lookback < 1, an exclusion id out of range), RS_ENOTFOUND
 * when the workspace has no districts, or an RS_E code. */
int rs_weekend_score(rs_ctx *ctx, const rs_weekend_opts *o, rs_weekend_scores **out);

/* An empty score set of n districts (names and codes copied, codes may be
 * NULL) for callers that have the counts already (tests): set the raw
 * counts, then call rs_weekend_compute.  0 and *out, or RS_ENOMEM. */
int rs_weekend_scores_new(rs_ctx *ctx, size_t n, const char *const *names,
                          const char *const *codes, const double *area_km2,
                          const rs_weekend_opts *o, rs_weekend_scores **out);
void rs_weekend_scores_free(rs_weekend_scores *s);

/* 1 when every window the score is built from (telematics and concerns in
 * the lookback, collisions in the harm window) lies wholly outside its data
 * or its data are not loaded: the score would rest on nothing. */
int rs_weekend_stale(const rs_weekend_scores *s);

/* Computes every derived field, the county references, the ranking and
 * the reasons from the raw counts, excluded flags and fleet parts. */
void rs_weekend_compute(rs_weekend_scores *s);

/* score_i after `planned` weekends given to it: B_i / (1 + w_d D_i +
 * w_f F_i + w_p planned). */
double rs_weekend_score_at(const rs_weekend_scores *s, size_t i, double planned);

/* ---- the plan ------------------------------------------------------------- */

typedef enum { RS_WEEKEND_RANKED = 0, RS_WEEKEND_UNPREDICTABLE = 1 } rs_weekend_mode;

/* "ranked" | "unpredictable" -> 0; -1 otherwise. */
int rs_weekend_mode_parse(const char *s, rs_weekend_mode *out);
const char *rs_weekend_mode_name(rs_weekend_mode m);

typedef struct rs_weekend_plan_opts {
    size_t count;             /* N >= 1 weekends */
    int cooldown;             /* W >= 0 */
    rs_weekend_mode mode;
    uint64_t seed;            /* unpredictable only */
} rs_weekend_plan_opts;

typedef struct rs_weekend_pick {
    int64_t saturday;         /* UK-local day of the weekend's Saturday */
    int district;             /* district id, -1 when none was eligible */
    double score;             /* the district's score at this weekend */
    double planned;           /* weekends given to it earlier in the plan (g_i) */
    double probability;       /* unpredictable: score / sum of eligible scores; NaN ranked */
    double u;                 /* unpredictable: the uniform drawn; NaN ranked */
    size_t eligible;          /* districts eligible at this weekend */
    char reason[320];         /* one line */
} rs_weekend_pick;

typedef struct rs_weekend_plan {
    rs_weekend_plan_opts opts;
    size_t n;
    rs_weekend_pick *picks;
} rs_weekend_plan;

/* Plans o->count weekends from s (see the definitions above).  Returns 0
 * and *out (free with rs_weekend_plan_free), RS_EUSAGE for count 0 or a
 * negative cooldown, RS_ENOMEM. */
int rs_weekend_plan_make(rs_ctx *ctx, const rs_weekend_scores *s, const rs_weekend_plan_opts *o,
                         rs_weekend_plan **out);
void rs_weekend_plan_free(rs_weekend_plan *p);

/* The plan's random numbers: splitmix64 (Steele, Lea, Flood 2014). */
typedef struct rs_weekend_rng {
    uint64_t state;
} rs_weekend_rng;
void rs_weekend_rng_seed(rs_weekend_rng *r, uint64_t seed);
uint64_t rs_weekend_rng_next(rs_weekend_rng *r);
/* Top 53 bits of the next output / 2^53: uniform on [0, 1). */
double rs_weekend_rng_uniform(rs_weekend_rng *r);

/* The index chosen by u in [0, 1) among n weights (w[i] <= 0 never
 * chosen): the first i whose running sum exceeds u x the total, so
 * P(i) = w[i] / total.  -1 when no weight is positive. */
int rs_weekend_draw(double u, const double *w, size_t n);

#endif
