/*
 * csv.c — the streaming CSV reader (RFC 4180) behind every ingest kind.
 *
 * What: reads a plain or gzip file (or stdin) through zlib, checks the
 * header once (encoding, delimiter, duplicate names) and then hands out
 * one record at a time with its physical start line, or with a short
 * reason when the record is unusable.  A SHA-256 of the decompressed bytes
 * is updated as each chunk is read.
 *
 * Core data structure: one fixed read buffer of IN_CAP bytes (+1 spare
 * byte for a terminator).  A record is parsed *in place* inside that
 * buffer: delimiters become NULs, quoted fields are unescaped by shifting
 * bytes left (unescaping never lengthens), and a fixed array of
 * RS_CSV_RECORD_MAX + 2 uint32 offsets marks where each field starts.
 * When a record runs past the end of the buffered data the unread tail is
 * moved to the front and more is read; since IN_CAP is well above
 * RS_CSV_RECORD_MAX, a record either fits or is known to be too long, so
 * memory never grows with the input and nothing is allocated per record.
 *
 * Two paths per record.  The common one: a line with no '"' — one memchr
 * finds the line end, one more proves there is no quote, then NUL and
 * UTF-8 checks and a memchr per comma.  Otherwise a quote-aware scan finds
 * the record's extent first (a quote opens a quoted field only at a field
 * start), and a small state machine then splits and unescapes it.
 *
 * Parallel reading (telematics): rs_csv_take_plain hands out runs of whole
 * quote-free lines straight from the buffer, after a memchr for '"' and one
 * per line end; the records in them are split later by memory readers
 * (rs_csv_open_mem: the same code over a caller's buffer, always at end of
 * file), so splitting runs on every core.  It reads more from the file at
 * exactly the moments rs_csv_next would, so even a read failure surfaces
 * after the same records.
 *
 * Workload: tens of millions of rows per file, several million rows per
 * second.  One reader is used by one thread at a time.
 */
#include "csv.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define IN_CAP (512 * 1024)
_Static_assert(IN_CAP > 2 * (RS_CSV_RECORD_MAX + 2), "read buffer must hold a record");

#define MAX_FIELDS (RS_CSV_RECORD_MAX + 1)

struct rs_csv {
    char *name;            /* display name, for messages */
    gzFile gz;
    int64_t size;          /* stored size, -1 unknown */
    EVP_MD_CTX *sha;       /* running SHA-256 of decompressed bytes */
    EVP_MD_CTX *sha_tmp;   /* scratch for rs_csv_sha256 */
    int failed;            /* sticky read error code, 0 when none */

    unsigned char *buf;    /* IN_CAP + 1 bytes */
    size_t pos, len;       /* unread data is buf[pos, len) */
    int eof;               /* zlib has no more bytes */
    int mem;               /* memory reader: buf is the caller's, eof always */
    long line;             /* physical line of buf[pos] */

    char *hdr;             /* header names, trimmed, NUL-separated */
    size_t *hdr_off;       /* nhdr offsets into hdr */
    size_t nhdr;

    unsigned char *rec;    /* current record (inside buf) */
    uint32_t *starts;      /* MAX_FIELDS + 1 field start offsets */
    size_t nfields;
    long rec_line;
    const char *problem;
    char problem_buf[96];
};

/* ---- input --------------------------------------------------------- */

/* Moves the unread tail to the front of the buffer and reads more after
 * it.  Returns the number of bytes added (0 at end of file) or a negative
 * RS_E* code with the message in e. */
