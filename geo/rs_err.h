/*
 * rs_err.h — the error record shared by every roadsafe module.
 *
 * A function that can fail returns 0 on success or one of the negative
 * RS_E* codes below, and leaves a one-line, impersonal message in the
 * rs_err its context owns.  Where the failure concerns an input file the
 * message names the file and, where there is one, the line.  The first
 * (deepest) error set is kept: rs_err_set() never overwrites a message
 * already present, so callers may add context only through rs_err_prefix().
 */
#ifndef RS_ERR_H
#define RS_ERR_H

#include <stddef.h>

enum {
    RS_OK = 0,
    RS_ERR = -1,      /* internal or third-party library failure */
    RS_EINPUT = -2,   /* an input (file, argument) is unusable: refused whole */
    RS_ENOTFOUND = -3,/* a named thing does not exist */
    RS_EUSAGE = -4,   /* the caller asked for something impossible */
    RS_EBUSY = -5,    /* the workspace is locked by another process */
    RS_ENOMEM = -6,   /* out of memory */
    RS_EIO = -7,      /* reading or writing a file failed */
    RS_EVERSION = -8  /* the workspace comes from a newer roadsafe */
};

#define RS_ERR_MSG_MAX 1024

typedef struct rs_err {
    int code;                 /* 0 when no error is recorded */
    char msg[RS_ERR_MSG_MAX]; /* "" when no error is recorded */
} rs_err;

/* Records code and a printf-style message unless an error is already
 * recorded.  Returns code (so "return rs_err_set(...)" reads naturally). */
int rs_err_set(rs_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to the recorded message (no-op when none). */
void rs_err_prefix(rs_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void rs_err_clear(rs_err *e);

#endif
