/*
 * operation.c — weekend operation results and the operations summary
 * (definitions in operation.h).
 *
 * Each weekend's figures come from three sources read independently:
 * patrol presence (presence.h, by district and on the hot-cell grid), the
 * hot cells (a traffic heat grid of the 90 days before, heat.h) and the
 * detections of the window (one indexed query).  The community map draws
 * the operation's presence grid clipped to the district with GEOS.
 */
#include "operation.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "devices.h"
#include "heat.h"
#include "store.h"
#include "timeutil.h"

/* ---- options and windows ---------------------------------------------------- */

void rs_op_opts_default(rs_op_opts *o)
{
    o->win_from = -6 * 60;
    o->win_to = 48 * 60;
    o->cap = RS_PRESENCE_CAP;
    o->hot_days = 90;
    o->hot_size = 250;
    o->hot_share = 0.10;
    o->previous = 4;
}

/* "fri18", "sun24", "fri18:30" -> minutes from Saturday 00:00; -1 on error. */
static int parse_bound(const char *s, size_t len, int *out)
{
    static const char *const days[] = {"thu", "fri", "sat", "sun", "mon"};
    if (len < 4 || len > 8)
        return -1;
    int day = 99;
    for (int k = 0; k < 5; k++)
        if (strncasecmp(s, days[k], 3) == 0)
            day = k - 2;
    if (day == 99)
        return -1;
    size_t i = 3; /* len >= 4: an hour digit follows the day */
    if (s[i] < '0' || s[i] > '9')
        return -1;
    int h = s[i++] - '0', m = 0;
    if (i < len && s[i] >= '0' && s[i] <= '9')
        h = h * 10 + (s[i++] - '0');
    if (i < len && s[i] == ':') {
        if (i + 3 != len || s[i + 1] < '0' || s[i + 1] > '5' || s[i + 2] < '0' || s[i + 2] > '9')
            return -1;
        m = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
        i += 3;
    }
    if (i != len || h > 24 || (h == 24 && m != 0))
        return -1;
    *out = day * 1440 + h * 60 + m;
    return 0;
}

int rs_op_window_parse(const char *s, int *win_from, int *win_to)
{
    const char *dash = s ? strchr(s, '-') : NULL;
    int a, b;
    if (dash == NULL || parse_bound(s, (size_t)(dash - s), &a) != 0 ||
        parse_bound(dash + 1, strlen(dash + 1), &b) != 0 || b <= a)
        return -1;
    *win_from = a;
    *win_to = b;
    return 0;
}

int rs_op_saturday(int64_t day, int64_t *saturday)
{
    int wd = (int)(((day + 4) % 7 + 7) % 7); /* 0 Sunday .. 6 Saturday */
    if (wd == 5 || wd == 6)
        *saturday = day + (6 - wd);
    else if (wd == 0)
        *saturday = day - 1;
    else
        return -1;
    return 0;
}

static int64_t local_minute(int64_t saturday, int minutes)
{
    int64_t day = saturday + (minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440));
    int m = (int)(minutes - (day - saturday) * 1440);
    int y, mo, d;
    rs_civil_from_days(day, &y, &mo, &d);
    return rs_london_to_utc(y, mo, d, m / 60, m % 60, 0, NULL);
}

void rs_op_window(const rs_op_opts *o, int64_t saturday, int64_t *from, int64_t *to)
{
    *from = local_minute(saturday, o->win_from);
    *to = local_minute(saturday, o->win_to);
}

/* ---- detections --------------------------------------------------------------- */

typedef struct det_row {
    char *site;
    int dev;
    int over;
    double e, n;
} det_row;

static int cmp_det_site(const void *x, const void *y)
{
    const det_row *a = x, *b = y;
    return strcmp(a->site, b->site);
}

static int cmp_site(const void *x, const void *y)
{
    const rs_op_site *a = x, *b = y;
    if (a->detections != b->detections)
        return a->detections > b->detections ? -1 : 1;
    return strcmp(a->site_id, b->site_id);
}

/* Counts the detections of district d in [from, to) into w; with sites,
 * also groups them by site (*sites, *nsites owned by the caller). */
