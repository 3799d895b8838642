/*
 * export.c — shapefile layers (see export.h).
 *
 * Point layers are one SQL query each: the query returns easting,
 * northing and then every DBF value as text, already formatted, so the
 * layer's fields and its query sit side by side in one table below.
 * The districts layer adds the period's metrics, computed here: pings,
 * speeding shares and an exact 85th percentile (a 0.01 mph histogram per
 * district) from the stored telematics, KSI casualties, detections by
 * device type and concerns.
 */
#include "export.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs.h"
#include "devices.h"
#include "district.h"
#include "pingscan.h"
#include "shpout.h"
#include "store.h"
#include "timeutil.h"

int rs_layer_parse(const char *s, rs_layer *out)
{
    static const char *const names[] = {"districts", "detections", "collisions", "concerns"};
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (rs_layer)i;
            return 0;
        }
    return -1;
}

/* ---- reprojection ---------------------------------------------------------- */

static int to_wgs84(double *x, double *y, void *user)
{
    return rs_crs_trans((rs_crs *)user, x, y, 1) == 0 ? 1 : 0;
}

/* The geometry in the output CRS: g itself (borrowed) for 27700, else a new
 * reprojected copy in *owned. */
static const GEOSGeometry *in_crs(rs_geo *geo, rs_crs *inv, const GEOSGeometry *g,
                                  GEOSGeometry **owned)
{
    *owned = NULL;
    if (inv == NULL)
        return g;
    *owned = GEOSGeom_transformXY_r(rs_geo_geos(geo), g, to_wgs84, inv);
    return *owned;
}

/* ---- point layers -------------------------------------------------------------- */

typedef struct point_layer {
    const char *what;
    const rs_shp_field *fields;
    size_t nfields;
    const char *sql; /* ?1 from, ?2 to (UTC), ?3 from, ?4 to (local dates), ?5 district */
    const char *skipped_sql; /* counts the rows left out, or NULL */
} point_layer;

static const rs_shp_field detection_fields[] = {
    {"DET_ID", RS_FIELD_TEXT, 0},    {"DATE", RS_FIELD_DATE, 0},
    {"TIME_UTC", RS_FIELD_TEXT, 0},  {"DEVICE", RS_FIELD_TEXT, 0},
    {"DEVICE_ID", RS_FIELD_TEXT, 0}, {"SITE_ID", RS_FIELD_TEXT, 0},
    {"SPEED_MPH", RS_FIELD_REAL, 2}, {"LIMIT_MPH", RS_FIELD_INT, 0},
    {"EXCESS", RS_FIELD_REAL, 2},    {"OVER_THR", RS_FIELD_INT, 0},
    {"DISTRICT", RS_FIELD_TEXT, 0},  {"VEHICLE", RS_FIELD_TEXT, 0},
};

static const rs_shp_field collision_fields[] = {
    {"COLL_INDEX", RS_FIELD_TEXT, 0}, {"DATE", RS_FIELD_DATE, 0},
    {"TIME_UTC", RS_FIELD_TEXT, 0},   {"SEVERITY", RS_FIELD_INT, 0},
    {"SEV_LABEL", RS_FIELD_TEXT, 0},  {"FATAL", RS_FIELD_INT, 0},
    {"SERIOUS", RS_FIELD_INT, 0},     {"SLIGHT", RS_FIELD_INT, 0},
    {"CASUALTIES", RS_FIELD_INT, 0},  {"VEHICLES", RS_FIELD_INT, 0},
    {"SPEED_LIM", RS_FIELD_INT, 0},   {"DISTRICT", RS_FIELD_TEXT, 0},
    {"ONS_DIST", RS_FIELD_TEXT, 0},
};

static const rs_shp_field concern_fields[] = {
    {"DATE", RS_FIELD_DATE, 0},
    {"TIME_UTC", RS_FIELD_TEXT, 0},
    {"SOURCE", RS_FIELD_TEXT, 0},
    {"DISTRICT", RS_FIELD_TEXT, 0},
};

