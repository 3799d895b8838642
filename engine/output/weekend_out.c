/*
 * weekend_out.c — the weekend plan's tables, district layer and score map
 * (see weekend_out.h).
 *
 * Data structure: tables are built row by row from the scores (index =
 * district id, ranked order in s->order) and the plan's picks; the map's
 * labelled copy of the districts (names with plan weekends) lives for
 * one drawing.
 */
#include "weekend_out.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "periods.h"
#include "shpout.h"

#define NCOLS(a) (sizeof a / sizeof a[0])

static int no_memory(rs_ctx *ctx)
{
    return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (weekend tables)");
}

/* ---- tables ------------------------------------------------------------------------ */

static const char *const plan_cols[] = {"weekend", "district", "score", "speed", "harm",
                                        "concerns", "detections", "fleet", "planned",
                                        "probability", "seed", "reason"};
static const char *const rank_cols[] = {
    "rank",          "district",       "code",           "score",
    "base",          "speed",          "harm",           "concerns",
    "detections",    "fleet",          "pings",          "weekend_pings",
    "pings_over",    "weekend_pings_over", "share_over", "ksi",
    "area_km2",      "ksi_per_km2",    "ksi_eb_per_km2", "eb_weight",
    "concern_reports", "concern_places", "concern_places_per_km2", "concern_eb_per_km2",
    "concern_eb_weight", "detection_count", "fleet_minutes", "reason"};

int rs_weekend_plan_table(rs_ctx *ctx, const rs_weekend_scores *s, const rs_weekend_plan *p,
                          const char *caption, rs_table **out)
{
    rs_table *t = rs_table_new(caption, NCOLS(plan_cols), plan_cols);
    *out = NULL;
    if (t == NULL)
        return no_memory(ctx);
    for (size_t k = 0; k < p->n; k++) {
        const rs_weekend_pick *pk = &p->picks[k];
        char day[11], seed[24] = "", prob[24] = "";
        rs_day_label(pk->saturday, day, sizeof day);
        if (p->opts.mode == RS_WEEKEND_UNPREDICTABLE)
            snprintf(seed, sizeof seed, "%llu", (unsigned long long)p->opts.seed);
        if (!isnan(pk->probability))
            snprintf(prob, sizeof prob, "%.4f", pk->probability);
        int rc;
        if (pk->district < 0) {
            rc = rs_table_addf(t, "%s\x1f\x1f" "0.000\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f%s\x1f%s",
                               day, seed, pk->reason);
        } else {
            const rs_weekend_district *d = &s->d[pk->district];
            rc = rs_table_addf(t, "%s\x1f%s\x1f%.3f\x1f%.3f\x1f%.3f\x1f%.3f\x1f%.3f\x1f%.3f\x1f%.0f"
                                  "\x1f%s\x1f%s\x1f%s",
                               day, d->name, pk->score, d->speed, d->harm, d->concern_index,
                               d->detection_index, d->fleet, pk->planned, prob, seed,
                               pk->reason);
        }
        if (rc != 0) {
            rs_table_free(t);
            return no_memory(ctx);
        }
    }
    *out = t;
    return RS_OK;
}

int rs_weekend_rank_table(rs_ctx *ctx, const rs_weekend_scores *s, const char *caption,
                          rs_table **out)
{
    rs_table *t = rs_table_new(caption, NCOLS(rank_cols), rank_cols);
    *out = NULL;
    if (t == NULL)
        return no_memory(ctx);
    for (size_t r = 0; r < s->nranked; r++) {
        const rs_weekend_district *d = &s->d[s->order[r]];
        char share[32] = "";
        if (!isnan(d->share))
            snprintf(share, sizeof share, "%.4f", d->share);
        if (rs_table_addf(t,
                          "%d\x1f%s\x1f%s\x1f%.3f\x1f%.3f\x1f%.3f\x1f%.3f\x1f%.3f\x1f%.3f\x1f%.3f"
                          "\x1f%llu\x1f%llu\x1f%llu\x1f%llu\x1f%s\x1f%llu\x1f%.2f\x1f%.4f\x1f%.4f"
                          "\x1f%.4f\x1f%llu\x1f%llu\x1f%.4f\x1f%.4f\x1f%.4f\x1f%llu\x1f%.1f\x1f%s",
                          d->rank, d->name, d->code, d->score, d->base, d->speed, d->harm,
                          d->concern_index, d->detection_index, d->fleet,
                          (unsigned long long)d->pings, (unsigned long long)d->weekend_pings,
                          (unsigned long long)d->over, (unsigned long long)d->weekend_over, share,
                          (unsigned long long)d->ksi, d->area_km2, d->ksi_rate, d->ksi_eb,
                          d->ksi_weight, (unsigned long long)d->concerns,
                          (unsigned long long)d->concern_places, d->concern_rate, d->concern_eb,
                          d->concern_weight, (unsigned long long)d->detections, d->fleet_minutes,
                          d->reason) != 0) {
            rs_table_free(t);
            return no_memory(ctx);
        }
    }
    *out = t;
    return RS_OK;
}

