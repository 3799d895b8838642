/*
 * weekend.c — district scores and the weekend plan (definitions in
 * weekend.h).
 *
 * Reading: the lookback's traffic pings are scanned twice through
 * pingscan (weekend days, then weekdays: the one shared day filter) and
 * counted per district; KSI casualties, concerns and detections are one
 * grouped SQL count each.  Scoring and planning are pure arithmetic on
 * those counts, in district id order, so the same workspace and options
 * give the same figures and the same plan.
 */
#include "weekend.h"
#include "presence.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "district.h"
#include "parse.h"
#include "pingscan.h"
#include "store.h"
#include "timeutil.h"

/* ---- options ---------------------------------------------------------- */

void rs_weekend_weights_default(rs_weekend_weights *w)
{
    w->speed = 1;
    w->harm = 1;
    w->concerns = 1;
    w->detections = 0.25;
    w->planned = 1;
    w->fleet = 0.25;
}

int rs_weekend_weights_parse(const char *s, rs_weekend_weights *w)
{
    static const char *const keys[] = {"speed",   "harm",    "concerns",
                                       "detections", "planned", "fleet"};
    double *slots[] = {&w->speed,      &w->harm,    &w->concerns,
                       &w->detections, &w->planned, &w->fleet};
    int seen[6] = {0};
    if (s == NULL || *s == '\0')
        return -1;
    const char *p = s;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq == NULL)
            return -1;
        size_t klen = (size_t)(eq - p);
        int k = -1;
        for (int i = 0; i < 5; i++)
            if (strlen(keys[i]) == klen && strncmp(p, keys[i], klen) == 0)
                k = i;
        double v;
        if (k < 0 || seen[k] || rs_parse_decimal(eq + 1, len - klen - 1, &v) != 0 || v < 0 ||
            !isfinite(v))
            return -1;
        seen[k] = 1;
        *slots[k] = v;
        if (end == NULL)
            break;
        p = end + 1;
    }
    return 0;
}

void rs_weekend_opts_init(rs_weekend_opts *o)
{
    memset(o, 0, sizeof *o);
    o->lookback_days = 90;
    o->harm_months = 36;
    o->weekend_weight = 2;
    o->share_prior = 100;
    rs_weekend_weights_default(&o->w);
}

int rs_weekend_mode_parse(const char *s, rs_weekend_mode *out)
{
    if (s && strcmp(s, "ranked") == 0)
        *out = RS_WEEKEND_RANKED;
    else if (s && strcmp(s, "unpredictable") == 0)
        *out = RS_WEEKEND_UNPREDICTABLE;
    else
        return -1;
    return 0;
}

const char *rs_weekend_mode_name(rs_weekend_mode m)
{
    return m == RS_WEEKEND_UNPREDICTABLE ? "unpredictable" : "ranked";
}

/* ---- score sets ------------------------------------------------------- */

void rs_weekend_scores_free(rs_weekend_scores *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; s->d && i < s->n; i++) {
        free(s->d[i].name);
        free(s->d[i].code);
    }
    free(s->d);
    free(s->order);
    free(s);
}

static void ymd(int64_t day, char buf[11])
{
    int y, m, d;
    rs_civil_from_days(day, &y, &m, &d);
    snprintf(buf, 11, "%04d-%02d-%02d", y, m, d);
}

static int64_t local_midnight(int64_t day)
{
    int y, m, d;
    rs_civil_from_days(day, &y, &m, &d);
    return rs_london_to_utc(y, m, d, 0, 0, 0, NULL);
}

/* The day `months` months before `day`, its day of the month clamped. */
static int64_t months_before(int64_t day, int months)
{
    int y, m, d;
    rs_civil_from_days(day, &y, &m, &d);
    int idx = y * 12 + (m - 1) - months;
    int ny = idx >= 0 ? idx / 12 : -((-idx + 11) / 12);
    int nm = idx - ny * 12 + 1;
    while (d > 28 && !rs_is_valid_date(ny, nm, d))
        d--;
    return rs_days_from_civil(ny, nm, d);
}

