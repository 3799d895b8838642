/*
 * test_ingest.c — ingest of every kind through rs_ingest_file: the CSV
 * reader's features as ingest sees them (quoting, CRLF, BOM, header names
 * and aliases, physical line numbers, the 65536-byte line cap), strict
 * values (numbers, coordinates, speeds, limits, ISO 8601 instants), the
 * enforcement threshold on stored pings, whole-file refusals that store
 * nothing, bad rows in the rejects (file,line,column,reason) and in the
 * reject table, identity on reload (content hash, detection_id, collision
 * index, casualty key), STATS19 local time to UTC across BST, keyed plate
 * hashes and no plate anywhere in the workspace or the rejects.
 *
 * Expected values come from the test itself: epoch seconds from
 * `date -u -d ... +%s`, BNG positions from PROJ called directly, plate
 * hashes from OpenSSL's HMAC called directly.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <proj.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <zlib.h>

#include "check.h"
#include "district.h"
#include "ingest.h"
#include "pings.h"
#include "store.h"
#include "ws_helpers.h"

/* The documented line cap of the CSV reader (csv.h: RS_CSV_RECORD_MAX). */
#define LINE_CAP 65536

static rs_ctx *ctx;
static char tmpd[1024];
static rs_key key;

/* Rejects CSV of the last run, and of every run (for the plate scan). */
static char last_rej[1 << 20];
static char *all_rej;
static size_t all_rej_len, all_rej_cap;

/* ---- files ---------------------------------------------------------------- */

static const char *path_of(const char *name)
{
    static char buf[4][1200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpd, name);
    return buf[k];
}

static void put(const char *name, const void *data, size_t len)
{
    const char *p = path_of(name);
    FILE *f = fopen(p, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", p);
        exit(1);
    }
}

static void puts_file(const char *name, const char *s)
{
    put(name, s, strlen(s));
}

/* Whole file into a malloc'd buffer (NULL when absent). */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    *len = 0;
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    size_t got;
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *nb = realloc(b, cap * 2);
            if (nb == NULL) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return b;
}

