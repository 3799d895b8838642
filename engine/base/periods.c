/*
 * periods.c — months, quarters and years as integers (see periods.h).
 */
#include "periods.h"

#include <stdio.h>
#include <string.h>

#include "timeutil.h"

static const char *const month_names[12] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};
static const char *const month_abbrs[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int rs_floor_div(int a, int b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* a mod b in 0 .. b-1 for b > 0 */
static int floor_mod(int a, int b)
{
    return a - b * rs_floor_div(a, b);
}

int rs_month_index(int year, int month)
{
    return year * 12 + month - 1;
}

int rs_month_year(int m)
{
    return rs_floor_div(m, 12);
}

int rs_month_of_year(int m)
{
    return floor_mod(m, 12) + 1;
}

const char *rs_month_name(int month)
{
    return month >= 1 && month <= 12 ? month_names[month - 1] : "?";
}

const char *rs_month_abbr(int month)
{
    return month >= 1 && month <= 12 ? month_abbrs[month - 1] : "?";
}

int64_t rs_month_first_day(int m)
{
    return rs_days_from_civil(rs_month_year(m), rs_month_of_year(m), 1);
}

int64_t rs_month_start_utc(int m)
{
    return rs_london_to_utc(rs_month_year(m), rs_month_of_year(m), 1, 0, 0, 0, NULL);
}

void rs_day_label(int64_t day, char *buf, size_t size)
{
    int y, m, d;
    rs_civil_from_days(day, &y, &m, &d);
    snprintf(buf, size, "%04d-%02d-%02d", y, m, d);
}

void rs_day_words(int64_t day, char *buf, size_t size)
{
    int y, m, d;
    rs_civil_from_days(day, &y, &m, &d);
    snprintf(buf, size, "%d %s %d", d, rs_month_name(m), y);
}

/* ---- periods ------------------------------------------------------------------ */

int rs_period_len(rs_period_kind kind)
{
    return kind == RS_PERIOD_MONTH ? 1 : kind == RS_PERIOD_QUARTER ? 3 : 12;
}

/* Months by which the period grid is shifted: financial quarters and
 * years start in April. */
static int period_shift(rs_period_kind kind, int financial)
{
    return financial && kind != RS_PERIOD_MONTH ? 3 : 0;
}

int rs_period_of(rs_period_kind kind, int financial, int m)
{
    return rs_floor_div(m - period_shift(kind, financial), rs_period_len(kind));
}

int rs_period_first_month(rs_period_kind kind, int financial, int period)
{
    return period * rs_period_len(kind) + period_shift(kind, financial);
}

void rs_period_label(rs_period_kind kind, int financial, int period, char *buf, size_t size)
{
    int m = rs_period_first_month(kind, financial, period);
    int y = rs_month_year(m), mo = rs_month_of_year(m);
    if (kind == RS_PERIOD_MONTH)
        snprintf(buf, size, "%04d-%02d", y, mo);
    else if (!financial && kind == RS_PERIOD_QUARTER)
        snprintf(buf, size, "%04dQ%d", y, (mo - 1) / 3 + 1);
    else if (!financial)
        snprintf(buf, size, "%04d", y);
    else {
        int fy = rs_month_year(m - 3);            /* the year the financial year starts in */
        int q = (m - 3 - 12 * fy) / 3 + 1;
        if (kind == RS_PERIOD_QUARTER)
            snprintf(buf, size, "%04d/%02d Q%d", fy, floor_mod(fy + 1, 100), q);
        else
            snprintf(buf, size, "%04d/%02d", fy, floor_mod(fy + 1, 100));
    }
}

void rs_period_words(rs_period_kind kind, int financial, int period, char *buf, size_t size)
{
    int a = rs_period_first_month(kind, financial, period);
    int b = a + rs_period_len(kind) - 1;
    const char *na = rs_month_name(rs_month_of_year(a)), *nb = rs_month_name(rs_month_of_year(b));
    if (a == b)
        snprintf(buf, size, "%s %d", na, rs_month_year(a));
    else if (rs_month_year(a) == rs_month_year(b))
        snprintf(buf, size, "%s to %s %d", na, nb, rs_month_year(a));
    else
        snprintf(buf, size, "%s %d to %s %d", na, rs_month_year(a), nb, rs_month_year(b));
}

/* ---- parsing ------------------------------------------------------------------ */

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int is_quarter(const char *r, size_t rl)
{
    return rl == 2 && (r[0] == 'Q' || r[0] == 'q') && r[1] >= '1' && r[1] <= '4';
}

int rs_period_parse(const char *s, int *first, int *last)
{
    if (s == NULL)
        return -1;
    size_t len = strlen(s);
    if (len < 4 || !digits(s, 4))
        return -1;
    int y = num(s, 4);
    if (y < 1900 || y > 2200)
        return -1;
    const char *r = s + 4;
    size_t rl = len - 4;
    if (rl == 0) { /* 2020 */
        *first = rs_month_index(y, 1);
        *last = *first + 11;
        return 0;
    }
    if (rl == 3 && r[0] == '-' && digits(r + 1, 2)) { /* 2020-05 */
        int mo = num(r + 1, 2);
        if (mo < 1 || mo > 12)
            return -1;
        *first = *last = rs_month_index(y, mo);
        return 0;
    }
    if (is_quarter(r, rl)) { /* 2020Q2 */
        *first = rs_month_index(y, 1) + (r[1] - '1') * 3;
        *last = *first + 2;
        return 0;
    }
    if (rl >= 3 && r[0] == '/' && digits(r + 1, 2)) { /* 2020/21, 2020/21Q1, 2020/21 Q1 */
        if (num(r + 1, 2) != (y + 1) % 100)
            return -1;
        r += 3;
        rl -= 3;
        if (rl == 0) {
            *first = rs_month_index(y, 4);
            *last = *first + 11;
            return 0;
        }
        if (*r == ' ') {
            r++;
            rl--;
        }
        if (is_quarter(r, rl)) {
            *first = rs_month_index(y, 4) + (r[1] - '1') * 3;
            *last = *first + 2;
            return 0;
        }
    }
    return -1;
}
