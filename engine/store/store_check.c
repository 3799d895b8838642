/*
 * store_check.c — what rs_store_open checks before it trusts a workspace
 * file and the write-ahead log beside it (store_int.h).
 *
 * The write-ahead log.  SQLite folds a -wal into the database it lies
 * beside, whatever database wrote it, so a log copied in from elsewhere
 * (another workspace, a restored backup of one) would be written in for
 * good by the next writer.  Before a write connection opens, a non-empty
 * -wal must pass, in this order (each O(1) or O(log), never O(workspace)):
 *   1. its 32-byte header (SQLite's WAL format): magic 0x377f0682/3,
 *      format 3007000, a correct header checksum, and the workspace's own
 *      page size (from the database header);
 *   2. its frames are walked as SQLite's recovery walks them (salts equal
 *      to the header's, cumulative checksums right) up to the last commit.
 *      A log with no committed frame holds nothing SQLite would replay and
 *      is accepted (the next writer restarts it);
 *   3. identity: every roadsafe write transaction updates a row of `meta`
 *      (rs_store_commit), so each committed transaction in a roadsafe log
 *      carries the page of `meta`, which also holds the workspace's random
 *      id.  The id is read twice: from the database file alone (an
 *      immutable=1 connection, which does not read the log) and through
 *      the log.  They must be equal, the log must hold the `meta` page
 *      (by its root page number in sqlite_schema), and the workspace's
 *      application_id must still be roadsafe's seen through the log.
 * A workspace whose file holds no id yet (written only by an older
 * roadsafe, or created and not yet checkpointed), or whose file alone
 * cannot be read at that moment (a checkpoint by another process in
 * between), falls back to PRAGMA quick_check through the log, as before.
 *
 * The schema.  A workspace is refused unless its sqlite_schema (type,
 * name, table and SQL text of every table and index; sqlite_stat* tables
 * from ANALYZE aside) is exactly what migrations 1..user_version create:
 * the rows tools/schema/schema_expect.c wrote into schema_expect.h at
 * build time by applying the migrations to an in-memory database (an open
 * then reads only the workspace's own sqlite_schema, a few dozen rows).
 * ALTER TABLE's rewriting of the stored SQL has changed between SQLite
 * versions, so when the SQLite found at run time is not the one that made
 * the header, the rows are built afresh in memory with it, as the header's
 * were.  So a trigger, a view, an extra index or an
 * altered column in a hand-edited or hostile workspace is named and
 * refused before anything runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema_expect.h"
#include "schema_sql.h"
#include "store.h"
#include "store_int.h"

int rs_store_harden(sqlite3 *db)
{
    int ok = 1, got = 0;
    ok &= sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &got) == SQLITE_OK && got == 1;
    ok &= sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &got) == SQLITE_OK &&
          got == 0;
    ok &= sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, &got) == SQLITE_OK &&
          got == 0;
    ok &= sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, &got) == SQLITE_OK && got == 0;
    return ok ? 0 : RS_ERR;
}

/* ---- the write-ahead log -------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* SQLite's WAL checksum: 32-bit words in the log's byte order, two
 * running sums.  n is a multiple of 8. */
static void wal_cksum(int big, const unsigned char *p, size_t n, uint32_t s[2])
{
    for (size_t i = 0; i + 8 <= n; i += 8) {
        uint32_t a, b;
        if (big) {
            a = be32(p + i);
            b = be32(p + i + 4);
        } else {
            a = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
                (uint32_t)p[i + 3] << 24;
            b = (uint32_t)p[i + 4] | (uint32_t)p[i + 5] << 8 | (uint32_t)p[i + 6] << 16 |
                (uint32_t)p[i + 7] << 24;
        }
        s[0] += a + s[1];
        s[1] += b + s[0];
    }
}

