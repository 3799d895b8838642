/*
 * cmd_reoffend.c — `roadsafe reoffend`: reoffending after detection by
 * TRUCAM, GATSO or another device type (analysis/reoffend.h), as one table
 * with a row per cohort, and optionally Kaplan–Meier curves as a PNG (both
 * built by output/reoffend_out.h).  This file parses the options and
 * writes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"
#include "parse.h"
#include "reoffend.h"
#include "reoffend_out.h"
#include "store.h"
#include "table.h"
#include "timeutil.h"

#define CMD "reoffend"

static void help(void)
{
    printf(
        "usage: roadsafe reoffend [--from DATE --to DATE] [--window DAYS] [--episode HOURS]\n"
        "                         [--data-end DATE] [--cohorts TRUCAM,GATSO,...]\n"
        "                         [--strata limit,excess,district] [--format csv|md|html]\n"
        "                         [--columns page|all] [--out FILE] [--plot FILE.png]\n"
        "                         [--store FILE]\n\n"
        "Reoffending after a detection, by the device type of each vehicle's index\n"
        "detection: one row per cohort with the fixed-window rate (Wilson 95%% CI), the\n"
        "difference, relative risk and two-proportion test against the first cohort,\n"
        "the Mantel-Haenszel relative risk across strata, Kaplan-Meier cumulative\n"
        "reoffending at 30, 90, 180 and 365 days (Greenwood 95%% CIs) and a log-rank test\n"
        "across cohorts.  Definitions: see the README.\n\n"
        "options:\n"
        "  --from DATE, --to DATE  index period, UK local days, both inclusive\n"
        "                          (default: all detections)\n"
        "  --window DAYS           follow-up window of the rate (default 365)\n"
        "  --episode HOURS         detections up to this long after the index are the same\n"
        "                          event (default 24)\n"
        "  --data-end DATE         end of follow-up: the end of that UK local day, or an\n"
        "                          ISO 8601 instant (default: the latest detection)\n"
        "  --cohorts LIST          device types, the first is the reference\n"
        "                          (default TRUCAM,GATSO; also HADECS3, SPECS, REDSPEED,\n"
        "                          VECTOR, OTHER)\n"
        "  --strata LIST           Mantel-Haenszel strata: any of limit, excess, district,\n"
        "                          or none (default limit,excess)\n"
        "  --format csv|md|html    table format (default csv); md and html add the\n"
        "                          comparison in words, with its caveat\n"
        "  --columns page|all      page: the 11 main columns (rates, difference, test);\n"
        "                          all: every column (default: all for csv, page for md\n"
        "                          and html)\n"
        "  --out FILE              write the table to FILE (default standard output)\n"
        "  --plot FILE.png         draw the Kaplan-Meier curves with their 95%% bands\n"
        "  --store FILE            workspace (default $ROADSAFE_STORE, else ./roadsafe.db)\n");
}

/* --data-end: a date (its UK local day's last second) or an ISO instant. */
static int parse_data_end(const char *s, int64_t *out)
{
    int64_t days, t0, t1;
    if (rs_parse_date(s, strlen(s), &days) == 0) {
        if (rs_opt_period(CMD, NULL, s, &t0, &t1) != 0)
            return -1;
        *out = t1 - 1;
        return 0;
    }
    if (rs_parse_iso8601(s, strlen(s), out) == 0)
        return 0;
    fprintf(stderr,
            "roadsafe " CMD ": --data-end '%s' is neither a date (YYYY-MM-DD) nor an ISO 8601 "
            "instant\n",
            s);
    return -1;
}

static int parse_opts(const char *from, const char *to, const char *window, const char *episode,
                      const char *data_end, const char *cohorts, const char *strata,
                      rs_reoffend_opts *o)
{
    rs_reoffend_opts_default(o);
    if (rs_opt_period(CMD, from, to, &o->from, &o->to) != 0)
        return -1;
    double v;
    if (window) {
        if (rs_opt_positive(CMD, "window", window, 0, &v) != 0)
            return -1;
        if (v > 36500) {
            fprintf(stderr, "roadsafe " CMD ": --window is at most 36500 days\n");
            return -1;
        }
        o->window = llround(v * 86400);
        if (o->window < 1)
            o->window = 1;
    }
    if (episode) {
        if (rs_opt_positive(CMD, "episode", episode, 1, &v) != 0)
            return -1;
        if (v > 876000) {
            fprintf(stderr, "roadsafe " CMD ": --episode is at most 876000 hours\n");
            return -1;
        }
        o->episode = llround(v * 3600);
    }
    if (data_end && parse_data_end(data_end, &o->data_end) != 0)
        return -1;
    const char *bad = NULL;
    if (cohorts && rs_reoffend_cohorts_parse(o, cohorts, &bad) != 0) {
        fprintf(stderr,
                "roadsafe " CMD ": --cohorts takes distinct device types separated by commas "
                "(TRUCAM, GATSO, HADECS3, SPECS, REDSPEED, VECTOR, OTHER); '%s' is not one\n",
                bad ? bad : cohorts);
        return -1;
    }
    if (strata && rs_strata_parse(strata, &o->strata) != 0) {
        fprintf(stderr, "roadsafe " CMD ": --strata is 'none' or distinct words of limit, excess, "
                        "district separated by commas\n");
        return -1;
    }
    return 0;
}

