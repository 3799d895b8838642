/*
 * ingest_concerns.c — community speeding concerns (README, "Input
 * formats"): time, place and source (CSW, public, council, other).
 * Identity is the file's content, as for telematics.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "ingest_int.h"
#include "store.h"

static const char *concern_source(const char *s, size_t len)
{
    static const char *const sources[] = {"CSW", "public", "council", "other", NULL};
    for (const char *const *p = sources; *p; p++)
        if (strlen(*p) == len && strncasecmp(*p, s, len) == 0)
            return *p;
    return NULL;
}

int rs_ingest_concerns(rs_ingest_run *r)
{
    static const char *const n_time[] = {"timestamp", NULL};
    static const char *const n_lat[] = {"lat", "latitude", NULL};
    static const char *const n_lon[] = {"lon", "lng", "longitude", NULL};
    static const char *const n_src[] = {"source", NULL};
    sqlite3_stmt *ins = NULL;
    int rc = 0;
    r->kind_name = "concerns";
    r->dedupe_by_content = 1;
    int ct = rs_ingest_col(r, n_time), cla = rs_ingest_col(r, n_lat),
        clo = rs_ingest_col(r, n_lon), cs = rs_ingest_col(r, n_src);
    if (ct == -2 || cla == -2 || clo == -2 || cs == -2)
        return RS_EINPUT;
    if (ct < 0)
        return rs_ingest_missing(r, "timestamp");
    if (cla < 0 || clo < 0)
        return rs_ingest_missing(r, cla < 0 ? "lat" : "lon");
    if (cs < 0)
        return rs_ingest_missing(r, "source");
    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO concern(file_id, t, e, n, district_id, source) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &ins, NULL) != SQLITE_OK)
        return rs_store_fail(r->ctx, "prepare concern storage");
    int64_t rows = 0;
    for (;;) {
        int got = rs_ingest_next(r, &rows);
        if (got < 0) {
            rc = got;
            break;
        }
        if (got == 0)
            break;
        int64_t t;
        double lat, lon, e, n;
        int32_t d;
        size_t slen;
        const char *s = rs_ingest_field(r, cs, &slen);
        if (rs_ingest_time(r, ct, "timestamp", &t) != 0 ||
            rs_ingest_latlon(r, cla, clo, &lat, &lon) != 0)
            continue;
        rs_ingest_trim(&s, &slen);
        const char *src = concern_source(s, slen);
        if (src == NULL) {
            rs_ingest_reject(r, "source", "source is not one of CSW, public, council, other");
            continue;
        }
        if (rs_placer_wgs84(r->placer, lat, lon, &e, &n, &d) != 0) {
            rs_ingest_reject(r, "lat", "cannot be transformed to British National Grid");
            continue;
        }
        sqlite3_bind_int64(ins, 1, r->file_id);
        sqlite3_bind_int64(ins, 2, t);
        sqlite3_bind_double(ins, 3, round(e * 100.0) / 100.0);
        sqlite3_bind_double(ins, 4, round(n * 100.0) / 100.0);
        if (d >= 0)
            sqlite3_bind_int(ins, 5, d);
        else
            sqlite3_bind_null(ins, 5);
        sqlite3_bind_text(ins, 6, src, -1, SQLITE_STATIC);
        int step = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (step != SQLITE_DONE) {
            rc = rs_store_fail(r->ctx, "store a concern");
            break;
        }
        rs_ingest_loaded(r, d);
    }
    sqlite3_finalize(ins);
    return rc;
}
