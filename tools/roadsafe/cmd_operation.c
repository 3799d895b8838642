/*
 * cmd_operation.c — `roadsafe operation`: the result of one weekend
 * operation against the district's previous weekends, with its community
 * map; or, with --summary, one row per weekend operation of a period and
 * the average offences per operation (engine/operation.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "district.h"
#include "operation.h"
#include "operation_out.h"
#include "opts.h"
#include "parse.h"
#include "store.h"
#include "table.h"
#include "timeutil.h"

#define CMD "operation"

static void help(void)
{
    printf(
        "usage: roadsafe operation --district NAME --weekend DATE [options]\n"
        "       roadsafe operation --summary --from DATE --to DATE [options]\n\n"
        "The result of a weekend speed-enforcement operation: patrol hours, vehicles and\n"
        "distance in the district (from the fleet's telematics), the share of the\n"
        "district's speeding hot cells visited, detections by device type and the share\n"
        "over the speed-awareness course band, the top sites, and the same figures for\n"
        "the district's previous weekends.  With --out, PREFIX.png is the community map\n"
        "(patrol presence with the detection sites marked).  With --summary: one row per\n"
        "weekend operation (the district with the most patrol presence that weekend)\n"
        "and the average offences per operation.  Definitions: see the README.\n\n"
        "options:\n"
        "  --district NAME|CODE   the operation's district\n"
        "  --weekend DATE         its Friday, Saturday or Sunday (YYYY-MM-DD)\n"
        "  --summary              every weekend operation whose Saturday lies in\n"
        "  --from DATE --to DATE  this period (UK-local days, both inclusive)\n"
        "  --hours DAYHH-DAYHH    the weekend window, days thu fri sat sun mon, end\n"
        "                         exclusive (default fri18-sun24: Friday 18:00 to\n"
        "                         Sunday 23:59 UK time; e.g. sat09-sun17, fri18:30-mon02)\n"
        "  --gap-cap MINUTES      a longer gap between two pings of a patrol vehicle\n"
        "                         counts as this many minutes (default 5)\n"
        "  --previous N           earlier weekends to compare (default 4)\n"
        "  --top N                sites listed (default 10)\n"
        "  --format csv|md|html   table format (default csv)\n"
        "  --out PREFIX           write PREFIX.EXT (weekends), PREFIX_sites.EXT and\n"
        "                         PREFIX.png; with --summary PREFIX.EXT (default: tables on\n"
        "                         standard output, no map)\n"
        "  --context FILE.shp[,...]  context on the map: roads (lines), labelled places\n"
        "                         (points), outlines (polygons); any CRS, by its .prj\n"
        "  --store FILE           workspace (default $ROADSAFE_STORE, else ./roadsafe.db)\n");
}

static const char *num(char *buf, int dec, double v)
{
    if (isnan(v) || isinf(v))
        buf[0] = '\0';
    else
        snprintf(buf, 32, "%.*f", dec, v);
    return buf;
}

static void date_of(int64_t day, char *buf, size_t size)
{
    int y, m, d;
    rs_civil_from_days(day, &y, &m, &d);
    snprintf(buf, size, "%04d-%02d-%02d", y, m, d);
}

static void local_of(int64_t t, char *buf, size_t size)
{
    rs_tm tm;
    rs_time_london(t, &tm);
    snprintf(buf, size, "%04d-%02d-%02d %02d:%02d", tm.year, tm.month, tm.day, tm.hour,
             tm.minute);
}

static void definitions(char *buf, size_t size, const rs_op_opts *o)
{
    snprintf(buf, size,
             "Patrol presence from fleet telematics (gaps over %g min count %g min; a gap "
             "belongs to its first ping). Hot cells: top %g%% of %g m cells by traffic pings "
             "over the enforcement threshold in the %d days before the window; visited = any "
             "patrol presence in the window. Over the course band: speed > limit x 1.1 + 9 mph.",
             (double)o->cap / 60, (double)o->cap / 60, o->hot_share * 100, o->hot_size,
             o->hot_days);
}

#define NWCOLS (14 + RS_OP_NDEV)

static rs_table *weekends_table(const rs_op_result *r, const rs_op_opts *o, const char *name)
{
    static const char *const head[] = {
        "weekend",         "role",        "window_start", "window_end",
        "patrol_hours",    "patrol_vehicles", "distance_km", "hot_cells",
        "hot_cells_visited", "hot_visited_pct", "detections"};
    static const char *const tail[] = {"over_course_band", "over_course_pct",
                                       "offences_per_patrol_hour"};
    _Static_assert(sizeof head / sizeof head[0] + RS_OP_NDEV + sizeof tail / sizeof tail[0] ==
                       NWCOLS,
                   "weekend table columns");
    /* one column per device type, its name in lower case ("trucam") */
    char dev[RS_OP_NDEV][16];
    const char *cols[NWCOLS];
    size_t nc = 0;
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        cols[nc++] = head[i];
    for (int dv = 0; dv < RS_OP_NDEV; dv++) {
        const char *up = rs_device_name(dv);
        size_t i = 0;
        for (; up[i] && i + 1 < sizeof dev[dv]; i++)
            dev[dv][i] = (char)(up[i] >= 'A' && up[i] <= 'Z' ? up[i] - 'A' + 'a' : up[i]);
        dev[dv][i] = '\0';
        cols[nc++] = dev[dv];
    }
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++)
        cols[nc++] = tail[i];
    char caption[1024], defs[600], sat[16];
    definitions(defs, sizeof defs, o);
    date_of(r->weekends[0].saturday, sat, sizeof sat);
    snprintf(caption, sizeof caption,
             "Weekend operation in %s, weekend of Saturday %s, against the previous %zu "
             "weekends. %s",
             name, sat, r->nweekends - 1, defs);
    rs_table *t = rs_table_new(caption, NWCOLS, cols);
    for (size_t k = 0; t && k < r->nweekends; k++) {
        const rs_op_weekend *w = &r->weekends[k];
        char b[NWCOLS][40];
        const char *cell[NWCOLS];
        size_t c = 0;
        date_of(w->saturday, b[c], 40), cell[c] = b[c], c++;
        cell[c++] = k == 0 ? "operation" : "previous";
        local_of(w->from, b[c], 40), cell[c] = b[c], c++;
        local_of(w->to - 60, b[c], 40), cell[c] = b[c], c++;
        cell[c] = num(b[c], 2, w->patrol_minutes / 60), c++;
        snprintf(b[c], 40, "%u", w->vehicles), cell[c] = b[c], c++;
        cell[c] = num(b[c], 1, w->km), c++;
        snprintf(b[c], 40, "%u", w->hot_cells), cell[c] = b[c], c++;
        snprintf(b[c], 40, "%u", w->hot_visited), cell[c] = b[c], c++;
        cell[c] = num(b[c], 1, w->hot_cells ? 100.0 * w->hot_visited / w->hot_cells : NAN), c++;
        snprintf(b[c], 40, "%llu", (unsigned long long)w->detections), cell[c] = b[c], c++;
        for (int dv = 0; dv < RS_OP_NDEV; dv++)
            snprintf(b[c], 40, "%llu", (unsigned long long)w->by_device[dv]), cell[c] = b[c], c++;
        snprintf(b[c], 40, "%llu", (unsigned long long)w->over_course), cell[c] = b[c], c++;
        cell[c] = num(b[c], 1, w->detections ? 100.0 * w->over_course / w->detections : NAN), c++;
        cell[c] = num(b[c], 2, w->patrol_minutes > 0 ? w->detections / (w->patrol_minutes / 60)
                                                     : NAN),
        c++;
        if (rs_table_add(t, cell) != 0) {
            rs_table_free(t);
            return NULL;
        }
    }
    return t;
}