static void notes(const rs_reoffend_result *r)
{
    char end[32] = "none";
    if (r->data_end != INT64_MIN)
        rs_time_format_utc(r->data_end, end, sizeof end);
    fprintf(stderr, "roadsafe " CMD ": %llu detections read, %llu vehicles with an index "
                    "detection, data end %s; %llu detections without a plate left out\n",
            (unsigned long long)r->detections, (unsigned long long)r->vehicles_indexed, end,
            (unsigned long long)r->no_plate);
    for (size_t j = 0; j < r->ncohorts; j++) {
        const rs_reoffend_cohort *c = &r->cohort[j];
        if (c->vehicles == 0)
            fprintf(stderr, "roadsafe " CMD ": no vehicle's index detection is by %s\n",
                    c->name);
        else if (c->followed_up == 0)
            fprintf(stderr,
                    "roadsafe " CMD ": no %s vehicle is followed up for the whole window before "
                    "the data end: no rate\n",
                    c->name);
    }
}

/* The comparison in words after a Markdown or HTML table (CSV stays one
 * table for machines). */
static int write_words(const rs_reoffend_opts *o, const rs_reoffend_result *r, rs_format fmt,
                       FILE *f)
{
    char head[512], detail[1024];
    rs_reoffend_words(o, r, head, sizeof head, detail, sizeof detail);
    const char *parts[2] = {head, detail};
    for (int i = 0; i < 2; i++) {
        if (!parts[i][0])
            continue;
        if (fmt == RS_FMT_HTML) {
            fputs(i == 0 ? "<p><strong>" : "<p>", f);
            rs_html_put(f, parts[i]);
            fputs(i == 0 ? "</strong></p>\n" : "</p>\n", f);
        } else {
            fprintf(f, "\n%s%s%s\n", i == 0 ? "**" : "", parts[i], i == 0 ? "**" : "");
        }
    }
    return ferror(f) ? -1 : 0;
}

int rs_cmd_reoffend(int argc, char **argv)
{
    const char *store = NULL, *h = NULL, *from = NULL, *to = NULL, *window = NULL,
               *episode = NULL, *data_end = NULL, *cohorts = NULL, *strata = NULL,
               *format = NULL, *out = NULL, *plot = NULL, *columns = NULL;
    const rs_cli_opt opts[] = {{"store", 1, &store},   {"help", 0, &h},
                               {"from", 1, &from},     {"to", 1, &to},
                               {"window", 1, &window}, {"episode", 1, &episode},
                               {"data-end", 1, &data_end}, {"cohorts", 1, &cohorts},
                               {"strata", 1, &strata}, {"format", 1, &format},
                               {"out", 1, &out},       {"plot", 1, &plot},
                               {"columns", 1, &columns}, {NULL, 0, NULL}};
    const char *pos[1];
    int npos = rs_cli_parse(CMD, argc, argv, 1, opts, pos, 0);
    if (npos < 0)
        return RS_EXIT_USAGE;
    if (h) {
        help();
        return RS_EXIT_OK;
    }
    rs_format fmt = RS_FMT_CSV;
    if (format && rs_format_parse(format, &fmt) != 0) {
        fprintf(stderr, "roadsafe " CMD ": --format is csv, md or html\n");
        return RS_EXIT_USAGE;
    }
    rs_reoffend_cols which = fmt == RS_FMT_CSV ? RS_REOFFEND_COLS_ALL : RS_REOFFEND_COLS_PAGE;
    if (columns && strcmp(columns, "all") == 0) {
        which = RS_REOFFEND_COLS_ALL;
    } else if (columns && strcmp(columns, "page") == 0) {
        which = RS_REOFFEND_COLS_PAGE;
    } else if (columns) {
        fprintf(stderr, "roadsafe " CMD ": --columns is page or all\n");
        return RS_EXIT_USAGE;
    }
    rs_reoffend_opts o;
    if (parse_opts(from, to, window, episode, data_end, cohorts, strata, &o) != 0)
        return RS_EXIT_USAGE;
    rs_ctx *ctx = NULL;
    int ret = rs_cli_open("reoffend", store, RS_STORE_READONLY | RS_STORE_NO_PINGS, &ctx);
    if (ret != 0)
        return ret;
    rs_reoffend_result *r = NULL;
    rs_table *t = NULL;
    rs_atomic a;
    memset(&a, 0, sizeof a);
    if (rs_reoffend_run(ctx, &o, &r) != 0) {
        ret = rs_cli_fail(ctx);
        goto done;
    }
    notes(r);
    if (rs_reoffend_table(ctx, &o, r, which, &t) != 0) {
        ret = rs_cli_fail(ctx);
        goto done;
    }
    if (rs_cli_out_open(CMD, &a, out) != 0) {
        ret = RS_EXIT_FAIL;
        goto done;
    }
    int ok = rs_table_write(t, fmt, a.f) == 0;
    if (ok && fmt != RS_FMT_CSV)
        ok = write_words(&o, r, fmt, a.f) == 0;
    if (rs_cli_out_close(CMD, &a, ok) != 0) {
        if (!ok)
            fprintf(stderr, "roadsafe " CMD ": cannot write %s\n", out ? out : "the table");
        ret = RS_EXIT_FAIL;
        goto done;
    }
    if (plot) {
        const rs_reoffend_chart_opts co = {
            "Cumulative reoffending after the index detection (Kaplan-Meier, 95% bands)",
            "days after the index detection", "vehicles reoffended (%)", 1000, 600, 0};
        if (rs_reoffend_chart(ctx, &o, r, &co, plot) != 0)
            ret = rs_cli_fail(ctx);
    }
done:
    rs_table_free(t);
    rs_reoffend_result_free(r);
    rs_ctx_free(ctx);
    return ret;
}