static int fill(rs_csv *c, rs_err *e)
{
    if (c->failed)
        return c->failed;
    if (c->eof || c->mem)
        return 0;
    if (c->pos > 0) {
        memmove(c->buf, c->buf + c->pos, c->len - c->pos);
        c->len -= c->pos;
        c->pos = 0;
    }
    size_t room = IN_CAP - c->len;
    assert(room > 0);
    int n = gzread(c->gz, c->buf + c->len, (unsigned)room);
    if (n > 0) {
        if (EVP_DigestUpdate(c->sha, c->buf + c->len, (size_t)n) != 1)
            return c->failed = rs_err_set(e, RS_ERR, "%s: SHA-256 update failed", c->name);
        c->len += (size_t)n;
        return n;
    }
    int zerr = Z_OK;
    const char *zmsg = gzerror(c->gz, &zerr);
    /* zlib prefixes its message with the path it was given, "<fd:N>" */
    if (zmsg != NULL && strncmp(zmsg, "<fd:", 4) == 0 && strstr(zmsg, ": ") != NULL)
        zmsg = strstr(zmsg, ": ") + 2;
    if (n == 0 && zerr == Z_OK) {
        c->eof = 1;
        return 0;
    }
    if (zerr == Z_ERRNO)
        c->failed = rs_err_set(e, RS_EIO, "%s: read failed: %s", c->name, strerror(errno));
    else if (zerr == Z_MEM_ERROR)
        c->failed = rs_err_set(e, RS_ENOMEM, "%s: out of memory decompressing", c->name);
    else if (zerr == Z_BUF_ERROR)
        c->failed = rs_err_set(e, RS_EINPUT, "%s: gzip data truncated (%s)", c->name, zmsg);
    else
        c->failed = rs_err_set(e, RS_EINPUT, "%s: corrupt gzip data (%s)", c->name,
                               zmsg != NULL ? zmsg : "unknown error");
    return c->failed;
}

/* ---- byte checks --------------------------------------------------- */

