/*
 * cmd_districts.c — `roadsafe districts load|list|locate`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "district.h"
#include "parse.h"
#include "place.h"
#include "relocate.h"
#include "store.h"
#include "table.h"

static void help(void)
{
    printf("usage: roadsafe districts load FILE.shp --name-field FIELD [--code-field FIELD]\n"
           "       roadsafe districts list [--format csv|md]\n"
           "       roadsafe districts locate < points.csv\n\n"
           "load    reads a polygon shapefile (.shp + .shx + .dbf + .prj) in any CRS its .prj\n"
           "        names, reprojects it to British National Grid (EPSG:27700), repairs an\n"
           "        invalid polygon (reported by name) and replaces the workspace's district\n"
           "        set in one transaction; stored records are re-assigned to the new set.\n"
           "list    code, name, area_km2 (2 decimals), vertices; csv (default) or md.\n"
           "locate  reads 'lat,lon' lines (WGS84 degrees) on standard input and writes\n"
           "        a header 'lat,lon,district', then 'lat,lon,district_name' per point (name\n"
           "        empty outside every district): the lookup ingest uses.  A point whose\n"
           "        lat and lon look swapped is reported and skipped, as ingest does.\n\n"
           "options:\n"
           "  --name-field FIELD   DBF field holding the district name (e.g. LAD22NM)\n"
           "  --code-field FIELD   DBF field holding the district code (e.g. LAD22CD)\n"
           "  --format csv|md      output format of list\n"
           "  --store FILE         workspace (default $ROADSAFE_STORE, else ./roadsafe.db)\n");
}

typedef struct {
    int n;
} repair_count;

static void on_repair(void *user, const char *name, const char *reason)
{
    ((repair_count *)user)->n++;
    fputs("roadsafe: district '", stderr);
    rs_text_put(stderr, name);
    fprintf(stderr, "' was invalid (%s); repaired with make-valid\n", reason);
}

static int do_load(rs_ctx *ctx, const char *shp, const char *name_field,
                   const char *code_field)
{
    rs_districts *d = NULL;
    repair_count rep = {0};
    int64_t moved = 0;
    int rc = rs_districts_from_shapefile(rs_ctx_geo(ctx), shp, name_field, code_field,
                                         on_repair, &rep, &d);
    if (rc != 0)
        return rs_cli_fail(ctx);
    if ((rc = rs_store_begin(ctx)) != 0 || (rc = rs_store_districts_replace(ctx, d, shp)) != 0 ||
        (rc = rs_relocate_all(ctx, d, &moved)) != 0 || (rc = rs_store_commit(ctx)) != 0) {
        rs_store_rollback(ctx);
        rs_districts_free(d);
        return rs_cli_fail(ctx);
    }
    double total = 0;
    for (size_t i = 0; i < rs_districts_count(d); i++)
        total += rs_districts_area_m2(d, i);
    printf("loaded %zu districts from %s (%.2f km2 in all, %d repaired); %lld stored records "
           "re-assigned\n",
           rs_districts_count(d), shp, total / 1e6, rep.n, (long long)moved);
    rs_districts_free(d);
    return RS_EXIT_OK;
}

static int do_list(rs_ctx *ctx, rs_format fmt)
{
    rs_districts *d = NULL;
    if (rs_store_districts_read(ctx, &d) != 0)
        return rs_cli_fail(ctx);
    const char *cols[] = {"code", "name", "area_km2", "vertices"};
    rs_table *t = rs_table_new("Districts", 4, cols);
    int ret = RS_EXIT_OK;
    if (t == NULL) {
        rs_districts_free(d);
        fprintf(stderr, "roadsafe: out of memory\n");
        return RS_EXIT_FAIL;
    }
    for (size_t i = 0; d && i < rs_districts_count(d); i++)
        if (rs_table_addf(t, "%s\x1f%s\x1f%.2f\x1f%zu", rs_districts_code(d, i),
                          rs_districts_name(d, i), rs_districts_area_m2(d, i) / 1e6,
                          rs_districts_vertices(d, i)) != 0)
            ret = RS_EXIT_FAIL;
    if (rs_table_write(t, fmt, stdout) != 0 || fflush(stdout) != 0) {
        fprintf(stderr, "roadsafe: cannot write output: %s\n", strerror(errno));
        ret = RS_EXIT_FAIL;
    }
    if (d == NULL)
        fprintf(stderr, "roadsafe: no districts loaded (roadsafe districts load FILE.shp ...)\n");
    rs_table_free(t);
    rs_districts_free(d);
    return ret;
}

/* Splits "lat,lon" (surrounding spaces allowed) into two strict decimals. */
static int parse_latlon(char *line, double *lat, double *lon)
{
    char *comma = strchr(line, ',');
    if (comma == NULL || strchr(comma + 1, ',') != NULL)
        return -1;
    *comma = '\0';
    char *a = line, *b = comma + 1;
    while (*a == ' ')
        a++;
    while (*b == ' ')
        b++;
    size_t la = strlen(a), lb = strlen(b);
    while (la && a[la - 1] == ' ')
        la--;
    while (lb && (b[lb - 1] == ' ' || b[lb - 1] == '\r'))
        lb--;
    int rc = rs_parse_decimal(a, la, lat) | rs_parse_decimal(b, lb, lon);
    *comma = ',';
    return rc ? -1 : 0;
}

