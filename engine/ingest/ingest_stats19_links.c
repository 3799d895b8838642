/*
 * ingest_stats19_links.c — the STATS19 tables that hang off a collision:
 * the vehicle file (every header generation: `Accident_Index,
 * Vehicle_Reference, Vehicle_Type, ...` of 2019 and before, `accident_*`
 * of 2020-2023, `collision_*` of 2024 on, with `escooter_flag` from 2023)
 * and the DfT's casualty adjustment lookup for releases before 2024
 * (`accident_index, Vehicle_Reference, Casualty_Reference,
 * Adjusted_Serious, Adjusted_Slight, Injury_Based`).
 *
 * A vehicle whose collision is not in the workspace is rejected, as a
 * casualty is (found by the table's foreign key as the row is stored, so a
 * vehicle costs one statement).  The lookup covers every casualty in Great Britain since
 * 2004, so its rows for collisions not in the workspace are skipped and
 * counted (res->skipped), never stored: a force's workspace keeps its own.
 * Rows are keyed (collision index, vehicle reference[, casualty
 * reference]): a re-load stores nothing new, a differing row is rejected.
 *
 * Workload: streaming, one row at a time; the national lookup (some four
 * million rows) costs one primary-key probe per row.
 */
#include <math.h>
#include <string.h>

#include "ingest_stats19_int.h"
#include "parse.h"
#include "store.h"

int rs_s19_parent_missing(rs_ingest_run *r, sqlite3_stmt *parent, const char *idx, size_t len)
{
    sqlite3_bind_text(parent, 1, idx, (int)len, SQLITE_STATIC);
    int step = sqlite3_step(parent);
    sqlite3_reset(parent);
    if (step == SQLITE_ROW)
        return 0;
    if (step == SQLITE_DONE)
        return 1;
    return rs_store_fail(r->ctx, "find a row's collision");
}

/* A reference number (vehicle_reference, casualty_reference): >= 0. */
static int ref_of(rs_ingest_run *r, int col, const char *name, int64_t *v)
{
    size_t len;
    const char *s = rs_ingest_field(r, col, &len);
    if (rs_parse_int(s, len, v) != 0 || *v < 0) {
        rs_ingest_reject(r, name, "not a reference number");
        return -1;
    }
    return 0;
}

/* ---- vehicles ----------------------------------------------------------------- */

typedef struct veh_row {
    int ptype, pesc;
    int64_t type, esc;
} veh_row;

static int same_vehicle(sqlite3_stmt *get, const void *row)
{
    const veh_row *v = row;
    return sqlite3_column_int64(get, 0) == (v->ptype ? v->type : -1) &&
           sqlite3_column_int64(get, 1) == (v->pesc ? v->esc : -1);
}

