/*
 * ingest_detections.c — speed detections (README, "Input formats").
 *
 * The plate is normalised and replaced by HMAC-SHA-256 under the
 * operator's key before anything else sees it; the clear plate lives only
 * in the CSV reader's record buffer; a detection without a plate is kept
 * with no vehicle (NULL, never the hash of an empty string), so it counts
 * everywhere but in reoffending.  Identity is detection_id: an
 * identical row already stored counts as already present, a different one
 * with the same id is rejected.  Position from lat/lon (WGS84) or
 * easting/northing (EPSG:27700); a file with both is placed by easting/
 * northing, and a row whose lat/lon lies more than 50 m from it is
 * rejected with the distance.
 *
 * Workload: one thread, one INSERT per row, the plate hashed under a key
 * set up once per file; a big load sets the table's indexes aside and
 * builds them once at the end (ingest_int.h, rs_ingest_bulk).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "ingest_int.h"
#include "parse.h"
#include "store.h"

/* How far (m) a detection's lat/lon may lie from its easting/northing when
 * a file carries both. */
#define RS_DET_LATLON_AGREE_M 50.0

/* One detection as stored, for the comparison with a stored one. */
typedef struct det_row {
    int64_t t;
    const char *dtype, *dev, *site;
    double e, n;
    int speed, limit;
    const unsigned char *veh;
} det_row;

/* 1 when the stored row (get: t, device_type, device_id, site_id, e, n,
 * speed_cmph, limit_mph, vehicle) has the values of row. */
static int same_detection(sqlite3_stmt *get, const void *row)
{
    const det_row *d = row;
    return sqlite3_column_int64(get, 0) == d->t &&
           strcmp(rs_store_text(get, 1), d->dtype) == 0 &&
           strcmp(rs_store_text(get, 2), d->dev) == 0 &&
           strcmp(rs_store_text(get, 3), d->site) == 0 &&
           fabs(sqlite3_column_double(get, 4) - d->e) < 0.01 &&
           fabs(sqlite3_column_double(get, 5) - d->n) < 0.01 &&
           sqlite3_column_int(get, 6) == d->speed && sqlite3_column_int(get, 7) == d->limit &&
           (d->veh == NULL ? sqlite3_column_type(get, 8) == SQLITE_NULL
                           : sqlite3_column_bytes(get, 8) == 32 &&
                                 memcmp(sqlite3_column_blob(get, 8), d->veh, 32) == 0);
}

/* A file with both lat/lon and easting/northing: the row's lat/lon (when
 * given) must lie within RS_DET_LATLON_AGREE_M of its grid reference (e,
 * n).  Returns 1 after rejecting a row whose lat/lon is unusable or
 * farther (the reason gives the distance), else 0. */
