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
#include "weekend_int.h"
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
        for (int i = 0; i < 6; i++)
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

/* The windows of each kind of data, none loaded yet. */
static void cover_init(rs_weekend_scores *s, int64_t harm_from)
{
    static const char *const what[RS_WEEKEND_NCOVER] = {"telematics", "concerns", "detections",
                                                        "STATS19 collisions"};
    for (int k = 0; k < RS_WEEKEND_NCOVER; k++) {
        rs_weekend_cover *c = &s->cover[k];
        int harm = k == RS_WEEKEND_COVER_COLLISIONS;
        c->what = what[k];
        c->window = harm ? "harm window" : "lookback";
        c->from = harm ? harm_from : s->opts.start_day - s->opts.lookback_days;
        c->to = s->opts.start_day;
        c->loaded = 0;
        c->first = c->last = 0;
        c->before = c->to - c->from;
        c->after = 0;
    }
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
    int64_t harm_from = months_before(o->start_day, o->harm_months);
    ymd(harm_from, s->harm_from);
    cover_init(s, harm_from);
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

/* floor(x / 100) in SQL without the math functions: CAST truncates toward
 * zero, so one is taken off a negative non-integer quotient. */
#define CELL(x) "(CAST(" x " / 100.0 AS INTEGER) - (" x " / 100.0 < CAST(" x " / 100.0 AS INTEGER)))"

/* Monday-based week of a UK-local day (1970-01-01, day 0, was a Thursday). */
static int64_t local_week(int64_t t)
{
    int64_t s = t + rs_london_offset(t);
    int64_t day = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
    int64_t w = day + 3;
    return w >= 0 ? w / 7 : -((-w + 6) / 7);
}

/* concern_places: the lookback's concerns in order of district, 100 m
 * place and time, so a (place, week) pair is new exactly when the district,
 * the place or the week changes from the row before. */
static int count_concern_places(rs_ctx *ctx, rs_weekend_scores *s)
{
    static const char sql[] =
        "SELECT district_id, " CELL("e") " AS ce, " CELL("n") " AS cn, t FROM concern "
        "WHERE district_id IS NOT NULL AND t >= ?1 AND t < ?2 ORDER BY district_id, ce, cn, t";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(rs_ctx_db(ctx), sql, -1, &st, NULL) != SQLITE_OK)
        return rs_store_fail(ctx, "count concern places");
    if (sqlite3_bind_int64(st, 1, s->from) != SQLITE_OK ||
        sqlite3_bind_int64(st, 2, s->to) != SQLITE_OK) {
        int rc = rs_store_fail(ctx, "count concern places");
        sqlite3_finalize(st);
        return rc;
    }
    int step, first = 1;
    int64_t pid = 0, pe = 0, pn = 0, pw = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0), ce = sqlite3_column_int64(st, 1),
                cn = sqlite3_column_int64(st, 2), w = local_week(sqlite3_column_int64(st, 3));
        if (id < 0 || (uint64_t)id >= s->n)
            continue;
        if (first || id != pid || ce != pe || cn != pn || w != pw)
            s->d[id].concern_places++;
        first = 0;
        pid = id;
        pe = ce;
        pn = cn;
        pw = w;
    }
    int rc = step == SQLITE_DONE ? 0 : rs_store_fail(ctx, "count concern places");
    sqlite3_finalize(st);
    return rc;
}

int64_t rs_weekend_cover_missing(const rs_weekend_cover *c)
{
    return c->before + c->after;
}

int rs_weekend_cover_empty(const rs_weekend_cover *c)
{
    return !c->loaded || rs_weekend_cover_missing(c) >= c->to - c->from;
}

int rs_weekend_stale(const rs_weekend_scores *s)
{
    return rs_weekend_cover_empty(&s->cover[RS_WEEKEND_COVER_TELEMATICS]) &&
           rs_weekend_cover_empty(&s->cover[RS_WEEKEND_COVER_CONCERNS]) &&
           rs_weekend_cover_empty(&s->cover[RS_WEEKEND_COVER_COLLISIONS]);
}