static size_t count_nl(const unsigned char *p, size_t n)
{
    size_t k = 0;
    const unsigned char *end = p + n;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

/* 1 when s[0, n) is well-formed UTF-8 (no overlongs, surrogates or code
 * points above U+10FFFF).  ASCII runs are skipped eight bytes at a time. */
static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned c0 = s[i];
        if (c0 < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c0 >= 0xC2 && c0 <= 0xDF) {
            need = 1;
        } else if (c0 >= 0xE0 && c0 <= 0xEF) {
            need = 2;
            if (c0 == 0xE0)
                lo = 0xA0; /* overlong */
            else if (c0 == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c0 >= 0xF0 && c0 <= 0xF4) {
            need = 3;
            if (c0 == 0xF0)
                lo = 0x90; /* overlong */
            else if (c0 == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return 0;
        }
        if (n - i <= need)
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += need + 1;
    }
    return 1;
}

/* Reason for a record's bytes s[0, n), or NULL when they are clean. */
static const char *bytes_problem(const unsigned char *s, size_t n)
{
    if (memchr(s, '\0', n) != NULL)
        return "NUL byte";
    if (!utf8_valid(s, n))
        return "not valid UTF-8";
    return NULL;
}

/* ---- splitting ----------------------------------------------------- */

/* Splits a quote-free record buf[s, s+n) at commas, in place. */
static void split_plain(rs_csv *c, size_t s, size_t n)
{
    unsigned char *rec = c->buf + s, *p = rec, *end = rec + n;
    size_t k = 0;
    c->starts[0] = 0;
    for (;;) {
        unsigned char *q = memchr(p, ',', (size_t)(end - p));
        if (q == NULL)
            q = end;
        *q = '\0'; /* the comma, or the CR / LF / spare byte after the record */
        c->starts[++k] = (uint32_t)(q + 1 - rec);
        if (q == end)
            break;
        p = q + 1;
    }
    c->rec = rec;
    c->nfields = k;
}

/* Splits and unescapes a record buf[s, e) that contains quotes, in place.
 * Returns the quoting problem, or NULL. */
static const char *split_quoted(rs_csv *c, size_t s, size_t e)
{
    unsigned char *b = c->buf;
    size_t r = s, w = s, k = 0;
    const char *prob = NULL;
    c->starts[0] = 0;
    for (;;) {
        /* at a field start */
        if (r < e && b[r] == '"') {
            r++;
            for (;;) {
                unsigned char *q = memchr(b + r, '"', e - r);
                size_t n = q ? (size_t)(q - (b + r)) : e - r;
                memmove(b + w, b + r, n);
                w += n;
                r += n;
                if (q == NULL) {
                    prob = "unterminated quote";
                    break;
                }
                r++; /* the quote */
                if (r < e && b[r] == '"') {
                    b[w++] = '"';
                    r++;
                    continue;
                }
                break; /* closing quote */
            }
            if (r < e && b[r] != ',' && prob == NULL)
                prob = "text after closing quote";
        }
        /* unquoted field, or what follows a closing quote */
        while (r < e && b[r] != ',') {
            if (b[r] == '"' && prob == NULL)
                prob = "stray quote in unquoted field";
            b[w++] = b[r++];
        }
        int more = r < e;
        b[w++] = '\0';
        c->starts[++k] = (uint32_t)(w - s);
        if (!more)
            break;
        r++; /* the comma */
    }
    c->rec = b + s;
    c->nfields = k;
    return prob;
}

enum { SCAN_FOUND, SCAN_MORE, SCAN_LONG };

/* Finds where the record at buf[pos] ends, following quotes: *end is the
 * index of its terminating LF, or len at end of file.  SCAN_MORE when the
 * buffered data ends first, SCAN_LONG when it is longer than allowed. */
static int scan_record(const rs_csv *c, size_t *end)
{
    const unsigned char *b = c->buf;
    size_t i = c->pos, len = c->len, lim = c->pos + RS_CSV_RECORD_MAX + 1;
    int at_start = 1, inq = 0;
    for (;;) {
        if (i > lim)
            return SCAN_LONG;
        if (i >= len) {
            if (!c->eof)
                return SCAN_MORE;
            *end = len;
            return SCAN_FOUND;
        }
        if (inq) {
            const unsigned char *q = memchr(b + i, '"', len - i);
            if (q == NULL) {
                i = len;
                continue;
            }
            i = (size_t)(q - b) + 1;
            if (i < len && b[i] == '"') {
                i++;
            } else if (i < len) {
                inq = 0;
                at_start = 0;
            }
            continue;
        }
        unsigned char ch = b[i];
        if (ch == '\n') {
            *end = i;
            return SCAN_FOUND;
        }
        if (ch == ',') {
            at_start = 1;
        } else if (ch == '"' && at_start) {
            inq = 1;
            at_start = 0;
        } else {
            at_start = 0;
        }
        i++;
    }
}

/* Skips an over-long record: everything up to the first LF at or after
 * buf[from], ignoring quotes.  Sets the record's problem.  Returns 1, or a
 * negative code on a read failure. */
static int skip_long(rs_csv *c, rs_err *e, size_t from)
{
    c->rec_line = c->line;
    c->line += (long)count_nl(c->buf + c->pos, from - c->pos);
    c->pos = from;
    int found = 0;
    while (!found) {
        unsigned char *nl = memchr(c->buf + c->pos, '\n', c->len - c->pos);
        if (nl != NULL) {
            c->pos = (size_t)(nl - c->buf) + 1;
            found = 1;
        } else {
            c->pos = c->len;
            if (c->eof)
                break;
            int rc = fill(c, e);
            if (rc < 0)
                return rc;
        }
    }
    long last = c->line; /* the line holding the LF (or the end of file) */
    c->line += found;
    c->rec = (unsigned char *)"";
    c->nfields = 0;
    if (last > c->rec_line) {
        snprintf(c->problem_buf, sizeof c->problem_buf,
                 "record longer than %d bytes (lines %ld-%ld skipped)", RS_CSV_RECORD_MAX,
                 c->rec_line, last);
        c->problem = c->problem_buf;
    } else {
        c->problem = "record longer than 65536 bytes";
    }
    return 1;
}

/* Reads the next non-blank record without the field-count check. */
static int next_record(rs_csv *c, rs_err *e)
{
    c->problem = NULL;
    c->nfields = 0;
    c->rec = (unsigned char *)"";
    if (c->failed)
        return c->failed;
    for (;;) {
        unsigned char *p = c->buf + c->pos;
        size_t avail = c->len - c->pos;
        unsigned char *nl = avail ? memchr(p, '\n', avail) : NULL;
        if (nl == NULL && !c->eof) {
            if (avail > RS_CSV_RECORD_MAX + 1)
                return skip_long(c, e, c->pos + RS_CSV_RECORD_MAX + 1);
            int rc = fill(c, e);
            if (rc < 0)
                return rc;
            continue;
        }
        if (avail == 0)
            return 0;
        size_t span = nl ? (size_t)(nl - p) : avail;

        if (memchr(p, '"', span) == NULL) {
            /* the common case: one line, no quotes */
            size_t n = span;
            if (n > 0 && p[n - 1] == '\r')
                n--;
            if (n > RS_CSV_RECORD_MAX)
                return skip_long(c, e, c->pos + span);
            c->rec_line = c->line;
            size_t s = c->pos;
            c->pos += span + (nl != NULL);
            c->line += nl != NULL;
            if (n == 0)
                continue; /* blank line */
            c->problem = bytes_problem(p, n);
            split_plain(c, s, n);
            return 1;
        }

        size_t end;
        int st = scan_record(c, &end);
        if (st == SCAN_MORE) {
            int rc = fill(c, e);
            if (rc < 0)
                return rc;
            continue;
        }
        if (st == SCAN_LONG)
            return skip_long(c, e, c->pos + RS_CSV_RECORD_MAX + 1);
        size_t s = c->pos, n = end - s;
        if (n > 0 && c->buf[end - 1] == '\r')
            n--;
        if (n > RS_CSV_RECORD_MAX)
            return skip_long(c, e, s + RS_CSV_RECORD_MAX + 1);
        int has_nl = end < c->len;
        c->rec_line = c->line;
        c->line += (long)count_nl(c->buf + s, end - s) + has_nl;
        c->pos = end + has_nl;
        const char *bp = bytes_problem(c->buf + s, n);
        const char *qp = split_quoted(c, s, s + n);
        if (qp != NULL && strcmp(qp, "unterminated quote") == 0)
            c->problem = qp;
        else
            c->problem = bp ? bp : qp;
        return 1;
    }
}

int rs_csv_take_plain(rs_csv *c, rs_err *e, size_t max_lines, size_t min_bytes,
                      rs_csv_span *span)
{
    if (c == NULL || span == NULL)
        return rs_err_set(e, RS_EUSAGE, "rs_csv_take_plain: no reader");
    if (c->failed)
        return c->failed;
    if (c->mem || max_lines == 0)
        return 0;
    /* read more exactly when rs_csv_next would: when no line end is
     * buffered, so a read failure surfaces after the same records */
    const unsigned char *p = c->buf + c->pos;
    size_t avail = c->len - c->pos;
    if (!c->eof && (avail == 0 || memchr(p, '\n', avail) == NULL)) {
        if (avail > RS_CSV_RECORD_MAX + 1)
            return 0; /* over-long: rs_csv_next skips it */
        int rc = fill(c, e);
        if (rc < 0)
            return rc;
        p = c->buf + c->pos;
        avail = c->len - c->pos;
    }
    if (avail == 0)
        return 0;
    const unsigned char *q = memchr(p, '"', avail);
    size_t clean = q ? (size_t)(q - p) : avail;
    int to_end = q == NULL && c->eof; /* nothing more to read, no quote */
    if (clean < min_bytes && !to_end)
        return 0;
    /* whole lines inside the quote-free run, at most max_lines of them */
    const unsigned char *s = p, *lim = p + clean, *nl;
    size_t k = 0;
    while (k < max_lines && s < lim && (nl = memchr(s, '\n', (size_t)(lim - s))) != NULL) {
        k++;
        s = nl + 1;
    }
    size_t n = (size_t)(s - p);
    if (to_end && k < max_lines && n < avail)
        n = avail; /* the last line, without a line end */
    if (n == 0)
        return 0;
    span->bytes = p;
    span->len = n;
    span->first_line = c->line;
    span->lines = k;
    c->pos += n;
    c->line += (long)k;
    return 1;
}

int rs_csv_next(rs_csv *c, rs_err *e)
{
    if (c == NULL)
        return rs_err_set(e, RS_EUSAGE, "rs_csv_next: no reader");
    int rc = next_record(c, e);
    if (rc == 1 && c->problem == NULL && c->nfields != c->nhdr) {
        snprintf(c->problem_buf, sizeof c->problem_buf, "%zu field%s, header has %zu",
                 c->nfields, c->nfields == 1 ? "" : "s", c->nhdr);
        c->problem = c->problem_buf;
    }
    return rc;
}

/* ---- header -------------------------------------------------------- */

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

/* ASCII case-insensitive comparison of a[0, an) and b[0, bn). */
static int name_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    for (size_t i = 0; i < n; i++) {
        int d = lower((unsigned char)a[i]) - lower((unsigned char)b[i]);
        if (d != 0)
            return d;
    }
    return an < bn ? -1 : an > bn ? 1 : 0;
}

