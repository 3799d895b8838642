/*
 * ingest_pg_stats19.c — STATS19 files (collisions, casualties, vehicles,
 * the casualty adjustment lookup) into a PostgreSQL workspace, as a staged
 * load (ingest_pg.h): the hooks of the stats19 entry of ingest_pg.c.
 *
 * The SQLite loaders (ingest_stats19*.c) judge a row against the stored
 * ones: a collision, casualty, vehicle or adjustment whose key is stored
 * is compared with it (present, rejected naming the column, or with
 * --update revised); a casualty, vehicle or adjustment needs its collision.
 * Every row they can look at shares the collision index of a row of the
 * file, so `before` stages, as rows of the placeholder file 0, the stored
 * collisions whose indexes the file holds and their casualties, vehicles
 * and adjustments.  Temporary triggers in the staging area note each
 * staged collision and casualty the load revises; `send` applies those
 * revisions to the workspace's rows (an UPDATE from a temporary table
 * filled by COPY: the rows keep the file they came from), then copies the
 * file's new rows, collisions first.
 *
 * STATS19 rows are identified by their keys, not by the file's content: a
 * file already logged can still bring something new (a casualty file
 * loaded before its collisions, a revision given --update after being
 * rejected without it).  `again` then loads it into the content's first
 * log entry, whose rejects become this load's; a load that brings nothing
 * stores nothing, as before.  Loads of STATS19 files wait for one another
 * (a table lock readers never wait for), so the stored rows a load
 * compares with cannot change under it.
 *
 * Workload: the file is read twice (its collision indexes, then the
 * loader); the staging area holds the file's rows and the stored rows of
 * its collisions, on disk.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "ingest_pg_int.h"
#include "store.h"

/* The STATS19 tables (data/schema_pg/0001 and 0004), key columns first;
 * at most 16 columns (what rs_store_query_rows gives). */
typedef struct {
    pg_table tb;
    int nkeys;
    int revisable; /* the loader may revise a stored row (ingest_stats19_update.c) */
} s19_table;

static const s19_table s19_tables[] = {
    {{"collision",
      "collision_index, t, local_date, severity, e, n, district_id, ons_district, "
      "police_force, speed_limit, vehicles, casualties, enhanced_severity, injury_based, "
      "adjusted_serious, adjusted_slight",
      "t8t4ff4t444444ff"},
     1, 1},
    {{"casualty",
      "collision_index, vehicle_ref, casualty_ref, severity, casualty_class, casualty_type, "
      "sex, age, age_band, adjusted_serious, adjusted_slight, enhanced_severity, injury_based",
      "t44444444ff44"},
     3, 1},
    {{"vehicle",
      "collision_index, vehicle_ref, vehicle_type, escooter, towing, sex_of_driver, "
      "age_of_driver, age_band_of_driver, engine_cc, propulsion, age_of_vehicle",
      "t4444444444"},
     2, 0},
    {{"casualty_adjustment",
      "collision_index, vehicle_ref, casualty_ref, adjusted_serious, adjusted_slight, "
      "injury_based",
      "t44ff4"},
     3, 0},
};
#define N_S19_TABLES (sizeof s19_tables / sizeof s19_tables[0])

/* Column i (0-based) of a pg_table's column list, copied into buf. */
static const char *col_name(const pg_table *tb, int i, char *buf, size_t cap)
{
    const char *p = tb->cols;
    for (; i > 0 && p; i--)
        if ((p = strchr(p, ',')) != NULL)
            p += 2; /* ", " */
    size_t n = p ? strcspn(p, ",") : 0;
    if (n >= cap)
        n = 0;
    memcpy(buf, p ? p : "", n);
    buf[n] = '\0';
    return buf;
}

/* Appends col_name(tb, i) for i in [from, to) to out, each as
 * prefix + name + (infix + prefix2 + name), comma separated.  -1 when it
 * does not fit. */
static int col_list(const pg_table *tb, int from, int to, const char *pre, const char *infix,
                    const char *pre2, const char *sep, char *out, size_t cap)
{
    char c[64];
    for (int i = from; i < to; i++) {
        size_t len = strlen(out);
        col_name(tb, i, c, sizeof c);
        int n = infix ? snprintf(out + len, cap - len, "%s%s%s%s%s%s", i > from ? sep : "", pre,
                                 c, infix, pre2, c)
                      : snprintf(out + len, cap - len, "%s%s%s", i > from ? sep : "", pre, c);
        if (n < 0 || (size_t)n >= cap - len)
            return -1;
    }
    return 0;
}

