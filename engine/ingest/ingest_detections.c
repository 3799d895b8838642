/*
 * ingest_detections.c — speed detections (FORMATS.md §2).
 *
 * The plate is normalised and replaced by HMAC-SHA-256 under the
 * operator's key before anything else sees it; the clear plate lives only
 * in the CSV reader's record buffer.  Identity is detection_id: an
 * identical row already stored counts as already present, a different one
 * with the same id is rejected.  Position from lat/lon (WGS84) or
 * easting/northing (EPSG:27700).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest_int.h"
#include "parse.h"
#include "store.h"

static const char *const device_types[] = {"TRUCAM", "GATSO", "HADECS3", "SPECS",
                                           "REDSPEED", "VECTOR", "OTHER", NULL};

/* Canonical device type for s (any case), or NULL. */
static const char *device_type(const char *s, size_t len)
{
    for (const char *const *d = device_types; *d; d++)
        if (strlen(*d) == len && strncasecmp(*d, s, len) == 0)
            return *d;
    return NULL;
}

/* Compares the stored row for this detection_id with the new one. */
static int same_as_stored(sqlite3_stmt *get, const char *id, int64_t t, const char *dtype,
                          const char *dev, const char *site, double e, double n, int speed,
                          int limit, const unsigned char *veh, int *same)
{
    sqlite3_bind_text(get, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(get);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(get);
        return -1;
    }
    *same = sqlite3_column_int64(get, 0) == t &&
            strcmp((const char *)sqlite3_column_text(get, 1), dtype) == 0 &&
            strcmp((const char *)sqlite3_column_text(get, 2), dev) == 0 &&
            strcmp((const char *)sqlite3_column_text(get, 3), site) == 0 &&
            fabs(sqlite3_column_double(get, 4) - e) < 0.01 &&
            fabs(sqlite3_column_double(get, 5) - n) < 0.01 &&
            sqlite3_column_int(get, 6) == speed && sqlite3_column_int(get, 7) == limit &&
            sqlite3_column_bytes(get, 8) == 32 &&
            memcmp(sqlite3_column_blob(get, 8), veh, 32) == 0;
    sqlite3_reset(get);
    return 0;
}