static int is_space(int ch)
{
    return ch == ' ' || ch == '\t';
}

/* Trims spaces and tabs: *s, *n updated. */
static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_space((unsigned char)(*s)[0])) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_space((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static int cmp_names(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    int d = name_cmp(a, strlen(a), b, strlen(b));
    if (d != 0)
        return d;
    return a < b ? -1 : a > b ? 1 : 0; /* equal names in file order */
}

/* Refuses a header that names one column twice (empty names aside). */
static int check_duplicates(rs_csv *c, rs_err *e)
{
    if (c->nhdr < 2)
        return 0;
    const char **v = malloc(c->nhdr * sizeof *v);
    if (v == NULL)
        return rs_err_set(e, RS_ENOMEM, "%s: out of memory", c->name);
    for (size_t i = 0; i < c->nhdr; i++)
        v[i] = c->hdr + c->hdr_off[i];
    qsort(v, c->nhdr, sizeof *v, cmp_names);
    const char *dup = NULL, *second = NULL;
    for (size_t i = 1; i < c->nhdr; i++) {
        if (v[i][0] == '\0' || name_cmp(v[i - 1], strlen(v[i - 1]), v[i], strlen(v[i])) != 0)
            continue;
        if (i >= 2 && name_cmp(v[i - 2], strlen(v[i - 2]), v[i], strlen(v[i])) == 0)
            continue; /* third or later of a group */
        if (second == NULL || v[i] < second) {
            second = v[i];
            dup = v[i - 1];
        }
    }
    int rc = 0;
    if (dup != NULL)
        rc = rs_err_set(e, RS_EINPUT, "%s:%ld: ambiguous header: column '%s' appears twice",
                        c->name, c->rec_line, dup);
    free(v);
    return rc;
}

/* Refuses a header in another encoding or with another delimiter, then
 * keeps trimmed copies of the names. */
static int read_header(rs_csv *c, rs_err *e)
{
    /* the first bytes: emptiness and byte-order marks */
    while (c->len < 4 && !c->eof) {
        int rc = fill(c, e);
        if (rc < 0)
            return rc;
    }
    const unsigned char *b = c->buf;
    if (c->len == 0)
        return rs_err_set(e, RS_EINPUT, "%s: empty file", c->name);
    if (c->len >= 4 && ((b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0) ||
                        (b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF)))
        return rs_err_set(e, RS_EINPUT, "%s: text is UTF-32 (byte-order mark); save it as UTF-8",
                          c->name);
    if (c->len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)))
        return rs_err_set(e, RS_EINPUT, "%s: text is UTF-16 (byte-order mark %02X %02X); save it as UTF-8",
                          c->name, b[0], b[1]);
    if (c->len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        c->pos = 3;

    int rc = next_record(c, e);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return rs_err_set(e, RS_EINPUT, "%s: no header (only blank lines)", c->name);
    if (c->problem != NULL) {
        if (strcmp(c->problem, "NUL byte") == 0)
            return rs_err_set(e, RS_EINPUT, "%s:%ld: header is not UTF-8 (NUL bytes: UTF-16?)",
                              c->name, c->rec_line);
        if (strcmp(c->problem, "not valid UTF-8") == 0)
            return rs_err_set(e, RS_EINPUT,
                              "%s:%ld: header is not UTF-8 (Latin-1 or Windows-1252?)",
                              c->name, c->rec_line);
        if (strncmp(c->problem, "record longer", 13) == 0)
            return rs_err_set(e, RS_EINPUT, "%s:%ld: header longer than %d bytes", c->name,
                              c->rec_line, RS_CSV_RECORD_MAX);
        return rs_err_set(e, RS_EINPUT, "%s:%ld: bad header: %s", c->name, c->rec_line,
                          c->problem);
    }

    if (c->nfields == 1) {
        static const char delims[] = {';', '\t', '|'};
        size_t best = 0, count = 0;
        size_t n = c->starts[1] - 1;
        for (size_t d = 0; d < sizeof delims; d++) {
            size_t k = 0;
            for (size_t i = 0; i < n; i++)
                k += c->rec[i] == (unsigned char)delims[d];
            if (k > count) {
                count = k;
                best = d;
            }
        }
        if (count > 0)
            return rs_err_set(e, RS_EINPUT, "%s:%ld: not comma-separated (found %s)", c->name,
                              c->rec_line,
                              delims[best] == ';'    ? "';'"
                              : delims[best] == '\t' ? "tabs"
                                                     : "'|'");
    }
    for (size_t i = 0; i < c->nfields; i++)
        if (memchr(c->rec + c->starts[i], '\r', c->starts[i + 1] - c->starts[i] - 1) != NULL)
            return rs_err_set(e, RS_EINPUT,
                              "%s:%ld: line ends are bare CR (old Mac format); use LF or CRLF",
                              c->name, c->rec_line);

    size_t total = c->starts[c->nfields];
    c->hdr = malloc(total);
    c->hdr_off = malloc(c->nfields * sizeof *c->hdr_off);
    if (c->hdr == NULL || c->hdr_off == NULL)
        return rs_err_set(e, RS_ENOMEM, "%s: out of memory", c->name);
    size_t w = 0;
    for (size_t i = 0; i < c->nfields; i++) {
        const char *s = (const char *)c->rec + c->starts[i];
        size_t n = c->starts[i + 1] - c->starts[i] - 1;
        trim(&s, &n);
        c->hdr_off[i] = w;
        memcpy(c->hdr + w, s, n);
        w += n;
        c->hdr[w++] = '\0';
    }
    c->nhdr = c->nfields;
    return check_duplicates(c, e);
}

/* ---- open / close -------------------------------------------------- */

int rs_csv_open(rs_err *e, const char *path, const char *display_name, rs_csv **out)
{
    if (out == NULL || path == NULL)
        return rs_err_set(e, RS_EUSAGE, "rs_csv_open: no path");
    *out = NULL;
    rs_csv *c = calloc(1, sizeof *c);
    if (c == NULL)
        return rs_err_set(e, RS_ENOMEM, "out of memory");
    int rc = 0, fd = -1;
    c->line = 1;
    c->size = -1;
    c->rec = (unsigned char *)"";
    c->name = strdup(display_name ? display_name : path);
    if (c->name == NULL) {
        rc = rs_err_set(e, RS_ENOMEM, "out of memory");
        goto done;
    }
    int is_stdin = strcmp(path, "-") == 0;
    fd = is_stdin ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = rs_err_set(e, errno == ENOENT || errno == EACCES ? RS_EINPUT : RS_EIO,
                        "%s: cannot open: %s", c->name, strerror(errno));
        goto done;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = rs_err_set(e, RS_EIO, "%s: cannot stat: %s", c->name, strerror(errno));
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = rs_err_set(e, RS_EINPUT, "%s: is a directory", c->name);
        goto done;
    }
    if (!is_stdin && S_ISREG(st.st_mode))
        c->size = (int64_t)st.st_size;
    c->gz = gzdopen(fd, "rb");
    if (c->gz == NULL) {
        rc = rs_err_set(e, RS_ENOMEM, "%s: cannot start zlib", c->name);
        goto done;
    }
    fd = -1; /* owned by gz now */
    gzbuffer(c->gz, 128 * 1024);

    c->sha = EVP_MD_CTX_new();
    c->sha_tmp = EVP_MD_CTX_new();
    c->buf = malloc(IN_CAP + 1);
    c->starts = malloc((MAX_FIELDS + 1) * sizeof *c->starts);
    if (c->sha == NULL || c->sha_tmp == NULL || c->buf == NULL || c->starts == NULL) {
        rc = rs_err_set(e, RS_ENOMEM, "%s: out of memory", c->name);
        goto done;
    }
    if (EVP_DigestInit_ex(c->sha, EVP_sha256(), NULL) != 1) {
        rc = rs_err_set(e, RS_ERR, "%s: cannot start SHA-256", c->name);
        goto done;
    }
    rc = read_header(c, e);

done:
    if (fd >= 0)
        close(fd);
    if (rc != 0) {
        rs_csv_close(c);
        return rc;
    }
    c->problem = NULL;
    *out = c;
    return 0;
}

