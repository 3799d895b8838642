/*
 * test_table.c — engine/table: the three writers (CSV, Markdown, HTML)
 * checked byte for byte on one table whose cells hold commas, quotes,
 * newlines, pipes and HTML special characters; right-alignment of
 * numeric columns (Markdown, per column) and cells (HTML); empty tables
 * and empty columns; NULL cells; rs_table_addf's '\x1f' splitting; growth
 * past the first allocation; format names; the two field helpers; and
 * write errors reported as -1 with errno.  Report files are diffed by
 * users and by the e2e tests, so exact bytes are the contract here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "table.h"

/* The table written in fmt, as a malloc'ed string (NULL on failure). */
static char *render(const rs_table *t, rs_format fmt, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return NULL;
    *rc = rs_table_write(t, fmt, f);
    fclose(f);
    return buf;
}

typedef void (*putter)(FILE *, const char *);

static char *put_str(putter p, const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return NULL;
    p(f, s);
    fclose(f);
    return buf;
}

static void check_put(putter p, const char *in, const char *want)
{
    char *got = put_str(p, in);
    CHECK_STR(got, want);
    free(got);
}

static void check_render(const rs_table *t, rs_format fmt, const char *want)
{
    int rc = 99;
    char *got = render(t, fmt, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK_STR(got, want);
    free(got);
}

static void test_formats(void)
{
    rs_format f = RS_FMT_HTML;
    CHECK_EQ_INT(rs_format_parse("csv", &f), 0);
    CHECK_EQ_INT(f, RS_FMT_CSV);
    CHECK_EQ_INT(rs_format_parse("md", &f), 0);
    CHECK_EQ_INT(f, RS_FMT_MD);
    f = RS_FMT_CSV;
    CHECK_EQ_INT(rs_format_parse("markdown", &f), 0);
    CHECK_EQ_INT(f, RS_FMT_MD);
    CHECK_EQ_INT(rs_format_parse("html", &f), 0);
    CHECK_EQ_INT(f, RS_FMT_HTML);

    /* refusals leave *out alone */
    f = RS_FMT_MD;
    CHECK_EQ_INT(rs_format_parse("CSV", &f), -1);
    CHECK_EQ_INT(rs_format_parse("htm", &f), -1);
    CHECK_EQ_INT(rs_format_parse("", &f), -1);
    CHECK_EQ_INT(rs_format_parse("csv ", &f), -1);
    CHECK_EQ_INT(rs_format_parse(NULL, &f), -1);
    CHECK_EQ_INT(f, RS_FMT_MD);

    CHECK_STR(rs_format_ext(RS_FMT_CSV), "csv");
    CHECK_STR(rs_format_ext(RS_FMT_MD), "md");
    CHECK_STR(rs_format_ext(RS_FMT_HTML), "html");
}

static void test_field_helpers(void)
{
    check_put(rs_csv_put, "plain text", "plain text");
    check_put(rs_csv_put, "", "");
    check_put(rs_csv_put, NULL, "");
    check_put(rs_csv_put, "a,b", "\"a,b\"");
    check_put(rs_csv_put, "say \"x\"", "\"say \"\"x\"\"\"");
    check_put(rs_csv_put, "\"", "\"\"\"\"");
    check_put(rs_csv_put, "a\nb", "\"a\nb\"");
    check_put(rs_csv_put, "a\rb", "\"a\rb\"");
    check_put(rs_csv_put, "it's; <ok>", "it's; <ok>");
    /* formula triggers in text cells are neutralised (OWASP); numbers not */
    check_put(rs_csv_put, "=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"");
    check_put(rs_csv_put, "+cmd", "'+cmd");
    check_put(rs_csv_put, "-2+3", "'-2+3");
    check_put(rs_csv_put, "@SUM(A1)", "'@SUM(A1)");
    check_put(rs_csv_put, "\tx", "'\tx");
    check_put(rs_csv_put, "\rx", "\"'\rx\"");
    check_put(rs_csv_put, "-3.5", "-3.5");
    check_put(rs_csv_put, "+1.0", "+1.0");
    check_put(rs_csv_put, "-12%", "-12%");
    check_put(rs_csv_put, "-1,234", "\"-1,234\"");
    check_put(rs_csv_put, "-", "-");
    check_put(rs_csv_put, "North\x1b]0;pwned\x07", "North]0;pwned");
    check_put(rs_text_put, "a\x1b[31mb\xc2\x9b" "c\nd", "a[31mbc d");

    check_put(rs_html_put, "plain", "plain");
    check_put(rs_html_put, "a\x1b[2Jb", "a[2Jb");

    /* Markdown cells and captions: no links, no raw HTML, one line */
    static const char *const mc[] = {"district"};
    rs_table *m = rs_table_new("[a](b) <i>", 1, mc);
    static const char *const mr[] = {"[x](y) <b>|\r\n\x1b"};
    CHECK(m != NULL && rs_table_add(m, mr) == 0);
    if (m)
        check_render(m, RS_FMT_MD,
                     "**\\[a](b) &lt;i&gt;**\n\n| district |\n|---|\n| \\[x](y) &lt;b&gt;\\|   |\n");
    rs_table_free(m);
    check_put(rs_html_put, NULL, "");
    check_put(rs_html_put, "<a href=\"x\">&'</a>",
              "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    check_put(rs_html_put, "&amp;", "&amp;amp;");
}

static rs_table *sample(void)
{
    static const char *const cols[] = {"district", "crashes", "rate_%"};
    rs_table *t = rs_table_new("Crashes & rates <2024>", 3, cols);
    CHECK(t != NULL);
    if (t == NULL)
        return NULL;
    static const char *const r0[] = {"North, East", "12", "3.5%"};
    static const char *const r1[] = {"Say \"hi\"", "-4", "n/a"};
    static const char *const r2[] = {"line1\nline2", NULL, "+1.0"};
    static const char *const r3[] = {"a|b", "1,234", "x'y"};
    CHECK_EQ_INT(rs_table_add(t, r0), 0);
    CHECK_EQ_INT(rs_table_add(t, r1), 0);
    CHECK_EQ_INT(rs_table_add(t, r2), 0);
    CHECK_EQ_INT(rs_table_add(t, r3), 0);
    return t;
}

static void test_sample(void)
{
    rs_table *t = sample();
    if (t == NULL)
        return;
    CHECK_EQ_INT(rs_table_rows(t), 4);
    CHECK_STR(rs_table_cell(t, 0, 0), "North, East");
    CHECK_STR(rs_table_cell(t, 2, 1), ""); /* NULL cell stored as "" */
    CHECK_STR(rs_table_cell(t, 3, 2), "x'y");
    CHECK(rs_table_cell(t, 4, 0) == NULL);
    CHECK(rs_table_cell(t, 0, 3) == NULL);

    check_render(t, RS_FMT_CSV,
                 "district,crashes,rate_%\n"
                 "\"North, East\",12,3.5%\n"
                 "\"Say \"\"hi\"\"\",-4,n/a\n"
                 "\"line1\nline2\",,+1.0\n"
                 "a|b,\"1,234\",x'y\n");

    /* crashes is numeric (the empty cell does not count); rate_% is not,
     * because of "n/a".  Pipes escaped, newlines folded to spaces. */
    check_render(t, RS_FMT_MD,
                 "**Crashes & rates &lt;2024&gt;**\n\n"
                 "| district | crashes | rate_% |\n"
                 "|---|---:|---|\n"
                 "| North, East | 12 | 3.5% |\n"
                 "| Say \"hi\" | -4 | n/a |\n"
                 "| line1 line2 |  | +1.0 |\n"
                 "| a\\|b | 1,234 | x'y |\n");

    /* HTML: the first column is a row header; the numeric class goes by
     * column, as Markdown's alignment does (crashes: every cell a number;
     * rate_%: "n/a" and "x'y" make it text). */
    check_render(t, RS_FMT_HTML,
                 "<table>\n"
                 "<caption>Crashes &amp; rates &lt;2024&gt;</caption>\n"
                 "<thead><tr><th scope=\"col\">district</th><th scope=\"col\">crashes</th>"
                 "<th scope=\"col\">rate_%</th></tr></thead>\n"
                 "<tbody>\n"
                 "<tr><th scope=\"row\">North, East</th><td class=\"num\">12</td>"
                 "<td>3.5%</td></tr>\n"
                 "<tr><th scope=\"row\">Say &quot;hi&quot;</th><td class=\"num\">-4</td>"
                 "<td>n/a</td></tr>\n"
                 "<tr><th scope=\"row\">line1\nline2</th><td class=\"num\"></td>"
                 "<td>+1.0</td></tr>\n"
                 "<tr><th scope=\"row\">a|b</th><td class=\"num\">1,234</td>"
                 "<td>x&#39;y</td></tr>\n"
                 "</tbody>\n"
                 "</table>\n");

    /* The same table renders to the same bytes twice. */
    int rc1 = 1, rc2 = 1;
    char *a = render(t, RS_FMT_HTML, &rc1), *b = render(t, RS_FMT_HTML, &rc2);
    CHECK(a != NULL && b != NULL && strcmp(a, b) == 0);
    free(a);
    free(b);
    rs_table_free(t);
}

static void test_empty(void)
{
    static const char *const cols[] = {"a", "b,c"};
    rs_table *t = rs_table_new(NULL, 2, cols);
    CHECK(t != NULL);
    if (t == NULL)
        return;
    CHECK_EQ_INT(rs_table_rows(t), 0);
    CHECK(rs_table_cell(t, 0, 0) == NULL);
    check_render(t, RS_FMT_CSV, "a,\"b,c\"\n");
    check_render(t, RS_FMT_MD, "| a | b,c |\n|---|---|\n");
    check_render(t, RS_FMT_HTML,
                 "<table>\n"
                 "<thead><tr><th scope=\"col\">a</th><th scope=\"col\">b,c</th></tr></thead>\n"
                 "<tbody>\n"
                 "</tbody>\n"
                 "</table>\n");
    rs_table_free(t);

    /* A column of empty cells, and cells of sign or point alone, are not
     * numeric; a NULL column name is an empty header. */
    static const char *const cols2[] = {"k", NULL, "v"};
    t = rs_table_new("", 3, cols2);
    CHECK(t != NULL);
    if (t == NULL)
        return;
    static const char *const r0[] = {"x", "", "7"};
    static const char *const r1[] = {"y", NULL, "-"};
    static const char *const r2[] = {"z", "", "."};
    CHECK_EQ_INT(rs_table_add(t, r0), 0);
    CHECK_EQ_INT(rs_table_add(t, r1), 0);
    CHECK_EQ_INT(rs_table_add(t, r2), 0);
    check_render(t, RS_FMT_MD,
                 "****\n\n"
                 "| k |  | v |\n"
                 "|---|---|---|\n"
                 "| x |  | 7 |\n"
                 "| y |  | - |\n"
                 "| z |  | . |\n");
    check_render(t, RS_FMT_CSV, "k,,v\nx,,7\ny,,-\nz,,.\n");
    rs_table_free(t);

    rs_table_free(NULL); /* harmless */
}

static void test_addf(void)
{
    static const char *const cols[] = {"name", "n", "share"};
    rs_table *t = rs_table_new(NULL, 3, cols);
    CHECK(t != NULL);
    if (t == NULL)
        return;
    CHECK_EQ_INT(rs_table_addf(t, "%s\x1f%d\x1f%.2f", "Leeds, West", 5, 1.5), 0);
    /* fewer fields than columns: the rest are empty */
    CHECK_EQ_INT(rs_table_addf(t, "%s", "only"), 0);
    CHECK_EQ_INT(rs_table_rows(t), 2);
    CHECK_STR(rs_table_cell(t, 0, 0), "Leeds, West");
    CHECK_STR(rs_table_cell(t, 0, 1), "5");
    CHECK_STR(rs_table_cell(t, 0, 2), "1.50");
    CHECK_STR(rs_table_cell(t, 1, 0), "only");
    CHECK_STR(rs_table_cell(t, 1, 1), "");
    CHECK_STR(rs_table_cell(t, 1, 2), "");
    check_render(t, RS_FMT_CSV, "name,n,share\n\"Leeds, West\",5,1.50\nonly,,\n");

    /* growth well past the first allocation keeps every cell */
    for (int i = 2; i < 300; i++)
        CHECK_EQ_INT(rs_table_addf(t, "r%d\x1f%d\x1f%d.0", i, i, i * 2), 0);
    CHECK_EQ_INT(rs_table_rows(t), 300);
    CHECK_STR(rs_table_cell(t, 150, 0), "r150");
    CHECK_STR(rs_table_cell(t, 299, 1), "299");
    CHECK_STR(rs_table_cell(t, 64, 2), "128.0");
    CHECK_STR(rs_table_cell(t, 0, 0), "Leeds, West");
    rs_table_free(t);
}

/* Column names and cells are copies: changing the caller's buffers later
 * does not change the table. */
static void test_copies(void)
{
    char name[8] = "col", cell[8] = "v1", cap[8] = "cap";
    const char *cols[] = {name};
    rs_table *t = rs_table_new(cap, 1, cols);
    CHECK(t != NULL);
    if (t == NULL)
        return;
    const char *row[] = {cell};
    CHECK_EQ_INT(rs_table_add(t, row), 0);
    strcpy(name, "XXX");
    strcpy(cell, "YY");
    strcpy(cap, "ZZZ");
    check_render(t, RS_FMT_MD, "**cap**\n\n| col |\n|---|\n| v1 |\n");
    rs_table_free(t);
}

static void test_write_errors(void)
{
    static const char *const cols[] = {"a", "b"};
    rs_table *t = rs_table_new("c", 2, cols);
    CHECK(t != NULL);
    if (t == NULL)
        return;
    static const char *const r0[] = {"1", "2"};
    CHECK_EQ_INT(rs_table_add(t, r0), 0);

    /* /dev/full, unbuffered so the first byte fails */
    FILE *f = fopen("/dev/full", "w");
    if (f != NULL) {
        setvbuf(f, NULL, _IONBF, 0);
        for (int fmt = RS_FMT_CSV; fmt <= RS_FMT_HTML; fmt++) {
            clearerr(f);
            errno = 0;
            CHECK_EQ_INT(rs_table_write(t, (rs_format)fmt, f), -1);
            CHECK_EQ_INT(errno, ENOSPC);
        }
        fclose(f);
    }

    /* a stream opened for reading only */
    const char *dir = check_tmpdir("test_table");
    char path[1200];
    snprintf(path, sizeof path, "%s/ro.txt", dir);
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    f = fopen(path, "r");
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_INT(rs_table_write(t, RS_FMT_CSV, f), -1);
        fclose(f);
    }
    rs_table_free(t);
}

/* One alignment rule: the row label (first column) is left-aligned even
 * when it reads as a number (a year), so a table by year lines up as one by
 * quarter does, with or without a split column. */
static void test_alignment(void)
{
    const char *cols[] = {"period", "ksi"};
    rs_table *t = rs_table_new(NULL, 2, cols);
    const char *r1[] = {"2019", "12"}, *r2[] = {"2020", "9"};
    CHECK(t != NULL && rs_table_add(t, r1) == 0 && rs_table_add(t, r2) == 0);
    check_render(t, RS_FMT_MD,
                 "| period | ksi |\n|---|---:|\n| 2019 | 12 |\n| 2020 | 9 |\n");
    check_render(t, RS_FMT_HTML,
                 "<table>\n<thead><tr><th scope=\"col\">period</th><th scope=\"col\">ksi</th>"
                 "</tr></thead>\n<tbody>\n<tr><th scope=\"row\">2019</th><td class=\"num\">12"
                 "</td></tr>\n<tr><th scope=\"row\">2020</th><td class=\"num\">9</td></tr>\n"
                 "</tbody>\n</table>\n");
    const char *cols3[] = {"period", "district", "ksi"};
    rs_table *u = rs_table_new(NULL, 3, cols3);
    const char *s1[] = {"2019", "North", "3"};
    CHECK(u != NULL && rs_table_add(u, s1) == 0);
    check_render(u, RS_FMT_MD, "| period | district | ksi |\n|---|---|---:|\n| 2019 | North | 3 |\n");
    rs_table_free(t);
    rs_table_free(u);
}

int main(void)
{
    test_alignment();
    test_formats();
    test_field_helpers();
    test_sample();
    test_empty();
    test_addf();
    test_copies();
    test_write_errors();
    return check_done();
}