int rs_ingest_detections(rs_ingest_run *r)
{
    static const char *const n_id[] = {"detection_id", NULL};
    static const char *const n_time[] = {"timestamp", NULL};
    static const char *const n_type[] = {"device_type", NULL};
    static const char *const n_dev[] = {"device_id", NULL};
    static const char *const n_site[] = {"site_id", NULL};
    static const char *const n_lat[] = {"lat", "latitude", NULL};
    static const char *const n_lon[] = {"lon", "lng", "longitude", NULL};
    static const char *const n_e[] = {"easting", NULL};
    static const char *const n_n[] = {"northing", NULL};
    static const char *const n_mph[] = {"speed_mph", NULL};
    static const char *const n_limit[] = {"limit_mph", NULL};
    static const char *const n_vrm[] = {"vrm", NULL};
    sqlite3_stmt *ins = NULL, *get = NULL;
    int rc = 0;
    r->kind_name = "detections";
    int ci = rs_ingest_col(r, n_id), ct = rs_ingest_col(r, n_time),
        cty = rs_ingest_col(r, n_type), cd = rs_ingest_col(r, n_dev),
        cs = rs_ingest_col(r, n_site), cla = rs_ingest_col(r, n_lat),
        clo = rs_ingest_col(r, n_lon), ce = rs_ingest_col(r, n_e), cn = rs_ingest_col(r, n_n),
        cm = rs_ingest_col(r, n_mph), cl = rs_ingest_col(r, n_limit),
        cv = rs_ingest_col(r, n_vrm);
    if (ci == -2 || ct == -2 || cty == -2 || cd == -2 || cs == -2 || cla == -2 || clo == -2 ||
        ce == -2 || cn == -2 || cm == -2 || cl == -2 || cv == -2)
        return RS_EINPUT;
    const struct {
        int col;
        const char *name;
    } req[] = {{ci, "detection_id"}, {ct, "timestamp"}, {cty, "device_type"},
               {cd, "device_id"},    {cs, "site_id"},   {cm, "speed_mph"},
               {cl, "limit_mph"},    {cv, "vrm"}};
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
        if (req[i].col < 0)
            return rs_ingest_missing(r, req[i].name);
    int have_ll = cla >= 0 && clo >= 0, have_en = ce >= 0 && cn >= 0;
    if (!have_ll && !have_en)
        return rs_ingest_missing(r, "lat/lon (or easting/northing)");
    if (have_ll && have_en)
        return rs_err_set(rs_ctx_err(r->ctx), RS_EINPUT,
                          "%s:1: ambiguous header: both lat/lon and easting/northing are present",
                          r->name);

    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO detection(detection_id, file_id, t, device_type, "
                           "device_id, site_id, e, n, district_id, speed_cmph, limit_mph, "
                           "vehicle) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) "
                           "ON CONFLICT(detection_id) DO NOTHING",
                           -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db,
                           "SELECT t, device_type, device_id, site_id, e, n, speed_cmph, "
                           "limit_mph, vehicle FROM detection WHERE detection_id = ?1",
                           -1, &get, NULL) != SQLITE_OK) {
        rc = rs_store_fail(r->ctx, "prepare detection storage");
        goto done;
    }
    int64_t rows = 0;
    for (;;) {
        int got = rs_ingest_next(r, &rows);
        if (got < 0) {
            rc = got;
            goto done;
        }
        if (got == 0)
            break;
        size_t idlen, tylen, dlen, slen, vlen;
        const char *id = rs_ingest_field(r, ci, &idlen);
        const char *ty = rs_ingest_field(r, cty, &tylen);
        const char *dev = rs_ingest_field(r, cd, &dlen);
        const char *site = rs_ingest_field(r, cs, &slen);
        const char *vrm = rs_ingest_field(r, cv, &vlen);
        int64_t t;
        int limit;
        uint16_t speed;
        double e, n;
        int32_t dist;
        if (idlen == 0) {
            rs_ingest_reject(r, "detection_id", "empty detection id");
            continue;
        }
        if (rs_ingest_time(r, ct, "timestamp", &t) != 0)
            continue;
        const char *dtype = device_type(ty, tylen);
        if (dtype == NULL) {
            rs_ingest_reject(r, "device_type",
                             "unknown device type (TRUCAM, GATSO, HADECS3, SPECS, REDSPEED, "
                             "VECTOR, OTHER)");
            continue;
        }
        if (dlen == 0 || slen == 0) {
            rs_ingest_reject(r, dlen == 0 ? "device_id" : "site_id", "empty");
            continue;
        }
        if (have_ll) {
            double lat, lon;
            if (rs_ingest_latlon(r, cla, clo, &lat, &lon) != 0)
                continue;
            if (rs_placer_wgs84(r->placer, lat, lon, &e, &n, &dist) != 0) {
                rs_ingest_reject(r, "lat", "cannot be transformed to British National Grid");
                continue;
            }
        } else {
            size_t el, nl;
            const char *es = rs_ingest_field(r, ce, &el), *ns = rs_ingest_field(r, cn, &nl);
            if (rs_parse_decimal(es, el, &e) != 0 || rs_parse_decimal(ns, nl, &n) != 0) {
                rs_ingest_reject(r, rs_parse_decimal(es, el, &e) ? "easting" : "northing",
                                 "not a plain decimal number");
                continue;
            }
            if (!rs_in_gb_bng(e, n)) {
                rs_ingest_reject(r, "easting", "outside Great Britain's national grid");
                continue;
            }
            dist = rs_placer_bng(r->placer, e, n);
        }
        if (rs_ingest_speed(r, cm, -1, &speed) != 0 ||
            rs_ingest_limit(r, cl, "limit_mph", 0, &limit) != 0)
            continue;
        char norm[16];
        size_t nlen;
        if (rs_vrm_normalise(vrm, vlen, norm, &nlen) != 0) {
            rs_ingest_reject(r, "vrm",
                             vlen == 0 ? "empty plate"
                                       : "plate is not 1-10 letters and digits (spaces allowed)");
            continue;
        }
        unsigned char veh[32];
        rs_vrm_hash(r->opts->key, norm, nlen, veh);
        memset(norm, 0, sizeof norm);
        e = round(e * 100.0) / 100.0;
        n = round(n * 100.0) / 100.0;
        sqlite3_bind_text(ins, 1, id, (int)idlen, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, r->file_id);
        sqlite3_bind_int64(ins, 3, t);
        sqlite3_bind_text(ins, 4, dtype, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, dev, (int)dlen, SQLITE_STATIC);
        sqlite3_bind_text(ins, 6, site, (int)slen, SQLITE_STATIC);
        sqlite3_bind_double(ins, 7, e);
        sqlite3_bind_double(ins, 8, n);
        if (dist >= 0)
            sqlite3_bind_int(ins, 9, dist);
        else
            sqlite3_bind_null(ins, 9);
        sqlite3_bind_int(ins, 10, speed);
        sqlite3_bind_int(ins, 11, limit);
        sqlite3_bind_blob(ins, 12, veh, 32, SQLITE_STATIC);
        int step = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (step != SQLITE_DONE) {
            rc = rs_store_fail(r->ctx, "store a detection");
            goto done;
        }
        if (sqlite3_changes(r->db) == 1) {
            rs_ingest_loaded(r, dist);
            continue;
        }
        int same = 0;
        if (same_as_stored(get, id, t, dtype, dev, site, e, n, speed, limit, veh, &same) != 0) {
            rc = rs_store_fail(r->ctx, "compare a detection");
            goto done;
        }
        if (same)
            r->res->present++;
        else
            rs_ingest_reject(r, "detection_id",
                             "detection_id already loaded with different values");
    }
done:
    sqlite3_finalize(ins);
    sqlite3_finalize(get);
    return rc;
}
