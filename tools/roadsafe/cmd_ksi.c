/*
 * cmd_ksi.c — `roadsafe ksi`: KSI trend tables for the road safety
 * partnership board (the analysis is engine/ksi; this file parses the
 * options, writes the tables and draws the chart).
 *
 * Output: one table (casualties) or two (--collisions adds collisions by
 * collision severity).  Markdown and HTML put both in one document; CSV
 * keeps one table per file: with --out FILE the collisions table goes to
 * FILE's name with "_collisions" before the extension, on standard output
 * the two are separated by an empty line.  Files are written beside their
 * name and renamed into place.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "district.h"
#include "exposure.h"
#include "funnel_out.h"
#include "ksi.h"
#include "ksi_out.h"
#include "ksi_vehicle.h"
#include "store.h"
#include "table.h"
#include "target.h"
#include "target_out.h"

#define CMD "ksi"

static void help(void)
{
    printf(
        "usage: roadsafe ksi [--by month|quarter|year] [--financial] [--from PERIOD --to PERIOD]\n"
        "                    [--split none|district|road_user|age_band|vehicle]\n"
        "                    [--involving FAMILY] [--enhanced] [--baseline YYYY-YYYY]\n"
        "                    [--adjusted] [--collisions] [--format csv|md|html] [--out FILE]\n"
        "                    [--chart FILE.png] [--store FILE]\n"
        "                    [--target B1-B2:P:Y [--trend-years N]] [--population FILE]\n"
        "                    [--traffic FILE] [--funnel FILE.png]\n\n"
        "Killed or seriously injured (KSI) casualties per period from the loaded STATS19\n"
        "data: fatal, serious, ksi, slight and all casualties, each row against the same\n"
        "period a year earlier (change, per cent, exact conditional test, p-value), the\n"
        "rolling 12-month KSI, an optional baseline, the exact 95%% Poisson interval of\n"
        "the KSI count and a verdict in words.  Periods come from the collision's UK\n"
        "local date.  Definitions: see the README.\n\n"
        "options:\n"
        "  --by month|quarter|year  period length (default quarter)\n"
        "  --financial              UK financial quarters (Q1 = April-June) and years\n"
        "                           (2020/21); no effect with --by month\n"
        "  --from PERIOD            first period shown: 2020, 2020Q2, 2020-05, 2020/21 or\n"
        "                           2020/21Q1 (the period holding its first month); default:\n"
        "                           the first month with data\n"
        "  --to PERIOD              last period shown (the one holding its last month);\n"
        "                           default: the last month with data\n"
        "  --split KIND             none (default), district (from the collision location;\n"
        "                           '(outside districts)' and '(no location)' rows too),\n"
        "                           road_user (from casualty_type), age_band (child 0-15,\n"
        "                           16-24, 25-59, 60+, unknown) or vehicle (the families of\n"
        "                           vehicle the collision involved, from the vehicle file: a\n"
        "                           collision counts in each, so the rows overlap)\n"
        "  --involving FAMILY       only collisions involving a car, motorcycle, goods, bus,\n"
        "                           pedal_cycle, escooter or other (vehicle_type families,\n"
        "                           see the README)\n"
        "  --enhanced               split recorded serious by enhanced severity (2023 on):\n"
        "                           very_serious, moderately_serious, less_serious and\n"
        "                           serious_unrecorded columns\n"
        "  --baseline YYYY-YYYY     add the mean KSI of the same period of the year over\n"
        "                           these years (financial years with --financial) and the\n"
        "                           per cent change from it\n"
        "  --adjusted               DfT severity-adjusted figures: fatal + the sum of\n"
        "                           casualty_adjusted_severity_serious over non-fatal\n"
        "                           casualties; without the factor a casualty counts as\n"
        "                           recorded (counted in no_factor, and said)\n"
        "  --collisions             add a table of collisions by collision severity\n"
        "                           (split by district or vehicle only)\n"
        "  --format csv|md|html     table format (default csv)\n"
        "  --out FILE               write to FILE (default standard output)\n"
        "  --chart FILE.png         line chart of KSI by period against the same period a\n"
        "                           year earlier, with the 95%% interval as a band\n"
        "  --target B1-B2:P:Y       (--by year) the target P%% below the mean KSI of years\n"
        "                           B1-B2 by year Y (e.g. 2015-2019:50:2030): adds\n"
        "                           target_ksi, vs_target and trend_ksi, and a projection\n"
        "                           table (CSV: FILE_projection.csv, or after an empty line)\n"
        "                           with the trend's 95%% interval and a verdict\n"
        "  --trend-years N          the trend's complete years, the last N (default 5)\n"
        "  --population FILE        (--by year) CSV district,year,population: adds\n"
        "                           ksi_per_100k with its exact 95%% interval; with\n"
        "                           --funnel (any --by) also the funnel per head\n"
        "  --funnel FILE.png        funnel plot of KSI per km\xc2\xb2 by district over the\n"
        "                           periods shown, against the county rate with exact\n"
        "                           Poisson 95%% and 99.8%% limits; with --population also\n"
        "                           FILE_per_head.png (per 100,000 residents); the\n"
        "                           districts outside the limits are named on stderr\n"
        "  --traffic FILE           (--by year) CSV district,year,vehicle_km: adds\n"
        "                           ksi_per_bn_vkm with its exact 95%% interval\n"
        "  --store FILE             workspace (default $ROADSAFE_STORE, else ./roadsafe.db)\n");
}

static int parse_baseline(const char *s, int *from, int *to)
{
    char extra;
    if (strlen(s) != 9 || s[4] != '-' || sscanf(s, "%4d-%4d%c", from, to, &extra) != 2 ||
        *from < 1900 || *to > 2200 || *from > *to)
        return -1;
    for (int i = 0; i < 9; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return -1;
    return 0;
}

/* ---- output files ------------------------------------------------------------ */

