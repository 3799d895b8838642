/*
 * parse.c — strict field parsers (numbers, ISO 8601 instants, dates, times).
 *
 * What: every parser first checks the exact form of the field byte by
 * byte (s, len; never reading past len, never needing a NUL) and refuses
 * anything else, so no libc parser ever gets to guess: no locale, no
 * exponent, no hex, no leading spaces.
 *
 * Core data: none; a decimal is scanned once into a 64-bit mantissa and a
 * fraction-digit count.  When the mantissa is at most 2^53 and there are
 * at most 22 fraction digits, one IEEE division of two exactly
 * representable doubles gives the correctly rounded result (Clinger's fast
 * path); otherwise a bounded NUL-terminated copy goes to strtod, which
 * glibc rounds correctly.
 *
 * Workload: several fields of every ingested row, millions of rows per
 * run, so the common short numbers never reach strtod and nothing
 * allocates.
 */
#include "parse.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

/* The longest decimal accepted; a longer field is refused rather than
 * truncated. */
#define DECIMAL_MAX 255

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Scans the plain-decimal form [+-]D+[.D+] over s[0..len).  Returns 0 and
 * the positions, or -1.  *ip, *ilen: integer digits; *fp, *flen: fraction
 * digits (flen 0 when there is no '.'). */
static int scan_decimal(const char *s, size_t len, int *neg, size_t *ip, size_t *ilen,
                        size_t *fp, size_t *flen)
{
    size_t i = 0;
    *neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) {
        *neg = s[i] == '-';
        i++;
    }
    *ip = i;
    while (i < len && is_digit(s[i]))
        i++;
    *ilen = i - *ip;
    if (*ilen == 0)
        return -1;
    *fp = i;
    *flen = 0;
    if (i < len && s[i] == '.') {
        i++;
        *fp = i;
        while (i < len && is_digit(s[i]))
            i++;
        *flen = i - *fp;
        if (*flen == 0)
            return -1;
    }
    return i == len ? 0 : -1;
}

int rs_parse_decimal(const char *s, size_t len, double *out)
{
    int neg;
    size_t ip, ilen, fp, flen;
    if (s == NULL || scan_decimal(s, len, &neg, &ip, &ilen, &fp, &flen) != 0)
        return -1;

#if FLT_EVAL_METHOD == 0
    /* Fast path: mantissa and 10^flen both exact doubles. */
    if (ilen + flen <= 19 && flen <= 22) {
        static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        uint64_t m = 0;
        for (size_t i = ip; i < ip + ilen; i++)
            m = m * 10 + (uint64_t)(s[i] - '0');
        for (size_t i = fp; i < fp + flen; i++)
            m = m * 10 + (uint64_t)(s[i] - '0');
        if (m <= (UINT64_C(1) << 53)) {
            double v = (double)m / p10[flen];
            *out = neg && m != 0 ? -v : v;
            return 0;
        }
    }
#endif

    if (len > DECIMAL_MAX)
        return -1;
    char buf[DECIMAL_MAX + 1];
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    /* The form was checked above, so strtod must consume all of it; if it
     * does not (a locale with a decimal comma) refuse rather than misread. */
    if (end != buf + len || isinf(v) || isnan(v))
        return -1;
    if (v == 0)
        v = fabs(v); /* "-0" and underflow give +0: no negative zero in outputs */
    *out = v;
    return 0;
}

/* Appends one decimal digit to an unsigned magnitude; -1 on overflow. */
static int push_digit(uint64_t *m, unsigned d)
{
    if (*m > (UINT64_MAX - d) / 10)
        return -1;
    *m = *m * 10 + d;
    return 0;
}

/* Signed result from a magnitude; -1 when it does not fit int64. */
static int signed_result(int neg, uint64_t m, int64_t *out)
{
    if (neg) {
        if (m > (uint64_t)INT64_MAX + 1)
            return -1;
        *out = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
    } else {
        if (m > (uint64_t)INT64_MAX)
            return -1;
        *out = (int64_t)m;
    }
    return 0;
}

int rs_parse_fixed(const char *s, size_t len, int scale, int64_t *out)
{
    int neg;
    size_t ip, ilen, fp, flen;
    if (s == NULL || scale < 0 || scale > 18 ||
        scan_decimal(s, len, &neg, &ip, &ilen, &fp, &flen) != 0)
        return -1;
    uint64_t m = 0;
    for (size_t i = ip; i < ip + ilen; i++)
        if (push_digit(&m, (unsigned)(s[i] - '0')) != 0)
            return -1;
    for (int k = 0; k < scale; k++) {
        unsigned d = (size_t)k < flen ? (unsigned)(s[fp + (size_t)k] - '0') : 0;
        if (push_digit(&m, d) != 0)
            return -1;
    }
    /* Half away from zero: the first dropped digit alone decides, since
     * ">= 5 followed by anything" is ">= half". */
    if ((size_t)scale < flen && s[fp + (size_t)scale] >= '5') {
        if (m == UINT64_MAX)
            return -1;
        m++;
    }
    return signed_result(neg, m, out);
}

int rs_parse_int(const char *s, size_t len, int64_t *out)
{
    int neg;
    size_t ip, ilen, fp, flen;
    if (s == NULL || scan_decimal(s, len, &neg, &ip, &ilen, &fp, &flen) != 0)
        return -1;
    for (size_t i = fp; i < fp + flen; i++)
        if (s[i] != '0')
            return -1;
    uint64_t m = 0;
    for (size_t i = ip; i < ip + ilen; i++)
        if (push_digit(&m, (unsigned)(s[i] - '0')) != 0)
            return -1;
    return signed_result(neg, m, out);
}

