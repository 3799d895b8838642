/*
 * parse.h — strict field parsers shared by every ingest kind.
 *
 * All take (s, len) of one CSV field and return 0 on success or -1 when the
 * field is not of the form asked for; nothing is ever guessed.  Numbers are
 * plain decimal only: optional sign, digits, optional '.' and digits.  No
 * exponent, hex, inf/nan, decimal comma, thousands separator, leading or
 * trailing spaces or junk.
 *
 * The number form exactly: [+-]DIGITS[.DIGITS] — at least one digit on
 * each side of a '.', so "5." and ".5" are refused (a truncated or
 * hand-mangled value is more likely than a deliberate shorthand); "+3" and
 * "-0" are accepted ("-0" gives 0, never a negative zero).  Digits are
 * ASCII 0-9 only.  No parser reads past len or needs a NUL terminator, and
 * none depends on the locale.
 */
#ifndef RS_PARSE_H
#define RS_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Plain decimal -> double (correctly rounded).  Fails on fields longer
 * than 255 characters (which also rules out overflow to infinity); a value
 * too small for a double rounds to a subnormal or 0 as IEEE does. */
int rs_parse_decimal(const char *s, size_t len, double *out);

/* Plain decimal -> integer scaled by 10^scale, exactly, rounding half away
 * from zero: ("35.005", 2) -> 3501, ("-0.005", 2) -> -1.  scale is 0-18.
 * Fails on overflow of int64. */
int rs_parse_fixed(const char *s, size_t len, int scale, int64_t *out);

/* Plain integer (optional sign, digits; "70.0" is also accepted as 70,
 * "70.5" and "70." are not).  Fails on overflow of int64. */
int rs_parse_int(const char *s, size_t len, int64_t *out);

/* ISO 8601 date-time with Z or a numeric offset -> seconds since the Unix
 * epoch, UTC.  Accepts YYYY-MM-DDTHH:MM:SS, optional fraction (truncated),
 * 'T' or one space between date and time, then Z, +HH:MM, +HHMM or +HH.
 * A time without a zone is refused (ambiguous).  Real calendar dates only
 * (2021-02-29 fails, 2020-02-29 parses); hour 00-23, minute 00-59,
 * second 00-59 (a leap second 60 is refused). Years 1900-2099.
 * Exactly: YYYY-MM-DD, 'T' or ' ', HH:MM:SS, optionally '.' and one or
 * more digits, then 'Z' or [+-]HH, [+-]HHMM, [+-]HH:MM (offset hour 00-23,
 * minute 00-59).  Upper-case T and Z only; every number has exactly its
 * digit count ("2020-8-15" is refused). */
int rs_parse_iso8601(const char *s, size_t len, int64_t *utc);

/* Why rs_parse_iso8601 refused (s, len), in words for a rejects line: "no
 * time zone (...)", "not a real date", "not a real time of day", "year
 * outside 1900-2099", "time zone not Z, +HH, +HHMM or +HH:MM", or "not ISO
 * 8601 (...)".  A static string; never quotes the field. */
const char *rs_iso8601_why(const char *s, size_t len);

/* A date of the form DD/MM/YYYY (STATS19; also YYYY-MM-DD) -> days since
 * 1970-01-01.  Two-digit day and month, four-digit year 1900-2099, real
 * calendar dates only. */
int rs_parse_date(const char *s, size_t len, int64_t *days);

/* A time of day HH:MM (or HH:MM:SS) -> seconds since midnight.  Two
 * digits each; hour 00-23, minute and second 00-59 ("24:00" refused). */
int rs_parse_hhmm(const char *s, size_t len, int *secs);

#endif
