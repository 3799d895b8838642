/*
 * opts.c — shared option parsing for analysis commands (see opts.h).
 */
#include "opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "fmt.h"
#include "district.h"
#include "parse.h"
#include "store.h"
#include "timeutil.h"

static int local_day_start(const char *s, int64_t *t)
{
    int64_t days;
    if (rs_parse_date(s, strlen(s), &days) != 0)
        return -1;
    int y, m, d;
    rs_civil_from_days(days, &y, &m, &d);
    *t = rs_london_to_utc(y, m, d, 0, 0, 0, NULL);
    return 0;
}

int rs_opt_period(const char *cmd, const char *from, const char *to, int64_t *t0, int64_t *t1)
{
    *t0 = INT64_MIN;
    *t1 = INT64_MAX;
    if (from && local_day_start(from, t0) != 0) {
        fprintf(stderr, "roadsafe %s: --from '%s' is not a date (YYYY-MM-DD or DD/MM/YYYY)\n", cmd, from);
        return -1;
    }
    if (to) {
        int64_t days;
        if (rs_parse_date(to, strlen(to), &days) != 0) {
            fprintf(stderr, "roadsafe %s: --to '%s' is not a date (YYYY-MM-DD or DD/MM/YYYY)\n", cmd, to);
            return -1;
        }
        int y, m, d;
        rs_civil_from_days(days + 1, &y, &m, &d);
        *t1 = rs_london_to_utc(y, m, d, 0, 0, 0, NULL);
    }
    if (*t0 >= *t1) {
        fprintf(stderr, "roadsafe %s: --from is after --to\n", cmd);
        return -1;
    }
    return 0;
}

int rs_opt_district(rs_ctx *ctx, const char *cmd, const char *name, int *id)
{
    *id = -1;
    if (name == NULL || strcasecmp(name, "all") == 0)
        return 0;
    rs_districts *d = NULL;
    if (rs_store_districts_read(ctx, &d) != 0)
        return rs_cli_fail(ctx);
    int found = -2;
    for (size_t i = 0; d && i < rs_districts_count(d); i++)
        if (strcasecmp(rs_districts_name(d, i), name) == 0 ||
            (rs_districts_code(d, i)[0] && strcasecmp(rs_districts_code(d, i), name) == 0))
            found = (int)i;
    if (found == -2) {
        fprintf(stderr, "roadsafe %s: no district '", cmd);
        rs_text_put(stderr, name);
        fputs("'; the workspace has: ", stderr);
        for (size_t i = 0; d && i < rs_districts_count(d); i++)
        {
            fputs(i ? ", " : "", stderr);
            rs_text_put(stderr, rs_districts_name(d, i));
        }
        fprintf(stderr, "%s\n", d ? "" : "no districts (roadsafe districts load ...)");
    }
    rs_districts_free(d);
    if (found < 0)
        return RS_EXIT_USAGE;
    *id = found;
    return 0;
}

int rs_opt_days(const char *cmd, const char *s, rs_days *out)
{
    if (s == NULL || strcmp(s, "all") == 0)
        *out = RS_DAYS_ALL;
    else if (strcmp(s, "weekend") == 0)
        *out = RS_DAYS_WEEKEND;
    else if (strcmp(s, "weekday") == 0)
        *out = RS_DAYS_WEEKDAY;
    else {
        fprintf(stderr, "roadsafe %s: --days is all, weekend or weekday\n", cmd);
        return -1;
    }
    return 0;
}

int rs_opt_positive(const char *cmd, const char *opt, const char *s, int zero_ok, double *out)
{
    if (rs_parse_decimal(s, strlen(s), out) != 0 || *out < 0 || (!zero_ok && *out == 0)) {
        fprintf(stderr, "roadsafe %s: --%s needs a number %s 0\n", cmd, opt,
                zero_ok ? ">=" : ">");
        return -1;
    }
    return 0;
}

int rs_opt_context_read(rs_ctx *ctx, const char *cmd, const char *list, rs_opt_context *out)
{
    out->v = NULL;
    out->n = 0;
    if (list == NULL)
        return 0;
    size_t len = strlen(list);
    char *buf = malloc(len + 1);
    if (buf == NULL) {
        fprintf(stderr, "roadsafe %s: out of memory\n", cmd);
        return RS_EXIT_FAIL;
    }
    memcpy(buf, list, len + 1);
    int ret = 0;
    for (char *s = buf; s && ret == 0;) {
        char *comma = strchr(s, ',');
        if (comma)
            *comma = '\0';
        if (*s == '\0') {
            fprintf(stderr, "roadsafe %s: --context is FILE.shp[,FILE.shp...]\n", cmd);
            ret = RS_EXIT_USAGE;
            break;
        }
        rs_context_layer **v = realloc(out->v, (out->n + 1) * sizeof *v);
        if (v == NULL) {
            fprintf(stderr, "roadsafe %s: out of memory\n", cmd);
            ret = RS_EXIT_FAIL;
            break;
        }
        out->v = v;
        rs_context_layer *c = NULL;
        if (rs_context_layer_read(rs_ctx_geo(ctx), s, &c) != 0) {
            fprintf(stderr, "roadsafe %s: --context: %s\n", cmd, rs_ctx_err(ctx)->msg);
            ret = rs_ctx_err(ctx)->code == RS_ENOMEM ? RS_EXIT_FAIL : RS_EXIT_USAGE;
            break;
        }
        out->v[out->n++] = c;
        s = comma ? comma + 1 : NULL;
    }
    free(buf);
    if (ret != 0)
        rs_opt_context_free(out);
    return ret;
}

void rs_opt_context_free(rs_opt_context *c)
{
    for (size_t k = 0; k < c->n; k++)
        rs_context_layer_free(c->v[k]);
    free(c->v);
    c->v = NULL;
    c->n = 0;
}
