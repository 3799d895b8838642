/*
 * fuzz_csv.c — the CSV reader (engine/csv.c) on any bytes, written once per
 * input to a scratch file and read back with rs_csv_open / rs_csv_next.
 *
 * Invariants: the header is refused with RS_EINPUT and a message, or has no
 * repeated non-empty name; every record starts on a later physical line
 * than the one before and no later than the input has lines; a record
 * without a problem has exactly the header's field count and fields
 * without NUL bytes, each NUL-terminated at its length; a problem is one of
 * the documented reasons; for a plain (not gzip) input read to the end, the
 * SHA-256 the reader kept equals the input's.  Read a second time the way
 * the parallel telematics loader reads (runs of plain lines taken in bulk
 * with rs_csv_take_plain and split by a memory reader, the rest with
 * rs_csv_next), every record has the same line, problem and fields.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fuzz.h"

static int known_problem(const char *p)
{
    static const char *const prefixes[] = {
        "record longer than 65536 bytes", "unterminated quote", "NUL byte", "not valid UTF-8",
        "stray quote in unquoted field", "text after closing quote"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(p, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return strstr(p, ", header has ") != NULL;
}

/* The parallel way of reading: a file reader handing out runs, and a
 * memory reader splitting them. */
typedef struct par {
    rs_csv *file, *mem;
    int in_run;
    unsigned char *copy;
    size_t max_lines, min_bytes;
} par;

/* Next record: 1 and *from (the reader holding it), 0 at end, < 0 error. */
static int par_next(par *q, rs_err *e, rs_csv **from)
{
    for (;;) {
        if (q->in_run) {
            if (rs_csv_next(q->mem, e) == 1) {
                *from = q->mem;
                return 1;
            }
            q->in_run = 0;
        }
        rs_csv_span sp;
        int rc = rs_csv_take_plain(q->file, e, q->max_lines, q->min_bytes, &sp);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            FUZZ_ASSERT(sp.len > 0 && memchr(sp.bytes, '"', sp.len) == NULL);
            free(q->copy);
            q->copy = malloc(sp.len + 1);
            FUZZ_ASSERT(q->copy != NULL);
            memcpy(q->copy, sp.bytes, sp.len);
            rs_csv_mem_set(q->mem, q->copy, sp.len, sp.first_line);
            q->in_run = 1;
            continue;
        }
        *from = q->file;
        return rs_csv_next(q->file, e);
    }
}

/* Reads the input both ways in step; every record must agree. */
static void check_parallel(const char *path, const uint8_t *data, size_t size)
{
    rs_err e = {0}, e2 = {0};
    rs_csv *a = NULL;
    par q = {0};
    if (rs_csv_open(&e, path, "input.csv", &a) != 0)
        return;
    FUZZ_ASSERT(rs_csv_open(&e2, path, "input.csv", &q.file) == 0);
    FUZZ_ASSERT(rs_csv_open_mem(&e2, "input.csv", rs_csv_header_count(a), &q.mem) == 0);
    /* small runs and thresholds, chosen by the input, to cross many edges */
    q.max_lines = size > 0 ? 1 + data[size - 1] % 7 : 3;
    q.min_bytes = size > 1 ? data[size - 2] % 64 : 0;
    for (;;) {
        rs_csv *b = NULL;
        int ra = rs_csv_next(a, &e), rb = par_next(&q, &e2, &b);
        FUZZ_ASSERT(ra == rb);
        if (ra <= 0)
            break;
        FUZZ_ASSERT(rs_csv_line(a) == rs_csv_line(b));
        const char *pa = rs_csv_record_problem(a), *pb = rs_csv_record_problem(b);
        FUZZ_ASSERT((pa == NULL) == (pb == NULL));
        FUZZ_ASSERT(pa == NULL || strcmp(pa, pb) == 0);
        FUZZ_ASSERT(rs_csv_nfields(a) == rs_csv_nfields(b));
        for (size_t i = 0; i < rs_csv_nfields(a); i++) {
            size_t la = 0, lb = 0;
            const char *fa = rs_csv_field(a, i, &la), *fb = rs_csv_field(b, i, &lb);
            FUZZ_ASSERT(la == lb && memcmp(fa, fb, la) == 0);
        }
    }
    unsigned char ha[32], hb[32];
    rs_csv_sha256(a, ha);
    rs_csv_sha256(q.file, hb);
    FUZZ_ASSERT(memcmp(ha, hb, 32) == 0);
    rs_csv_close(a);
    rs_csv_close(q.file);
    rs_csv_close(q.mem);
    free(q.copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("input.csv", data, size);
    rs_err e = {0};
    rs_csv *c = NULL;
    int rc = rs_csv_open(&e, path, "input.csv", &c);
    if (rc != 0) {
        FUZZ_ASSERT(c == NULL);
        FUZZ_ASSERT(rc == RS_EINPUT || rc == RS_EIO);
        FUZZ_ASSERT(e.code == rc && e.msg[0] != '\0');
        FUZZ_ASSERT(strncmp(e.msg, "input.csv", 9) == 0); /* messages name the file */
        return 0;
    }
    size_t nh = rs_csv_header_count(c);
    FUZZ_ASSERT(nh >= 1);
    for (size_t i = 0; i < nh; i++) {
        const char *h = rs_csv_header(c, i);
        FUZZ_ASSERT(h != NULL);
        FUZZ_ASSERT(rs_csv_col(c, h) >= 0);
        if (h[0] != '\0')
            FUZZ_ASSERT(rs_csv_col(c, h) == (int)i); /* no other column of that name */
    }
    FUZZ_ASSERT(rs_csv_header(c, nh) == NULL);

    long lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    long prev = 0;
    int is_gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    for (;;) {
        rc = rs_csv_next(c, &e);
        if (rc <= 0)
            break;
        long line = rs_csv_line(c);
        FUZZ_ASSERT(line > prev);
        FUZZ_ASSERT(is_gzip || line <= lines);
        prev = line;
        const char *p = rs_csv_record_problem(c);
        size_t nf = rs_csv_nfields(c);
        if (p != NULL) {
            FUZZ_ASSERT(known_problem(p));
            if (strncmp(p, "record longer", 13) == 0)
                FUZZ_ASSERT(nf == 0);
        } else {
            FUZZ_ASSERT(nf == nh);
        }
        for (size_t i = 0; i < nf; i++) {
            size_t len = 0;
            const char *f = rs_csv_field(c, i, &len);
            FUZZ_ASSERT(len <= RS_CSV_RECORD_MAX);
            FUZZ_ASSERT(f[len] == '\0');
            if (p == NULL)
                FUZZ_ASSERT(strlen(f) == len);
        }
        size_t len = 1;
        FUZZ_ASSERT(rs_csv_field(c, nf, &len)[0] == '\0' && len == 0);
    }
    if (rc == 0 && !is_gzip) {
        unsigned char got[32], want[32];
        unsigned int n = 0;
        rs_csv_sha256(c, got);
        FUZZ_ASSERT(EVP_Digest(data, size, want, &n, EVP_sha256(), NULL) == 1 && n == 32);
        FUZZ_ASSERT(memcmp(got, want, 32) == 0);
    }
    if (rc < 0)
        FUZZ_ASSERT(e.code == rc && e.msg[0] != '\0');
    rs_csv_close(c);
    check_parallel(path, data, size);
    return 0;
}