/* Output files go through the command's atomic writer (cli.h). */
typedef rs_atomic outfile;
#define out_open(o, path) rs_cli_out_open(CMD, (o), (path))
#define out_close(o, ok) rs_cli_out_close(CMD, (o), (ok))

/* FILE.csv -> FILE_SUFFIX.csv (the extension kept where there is one). */
static char *suffix_path(const char *path, const char *suffix)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    if (dot == NULL || (slash && dot < slash) || dot == path || (slash && dot == slash + 1))
        dot = path + strlen(path);
    size_t stem = (size_t)(dot - path);
    char *p = malloc(strlen(path) + strlen(suffix) + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, path, stem);
    strcpy(p + stem, suffix);
    strcat(p, dot);
    return p;
}

static void html_head(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    rs_html_put(f, title);
    fputs("</title>\n<style>\n"
          "body { font-family: sans-serif; margin: 2em; color: #222; }\n"
          "table { border-collapse: collapse; margin-bottom: 2em; font-size: 0.9em; }\n"
          "caption { text-align: left; font-weight: bold; padding-bottom: 0.5em; "
          "max-width: 60em; }\n"
          "th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; }\n"
          "thead th { border-bottom: 2px solid #555; text-align: left; }\n"
          "td.num { text-align: right; font-variant-numeric: tabular-nums; }\n"
          "</style>\n</head>\n<body>\n",
          f);
}

/* ---- the command ----------------------------------------------------------------- */

/* The target, the trend and the rates that go with the casualty table. */
typedef struct extras {
    rs_target_result *t;
    rs_target_rates pop, trf;
    int has_pop, has_trf;
    double *mem;
} extras;

static int write_table(rs_ctx *ctx, const rs_ksi_result *r, const extras *x, rs_format fmt,
                       FILE *f)
{
    rs_table *t = NULL;
    int rc = x && (x->t || x->has_pop || x->has_trf)
                 ? rs_target_ksi_table(ctx, r, x->t, x->has_pop ? &x->pop : NULL,
                                       x->has_trf ? &x->trf : NULL, &t)
                 : rs_ksi_table(ctx, r, &t);
    if (rc != RS_OK)
        return -1;
    rc = rs_table_write(t, fmt, f);
    rs_table_free(t);
    return rc;
}

static int write_proj(rs_ctx *ctx, const rs_target_result *t, int financial, rs_format fmt,
                      FILE *f)
{
    rs_table *tb = NULL;
    if (rs_target_proj_table(ctx, t, financial, &tb) != RS_OK)
        return -1;
    int rc = rs_table_write(tb, fmt, f);
    rs_table_free(tb);
    return rc;
}

