/*
 * ingest_stats19_update.c — re-loading STATS19 rows: the DfT revises its
 * published files (a corrected speed_limit, a casualty found later), so a
 * collision or casualty loaded before is compared on every stored column,
 * not on a few.  A row that is the same is "already present"; one that
 * differs is rejected naming the first column that differs (never its
 * value), or, with --update, the stored row takes the file's values and is
 * counted as revised.  The file is one transaction, so a file's revisions
 * are applied together or not at all.
 *
 * How: a new row costs the loader one INSERT ... ON CONFLICT DO NOTHING
 * into the table.  When that finds the key there, the loader binds the same
 * parameters into rs_s19_stage_compare(s), which lines the stored row up
 * with the file's (a one-row VALUES shaped like the table, no temporary
 * table) and compares them in SQL: a row the same in every column (a
 * re-load of the same file) returns nothing at once, else each column is
 * compared; with --update it then
 * binds them into rs_s19_stage_update(s).  The columns compared are read
 * from the workspace's schema, so a column added to the table later is
 * compared too.  Stored columns that are not the file's values are left
 * out: the key, the ingest file the row came from, and the district (found
 * from the location, which is compared).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_stats19_int.h"
#include "store.h"

#define MAX_COLS 64

struct rs_s19_stage {
    rs_ingest_run *r;
    const char *what; /* "collision", "casualty" */
    sqlite3_stmt *compare, *update;
    int ncmp;
    char *cmp_name[MAX_COLS]; /* stored column of each compared flag */
    const char *const *names; /* stored -> file column names, pairs, NULL-ended */
};

