/*
 * fuzz_vrm.c — the plate normaliser and its keyed hash (engine/ingest.c).
 *
 * Invariants: rs_vrm_normalise accepts exactly the inputs made of spaces
 * and ASCII letters and digits with 1-10 of the latter; its output is only
 * A-Z and 0-9, NUL-terminated, the input's letters and digits upper-cased
 * in order, and normalising it again changes nothing.  The hash depends on
 * the normalised plate only: the same plate in lower case with a space
 * added hashes the same.
 */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[16], again[16];
    size_t n = 99, n2 = 0;
    memset(out, 'x', sizeof out);
    int rc = rs_vrm_normalise((const char *)data, size, out, &n);

    size_t alnum = 0;
    int other = 0;
    for (size_t i = 0; i < size; i++) {
        unsigned char ch = data[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
            alnum++;
        else if (ch != ' ')
            other = 1;
    }
    FUZZ_ASSERT((rc == 0) == (!other && alnum >= 1 && alnum <= 10));
    if (rc != 0)
        return 0;
    FUZZ_ASSERT(n == alnum && out[n] == '\0');
    size_t k = 0;
    for (size_t i = 0; i < size; i++) {
        unsigned char ch = data[i];
        if (ch == ' ')
            continue;
        if (ch >= 'a' && ch <= 'z')
            ch = (unsigned char)(ch - 'a' + 'A');
        FUZZ_ASSERT(out[k] == (char)ch);
        k++;
    }
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT((out[i] >= 'A' && out[i] <= 'Z') || (out[i] >= '0' && out[i] <= '9'));
    FUZZ_ASSERT(rs_vrm_normalise(out, n, again, &n2) == 0 && n2 == n &&
                memcmp(out, again, n + 1) == 0);

    /* the same plate written differently hashes the same */
    char variant[32];
    size_t v = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = out[i];
        variant[v++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
        if (i == 0)
            variant[v++] = ' ';
    }
    char vnorm[16];
    size_t vn = 0;
    FUZZ_ASSERT(rs_vrm_normalise(variant, v, vnorm, &vn) == 0);
    static rs_key key = {"fuzz_vrm fixed key 0123456789", 29};
    unsigned char h1[32], h2[32];
    rs_vrm_hash(&key, out, n, h1);
    rs_vrm_hash(&key, vnorm, vn, h2);
    FUZZ_ASSERT(memcmp(h1, h2, 32) == 0);
    return 0;
}