static int read_at(int fd, void *buf, size_t n, off_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, off + (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* What the frames of a log hold, as far as identity needs it. */
typedef struct {
    long commits;      /* committed transactions */
    uint32_t *pages;   /* page numbers of committed frames (sorted later) */
    size_t n, cap;
} wal_frames;

/* Checks the header (1) and walks the frames (2).  Returns NULL when the
 * log is acceptable so far, else the reason. */
static const char *wal_read(const char *path, const char *wal, wal_frames *fr, char *why,
                            size_t whysize)
{
    unsigned char dbh[100], h[32];
    int dfd = open(path, O_RDONLY | O_CLOEXEC);
    int wfd = open(wal, O_RDONLY | O_CLOEXEC);
    unsigned char *page = NULL;
    const char *bad = NULL;
    if (dfd < 0 || wfd < 0 || read_at(dfd, dbh, sizeof dbh, 0) != 0) {
        bad = "cannot be read beside its workspace";
        goto done;
    }
    uint32_t dbpage = (uint32_t)dbh[16] << 8 | dbh[17];
    if (dbpage == 1)
        dbpage = 65536;
    if (read_at(wfd, h, sizeof h, 0) != 0) {
        bad = "is too short to be a write-ahead log";
        goto done;
    }
    uint32_t magic = be32(h), szpage = be32(h + 8);
    uint32_t s[2] = {0, 0};
    int big = magic & 1;
    if ((magic & 0xfffffffeu) != 0x377f0682u || be32(h + 4) != 3007000u) {
        bad = "is not an SQLite write-ahead log (wrong magic number or format)";
        goto done;
    }
    wal_cksum(big, h, 24, s);
    if (s[0] != be32(h + 24) || s[1] != be32(h + 28)) {
        bad = "has a damaged header (checksum)";
        goto done;
    }
    if (szpage != dbpage) {
        snprintf(why, whysize, "has %lu-byte pages and the workspace %lu-byte pages",
                 (unsigned long)szpage, (unsigned long)dbpage);
        bad = why;
        goto done;
    }
    if ((page = malloc(24 + (size_t)szpage)) == NULL) {
        bad = "cannot be checked (out of memory)";
        goto done;
    }
    size_t done_n = 0; /* frames up to the last commit */
    for (off_t off = 32;; off += 24 + (off_t)szpage) {
        if (read_at(wfd, page, 24 + (size_t)szpage, off) != 0)
            break;
        if (be32(page) == 0 || memcmp(page + 8, h + 16, 8) != 0)
            break;
        wal_cksum(big, page, 8, s);
        wal_cksum(big, page + 24, szpage, s);
        if (s[0] != be32(page + 16) || s[1] != be32(page + 20))
            break;
        if (fr->n == fr->cap) {
            size_t nc = fr->cap ? fr->cap * 2 : 256;
            uint32_t *np = realloc(fr->pages, nc * sizeof *np);
            if (np == NULL) {
                bad = "cannot be checked (out of memory)";
                goto done;
            }
            fr->pages = np;
            fr->cap = nc;
        }
        fr->pages[fr->n++] = be32(page);
        if (be32(page + 4) != 0) {
            fr->commits++;
            done_n = fr->n;
        }
    }
    fr->n = done_n;
done:
    free(page);
    if (dfd >= 0)
        close(dfd);
    if (wfd >= 0)
        close(wfd);
    return bad;
}

/* One text value from a connection; 0 and *out (malloc'd, or NULL when
 * there is no row), or -1 on an SQLite error. */
static int query_text(sqlite3 *db, const char *sql, char **out)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    *out = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW) {
            const char *v = (const char *)sqlite3_column_text(st, 0);
            *out = strdup(v ? v : "");
            rc = *out ? 0 : -1;
        } else if (s == SQLITE_DONE) {
            rc = 0;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static const char id_sql[] = "SELECT value FROM meta WHERE key = '" RS_META_WORKSPACE_ID "'";

/* "file:PATH?immutable=1", with the characters a URI gives a meaning
 * percent-encoded; NULL when out of memory. */
static char *uri_of(const char *path)
{
    size_t n = strlen(path);
    char *uri = sqlite3_malloc64((sqlite3_uint64)n * 3 + 32);
    if (uri == NULL)
        return NULL;
    char *o = uri + sprintf(uri, "file:");
    for (const char *p = path; *p; p++)
        if (*p == '%' || *p == '?' || *p == '#')
            o += sprintf(o, "%%%02X", (unsigned char)*p);
        else
            *o++ = *p;
    strcpy(o, "?immutable=1");
    return uri;
}

/* The id in the database file alone, not seen through the log: NULL when
 * there is none or the file cannot be read just now. */
static char *file_id(const char *path)
{
    sqlite3 *db = NULL;
    char *id = NULL;
    char *uri = uri_of(path);
    if (uri && path[0] != ':' &&
        sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                        NULL) == SQLITE_OK &&
        rs_store_harden(db) == 0 && query_text(db, id_sql, &id) != 0)
        id = NULL;
    sqlite3_close_v2(db);
    sqlite3_free(uri);
    return id;
}

static int has_page(const wal_frames *fr, uint32_t pgno)
{
    for (size_t i = 0; i < fr->n; i++)
        if (fr->pages[i] == pgno)
            return 1;
    return 0;
}

/* The fallback of a workspace with no id in its file: quick_check through
 * the log.  NULL when ok, else the verdict (static or in buf). */
static const char *quick_check(sqlite3 *db, char *buf, size_t size)
{
    char *v = NULL;
    if (query_text(db, "PRAGMA quick_check(1)", &v) != 0) {
        snprintf(buf, size, "does not fit the workspace (%s)", sqlite3_errmsg(db));
        return buf;
    }
    int ok = v && strcmp(v, "ok") == 0;
    snprintf(buf, size, "does not fit the workspace (quick_check: %s)", v ? v : "no verdict");
    free(v);
    return ok ? NULL : buf;
}

int rs_store_check_wal(rs_ctx *ctx, const char *path)
{
    rs_err *e = rs_ctx_err(ctx);
    char wal[4096], why[256];
    struct stat sb;
    if ((size_t)snprintf(wal, sizeof wal, "%s-wal", path) >= sizeof wal ||
        stat(wal, &sb) != 0 || sb.st_size == 0)
        return 0;
    wal_frames fr = {0, NULL, 0, 0};
    sqlite3 *db = NULL;
    char *mine = NULL, *seen = NULL, *root = NULL, *appid = NULL;
    const char *bad = wal_read(path, wal, &fr, why, sizeof why);
    int rc = 0;
    if (bad != NULL || fr.commits == 0)
        goto done;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        rs_store_harden(db) != 0) {
        rc = rs_err_set(e, RS_EIO, "cannot open workspace %s: %s", path,
                        db ? sqlite3_errmsg(db) : "out of memory");
        goto done;
    }
    sqlite3_busy_handler(db, rs_store_busy_wait, ctx);
    mine = file_id(path);
    if (mine == NULL) {
        bad = quick_check(db, why, sizeof why);
    } else if (query_text(db, id_sql, &seen) != 0 ||
               query_text(db, "SELECT rootpage FROM sqlite_schema WHERE name = 'meta'",
                          &root) != 0 ||
               query_text(db, "PRAGMA application_id", &appid) != 0) {
        snprintf(why, sizeof why, "reading through it fails: %s", sqlite3_errmsg(db));
        bad = why;
    } else if (seen == NULL || strcmp(seen, mine) != 0 || root == NULL ||
               !has_page(&fr, (uint32_t)strtoul(root, NULL, 10)) || appid == NULL ||
               strcmp(appid, "1381187910") != 0) {
        /* A torn read of the file while another process checkpoints could
         * in principle give a wrong id: read it once more before refusing. */
        free(mine);
        mine = file_id(path);
        if (mine == NULL)
            bad = quick_check(db, why, sizeof why);
        else
            bad = "was written by another database (its transactions do not carry this "
                  "workspace's id)";
    }
    if (bad == NULL)
        goto done;
    if ((sqlite3_errcode(db) & 0xff) == SQLITE_BUSY) {
        rc = rs_err_set(e, RS_EBUSY, "workspace %s is busy (another roadsafe is writing); try "
                                     "again", path);
        goto done;
    }
done:
    if (bad != NULL && rc == 0)
        rc = rs_err_set(e, RS_EINPUT,
                        "the write-ahead log %s beside workspace %s is not the workspace's "
                        "own: it %s; nothing was written.  If %s came from another file, move "
                        "it away; otherwise restore the workspace from a backup",
                        wal, path, bad, wal);
    free(mine);
    free(seen);
    free(root);
    free(appid);
    free(fr.pages);
    sqlite3_close_v2(db);
    return rc;
}