static int64_t utc_local_day(int64_t t)
{
    int64_t l = t + rs_london_offset(t);
    return l >= 0 ? l / 86400 : -((-l + 86399) / 86400);
}

/* Where window [from, to) meets data whose first and last records fall on
 * days first and last.  Data come in whole calendar months (a month's
 * extract, a year of STATS19), so a quiet last day is not a gap: the span
 * runs from the first day of the first record's month to the last day of
 * the last record's month. */
static void cover_set(rs_weekend_cover *c, int loaded, int64_t first, int64_t last)
{
    int64_t len = c->to - c->from;
    int y, m, d;
    rs_civil_from_days(first, &y, &m, &d);
    first = rs_days_from_civil(y, m, 1);
    rs_civil_from_days(last, &y, &m, &d);
    last = rs_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1;
    c->loaded = loaded;
    c->first = first;
    c->last = last;
    if (!loaded) {
        c->before = len;
        c->after = 0;
        return;
    }
    int64_t b = first - c->from, a = c->to - (last + 1);
    c->before = b < 0 ? 0 : b > len ? len : b;
    c->after = a < 0 ? 0 : a > len ? len : a;
    if (c->before + c->after > len) /* the window lies wholly before or after */
        c->after = len - c->before;
}

/* The span of each kind of data, for the windows' coverage. */
static int read_cover(rs_ctx *ctx, rs_weekend_scores *s)
{
    static const char *const sql[RS_WEEKEND_NCOVER] = {
        "SELECT count(*), min(t_min), max(t_max) FROM ping_chunk WHERE source = 'traffic'",
        "SELECT count(*), min(t), max(t) FROM concern",
        "SELECT count(*), min(t), max(t) FROM detection",
        "SELECT count(*), min(local_date), max(local_date) FROM collision"};
    for (int k = 0; k < RS_WEEKEND_NCOVER; k++) {
        rs_weekend_cover *c = &s->cover[k];
        int harm = k == RS_WEEKEND_COVER_COLLISIONS;
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(rs_ctx_db(ctx), sql[k], -1, &st, NULL) != SQLITE_OK)
            return rs_store_fail(ctx, "read the span of the data");
        if (sqlite3_step(st) != SQLITE_ROW) {
            int rc = rs_store_fail(ctx, "read the span of the data");
            sqlite3_finalize(st);
            return rc;
        }
        int loaded = sqlite3_column_int64(st, 0) > 0 && sqlite3_column_type(st, 1) != SQLITE_NULL;
        int64_t first = 0, last = 0;
        if (loaded && harm) {
            const char *a = (const char *)sqlite3_column_text(st, 1),
                       *b = (const char *)sqlite3_column_text(st, 2);
            loaded = a && b && rs_parse_date(a, strlen(a), &first) == 0 &&
                     rs_parse_date(b, strlen(b), &last) == 0;
        } else if (loaded) {
            first = utc_local_day(sqlite3_column_int64(st, 1));
            last = utc_local_day(sqlite3_column_int64(st, 2));
        }
        sqlite3_finalize(st);
        cover_set(c, loaded, first, last);
    }
    return 0;
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
    if (rc == 0)
        rc = count_concern_places(ctx, s);
    if (rc == 0)
        rc = read_cover(ctx, s);
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

