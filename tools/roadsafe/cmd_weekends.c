/*
 * cmd_weekends.c — `roadsafe weekends`: which district gets the extra
 * speed enforcement on each of the next N weekends.  The scores and the
 * plan are engine/weekend; this file parses the options, lays the results
 * out as tables (plan and ranking), a district shapefile and a PNG map,
 * and writes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "district.h"
#include "map.h"
#include "opts.h"
#include "parse.h"
#include "shpout.h"
#include "store.h"
#include "table.h"
#include "timeutil.h"
#include "weekend.h"

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
        "  --format csv|md|html      table format (default csv)\n"
        "  --out PREFIX              write PREFIX_plan.EXT, PREFIX_ranking.EXT (EXT: the\n"
        "                            format), PREFIX.shp (+ .shx .dbf .prj .cpg) and\n"
        "                            PREFIX.png; without it the plan and the ranking go to\n"
        "                            standard output\n"
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

/* ---- tables ----------------------------------------------------------- */

static void ymd(int64_t day, char buf[11])
{
    int y, m, d;
    rs_civil_from_days(day, &y, &m, &d);
    snprintf(buf, 11, "%04d-%02d-%02d", y, m, d);
}

static const char *const plan_cols[] = {"weekend", "district", "score", "speed", "harm",
                                        "concerns", "detections", "planned", "probability",
                                        "seed", "reason"};
static const char *const rank_cols[] = {
    "rank",       "district",  "code",         "score",          "base",
    "speed",      "harm",      "concerns",     "detections",     "pings",
    "weekend_pings", "pings_over", "weekend_pings_over", "share_over", "ksi",
    "area_km2",   "ksi_per_km2", "ksi_eb_per_km2", "eb_weight",   "concern_reports",
    "detection_count", "reason"};
#define NCOLS(a) (sizeof a / sizeof a[0])

static rs_table *plan_table(const rs_weekend_scores *s, const rs_weekend_plan *p,
                            const char *caption)
{
    rs_table *t = rs_table_new(caption, NCOLS(plan_cols), plan_cols);
    for (size_t k = 0; t && k < p->n; k++) {
        const rs_weekend_pick *pk = &p->picks[k];
        char day[11], seed[24] = "", prob[24] = "";
        ymd(pk->saturday, day);
        if (p->opts.mode == RS_WEEKEND_UNPREDICTABLE)
            snprintf(seed, sizeof seed, "%llu", (unsigned long long)p->opts.seed);
        if (!isnan(pk->probability))
            snprintf(prob, sizeof prob, "%.4f", pk->probability);
        int rc;
        if (pk->district < 0) {
            rc = rs_table_addf(t, "%s\x1f\x1f" "0.000\x1f\x1f\x1f\x1f\x1f\x1f\x1f%s\x1f%s", day,
                               seed, pk->reason);
        } else {
            const rs_weekend_district *d = &s->d[pk->district];
            rc = rs_table_addf(t, "%s\x1f%s\x1f%.3f\x1f%.3f\x1f%.3f\x1f%.3f\x1f%.3f\x1f%.0f\x1f%s"
                                  "\x1f%s\x1f%s",
                               day, d->name, pk->score, d->speed, d->harm, d->concern_index,
                               d->detection_index, pk->planned, prob, seed, pk->reason);
        }
        if (rc != 0) {
            rs_table_free(t);
            return NULL;
        }
    }
    return t;
}

static rs_table *rank_table(const rs_weekend_scores *s, const char *caption)
{
    rs_table *t = rs_table_new(caption, NCOLS(rank_cols), rank_cols);
    for (size_t r = 0; t && r < s->nranked; r++) {
        const rs_weekend_district *d = &s->d[s->order[r]];
        char share[32] = "";
        if (!isnan(d->share))
            snprintf(share, sizeof share, "%.4f", d->share);
        if (rs_table_addf(t,
                          "%d\x1f%s\x1f%s\x1f%.3f\x1f%.3f\x1f%.3f\x1f%.3f\x1f%.3f\x1f%.3f\x1f%llu"
                          "\x1f%llu\x1f%llu\x1f%llu\x1f%s\x1f%llu\x1f%.2f\x1f%.4f\x1f%.4f\x1f%.4f"
                          "\x1f%llu\x1f%llu\x1f%s",
                          d->rank, d->name, d->code, d->score, d->base, d->speed, d->harm,
                          d->concern_index, d->detection_index, (unsigned long long)d->pings,
                          (unsigned long long)d->weekend_pings, (unsigned long long)d->over,
                          (unsigned long long)d->weekend_over, share, (unsigned long long)d->ksi,
                          d->area_km2, d->ksi_rate, d->ksi_eb, d->ksi_weight,
                          (unsigned long long)d->concerns, (unsigned long long)d->detections,
                          d->reason) != 0) {
            rs_table_free(t);
            return NULL;
        }
    }
    return t;
}

