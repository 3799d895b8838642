/*
 * test_csv.c — the streaming CSV reader: quoting, line numbers, line
 * ends, BOM, header checks (encoding, delimiter, duplicates), per-record
 * problems and resynchronisation, gzip input with the same records and
 * SHA-256, read errors, and a 50 MB file read in bounded memory (with an
 * informational throughput line on stderr); every dumped file read a
 * second time ahead, by a helper thread, with the same result.
 */
#include "check.h"
#include "csv.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

static const char *dir;

static const char *path_of(const char *name)
{
    static char buf[4][1200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static const char *write_file(const char *name, const void *data, size_t len)
{
    const char *p = path_of(name);
    FILE *f = fopen(p, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", p);
        exit(1);
    }
    return p;
}

static const char *write_str(const char *name, const char *s)
{
    return write_file(name, s, strlen(s));
}

static const char *write_gz(const char *name, const void *data, size_t len)
{
    const char *p = path_of(name);
    gzFile g = gzopen(p, "wb6");
    if (g == NULL || (len > 0 && gzwrite(g, data, (unsigned)len) != (int)len) ||
        gzclose(g) != Z_OK) {
        fprintf(stderr, "cannot write %s\n", p);
        exit(1);
    }
    return p;
}

/* A growable text buffer for dumps. */
typedef struct {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_putc(sbuf *b, char ch)
{
    if (b->n + 2 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        char *t = realloc(b->s, b->cap);
        if (t == NULL) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        b->s = t;
    }
    b->s[b->n++] = ch;
    b->s[b->n] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
    while (*s)
        sb_putc(b, *s++);
}

/* All remaining records as text: "LINE:f1|f2\n" or "LINE!reason\n", with
 * CR, LF and NUL inside fields shown as \r \n \0.  Ends with "EOF" or
 * "ERR <code> <message>". */
static char *dump_rest(rs_csv *c)
{
    sbuf b = {0};
    rs_err e = {0};
    int rc;
    char tmp[64];
    while ((rc = rs_csv_next(c, &e)) == 1) {
        const char *prob = rs_csv_record_problem(c);
        snprintf(tmp, sizeof tmp, "%ld%c", rs_csv_line(c), prob ? '!' : ':');
        sb_puts(&b, tmp);
        if (prob) {
            sb_puts(&b, prob);
        } else {
            for (size_t i = 0; i < rs_csv_nfields(c); i++) {
                size_t n;
                const char *f = rs_csv_field(c, i, &n);
                if (i > 0)
                    sb_putc(&b, '|');
                for (size_t k = 0; k < n; k++) {
                    if (f[k] == '\n')
                        sb_puts(&b, "\\n");
                    else if (f[k] == '\r')
                        sb_puts(&b, "\\r");
                    else if (f[k] == '\0')
                        sb_puts(&b, "\\0");
                    else
                        sb_putc(&b, f[k]);
                }
            }
        }
        sb_putc(&b, '\n');
    }
    if (rc == 0) {
        sb_puts(&b, "EOF");
    } else {
        snprintf(tmp, sizeof tmp, "ERR %d ", rc);
        sb_puts(&b, tmp);
        sb_puts(&b, e.msg);
    }
    return b.s;
}

/* Everything a reader gives, for comparing two ways of reading: every
 * record's line, problem, field count and fields (a problem record's
 * too), each field checked to end in a NUL; then how the file ended,
 * rs_csv_line there, and two more rs_csv_next calls. */
static char *dump_full(rs_csv *c)
{
    sbuf b = {0};
    rs_err e = {0};
    int rc;
    char tmp[160];
    while ((rc = rs_csv_next(c, &e)) == 1) {
        const char *prob = rs_csv_record_problem(c);
        snprintf(tmp, sizeof tmp, "%ld %s %zu:", rs_csv_line(c), prob ? prob : "-",
                 rs_csv_nfields(c));
        sb_puts(&b, tmp);
        for (size_t i = 0; i < rs_csv_nfields(c); i++) {
            size_t n;
            const char *f = rs_csv_field(c, i, &n);
            CHECK(f[n] == '\0');
            sb_putc(&b, '|');
            for (size_t k = 0; k < n; k++)
                sb_putc(&b, f[k] == '\0' ? '@' : f[k]);
        }
        sb_putc(&b, '\n');
    }
    snprintf(tmp, sizeof tmp, "end %d line %ld ", rc, rs_csv_line(c));
    sb_puts(&b, tmp);
    sb_puts(&b, rc < 0 ? e.msg : "");
    rs_err_clear(&e);
    int again = rs_csv_next(c, &e), again2 = rs_csv_next(c, &e);
    snprintf(tmp, sizeof tmp, " then %d %d", again, again2);
    sb_puts(&b, tmp);
    return b.s;
}

/* dump_full of path read plainly and read ahead must be the same. */
static void check_ahead_same(const char *path)
{
    rs_err e = {0};
    rs_csv *c1 = NULL, *c2 = NULL;
    if (rs_csv_open(&e, path, NULL, &c1) != 0 || rs_csv_open(&e, path, NULL, &c2) != 0) {
        rs_csv_close(c1);
        return;
    }
    rs_csv_read_ahead(c2);
    char *a = dump_full(c1), *b = dump_full(c2);
    if (strcmp(a ? a : "", b ? b : "") != 0)
        fprintf(stderr, "%s: read ahead differs\n", path);
    CHECK(strcmp(a ? a : "", b ? b : "") == 0);
    free(a);
    free(b);
    rs_csv_close(c1);
    rs_csv_close(c2);
}

/* Opens path, dumps everything; NULL and the error in *e on open failure.
 * Every file is dumped a second time reading ahead (csv.h): the records,
 * lines, problems and the error at the end must be the same. */
static char *dump_file(const char *path, rs_err *e)
{
    rs_csv *c = NULL;
    rs_err_clear(e);
    if (rs_csv_open(e, path, NULL, &c) != 0) {
        CHECK(c == NULL);
        return NULL;
    }
    char *s = dump_rest(c);
    rs_csv_close(c);
    check_ahead_same(path);
    return s;
}

static void check_dump(const char *name, const char *content, const char *want)
{
    rs_err e;
    char *got = dump_file(write_str(name, content), &e);
    if (got == NULL)
        fprintf(stderr, "%s: open failed: %s\n", name, e.msg);
    CHECK_STR(got, want);
    free(got);
}

/* Open must fail with RS_EINPUT and a message containing want. */
static void check_refused(const char *path, const char *want)
{
    rs_csv *c = (rs_csv *)1;
    rs_err e = {0};
    int rc = rs_csv_open(&e, path, NULL, &c);
    CHECK_EQ_INT(rc, RS_EINPUT);
    CHECK(c == NULL);
    CHECK_CONTAINS(e.msg, want);
    if (rc == 0)
        rs_csv_close(c);
}

static void test_quoting(void)
{
    check_dump("q.csv",
               "id,name,note\n"
               "1,\"Smith, J\",plain\n"
               "2,\"say \"\"hi\"\"\",\"\"\n"
               "3,\"two\nlines\",x\n"
               "4,\"three\n\nlines\",\"and\na,b\"\n"
               "5,,\n"
               "6,\"\"\"\",\"a\"\"\"\n",
               "2:1|Smith, J|plain\n"
               "3:2|say \"hi\"|\n"
               "4:3|two\\nlines|x\n"
               "6:4|three\\n\\nlines|and\\na,b\n"
               "10:5||\n"
               "11:6|\"|a\"\n"
               "EOF");
    /* CRLF: same records; a CRLF inside quotes is kept */
    check_dump("crlf.csv",
               "id,name\r\n1,a\r\n2,\"b\r\nc\"\r\n3,\"d\"\r\n",
               "2:1|a\n3:2|b\\r\\nc\n5:3|d\nEOF");
    /* missing trailing newline, quoted and not */
    check_dump("nonl.csv", "a,b\n1,2", "2:1|2\nEOF");
    check_dump("nonl2.csv", "a,b\n1,\"2\"", "2:1|2\nEOF");
    check_dump("nonl3.csv", "a,b\r\n1,2\r", "2:1|2\nEOF");
    /* blank lines are skipped but counted, including before the header */
    check_dump("blank.csv", "\n\r\na,b\n\n1,2\n\r\n\n3,4\n\n", "5:1|2\n8:3|4\nEOF");
    /* spaces are data */
    check_dump("sp.csv", "a,b\n 1 , 2 \n", "2: 1 | 2 \nEOF");
}

static void test_problems(void)
{
    check_dump("unterm.csv", "a,b\n1,2\n3,\"open\nmore\n",
               "2:1|2\n3!unterminated quote (reading resumes at the next line)\n"
               "4!1 field, header has 2\nEOF");
    /* a quote that closes, but makes a bad record of several lines: each
     * line is read alone, so a good line after it still loads */
    check_dump("unterm2.csv", "a,b\n1,\"open\n5,6\n\"x\",8\n",
               "2!unterminated quote (reading resumes at the next line)\n3:5|6\n"
               "4:x|8\nEOF");
    /* a good record over several lines stays one record */
    check_dump("multi.csv", "a,b\n1,\"two\nlines\"\n3,4\n", "2:1|two\\nlines\n4:3|4\nEOF");
    check_dump("count.csv", "a,b,c\n1,2\n1,2,3,4\n1,2,3\n,,\n",
               "2!2 fields, header has 3\n3!4 fields, header has 3\n4:1|2|3\n5:||\nEOF");
    check_dump("one.csv", "a,b\n1\n", "2!1 field, header has 2\nEOF");
    check_dump("stray.csv", "a,b\n1,x\"y\n2,\"z\"w\n3,\"ok\"\n4, \"sp\"\n",
               "2!stray quote in unquoted field\n3!text after closing quote\n4:3|ok\n"
               "5!stray quote in unquoted field\nEOF");
    /* NUL bytes: the row is rejected, the next one is fine */
    static const char nul[] = "a,b\n1,x\0y\n2,\"q\0\"\n3,z\n";
    rs_err e;
    char *got = dump_file(write_file("nul.csv", nul, sizeof nul - 1), &e);
    CHECK_STR(got, "2!NUL byte\n3!NUL byte\n4:3|z\nEOF");
    free(got);
    /* invalid UTF-8 (Latin-1 e-acute, overlong, surrogate, beyond U+10FFFF,
     * truncated sequence) rejected; valid multi-byte text kept */
    check_dump("utf8.csv",
               "a,b\n1,caf\xe9\n2,\xc0\xaf\n3,\xed\xa0\x80\n4,\xf4\x90\x80\x80\n5,\xe2\x82\n"
               "6,caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x97\n7,\"\xe9\"\n",
               "2!not valid UTF-8\n3!not valid UTF-8\n4!not valid UTF-8\n5!not valid UTF-8\n"
               "6!not valid UTF-8\n7:6|caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x97\n"
               "8!not valid UTF-8\nEOF");
    /* field access beyond the record */
    rs_csv *c = NULL;
    rs_err_clear(&e);
    CHECK_EQ_INT(rs_csv_open(&e, write_str("beyond.csv", "a,b\n1,2\n"), NULL, &c), 0);
    CHECK_EQ_INT(rs_csv_next(c, &e), 1);
    size_t n = 99;
    CHECK_STR(rs_csv_field(c, 5, &n), "");
    CHECK_EQ_INT(n, 0);
    CHECK_STR(rs_csv_field(c, 1, &n), "2");
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(rs_csv_next(c, &e), 0);
    CHECK_EQ_INT(rs_csv_next(c, &e), 0);
    rs_csv_close(c);
}

static void test_header(void)
{
    rs_csv *c = NULL;
    rs_err e = {0};
    /* BOM skipped; lookup case-insensitive, surrounding spaces ignored */
    const char *p = write_str("hdr.csv", "\xef\xbb\xbf Lat ,LON,\"Speed_MPH\",,\n1,2,3,,\n");
    CHECK_EQ_INT(rs_csv_open(&e, p, "shown.csv", &c), 0);
    if (c == NULL) {
        fprintf(stderr, "open: %s\n", e.msg);
        return;
    }
    CHECK_EQ_INT(rs_csv_header_count(c), 5);
    CHECK_STR(rs_csv_header(c, 0), "Lat");
    CHECK(rs_csv_header(c, 5) == NULL);
    CHECK_EQ_INT(rs_csv_col(c, "lat"), 0);
    CHECK_EQ_INT(rs_csv_col(c, "  LAT "), 0);
    CHECK_EQ_INT(rs_csv_col(c, "lon"), 1);
    CHECK_EQ_INT(rs_csv_col(c, "speed_mph"), 2);
    CHECK_EQ_INT(rs_csv_col(c, "speed"), -1);
    CHECK_EQ_INT(rs_csv_col(c, "la"), -1);
    CHECK_STR(rs_csv_name(c), "shown.csv");
    CHECK_EQ_INT(rs_csv_next(c, &e), 1);
    CHECK(rs_csv_record_problem(c) == NULL);
    CHECK_EQ_INT(rs_csv_line(c), 2);
    CHECK_STR(rs_csv_field(c, 0, NULL), "1");
    rs_csv_close(c);
    rs_csv_close(NULL);

    /* whole-file refusals, each naming the file and the reason */
    check_refused(write_str("empty.csv", ""), "empty.csv: empty file");
    check_refused(write_str("blanks.csv", "\n\r\n\n"), "no header");
    check_refused(write_str("semi.csv", "lat;lon;speed\n1;2;3\n"),
                  "semi.csv:1: not comma-separated (found ';')");
    check_refused(write_str("tab.csv", "lat\tlon\n1\t2\n"), "not comma-separated (found tabs)");
    check_refused(write_str("pipe.csv", "lat|lon\n1|2\n"), "not comma-separated (found '|')");
    check_refused(write_str("dup.csv", "lat,lon,speed, LAT \n1,2,3,4\n"),
                  "dup.csv:1: ambiguous header: columns 1 and 4 (of the header line) have "
                  "the same name");
    check_refused(write_str("dup2.csv", "\nb,a,c,A,B\n"),
                  "dup2.csv:2: ambiguous header: columns 2 and 4 (of the header line) have "
                  "the same name");
    /* a headerless file: the message never quotes the cell (a plate) */
    check_refused(write_str("plates.csv", "QX91 ZZQ,2020-01-01,QX91 ZZQ\n"),
                  "plates.csv:1: ambiguous header: columns 1 and 3 (of the header line)");
    {
        rs_csv *pc = NULL;
        rs_err pe = {0};
        CHECK(rs_csv_open(&pe, "plates.csv", NULL, &pc) == RS_EINPUT);
        CHECK(strstr(pe.msg, "QX91") == NULL);
    }
    static const char u16[] = "\xff\xfe" "a\0,\0b\0\n\0" "1\0,\0" "2\0\n\0";
    check_refused(write_file("u16.csv", u16, sizeof u16 - 1), "UTF-16");
    static const char u16be[] = "\xfe\xff" "\0a\0,\0b";
    check_refused(write_file("u16be.csv", u16be, sizeof u16be - 1), "UTF-16");
    static const char u16nobom[] = "a\0,\0b\0\n\0";
    check_refused(write_file("u16n.csv", u16nobom, sizeof u16nobom - 1),
                  "u16n.csv:1: header is not UTF-8 (NUL bytes: UTF-16?)");
    check_refused(write_str("latin1.csv", "caf\xe9,b\n1,2\n"),
                  "latin1.csv:1: header is not UTF-8 (Latin-1");
    check_refused(write_str("mac.csv", "a,b\r1,2\r3,4\r"), "bare CR");
    check_refused(write_str("hq.csv", "a,\"b\n"), "hq.csv:1: bad header: unterminated quote");
    check_refused(path_of("does-not-exist.csv"), "cannot open");
    check_refused(dir, "is a directory");

    /* a header and nothing else: no records, no error */
    check_dump("only.csv", "a,b,c\n", "EOF");
    check_dump("only2.csv", "a,b,c", "EOF");
    check_dump("bomonly.csv", "\xef\xbb\xbf" "a\n", "EOF");
}

/* A line of n bytes of 'x' in a 3-column file. */
static void test_long_records(void)
{
    size_t big = 100 * 1000;
    char *s = malloc(3 * RS_CSV_RECORD_MAX + 1000);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    size_t n = 0;
    n += (size_t)sprintf(s + n, "a,b,c\n1,2,3\n");
    memset(s + n, 'x', big);
    n += big;
    n += (size_t)sprintf(s + n, "\n4,5,6\n7,8,9");
    rs_err e;
    char *got = dump_file(write_file("long.csv", s, n), &e);
    CHECK_STR(got, "2:1|2|3\n3!record longer than 65536 bytes\n4:4|5|6\n5:7|8|9\nEOF");
    free(got);

    /* the limit itself: 65536 bytes of record pass (with CRLF too), one
     * more does not */
    n = (size_t)sprintf(s, "a\n");
    memset(s + n, 'y', RS_CSV_RECORD_MAX);
    n += RS_CSV_RECORD_MAX;
    n += (size_t)sprintf(s + n, "\r\nok\n");
    memset(s + n, 'z', RS_CSV_RECORD_MAX + 1);
    n += RS_CSV_RECORD_MAX + 1;
    n += (size_t)sprintf(s + n, "\nend\n");
    rs_csv *c = NULL;
    rs_err_clear(&e);
    CHECK_EQ_INT(rs_csv_open(&e, write_file("limit.csv", s, n), NULL, &c), 0);
    if (c != NULL) {
        size_t len = 0;
        CHECK_EQ_INT(rs_csv_next(c, &e), 1);
        CHECK(rs_csv_record_problem(c) == NULL);
        rs_csv_field(c, 0, &len);
        CHECK_EQ_INT(len, RS_CSV_RECORD_MAX);
        char *rest = dump_rest(c);
        CHECK_STR(rest, "3:ok\n4!record longer than 65536 bytes\n5:end\nEOF");
        free(rest);
        rs_csv_close(c);
    }
    /* the same limit at end of file without a line end */
    n = (size_t)sprintf(s, "a\n");
    memset(s + n, 'z', RS_CSV_RECORD_MAX + 1);
    n += RS_CSV_RECORD_MAX + 1;
    got = dump_file(write_file("limiteof.csv", s, n), &e);
    CHECK_STR(got, "2!record longer than 65536 bytes\nEOF");
    free(got);

    /* a runaway quote: only its line is lost, reading resumes at the next
     * line (it used to skip every line up to 64 KiB on) */
    n = (size_t)sprintf(s, "a,b\n1,\"runaway\n");
    for (int i = 0; i < 8000; i++)
        n += (size_t)sprintf(s + n, "%d,row\n", i + 100000); /* 11 bytes a line */
    n += (size_t)sprintf(s + n, "\"\n");
    got = dump_file(write_file("runaway.csv", s, n), &e);
    CHECK_CONTAINS(got, "2!unterminated quote (reading resumes at the next line)\n"
                        "3:100000|row\n4:100001|row\n");
    CHECK(got != NULL && strncmp(got, "2!", 2) == 0);
    CHECK_CONTAINS(got, "\n8002:107999|row\n8003!unterminated quote\nEOF");
    free(got);
    free(s);
}

/* The digest of a buffer, computed independently of the reader. */
static void sha256_of(const void *data, size_t n, unsigned char out[32])
{
    unsigned int len = 0;
    EVP_Digest(data, n, out, &len, EVP_sha256(), NULL);
}

/* A damaged gzip file fails with RS_EINPUT, at open (small files are
 * decompressed whole by the first read) or from rs_csv_next. */
static void check_gz_error(const char *path, const char *want)
{
    rs_err e;
    char *got = dump_file(path, &e);
    if (got != NULL) {
        CHECK_CONTAINS(got, "ERR -2 ");
        CHECK_CONTAINS(got, want);
        free(got);
    } else {
        CHECK_EQ_INT(e.code, RS_EINPUT);
        CHECK_CONTAINS(e.msg, want);
    }
}

static void test_gzip(void)
{
    const char *text = "id,name,note\n"
                       "1,\"Smith, J\",plain\n"
                       "2,\"two\nlines\",x\n"
                       "3,\xc3\xa9t\xc3\xa9,\"\"\"q\"\"\"\n";
    size_t n = strlen(text);
    const char *plain = write_file("g.csv", text, n);
    const char *gz = write_gz("g.csv.gz", text, n);
    const char *gzcsv = write_gz("g2.csv", text, n); /* recognised by magic, not name */
    rs_err e;
    char *a = dump_file(plain, &e);
    char *b = dump_file(gz, &e);
    char *b2 = dump_file(gzcsv, &e);
    CHECK_STR(a, "2:1|Smith, J|plain\n3:2|two\\nlines|x\n5:3|\xc3\xa9t\xc3\xa9|\"q\"\nEOF");
    CHECK_STR(a, b);
    CHECK_STR(a, b2);
    free(a);
    free(b);
    free(b2);

    unsigned char want[32], h1[32], h2[32];
    sha256_of(text, n, want);
    rs_csv *c1 = NULL, *c2 = NULL;
    rs_err_clear(&e);
    CHECK_EQ_INT(rs_csv_open(&e, plain, NULL, &c1), 0);
    CHECK_EQ_INT(rs_csv_open(&e, gz, NULL, &c2), 0);
    if (c1 == NULL || c2 == NULL) {
        rs_csv_close(c1);
        rs_csv_close(c2);
        return;
    }
    while (rs_csv_next(c1, &e) == 1) {
    }
    while (rs_csv_next(c2, &e) == 1) {
    }
    rs_csv_sha256(c1, h1);
    rs_csv_sha256(c2, h2);
    CHECK(memcmp(h1, want, 32) == 0);
    CHECK(memcmp(h2, want, 32) == 0);
    rs_csv_sha256(c1, h2); /* may be asked again */
    CHECK(memcmp(h1, h2, 32) == 0);

    struct stat st1, st2;
    CHECK(stat(plain, &st1) == 0 && stat(gz, &st2) == 0);
    CHECK_EQ_INT(rs_csv_size(c1), st1.st_size);
    CHECK_EQ_INT(rs_csv_size(c2), st2.st_size);
    CHECK_EQ_INT(rs_csv_bytes_in(c1), st1.st_size);
    CHECK_EQ_INT(rs_csv_bytes_in(c2), st2.st_size);
    rs_csv_close(c1);
    rs_csv_close(c2);

    /* a truncated and a corrupted gzip file: read errors, not records */
    FILE *f = fopen(gz, "rb");
    unsigned char raw[4096];
    size_t rn = f ? fread(raw, 1, sizeof raw, f) : 0;
    if (f)
        fclose(f);
    CHECK(rn > 30);
    check_gz_error(write_file("trunc.csv.gz", raw, rn - 12),
                   "trunc.csv.gz: gzip data truncated (unexpected end of file)");
    raw[rn / 2] ^= 0x55;
    raw[rn / 2 + 1] ^= 0x55;
    check_gz_error(write_file("bad.csv.gz", raw, rn), "bad.csv.gz: corrupt gzip data");
    /* an empty gzip stream is an empty file */
    check_refused(write_gz("empty.csv.gz", "", 0), "empty.csv.gz: empty file");
}

/* Field k of generated row i, deterministic. */
static int gen_row(char *out, long i)
{
    if (i % 97 == 0) /* quoted, with a comma, a doubled quote and a line break */
        return sprintf(out, "%ld,\"q,%ld \"\"x\"\"\nnext\",%ld.%03ld,TRUCAM\n", i, i * 7,
                       i % 1000, i % 997);
    return sprintf(out, "%ld,2020-08-15T14:%02ld:%02ldZ,%ld.%03ld,GATSO\n", i, (i / 60) % 60,
                   i % 60, i % 1000, i % 997);
}

static long max_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_large(void)
{
    const char *p = path_of("large.csv");
    FILE *f = fopen(p, "wb");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs("id,text,speed,device\n", f);
    long rows = 0;
    size_t bytes = 0;
    char line[256];
    while (bytes < 50u * 1000 * 1000) {
        int n = gen_row(line, rows++);
        fwrite(line, 1, (size_t)n, f);
        bytes += (size_t)n;
    }
    CHECK(fclose(f) == 0);

    long rss0 = max_rss_kb();
    rs_csv *c = NULL;
    rs_err e = {0};
    CHECK_EQ_INT(rs_csv_open(&e, p, NULL, &c), 0);
    if (c == NULL)
        return;
    int col = rs_csv_col(c, "device");
    CHECK_EQ_INT(col, 3);
    long i = 0, line_no = 2, bad = 0;
    int rc;
    double t0 = now();
    while ((rc = rs_csv_next(c, &e)) == 1) {
        gen_row(line, i);
        /* rebuild the row from its fields and compare */
        char again[1024];
        size_t l1, l2, l3, l4;
        const char *f1 = rs_csv_field(c, 0, &l1), *f2 = rs_csv_field(c, 1, &l2);
        const char *f3 = rs_csv_field(c, 2, &l3), *f4 = rs_csv_field(c, 3, &l4);
        if (i % 97 == 0) {
            char quoted[256];
            size_t q = 0;
            quoted[q++] = '"';
            for (size_t k = 0; k < l2 && q < sizeof quoted - 3; k++) {
                if (f2[k] == '"')
                    quoted[q++] = '"';
                quoted[q++] = f2[k];
            }
            quoted[q++] = '"';
            quoted[q] = '\0';
            snprintf(again, sizeof again, "%s,%s,%s,%s\n", f1, quoted, f3, f4);
        } else
            snprintf(again, sizeof again, "%s,%s,%s,%s\n", f1, f2, f3, f4);
        if (rs_csv_record_problem(c) != NULL || rs_csv_line(c) != line_no ||
            strcmp(again, line) != 0 || l1 + l2 + l3 + l4 == 0 ||
            (i % 97 == 0 && strchr(f2, '\n') == NULL)) {
            if (bad < 3)
                fprintf(stderr, "large row %ld line %ld: %s\n", i, rs_csv_line(c), line);
            bad++;
        }
        line_no += i % 97 == 0 ? 2 : 1;
        i++;
    }
    (void)t0;
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(i, rows);
    CHECK_EQ_INT(rs_csv_bytes_in(c), rs_csv_size(c));
    long grown = max_rss_kb() - rss0;
#ifndef __SANITIZE_ADDRESS__
    /* the reader holds about 0.6 MB whatever the file size */
    if (grown > 16 * 1024)
        fprintf(stderr, "large: max RSS grew by %ld KiB\n", grown);
    CHECK(grown <= 16 * 1024);
#endif
    rs_csv_close(c);

    /* throughput of the reader alone, plain and gzip (informational) */
    const char *gzp = getenv("RS_CSV_BENCH_GZ") ? path_of("large.csv.gz") : NULL;
    if (gzp != NULL) {
        char cmd[2600];
        snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s'", p, gzp);
        if (system(cmd) != 0)
            gzp = NULL;
    }
    for (int pass = 0; pass < (gzp ? 2 : 1); pass++) {
        c = NULL;
        if (rs_csv_open(&e, pass ? gzp : p, NULL, &c) != 0)
            break;
        long nrec = 0;
        size_t touched = 0;
        t0 = now();
        while (rs_csv_next(c, &e) == 1) {
            size_t l;
            rs_csv_field(c, (size_t)col, &l);
            touched += l;
            nrec++;
        }
        double dt = now() - t0;
        fprintf(stderr,
                "csv throughput (%s, informational): %ld rows, %.1f MB in %.3f s: "
                "%.2f M rows/s, %.0f MB/s; max RSS grew %ld KiB\n",
                pass ? "gzip" : "plain", nrec, (double)bytes / 1e6, dt,
                (double)nrec / dt / 1e6, (double)bytes / dt / 1e6, grown);
        CHECK(touched > 0);
        rs_csv_close(c);
    }
    remove(p);
    if (gzp != NULL)
        remove(gzp);
}

/* Reading ahead over many batches (a batch holds at most 8192 records or
 * 512 KiB): records of every size up to the limit, CSV problems among
 * them, a quoted field across lines; the same dump, hash and final byte
 * count as reading alone.  Closing mid-file, with the helper waiting on a
 * full ring, returns; the hash is not given before end of file. */
static void test_read_ahead(void)
{
    sbuf b = {0};
    sb_puts(&b, "id,a,b\n");
    char row[RS_CSV_RECORD_MAX + 64];
    for (long i = 0; i < 60000; i++) {
        if (i == 20000) { /* the most fields a record can have: 65537 */
            memset(row, ',', RS_CSV_RECORD_MAX);
            row[RS_CSV_RECORD_MAX] = '\0';
            sb_puts(&b, row);
            sb_puts(&b, "\n");
        } else if (i == 30000) { /* a quoted record of exactly the limit */
            row[0] = '"';
            memset(row + 1, 'q', RS_CSV_RECORD_MAX - 6);
            snprintf(row + RS_CSV_RECORD_MAX - 5, 6, "\",b,c");
            sb_puts(&b, row);
            sb_puts(&b, "\n");
        } else if (i % 9973 == 5) { /* a record longer than the limit */
            memset(row, 'x', sizeof row - 1);
            row[sizeof row - 1] = '\0';
            sb_puts(&b, row);
            sb_puts(&b, "\n");
        } else if (i % 4999 == 7) { /* a long good record */
            int n = snprintf(row, sizeof row, "%ld,", i);
            memset(row + n, 'y', 60000);
            row[n + 60000] = '\0';
            sb_puts(&b, row);
            sb_puts(&b, ",z\n");
        } else if (i % 1001 == 3) {
            sb_puts(&b, "bad,\"unclosed\n");
        } else if (i % 777 == 1) {
            snprintf(row, sizeof row, "%ld,\"two\nlines\",\"q\"\"\"\n", i);
            sb_puts(&b, row);
        } else if (i % 555 == 2) {
            sb_puts(&b, "only,two\n");
        } else {
            snprintf(row, sizeof row, "%ld,%ld,v%ld\n", i, i * 7 % 1000, i % 13);
            sb_puts(&b, row);
        }
    }
    size_t n = strlen(b.s);
    const char *path = write_file("ahead.csv", b.s, n);
    unsigned char want[32];
    sha256_of(b.s, n, want);
    free(b.s);

    rs_err e = {0};
    rs_csv *plain = NULL, *ahead = NULL;
    CHECK_EQ_INT(rs_csv_open(&e, path, NULL, &plain), 0);
    CHECK_EQ_INT(rs_csv_open(&e, path, NULL, &ahead), 0);
    if (plain == NULL || ahead == NULL) {
        rs_csv_close(plain);
        rs_csv_close(ahead);
        return;
    }
    rs_csv_read_ahead(ahead);
    char *a = dump_rest(plain);
    char *c = dump_rest(ahead);
    CHECK(a != NULL && strlen(a) > 60000 * 5);
    CHECK_STR(c, a);
    CHECK(strstr(c, "record longer than 65536 bytes") != NULL);
    CHECK(strstr(c, "65537 fields, header has 3") != NULL);
    CHECK(strstr(c, "two\\nlines") != NULL);
    free(a);
    free(c);
    check_ahead_same(path); /* problem records' fields, NULs, the end */
    unsigned char h[32];
    rs_csv_sha256(ahead, h);
    CHECK(memcmp(h, want, 32) == 0);
    CHECK_EQ_INT(rs_csv_bytes_in(ahead), (long long)n);
    CHECK_EQ_INT(rs_csv_next(ahead, &e), 0); /* end of file stays */
    rs_csv_close(plain);
    rs_csv_close(ahead);

    /* closed mid-file: the helper is stopped and joined */
    CHECK_EQ_INT(rs_csv_open(&e, path, NULL, &ahead), 0);
    if (ahead != NULL) {
        rs_csv_read_ahead(ahead);
        for (int i = 0; i < 3; i++)
            CHECK_EQ_INT(rs_csv_next(ahead, &e), 1);
        CHECK_EQ_INT(rs_csv_line(ahead), 5); /* row 1 spans lines 3-4 */
        CHECK_STR(rs_csv_field(ahead, 0, NULL), "only");
        unsigned char zero[32] = {0};
        rs_csv_sha256(ahead, h);
        CHECK(memcmp(h, zero, 32) == 0);
        rs_csv_close(ahead);
    }
    /* rs_csv_take_plain is refused on a reader reading ahead */
    CHECK_EQ_INT(rs_csv_open(&e, path, NULL, &ahead), 0);
    if (ahead != NULL) {
        rs_csv_read_ahead(ahead);
        rs_csv_span sp;
        rs_err_clear(&e);
        CHECK_EQ_INT(rs_csv_take_plain(ahead, &e, 10, 10, &sp), RS_EUSAGE);
        rs_csv_close(ahead);
    }
    /* a gzip file cut short: its records, then the read error, in order */
    const char *gz = path_of("ahead.csv.gz");
    gzFile g = gzopen(gz, "wb");
    CHECK(g != NULL);
    if (g != NULL) {
        for (long i = 0; i < 200000; i++) {
            snprintf(row, sizeof row, "%ld,%ld,w%ld\n", i, (i * 31) % 997, i % 17);
            if (i == 0)
                gzputs(g, "id,a,b\n");
            gzputs(g, row);
        }
        gzclose(g);
        FILE *f = fopen(gz, "rb");
        struct stat st;
        CHECK(f != NULL && stat(gz, &st) == 0);
        size_t len = (size_t)st.st_size;
        unsigned char *raw = malloc(len);
        CHECK(f != NULL && raw != NULL && fread(raw, 1, len, f) == len);
        if (f)
            fclose(f);
        const char *cut = write_file("ahead-cut.csv.gz", raw, len - 40);
        free(raw);
        char *d = dump_file(cut, &e); /* compares plain and reading ahead */
        CHECK(d != NULL && strstr(d, "\nERR ") != NULL);
        free(d);
        /* after the error, rs_csv_next keeps failing, the same way */
        rs_csv *x = NULL;
        CHECK_EQ_INT(rs_csv_open(&e, cut, NULL, &x), 0);
        if (x != NULL) {
            rs_csv_read_ahead(x);
            char *full = dump_full(x);
            CHECK(full != NULL && strstr(full, "end -2 ") != NULL && strstr(full, "gzip data truncated") != NULL);
            CHECK(full != NULL && strstr(full, " then -2 -2") != NULL);
            free(full);
            rs_csv_close(x);
        }
    }
}

int main(void)
{
    dir = check_tmpdir("test_csv");
    test_quoting();
    test_problems();
    test_header();
    test_long_records();
    test_gzip();
    test_large();
    test_read_ahead();
    return check_done();
}