static const char *pg_type(char t)
{
    switch (t) {
    case '8': return "bigint";
    case '4': return "integer";
    case 'f': return "double precision";
    case 'b': return "bytea";
    default: return "text";
    }
}

/* ---- before: the stored rows of the file's collisions, into the stage ---- */

/* The file's collision indexes into the temporary table rs_s19_ids (a
 * file the loader will refuse gives none). */
static int copy_ids(rs_ctx *ctx, const char *path)
{
    rs_csv *csv = NULL;
    rs_err e = {0};
    int rc = rs_store_exec(ctx,
                           "CREATE TEMPORARY TABLE rs_s19_ids (collision_index text) "
                           "ON COMMIT DROP",
                           "stage collision indexes");
    if (rc != 0)
        return rc;
    if (rs_csv_open(&e, path, path, &csv) != 0)
        return 0; /* the loader says why */
    int col = rs_csv_col(csv, "collision_index");
    if (col < 0)
        col = rs_csv_col(csv, "accident_index");
    rs_store_copy *c = NULL;
    if (col >= 0 && (rc = rs_store_copy_begin(ctx, "COPY rs_s19_ids FROM STDIN (FORMAT binary)",
                                              &c)) == 0) {
        /* a collision's casualties and vehicles follow one another: its
         * index is sent once for them */
        char prev[128];
        size_t prev_len = (size_t)-1;
        int got;
        while ((got = rs_csv_next(csv, &e)) == 1) {
            size_t len = 0;
            const char *id = rs_csv_field(csv, (size_t)col, &len);
            if (len == 0 || rs_csv_record_problem(csv) != NULL ||
                (len == prev_len && memcmp(id, prev, len) == 0))
                continue;
            rs_copy_row(c, 1);
            rs_copy_bytes(c, id, len);
            prev_len = len < sizeof prev ? len : (size_t)-1;
            if (len < sizeof prev)
                memcpy(prev, id, len);
        }
        /* a read failure: the loader meets it again and says so */
        rc = rs_store_copy_end(ctx, c, 1);
        /* (a national file holds millions: the joins are planned on its
         * real size) */
        if (rc == 0)
            rc = rs_store_exec(ctx, "ANALYZE rs_s19_ids", "stage collision indexes");
    }
    rs_csv_close(csv);
    return rc;
}

/* One stored row into the stage, as loaded by file 0. */
typedef struct {
    rs_ctx *stage;
    const pg_table *tb;
    sqlite3_stmt *ins;
} stager;