/* Writes a table to path through a temporary file renamed into place. */
static int write_table(rs_ctx *ctx, const rs_table *t, rs_format fmt, const char *path)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + sizeof ".tmp.XXXXXX");
    if (tmp == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(tmp);
    FILE *f = NULL;
    if (fd < 0 || fchmod(fd, 0644) != 0 || (f = fdopen(fd, "w")) == NULL) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            remove(tmp);
        }
        free(tmp);
        return rs_err_set(rs_ctx_err(ctx), RS_EIO, "%s: cannot create (%s)", path, strerror(e));
    }
    int bad = rs_table_write(t, fmt, f) != 0;
    if (fclose(f) != 0)
        bad = 1;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        free(tmp);
        return rs_err_set(rs_ctx_err(ctx), RS_EIO, "%s: cannot write (%s)", path, strerror(e));
    }
    free(tmp);
    return 0;
}

/* ---- shapefile and map ------------------------------------------------ */

/* "1, 4, 7" — the plan positions (1-based) of district i, at most `max`
 * shown; "" when it has none. */
static void plan_positions(const rs_weekend_plan *p, size_t i, char *buf, size_t size, int max)
{
    size_t len = 0;
    int shown = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < p->n && len < size; k++) {
        if (p->picks[k].district != (int)i)
            continue;
        if (shown == max) {
            snprintf(buf + len, size - len, ", ...");
            return;
        }
        int w = snprintf(buf + len, size - len, "%s%zu", shown ? ", " : "", k + 1);
        if (w < 0)
            return;
        len += (size_t)w;
        shown++;
    }
}

static int write_shp(rs_ctx *ctx, const rs_districts *dist, const rs_weekend_scores *s,
                     const rs_weekend_plan *p, const char *prefix)
{
    static const rs_shp_field fields[] = {
        {"NAME", RS_FIELD_TEXT, 0},       {"CODE", RS_FIELD_TEXT, 0},
        {"RANK", RS_FIELD_INT, 0},        {"SCORE", RS_FIELD_REAL, 3},
        {"BASE", RS_FIELD_REAL, 3},       {"SPEED", RS_FIELD_REAL, 3},
        {"HARM", RS_FIELD_REAL, 3},       {"CONCERNS", RS_FIELD_REAL, 3},
        {"DETECT", RS_FIELD_REAL, 3},     {"PINGS", RS_FIELD_INT, 0},
        {"PINGS_OVER", RS_FIELD_INT, 0},  {"KSI", RS_FIELD_INT, 0},
        {"KSI_EB_KM2", RS_FIELD_REAL, 4}, {"CONC_N", RS_FIELD_INT, 0},
        {"DETECT_N", RS_FIELD_INT, 0},    {"PLAN", RS_FIELD_TEXT, 0},
        {"FIRST_WKND", RS_FIELD_DATE, 0}, {"EXCLUDED", RS_FIELD_INT, 0},
        {"REASON", RS_FIELD_TEXT, 0},
    };
    rs_shpout *w = NULL;
    int rc = rs_shpout_new(rs_ctx_geo(ctx), prefix, RS_SHP_POLYGONS, 27700, fields,
                           NCOLS(fields), &w);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < s->n; i++) {
        const rs_weekend_district *d = &s->d[i];
        char rank[16] = "", score[32], base[32], speed[32], harm[32], conc[32], det[32],
             pings[24], over[24], ksi[24], eb[32], cn[24], dn[24], plan[256], first[11] = "";
        if (d->rank > 0)
            snprintf(rank, sizeof rank, "%d", d->rank);
        snprintf(score, sizeof score, "%.3f", d->score);
        snprintf(base, sizeof base, "%.3f", d->base);
        snprintf(speed, sizeof speed, "%.3f", d->speed);
        snprintf(harm, sizeof harm, "%.3f", d->harm);
        snprintf(conc, sizeof conc, "%.3f", d->concern_index);
        snprintf(det, sizeof det, "%.3f", d->detection_index);
        snprintf(pings, sizeof pings, "%llu", (unsigned long long)d->pings);
        snprintf(over, sizeof over, "%llu", (unsigned long long)d->over);
        snprintf(ksi, sizeof ksi, "%llu", (unsigned long long)d->ksi);
        snprintf(eb, sizeof eb, "%.4f", d->ksi_eb);
        snprintf(cn, sizeof cn, "%llu", (unsigned long long)d->concerns);
        snprintf(dn, sizeof dn, "%llu", (unsigned long long)d->detections);
        plan_positions(p, i, plan, sizeof plan, 40);
        for (size_t k = 0; k < p->n; k++)
            if (p->picks[k].district == (int)i) {
                ymd(p->picks[k].saturday, first);
                break;
            }
        const char *vals[] = {d->name, d->code, rank, score, base, speed, harm, conc, det,
                              pings, over, ksi, eb, cn, dn, plan, first,
                              d->excluded ? "1" : "0", d->reason};
        rc = rs_shpout_add(w, rs_districts_geom(dist, i), vals);
        if (rc != 0) {
            rs_shpout_abort(w);
            return rc;
        }
    }
    return rs_shpout_commit(w);
}

