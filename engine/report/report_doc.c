/*
 * report_doc.c — the document helpers every section of the board pack
 * writes with (report_int.h): escaped text and paragraphs, sections,
 * tables, figures embedded as base64 data: URIs from the private image
 * directory, the day in words, and SQL on the workspace.
 *
 * Sections (report_*.c) and the driver (report.c) call this file; it calls
 * neither, so the arrows inside the room point one way.
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "fmt.h"
#include "periods.h"
#include "report_int.h"
#include "store.h"
#include "timeutil.h"

/* ---- text ------------------------------------------------------------------ */

void rs_rep_day_words(int64_t t, char *buf, size_t size)
{
    rs_tm tm;
    rs_time_london(t, &tm);
    snprintf(buf, size, "%d %s %d", tm.day, rs_month_name(tm.month), tm.year);
}

void rs_rep_count(long long v, char *buf, size_t size)
{
    rs_fmt_grouped(buf, size, (double)v, 0, 4);
}

int rs_rep_loaded(rs_rep *r, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT EXISTS (SELECT 1 FROM %s)", table);
    sqlite3_stmt *st = rs_rep_prepare(r, sql);
    if (st == NULL)
        return rs_ctx_err(r->ctx)->code ? rs_ctx_err(r->ctx)->code : RS_ERR;
    int s = sqlite3_step(st);
    int v = s == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
    int rc = rs_rep_finish(r, st, s == SQLITE_ROW ? SQLITE_DONE : s, "what the workspace holds");
    return rc != 0 ? rc : v;
}

void rs_rep_printf(rs_rep *r, const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (len < 0)
        return;
    if ((size_t)len < sizeof small) {
        rs_html_put(r->f, small);
        return;
    }
    char *big = malloc((size_t)len + 1);
    if (big == NULL) {
        rs_html_put(r->f, small); /* cut rather than lose the text */
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)len + 1, fmt, ap);
    va_end(ap);
    rs_html_put(r->f, big);
    free(big);
}

void rs_rep_para(rs_rep *r, const char *cls, const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len >= 0 && (text = malloc((size_t)len + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(text, (size_t)len + 1, fmt, ap);
        va_end(ap);
    }
    if (cls)
        fprintf(r->f, "<p class=\"%s\">", cls);
    else
        fputs("<p>", r->f);
    rs_html_put(r->f, text ? text : "");
    fputs("</p>\n", r->f);
    free(text);
}

void rs_rep_section_open(rs_rep *r, const char *id, const char *title)
{
    fprintf(r->f, "<section id=\"%s\" aria-labelledby=\"%s-h\">\n<h2 id=\"%s-h\">", id, id, id);
    rs_html_put(r->f, title);
    fputs("</h2>\n", r->f);
}

void rs_rep_section_close(rs_rep *r)
{
    fputs("</section>\n", r->f);
}

int rs_rep_table(rs_rep *r, rs_table *t)
{
    if (t == NULL)
        return rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory (report table)");
    int rc = rs_table_write(t, RS_FMT_HTML, r->f);
    rs_table_free(t);
    return rc == 0 ? RS_OK : rs_err_set(rs_ctx_err(r->ctx), RS_EIO, "cannot write the pack");
}

sqlite3_stmt *rs_rep_prepare(rs_rep *r, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(rs_ctx_db(r->ctx), sql, -1, &st, NULL) != SQLITE_OK) {
        rs_store_fail(r->ctx, "board pack query");
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

int rs_rep_finish(rs_rep *r, sqlite3_stmt *st, int last_step, const char *what)
{
    int rc = last_step == SQLITE_DONE ? RS_OK : rs_store_fail(r->ctx, what);
    sqlite3_finalize(st);
    return rc;
}

/* ---- base64 and images ------------------------------------------------------ */

size_t rs_base64_encode(const unsigned char *in, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t k = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[k++] = a[v >> 18 & 63];
        out[k++] = a[v >> 12 & 63];
        out[k++] = a[v >> 6 & 63];
        out[k++] = a[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0u);
        out[k++] = a[v >> 18 & 63];
        out[k++] = a[v >> 12 & 63];
        out[k++] = i + 1 < n ? a[v >> 6 & 63] : '=';
        out[k++] = '=';
    }
    out[k] = '\0';
    return k;
}

void rs_rep_img_path(rs_rep *r, char *buf, size_t size)
{
    snprintf(buf, size, "%s/img%d.png", r->tmpdir, ++r->nimg);
}

static int read_file(const char *path, unsigned char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    *data = NULL;
    *len = 0;
    if (f == NULL)
        return -1;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        unsigned char *nb = realloc(buf, cap * 2);
        if (nb == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int bad = buf == NULL || ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

int rs_rep_embed_png(rs_rep *r, const char *path, const char *alt, const char *caption)
{
    unsigned char *png = NULL;
    size_t n = 0;
    char *b64 = NULL;
    int rc = RS_OK;
    rs_atomic_test_point("pack-image"); /* the image is in the pack's folder */
    if (read_file(path, &png, &n) != 0 || n < 24 || memcmp(png, "\x89PNG\r\n\x1a\n", 8) != 0) {
        rc = rs_err_set(rs_ctx_err(r->ctx), RS_EIO, "%s: cannot read the drawn image", path);
        goto done;
    }
    if ((b64 = malloc(4 * ((n + 2) / 3) + 1)) == NULL) {
        rc = rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory (image)");
        goto done;
    }
    rs_base64_encode(png, n, b64);
    /* IHDR: width and height, big-endian, at bytes 16 and 20 */
    unsigned long w = (unsigned long)png[16] << 24 | (unsigned long)png[17] << 16 |
                      (unsigned long)png[18] << 8 | png[19];
    unsigned long h = (unsigned long)png[20] << 24 | (unsigned long)png[21] << 16 |
                      (unsigned long)png[22] << 8 | png[23];
    fputs("<figure>\n<img src=\"data:image/png;base64,", r->f);
    fputs(b64, r->f);
    fprintf(r->f, "\" width=\"%lu\" height=\"%lu\" alt=\"", w, h);
    rs_html_put(r->f, alt);
    fputs("\">\n<figcaption>", r->f);
    rs_html_put(r->f, caption);
    fputs("</figcaption>\n</figure>\n", r->f);
done:
    unlink(path);
    free(png);
    free(b64);
    return rc;
}
