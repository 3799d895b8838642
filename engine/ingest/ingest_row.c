/*
 * ingest_row.c — the row helpers every per-kind loader (ingest_*.c) calls:
 * rejecting a row, finding a column, reading the next record and a field,
 * progress, the shared field checks (time, position, limit, speed; the
 * pure rs_check_* forms are safe on any thread), storing a row keyed by
 * a unique index, and setting a table's indexes aside for a big load.
 * Contracts in ingest_int.h.
 *
 * Calls nothing in the driver (ingest.c): the driver calls the loaders,
 * the loaders call these.
 */
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "ingest_int.h"
#include "parse.h"
#include "store.h"

int rs_ingest_reject(rs_ingest_run *r, const char *column, const char *reason)
{
    return rs_ingest_reject_at(r, rs_csv_line(r->csv), column, reason);
}

int rs_ingest_reject_at(rs_ingest_run *r, long line, const char *column, const char *reason)
{
    r->res->rejected++;
    int64_t cap = r->opts && r->opts->max_rejects != 0 ? r->opts->max_rejects
                                                       : RS_REJECTS_KEPT_DEFAULT;
    if (cap > 0 && r->res->rejected > cap) {
        r->res->not_kept++; /* counted, not kept: said at the end of the file */
        return 0;
    }
    if (r->opts && r->opts->rejects) {
        FILE *f = r->opts->rejects;
        rs_csv_put(f, r->name);
        fprintf(f, ",%ld,", line);
        rs_csv_put(f, column);
        fputc(',', f);
        rs_csv_put(f, reason);
        fputc('\n', f);
    }
    sqlite3_stmt *st = r->reject_stmt;
    sqlite3_bind_int64(st, 1, r->file_id);
    sqlite3_bind_int64(st, 2, line);
    sqlite3_bind_text(st, 3, column, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        int code = rs_store_fail(r->ctx, "store a reject");
        if (r->reject_rc == 0)
            r->reject_rc = code;
        return code;
    }
    return 0;
}

int rs_ingest_col(rs_ingest_run *r, const char *const *names)
{
    int found = -1;
    const char *found_name = NULL;
    for (const char *const *n = names; *n; n++) {
        int c = rs_csv_col(r->csv, *n);
        if (c < 0)
            continue;
        if (found >= 0 && c != found) {
            rs_err_set(rs_ctx_err(r->ctx), RS_EINPUT,
                       "%s:1: ambiguous header: both '%s' and '%s' are present", r->name,
                       found_name, *n);
            return -2;
        }
        found = c;
        found_name = *n;
    }
    return found;
}

int rs_ingest_missing(rs_ingest_run *r, const char *what)
{
    return rs_err_set(rs_ctx_err(r->ctx), RS_EINPUT, "%s:1: missing required column %s",
                      r->name, what);
}

const char *rs_ingest_field(rs_ingest_run *r, int i, size_t *len)
{
    if (i < 0) {
        if (len)
            *len = 0;
        return "";
    }
    return rs_csv_field(r->csv, (size_t)i, len);
}

int rs_ingest_next(rs_ingest_run *r, int64_t *rows)
{
    for (;;) {
        if (r->reject_rc != 0)
            return r->reject_rc;
        int got = rs_csv_next(r->csv, rs_ctx_err(r->ctx));
        if (got <= 0)
            return got;
        rs_ingest_tick(r, ++*rows);
        const char *problem = rs_csv_record_problem(r->csv);
        if (problem == NULL)
            return 1;
        int rc = rs_ingest_reject(r, "", problem);
        if (rc != 0)
            return rc;
    }
}

void rs_ingest_tick(rs_ingest_run *r, int64_t rows)
{
    if (rows - r->ticked < 0x10000)
        return;
    r->ticked = rows;
    if (r->opts && r->opts->progress)
        r->opts->progress(r->opts->progress_user, r->name, rows, rs_csv_bytes_in(r->csv),
                          rs_csv_size(r->csv));
}

int rs_ingest_time(rs_ingest_run *r, int col, const char *name, int64_t *t)
{
    size_t len;
    const char *s = rs_ingest_field(r, col, &len);
    if (len == 0) {
        rs_ingest_reject(r, name, "empty timestamp");
        return -1;
    }
    if (rs_parse_iso8601(s, len, t) != 0) {
        rs_ingest_reject(r, name, rs_iso8601_why(s, len));
        return -1;
    }
    return 0;
}

int rs_check_latlon(const char *a, size_t la, const char *b, size_t lo, double *lat,
                    double *lon, const char **col, const char **why)
{
    *col = "lat";
    if (la == 0 || lo == 0) {
        *col = la == 0 ? "lat" : "lon";
        *why = "empty coordinate";
        return -1;
    }
    if (rs_parse_decimal(a, la, lat) != 0) {
        *why = "not a plain decimal number";
        return -1;
    }
    if (rs_parse_decimal(b, lo, lon) != 0) {
        *col = "lon";
        *why = "not a plain decimal number";
        return -1;
    }
    if (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) {
        *col = *lat < -90 || *lat > 90 ? "lat" : "lon";
        *why = "out of range for WGS84 degrees";
        return -1;
    }
    if (!rs_in_gb_wgs84(*lat, *lon)) {
        *why = rs_in_gb_wgs84(*lon, *lat) ? "outside Great Britain; lat and lon look swapped"
                                          : "outside Great Britain";
        return -1;
    }
    return 0;
}

