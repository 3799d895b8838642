/*
 * cmd_weekends.c — `roadsafe weekends`: which district gets the extra
 * speed enforcement on each of the next N weekends.  The scores and the
 * plan are analysis/weekend.h, the tables (plan and ranking), district
 * shapefile and PNG map output/weekend_out.h; this file parses the
 * options, words the captions and writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "district.h"
#include "opts.h"
#include "parse.h"
#include "periods.h"
#include "store.h"
#include "table.h"
#include "weekend.h"
#include "weekend_out.h"

#define CMD "weekends"
#define MAX_COUNT 520
#define MAX_LOOKBACK 3650

static void help(void)
{
    printf(
        "usage: roadsafe weekends --start DATE --count N [options]\n\n"
        "Plans which policing district gets the extra speed enforcement on each of the next\n"
        "N weekends (the Saturday of each, from the first on or after --start), from a score\n"
        "per district: speeding in the telematics, KSI casualties (empirical Bayes), concern\n"
        "reports, lowered by recent detections and by weekends already planned.  README\n"
        "('roadsafe weekends') defines every part.\n\n"
        "  --start DATE              first day of the plan (UK local, YYYY-MM-DD); the windows\n"
        "                            end the day before\n"
        "  --count N                 weekends to plan (1-%d)\n"
        "  --lookback DAYS           days of telematics, concerns and detections before --start\n"
        "                            (default 90)\n"
        "  --weights K=V,...         speed, harm, concerns (the score's parts, default 1 each),\n"
        "                            detections (default 0.25), fleet (patrol presence,\n"
        "                            default 0.25) and planned (default 1), the weights of\n"
        "                            recent enforcement, which divide the score\n"
        "  --cooldown W              a district is not chosen again within W weekends\n"
        "                            (default 2)\n"
        "  --mode ranked|unpredictable  the top eligible score (default), or a draw with\n"
        "                            probability proportional to the score\n"
        "  --seed S                  seed of the draw (0-18446744073709551615); without it a\n"
        "                            random seed is taken and printed, so the plan can be\n"
        "                            repeated\n"
        "  --exclude NAME,...        leave these districts (names or codes) out of the plan\n"
        "  --allow-stale             plan even when every window the score is built from\n"
        "                            (telematics and concerns in the lookback, collisions in\n"
        "                            the 36 months of harm) lies outside the data; without it\n"
        "                            that is refused (exit 2).  A window partly or wholly\n"
        "                            outside its data is always said in the captions\n"
        "  --format csv|md|html      table format (default csv)\n"
        "  --out PREFIX              write PREFIX_plan.EXT, PREFIX_ranking.EXT (EXT: the\n"
        "                            format), PREFIX.shp (+ .shx .dbf .prj .cpg) and\n"
        "                            PREFIX.png; without it the plan and the ranking go to\n"
        "                            standard output\n"
        "  --context FILE.shp[,...]  context on the --out map: lines drawn as roads, points\n"
        "                            as labelled places, polygons as outlines (any CRS, by\n"
        "                            .prj)\n"
        "  --store FILE              workspace (default $ROADSAFE_STORE, else ./roadsafe.db)\n",
        MAX_COUNT);
}

/* ---- options ---------------------------------------------------------- */

static int parse_int(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (s == NULL || *s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi ||
        !(*s >= '0' && *s <= '9')) {
        fprintf(stderr, "roadsafe " CMD ": --%s needs a whole number from %ld to %ld\n", opt, lo,
                hi);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_seed(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (s == NULL || *s == '\0' || strlen(s) > 20)
        goto bad;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            goto bad;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            goto bad;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
bad:
    fprintf(stderr, "roadsafe " CMD ": --seed needs a whole number from 0 to %llu\n",
            (unsigned long long)UINT64_MAX);
    return -1;
}

/* A fresh seed when none is given: 8 bytes of /dev/urandom, else the clock. */
static uint64_t random_seed(void)
{
    uint64_t v = 0;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd >= 0) {
        ssize_t got = read(fd, &v, sizeof v);
        close(fd);
        if (got == (ssize_t)sizeof v)
            return v;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000007) ^ (uint64_t)ts.tv_nsec ^
           ((uint64_t)getpid() << 32);
}

/* --exclude NAME,... -> district ids (*ids malloc'd).  -1 after a message
 * (usage), or the exit code of a workspace failure (already printed). */
static int parse_exclude(rs_ctx *ctx, const char *s, int **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    if (s == NULL)
        return 0;
    char *copy = strdup(s);
    int *out = calloc(strlen(s) + 1, sizeof *out);
    int rc = 0;
    if (copy == NULL || out == NULL) {
        rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        rc = rs_cli_fail(ctx);
        goto done;
    }
    for (char *p = copy; p && rc == 0;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p == '\0') {
            fprintf(stderr, "roadsafe " CMD ": --exclude has an empty name\n");
            rc = -1;
            break;
        }
        int id, why = rs_opt_district(ctx, CMD, p, &id);
        if (why == RS_EXIT_USAGE) {
            rc = -1;
        } else if (why != 0) {
            rc = why;
            break;
        } else if (id == -1) {
            fprintf(stderr, "roadsafe " CMD ": --exclude names districts, not 'all'\n");
            rc = -1;
        } else {
            out[(*n)++] = id;
        }
        p = comma ? comma + 1 : NULL;
    }
done:
    free(copy);
    if (rc != 0) {
        free(out);
        *n = 0;
    } else {
        *ids = out;
    }
    return rc;
}

