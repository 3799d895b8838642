/*
 * rs_err.c — the one-line error record (see rs_err.h).
 */
#include "rs_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int rs_err_set(rs_err *e, int code, const char *fmt, ...)
{
    if (e == NULL || e->code != 0)
        return e ? e->code : code;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    /* keep it one line */
    for (char *p = e->msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return code;
}

void rs_err_prefix(rs_err *e, const char *fmt, ...)
{
    if (e == NULL || e->code == 0)
        return;
    char pre[RS_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    /* "pre: msg", cut to the buffer; built by hand because snprintf of two
     * full-size buffers into one trips -Wformat-truncation */
    size_t pl = strlen(pre), ml = strlen(e->msg), cap = sizeof e->msg - 1;
    if (pl > cap - 2)
        pl = cap - 2;
    if (ml > cap - pl - 2)
        ml = cap - pl - 2;
    memmove(e->msg + pl + 2, e->msg, ml);
    memcpy(e->msg, pre, pl);
    e->msg[pl] = ':';
    e->msg[pl + 1] = ' ';
    e->msg[pl + 2 + ml] = '\0';
}

void rs_err_clear(rs_err *e)
{
    if (e == NULL)
        return;
    e->code = 0;
    e->msg[0] = '\0';
}
