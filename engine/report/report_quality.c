/*
 * report_quality.c — the board pack's section 7: how far the figures can be
 * trusted.  Files loaded and rows rejected by kind, the reasons rows were
 * rejected, collisions without a usable location (left out of every map
 * and district figure), and how many rows each source holds per month over
 * the 12 months ending with the quarter, so a gap shows before anyone reads
 * a fall into it.
 *
 * Data structure: grouped SQL counts on the store; telematics are counted
 * by one streaming scan per source (pingscan) into 12 monthly counters,
 * months found by binary search over their 13 UTC boundaries.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "periods.h"
#include "pingscan.h"
#include "report_int.h"
#include "store.h"

#define NM 12          /* months of the coverage table */
#define MAX_REASONS 40 /* rows of the rejects table (the LIMIT below) */

enum { SRC_TRAFFIC, SRC_FLEET, SRC_DETECTIONS, SRC_COLLISIONS, SRC_CONCERNS, NSRC };

static const char *const src_names[NSRC] = {"telematics (connected vehicles)",
                                            "telematics (patrol fleet)", "detections",
                                            "collisions", "concerns"};

/* ---- files and rejects ------------------------------------------------------- */

static int files_table(rs_rep *r)
{
    sqlite3_stmt *st = rs_rep_prepare(
        r, "SELECT kind, count(*), sum(rows_loaded), sum(rows_rejected), sum(rows_present) "
           "FROM ingest_file GROUP BY kind ORDER BY kind");
    if (st == NULL)
        return rs_ctx_err(r->ctx)->code;
    const char *cols[] = {"kind", "files", "rows loaded", "rows rejected", "already present"};
    rs_table *t = rs_table_new("Files loaded and rows rejected, by kind (every file in the "
                               "workspace)",
                               5, cols);
    int s, bad = t == NULL;
    while (!bad && (s = sqlite3_step(st)) == SQLITE_ROW) {
        char n[4][32];
        for (int k = 0; k < 4; k++)
            rs_rep_count(sqlite3_column_int64(st, k + 1), n[k], sizeof n[k]);
        const char *cells[] = {(const char *)sqlite3_column_text(st, 0), n[0], n[1], n[2], n[3]};
        bad = rs_table_add(t, cells) != 0;
    }
    if (bad) {
        sqlite3_finalize(st);
        rs_table_free(t);
        return rs_rep_table(r, NULL);
    }
    int rc = rs_rep_finish(r, st, s, "count files loaded");
    if (rc != RS_OK) {
        rs_table_free(t);
        return rc;
    }
    if (rs_table_rows(t) == 0) {
        rs_table_free(t);
        rs_rep_para(r, "unavailable", "No file has been loaded into the workspace.");
        return RS_OK;
    }
    return rs_rep_table(r, t);
}