static rs_table *sites_table(const rs_op_result *r, size_t top, const char *name)
{
    static const char *const cols[] = {"rank",     "site_id",          "device_type",
                                       "detections", "over_course_band", "share_pct",
                                       "easting",  "northing"};
    char caption[512], sat[16];
    date_of(r->weekends[0].saturday, sat, sizeof sat);
    size_t n = r->nsites < top ? r->nsites : top;
    snprintf(caption, sizeof caption,
             "Top %zu of %zu enforcement sites with detections in %s, weekend of Saturday %s "
             "(share of the weekend's %llu detections; position = mean of the site's "
             "detections, BNG metres)",
             n, r->nsites, name, sat, (unsigned long long)r->weekends[0].detections);
    rs_table *t = rs_table_new(caption, 8, cols);
    for (size_t k = 0; t && k < n; k++) {
        const rs_op_site *s = &r->sites[k];
        char b[8][40];
        snprintf(b[0], 40, "%zu", k + 1);
        snprintf(b[3], 40, "%llu", (unsigned long long)s->detections);
        snprintf(b[4], 40, "%llu", (unsigned long long)s->over_course);
        num(b[5], 1, 100.0 * s->detections / r->weekends[0].detections);
        num(b[6], 0, s->e);
        num(b[7], 0, s->n);
        const char *cell[8] = {b[0], s->site_id, s->device_type, b[3], b[4], b[5], b[6], b[7]};
        if (rs_table_add(t, cell) != 0) {
            rs_table_free(t);
            return NULL;
        }
    }
    return t;
}