/* ---- the schema ------------------------------------------------------------ */

#define N_MIGRATIONS ((int)(sizeof rs_schema_migrations / sizeof rs_schema_migrations[0]))
_Static_assert(sizeof rs_schema_expected / sizeof rs_schema_expected[0] ==
                   sizeof rs_schema_migrations / sizeof rs_schema_migrations[0],
               "one expected schema per SQLite migration");

/* The same query as tools/schema/schema_expect.c's, which wrote the
 * expected rows in this order. */
static const char schema_sql[] =
    "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema "
    "WHERE name NOT LIKE 'sqlite\\_stat%' ESCAPE '\\' ORDER BY type, name";

/* Column c (0 type, 1 name, 2 table, 3 SQL) of an expected row. */
static const char *expected_col(const rs_schema_row *r, int c)
{
    return c == 0 ? r->type : c == 1 ? r->name : c == 2 ? r->tbl_name : r->sql;
}

/* Frees rows built by built_rows (NULL accepted). */
static void free_rows(rs_schema_row *rows)
{
    for (rs_schema_row *r = rows; r && r->type; r++) {
        free((char *)r->type);
        free((char *)r->name);
        free((char *)r->tbl_name);
        free((char *)r->sql);
    }
    free(rows);
}

/* Version's expected rows built with the SQLite in use: migrations
 * 1..version applied to an in-memory database.  0 and *out (ended by a
 * row of NULLs; free with free_rows), or an RS_E code with the error in
 * ctx. */