/* UK local date of a UTC instant in SQL: BST by the same rule as timeutil
 * is not available in SQLite, so local dates are computed in C for
 * detections and concerns (see local_date below); the query returns t. */
static const point_layer layers[] = {
    [RS_LAYER_DETECTIONS] =
        {"detections", detection_fields, sizeof detection_fields / sizeof detection_fields[0],
         "SELECT d.e, d.n, d.t, d.detection_id, d.device_type, d.device_id, d.site_id, "
         "printf('%.2f', d.speed_cmph / 100.0), d.limit_mph, "
         "printf('%.2f', max(d.speed_cmph - d.limit_mph * 100, 0) / 100.0), "
         RS_OVER_THRESHOLD_SQL("d.speed_cmph", "d.limit_mph") ", coalesce(s.name, ''), "
         "lower(hex(d.vehicle)) FROM detection d LEFT JOIN district s ON s.id = d.district_id "
         "WHERE d.t >= ?1 AND d.t < ?2 AND (?5 < 0 OR d.district_id = ?5) "
         "ORDER BY d.t, d.detection_id",
         NULL},
    [RS_LAYER_COLLISIONS] =
        {"collisions", collision_fields, sizeof collision_fields / sizeof collision_fields[0],
         "SELECT c.e, c.n, NULL, c.collision_index, c.local_date, "
         "CASE WHEN c.t IS NULL THEN '' ELSE strftime('%Y-%m-%dT%H:%M:%SZ', c.t, 'unixepoch') END, "
         "c.severity, CASE c.severity WHEN 1 THEN 'fatal' WHEN 2 THEN 'serious' ELSE 'slight' END, "
         "(SELECT count(*) FROM casualty k WHERE k.collision_index = c.collision_index AND k.severity = 1), "
         "(SELECT count(*) FROM casualty k WHERE k.collision_index = c.collision_index AND k.severity = 2), "
         "(SELECT count(*) FROM casualty k WHERE k.collision_index = c.collision_index AND k.severity = 3), "
         "coalesce(c.casualties, ''), coalesce(c.vehicles, ''), coalesce(c.speed_limit, ''), "
         "coalesce(s.name, ''), coalesce(c.ons_district, '') "
         "FROM collision c LEFT JOIN district s ON s.id = c.district_id "
         "WHERE c.e IS NOT NULL AND c.local_date >= ?3 AND c.local_date <= ?4 "
         "AND (?5 < 0 OR c.district_id = ?5) ORDER BY c.local_date, c.collision_index",
         "SELECT count(*) FROM collision c WHERE c.e IS NULL AND c.local_date >= ?3 AND "
         "c.local_date <= ?4 AND ?5 < 0"},
    [RS_LAYER_CONCERNS] =
        {"concerns", concern_fields, sizeof concern_fields / sizeof concern_fields[0],
         "SELECT c.e, c.n, c.t, c.source, coalesce(s.name, '') FROM concern c "
         "LEFT JOIN district s ON s.id = c.district_id "
         "WHERE c.t >= ?1 AND c.t < ?2 AND (?5 < 0 OR c.district_id = ?5) ORDER BY c.t, c.id",
         NULL},
};

static void local_date(int64_t t, char *buf, size_t size)
{
    rs_tm tm;
    rs_time_london(t, &tm);
    snprintf(buf, size, "%04d-%02d-%02d", tm.year, tm.month, tm.day);
}

static void bind_period(sqlite3_stmt *st, const rs_export_opts *o)
{
    char d0[16] = "0000-00-00", d1[16] = "9999-99-99";
    if (o->from != INT64_MIN)
        local_date(o->from, d0, sizeof d0);
    if (o->to != INT64_MAX)
        local_date(o->to - 1, d1, sizeof d1);
    sqlite3_bind_int64(st, 1, o->from);
    sqlite3_bind_int64(st, 2, o->to);
    sqlite3_bind_text(st, 3, d0, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, d1, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 5, o->district);
}