static int latlon_disagrees(rs_ingest_run *r, int cla, int clo, double e, double n)
{
    size_t la, lo;
    rs_ingest_field(r, cla, &la);
    rs_ingest_field(r, clo, &lo);
    if (la == 0 && lo == 0)
        return 0; /* nothing to check */
    double lat, lon, e2, n2;
    int32_t d2;
    if (rs_ingest_latlon(r, cla, clo, &lat, &lon) != 0)
        return 1;
    if (rs_placer_wgs84(r->placer, lat, lon, &e2, &n2, &d2) != 0) {
        rs_ingest_reject(r, "lat", "cannot be transformed to British National Grid");
        return 1;
    }
    double far = hypot(e2 - e, n2 - n);
    if (far <= RS_DET_LATLON_AGREE_M)
        return 0;
    char why[128];
    snprintf(why, sizeof why,
             "lat/lon is %.0f m from easting/northing (more than %.0f m apart; the position "
             "is taken from easting/northing)",
             far, RS_DET_LATLON_AGREE_M);
    rs_ingest_reject(r, "lat", why);
    return 1;
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
    rs_keyed k = {NULL, NULL, same_detection, "detection", "detection_id",
                  "detection_id already loaded with different values", NULL, NULL};
    int rc = 0;
    rs_vrm_hasher *hasher = NULL;
    rs_ingest_bulk bulk = {0};
    char bad_type[128]; /* "unknown device type (TRUCAM, GATSO, ...)" */
    snprintf(bad_type, sizeof bad_type, "unknown device type (%s)", rs_device_list());
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
    /* both: the grid reference is the position, lat/lon a check on it */
    int check_ll = have_ll && have_en;
    if (check_ll) {
        have_ll = 0;
        snprintf(r->res->note, sizeof r->res->note,
                 "positions from easting/northing, lat/lon checked to within %.0f m",
                 RS_DET_LATLON_AGREE_M);
    }

    if ((hasher = rs_vrm_hasher_new(r->opts->key)) == NULL) {
        rc = rs_err_set(rs_ctx_err(r->ctx), RS_ERR, "cannot set up the keyed hash of plates");
        goto done;
    }
    /* the vehicle index is keyed by a hash: row by row, each detection
     * would go to a random page of it, and once it outgrows the page cache
     * every row costs a page read and write (ingest_int.h, big loads) */
    if ((rc = rs_ingest_bulk_begin(r, &bulk, "detection")) != 0)
        goto done;
    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO detection(detection_id, file_id, t, device_type, "
                           "device_id, site_id, e, n, district_id, speed_cmph, limit_mph, "
                           "vehicle) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) "
                           "ON CONFLICT(detection_id) DO NOTHING",
                           -1, &k.ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db,
                           "SELECT t, device_type, device_id, site_id, e, n, speed_cmph, "
                           "limit_mph, vehicle FROM detection WHERE detection_id = ?1",
                           -1, &k.get, NULL) != SQLITE_OK) {
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
        rs_ingest_trim(&ty, &tylen);
        int dk = rs_device_parse(ty, tylen);
        if (dk < 0) {
            rs_ingest_reject(r, "device_type", bad_type);
            continue;
        }
        const char *dtype = rs_device_name(dk);
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
            int bad_e = rs_parse_decimal(es, el, &e) != 0;
            if (bad_e || rs_parse_decimal(ns, nl, &n) != 0) {
                rs_ingest_reject(r, bad_e ? "easting" : "northing", "not a plain decimal number");
                continue;
            }
            if (!rs_in_gb_bng(e, n)) {
                rs_ingest_reject(r, "easting", "outside Great Britain's national grid");
                continue;
            }
            dist = rs_placer_bng(r->placer, e, n);
            if (check_ll && latlon_disagrees(r, cla, clo, e, n))
                continue;
        }
        if (rs_ingest_speed(r, cm, -1, &speed) != 0 ||
            rs_ingest_limit(r, cl, "limit_mph", 0, &limit) != 0)
            continue;
        /* no plate (empty, or spaces only): kept without a vehicle */
        const char *vt = vrm;
        size_t vtl = vlen;
        rs_ingest_trim(&vt, &vtl);
        int no_plate = vtl == 0;
        char norm[16];
        size_t nlen;
        if (!no_plate && rs_vrm_normalise(vrm, vlen, norm, &nlen) != 0) {
            rs_ingest_reject(r, "vrm", "plate is not 1-10 letters and digits (spaces allowed)");
            continue;
        }
        unsigned char veh[32];
        if (!no_plate) {
            int hrc = rs_vrm_hasher_hash(hasher, norm, nlen, veh);
            memset(norm, 0, sizeof norm);
            if (hrc != 0) {
                rc = rs_err_set(rs_ctx_err(r->ctx), RS_ERR, "%s: cannot hash a plate", r->name);
                goto done;
            }
        }
        e = round(e * 100.0) / 100.0;
        n = round(n * 100.0) / 100.0;
        sqlite3_stmt *ins = k.ins;
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
        if (no_plate)
            sqlite3_bind_null(ins, 12);
        else
            sqlite3_bind_blob(ins, 12, veh, 32, SQLITE_STATIC);
        sqlite3_bind_text(k.get, 1, id, -1, SQLITE_STATIC);
        const det_row row = {t, dtype, dev, site, e, n, speed, limit, no_plate ? NULL : veh};
        int got_new = rs_ingest_keyed(r, &k, &row);
        if (got_new < 0) {
            rc = got_new;
            goto done;
        }
        if (got_new)
            rs_ingest_loaded(r, dist);
        if ((rc = rs_ingest_bulk_row(r, &bulk)) != 0)
            goto done;
    }
    rc = rs_ingest_bulk_end(r, &bulk);
done:
    sqlite3_finalize(k.ins);
    sqlite3_finalize(k.get);
    rs_ingest_bulk_free(&bulk);
    rs_vrm_hasher_free(hasher);
    return rc;
}