/* The districts again, each named "NAME: 1, 4" with its plan positions,
 * for the map's labels. */
static int labelled_districts(rs_ctx *ctx, const rs_districts *dist, const rs_weekend_plan *p,
                              rs_districts **out)
{
    size_t n = rs_districts_count(dist);
    char **names = calloc(n, sizeof *names);
    unsigned char **wkb = calloc(n, sizeof *wkb);
    size_t *lens = calloc(n, sizeof *lens);
    int rc = 0;
    *out = NULL;
    if (names == NULL || wkb == NULL || lens == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        char pos[64];
        plan_positions(p, i, pos, sizeof pos, 6);
        const char *name = rs_districts_name(dist, i);
        size_t len = strlen(name) + strlen(pos) + 3;
        if ((names[i] = malloc(len)) == NULL) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
            break;
        }
        snprintf(names[i], len, "%s%s%s", name, pos[0] ? ": " : "", pos);
        rc = rs_districts_wkb(rs_ctx_geo(ctx), dist, i, &wkb[i], &lens[i]);
    }
    if (rc == 0)
        rc = rs_districts_from_wkb(rs_ctx_geo(ctx), n, (const char *const *)names, NULL,
                                   (const unsigned char *const *)wkb, lens, out);
done:
    for (size_t i = 0; names && wkb && i < n; i++) {
        free(names[i]);
        free(wkb[i]);
    }
    free(names);
    free(wkb);
    free(lens);
    return rc;
}

static int write_png(rs_ctx *ctx, const rs_districts *dist, const rs_weekend_scores *s,
                     const rs_weekend_plan *p, const char *subtitle, const char *path)
{
    double x0, y0, x1, y1;
    rs_districts_extent(dist, &x0, &y0, &x1, &y1);
    rs_map_opts mo = {0,
                      "Weekend speed enforcement: district scores and plan order",
                      subtitle,
                      "district score at the start (each part 1 = county average); "
                      "labels: weekends of the plan",
                      "Telematics, STATS19 KSI casualties, concerns and detections from the "
                      "workspace. Made with roadsafe.",
                      0};
    rs_districts *lab = NULL;
    rs_map *m = rs_map_new(ctx, x0, y0, x1, y1, &mo);
    if (m == NULL)
        return rs_ctx_err(ctx)->code ? rs_ctx_err(ctx)->code : RS_ERR;
    int rc = 0;
    for (size_t i = 0; i < s->n && rc == 0; i++)
        rc = rs_map_fill(m, rs_districts_geom(dist, i), s->d[i].excluded ? NAN : s->d[i].score);
    if (rc == 0)
        rc = labelled_districts(ctx, dist, p, &lab);
    if (rc == 0)
        rc = rs_map_districts(m, lab, 1);
    if (rc == 0)
        rc = rs_map_write_png(m, path);
    rs_districts_free(lab);
    rs_map_free(m);
    return rc;
}

/* ---- the command ------------------------------------------------------ */

