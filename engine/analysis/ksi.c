/*
 * ksi.c — KSI trend tables (see ksi.h for the definitions).
 *
 * Core data structure: a dense grid of monthly counts, one cell per
 * (group, month) over the data span, filled by one aggregate query
 * (SQLite groups the casualty rows by month and by every attribute a
 * split might need; the grouping into road users, age bands and districts
 * is done here, in C).  Every figure of a row — the period's counts, the
 * same period a year earlier, the rolling 12 months, the baseline — is a
 * sum of grid cells over a run of months, so calendar and financial
 * quarters and years need no second query.  Months outside the grid are
 * zero by construction (no data there).
 *
 * Workload: a force's whole history (some 40 years = 480 months) times a
 * few dozen groups: a grid of a few thousand cells and a table of at most
 * a few thousand rows.  The query reads each casualty once.
 */
#include "ksi.h"
#include "ksi_int.h"
#include "ksi_vehicle.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "periods.h"
#include "rs_err.h"
#include "store.h"
#include "timeutil.h"

#define KSI_MAX_MONTHS 1200

/* ---- periods (base/periods.h: the kinds are the same numbers) ---------------- */

_Static_assert(RS_KSI_MONTH == (int)RS_PERIOD_MONTH && RS_KSI_QUARTER == (int)RS_PERIOD_QUARTER &&
                   RS_KSI_YEAR == (int)RS_PERIOD_YEAR,
               "rs_ksi_by counts as rs_period_kind does");

static rs_period_kind kind_of(rs_ksi_by by)
{
    return (rs_period_kind)by;
}

int rs_ksi_period_of(rs_ksi_by by, int financial, int month)
{
    return rs_period_of(kind_of(by), financial, month);
}

int rs_ksi_period_first_month(rs_ksi_by by, int financial, int period)
{
    return rs_period_first_month(kind_of(by), financial, period);
}

void rs_ksi_period_label(rs_ksi_by by, int financial, int period, char *buf, size_t size)
{
    rs_period_label(kind_of(by), financial, period, buf, size);
}

int rs_ksi_period_parse(const char *s, int *first, int *last)
{
    return rs_period_parse(s, first, last);
}

/* ---- the monthly grid ------------------------------------------------------- */

typedef struct cell {
    int64_t fatal, serious, slight;
    double adj_serious; /* non-fatal: factor, or 1/0 by recorded severity */
    int64_t no_factor;
    int64_t very, moderately, less; /* serious by enhanced severity 5, 6, 7 */
    int64_t injury_based;
} cell;

typedef struct grid {
    int m0, nm; /* months m0 .. m0 + nm - 1 */
    size_t ng;  /* the split's groups, then one more: every row once (totals) */
    cell *c;    /* [group * nm + (m - m0)] */
} grid;

static void cell_add(cell *a, const cell *b)
{
    a->fatal += b->fatal;
    a->serious += b->serious;
    a->slight += b->slight;
    a->adj_serious += b->adj_serious;
    a->no_factor += b->no_factor;
    a->very += b->very;
    a->moderately += b->moderately;
    a->less += b->less;
    a->injury_based += b->injury_based;
}

/* Sum of group g over months [m, m + n). */
static cell grid_sum(const grid *G, size_t g, int m, int n)
{
    cell s;
    memset(&s, 0, sizeof s);
    for (int k = m; k < m + n; k++)
        if (G->c && k >= G->m0 && k < G->m0 + G->nm)
            cell_add(&s, &G->c[g * (size_t)G->nm + (size_t)(k - G->m0)]);
    return s;
}

/* KSI of a sum of cells: fatal + serious, or the exact adjusted sum (never
 * rounded here: every figure derived from it uses the exact value, and
 * only printing rounds). */
static double ksi_of(const cell *c, int adjusted)
{
    if (adjusted)
        return (double)c->fatal + c->adj_serious;
    return (double)(c->fatal + c->serious);
}

/* ---- loading ---------------------------------------------------------------- */

typedef struct loader {
    rs_ctx *ctx;
    const rs_ksi_opts *o;
    size_t ndist;      /* district split: groups 0..ndist-1, then outside, unlocated */
    char **dnames;
    int64_t no_vehicles; /* vehicle split or filter: rows whose collision has no vehicles */
} loader;

static int fail_db(rs_ctx *ctx, const char *what)
{
    return rs_store_fail(ctx, what);
}

