/*
 * table.c — table writers (see table.h).  A table is a flat array of
 * strdup'ed cells, row-major.
 */
#include "table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct rs_table {
    char *caption;
    size_t ncols;
    char **cols;
    char **cells; /* rows * ncols */
    size_t rows, cap;
};

int rs_format_parse(const char *s, rs_format *out)
{
    if (s == NULL)
        return -1;
    if (strcmp(s, "csv") == 0)
        *out = RS_FMT_CSV;
    else if (strcmp(s, "md") == 0 || strcmp(s, "markdown") == 0)
        *out = RS_FMT_MD;
    else if (strcmp(s, "html") == 0)
        *out = RS_FMT_HTML;
    else
        return -1;
    return 0;
}

const char *rs_format_ext(rs_format f)
{
    return f == RS_FMT_CSV ? "csv" : f == RS_FMT_MD ? "md" : "html";
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

rs_table *rs_table_new(const char *caption, size_t ncols, const char *const *cols)
{
    rs_table *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->ncols = ncols;
    t->caption = caption ? strdup(caption) : NULL;
    t->cols = calloc(ncols ? ncols : 1, sizeof *t->cols);
    if (t->cols == NULL || (caption && t->caption == NULL)) {
        rs_table_free(t);
        return NULL;
    }
    for (size_t i = 0; i < ncols; i++)
        if ((t->cols[i] = dup_or_empty(cols[i])) == NULL) {
            rs_table_free(t);
            return NULL;
        }
    return t;
}

void rs_table_free(rs_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->rows * t->ncols; i++)
        free(t->cells[i]);
    for (size_t i = 0; t->cols && i < t->ncols; i++)
        free(t->cols[i]);
    free(t->cells);
    free(t->cols);
    free(t->caption);
    free(t);
}

int rs_table_add(rs_table *t, const char *const *cells)
{
    if (t->rows == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        char **n = realloc(t->cells, nc * t->ncols * sizeof *n);
        if (n == NULL)
            return -1;
        t->cells = n;
        t->cap = nc;
    }
    char **row = t->cells + t->rows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        row[i] = dup_or_empty(cells[i]);
        if (row[i] == NULL) {
            for (size_t j = 0; j < i; j++)
                free(row[j]);
            return -1;
        }
    }
    t->rows++;
    return 0;
}

int rs_table_addf(rs_table *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return -1;
    char *buf = malloc((size_t)len + 1);
    if (buf == NULL)
        return -1;
    va_start(ap, fmt);
    vsnprintf(buf, (size_t)len + 1, fmt, ap);
    va_end(ap);
    const char **cells = calloc(t->ncols ? t->ncols : 1, sizeof *cells);
    if (cells == NULL) {
        free(buf);
        return -1;
    }
    char *p = buf;
    for (size_t i = 0; i < t->ncols; i++) {
        cells[i] = p;
        char *sep = p ? strchr(p, '\x1f') : NULL;
        if (sep) {
            *sep = '\0';
            p = sep + 1;
        } else {
            p = NULL;
        }
    }
    int rc = rs_table_add(t, cells);
    free(cells);
    free(buf);
    return rc;
}

size_t rs_table_rows(const rs_table *t) { return t->rows; }

const char *rs_table_cell(const rs_table *t, size_t row, size_t col)
{
    if (row >= t->rows || col >= t->ncols)
        return NULL;
    return t->cells[row * t->ncols + col];
}

void rs_html_put(FILE *f, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        int n = rs_ctrl_len(p);
        if (n) {
            p += n - 1;
            continue;
        }
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*p, f);
        }
    }
}

/* One alignment rule for every table, in Markdown and HTML alike: the
 * first column is the row label (period, district, device), left-aligned
 * whatever it holds, so "2020" and "2020Q1" line up the same way with and
 * without a split; every other column is right-aligned when each of its
 * non-empty cells reads as a number (optionally signed, with '.', ',' or
 * '%'), else left-aligned. */
