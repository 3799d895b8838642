/*
 * csv_record.c — the CSV reader's records (see csv.h; state in csv_int.h):
 * reading the file through zlib into the buffer, finding each record,
 * splitting it in place with its physical start line, or giving the short
 * reason it is unusable.  A SHA-256 of the decompressed bytes is updated
 * as each chunk is read.
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
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "csv_int.h"

/* ---- input --------------------------------------------------------- */

int rs_csv_fill(rs_csv *c, rs_err *e)
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

/* Splits and unescapes a record buf[s, e) that contains quotes, in place;
 * dry non-zero only counts its fields into *nf and finds its problem,
 * leaving the bytes and the record as they were.  Returns the quoting
 * problem, or NULL. */
static const char *split_quoted(rs_csv *c, size_t s, size_t e, int dry, size_t *nf)
{
    unsigned char *b = c->buf;
    size_t r = s, w = s, k = 0;
    const char *prob = NULL;
    if (!dry)
        c->starts[0] = 0;
    for (;;) {
        /* at a field start */
        if (r < e && b[r] == '"') {
            r++;
            for (;;) {
                unsigned char *q = memchr(b + r, '"', e - r);
                size_t n = q ? (size_t)(q - (b + r)) : e - r;
                if (!dry)
                    memmove(b + w, b + r, n);
                w += n;
                r += n;
                if (q == NULL) {
                    prob = "unterminated quote";
                    break;
                }
                r++; /* the quote */
                if (r < e && b[r] == '"') {
                    if (!dry)
                        b[w] = '"';
                    w++;
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
            if (!dry)
                b[w] = b[r];
            w++;
            r++;
        }
        int more = r < e;
        if (!dry) {
            b[w] = '\0';
            c->starts[k + 1] = (uint32_t)(w + 1 - s);
        }
        w++;
        k++;
        if (!more)
            break;
        r++; /* the comma */
    }
    *nf = k;
    if (!dry) {
        c->rec = b + s;
        c->nfields = k;
    }
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
            int rc = rs_csv_fill(c, e);
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

/* Splits the record buf[s, s+n) (which holds a quote) and sets its
 * problem: an unterminated quote first, then bytes, then quoting.  1. */
static int split_record(rs_csv *c, size_t s, size_t n)
{
    size_t nf;
    const char *bp = bytes_problem(c->buf + s, n);
    const char *qp = split_quoted(c, s, s + n, 0, &nf);
    if (qp != NULL && strcmp(qp, "unterminated quote") == 0)
        c->problem = qp;
    else
        c->problem = bp ? bp : qp;
    return 1;
}

/* 1 when the record buf[s, end) (end: its LF, or the end of the data) is
 * one rs_csv_next would accept: clean bytes, clean quoting and, past the
 * header, the header's field count.  Leaves the bytes untouched. */
static int record_good(rs_csv *c, size_t s, size_t end)
{
    size_t n = end - s, nf = 0;
    if (n > 0 && c->buf[end - 1] == '\r')
        n--;
    if (n > RS_CSV_RECORD_MAX || bytes_problem(c->buf + s, n) != NULL)
        return 0;
    if (split_quoted(c, s, s + n, 1, &nf) != NULL)
        return 0;
    return c->nhdr == 0 || nf == c->nhdr;
}

/* 1 when the line buf[pos, nl) ends inside a quoted field (the same
 * reading as scan_record's). */
static int open_at_line_end(const rs_csv *c, size_t nl)
{
    const unsigned char *b = c->buf;
    int at_start = 1, inq = 0;
    for (size_t i = c->pos; i < nl; i++) {
        unsigned char ch = b[i];
        if (inq) {
            if (ch == '"') {
                if (i + 1 < nl && b[i + 1] == '"')
                    i++;
                else
                    inq = at_start = 0;
            }
            continue;
        }
        if (ch == ',')
            at_start = 1;
        else if (ch == '"' && at_start)
            inq = 1, at_start = 0;
        else
            at_start = 0;
    }
    return inq;
}

/* Resynchronisation: the record at buf[pos] holds a quote that is still
 * open at the line end nl (index of the LF), and read on from there it
 * would be bad (or longer than allowed).  The quote is then not trusted:
 * only this physical line is taken, as a record with its own problem
 * ("unterminated quote (reading resumes at the next line)" as a rule),
 * and the next record starts on the next line.  1, or a negative code. */
static int first_line_only(rs_csv *c, rs_err *e, size_t nl)
{
    size_t s = c->pos, n = nl - s;
    if (n > 0 && c->buf[nl - 1] == '\r')
        n--;
    if (n > RS_CSV_RECORD_MAX)
        return skip_long(c, e, s + RS_CSV_RECORD_MAX + 1);
    c->rec_line = c->line;
    c->line++;
    c->pos = nl + 1;
    split_record(c, s, n);
    if (c->problem != NULL && strcmp(c->problem, "unterminated quote") == 0)
        c->problem = "unterminated quote (reading resumes at the next line)";
    return 1;
}

int rs_csv_read_record(rs_csv *c, rs_err *e)
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
            int rc = rs_csv_fill(c, e);
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

        /* deep inside a stretch already rejected for an open quote: a
         * line whose quote is open at its end is rejected alone, unread
         * past it, once RS_CSV_RESYNC_TRIES such lines were tried */
        if (nl != NULL && c->nhdr > 0 && c->line < c->resync_end &&
            c->resync_tries >= RS_CSV_RESYNC_TRIES && !(c->eof && nl + 1 == c->buf + c->len) &&
            open_at_line_end(c, (size_t)(nl - c->buf)))
            return first_line_only(c, e, (size_t)(nl - c->buf));
        size_t end;
        int st = scan_record(c, &end);
        if (st == SCAN_MORE) {
            int rc = rs_csv_fill(c, e);
            if (rc < 0)
                return rc;
            continue;
        }
        size_t s = c->pos;
        /* the record's first line end, when the record goes past it */
        size_t lim = st == SCAN_LONG ? s + RS_CSV_RECORD_MAX + 1 : end;
        if (lim > c->len)
            lim = c->len;
        unsigned char *nl1 = memchr(c->buf + s, '\n', lim - s);
        if (nl1 != NULL && st == SCAN_FOUND && end == c->len && nl1 + 1 == c->buf + end)
            nl1 = NULL; /* the file's last line: its line end is inside the quote */
        if (c->nhdr == 0)
            nl1 = NULL; /* the header: no resynchronisation, refused as it is */
        if (nl1 != NULL && (st == SCAN_LONG || !record_good(c, s, end))) {
            long reach = c->line + (long)count_nl(c->buf + s, (st == SCAN_LONG ? lim : end) - s);
            if (c->line >= c->resync_end) { /* a new stretch */
                c->resync_end = reach;
                c->resync_tries = 0;
            } else {
                c->resync_tries++;
            }
            return first_line_only(c, e, (size_t)(nl1 - c->buf));
        }
        if (st == SCAN_LONG)
            return skip_long(c, e, s + RS_CSV_RECORD_MAX + 1);
        size_t n = end - s;
        if (n > 0 && c->buf[end - 1] == '\r')
            n--;
        if (n > RS_CSV_RECORD_MAX)
            return skip_long(c, e, s + RS_CSV_RECORD_MAX + 1);
        int has_nl = end < c->len;
        c->rec_line = c->line;
        c->line += (long)count_nl(c->buf + s, end - s) + has_nl;
        c->pos = end + has_nl;
        return split_record(c, s, n);
    }
}

int rs_csv_take_plain(rs_csv *c, rs_err *e, size_t max_lines, size_t min_bytes,
                      rs_csv_span *span)
{
    if (c == NULL || span == NULL)
        return rs_err_set(e, RS_EUSAGE, "rs_csv_take_plain: no reader");
    if (c->ahead_wanted || c->ahead != NULL)
        return rs_err_set(e, RS_EUSAGE, "rs_csv_take_plain: the reader reads ahead");
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
        int rc = rs_csv_fill(c, e);
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
    if (c->ahead_wanted && c->ahead == NULL && rs_csv_ahead_start(c) != 0)
        c->ahead_wanted = 0; /* no helper (out of memory or threads): read here */
    if (c->ahead != NULL)
        return rs_csv_ahead_next(c, e);
    int rc = rs_csv_read_record(c, e);
    if (rc == 1 && c->problem == NULL && c->nfields != c->nhdr) {
        snprintf(c->problem_buf, sizeof c->problem_buf, "%zu field%s, header has %zu",
                 c->nfields, c->nfields == 1 ? "" : "s", c->nhdr);
        c->problem = c->problem_buf;
    }
    return rc;
}
