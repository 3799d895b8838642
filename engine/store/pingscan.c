/*
 * pingscan.c — filtered reading of stored pings (see pingscan.h).
 *
 * Chunks whose [t_min, t_max] misses the period are skipped by the query;
 * the rest are decoded and tested ping by ping.  UK local time needs the
 * BST offset; it is cached per calendar year, so the per-ping cost is two
 * comparisons and a division.
 */
#include "pingscan.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "timeutil.h"

void rs_ping_filter_init(rs_ping_filter *f)
{
    memset(f, 0, sizeof *f);
    f->source = "traffic";
    f->from = INT64_MIN;
    f->to = INT64_MAX;
    f->days = RS_DAYS_ALL;
    f->hour_from = -1;
    f->hour_to = -1;
    f->district = -1;
}

int rs_ping_filter_hours(rs_ping_filter *f, const char *s)
{
    int a = -1, b = -1, n = 0;
    if (s == NULL || sscanf(s, "%d-%d%n", &a, &b, &n) != 2 || s[n] != '\0')
        return -1;
    if (a < 0 || a > 24 || b < 0 || b > 24 || a == b)
        return -1;
    f->hour_from = a % 24;
    f->hour_to = b % 24 == f->hour_from ? 24 : b;
    return 0;
}

/* BST interval cache for one UTC year. */
typedef struct bst_cache {
    int64_t year_start, year_end; /* UTC [start, end) of the cached year */
    int64_t bst_start, bst_end;   /* UTC instants clocks go forward / back */
} bst_cache;

static int64_t last_sunday_0100(int year, int month)
{
    int64_t d = rs_days_from_civil(year, month, 31);
    /* 1970-01-01 was a Thursday: (d + 4) % 7 == 0 is Sunday */
    int64_t wd = ((d + 4) % 7 + 7) % 7;
    return (d - wd) * 86400 + 3600;
}

static void bst_fill(bst_cache *c, int64_t t)
{
    rs_tm tm;
    rs_time_utc(t, &tm);
    c->year_start = rs_days_from_civil(tm.year, 1, 1) * 86400;
    c->year_end = rs_days_from_civil(tm.year + 1, 1, 1) * 86400;
    c->bst_start = last_sunday_0100(tm.year, 3);
    c->bst_end = last_sunday_0100(tm.year, 10);
}

static int match(const rs_ping_filter *f, bst_cache *c, const rs_ping *p)
{
    if (p->t < f->from || p->t >= f->to)
        return 0;
    if (f->district >= 0 ? p->district != f->district : (f->district == -1 && p->district < 0))
        return 0;
    if (f->days == RS_DAYS_ALL && f->hour_from < 0)
        return 1;
    if (p->t < c->year_start || p->t >= c->year_end)
        bst_fill(c, p->t);
    int64_t local = p->t + ((p->t >= c->bst_start && p->t < c->bst_end) ? 3600 : 0);
    int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    if (f->days != RS_DAYS_ALL) {
        int wd = (int)(((day + 4) % 7 + 7) % 7); /* 0 Sunday .. 6 Saturday */
        int weekend = wd == 0 || wd == 6;
        if (weekend != (f->days == RS_DAYS_WEEKEND))
            return 0;
    }
    if (f->hour_from >= 0) {
        int h = (int)((local - day * 86400) / 3600);
        if (f->hour_from < f->hour_to ? (h < f->hour_from || h >= f->hour_to)
                                      : (h < f->hour_from && h >= f->hour_to))
            return 0;
    }
    return 1;
}

int rs_ping_filter_match(const rs_ping_filter *f, const rs_ping *p)
{
    bst_cache c = {1, 0, 0, 0};
    return match(f, &c, p);
}

/* The chunks a filter may take pings from: its source, overlapping its
 * period.  One definition for the scan and for the count bound. */
#define IN_PERIOD "source = ?1 AND t_max >= ?2 AND t_min < ?3"

/* Prepares sql (which uses IN_PERIOD) and binds f's source and period. */
static int prepare_period(rs_ctx *ctx, const rs_ping_filter *f, const char *sql,
                          sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(rs_ctx_db(ctx), sql, -1, st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(*st, 1, f->source ? f->source : "traffic", -1, SQLITE_STATIC);
    sqlite3_bind_int64(*st, 2, f->from);
    sqlite3_bind_int64(*st, 3, f->to);
    return 0;
}

int rs_pings_scan(rs_ctx *ctx, const rs_ping_filter *f, rs_ping_visit visit, void *user)
{
    sqlite3_stmt *st = NULL;
    rs_ping *buf = NULL;
    int rc = 0;
    bst_cache cache = {1, 0, 0, 0};
    /* the ids first, then the rows by id: ordering the rows themselves
     * would copy every blob through a temporary sort file */
    if (prepare_period(ctx, f,
                       "SELECT t_min, data FROM ping_chunk WHERE id IN "
                       "(SELECT id FROM ping_chunk WHERE " IN_PERIOD ") ORDER BY id",
                       &st) != 0)
        return rs_store_fail(ctx, "read pings");
    buf = malloc(sizeof *buf * RS_PING_CHUNK);
    if (buf == NULL) {
        sqlite3_finalize(st);
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory reading pings");
    }
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t t_min = sqlite3_column_int64(st, 0);
        const unsigned char *data = sqlite3_column_blob(st, 1);
        int bytes = sqlite3_column_bytes(st, 1);
        if (bytes < 0 || bytes % RS_PING_BYTES != 0 || bytes > RS_PING_CHUNK * RS_PING_BYTES) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_EINPUT, "workspace %s: a ping chunk is damaged",
                            rs_ctx_store_path(ctx));
            break;
        }
        size_t n = 0;
        for (int off = 0; off < bytes; off += RS_PING_BYTES) {
            rs_ping_decode(data + off, t_min, &buf[n]);
            if (match(f, &cache, &buf[n]))
                n++;
        }
        if (n > 0 && (rc = visit(user, buf, n)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = rs_store_fail(ctx, "read pings");
    free(buf);
    sqlite3_finalize(st);
    return rc;
}

int rs_pings_count_bound(rs_ctx *ctx, const rs_ping_filter *f, int64_t *n)
{
    sqlite3_stmt *st = NULL;
    *n = 0;
    if (prepare_period(ctx, f, "SELECT coalesce(sum(n), 0) FROM ping_chunk WHERE " IN_PERIOD,
                       &st) != 0)
        return rs_store_fail(ctx, "count pings");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : rs_store_fail(ctx, "count pings");
}