static int detections(rs_ctx *ctx, int d, int64_t from, int64_t to, rs_op_weekend *w,
                      rs_op_site **sites, size_t *nsites)
{
    sqlite3_stmt *st = NULL;
    det_row *rows = NULL;
    size_t n = 0, cap = 0;
    int rc = 0, step;
    if (sqlite3_prepare_v2(rs_ctx_db(ctx),
                           "SELECT device_type, site_id, e, n, speed_cmph, limit_mph FROM detection "
                           "WHERE t >= ?1 AND t < ?2 AND district_id = ?3",
                           -1, &st, NULL) != SQLITE_OK)
        return rs_store_fail(ctx, "read detections");
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_int(st, 3, d);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int dev = (int)rs_device_of((const char *)sqlite3_column_text(st, 0));
        int over = rs_over_course(sqlite3_column_int64(st, 4), sqlite3_column_int(st, 5));
        w->detections++;
        w->by_device[dev]++;
        w->over_course += (uint64_t)over;
        if (sites == NULL)
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            det_row *nr = realloc(rows, nc * sizeof *nr);
            if (nr == NULL) {
                rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (detections)");
                goto done;
            }
            rows = nr;
            cap = nc;
        }
        const char *site = (const char *)sqlite3_column_text(st, 1);
        rows[n] = (det_row){strdup(site ? site : ""), dev, over, sqlite3_column_double(st, 2),
                            sqlite3_column_double(st, 3)};
        if (rows[n++].site == NULL) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (detections)");
            goto done;
        }
    }
    if (step != SQLITE_DONE) {
        rc = rs_store_fail(ctx, "read detections");
        goto done;
    }
    if (sites == NULL)
        goto done;
    if (n > 1)
        qsort(rows, n, sizeof *rows, cmp_det_site);
    size_t ns = 0;
    for (size_t k = 0; k < n; k++)
        ns += k == 0 || strcmp(rows[k].site, rows[k - 1].site) != 0;
    rs_op_site *out = calloc(ns ? ns : 1, sizeof *out);
    if (out == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (sites)");
        goto done;
    }
    size_t s = 0;
    for (size_t k = 0; k < n;) {
        size_t end = k;
        uint64_t per_dev[RS_OP_NDEV] = {0};
        rs_op_site *o = &out[s++];
        for (; end < n && strcmp(rows[end].site, rows[k].site) == 0; end++) {
            o->detections++;
            o->over_course += (uint64_t)rows[end].over;
            o->e += rows[end].e;
            o->n += rows[end].n;
            per_dev[rows[end].dev]++;
        }
        o->e /= (double)o->detections;
        o->n /= (double)o->detections;
        int best = 0;
        for (int dv = 1; dv < RS_OP_NDEV; dv++)
            if (per_dev[dv] > per_dev[best])
                best = dv;
        o->device_type = rs_device_name(best);
        o->site_id = rows[k].site; /* ownership moves to the site */
        rows[k].site = NULL;
        k = end;
    }
    if (ns > 1)
        qsort(out, ns, sizeof *out, cmp_site);
    *sites = out;
    *nsites = ns;
done:
    for (size_t k = 0; k < n; k++)
        free(rows[k].site);
    free(rows);
    sqlite3_finalize(st);
    return rc;
}

/* ---- hot cells -------------------------------------------------------------------- */

typedef struct hot_cell {
    int64_t i, j;
    uint32_t over;
} hot_cell;

