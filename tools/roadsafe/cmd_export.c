/*
 * cmd_export.c — `roadsafe export LAYER --out PREFIX`: shapefile layers for
 * GIS analysts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "export.h"
#include "heat.h"
#include "heat_out.h"
#include "opts.h"
#include "store.h"
#include "timeutil.h"
#include "weekend.h"

static void help(void)
{
    printf(
        "usage: roadsafe export districts|detections|collisions|concerns|cells --out PREFIX\n"
        "                       [--crs 27700|4326] [--from DATE --to DATE] [--district NAME]\n\n"
        "Writes one shapefile layer (PREFIX.shp .shx .dbf .prj .cpg) that QGIS, ArcGIS and\n"
        "GDAL open as they are: ESRI WKT from PROJ in the .prj, UTF-8 attributes, outer rings\n"
        "clockwise, field widths from the data.  The layer's files are written under\n"
        "temporary names and renamed into place only when complete.  Fields: see README.\n\n"
        "  --crs 27700|4326          British National Grid (default) or WGS84\n"
        "  --from DATE --to DATE     UK-local days, both inclusive (YYYY-MM-DD); districts'\n"
        "                            metrics and the points are for this period\n"
        "  --district NAME|CODE      one district only\n"
        "  cells: exactly the grid layer roadsafe heatmap writes (it is that command, with\n"
        "  its PREFIX.csv and PREFIX.png), every metric, patrol presence included:\n"
        "  --grid square:SIZE|hex:SIZE  --metric M  --min-count K  --days D  --hours H1-H2\n"
        "  --source traffic|fleet  --gap-cap MINUTES\n"
        "  --store FILE              workspace (default $ROADSAFE_STORE, else ./roadsafe.db)\n");
}

/* export cells: the grid layer of roadsafe heatmap, by running that
 * command with the same options (less the layer name and --crs, which is
 * 27700 here), so the layer is the heat map's for every metric and every
 * option, by construction. */
static int heatmap_cells(int argc, char **argv)
{
    char **hv = calloc((size_t)argc + 1, sizeof *hv);
    if (hv == NULL) {
        fprintf(stderr, "roadsafe export: out of memory\n");
        return RS_EXIT_FAIL;
    }
    int n = 0, layer_seen = 0;
    hv[n++] = "heatmap";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--crs") == 0) {
            i++; /* and its value */
            continue;
        }
        if (strncmp(argv[i], "--crs=", 6) == 0)
            continue;
        if (!layer_seen && strcmp(argv[i], "cells") == 0) {
            layer_seen = 1;
            continue;
        }
        hv[n++] = argv[i];
    }
    int rc = rs_cmd_heatmap(n, hv);
    free(hv);
    return rc;
}

/* The weekend score of every district (default weights and lookback) as
 * at the day after the period, or after the last telematics ping when no
 * --to was given; the districts layer carries it as WKND_SCORE. */
static int weekend_scores(rs_ctx *ctx, const rs_export_opts *eo, rs_weekend_scores **ws,
                          double **score)
{
    rs_weekend_opts wo;
    rs_weekend_opts_init(&wo);
    int64_t end = eo->to;
    if (end == INT64_MAX) {
        int64_t last = 0;
        if (rs_store_query_int(ctx, "SELECT coalesce(max(t_max), 0) FROM ping_chunk", &last) != 0 ||
            last <= 0)
            return -1;
        end = last + 1;
    }
    rs_tm tm;
    rs_time_london(end - 1, &tm);
    wo.start_day = rs_days_from_civil(tm.year, tm.month, tm.day) + 1;
    if (rs_weekend_score(ctx, &wo, ws) != 0)
        return -1;
    *score = calloc((*ws)->n ? (*ws)->n : 1, sizeof **score);
    if (*score == NULL)
        return -1;
    for (size_t i = 0; i < (*ws)->n; i++)
        (*score)[i] = (*ws)->d[i].excluded ? NAN : (*ws)->d[i].score;
    return 0;
}

/* 1 when every source of the weekend score is loaded (traffic telematics,
 * casualties, detections, concerns): a score made with a part missing would
 * read that part as nothing, so without one WKND_SCORE is null. */
static int score_sources_loaded(rs_ctx *ctx)
{
    static const char *const q[] = {
        "SELECT EXISTS (SELECT 1 FROM ping_chunk WHERE source = 'traffic')",
        "SELECT EXISTS (SELECT 1 FROM casualty)", "SELECT EXISTS (SELECT 1 FROM detection)",
        "SELECT EXISTS (SELECT 1 FROM concern)"};
    for (size_t k = 0; k < sizeof q / sizeof q[0]; k++) {
        int64_t v = 0;
        if (rs_store_query_int(ctx, q[k], &v) != 0 || v == 0)
            return 0;
    }
    return 1;
}