int rs_csv_open_mem(rs_err *e, const char *display_name, size_t nhdr, rs_csv **out)
{
    if (out == NULL)
        return rs_err_set(e, RS_EUSAGE, "rs_csv_open_mem: no reader");
    rs_csv *c = calloc(1, sizeof *c);
    if (c == NULL)
        return rs_err_set(e, RS_ENOMEM, "out of memory");
    c->mem = 1;
    c->eof = 1;
    c->size = -1;
    c->line = 1;
    c->nhdr = nhdr;
    c->rec = (unsigned char *)"";
    c->buf = (unsigned char *)"";
    c->name = strdup(display_name ? display_name : "(memory)");
    c->starts = malloc((MAX_FIELDS + 1) * sizeof *c->starts);
    if (c->name == NULL || c->starts == NULL) {
        rs_csv_close(c);
        return rs_err_set(e, RS_ENOMEM, "out of memory");
    }
    *out = c;
    return 0;
}

void rs_csv_mem_set(rs_csv *c, unsigned char *bytes, size_t len, long first_line)
{
    if (c == NULL || !c->mem)
        return;
    c->buf = bytes;
    c->pos = 0;
    c->len = len;
    c->line = first_line;
    c->rec = (unsigned char *)"";
    c->nfields = 0;
    c->problem = NULL;
}

