/*
 * utf8.h — UTF-8 validation shared by the shapefile reader and writer.
 */
#ifndef RS_UTF8_H
#define RS_UTF8_H

/* 1 when the NUL-terminated s is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF), else 0. */
int rs_utf8_valid(const unsigned char *s);

#endif