int rs_ingest_s19_vehicles(rs_ingest_run *r, int ci, int cv)
{
    static const char *const n_type[] = {"vehicle_type", NULL};
    static const char *const n_esc[] = {"escooter_flag", NULL};
    static const char *const n_tow[] = {"towing_and_articulation", NULL};
    static const char *const n_sex[] = {"sex_of_driver", NULL};
    static const char *const n_age[] = {"age_of_driver", NULL};
    static const char *const n_band[] = {"age_band_of_driver", NULL};
    static const char *const n_cc[] = {"engine_capacity_cc", "engine_capacity_(cc)", NULL};
    static const char *const n_prop[] = {"propulsion_code", NULL};
    static const char *const n_agev[] = {"age_of_vehicle", NULL};
    enum { NF = 9 };
    const char *const *names[NF] = {n_type, n_esc, n_tow, n_sex, n_age, n_band, n_cc, n_prop, n_agev};
    int col[NF];
    rs_keyed k = {NULL, NULL, same_vehicle, "vehicle", "vehicle_reference",
                  "vehicle already loaded with different values", NULL,
                  "no such collision in the workspace (load the collision file first)"};
    int rc = 0;
    r->kind_name = "vehicles";
    for (int i = 0; i < NF; i++)
        if ((col[i] = rs_ingest_col(r, names[i])) == -2)
            return RS_EINPUT;
    if (col[0] < 0)
        return rs_ingest_missing(r, "vehicle_type");
    k.orphan_col = rs_csv_header(r->csv, (size_t)ci);
    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO vehicle(collision_index, vehicle_ref, vehicle_type, "
                           "escooter, towing, sex_of_driver, age_of_driver, age_band_of_driver, "
                           "engine_cc, propulsion, age_of_vehicle, file_id) "
                           "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) "
                           "ON CONFLICT DO NOTHING",
                           -1, &k.ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db,
                           "SELECT coalesce(vehicle_type, -1), coalesce(escooter, -1) FROM vehicle "
                           "WHERE collision_index = ?1 AND vehicle_ref = ?2",
                           -1, &k.get, NULL) != SQLITE_OK) {
        rc = rs_store_fail(r->ctx, "prepare vehicle storage");
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
        size_t ilen;
        const char *idx = rs_ingest_field(r, ci, &ilen);
        int64_t vref, v[NF];
        int p[NF], bad = 0;
        if (ilen == 0) {
            rs_ingest_reject(r, rs_csv_header(r->csv, (size_t)ci), "empty collision index");
            continue;
        }
        if (ref_of(r, cv, "vehicle_reference", &vref) != 0)
            continue;
        for (int i = 0; i < NF && !bad; i++)
            bad = rs_s19_opt_int(r, col[i], names[i][0], &v[i], &p[i]) != 0;
        if (bad)
            continue;
        if (p[1] && v[1] != 0 && v[1] != 1) {
            rs_ingest_reject(r, "escooter_flag", "not 0 or 1 (or -1 for missing)");
            continue;
        }
        if (p[4] && (v[4] < 0 || v[4] > 120)) {
            rs_ingest_reject(r, "age_of_driver", "age out of range 0-120");
            continue;
        }
        /* the collision is checked by the vehicle table's foreign key */
        sqlite3_bind_text(k.ins, 1, idx, (int)ilen, SQLITE_STATIC);
        sqlite3_bind_int64(k.ins, 2, vref);
        for (int i = 0; i < NF; i++)
            rs_s19_bind_opt(k.ins, 3 + i, v[i], p[i]);
        sqlite3_bind_int64(k.ins, 12, r->file_id);
        sqlite3_bind_text(k.get, 1, idx, (int)ilen, SQLITE_STATIC);
        sqlite3_bind_int64(k.get, 2, vref);
        const veh_row row = {p[0], p[1], v[0], v[1]};
        int got_new = rs_ingest_keyed(r, &k, &row);
        if (got_new < 0) {
            rc = got_new;
            goto done;
        }
        if (got_new)
            r->res->loaded++;
    }
done:
    sqlite3_finalize(k.ins);
    sqlite3_finalize(k.get);
    return rc;
}

/* ---- the casualty adjustment lookup ----------------------------------------------- */

typedef struct adj_row {
    int pse, psl, pib;
    double se, sl;
    int64_t ib;
} adj_row;

static int same_adjustment(sqlite3_stmt *get, const void *row)
{
    const adj_row *a = row;
    return fabs(sqlite3_column_double(get, 0) - (a->pse ? a->se : -1)) < 1e-9 &&
           fabs(sqlite3_column_double(get, 1) - (a->psl ? a->sl : -1)) < 1e-9 &&
           sqlite3_column_int64(get, 2) == (a->pib ? a->ib : -1);
}