int rs_check_limit(const char *s, size_t len, int optional, int *limit, const char **why)
{
    int64_t v;
    if (len == 0 && optional) {
        *limit = 0;
        return 0;
    }
    if (len == 0) {
        *why = "empty speed limit";
        return -1;
    }
    if (rs_parse_int(s, len, &v) != 0 ||
        !(v == 20 || v == 30 || v == 40 || v == 50 || v == 60 || v == 70)) {
        *why = "speed limit is not one of 20, 30, 40, 50, 60, 70 mph";
        return -1;
    }
    *limit = (int)v;
    return 0;
}

int rs_check_speed(const char *s, size_t len, int kph, int64_t *cmph, const char **why)
{
    int64_t v;
    if (len == 0) {
        *why = "empty speed";
        return -1;
    }
    if (!kph) {
        if (rs_parse_fixed(s, len, 2, &v) != 0) {
            *why = "not a plain decimal number";
            return -1;
        }
    } else {
        /* km/h to 0.01 mph exactly: micro-km/h * 100 / 1609344, rounded half up */
        int64_t ukph;
        if (rs_parse_fixed(s, len, 6, &ukph) != 0) {
            *why = "not a plain decimal number";
            return -1;
        }
        if (ukph < 0 || ukph > 400000000) {
            *why = "speed out of range 0-200 mph";
            return -1;
        }
        v = (ukph * 200 + 1609344) / (2 * 1609344);
    }
    if (v < 0 || v > 20000) {
        *why = "speed out of range 0-200 mph";
        return -1;
    }
    *cmph = v;
    return 0;
}

int rs_ingest_latlon(rs_ingest_run *r, int lat_col, int lon_col, double *lat, double *lon)
{
    size_t la, lo;
    const char *a = rs_ingest_field(r, lat_col, &la);
    const char *b = rs_ingest_field(r, lon_col, &lo);
    const char *col, *why;
    if (rs_check_latlon(a, la, b, lo, lat, lon, &col, &why) != 0) {
        rs_ingest_reject(r, col, why);
        return -1;
    }
    return 0;
}

int rs_ingest_limit(rs_ingest_run *r, int col, const char *name, int optional, int *limit)
{
    size_t len;
    const char *s = rs_ingest_field(r, col, &len);
    const char *why;
    if (rs_check_limit(s, len, optional, limit, &why) != 0) {
        rs_ingest_reject(r, name, why);
        return -1;
    }
    return 0;
}

int rs_ingest_speed(rs_ingest_run *r, int mph_col, int kph_col, uint16_t *cmph)
{
    int kph = mph_col < 0;
    size_t len;
    const char *s = rs_ingest_field(r, kph ? kph_col : mph_col, &len);
    const char *why;
    int64_t v;
    if (rs_check_speed(s, len, kph, &v, &why) != 0) {
        rs_ingest_reject(r, kph ? "speed_kph" : "speed_mph", why);
        return -1;
    }
    *cmph = (uint16_t)v;
    return 0;
}

int rs_ingest_keyed(rs_ingest_run *r, const rs_keyed *k, const void *row)
{
    char what[64];
    int step = sqlite3_step(k->ins);
    int ext = sqlite3_extended_errcode(r->db);
    sqlite3_reset(k->ins);
    if (step != SQLITE_DONE && ext == SQLITE_CONSTRAINT_FOREIGNKEY && k->orphan_why)
        return rs_ingest_reject(r, k->orphan_col, k->orphan_why);
    if (step != SQLITE_DONE) {
        snprintf(what, sizeof what, "store a %s", k->what);
        return rs_store_fail(r->ctx, what);
    }
    if (sqlite3_changes(r->db) == 1)
        return 1;
    /* the key was there: the same values are already present, others are
     * rejected (a stored row that vanished counts as different) */
    step = sqlite3_step(k->get);
    int same = step == SQLITE_ROW && k->same(k->get, row);
    sqlite3_reset(k->get);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        snprintf(what, sizeof what, "compare a %s", k->what);
        return rs_store_fail(r->ctx, what);
    }
    if (same) {
        r->res->present++;
        return 0;
    }
    return rs_ingest_reject(r, k->col, k->why);
}

int rs_ingest_bulk_begin(rs_ingest_run *r, rs_ingest_bulk *b, const char *table)
{
    char sql[160]; /* r->kind_name is the loader's own literal */
    memset(b, 0, sizeof *b);
    b->table = table;
    snprintf(sql, sizeof sql,
             "SELECT coalesce(sum(rows_loaded), 0) FROM ingest_file WHERE kind = '%s'",
             r->kind_name);
    return rs_store_query_int(r->ctx, sql, &b->before);
}

int rs_ingest_bulk_row(rs_ingest_run *r, rs_ingest_bulk *b)
{
    if (b->weighed || r->res->loaded < RS_BULK_ROWS)
        return 0;
    b->weighed = 1;
    if (r->res->loaded * 4 < b->before)
        return 0;
    return rs_store_indexes_drop(r->ctx, b->table, &b->aside);
}

int rs_ingest_bulk_end(rs_ingest_run *r, rs_ingest_bulk *b)
{
    rs_store_indexes *x = b->aside;
    b->aside = NULL;
    return x ? rs_store_indexes_restore(r->ctx, x) : 0;
}

void rs_ingest_bulk_free(rs_ingest_bulk *b)
{
    rs_store_indexes_free(b->aside);
    b->aside = NULL;
}
