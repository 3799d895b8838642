/*
 * fuzz_fields.c — the strict number parsers (engine/base/parse.c) and the pure
 * field checks every record parser uses (rs_check_latlon, rs_check_speed,
 * rs_check_limit in engine/ingest/ingest_row.c; ingest_int.h is the ingest
 * room's private header, included here on purpose).
 *
 * The input is split at commas; each piece is given to every parser, and
 * the first four pieces to the checks as lat, lon, speed, limit.
 * Invariants:
 *   - rs_parse_decimal accepts exactly [+-]D+[.D+] (at most 255 bytes when
 *     the fast path does not apply) and agrees with glibc's correctly
 *     rounded strtod, -0 coming out as +0;
 *   - rs_parse_fixed is exact: with no more fraction digits than the scale
 *     it equals the digits read as one integer; otherwise it is that
 *     truncation plus 0 or 1 away from zero (half away from zero);
 *   - rs_parse_int accepts a decimal whose fraction is all zeros and agrees
 *     with strtoll on the integer part;
 *   - a speed that passes is 0-200 mph (0-20000 hundredths) and the km/h
 *     conversion is within half a hundredth of mph of the exact value; a
 *     limit that passes is 20-70 in tens; a position that passes is in GB;
 *     a refusal always carries a reason (and a column for positions).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ingest_int.h"
#include "parse.h"

static int plain_form(const char *s, size_t len, size_t *ip, size_t *ilen, size_t *fp,
                      size_t *flen)
{
    size_t i = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    *ip = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    *ilen = i - *ip;
    *fp = i;
    *flen = 0;
    if (i < len && s[i] == '.') {
        *fp = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        *flen = i - *fp;
        if (*flen == 0)
            return 0;
    }
    return *ilen > 0 && i == len;
}

static void check_numbers(const char *s, size_t len)
{
    size_t ip, ilen, fp, flen;
    int form = plain_form(s, len, &ip, &ilen, &fp, &flen);
    int neg = len > 0 && s[0] == '-';
    char buf[600];

    double d = 0;
    int drc = rs_parse_decimal(s, len, &d);
    if (!form)
        FUZZ_ASSERT(drc != 0);
    if (drc == 0) {
        FUZZ_ASSERT(form && len < sizeof buf);
        memcpy(buf, s, len);
        buf[len] = '\0';
        double want = strtod(buf, NULL);
        if (want == 0)
            want = 0.0; /* +0 */
        FUZZ_ASSERT(isfinite(d));
        FUZZ_ASSERT(memcmp(&d, &want, sizeof d) == 0);
    } else if (form && len <= 255) {
        memcpy(buf, s, len);
        buf[len] = '\0';
        FUZZ_ASSERT(isinf(strtod(buf, NULL))); /* only overflow may refuse a short plain form */
    }

    for (int scale = 0; scale <= 18; scale += 3) {
        int64_t v;
        if (rs_parse_fixed(s, len, scale, &v) != 0) {
            if (form && ilen + (size_t)scale <= 17) /* fits easily: must not fail */
                FUZZ_ASSERT(0);
            continue;
        }
        FUZZ_ASSERT(form);
        /* the digits up to the scale, as one integer string */
        size_t k = 0;
        if (ilen + (size_t)scale + 2 >= sizeof buf)
            continue;
        if (neg)
            buf[k++] = '-';
        memcpy(buf + k, s + ip, ilen);
        k += ilen;
        for (int j = 0; j < scale; j++)
            buf[k++] = (size_t)j < flen ? s[fp + (size_t)j] : '0';
        buf[k] = '\0';
        int64_t trunc;
        errno = 0;
        long long ll = strtoll(buf, NULL, 10);
        if (errno == ERANGE)
            continue; /* truncation overflows but the rounded value fits: only at INT64_MIN */
        trunc = (int64_t)ll;
        if (flen <= (size_t)scale) {
            FUZZ_ASSERT(v == trunc);
        } else {
            int up = s[fp + (size_t)scale] >= '5';
            FUZZ_ASSERT(v == trunc + (up ? (neg ? -1 : 1) : 0));
        }
    }

    int64_t iv;
    if (rs_parse_int(s, len, &iv) == 0) {
        FUZZ_ASSERT(form);
        for (size_t i = 0; i < flen; i++)
            FUZZ_ASSERT(s[fp + i] == '0');
        size_t n = ilen + (neg || s[0] == '+' ? 1 : 0);
        FUZZ_ASSERT(n < sizeof buf);
        memcpy(buf, s, n);
        buf[n] = '\0';
        errno = 0;
        long long ll = strtoll(buf, NULL, 10);
        FUZZ_ASSERT(errno == 0 && (int64_t)ll == iv);
    }
}

static void check_fields(const char *f[4], const size_t l[4])
{
    const char *why = NULL, *col = NULL;
    double lat, lon;
    if (rs_check_latlon(f[0], l[0], f[1], l[1], &lat, &lon, &col, &why) == 0)
        FUZZ_ASSERT(rs_in_gb_wgs84(lat, lon));
    else
        FUZZ_ASSERT(why != NULL && why[0] != '\0' && col != NULL &&
                    (strcmp(col, "lat") == 0 || strcmp(col, "lon") == 0));

    for (int kph = 0; kph <= 1; kph++) {
        int64_t cmph = -1;
        why = NULL;
        if (rs_check_speed(f[2], l[2], kph, &cmph, &why) != 0) {
            FUZZ_ASSERT(why != NULL && why[0] != '\0');
            continue;
        }
        FUZZ_ASSERT(cmph >= 0 && cmph <= 20000);
        double v;
        if (rs_parse_decimal(f[2], l[2], &v) != 0) {
            /* only the length limit of rs_parse_decimal can refuse it
             * (rs_parse_fixed has none: corpus long_speed_decimal) */
            FUZZ_ASSERT(l[2] > 255);
            continue;
        }
        double want = kph ? v * 100.0 / 1.609344 : v * 100.0;
        FUZZ_ASSERT(fabs((double)cmph - want) <= 0.5 + 1e-6);
    }

    int limit = -1;
    why = NULL;
    for (int optional = 0; optional <= 1; optional++) {
        if (rs_check_limit(f[3], l[3], optional, &limit, &why) != 0) {
            FUZZ_ASSERT(why != NULL && why[0] != '\0');
            FUZZ_ASSERT(!(optional && l[3] == 0));
            continue;
        }
        FUZZ_ASSERT((optional && l[3] == 0 && limit == 0) ||
                    (limit >= 20 && limit <= 70 && limit % 10 == 0));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *f[4] = {"", "", "", ""};
    size_t l[4] = {0, 0, 0, 0};
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && s[i] != ',')
            continue;
        check_numbers(s + start, i - start);
        if (k < 4) {
            f[k] = s + start;
            l[k] = i - start;
            k++;
        }
        start = i + 1;
    }
    check_fields(f, l);
    return 0;
}
