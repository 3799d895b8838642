/*
 * report.c — the quarterly board pack (see report.h): the driver.  It
 * checks the quarter, chooses the districts, makes the private image
 * directory, writes the document around the sections (title block,
 * workspace facts, contents, inline print and screen CSS), calls each
 * section in turn and puts the file in place (base/atomic.h).
 *
 * Data structure: an rs_rep (report_int.h) built here and handed to each
 * section writer in turn; the HTML streams straight into the temporary
 * file, so memory holds one image at a time.  The helpers the sections
 * and this file write with are report_doc.c.
 */
#include "report.h"

#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "atomic.h"
#include "ksi.h"
#include "periods.h"
#include "report_int.h"
#include "store.h"

/* ---- the private image directory ------------------------------------------- */

/* Empties and removes the private image directory (its files are ours). */
static void tmpdir_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[PATH_MAX];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static char *tmpdir_make(rs_ctx *ctx)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || *base == '\0')
        base = "/tmp";
    size_t n = strlen(base) + sizeof "/roadsafe-pack-XXXXXX";
    char *p = malloc(n);
    if (p == NULL) {
        rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        return NULL;
    }
    snprintf(p, n, "%s/roadsafe-pack-XXXXXX", base);
    if (mkdtemp(p) == NULL) {
        rs_err_set(rs_ctx_err(ctx), RS_EIO, "cannot make a temporary directory in %s (%s)", base,
                   strerror(errno));
        free(p);
        return NULL;
    }
    return p;
}

/* ---- the quarter and the districts ------------------------------------------ */

int rs_report_quarter_parse(const char *s, int *first_month)
{
    int a, b;
    if (s == NULL || strchr(s, 'Q') == NULL || rs_ksi_period_parse(s, &a, &b) != 0 ||
        b - a != 2 || a % 3 != 0)
        return -1;
    *first_month = a;
    return 0;
}

static int select_districts(rs_rep *r)
{
    rs_ctx *ctx = r->ctx;
    int rc = rs_store_districts_read(ctx, &r->d);
    if (rc != 0)
        return rc;
    r->nd = r->d ? rs_districts_count(r->d) : 0;
    r->sel = calloc(r->nd ? r->nd : 1, 1);
    if (r->sel == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    const rs_report_opts *o = r->o;
    int all = o->districts == NULL || o->ndistricts == 0;
    for (size_t k = 0; !all && k < o->ndistricts; k++)
        if (o->districts[k] && strcasecmp(o->districts[k], "all") == 0)
            all = 1;
    if (all) {
        memset(r->sel, 1, r->nd);
        r->nsel = r->nd;
        r->all = 1;
        return RS_OK;
    }
    if (r->nd == 0)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOTFOUND,
                          "no districts loaded, so none can be chosen (roadsafe districts load "
                          "...)");
    for (size_t k = 0; k < o->ndistricts; k++) {
        const char *want = o->districts[k];
        size_t found = r->nd;
        for (size_t i = 0; want && i < r->nd; i++)
            if (strcasecmp(rs_districts_name(r->d, i), want) == 0 ||
                (rs_districts_code(r->d, i)[0] && strcasecmp(rs_districts_code(r->d, i), want) == 0))
                found = i;
        if (found == r->nd) {
            size_t len = 0;
            for (size_t i = 0; i < r->nd; i++)
                len += strlen(rs_districts_name(r->d, i)) + 2;
            char *names = malloc(len + 1);
            if (names == NULL)
                return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
            names[0] = '\0';
            for (size_t i = 0; i < r->nd; i++) {
                if (i)
                    strcat(names, ", ");
                strcat(names, rs_districts_name(r->d, i));
            }
            rc = rs_err_set(rs_ctx_err(ctx), RS_ENOTFOUND, "no district '%s'; the workspace has: %s",
                            want ? want : "", names);
            free(names);
            return rc;
        }
        if (!r->sel[found]) {
            r->sel[found] = 1;
            r->nsel++;
        }
    }
    r->all = r->nsel == r->nd;
    return RS_OK;
}

/* ---- the document ------------------------------------------------------------ */