int rs_cmd_weekends(int argc, char **argv)
{
    const char *store = NULL, *h = NULL, *start_s = NULL, *count_s = NULL, *lookback_s = NULL,
               *weights_s = NULL, *cooldown_s = NULL, *seed_s = NULL, *mode_s = NULL,
               *exclude_s = NULL, *format_s = NULL, *out = NULL;
    const rs_cli_opt opts[] = {
        {"store", 1, &store},         {"help", 0, &h},          {"start", 1, &start_s},
        {"count", 1, &count_s},       {"lookback", 1, &lookback_s}, {"weights", 1, &weights_s},
        {"cooldown", 1, &cooldown_s}, {"seed", 1, &seed_s},     {"mode", 1, &mode_s},
        {"exclude", 1, &exclude_s},   {"format", 1, &format_s}, {"out", 1, &out},
        {NULL, 0, NULL}};
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
        fprintf(stderr, "roadsafe " CMD ": --start '%s' is not a date (YYYY-MM-DD)\n", start_s);
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
                        "concerns, detections, planned (each once) and values >= 0\n");
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
    int ret = rs_cli_open("weekends", store, RS_STORE_READONLY, &ctx);
    if (ret != 0)
        return ret;
    int *excl = NULL;
    rs_districts *dist = NULL;
    rs_weekend_scores *s = NULL;
    rs_weekend_plan *plan = NULL;
    rs_table *tp = NULL, *tr = NULL;
    char *path = NULL;
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
    ymd(plan->picks[0].saturday, first);
    ymd(plan->picks[plan->n - 1].saturday, last);
    ymd(wo.start_day - wo.lookback_days, lb0);
    ymd(wo.start_day - 1, lb1);
    if (po.mode == RS_WEEKEND_UNPREDICTABLE)
        snprintf(seedtxt, sizeof seedtxt, ", seed %llu", (unsigned long long)po.seed);
    char cap_plan[512], cap_rank[512], sub[512];
    snprintf(cap_plan, sizeof cap_plan,
             "Weekend plan: %zu weekend%s, %s to %s; mode %s%s; cooldown %d; weights speed=%g, "
             "harm=%g, concerns=%g, detections=%g, planned=%g",
             plan->n, plan->n == 1 ? "" : "s", first, last, rs_weekend_mode_name(po.mode),
             seedtxt, po.cooldown, wo.w.speed, wo.w.harm, wo.w.concerns, wo.w.detections,
             wo.w.planned);
    snprintf(cap_rank, sizeof cap_rank,
             "District ranking at %s: pings, concerns and detections %s to %s (%d days); KSI "
             "casualties %s to the day before %s",
             s->harm_to, lb0, lb1, wo.lookback_days, s->harm_from, s->harm_to);
    snprintf(sub, sizeof sub, "%zu weekends from %s; %s%s; cooldown %d; lookback %s to %s",
             plan->n, first, rs_weekend_mode_name(po.mode), seedtxt, po.cooldown, lb0, lb1);
    if ((tp = plan_table(s, plan, cap_plan)) == NULL || (tr = rank_table(s, cap_rank)) == NULL) {
        fprintf(stderr, "roadsafe: out of memory\n");
        ret = RS_EXIT_FAIL;
        goto done;
    }
    if (s->pings == 0)
        fprintf(stderr, "roadsafe " CMD ": warning: no telematics pings in the lookback (%s to "
                        "%s): every speeding part is 0\n",
                lb0, lb1);
    if (seed_drawn)
        fprintf(stderr, "roadsafe " CMD ": seed %llu drawn at random; repeat the plan with "
                        "--seed %llu\n",
                (unsigned long long)po.seed, (unsigned long long)po.seed);

    if (out == NULL) {
        int bad = rs_table_write(tp, fmt, stdout) != 0;
        fputc('\n', stdout);
        bad |= rs_table_write(tr, fmt, stdout) != 0;
        if (bad || fflush(stdout) != 0) {
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
    snprintf(path, plen, "%s_plan.%s", out, ext);
    int rc = write_table(ctx, tp, fmt, path);
    if (rc == 0) {
        snprintf(path, plen, "%s_ranking.%s", out, ext);
        rc = write_table(ctx, tr, fmt, path);
    }
    if (rc == 0)
        rc = write_shp(ctx, dist, s, plan, out);
    if (rc == 0) {
        snprintf(path, plen, "%s.png", out);
        rc = write_png(ctx, dist, s, plan, sub, path);
    }
    if (rc != 0) {
        ret = rs_cli_fail(ctx);
        goto done;
    }
    printf("%s\n", cap_plan);
    for (size_t k = 0; k < plan->n; k++) {
        char day[11];
        ymd(plan->picks[k].saturday, day);
        int d = plan->picks[k].district;
        printf("  %s  %s\n", day, d >= 0 ? s->d[d].name : "(none)");
    }
    printf("written %s_plan.%s, %s_ranking.%s, %s.shp (+ .shx .dbf .prj .cpg), %s.png\n", out,
           ext, out, ext, out, out);
done:
    free(path);
    rs_table_free(tp);
    rs_table_free(tr);
    rs_weekend_plan_free(plan);
    rs_weekend_scores_free(s);
    rs_districts_free(dist);
    free(excl);
    rs_ctx_free(ctx);
    return ret;
}