static int read_districts(loader *L)
{
    sqlite3 *db = rs_ctx_db(L->ctx);
    sqlite3_stmt *st = NULL;
    int rc = RS_OK;
    int64_t maxid = -1;
    if (sqlite3_prepare_v2(db, "SELECT max(id) FROM district", -1, &st, NULL) != SQLITE_OK)
        return fail_db(L->ctx, "reading districts");
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        maxid = sqlite3_column_int64(st, 0);
    if (s != SQLITE_ROW && s != SQLITE_DONE) { /* a failure, not "no districts" */
        rc = fail_db(L->ctx, "reading districts");
        sqlite3_finalize(st);
        return rc;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (maxid < 0)
        return rs_err_set(rs_ctx_err(L->ctx), RS_EUSAGE,
                          "no districts loaded, so there is no district split; load them with "
                          "'roadsafe districts load FILE.shp --name-field FIELD'");
    if (maxid > 100000)
        return rs_err_set(rs_ctx_err(L->ctx), RS_ERR, "district ids run to %lld",
                          (long long)maxid);
    L->ndist = (size_t)maxid + 1;
    L->dnames = calloc(L->ndist, sizeof *L->dnames);
    if (L->dnames == NULL)
        return rs_err_set(rs_ctx_err(L->ctx), RS_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(db, "SELECT id, name FROM district ORDER BY id", -1, &st, NULL) !=
        SQLITE_OK)
        return fail_db(L->ctx, "reading districts");
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *nm = (const char *)sqlite3_column_text(st, 1);
        if (id >= 0 && (size_t)id < L->ndist && L->dnames[id] == NULL &&
            (L->dnames[id] = strdup(nm ? nm : "")) == NULL) {
            rc = rs_err_set(rs_ctx_err(L->ctx), RS_ENOMEM, "out of memory");
            break;
        }
    }
    if (rc == RS_OK && s != SQLITE_DONE)
        rc = fail_db(L->ctx, "reading districts");
    sqlite3_finalize(st);
    return rc;
}