static const char css[] =
    "html { color: #1a1a1a; background: #fff; }\n"
    "body { font-family: \"DejaVu Sans\", \"Helvetica Neue\", Arial, sans-serif; "
    "font-size: 15px; line-height: 1.45; margin: 0 auto; max-width: 62em; padding: 1.5em; }\n"
    "h1 { font-size: 1.9em; margin: 0 0 0.2em; }\n"
    "h2 { font-size: 1.4em; border-bottom: 2px solid #1a1a1a; padding-bottom: 0.15em; "
    "margin: 1.8em 0 0.6em; }\n"
    "h3 { font-size: 1.1em; margin: 1.4em 0 0.4em; }\n"
    ".sub { font-size: 1.1em; margin: 0 0 1em; }\n"
    ".note { font-size: 0.9em; color: #333; }\n"
    ".unavailable { border-left: 4px solid #555; padding: 0.4em 0.8em; background: #f2f2f2; }\n"
    "dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.15em 1.2em; "
    "margin: 0 0 1em; }\n"
    "dl.facts dt { font-weight: bold; }\n"
    "dl.facts dd { margin: 0; }\n"
    "nav ol { margin: 0.3em 0 1em; padding-left: 1.6em; columns: 2; }\n"
    "a { color: #0b4a80; }\n"
    "table { border-collapse: collapse; margin: 0.5em 0 1.2em; font-size: 0.88em; }\n"
    "caption { text-align: left; font-weight: bold; padding-bottom: 0.4em; }\n"
    "th, td { border-bottom: 1px solid #bbb; padding: 0.25em 0.55em; vertical-align: top; }\n"
    "thead th { border-bottom: 2px solid #1a1a1a; text-align: left; background: #ececec; }\n"
    "tbody th { text-align: left; font-weight: normal; }\n"
    "td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }\n"
    ".coverage td { text-align: right; }\n"
    ".coverage td:not(.num) { font-weight: bold; background: #e4e4e4; }\n"
    "figure { margin: 0.8em 0 1.2em; }\n"
    "figcaption { font-size: 0.9em; color: #333; margin-top: 0.3em; }\n"
    "img { max-width: 100%; height: auto; display: block; border: 1px solid #ccc; }\n"
    "tr { break-inside: avoid; page-break-inside: avoid; }\n"
    "figure, img { break-inside: avoid; page-break-inside: avoid; }\n"
    "thead { display: table-header-group; }\n"
    "h2, h3, caption { break-after: avoid; page-break-after: avoid; }\n"
    "@page { size: A4; margin: 16mm 14mm 18mm 14mm; }\n"
    /* a closing note stays with what it closes: never a page of one footnote */
    "p.note, div + p, table + p { break-before: avoid; page-break-before: avoid; }\n"
    "p { orphans: 3; widows: 3; }\n"
    "@media print {\n"
    "  body { font-size: 10pt; max-width: none; padding: 0; }\n"
    "  section { break-before: page; page-break-before: always; }\n"
    "  h2 { margin-top: 0; }\n"
    "  a { color: inherit; text-decoration: none; }\n"
    "  .unavailable { background: none; }\n"
    "}\n";

static const struct {
    const char *id, *title;
} toc[] = {
    {"headline", "KSI headline"},
    {"trend", "KSI trend"},
    {"districts", "Districts"},
    {"heatmap", "Weekend speeding heat map"},
    {"reoffending", "Reoffending: TRUCAM against GATSO"},
    {"plan", "Weekend plan for the coming quarter"},
    {"quality", "Data quality"},
};

/* One row of the facts table: count, first and last UK-local day. */
static int fact_row(rs_rep *r, rs_table *t, const char *label, const char *sql)
{
    sqlite3_stmt *st = rs_rep_prepare(r, sql);
    if (st == NULL)
        return rs_ctx_err(r->ctx)->code;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        char n[32], a[40] = "", b[40] = "";
        rs_rep_count(sqlite3_column_int64(st, 0), n, sizeof n);
        if (sqlite3_column_int64(st, 0) > 0 && sqlite3_column_type(st, 1) != SQLITE_NULL) {
            rs_rep_day_words(sqlite3_column_int64(st, 1), a, sizeof a);
            rs_rep_day_words(sqlite3_column_int64(st, 2), b, sizeof b);
        }
        const char *cells[] = {label, n, a, b};
        if (rs_table_add(t, cells) != 0) {
            sqlite3_finalize(st);
            return rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
        }
        s = SQLITE_DONE;
    }
    return rs_rep_finish(r, st, s, "read workspace facts");
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The workspace as the board reads it: an SQLite file by its name, a
 * PostgreSQL workspace by its database (the URL's host part, a socket
 * folder or a server name, says nothing to the board). */
static void workspace_name(const char *path, char *buf, size_t size)
{
    if (!rs_store_is_pg_url(path)) {
        snprintf(buf, size, "%s", base_name(path));
        return;
    }
    const char *p = strstr(path, "://") + 3;
    const char *db = p + strcspn(p, "/?");
    db += *db == '/';
    int n = (int)strcspn(db, "?");
    if (*db == '?' || n == 0)
        snprintf(buf, size, "PostgreSQL workspace");
    else
        snprintf(buf, size, "PostgreSQL database %.*s", n, db);
}

