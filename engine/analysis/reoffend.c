/*
 * reoffend.c — reoffending by index device (see reoffend.h for the
 * definitions).
 *
 * One pass over "SELECT ... FROM detection ORDER BY vehicle, t,
 * detection_id", which SQLite answers from the covering index
 * detection_vehicle (schema 0002) without a sort or a table look-up.  A
 * vehicle's rows arrive together and in time order, so a small state
 * machine per vehicle finds the index detection (the first row inside the
 * period) and the reoffence (the first later row more than the episode
 * after it).  When the vehicle's rows end, it adds one survival
 * observation and, if followed up, counts in its stratum.  Afterwards:
 * rates and comparisons from the counts (stats.h), Kaplan–Meier and
 * log-rank from the observations (survival.h).
 *
 * Memory: 16 bytes per cohort vehicle plus the strata table (a few
 * hundred entries at most: limits x 2 x districts).
 */
#include "reoffend.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "devices.h"
#include "store.h"
#include "survival.h"

#define DAY_S 86400.0

static const double km_days[RS_REOFFEND_NKM] = {30, 90, 180, 365};

void rs_reoffend_opts_default(rs_reoffend_opts *o)
{
    memset(o, 0, sizeof *o);
    o->from = INT64_MIN;
    o->to = INT64_MAX;
    o->window = 365LL * 86400;
    o->episode = 24LL * 3600;
    o->data_end = RS_REOFFEND_DATA_END_AUTO;
    o->ncohorts = 2;
    strcpy(o->cohorts[0], rs_device_name(RS_DEV_TRUCAM));
    strcpy(o->cohorts[1], rs_device_name(RS_DEV_GATSO));
    o->strata = RS_STRATA_LIMIT | RS_STRATA_EXCESS;
    o->alpha = 0.05;
}

/* Calls fn on each comma-separated word of s (empty words included). */
static int each_word(const char *s, int (*fn)(void *, const char *, size_t), void *user,
                     const char **bad)
{
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (fn(user, p, len) != 0) {
            if (bad)
                *bad = p;
            return -1;
        }
        if (e == NULL)
            return 0;
        p = e + 1;
    }
}

static int strata_word(void *user, const char *w, size_t len)
{
    static const char *const names[] = {"limit", "excess", "district"};
    unsigned *bits = user;
    for (unsigned i = 0; i < 3; i++)
        if (strlen(names[i]) == len && strncasecmp(names[i], w, len) == 0) {
            if (*bits & (1u << i))
                return -1;
            *bits |= 1u << i;
            return 0;
        }
    return -1;
}

int rs_strata_parse(const char *s, unsigned *out)
{
    if (s == NULL)
        return -1;
    if (strcasecmp(s, "none") == 0) {
        *out = 0;
        return 0;
    }
    unsigned bits = 0;
    if (each_word(s, strata_word, &bits, NULL) != 0)
        return -1;
    *out = bits;
    return 0;
}

static int cohort_word(void *user, const char *w, size_t len)
{
    rs_reoffend_opts *o = user;
    int k = rs_device_parse(w, len);
    if (k < 0)
        return -1;
    const char *name = rs_device_name(k);
    for (size_t j = 0; j < o->ncohorts; j++)
        if (strcmp(o->cohorts[j], name) == 0)
            return -1;
    if (o->ncohorts >= RS_REOFFEND_MAX_COHORTS)
        return -1;
    strcpy(o->cohorts[o->ncohorts++], name);
    return 0;
}