int rs_weekend_scores_new(rs_ctx *ctx, size_t n, const char *const *names,
                          const char *const *codes, const double *area_km2,
                          const rs_weekend_opts *o, rs_weekend_scores **out)
{
    *out = NULL;
    rs_weekend_scores *s = calloc(1, sizeof *s);
    if (s == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    s->opts = *o;
    s->opts.exclude = NULL;
    s->opts.nexclude = 0;
    s->n = n;
    s->d = calloc(n ? n : 1, sizeof *s->d);
    s->order = calloc(n ? n : 1, sizeof *s->order);
    if (s->d == NULL || s->order == NULL) {
        rs_weekend_scores_free(s);
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        s->d[i].name = strdup(names[i]);
        s->d[i].code = strdup(codes && codes[i] ? codes[i] : "");
        s->d[i].area_km2 = area_km2[i];
        if (s->d[i].name == NULL || s->d[i].code == NULL) {
            rs_weekend_scores_free(s);
            return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        }
    }
    s->to = local_midnight(o->start_day);
    s->from = local_midnight(o->start_day - (o->lookback_days > 0 ? o->lookback_days : 0));
    ymd(months_before(o->start_day, o->harm_months), s->harm_from);
    ymd(o->start_day, s->harm_to);
    *out = s;
    return 0;
}

/* ---- reading the workspace -------------------------------------------- */

typedef struct ping_count {
    rs_weekend_scores *s;
    int weekend;
} ping_count;

static int count_pings(void *user, const rs_ping *p, size_t n)
{
    ping_count *pc = user;
    rs_weekend_scores *s = pc->s;
    for (size_t k = 0; k < n; k++) {
        if (p[k].district < 0 || (size_t)p[k].district >= s->n)
            continue;
        rs_weekend_district *d = &s->d[p[k].district];
        int over = rs_ping_over_threshold(p[k].speed, p[k].limit);
        d->pings++;
        d->over += (uint64_t)over;
        if (pc->weekend) {
            d->weekend_pings++;
            d->weekend_over += (uint64_t)over;
        }
    }
    return 0;
}

/* Runs a "SELECT district_id, count" query with ?1, ?2 bound (text when
 * text != 0, else integers) and stores the counts at offset `field`. */
static int count_query(rs_ctx *ctx, rs_weekend_scores *s, const char *sql, int text,
                       int64_t a, int64_t b, const char *ta, const char *tb, size_t field,
                       const char *what)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(rs_ctx_db(ctx), sql, -1, &st, NULL) != SQLITE_OK)
        return rs_store_fail(ctx, what);
    int bound = text ? sqlite3_bind_text(st, 1, ta, -1, SQLITE_STATIC) == SQLITE_OK &&
                           sqlite3_bind_text(st, 2, tb, -1, SQLITE_STATIC) == SQLITE_OK
                     : sqlite3_bind_int64(st, 1, a) == SQLITE_OK &&
                           sqlite3_bind_int64(st, 2, b) == SQLITE_OK;
    if (!bound) { /* unbound parameters would count nothing, silently */
        int rc = rs_store_fail(ctx, what);
        sqlite3_finalize(st);
        return rc;
    }
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        int64_t c = sqlite3_column_int64(st, 1);
        if (id < 0 || (uint64_t)id >= s->n || c < 0)
            continue;
        *(uint64_t *)((char *)&s->d[id] + field) = (uint64_t)c;
    }
    int rc = step == SQLITE_DONE ? 0 : rs_store_fail(ctx, what);
    sqlite3_finalize(st);
    return rc;
}