static rs_table *summary_table(const rs_op_summary *s, const rs_districts *d, const rs_op_opts *o,
                               const char *from, const char *to)
{
    static const char *const cols[] = {"weekend",    "district", "patrol_hours",
                                       "patrol_vehicles", "distance_km", "detections",
                                       "trucam",     "offences_per_patrol_hour"};
    char caption[1400], defs[600], a[40];
    definitions(defs, sizeof defs, o);
    snprintf(caption, sizeof caption,
             "Weekend operations with Saturdays from %s to %s: %zu operations in %zu weekends. "
             "The operation district is the district with the most patrol presence in the "
             "weekend window; detections = all devices in that district in the window. "
             "Average: offences per operation = mean detections (median %s, range %llu-%llu); "
             "offences per patrol hour = all detections / all patrol hours. %s",
             from, to, s->n, s->weekends, num(a, 1, s->median_detections),
             (unsigned long long)s->min_detections, (unsigned long long)s->max_detections, defs);
    rs_table *t = rs_table_new(caption, 8, cols);
    for (size_t k = 0; t && k < s->n; k++) {
        const rs_op_summary_row *r = &s->rows[k];
        char c[8][40];
        date_of(r->saturday, c[0], 40);
        num(c[2], 2, r->patrol_minutes / 60);
        snprintf(c[3], 40, "%u", r->vehicles);
        num(c[4], 1, r->km);
        snprintf(c[5], 40, "%llu", (unsigned long long)r->detections);
        snprintf(c[6], 40, "%llu", (unsigned long long)r->trucam);
        num(c[7], 2, r->patrol_minutes > 0 ? r->detections / (r->patrol_minutes / 60) : NAN);
        const char *cell[8] = {c[0], rs_districts_name(d, (size_t)r->district), c[2], c[3], c[4],
                               c[5], c[6], c[7]};
        if (rs_table_add(t, cell) != 0) {
            rs_table_free(t);
            return NULL;
        }
    }
    if (t) {
        double n = (double)s->n;
        char c[8][40], b[40];
        snprintf(b, sizeof b, "%zu operations", s->n);
        num(c[2], 2, s->n ? s->patrol_minutes / 60 / n : NAN);
        num(c[3], 1, s->n ? (double)s->vehicles / n : NAN);
        num(c[4], 1, s->n ? s->km / n : NAN);
        num(c[5], 1, s->mean_detections);
        num(c[6], 1, s->n ? (double)s->trucam / n : NAN);
        num(c[7], 2, s->patrol_minutes > 0 ? s->detections / (s->patrol_minutes / 60) : NAN);
        const char *cell[8] = {"average", b, c[2], c[3], c[4], c[5], c[6], c[7]};
        if (rs_table_add(t, cell) != 0) {
            rs_table_free(t);
            return NULL;
        }
    }
    return t;
}

/* Writes the tables to PREFIX.EXT / PREFIX_SUFFIX.EXT, or one after
 * another to standard output when prefix is NULL. */
static int write_tables(rs_table *const *t, const char *const *suffix, size_t n, rs_format fmt,
                        const char *prefix)
{
    for (size_t k = 0; k < n; k++) {
        char path[4096];
        rs_atomic a;
        if (prefix)
            snprintf(path, sizeof path, "%s%s.%s", prefix, suffix[k], rs_format_ext(fmt));
        if (rs_cli_out_open(CMD, &a, prefix ? path : NULL) != 0)
            return RS_EXIT_FAIL;
        if (!prefix && k > 0)
            fputc('\n', a.f);
        int ok = rs_table_write(t[k], fmt, a.f) == 0;
        if (!ok)
            fprintf(stderr, "roadsafe " CMD ": cannot write %s: %s\n", prefix ? path : "output",
                    strerror(errno));
        if (rs_cli_out_close(CMD, &a, ok) != 0)
            return RS_EXIT_FAIL;
    }
    return RS_EXIT_OK;
}