/* ---- where the windows meet the data ------------------------------------------------ */

/* Appends printf text at *len of buf (size), keeping it terminated. */
static void cat(char *buf, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void cat(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    if (*len >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *len, size - *len, fmt, ap);
    va_end(ap);
    if (w > 0)
        *len = *len + (size_t)w < size ? *len + (size_t)w : size - 1;
}

static void pct(char *buf, size_t size, int64_t part, int64_t whole)
{
    snprintf(buf, size, "%.0f%%", whole > 0 ? 100.0 * (double)part / (double)whole : 0);
}

int rs_weekend_cover_text(const rs_weekend_scores *s, char *buf, size_t size)
{
    size_t len = 0;
    int windows = 0;
    const char *last_window = NULL;
    buf[0] = '\0';
    for (int k = 0; k < RS_WEEKEND_NCOVER; k++) {
        const rs_weekend_cover *c = &s->cover[k];
        int64_t n = c->to - c->from;
        if (rs_weekend_cover_missing(c) == 0 && c->loaded)
            continue;
        windows++;
        if (last_window == NULL || strcmp(last_window, c->window) != 0) {
            char a[11], b[11];
            rs_day_label(c->from, a, sizeof a);
            rs_day_label(c->to - 1, b, sizeof b);
            cat(buf, size, &len, "%s%s %s to %s: ",
                last_window == NULL ? "Outside the data: the " : ". The ", c->window, a, b);
            last_window = c->window;
        } else {
            cat(buf, size, &len, "; ");
        }
        char f[11], l[11], p[16];
        rs_day_label(c->first, f, sizeof f);
        rs_day_label(c->last, l, sizeof l);
        if (!c->loaded) {
            cat(buf, size, &len, "no %s loaded", c->what);
        } else if (c->before >= n || c->after >= n) {
            cat(buf, size, &len, "no %s on any of its %lld days (they %s %s)", c->what,
                (long long)n, c->before >= n ? "start" : "end", c->before >= n ? f : l);
        } else {
            cat(buf, size, &len, "no %s on ", c->what);
            if (c->before > 0) {
                pct(p, sizeof p, c->before, n);
                cat(buf, size, &len, "the first %lld of its %lld days (%s; they start %s)",
                    (long long)c->before, (long long)n, p, f);
            }
            if (c->after > 0) {
                pct(p, sizeof p, c->after, n);
                cat(buf, size, &len, "%sthe last %lld of its %lld days (%s; they end %s)",
                    c->before > 0 ? " nor on " : "", (long long)c->after, (long long)n, p, l);
            }
        }
    }
    if (windows > 0)
        cat(buf, size, &len, ".");
    return windows;
}

void rs_weekend_county_text(const rs_weekend_scores *s, char *buf, size_t size)
{
    snprintf(buf, size,
             "County references: share over the threshold c = %.4f, mean weighted pings over "
             "%.2f; KSI m = %.4f per km², v = %.6f; concern places m = %.4f per km², v = %.6f; "
             "mean detections %.2f; mean patrol presence %.1f minutes",
             s->county_share, s->mean_over, s->ksi_rate, s->ksi_var, s->concern_rate,
             s->concern_var, s->mean_detections, s->mean_fleet);
}

/* ---- district layer and map ---------------------------------------------------- */

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

int rs_weekend_shp_write(rs_ctx *ctx, const rs_districts *dist, const rs_weekend_scores *s,
                         const rs_weekend_plan *p, const char *prefix)
{
    static const rs_shp_field fields[] = {
        {"NAME", RS_FIELD_TEXT, 0},       {"CODE", RS_FIELD_TEXT, 0},
        {"RANK", RS_FIELD_INT, 0},        {"SCORE", RS_FIELD_REAL, 3},
        {"BASE", RS_FIELD_REAL, 3},       {"SPEED", RS_FIELD_REAL, 3},
        {"HARM", RS_FIELD_REAL, 3},       {"CONCERNS", RS_FIELD_REAL, 3},
        {"DETECT", RS_FIELD_REAL, 3},     {"FLEET", RS_FIELD_REAL, 3},
        {"PINGS", RS_FIELD_INT, 0},
        {"PINGS_OVER", RS_FIELD_INT, 0},  {"KSI", RS_FIELD_INT, 0},
        {"KSI_EB_KM2", RS_FIELD_REAL, 4}, {"CONC_N", RS_FIELD_INT, 0},
        {"CONC_PLACE", RS_FIELD_INT, 0},  {"DETECT_N", RS_FIELD_INT, 0},
        {"FLEET_MIN", RS_FIELD_REAL, 1},  {"PLAN", RS_FIELD_TEXT, 0},
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
             fleet[32], pings[24], over[24], ksi[24], eb[32], cn[24], cp[24], dn[24], fm[32],
             plan[256], first[11] = "";
        if (d->rank > 0)
            snprintf(rank, sizeof rank, "%d", d->rank);
        snprintf(score, sizeof score, "%.3f", d->score);
        snprintf(base, sizeof base, "%.3f", d->base);
        snprintf(speed, sizeof speed, "%.3f", d->speed);
        snprintf(harm, sizeof harm, "%.3f", d->harm);
        snprintf(conc, sizeof conc, "%.3f", d->concern_index);
        snprintf(det, sizeof det, "%.3f", d->detection_index);
        snprintf(fleet, sizeof fleet, "%.3f", d->fleet);
        snprintf(cp, sizeof cp, "%llu", (unsigned long long)d->concern_places);
        snprintf(fm, sizeof fm, "%.1f", d->fleet_minutes);
        snprintf(pings, sizeof pings, "%llu", (unsigned long long)d->pings);
        snprintf(over, sizeof over, "%llu", (unsigned long long)d->over);
        snprintf(ksi, sizeof ksi, "%llu", (unsigned long long)d->ksi);
        snprintf(eb, sizeof eb, "%.4f", d->ksi_eb);
        snprintf(cn, sizeof cn, "%llu", (unsigned long long)d->concerns);
        snprintf(dn, sizeof dn, "%llu", (unsigned long long)d->detections);
        plan_positions(p, i, plan, sizeof plan, 40);
        for (size_t k = 0; k < p->n; k++)
            if (p->picks[k].district == (int)i) {
                rs_day_label(p->picks[k].saturday, first, sizeof first);
                break;
            }
        const char *vals[] = {d->name, d->code, rank, score, base, speed, harm, conc, det,
                              fleet, pings, over, ksi, eb, cn, cp, dn, fm, plan, first,
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

int rs_weekend_map(rs_ctx *ctx, const rs_districts *dist, const rs_weekend_scores *s,
                   const rs_weekend_plan *p, const rs_weekend_map_opts *o, const char *path)
{
    return rs_weekend_map_print(ctx, dist, s, p, o, 0, NULL, 0, path);
}

int rs_weekend_map_print(rs_ctx *ctx, const rs_districts *dist, const rs_weekend_scores *s,
                         const rs_weekend_plan *p, const rs_weekend_map_opts *o,
                         double print_mm, const rs_context_layer *const *context,
                         size_t ncontext, const char *path)
{
    double x0, y0, x1, y1;
    rs_districts_extent(dist, &x0, &y0, &x1, &y1);
    rs_map_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.width_px = o->width_px;
    mo.title = o->title;
    mo.subtitle = o->subtitle;
    mo.legend_label = o->legend_label;
    mo.print_mm = print_mm;
    mo.attribution = "Telematics, STATS19 KSI casualties, concerns and detections from the "
                     "workspace. Made with roadsafe.";
    rs_districts *lab = NULL;
    rs_map *m = rs_map_new(ctx, x0, y0, x1, y1, &mo);
    if (m == NULL)
        return rs_ctx_err(ctx)->code ? rs_ctx_err(ctx)->code : RS_ERR;
    int rc = 0;
    size_t nd = rs_districts_count(dist);
    for (size_t i = 0; i < s->n && i < nd && rc == 0; i++)
        rc = rs_map_fill(m, rs_districts_geom(dist, i), s->d[i].excluded ? NAN : s->d[i].score);
    if (rc == 0 && o->plan_labels)
        rc = labelled_districts(ctx, dist, p, &lab);
    if (rc == 0)
        rc = rs_map_districts(m, lab ? lab : dist, 1);
    for (size_t k = 0; rc == 0 && k < ncontext; k++)
        rc = rs_map_context(m, context[k]);
    if (rc == 0)
        rc = rs_map_write_png(m, path);
    rs_districts_free(lab);
    rs_map_free(m);
    return rc;
}