int rs_weekend_score(rs_ctx *ctx, const rs_weekend_opts *o, rs_weekend_scores **out)
{
    rs_districts *dist = NULL;
    rs_weekend_scores *s = NULL;
    const char **names = NULL, **codes = NULL;
    double *area = NULL;
    int rc;
    *out = NULL;
    if (o->lookback_days < 1 || o->harm_months < 1 || !(o->weekend_weight >= 0) ||
        !(o->share_prior >= 0))
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE,
                          "weekend scores: lookback and harm window must be at least 1");
    if ((rc = rs_store_districts_read(ctx, &dist)) != 0)
        return rc;
    if (dist == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOTFOUND,
                          "the workspace has no districts (roadsafe districts load ...)");
    size_t n = rs_districts_count(dist);
    names = calloc(n, sizeof *names);
    codes = calloc(n, sizeof *codes);
    area = calloc(n, sizeof *area);
    if (names == NULL || codes == NULL || area == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        names[i] = rs_districts_name(dist, i);
        codes[i] = rs_districts_code(dist, i);
        area[i] = rs_districts_area_m2(dist, i) / 1e6;
    }
    rc = rs_weekend_scores_new(ctx, n, names, codes, area, o, &s);
    if (rc != 0)
        goto done;
    for (size_t k = 0; k < o->nexclude; k++) {
        if (o->exclude[k] < 0 || (size_t)o->exclude[k] >= n) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "no district %d to exclude",
                            o->exclude[k]);
            goto done;
        }
        s->d[o->exclude[k]].excluded = 1;
    }

    rs_ping_filter f;
    rs_ping_filter_init(&f);
    f.from = s->from;
    f.to = s->to;
    f.district = -1;
    ping_count pc = {s, 1};
    f.days = RS_DAYS_WEEKEND;
    if ((rc = rs_pings_scan(ctx, &f, count_pings, &pc)) != 0)
        goto done;
    pc.weekend = 0;
    f.days = RS_DAYS_WEEKDAY;
    if ((rc = rs_pings_scan(ctx, &f, count_pings, &pc)) != 0)
        goto done;

    rc = count_query(ctx, s,
                     "SELECT c.district_id, count(*) FROM casualty ca JOIN collision c "
                     "ON c.collision_index = ca.collision_index WHERE ca.severity IN (1, 2) "
                     "AND c.district_id IS NOT NULL AND c.local_date >= ?1 AND c.local_date < ?2 "
                     "GROUP BY c.district_id",
                     1, 0, 0, s->harm_from, s->harm_to, offsetof(rs_weekend_district, ksi),
                     "count KSI casualties");
    if (rc == 0)
        rc = count_query(ctx, s,
                         "SELECT district_id, count(*) FROM concern WHERE district_id IS NOT "
                         "NULL AND t >= ?1 AND t < ?2 GROUP BY district_id",
                         0, s->from, s->to, NULL, NULL, offsetof(rs_weekend_district, concerns),
                         "count concerns");
    if (rc == 0)
        rc = count_query(ctx, s,
                         "SELECT district_id, count(*) FROM detection WHERE district_id IS NOT "
                         "NULL AND t >= ?1 AND t < ?2 GROUP BY district_id",
                         0, s->from, s->to, NULL, NULL,
                         offsetof(rs_weekend_district, detections), "count detections");
    if (rc != 0)
        goto done;
    /* recent enforcement: patrol presence from the fleet telematics */
    double *minutes = calloc(s->n ? s->n : 1, sizeof *minutes);
    int any_fleet = 0;
    if (minutes == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        goto done;
    }
    rc = rs_presence_district_minutes(ctx, s->from, s->to, s->n, minutes, &any_fleet);
    for (size_t i = 0; rc == 0 && any_fleet && i < s->n; i++)
        s->d[i].fleet_minutes = minutes[i];
    free(minutes);
    if (rc != 0)
        goto done;
    rs_weekend_compute(s);
    *out = s;
    s = NULL;
done:
    rs_weekend_scores_free(s);
    free((void *)names);
    free((void *)codes);
    free(area);
    rs_districts_free(dist);
    return rc;
}

/* ---- scoring ---------------------------------------------------------- */

double rs_weekend_score_at(const rs_weekend_scores *s, size_t i, double planned)
{
    const rs_weekend_district *d = &s->d[i];
    const rs_weekend_weights *w = &s->opts.w;
    if (d->base <= 0)
        return 0;
    return d->base /
           (1 + w->detections * d->detection_index + w->fleet * d->fleet + w->planned * planned);
}

/* Ranking order: score descending, then district id.  C11's qsort has no
 * user pointer, so the ids are placed by a stable insertion sort (tens of
 * districts). */
