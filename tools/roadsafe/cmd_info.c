/*
 * cmd_info.c — `roadsafe info`: what the workspace holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fmt.h"
#include "pin.h"
#include "place.h"
#include "store.h"
#include "timeutil.h"

static void help(void)
{
    printf("usage: roadsafe info [--store FILE]\n\n"
           "Prints the workspace's schema version, districts, record counts per kind with\n"
           "their date ranges, files loaded and rows rejected, and the coordinate\n"
           "transformation in use (WGS84 -> British National Grid).\n\n"
           "  --store FILE   workspace (default $ROADSAFE_STORE, else ./roadsafe.db)\n");
}

/* Prints one line "  label  count  first .. last" from a query returning
 * count, min(t), max(t). */
static int kind_line(rs_ctx *ctx, const char *label, const char *sql)
{
    int64_t v[3];
    int null[3];
    int rc = rs_store_query_ints(ctx, sql, 3, v, null);
    if (rc != 0)
        return rc;
    printf("  %-22s %12lld", label, (long long)v[0]);
    if (v[0] > 0 && !null[1]) {
        char a[32], b[32];
        rs_time_format_utc(v[1], a, sizeof a);
        rs_time_format_utc(v[2], b, sizeof b);
        printf("   %s .. %s", a, b);
    }
    printf("\n");
    return 0;
}

static int show(rs_ctx *ctx)
{
    rs_districts *d = NULL;
    rs_placer *pl = NULL;
    int64_t v = 0, set = 0;
    char *pin = NULL, *now = NULL;
    int rc;
    printf("workspace      %s\n", rs_ctx_store_path(ctx));
    printf("schema         version %d\n", rs_store_schema_version(ctx));
    if ((rc = rs_store_districts_read_set(ctx, &d, &set)) != 0)
        return rc;
    if (d == NULL) {
        printf("districts      none loaded\n");
    } else {
        char src[1024] = "";
        rs_store_meta_get(ctx, "districts_source", src, sizeof src);
        double total = 0;
        for (size_t i = 0; i < rs_districts_count(d); i++)
            total += rs_districts_area_m2(d, i);
        printf("districts      %zu (%.2f km2) from %s\n", rs_districts_count(d), total / 1e6, src);
        for (size_t i = 0; i < rs_districts_count(d); i++)
        {
            /* names and codes are data: no control character reaches the terminal */
            const char *code = rs_districts_code(d, i);
            fputs("  ", stdout);
            rs_text_put(stdout, code);
            printf("%*s ", strlen(code) < 10 ? (int)(10 - strlen(code)) : 0, "");
            rs_text_put(stdout, rs_districts_name(d, i));
            putchar('\n');
        }
    }
    printf("records                           count   first .. last (UTC)\n");
    /* PostgreSQL keeps a row per ping, SQLite chunks of them */
    int pg = rs_store_backend(ctx) == RS_STORE_POSTGRESQL;
    if ((rc = kind_line(ctx, "telematics (traffic)",
                        pg ? "SELECT count(*), min(t), max(t) FROM ping WHERE source='traffic'"
                           : "SELECT coalesce(sum(n),0), min(t_min), max(t_max) FROM ping_chunk "
                             "WHERE source='traffic'")) != 0 ||
        (rc = kind_line(ctx, "telematics (fleet)",
                        pg ? "SELECT count(*), min(t), max(t) FROM ping WHERE source='fleet'"
                           : "SELECT coalesce(sum(n),0), min(t_min), max(t_max) FROM ping_chunk "
                             "WHERE source='fleet'")) != 0 ||
        (rc = kind_line(ctx, "detections", "SELECT count(*), min(t), max(t) FROM detection")) !=
            0 ||
        (rc = kind_line(ctx, "collisions", "SELECT count(*), min(t), max(t) FROM collision")) !=
            0 ||
        (rc = kind_line(ctx, "  of which unlocated",
                        "SELECT count(*), min(t), max(t) FROM collision WHERE e IS NULL")) != 0 ||
        (rc = kind_line(ctx, "  outside districts",
                        "SELECT count(*), min(t), max(t) FROM collision WHERE e IS NOT NULL "
                        "AND district_id IS NULL")) != 0 ||
        (rc = kind_line(ctx, "casualties",
                        "SELECT count(*), min(c.t), max(c.t) FROM casualty k JOIN collision c "
                        "USING(collision_index)")) != 0 ||
        (rc = kind_line(ctx, "concerns", "SELECT count(*), min(t), max(t) FROM concern")) != 0)
        goto done;
    if ((rc = rs_store_query_int(ctx, "SELECT count(*) FROM ingest_file", &v)) != 0)
        goto done;
    int64_t rej = 0;
    if ((rc = rs_store_query_int(ctx, "SELECT count(*) FROM reject", &rej)) != 0)
        goto done;
    printf("files loaded   %lld (rows rejected: %lld)\n", (long long)v, (long long)rej);
    if ((rc = rs_placer_new_stored(ctx, d, set, &pl)) != 0)
        goto done;
    printf("coordinates    WGS84 -> British National Grid (EPSG:27700) by PROJ %d.%d.%d:\n"
           "               %s\n",
           PROJ_VERSION_MAJOR, PROJ_VERSION_MINOR, PROJ_VERSION_PATCH, rs_placer_describe(pl));
    if (rs_placer_table_error(pl) > 0)
        printf("               interpolation table over the districts, max error %.2f mm "
               "against PROJ\n",
               rs_placer_table_error(pl) * 1000.0);
    /* the operation the workspace's positions were made with, when PROJ
     * would now use another (ingest refuses to load then) */
    pin = malloc(8192);
    if (pin != NULL && !rs_placer_from_pin(pl) &&
        rs_store_meta_get(ctx, "wgs84_bng_operation", pin, 8192) == 0 &&
        (now = rs_pin_of(ctx, rs_placer_crs(pl))) != NULL && strcmp(pin, now) != 0)
        printf("               NOT the operation the stored positions were made with:\n"
               "               stored: %s\n               now:    %s\n",
               pin, now);
    rs_err_clear(rs_ctx_err(ctx));
done:
    free(pin);
    free(now);
    rs_placer_free(pl);
    rs_districts_free(d);
    return rc;
}

int rs_cmd_info(int argc, char **argv)
{
    const char *store = NULL, *h = NULL;
    const rs_cli_opt opts[] = {{"store", 1, &store}, {"help", 0, &h}, {NULL, 0, NULL}};
    const char *pos[1];
    if (rs_cli_parse("info", argc, argv, 1, opts, pos, 0) < 0)
        return RS_EXIT_USAGE;
    if (h) {
        help();
        return RS_EXIT_OK;
    }
    rs_ctx *ctx = NULL;
    int ret = rs_cli_open("info", store, RS_STORE_READONLY | RS_STORE_PG_OK, &ctx);
    if (ret != 0)
        return ret;
    if (show(ctx) != 0)
        ret = rs_cli_fail(ctx);
    rs_ctx_free(ctx);
    return ret;
}
