/*
 * cmd_heatmap.c — `roadsafe heatmap`: grids and kernel density of speeding.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "heat.h"
#include "heat_out.h"
#include "opts.h"
#include "presence.h"
#include "store.h"
#include "timeutil.h"

static void help(void)
{
    printf(
        "usage: roadsafe heatmap --out PREFIX [options]\n\n"
        "Heat maps of speeding from the workspace's telematics: a grid of cells for GIS\n"
        "(PREFIX.shp + .shx .dbf .prj .cpg, and PREFIX.csv) and a map for communities\n"
        "(PREFIX.png); or, with --kde, a kernel density raster (PREFIX.asc + .prj) and its\n"
        "map (PREFIX.png).\n\n"
        "  --district NAME|CODE|all  only pings in this district (default all districts)\n"
        "  --from DATE --to DATE     UK-local days, both inclusive (YYYY-MM-DD)\n"
        "  --days all|weekend|weekday  judged in UK local time (weekend = Sat, Sun)\n"
        "  --hours H1-H2             UK-local hours from H1:00 up to H2:00 (22-6 wraps)\n"
        "  --source traffic|fleet    connected vehicles (default) or the patrol fleet\n"
        "  --metric M                pings, speeding, over_threshold, share_speeding,\n"
        "                            share_over, p85, mean_excess (default over_threshold);\n"
        "                            with the fleet: presence_minutes, patrol_vehicles (patrol\n"
        "                            presence from consecutive pings of each vehicle; these\n"
        "                            imply --source fleet)\n"
        "  --gap-cap MINUTES         presence: a longer gap between two pings of a vehicle\n"
        "                            counts as this many minutes (default 5)\n"
        "  --grid square:SIZE|hex:SIZE  cells anchored at the grid origin, metres\n"
        "                            (default square:250)\n"
        "  --kde RADIUS              kernel density with this radius (metres) instead of a grid\n"
        "  --pixel SIZE              KDE pixel size, metres (default 50)\n"
        "  --kernel K                quartic (default), triangular, uniform, triweight,\n"
        "                            epanechnikov\n"
        "  --scaled                  KDE as a density (kernel integrates to 1) per m²\n"
        "  --per-km2                 with --scaled: per km²\n"
        "  --min-count K             withhold cells (pixels: points within the radius) with\n"
        "                            fewer than K pings from every output (default 10; 1\n"
        "                            publishes every cell); presence metrics: minutes of\n"
        "                            presence instead of pings\n"
        "  --scale-max V             top of the map's colour scale (fix it to compare maps)\n"
        "  --title TEXT              map title\n"
        "  --attribution TEXT        map attribution line\n"
        "  --context FILE.shp[,...]  context on the map: lines drawn as roads, points as\n"
        "                            labelled places, polygons as outlines (any CRS, by .prj)\n"
        "  --publish NAME            also keep the grid in the workspace as heat layer NAME\n"
        "                            (tables heat_layer, heat_cell; replaces a layer of that\n"
        "                            name), for GIS straight from the workspace\n"
        "  --store FILE              workspace (default $ROADSAFE_STORE, else ./roadsafe.db)\n");
}

static void subtitle(char *buf, size_t size, const char *from, const char *to, rs_days days,
                     const char *hours, const char *grid_or_kde, uint32_t min_count,
                     const char *source, int presence, int kde)
{
    char withheld[80];
    if (kde && presence && min_count > 1)
        snprintf(withheld, sizeof withheld, "pixels with under %u min of presence within the "
                 "radius withheld", min_count);
    else if (kde && min_count > 1)
        snprintf(withheld, sizeof withheld, "pixels with fewer than %u points within the radius "
                 "withheld", min_count);
    else if (presence && min_count > 1)
        snprintf(withheld, sizeof withheld, "cells with under %u min of presence withheld",
                 min_count);
    else if (min_count > 1)
        snprintf(withheld, sizeof withheld, "cells with fewer than %u pings withheld", min_count);
    else
        snprintf(withheld, sizeof withheld, kde ? "every pixel shown" : "every cell shown");
    snprintf(buf, size, "%s%s%s%s%s%s%s%s; %s; %s",
             strcmp(source, "fleet") == 0 ? "patrol fleet; " : "",
             from ? from : "all dates", to ? " to " : "", to ? to : "",
             days == RS_DAYS_WEEKEND ? "; weekends" : days == RS_DAYS_WEEKDAY ? "; weekdays" : "",
             hours ? "; " : "", hours ? hours : "", hours ? " h (UK time)" : "", grid_or_kde,
             withheld);
}

int rs_cmd_heatmap(int argc, char **argv)
{
    const char *store = NULL, *h = NULL, *district = NULL, *from = NULL, *to = NULL,
               *days_s = NULL, *hours = NULL, *metric_s = NULL, *grid_s = NULL, *kde_s = NULL,
               *pixel_s = NULL, *kernel_s = NULL, *scaled = NULL, *per_km2 = NULL,
               *min_s = NULL, *scale_s = NULL, *title = NULL, *attribution = NULL, *out = NULL,
               *source = NULL, *gap_cap = NULL, *context = NULL, *publish = NULL;
    const rs_cli_opt opts[] = {
        {"store", 1, &store},   {"help", 0, &h},          {"district", 1, &district},
        {"from", 1, &from},     {"to", 1, &to},           {"days", 1, &days_s},
        {"hours", 1, &hours},   {"metric", 1, &metric_s}, {"grid", 1, &grid_s},
        {"kde", 1, &kde_s},     {"pixel", 1, &pixel_s},   {"kernel", 1, &kernel_s},
        {"scaled", 0, &scaled}, {"per-km2", 0, &per_km2}, {"min-count", 1, &min_s},
        {"scale-max", 1, &scale_s}, {"title", 1, &title}, {"attribution", 1, &attribution},
        {"out", 1, &out},       {"source", 1, &source},   {"gap-cap", 1, &gap_cap},
        {"context", 1, &context}, {"publish", 1, &publish}, {NULL, 0, NULL}};
    const char *pos[1];
    if (rs_cli_parse("heatmap", argc, argv, 1, opts, pos, 0) < 0)
        return RS_EXIT_USAGE;
    if (h) {
        help();
        return RS_EXIT_OK;
    }
    if (out == NULL) {
        fprintf(stderr, "roadsafe heatmap: --out PREFIX is required\n");
        return RS_EXIT_USAGE;
    }
    rs_ping_filter f;
    rs_ping_filter_init(&f);
    rs_metric metric = RS_METRIC_OVER;
    rs_grid grid = {RS_GRID_SQUARE, 250};
    rs_kde_opts kde = {0, 50, RS_KERNEL_QUARTIC, 0, 0, RS_METRIC_OVER, 10};
    double v, scale_max = 0;
    uint32_t min_count = 10;
    if (source) {
        if (strcmp(source, "traffic") != 0 && strcmp(source, "fleet") != 0) {
            fprintf(stderr, "roadsafe heatmap: --source is traffic or fleet\n");
            return RS_EXIT_USAGE;
        }
        f.source = source;
    }
    if (rs_opt_period("heatmap", from, to, &f.from, &f.to) != 0 ||
        rs_opt_days("heatmap", days_s, &f.days) != 0)
        return RS_EXIT_USAGE;
    if (hours && rs_ping_filter_hours(&f, hours) != 0) {
        fprintf(stderr, "roadsafe heatmap: --hours is H1-H2 with hours 0-24, e.g. 7-10 or 22-6\n");
        return RS_EXIT_USAGE;
    }
    if (metric_s && rs_metric_parse(metric_s, &metric) != 0) {
        fprintf(stderr, "roadsafe heatmap: unknown --metric '%s' (see --help)\n", metric_s);
        return RS_EXIT_USAGE;
    }
    int presence = rs_metric_is_presence(metric);
    int64_t cap = RS_PRESENCE_CAP;
    if (presence && strcmp(f.source, "fleet") != 0) {
        if (source) {
            fprintf(stderr, "roadsafe heatmap: --metric %s needs --source fleet\n", metric_s);
            return RS_EXIT_USAGE;
        }
        f.source = "fleet";
    }
    if (gap_cap) {
        if (!presence) {
            fprintf(stderr, "roadsafe heatmap: --gap-cap needs a presence metric\n");
            return RS_EXIT_USAGE;
        }
        if (rs_opt_positive("heatmap", "gap-cap", gap_cap, 0, &v) != 0)
            return RS_EXIT_USAGE;
        if (v > 1440) {
            fprintf(stderr, "roadsafe heatmap: --gap-cap is at most 1440 minutes\n");
            return RS_EXIT_USAGE;
        }
        cap = llround(v * 60) > 0 ? llround(v * 60) : 1;
    }
    if (grid_s && rs_grid_parse(grid_s, &grid) != 0) {
        fprintf(stderr, "roadsafe heatmap: --grid is square:SIZE or hex:SIZE (metres > 0)\n");
        return RS_EXIT_USAGE;
    }
    if (min_s) {
        if (rs_opt_positive("heatmap", "min-count", min_s, 0, &v) != 0 || v != floor(v) ||
            v > 1e9)
            return RS_EXIT_USAGE;
        min_count = (uint32_t)v;
    }
    if (scale_s && rs_opt_positive("heatmap", "scale-max", scale_s, 0, &scale_max) != 0)
        return RS_EXIT_USAGE;
    if (!kde_s && (pixel_s || kernel_s || scaled || per_km2)) {
        fprintf(stderr, "roadsafe heatmap: --pixel, --kernel, --scaled and --per-km2 need --kde\n");
        return RS_EXIT_USAGE;
    }
    if (publish) {
        size_t n = strlen(publish), ok = n > 0 && n <= 63;
        for (size_t i = 0; ok && i < n; i++)
            ok = (publish[i] >= 'a' && publish[i] <= 'z') || (publish[i] >= 'A' && publish[i] <= 'Z') ||
                 (publish[i] >= '0' && publish[i] <= '9') || strchr("_-.", publish[i]) != NULL;
        if (!ok) {
            fprintf(stderr, "roadsafe heatmap: --publish NAME is 1 to 63 letters, digits, '_', "
                            "'-' or '.'\n");
            return RS_EXIT_USAGE;
        }
        if (kde_s) {
            fprintf(stderr, "roadsafe heatmap: --publish keeps a grid; a --kde raster is not "
                            "published\n");
            return RS_EXIT_USAGE;
        }
    }
    if (kde_s) {
        if (grid_s) {
            fprintf(stderr, "roadsafe heatmap: choose --grid or --kde, not both\n");
            return RS_EXIT_USAGE;
        }
        if (rs_opt_positive("heatmap", "kde", kde_s, 0, &kde.radius) != 0 ||
            (pixel_s && rs_opt_positive("heatmap", "pixel", pixel_s, 0, &kde.pixel) != 0))
            return RS_EXIT_USAGE;
        if (kernel_s && rs_kernel_parse(kernel_s, &kde.kernel) != 0) {
            fprintf(stderr, "roadsafe heatmap: unknown --kernel '%s'\n", kernel_s);
            return RS_EXIT_USAGE;
        }
        if (per_km2 && !scaled) {
            fprintf(stderr, "roadsafe heatmap: --per-km2 needs --scaled\n");
            return RS_EXIT_USAGE;
        }
        if (metric != RS_METRIC_PINGS && metric != RS_METRIC_SPEEDING && metric != RS_METRIC_OVER &&
            metric != RS_METRIC_PRESENCE) {
            fprintf(stderr, "roadsafe heatmap: --kde needs --metric pings, speeding, "
                            "over_threshold or presence_minutes\n");
            return RS_EXIT_USAGE;
        }
        kde.scaled = scaled != NULL;
        kde.per_km2 = per_km2 != NULL;
        kde.metric = metric;
        kde.min_count = min_count;
    }
    rs_ctx *ctx = NULL;
    int ret = rs_cli_open("heatmap", store, RS_STORE_READONLY, &ctx);
    if (ret != 0)
        return ret;
    rs_heat_grid *hg = NULL;
    rs_raster *r = NULL;
    rs_opt_context oc = {NULL, 0};
    int did;
    if ((ret = rs_opt_district(ctx, "heatmap", district, &did)) != 0 ||
        (ret = rs_opt_context_read(ctx, "heatmap", context, &oc)) != 0)
        goto done;
    f.district = did;
    /* name the period the data really covers when none was asked for */
    char from_buf[16] = "", to_buf[16] = "";
    if (!from || !to) {
        int64_t lo = 0, hi = 0;
        char q[160];
        snprintf(q, sizeof q, "SELECT min(t_min) FROM ping_chunk WHERE source = '%s'", f.source);
        if (rs_store_query_int(ctx, q, &lo) == 0 && lo > 0) {
            snprintf(q, sizeof q, "SELECT max(t_max) FROM ping_chunk WHERE source = '%s'", f.source);
            if (rs_store_query_int(ctx, q, &hi) == 0 && hi > 0) {
                rs_tm a, b;
                rs_time_london(f.from > lo ? f.from : lo, &a);
                rs_time_london(f.to - 1 < hi ? f.to - 1 : hi, &b);
                snprintf(from_buf, sizeof from_buf, "%04d-%02d-%02d", a.year, a.month, a.day);
                snprintf(to_buf, sizeof to_buf, "%04d-%02d-%02d", b.year, b.month, b.day);
                from = from ? from : from_buf;
                to = to ? to : to_buf;
            }
        }
    }
    char what[128], sub[512];
    if (kde_s)
        snprintf(what, sizeof what, "%s kernel, radius %g m, %g m pixels",
                 kernel_s ? kernel_s : "quartic", kde.radius, kde.pixel);
    else
        snprintf(what, sizeof what, "%s cells of %g m", grid.kind == RS_GRID_HEX ? "hexagonal" : "square",
                 grid.size);
    subtitle(sub, sizeof sub, from, to, f.days, hours, what, min_count, f.source, presence,
             kde_s != NULL);
    char wh[96];
    snprintf(wh, sizeof wh, "withheld: fewer than %u %s", min_count,
             presence ? "minutes of presence" : "pings");
    rs_heat_out ho = {out, metric, did, scale_max, title, sub, attribution, wh,
                      (const rs_context_layer *const *)oc.v, oc.n, 0, NULL};
    /* the density legend says density of what */
    const char *of = metric == RS_METRIC_PINGS      ? "pings"
                     : metric == RS_METRIC_SPEEDING ? "speeding pings"
                     : presence                     ? "minutes of patrol presence"
                                                    : "pings over the enforcement threshold";
    char kde_legend[160];
    if (kde.scaled)
        snprintf(kde_legend, sizeof kde_legend, "%s per %s (kernel density)", of,
                 kde.per_km2 ? "km²" : "m²");
    else
        snprintf(kde_legend, sizeof kde_legend, "kernel-weighted %s (raw, not per area)", of);
    if (kde_s) {
        int krc = presence ? rs_presence_kde(ctx, &f, cap, &kde, &r) : rs_heat_kde(ctx, &f, &kde, &r);
        if (krc == RS_ENOTFOUND) {
            /* nothing in the period: the map says so, over one no-data pixel */
            rs_err_clear(rs_ctx_err(ctx));
            if ((r = rs_raster_new(1, 1, 0, 0, kde.pixel)) == NULL) {
                fprintf(stderr, "roadsafe heatmap: out of memory\n");
                ret = RS_EXIT_FAIL;
                goto done;
            }
            r->v[0] = NAN;
            ho.note = presence ? RS_HEAT_NO_FLEET : RS_HEAT_NO_PINGS;
        } else if (krc != 0) {
            ret = rs_cli_fail(ctx);
            goto done;
        }
        if (rs_heat_write_kde(ctx, r, kde_legend, &ho) != 0) {
            ret = rs_cli_fail(ctx);
            goto done;
        }
        if (ho.note) {
            fprintf(stderr, "roadsafe heatmap: no %s in the period and filters; written %s.asc "
                            "(no data) and %s.png, which says so\n",
                    presence ? "patrol fleet pings" : "pings", out, out);
            ret = RS_EXIT_PARTIAL;
            goto done;
        }
        printf("kernel density: %zu x %zu pixels of %g m; written %s.asc, %s.png\n", r->cols,
               r->rows, r->pixel, out, out);
    } else {
        if ((presence ? rs_presence_heat_grid(ctx, &f, &grid, cap, min_count, &hg)
                      : rs_heat_grid_build(ctx, &f, &grid, min_count, &hg)) != 0 ||
            rs_heat_write_grid(ctx, hg, &ho) != 0) {
            ret = rs_cli_fail(ctx);
            goto done;
        }
        if (presence && min_count <= 1)
            printf("%zu cells (none withheld) from %llu fleet pings; written %s.shp, %s.csv, "
                   "%s.png\n",
                   hg->ncells, (unsigned long long)hg->pings, out, out, out);
        else if (presence)
            printf("%zu cells (%zu withheld: under %u minutes of presence) from %llu fleet "
                   "pings; written %s.shp, %s.csv, %s.png\n",
                   hg->ncells, hg->withheld, min_count, (unsigned long long)hg->pings, out, out,
                   out);
        else
            printf("%zu cells (%zu withheld: fewer than %u pings) from %llu pings; written %s.shp, "
               "%s.csv, %s.png\n",
               hg->ncells, hg->withheld, min_count, (unsigned long long)hg->pings, out, out, out);
        if (publish) {
            /* the grid was read from a snapshot (or a read-only connection):
             * the layer is written by a connection that may write */
            rs_ctx *ws = NULL;
            char gname[48];
            snprintf(gname, sizeof gname, "%s:%g", grid.kind == RS_GRID_HEX ? "hex" : "square",
                     grid.size);
            rs_heat_publish_info info = {publish, f.source, gname, sub};
            if ((ret = rs_cli_open("heatmap", store, RS_STORE_PG_OK, &ws)) != 0)
                goto done;
            if (rs_heat_publish(ctx, ws, &info, hg, &ho) != 0) {
                ret = rs_cli_fail(ws);
                rs_ctx_free(ws);
                goto done;
            }
            rs_ctx_free(ws);
            printf("published as heat layer %s in the workspace (%zu cells in table heat_cell)\n",
                   publish, hg->ncells);
        }
        if (hg->pings == 0) {
            fprintf(stderr, "roadsafe heatmap: no %s in the period and filters; %s.png says "
                            "so\n",
                    presence ? "patrol fleet pings" : "pings", out);
            ret = RS_EXIT_PARTIAL;
        }
    }
done:
    rs_opt_context_free(&oc);
    rs_heat_grid_free(hg);
    rs_raster_free(r);
    rs_ctx_free(ctx);
    return ret;
}