static void rank(rs_weekend_scores *s)
{
    s->nranked = 0;
    for (size_t i = 0; i < s->n; i++) {
        s->d[i].rank = 0;
        if (s->d[i].excluded)
            continue;
        size_t j = s->nranked++;
        while (j > 0 && s->d[s->order[j - 1]].score < s->d[i].score) {
            s->order[j] = s->order[j - 1];
            j--;
        }
        s->order[j] = i;
    }
    for (size_t r = 0; r < s->nranked; r++)
        s->d[s->order[r]].rank = (int)r + 1;
}

/* The part that contributes most to the base, for the reason. */
static const char *lead_part(const rs_weekend_scores *s, const rs_weekend_district *d,
                             double *index)
{
    const rs_weekend_weights *w = &s->opts.w;
    double a = w->speed * d->speed, b = w->harm * d->harm, c = w->concerns * d->concern_index;
    if (a >= b && a >= c) {
        *index = d->speed;
        return "speeding";
    }
    if (b >= c) {
        *index = d->harm;
        return "harm";
    }
    *index = d->concern_index;
    return "concerns";
}

static void district_reason(const rs_weekend_scores *s, rs_weekend_district *d)
{
    size_t size = sizeof d->reason;
    if (d->excluded) {
        snprintf(d->reason, size, "excluded from the plan (--exclude)");
        return;
    }
    if (!d->has_data) {
        snprintf(d->reason, size,
                 "no data: no pings in the lookback, no KSI casualty in %d months, no concern; "
                 "score 0",
                 s->opts.harm_months);
        return;
    }
    if (d->base <= 0) {
        snprintf(d->reason, size, "every weighted part is 0; score 0");
        return;
    }
    double idx;
    const char *lead = lead_part(s, d, &idx);
    int len = snprintf(d->reason, size,
                       "led by %s (%.2fx county); speeding %.2fx, harm %.2fx, concerns %.2fx",
                       lead, idx, d->speed, d->harm, d->concern_index);
    if (len > 0 && (size_t)len < size && d->pings == 0)
        len += snprintf(d->reason + len, size - (size_t)len, "; no pings in the lookback");
    if (len > 0 && (size_t)len < size && d->detection_index > 0)
        len += snprintf(d->reason + len, size - (size_t)len, "; detections %.2fx county lower it",
                        d->detection_index);
    if (len > 0 && (size_t)len < size && d->fleet > 0)
        snprintf(d->reason + len, size - (size_t)len, "; patrol presence %.2fx county lowers it",
                 d->fleet);
}