/* ---- writing ---------------------------------------------------------- */

/* One table to path through rs_cli_out_open (temporary, fsync, rename).
 * 0, or -1 after printing why. */
static int write_table(const rs_table *t, rs_format fmt, const char *path)
{
    rs_atomic a;
    if (rs_cli_out_open(CMD, &a, path) != 0)
        return -1;
    int ok = rs_table_write(t, fmt, a.f) == 0;
    if (rs_cli_out_close(CMD, &a, ok) != 0) {
        if (!ok)
            fprintf(stderr, "roadsafe " CMD ": %s: cannot write\n", path);
        return -1;
    }
    return 0;
}

/* ---- the command ------------------------------------------------------ */

int rs_cmd_weekends(int argc, char **argv)
{
    const char *store = NULL, *h = NULL, *start_s = NULL, *count_s = NULL, *lookback_s = NULL,
               *weights_s = NULL, *cooldown_s = NULL, *seed_s = NULL, *mode_s = NULL,
               *exclude_s = NULL, *format_s = NULL, *out = NULL, *stale_s = NULL,
               *context = NULL;
    const rs_cli_opt opts[] = {
        {"store", 1, &store},         {"help", 0, &h},          {"start", 1, &start_s},
        {"count", 1, &count_s},       {"lookback", 1, &lookback_s}, {"weights", 1, &weights_s},
        {"cooldown", 1, &cooldown_s}, {"seed", 1, &seed_s},     {"mode", 1, &mode_s},
        {"exclude", 1, &exclude_s},   {"format", 1, &format_s}, {"out", 1, &out},
        {"allow-stale", 0, &stale_s}, {"context", 1, &context}, {NULL, 0, NULL}};
    const char *pos[1];
    if (rs_cli_parse(CMD, argc, argv, 1, opts, pos, 0) < 0)
        return RS_EXIT_USAGE;
    if (h) {
        help();
        return RS_EXIT_OK;
    }
    rs_weekend_opts wo;
    rs_weekend_opts_init(&wo);
    rs_weekend_plan_opts po = {0, 2, RS_WEEKEND_RANKED, 0};
    rs_format fmt = RS_FMT_CSV;
    long v;
    if (start_s == NULL || count_s == NULL) {
        fprintf(stderr, "roadsafe " CMD ": --start DATE and --count N are required "
                        "(see roadsafe " CMD " --help)\n");
        return RS_EXIT_USAGE;
    }
    if (rs_parse_date(start_s, strlen(start_s), &wo.start_day) != 0) {
        fprintf(stderr, "roadsafe " CMD ": --start '%s' is not a date (YYYY-MM-DD or DD/MM/YYYY)\n", start_s);
        return RS_EXIT_USAGE;
    }
    if (parse_int("count", count_s, 1, MAX_COUNT, &v) != 0)
        return RS_EXIT_USAGE;
    po.count = (size_t)v;
    if (lookback_s) {
        if (parse_int("lookback", lookback_s, 1, MAX_LOOKBACK, &v) != 0)
            return RS_EXIT_USAGE;
        wo.lookback_days = (int)v;
    }
    if (cooldown_s) {
        if (parse_int("cooldown", cooldown_s, 0, MAX_COUNT, &v) != 0)
            return RS_EXIT_USAGE;
        po.cooldown = (int)v;
    }
    if (weights_s && rs_weekend_weights_parse(weights_s, &wo.w) != 0) {
        fprintf(stderr, "roadsafe " CMD ": --weights is KEY=VALUE,... with keys speed, harm, "
                        "concerns, detections, fleet, planned (each once) and values >= 0\n");
        return RS_EXIT_USAGE;
    }
    if (wo.w.speed + wo.w.harm + wo.w.concerns <= 0) {
        fprintf(stderr, "roadsafe " CMD ": --weights speed, harm and concerns are all 0: every "
                        "district would score 0\n");
        return RS_EXIT_USAGE;
    }
    if (mode_s && rs_weekend_mode_parse(mode_s, &po.mode) != 0) {
        fprintf(stderr, "roadsafe " CMD ": --mode is ranked or unpredictable\n");
        return RS_EXIT_USAGE;
    }
    if (format_s && rs_format_parse(format_s, &fmt) != 0) {
        fprintf(stderr, "roadsafe " CMD ": --format is csv, md or html\n");
        return RS_EXIT_USAGE;
    }
    int seed_drawn = 0;
    if (seed_s) {
        if (parse_seed(seed_s, &po.seed) != 0)
            return RS_EXIT_USAGE;
        if (po.mode == RS_WEEKEND_RANKED)
            fprintf(stderr, "roadsafe " CMD ": note: --seed is not used by --mode ranked\n");
    } else if (po.mode == RS_WEEKEND_UNPREDICTABLE) {
        po.seed = random_seed();
        seed_drawn = 1;
    }

    rs_ctx *ctx = NULL;
    int set = 0;
    int ret = rs_cli_open("weekends", store, RS_STORE_READONLY, &ctx);
    if (ret != 0)
        return ret;
    int *excl = NULL;
    rs_districts *dist = NULL;
    rs_weekend_scores *s = NULL;
    rs_weekend_plan *plan = NULL;
    rs_table *tp = NULL, *tr = NULL;
    char *path = NULL;
    rs_opt_context oc = {NULL, 0};
    if (context && out == NULL) {
        fprintf(stderr, "roadsafe " CMD ": --context draws on the map, which only --out writes\n");
        ret = RS_EXIT_USAGE;
        goto done;
    }
    if ((ret = rs_opt_context_read(ctx, CMD, context, &oc)) != 0)
        goto done;
    int erc = parse_exclude(ctx, exclude_s, &excl, &wo.nexclude);
    if (erc != 0) {
        ret = erc == -1 ? RS_EXIT_USAGE : erc;
        goto done;
    }
    wo.exclude = excl;
    if (rs_weekend_score(ctx, &wo, &s) != 0 || rs_store_districts_read(ctx, &dist) != 0 ||
        dist == NULL || rs_districts_count(dist) != s->n) {
        ret = rs_cli_fail(ctx);
        goto done;
    }
    char cover[1024];
    rs_weekend_cover_text(s, cover, sizeof cover);
    if (rs_weekend_stale(s) && stale_s == NULL) {
        fprintf(stderr,
                "roadsafe " CMD ": every window the score is built from lies outside the data, "
                "so there is nothing to plan on: %s Choose an earlier --start, load newer "
                "data, or plan anyway with --allow-stale\n",
                cover);
        ret = RS_EXIT_USAGE;
        goto done;
    }
    if (po.count > 1 && (size_t)po.cooldown >= s->nranked) {
        fprintf(stderr,
                "roadsafe " CMD ": --cooldown %d needs more than %d districts; %zu are left "
                "after --exclude\n",
                po.cooldown, po.cooldown, s->nranked);
        ret = RS_EXIT_USAGE;
        goto done;
    }
    if (rs_weekend_plan_make(ctx, s, &po, &plan) != 0) {
        ret = rs_cli_fail(ctx);
        goto done;
    }

    char first[11], last[11], lb0[11], lb1[11], seedtxt[64] = "";
    rs_day_label(plan->picks[0].saturday, first, sizeof first);
    rs_day_label(plan->picks[plan->n - 1].saturday, last, sizeof last);
    rs_day_label(wo.start_day - wo.lookback_days, lb0, sizeof lb0);
    rs_day_label(wo.start_day - 1, lb1, sizeof lb1);
    if (po.mode == RS_WEEKEND_UNPREDICTABLE)
        snprintf(seedtxt, sizeof seedtxt, ", seed %llu", (unsigned long long)po.seed);
    char cap_plan[2048], cap_rank[2560], sub[512], county[512];
    rs_weekend_county_text(s, county, sizeof county);
    snprintf(cap_plan, sizeof cap_plan,
             "Weekend plan: %zu weekend%s, %s to %s; mode %s%s; cooldown %d; score = (%g speed "
             "+ %g harm + %g concerns) / (1 + %g detections + %g fleet + %g planned)%s%s",
             plan->n, plan->n == 1 ? "" : "s", first, last, rs_weekend_mode_name(po.mode),
             seedtxt, po.cooldown, wo.w.speed, wo.w.harm, wo.w.concerns, wo.w.detections,
             wo.w.fleet, wo.w.planned, cover[0] ? ". " : "", cover);
    snprintf(cap_rank, sizeof cap_rank,
             "District ranking at %s: pings, concerns, detections and patrol presence %s to %s "
             "(%d days); KSI casualties %s to the day before %s. %s%s%s",
             s->harm_to, lb0, lb1, wo.lookback_days, s->harm_from, s->harm_to, county,
             cover[0] ? ". " : "", cover);
    snprintf(sub, sizeof sub, "%zu weekends from %s; %s%s; cooldown %d; lookback %s to %s",
             plan->n, first, rs_weekend_mode_name(po.mode), seedtxt, po.cooldown, lb0, lb1);
    if (rs_weekend_plan_table(ctx, s, plan, cap_plan, &tp) != 0 ||
        rs_weekend_rank_table(ctx, s, cap_rank, &tr) != 0) {
        ret = rs_cli_fail(ctx);
        goto done;
    }
    if (s->pings == 0)
        fprintf(stderr, "roadsafe " CMD ": warning: no telematics pings in the lookback (%s to "
                        "%s): every speeding part is 0\n",
                lb0, lb1);
    if (cover[0])
        fprintf(stderr, "roadsafe " CMD ": warning: %s\n", cover);
    if (seed_drawn)
        fprintf(stderr, "roadsafe " CMD ": seed %llu drawn at random; repeat the plan with "
                        "--seed %llu\n",
                (unsigned long long)po.seed, (unsigned long long)po.seed);

    if (out == NULL) {
        rs_atomic a;
        if (rs_cli_out_open(CMD, &a, NULL) != 0) {
            ret = RS_EXIT_FAIL;
            goto done;
        }
        int ok = rs_table_write(tp, fmt, a.f) == 0;
        fputc('\n', a.f);
        ok &= rs_table_write(tr, fmt, a.f) == 0;
        if (rs_cli_out_close(CMD, &a, ok) != 0) {
            if (!ok)
                fprintf(stderr, "roadsafe " CMD ": cannot write output: %s\n", strerror(errno));
            ret = RS_EXIT_FAIL;
        }
        goto done;
    }
    size_t plen = strlen(out) + 32;
    if ((path = malloc(plen)) == NULL) {
        fprintf(stderr, "roadsafe: out of memory\n");
        ret = RS_EXIT_FAIL;
        goto done;
    }
    const char *ext = rs_format_ext(fmt);
    /* the tables, the layer and the map: one set, renamed into place together */
    rs_cli_set_begin();
    set = 1;
    snprintf(path, plen, "%s_plan.%s", out, ext);
    if (write_table(tp, fmt, path) != 0) {
        ret = RS_EXIT_FAIL;
        goto done;
    }
    snprintf(path, plen, "%s_ranking.%s", out, ext);
    if (write_table(tr, fmt, path) != 0) {
        ret = RS_EXIT_FAIL;
        goto done;
    }
    const rs_weekend_map_opts mo = {0, "Weekend speed enforcement: district scores and plan order",
                                    sub,
                                    "district score at the start (each part 1 = county average); "
                                    "labels: weekends of the plan",
                                    1};
    snprintf(path, plen, "%s.png", out);
    if (rs_weekend_shp_write(ctx, dist, s, plan, out) != 0 ||
        rs_weekend_map_print(ctx, dist, s, plan, &mo, 0, (const rs_context_layer *const *)oc.v,
                             oc.n, path) != 0) {
        ret = rs_cli_fail(ctx);
        goto done;
    }
    set = 0;
    if ((ret = rs_cli_set_end(CMD, RS_EXIT_OK)) != RS_EXIT_OK)
        goto done;
    printf("%s\n", cap_plan);
    for (size_t k = 0; k < plan->n; k++) {
        char day[11];
        rs_day_label(plan->picks[k].saturday, day, sizeof day);
        int d = plan->picks[k].district;
        printf("  %s  ", day);
        rs_text_put(stdout, d >= 0 ? s->d[d].name : "(none)");
        putchar('\n');
    }
    printf("written %s_plan.%s, %s_ranking.%s, %s.shp (+ .shx .dbf .prj .cpg), %s.png\n", out,
           ext, out, ext, out, out);
done:
    if (set)
        ret = rs_cli_set_end(CMD, ret == RS_EXIT_OK ? RS_EXIT_FAIL : ret); /* removes them */
    free(path);
    rs_opt_context_free(&oc);
    rs_table_free(tp);
    rs_table_free(tr);
    rs_weekend_plan_free(plan);
    rs_weekend_scores_free(s);
    rs_districts_free(dist);
    free(excl);
    rs_ctx_free(ctx);
    return ret;
}