int rs_reoffend_cohorts_parse(rs_reoffend_opts *o, const char *s, const char **bad)
{
    size_t keep = o->ncohorts;
    o->ncohorts = 0;
    if (s == NULL || *s == '\0' || each_word(s, cohort_word, o, bad) != 0) {
        if (bad && (s == NULL || *s == '\0'))
            *bad = s ? s : "";
        o->ncohorts = keep;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- strata */

typedef struct stratum {
    int64_t key;
    uint64_t followed[RS_REOFFEND_MAX_COHORTS];
    uint64_t reoffended[RS_REOFFEND_MAX_COHORTS];
} stratum;

typedef struct strata_tab {
    stratum *s;   /* sorted by key */
    size_t n, cap;
} strata_tab;

static int64_t stratum_key(unsigned bits, int limit, int64_t speed_cmph, int64_t district)
{
    int64_t key = 0;
    if (bits & RS_STRATA_LIMIT)
        key |= (int64_t)(limit & 0xffff) << 40;
    if (bits & RS_STRATA_EXCESS) /* above the course band (devices.h) */
        key |= (int64_t)rs_over_course(speed_cmph, limit) << 39;
    if (bits & RS_STRATA_DISTRICT)
        key |= (district + 1) & 0x7fffffffLL;
    return key;
}

/* The stratum with key (added when new), or NULL on out of memory. */
static stratum *stratum_get(strata_tab *t, int64_t key)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->s[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < t->n && t->s[lo].key == key)
        return &t->s[lo];
    if (t->n == t->cap) {
        size_t nc = t->cap ? 2 * t->cap : 64;
        stratum *ns = realloc(t->s, nc * sizeof *ns);
        if (ns == NULL)
            return NULL;
        t->s = ns;
        t->cap = nc;
    }
    memmove(&t->s[lo + 1], &t->s[lo], (t->n - lo) * sizeof *t->s);
    memset(&t->s[lo], 0, sizeof *t->s);
    t->s[lo].key = key;
    t->n++;
    return &t->s[lo];
}

/* --------------------------------------------------------------- scan */

/* One vehicle's progress through its time-ordered rows. */
typedef struct vehicle_state {
    int indexed;     /* index detection found */
    int cohort;      /* -1 when the index device type is not a named cohort */
    int64_t t0;      /* index time */
    int64_t key;     /* stratum of the index detection */
    int reoffended;
    int64_t t1;      /* reoffence time */
} vehicle_state;

typedef struct scan {
    const rs_reoffend_opts *o;
    rs_reoffend_result *res;
    strata_tab strata;
    rs_surv_obs *obs;
    size_t nobs, capobs;
} scan;

static int vehicle_done(scan *s, const vehicle_state *v)
{
    if (!v->indexed)
        return RS_OK;
    s->res->vehicles_indexed++;
    if (v->cohort < 0)
        return RS_OK;
    const rs_reoffend_opts *o = s->o;
    rs_reoffend_cohort *c = &s->res->cohort[v->cohort];
    c->vehicles++;
    if (v->t0 < s->res->index_first)
        s->res->index_first = v->t0;
    if (v->t0 > s->res->index_last)
        s->res->index_last = v->t0;
    if (s->nobs == s->capobs) {
        size_t nc = s->capobs ? 2 * s->capobs : 4096;
        rs_surv_obs *no = realloc(s->obs, nc * sizeof *no);
        if (no == NULL)
            return RS_ENOMEM;
        s->obs = no;
        s->capobs = nc;
    }
    rs_surv_obs *ob = &s->obs[s->nobs++];
    ob->group = (unsigned char)v->cohort;
    ob->event = (unsigned char)(v->reoffended != 0);
    ob->time = (double)((v->reoffended ? v->t1 : s->res->data_end) - v->t0);
    if (v->t0 > s->res->data_end - o->window) /* index + window > data end */
        return RS_OK;
    int within = v->reoffended && v->t1 - v->t0 <= o->window;
    c->followed_up++;
    c->reoffended += (uint64_t)within;
    stratum *st = stratum_get(&s->strata, v->key);
    if (st == NULL)
        return RS_ENOMEM;
    st->followed[v->cohort]++;
    st->reoffended[v->cohort] += (uint64_t)within;
    return RS_OK;
}

static int cohort_of(const rs_reoffend_opts *o, const unsigned char *type)
{
    if (type == NULL)
        return -1;
    for (size_t i = 0; i < o->ncohorts; i++)
        if (strcmp((const char *)type, o->cohorts[i]) == 0)
            return (int)i;
    return -1;
}

static int read_detections(rs_ctx *ctx, scan *s)
{
    sqlite3 *db = rs_ctx_db(ctx);
    sqlite3_stmt *st = NULL;
    const rs_reoffend_opts *o = s->o;
    int rc = RS_OK;
    /* Answered from the covering index detection_vehicle (schema 0002)
     * without a sort and without visiting the table. */
    if (sqlite3_prepare_v2(db,
                           "SELECT vehicle, t, device_type, speed_cmph, limit_mph, district_id "
                           "FROM detection WHERE vehicle IS NOT NULL "
                           "ORDER BY vehicle, t, detection_id",
                           -1, &st, NULL) != SQLITE_OK)
        return rs_store_fail(ctx, "reoffending: read detections");
    /* detections without a plate have no vehicle to follow: counted, left out */
    sqlite3_stmt *np = NULL;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM detection WHERE vehicle IS NULL AND t <= ?1",
                           -1, &np, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return rs_store_fail(ctx, "reoffending: count detections without a plate");
    }
    sqlite3_bind_int64(np, 1, s->res->data_end);
    int nstep = sqlite3_step(np);
    if (nstep == SQLITE_ROW)
        s->res->no_plate = (uint64_t)sqlite3_column_int64(np, 0);
    sqlite3_finalize(np);
    if (nstep != SQLITE_ROW) {
        sqlite3_finalize(st);
        return rs_store_fail(ctx, "reoffending: count detections without a plate");
    }
    unsigned char prev[32];
    int have_prev = 0;
    vehicle_state v;
    memset(&v, 0, sizeof v);
    int64_t data_end = s->res->data_end;
    for (;;) {
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = rs_store_fail(ctx, "reoffending: read detections");
            goto done;
        }
        s->res->detections++;
        const void *veh = sqlite3_column_blob(st, 0);
        int vlen = sqlite3_column_bytes(st, 0);
        if (veh == NULL || vlen != 32) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_EINPUT,
                            "reoffending: a stored detection has no 32-byte vehicle hash");
            goto done;
        }
        if (!have_prev || memcmp(prev, veh, 32) != 0) {
            if (have_prev && (rc = vehicle_done(s, &v)) != RS_OK)
                goto done;
            memcpy(prev, veh, 32);
            have_prev = 1;
            memset(&v, 0, sizeof v);
        }
        int64_t t = sqlite3_column_int64(st, 1);
        if (t > data_end)
            continue;
        if (!v.indexed) {
            if (t < o->from || t >= o->to)
                continue;
            v.indexed = 1;
            v.t0 = t;
            v.cohort = cohort_of(o, sqlite3_column_text(st, 2));
            if (v.cohort >= 0) {
                int64_t district = sqlite3_column_type(st, 5) == SQLITE_NULL
                                       ? -1
                                       : sqlite3_column_int64(st, 5);
                v.key = stratum_key(o->strata, sqlite3_column_int(st, 4),
                                    sqlite3_column_int64(st, 3), district);
            }
            continue;
        }
        if (!v.reoffended && t - v.t0 > o->episode) {
            v.reoffended = 1;
            v.t1 = t;
        }
    }
    if (have_prev)
        rc = vehicle_done(s, &v);
