/*
 * table.h — table writers: one in-memory table of text cells, written as
 * CSV (RFC 4180, stable snake_case headers), Markdown (pipe table, numbers
 * right-aligned) or HTML (a <table> with caption and header scopes).
 *
 * Cells are text already formatted by the analysis (fixed decimals), so
 * the same table gives byte-identical files every time.  Workload: report
 * tables of up to a few thousand rows.
 */
#ifndef RS_TABLE_H
#define RS_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "fmt.h"

typedef enum { RS_FMT_CSV = 0, RS_FMT_MD = 1, RS_FMT_HTML = 2 } rs_format;

/* "csv" | "md" | "html" -> 0 and *out; -1 otherwise. */
int rs_format_parse(const char *s, rs_format *out);
const char *rs_format_ext(rs_format f); /* "csv", "md", "html" */

typedef struct rs_table rs_table;

/* A table with ncols columns named cols (copied); caption may be NULL.
 * NULL on out of memory. */
rs_table *rs_table_new(const char *caption, size_t ncols, const char *const *cols);
void rs_table_free(rs_table *t);
/* Appends a row of ncols cells (copied; NULL is an empty cell). 0 or -1. */
int rs_table_add(rs_table *t, const char *const *cells);
/* Appends a row from a printf-style list of cells separated by '\x1f'. */
int rs_table_addf(rs_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t rs_table_rows(const rs_table *t);
const char *rs_table_cell(const rs_table *t, size_t row, size_t col);

/* Writes the table; 0 or -1 on a write error (errno set). */
int rs_table_write(const rs_table *t, rs_format fmt, FILE *f);

/* Text escaped for HTML (& < > " '). */
void rs_html_put(FILE *f, const char *s);

#endif
