/*
 * wkb_box.h — a box as a little-endian WKB polygon, for tests that make
 * districts by hand (the unit tests' ws_helpers.h and the fuzz harness).
 * Header-only, static inline.
 */
#ifndef RS_WKB_BOX_H
#define RS_WKB_BOX_H

#include <stdint.h>
#include <string.h>

static inline void ws_put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline void ws_put_f64(unsigned char *p, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* A little-endian WKB polygon: the box [x0,x1] x [y0,y1], one ring of five
 * points (the first repeated).  b holds at least 13 + 5 * 16 = 93 bytes;
 * returns that length. */
static inline size_t ws_box_wkb(unsigned char *b, double x0, double y0, double x1, double y1)
{
    const double xs[5] = {x0, x1, x1, x0, x0}, ys[5] = {y0, y0, y1, y1, y0};
    b[0] = 1;
    ws_put_u32(b + 1, 3);
    ws_put_u32(b + 5, 1);
    ws_put_u32(b + 9, 5);
    for (int i = 0; i < 5; i++) {
        ws_put_f64(b + 13 + 16 * i, xs[i]);
        ws_put_f64(b + 21 + 16 * i, ys[i]);
    }
    return 13 + 5 * 16;
}

#endif