static int title_block(rs_rep *r)
{
    FILE *f = r->f;
    int rc;
    fputs("<header>\n<h1>", f);
    rs_rep_printf(r, "Road safety partnership board pack: %s", r->qlabel);
    fputs("</h1>\n", f);
    rs_rep_para(r, "sub", "Quarter %s (%s, %s quarter). %s.", r->qlabel, r->qwords,
                r->o->financial ? "financial" : "calendar",
                r->nd == 0 ? "No districts are loaded: county figures only"
                : r->all   ? "All districts"
                           : "Selected districts only");

    /* facts */
    char q_end[40], v[64];
    rs_rep_day_words(r->t1 - 1, q_end, sizeof q_end);
    fputs("<dl class=\"facts\">\n", f);
    fputs("<dt>Districts</dt><dd>", f);
    if (r->nd == 0) {
        fputs("none loaded", f);
    } else {
        int first = 1;
        for (size_t i = 0; i < r->nd; i++) {
            if (!r->sel[i])
                continue;
            if (!first)
                fputs(", ", f);
            rs_html_put(f, rs_districts_name(r->d, i));
            first = 0;
        }
        rs_rep_printf(r, " (%zu of %zu)", r->nsel, r->nd);
    }
    fputs("</dd>\n<dt>Data used</dt><dd>", f);
    rs_rep_printf(r, "up to the end of %s only", q_end);
    fputs("</dd>\n<dt>Workspace</dt><dd>", f);
    char ws[256];
    workspace_name(rs_ctx_store_path(r->ctx), ws, sizeof ws);
    rs_rep_printf(r, "%s (schema version %d)", ws, rs_store_schema_version(r->ctx));
    fputs("</dd>\n", f);
    char src[1024] = "";
    if (r->nd > 0 && rs_store_meta_get(r->ctx, "districts_source", src, sizeof src) == 0) {
        fputs("<dt>Boundaries</dt><dd>", f);
        rs_rep_printf(r, "%zu districts from %s", r->nd, base_name(src));
        fputs("</dd>\n", f);
    }
    int64_t files = 0, rejects = 0;
    if ((rc = rs_store_query_int(r->ctx, "SELECT count(*) FROM ingest_file", &files)) != 0 ||
        /* every reject counted, kept or not (ingest --max-rejects) */
        (rc = rs_store_query_int(r->ctx, "SELECT coalesce(sum(rows_rejected), 0) FROM ingest_file",
                                 &rejects)) != 0)
        return rc;
    char nf[32], nr[32];
    rs_rep_count(files, nf, sizeof nf);
    rs_rep_count(rejects, nr, sizeof nr);
    fputs("<dt>Files loaded</dt><dd>", f);
    rs_rep_printf(r, "%s (rows rejected: %s)", nf, nr);
    fputs("</dd>\n", f);
    if (r->o->generator && *r->o->generator) {
        snprintf(v, sizeof v, "%s", r->o->generator);
        fputs("<dt>Made with</dt><dd>", f);
        rs_html_put(f, v);
        fputs("</dd>\n", f);
    }
    fputs("</dl>\n", f);

    const char *cols[] = {"source", "records in the workspace", "first (UK date)",
                          "last (UK date)"};
    rs_table *t = rs_table_new("What the workspace holds (all records loaded, whatever their "
                               "date)",
                               4, cols);
    if (t == NULL)
        return rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
    if ((rc = fact_row(r, t, "telematics: connected vehicles",
                       "SELECT coalesce(sum(n),0), min(t_min), max(t_max) FROM ping_chunk "
                       "WHERE source='traffic'")) != 0 ||
        (rc = fact_row(r, t, "telematics: patrol fleet",
                       "SELECT coalesce(sum(n),0), min(t_min), max(t_max) FROM ping_chunk "
                       "WHERE source='fleet'")) != 0 ||
        (rc = fact_row(r, t, "speed detections",
                       "SELECT count(*), min(t), max(t) FROM detection")) != 0 ||
        (rc = fact_row(r, t, "STATS19 collisions",
                       "SELECT count(*), min(t), max(t) FROM collision")) != 0 ||
        (rc = fact_row(r, t, "STATS19 casualties",
                       "SELECT count(*), min(c.t), max(c.t) FROM casualty k JOIN collision c "
                       "USING(collision_index)")) != 0 ||
        (rc = fact_row(r, t, "community concerns",
                       "SELECT count(*), min(t), max(t) FROM concern")) != 0) {
        rs_table_free(t);
        return rc;
    }
    if ((rc = rs_rep_table(r, t)) != 0)
        return rc;

    fputs("<nav aria-label=\"Contents\">\n<ol>\n", f);
    for (size_t i = 0; i < sizeof toc / sizeof toc[0]; i++) {
        fprintf(f, "<li><a href=\"#%s\">", toc[i].id);
        rs_html_put(f, toc[i].title);
        fputs("</a></li>\n", f);
    }
    if (r->has_target)
        fputs("<li><a href=\"#target\">KSI target</a></li>\n", f);
    fputs("</ol>\n</nav>\n</header>\n", f);
    return RS_OK;
}