/* Reads an exposure file and the rates of every row of r. */
static int rates(rs_ctx *ctx, const rs_ksi_result *r, const char *path, const char *col,
                 double scale, double *mem, rs_target_rates *out)
{
    rs_exposure_rows rows;
    rs_exposure *x = NULL;
    int rc = rs_exposure_read(rs_ctx_err(ctx), path, col, &rows);
    if (rc != RS_OK)
        return rc;
    rc = rs_exposure_make(ctx, path, col, rows.n, (const char *const *)rows.district, rows.year,
                          rows.value, &x);
    rs_exposure_rows_free(&rows);
    if (rc != RS_OK)
        return rc;
    size_t n = r->nrows;
    out->expo = mem;
    out->rate = mem + n;
    out->low = mem + 2 * n;
    out->high = mem + 3 * n;
    rc = rs_ksi_rates(ctx, r, x, scale, mem, mem + n, mem + 2 * n, mem + 3 * n);
    rs_exposure_free(x);
    return rc;
}

static void notes(const rs_ksi_result *r)
{
    if (r->span_first < 0)
        fprintf(stderr, "roadsafe " CMD ": no %s in the workspace (roadsafe ingest stats19 ...)\n",
                r->opts.collisions ? "collisions" : "casualties");
    if (r->opts.adjusted && r->no_factor > 0)
        fprintf(stderr,
                "roadsafe " CMD ": %lld non-fatal casualt%s had no adjustment factor and "
                "count%s as recorded (column no_factor)\n",
                (long long)r->no_factor, r->no_factor == 1 ? "y" : "ies",
                r->no_factor == 1 ? "s" : "");
    if (r->no_vehicles > 0)
        fprintf(stderr,
                "roadsafe " CMD ": %lld %s in collisions without vehicle records, so in no "
                "vehicle family (load the STATS19 vehicle file: roadsafe ingest stats19 "
                "VEHICLES.csv)\n",
                (long long)r->no_vehicles, r->no_vehicles == 1 ? "casualty is" : "casualties are");
    if (r->baseline_incomplete)
        fprintf(stderr,
                "roadsafe " CMD ": some baseline periods (%d-%d) are not wholly inside the "
                "data; those rows have no baseline\n",
                r->opts.baseline_from, r->opts.baseline_to);
}

/* One funnel: the PNG at path, its figures as CSV beside it (FILE.csv for
 * FILE.png) and the districts outside the limits on stderr. */
static int funnel_one(rs_ctx *ctx, const rs_ksi_result *r, int p0, int p1, const rs_districts *d,
                      size_t npop, const char *const *names, const double *pop, const char *path,
                      const char *what)
{
    char words[4096];
    rs_table *t = NULL;
    size_t len = strlen(path);
    char *csv = malloc(len + 5);
    if (csv == NULL) {
        fprintf(stderr, "roadsafe " CMD ": out of memory\n");
        return RS_EXIT_FAIL;
    }
    memcpy(csv, path, len + 1);
    if (len > 4 && strcasecmp(csv + len - 4, ".png") == 0)
        csv[len - 4] = '\0';
    strcat(csv, ".csv");
    int ret = RS_EXIT_OK;
    outfile f = {0};
    /* the main PNG was checked with the options; FILE_per_head.png and
     * both CSVs are derived here */
    if (rs_cli_out_refused(CMD, "funnel", path) || rs_cli_out_refused(CMD, "funnel", csv)) {
        ret = RS_EXIT_USAGE;
    } else if (rs_ksi_funnel(ctx, r, p0, p1, d, npop, names, pop, path, words, sizeof words,
                             &t) != RS_OK) {
        ret = rs_cli_fail(ctx);
    } else if (out_open(&f, csv) != 0) {
        ret = RS_EXIT_FAIL;
    } else {
        int ok = rs_table_write(t, RS_FMT_CSV, f.f) == 0;
        if (out_close(&f, ok) != 0)
            ret = RS_EXIT_FAIL;
        else
            fprintf(stderr, "roadsafe " CMD ": funnel of KSI %s written to %s (figures in %s). "
                            "%s\n",
                    what, path, csv, words);
    }
    rs_table_free(t);
    free(csv);
    return ret;
}