static int export_points(rs_ctx *ctx, const point_layer *L, const rs_export_opts *o,
                         rs_crs *inv, int64_t *written, int64_t *skipped)
{
    rs_geo *g = rs_ctx_geo(ctx);
    GEOSContextHandle_t h = rs_geo_geos(g);
    sqlite3_stmt *st = NULL;
    rs_shpout *w = NULL;
    int rc = rs_shpout_new(g, o->prefix, RS_SHP_POINTS, o->epsg, L->fields, L->nfields, &w);
    if (rc != 0)
        return rc;
    if (sqlite3_prepare_v2(rs_ctx_db(ctx), L->sql, -1, &st, NULL) != SQLITE_OK) {
        rc = rs_store_fail(ctx, L->what);
        goto fail;
    }
    bind_period(st, o);
    const char *vals[16];
    char date[16], time_utc[24];
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        double x = sqlite3_column_double(st, 0), y = sqlite3_column_double(st, 1);
        if (inv && rs_crs_trans(inv, &x, &y, 1) != 0) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_ERR, "%s: a point cannot be reprojected",
                            L->what);
            goto fail;
        }
        size_t k = 0;
        int col = 3;
        if (sqlite3_column_type(st, 2) != SQLITE_NULL) { /* a UTC instant: date + time */
            int64_t t = sqlite3_column_int64(st, 2);
            local_date(t, date, sizeof date);
            rs_time_format_utc(t, time_utc, sizeof time_utc);
            if (L->fields == detection_fields) {
                vals[k++] = rs_store_text(st, col++); /* DET_ID first */
            }
            vals[k++] = date;
            vals[k++] = time_utc;
        }
        while (k < L->nfields)
            vals[k++] = rs_store_text(st, col++);
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, x, y);
        if (pt == NULL) {
            rc = rs_geo_fail(g, RS_ERR, "point");
            goto fail;
        }
        rc = rs_shpout_add(w, pt, vals);
        GEOSGeom_destroy_r(h, pt);
        if (rc != 0)
            goto fail;
        (*written)++;
    }
    if (step != SQLITE_DONE) {
        rc = rs_store_fail(ctx, L->what);
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (L->skipped_sql) {
        if (sqlite3_prepare_v2(rs_ctx_db(ctx), L->skipped_sql, -1, &st, NULL) != SQLITE_OK) {
            rc = rs_store_fail(ctx, L->what);
            goto fail;
        }
        bind_period(st, o);
        if (sqlite3_step(st) != SQLITE_ROW) { /* a count: always one row */
            rc = rs_store_fail(ctx, L->what);
            goto fail;
        }
        *skipped = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        st = NULL;
    }
    return rs_shpout_commit(w);
fail:
    sqlite3_finalize(st);
    rs_shpout_abort(w);
    return rc ? rc : RS_ERR;
}

/* ---- districts with metrics --------------------------------------------------- */

#define SPEED_BINS 20001 /* 0.00 .. 200.00 mph */

typedef struct dist_acc {
    size_t n;
    uint64_t *pings, *speeding, *over;
    uint32_t *hist; /* n * SPEED_BINS */
} dist_acc;

static int dist_visit(void *user, const rs_ping *p, size_t n)
{
    dist_acc *a = user;
    for (size_t k = 0; k < n; k++) {
        int d = p[k].district;
        if (d < 0 || (size_t)d >= a->n)
            continue;
        a->pings[d]++;
        a->speeding[d] += (uint64_t)rs_ping_speeding(p[k].speed, p[k].limit);
        a->over[d] += (uint64_t)rs_ping_over_threshold(p[k].speed, p[k].limit);
        a->hist[(size_t)d * SPEED_BINS + (p[k].speed < SPEED_BINS ? p[k].speed : SPEED_BINS - 1)]++;
    }
    return 0;
}