static int rejects_table(rs_rep *r)
{
    int64_t total = 0, groups = 0, kept = 0;
    int rc;
    /* every reject counted; at most --max-rejects per file kept in the table */
    if ((rc = rs_store_query_int(r->ctx, "SELECT coalesce(sum(rows_rejected), 0) FROM ingest_file",
                                 &total)) != RS_OK ||
        (rc = rs_store_query_int(r->ctx, "SELECT count(*) FROM reject", &kept)) != RS_OK)
        return rc;
    if (total == 0) {
        rs_rep_para(r, NULL, "No row was rejected in any file loaded.");
        return RS_OK;
    }
    if ((rc = rs_store_query_int(r->ctx,
                                      "SELECT count(*) FROM (SELECT 1 FROM reject r JOIN "
                                      "ingest_file f ON f.id = r.file_id GROUP BY f.kind, r.col, "
                                      "r.reason)",
                                      &groups)) != RS_OK)
        return rc;
    sqlite3_stmt *st = rs_rep_prepare(
        r, "SELECT kind, col, reason, n FROM (SELECT f.kind AS kind, r.col AS col, "
           "r.reason AS reason, count(*) AS n FROM reject r JOIN ingest_file f ON "
           "f.id = r.file_id GROUP BY f.kind, r.col, r.reason ORDER BY n DESC, kind, col, "
           "reason LIMIT 40) ORDER BY kind, n DESC, col, reason");
    if (st == NULL)
        return rs_ctx_err(r->ctx)->code;
    char cap[200], tot[32];
    rs_rep_count(total, tot, sizeof tot);
    snprintf(cap, sizeof cap, "Rejected rows by kind, column and reason (%s rows in all)", tot);
    const char *cols[] = {"kind", "column", "reason", "rows"};
    rs_table *t = rs_table_new(cap, 4, cols);
    int s, bad = t == NULL;
    while (!bad && (s = sqlite3_step(st)) == SQLITE_ROW) {
        char n[32];
        rs_rep_count(sqlite3_column_int64(st, 3), n, sizeof n);
        const char *cells[] = {(const char *)sqlite3_column_text(st, 0),
                               (const char *)sqlite3_column_text(st, 1),
                               (const char *)sqlite3_column_text(st, 2), n};
        bad = rs_table_add(t, cells) != 0;
    }
    if (bad) {
        sqlite3_finalize(st);
        rs_table_free(t);
        return rs_rep_table(r, NULL);
    }
    if ((rc = rs_rep_finish(r, st, s, "count rejected rows")) != RS_OK) {
        rs_table_free(t);
        return rc;
    }
    if ((rc = rs_rep_table(r, t)) != RS_OK)
        return rc;
    if (kept < total)
        rs_rep_para(r, "note",
                    "%lld rejected rows were counted but not kept (roadsafe ingest keeps at most "
                    "--max-rejects per file); the table counts the %lld kept.",
                    (long long)(total - kept), (long long)kept);
    if (groups > MAX_REASONS)
        rs_rep_para(r, "note",
                    "The %d most frequent reasons are shown; %lld other reasons "
                    "are not (roadsafe ingest --rejects FILE lists every row).",
                    MAX_REASONS, (long long)(groups - MAX_REASONS));
    rs_rep_para(r, "note",
                "Rejected rows were not loaded and count nowhere in this pack. A reason never "
                "quotes the rejected value.");
    return RS_OK;
}

/* ---- collisions without a location --------------------------------------------- */

/* "2020-04-01": the first day of month m, as STATS19 local dates are kept. */
static void date_of_month(int m, char *buf, size_t size)
{
    char l[24];
    rs_period_label(RS_PERIOD_MONTH, 0, m, l, sizeof l);
    snprintf(buf, size, "%s-01", l);
}

static int unlocated_row(rs_rep *r, rs_table *t, const char *label, const char *from,
                         const char *to)
{
    sqlite3_stmt *st = rs_rep_prepare(
        r, "SELECT count(*), coalesce(sum(e IS NULL), 0), "
           "coalesce(sum(e IS NOT NULL AND district_id IS NULL), 0) FROM collision "
           "WHERE local_date >= ?1 AND local_date < ?2");
    if (st == NULL)
        return rs_ctx_err(r->ctx)->code;
    sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
    long long n = 0, unloc = 0, outside = 0, ksi = 0;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
        unloc = sqlite3_column_int64(st, 1);
        outside = sqlite3_column_int64(st, 2);
        s = SQLITE_DONE;
    }
    int rc = rs_rep_finish(r, st, s, "count collisions without a location");
    if (rc != RS_OK)
        return rc;
    st = rs_rep_prepare(r, "SELECT count(*) FROM casualty k JOIN collision c "
                           "USING(collision_index) WHERE c.e IS NULL AND k.severity IN (1, 2) "
                           "AND c.local_date >= ?1 AND c.local_date < ?2");
    if (st == NULL)
        return rs_ctx_err(r->ctx)->code;
    sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        ksi = sqlite3_column_int64(st, 0);
        s = SQLITE_DONE;
    }
    if ((rc = rs_rep_finish(r, st, s, "count KSI casualties without a location")) != RS_OK)
        return rc;
    char a[32], b[32], c[32], d[32], k[32];
    rs_rep_count(n, a, sizeof a);
    rs_rep_count(unloc, b, sizeof b);
    rs_fmt_fixed(c, sizeof c, n > 0 ? 100.0 * (double)unloc / (double)n : NAN, 1);
    rs_rep_count(outside, d, sizeof d);
    rs_rep_count(ksi, k, sizeof k);
    const char *cells[] = {label, a, b, c, d, k};
    return rs_table_add(t, cells) != 0 ? rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory")
                                       : RS_OK;
}

