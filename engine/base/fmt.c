/*
 * fmt.c — number, p-value and CSV-field formats (see fmt.h).
 */
#include "fmt.h"

#include <math.h>
#include <string.h>

/* v, or exact zero when it prints as zero with `decimals` decimals (so no
 * "-0.0" from a small negative value or from -0). */
static double unsigned_zero(double v, int decimals)
{
    return fabs(v) < 0.5 * pow(10, -decimals) ? 0.0 : v;
}

void rs_fmt_fixed(char *buf, size_t size, double v, int decimals)
{
    if (!isfinite(v))
        buf[0] = '\0';
    else
        snprintf(buf, size, "%.*f", decimals, unsigned_zero(v, decimals));
}

void rs_fmt_signed(char *buf, size_t size, double v, int decimals)
{
    if (!isfinite(v))
        buf[0] = '\0';
    else if (round(v * pow(10, decimals)) == 0)
        snprintf(buf, size, "%.*f", decimals, 0.0);
    else
        snprintf(buf, size, "%+.*f", decimals, v);
}

void rs_fmt_sig(char *buf, size_t size, double v, int digits)
{
    if (!isfinite(v))
        buf[0] = '\0';
    else
        snprintf(buf, size, "%.*g", digits, v + 0.0);
}

void rs_fmt_grouped(char *buf, size_t size, double v, int decimals, int min_digits)
{
    if (size == 0)
        return;
    if (!isfinite(v)) {
        buf[0] = '\0';
        return;
    }
    char raw[400];
    snprintf(raw, sizeof raw, "%.*f", decimals, unsigned_zero(v, decimals));
    const char *digits = raw[0] == '-' ? raw + 1 : raw;
    size_t ilen = strcspn(digits, ".");
    size_t o = 0;
    if (digits != raw && o + 1 < size)
        buf[o++] = '-';
    for (size_t i = 0; i < ilen && o + 1 < size; i++) {
        if (i > 0 && (ilen - i) % 3 == 0 && ilen >= (size_t)min_digits) {
            if (o + 2 >= size)
                break;
            buf[o++] = ',';
        }
        buf[o++] = digits[i];
    }
    for (const char *p = digits + ilen; *p && o + 1 < size; p++)
        buf[o++] = *p;
    buf[o] = '\0';
}

void rs_fmt_p_cell(char *buf, size_t size, double p)
{
    if (isnan(p))
        buf[0] = '\0';
    else if (p < 0.001)
        snprintf(buf, size, "<0.001");
    else
        snprintf(buf, size, "%.3g", p);
}

void rs_fmt_p_words(char *buf, size_t size, double p)
{
    if (p < 0.001)
        snprintf(buf, size, "p < 0.001");
    else
        snprintf(buf, size, "p = %.3g", p);
}

int rs_ctrl_len(const char *p)
{
    unsigned char c = (unsigned char)p[0];
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != 0) || c == 0x7f)
        return 1;
    if (c == 0xc2 && (unsigned char)p[1] >= 0x80 && (unsigned char)p[1] <= 0x9f)
        return 2;
    return 0;
}

void rs_text_put(FILE *f, const char *s)
{
    for (const char *p = s; p && *p;) {
        int n = rs_ctrl_len(p);
        if (n) {
            p += n;
            continue;
        }
        fputc(*p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p, f);
        p++;
    }
}

/* A plain number: an optional sign, digits with '.' or ',' and an optional
 * '%' at the end; what a spreadsheet reads as the number it is. */
static int plain_number(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    int digits = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (*s == '%' && s[1] == '\0')
            break;
        else if (*s != '.' && *s != ',')
            return 0;
    }
    return digits > 0;
}

void rs_csv_put(FILE *f, const char *s)
{
    if (s == NULL)
        return;
    int formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0' && !plain_number(s) &&
                  strcmp(s, "-") != 0;
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (const char *p = s; *p;) {
        int n = rs_ctrl_len(p);
        if (n) {
            p += n;
            continue;
        }
        if (*p == '"')
            fputc('"', f);
        fputc(*p++, f);
    }
    if (quote)
        fputc('"', f);
}