void rs_csv_close(rs_csv *c)
{
    if (c == NULL)
        return;
    if (c->gz != NULL)
        gzclose(c->gz);
    EVP_MD_CTX_free(c->sha);
    EVP_MD_CTX_free(c->sha_tmp);
    if (!c->mem)
        free(c->buf);
    free(c->starts);
    free(c->hdr);
    free(c->hdr_off);
    free(c->name);
    free(c);
}

/* ---- accessors ----------------------------------------------------- */

size_t rs_csv_header_count(const rs_csv *c)
{
    return c ? c->nhdr : 0;
}

const char *rs_csv_header(const rs_csv *c, size_t i)
{
    return c && i < c->nhdr ? c->hdr + c->hdr_off[i] : NULL;
}

int rs_csv_col(const rs_csv *c, const char *name)
{
    if (c == NULL || name == NULL)
        return -1;
    size_t n = strlen(name);
    trim(&name, &n);
    for (size_t i = 0; i < c->nhdr; i++) {
        const char *h = c->hdr + c->hdr_off[i];
        if (name_cmp(h, strlen(h), name, n) == 0)
            return (int)i;
    }
    return -1;
}

const char *rs_csv_record_problem(const rs_csv *c)
{
    return c ? c->problem : NULL;
}

long rs_csv_line(const rs_csv *c)
{
    return c ? c->rec_line : 0;
}

size_t rs_csv_nfields(const rs_csv *c)
{
    return c ? c->nfields : 0;
}

const char *rs_csv_field(const rs_csv *c, size_t i, size_t *len)
{
    if (c == NULL || i >= c->nfields) {
        if (len != NULL)
            *len = 0;
        return "";
    }
    if (len != NULL)
        *len = c->starts[i + 1] - c->starts[i] - 1;
    return (const char *)c->rec + c->starts[i];
}

uint64_t rs_csv_bytes_in(const rs_csv *c)
{
    if (c == NULL || c->gz == NULL)
        return 0;
    z_off_t off = gzoffset(c->gz);
    return off < 0 ? 0 : (uint64_t)off;
}

int64_t rs_csv_size(const rs_csv *c)
{
    return c ? c->size : -1;
}

const char *rs_csv_name(const rs_csv *c)
{
    return c ? c->name : NULL;
}

void rs_csv_sha256(rs_csv *c, unsigned char out[32])
{
    unsigned int n = 0;
    if (c == NULL || EVP_MD_CTX_copy_ex(c->sha_tmp, c->sha) != 1 ||
        EVP_DigestFinal_ex(c->sha_tmp, out, &n) != 1 || n != 32)
        memset(out, 0, 32);
}