void rs_weekend_compute(rs_weekend_scores *s)
{
    const rs_weekend_opts *o = &s->opts;
    size_t n = s->n;
    double sum_p = 0, sum_o = 0, sum_y = 0, sum_e = 0, sum_k = 0, sum_d = 0;
    s->pings = 0;
    for (size_t i = 0; i < n; i++) {
        rs_weekend_district *d = &s->d[i];
        double ww = o->weekend_weight;
        d->pings_w = (double)(d->pings - d->weekend_pings) + ww * (double)d->weekend_pings;
        d->over_w = (double)(d->over - d->weekend_over) + ww * (double)d->weekend_over;
        sum_p += d->pings_w;
        sum_o += d->over_w;
        sum_y += (double)d->ksi;
        sum_e += d->area_km2;
        sum_k += (double)d->concerns;
        sum_d += (double)d->detections;
        s->pings += d->pings;
    }
    double nd = n > 0 ? (double)n : 1;
    /* speeding */
    s->county_share = sum_p > 0 ? sum_o / sum_p : 0;
    s->mean_over = sum_o / nd;
    /* harm: Poisson-gamma, method of moments */
    s->ksi_rate = sum_e > 0 ? sum_y / sum_e : 0;
    double m = s->ksi_rate, ss = 0;
    for (size_t i = 0; i < n; i++) {
        rs_weekend_district *d = &s->d[i];
        d->ksi_rate = d->area_km2 > 0 ? (double)d->ksi / d->area_km2 : 0;
        ss += d->area_km2 * (d->ksi_rate - m) * (d->ksi_rate - m);
    }
    double var = sum_e > 0 ? ss / sum_e - m / (sum_e / nd) : 0;
    s->ksi_var = var > 0 ? var : 0;
    s->prior_a = s->ksi_var > 0 ? m * m / s->ksi_var : 0;
    s->prior_b = s->ksi_var > 0 ? m / s->ksi_var : 0;
    s->mean_concerns = sum_k / nd;
    s->mean_detections = sum_d / nd;
    double sum_f = 0;
    for (size_t i = 0; i < n; i++)
        sum_f += s->d[i].fleet_minutes;
    double mean_fleet = sum_f / nd;

    for (size_t i = 0; i < n; i++) {
        rs_weekend_district *d = &s->d[i];
        const rs_weekend_weights *w = &o->w;
        if (s->county_share > 0) {
            d->share = (d->over_w + o->share_prior * s->county_share) /
                       (d->pings_w + o->share_prior);
            d->share_index = d->share / s->county_share;
            d->volume_index = d->over_w / s->mean_over;
            d->speed = sqrt(d->share_index * d->volume_index);
        } else {
            d->share = d->pings_w > 0 ? 0 : NAN;
            d->share_index = d->volume_index = d->speed = 0;
        }
        if (m > 0) {
            d->ksi_weight =
                s->ksi_var > 0 && d->area_km2 > 0 ? s->ksi_var / (s->ksi_var + m / d->area_km2) : 0;
            d->ksi_eb = m + d->ksi_weight * (d->ksi_rate - m);
            d->harm = d->ksi_eb / m;
        } else {
            d->ksi_weight = 0;
            d->ksi_eb = 0;
            d->harm = 0;
        }
        d->concern_index = s->mean_concerns > 0 ? (double)d->concerns / s->mean_concerns : 0;
        d->detection_index =
            s->mean_detections > 0 ? (double)d->detections / s->mean_detections : 0;
        d->fleet = mean_fleet > 0 ? d->fleet_minutes / mean_fleet : 0;
        d->has_data = d->pings > 0 || d->ksi > 0 || d->concerns > 0;
        d->base = d->excluded || !d->has_data
                      ? 0
                      : w->speed * d->speed + w->harm * d->harm + w->concerns * d->concern_index;
        d->score = rs_weekend_score_at(s, i, 0);
    }
    rank(s);
    for (size_t i = 0; i < n; i++)
        district_reason(s, &s->d[i]);
}

/* ---- random numbers --------------------------------------------------- */

void rs_weekend_rng_seed(rs_weekend_rng *r, uint64_t seed) { r->state = seed; }

uint64_t rs_weekend_rng_next(rs_weekend_rng *r)
{
    uint64_t z = (r->state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

double rs_weekend_rng_uniform(rs_weekend_rng *r)
{
    return (double)(rs_weekend_rng_next(r) >> 11) * 0x1.0p-53;
}

int rs_weekend_draw(double u, const double *w, size_t n)
{
    double total = 0;
    int last = -1;
    for (size_t i = 0; i < n; i++)
        if (w[i] > 0) {
            total += w[i];
            last = (int)i;
        }
    if (last < 0)
        return -1;
    double target = u * total, run = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(w[i] > 0))
            continue;
        run += w[i];
        if (run > target)
            return (int)i;
    }
    return last; /* u * total rounded up to the total */
}

/* ---- the plan --------------------------------------------------------- */

void rs_weekend_plan_free(rs_weekend_plan *p)
{
    if (p == NULL)
        return;
    free(p->picks);
    free(p);
}