static int day_opt(const char *opt, const char *s, int64_t *day)
{
    if (rs_parse_date(s, strlen(s), day) != 0) {
        fprintf(stderr, "roadsafe " CMD ": --%s '%s' is not a date (YYYY-MM-DD or DD/MM/YYYY)\n", opt, s);
        return -1;
    }
    return 0;
}

static int count_opt(const char *opt, const char *s, int lo, int hi, int *out)
{
    double v;
    if (rs_opt_positive(CMD, opt, s, lo == 0, &v) != 0)
        return -1;
    if (v != floor(v) || v < lo || v > hi) {
        fprintf(stderr, "roadsafe " CMD ": --%s is a whole number from %d to %d\n", opt, lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int rs_cmd_operation(int argc, char **argv)
{
    const char *store = NULL, *h = NULL, *district = NULL, *weekend = NULL, *summary = NULL,
               *from = NULL, *to = NULL, *hours = NULL, *gap_cap = NULL, *previous = NULL,
               *top_s = NULL, *format = NULL, *out = NULL, *context = NULL;
    const rs_cli_opt opts[] = {{"store", 1, &store},     {"help", 0, &h},
                               {"district", 1, &district}, {"weekend", 1, &weekend},
                               {"summary", 0, &summary}, {"from", 1, &from},
                               {"to", 1, &to},           {"hours", 1, &hours},
                               {"gap-cap", 1, &gap_cap}, {"previous", 1, &previous},
                               {"top", 1, &top_s},       {"format", 1, &format},
                               {"out", 1, &out},         {"context", 1, &context},
                               {NULL, 0, NULL}};
    const char *pos[1];
    rs_opt_context oc = {NULL, 0};
    if (rs_cli_parse(CMD, argc, argv, 1, opts, pos, 0) < 0)
        return RS_EXIT_USAGE;
    if (h) {
        help();
        return RS_EXIT_OK;
    }
    rs_op_opts o;
    rs_op_opts_default(&o);
    rs_format fmt = RS_FMT_CSV;
    int top = 10;
    int64_t day0 = 0, day1 = 0, saturday = 0;
    if (summary) {
        if (district || weekend || previous || top_s) {
            fprintf(stderr, "roadsafe " CMD ": --summary takes --from and --to, not %s\n",
                    district ? "--district" : weekend ? "--weekend" : previous ? "--previous"
                                                                           : "--top");
            return RS_EXIT_USAGE;
        }
        if (!from || !to) {
            fprintf(stderr, "roadsafe " CMD ": --summary needs --from DATE and --to DATE "
                            "(%s missing)\n",
                    !from && !to ? "both" : !from ? "--from" : "--to");
            return RS_EXIT_USAGE;
        }
        if (day_opt("from", from, &day0) != 0 || day_opt("to", to, &day1) != 0)
            return RS_EXIT_USAGE;
        if (day1 < day0) {
            fprintf(stderr, "roadsafe " CMD ": --from is after --to\n");
            return RS_EXIT_USAGE;
        }
    } else {
        if (!district || !weekend || from || to) {
            fprintf(stderr, "roadsafe " CMD ": give --district and --weekend (or --summary "
                            "--from DATE --to DATE)\n");
            return RS_EXIT_USAGE;
        }
        int64_t day;
        if (day_opt("weekend", weekend, &day) != 0)
            return RS_EXIT_USAGE;
        if (rs_op_saturday(day, &saturday) != 0) {
            fprintf(stderr, "roadsafe " CMD ": --weekend %s is not a Friday, Saturday or "
                            "Sunday\n",
                    weekend);
            return RS_EXIT_USAGE;
        }
    }
    if (hours && rs_op_window_parse(hours, &o.win_from, &o.win_to) != 0) {
        fprintf(stderr, "roadsafe " CMD ": --hours is DAYHH-DAYHH with days thu, fri, sat, sun, "
                        "mon and hours 0-24, e.g. fri18-sun24\n");
        return RS_EXIT_USAGE;
    }
    if (gap_cap) {
        double v;
        if (rs_opt_positive(CMD, "gap-cap", gap_cap, 0, &v) != 0)
            return RS_EXIT_USAGE;
        if (v > 1440) {
            fprintf(stderr, "roadsafe " CMD ": --gap-cap is at most 1440 minutes\n");
            return RS_EXIT_USAGE;
        }
        o.cap = llround(v * 60) > 0 ? llround(v * 60) : 1;
    }
    if ((previous && count_opt("previous", previous, 0, 52, &o.previous) != 0) ||
        (top_s && count_opt("top", top_s, 1, 1000, &top) != 0))
        return RS_EXIT_USAGE;
    if (format && rs_format_parse(format, &fmt) != 0) {
        fprintf(stderr, "roadsafe " CMD ": --format is csv, md or html\n");
        return RS_EXIT_USAGE;
    }

    rs_ctx *ctx = NULL;
    int ret = rs_cli_open("operation", store, RS_STORE_READONLY, &ctx);
    if (ret != 0)
        return ret;
    rs_districts *d = NULL;
    rs_op_result *r = NULL;
    rs_op_summary *s = NULL;
    rs_table *t[2] = {NULL, NULL};
    if (rs_store_districts_read(ctx, &d) != 0) {
        ret = rs_cli_fail(ctx);
        goto done;
    }
    if (d == NULL) {
        fprintf(stderr, "roadsafe " CMD ": the workspace has no districts (roadsafe districts "
                        "load ...)\n");
        ret = RS_EXIT_USAGE;
        goto done;
    }
    if (summary) {
        if (rs_operation_summary(ctx, day0, day1, &o, &s) != 0) {
            ret = rs_cli_fail(ctx);
            goto done;
        }
        if ((t[0] = summary_table(s, d, &o, from, to)) == NULL) {
            fprintf(stderr, "roadsafe: out of memory\n");
            ret = RS_EXIT_FAIL;
            goto done;
        }
        static const char *const suffix[] = {""};
        ret = write_tables(t, suffix, 1, fmt, out);
        if (ret == RS_EXIT_OK && out)
            printf("%zu operations in %zu weekends, %.1f detections per operation; written "
                   "%s.%s\n",
                   s->n, s->weekends, s->mean_detections, out, rs_format_ext(fmt));
        goto done;
    }
    int did;
    if ((ret = rs_opt_district(ctx, CMD, district, &did)) != 0)
        goto done;
    if (did < 0) {
        fprintf(stderr, "roadsafe " CMD ": --district names one district\n");
        ret = RS_EXIT_USAGE;
        goto done;
    }
    const char *name = rs_districts_name(d, (size_t)did);
    if (out && (ret = rs_opt_context_read(ctx, CMD, context, &oc)) != 0)
        goto done;
    if (rs_operation_run(ctx, did, saturday, &o, &r) != 0) {
        ret = rs_cli_fail(ctx);
        goto done;
    }
    if ((t[0] = weekends_table(r, &o, name)) == NULL ||
        (t[1] = sites_table(r, (size_t)top, name)) == NULL) {
        fprintf(stderr, "roadsafe: out of memory\n");
        ret = RS_EXIT_FAIL;
        goto done;
    }
    static const char *const suffix[] = {"", "_sites"};
    if ((ret = write_tables(t, suffix, 2, fmt, out)) != RS_EXIT_OK || out == NULL)
        goto done;
    char png[4096];
    snprintf(png, sizeof png, "%s.png", out);
    if (rs_operation_map(ctx, r, &o, (const rs_context_layer *const *)oc.v, oc.n, png) != 0) {
        ret = rs_cli_fail(ctx);
        goto done;
    }
    const rs_op_weekend *w = &r->weekends[0];
    printf("%s, weekend of %s: %.1f patrol hours, %llu detections; written %s.%s, "
           "%s_sites.%s, %s\n",
           name, weekend, w->patrol_minutes / 60, (unsigned long long)w->detections, out,
           rs_format_ext(fmt), out, rs_format_ext(fmt), png);
done:
    rs_opt_context_free(&oc);
    rs_table_free(t[0]);
    rs_table_free(t[1]);
    rs_op_result_free(r);
    rs_op_summary_free(s);
    rs_districts_free(d);
    rs_ctx_free(ctx);
    return ret;
}
