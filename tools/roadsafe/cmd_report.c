/*
 * cmd_report.c — `roadsafe report`: the quarterly board pack of the road
 * safety partnership, one self-contained HTML file (the pack itself is
 * engine/report; this file parses the options).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "opts.h"
#include "report.h"
#include "store.h"

#define CMD "report"

static void help(void)
{
    printf(
        "usage: roadsafe report --quarter QUARTER [--financial] [--districts all|NAME,...]\n"
        "                       --out FILE.html [--context FILE.shp,...] [--store FILE]\n\n"
        "The partnership board's quarterly pack: one self-contained HTML file (images\n"
        "embedded, no scripts, no external requests) that prints on A4.  Sections: the\n"
        "KSI headline against the same quarter a year earlier with verdicts; the KSI trend\n"
        "over 12 quarters; KSI, detections and concerns by district; the weekend speeding\n"
        "heat map; reoffending after TRUCAM against GATSO detections with Kaplan-Meier\n"
        "curves; the coming quarter's weekend plan; data quality (rejected rows, collisions\n"
        "without a location, each source's rows per month).  Only data up to the quarter's\n"
        "end is used; the same workspace and options give a byte-identical file.\n\n"
        "options:\n"
        "  --quarter QUARTER         the quarter: 2020Q2 (calendar) or 2020/21Q1 (financial;\n"
        "                            the same months); required\n"
        "  --financial               label quarters the UK financial way (2020/21 Q1 =\n"
        "                            April-June 2020) in every table and chart\n"
        "  --districts all|NAME,...  the districts of the pack, by name or code, separated\n"
        "                            by commas (default all); county totals then cover\n"
        "                            the chosen districts only\n"
        "  --out FILE.html           the pack (written beside its name, then renamed into\n"
        "                            place); required\n"
        "  --context FILE.shp[,...]  context on the pack's heat map: roads (lines),\n"
        "                            labelled places (points), outlines (polygons)\n"
        "  --store FILE              workspace (default $ROADSAFE_STORE, else ./roadsafe.db)\n");
}

/* Splits "A, B,C" into trimmed words (in buf, which it owns).  -1 on an
 * empty word. */
static int split_list(char *buf, const char **words, size_t max, size_t *n)
{
    *n = 0;
    char *p = buf;
    for (;;) {
        char *e = strchr(p, ',');
        if (e)
            *e = '\0';
        while (*p == ' ')
            p++;
        size_t len = strlen(p);
        while (len > 0 && p[len - 1] == ' ')
            p[--len] = '\0';
        if (len == 0 || *n == max)
            return -1;
        words[(*n)++] = p;
        if (e == NULL)
            return 0;
        p = e + 1;
    }
}

int rs_cmd_report(int argc, char **argv)
{
    const char *store = NULL, *h = NULL, *quarter = NULL, *fin = NULL, *districts = NULL,
               *out = NULL, *context = NULL;
    const rs_cli_opt opts[] = {{"store", 1, &store},         {"help", 0, &h},
                               {"quarter", 1, &quarter},     {"financial", 0, &fin},
                               {"districts", 1, &districts}, {"out", 1, &out},
                               {"context", 1, &context},     {NULL, 0, NULL}};
    const char *pos[1];
    if (rs_cli_parse(CMD, argc, argv, 1, opts, pos, 0) < 0)
        return RS_EXIT_USAGE;
    if (h) {
        help();
        return RS_EXIT_OK;
    }
    rs_report_opts o;
    memset(&o, 0, sizeof o);
    o.financial = fin != NULL;
    o.generator = "roadsafe " RS_VERSION;
    if (quarter == NULL) {
        fprintf(stderr, "roadsafe " CMD ": --quarter is required (e.g. 2020Q2 or 2020/21Q1)\n");
        return RS_EXIT_USAGE;
    }
    if (rs_report_quarter_parse(quarter, &o.first_month) != 0) {
        fprintf(stderr,
                "roadsafe " CMD ": --quarter '%s' is not a quarter (2020Q2, or 2020/21Q1 for "
                "a financial quarter)\n",
                quarter);
        return RS_EXIT_USAGE;
    }
    if (out == NULL || *out == '\0') {
        fprintf(stderr, "roadsafe " CMD ": --out FILE.html is required\n");
        return RS_EXIT_USAGE;
    }
    struct stat sb;
    if (stat(out, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "roadsafe " CMD ": --out %s is a directory; name the file\n", out);
        return RS_EXIT_USAGE;
    }
    char *dbuf = NULL;
    const char **dnames = NULL;
    if (districts) {
        size_t max = strlen(districts) / 2 + 1;
        dbuf = strdup(districts);
        dnames = calloc(max, sizeof *dnames);
        if (dbuf == NULL || dnames == NULL) {
            free(dbuf);
            free(dnames);
            fprintf(stderr, "roadsafe: out of memory\n");
            return RS_EXIT_FAIL;
        }
        if (split_list(dbuf, dnames, max, &o.ndistricts) != 0) {
            fprintf(stderr,
                    "roadsafe " CMD ": --districts is all, or district names or codes "
                    "separated by commas (no empty name)\n");
            free(dbuf);
            free(dnames);
            return RS_EXIT_USAGE;
        }
        o.districts = dnames;
    }

    rs_ctx *ctx = NULL;
    rs_opt_context oc = {NULL, 0};
    int ret = rs_cli_open("report", store, RS_STORE_READONLY, &ctx);
    if (ret != 0)
        goto done;
    if ((ret = rs_opt_context_read(ctx, CMD, context, &oc)) != 0)
        goto done;
    o.context = (const rs_context_layer *const *)oc.v;
    o.ncontext = oc.n;
    if (rs_report_write(ctx, &o, out) != 0) {
        ret = rs_cli_fail(ctx);
        goto done;
    }
    printf("board pack for %s written to %s\n", quarter, out);
done:
    rs_opt_context_free(&oc);
    rs_ctx_free(ctx);
    free(dbuf);
    free(dnames);
    return ret;
}
