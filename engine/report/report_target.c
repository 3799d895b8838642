/*
 * report_target.c — the board pack's "8. KSI target" section, last (see report.h),
 * written only when the workspace holds an agreed target (`roadsafe
 * target set`): the chart of KSI by year with the trajectory, the trend
 * and its band and the target point; the verdict sentence; the table of
 * years and the projection to the target year.  Data up to the end of the
 * pack's quarter only; county-wide figures (the target is the area's).
 * Years are financial years when the pack is financial.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "report_int.h"
#include "target.h"
#include "target_out.h"

int rs_rep_target(rs_rep *r)
{
    if (!r->has_target)
        return RS_OK;
    int fin = r->o->financial;
    rs_ksi_opts ko;
    memset(&ko, 0, sizeof ko);
    ko.by = RS_KSI_YEAR;
    ko.financial = fin;
    ko.from_month = -1;
    ko.to_month = r->q_first + 2;
    char spec[64];
    rs_target_format(&r->target, spec, sizeof spec);
    rs_rep_section_open(r, "target", "8. KSI target");
    rs_target_result *t = NULL;
    int rc = rs_target_run(r->ctx, &ko, &r->target, 5, &t);
    if (rc == RS_EUSAGE) {
        rs_rep_para(r, "unavailable", "The workspace's target (%s) cannot be assessed: %s.", spec,
                    rs_ctx_err(r->ctx)->msg);
        rs_err_clear(rs_ctx_err(r->ctx));
        rs_rep_section_close(r);
        return RS_OK;
    }
    if (rc != RS_OK)
        return rc;
    char verdict[512], change[96], b1[24], b2[24], y[24], f1[24], f2[24], tg[32], bl[32];
    rs_target_verdict_words(t, fin, verdict, sizeof verdict);
    rs_target_change_words(t, change, sizeof change);
    rs_target_year_label(t->spec.base_from, fin, b1, sizeof b1);
    rs_target_year_label(t->spec.base_to, fin, b2, sizeof b2);
    rs_target_year_label(t->spec.year, fin, y, sizeof y);
    rs_target_year_label(t->fit_from, fin, f1, sizeof f1);
    rs_target_year_label(t->fit_to, fin, f2, sizeof f2);
    rs_fmt_fixed(tg, sizeof tg, t->target, 1);
    rs_fmt_fixed(bl, sizeof bl, t->baseline, 1);
    rs_rep_para(r, NULL,
                "The partnership's target (%s, kept in the workspace): %g%% fewer KSI casualties "
                "than the %s to %s mean of %s by %s, that is %s KSI in %s. Whole-area figures%s, "
                "%s years complete by the end of %s.",
                spec, t->spec.pct, b1, b2, bl, y, tg, y, r->all ? "" : " (not only the chosen districts)",
                fin ? "financial" : "calendar", r->qlabel);
    rs_rep_para(r, NULL, "%s The trend of %s to %s is %s.", verdict, f1, f2, change);

    char path[4096];
    rs_rep_img_path(r, path, sizeof path);
    if ((rc = rs_target_chart(r->ctx, t, fin, path)) != RS_OK)
        goto done;
    char alt[1024], cap[512];
    snprintf(alt, sizeof alt,
             "Line chart of KSI casualties by %s year with the target trajectory as a dashed line "
             "from %s at the middle of the %s to %s baseline to %s in %s, the log-linear trend "
             "of %s to %s projected to %s with its 95%% interval shaded, and the target point. "
             "%s",
             fin ? "financial" : "calendar", bl, b1, b2, tg, y, f1, f2, y, verdict);
    snprintf(cap, sizeof cap,
             "KSI by year against the target. The trend assumes a steady percentage change each "
             "year, Poisson variation from year to year and no change in traffic or population; "
             "its band is the 95%% interval of the expected count.");
    if ((rc = rs_rep_embed_png(r, path, alt, cap)) != RS_OK)
        goto done;

    rs_table *tb = rs_table_new("KSI by year against the target", 5,
                                (const char *const[]){"year", "KSI", "target_ksi", "vs_target",
                                                      "trend_ksi"});
    if (tb == NULL) {
        rc = rs_rep_table(r, NULL);
        goto done;
    }
    for (size_t i = 0; i < t->nyears; i++) {
        const rs_target_year *w = &t->years[i];
        char c[5][32] = {"", "", "", "", ""};
        rs_target_year_label(w->year, fin, c[0], 32);
        if (!isnan(w->ksi))
            rs_fmt_fixed(c[1], 32, w->ksi, 0);
        else
            snprintf(c[1], 32, "incomplete");
        if (!isnan(w->target_ksi))
            rs_fmt_fixed(c[2], 32, w->target_ksi, 1);
        if (!isnan(w->target_ksi) && !isnan(w->ksi))
            rs_fmt_signed(c[3], 32, w->ksi - w->target_ksi, 1);
        if (!isnan(w->trend_ksi))
            rs_fmt_fixed(c[4], 32, w->trend_ksi, 1);
        const char *cells[] = {c[0], c[1], c[2], c[3], c[4]};
        if (rs_table_add(tb, cells) != 0) {
            rs_table_free(tb);
            rc = rs_rep_table(r, NULL);
            goto done;
        }
    }
    if ((rc = rs_rep_table(r, tb)) != RS_OK)
        goto done;
    rs_table *pt = NULL;
    if ((rc = rs_target_proj_table(r->ctx, t, fin, &pt)) != RS_OK)
        goto done;
    rc = rs_rep_table(r, pt);
done:
    rs_target_result_free(t);
    if (rc == RS_OK)
        rs_rep_section_close(r);
    return rc;
}
