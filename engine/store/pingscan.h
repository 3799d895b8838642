/*
 * pingscan.h — reading stored telematics back: every ping of a source that
 * passes a filter of period, UK-local day kind and hours, and district,
 * delivered in batches to a callback.  The one place analyses (heat maps,
 * operations, weekend scores) read pings, so every one filters the same
 * way.  Streams chunk by chunk: memory is one chunk whatever the store's
 * size.
 */
#ifndef RS_PINGSCAN_H
#define RS_PINGSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "pings.h"

typedef enum { RS_DAYS_ALL = 0, RS_DAYS_WEEKEND = 1, RS_DAYS_WEEKDAY = 2 } rs_days;

typedef struct rs_ping_filter {
    const char *source;  /* "traffic" (default when NULL) or "fleet" */
    int64_t from, to;    /* UTC instants, [from, to); INT64_MIN / INT64_MAX for open */
    rs_days days;        /* weekend = Saturday or Sunday in UK local time */
    int hour_from;       /* UK local hours [hour_from, hour_to), 0-24; hour_from > */
    int hour_to;         /* hour_to wraps midnight (22-6); -1 for all hours */
    int district;        /* district id; -1 = inside any district; -2 = everything */
} rs_ping_filter;

/* A filter that passes every traffic ping inside any district. */
void rs_ping_filter_init(rs_ping_filter *f);

/* Parses "H1-H2" (0 <= H1, H2 <= 24, H1 != H2) into the filter. 0 or -1. */
int rs_ping_filter_hours(rs_ping_filter *f, const char *s);

/* 1 when p passes f's time, day, hour and district tests. */
int rs_ping_filter_match(const rs_ping_filter *f, const rs_ping *p);

/* Called with up to RS_PING_CHUNK matching pings at a time; a non-zero
 * return stops the scan and is returned by rs_pings_scan. */
typedef int (*rs_ping_visit)(void *user, const rs_ping *pings, size_t n);

/* Scans the workspace's pings in storage order (deterministic).  Returns 0,
 * the visitor's non-zero value, or an RS_E code (damaged chunk, SQLite). */
int rs_pings_scan(rs_ctx *ctx, const rs_ping_filter *f, rs_ping_visit visit, void *user);

/* An upper bound of the pings f lets through: those stored in the chunks
 * of its source that overlap its period (cheap: no ping is read). */
int rs_pings_count_bound(rs_ctx *ctx, const rs_ping_filter *f, int64_t *n);

#endif