static void pick_reason(const rs_weekend_scores *s, const rs_weekend_plan_opts *o,
                        rs_weekend_pick *pk, int runner_up, double runner_score)
{
    size_t size = sizeof pk->reason;
    if (pk->district < 0) {
        snprintf(pk->reason, size,
                 "no eligible district: every district is excluded, in cooldown or scored 0");
        return;
    }
    const rs_weekend_district *d = &s->d[pk->district];
    int len;
    if (o->mode == RS_WEEKEND_RANKED) {
        if (runner_up >= 0)
            len = snprintf(pk->reason, size, "top score of %zu eligible (next %s %.3f)",
                           pk->eligible, s->d[runner_up].name, runner_score);
        else
            len = snprintf(pk->reason, size, "only eligible district");
    } else {
        len = snprintf(pk->reason, size, "drawn with probability %.4f from %zu eligible (u = %.6f)",
                       pk->probability, pk->eligible, pk->u);
    }
    double idx;
    const char *lead = lead_part(s, d, &idx);
    if (len > 0 && (size_t)len < size)
        len += snprintf(pk->reason + len, size - (size_t)len, "; led by %s (%.2fx county)", lead,
                        idx);
    if (len > 0 && (size_t)len < size && pk->planned > 0)
        snprintf(pk->reason + len, size - (size_t)len, "; already given %.0f weekend%s here",
                 pk->planned, pk->planned == 1 ? "" : "s");
}

int rs_weekend_plan_make(rs_ctx *ctx, const rs_weekend_scores *s, const rs_weekend_plan_opts *o,
                         rs_weekend_plan **out)
{
    *out = NULL;
    if (o->count == 0 || o->cooldown < 0)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE,
                          "a plan needs at least one weekend and a cooldown of 0 or more");
    rs_weekend_plan *p = calloc(1, sizeof *p);
    double *score = calloc(s->n ? s->n : 1, sizeof *score);
    double *given = calloc(s->n ? s->n : 1, sizeof *given);
    int64_t *last = calloc(s->n ? s->n : 1, sizeof *last); /* last weekend index + 1, 0 never */
    if (p == NULL || score == NULL || given == NULL || last == NULL ||
        (p->picks = calloc(o->count, sizeof *p->picks)) == NULL) {
        rs_weekend_plan_free(p);
        free(score);
        free(given);
        free(last);
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    }
    p->opts = *o;
    p->n = o->count;
    rs_weekend_rng rng;
    rs_weekend_rng_seed(&rng, o->seed);
    int64_t wd = ((s->opts.start_day + 4) % 7 + 7) % 7; /* 0 Sunday .. 6 Saturday */
    int64_t saturday = s->opts.start_day + (6 - wd);
    for (size_t k = 0; k < o->count; k++) {
        rs_weekend_pick *pk = &p->picks[k];
        pk->saturday = saturday + 7 * (int64_t)k;
        pk->district = -1;
        pk->probability = NAN;
        pk->u = NAN;
        size_t eligible = 0;
        for (size_t i = 0; i < s->n; i++) {
            int cooling = last[i] > 0 && (int64_t)k - (last[i] - 1) <= o->cooldown;
            score[i] = s->d[i].excluded || cooling ? 0 : rs_weekend_score_at(s, i, given[i]);
            eligible += score[i] > 0;
        }
        pk->eligible = eligible;
        int chosen = -1, runner = -1;
        if (o->mode == RS_WEEKEND_UNPREDICTABLE) {
            pk->u = rs_weekend_rng_uniform(&rng);
            chosen = rs_weekend_draw(pk->u, score, s->n);
            if (chosen >= 0) {
                double total = 0;
                for (size_t i = 0; i < s->n; i++)
                    total += score[i] > 0 ? score[i] : 0;
                pk->probability = score[chosen] / total;
            }
        } else {
            for (size_t i = 0; i < s->n; i++) {
                if (!(score[i] > 0))
                    continue;
                if (chosen < 0 || score[i] > score[chosen]) {
                    runner = chosen;
                    chosen = (int)i;
                } else if (runner < 0 || score[i] > score[runner]) {
                    runner = (int)i;
                }
            }
        }
        if (chosen >= 0) {
            pk->district = chosen;
            pk->score = score[chosen];
            pk->planned = given[chosen];
            given[chosen] += 1;
            last[chosen] = (int64_t)k + 1;
        }
        pick_reason(s, o, pk, runner, runner >= 0 ? score[runner] : 0);
    }
    free(score);
    free(given);
    free(last);
    *out = p;
    return 0;
}
