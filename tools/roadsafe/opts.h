/*
 * opts.h — option values shared by the analysis commands: periods given
 * as UK-local dates, district names, day kinds.
 */
#ifndef RS_OPTS_H
#define RS_OPTS_H

#include <stdint.h>

#include "context.h"
#include "ctx.h"
#include "pingscan.h"

/* --from DATE / --to DATE (YYYY-MM-DD or DD/MM/YYYY, UK local days, both
 * inclusive) into UTC [from, to).  Prints a usage message and returns -1
 * on a bad date or from > to. */
int rs_opt_period(const char *cmd, const char *from, const char *to, int64_t *t0, int64_t *t1);

/* --district NAME|CODE|all (any case) -> *id, the district's index, or -1
 * for all (or name NULL).  0, or the exit code after printing why: usage
 * (2) when there is no such district (the message lists the known names),
 * else the store's failure (rs_cli_fail). */
int rs_opt_district(rs_ctx *ctx, const char *cmd, const char *name, int *id);

/* --days all|weekend|weekday; -1 after a usage message. */
int rs_opt_days(const char *cmd, const char *s, rs_days *out);

/* Plain decimal > 0 (or >= 0 when zero_ok); -1 after a usage message. */
int rs_opt_positive(const char *cmd, const char *opt, const char *s, int zero_ok, double *out);

/* Map context layers: --context FILE.shp[,FILE.shp...] (roads, places,
 * outlines, any CRS), read into *out[0 .. *n).  NULL list: none.  0, or the
 * exit code after printing the file and the reason (2: refused whole).
 * Free with rs_opt_context_free. */
typedef struct rs_opt_context {
    rs_context_layer **v;
    size_t n;
} rs_opt_context;
int rs_opt_context_read(rs_ctx *ctx, const char *cmd, const char *list, rs_opt_context *out);
void rs_opt_context_free(rs_opt_context *c);

#endif