int rs_ingest_s19_adjustment(rs_ingest_run *r, int ci, int cv, int cc, int cas)
{
    static const char *const n_sl[] = {"adjusted_slight", "casualty_adjusted_severity_slight",
                                       NULL};
    static const char *const n_ib[] = {"injury_based", "casualty_injury_based", NULL};
    rs_keyed k = {NULL, NULL, same_adjustment, "casualty adjustment", "casualty_reference",
                  "casualty adjustment already loaded with different values", NULL, NULL};
    sqlite3_stmt *parent = NULL;
    int rc = 0;
    r->kind_name = "casualty adjustments";
    int csl = rs_ingest_col(r, n_sl), cib = rs_ingest_col(r, n_ib);
    if (csl == -2 || cib == -2)
        return RS_EINPUT;
    const char *n_se = rs_csv_header(r->csv, (size_t)cas);
    const char *n_sl_ = csl >= 0 ? rs_csv_header(r->csv, (size_t)csl) : "adjusted_slight";
    const char *n_ib_ = cib >= 0 ? rs_csv_header(r->csv, (size_t)cib) : "injury_based";
    if (sqlite3_prepare_v2(r->db,
                           "INSERT INTO casualty_adjustment(collision_index, vehicle_ref, "
                           "casualty_ref, adjusted_serious, adjusted_slight, injury_based, "
                           "file_id) VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT DO NOTHING",
                           -1, &k.ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db,
                           "SELECT coalesce(adjusted_serious, -1), coalesce(adjusted_slight, -1), "
                           "coalesce(injury_based, -1) FROM casualty_adjustment WHERE "
                           "collision_index = ?1 AND vehicle_ref = ?2 AND casualty_ref = ?3",
                           -1, &k.get, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db, "SELECT 1 FROM collision WHERE collision_index = ?1", -1,
                           &parent, NULL) != SQLITE_OK) {
        rc = rs_store_fail(r->ctx, "prepare casualty adjustment storage");
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
        size_t ilen;
        const char *idx = rs_ingest_field(r, ci, &ilen);
        int64_t vref, cref, ib = 0;
        double se = 0, sl = 0;
        int pse, psl, pib;
        if (ilen == 0) {
            rs_ingest_reject(r, rs_csv_header(r->csv, (size_t)ci), "empty collision index");
            continue;
        }
        if (ref_of(r, cv, "vehicle_reference", &vref) != 0 ||
            ref_of(r, cc, "casualty_reference", &cref) != 0 ||
            rs_s19_opt_dec(r, cas, n_se, &se, &pse) != 0 ||
            rs_s19_opt_dec(r, csl, n_sl_, &sl, &psl) != 0 ||
            rs_s19_opt_int(r, cib, n_ib_, &ib, &pib) != 0)
            continue;
        if ((pse && (se < 0 || se > 1)) || (psl && (sl < 0 || sl > 1))) {
            rs_ingest_reject(r, pse && (se < 0 || se > 1) ? n_se : n_sl_,
                             "adjustment factor out of range 0-1");
            continue;
        }
        if (pib && ib != 0 && ib != 1) {
            rs_ingest_reject(r, n_ib_, "not 0 or 1 (or -1 for missing)");
            continue;
        }
        if (!pse && !psl && !pib) {
            rs_ingest_reject(r, n_se, "no adjustment figures in the row");
            continue;
        }
        int miss = rs_s19_parent_missing(r, parent, idx, ilen);
        if (miss < 0) {
            rc = miss;
            goto done;
        }
        if (miss) {
            r->res->skipped++;
            continue;
        }
        sqlite3_bind_text(k.ins, 1, idx, (int)ilen, SQLITE_STATIC);
        sqlite3_bind_int64(k.ins, 2, vref);
        sqlite3_bind_int64(k.ins, 3, cref);
        rs_s19_bind_dec(k.ins, 4, se, pse);
        rs_s19_bind_dec(k.ins, 5, sl, psl);
        rs_s19_bind_opt(k.ins, 6, ib, pib);
        sqlite3_bind_int64(k.ins, 7, r->file_id);
        sqlite3_bind_text(k.get, 1, idx, (int)ilen, SQLITE_STATIC);
        sqlite3_bind_int64(k.get, 2, vref);
        sqlite3_bind_int64(k.get, 3, cref);
        const adj_row row = {pse, psl, pib, se, sl, ib};
        int got_new = rs_ingest_keyed(r, &k, &row);
        if (got_new < 0) {
            rc = got_new;
            goto done;
        }
        if (got_new)
            r->res->loaded++;
    }
done:
    sqlite3_finalize(k.ins);
    sqlite3_finalize(k.get);
    sqlite3_finalize(parent);
    return rc;
}