done:
    if (rc == RS_ENOMEM)
        rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (reoffending)");
    sqlite3_finalize(st);
    return rc;
}

/* ------------------------------------------------------------ figures */

static void comparisons(const rs_reoffend_opts *o, const strata_tab *strata, size_t j,
                        rs_reoffend_result *res, unsigned long *buf)
{
    rs_reoffend_cohort *c = &res->cohort[j], *r = &res->cohort[0];
    c->diff = c->rr = c->p = c->mh.rr = NAN;
    c->diff_ci.low = c->diff_ci.high = c->rr_ci.low = c->rr_ci.high = NAN;
    c->mh.ci.low = c->mh.ci.high = NAN;
    c->mh.strata_used = 0;
    if (j == 0 || c->followed_up == 0 || r->followed_up == 0)
        return;
    unsigned long k1 = (unsigned long)c->reoffended, n1 = (unsigned long)c->followed_up;
    unsigned long k0 = (unsigned long)r->reoffended, n0 = (unsigned long)r->followed_up;
    c->diff = c->rate - r->rate;
    c->diff_ci = rs_prop_diff_ci(k1, n1, k0, n0, o->alpha);
    c->p = rs_two_prop_p(k1, n1, k0, n0);
    if (k0 > 0) {
        c->rr = rs_rr(k1, n1, k0, n0);
        c->rr_ci = rs_rr_ci(k1, n1, k0, n0, o->alpha);
    }
    size_t ns = strata->n;
    unsigned long *a = buf, *na = buf + ns, *cc = buf + 2 * ns, *nc = buf + 3 * ns;
    for (size_t i = 0; i < ns; i++) {
        a[i] = (unsigned long)strata->s[i].reoffended[j];
        na[i] = (unsigned long)strata->s[i].followed[j];
        cc[i] = (unsigned long)strata->s[i].reoffended[0];
        nc[i] = (unsigned long)strata->s[i].followed[0];
    }
    c->mh = rs_mantel_haenszel_rr(ns, a, na, cc, nc, o->alpha);
}

static int survival(rs_ctx *ctx, const rs_reoffend_opts *o, scan *s)
{
    rs_reoffend_result *res = s->res;
    rs_surv_sort(s->obs, s->nobs);
    for (size_t j = 0; j < res->ncohorts; j++) {
        rs_reoffend_cohort *c = &res->cohort[j];
        rs_km *km = NULL;
        int rc = rs_km_fit(ctx, s->obs, s->nobs, (int)j, &km);
        if (rc != RS_OK)
            return rc;
        c->events = km->events;
        for (size_t i = 0; i < RS_REOFFEND_NKM; i++)
            c->km[i] = rs_km_cum(km, km_days[i] * DAY_S, o->alpha, &c->km_ci[i]);
        if (km->subjects > 0) {
            size_t days = (size_t)floor(km->t_max / DAY_S) + 1;
            c->curve = malloc(days * sizeof *c->curve);
            if (c->curve == NULL) {
                rs_km_free(km);
                return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (reoffending)");
            }
            for (size_t d = 0; d < days; d++) {
                rs_ci ci;
                c->curve[d].day = (double)d;
                c->curve[d].cum = rs_km_cum(km, (double)d * DAY_S, o->alpha, &ci);
                c->curve[d].low = ci.low;
                c->curve[d].high = ci.high;
            }
            c->ncurve = days;
        }
        rs_km_free(km);
    }
    rs_logrank_result lr;
    int rc = rs_logrank(ctx, s->obs, s->nobs, res->ncohorts, &lr);
    if (rc != RS_OK)
        return rc;
    res->logrank_chisq = lr.chisq;
    res->logrank_df = lr.df;
    res->logrank_p = lr.p;
    return RS_OK;
}

