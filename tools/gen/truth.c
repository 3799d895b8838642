/*
 * truth.c — truth.json: what roadsafe-gen planted and what it wrote, for
 * checking the engine's answers against.
 *
 * What: seed, scale, periods, row counts of every file (one per line under
 * "rows", easy to grep), districts with codes, hot spots (planted and
 * realised over-threshold shares, pings inside), reoffending cohorts
 * (planted probability, index vehicles, realised reoffended-within-365-
 * days count and rate computed from the detections as written), KSI
 * casualties per calendar quarter (recorded, adjusted, expected under the
 * planted trend), collisions and casualties by severity per year, the
 * weekend operation plan and the concern sources.
 *
 * Data structure: a tiny hand-written JSON writer (indentation, comma
 * bookkeeping, string escaping) over stdio; numbers with fixed decimals so
 * the text is the same on every run.
 * Workload: one file of a few tens of kB.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gen.h"

typedef struct jw {
    FILE *f;
    int depth;
    int first[32];
} jw;

static void j_indent(jw *j)
{
    fputc('\n', j->f);
    for (int i = 0; i <= j->depth; i++)
        fputs("  ", j->f);
}

static void j_string(jw *j, const char *s)
{
    fputc('"', j->f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(j->f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", j->f);
        else if (*p < 0x20)
            fprintf(j->f, "\\u%04x", *p);
        else
            fputc(*p, j->f);
    }
    fputc('"', j->f);
}

/* Separator, newline and key (key NULL inside arrays). */
static void j_item(jw *j, const char *key)
{
    if (!j->first[j->depth])
        fputc(',', j->f);
    j->first[j->depth] = 0;
    j_indent(j);
    if (key) {
        j_string(j, key);
        fputs(": ", j->f);
    }
}

static void j_open(jw *j, const char *key, char brace)
{
    if (j->depth >= 0)
        j_item(j, key);
    fputc(brace, j->f);
    j->depth++;
    j->first[j->depth] = 1;
}

static void j_close(jw *j, char brace)
{
    int empty = j->first[j->depth];
    j->depth--;
    if (!empty)
        j_indent(j);
    fputc(brace, j->f);
}

static void j_str(jw *j, const char *key, const char *v)
{
    j_item(j, key);
    j_string(j, v);
}

static void j_int(jw *j, const char *key, long long v)
{
    j_item(j, key);
    fprintf(j->f, "%lld", v);
}

static void j_num(jw *j, const char *key, double v, int decimals)
{
    j_item(j, key);
    fprintf(j->f, "%.*f", decimals, v);
}

static void j_bool(jw *j, const char *key, int v)
{
    j_item(j, key);
    fputs(v ? "true" : "false", j->f);
}

