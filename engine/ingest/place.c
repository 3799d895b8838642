/*
 * place.c — coordinates to BNG and district (see place.h).
 *
 * Table step: 0.005 degrees (about 350 m x 555 m at Essex's latitude),
 * which keeps bilinear error near 3 mm, well below 1 cm, for a smooth Transverse Mercator
 * plus Helmert or OSTN15 (whose own grid is 1 km).  The table covers the
 * districts' extent plus 0.05 degrees.
 */
#include "place.h"

#include <math.h>
#include <stdlib.h>

#include "crs.h"
#include "locator.h"

#define TABLE_STEP_DEG 0.005
#define TABLE_MARGIN_DEG 0.05

struct rs_placer {
    rs_crs *fwd;
    rs_crs *inv;
    rs_crs_table *table;       /* owned unless borrowed */
    int table_borrowed;
    rs_locator *loc;
};

int rs_in_gb_wgs84(double lat, double lon)
{
    return lat >= 49.8 && lat <= 60.95 && lon >= -8.7 && lon <= 1.9;
}

int rs_in_gb_bng(double e, double n)
{
    return e > 0 && e <= 700000 && n > 0 && n <= 1250000;
}

int rs_placer_new_sharing(rs_ctx *ctx, const rs_districts *d, const rs_placer *share,
                          rs_placer **out)
{
    rs_geo *g = rs_ctx_geo(ctx);
    rs_placer *p = calloc(1, sizeof *p);
    int rc = 0;
    *out = NULL;
    if (p == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    if ((rc = rs_crs_new(g, "EPSG:4326", "EPSG:27700", &p->fwd)) != 0)
        goto fail;
    p->table = share ? share->table : NULL;
    p->table_borrowed = 1;
    if (d != NULL && rs_districts_count(d) > 0 && (rc = rs_locator_new(g, d, 0, &p->loc)) != 0)
        goto fail;
    *out = p;
    return 0;
fail:
    rs_placer_free(p);
    return rc ? rc : RS_ERR;
}

int rs_placer_new(rs_ctx *ctx, const rs_districts *d, rs_placer **out)
{
    rs_geo *g = rs_ctx_geo(ctx);
    rs_placer *p = NULL;
    int rc = rs_placer_new_sharing(ctx, d, NULL, &p);
    *out = NULL;
    if (rc != 0)
        return rc;
    p->table_borrowed = 0; /* the table built here is this placer's own */
    if (d != NULL && rs_districts_count(d) > 0) {
        double x0, y0, x1, y1;
        rs_districts_extent(d, &x0, &y0, &x1, &y1);
        if ((rc = rs_crs_new(g, "EPSG:27700", "EPSG:4326", &p->inv)) != 0)
            goto fail;
        double xs[4] = {x0, x1, x0, x1}, ys[4] = {y0, y0, y1, y1};
        rs_crs_trans(p->inv, xs, ys, 4);
        double lon0 = HUGE_VAL, lat0 = HUGE_VAL, lon1 = -HUGE_VAL, lat1 = -HUGE_VAL;
        for (int i = 0; i < 4; i++) {
            if (xs[i] == HUGE_VAL)
                continue;
            lon0 = fmin(lon0, xs[i]);
            lon1 = fmax(lon1, xs[i]);
            lat0 = fmin(lat0, ys[i]);
            lat1 = fmax(lat1, ys[i]);
        }
        if (lon0 < lon1 && lat0 < lat1 &&
            (rc = rs_crs_table_new(g, p->fwd, lon0 - TABLE_MARGIN_DEG, lat0 - TABLE_MARGIN_DEG,
                                   lon1 + TABLE_MARGIN_DEG, lat1 + TABLE_MARGIN_DEG,
                                   TABLE_STEP_DEG, &p->table)) != 0)
            goto fail;
    }
    *out = p;
    return 0;
fail:
    rs_placer_free(p);
    return rc ? rc : RS_ERR;
}

void rs_placer_free(rs_placer *p)
{
    if (p == NULL)
        return;
    rs_locator_free(p->loc);
    if (!p->table_borrowed)
        rs_crs_table_free(p->table);
    rs_crs_free(p->inv);
    rs_crs_free(p->fwd);
    free(p);
}

int rs_placer_wgs84(rs_placer *p, double lat, double lon, double *e, double *n,
                    int32_t *district)
{
    if (p->table == NULL || rs_crs_table_fwd(p->table, lon, lat, e, n) != 0) {
        double x = lon, y = lat;
        if (rs_crs_trans(p->fwd, &x, &y, 1) != 0)
            return -1;
        *e = x;
        *n = y;
    }
    *district = rs_placer_bng(p, *e, *n);
    return 0;
}

int32_t rs_placer_bng(rs_placer *p, double e, double n)
{
    return p->loc ? rs_locator_find(p->loc, e, n) : -1;
}

const char *rs_placer_describe(const rs_placer *p) { return rs_crs_describe(p->fwd); }

double rs_placer_table_error(const rs_placer *p)
{
    return p->table ? rs_crs_table_max_error(p->table) : 0.0;
}