static int built_rows(rs_ctx *ctx, int version, rs_schema_row **out)
{
    rs_err *e = rs_ctx_err(ctx);
    sqlite3 *ref = NULL;
    sqlite3_stmt *a = NULL;
    rs_schema_row *rows = NULL;
    size_t n = 0, cap = 0;
    int rc = 0, s = SQLITE_ERROR;
    *out = NULL;
    if (sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rc = rs_err_set(e, RS_ENOMEM, "out of memory checking workspace %s",
                        rs_ctx_store_path(ctx));
        goto done;
    }
    for (int i = 0; i < version; i++)
        if (sqlite3_exec(ref, rs_schema_migrations[i], NULL, NULL, NULL) != SQLITE_OK)
            goto fail;
    if (sqlite3_prepare_v2(ref, schema_sql, -1, &a, NULL) != SQLITE_OK)
        goto fail;
    for (;;) {
        if (n + 1 >= cap) {
            rs_schema_row *nr = realloc(rows, (cap = cap * 2 + 64) * sizeof *nr);
            if (nr == NULL) {
                rc = rs_err_set(e, RS_ENOMEM, "out of memory");
                goto done;
            }
            rows = nr;
        }
        rows[n] = (rs_schema_row){NULL, NULL, NULL, NULL};
        if ((s = sqlite3_step(a)) != SQLITE_ROW)
            break;
        char *c[4];
        for (int k = 0; k < 4; k++)
            c[k] = strdup(rs_store_text(a, k));
        if (!c[0] || !c[1] || !c[2] || !c[3]) {
            for (int k = 0; k < 4; k++)
                free(c[k]);
            rc = rs_err_set(e, RS_ENOMEM, "out of memory");
            goto done;
        }
        rows[n++] = (rs_schema_row){c[0], c[1], c[2], c[3]};
    }
    if (s == SQLITE_DONE)
        goto done;
fail:
    rc = rs_err_set(e, RS_ERR, "building the expected schema: %s", sqlite3_errmsg(ref));
done:
    sqlite3_finalize(a);
    sqlite3_close_v2(ref);
    if (rc != 0)
        free_rows(rows);
    else
        *out = rows;
    return rc;
}

int rs_store_check_schema(rs_ctx *ctx, int version)
{
    rs_err *e = rs_ctx_err(ctx);
    sqlite3_stmt *b = NULL;
    rs_schema_row *built = NULL;
    const char *path = rs_ctx_store_path(ctx);
    int rc = 0;
    if (version <= 0 || version > N_MIGRATIONS)
        return 0; /* empty (checked by the migration) or newer (refused there) */
    const rs_schema_row *a = rs_schema_expected[version - 1];
    if (sqlite3_libversion_number() != RS_SCHEMA_EXPECTED_SQLITE) {
        if ((rc = built_rows(ctx, version, &built)) != 0)
            return rc;
        a = built;
    }
    if (sqlite3_prepare_v2(rs_ctx_db(ctx), schema_sql, -1, &b, NULL) != SQLITE_OK) {
        rc = rs_store_fail(ctx, "read the workspace's schema");
        goto done;
    }
    for (;; a += a->type != NULL) {
        int sa = a->type != NULL ? SQLITE_ROW : SQLITE_DONE, sb = sqlite3_step(b);
        if (sb != SQLITE_ROW && sb != SQLITE_DONE) {
            rc = rs_store_fail(ctx, "read the workspace's schema");
            goto done;
        }
        if (sa == SQLITE_DONE && sb == SQLITE_DONE)
            break;
        int same = sa == SQLITE_ROW && sb == SQLITE_ROW;
        for (int c = 0; same && c < 4; c++)
            same = strcmp(expected_col(a, c), rs_store_text(b, c)) == 0;
        if (same)
            continue;
        /* Both lists are sorted by (type, name): the smaller of the two
         * rows is the odd one (an object too many, or one missing), equal
         * keys an object that differs. */
        int cmp = sa != SQLITE_ROW ? 1 : sb != SQLITE_ROW ? -1 : 0;
        if (cmp == 0 && (cmp = strcmp(a->type, rs_store_text(b, 0))) == 0)
            cmp = strcmp(a->name, rs_store_text(b, 1));
        const char *odd_type = cmp > 0 ? rs_store_text(b, 0) : a->type;
        const char *odd_name = cmp > 0 ? rs_store_text(b, 1) : a->name;
        char name[80];
        size_t k = 0; /* a schema name, not a record: shown, controls replaced */
        for (const char *p = odd_name; *p && k + 1 < sizeof name; p++)
            name[k++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
        name[k] = '\0';
        rc = rs_err_set(e, RS_EINPUT,
                        "workspace %s does not have roadsafe's schema (version %d): %s %s '%s'%s; "
                        "refusing to open it, nothing was run or written",
                        path, version, cmp > 0 ? "it has a" : cmp < 0 ? "it lacks the" : "its",
                        odd_type, name,
                        cmp > 0 ? ", which roadsafe does not define"
                                : cmp < 0 ? "" : " differs from roadsafe's");
        goto done;
    }
done:
    sqlite3_finalize(b);
    free_rows(built);
    return rc;
}