static void j_strf(jw *j, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void j_strf(jw *j, const char *key, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    j_str(j, key, buf);
}

static double ratio(long long a, long long b) { return b ? (double)a / (double)b : 0.0; }

static void period(jw *j, const char *key, const char *from, const char *to)
{
    j_open(j, key, '{');
    j_str(j, "from_local", from);
    j_str(j, "to_local", to);
    j_close(j, '}');
}

static void write_rows(jw *j, const gen_world *w)
{
    const gen_truth *t = &w->truth;
    j_open(j, "rows", '{');
    j_int(j, "telematics.csv", t->rows_telematics);
    j_int(j, "fleet.csv", t->rows_fleet);
    j_int(j, "detections.csv", t->rows_detections);
    j_int(j, "collisions.csv", t->rows_collisions);
    j_int(j, "casualties.csv", t->rows_casualties);
    j_int(j, "concerns.csv", t->rows_concerns);
    j_int(j, "districts.shp", GEN_NDISTRICTS);
    j_close(j, '}');
}

static void write_districts(jw *j, const gen_world *w)
{
    j_open(j, "districts", '[');
    for (int k = 0; k < GEN_NDISTRICTS; k++) {
        const gen_district *d = &w->county.d[k];
        int nh = 0;
        for (int h = 0; h < GEN_NHOT; h++)
            nh += w->hot[h].district == k;
        j_open(j, NULL, '{');
        j_str(j, "code", d->code);
        j_str(j, "name", d->name);
        j_num(j, "area_km2", d->area_m2 / 1e6, 1);
        j_int(j, "main_town_easting", (long long)d->sx);
        j_int(j, "main_town_northing", (long long)d->sy);
        j_bool(j, "unitary_highway_authority", d->unitary);
        j_int(j, "hot_spots", nh);
        j_close(j, '}');
    }
    j_close(j, ']');
}

static void write_hotspots(jw *j, const gen_world *w)
{
    const gen_truth *t = &w->truth;
    j_str(j, "enforcement_threshold", "speed_mph >= limit_mph * 1.1 + 2, i.e. 10*speed >= 11*limit + 20");
    j_open(j, "hot_spots", '[');
    for (int i = 0; i < GEN_NHOT; i++) {
        const gen_hotspot *h = &w->hot[i];
        j_open(j, NULL, '{');
        j_int(j, "id", h->id);
        j_bool(j, "dominant", i == 0);
        j_int(j, "easting", (long long)h->x);
        j_int(j, "northing", (long long)h->y);
        j_int(j, "radius_m", (long long)h->r);
        j_str(j, "district", w->county.d[h->district].name);
        j_str(j, "district_code", w->county.d[h->district].code);
        j_int(j, "limit_mph", h->limit);
        j_num(j, "planted_over_threshold_share", h->share, 2);
        j_int(j, "pings", h->pings);
        j_int(j, "pings_over_threshold", h->over);
        j_num(j, "realised_over_threshold_share", ratio(h->over, h->pings), 4);
        j_int(j, "concerns_within_1km", h->concerns);
        j_close(j, '}');
    }
    j_close(j, ']');
    j_open(j, "telematics", '{');
    j_int(j, "pings", t->rows_telematics);
    j_int(j, "ping_interval_s", 10);
    j_int(j, "trips", t->traffic_trips);
    j_int(j, "hot_spot_trips", t->hot_trips);
    j_open(j, "outside_hot_spots", '{');
    j_int(j, "pings", t->bg_pings);
    j_int(j, "pings_over_threshold", t->bg_over);
    j_num(j, "over_threshold_share", ratio(t->bg_over, t->bg_pings), 4);
    j_close(j, '}');
    j_open(j, "by_limit", '[');
    for (int k = 0; k < 6; k++) {
        j_open(j, NULL, '{');
        j_int(j, "limit_mph", 20 + 10 * k);
        j_int(j, "pings", t->pings_by_limit[k]);
        j_int(j, "pings_over_threshold", t->over_by_limit[k]);
        j_close(j, '}');
    }
    j_close(j, ']');
    j_close(j, '}');
}

static void cohort(jw *j, const char *name, const gen_cohort_truth *c)
{
    j_open(j, NULL, '{');
    j_str(j, "index_device", name);
    j_num(j, "planted_probability", c->planted, 4);
    j_int(j, "index_vehicles", c->index_vehicles);
    j_int(j, "reoffended_within_365d", c->reoffended);
    j_num(j, "realised_rate", ratio(c->reoffended, c->index_vehicles), 4);
    j_int(j, "second_detection_within_24h", c->same_episode);
    j_int(j, "caught_again_only_after_365d", c->late_only);
    j_close(j, '}');
}

static void write_reoffending(jw *j, const gen_world *w)
{
    const gen_truth *t = &w->truth;
    j_open(j, "reoffending", '{');
    j_str(j, "definition",
          "cohort = vehicles (normalised VRM) whose first detection is in 2019 local, by the device "
          "type of that index detection; reoffence = a later detection by any device more than 24 h "
          "and at most 365 days (365*86400 s) after the index detection");
    j_str(j, "planted_timing",
          "reoffence at index + uniform[26 h, 365 d - 2 h] (a 2 h margin at both ends); second "
          "detections in the same episode at index + 10 min..20 h; late ones after 365 d + 2 h");
    j_open(j, "cohorts", '[');
    gen_cohort_truth other = {0};
    for (int k = 0; k < GEN_NDEV; k++) {
        cohort(j, gen_dev_names[k], &t->cohort[k]);
        if (k >= GEN_DEV_HADECS3) {
            other.planted = t->cohort[k].planted;
            other.index_vehicles += t->cohort[k].index_vehicles;
            other.reoffended += t->cohort[k].reoffended;
            other.same_episode += t->cohort[k].same_episode;
            other.late_only += t->cohort[k].late_only;
        }
    }
    cohort(j, "OTHER_FIXED_COMBINED", &other);
    j_close(j, ']');
    j_int(j, "vehicles_first_detected_2020", t->det_bg_vehicles);
    j_close(j, '}');
    j_open(j, "detections", '{');
    j_int(j, "rows", t->rows_detections);
    j_int(j, "vehicles", t->det_vehicles);
    j_open(j, "by_device_type", '{');
    for (int k = 0; k < GEN_NDEV; k++)
        j_int(j, gen_dev_names[k], t->det_by_device[k]);
    j_close(j, '}');
    j_open(j, "sites_by_device_type", '{');
    for (int k = 0; k < GEN_NDEV; k++)
        j_int(j, gen_dev_names[k], t->sites_by_device[k]);
    j_close(j, '}');
    j_open(j, "vrm_written", '{');
    j_int(j, "as_is", t->det_plate_variants[0]);
    j_int(j, "lower_case", t->det_plate_variants[1]);
    j_int(j, "no_space", t->det_plate_variants[2]);
    j_int(j, "lower_case_no_space", t->det_plate_variants[3]);
    j_int(j, "vehicles_with_prefix_or_suffix_plates", t->det_old_plates);
    j_close(j, '}');
    j_close(j, '}');
}

static void write_stats19(jw *j, const gen_world *w)
{
    const gen_truth *t = &w->truth;
    j_open(j, "stats19", '{');
    j_strf(j, "volume",
           "%.0f collisions a year at scale 1 in 2015 (about 0.8 of Essex's real ~3,600), times "
           "sqrt(scale), times 0.97 a year",
           2900.0);
    j_str(j, "planted_ksi",
          "P(KSI) per casualty = 0.25 * (1 + 0.12 sin(2 pi (month - 4) / 12)); collisions per month "
          "~ Poisson(2900/12 * sqrt(scale) * season[month] * 0.97^(years since Jan 2015)); so KSI "
          "casualties drift down 3 % a year with a summer peak");
    j_num(j, "trend_factor_per_year", 0.97, 2);
    j_open(j, "collisions_by_severity", '[');
    for (int y = 0; y < GEN_NYEARS; y++) {
        j_open(j, NULL, '{');
        j_int(j, "year", GEN_Y0 + y);
        j_int(j, "fatal", t->coll_sev[y][1]);
        j_int(j, "serious", t->coll_sev[y][2]);
        j_int(j, "slight", t->coll_sev[y][3]);
        j_close(j, '}');
    }
    j_close(j, ']');
    j_open(j, "casualties_by_severity", '[');
    for (int y = 0; y < GEN_NYEARS; y++) {
        j_open(j, NULL, '{');
        j_int(j, "year", GEN_Y0 + y);
        j_int(j, "fatal", t->cas_sev[y][1]);
        j_int(j, "serious", t->cas_sev[y][2]);
        j_int(j, "slight", t->cas_sev[y][3]);
        j_int(j, "ksi", t->cas_sev[y][1] + t->cas_sev[y][2]);
        j_close(j, '}');
    }
    j_close(j, ']');
    j_open(j, "ksi_casualties_by_quarter", '[');
    for (int y = 0; y < GEN_NYEARS; y++)
        for (int q = 0; q < 4; q++) {
            j_open(j, NULL, '{');
            j_int(j, "year", GEN_Y0 + y);
            j_int(j, "quarter", q + 1);
            j_int(j, "ksi", t->ksi_q[y][q]);
            j_num(j, "adjusted_ksi", t->adj_ksi_q[y][q], 3);
            j_num(j, "expected_ksi_planted", t->exp_ksi_q[y][q], 2);
            j_close(j, '}');
        }
    j_close(j, ']');
    j_open(j, "missing_location", '{');
    j_int(j, "empty_fields", t->coll_missing_empty);
    j_int(j, "minus_one", t->coll_missing_minus1);
    j_close(j, '}');
    j_close(j, '}');
}

static void date_str(char *buf, size_t n, int y, int m, int d)
{
    snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
}

static void write_fleet(jw *j, const gen_world *w)
{
    const gen_plan *p = &w->plan;
    const gen_truth *t = &w->truth;
    j_open(j, "fleet", '{');
    j_int(j, "rows", t->rows_fleet);
    j_int(j, "ping_interval_s", 30);
    j_str(j, "weekend_window", "Friday 18:00 to Sunday 23:59 local");
    j_str(j, "district_rule",
          "each weekend one district, drawn with weight 1 + 30 * sum over its hot spots of "
          "(planted share * hot-spot trip weight)");
    j_open(j, "district_weights", '{');
    for (int k = 0; k < GEN_NDISTRICTS; k++) {
        double wt = 1;
        for (int h = 0; h < GEN_NHOT; h++)
            if (w->hot[h].district == k)
                wt += 30 * w->hot[h].share * w->hot[h].weight;
        j_num(j, w->county.d[k].name, wt, 3);
    }
    j_close(j, '}');
    j_int(j, "weekend_pings", t->fleet_weekend_pings);
    j_int(j, "weekday_pings", t->fleet_weekday_pings);
    j_int(j, "weekday_patrols", p->weekday_patrols);
    j_int(j, "weekday_patrols_in_fleet_csv", p->weekday_patrols_in_file);
    j_open(j, "weekend_plan", '[');
    for (int i = 0; i < p->nwk; i++) {
        const gen_weekend *wk = &p->wk[i];
        char date[32];
        date_str(date, sizeof date, wk->y, wk->m, wk->d);
        j_open(j, NULL, '{');
        j_str(j, "saturday", date);
        j_str(j, "district", w->county.d[wk->district].name);
        j_str(j, "district_code", w->county.d[wk->district].code);
        j_open(j, "vehicles", '[');
        for (int v = 0; v < wk->nveh; v++) {
            char cs[24];
            snprintf(cs, sizeof cs, "EX-RP-%02d", wk->veh[v] + 1);
            j_str(j, NULL, cs);
        }
        j_close(j, ']');
        j_num(j, "patrol_hours", wk->patrol_s / 3600, 2);
        j_num(j, "trucam_session_hours", wk->park_s / 3600, 2);
        j_bool(j, "in_fleet_csv", wk->in_fleet);
        j_int(j, "fleet_pings", wk->pings);
        j_int(j, "trucam_detections", wk->trucam_det);
        j_int(j, "detections_in_district_in_window", wk->all_det_in_district);
        j_close(j, '}');
    }
    j_close(j, ']');
    j_close(j, '}');
}

int gen_truth_write(gen_world *w)
{
    char path[1100];
    int rc = gen_path(w, path, sizeof path, "truth.json");
    if (rc)
        return rc;
    jw j = {.depth = -1};
    j.f = fopen(path, "wb");
    if (j.f == NULL)
        return rs_err_set(gen_err(w), RS_EIO, "cannot create %s: %s", path, strerror(errno));
    j_open(&j, NULL, '{');
    j_str(&j, "generator", "roadsafe-gen");
    j_strf(&j, "seed", "%llu", (unsigned long long)w->seed);
    j_num(&j, "scale", w->scale, 4);
    j_open(&j, "crs", '{');
    j_str(&j, "districts", "EPSG:27700");
    j_str(&j, "csv_lat_lon", "EPSG:4326");
    j_str(&j, "transformation", rs_crs_describe(w->to_wgs));
    j_close(&j, '}');
    j_open(&j, "periods", '{');
    period(&j, "telematics", "2020-01-01", "2020-12-31");
    period(&j, "fleet", "2020-01-01", "2020-12-31");
    period(&j, "concerns", "2020-01-01", "2020-12-31");
    period(&j, "detections", "2019-01-01", "2020-12-31");
    period(&j, "reoffending_index", "2019-01-01", "2019-12-31");
    period(&j, "stats19", "2015-01-01", "2020-12-31");
    period(&j, "weekend_plan", "2019-01-01", "2020-12-31");
    j_close(&j, '}');
    write_rows(&j, w);
    write_districts(&j, w);
    write_hotspots(&j, w);
    write_reoffending(&j, w);
    write_stats19(&j, w);
    write_fleet(&j, w);
    j_open(&j, "concerns", '{');
    j_int(&j, "rows", w->truth.rows_concerns);
    j_open(&j, "by_source", '{');
    static const char *const src[4] = {"CSW", "public", "council", "other"};
    for (int i = 0; i < 4; i++)
        j_int(&j, src[i], w->truth.concerns_by_source[i]);
    j_close(&j, '}');
    j_close(&j, '}');
    j_close(&j, '}');
    fputc('\n', j.f);
    int bad = ferror(j.f);
    bad |= fclose(j.f) != 0;
    if (bad)
        return rs_err_set(gen_err(w), RS_EIO, "cannot write %s: %s", path, strerror(errno));
    return RS_OK;
}