static int cmp_hot(const void *x, const void *y)
{
    const hot_cell *a = x, *b = y;
    if (a->over != b->over)
        return a->over > b->over ? -1 : 1;
    if (a->j != b->j)
        return a->j < b->j ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* 1 when presence p credits cell (i, j) with any time. */
static int visited(const rs_presence *p, int64_t i, int64_t j)
{
    size_t lo = 0, hi = p->ncells;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const rs_presence_cell *c = &p->cells[mid];
        if (c->j < j || (c->j == j && c->i < i))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->ncells && p->cells[lo].i == i && p->cells[lo].j == j &&
           p->cells[lo].minutes > 0;
}

/* Hot cells of district d before `from`, and how many p visited. */
static int hot_cells(rs_ctx *ctx, int d, int64_t from, const rs_op_opts *o, const rs_presence *p,
                     rs_op_weekend *w)
{
    rs_ping_filter f;
    rs_ping_filter_init(&f);
    f.source = "traffic";
    f.from = from - (int64_t)o->hot_days * 86400;
    f.to = from;
    f.district = d;
    rs_grid g = {RS_GRID_SQUARE, o->hot_size};
    rs_heat_grid *h = NULL;
    int rc = rs_heat_grid_build(ctx, &f, &g, 1, &h);
    if (rc != 0)
        return rc;
    hot_cell *hc = calloc(h->ncells ? h->ncells : 1, sizeof *hc);
    if (hc == NULL) {
        rs_heat_grid_free(h);
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (hot cells)");
    }
    size_t n = 0;
    for (size_t k = 0; k < h->ncells; k++)
        if (h->cells[k].over > 0)
            hc[n++] = (hot_cell){h->cells[k].i, h->cells[k].j, h->cells[k].over};
    if (n > 1)
        qsort(hc, n, sizeof *hc, cmp_hot);
    size_t top = (size_t)ceil(o->hot_share * (double)n - 1e-9);
    if (top > n)
        top = n;
    w->hot_cells = (uint32_t)top;
    w->hot_visited = 0;
    for (size_t k = 0; k < top; k++)
        w->hot_visited += (uint32_t)visited(p, hc[k].i, hc[k].j);
    free(hc);
    rs_heat_grid_free(h);
    return 0;
}

/* ---- one weekend ------------------------------------------------------------------- */

static int district_count(rs_ctx *ctx, size_t *nd)
{
    int64_t n = 0;
    int rc = rs_store_query_int(ctx, "SELECT count(*) FROM district", &n);
    *nd = rc == 0 && n > 0 ? (size_t)n : 0;
    return rc;
}

static int weekend_figures(rs_ctx *ctx, int d, size_t nd, int64_t saturday, const rs_op_opts *o,
                           rs_op_weekend *w, rs_op_site **sites, size_t *nsites,
                           rs_presence **grid_out)
{
    rs_presence_district *pd = calloc(nd, sizeof *pd);
    rs_presence *p = NULL;
    if (pd == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (operation)");
    memset(w, 0, sizeof *w);
    w->saturday = saturday;
    rs_op_window(o, saturday, &w->from, &w->to);
    rs_ping_filter f;
    rs_ping_filter_init(&f);
    f.source = "fleet";
    f.from = w->from;
    f.to = w->to;
    int rc = rs_presence_by_district(ctx, &f, o->cap, nd, pd);
    if (rc != 0)
        goto done;
    w->patrol_minutes = pd[d].minutes;
    w->km = pd[d].km;
    w->vehicles = pd[d].vehicles;
    f.district = -2;
    rs_grid g = {RS_GRID_SQUARE, o->hot_size};
    if ((rc = rs_presence_build(ctx, &f, &g, o->cap, &p)) != 0 ||
        (rc = hot_cells(ctx, d, w->from, o, p, w)) != 0 ||
        (rc = detections(ctx, d, w->from, w->to, w, sites, nsites)) != 0)
        goto done;
    if (grid_out) {
        *grid_out = p;
        p = NULL;
    }
done:
    rs_presence_free(p);
    free(pd);
    return rc;
}

int rs_operation_run(rs_ctx *ctx, int district, int64_t saturday, const rs_op_opts *o,
                     rs_op_result **out)
{
    size_t nd = 0;
    *out = NULL;
    int rc = district_count(ctx, &nd);
    if (rc != 0)
        return rc;
    if (district < 0 || (size_t)district >= nd)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOTFOUND, "no district %d in the workspace",
                          district);
    if (o->previous < 0 || o->previous > 52 || o->win_to <= o->win_from)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "bad operation options");
    rs_op_result *r = calloc(1, sizeof *r);
    if (r == NULL || (r->weekends = calloc((size_t)o->previous + 1, sizeof *r->weekends)) == NULL) {
        free(r);
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (operation)");
    }
    r->district = district;
    for (int k = 0; k <= o->previous; k++) {
        rc = weekend_figures(ctx, district, nd, saturday - 7 * k, o, &r->weekends[k],
                             k == 0 ? &r->sites : NULL, k == 0 ? &r->nsites : NULL,
                             k == 0 ? &r->presence : NULL);
        if (rc != 0) {
            rs_op_result_free(r);
            return rc;
        }
        r->nweekends++;
    }
    *out = r;
    return 0;
}