/* The data span: first and last month with a casualty (collision). */
static int read_span(loader *L, int *first, int *last)
{
    const char *sql =
        L->o->collisions
            ? "SELECT min(local_date), max(local_date) FROM collision"
            : "SELECT min(c.local_date), max(c.local_date) FROM casualty ca "
              "JOIN collision c ON c.collision_index = ca.collision_index";
    sqlite3_stmt *st = NULL;
    *first = *last = -1;
    if (sqlite3_prepare_v2(rs_ctx_db(L->ctx), sql, -1, &st, NULL) != SQLITE_OK)
        return fail_db(L->ctx, "reading the data span");
    int rc = RS_OK;
    int s = sqlite3_step(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE) { /* a failure, not "no data" */
        rc = fail_db(L->ctx, "reading the data span");
    } else if (s == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        const char *a = (const char *)sqlite3_column_text(st, 0);
        const char *b = (const char *)sqlite3_column_text(st, 1);
        /* local_date is YYYY-MM-DD (written by ingest) */
        int64_t da, db;
        if (a && b && rs_parse_date(a, strlen(a), &da) == 0 &&
            rs_parse_date(b, strlen(b), &db) == 0) {
            int y, m, d;
            rs_civil_from_days(da, &y, &m, &d);
            *first = rs_month_index(y, m);
            rs_civil_from_days(db, &y, &m, &d);
            *last = rs_month_index(y, m);
        } else {
            rc = rs_err_set(rs_ctx_err(L->ctx), RS_ERR, "a stored collision date is not "
                                                        "YYYY-MM-DD");
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static size_t group_of(const loader *L, int64_t district, int unlocated, int type, int age,
                       int band)
{
    switch (L->o->split) {
    case RS_KSI_SPLIT_DISTRICT:
        if (unlocated)
            return L->ndist + 1;
        if (district < 0 || (size_t)district >= L->ndist)
            return L->ndist;
        return (size_t)district;
    case RS_KSI_SPLIT_ROAD_USER:
        return (size_t)rs_ksi_road_user(type);
    case RS_KSI_SPLIT_AGE_BAND:
        return (size_t)rs_ksi_age_group(age, band);
    default:
        return 0;
    }
}

/* The families a collision involves, as a bit mask per collision index
 * (ksi_vehicle.h), joined when a vehicle split or filter needs it. */
#define VEHICLE_MASK_JOIN                                                                   \
    " LEFT JOIN (SELECT collision_index, sum(DISTINCT 1 << rs_vehicle_family(vehicle_type, " \
    "escooter)) AS mask FROM vehicle GROUP BY collision_index) vm "                         \
    "ON vm.collision_index = c.collision_index "

static int fill_grid(loader *L, grid *G)
{
    int veh = L->o->split == RS_KSI_SPLIT_VEHICLE || L->o->involving > 0;
    char sql[1400];
    if (L->o->collisions)
        snprintf(sql, sizeof sql,
                 "SELECT CAST(substr(c.local_date, 1, 4) AS INTEGER), "
                 "CAST(substr(c.local_date, 6, 2) AS INTEGER), coalesce(c.district_id, -1), "
                 "c.e IS NULL, c.severity, -1, -1, -1, count(*), 0.0, 0, "
                 "coalesce(c.enhanced_severity, -1), %s, "
                 "count(CASE WHEN c.injury_based = 1 THEN 1 END) "
                 "FROM collision c %s GROUP BY 1, 2, 3, 4, 5, 12, 13",
                 veh ? "coalesce(vm.mask, 0)" : "0", veh ? VEHICLE_MASK_JOIN : "");
    else
        snprintf(sql, sizeof sql,
                 "SELECT CAST(substr(c.local_date, 1, 4) AS INTEGER), "
                 "CAST(substr(c.local_date, 6, 2) AS INTEGER), coalesce(c.district_id, -1), "
                 "c.e IS NULL, ca.severity, coalesce(ca.casualty_type, -1), "
                 "coalesce(ca.age, -1), coalesce(ca.age_band, -1), count(*), "
                 "total(coalesce(ca.adjusted_serious, a.adjusted_serious)), "
                 "count(coalesce(ca.adjusted_serious, a.adjusted_serious)), "
                 "coalesce(ca.enhanced_severity, -1), %s, "
                 "count(CASE WHEN coalesce(ca.injury_based, a.injury_based) = 1 THEN 1 END) "
                 "FROM casualty ca JOIN collision c ON c.collision_index = ca.collision_index "
                 "LEFT JOIN casualty_adjustment a ON a.collision_index = ca.collision_index "
                 "AND a.vehicle_ref = ca.vehicle_ref AND a.casualty_ref = ca.casualty_ref %s"
                 "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 12, 13",
                 veh ? "coalesce(vm.mask, 0)" : "0", veh ? VEHICLE_MASK_JOIN : "");
    sqlite3 *db = rs_ctx_db(L->ctx);
    sqlite3_stmt *st = NULL;
    if ((veh && rs_ksi_vehicle_sql(db) != 0) ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail_db(L->ctx, "reading casualties");
    int s, rc = RS_OK;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        int m = rs_month_index(sqlite3_column_int(st, 0), sqlite3_column_int(st, 1));
        if (m < G->m0 || m >= G->m0 + G->nm)
            continue; /* cannot happen: the span came from the same rows */
        int64_t mask = sqlite3_column_int64(st, 12);
        if (veh && mask == 0)
            L->no_vehicles += sqlite3_column_int64(st, 8);
        if (L->o->involving > 0 && !(mask & ((int64_t)1 << (L->o->involving - 1))))
            continue;
        int sev = sqlite3_column_int(st, 4);
        int64_t n = sqlite3_column_int64(st, 8);
        double adj = sqlite3_column_double(st, 9);
        int64_t with = sqlite3_column_int64(st, 10);
        int enh = sqlite3_column_int(st, 11);
        cell d;
        memset(&d, 0, sizeof d);
        d.injury_based = sqlite3_column_int64(st, 13);
        if (sev == 1) {
            d.fatal = n;
        } else if (sev == 2 || sev == 3) {
            if (sev == 2)
                d.serious = n;
            else
                d.slight = n;
            /* DfT: the factor where present; else the recorded severity. */
            d.adj_serious = adj + (sev == 2 ? (double)(n - with) : 0.0);
            d.no_factor = n - with;
            if (sev == 2) {
                d.very = enh == 5 ? n : 0;
                d.moderately = enh == 6 ? n : 0;
                d.less = enh == 7 ? n : 0;
            }
        }
        /* the groups the rows count in: one, or with a vehicle split every
         * family involved ("(no vehicle records)" when none); then the totals */
        size_t gs[RS_VF_N + 2], ngs = 0;
        if (L->o->split == RS_KSI_SPLIT_VEHICLE) {
            for (int f = 0; f < RS_VF_N; f++)
                if (mask & ((int64_t)1 << f))
                    gs[ngs++] = (size_t)f;
            if (ngs == 0)
                gs[ngs++] = RS_VF_N;
        } else {
            gs[ngs++] = group_of(L, sqlite3_column_int64(st, 2), sqlite3_column_int(st, 3),
                                 sqlite3_column_int(st, 5), sqlite3_column_int(st, 6),
                                 sqlite3_column_int(st, 7));
        }
        gs[ngs++] = G->ng - 1;
        for (size_t i = 0; i < ngs; i++)
            cell_add(&G->c[gs[i] * (size_t)G->nm + (size_t)(m - G->m0)], &d);
    }
    if (s != SQLITE_DONE)
        rc = fail_db(L->ctx, "reading casualties");
    sqlite3_finalize(st);
    return rc;
}

/* ---- verdict ---------------------------------------------------------------- */

static void fmt_p(const char *name, double p, char *buf, size_t size)
{
    if (p < 0.001)
        snprintf(buf, size, "%s < 0.001", name);
    else
        snprintf(buf, size, "%s = %.3g", name, p);
}

void rs_ksi_verdict(double now, double before, int decimals, double p, double q, size_t ntests,
                    char *buf, size_t size)
{
    /* The amount is the change as printed beside the words (the exact
     * difference at the shown precision), so the words can never disagree
     * with the change column. */
    int dec = decimals > 0 ? 1 : 0;
    double diff = now - before;
    char amount[48];
    snprintf(amount, sizeof amount, "%.*f", dec, fabs(diff));
    if (strspn(amount, "0.") == strlen(amount) || isnan(diff)) {
        snprintf(buf, size, "no change");
        return;
    }
    int up = diff > 0;
    char rel[48], sig[128];
    if (before > 0)
        snprintf(rel, sizeof rel, "%c%.1f%%", up ? '+' : '-', fabs(100.0 * diff / before));
    else
        snprintf(rel, sizeof rel, "from 0");
    char pb[32], qb[32];
    fmt_p("p", p, pb, sizeof pb);
    if (isnan(q)) {
        if (p < 0.05)
            snprintf(sig, sizeof sig, "unlikely to be chance alone (%s)", pb);
        else
            snprintf(sig, sizeof sig, "within normal variation");
    } else {
        fmt_p("q", q, qb, sizeof qb);
        if (q < 0.05)
            snprintf(sig, sizeof sig, "unlikely to be chance alone (%s; %s over %zu tests)", pb,
                     qb, ntests);
        else if (p < 0.05)
            snprintf(sig, sizeof sig, "within normal variation once %zu tests are allowed for "
                                      "(%s, %s)",
                     ntests, pb, qb);
        else
            snprintf(sig, sizeof sig, "within normal variation");
    }
    snprintf(buf, size, "%s %s (%s); %s", up ? "up" : "down", amount, rel, sig);
}

/* ---- the analysis ------------------------------------------------------------ */

void rs_ksi_result_free(rs_ksi_result *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; r->groups && i < r->ngroups; i++)
        free(r->groups[i]);
    free(r->groups);
    free(r->rows);
    free(r);
}

static int covered(const rs_ksi_result *r, int m, int n)
{
    return r->span_first >= 0 && m >= r->span_first && m + n - 1 <= r->span_last;
}

static int overlaps(const rs_ksi_result *r, int m, int n)
{
    return r->span_first >= 0 && m <= r->span_last && m + n - 1 >= r->span_first;
}

/* Fills the row of group g (a grid index) for one period. */
static void make_row(const rs_ksi_result *r, const grid *G, size_t g, int period,
                     rs_ksi_row *row)
{
    const rs_ksi_opts *o = &r->opts;
    int adj = o->adjusted;
    int len = rs_period_len(kind_of(o->by));
    int ms = rs_ksi_period_first_month(o->by, o->financial, period);
    memset(row, 0, sizeof *row);
    row->period = period;
    rs_ksi_period_label(o->by, o->financial, period, row->label, sizeof row->label);
    row->group = (int)g;
    cell c = grid_sum(G, g, ms, len);
    row->fatal = c.fatal;
    row->serious = c.serious;
    row->slight = c.slight;
    row->total = c.fatal + c.serious + c.slight;
    row->adj_serious = c.adj_serious;
    row->adj_slight = (double)(c.serious + c.slight) - c.adj_serious;
    row->no_factor = c.no_factor;
    row->very_serious = c.very;
    row->moderately_serious = c.moderately;
    row->less_serious = c.less;
    row->ksi = ksi_of(&c, adj);
    row->ksi_before = row->change = row->change_pct = NAN;
    row->rolling12 = row->baseline = row->baseline_change_pct = NAN;
    row->ci.low = row->ci.high = NAN;
    row->p = row->q = NAN;

    if (!overlaps(r, ms, len)) {
        row->state = RS_KSI_NO_DATA;
    } else if (!covered(r, ms, len)) {
        row->state = RS_KSI_PARTIAL;
    } else if (!covered(r, ms - 12, len)) {
        row->state = RS_KSI_NO_COMPARISON;
    } else {
        row->state = RS_KSI_COMPARED;
    }
    unsigned long k = (unsigned long)llround(row->ksi);
    if (row->state != RS_KSI_NO_DATA)
        row->ci = rs_poisson_ci(k, 0.05);
    if (row->state == RS_KSI_COMPARED) {
        cell b = grid_sum(G, g, ms - 12, len);
        row->ksi_before = ksi_of(&b, adj);
        row->change = row->ksi - row->ksi_before;
        if (row->ksi_before > 0)
            row->change_pct = 100.0 * row->change / row->ksi_before;
        row->p = rs_poisson_compare_p(k, (unsigned long)llround(row->ksi_before));
    }
    /* rolling 12 months ending with the period's last month */
    int rend = ms + len - 1;
    if (covered(r, rend - 11, 12)) {
        cell w = grid_sum(G, g, rend - 11, 12);
        row->rolling12 = ksi_of(&w, adj);
    }
    /* baseline: the same period of the year over the baseline years */
    if (o->baseline_from > 0) {
        /* years (financial ones for quarters and years; a month's is its
         * calendar month) numbered by the year they start in */
        int fin = o->financial && o->by != RS_KSI_MONTH;
        int offset = ms - rs_period_first_month(RS_PERIOD_YEAR, fin,
                                                rs_period_of(RS_PERIOD_YEAR, fin, ms));
        int all = 1;
        double sum = 0;
        for (int y = o->baseline_from; y <= o->baseline_to; y++) {
            int bm = rs_period_first_month(RS_PERIOD_YEAR, fin, y) + offset;
            if (!covered(r, bm, len)) {
                all = 0;
                break;
            }
            cell b = grid_sum(G, g, bm, len);
            sum += ksi_of(&b, adj);
        }
        if (all) {
            row->baseline = sum / (o->baseline_to - o->baseline_from + 1);
            if (row->baseline > 0 &&
                (row->state == RS_KSI_COMPARED || row->state == RS_KSI_NO_COMPARISON))
                row->baseline_change_pct = 100.0 * (row->ksi - row->baseline) / row->baseline;
        }
    }
    char a[24], b2[24];
    switch (row->state) {
    case RS_KSI_NO_DATA:
        snprintf(row->verdict, sizeof row->verdict, "no data in this period");
        break;
    case RS_KSI_PARTIAL:
        rs_ksi_period_label(RS_KSI_MONTH, 0, r->span_first, a, sizeof a);
        rs_ksi_period_label(RS_KSI_MONTH, 0, r->span_last, b2, sizeof b2);
        snprintf(row->verdict, sizeof row->verdict,
                 "incomplete period (data from %s to %s only)", a, b2);
        break;
    case RS_KSI_NO_COMPARISON:
        snprintf(row->verdict, sizeof row->verdict, "no comparison (no data a year earlier)");
        break;
    case RS_KSI_COMPARED:
        rs_ksi_verdict(row->ksi, row->ksi_before, adj ? 1 : 0, row->p, NAN, 0, row->verdict,
                       sizeof row->verdict);
        break;
    }
}

static int empty_group(const grid *G, size_t g)
{
    cell t = grid_sum(G, g, G->m0, G->nm);
    return t.fatal + t.serious + t.slight == 0;
}

/* Counts the tests (rows compared with a year earlier) and, with a split,
 * gives each its Benjamini-Hochberg adjusted p-value over all of them and
 * words its verdict on that. */
static int adjust_tests(rs_ksi_result *r)
{
    r->ntests = 0;
    for (size_t i = 0; i < r->nrows; i++)
        r->ntests += r->rows[i].state == RS_KSI_COMPARED;
    if (r->opts.split == RS_KSI_SPLIT_NONE || r->ntests == 0)
        return RS_OK;
    double *p = malloc(2 * r->nrows * sizeof *p);
    if (p == NULL)
        return RS_ENOMEM;
    double *q = p + r->nrows;
    for (size_t i = 0; i < r->nrows; i++)
        p[i] = r->rows[i].state == RS_KSI_COMPARED ? r->rows[i].p : NAN;
    if (rs_bh_adjust(r->nrows, p, q) != 0) {
        free(p);
        return RS_ENOMEM;
    }
    for (size_t i = 0; i < r->nrows; i++) {
        rs_ksi_row *w = &r->rows[i];
        if (w->state != RS_KSI_COMPARED)
            continue;
        w->q = q[i];
        rs_ksi_verdict(w->ksi, w->ksi_before, r->opts.adjusted ? 1 : 0, w->p, w->q, r->ntests,
                       w->verdict, sizeof w->verdict);
    }
    free(p);
    return RS_OK;
}

static int set_groups(rs_ksi_result *r, loader *L, const grid *G, size_t **shown,
                      size_t *nshown)
{
    size_t ng = G->ng - 1; /* not the totals */
    *shown = calloc(ng, sizeof **shown);
    r->groups = calloc(ng, sizeof *r->groups);
    if (*shown == NULL || r->groups == NULL)
        return RS_ENOMEM;
    *nshown = 0;
    for (size_t g = 0; g < ng; g++) {
        const char *name;
        char buf[32];
        switch (r->opts.split) {
        case RS_KSI_SPLIT_DISTRICT:
            if (g < L->ndist) {
                if (L->dnames[g] == NULL)
                    continue; /* an unused id */
                name = L->dnames[g];
            } else {
                /* the two extra rows only when anything falls there */
                cell t = grid_sum(G, g, G->m0, G->nm);
                if (t.fatal + t.serious + t.slight == 0)
                    continue;
                name = g == L->ndist ? "(outside districts)" : "(no location)";
            }
            break;
        case RS_KSI_SPLIT_ROAD_USER:
            if (g == ROAD_USER_ESCOOTER && empty_group(G, g))
                continue;
            name = rs_ksi_road_user_name((int)g);
            break;
        case RS_KSI_SPLIT_VEHICLE:
            if (g == RS_VF_N && empty_group(G, g))
                continue;
            name = g < RS_VF_N ? rs_ksi_family_name((int)g) : "(no vehicle records)";
            break;
        case RS_KSI_SPLIT_AGE_BAND:
            name = rs_ksi_age_group_name((int)g);
            break;
        default:
            snprintf(buf, sizeof buf, "all");
            name = buf;
        }
        if ((r->groups[r->ngroups] = strdup(name)) == NULL)
            return RS_ENOMEM;
        r->ngroups++;
        (*shown)[(*nshown)++] = g;
    }
    return RS_OK;
}

int rs_ksi_run(rs_ctx *ctx, const rs_ksi_opts *opts, rs_ksi_result **out)
{
    rs_err *e = rs_ctx_err(ctx);
    *out = NULL;
    if (rs_ctx_db(ctx) == NULL)
        return rs_err_set(e, RS_EUSAGE, "ksi: no workspace open");
    if (opts->collisions && opts->adjusted)
        return rs_err_set(e, RS_EUSAGE, "severity adjustment applies to casualties, not "
                                        "collisions");
    if (opts->collisions &&
        (opts->split == RS_KSI_SPLIT_ROAD_USER || opts->split == RS_KSI_SPLIT_AGE_BAND))
        return rs_err_set(e, RS_EUSAGE, "collisions can be split by district or vehicle only "
                                        "(road user and age band belong to casualties)");
    if (opts->involving < 0 || opts->involving > RS_VF_N)
        return rs_err_set(e, RS_EUSAGE, "no such vehicle family");
    if ((opts->baseline_from > 0) != (opts->baseline_to > 0) ||
        opts->baseline_from > opts->baseline_to ||
        (opts->baseline_from > 0 && (opts->baseline_from < 1900 || opts->baseline_to > 2200)))
        return rs_err_set(e, RS_EUSAGE, "baseline years %d-%d: give YYYY-YYYY, first <= last",
                          opts->baseline_from, opts->baseline_to);

    loader L = {ctx, opts, 0, NULL, 0};
    grid G = {0, 0, 1, NULL};
    rs_ksi_result *r = calloc(1, sizeof *r);
    size_t *shown = NULL, nshown = 0;
    int rc = RS_OK;
    if (r == NULL) {
        rc = rs_err_set(e, RS_ENOMEM, "out of memory");
        goto done;
    }
    r->opts = *opts;
    if (opts->split == RS_KSI_SPLIT_DISTRICT && (rc = read_districts(&L)) != RS_OK)
        goto done;
    G.ng = opts->split == RS_KSI_SPLIT_DISTRICT   ? L.ndist + 2
           : opts->split == RS_KSI_SPLIT_ROAD_USER ? N_ROAD_USER
           : opts->split == RS_KSI_SPLIT_AGE_BAND  ? N_AGE
           : opts->split == RS_KSI_SPLIT_VEHICLE   ? RS_VF_N + 1
                                                   : 1;
    G.ng++; /* the totals: every row once */
    if ((rc = read_span(&L, &r->span_first, &r->span_last)) != RS_OK)
        goto done;
    if (r->span_first >= 0) {
        G.m0 = r->span_first;
        G.nm = r->span_last - r->span_first + 1;
        G.c = calloc(G.ng * (size_t)G.nm, sizeof *G.c);
        if (G.c == NULL) {
            rc = rs_err_set(e, RS_ENOMEM, "out of memory");
            goto done;
        }
        if ((rc = fill_grid(&L, &G)) != RS_OK)
            goto done;
        r->no_vehicles = L.no_vehicles;
    }
    if (set_groups(r, &L, &G, &shown, &nshown) != RS_OK) {
        rc = rs_err_set(e, RS_ENOMEM, "out of memory");
        goto done;
    }

    /* the periods shown */
    int from = opts->from_month, to = opts->to_month;
    if (from < 0)
        from = r->span_first >= 0 ? r->span_first : to;
    if (to < 0)
        to = r->span_last >= 0 ? r->span_last : from;
    if (from < 0 || to < 0)
        goto done; /* no data and no range: no rows */
    if (from > to) {
        rc = rs_err_set(e, RS_EUSAGE, "the first period is after the last");
        goto done;
    }
    int p0 = rs_ksi_period_of(opts->by, opts->financial, from);
    int p1 = rs_ksi_period_of(opts->by, opts->financial, to);
    if ((int64_t)(p1 - p0 + 1) * rs_period_len(kind_of(opts->by)) > KSI_MAX_MONTHS) {
        rc = rs_err_set(e, RS_EUSAGE, "more than %d months asked for", KSI_MAX_MONTHS);
        goto done;
    }
    r->rows = calloc((size_t)(p1 - p0 + 1) * nshown + 1, sizeof *r->rows);
    if (r->rows == NULL) {
        rc = rs_err_set(e, RS_ENOMEM, "out of memory");
        goto done;
    }
    for (int p = p0; p <= p1; p++) {
        for (size_t i = 0; i < nshown; i++) {
            rs_ksi_row *row = &r->rows[r->nrows++];
            make_row(r, &G, shown[i], p, row);
            row->group = (int)i;
            if (opts->baseline_from > 0 && isnan(row->baseline))
                r->baseline_incomplete = 1;
        }
        /* each casualty once, whatever the split */
        cell t = grid_sum(&G, G.ng - 1, rs_ksi_period_first_month(opts->by, opts->financial, p),
                          rs_period_len(kind_of(opts->by)));
        r->no_factor += t.no_factor;
        r->rows_total += t.fatal + t.serious + t.slight;
        r->injury_based += t.injury_based;
    }
    if ((rc = adjust_tests(r)) != RS_OK)
        rs_err_set(e, rc, "out of memory");
done:
    free(shown);
    free(G.c);
    for (size_t i = 0; L.dnames && i < L.ndist; i++)
        free(L.dnames[i]);
    free(L.dnames);
    if (rc != RS_OK) {
        rs_ksi_result_free(r);
        return rc;
    }
    *out = r;
    return RS_OK;
}