const char *rs_weekend_lead_part(const rs_weekend_scores *s, const rs_weekend_district *d,
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
    const char *lead = rs_weekend_lead_part(s, d, &idx);
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

/* Poisson-gamma empirical Bayes with a method-of-moments prior (Marshall
 * 1991) of the counts at byte offset `field` (uint64_t) of each district
 * over its area: *m the county rate, *v the prior variance (>= 0). */
static void eb_fit(const rs_weekend_scores *s, size_t field, double *m, double *v)
{
    double sum_y = 0, sum_e = 0, ss = 0;
    size_t n = s->n;
    for (size_t i = 0; i < n; i++) {
        sum_y += (double)*(const uint64_t *)((const char *)&s->d[i] + field);
        sum_e += s->d[i].area_km2;
    }
    *m = sum_e > 0 ? sum_y / sum_e : 0;
    for (size_t i = 0; i < n; i++) {
        const rs_weekend_district *d = &s->d[i];
        double y = (double)*(const uint64_t *)((const char *)d + field);
        double r = d->area_km2 > 0 ? y / d->area_km2 : 0;
        ss += d->area_km2 * (r - *m) * (r - *m);
    }
    double var = sum_e > 0 ? ss / sum_e - *m / (sum_e / (n > 0 ? (double)n : 1)) : 0;
    *v = var > 0 ? var : 0;
}

/* One district's shrunk rate: *rate = y / E, *weight = v / (v + m / E)
 * (0 when v = 0), *eb = m + weight (rate - m); the index eb / m (0 when
 * m = 0). */
static double eb_shrink(double y, double area, double m, double v, double *rate, double *weight,
                        double *eb)
{
    *rate = area > 0 ? y / area : 0;
    if (!(m > 0)) {
        *weight = *eb = 0;
        return 0;
    }
    *weight = v > 0 && area > 0 ? v / (v + m / area) : 0;
    *eb = m + *weight * (*rate - m);
    return *eb / m;
}

void rs_weekend_compute(rs_weekend_scores *s)
{
    const rs_weekend_opts *o = &s->opts;
    size_t n = s->n;
    double sum_p = 0, sum_o = 0, sum_k = 0, sum_d = 0, sum_f = 0;
    s->pings = 0;
    for (size_t i = 0; i < n; i++) {
        rs_weekend_district *d = &s->d[i];
        double ww = o->weekend_weight;
        d->pings_w = (double)(d->pings - d->weekend_pings) + ww * (double)d->weekend_pings;
        d->over_w = (double)(d->over - d->weekend_over) + ww * (double)d->weekend_over;
        sum_p += d->pings_w;
        sum_o += d->over_w;
        sum_k += (double)d->concern_places;
        sum_d += (double)d->detections;
        sum_f += d->fleet_minutes;
        s->pings += d->pings;
    }
    double nd = n > 0 ? (double)n : 1;
    /* speeding */
    s->county_share = sum_p > 0 ? sum_o / sum_p : 0;
    s->mean_over = sum_o / nd;
    /* harm and concerns: Poisson-gamma, method of moments, over the area */
    eb_fit(s, offsetof(rs_weekend_district, ksi), &s->ksi_rate, &s->ksi_var);
    s->prior_a = s->ksi_var > 0 ? s->ksi_rate * s->ksi_rate / s->ksi_var : 0;
    s->prior_b = s->ksi_var > 0 ? s->ksi_rate / s->ksi_var : 0;
    eb_fit(s, offsetof(rs_weekend_district, concern_places), &s->concern_rate, &s->concern_var);
    s->concern_prior_a =
        s->concern_var > 0 ? s->concern_rate * s->concern_rate / s->concern_var : 0;
    s->concern_prior_b = s->concern_var > 0 ? s->concern_rate / s->concern_var : 0;
    s->mean_concerns = sum_k / nd;
    s->mean_detections = sum_d / nd;
    s->mean_fleet = sum_f / nd;

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
        d->harm = eb_shrink((double)d->ksi, d->area_km2, s->ksi_rate, s->ksi_var, &d->ksi_rate,
                            &d->ksi_weight, &d->ksi_eb);
        d->concern_index =
            eb_shrink((double)d->concern_places, d->area_km2, s->concern_rate, s->concern_var,
                      &d->concern_rate, &d->concern_weight, &d->concern_eb);
        d->detection_index =
            s->mean_detections > 0 ? (double)d->detections / s->mean_detections : 0;
        d->fleet = s->mean_fleet > 0 ? d->fleet_minutes / s->mean_fleet : 0;
        d->has_data = d->pings > 0 || d->ksi > 0 || d->concerns > 0 || d->concern_places > 0;
        d->base = d->excluded || !d->has_data
                      ? 0
                      : w->speed * d->speed + w->harm * d->harm + w->concerns * d->concern_index;
        d->score = rs_weekend_score_at(s, i, 0);
    }
    rank(s);
    for (size_t i = 0; i < n; i++)
        district_reason(s, &s->d[i]);
}