/* --funnel: the district funnel per km², and per head with --population
 * (the population of the calendar year holding the last month shown, else
 * the latest earlier year in the file, else the earliest). */
static int funnels(rs_ctx *ctx, const rs_ksi_opts *o, const rs_ksi_result *cas,
                   const char *path, const char *pop_path)
{
    rs_districts *d = NULL;
    rs_ksi_result *split = NULL;
    rs_exposure_rows rows;
    memset(&rows, 0, sizeof rows);
    char *ppath = NULL, words[4096];
    const char **names = NULL;
    double *pop = NULL;
    size_t npop = 0;
    int ret = RS_EXIT_OK;
    if (rs_store_districts_read(ctx, &d) != RS_OK) {
        ret = rs_cli_fail(ctx);
        goto done;
    }
    if (d == NULL) {
        fprintf(stderr, "roadsafe " CMD ": --funnel needs districts (roadsafe districts load "
                        "FILE.shp --name-field FIELD)\n");
        ret = RS_EXIT_USAGE;
        goto done;
    }
    const rs_ksi_result *r = cas;
    if (o->split != RS_KSI_SPLIT_DISTRICT) {
        rs_ksi_opts od = *o;
        od.split = RS_KSI_SPLIT_DISTRICT;
        if (rs_ksi_run(ctx, &od, &split) != RS_OK) {
            ret = rs_cli_fail(ctx);
            goto done;
        }
        r = split;
    }
    int p0 = r->nrows ? r->rows[0].period : 0, p1 = r->nrows ? r->rows[r->nrows - 1].period : -1;
    if ((ret = funnel_one(ctx, r, p0, p1, d, 0, NULL, NULL, path, "per km\xc2\xb2")) !=
        RS_EXIT_OK)
        goto done;
    if (pop_path) {
        if (rs_exposure_read(rs_ctx_err(ctx), pop_path, "population", &rows) != RS_OK) {
            ret = rs_cli_fail(ctx);
            goto done;
        }
        int lastm = r->nrows ? rs_ksi_period_first_month(o->by, o->financial,
                                                         r->rows[r->nrows - 1].period + 1) - 1
                             : 0;
        int year = lastm / 12;
        names = calloc(rows.n ? rows.n : 1, sizeof *names);
        pop = calloc(rows.n ? rows.n : 1, sizeof *pop);
        int *best = calloc(rows.n ? rows.n : 1, sizeof *best);
        if (names == NULL || pop == NULL || best == NULL) {
            free(best);
            fprintf(stderr, "roadsafe " CMD ": out of memory\n");
            ret = RS_EXIT_FAIL;
            goto done;
        }
        /* one value per district: the year asked for, else the latest
         * before it, else the earliest after it */
        for (size_t i = 0; i < rows.n; i++) {
            size_t j = 0;
            while (j < npop && strcmp(names[j], rows.district[i]) != 0)
                j++;
            int y = rows.year[i];
            if (j == npop) {
                names[npop] = rows.district[i];
                pop[npop] = rows.value[i];
                best[npop++] = y;
                continue;
            }
            int b = best[j];
            int better = (y <= year && (b > year || y > b)) || (y > year && b > year && y < b);
            if (better) {
                pop[j] = rows.value[i];
                best[j] = y;
            }
        }
        free(best);
        if ((ppath = suffix_path(path, "_per_head")) == NULL) {
            fprintf(stderr, "roadsafe " CMD ": out of memory\n");
            ret = RS_EXIT_FAIL;
            goto done;
        }
        snprintf(words, sizeof words, "per 100,000 residents (populations of %d)", year);
        if ((ret = funnel_one(ctx, r, p0, p1, d, npop, names, pop, ppath, words)) != RS_EXIT_OK)
            goto done;
    }
done:
    free(ppath);
    free(names);
    free(pop);
    rs_exposure_rows_free(&rows);
    rs_ksi_result_free(split);
    rs_districts_free(d);
    return ret;
}