static int write_document(rs_rep *r)
{
    FILE *f = r->f;
    int rc;
    fputs("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"color-scheme\" content=\"light\">\n<title>",
          f);
    rs_rep_printf(r, "Road safety partnership board pack: %s", r->qlabel);
    fputs("</title>\n<style>\n", f);
    fputs(css, f);
    /* the print footer: the pack and quarter on the left, the page on the
     * right, in the bottom margin (CSS page-margin boxes; they take the
     * place of the browser's own header and footer of date and file) */
    fprintf(f,
            "@page {\n"
            "  @bottom-left { content: \"Road safety partnership board pack, %s\"; "
            "font: 8pt \"DejaVu Sans\", Arial, sans-serif; color: #444; }\n"
            "  @bottom-right { content: \"Page \" counter(page) \" of \" counter(pages); "
            "font: 8pt \"DejaVu Sans\", Arial, sans-serif; color: #444; }\n"
            "  @top-left { content: none; }\n  @top-center { content: none; }\n"
            "  @top-right { content: none; }\n  @bottom-center { content: none; }\n"
            "}\n",
            r->qlabel);
    fputs("</style>\n</head>\n<body>\n", f);
    if ((rc = title_block(r)) != 0)
        return rc;
    fputs("<main>\n", f);
    if ((rc = rs_rep_ksi(r)) != 0 || (rc = rs_rep_heat(r)) != 0 ||
        (rc = rs_rep_reoffend(r)) != 0 || (rc = rs_rep_plan(r)) != 0 ||
        (rc = rs_rep_quality(r)) != 0 || (rc = rs_rep_target(r)) != 0)
        return rc;
    fputs("</main>\n</body>\n</html>\n", f);
    return ferror(f) ? rs_err_set(rs_ctx_err(r->ctx), RS_EIO, "cannot write the pack") : RS_OK;
}

int rs_report_write(rs_ctx *ctx, const rs_report_opts *opts, const char *path)
{
    if (opts == NULL || path == NULL || *path == '\0')
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "board pack: no options or no file");
    if (opts->first_month % 3 != 0 || opts->first_month < 1900 * 12 ||
        opts->first_month > 2200 * 12)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE,
                          "board pack: the quarter must start in January, April, July or "
                          "October of a year 1900-2200");
    rs_rep r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.o = opts;
    r.q_first = opts->first_month;
    r.t0 = rs_month_start_utc(r.q_first);
    r.t1 = rs_month_start_utc(r.q_first + 3);
    int fin = opts->financial;
    int period = rs_period_of(RS_PERIOD_QUARTER, fin, r.q_first);
    rs_period_label(RS_PERIOD_QUARTER, fin, period, r.qlabel, sizeof r.qlabel);
    rs_period_label(RS_PERIOD_QUARTER, fin, rs_period_of(RS_PERIOD_QUARTER, fin, r.q_first - 12),
                    r.qprev, sizeof r.qprev);
    rs_period_words(RS_PERIOD_QUARTER, fin, period, r.qwords, sizeof r.qwords);

    int rc;
    rs_atomic out;
    memset(&out, 0, sizeof out);
    if ((rc = select_districts(&r)) != 0 ||
        (rc = rs_target_load(ctx, &r.target, &r.has_target)) != 0)
        goto done;
    if ((r.tmpdir = tmpdir_make(ctx)) == NULL) {
        rc = rs_ctx_err(ctx)->code;
        goto done;
    }
    rs_atomic_track_dir(r.tmpdir, 1); /* removed on SIGINT, SIGTERM, SIGHUP too */
    /* the pack is a file: "-" names one here, not standard output */
    if ((rc = rs_atomic_open(rs_ctx_err(ctx), &out, strcmp(path, "-") == 0 ? "./-" : path)) != 0)
        goto done;
    r.f = out.f;
    rc = write_document(&r);
    if (rs_atomic_close(rs_ctx_err(ctx), &out, rc == RS_OK) != 0 && rc == RS_OK)
        rc = rs_ctx_err(ctx)->code;
done:
    rs_atomic_close(rs_ctx_err(ctx), &out, 0); /* after a failure: no file */
    if (r.tmpdir) {
        tmpdir_remove(r.tmpdir);
        rs_atomic_track_dir(NULL, 0);
        free(r.tmpdir);
    }
    free(r.sel);
    rs_districts_free(r.d);
    return rc;
}