/* 85th percentile (type 7) from a histogram of 0.01 mph bins. */
static double hist_p85(const uint32_t *hist, uint64_t n)
{
    if (n == 0)
        return NAN;
    double hpos = 0.85 * (double)(n - 1);
    uint64_t lo = (uint64_t)hpos;
    double frac = hpos - (double)lo;
    uint64_t seen = 0;
    double a = NAN, b = NAN;
    for (int v = 0; v < SPEED_BINS; v++) {
        uint64_t c = hist[v];
        if (c == 0)
            continue;
        if (isnan(a) && seen + c > lo)
            a = v;
        if (seen + c > lo + 1 || (seen + c > lo && lo + 1 >= n)) {
            b = v;
            break;
        }
        seen += c;
    }
    if (isnan(b))
        b = a;
    return (a + frac * (b - a)) / 100.0;
}

static int query_counts(rs_ctx *ctx, const char *sql, const rs_export_opts *o, size_t n,
                        int64_t *out, const char *key)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(rs_ctx_db(ctx), sql, -1, &st, NULL) != SQLITE_OK)
        return rs_store_fail(ctx, "district metrics");
    bind_period(st, o);
    if (key)
        sqlite3_bind_text(st, 6, key, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t d = sqlite3_column_int64(st, 0);
        if (sqlite3_column_type(st, 0) != SQLITE_NULL && d >= 0 && (size_t)d < n)
            out[d] = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? 0 : rs_store_fail(ctx, "district metrics");
}

/* DBF field of each device type's count (at most 10 characters). */
static const char *const det_fields[RS_NDEVICES] = {
    [RS_DEV_TRUCAM] = "DET_TRUCAM", [RS_DEV_GATSO] = "DET_GATSO",
    [RS_DEV_HADECS3] = "DET_HADECS", [RS_DEV_SPECS] = "DET_SPECS",
    [RS_DEV_REDSPEED] = "DET_REDSPD", [RS_DEV_VECTOR] = "DET_VECTOR",
    [RS_DEV_OTHER] = "DET_OTHER"};
#define N_DET RS_NDEVICES

/* Which sources the workspace holds at all: a figure from a source never
 * loaded is null in the layer ("not loaded"), not 0; a source loaded but
 * with nothing in the period or district is a true 0. */
typedef struct loaded {
    int pings, casualties, detections, concerns;
} loaded;

static int sources_loaded(rs_ctx *ctx, loaded *l)
{
    static const char *const q[] = {
        "SELECT EXISTS (SELECT 1 FROM ping_chunk WHERE source = 'traffic')",
        "SELECT EXISTS (SELECT 1 FROM casualty)", "SELECT EXISTS (SELECT 1 FROM detection)",
        "SELECT EXISTS (SELECT 1 FROM concern)"};
    int *dst[] = {&l->pings, &l->casualties, &l->detections, &l->concerns};
    for (size_t k = 0; k < 4; k++) {
        int64_t v = 0;
        int rc = rs_store_query_int(ctx, q[k], &v);
        if (rc != 0)
            return rc;
        *dst[k] = v != 0;
    }
    return 0;
}