static int do_locate(rs_ctx *ctx)
{
    rs_districts *d = NULL;
    rs_placer *pl = NULL;
    int ret = RS_EXIT_OK;
    int64_t set = 0;
    if (rs_store_districts_read_set(ctx, &d, &set) != 0 ||
        rs_placer_new_stored(ctx, d, set, &pl) != 0) {
        rs_districts_free(d);
        return rs_cli_fail(ctx);
    }
    if (d == NULL)
        fprintf(stderr, "roadsafe: no districts loaded: every point is outside\n");
    char line[4096];
    long lineno = 0;
    fputs("lat,lon,district\n", stdout);
    while (fgets(line, sizeof line, stdin)) {
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        else if (!feof(stdin)) {
            fprintf(stderr, "roadsafe: stdin:%ld: line too long; skipped\n", lineno);
            int ch;
            while ((ch = getchar()) != EOF && ch != '\n')
                ;
            ret = RS_EXIT_PARTIAL;
            continue;
        }
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        if (len == 0)
            continue;
        double lat, lon, e, n;
        int32_t di = -1;
        if (parse_latlon(line, &lat, &lon) != 0) {
            if (lineno == 1 && strstr(line, "lat"))
                continue; /* a header line */
            fprintf(stderr, "roadsafe: stdin:%ld: expected 'lat,lon' in decimal degrees\n",
                    lineno);
            ret = RS_EXIT_PARTIAL;
            continue;
        }
        if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
            fprintf(stderr, "roadsafe: stdin:%ld: latitude or longitude out of range\n", lineno);
            ret = RS_EXIT_PARTIAL;
            continue;
        }
        if (!rs_in_gb_wgs84(lat, lon) && rs_in_gb_wgs84(lon, lat)) {
            fprintf(stderr,
                    "roadsafe: stdin:%ld: outside Great Britain; lat and lon look swapped "
                    "(each line is lat,lon)\n",
                    lineno);
            ret = RS_EXIT_PARTIAL;
            continue;
        }
        if (rs_placer_wgs84(pl, lat, lon, &e, &n, &di) != 0)
            di = -1;
        fputs(line, stdout);
        fputc(',', stdout);
        if (di >= 0)
            rs_csv_put(stdout, rs_districts_name(d, (size_t)di));
        fputc('\n', stdout);
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "roadsafe: cannot write output: %s\n", strerror(errno));
        ret = RS_EXIT_FAIL;
    }
    rs_placer_free(pl);
    rs_districts_free(d);
    return ret;
}

int rs_cmd_districts(int argc, char **argv)
{
    const char *store = NULL, *h = NULL, *name_field = NULL, *code_field = NULL, *format = NULL;
    const rs_cli_opt opts[] = {{"store", 1, &store},       {"help", 0, &h},
                               {"name-field", 1, &name_field}, {"code-field", 1, &code_field},
                               {"format", 1, &format},     {NULL, 0, NULL}};
    const char *pos[3];
    int npos = rs_cli_parse("districts", argc, argv, 1, opts, pos, 2);
    if (npos < 0)
        return RS_EXIT_USAGE;
    if (h) {
        help();
        return RS_EXIT_OK;
    }
    if (npos == 0) {
        fprintf(stderr, "roadsafe districts: say load, list or locate (see --help)\n");
        return RS_EXIT_USAGE;
    }
    const char *verb = pos[0];
    rs_format fmt = RS_FMT_CSV;
    if (strcmp(verb, "load") == 0) {
        if (npos != 2 || name_field == NULL) {
            fprintf(stderr, "roadsafe districts load: needs FILE.shp and --name-field FIELD\n");
            return RS_EXIT_USAGE;
        }
    } else if (strcmp(verb, "list") == 0) {
        if (npos != 1 || (format && (rs_format_parse(format, &fmt) != 0 || fmt == RS_FMT_HTML))) {
            fprintf(stderr, "roadsafe districts list: --format is csv or md\n");
            return RS_EXIT_USAGE;
        }
    } else if (strcmp(verb, "locate") == 0) {
        if (npos != 1) {
            fprintf(stderr, "roadsafe districts locate: reads points on standard input only\n");
            return RS_EXIT_USAGE;
        }
    } else {
        fprintf(stderr, "roadsafe districts: unknown action '%s' (load, list or locate)\n", verb);
        return RS_EXIT_USAGE;
    }
    if ((name_field || code_field) && strcmp(verb, "load") != 0) {
        fprintf(stderr, "roadsafe districts %s: --name-field/--code-field belong to load\n", verb);
        return RS_EXIT_USAGE;
    }
    rs_ctx *ctx = NULL;
    int ro = strcmp(verb, "load") != 0 ? RS_STORE_READONLY : 0;
    char what[32]; /* load, list and locate run on PostgreSQL too */
    snprintf(what, sizeof what, "districts %s", verb);
    int ret = rs_cli_open(what, store, ro | RS_STORE_PG_OK, &ctx);
    if (ret != 0)
        return ret;
    if (strcmp(verb, "load") == 0)
        ret = do_load(ctx, pos[1], name_field, code_field);
    else if (strcmp(verb, "list") == 0)
        ret = do_list(ctx, fmt);
    else
        ret = do_locate(ctx);
    rs_ctx_free(ctx);
    return ret;
}