/* Exactly n digits at s -> *v; -1 when any is not a digit. */
static int digits(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

/* "YYYY-MM-DD" at s (10 bytes) -> days; -1 unless a real date 1900-2099. */
static int iso_date(const char *s, int64_t *days)
{
    int y, m, d;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' ||
        digits(s + 8, 2, &d))
        return -1;
    if (y < 1900 || y > 2099 || !rs_is_valid_date(y, m, d))
        return -1;
    *days = rs_days_from_civil(y, m, d);
    return 0;
}

/* "HH:MM" at s (5 bytes) -> seconds; -1 unless 00-23:00-59. */
static int hh_mm(const char *s, int *secs)
{
    int h, m;
    if (digits(s, 2, &h) || s[2] != ':' || digits(s + 3, 2, &m) || h > 23 || m > 59)
        return -1;
    *secs = h * 3600 + m * 60;
    return 0;
}

/* "HH:MM:SS" at s (8 bytes) -> seconds; second 60 refused. */
static int hh_mm_ss(const char *s, int *secs)
{
    int sec;
    if (hh_mm(s, secs) || s[5] != ':' || digits(s + 6, 2, &sec) || sec > 59)
        return -1;
    *secs += sec;
    return 0;
}

int rs_parse_iso8601(const char *s, size_t len, int64_t *utc)
{
    int64_t days;
    int secs;
    if (s == NULL || len < 20 || iso_date(s, &days) != 0 || (s[10] != 'T' && s[10] != ' ') ||
        hh_mm_ss(s + 11, &secs) != 0)
        return -1;
    size_t i = 19;
    if (s[i] == '.') { /* fraction: at least one digit, truncated */
        i++;
        size_t f = i;
        while (i < len && is_digit(s[i]))
            i++;
        if (i == f)
            return -1;
    }
    if (i >= len)
        return -1; /* no zone: ambiguous */
    int offset = 0;
    if (s[i] == 'Z') {
        i++;
    } else if (s[i] == '+' || s[i] == '-') {
        int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
        size_t rest = len - i - 1;
        const char *z = s + i + 1;
        if (rest == 2) {              /* +HH */
            if (digits(z, 2, &oh))
                return -1;
        } else if (rest == 4) {       /* +HHMM */
            if (digits(z, 2, &oh) || digits(z + 2, 2, &om))
                return -1;
        } else if (rest == 5) {       /* +HH:MM */
            if (digits(z, 2, &oh) || z[2] != ':' || digits(z + 3, 2, &om))
                return -1;
        } else {
            return -1;
        }
        if (oh > 23 || om > 59)
            return -1;
        offset = sign * (oh * 3600 + om * 60);
        i = len;
    } else {
        return -1;
    }
    if (i != len)
        return -1;
    *utc = days * 86400 + secs - offset;
    return 0;
}

/* 1 when s[0..n) has digits where pat has 'd' and pat's other bytes
 * elsewhere ("dddd-dd-dd"). */
static int shaped(const char *s, size_t len, const char *pat)
{
    size_t n = strlen(pat);
    if (len < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (pat[i] == 'd' ? !is_digit(s[i]) : s[i] != pat[i])
            return 0;
    return 1;
}

const char *rs_iso8601_why(const char *s, size_t len)
{
    static const char not_iso[] =
        "not ISO 8601 (want YYYY-MM-DDTHH:MM:SS with Z or an offset, e.g. "
        "2020-08-15T14:03:22Z)";
    if (s == NULL || !shaped(s, len, "dddd-dd-dd") || len < 19 || (s[10] != 'T' && s[10] != ' ') ||
        !shaped(s + 11, len - 11, "dd:dd:dd"))
        return not_iso;
    int y = 0, secs;
    int64_t days;
    if (digits(s, 4, &y) != 0 || y < 1900 || y > 2099)
        return "year outside 1900-2099";
    if (iso_date(s, &days) != 0)
        return "not a real date";
    if (hh_mm_ss(s + 11, &secs) != 0)
        return "not a real time of day (00:00:00-23:59:59)";
    size_t i = 19;
    if (i < len && s[i] == '.') {
        i++;
        size_t f = i;
        while (i < len && is_digit(s[i]))
            i++;
        if (i == f)
            return not_iso;
    }
    if (i >= len)
        return "no time zone: a local time is ambiguous (add Z or an offset such as +01:00)";
    return "time zone not Z, +HH, +HHMM or +HH:MM";
}

int rs_parse_date(const char *s, size_t len, int64_t *days)
{
    if (s == NULL || len != 10)
        return -1;
    if (s[2] == '/') {
        int d, m, y;
        if (digits(s, 2, &d) || digits(s + 3, 2, &m) || s[5] != '/' || digits(s + 6, 4, &y))
            return -1;
        if (y < 1900 || y > 2099 || !rs_is_valid_date(y, m, d))
            return -1;
        *days = rs_days_from_civil(y, m, d);
        return 0;
    }
    return iso_date(s, days);
}

int rs_parse_hhmm(const char *s, size_t len, int *secs)
{
    if (s == NULL)
        return -1;
    if (len == 5)
        return hh_mm(s, secs);
    if (len == 8)
        return hh_mm_ss(s, secs);
    return -1;
}
