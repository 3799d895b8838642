/*
 * fmt.h — the one home of every number, p-value and text-field format the
 * outputs print, so a figure reads the same in a table, a chart, a map
 * legend and the board pack.
 *
 * Each writes a NUL-terminated string into buf (size bytes, truncating),
 * and a value that is not finite (NaN: "not available") is written as an
 * empty string, which tables show as an empty cell.  No format prints
 * "-0": a value that rounds to zero prints as zero.
 */
#ifndef RS_FMT_H
#define RS_FMT_H

#include <stddef.h>
#include <stdio.h>

/* v with `decimals` decimals: "12.5", "3". */
void rs_fmt_fixed(char *buf, size_t size, double v, int decimals);
/* v with a sign: "+12.5", "-3.0"; zero (after rounding) unsigned: "0.0". */
void rs_fmt_signed(char *buf, size_t size, double v, int decimals);
/* v with `digits` significant digits ("%.*g"): "0.0123", "1.5e+03". */
void rs_fmt_sig(char *buf, size_t size, double v, int digits);
/* v with `decimals` decimals and comma thousands separators once the
 * integer part has at least min_digits digits (4: "1,234"; 5: "1234" but
 * "12,345", for narrow chart ticks). */
void rs_fmt_grouped(char *buf, size_t size, double v, int decimals, int min_digits);
/* A p-value in a table cell: "<0.001" or three significant digits. */
void rs_fmt_p_cell(char *buf, size_t size, double p);
/* A p-value in a sentence: "p < 0.001" or "p = 0.0123". */
void rs_fmt_p_words(char *buf, size_t size, double p);

/* Writes s as one CSV field (RFC 4180): quoted, with quotes doubled, when
 * it holds a comma, quote, CR or LF; NULL writes nothing.  A text cell that
 * a spreadsheet would run as a formula (starting with = + - @, tab or CR)
 * gets a leading ' (OWASP's CSV injection advice) unless it is a plain
 * number ("-3.5", "+1.0", "-12%", "-1,234") or a lone "-"; other control
 * characters (ESC, C1 controls) are dropped. */
void rs_csv_put(FILE *f, const char *s);

/* Bytes of a control character at p that no output keeps: C0 other than
 * tab, LF and CR, DEL, and C1 (U+0080..U+009F, UTF-8 C2 80..C2 9F, which
 * terminals read as CSI/OSC).  0 when p starts with none. */
int rs_ctrl_len(const char *p);

/* Writes s for a terminal or a one-line message: controls dropped (ESC
 * and OSC sequences never reach the terminal), tab, CR and LF as spaces.
 * NULL writes nothing. */
void rs_text_put(FILE *f, const char *s);

#endif
