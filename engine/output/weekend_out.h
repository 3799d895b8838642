/*
 * weekend_out.h — the weekend plan (analysis/weekend.h) as outputs: the
 * plan and ranking tables and the district layer of `roadsafe weekends`,
 * and the map of district scores, drawn here once for the command and the
 * board pack.
 */
#ifndef RS_WEEKEND_OUT_H
#define RS_WEEKEND_OUT_H

#include "context.h"
#include "ctx.h"
#include "district.h"
#include "table.h"
#include "weekend.h"

/* The plan, one row per weekend: weekend (Saturday, YYYY-MM-DD),
 * district, score, speed, harm, concerns, detections, fleet, planned,
 * probability, seed, reason.  0 and *out (owned by the caller), or
 * RS_ENOMEM set in ctx. */
int rs_weekend_plan_table(rs_ctx *ctx, const rs_weekend_scores *s, const rs_weekend_plan *p,
                          const char *caption, rs_table **out);

/* The ranking, one row per ranked district, every part of the score:
 * rank, district, code, score, base, speed, harm, concerns, detections,
 * fleet, pings, weekend_pings, pings_over, weekend_pings_over, share_over,
 * ksi, area_km2, ksi_per_km2, ksi_eb_per_km2, eb_weight, concern_reports,
 * concern_places, concern_places_per_km2, concern_eb_per_km2,
 * concern_eb_weight, detection_count, fleet_minutes, reason.  0 and *out,
 * or RS_ENOMEM set in ctx. */
int rs_weekend_rank_table(rs_ctx *ctx, const rs_weekend_scores *s, const char *caption,
                          rs_table **out);

/* One sentence (into buf) saying which windows fall wholly or partly
 * outside their data (s->cover): which kind, how many days and which end,
 * e.g. "Outside the data: the lookback 2022-03-03 to 2022-05-31: no
 * telematics on any of its 90 days (they end 2020-12-31); ...".  Returns the
 * number of kinds with days outside their data; buf is "" when none. */
int rs_weekend_cover_text(const rs_weekend_scores *s, char *buf, size_t size);

/* County references in one sentence (into buf), so every part can be
 * rebuilt from the ranking: share c, mean volume, KSI m and v, concern
 * m_c and v_c, mean detections and mean patrol minutes. */
void rs_weekend_county_text(const rs_weekend_scores *s, char *buf, size_t size);

/* PREFIX.shp (+ .shx .dbf .prj .cpg): every district (d, in the order of
 * s->d) with its score's parts (FLEET, FLEET_MIN, CONC_PLACE too), its plan weekends ("1, 4, 7"), its first
 * planned Saturday and whether it was excluded.  0, or the RS_E code set
 * in ctx (nothing is left behind). */
int rs_weekend_shp_write(rs_ctx *ctx, const rs_districts *d, const rs_weekend_scores *s,
                         const rs_weekend_plan *p, const char *prefix);

/* How the score map is titled and labelled. */
typedef struct rs_weekend_map_opts {
    int width_px;             /* 0: the map's default */
    const char *title, *subtitle, *legend_label;
    int plan_labels;          /* label each district "NAME: 1, 4" with its plan weekends
                               * (the first 6); 0: its name only */
} rs_weekend_map_opts;

/* The map (PNG at path): each district of d filled by its score on the
 * viridis scale (excluded districts not filled), boundaries and labels.
 * 0, or the RS_E code set in ctx. */
int rs_weekend_map(rs_ctx *ctx, const rs_districts *d, const rs_weekend_scores *s,
                   const rs_weekend_plan *p, const rs_weekend_map_opts *o, const char *path);
/* The same map drawn for a print width (print_mm, rs_map_opts; 0: none) with
 * context layers (roads, places, outlines; ncontext may be 0). */
int rs_weekend_map_print(rs_ctx *ctx, const rs_districts *d, const rs_weekend_scores *s,
                         const rs_weekend_plan *p, const rs_weekend_map_opts *o,
                         double print_mm, const rs_context_layer *const *context,
                         size_t ncontext, const char *path);

#endif