static int unlocated(rs_rep *r)
{
    char q0[32], y0[32], end[32], l12[96];
    date_of_month(r->q_first, q0, sizeof q0);
    date_of_month(r->q_first - 9, y0, sizeof y0);
    date_of_month(r->q_first + 3, end, sizeof end);
    char m0[32], m1[32];
    rs_period_label(RS_PERIOD_MONTH, 0, r->q_first - 9, m0, sizeof m0);
    rs_period_label(RS_PERIOD_MONTH, 0, r->q_first + 2, m1, sizeof m1);
    snprintf(l12, sizeof l12, "12 months %s to %s", m0, m1);
    const char *cols[] = {"period",
                          "collisions",
                          "without a location",
                          "without a location (%)",
                          "outside every district",
                          ("KSI casualties in collisions without a location")};
    rs_table *t = rs_table_new("Collisions without a usable location (counted in county "
                               "totals, absent from maps and district rows)",
                               6, cols);
    if (t == NULL)
        return rs_rep_table(r, NULL);
    int rc;
    if ((rc = unlocated_row(r, t, r->qlabel, q0, end)) != RS_OK ||
        (rc = unlocated_row(r, t, l12, y0, end)) != RS_OK ||
        (rc = unlocated_row(r, t, "everything loaded up to the quarter's end", "0000", end)) !=
            RS_OK) {
        rs_table_free(t);
        return rc;
    }
    return rs_rep_table(r, t);
}

/* ---- coverage by month ------------------------------------------------------------ */

typedef struct month_counter {
    int64_t edge[NM + 1]; /* UTC boundaries of the 12 months */
    long long n[NM];
} month_counter;

static int count_ping(void *user, const rs_ping *p, size_t n)
{
    month_counter *mc = user;
    for (size_t k = 0; k < n; k++) {
        int lo = 0, hi = NM; /* edge[lo] <= t < edge[hi] */
        if (p[k].t < mc->edge[0] || p[k].t >= mc->edge[NM])
            continue;
        while (hi - lo > 1) {
            int mid = (lo + hi) / 2;
            if (p[k].t >= mc->edge[mid])
                lo = mid;
            else
                hi = mid;
        }
        mc->n[lo]++;
    }
    return 0;
}

static int count_by_time(rs_rep *r, const char *sql, const int64_t *edge, long long *out)
{
    sqlite3_stmt *st = rs_rep_prepare(r, sql);
    if (st == NULL)
        return rs_ctx_err(r->ctx)->code;
    int s = SQLITE_DONE;
    for (int m = 0; m < NM; m++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, edge[m]);
        sqlite3_bind_int64(st, 2, edge[m + 1]);
        s = sqlite3_step(st);
        if (s != SQLITE_ROW)
            break;
        out[m] = sqlite3_column_int64(st, 0);
        s = SQLITE_DONE;
    }
    return rs_rep_finish(r, st, s, "count rows by month");
}

static int count_collisions(rs_rep *r, int m0, long long *out)
{
    sqlite3_stmt *st = rs_rep_prepare(r, "SELECT count(*) FROM collision WHERE local_date >= ?1 "
                                         "AND local_date < ?2");
    if (st == NULL)
        return rs_ctx_err(r->ctx)->code;
    int s = SQLITE_DONE;
    for (int m = 0; m < NM; m++) {
        char a[32], b[32];
        date_of_month(m0 + m, a, sizeof a);
        date_of_month(m0 + m + 1, b, sizeof b);
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
        s = sqlite3_step(st);
        if (s != SQLITE_ROW)
            break;
        out[m] = sqlite3_column_int64(st, 0);
        s = SQLITE_DONE;
    }
    return rs_rep_finish(r, st, s, "count collisions by month");
}