static int is_in(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

/* The parameter number (1-based) of column c in params, or 0. */
static int param_of(const char *c, const char *const *params)
{
    for (int i = 0; params[i]; i++)
        if (strcmp(c, params[i]) == 0)
            return i + 1;
    return 0;
}

/* Appends printf text to buf (size cap); -1 when it does not fit. */
__attribute__((format(printf, 3, 4))) static int put(char *buf, size_t cap, const char *fmt,
                                                     ...);
static int put(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t len = strlen(buf);
    int n = vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= cap - len ? -1 : 0;
}

/* Prepares *st from sql (made by sqlite3_mprintf, freed here; NULL when
 * out of memory).  0 or -1. */
static int prepare(rs_ingest_run *r, sqlite3_stmt **st, char *sql)
{
    int ok = sql != NULL && sqlite3_prepare_v2(r->db, sql, -1, st, NULL) == SQLITE_OK;
    sqlite3_free(sql);
    return ok ? 0 : -1;
}

int rs_s19_stage_new(rs_ingest_run *r, const char *table, const char *const *keys,
                     const char *const *params, const char *const *names, rs_s19_stage **out)
{
    static const char *const not_compared[] = {"file_id", "district_id", NULL};
    char sql[512], cols[4096] = "", vals[1024] = "", setl[4096] = "", flags[6144] = "",
                   on[512] = "", same[4096] = "";
    sqlite3_stmt *info = NULL;
    int rc = 0;
    *out = NULL;
    rs_s19_stage *s = calloc(1, sizeof *s);
    if (s == NULL)
        return rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
    s->r = r;
    s->what = table;
    s->names = names;
    snprintf(sql, sizeof sql, "PRAGMA main.table_info(%s)", table);
    if (sqlite3_prepare_v2(r->db, sql, -1, &info, NULL) != SQLITE_OK)
        goto sqlfail;
    int step, bad = 0;
    while ((step = sqlite3_step(info)) == SQLITE_ROW) {
        const char *c = rs_store_text(info, 1);
        int p = param_of(c, params);
        bad |= put(cols, sizeof cols, "%s%s", cols[0] ? ", " : "", c);
        /* a column the loader does not give is NULL in the file's row */
        if (p > 0)
            bad |= put(vals, sizeof vals, "%s?%d", vals[0] ? ", " : "", p);
        else
            bad |= put(vals, sizeof vals, "%sNULL", vals[0] ? ", " : "");
        if (is_in(c, keys)) {
            bad |= p == 0; /* the key must be the loader's */
            bad |= put(on, sizeof on, "%sm.%s = ?%d", on[0] ? " AND " : "", c, p);
            continue;
        }
        if (strcmp(c, "file_id") != 0)
            bad |= put(setl, sizeof setl, "%s%s", setl[0] ? ", " : "", c);
        if (is_in(c, not_compared))
            continue;
        if (s->ncmp == MAX_COLS || (s->cmp_name[s->ncmp] = strdup(c)) == NULL) {
            bad = 1;
            break;
        }
        s->ncmp++;
        bad |= put(same, sizeof same, "%sm.%s IS s.%s", same[0] ? " AND " : "", c, c);
        /* equal, both missing, or numbers within rounding of the stored ones */
        bad |= put(flags, sizeof flags, "%s(m.%s IS s.", flags[0] ? ", " : "", c);
        bad |= put(flags, sizeof flags, "%s OR (typeof(m.%s) IN ('integer', 'real') AND ", c, c);
        bad |= put(flags, sizeof flags, "typeof(s.%s) IN ('integer', 'real') AND abs(m.%s - ", c,
                   c);
        bad |= put(flags, sizeof flags, "s.%s) < 0.005))%s", c, "");
    }
    if (step != SQLITE_DONE)
        goto sqlfail;
    if (bad || s->ncmp == 0 || on[0] == '\0') {
        rc = rs_err_set(rs_ctx_err(r->ctx), RS_ERR, "internal error: the %s table's columns",
                        table);
        goto fail;
    }
    if (prepare(r, &s->compare,
                sqlite3_mprintf("WITH s(%s) AS (VALUES(%s)) SELECT %s FROM main.%s m, s WHERE %s "
                                "AND NOT (%s)",
                                cols, vals, flags, table, on, same)) != 0 ||
        prepare(r, &s->update,
                sqlite3_mprintf("WITH s(%s) AS (VALUES(%s)) UPDATE main.%s AS m SET (%s) = "
                                "(SELECT %s FROM s) WHERE %s",
                                cols, vals, table, setl, setl, on)) != 0)
        goto sqlfail;
    sqlite3_finalize(info);
    *out = s;
    return 0;
sqlfail:
    rc = rs_store_fail(r->ctx, "prepare the STATS19 comparison");
fail:
    sqlite3_finalize(info);
    rs_s19_stage_free(s);
    return rc;
}

sqlite3_stmt *rs_s19_stage_compare(rs_s19_stage *s)
{
    return s->compare;
}

sqlite3_stmt *rs_s19_stage_update(rs_s19_stage *s)
{
    return s->update;
}

void rs_s19_stage_free(rs_s19_stage *s)
{
    if (s == NULL)
        return;
    sqlite3_finalize(s->compare);
    sqlite3_finalize(s->update);
    for (int i = 0; i < s->ncmp; i++)
        free(s->cmp_name[i]);
    free(s);
}

/* The file's name of stored column c. */
static const char *file_name(const rs_s19_stage *s, const char *c)
{
    for (const char *const *p = s->names; p && p[0]; p += 2)
        if (strcmp(p[0], c) == 0)
            return p[1];
    return c;
}

int rs_s19_stage_check(rs_s19_stage *s)
{
    rs_ingest_run *r = s->r;
    /* which column differs, if any */
    int differs = -1, step = sqlite3_step(s->compare);
    for (int i = 0; step == SQLITE_ROW && differs < 0 && i < s->ncmp; i++)
        if (sqlite3_column_int(s->compare, i) == 0)
            differs = i;
    sqlite3_reset(s->compare);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        char msg[64];
        snprintf(msg, sizeof msg, "compare a %s", s->what);
        return rs_store_fail(r->ctx, msg);
    }
    /* no row: every column is the same (the insert just found the key,
     * so the stored row is there); a row with no flag 0: the same within
     * rounding */
    if (step == SQLITE_DONE || differs < 0) {
        r->res->present++;
        return 0;
    }
    if (r->opts && r->opts->update)
        return RS_S19_REVISE;
    char why[160];
    snprintf(why, sizeof why,
             "%s already loaded with a different value here (the file may be a revision: "
             "--update applies it)",
             s->what);
    return rs_ingest_reject(r, differs >= 0 ? file_name(s, s->cmp_name[differs]) : "", why);
}

int rs_s19_stage_revise(rs_s19_stage *s)
{
    int rc = sqlite3_step(s->update);
    sqlite3_reset(s->update);
    if (rc != SQLITE_DONE) {
        char msg[64];
        snprintf(msg, sizeof msg, "revise a %s", s->what);
        return rs_store_fail(s->r->ctx, msg);
    }
    s->r->res->revised++;
    return 0;
}
