/*
 * draw_int.h — the cairo helpers that maps (map*.c) and charts (chart*.c)
 * share, private to engine/output: the type face and text (measuring,
 * aligned, fitted to a width, cut with an ellipsis, wrapped into lines), a
 * colour given as 0xRRGGBB, and the round numbers that scales are built
 * from.  Number labels themselves are base/fmt.h's (rs_fmt_grouped).
 *
 * Text uses cairo's toy font API with the fontconfig "sans-serif" face.
 * Every helper draws with, or measures in, the font currently set on cr.
 */
#ifndef RS_DRAW_INT_H
#define RS_DRAW_INT_H

#include <cairo.h>

/* ---- text ---- */

/* Selects "sans-serif" at size (pixels), bold or regular. */
void rs_draw_font(cairo_t *cr, double size, int bold);
/* The advance width of s in the current font. */
double rs_draw_text_w(cairo_t *cr, const char *s);
/* Shows s with its baseline at y; align 0 left, 0.5 centre, 1 right of x. */
void rs_draw_text(cairo_t *cr, double x, double y, const char *s, double align);
/* Sets the font at the largest size <= size (down to min) at which s fits
 * maxw; returns the size. */
double rs_draw_fit_font(cairo_t *cr, const char *s, double size, double min, int bold,
                        double maxw);
/* Shows s left-aligned at (x, y) in at most maxw, cut with an ellipsis (at
 * a UTF-8 character boundary) when it does not fit; on out of memory the
 * text is left out. */
void rs_draw_text_clipped(cairo_t *cr, double x, double y, const char *s, double maxw);
/* Breaks s into at most maxlines lines of width <= maxw at spaces (a word
 * longer than maxw keeps a line to itself; the last line takes the rest).
 * lines[] get malloc'ed strings (the caller frees them); returns the
 * count (0 on out of memory). */
int rs_draw_wrap(cairo_t *cr, const char *s, double maxw, char **lines, int maxlines);

/* ---- colour ---- */

/* Sets the source to the opaque sRGB colour 0xRRGGBB. */
void rs_draw_hex(cairo_t *cr, unsigned rgb);

/* ---- round numbers for scales ----
 * Each picture keeps its own rule (the images depend on it): a chart axis
 * takes the round step at or above range / target, a map legend the step
 * giving about six labels from 0 to its maximum, a scale bar the round
 * length nearest a fifth of the map. */

/* A chart axis step: raw rounded up to 1, 2, 2.5, 5 or 10 x 10^k (1 when
 * raw is not a positive finite number). */
double rs_draw_nice_step(double raw);
/* Decimals (0..6) needed to print multiples of step exactly. */
int rs_draw_step_decimals(double step);
/* A legend step from 0 to max (> 0): 1, 2, 2.5 or 5 times a power of ten,
 * the one giving closest to six labels (the ticks, plus the maximum when it
 * is not a tick), never more than seven; the larger step on a tie.  *dec
 * gets the decimals its multiples need. */
double rs_draw_legend_step(double max, int *dec);
/* A round length (1, 2 or 5 times a power of ten) nearest target in ratio;
 * 1 when target is not above 1. */
double rs_draw_round_length(double target);
/* Drops trailing zeros after a decimal point in place ("90.0" -> "90",
 * "0.250" -> "0.25"); a string without a point is left alone. */
void rs_draw_trim_zeros(char *s);

#endif