static int check_opts(rs_ctx *ctx, const rs_reoffend_opts *o)
{
    rs_err *e = rs_ctx_err(ctx);
    if (rs_ctx_db(ctx) == NULL)
        return rs_err_set(e, RS_EUSAGE, "reoffending: no workspace is open");
    if (o->ncohorts == 0 || o->ncohorts > RS_REOFFEND_MAX_COHORTS)
        return rs_err_set(e, RS_EUSAGE, "reoffending: 1 to %d cohorts", RS_REOFFEND_MAX_COHORTS);
    if (o->from >= o->to)
        return rs_err_set(e, RS_EUSAGE, "reoffending: the index period is empty");
    if (o->window <= 0)
        return rs_err_set(e, RS_EUSAGE, "reoffending: the window must be positive");
    if (o->episode < 0)
        return rs_err_set(e, RS_EUSAGE, "reoffending: the episode must not be negative");
    if (!(o->alpha > 0 && o->alpha < 1))
        return rs_err_set(e, RS_EUSAGE, "reoffending: alpha must lie in (0, 1)");
    if (o->strata & ~(unsigned)(RS_STRATA_LIMIT | RS_STRATA_EXCESS | RS_STRATA_DISTRICT))
        return rs_err_set(e, RS_EUSAGE, "reoffending: unknown strata bits");
    return RS_OK;
}

void rs_reoffend_result_free(rs_reoffend_result *r)
{
    if (r == NULL)
        return;
    for (size_t j = 0; r->cohort && j < r->ncohorts; j++)
        free(r->cohort[j].curve);
    free(r->cohort);
    free(r);
}

int rs_reoffend_run(rs_ctx *ctx, const rs_reoffend_opts *o, rs_reoffend_result **out)
{
    *out = NULL;
    int rc = check_opts(ctx, o);
    if (rc != RS_OK)
        return rc;
    scan s;
    memset(&s, 0, sizeof s);
    s.o = o;
    unsigned long *buf = NULL;
    rs_reoffend_result *res = calloc(1, sizeof *res);
    if (res == NULL || (res->cohort = calloc(o->ncohorts, sizeof *res->cohort)) == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (reoffending)");
        goto done;
    }
    s.res = res;
    res->ncohorts = o->ncohorts;
    memcpy(res->km_days, km_days, sizeof km_days);
    res->logrank_chisq = res->logrank_p = NAN;
    res->index_first = INT64_MAX;
    res->index_last = INT64_MIN;
    for (size_t j = 0; j < o->ncohorts; j++)
        snprintf(res->cohort[j].name, sizeof res->cohort[j].name, "%s", o->cohorts[j]);

    res->data_end = o->data_end;
    if (res->data_end == RS_REOFFEND_DATA_END_AUTO) {
        int64_t n = 0, last = 0;
        if ((rc = rs_store_query_int(ctx, "SELECT EXISTS (SELECT 1 FROM detection)", &n)) !=
                RS_OK ||
            (n > 0 && (rc = rs_store_query_int(ctx, "SELECT max(t) FROM detection", &last)) !=
                          RS_OK))
            goto done;
        res->data_end = n > 0 ? last : INT64_MIN;
    }
    if ((rc = read_detections(ctx, &s)) != RS_OK)
        goto done;

    res->strata = s.strata.n;
    buf = malloc((4 * s.strata.n + 1) * sizeof *buf);
    if (buf == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (reoffending)");
        goto done;
    }
    for (size_t j = 0; j < o->ncohorts; j++) {
        rs_reoffend_cohort *c = &res->cohort[j];
        c->rate = c->followed_up ? (double)c->reoffended / (double)c->followed_up : NAN;
        if (c->followed_up)
            c->ci = rs_wilson_ci((unsigned long)c->reoffended, (unsigned long)c->followed_up,
                                 o->alpha);
        else
            c->ci.low = c->ci.high = NAN;
    }
    for (size_t j = 0; j < o->ncohorts; j++)
        comparisons(o, &s.strata, j, res, buf);
    if ((rc = survival(ctx, o, &s)) != RS_OK)
        goto done;
    *out = res;
    res = NULL;
done:
    free(buf);
    free(s.strata.s);
    free(s.obs);
    rs_reoffend_result_free(res);
    return rc;
}