void rs_op_result_free(rs_op_result *r)
{
    if (r == NULL)
        return;
    for (size_t k = 0; k < r->nsites; k++)
        free(r->sites[k].site_id);
    free(r->sites);
    free(r->weekends);
    rs_presence_free(r->presence);
    free(r);
}

/* ---- the summary ------------------------------------------------------------------------- */

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

int rs_operation_summary(rs_ctx *ctx, int64_t first_day, int64_t last_day, const rs_op_opts *o,
                         rs_op_summary **out)
{
    size_t nd = 0;
    rs_presence_district *pd = NULL;
    uint64_t *det = NULL;
    *out = NULL;
    int rc = district_count(ctx, &nd);
    if (rc != 0)
        return rc;
    if (last_day < first_day || last_day - first_day > 366 * 50)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "the summary period is empty or too long");
    int wd = (int)(((first_day + 4) % 7 + 7) % 7);
    int64_t sat0 = first_day + (6 - wd);
    size_t cap = sat0 > last_day ? 0 : (size_t)((last_day - sat0) / 7 + 1);
    rs_op_summary *s = calloc(1, sizeof *s);
    if (s == NULL || (s->rows = calloc(cap ? cap : 1, sizeof *s->rows)) == NULL ||
        (pd = calloc(nd ? nd : 1, sizeof *pd)) == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (summary)");
        goto done;
    }
    s->weekends = cap;
    for (size_t k = 0; k < cap && nd > 0; k++) {
        int64_t sat = sat0 + 7 * (int64_t)k;
        rs_ping_filter f;
        rs_ping_filter_init(&f);
        f.source = "fleet";
        rs_op_window(o, sat, &f.from, &f.to);
        if ((rc = rs_presence_by_district(ctx, &f, o->cap, nd, pd)) != 0)
            goto done;
        size_t best = 0;
        for (size_t i = 1; i < nd; i++)
            if (pd[i].minutes > pd[best].minutes)
                best = i;
        if (!(pd[best].minutes > 0))
            continue;
        rs_op_weekend w;
        memset(&w, 0, sizeof w);
        if ((rc = detections(ctx, (int)best, f.from, f.to, &w, NULL, NULL)) != 0)
            goto done;
        rs_op_summary_row *row = &s->rows[s->n++];
        row->saturday = sat;
        row->district = (int)best;
        row->patrol_minutes = pd[best].minutes;
        row->km = pd[best].km;
        row->vehicles = pd[best].vehicles;
        row->detections = w.detections;
        row->trucam = w.by_device[0];
        s->detections += w.detections;
        s->trucam += w.by_device[0];
        s->vehicles += pd[best].vehicles;
        s->patrol_minutes += pd[best].minutes;
        s->km += pd[best].km;
    }
    s->mean_detections = s->n ? (double)s->detections / (double)s->n : NAN;
    s->median_detections = NAN;
    if (s->n > 0) {
        det = malloc(s->n * sizeof *det);
        if (det == NULL) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (summary)");
            goto done;
        }
        for (size_t k = 0; k < s->n; k++)
            det[k] = s->rows[k].detections;
        qsort(det, s->n, sizeof *det, cmp_u64);
        s->min_detections = det[0];
        s->max_detections = det[s->n - 1];
        s->median_detections = s->n % 2 ? (double)det[s->n / 2]
                                        : ((double)det[s->n / 2 - 1] + (double)det[s->n / 2]) / 2;
    }
    *out = s;
    s = NULL;
done:
    free(det);
    free(pd);
    rs_op_summary_free(s);
    return rc;
}

void rs_op_summary_free(rs_op_summary *s)
{
    if (s == NULL)
        return;
    free(s->rows);
    free(s);
}