static int looks_numeric(const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    if (*s == '-' || *s == '+')
        s++;
    int digits = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (*s != '.' && *s != '%' && *s != ',')
            return 0;
    }
    return digits > 0;
}

static int column_numeric(const rs_table *t, size_t c)
{
    if (c == 0)
        return 0; /* the row label */
    int any = 0;
    for (size_t r = 0; r < t->rows; r++) {
        const char *s = t->cells[r * t->ncols + c];
        if (*s == '\0')
            continue;
        if (!looks_numeric(s))
            return 0;
        any = 1;
    }
    return any;
}

/* A Markdown cell or caption: | and [ escaped, < and > as entities (no
 * raw HTML, no links), LF, CR and tab as spaces, controls dropped. */
static void md_put(FILE *f, const char *s)
{
    for (const char *p = s; p && *p;) {
        int n = rs_ctrl_len(p);
        if (n) {
            p += n;
            continue;
        }
        if (*p == '|' || *p == '[')
            fputc('\\', f);
        if (*p == '<')
            fputs("&lt;", f);
        else if (*p == '>')
            fputs("&gt;", f);
        else
            fputc(*p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p, f);
        p++;
    }
}

int rs_table_write(const rs_table *t, rs_format fmt, FILE *f)
{
    if (fmt == RS_FMT_CSV) {
        for (size_t c = 0; c < t->ncols; c++) {
            if (c)
                fputc(',', f);
            rs_csv_put(f, t->cols[c]);
        }
        fputc('\n', f);
        for (size_t r = 0; r < t->rows; r++) {
            for (size_t c = 0; c < t->ncols; c++) {
                if (c)
                    fputc(',', f);
                rs_csv_put(f, t->cells[r * t->ncols + c]);
            }
            fputc('\n', f);
        }
    } else if (fmt == RS_FMT_MD) {
        if (t->caption) {
            fputs("**", f);
            md_put(f, t->caption);
            fputs("**\n\n", f);
        }
        fputc('|', f);
        for (size_t c = 0; c < t->ncols; c++) {
            fputc(' ', f);
            md_put(f, t->cols[c]);
            fputs(" |", f);
        }
        fputs("\n|", f);
        for (size_t c = 0; c < t->ncols; c++)
            fputs(column_numeric(t, c) ? "---:|" : "---|", f);
        fputc('\n', f);
        for (size_t r = 0; r < t->rows; r++) {
            fputc('|', f);
            for (size_t c = 0; c < t->ncols; c++) {
                fputc(' ', f);
                md_put(f, t->cells[r * t->ncols + c]);
                fputs(" |", f);
            }
            fputc('\n', f);
        }
    } else {
        fputs("<table>\n", f);
        if (t->caption) {
            fputs("<caption>", f);
            rs_html_put(f, t->caption);
            fputs("</caption>\n", f);
        }
        fputs("<thead><tr>", f);
        for (size_t c = 0; c < t->ncols; c++) {
            fputs("<th scope=\"col\">", f);
            rs_html_put(f, t->cols[c]);
            fputs("</th>", f);
        }
        fputs("</tr></thead>\n<tbody>\n", f);
        unsigned char *num = calloc(t->ncols ? t->ncols : 1, 1);
        if (num == NULL)
            return -1;
        for (size_t c = 0; c < t->ncols; c++)
            num[c] = (unsigned char)column_numeric(t, c);
        for (size_t r = 0; r < t->rows; r++) {
            fputs("<tr>", f);
            for (size_t c = 0; c < t->ncols; c++) {
                const char *s = t->cells[r * t->ncols + c];
                if (c == 0) {
                    fputs("<th scope=\"row\">", f);
                    rs_html_put(f, s);
                    fputs("</th>", f);
                } else {
                    fputs(num[c] ? "<td class=\"num\">" : "<td>", f);
                    rs_html_put(f, s);
                    fputs("</td>", f);
                }
            }
            fputs("</tr>\n", f);
        }
        free(num);
        fputs("</tbody>\n</table>\n", f);
    }
    return ferror(f) ? -1 : 0;
}
