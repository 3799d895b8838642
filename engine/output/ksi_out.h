/*
 * ksi_out.h — the KSI trend table (analysis/ksi.h's result) as a table,
 * for the command and the board pack alike.
 */
#ifndef RS_KSI_OUT_H
#define RS_KSI_OUT_H

#include "ctx.h"
#include "ksi.h"
#include "table.h"

/* The result as a table (stable snake_case columns, see README):
 * period,fatal,serious,ksi,slight,casualties|collisions[,split column]
 * [,very_serious,moderately_serious,less_serious,serious_unrecorded]
 * [,recorded_serious,recorded_ksi,no_factor],ksi_year_before,change,change_pct,
 * rolling_12m_ksi[,baseline_ksi,baseline_change_pct],ksi_ci_low,
 * ksi_ci_high,p_value[,q_value when split],verdict.  *out owned by the caller. */
int rs_ksi_table(rs_ctx *ctx, const rs_ksi_result *r, rs_table **out);
/* The same with nextra more columns after verdict (extra_cells: nrows x
 * nextra, row-major; NULL cells empty) and a sentence added to the
 * caption (may be NULL). */
int rs_ksi_table_extra(rs_ctx *ctx, const rs_ksi_result *r, const char *caption_extra,
                       size_t nextra, const char *const *extra_cols,
                       const char *const *extra_cells, rs_table **out);


/* The line chart (PNG, 1200 x 700) of KSI by period with its 95% interval
 * band, against the same period a year earlier. */
int rs_ksi_chart(rs_ctx *ctx, const rs_ksi_result *r, const char *path);

#endif