int rs_cmd_export(int argc, char **argv)
{
    const char *store = NULL, *h = NULL, *out = NULL, *crs = NULL, *from = NULL, *to = NULL,
               *district = NULL, *grid_s = NULL, *metric_s = NULL, *min_s = NULL,
               *days_s = NULL, *hours = NULL, *source = NULL, *gap_cap = NULL;
    const rs_cli_opt opts[] = {{"store", 1, &store},   {"help", 0, &h},
                               {"out", 1, &out},       {"crs", 1, &crs},
                               {"from", 1, &from},     {"to", 1, &to},
                               {"district", 1, &district}, {"grid", 1, &grid_s},
                               {"metric", 1, &metric_s}, {"min-count", 1, &min_s},
                               {"days", 1, &days_s},   {"hours", 1, &hours},
                               {"source", 1, &source}, {"gap-cap", 1, &gap_cap},
                               {NULL, 0, NULL}};
    const char *pos[1];
    int npos = rs_cli_parse("export", argc, argv, 1, opts, pos, 1);
    if (npos < 0)
        return RS_EXIT_USAGE;
    if (h) {
        help();
        return RS_EXIT_OK;
    }
    int cells = npos == 1 && strcmp(pos[0], "cells") == 0;
    rs_layer layer = RS_LAYER_DISTRICTS;
    if (npos != 1 || (!cells && rs_layer_parse(pos[0], &layer) != 0)) {
        fprintf(stderr, "roadsafe export: say which layer: districts, detections, collisions, "
                        "concerns or cells\n");
        return RS_EXIT_USAGE;
    }
    if (out == NULL) {
        fprintf(stderr, "roadsafe export: --out PREFIX is required\n");
        return RS_EXIT_USAGE;
    }
    int epsg = 27700;
    if (crs && strcmp(crs, "27700") == 0)
        epsg = 27700;
    else if (crs && strcmp(crs, "4326") == 0)
        epsg = 4326;
    else if (crs) {
        fprintf(stderr, "roadsafe export: --crs is 27700 (British National Grid) or 4326 (WGS84)\n");
        return RS_EXIT_USAGE;
    }
    if (!cells && (grid_s || metric_s || min_s || days_s || hours || source || gap_cap)) {
        fprintf(stderr, "roadsafe export: --grid, --metric, --min-count, --days, --hours, "
                        "--source and --gap-cap are for the cells layer\n");
        return RS_EXIT_USAGE;
    }
    if (cells && epsg != 27700) {
        fprintf(stderr, "roadsafe export: the cells layer is written in EPSG:27700 only (its\n"
                        "cells are squares/hexagons in that grid)\n");
        return RS_EXIT_USAGE;
    }
    if (cells)
        return heatmap_cells(argc, argv);
    rs_export_opts eo = {out, epsg, 0, 0, -1, NULL, NULL};
    if (rs_opt_period("export", from, to, &eo.from, &eo.to) != 0)
        return RS_EXIT_USAGE;
    rs_ctx *ctx = NULL;
    int ret = rs_cli_open("export", store, RS_STORE_READONLY, &ctx);
    if (ret != 0)
        return ret;
    int did;
    if ((ret = rs_opt_district(ctx, "export", district, &did)) != 0)
        goto done;
    eo.district = did;
    int64_t written = 0, skipped = 0;
    rs_weekend_scores *ws = NULL;
    double *score = NULL;
    if (layer == RS_LAYER_DISTRICTS) {
        /* the field is always there: null where no score can be made */
        eo.extra_name = "WKND_SCORE";
        if (score_sources_loaded(ctx) && weekend_scores(ctx, &eo, &ws, &score) == 0 && score)
            eo.extra = score;
    }
    rs_err_clear(rs_ctx_err(ctx)); /* no score (e.g. no data) is not an export failure */
    rs_cli_set_begin(); /* the layer's files appear together */
    int erc = rs_export_layer(ctx, layer, &eo, &written, &skipped);
    free(score);
    rs_weekend_scores_free(ws);
    if (erc != 0) {
        rs_cli_set_end("export", RS_EXIT_FAIL); /* removes the temporaries */
        ret = rs_cli_fail(ctx);
        goto done;
    }
    if ((ret = rs_cli_set_end("export", RS_EXIT_OK)) != RS_EXIT_OK)
        goto done;
    printf("%s: %lld features written to %s.shp (EPSG:%d)", pos[0], (long long)written, out, epsg);
    if (skipped)
        printf("; %lld collisions without a location left out", (long long)skipped);
    printf("\n");
done:
    rs_ctx_free(ctx);
    return ret;
}