static int stored_row(void *user, int ncols, const char *const *v, const int *lens)
{
    stager *p = user;
    sqlite3_stmt *st = p->ins;
    for (int i = 0; i < ncols && p->tb->types[i]; i++) {
        if (v[i] == NULL) {
            sqlite3_bind_null(st, i + 1);
            continue;
        }
        switch (p->tb->types[i]) {
        case '8':
        case '4': sqlite3_bind_int64(st, i + 1, strtoll(v[i], NULL, 10)); break;
        /* PostgreSQL's text of a double is the shortest that reads back
         * exactly */
        case 'f': sqlite3_bind_double(st, i + 1, strtod(v[i], NULL)); break;
        default: sqlite3_bind_text(st, i + 1, v[i], lens[i], SQLITE_STATIC);
        }
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : rs_store_fail(p->stage, "stage stored STATS19 rows");
}

static int stage_table(rs_ctx *ctx, rs_ctx *stage, const pg_table *tb)
{
    char sql[1024], params[256] = "";
    stager p = {stage, tb, NULL};
    int nc = (int)strlen(tb->types);
    if (nc > 16)
        return rs_err_set(rs_ctx_err(ctx), RS_ERR,
                          "internal error: the %s table has more columns than are staged",
                          tb->table);
    for (int i = 1; i <= nc; i++) {
        size_t len = strlen(params);
        snprintf(params + len, sizeof params - len, "%s?%d", i > 1 ? ", " : "", i);
    }
    snprintf(sql, sizeof sql, "INSERT INTO main.%s(file_id, %s) VALUES(0, %s)", tb->table,
             tb->cols, params);
    if (sqlite3_prepare_v2(rs_ctx_db(stage), sql, -1, &p.ins, NULL) != SQLITE_OK)
        return rs_stage_error(ctx, stage, rs_store_fail(stage, "stage stored STATS19 rows"));
    snprintf(sql, sizeof sql,
             "SELECT %s FROM roadsafe.%s WHERE collision_index IN "
             "(SELECT collision_index FROM rs_s19_ids)",
             tb->cols, tb->table);
    int rc = rs_store_query_rows(ctx, sql, stored_row, &p);
    if (rc != 0 && rs_ctx_err(stage)->code)
        rc = rs_stage_error(ctx, stage, rc);
    sqlite3_finalize(p.ins);
    return rc;
}

/* In the stage: rs_rev_TABLE, the keys of the staged rows the load
 * revises (an UPDATE of a row of file 0), noted by a temporary trigger. */
static int note_revisions(rs_ctx *ctx, rs_ctx *stage, const pg_table *tb, int nkeys)
{
    char keys[256] = "", old[256] = "", sql[1024];
    if (col_list(tb, 0, nkeys, "", NULL, NULL, ", ", keys, sizeof keys) != 0 ||
        col_list(tb, 0, nkeys, "old.", NULL, NULL, ", ", old, sizeof old) != 0)
        return rs_err_set(rs_ctx_err(ctx), RS_ERR, "internal error: the %s keys", tb->table);
    snprintf(sql, sizeof sql,
             "CREATE TEMP TABLE rs_rev_%s(%s, PRIMARY KEY(%s)) WITHOUT ROWID; "
             "CREATE TEMP TRIGGER rs_rev_%s AFTER UPDATE ON main.%s WHEN old.file_id = 0 "
             "BEGIN INSERT OR IGNORE INTO rs_rev_%s VALUES(%s); END",
             tb->table, keys, keys, tb->table, tb->table, tb->table, old);
    int rc = rs_store_exec(stage, sql, "note STATS19 revisions");
    return rc != 0 ? rs_stage_error(ctx, stage, rc) : 0;
}

int rs_pg_s19_before(rs_ctx *ctx, rs_ctx *stage, const char *path, const rs_ingest_opts *opts)
{
    (void)opts; /* every STATS19 option acts on rows the staged ones already show */
    /* one STATS19 load at a time: what it compares with stays as read
     * (readers take ACCESS SHARE, which this lock lets through) */
    int rc = rs_store_exec(ctx, "LOCK TABLE roadsafe.collision IN SHARE ROW EXCLUSIVE MODE",
                           "lock the STATS19 tables");
    if (rc != 0 || (rc = copy_ids(ctx, path)) != 0)
        return rc;
    if ((rc = rs_stage_begin_stored(ctx, stage, "stage stored STATS19 rows")) != 0)
        goto done;
    /* collisions first: the others refer to them */
    for (size_t i = 0; i < N_S19_TABLES; i++)
        if ((rc = stage_table(ctx, stage, &s19_tables[i].tb)) != 0)
            goto done;
    if ((rc = rs_store_commit(stage)) != 0) {
        rc = rs_stage_error(ctx, stage, rc);
        goto done;
    }
    for (size_t i = 0; i < N_S19_TABLES; i++)
        if (s19_tables[i].revisable &&
            (rc = note_revisions(ctx, stage, &s19_tables[i].tb, s19_tables[i].nkeys)) != 0)
            goto done;
done:
    rs_store_rollback(stage);
    return rc;
}

/* ---- send: the revisions, then the file's rows ---- */

/* The rows of the stage's query sel (columns of types) into the
 * workspace by copy_sql. */
static int copy_rows(rs_ctx *ctx, rs_ctx *stage, const char *copy_sql, const char *sel,
                     const char *types)
{
    return rs_stage_copy_rows(ctx, stage, copy_sql, sel, -1, -1, types, "read the revised rows");
}

/* The staged rows of table tb the load revised, onto the workspace's
 * (every column but the key and the file the row came from). */
static int send_revisions(rs_ctx *ctx, rs_ctx *stage, const pg_table *tb, int nkeys)
{
    char sql[4096], defs[1024] = "", keys[256] = "", set[1024] = "", from[1024] = "",
                    on[512] = "", what[64];
    int64_t n = 0;
    int nc = (int)strlen(tb->types);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM temp.rs_rev_%s", tb->table);
    int rc = rs_store_query_int(stage, sql, &n);
    if (rc != 0)
        return rs_stage_error(ctx, stage, rc);
    if (n == 0)
        return 0;
    for (int i = 0; i < nc; i++) {
        char c[64];
        size_t len = strlen(defs);
        snprintf(defs + len, sizeof defs - len, "%s%s %s", i ? ", " : "",
                 col_name(tb, i, c, sizeof c), pg_type(tb->types[i]));
    }
    if (col_list(tb, 0, nkeys, "", NULL, NULL, ", ", keys, sizeof keys) != 0 ||
        col_list(tb, nkeys, nc, "", NULL, NULL, ", ", set, sizeof set) != 0 ||
        col_list(tb, nkeys, nc, "r.", NULL, NULL, ", ", from, sizeof from) != 0 ||
        col_list(tb, 0, nkeys, "m.", " = ", "r.", " AND ", on, sizeof on) != 0)
        return rs_err_set(rs_ctx_err(ctx), RS_ERR, "internal error: the %s columns", tb->table);
    snprintf(what, sizeof what, "revise stored rows of %s", tb->table);
    snprintf(sql, sizeof sql, "CREATE TEMPORARY TABLE rs_rev_%s (%s) ON COMMIT DROP", tb->table,
             defs);
    if ((rc = rs_store_exec(ctx, sql, what)) != 0)
        return rc;
    char copy_sql[4096], sel[4096];
    if ((size_t)snprintf(copy_sql, sizeof copy_sql, "COPY rs_rev_%s(%s) FROM STDIN (FORMAT binary)",
                         tb->table, tb->cols) >= sizeof copy_sql ||
        (size_t)snprintf(sel, sizeof sel, "SELECT %s FROM main.%s JOIN temp.rs_rev_%s USING (%s)",
                         tb->cols, tb->table, tb->table, keys) >= sizeof sel)
        return rs_err_set(rs_ctx_err(ctx), RS_ERR, "internal error: the %s columns", tb->table);
    if ((rc = copy_rows(ctx, stage, copy_sql, sel, tb->types)) != 0)
        return rc;
    if ((size_t)snprintf(sql, sizeof sql,
                         "UPDATE roadsafe.%s AS m SET (%s) = (%s) FROM rs_rev_%s r WHERE %s",
                         tb->table, set, from, tb->table, on) >= sizeof sql)
        return rs_err_set(rs_ctx_err(ctx), RS_ERR, "internal error: the %s columns", tb->table);
    return rs_store_exec(ctx, sql, what);
}

int rs_pg_s19_send(rs_ctx *ctx, rs_ctx *stage, int64_t fid, int64_t pgid)
{
    int rc = 0;
    for (size_t i = 0; i < N_S19_TABLES && rc == 0; i++)
        if (s19_tables[i].revisable)
            rc = send_revisions(ctx, stage, &s19_tables[i].tb, s19_tables[i].nkeys);
    /* collisions first: the others refer to them */
    for (size_t i = 0; i < N_S19_TABLES && rc == 0; i++)
        rc = rs_stage_copy_table(ctx, stage, &s19_tables[i].tb, fid, pgid);
    return rc;
}

/* ---- again: a content logged before that brings something new ---- */

int rs_pg_s19_again(rs_ctx *ctx, const char *kind, const char *sha, const rs_ingest_result *res,
                    int64_t *pgid)
{
    char nl[24], nr[24], np[24], sql[128];
    if (res->loaded == 0 && res->revised == 0)
        return 0; /* nothing to store: the load is left as it was */
    snprintf(nl, sizeof nl, "%lld", (long long)res->loaded);
    snprintf(nr, sizeof nr, "%lld", (long long)res->rejected);
    snprintf(np, sizeof np, "%lld", (long long)res->present);
    const char *args[5] = {kind, sha, nl, nr, np};
    int rc = rs_store_query_int_args(ctx,
                                     "UPDATE roadsafe.ingest_file SET rows_loaded = rows_loaded "
                                     "+ $3, rows_rejected = $4, rows_present = $5 "
                                     "WHERE kind = $1 AND sha256 = $2 RETURNING id",
                                     5, args, pgid);
    if (rc != 0 || *pgid == 0)
        return rc;
    /* the content's rejects are those of its latest load */
    snprintf(sql, sizeof sql, "DELETE FROM roadsafe.reject WHERE file_id = %lld",
             (long long)*pgid);
    return rs_store_exec(ctx, sql, "replace the file's rejects");
}
