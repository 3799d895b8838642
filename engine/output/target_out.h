/*
 * target_out.h — the KSI target (analysis/target.h's result) as tables,
 * words and a chart, for `roadsafe ksi --target` and the board pack alike.
 */
#ifndef RS_TARGET_OUT_H
#define RS_TARGET_OUT_H

#include "ctx.h"
#include "ksi.h"
#include "table.h"
#include "target.h"

/* One exposure's rates per KSI row (rs_ksi_rates' arrays). */
typedef struct rs_target_rates {
    const double *expo, *rate, *low, *high;
} rs_target_rates;

/* The KSI table (ksi_out.h) with, after verdict: target_ksi, vs_target,
 * trend_ksi (when t); population, ksi_per_100k, ksi_per_100k_low,
 * ksi_per_100k_high (when pop); vehicle_km, ksi_per_bn_vkm,
 * ksi_per_bn_vkm_low, ksi_per_bn_vkm_high (when traffic).  The caption
 * adds the target, the trend and the verdict.  *out owned by the caller. */
int rs_target_ksi_table(rs_ctx *ctx, const rs_ksi_result *k, const rs_target_result *t,
                        const rs_target_rates *pop, const rs_target_rates *traffic,
                        rs_table **out);

/* The projection: year, trend_ksi, trend_low, trend_high, target_ksi, one
 * row per year from the last data year to the target year. */
int rs_target_proj_table(rs_ctx *ctx, const rs_target_result *t, int financial, rs_table **out);

/* "-3.1% a year (95% -5.0% to -1.2%)" */
void rs_target_change_words(const rs_target_result *t, char *buf, size_t size);
/* "On track: ...", "Off track: ...", "Cannot tell yet: ..." with the figures. */
void rs_target_verdict_words(const rs_target_result *t, int financial, char *buf, size_t size);
/* "2030" or "2030/31" */
void rs_target_year_label(int year, int financial, char *buf, size_t size);

/* The chart (PNG, 1200 x 700): KSI by year, the trajectory (dashed), the
 * trend with its 95% band to the target year, and the target point. */
int rs_target_chart(rs_ctx *ctx, const rs_target_result *t, int financial, const char *path);

#endif
