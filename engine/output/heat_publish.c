/*
 * heat_publish.c — a heat-map grid kept in the workspace as a layer
 * (heat_out.h: rs_heat_publish; tables heat_layer and heat_cell, schema 8).
 *
 * The cells are the shapefile's: the same clipped polygons (as ISO WKB,
 * little-endian, 2D), the same withholding (a withheld cell has no pings
 * and no value).  The value is the cell's figure unrounded (the DBF rounds
 * to 2 places).  One transaction replaces any layer of the same name, so
 * a reader sees the old layer or the new one.  On PostgreSQL the cells go
 * by binary COPY and the server computes their PostGIS geometry.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "heat_out.h"
#include "heat_out_int.h"
#include "store.h"

/* One cell as stored: the WKB of its polygon (owned by GEOS). */
typedef struct {
    const rs_heat_cell *cell;
    const char *district;
    unsigned char *wkb;
    size_t nwkb;
    double value; /* NaN: NULL */
} cell_row;

typedef struct {
    rs_ctx *ws;
    const char *name;
    sqlite3_stmt *ins;   /* SQLite */
    rs_store_copy *copy; /* PostgreSQL */
} sink;

static int put_sqlite(sink *s, const cell_row *r)
{
    sqlite3_stmt *st = s->ins;
    sqlite3_bind_text(st, 1, s->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, r->cell->i);
    sqlite3_bind_int64(st, 3, r->cell->j);
    sqlite3_bind_text(st, 4, r->district, -1, SQLITE_STATIC);
    if (r->cell->withheld)
        sqlite3_bind_null(st, 5);
    else
        sqlite3_bind_int64(st, 5, r->cell->pings);
    if (isnan(r->value))
        sqlite3_bind_null(st, 6);
    else
        sqlite3_bind_double(st, 6, r->value);
    sqlite3_bind_int(st, 7, r->cell->withheld != 0);
    sqlite3_bind_blob(st, 8, r->wkb, (int)r->nwkb, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : rs_store_fail(s->ws, "publish the heat layer");
}

static void put_pg(sink *s, const cell_row *r)
{
    rs_store_copy *c = s->copy;
    rs_copy_row(c, 8);
    rs_copy_bytes(c, s->name, strlen(s->name));
    rs_copy_int8(c, r->cell->i);
    rs_copy_int8(c, r->cell->j);
    rs_copy_bytes(c, r->district, strlen(r->district));
    if (r->cell->withheld)
        rs_copy_null(c);
    else
        rs_copy_int8(c, r->cell->pings);
    if (isnan(r->value))
        rs_copy_null(c);
    else
        rs_copy_float8(c, r->value);
    rs_copy_int4(c, r->cell->withheld != 0);
    rs_copy_bytes(c, r->wkb, r->nwkb);
}

/* The layer's row, replacing one of the same name (its cells go with it). */
static int put_layer(rs_ctx *ws, const rs_heat_publish_info *info, const rs_heat_grid *h,
                     const rs_heat_out *o)
{
    char made[24], cells[24], withheld[24], pings[24];
    snprintf(made, sizeof made, "%lld", (long long)time(NULL));
    snprintf(cells, sizeof cells, "%zu", h->ncells);
    snprintf(withheld, sizeof withheld, "%zu", h->withheld);
    snprintf(pings, sizeof pings, "%llu", (unsigned long long)h->pings);
    const char *args[9] = {info->name, made,      info->source, rs_metric_name(o->metric),
                           info->grid, info->filters, cells,     withheld,
                           pings};
    if (rs_store_backend(ws) == RS_STORE_POSTGRESQL) {
        int64_t got = 0;
        int rc = rs_store_query_int_args(ws,
                                         "DELETE FROM roadsafe.heat_layer WHERE name = $1 "
                                         "RETURNING 1",
                                         1, args, &got);
        if (rc == 0)
            rc = rs_store_query_int_args(ws,
                                         "INSERT INTO roadsafe.heat_layer(name, made_at, source, "
                                         "metric, grid, filters, cells, withheld, pings) "
                                         "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING 1",
                                         9, args, &got);
        return rc;
    }
    sqlite3 *db = rs_ctx_db(ws);
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(db, "DELETE FROM heat_layer WHERE name = ?1", -1, &st, NULL) ==
             SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(st, 1, info->name, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    st = NULL;
    ok = ok && sqlite3_prepare_v2(db,
                                  "INSERT INTO heat_layer(name, made_at, source, metric, grid, "
                                  "filters, cells, withheld, pings) VALUES(?1, ?2, ?3, ?4, ?5, "
                                  "?6, ?7, ?8, ?9)",
                                  -1, &st, NULL) == SQLITE_OK;
    for (int i = 0; ok && i < 9; i++)
        sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
    /* numbers as text take the columns' INTEGER affinity */
    ok = ok && sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : rs_store_fail(ws, "publish the heat layer");
}

int rs_heat_publish(rs_ctx *ctx, rs_ctx *ws, const rs_heat_publish_info *info,
                    const rs_heat_grid *h, const rs_heat_out *o)
{
    rs_geo *g = rs_ctx_geo(ctx);
    GEOSContextHandle_t gh = rs_geo_geos(g);
    clip c;
    sink s = {ws, info->name, NULL, NULL};
    int pg = rs_store_backend(ws) == RS_STORE_POSTGRESQL;
    GEOSWKBWriter *wr = GEOSWKBWriter_create_r(gh);
    if (wr == NULL)
        return rs_geo_fail(g, RS_ERR, "WKB writer");
    GEOSWKBWriter_setOutputDimension_r(gh, wr, 2);
    GEOSWKBWriter_setByteOrder_r(gh, wr, GEOS_WKB_NDR);
    int began = 0;
    int rc = rs_heat_clip_init(ctx, o->district, &c);
    if (rc != 0 || (rc = rs_store_begin(ws)) != 0)
        goto fail;
    began = 1;
    if ((rc = put_layer(ws, info, h, o)) != 0)
        goto fail;
    if (pg)
        rc = rs_store_copy_begin(ws,
                                 "COPY roadsafe.heat_cell(layer, cell_i, cell_j, district, "
                                 "pings, value, withheld, geom_wkb) FROM STDIN (FORMAT binary)",
                                 &s.copy);
    else if (sqlite3_prepare_v2(rs_ctx_db(ws),
                                "INSERT INTO heat_cell(layer, cell_i, cell_j, district, pings, "
                                "value, withheld, geom_wkb) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                -1, &s.ins, NULL) != SQLITE_OK)
        rc = rs_store_fail(ws, "publish the heat layer");
    if (rc != 0)
        goto fail;
    int failed = 0;
    for (size_t k = 0; rc == 0 && k < h->ncells; k++) {
        const rs_heat_cell *cell = &h->cells[k];
        GEOSGeometry *geom = rs_heat_cell_geom(g, &h->grid, cell, &c);
        cell_row r = {cell, rs_heat_district_name(&c, cell->district), NULL, 0,
                      cell->withheld ? NAN : rs_heat_cell_value(cell, o->metric)};
        if (geom)
            r.wkb = GEOSWKBWriter_write_r(gh, wr, geom, &r.nwkb);
        if (r.wkb == NULL) {
            rc = rs_geo_fail(g, RS_ERR, "cell polygon");
            failed = 1;
        } else if (pg) {
            put_pg(&s, &r);
        } else {
            rc = put_sqlite(&s, &r);
        }
        if (r.wkb)
            GEOSFree_r(gh, r.wkb);
        if (geom)
            GEOSGeom_destroy_r(gh, geom);
    }
    if (pg) {
        int rc2 = rs_store_copy_end(ws, s.copy, rc == 0 && !failed);
        if (rc == 0)
            rc = rc2;
    }
    if (rc == 0)
        rc = rs_store_commit(ws);
fail:
    if (rc != 0 && began)
        rs_store_rollback(ws);
    sqlite3_finalize(s.ins);
    rs_heat_clip_free(g, &c);
    GEOSWKBWriter_destroy_r(gh, wr);
    return rc;
}