int rs_cmd_ksi(int argc, char **argv)
{
    const char *store = NULL, *h = NULL, *by_s = NULL, *fin = NULL, *from_s = NULL,
               *to_s = NULL, *split_s = NULL, *base_s = NULL, *adj = NULL, *coll = NULL,
               *format = NULL, *out = NULL, *chart = NULL, *target_s = NULL, *ty_s = NULL,
               *pop_s = NULL, *trf_s = NULL, *inv_s = NULL, *enh = NULL, *funnel = NULL;
    const rs_cli_opt opts[] = {{"store", 1, &store},     {"help", 0, &h},
                               {"by", 1, &by_s},         {"financial", 0, &fin},
                               {"from", 1, &from_s},     {"to", 1, &to_s},
                               {"split", 1, &split_s},   {"baseline", 1, &base_s},
                               {"adjusted", 0, &adj},    {"collisions", 0, &coll},
                               {"format", 1, &format},   {"out", 1, &out},
                               {"chart", 1, &chart},     {"target", 1, &target_s},
                               {"trend-years", 1, &ty_s}, {"population", 1, &pop_s},
                               {"traffic", 1, &trf_s},   {"involving", 1, &inv_s},
                               {"enhanced", 0, &enh},    {"funnel", 1, &funnel},
                               {NULL, 0, NULL}};
    const char *pos[1];
    int npos = rs_cli_parse(CMD, argc, argv, 1, opts, pos, 0);
    if (npos < 0)
        return RS_EXIT_USAGE;
    if (h) {
        help();
        return RS_EXIT_OK;
    }
    rs_ksi_opts o;
    memset(&o, 0, sizeof o);
    o.by = RS_KSI_QUARTER;
    o.from_month = o.to_month = -1;
    o.financial = fin != NULL;
    o.adjusted = adj != NULL;
    o.enhanced = enh != NULL;
    rs_format fmt = RS_FMT_CSV;
    int dummy;
    if (by_s && rs_ksi_by_parse(by_s, &o.by) != 0) {
        fprintf(stderr, "roadsafe " CMD ": --by is month, quarter or year\n");
        return RS_EXIT_USAGE;
    }
    if (split_s && rs_ksi_split_parse(split_s, &o.split) != 0) {
        fprintf(stderr,
                "roadsafe " CMD ": --split is none, district, road_user, age_band or vehicle\n");
        return RS_EXIT_USAGE;
    }
    int fam;
    if (inv_s && rs_ksi_family_parse(inv_s, &fam) != 0) {
        fprintf(stderr, "roadsafe " CMD ": --involving is %s\n", rs_ksi_family_words());
        return RS_EXIT_USAGE;
    }
    if (inv_s)
        o.involving = fam + 1;
    if (from_s && rs_ksi_period_parse(from_s, &o.from_month, &dummy) != 0) {
        fprintf(stderr,
                "roadsafe " CMD ": --from '%s' is not a period (2020, 2020Q2, 2020-05, "
                "2020/21 or 2020/21Q1)\n",
                from_s);
        return RS_EXIT_USAGE;
    }
    if (to_s && rs_ksi_period_parse(to_s, &dummy, &o.to_month) != 0) {
        fprintf(stderr,
                "roadsafe " CMD ": --to '%s' is not a period (2020, 2020Q2, 2020-05, "
                "2020/21 or 2020/21Q1)\n",
                to_s);
        return RS_EXIT_USAGE;
    }
    if (o.from_month >= 0 && o.to_month >= 0 && o.from_month > o.to_month) {
        fprintf(stderr, "roadsafe " CMD ": --from is after --to\n");
        return RS_EXIT_USAGE;
    }
    if (base_s && parse_baseline(base_s, &o.baseline_from, &o.baseline_to) != 0) {
        fprintf(stderr,
                "roadsafe " CMD ": --baseline is YYYY-YYYY, first year <= last (e.g. "
                "2005-2009)\n");
        return RS_EXIT_USAGE;
    }
    if (format && rs_format_parse(format, &fmt) != 0) {
        fprintf(stderr, "roadsafe " CMD ": --format is csv, md or html\n");
        return RS_EXIT_USAGE;
    }
    if (coll && (o.split == RS_KSI_SPLIT_ROAD_USER || o.split == RS_KSI_SPLIT_AGE_BAND)) {
        fprintf(stderr, "roadsafe " CMD ": --collisions splits by district or vehicle only (road "
                        "user and age band belong to casualties)\n");
        return RS_EXIT_USAGE;
    }
    rs_target_spec spec;
    int trend_years = 5;
    if (target_s && rs_target_parse(target_s, &spec) != 0) {
        fprintf(stderr,
                "roadsafe " CMD ": --target '%s' is not B1-B2:P:Y (baseline years B1 <= B2, a "
                "reduction of P per cent, 0 < P < 100, by year Y after B2; e.g. "
                "2015-2019:50:2030)\n",
                target_s);
        return RS_EXIT_USAGE;
    }
    if (ty_s) {
        char *end;
        long v = strtol(ty_s, &end, 10);
        if (!target_s) {
            fprintf(stderr, "roadsafe " CMD ": --trend-years goes with --target\n");
            return RS_EXIT_USAGE;
        }
        if (*ty_s == '\0' || *end != '\0' || v < 2 || v > 100) {
            fprintf(stderr, "roadsafe " CMD ": --trend-years is a whole number 2-100\n");
            return RS_EXIT_USAGE;
        }
        trend_years = (int)v;
    }
    if ((target_s || (pop_s && !funnel) || trf_s) && o.by != RS_KSI_YEAR) {
        fprintf(stderr, "roadsafe " CMD ": --%s needs --by year\n",
                target_s ? "target" : pop_s ? "population" : "traffic");
        return RS_EXIT_USAGE;
    }
    if (target_s && o.split != RS_KSI_SPLIT_NONE) {
        fprintf(stderr, "roadsafe " CMD ": --target is for the whole area (no --split)\n");
        return RS_EXIT_USAGE;
    }
    if ((pop_s || trf_s) && o.split != RS_KSI_SPLIT_NONE && o.split != RS_KSI_SPLIT_DISTRICT) {
        fprintf(stderr, "roadsafe " CMD ": rates split by district only\n");
        return RS_EXIT_USAGE;
    }
    if (out && chart && strcmp(out, chart) == 0) {
        fprintf(stderr, "roadsafe " CMD ": --out and --chart name the same file\n");
        return RS_EXIT_USAGE;
    }
    if (funnel && ((out && strcmp(out, funnel) == 0) || (chart && strcmp(chart, funnel) == 0))) {
        fprintf(stderr, "roadsafe " CMD ": --funnel names the same file as --%s\n",
                out && strcmp(out, funnel) == 0 ? "out" : "chart");
        return RS_EXIT_USAGE;
    }
    if (funnel && o.collisions == 0 && o.split != RS_KSI_SPLIT_NONE &&
        o.split != RS_KSI_SPLIT_DISTRICT) {
        fprintf(stderr, "roadsafe " CMD ": --funnel compares districts: use it with no --split "
                        "or --split district\n");
        return RS_EXIT_USAGE;
    }

    rs_ctx *ctx = NULL;
    int ret = rs_cli_open("ksi", store, RS_STORE_READONLY | RS_STORE_NO_PINGS, &ctx);
    if (ret != 0)
        return ret;
    rs_ksi_result *cas = NULL, *col = NULL, *total = NULL;
    char *cpath = NULL, *ppath = NULL;
    outfile f1 = {0}, f2 = {0}, f3 = {0};
    int set = 0;
    extras x;
    memset(&x, 0, sizeof x);
    if (rs_ksi_run(ctx, &o, &cas) != RS_OK ||
        (target_s && rs_target_run(ctx, &o, &spec, trend_years, &x.t) != RS_OK)) {
        ret = rs_cli_fail(ctx);
        goto done;
    }
    if ((pop_s && o.by == RS_KSI_YEAR) || trf_s) {
        size_t n = cas->nrows ? cas->nrows : 1;
        if ((x.mem = malloc(8 * n * sizeof *x.mem)) == NULL) {
            fprintf(stderr, "roadsafe " CMD ": out of memory\n");
            ret = RS_EXIT_FAIL;
            goto done;
        }
        if ((pop_s && o.by == RS_KSI_YEAR &&
             rates(ctx, cas, pop_s, "population", 1e5, x.mem, &x.pop) != RS_OK) ||
            (trf_s && rates(ctx, cas, trf_s, "vehicle_km", 1e9, x.mem + 4 * n, &x.trf) != RS_OK)) {
            ret = rs_cli_fail(ctx);
            goto done;
        }
        x.has_pop = pop_s != NULL && o.by == RS_KSI_YEAR;
        x.has_trf = trf_s != NULL;
    }
    if (coll) {
        rs_ksi_opts oc = o;
        oc.collisions = 1;
        oc.adjusted = 0;
        if (rs_ksi_run(ctx, &oc, &col) != RS_OK) {
            ret = rs_cli_fail(ctx);
            goto done;
        }
    }
    notes(cas);

    /* tables and chart: one set of files, renamed into place together */
    rs_cli_set_begin();
    set = 1;
    if (out_open(&f1, out) != 0) {
        ret = RS_EXIT_FAIL;
        goto done;
    }
    int bad = 0;
    if (fmt == RS_FMT_HTML)
        html_head(f1.f, "KSI trends");
    bad |= write_table(ctx, cas, &x, fmt, f1.f) != 0;
    if (x.t) {
        FILE *f = f1.f;
        if (fmt == RS_FMT_CSV && out) {
            if ((ppath = suffix_path(out, "_projection")) == NULL || out_open(&f3, ppath) != 0) {
                out_close(&f1, 0);
                ret = RS_EXIT_FAIL;
                goto done;
            }
            f = f3.f;
        } else if (fmt != RS_FMT_HTML) {
            fputc('\n', f);
        }
        bad |= write_proj(ctx, x.t, o.financial, fmt, f) != 0;
    }
    if (col) {
        FILE *f = f1.f;
        if (fmt == RS_FMT_CSV && out) {
            if ((cpath = suffix_path(out, "_collisions")) == NULL || out_open(&f2, cpath) != 0) {
                out_close(&f3, 0);
                out_close(&f1, 0);
                ret = RS_EXIT_FAIL;
                goto done;
            }
            f = f2.f;
        } else if (fmt != RS_FMT_HTML) {
            fputc('\n', f);
        }
        bad |= write_table(ctx, col, NULL, fmt, f) != 0;
    }
    if (fmt == RS_FMT_HTML)
        fputs("</body>\n</html>\n", f1.f);
    if (bad && rs_ctx_err(ctx)->code != 0) {
        out_close(&f3, 0);
        out_close(&f2, 0);
        out_close(&f1, 0);
        ret = rs_cli_fail(ctx);
        goto done;
    }
    if (out_close(&f3, !bad) != 0 || out_close(&f2, !bad) != 0 || out_close(&f1, !bad) != 0) {
        if (bad)
            fprintf(stderr, "roadsafe " CMD ": cannot write the table: %s\n", strerror(errno));
        ret = RS_EXIT_FAIL;
        goto done;
    }
    /* chart: the target's, else the unsplit totals */
    if (chart && x.t) {
        if (rs_target_chart(ctx, x.t, o.financial, chart) != RS_OK)
            ret = rs_cli_fail(ctx);
    } else if (chart) {
        const rs_ksi_result *cr = cas;
        if (o.split != RS_KSI_SPLIT_NONE) {
            rs_ksi_opts ot = o;
            ot.split = RS_KSI_SPLIT_NONE;
            if (rs_ksi_run(ctx, &ot, &total) != RS_OK) {
                ret = rs_cli_fail(ctx);
                goto done;
            }
            cr = total;
        }
        if (rs_ksi_chart(ctx, cr, chart) != RS_OK) {
            ret = rs_cli_fail(ctx);
            goto done;
        }
    }
    if (funnel && ret == RS_EXIT_OK)
        ret = funnels(ctx, &o, cas, funnel, pop_s);
done:
    if (set && (ret = rs_cli_set_end(CMD, ret)) == RS_EXIT_OK) {
        if (cpath)
            fprintf(stderr, "roadsafe " CMD ": collisions table written to %s\n", cpath);
        if (ppath)
            fprintf(stderr, "roadsafe " CMD ": projection table written to %s\n", ppath);
    }
    free(cpath);
    free(ppath);
    free(x.mem);
    rs_target_result_free(x.t);
    rs_ksi_result_free(cas);
    rs_ksi_result_free(col);
    rs_ksi_result_free(total);
    rs_ctx_free(ctx);
    return ret;
}
