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
 * How: the loader binds each row into a one-row temporary table shaped like
 * the stored one (rs_s19_stage_table names it); rs_s19_stage_store then
 * inserts it into the workspace when its key is new, else compares it
 * column by column in SQL.  The columns compared are read from the
 * workspace's schema, so a column added to the table later is compared too.
 * Stored columns that are not the file's values are left out: the key, the
 * ingest file the row came from, and the district (found from the
 * location, which is compared).
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
    char stage[48];   /* temp.s19_collision */
    sqlite3_stmt *insert, *compare, *update, *clear;
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
                     const char *const *names, rs_s19_stage **out)
{
    static const char *const not_compared[] = {"file_id", "district_id", NULL};
    char sql[512], cols[4096] = "", setl[4096] = "", flags[6144] = "", on[512] = "";
    sqlite3_stmt *info = NULL;
    int rc = 0;
    *out = NULL;
    rs_s19_stage *s = calloc(1, sizeof *s);
    if (s == NULL)
        return rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
    s->r = r;
    s->what = table;
    s->names = names;
    snprintf(s->stage, sizeof s->stage, "temp.s19_%s", table);
    snprintf(sql, sizeof sql,
             "DROP TABLE IF EXISTS %s; CREATE TEMP TABLE s19_%s AS SELECT * FROM main.%s "
             "WHERE 0",
             s->stage, table, table);
    if ((rc = rs_store_exec(r->ctx, sql, "prepare the STATS19 comparison")) != 0)
        goto fail;
    snprintf(sql, sizeof sql, "PRAGMA main.table_info(%s)", table);
    if (sqlite3_prepare_v2(r->db, sql, -1, &info, NULL) != SQLITE_OK)
        goto sqlfail;
    int step, bad = 0;
    while ((step = sqlite3_step(info)) == SQLITE_ROW) {
        const char *c = rs_store_text(info, 1);
        bad |= put(cols, sizeof cols, "%s%s", cols[0] ? ", " : "", c);
        if (is_in(c, keys))
            continue;
        if (strcmp(c, "file_id") != 0)
            bad |= put(setl, sizeof setl, "%s%s", setl[0] ? ", " : "", c);
        if (is_in(c, not_compared))
            continue;
        if (s->ncmp == MAX_COLS || (s->cmp_name[s->ncmp] = strdup(c)) == NULL) {
            bad = 1;
            break;
        }
        s->ncmp++;
        /* equal, both missing, or numbers within rounding of the stored ones */
        bad |= put(flags, sizeof flags, "%s(m.%s IS s.", flags[0] ? ", " : "", c);
        bad |= put(flags, sizeof flags, "%s OR (typeof(m.%s) IN ('integer', 'real') AND ", c, c);
        bad |= put(flags, sizeof flags, "typeof(s.%s) IN ('integer', 'real') AND abs(m.%s - ", c,
                   c);
        bad |= put(flags, sizeof flags, "s.%s) < 0.005))%s", c, "");
    }
    if (step != SQLITE_DONE)
        goto sqlfail;
    for (const char *const *k = keys; *k; k++) {
        bad |= put(on, sizeof on, "%sm.%s = s.", k == keys ? "" : " AND ", *k);
        bad |= put(on, sizeof on, "%s%s", *k, "");
    }
    if (bad || s->ncmp == 0) {
        rc = rs_err_set(rs_ctx_err(r->ctx), RS_ERR, "internal error: the %s table's columns",
                        table);
        goto fail;
    }
    /* "WHERE true": an upsert after a SELECT needs a WHERE to parse */
    if (prepare(r, &s->insert,
                sqlite3_mprintf("INSERT INTO main.%s(%s) SELECT %s FROM %s WHERE true "
                                "ON CONFLICT DO NOTHING",
                                table, cols, cols, s->stage)) != 0 ||
        prepare(r, &s->compare,
                sqlite3_mprintf("SELECT %s FROM main.%s m JOIN %s s ON %s", flags, table,
                                s->stage, on)) != 0 ||
        prepare(r, &s->update,
                sqlite3_mprintf("UPDATE main.%s AS m SET (%s) = (SELECT %s FROM %s) WHERE "
                                "EXISTS (SELECT 1 FROM %s s WHERE %s)",
                                table, setl, setl, s->stage, s->stage, on)) != 0)
        goto sqlfail;
    snprintf(sql, sizeof sql, "DELETE FROM %s", s->stage);
    if (sqlite3_prepare_v2(r->db, sql, -1, &s->clear, NULL) != SQLITE_OK)
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

const char *rs_s19_stage_table(const rs_s19_stage *s)
{
    return s->stage;
}

void rs_s19_stage_free(rs_s19_stage *s)
{
    if (s == NULL)
        return;
    sqlite3_finalize(s->insert);
    sqlite3_finalize(s->compare);
    sqlite3_finalize(s->update);
    sqlite3_finalize(s->clear);
    for (int i = 0; i < s->ncmp; i++)
        free(s->cmp_name[i]);
    char sql[96];
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", s->stage);
    sqlite3_exec(s->r->db, sql, NULL, NULL, NULL);
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

static int step_done(rs_s19_stage *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        char msg[64];
        snprintf(msg, sizeof msg, "%s a %s", what, s->what);
        return rs_store_fail(s->r->ctx, msg);
    }
    return 0;
}

int rs_s19_stage_store(rs_s19_stage *s)
{
    rs_ingest_run *r = s->r;
    int rc;
    if ((rc = step_done(s, s->insert, "store")) != 0)
        goto done;
    if (sqlite3_changes(r->db) == 1) {
        rc = 1;
        goto done;
    }
    /* the key was there: which column differs, if any */
    int differs = -1, step = sqlite3_step(s->compare);
    for (int i = 0; step == SQLITE_ROW && differs < 0 && i < s->ncmp; i++)
        if (sqlite3_column_int(s->compare, i) == 0)
            differs = i;
    sqlite3_reset(s->compare);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        char msg[64];
        snprintf(msg, sizeof msg, "compare a %s", s->what);
        rc = rs_store_fail(r->ctx, msg);
        goto done;
    }
    if (step == SQLITE_ROW && differs < 0) {
        r->res->present++;
        rc = 0;
    } else if (r->opts && r->opts->update) {
        if ((rc = step_done(s, s->update, "revise")) == 0)
            r->res->revised++;
    } else {
        char why[160];
        snprintf(why, sizeof why,
                 "%s already loaded with a different value here (the file may be a revision: "
                 "--update applies it)",
                 s->what);
        rc = rs_ingest_reject(r, differs >= 0 ? file_name(s, s->cmp_name[differs]) : "", why);
    }
done:;
    int crc = step_done(s, s->clear, "clear the staged");
    return rc < 0 ? rc : crc != 0 ? crc : rc;
}