static int export_districts(rs_ctx *ctx, const rs_export_opts *o, rs_crs *inv, int64_t *written)
{
    rs_geo *g = rs_ctx_geo(ctx);
    rs_districts *d = NULL;
    dist_acc a = {0};
    rs_shpout *w = NULL;
    int64_t *ksi = NULL, *killed = NULL, *concerns = NULL, *det = NULL;
    int rc = rs_store_districts_read(ctx, &d);
    if (rc != 0)
        return rc;
    if (d == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOTFOUND,
                          "no districts loaded (roadsafe districts load FILE.shp ...)");
    size_t n = rs_districts_count(d);
    a.n = n;
    a.pings = calloc(n, sizeof *a.pings);
    a.speeding = calloc(n, sizeof *a.speeding);
    a.over = calloc(n, sizeof *a.over);
    a.hist = calloc(n * SPEED_BINS, sizeof *a.hist);
    ksi = calloc(n, sizeof *ksi);
    killed = calloc(n, sizeof *killed);
    concerns = calloc(n, sizeof *concerns);
    det = calloc(n * N_DET, sizeof *det);
    if (!a.pings || !a.speeding || !a.over || !a.hist || !ksi || !killed || !concerns || !det) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        goto done;
    }
    loaded have;
    if ((rc = sources_loaded(ctx, &have)) != 0)
        goto done;
    rs_ping_filter f;
    rs_ping_filter_init(&f);
    f.from = o->from;
    f.to = o->to;
    if ((rc = rs_pings_scan(ctx, &f, dist_visit, &a)) != 0)
        goto done;
    if ((rc = query_counts(ctx,
                           "SELECT c.district_id, count(*) FROM casualty k JOIN collision c "
                           "USING(collision_index) WHERE k.severity <= 2 AND c.local_date >= ?3 "
                           "AND c.local_date <= ?4 AND ?5 = ?5 GROUP BY 1",
                           o, n, ksi, NULL)) != 0 ||
        (rc = query_counts(ctx,
                           "SELECT c.district_id, count(*) FROM casualty k JOIN collision c "
                           "USING(collision_index) WHERE k.severity = 1 AND c.local_date >= ?3 "
                           "AND c.local_date <= ?4 AND ?5 = ?5 GROUP BY 1",
                           o, n, killed, NULL)) != 0 ||
        (rc = query_counts(ctx,
                           "SELECT district_id, count(*) FROM concern WHERE t >= ?1 AND t < ?2 "
                           "AND ?3 = ?3 AND ?4 = ?4 AND ?5 = ?5 GROUP BY 1",
                           o, n, concerns, NULL)) != 0)
        goto done;
    for (int k = 0; k < N_DET; k++) {
        int64_t *col = calloc(n, sizeof *col);
        if (col == NULL) {
            rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
            goto done;
        }
        rc = query_counts(ctx,
                          "SELECT district_id, count(*) FROM detection WHERE t >= ?1 AND t < ?2 "
                          "AND ?3 = ?3 AND ?4 = ?4 AND ?5 = ?5 AND device_type = ?6 GROUP BY 1",
                          o, n, col, rs_device_name(k));
        for (size_t i = 0; i < n; i++)
            det[i * N_DET + (size_t)k] = col[i];
        free(col);
        if (rc != 0)
            goto done;
    }
    rs_shp_field fields[32];
    size_t nf = 0;
    const rs_shp_field base[] = {
        {"CODE", RS_FIELD_TEXT, 0},      {"NAME", RS_FIELD_TEXT, 0},
        {"AREA_KM2", RS_FIELD_REAL, 2},  {"PINGS", RS_FIELD_INT, 0},
        {"SHR_SPEED", RS_FIELD_REAL, 2}, {"SHR_OVER", RS_FIELD_REAL, 2},
        {"P85_MPH", RS_FIELD_REAL, 2},   {"KSI", RS_FIELD_INT, 0},
        {"KILLED", RS_FIELD_INT, 0},     {"DET_TOTAL", RS_FIELD_INT, 0},
    };
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
        fields[nf++] = base[i];
    for (int k = 0; k < N_DET; k++)
        fields[nf++] = (rs_shp_field){det_fields[k], RS_FIELD_INT, 0};
    fields[nf++] = (rs_shp_field){"CONCERNS", RS_FIELD_INT, 0};
    if (o->extra_name) /* always, null when there is no value */
        fields[nf++] = (rs_shp_field){o->extra_name, RS_FIELD_REAL, 3};
    if ((rc = rs_shpout_new(g, o->prefix, RS_SHP_POLYGONS, o->epsg, fields, nf, &w)) != 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        if (o->district >= 0 && (size_t)o->district != i)
            continue;
        char buf[32][40];
        const char *vals[32];
        size_t k = 0;
        vals[k++] = rs_districts_code(d, i);
        vals[k++] = rs_districts_name(d, i);
        snprintf(buf[k], sizeof buf[k], "%.2f", rs_districts_area_m2(d, i) / 1e6);
        vals[k] = buf[k], k++;
        snprintf(buf[k], sizeof buf[k], "%llu", (unsigned long long)a.pings[i]);
        vals[k] = have.pings ? buf[k] : "", k++;
        if (a.pings[i]) {
            snprintf(buf[k], sizeof buf[k], "%.2f", 100.0 * (double)a.speeding[i] / (double)a.pings[i]);
            vals[k] = buf[k], k++;
            snprintf(buf[k], sizeof buf[k], "%.2f", 100.0 * (double)a.over[i] / (double)a.pings[i]);
            vals[k] = buf[k], k++;
            snprintf(buf[k], sizeof buf[k], "%.2f", hist_p85(a.hist + i * SPEED_BINS, a.pings[i]));
            vals[k] = buf[k], k++;
        } else {
            vals[k++] = "";
            vals[k++] = "";
            vals[k++] = "";
        }
        snprintf(buf[k], sizeof buf[k], "%lld", (long long)ksi[i]);
        vals[k] = have.casualties ? buf[k] : "", k++;
        snprintf(buf[k], sizeof buf[k], "%lld", (long long)killed[i]);
        vals[k] = have.casualties ? buf[k] : "", k++;
        int64_t total = 0;
        for (int t = 0; t < N_DET; t++)
            total += det[i * N_DET + (size_t)t];
        snprintf(buf[k], sizeof buf[k], "%lld", (long long)total);
        vals[k] = have.detections ? buf[k] : "", k++;
        for (int t = 0; t < N_DET; t++) {
            snprintf(buf[k], sizeof buf[k], "%lld", (long long)det[i * N_DET + (size_t)t]);
            vals[k] = have.detections ? buf[k] : "", k++;
        }
        snprintf(buf[k], sizeof buf[k], "%lld", (long long)concerns[i]);
        vals[k] = have.concerns ? buf[k] : "", k++;
        if (o->extra_name) {
            if (o->extra == NULL || isnan(o->extra[i]))
                buf[k][0] = '\0';
            else
                snprintf(buf[k], sizeof buf[k], "%.3f", o->extra[i]);
            vals[k] = buf[k], k++;
        }
        GEOSGeometry *owned = NULL;
        const GEOSGeometry *geom = in_crs(g, inv, rs_districts_geom(d, i), &owned);
        if (geom == NULL) {
            rc = rs_geo_fail(g, RS_ERR, "reproject a district");
            goto done;
        }
        rc = rs_shpout_add(w, geom, vals);
        if (owned)
            GEOSGeom_destroy_r(rs_geo_geos(g), owned);
        if (rc != 0)
            goto done;
        (*written)++;
    }
    rc = rs_shpout_commit(w);
    w = NULL;
done:
    rs_shpout_abort(w);
    free(a.pings);
    free(a.speeding);
    free(a.over);
    free(a.hist);
    free(ksi);
    free(killed);
    free(concerns);
    free(det);
    rs_districts_free(d);
    return rc;
}

int rs_export_layer(rs_ctx *ctx, rs_layer layer, const rs_export_opts *o, int64_t *written,
                    int64_t *skipped)
{
    rs_crs *inv = NULL;
    int rc;
    *written = 0;
    *skipped = 0;
    if (o->epsg != 27700 && o->epsg != 4326)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "--crs is 27700 or 4326");
    if ((int)layer < 0 || (size_t)layer >= sizeof layers / sizeof layers[0])
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "no export layer %d", (int)layer);
    if (o->epsg == 4326 &&
        (rc = rs_crs_new(rs_ctx_geo(ctx), "EPSG:27700", "EPSG:4326", &inv)) != 0)
        return rc;
    if (layer == RS_LAYER_DISTRICTS)
        rc = export_districts(ctx, o, inv, written);
    else
        rc = export_points(ctx, &layers[layer], o, inv, written, skipped);
    rs_crs_free(inv);
    return rc;
}
