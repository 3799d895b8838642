/*
 * ingest_stats19.c — the DfT's STATS19 collision and casualty files
 * (README, "Input formats"), older (accident_*, Accident_Index) or newer
 * (collision_*) column names, any case.  The file's kind is read from its
 * header: a casualty file has casualty_reference and casualty_severity; a
 * collision file an index and a collision/accident severity; a vehicle
 * file vehicle_type; the casualty adjustment lookup Adjusted_Serious and
 * no severity (those two load in ingest_stats19_links.c).
 *
 * Missing values (-1 or empty) are stored as NULL: never a category, never
 * averaged.  A collision's district comes from its location (easting/
 * northing, else longitude/latitude) through the loaded districts, with the
 * file's own ONS district code kept beside it; a collision without a
 * usable location is kept as unlocated.  Dates are dd/mm/yyyy and times
 * HH:MM in UK local time; a missing time leaves the UTC instant NULL but
 * keeps the local date.  A casualty whose collision is not in the
 * workspace is rejected (load collision files first; `roadsafe ingest`
 * orders them so).  A row loaded already is compared on every stored
 * column (ingest_stats19_update.c): present, rejected naming the column,
 * or revised with --update.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ingest_stats19_int.h"
#include "parse.h"
#include "store.h"
#include "timeutil.h"

/* Optional integer: -1 or empty is missing (*present = 0); a non-integer
 * rejects the row. */
int rs_s19_opt_int(rs_ingest_run *r, int col, const char *name, int64_t *v, int *present)
{
    size_t len;
    const char *s = rs_ingest_field(r, col, &len);
    *present = 0;
    if (col < 0 || len == 0)
        return 0;
    if (rs_parse_int(s, len, v) != 0) {
        rs_ingest_reject(r, name, "not an integer code (use -1 or empty for missing)");
        return -1;
    }
    if (*v == -1)
        return 0;
    *present = 1;
    return 0;
}

int rs_s19_opt_dec(rs_ingest_run *r, int col, const char *name, double *v, int *present)
{
    size_t len;
    const char *s = rs_ingest_field(r, col, &len);
    *present = 0;
    if (col < 0 || len == 0 || (len == 2 && memcmp(s, "-1", 2) == 0))
        return 0;
    if (rs_parse_decimal(s, len, v) != 0) {
        rs_ingest_reject(r, name, "not a plain decimal number (use -1 or empty for missing)");
        return -1;
    }
    *present = 1;
    return 0;
}

/* A location field: anything but a plain number (-1, empty, "NULL", junk)
 * leaves the collision without that coordinate; it is then kept as
 * unlocated, never rejected for it. */
static void loc_dec(rs_ingest_run *r, int col, double *v, int *present)
{
    size_t len;
    const char *s = rs_ingest_field(r, col, &len);
    *present = col >= 0 && len > 0 && !(len == 2 && memcmp(s, "-1", 2) == 0) &&
               rs_parse_decimal(s, len, v) == 0;
}

