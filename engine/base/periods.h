/*
 * periods.h — the one home of month arithmetic: months, calendar and UK
 * financial quarters and years as integers, their labels and their words,
 * for the analyses (ksi), the outputs and the board pack alike.
 *
 * A MONTH is the integer year * 12 + (month - 1): January 2020 is 24240,
 * consecutive months differ by 1.  Every division is floor division, so
 * months before year 0 (negative integers) follow the same rules.
 *
 * A PERIOD of a kind (month, quarter or year) is an integer that grows by
 * 1 per period: floor((m - shift) / len) with len 1, 3 or 12 months and
 * shift 3 for financial quarters and years (they start in April), else 0.
 * Financial year 2020/21 is April 2020 to March 2021; its Q1 is April to
 * June 2020, its Q4 January to March 2021.
 *
 * A DAY is days since 1970-01-01 (timeutil.h's civil days).
 */
#ifndef RS_PERIODS_H
#define RS_PERIODS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { RS_PERIOD_MONTH = 0, RS_PERIOD_QUARTER = 1, RS_PERIOD_YEAR = 2 } rs_period_kind;

/* floor(a / b) for b > 0: rs_floor_div(-1, 12) is -1. */
int rs_floor_div(int a, int b);

/* The month of year (month 1-12), and back: its year and month 1-12. */
int rs_month_index(int year, int month);
int rs_month_year(int m);
int rs_month_of_year(int m);

/* "January" ... "December" and "Jan" ... "Dec" for month 1-12; "?"
 * otherwise. */
const char *rs_month_name(int month);
const char *rs_month_abbr(int month);

/* The first day of month m: days since 1970-01-01, and the UTC instant of
 * its UK-local midnight. */
int64_t rs_month_first_day(int m);
int64_t rs_month_start_utc(int m);

/* A day (days since 1970-01-01) as "2020-04-01" and as "1 April 2020". */
void rs_day_label(int64_t day, char *buf, size_t size);
void rs_day_words(int64_t day, char *buf, size_t size);

/* Months in a period of this kind: 1, 3, 12. */
int rs_period_len(rs_period_kind kind);
/* The period of this kind holding month m, and a period's first month. */
int rs_period_of(rs_period_kind kind, int financial, int m);
int rs_period_first_month(rs_period_kind kind, int financial, int period);
/* Its label: "2020-05", "2020Q2", "2020/21 Q1", "2020", "2020/21". */
void rs_period_label(rs_period_kind kind, int financial, int period, char *buf, size_t size);
/* Its months in words: "May 2020", "April to June 2020", "January to
 * December 2020", "April 2020 to March 2021". */
void rs_period_words(rs_period_kind kind, int financial, int period, char *buf, size_t size);

/* "2020" (calendar year), "2020/21" (financial year), "2020Q2" (calendar
 * quarter), "2020/21Q1" or "2020/21 Q1" (financial quarter; q in either
 * case) or "2020-05" (month), years 1900-2200 -> 0 and the first and last
 * month it spans; -1 when s is none of these. */
int rs_period_parse(const char *s, int *first_month, int *last_month);

#endif
