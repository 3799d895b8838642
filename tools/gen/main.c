/*
 * main.c — roadsafe-gen: writes a synthetic sample county for roadsafe.
 *
 *   roadsafe-gen --out DIR [--seed N] [--scale S] [--truth-trucam P]
 *                [--truth-gatso P] [--truth-other P] [--help]
 *
 * What: parses the options, builds the world (county and districts, roads,
 * hot spots, the weekend operation plan) and has each writer produce its
 * file, then truth.json.  The same seed and scale give byte-identical
 * files.  Exit codes as the roadsafe command: 0 ok, 2 usage error,
 * 3 failure (with one line on stderr).
 *
 * Data structure: gen_world (gen.h), zeroed, filled in order.
 * Workload: a few seconds at scale 1; scale 100 (10 million pings) in well
 * under a minute.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "gen.h"

#define EXIT_USAGE 2
#define EXIT_FAIL 3

static void usage(FILE *f)
{
    fprintf(f,
            "usage: roadsafe-gen --out DIR [--seed N] [--scale S] [--truth-trucam P]\n"
            "                    [--truth-gatso P] [--truth-other P] [--help]\n"
            "\n"
            "Writes a synthetic county for roadsafe into DIR (created if missing):\n"
            "  districts.shp/.shx/.dbf/.prj/.cpg  14 districts, EPSG:27700 (fields NAME, CODE)\n"
            "  roads.shp, towns.shp (+ .shx .dbf .prj .cpg)  the road network (lines) and the\n"
            "                   towns (points, field NAME), EPSG:27700: map context\n"
            "  telematics.csv   connected-vehicle pings, 2020, with 5 planted speeding hot spots\n"
            "  fleet.csv        patrol cars' pings on the weekend operations of 2020\n"
            "  detections.csv   speed detections 2019-2020 with planted reoffending\n"
            "  collisions.csv, casualties.csv  STATS19 (DfT collision_* layout), 2015-2020\n"
            "  concerns.csv     speeding concerns, 2020\n"
            "  truth.json       everything planted, and the row counts written\n"
            "\n"
            "options:\n"
            "  --out DIR           output directory (required)\n"
            "  --seed N            random seed, an integer 0..2^64-1 (default 1); the same seed\n"
            "                      and scale give byte-identical files\n"
            "  --scale S           volume, 0 < S <= 1000 (default 1): telematics pings are\n"
            "                      100000 * S; detections, collisions and concerns grow with\n"
            "                      sqrt(S); the fleet does not grow\n"
            "  --truth-trucam P    planted probability that a vehicle first caught by TRUCAM in\n"
            "                      2019 reoffends within 365 days (default 0.14)\n"
            "  --truth-gatso P     the same for GATSO (default 0.25)\n"
            "  --truth-other P     the same for HADECS3, SPECS, REDSPEED, VECTOR (default 0.20)\n"
            "  -h, --help          show this help\n"
            "\n"
            "exit codes: 0 ok, 2 usage error, 3 failure.\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static int parse_double(const char *s, double lo, double hi, int lo_open, double *out)
{
    if (s == NULL || *s == '\0')
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v > hi || v < lo || (lo_open && v == lo))
        return -1;
    *out = v;
    return 0;
}

static int make_dir(gen_world *w)
{
    struct stat st;
    if (mkdir(w->out, 0777) == 0)
        return RS_OK;
    if (errno == EEXIST && stat(w->out, &st) == 0 && S_ISDIR(st.st_mode))
        return RS_OK;
    return rs_err_set(gen_err(w), RS_EIO, "cannot create directory %s: %s", w->out,
                      errno == EEXIST ? "a file of that name exists" : strerror(errno));
}

static int run(gen_world *w)
{
    int rc;
    if ((rc = make_dir(w)) != RS_OK)
        return rc;
    if ((rc = rs_crs_new(w->geo, "EPSG:27700", "EPSG:4326", &w->to_wgs)) != RS_OK)
        return rc;
    w->per0 = gen_local(2020, 1, 1, 0, 0, 0);
    w->per1 = gen_local(2021, 1, 1, 0, 0, 0);
    w->det0 = gen_local(2019, 1, 1, 0, 0, 0);
    w->det1 = w->per1;
    w->idx0 = w->det0;
    w->idx1 = w->per0;
    if ((rc = gen_county_build(w)) != RS_OK || (rc = gen_net_build(w)) != RS_OK ||
        (rc = gen_hotspots_place(w)) != RS_OK || (rc = gen_plan_build(w)) != RS_OK)
        return rc;
    if ((rc = gen_telematics_write(w)) != RS_OK || (rc = gen_fleet_write(w)) != RS_OK ||
        (rc = gen_detections_write(w)) != RS_OK || (rc = gen_stats19_write(w)) != RS_OK ||
        (rc = gen_concerns_write(w)) != RS_OK || (rc = gen_districts_write(w)) != RS_OK)
        return rc;
    return gen_truth_write(w);
}

int main(int argc, char **argv)
{
    static gen_world world; /* large: keep it off the stack */
    gen_world *w = &world;
    w->seed = 1;
    w->scale = 1;
    w->p_trucam = 0.14;
    w->p_gatso = 0.25;
    w->p_other = 0.20;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        static const char *const with_value[] = {"--out", "--seed", "--scale", "--truth-trucam",
                                                 "--truth-gatso", "--truth-other"};
        const char *val = NULL;
        int opt = -1;
        for (int k = 0; k < 6 && opt < 0; k++) {
            size_t n = strlen(with_value[k]);
            if (strncmp(a, with_value[k], n) == 0 && (a[n] == '\0' || a[n] == '=')) {
                opt = k;
                if (a[n] == '=')
                    val = a + n + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
            }
        }
        if (opt < 0) {
            fprintf(stderr, "roadsafe-gen: unknown option '%s'\n", a);
            usage(stderr);
            return EXIT_USAGE;
        }
        if (val == NULL) {
            fprintf(stderr, "roadsafe-gen: %s needs a value\n", with_value[opt]);
            return EXIT_USAGE;
        }
        int bad = 0;
        switch (opt) {
        case 0:
            bad = *val == '\0';
            w->out = val;
            break;
        case 1:
            bad = parse_u64(val, &w->seed);
            break;
        case 2:
            bad = parse_double(val, 0, 1000, 1, &w->scale);
            break;
        case 3:
            bad = parse_double(val, 0, 1, 0, &w->p_trucam);
            break;
        case 4:
            bad = parse_double(val, 0, 1, 0, &w->p_gatso);
            break;
        default:
            bad = parse_double(val, 0, 1, 0, &w->p_other);
            break;
        }
        if (bad) {
            fprintf(stderr, "roadsafe-gen: invalid value '%s' for %s\n", val, with_value[opt]);
            return EXIT_USAGE;
        }
    }
    if (w->out == NULL) {
        fprintf(stderr, "roadsafe-gen: --out DIR is required\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    w->gentle = sqrt(w->scale);
    w->geo = rs_geo_new();
    if (w->geo == NULL) {
        fprintf(stderr, "roadsafe-gen: cannot create the GEOS/PROJ context\n");
        return EXIT_FAIL;
    }
    int rc = run(w);
    if (rc != RS_OK) {
        const rs_err *e = gen_err(w);
        fprintf(stderr, "roadsafe-gen: %s\n", e->msg[0] ? e->msg : "failed");
    } else {
        printf("roadsafe-gen: wrote %s (seed %llu, scale %g): %lld pings, %lld fleet pings, "
               "%lld detections, %lld collisions, %lld casualties, %lld concerns\n",
               w->out, (unsigned long long)w->seed, w->scale, w->truth.rows_telematics,
               w->truth.rows_fleet, w->truth.rows_detections, w->truth.rows_collisions,
               w->truth.rows_casualties, w->truth.rows_concerns);
    }
    gen_plan_free(&w->plan);
    gen_net_free(&w->net);
    gen_county_free(&w->county);
    rs_crs_free(w->to_wgs);
    rs_geo_free(w->geo);
    return rc == RS_OK ? 0 : EXIT_FAIL;
}