void rs_s19_bind_opt(sqlite3_stmt *st, int i, int64_t v, int present)
{
    if (present)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

void rs_s19_bind_dec(sqlite3_stmt *st, int i, double v, int present)
{
    if (present)
        sqlite3_bind_double(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* Enhanced severity (2023 on): 1 fatal, 5/6/7 very/moderately/less serious,
 * 3 slight, -1 or empty not collected; it must agree with the severity. */
static int enhanced(rs_ingest_run *r, int col, int sev, int64_t *v, int *present)
{
    const char *name = col >= 0 ? rs_csv_header(r->csv, (size_t)col) : "";
    if (rs_s19_opt_int(r, col, name, v, present) != 0)
        return -1;
    if (!*present)
        return 0;
    if (*v != 1 && *v != 3 && (*v < 5 || *v > 7)) {
        rs_ingest_reject(r, name, "enhanced severity is not 1, 5, 6, 7, 3 (or -1 for missing)");
        return -1;
    }
    if ((*v == 1) != (sev == 1) || (*v == 3) != (sev == 3)) {
        rs_ingest_reject(r, name, "enhanced severity disagrees with the severity");
        return -1;
    }
    return 0;
}

/* An injury-based flag: 0, 1, or -1/empty for missing. */
static int flag01(rs_ingest_run *r, int col, int64_t *v, int *present)
{
    const char *name = col >= 0 ? rs_csv_header(r->csv, (size_t)col) : "";
    if (rs_s19_opt_int(r, col, name, v, present) != 0)
        return -1;
    if (*present && *v != 0 && *v != 1) {
        rs_ingest_reject(r, name, "not 0 or 1 (or -1 for missing)");
        return -1;
    }
    return 0;
}

static int severity(rs_ingest_run *r, int col, const char *name, int *sev)
{
    size_t len;
    const char *s = rs_ingest_field(r, col, &len);
    int64_t v;
    if (rs_parse_int(s, len, &v) != 0 || v < 1 || v > 3) {
        rs_ingest_reject(r, name, "severity is not 1 (fatal), 2 (serious) or 3 (slight)");
        return -1;
    }
    *sev = (int)v;
    return 0;
}

/* "YYYY-MM-DD" without printf, which was 2% of a collision load. */
static void local_date(char *out, size_t cap, int y, int m, int d)
{
    if (y < 0 || y > 9999 || m < 0 || m > 99 || d < 0 || d > 99) {
        snprintf(out, cap, "%04d-%02d-%02d", y, m, d);
        return;
    }
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

static int load_collisions(rs_ingest_run *r)
{
    static const char *const n_idx[] = {"collision_index", "accident_index", NULL};
    static const char *const n_sev[] = {"collision_severity", "accident_severity", NULL};
    static const char *const n_e[] = {"location_easting_osgr", NULL};
    static const char *const n_n[] = {"location_northing_osgr", NULL};
    static const char *const n_lon[] = {"longitude", NULL};
    static const char *const n_lat[] = {"latitude", NULL};
    static const char *const n_date[] = {"date", NULL};
    static const char *const n_time[] = {"time", NULL};
    static const char *const n_ons[] = {"local_authority_ons_district", NULL};
    static const char *const n_pf[] = {"police_force", NULL};
    static const char *const n_sl[] = {"speed_limit", NULL};
    static const char *const n_nv[] = {"number_of_vehicles", NULL};
    static const char *const n_nc[] = {"number_of_casualties", NULL};
    static const char *const n_enh[] = {"enhanced_severity_collision",
                                        "enhanced_collision_severity", NULL};
    static const char *const n_ib[] = {"collision_injury_based", NULL};
    static const char *const n_ase[] = {"collision_adjusted_severity_serious", NULL};
    static const char *const n_asl[] = {"collision_adjusted_severity_slight", NULL};
    sqlite3_stmt *direct = NULL;
    rs_s19_stage *stage = NULL;
    rs_ingest_bulk bulk = {0};
    int rc = 0;
    r->kind_name = "collisions";
    int ci = rs_ingest_col(r, n_idx), cs = rs_ingest_col(r, n_sev), ce = rs_ingest_col(r, n_e),
        cn = rs_ingest_col(r, n_n), clo = rs_ingest_col(r, n_lon), cla = rs_ingest_col(r, n_lat),
        cd = rs_ingest_col(r, n_date), ct = rs_ingest_col(r, n_time),
        co = rs_ingest_col(r, n_ons), cp = rs_ingest_col(r, n_pf), csl = rs_ingest_col(r, n_sl),
        cnv = rs_ingest_col(r, n_nv), cnc = rs_ingest_col(r, n_nc),
        cen = rs_ingest_col(r, n_enh), cib = rs_ingest_col(r, n_ib),
        cas = rs_ingest_col(r, n_ase), casl = rs_ingest_col(r, n_asl);
    if (ci == -2 || cs == -2 || ce == -2 || cn == -2 || clo == -2 || cla == -2 || cd == -2 ||
        ct == -2 || co == -2 || cp == -2 || csl == -2 || cnv == -2 || cnc == -2 || cen == -2 ||
        cib == -2 || cas == -2 || casl == -2)
        return RS_EINPUT;
    if (cd < 0)
        return rs_ingest_missing(r, "date");
    if ((ce < 0 || cn < 0) && (clo < 0 || cla < 0) && !(r->opts && r->opts->unlocated_ok))
        return rs_err_set(rs_ctx_err(r->ctx), RS_EINPUT,
                          "%s:1: no location columns: looked for location_easting_osgr and "
                          "location_northing_osgr, or longitude and latitude; every collision "
                          "would be unlocated (give --unlocated-ok to load it so)",
                          r->name);
    /* a collision loaded already is compared on every stored column */
    static const char *const keys[] = {"collision_index", NULL};
    const char *const names[] = {"t", "time", "local_date", "date",
                                 "severity", rs_csv_header(r->csv, (size_t)cs),
                                 "e", ce >= 0 ? "location_easting_osgr" : "longitude",
                                 "n", cn >= 0 ? "location_northing_osgr" : "latitude",
                                 "ons_district", "local_authority_ons_district",
                                 "vehicles", "number_of_vehicles",
                                 "casualties", "number_of_casualties",
                                 "enhanced_severity", cen >= 0 ? rs_csv_header(r->csv, (size_t)cen)
                                                               : "enhanced_severity_collision",
                                 "injury_based", "collision_injury_based",
                                 "adjusted_serious", "collision_adjusted_severity_serious",
                                 "adjusted_slight", "collision_adjusted_severity_slight", NULL};
    /* the parameters ?1.. of every statement a collision is bound into */
    static const char *const params[] = {
        "collision_index", "file_id",      "t",          "local_date",        "severity",
        "e",               "n",            "district_id", "ons_district",     "police_force",
        "speed_limit",     "vehicles",     "casualties", "enhanced_severity", "injury_based",
        "adjusted_serious", "adjusted_slight", NULL};
    if ((rc = rs_s19_stage_new(r, "collision", keys, params, names, &stage)) != 0)
        goto done;
    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO main.collision(collision_index, file_id, t, local_date, "
                           "severity, e, n, district_id, ons_district, police_force, "
                           "speed_limit, vehicles, casualties, enhanced_severity, injury_based, "
                           "adjusted_serious, adjusted_slight) "
                           "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17) "
                           "ON CONFLICT DO NOTHING",
                           -1, &direct, NULL) != SQLITE_OK) {
        rc = rs_store_fail(r->ctx, "prepare collision storage");
        goto done;
    }
    /* a big load builds the time index once, at the end (ingest_int.h) */
    if ((rc = rs_ingest_bulk_begin(r, &bulk, "collision")) != 0)
        goto done;
    int64_t rows = 0;
    for (;;) {
        int got = rs_ingest_next(r, &rows);
        if (got < 0) {
            rc = got;
            goto done;
        }
        if (got == 0)
            break;
        size_t ilen, dlen, tlen, olen;
        const char *idx = rs_ingest_field(r, ci, &ilen);
        const char *ds = rs_ingest_field(r, cd, &dlen);
        const char *ts = rs_ingest_field(r, ct, &tlen);
        const char *ons = rs_ingest_field(r, co, &olen);
        int sev;
        int64_t days;
        if (ilen == 0) {
            rs_ingest_reject(r, rs_csv_header(r->csv, (size_t)ci), "empty collision index");
            continue;
        }
        if (severity(r, cs, rs_csv_header(r->csv, (size_t)cs), &sev) != 0)
            continue;
        if (rs_parse_date(ds, dlen, &days) != 0) {
            rs_ingest_reject(r, "date", "not a real date in dd/mm/yyyy form");
            continue;
        }
        int y, m, d;
        rs_civil_from_days(days, &y, &m, &d);
        int have_t = 0;
        int64_t t = 0;
        if (tlen > 0 && !(tlen == 2 && memcmp(ts, "-1", 2) == 0)) {
            int secs;
            if (rs_parse_hhmm(ts, tlen, &secs) != 0) {
                rs_ingest_reject(r, "time", "not a time of day HH:MM");
                continue;
            }
            t = rs_london_to_utc(y, m, d, secs / 3600, secs / 60 % 60, secs % 60, NULL);
            have_t = 1;
        }
        /* location: grid reference first, then WGS84, else unlocated */
        double e = 0, n = 0, lon = 0, lat = 0;
        int pe, pn, plo, pla, located = 0;
        loc_dec(r, ce, &e, &pe);
        loc_dec(r, cn, &n, &pn);
        loc_dec(r, clo, &lon, &plo);
        loc_dec(r, cla, &lat, &pla);
        int32_t dist = -1;
        if (pe && pn && rs_in_gb_bng(e, n)) {
            located = 1;
            dist = rs_placer_bng(r->placer, e, n);
        } else if (plo && pla && rs_in_gb_wgs84(lat, lon) &&
                   rs_placer_wgs84(r->placer, lat, lon, &e, &n, &dist) == 0) {
            located = 1;
        }
        int64_t pf = 0, sl = 0, nv = 0, nc = 0;
        int ppf, psl, pnv, pnc;
        if (rs_s19_opt_int(r, cp, "police_force", &pf, &ppf) != 0 ||
            rs_s19_opt_int(r, csl, "speed_limit", &sl, &psl) != 0 ||
            rs_s19_opt_int(r, cnv, "number_of_vehicles", &nv, &pnv) != 0 ||
            rs_s19_opt_int(r, cnc, "number_of_casualties", &nc, &pnc) != 0)
            continue;
        if (psl && sl == 99)
            psl = 0; /* 99: unknown (self reported), as -1 is missing */
        int64_t en = 0, ib = 0;
        int pen, pib, pase, pasl;
        double ase = 0, asl = 0;
        if (enhanced(r, cen, sev, &en, &pen) != 0 || flag01(r, cib, &ib, &pib) != 0 ||
            rs_s19_opt_dec(r, cas, "collision_adjusted_severity_serious", &ase, &pase) != 0 ||
            rs_s19_opt_dec(r, casl, "collision_adjusted_severity_slight", &asl, &pasl) != 0)
            continue;
        if ((pase && (ase < 0 || ase > 1)) || (pasl && (asl < 0 || asl > 1))) {
            rs_ingest_reject(r, pase && (ase < 0 || ase > 1) ? "collision_adjusted_severity_serious"
                                                             : "collision_adjusted_severity_slight",
                             "adjustment factor out of range 0-1");
            continue;
        }
        char date[16];
        local_date(date, sizeof date, y, m, d);
        if (located) {
            e = round(e * 100.0) / 100.0;
            n = round(n * 100.0) / 100.0;
        }
        /* a new collision takes one statement; one whose index is there
         * already is compared with it, and revised with --update
         * (ingest_stats19_update.c): the same values bound into each */
        int got_new = 0;
        for (int pass = 0; pass < 3; pass++) {
            sqlite3_stmt *st = pass == 0   ? direct
                               : pass == 1 ? rs_s19_stage_compare(stage)
                                           : rs_s19_stage_update(stage);
            sqlite3_bind_text(st, 1, idx, (int)ilen, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, r->file_id);
            rs_s19_bind_opt(st, 3, t, have_t);
            sqlite3_bind_text(st, 4, date, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 5, sev);
            if (located) {
                sqlite3_bind_double(st, 6, e);
                sqlite3_bind_double(st, 7, n);
            } else {
                sqlite3_bind_null(st, 6);
                sqlite3_bind_null(st, 7);
            }
            rs_s19_bind_opt(st, 8, dist, located && dist >= 0);
            if (olen > 0 && !(olen == 2 && memcmp(ons, "-1", 2) == 0))
                sqlite3_bind_text(st, 9, ons, (int)olen, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, 9);
            rs_s19_bind_opt(st, 10, pf, ppf);
            rs_s19_bind_opt(st, 11, sl, psl);
            rs_s19_bind_opt(st, 12, nv, pnv);
            rs_s19_bind_opt(st, 13, nc, pnc);
            rs_s19_bind_opt(st, 14, en, pen);
            rs_s19_bind_opt(st, 15, ib, pib);
            rs_s19_bind_dec(st, 16, ase, pase);
            rs_s19_bind_dec(st, 17, asl, pasl);
            if (pass == 0) {
                int step = sqlite3_step(st);
                sqlite3_reset(st);
                if (step != SQLITE_DONE) {
                    got_new = rs_store_fail(r->ctx, "store a collision");
                    break;
                }
                if (sqlite3_changes(r->db) == 1) {
                    got_new = 1;
                    break;
                }
                continue;
            }
            got_new = pass == 1 ? rs_s19_stage_check(stage) : rs_s19_stage_revise(stage);
            if (got_new != RS_S19_REVISE)
                break;
        }
        if (got_new < 0) {
            rc = got_new;
            goto done;
        }
        if (got_new) {
            r->res->loaded++;
            if (!located)
                r->res->unlocated++;
            else if (dist < 0)
                r->res->outside++;
        }
        if ((rc = rs_ingest_bulk_row(r, &bulk)) != 0)
            goto done;
    }
    rc = rs_ingest_bulk_end(r, &bulk);
done:
    sqlite3_finalize(direct);
    rs_s19_stage_free(stage);
    rs_ingest_bulk_free(&bulk);
    return rc;
}

static int load_casualties(rs_ingest_run *r, int ci, int cv, int cc, int cs)
{
    static const char *const n_class[] = {"casualty_class", NULL};
    static const char *const n_type[] = {"casualty_type", NULL};
    static const char *const n_sex[] = {"sex_of_casualty", NULL};
    static const char *const n_age[] = {"age_of_casualty", NULL};
    static const char *const n_band[] = {"age_band_of_casualty", NULL};
    static const char *const n_adj[] = {"casualty_adjusted_severity_serious", NULL};
    static const char *const n_adjs[] = {"casualty_adjusted_severity_slight", NULL};
    static const char *const n_enh[] = {"enhanced_casualty_severity",
                                        "enhanced_severity_casualty", NULL};
    static const char *const n_ib[] = {"casualty_injury_based", NULL};
    sqlite3_stmt *direct = NULL;
    rs_s19_stage *stage = NULL;
    int rc = 0;
    r->kind_name = "casualties";
    int ccl = rs_ingest_col(r, n_class), cty = rs_ingest_col(r, n_type),
        csx = rs_ingest_col(r, n_sex), cag = rs_ingest_col(r, n_age),
        cab = rs_ingest_col(r, n_band), cad = rs_ingest_col(r, n_adj),
        cas = rs_ingest_col(r, n_adjs), cen = rs_ingest_col(r, n_enh),
        cib = rs_ingest_col(r, n_ib);
    if (ccl == -2 || cty == -2 || csx == -2 || cag == -2 || cab == -2 || cad == -2 || cas == -2 ||
        cen == -2 || cib == -2)
        return RS_EINPUT;
    /* a casualty loaded already is compared on every stored column */
    static const char *const keys[] = {"collision_index", "vehicle_ref", "casualty_ref", NULL};
    static const char *const names[] = {"severity", "casualty_severity",
                                        "sex", "sex_of_casualty",
                                        "age", "age_of_casualty",
                                        "age_band", "age_band_of_casualty",
                                        "adjusted_serious", "casualty_adjusted_severity_serious",
                                        "adjusted_slight", "casualty_adjusted_severity_slight",
                                        "enhanced_severity", "enhanced_casualty_severity",
                                        "injury_based", "casualty_injury_based",
                                        NULL};
    /* the parameters ?1.. of every statement a casualty is bound into */
    static const char *const params[] = {
        "collision_index", "vehicle_ref",      "casualty_ref",    "severity",
        "casualty_class",  "casualty_type",    "sex",             "age",
        "age_band",        "adjusted_serious", "adjusted_slight", "file_id",
        "enhanced_severity", "injury_based",   NULL};
    if ((rc = rs_s19_stage_new(r, "casualty", keys, params, names, &stage)) != 0)
        goto done;
    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO main.casualty(collision_index, vehicle_ref, casualty_ref, "
                           "severity, casualty_class, casualty_type, sex, age, age_band, "
                           "adjusted_serious, adjusted_slight, file_id, enhanced_severity, "
                           "injury_based) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14) "
                           "ON CONFLICT DO NOTHING",
                           -1, &direct, NULL) != SQLITE_OK) {
        rc = rs_store_fail(r->ctx, "prepare casualty storage");
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
        size_t ilen, vlen, clen;
        const char *idx = rs_ingest_field(r, ci, &ilen);
        const char *vs = rs_ingest_field(r, cv, &vlen);
        const char *cs_ = rs_ingest_field(r, cc, &clen);
        int64_t vref, cref;
        int sev;
        if (ilen == 0) {
            rs_ingest_reject(r, rs_csv_header(r->csv, (size_t)ci), "empty collision index");
            continue;
        }
        if (rs_parse_int(vs, vlen, &vref) != 0 || vref < 0) {
            rs_ingest_reject(r, "vehicle_reference", "not a vehicle reference number");
            continue;
        }
        if (rs_parse_int(cs_, clen, &cref) != 0 || cref < 0) {
            rs_ingest_reject(r, "casualty_reference", "not a casualty reference number");
            continue;
        }
        if (severity(r, cs, "casualty_severity", &sev) != 0)
            continue;
        int64_t cl = 0, ty = 0, sx = 0, ag = 0, ab = 0;
        int pcl, pty, psx, pag, pab, pad, pas;
        double ad = 0, as = 0;
        if (rs_s19_opt_int(r, ccl, "casualty_class", &cl, &pcl) != 0 ||
            rs_s19_opt_int(r, cty, "casualty_type", &ty, &pty) != 0 ||
            rs_s19_opt_int(r, csx, "sex_of_casualty", &sx, &psx) != 0 ||
            rs_s19_opt_int(r, cag, "age_of_casualty", &ag, &pag) != 0 ||
            rs_s19_opt_int(r, cab, "age_band_of_casualty", &ab, &pab) != 0 ||
            rs_s19_opt_dec(r, cad, "casualty_adjusted_severity_serious", &ad, &pad) != 0 ||
            rs_s19_opt_dec(r, cas, "casualty_adjusted_severity_slight", &as, &pas) != 0)
            continue;
        int64_t en = 0, ib = 0;
        int pen, pib;
        if (enhanced(r, cen, sev, &en, &pen) != 0 || flag01(r, cib, &ib, &pib) != 0)
            continue;
        if (pag && (ag < 0 || ag > 120)) {
            rs_ingest_reject(r, "age_of_casualty", "age out of range 0-120");
            continue;
        }
        if ((pad && (ad < 0 || ad > 1)) || (pas && (as < 0 || as > 1))) {
            rs_ingest_reject(r, pad && (ad < 0 || ad > 1) ? "casualty_adjusted_severity_serious"
                                                          : "casualty_adjusted_severity_slight",
                             "adjustment factor out of range 0-1");
            continue;
        }
        /* a new casualty takes one statement, its collision checked by the
         * casualty table's foreign key; one whose key is there already is
         * compared with it, and revised with --update (ingest_stats19_update.c) */
        int got_new = 0;
        for (int pass = 0; pass < 3; pass++) {
            sqlite3_stmt *st = pass == 0   ? direct
                               : pass == 1 ? rs_s19_stage_compare(stage)
                                           : rs_s19_stage_update(stage);
            sqlite3_bind_text(st, 1, idx, (int)ilen, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, vref);
            sqlite3_bind_int64(st, 3, cref);
            sqlite3_bind_int(st, 4, sev);
            rs_s19_bind_opt(st, 5, cl, pcl);
            rs_s19_bind_opt(st, 6, ty, pty);
            rs_s19_bind_opt(st, 7, sx, psx);
            rs_s19_bind_opt(st, 8, ag, pag);
            rs_s19_bind_opt(st, 9, ab, pab);
            if (pad)
                sqlite3_bind_double(st, 10, ad);
            else
                sqlite3_bind_null(st, 10);
            if (pas)
                sqlite3_bind_double(st, 11, as);
            else
                sqlite3_bind_null(st, 11);
            sqlite3_bind_int64(st, 12, r->file_id);
            rs_s19_bind_opt(st, 13, en, pen);
            rs_s19_bind_opt(st, 14, ib, pib);
            if (pass == 0) {
                int step = sqlite3_step(st);
                int ext = sqlite3_extended_errcode(r->db);
                sqlite3_reset(st);
                if (step != SQLITE_DONE && ext == SQLITE_CONSTRAINT_FOREIGNKEY) {
                    got_new = rs_ingest_reject(r, rs_csv_header(r->csv, (size_t)ci),
                                               "no such collision in the workspace (load the "
                                               "collision file first)");
                    break;
                }
                if (step != SQLITE_DONE) {
                    got_new = rs_store_fail(r->ctx, "store a casualty");
                    break;
                }
                if (sqlite3_changes(r->db) == 1) {
                    got_new = 1;
                    break;
                }
                continue;
            }
            got_new = pass == 1 ? rs_s19_stage_check(stage) : rs_s19_stage_revise(stage);
            if (got_new != RS_S19_REVISE)
                break;
        }
        if (got_new < 0) {
            rc = got_new;
            goto done;
        }
        if (got_new)
            r->res->loaded++;
    }
done:
    sqlite3_finalize(direct);
    rs_s19_stage_free(stage);
    return rc;
}

int rs_ingest_stats19(rs_ingest_run *r)
{
    static const char *const n_idx[] = {"collision_index", "accident_index", NULL};
    static const char *const n_sev[] = {"collision_severity", "accident_severity", NULL};
    static const char *const n_vref[] = {"vehicle_reference", NULL};
    static const char *const n_cref[] = {"casualty_reference", NULL};
    static const char *const n_csev[] = {"casualty_severity", NULL};
    static const char *const n_vtype[] = {"vehicle_type", NULL};
    static const char *const n_adj[] = {"adjusted_serious", NULL};
    int ci = rs_ingest_col(r, n_idx), cs = rs_ingest_col(r, n_sev),
        cv = rs_ingest_col(r, n_vref), cc = rs_ingest_col(r, n_cref),
        ccs = rs_ingest_col(r, n_csev), cvt = rs_ingest_col(r, n_vtype),
        cadj = rs_ingest_col(r, n_adj);
    if (ci == -2 || cs == -2 || cv == -2 || cc == -2 || ccs == -2 || cvt == -2 || cadj == -2)
        return RS_EINPUT;
    if (ci < 0)
        return rs_err_set(rs_ctx_err(r->ctx), RS_EINPUT,
                          "%s:1: not a STATS19 file: no collision_index or accident_index "
                          "column",
                          r->name);
    /* the DfT casualty adjustment lookup: casualty keys and the adjusted
     * figures, no severity */
    if (cadj >= 0 && ccs < 0 && cs < 0) {
        if (cc < 0 || cv < 0)
            return rs_ingest_missing(r, cc < 0 ? "Casualty_Reference" : "Vehicle_Reference");
        return rs_ingest_s19_adjustment(r, ci, cv, cc, cadj);
    }
    if (cc >= 0 || ccs >= 0) {
        if (cc < 0 || ccs < 0 || cv < 0)
            return rs_ingest_missing(r, cc < 0    ? "casualty_reference"
                                        : ccs < 0 ? "casualty_severity"
                                                  : "vehicle_reference");
        return load_casualties(r, ci, cv, cc, ccs);
    }
    if (cs >= 0)
        return load_collisions(r);
    if (cvt >= 0) {
        if (cv < 0)
            return rs_ingest_missing(r, "vehicle_reference");
        return rs_ingest_s19_vehicles(r, ci, cv);
    }
    return rs_ingest_missing(r, "collision_severity (or accident_severity); a vehicle file "
                                "has vehicle_type, a casualty file casualty_severity, the "
                                "adjustment lookup Adjusted_Serious");
}