static int contains_bytes(const unsigned char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (hay[i] == (unsigned char)needle[0] && memcmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

static const char *const plates[] = {"ab12 cde", "AB12CDE", "AB12 CDE", "XY99 ZZZ", "XY99ZZZ",
                                     "QQ11QQQ", "AB-12", "ABCDEFGHIJK", "zz 1", NULL};

/* No plate (nor `also`, when given) in the file at path (absent is fine). */
static void scan_file(const char *name, const char *also)
{
    size_t len = 0;
    unsigned char *b = slurp(path_of(name), &len);
    for (const char *const *p = plates; b && *p; p++)
        if (contains_bytes(b, len, *p)) {
            fprintf(stderr, "plate '%s' found in %s\n", *p, name);
            CHECK(0);
        }
    if (b && also && contains_bytes(b, len, also)) {
        fprintf(stderr, "'%s' found in %s\n", also, name);
        CHECK(0);
    }
    free(b);
}

/* ---- workspace ------------------------------------------------------------ */

/* Two districts in Essex: West [540000,575000] and East [575000,620000],
 * both northing [190000,230000]. */
#define WEST 0
#define EAST 1

static void ws_open(const char *name, int with_districts)
{
    rs_store_close(ctx);
    CHECK_EQ_INT(rs_store_open(ctx, path_of(name), RS_STORE_CREATE), 0);
    if (!with_districts)
        return;
    const char *const names[2] = {"West", "East"};
    const ws_box boxes[2] = {{540000, 190000, 575000, 230000}, {575000, 190000, 620000, 230000}};
    ws_box_districts(ctx, 2, names, boxes);
}

static int64_t q(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int64_t q(const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *st = NULL;
    int64_t v = -999;
    if (sqlite3_prepare_v2(rs_ctx_db(ctx), sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bad test query %s: %s\n", sql, sqlite3_errmsg(rs_ctx_db(ctx)));
        exit(1);
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -777 : sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* One value as text ("NULL" for SQL NULL, "NOROW" for no row). */
static const char *qs(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *qs(const char *fmt, ...)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(rs_ctx_db(ctx), sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bad test query %s: %s\n", sql, sqlite3_errmsg(rs_ctx_db(ctx)));
        exit(1);
    }
    snprintf(buf[k], sizeof buf[k], "NOROW");
    if (sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) == SQLITE_NULL)
            snprintf(buf[k], sizeof buf[k], "NULL");
        else
            snprintf(buf[k], sizeof buf[k], "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return buf[k];
}

static double qd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static double qd(const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *st = NULL;
    double v = -1e300;
    if (sqlite3_prepare_v2(rs_ctx_db(ctx), sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bad test query %s\n", sql);
        exit(1);
    }
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* ---- ingest and its rejects ---------------------------------------------- */

static int ingest_opts(rs_kind kind, const char *name, const rs_key *k, rs_ingest_result *res,
                       rs_progress_fn progress, void *user)
{
    FILE *rej = tmpfile();
    if (rej == NULL) {
        fprintf(stderr, "tmpfile failed\n");
        exit(1);
    }
    rs_ingest_opts o = {rej, k, progress, user, 0};
    rs_err_clear(rs_ctx_err(ctx));
    int rc = rs_ingest_file(ctx, kind, path_of(name), &o, res);
    rewind(rej);
    size_t n = fread(last_rej, 1, sizeof last_rej - 1, rej);
    last_rej[n] = '\0';
    fclose(rej);
    if (all_rej_len + n + 1 > all_rej_cap) {
        all_rej_cap = (all_rej_len + n + 1) * 2;
        all_rej = realloc(all_rej, all_rej_cap);
        if (all_rej == NULL)
            exit(1);
    }
    memcpy(all_rej + all_rej_len, last_rej, n);
    all_rej_len += n;
    all_rej[all_rej_len] = '\0';
    return rc;
}

static int ingest(rs_kind kind, const char *name, const rs_key *k, rs_ingest_result *res)
{
    return ingest_opts(kind, name, k, res, NULL, NULL);
}

static const char *errmsg(void)
{
    return rs_ctx_err(ctx)->msg;
}

/* Splits one CSV record of the rejects file (no line breaks inside) into
 * at most 4 fields.  Returns the number of fields. */
static int split_reject(const char *line, char f[4][1200])
{
    int k = 0;
    const char *p = line;
    for (;;) {
        size_t w = 0;
        if (*p == '"') {
            p++;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"')
                    p++;
                if (w < 1199)
                    f[k][w++] = *p;
                p++;
            }
            if (*p == '"')
                p++;
        } else {
            while (*p && *p != ',' && *p != '\n') {
                if (w < 1199)
                    f[k][w++] = *p;
                p++;
            }
        }
        f[k][w] = '\0';
        k++;
        if (*p != ',' || k == 4)
            break;
        p++;
    }
    return k;
}

/* 1 when the last run's rejects hold (file name, line, column, reason
 * containing `reason`); otherwise says what was there. */
static int has_reject(const char *name, long line, const char *col, const char *reason)
{
    const char *p = last_rej;
    char f[4][1200], want_line[32];
    snprintf(want_line, sizeof want_line, "%ld", line);
    while (*p) {
        if (split_reject(p, f) == 4 && strcmp(f[0], path_of(name)) == 0 &&
            strcmp(f[1], want_line) == 0 && strcmp(f[2], col) == 0 && strstr(f[3], reason))
            return 1;
        const char *nl = strchr(p, '\n');
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    fprintf(stderr, "no reject %s,%ld,%s,*%s*; rejects were:\n%s", name, line, col, reason,
            last_rej);
    return 0;
}
#define CHECK_REJECT(name, line, col, reason) CHECK(has_reject(name, line, col, reason))

static long count_lines(const char *s)
{
    long n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The workspace's reject table for the newest ingest_file row, written the
 * way the rejects CSV is (name,line,col,reason), equals the rejects CSV. */
static int rejects_table_matches(const char *name)
{
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(rs_ctx_db(ctx),
                       "SELECT line, col, reason FROM reject WHERE file_id = "
                       "(SELECT max(id) FROM ingest_file) ORDER BY rowid",
                       -1, &st, NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *vals[3] = {path_of(name), (const char *)sqlite3_column_text(st, 1),
                               (const char *)sqlite3_column_text(st, 2)};
        for (int i = 0; i < 3; i++) {
            const char *s = vals[i];
            if (strpbrk(s, ",\"\n\r")) {
                fputc('"', m);
                for (; *s; s++) {
                    if (*s == '"')
                        fputc('"', m);
                    fputc(*s, m);
                }
                fputc('"', m);
            } else {
                fputs(s, m);
            }
            if (i == 0)
                fprintf(m, ",%lld", (long long)sqlite3_column_int64(st, 0));
            fputc(i == 2 ? '\n' : ',', m);
        }
    }
    sqlite3_finalize(st);
    fclose(m);
    int same = strcmp(buf, last_rej) == 0;
    if (!same)
        fprintf(stderr, "reject table:\n%s\nrejects file:\n%s", buf, last_rej);
    free(buf);
    return same;
}

/* ---- independent references ---------------------------------------------- */

static PJ *pj;

static void bng(double lat, double lon, double *e, double *n)
{
    PJ_COORD c = proj_trans(pj, PJ_FWD, proj_coord(lon, lat, 0, 0));
    *e = c.xy.x;
    *n = c.xy.y;
}

static void hmac(const char *msg, unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key.bytes, (int)key.len, (const unsigned char *)msg, strlen(msg), out,
         &len);
}

static void hex(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02X", b[i]);
}

/* Every ping of the workspace (source traffic or fleet), in storage order. */
static size_t read_pings(const char *source, rs_ping **out)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0, cap = 64;
    rs_ping *p = malloc(cap * sizeof *p);
    sqlite3_prepare_v2(rs_ctx_db(ctx),
                       "SELECT t_min, t_max, n, data FROM ping_chunk WHERE source = ?1 "
                       "ORDER BY id",
                       -1, &st, NULL);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t t_min = sqlite3_column_int64(st, 0), t_max = sqlite3_column_int64(st, 1);
        size_t k = (size_t)sqlite3_column_int64(st, 2);
        const unsigned char *data = sqlite3_column_blob(st, 3);
        CHECK_EQ_INT(sqlite3_column_bytes(st, 3), (int)(k * RS_PING_BYTES));
        for (size_t i = 0; i < k; i++) {
            if (n == cap) {
                cap *= 2;
                p = realloc(p, cap * sizeof *p);
            }
            rs_ping_decode(data + i * RS_PING_BYTES, t_min, &p[n]);
            CHECK(p[n].t >= t_min && p[n].t <= t_max);
            n++;
        }
    }
    sqlite3_finalize(st);
    *out = p;
    return n;
}

/* ---- the CSV reader as ingest sees it ------------------------------------ */

static void test_csv_features(void)
{
    ws_open("csv.db", 0);
    rs_ingest_result res;
    /* BOM, CRLF, names in any case with spaces around, aliases (latitude,
     * lng), embedded comma and doubled quotes, line breaks inside quotes, a
     * blank line, a fully quoted last record without a final newline. */
    puts_file("features.csv",
              "\xEF\xBB\xBF"
              "TimeStamp , Vehicle_ID,LATITUDE,Lng,Speed_MPH,LIMIT_MPH\r\n"
              "2020-08-15T14:03:22Z,\"dev, \"\"one\"\"\",51.75,0.30,31.5,30\r\n"
              "2020-08-15T14:04:22Z,\"multi\r\nline\nid\",51.75,0.30,32,30\r\n"
              "\r\n"
              "2020-08-15T14:05:22Z,x,51.75,0.30,fast,30\r\n"
              "\"2020-08-15T14:06:22Z\",\"x\",\"51.75\",\"0.30\",\"33\",\"40\"");
    CHECK_EQ_INT(ingest(RS_KIND_TELEMATICS, "features.csv", NULL, &res), 0);
    CHECK_EQ_INT(res.loaded, 3);
    CHECK_EQ_INT(res.rejected, 1);
    CHECK_STR(res.what, "telematics");
    /* the bad row is on physical line 7: 1 header, 2, 3-5 (two breaks in
     * quotes), 6 blank */
    CHECK_REJECT("features.csv", 7, "speed_mph", "not a plain decimal");
    CHECK_EQ_INT(count_lines(last_rej), 1);
    CHECK(rejects_table_matches("features.csv"));
    rs_ping *p = NULL;
    size_t n = read_pings("traffic", &p);
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_EQ_INT(p[0].speed, 3150);
        CHECK_EQ_INT(p[0].limit, 30); /* "30\r" would not have parsed */
        CHECK_EQ_INT(p[1].t, 1597500202 + 60);
        CHECK_EQ_INT(p[2].speed, 3300);
        CHECK_EQ_INT(p[2].limit, 40);
        CHECK_EQ_INT(p[2].t, 1597500202 + 180);
    }
    free(p);
    /* the provider's vehicle ids are not kept */
    CHECK_EQ_INT(q("SELECT count(*) FROM fleet_vehicle"), 0);
    CHECK_EQ_INT(q("SELECT count(*) FROM ingest_file WHERE kind = 'telematics' AND "
                   "rows_loaded = 3 AND rows_rejected = 1 AND rows_present = 0"),
                 1);

    /* a line of exactly 65536 bytes is read; 65537 bytes is rejected (and
     * so is a 3 MB one) without losing the lines after it */
    const char *pre = "2020-08-15T14:03:22Z,", *suf = ",51.75,0.30,31,30";
    size_t fill_at_cap = LINE_CAP - strlen(pre) - strlen(suf);
    size_t big = 3u << 20;
    char *f = malloc(4096 + 2 * LINE_CAP + big);
    size_t k = 0;
#define ADD(s) (memcpy(f + k, s, strlen(s)), k += strlen(s))
    ADD("timestamp,vehicle_id,lat,lon,speed_mph,limit_mph\n");
    ADD("2020-08-15T14:00:00Z,a,51.75,0.30,31,30\n"); /* line 2 */
    ADD(pre);                                           /* line 3: exactly at the cap */
    memset(f + k, 'v', fill_at_cap);
    k += fill_at_cap;
    ADD(suf);
    ADD("\n");
    ADD(pre); /* line 4: one byte over */
    memset(f + k, 'v', fill_at_cap + 1);
    k += fill_at_cap + 1;
    ADD(suf);
    ADD("\n");
    ADD("2020-08-15T14:00:05Z,a,51.75,0.30,bad,30\n"); /* line 5 */
    ADD(pre);                                           /* line 6: 3 MB */
    memset(f + k, 'w', big);
    k += big;
    ADD(suf);
    ADD("\n");
    ADD("2020-08-15T14:00:07Z,a,51.75,0.30,37,30\n"); /* line 7 */
    ADD("2020-08-15T14:00:08Z,a,51.75,0.30,x,30\n");  /* line 8 */
#undef ADD
    put("long.csv", f, k);
    free(f);
    CHECK_EQ_INT(ingest(RS_KIND_TELEMATICS, "long.csv", NULL, &res), 0);
    CHECK_EQ_INT(res.loaded, 3);
    CHECK_EQ_INT(res.rejected, 4);
    CHECK_REJECT("long.csv", 4, "", "record longer than 65536 bytes");
    CHECK_REJECT("long.csv", 5, "speed_mph", "plain decimal");
    CHECK_REJECT("long.csv", 6, "", "record longer than 65536 bytes");
    CHECK_REJECT("long.csv", 8, "speed_mph", "plain decimal");
    CHECK(rejects_table_matches("long.csv"));

    /* the cap with a quoted field and with CRLF; then a quote that never
     * closes: the reader skips to the first line end after 65536 bytes,
     * names the lines it skipped, and reads on from there */
    f = malloc(4 * LINE_CAP + 200 * 1000);
    k = 0;
#define ADD(s) (memcpy(f + k, s, strlen(s)), k += strlen(s))
    ADD("timestamp,vehicle_id,lat,lon,speed_mph,limit_mph\n");
    ADD(pre); /* line 2: quoted, exactly at the cap */
    ADD("\"");
    memset(f + k, 'q', fill_at_cap - 2);
    k += fill_at_cap - 2;
    ADD("\"");
    ADD(suf);
    ADD("\n");
    ADD(pre); /* line 3: quoted, one over */
    ADD("\"");
    memset(f + k, 'q', fill_at_cap - 1);
    k += fill_at_cap - 1;
    ADD("\"");
    ADD(suf);
    ADD("\n");
    ADD(pre); /* line 4: at the cap, then CRLF */
    memset(f + k, 'c', fill_at_cap);
    k += fill_at_cap;
    ADD(suf);
    ADD("\r\n");
    /* line 5 opens a quote that never closes; lines 6.. are 80-byte rows */
    size_t open_at = k;
    ADD("2020-08-15T14:03:22Z,\"");
    while (k - open_at < 79)
        f[k++] = 'a';
    ADD("\n");
    long nrows = 1000;
    for (long i = 0; i < nrows; i++) {
        size_t at = k;
        ADD("2020-08-15T14:03:22Z,");
        while (k - at < 79 - strlen(suf))
            f[k++] = 'r';
        ADD(suf);
        ADD("\n");
    }
    ADD("2020-08-15T14:03:22Z,v,51.75,0.30,slow,30\n"); /* line 6 + nrows */
#undef ADD
    put("long2.csv", f, k);
    free(f);
    /* the first line end at or after byte 65537 of the record at line 5 */
    long last = 5;
    while ((last - 4) * 80 - 1 < LINE_CAP + 1)
        last++;
    char why[128];
    snprintf(why, sizeof why, "record longer than 65536 bytes (lines 5-%ld skipped)", last);
    CHECK_EQ_INT(ingest(RS_KIND_TELEMATICS, "long2.csv", NULL, &res), 0);
    CHECK_EQ_INT(res.rejected, 3);
    CHECK_EQ_INT(res.loaded, 2 + (5 + nrows) - last);
    CHECK_REJECT("long2.csv", 3, "", "record longer than 65536 bytes");
    CHECK_REJECT("long2.csv", 5, "", why);
    CHECK_REJECT("long2.csv", 6 + nrows, "speed_mph", "plain decimal");
    CHECK(rejects_table_matches("long2.csv"));

    /* per-record byte and quoting problems: the rest of the file loads */
    static const char bad[] =
        "timestamp,vehicle_id,lat,lon,speed_mph,limit_mph\n"
        "2020-08-15T14:00:00Z,a\0b,51.75,0.30,31,30\n"         /* 2: NUL */
        "2020-08-15T14:00:01Z,caf\xE9,51.75,0.30,31,30\n"      /* 3: Latin-1 */
        "2020-08-15T14:00:02Z,a,51.75,0.30,31\n"               /* 4: 5 fields */
        "2020-08-15T14:00:03Z,a,51.75,0.30,31,30,x\n"          /* 5: 7 fields */
        "2020-08-15T14:00:04Z,ok,51.75,0.30,31,30\n"           /* 6: good */
        "2020-08-15T14:00:05Z,\"x\"y,51.75,0.30,31,30\n"       /* 7: text after quote */
        "2020-08-15T14:00:06Z,x\"y,51.75,0.30,31,30\n"         /* 8: stray quote */
        "2020-08-15T14:00:07Z,caf\xC3\xA9,51.75,0.30,32,30\n"  /* 9: good UTF-8 */
        "2020-08-15T14:00:08Z,\"never closed,51.75,0.30,31,30\n" /* 10: unterminated */
        "2020-08-15T14:00:09Z,a,51.75,0.30,31,30\n";
    put("bad_rows.csv", bad, sizeof bad - 1);
    CHECK_EQ_INT(ingest(RS_KIND_TELEMATICS, "bad_rows.csv", NULL, &res), 0);
    CHECK_EQ_INT(res.loaded, 2);
    CHECK_EQ_INT(res.rejected, 7);
    CHECK_REJECT("bad_rows.csv", 2, "", "NUL byte");
    CHECK_REJECT("bad_rows.csv", 3, "", "not valid UTF-8");
    CHECK_REJECT("bad_rows.csv", 4, "", "5 fields, header has 6");
    CHECK_REJECT("bad_rows.csv", 5, "", "7 fields, header has 6");
    CHECK_REJECT("bad_rows.csv", 7, "", "text after closing quote");
    CHECK_REJECT("bad_rows.csv", 8, "", "stray quote");
    CHECK_REJECT("bad_rows.csv", 10, "", "unterminated quote");
    CHECK(rejects_table_matches("bad_rows.csv"));
}

/* ---- strict values, stored pings, the threshold ---------------------------- */

typedef struct {
    long line;
    const char *col, *reason;
} want_reject;

static void test_strict_values(void)
{
    ws_open("strict.db", 1);
    rs_ingest_result res;
    puts_file("strict.csv",
              "timestamp,vehicle_id,lat,lon,speed_mph,limit_mph,heading\n"
              /* 2-6 good */
              "2020-08-15T14:03:22Z,DEV-SECRET-1,51.75,0.30,57,50,90\n"
              "2020-08-15T14:03:22+01:00,DEV-SECRET-1,51.80,0.80,56.99,50,\n"
              "2020-02-29T10:00:00Z,DEV-SECRET-1,53.48,-2.24,35,30,\n"
              "2020-08-15T14:03:22.999-0030,DEV-SECRET-1,51.75,0.30,34.99,30,\n"
              "2020-08-15 14:03:22+01,DEV-SECRET-1,51.75,0.30,200,70,\n"
              /* 7-32 bad */
              "2021-02-29T10:00:00Z,d,51.75,0.30,31,30,\n"
              "2020-08-15T14:03:22,d,51.75,0.30,31,30,\n"
              "2020-08-15T14:03:22Z,d,0x1.9p+5,0.30,31,30,\n"
              "2020-08-15T14:03:22Z,d,\"51,75\",0.30,31,30,\n"
              "2020-08-15T14:03:22Z,d,51.75abc,0.30,31,30,\n"
              "2020-08-15T14:03:22Z,d,51.75,0.30,inf,30,\n"
              "2020-08-15T14:03:22Z,d,51.75,0.30,NaN,30,\n"
              "2020-08-15T14:03:22Z,d,51.75,0.30,1e2,30,\n"
              "2020-08-15T14:03:22Z,d,91,0.30,31,30,\n"
              "2020-08-15T14:03:22Z,d,48.85,2.35,31,30,\n"
              "2020-08-15T14:03:22Z,d,0.30,51.75,31,30,\n"
              "2020-08-15T14:03:22Z,d,abc,0.30,31,30,\n"
              "2020-08-15T14:03:22Z,d,,0.30,31,30,\n"
              "2020-08-15T14:03:22Z,d,51.75,0.30,200.01,30,\n"
              "2020-08-15T14:03:22Z,d,51.75,0.30,-1,30,\n"
              "2020-08-15T14:03:22Z,d,51.75,0.30,31,35,\n"
              "2020-08-15T14:03:22Z,d,51.75,0.30,31,,\n"
              "2020-08-15T24:00:00Z,d,51.75,0.30,31,30,\n"
              "2020-08-15T14:03:22Z,d,51.75,181,31,30,\n"
              ",d,51.75,0.30,31,30,\n"
              "2020-08-15T14:03:22Z,d, 51.75,0.30,31,30,\n"
              "2020-08-15T14:03:22Z,d,51.75,0.30,\"31,5\",30,\n"
              "2020-08-15T14:03:22z,d,51.75,0.30,31,30,\n"
              "2020-8-15T14:03:22Z,d,51.75,0.30,31,30,\n"
              "2020-08-15T14:03:60Z,d,51.75,0.30,31,30,\n"
              "2020-08-15T14:03:22Z,d,51.75,0.30,31,0x1E,\n"
              /* 33-34 good: the other limits and speed 0 */
              "2020-08-15T14:03:22Z,d,51.75,0.30,0,20,\n"
              "2020-08-15T14:03:22Z,d,51.75,0.30,60.5,60,\n");
    CHECK_EQ_INT(ingest(RS_KIND_TELEMATICS, "strict.csv", NULL, &res), 0);
    const want_reject w[] = {
        {7, "timestamp", "not a real date"},
        {8, "timestamp", "no time zone"},
        {9, "lat", "not a plain decimal"},
        {10, "lat", "not a plain decimal"},
        {11, "lat", "not a plain decimal"},
        {12, "speed_mph", "not a plain decimal"},
        {13, "speed_mph", "not a plain decimal"},
        {14, "speed_mph", "not a plain decimal"},
        {15, "lat", "out of range"},
        {16, "lat", "outside Great Britain"},
        {17, "lat", "swapped"},
        {18, "lat", "not a plain decimal"},
        {19, "lat", "empty"},
        {20, "speed_mph", "0-200"},
        {21, "speed_mph", "0-200"},
        {22, "limit_mph", "20, 30, 40, 50, 60, 70"},
        {23, "limit_mph", "empty"},
        {24, "timestamp", "not a real time of day"},
        {25, "lon", "out of range"},
        {26, "timestamp", "empty"},
        {27, "lat", "not a plain decimal"},
        {28, "speed_mph", "not a plain decimal"},
        {29, "timestamp", "time zone not Z"},
        {30, "timestamp", "ISO 8601"},
        {31, "timestamp", "not a real time of day"},
        {32, "limit_mph", "20, 30"},
    };
    size_t nw = sizeof w / sizeof w[0];
    CHECK_EQ_INT(res.loaded, 7);
    CHECK_EQ_INT(res.rejected, (int64_t)nw);
    CHECK_EQ_INT(count_lines(last_rej), (long)nw);
    for (size_t i = 0; i < nw; i++)
        CHECK_REJECT("strict.csv", w[i].line, w[i].col, w[i].reason);
    CHECK(strstr(last_rej, "outside Great Britain; lat and lon look swapped") != NULL);
    /* line 16 (Paris) is outside GB but not swapped */
    CHECK(strstr(last_rej, ",16,lat,outside Great Britain\n") != NULL);
    CHECK(rejects_table_matches("strict.csv"));
    /* the provider's vehicle id is nowhere in the workspace */
    CHECK(strstr(last_rej, "DEV-SECRET") == NULL);

    rs_ping *p = NULL;
    size_t n = read_pings("traffic", &p);
    CHECK_EQ_INT(n, 7);
    if (n == 7) {
        /* time in UTC */
        CHECK_EQ_INT(p[0].t, 1597500202);
        CHECK_EQ_INT(p[1].t, 1597500202 - 3600);
        CHECK_EQ_INT(p[2].t, 1582970400);
        CHECK_EQ_INT(p[3].t, 1597500202 + 1800); /* fraction truncated, -00:30 */
        CHECK_EQ_INT(p[4].t, 1597500202 - 3600);
        /* position in BNG metres (PROJ itself), district from the boxes */
        const double ll[7][2] = {{51.75, 0.30}, {51.80, 0.80}, {53.48, -2.24}, {51.75, 0.30},
                                 {51.75, 0.30}, {51.75, 0.30}, {51.75, 0.30}};
        for (int i = 0; i < 7; i++) {
            double e, nn;
            bng(ll[i][0], ll[i][1], &e, &nn);
            CHECK_NEAR(p[i].e, e, 0.51);
            CHECK_NEAR(p[i].n, nn, 0.51);
            CHECK_EQ_INT(p[i].vehicle, 0);
        }
        CHECK_EQ_INT(p[0].district, WEST);
        CHECK_EQ_INT(p[1].district, EAST);
        CHECK_EQ_INT(p[2].district, -1); /* Manchester: outside both */
        /* speeds and limits; the threshold exactly at the boundary */
        CHECK_EQ_INT(p[0].speed, 5700);
        CHECK_EQ_INT(p[0].limit, 50);
        CHECK(rs_ping_over_threshold(p[0].speed, p[0].limit));  /* 57 on 50 */
        CHECK_EQ_INT(p[1].speed, 5699);
        CHECK(!rs_ping_over_threshold(p[1].speed, p[1].limit)); /* 56.99 on 50 */
        CHECK(rs_ping_speeding(p[1].speed, p[1].limit));
        CHECK_EQ_INT(p[2].speed, 3500);
        CHECK(rs_ping_over_threshold(p[2].speed, p[2].limit));  /* 35 on 30 */
        CHECK_EQ_INT(p[3].speed, 3499);
        CHECK(!rs_ping_over_threshold(p[3].speed, p[3].limit));
        CHECK_EQ_INT(p[4].speed, 20000);
        CHECK_EQ_INT(p[4].limit, 70);
        CHECK_EQ_INT(p[5].speed, 0);
        CHECK_EQ_INT(p[5].limit, 20);
        CHECK_EQ_INT(p[6].speed, 6050);
        CHECK_EQ_INT(p[6].limit, 60);
    }
    free(p);
    CHECK_EQ_INT(res.outside, 1);

    /* speed in km/h: converted exactly to 0.01 mph */
    puts_file("kph.csv",
              "timestamp,lat,lon,speed_kph,limit_mph\n"
              "2020-08-15T14:03:22Z,51.75,0.30,56.327,30\n" /* 3499.9975 -> 3500 */
              "2020-08-15T14:03:23Z,51.75,0.30,56.3,30\n"   /* 3498.31 */
              "2020-08-15T14:03:24Z,51.75,0.30,100,40\n"    /* 6213.71 */
              "2020-08-15T14:03:25Z,51.75,0.30,0,30\n"
              "2020-08-15T14:03:26Z,51.75,0.30,321.87,70\n" /* 20000.01 -> 200 mph */
              "2020-08-15T14:03:27Z,51.75,0.30,321.9,70\n"  /* 200.02 mph */
              "2020-08-15T14:03:28Z,51.75,0.30,-5,30\n"
              "2020-08-15T14:03:29Z,51.75,0.30,1e2,30\n");
    CHECK_EQ_INT(ingest(RS_KIND_TELEMATICS, "kph.csv", NULL, &res), 0);
    CHECK_EQ_INT(res.loaded, 5);
    CHECK_EQ_INT(res.rejected, 3);
    CHECK_REJECT("kph.csv", 7, "speed_kph", "");
    CHECK_REJECT("kph.csv", 8, "speed_kph", "");
    CHECK_REJECT("kph.csv", 9, "speed_kph", "");
    n = read_pings("traffic", &p);
    CHECK_EQ_INT(n, 12);
    if (n == 12) {
        CHECK_EQ_INT(p[7].speed, 3500);
        CHECK(rs_ping_over_threshold(p[7].speed, p[7].limit));
        CHECK_EQ_INT(p[8].speed, 3498);
        CHECK(!rs_ping_over_threshold(p[8].speed, p[8].limit));
        CHECK_EQ_INT(p[9].speed, 6214);
        CHECK_EQ_INT(p[10].speed, 0);
        CHECK_EQ_INT(p[11].speed, 20000);
    }
    free(p);
}

/* ---- whole-file refusals ---------------------------------------------------- */

typedef struct {
    rs_kind kind;
    const char *name;
    const char *data;
    size_t len; /* 0: strlen(data) */
    const char *msg;
} refusal;

static void test_refusals(void)
{
    ws_open("refuse.db", 1);
    static const char utf16[] = "\xFF\xFEt\0i\0m\0e\0s\0t\0a\0m\0p\0,\0l\0a\0t\0\n\0";
    static const char utf16_nobom[] = "t\0i\0m\0e\0,\0l\0a\0t\0\n\0x\0,\0y\0\n\0";
    const char *tel_ok_row = "2020-08-15T14:03:22Z,51.75,0.30,31,30\n";
    char miss_limit[256], dup_col[256], alias_dup[256], both_speed[256];
    snprintf(miss_limit, sizeof miss_limit, "timestamp,lat,lon,speed_mph\n%s", tel_ok_row);
    snprintf(dup_col, sizeof dup_col, "timestamp,lat,lon,speed_mph,LAT\n%s", tel_ok_row);
    snprintf(alias_dup, sizeof alias_dup, "timestamp,lat,latitude,lon,speed_mph,limit_mph\n%s",
             "2020-08-15T14:03:22Z,51.75,51.75,0.30,31,30\n");
    snprintf(both_speed, sizeof both_speed,
             "timestamp,lat,lon,speed_mph,speed_kph,limit_mph\n%s",
             "2020-08-15T14:03:22Z,51.75,0.30,31,50,30\n");
    const refusal r[] = {
        {RS_KIND_TELEMATICS, "empty.csv", "", 0, "empty"},
        {RS_KIND_TELEMATICS, "blank.csv", "\n\r\n\n", 0, "no header"},
        {RS_KIND_TELEMATICS, "miss_limit.csv", miss_limit, 0, "limit_mph"},
        {RS_KIND_TELEMATICS, "miss_time.csv", "lat,lon,speed_mph,limit_mph\n51.75,0.30,31,30\n",
         0, "timestamp"},
        {RS_KIND_TELEMATICS, "dup_col.csv", dup_col, 0, "same name"},
        {RS_KIND_TELEMATICS, "alias_dup.csv", alias_dup, 0, "ambiguous header"},
        {RS_KIND_TELEMATICS, "both_speed.csv", both_speed, 0, "speed_kph"},
        {RS_KIND_TELEMATICS, "semi.csv",
         "timestamp;lat;lon;speed_mph;limit_mph\n2020-08-15T14:03:22Z;51,75;0,30;31;30\n", 0,
         "not comma-separated"},
        {RS_KIND_TELEMATICS, "tabs.csv", "timestamp\tlat\tlon\tspeed_mph\tlimit_mph\n", 0,
         "not comma-separated"},
        {RS_KIND_TELEMATICS, "utf16.csv", utf16, sizeof utf16 - 1, "UTF-16"},
        {RS_KIND_TELEMATICS, "utf16nobom.csv", utf16_nobom, sizeof utf16_nobom - 1, "NUL"},
        {RS_KIND_TELEMATICS, "latin1.csv",
         "timestamp,lat,lon,speed_mph,limit_mph,r\xE9gion\n", 0, "not UTF-8"},
        {RS_KIND_TELEMATICS, "badquote_hdr.csv", "timestamp,\"lat,lon,speed_mph,limit_mph\n",
         0, "header"},
        {RS_KIND_CONCERNS, "conc_nosrc.csv", "timestamp,lat,lon\n", 0, "source"},
        {RS_KIND_STATS19, "two_index.csv",
         "accident_index,collision_index,collision_severity,date\nA,A,3,15/08/2020\n", 0,
         "ambiguous header"},
        {RS_KIND_STATS19, "no_index.csv", "severity,date\n3,15/08/2020\n", 0,
         "collision_index"},
        {RS_KIND_STATS19, "vehicles.csv",
         "collision_index,vehicle_reference,vehicle_type\nA,1,9\n", 0, "vehicle file"},
        {RS_KIND_STATS19, "cas_nosev.csv",
         "collision_index,vehicle_reference,casualty_reference\nA,1,1\n", 0,
         "casualty_severity"},
        {RS_KIND_STATS19, "col_nodate.csv", "collision_index,collision_severity\nA,3\n", 0,
         "date"},
        {RS_KIND_DETECTIONS, "det_ll_en.csv",
         "detection_id,timestamp,device_type,device_id,site_id,lat,lon,easting,northing,"
         "speed_mph,limit_mph,vrm\n",
         0, "ambiguous header"},
        {RS_KIND_DETECTIONS, "det_novrm.csv",
         "detection_id,timestamp,device_type,device_id,site_id,lat,lon,speed_mph,limit_mph\n",
         0, "vrm"},
        {RS_KIND_DETECTIONS, "det_nopos.csv",
         "detection_id,timestamp,device_type,device_id,site_id,speed_mph,limit_mph,vrm\n", 0,
         "lat/lon"},
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        rs_ingest_result res;
        put(r[i].name, r[i].data, r[i].len ? r[i].len : strlen(r[i].data));
        int rc = ingest(r[i].kind, r[i].name, &key, &res);
        if (rc != RS_EINPUT)
            fprintf(stderr, "case %s: rc %d (%s)\n", r[i].name, rc, errmsg());
        CHECK_EQ_INT(rc, RS_EINPUT);
        CHECK_CONTAINS(errmsg(), r[i].name);
        CHECK_CONTAINS(errmsg(), r[i].msg);
        CHECK_STR(last_rej, "");
    }
    /* nothing of any of them is stored */
    CHECK_EQ_INT(q("SELECT count(*) FROM ingest_file"), 0);
    CHECK_EQ_INT(q("SELECT count(*) FROM reject"), 0);
    CHECK_EQ_INT(q("SELECT count(*) FROM ping_chunk"), 0);
    CHECK_EQ_INT(q("SELECT count(*) FROM collision"), 0);
    CHECK_EQ_INT(q("SELECT count(*) FROM detection"), 0);
    CHECK_EQ_INT(q("SELECT count(*) FROM concern"), 0);

    /* a missing file, and a directory */
    rs_ingest_result res;
    CHECK_EQ_INT(ingest(RS_KIND_TELEMATICS, "no-such.csv", NULL, &res), RS_EINPUT);
    CHECK_CONTAINS(errmsg(), "no-such.csv");

    /* detections and fleet without a key: refused, and told how to make one */
    puts_file("det_nokey.csv",
              "detection_id,timestamp,device_type,device_id,site_id,lat,lon,speed_mph,"
              "limit_mph,vrm\nD1,2020-08-15T14:03:22Z,GATSO,G1,S1,51.75,0.30,40,30,AB12CDE\n");
    CHECK_EQ_INT(ingest(RS_KIND_DETECTIONS, "det_nokey.csv", NULL, &res), RS_EUSAGE);
    CHECK_CONTAINS(errmsg(), "roadsafe keygen");
    CHECK(strstr(errmsg(), "AB12CDE") == NULL);
    puts_file("fleet_nokey.csv", "timestamp,vehicle_id,lat,lon,speed_mph\n"
                                 "2020-08-15T14:03:22Z,P1,51.75,0.30,40\n");
    CHECK_EQ_INT(ingest(RS_KIND_FLEET, "fleet_nokey.csv", NULL, &res), RS_EUSAGE);
    CHECK_CONTAINS(errmsg(), "roadsafe keygen");
    CHECK_EQ_INT(q("SELECT count(*) FROM ingest_file"), 0);

    /* header only: nothing to load, nothing wrong */
    puts_file("header_only.csv", "timestamp,lat,lon,speed_mph,limit_mph\n");
    CHECK_EQ_INT(ingest(RS_KIND_TELEMATICS, "header_only.csv", NULL, &res), 0);
    CHECK_EQ_INT(res.loaded, 0);
    CHECK_EQ_INT(res.rejected, 0);
    CHECK_EQ_INT(q("SELECT count(*) FROM ping_chunk"), 0);

    /* a file that fails part-way (a truncated gzip stream) is one transaction:
     * its rejects and pings already written are rolled back */
    size_t cap = 1 << 22, k = 0;
    char *big = malloc(cap);
    k += (size_t)snprintf(big + k, cap - k, "timestamp,lat,lon,speed_mph,limit_mph\n");
    k += (size_t)snprintf(big + k, cap - k, "2020-08-15T14:03:22Z,51.75,0.30,bad,30\n");
    for (int i = 0; i < 70000 && k + 100 < cap; i++)
        k += (size_t)snprintf(big + k, cap - k, "2020-08-15T%02d:%02d:%02dZ,51.%04d,0.%04d,%d,30\n",
                              i / 3600 % 24, i / 60 % 60, i % 60, (int)(i * 7919LL % 10000),
                              (int)(i * 104729LL % 10000), 20 + i % 40);
    const char *gzp = path_of("trunc.csv.gz");
    gzFile g = gzopen(gzp, "wb1");
    CHECK(g != NULL && gzwrite(g, big, (unsigned)k) == (int)k);
    gzclose(g);
    free(big);
    size_t gzlen = 0;
    unsigned char *gzb = slurp(gzp, &gzlen);
    CHECK(gzlen > 1000);
    put("trunc.csv.gz", gzb, gzlen * 3 / 4);
    free(gzb);
    int64_t files_before = q("SELECT count(*) FROM ingest_file");
    int rc = ingest(RS_KIND_TELEMATICS, "trunc.csv.gz", NULL, &res);
    CHECK(rc == RS_EINPUT || rc == RS_EIO);
    CHECK_CONTAINS(errmsg(), "trunc.csv.gz");
    CHECK_EQ_INT(q("SELECT count(*) FROM ingest_file"), files_before);
    CHECK_EQ_INT(q("SELECT count(*) FROM reject"), 0);
    CHECK_EQ_INT(q("SELECT count(*) FROM ping_chunk"), 0);
}

/* ---- never twice: telematics and concerns by content ---------------------- */

static void test_content_identity(void)
{
    ws_open("dedupe.db", 0);
    rs_ingest_result res;
    const char *tel = "timestamp,lat,lon,speed_mph,limit_mph\n"
                      "2020-08-15T14:03:22Z,51.75,0.30,31,30\n"
                      "2020-08-15T14:03:23Z,51.75,0.30,oops,30\n"
                      "2020-08-15T14:03:24Z,51.80,0.80,45,40\n";
    puts_file("t1.csv", tel);
    puts_file("t1_copy.csv", tel);
    CHECK_EQ_INT(ingest(RS_KIND_TELEMATICS, "t1.csv", NULL, &res), 0);
    CHECK_EQ_INT(res.loaded, 2);
    CHECK_EQ_INT(res.rejected, 1);
    CHECK_EQ_INT(res.present, 0);
    CHECK_EQ_INT(ingest(RS_KIND_TELEMATICS, "t1.csv", NULL, &res), 0);
    CHECK_EQ_INT(res.loaded, 0);
    CHECK_EQ_INT(res.present, 2);
    CHECK_EQ_INT(ingest(RS_KIND_TELEMATICS, "t1_copy.csv", NULL, &res), 0);
    CHECK_EQ_INT(res.loaded, 0);
    CHECK_EQ_INT(res.present, 2);
    /* gzip of the same bytes: the same content */
    gzFile g = gzopen(path_of("t1.csv.gz"), "wb");
    gzwrite(g, tel, (unsigned)strlen(tel));
    gzclose(g);
    CHECK_EQ_INT(ingest(RS_KIND_TELEMATICS, "t1.csv.gz", NULL, &res), 0);
    CHECK_EQ_INT(res.loaded, 0);
    CHECK_EQ_INT(res.present, 2);
    CHECK_EQ_INT(q("SELECT coalesce(sum(n), 0) FROM ping_chunk"), 2);
    CHECK_EQ_INT(q("SELECT count(*) FROM ingest_file"), 1);
    CHECK_EQ_INT(q("SELECT count(*) FROM reject"), 1);
    /* one byte different is another file */
    char *t2 = strdup(tel);
    t2[strlen(t2) - 3] = '5'; /* limit 40 -> 50 */
    puts_file("t2.csv", t2);
    free(t2);
    CHECK_EQ_INT(ingest(RS_KIND_TELEMATICS, "t2.csv", NULL, &res), 0);
    CHECK_EQ_INT(res.loaded, 2);
    CHECK_EQ_INT(q("SELECT coalesce(sum(n), 0) FROM ping_chunk"), 4);

    /* concerns: the same rules */
    const char *conc = "timestamp,lat,lon,source\n"
                       "2020-08-15T14:03:22Z,51.75,0.30,csw\n"
                       "2020-08-15T14:03:22Z,51.80,0.80,Public\n"
                       "2020-08-15T14:03:22Z,51.80,0.80,police\n"
                       "2020-08-15T14:03:22Z,51.80,0.30,council\n"
                       "2020-13-15T14:03:22Z,51.80,0.80,other\n"
                       "2020-08-15T14:03:22Z,0.80,51.80,other\n";
    puts_file("c1.csv", conc);
    puts_file("c1_again.csv", conc);
    CHECK_EQ_INT(ingest(RS_KIND_CONCERNS, "c1.csv", NULL, &res), 0);
    CHECK_STR(res.what, "concerns");
    CHECK_EQ_INT(res.loaded, 3);
    CHECK_EQ_INT(res.rejected, 3);
    CHECK_REJECT("c1.csv", 4, "source", "CSW, public, council, other");
    CHECK_REJECT("c1.csv", 6, "timestamp", "");
    CHECK_REJECT("c1.csv", 7, "lat", "swapped");
    CHECK(rejects_table_matches("c1.csv"));
    CHECK_STR(qs("SELECT group_concat(source, '|') FROM (SELECT source FROM concern ORDER BY id)"),
              "CSW|public|council");
    CHECK_EQ_INT(q("SELECT t FROM concern ORDER BY id LIMIT 1"), 1597500202);
    double e, n;
    bng(51.80, 0.80, &e, &n);
    CHECK_NEAR(qd("SELECT e FROM concern ORDER BY id LIMIT 1 OFFSET 1"), e, 0.02);
    CHECK_NEAR(qd("SELECT n FROM concern ORDER BY id LIMIT 1 OFFSET 1"), n, 0.02);
    CHECK_EQ_INT(ingest(RS_KIND_CONCERNS, "c1_again.csv", NULL, &res), 0);
    CHECK_EQ_INT(res.loaded, 0);
    CHECK_EQ_INT(res.present, 3);
    CHECK_EQ_INT(q("SELECT count(*) FROM concern"), 3);
    /* the same bytes as telematics and as concerns are different loads */
    CHECK_EQ_INT(q("SELECT count(*) FROM ingest_file WHERE kind = 'concerns'"), 1);
}

/* ---- fleet: vehicle ids as keyed hashes ------------------------------------ */

static void test_fleet(void)
{
    ws_open("fleet.db", 1);
    rs_ingest_result res;
    puts_file("fleet.csv", "timestamp,vehicle_id,lat,lon,speed_mph\n"
                           "2020-08-15T14:03:22Z,PATROL 7,51.75,0.30,40\n"
                           "2020-08-15T14:03:32Z,PATROL 8,51.80,0.80,41\n"
                           "2020-08-15T14:03:42Z,PATROL 7,51.75,0.30,42\n"
                           "2020-08-15T14:03:52Z,,51.75,0.30,42\n");
    CHECK_EQ_INT(ingest(RS_KIND_FLEET, "fleet.csv", &key, &res), 0);
    CHECK_STR(res.what, "fleet");
    CHECK_EQ_INT(res.loaded, 3);
    CHECK_EQ_INT(res.rejected, 1);
    CHECK_REJECT("fleet.csv", 5, "vehicle_id", "empty");
    rs_ping *p = NULL;
    size_t n = read_pings("fleet", &p);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(q("SELECT count(*) FROM ping_chunk WHERE source = 'traffic'"), 0);
    unsigned char h7[32], h8[32];
    char x7[65], x8[65];
    hmac("PATROL 7", h7);
    hmac("PATROL 8", h8);
    hex(h7, 32, x7);
    hex(h8, 32, x8);
    if (n == 3) {
        CHECK(p[0].vehicle != 0 && p[1].vehicle != 0);
        CHECK(p[0].vehicle != p[1].vehicle);
        CHECK_EQ_INT(p[2].vehicle, p[0].vehicle);
        CHECK_EQ_INT(p[0].limit, 0);
        CHECK(!rs_ping_over_threshold(p[0].speed, p[0].limit));
        CHECK_EQ_INT(q("SELECT id FROM fleet_vehicle WHERE hex(vehicle) = '%s'", x7), p[0].vehicle);
        CHECK_EQ_INT(q("SELECT id FROM fleet_vehicle WHERE hex(vehicle) = '%s'", x8), p[1].vehicle);
    }
    free(p);
    CHECK_EQ_INT(q("SELECT count(*) FROM fleet_vehicle"), 2);
    scan_file("fleet.db", "PATROL");
    scan_file("fleet.db-wal", "PATROL");
}

/* ---- detections --------------------------------------------------------- */

static void test_detections(void)
{
    ws_open("det.db", 1);
    rs_ingest_result res;
    const char *hdr =
        "detection_id,timestamp,device_type,device_id,site_id,lat,lon,speed_mph,limit_mph,vrm\n";
    char buf[4096];
    snprintf(buf, sizeof buf, "%s%s", hdr,
             /* 2-3 */ "D1,2020-08-15T14:03:22Z,TRUCAM,T-01,\"Site, \"\"North\"\"\nLane\","
                       "51.75,0.30,41.3,30,ab12 cde\n"
             /* 4 */ "D2,2020-08-15T15:00:00+01:00,gatso,G-07,S2,51.80,0.80,57,50,AB12CDE\n"
             /* 5 */ "D3,2020-08-15T15:00:05Z,GATSO,G-07,S2,51.80,0.80,57,50,AB12 CDE\n"
             /* 6 */ "D4,2020-08-15T15:00:06Z,Specs,S-1,S3,51.80,0.80,45,40,XY99 ZZZ\n"
             /* 7 */ "D2,2020-08-15T15:00:00+01:00,gatso,G-07,S2,51.80,0.80,57,50,AB12CDE\n"
             /* 8 */ "D3,2020-08-15T15:00:05Z,GATSO,G-07,S2,51.80,0.80,58,50,AB12 CDE\n"
             /* 9 */ "D5,2020-08-15T15:00:07Z,GATSO,G-07,S2,51.80,0.80,58,50,AB-12\n"
             /* 10 */ "D6,2020-08-15T15:00:08Z,GATSO,G-07,S2,51.80,0.80,58,50,\n"
             /* 11 */ "D7,2020-08-15T15:00:09Z,LIDAR,L-1,S2,51.80,0.80,58,50,AB12CDE\n"
             /* 12 */ "D8,2020-08-15T15:00:10Z,GATSO,G-07,S2,51.80,0.80,fast,50,QQ11QQQ\n"
             /* 13 */ "D9,2020-08-15T15:00:11Z,GATSO,G-07,S2,51.80,0.80,58,50,ABCDEFGHIJK\n"
             /* 14 */ ",2020-08-15T15:00:12Z,GATSO,G-07,S2,51.80,0.80,58,50,AB12CDE\n"
             /* 15 */ "D10,2020-08-15T15:00:13Z,GATSO,,S2,51.80,0.80,58,50,AB12CDE\n"
             /* 16 */ "D11,2020-08-15T15:00:14Z,GATSO,G-07,S2,51.80,0.80,58,45,AB12CDE\n"
             /* 17 */ "D12,2021-02-29T15:00:14Z,GATSO,G-07,S2,51.80,0.80,58,50,AB12CDE\n"
             /* 18 */ "D13,2020-08-15T15:00:14Z,GATSO,G-07,S2,49.0,0.80,58,50,AB12CDE\n");
    puts_file("det1.csv", buf);
    CHECK_EQ_INT(ingest(RS_KIND_DETECTIONS, "det1.csv", &key, &res), 0);
    CHECK_STR(res.what, "detections");
    CHECK_EQ_INT(res.loaded, 4);
    CHECK_EQ_INT(res.present, 1);
    CHECK_EQ_INT(res.rejected, 11);
    CHECK_REJECT("det1.csv", 8, "detection_id", "different values");
    CHECK_REJECT("det1.csv", 9, "vrm", "");
    CHECK_REJECT("det1.csv", 10, "vrm", "empty");
    CHECK_REJECT("det1.csv", 11, "device_type", "unknown device type");
    CHECK_REJECT("det1.csv", 12, "speed_mph", "plain decimal");
    CHECK_REJECT("det1.csv", 13, "vrm", "");
    CHECK_REJECT("det1.csv", 14, "detection_id", "empty");
    CHECK_REJECT("det1.csv", 15, "device_id", "empty");
    CHECK_REJECT("det1.csv", 16, "limit_mph", "");
    CHECK_REJECT("det1.csv", 17, "timestamp", "");
    CHECK_REJECT("det1.csv", 18, "lat", "outside Great Britain");
    CHECK(rejects_table_matches("det1.csv"));
    CHECK_EQ_INT(q("SELECT count(*) FROM detection"), 4);

    /* the three spellings of one plate give one keyed hash: HMAC-SHA-256 of
     * the upper-case plate without spaces */
    unsigned char h[32], h2[32];
    char x[65], x2[65];
    hmac("AB12CDE", h);
    hmac("XY99ZZZ", h2);
    hex(h, 32, x);
    hex(h2, 32, x2);
    CHECK_EQ_INT(q("SELECT count(*) FROM detection WHERE hex(vehicle) = '%s' AND "
                   "detection_id IN ('D1','D2','D3')",
                   x),
                 3);
    CHECK_EQ_INT(q("SELECT count(*) FROM detection WHERE hex(vehicle) = '%s'", x2), 1);
    CHECK_STR(qs("SELECT hex(vehicle) FROM detection WHERE detection_id = 'D4'"), x2);
    /* stored values */
    CHECK_EQ_INT(q("SELECT t FROM detection WHERE detection_id = 'D1'"), 1597500202);
    CHECK_EQ_INT(q("SELECT t FROM detection WHERE detection_id = 'D2'"), 1597500000);
    CHECK_STR(qs("SELECT device_type FROM detection WHERE detection_id = 'D2'"), "GATSO");
    CHECK_STR(qs("SELECT device_type FROM detection WHERE detection_id = 'D4'"), "SPECS");
    CHECK_STR(qs("SELECT site_id FROM detection WHERE detection_id = 'D1'"),
              "Site, \"North\"\nLane");
    CHECK_STR(qs("SELECT device_id FROM detection WHERE detection_id = 'D1'"), "T-01");
    CHECK_EQ_INT(q("SELECT speed_cmph FROM detection WHERE detection_id = 'D1'"), 4130);
    CHECK_EQ_INT(q("SELECT limit_mph FROM detection WHERE detection_id = 'D1'"), 30);
    CHECK_EQ_INT(q("SELECT speed_cmph FROM detection WHERE detection_id = 'D3'"), 5700);
    double e, n;
    bng(51.75, 0.30, &e, &n);
    CHECK_NEAR(qd("SELECT e FROM detection WHERE detection_id = 'D1'"), e, 0.02);
    CHECK_NEAR(qd("SELECT n FROM detection WHERE detection_id = 'D1'"), n, 0.02);
    CHECK_EQ_INT(q("SELECT district_id FROM detection WHERE detection_id = 'D1'"), WEST);
    CHECK_EQ_INT(q("SELECT district_id FROM detection WHERE detection_id = 'D2'"), EAST);

    /* reloading: identical rows are present, the conflicting one rejected */
    CHECK_EQ_INT(ingest(RS_KIND_DETECTIONS, "det1.csv", &key, &res), 0);
    CHECK_EQ_INT(res.loaded, 0);
    CHECK_EQ_INT(res.present, 5);
    CHECK_EQ_INT(res.rejected, 11);
    CHECK_EQ_INT(q("SELECT count(*) FROM detection"), 4);
    /* another file with one known id, changed, and one new */
    snprintf(buf, sizeof buf, "%s%s", hdr,
             "D4,2020-08-15T15:00:06Z,SPECS,S-1,S3,51.80,0.80,45,40,XY99ZZZ\n"
             "D1,2020-08-15T14:03:22Z,TRUCAM,T-01,other site,51.75,0.30,41.3,30,AB12CDE\n"
             "D20,2020-08-15T14:03:22Z,OTHER,O-1,S9,51.75,0.30,41.3,30,zz 1\n");
    puts_file("det2.csv", buf);
    CHECK_EQ_INT(ingest(RS_KIND_DETECTIONS, "det2.csv", &key, &res), 0);
    CHECK_EQ_INT(res.present, 1);
    CHECK_EQ_INT(res.loaded, 1);
    CHECK_EQ_INT(res.rejected, 1);
    CHECK_REJECT("det2.csv", 3, "detection_id", "different values");
    CHECK_STR(qs("SELECT site_id FROM detection WHERE detection_id = 'D1'"),
              "Site, \"North\"\nLane");

    /* position in easting/northing */
    puts_file("det_en.csv",
              "Detection_ID,Timestamp,Device_Type,Device_ID,Site_ID,Easting,Northing,"
              "Speed_MPH,Limit_MPH,VRM\n"
              "E1,2020-08-15T14:03:22Z,GATSO,G1,S1,575000.456,200000.004,40,30,AB12CDE\n"
              "E2,2020-08-15T14:03:22Z,GATSO,G1,S1,384170,398169,40,30,AB12CDE\n"
              "E3,2020-08-15T14:03:22Z,GATSO,G1,S1,800000,200000,40,30,AB12CDE\n"
              "E4,2020-08-15T14:03:22Z,GATSO,G1,S1,575000,abc,40,30,AB12CDE\n"
              "E5,2020-08-15T14:03:22Z,GATSO,G1,S1,5.75e5,200000,40,30,AB12CDE\n");
    CHECK_EQ_INT(ingest(RS_KIND_DETECTIONS, "det_en.csv", &key, &res), 0);
    CHECK_EQ_INT(res.loaded, 2);
    CHECK_EQ_INT(res.rejected, 3);
    CHECK_EQ_INT(res.outside, 1);
    CHECK_REJECT("det_en.csv", 4, "easting", "outside");
    CHECK_REJECT("det_en.csv", 5, "northing", "plain decimal");
    CHECK_REJECT("det_en.csv", 6, "easting", "plain decimal");
    CHECK_NEAR(qd("SELECT e FROM detection WHERE detection_id = 'E1'"), 575000.46, 1e-6);
    CHECK_NEAR(qd("SELECT n FROM detection WHERE detection_id = 'E1'"), 200000.00, 1e-6);
    CHECK_EQ_INT(q("SELECT district_id FROM detection WHERE detection_id = 'E1'"), EAST);
    CHECK_STR(qs("SELECT district_id FROM detection WHERE detection_id = 'E2'"), "NULL");
    /* no plate in the open workspace or its WAL, nor in the last error */
    scan_file("det.db", NULL);
    scan_file("det.db-wal", NULL);
}

/* ---- STATS19 ------------------------------------------------------------ */

static void test_stats19(void)
{
    ws_open("stats19.db", 1);
    rs_ingest_result res;
    /* newer column names */
    puts_file("col_new.csv",
              "collision_index,collision_year,collision_reference,location_easting_osgr,"
              "location_northing_osgr,longitude,latitude,police_force,collision_severity,"
              "number_of_vehicles,number_of_casualties,date,day_of_week,time,"
              "local_authority_ons_district,speed_limit\n"
              /* 2 */ "2020010000001,2020,010000001,558866,208203,0.30,51.75,42,3,2,1,"
              "15/08/2020,7,14:03,E07000070,30\n"
              /* 3 */ "2020010000002,2020,010000002,-1,-1,0.80,51.80,42,2,1,1,29/03/2020,1,"
              "01:30,E07000071,40\n"
              /* 4 */ "2020010000003,2020,010000003,,,,,,1,1,1,29/03/2020,1,00:30,-1,-1\n"
              /* 5 */ "2020010000004,2020,010000004,-1,-1,-1,-1,42,3,-1,1,25/10/2020,1,-1,,20\n"
              /* 6 */ "2020010000005,2020,010000005,593161,214969,,,42,3,1,1,25/10/2020,1,"
              "01:30,,30\n"
              /* 7 */ "2020010000006,2020,010000006,593161,214969,,,42,3,1,1,25/10/2020,1,"
              "02:30,,30\n"
              /* 8 */ "2020010000007,2020,010000007,593161,214969,,,42,3,1,1,15/01/2020,4,"
              "14:03,,30\n"
              /* 9 */ "2020010000008,2020,010000008,593161,214969,,,42,3,1,1,29/02/2021,1,"
              "14:03,,30\n"
              /* 10 */ "2020010000009,2020,010000009,593161,214969,,,42,3,1,1,29/02/2020,7,"
              "02:30,,30\n"
              /* 11 */ "2020010000010,2020,010000010,593161,214969,,,42,4,1,1,15/08/2020,7,"
              "14:03,,30\n"
              /* 12 */ "2020010000001,2020,010000001,558866,208203,0.30,51.75,42,3,2,1,"
              "15/08/2020,7,14:03,E07000070,30\n"
              /* 13 */ "2020010000002,2020,010000002,-1,-1,0.80,51.80,42,1,1,1,29/03/2020,1,"
              "01:30,E07000071,40\n"
              /* 14 */ "2020010000011,2020,010000011,593161,214969,,,42,3,1,1,15/08/2020,7,"
              "24:00,,30\n"
              /* 15 */ "2020010000012,2020,010000012,384170,398169,,,42,3,1,1,15/08/2020,7,"
              "14:03,,30\n"
              /* 16 */ "2020010000013,2020,010000013,593161,214969,,,42,3,1,1,15/08/2020,7,"
              "14:03,,thirty\n"
              /* 17 */ "2020010000014,2020,010000014,593161,214969,,,42,3,1,1,2020-08-15,7,"
              "02:30,,30\n"
              /* 18 */ "2020010000015,2020,010000015,593161,214969,,,42,3,1,1,15/08/20,7,"
              "02:30,,30\n"
              /* 19: a location that is not a number is no location: kept unlocated */
              /* 19 */ "2020010000016,2020,010000016,NULL,abc,,,42,3,1,1,15/08/2020,7,"
              "02:30,,30\n"
              /* 20: 0,0 is a placeholder, not a place */
              /* 20 */ "2020010000017,2020,010000017,0,0,0,0,42,3,1,1,15/08/2020,7,"
              "02:30,,30\n");
    CHECK_EQ_INT(ingest(RS_KIND_STATS19, "col_new.csv", NULL, &res), 0);
    CHECK_STR(res.what, "collisions");
    CHECK_EQ_INT(res.loaded, 12);
    CHECK_EQ_INT(res.rejected, 6);
    CHECK_EQ_INT(res.present, 1);
    CHECK_EQ_INT(res.unlocated, 4);
    CHECK_EQ_INT(res.outside, 1);
    CHECK_REJECT("col_new.csv", 9, "date", "");
    CHECK_REJECT("col_new.csv", 11, "collision_severity", "");
    CHECK_REJECT("col_new.csv", 13, "collision_index", "different values");
    CHECK_REJECT("col_new.csv", 14, "time", "");
    CHECK_REJECT("col_new.csv", 16, "speed_limit", "");
    CHECK_REJECT("col_new.csv", 18, "date", "");
    CHECK(rejects_table_matches("col_new.csv"));
#define COL(field, idx) "SELECT " field " FROM collision WHERE collision_index = '" idx "'"
    /* local UK time to UTC: BST is UTC+1; 01:30 on 2020-03-29 is in the
     * spring gap and taken as GMT (timeutil.h); 01:30 on 2020-10-25 is the
     * first (BST) of the two */
    CHECK_EQ_INT(q(COL("t", "2020010000001")), 1597496580);  /* 13:03Z */
    CHECK_EQ_INT(q(COL("t", "2020010000002")), 1585445400);  /* 01:30Z */
    CHECK_EQ_INT(q(COL("t", "2020010000003")), 1585441800);  /* 00:30Z */
    CHECK_EQ_INT(q(COL("t", "2020010000005")), 1603585800);  /* 00:30Z */
    CHECK_EQ_INT(q(COL("t", "2020010000006")), 1603593000);  /* 02:30Z */
    CHECK_EQ_INT(q(COL("t", "2020010000007")), 1579096980);  /* 14:03Z */
    CHECK_EQ_INT(q(COL("t", "2020010000009")), 1582943400);  /* 2020-02-29 02:30Z */
    CHECK_EQ_INT(q(COL("t", "2020010000014")), 1597455000);  /* 2020-08-15 01:30Z */
    /* missing time: no instant, the local date kept */
    CHECK_STR(qs(COL("t", "2020010000004")), "NULL");
    CHECK_STR(qs(COL("local_date", "2020010000004")), "2020-10-25");
    CHECK_STR(qs(COL("local_date", "2020010000009")), "2020-02-29");
    /* -1 or empty: NULL */
    CHECK_STR(qs(COL("speed_limit", "2020010000003")), "NULL");
    CHECK_STR(qs(COL("police_force", "2020010000003")), "NULL");
    CHECK_STR(qs(COL("ons_district", "2020010000003")), "NULL");
    CHECK_STR(qs(COL("vehicles", "2020010000004")), "NULL");
    CHECK_EQ_INT(q(COL("speed_limit", "2020010000004")), 20);
    CHECK_EQ_INT(q(COL("speed_limit", "2020010000001")), 30);
    CHECK_EQ_INT(q(COL("police_force", "2020010000001")), 42);
    CHECK_EQ_INT(q(COL("vehicles", "2020010000001")), 2);
    CHECK_EQ_INT(q(COL("casualties", "2020010000001")), 1);
    CHECK_EQ_INT(q(COL("severity", "2020010000002")), 2);
    CHECK_STR(qs(COL("ons_district", "2020010000001")), "E07000070");
    /* location: the grid reference, else WGS84, else unlocated (kept) */
    CHECK_NEAR(qd(COL("e", "2020010000001")), 558866, 1e-6);
    CHECK_NEAR(qd(COL("n", "2020010000001")), 208203, 1e-6);
    CHECK_EQ_INT(q(COL("district_id", "2020010000001")), WEST);
    double e, n;
    bng(51.80, 0.80, &e, &n);
    CHECK_NEAR(qd(COL("e", "2020010000002")), e, 0.02);
    CHECK_NEAR(qd(COL("n", "2020010000002")), n, 0.02);
    CHECK_EQ_INT(q(COL("district_id", "2020010000002")), EAST);
    CHECK_STR(qs(COL("e", "2020010000003")), "NULL");
    CHECK_STR(qs(COL("n", "2020010000004")), "NULL");
    CHECK_STR(qs(COL("district_id", "2020010000004")), "NULL");
    CHECK_EQ_INT(q("SELECT count(*) FROM collision WHERE e IS NULL"), 4);
    CHECK_STR(qs(COL("e", "2020010000016")), "NULL");
    CHECK_STR(qs(COL("e", "2020010000017")), "NULL");
    CHECK_STR(qs(COL("district_id", "2020010000012")), "NULL");
    CHECK_NEAR(qd(COL("e", "2020010000012")), 384170, 1e-6);

    /* older column names (accident_*, capitalised) */
    puts_file("col_old.csv",
              "Accident_Index,Location_Easting_OSGR,Location_Northing_OSGR,Longitude,Latitude,"
              "Police_Force,Accident_Severity,Number_of_Vehicles,Number_of_Casualties,Date,"
              "Day_of_Week,Time,Local_Authority_(District),Speed_limit\n"
              "2019A1,593161,214969,0.80,51.80,42,1,2,3,31/03/2019,1,00:59,1,40\n"
              "2019A2,593161,214969,0.80,51.80,42,2,2,3,31/03/2019,1,02:00,1,40\n"
              "2019A3,593161,214969,0.80,51.80,42,3,2,3,01/07/2019,2,08:00,1,40\n");
    CHECK_EQ_INT(ingest(RS_KIND_STATS19, "col_old.csv", NULL, &res), 0);
    CHECK_STR(res.what, "collisions");
    CHECK_EQ_INT(res.loaded, 3);
    CHECK_EQ_INT(res.rejected, 0);
    CHECK_EQ_INT(q(COL("t", "2019A1")), 1553993940); /* 2019-03-31 00:59Z, GMT */
    CHECK_EQ_INT(q(COL("t", "2019A2")), 1553994000); /* 02:00 BST = 01:00Z */
    CHECK_EQ_INT(q(COL("t", "2019A3")), 1561964400); /* 2019-07-01 07:00Z */
    CHECK_EQ_INT(q(COL("severity", "2019A1")), 1);
    CHECK_EQ_INT(q(COL("casualties", "2019A1")), 3);

    /* casualties link to their collision */
    puts_file("cas_new.csv",
              "collision_index,collision_year,collision_reference,vehicle_reference,"
              "casualty_reference,casualty_class,sex_of_casualty,age_of_casualty,"
              "age_band_of_casualty,casualty_severity,casualty_type,"
              "casualty_adjusted_severity_serious,casualty_adjusted_severity_slight\n"
              /* 2 */ "2020010000001,2020,010000001,1,1,1,1,34,6,2,9,1,0\n"
              /* 3 */ "2020010000001,2020,010000001,1,2,2,2,-1,-1,3,0,0.123,0.877\n"
              /* 4 */ "2020010000003,2020,010000003,2,1,3,-1,45,8,1,11,,\n"
              /* 5 */ "2099ORPHAN,2099,0,1,1,1,1,34,6,2,9,1,0\n"
              /* 6 */ "2020010000001,2020,010000001,1,1,1,1,34,6,2,9,1,0\n"
              /* 7 */ "2020010000001,2020,010000001,1,2,2,2,-1,-1,2,0,0.123,0.877\n"
              /* 8 */ "2020010000002,2020,010000002,1,1,1,1,34,6,0,9,1,0\n"
              /* 9 */ "2020010000002,2020,010000002,1,2,1,1,130,6,3,9,0,1\n"
              /* 10 */ "2020010000002,2020,010000002,1,3,1,1,34,6,2,9,1.5,0\n"
              /* 11 */ "2020010000002,2020,010000002,x,3,1,1,34,6,2,9,1,0\n");
    CHECK_EQ_INT(ingest(RS_KIND_STATS19, "cas_new.csv", NULL, &res), 0);
    CHECK_STR(res.what, "casualties");
    CHECK_EQ_INT(res.loaded, 3);
    CHECK_EQ_INT(res.present, 1);
    CHECK_EQ_INT(res.rejected, 6);
    CHECK_REJECT("cas_new.csv", 5, "collision_index", "no such collision");
    CHECK_REJECT("cas_new.csv", 7, "casualty_reference", "different values");
    CHECK_REJECT("cas_new.csv", 8, "casualty_severity", "");
    CHECK_REJECT("cas_new.csv", 9, "age_of_casualty", "");
    CHECK_REJECT("cas_new.csv", 10, "casualty_adjusted_severity_serious", "");
    CHECK_REJECT("cas_new.csv", 11, "vehicle_reference", "");
    CHECK(rejects_table_matches("cas_new.csv"));
#define CAS(field, idx, v, c)                                                                \
    "SELECT " field " FROM casualty WHERE collision_index = '" idx "' AND vehicle_ref = " v \
    " AND casualty_ref = " c
    CHECK_EQ_INT(q(CAS("severity", "2020010000001", "1", "1")), 2);
    CHECK_EQ_INT(q(CAS("age", "2020010000001", "1", "1")), 34);
    CHECK_NEAR(qd(CAS("adjusted_serious", "2020010000001", "1", "1")), 1.0, 0);
    CHECK_STR(qs(CAS("age", "2020010000001", "1", "2")), "NULL");
    CHECK_STR(qs(CAS("age_band", "2020010000001", "1", "2")), "NULL");
    CHECK_NEAR(qd(CAS("adjusted_serious", "2020010000001", "1", "2")), 0.123, 1e-12);
    CHECK_EQ_INT(q(CAS("casualty_type", "2020010000001", "1", "2")), 0);
    CHECK_STR(qs(CAS("sex", "2020010000003", "2", "1")), "NULL");
    CHECK_STR(qs(CAS("adjusted_serious", "2020010000003", "2", "1")), "NULL");
    CHECK_EQ_INT(q("SELECT count(*) FROM casualty WHERE collision_index = '2099ORPHAN'"), 0);

    /* older casualty names */
    puts_file("cas_old.csv",
              "Accident_Index,Vehicle_Reference,Casualty_Reference,Casualty_Class,"
              "Sex_of_Casualty,Age_of_Casualty,Age_Band_of_Casualty,Casualty_Severity,"
              "Casualty_Type\n"
              "2019A1,1,1,1,1,40,7,3,9\n"
              "2019A1,1,2,1,1,-1,-1,1,9\n");
    CHECK_EQ_INT(ingest(RS_KIND_STATS19, "cas_old.csv", NULL, &res), 0);
    CHECK_STR(res.what, "casualties");
    CHECK_EQ_INT(res.loaded, 2);
    CHECK_EQ_INT(q(CAS("severity", "2019A1", "1", "2")), 1);
    CHECK_STR(qs(CAS("age", "2019A1", "1", "2")), "NULL");

    /* reloading adds nothing */
    int64_t cols = q("SELECT count(*) FROM collision"), cas = q("SELECT count(*) FROM casualty");
    CHECK_EQ_INT(cols, 15);
    CHECK_EQ_INT(cas, 5);
    CHECK_EQ_INT(ingest(RS_KIND_STATS19, "col_new.csv", NULL, &res), 0);
    CHECK_EQ_INT(res.loaded, 0);
    CHECK_EQ_INT(res.present, 13);
    CHECK_EQ_INT(res.rejected, 6);
    CHECK_EQ_INT(ingest(RS_KIND_STATS19, "cas_new.csv", NULL, &res), 0);
    CHECK_EQ_INT(res.loaded, 0);
    CHECK_EQ_INT(res.present, 4);
    CHECK_EQ_INT(ingest(RS_KIND_STATS19, "cas_old.csv", NULL, &res), 0);
    CHECK_EQ_INT(res.present, 2);
    CHECK_EQ_INT(q("SELECT count(*) FROM collision"), cols);
    CHECK_EQ_INT(q("SELECT count(*) FROM casualty"), cas);
#undef COL
#undef CAS
}

/* ---- more than one chunk of pings, and progress ----------------------------- */

static int64_t progress_rows;
static void on_progress(void *user, const char *file, int64_t rows, uint64_t bytes,
                        int64_t size)
{
    (void)user;
    (void)bytes;
    (void)size;
    CHECK_CONTAINS(file, "chunks.csv");
    progress_rows = rows;
}

static void test_chunks(void)
{
    ws_open("chunks.db", 0);
    const size_t rows = RS_PING_CHUNK + 3;
    size_t cap = rows * 64 + 100, k = 0;
    char *f = malloc(cap);
    k += (size_t)snprintf(f + k, cap - k, "timestamp,lat,lon,speed_mph,limit_mph\n");
    for (size_t i = 0; i < rows; i++) {
        int64_t t = 1597500202 + (int64_t)i * 7;
        int day = (int)(t / 86400 - 18489) + 15; /* 2020-08-15 is day 18489 */
        int s = (int)(t % 86400);
        k += (size_t)snprintf(f + k, cap - k, "2020-08-%02dT%02d:%02d:%02dZ,51.75,0.30,%zu.%02zu,30\n",
                              day, s / 3600, s / 60 % 60, s % 60, i % 100, i % 97);
    }
    put("chunks.csv", f, k);
    free(f);
    rs_ingest_result res;
    CHECK_EQ_INT(ingest_opts(RS_KIND_TELEMATICS, "chunks.csv", NULL, &res, on_progress, NULL), 0);
    CHECK_EQ_INT(res.loaded, (int64_t)rows);
    /* progress comes every 65536 rows or so (runs of lines are counted in bulk) */
    CHECK(progress_rows >= 65536 && progress_rows <= (int64_t)rows);
    CHECK_EQ_INT(q("SELECT count(*) FROM ping_chunk"), 2);
    CHECK_EQ_INT(q("SELECT max(n) FROM ping_chunk"), RS_PING_CHUNK);
    rs_ping *p = NULL;
    size_t n = read_pings("traffic", &p);
    CHECK_EQ_INT(n, rows);
    int bad = 0;
    for (size_t i = 0; i < n && bad < 5; i++)
        if (p[i].t != 1597500202 + (int64_t)i * 7 || p[i].speed != (i % 100) * 100 + i % 97) {
            bad++;
            fprintf(stderr, "ping %zu: t %lld speed %u\n", i, (long long)p[i].t, p[i].speed);
        }
    CHECK_EQ_INT(bad, 0);
    free(p);
}

/* ---- no plate anywhere -------------------------------------------------- */

static void test_no_plates(void)
{
    /* the workspaces after closing (WAL checkpointed into them) and every
     * rejects file written */
    rs_store_close(ctx);
    scan_file("det.db", NULL);
    scan_file("det.db-wal", NULL);
    scan_file("fleet.db", "PATROL");
    scan_file("strict.db", "DEV-SECRET");
    scan_file("csv.db", "dev, ");
    for (const char *const *p = plates; *p; p++)
        if (strstr(all_rej, *p)) {
            fprintf(stderr, "plate '%s' found in the rejects\n", *p);
            CHECK(0);
        }
}

int main(void)
{
    snprintf(tmpd, sizeof tmpd, "%s", check_tmpdir("unit_test_ingest"));
    ctx = rs_ctx_new();
    CHECK(ctx != NULL);
    if (ctx == NULL)
        return check_done();
    pj = proj_create_crs_to_crs(NULL, "EPSG:4326", "EPSG:27700", NULL);
    PJ *norm = pj ? proj_normalize_for_visualization(NULL, pj) : NULL;
    proj_destroy(pj);
    pj = norm;
    if (pj == NULL)
        check_skip("PROJ cannot make EPSG:4326 -> EPSG:27700");
    const char *k = "0123456789abcdef-test-key-0123456789";
    key.len = strlen(k);
    memcpy(key.bytes, k, key.len);

    test_csv_features();
    test_strict_values();
    test_refusals();
    test_content_identity();
    test_fleet();
    test_detections();
    test_stats19();
    test_chunks();
    test_no_plates();

    rs_ctx_free(ctx);
    proj_destroy(pj);
    free(all_rej);
    return check_done();
}