static int coverage(rs_rep *r)
{
    int m0 = r->q_first - 9;
    month_counter mc;
    memset(&mc, 0, sizeof mc);
    for (int m = 0; m <= NM; m++)
        mc.edge[m] = rs_month_start_utc(m0 + m);
    long long n[NSRC][NM];
    memset(n, 0, sizeof n);
    int rc;
    static const char *const sources[2] = {"traffic", "fleet"};
    for (int s = 0; s < 2; s++) {
        rs_ping_filter f;
        rs_ping_filter_init(&f);
        f.source = sources[s];
        f.from = mc.edge[0];
        f.to = mc.edge[NM];
        f.district = -2; /* every ping, inside a district or not */
        memset(mc.n, 0, sizeof mc.n);
        if ((rc = rs_pings_scan(r->ctx, &f, count_ping, &mc)) != RS_OK)
            return rc;
        memcpy(n[s == 0 ? SRC_TRAFFIC : SRC_FLEET], mc.n, sizeof mc.n);
    }
    if ((rc = count_by_time(r, "SELECT count(*) FROM detection WHERE t >= ?1 AND t < ?2",
                            mc.edge, n[SRC_DETECTIONS])) != RS_OK ||
        (rc = count_collisions(r, m0, n[SRC_COLLISIONS])) != RS_OK ||
        (rc = count_by_time(r, "SELECT count(*) FROM concern WHERE t >= ?1 AND t < ?2", mc.edge,
                            n[SRC_CONCERNS])) != RS_OK)
        return rc;

    char m0s[32], m1s[32], cap[200];
    rs_period_label(RS_PERIOD_MONTH, 0, m0, m0s, sizeof m0s);
    rs_period_label(RS_PERIOD_MONTH, 0, m0 + NM - 1, m1s, sizeof m1s);
    snprintf(cap, sizeof cap,
             "Rows per month of each source, %s to %s (UK months; \"none\" marks a gap)", m0s,
             m1s);
    const char *cols[] = {"month", "telematics: connected vehicles", "telematics: patrol fleet",
                          "detections", "collisions", "concerns"};
    rs_table *t = rs_table_new(cap, 6, cols);
    if (t == NULL)
        return rs_rep_table(r, NULL);
    for (int m = 0; m < NM; m++) {
        char label[32], v[NSRC][32];
        rs_period_label(RS_PERIOD_MONTH, 0, m0 + m, label, sizeof label);
        for (int s = 0; s < NSRC; s++) {
            if (n[s][m] == 0)
                snprintf(v[s], sizeof v[s], "none");
            else
                rs_rep_count(n[s][m], v[s], sizeof v[s]);
        }
        const char *cells[] = {label, v[0], v[1], v[2], v[3], v[4]};
        if (rs_table_add(t, cells) != 0) {
            rs_table_free(t);
            return rs_rep_table(r, NULL);
        }
    }
    fputs("<div class=\"coverage\">\n", r->f);
    if ((rc = rs_rep_table(r, t)) != RS_OK)
        return rc;
    fputs("</div>\n", r->f);

    /* the gaps in words */
    int any_gap = 0;
    for (int s = 0; s < NSRC; s++) {
        int zeros = 0;
        for (int m = 0; m < NM; m++)
            zeros += n[s][m] == 0;
        if (zeros == 0)
            continue;
        if (!any_gap)
            fputs("<ul class=\"gaps\">\n", r->f);
        any_gap = 1;
        fputs("<li>", r->f);
        if (zeros == NM) {
            rs_rep_printf(r, "No %s at all in these 12 months.", src_names[s]);
        } else {
            rs_rep_printf(r, "No %s in ", src_names[s]);
            int first = 1;
            for (int m = 0; m < NM; m++) {
                if (n[s][m] != 0)
                    continue;
                int e = m;
                while (e + 1 < NM && n[s][e + 1] == 0)
                    e++;
                char a[32], b[32];
                rs_period_words(RS_PERIOD_MONTH, 0, m0 + m, a, sizeof a);
                rs_period_words(RS_PERIOD_MONTH, 0, m0 + e, b, sizeof b);
                if (!first)
                    fputs(", ", r->f);
                if (e == m)
                    rs_rep_printf(r, "%s", a);
                else
                    rs_rep_printf(r, "%s to %s", a, b);
                first = 0;
                m = e;
            }
            fputs(".", r->f);
        }
        fputs("</li>\n", r->f);
    }
    if (any_gap)
        fputs("</ul>\n", r->f);
    else
        rs_rep_para(r, NULL, "Every source has rows in every one of these 12 months.");
    rs_rep_para(r, "note",
                "Telematics are pings; detections, collisions and concerns are records. Months "
                "are UK months (collisions by their STATS19 date, the rest by their time in UK "
                "local time). County-wide, whatever the districts chosen.");
    return RS_OK;
}

int rs_rep_quality(rs_rep *r)
{
    int rc;
    rs_rep_section_open(r, "quality", "7. Data quality");
    fputs("<h3>Files and rejected rows</h3>\n", r->f);
    if ((rc = files_table(r)) != RS_OK || (rc = rejects_table(r)) != RS_OK)
        return rc;
    fputs("<h3>Collisions without a location</h3>\n", r->f);
    if ((rc = unlocated(r)) != RS_OK)
        return rc;
    fputs("<h3>Coverage of each source by month</h3>\n", r->f);
    if ((rc = coverage(r)) != RS_OK)
        return rc;
    rs_rep_section_close(r);
    return RS_OK;
}
