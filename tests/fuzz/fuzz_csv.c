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
 * SHA-256 the reader kept equals the input's.
 */
#include <openssl/evp.h>
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
    return 0;
}
