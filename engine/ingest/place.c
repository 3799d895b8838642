/*
 * place.c — coordinates to BNG and district (see place.h).
 *
 * Table step: 0.005 degrees (about 350 m x 555 m at Essex's latitude),
 * which keeps bilinear error near 3 mm, well below 1 cm, for a smooth
 * Transverse Mercator plus Helmert or OSTN15 (whose own grid is 1 km).  The
 * table covers the districts' extent plus 0.05 degrees, cut to Great
 * Britain's lon/lat box (no point outside it is ever placed), and has at
 * most TABLE_MAX_NODES nodes (16 MiB): a larger extent gets no table, and
 * every point goes through PROJ itself.
 *
 * The table and the locator grid are built once per district set and kept
 * in the workspace's placer cache (rs_placer_new_stored / rs_placer_save);
 * an ingest reads them back, and its threads share one copy of each.
 */
#include "place.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "locator.h"
#include "pin.h"
#include "store.h"

#define TABLE_STEP_DEG 0.005
#define TABLE_MARGIN_DEG 0.05
#define TABLE_MAX_NODES ((size_t)1 << 20)
/* The format of the cached bytes and the build parameters: a change here
 * makes every cached entry unusable (and rebuilt). */
#define CACHE_FORMAT "placer-cache 1 step 0.005 margin 0.05 nodes 1048576 cells 512"

struct rs_placer {
    rs_crs *fwd;
    rs_crs_table *table;       /* owned unless borrowed */
    int table_borrowed;
    rs_locator *loc;
    int64_t set;               /* district set the table and locator are for */
    int unsaved;               /* built here, not read from the placer cache */
    int from_pin;              /* fwd made from the workspace's pinned operation */
};

int rs_in_gb_wgs84(double lat, double lon)
{
    return lat >= 49.8 && lat <= 60.95 && lon >= -8.7 && lon <= 1.9;
}

int rs_in_gb_bng(double e, double n)
{
    return e > 0 && e <= 700000 && n > 0 && n <= 1250000;
}

/* The interpolation table over d's extent, or none (*out NULL, 0 returned)
 * when the extent has no usable lon/lat box or needs more than
 * TABLE_MAX_NODES nodes. */
static int build_table(rs_ctx *ctx, const rs_districts *d, rs_crs *fwd, rs_crs_table **out)
{
    rs_geo *g = rs_ctx_geo(ctx);
    rs_crs *inv = NULL;
    int rc;
    *out = NULL;
    double x0, y0, x1, y1;
    rs_districts_extent(d, &x0, &y0, &x1, &y1);
    if ((rc = rs_crs_new(g, "EPSG:27700", "EPSG:4326", &inv)) != 0)
        return rc;
    double xs[4] = {x0, x1, x0, x1}, ys[4] = {y0, y0, y1, y1};
    rs_crs_trans(inv, xs, ys, 4);
    rs_crs_free(inv);
    double lon0 = HUGE_VAL, lat0 = HUGE_VAL, lon1 = -HUGE_VAL, lat1 = -HUGE_VAL;
    for (int i = 0; i < 4; i++) {
        if (xs[i] == HUGE_VAL)
            continue;
        lon0 = fmin(lon0, xs[i]);
        lon1 = fmax(lon1, xs[i]);
        lat0 = fmin(lat0, ys[i]);
        lat1 = fmax(lat1, ys[i]);
    }
    lon0 = fmax(lon0 - TABLE_MARGIN_DEG, -8.7), lat0 = fmax(lat0 - TABLE_MARGIN_DEG, 49.8);
    lon1 = fmin(lon1 + TABLE_MARGIN_DEG, 1.9), lat1 = fmin(lat1 + TABLE_MARGIN_DEG, 60.95);
    if (!(lon0 < lon1 && lat0 < lat1))
        return 0;
    double nodes = (ceil((lon1 - lon0) / TABLE_STEP_DEG - 1e-9) + 1) *
                   (ceil((lat1 - lat0) / TABLE_STEP_DEG - 1e-9) + 1);
    if (nodes > (double)TABLE_MAX_NODES)
        return 0;
    return rs_crs_table_new(g, fwd, lon0, lat0, lon1, lat1, TABLE_STEP_DEG, out);
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
    rc = share ? rs_crs_new_like(g, share->fwd, &p->fwd)
               : rs_crs_new(g, "EPSG:4326", "EPSG:27700", &p->fwd);
    if (rc != 0)
        goto fail;
    p->table = share ? share->table : NULL;
    p->table_borrowed = 1;
    if (d != NULL && rs_districts_count(d) > 0) {
        rc = share && share->loc ? rs_locator_new_sharing(g, d, share->loc, &p->loc)
                                 : rs_locator_new(g, d, 0, &p->loc);
        if (rc != 0)
            goto fail;
    }
    *out = p;
    return 0;
fail:
    rs_placer_free(p);
    return rc ? rc : RS_ERR;
}

int rs_placer_new(rs_ctx *ctx, const rs_districts *d, rs_placer **out)
{
    rs_placer *p = NULL;
    int rc = rs_placer_new_sharing(ctx, d, NULL, &p);
    *out = NULL;
    if (rc != 0)
        return rc;
    p->table_borrowed = 0; /* the table built here is this placer's own */
    p->unsaved = 1;
    if (d != NULL && rs_districts_count(d) > 0 && (rc = build_table(ctx, d, p->fwd, &p->table)) != 0) {
        rs_placer_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

/* The cache key of the table: the format and the operation it tabulates. */
static char *table_key(const rs_crs *fwd)
{
    const char *pl = rs_crs_pipeline(fwd);
    size_t n = sizeof CACHE_FORMAT + 1 + strlen(pl) + 1;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s %s", CACHE_FORMAT, pl);
    return k;
}

int rs_placer_new_stored(rs_ctx *ctx, const rs_districts *d, int64_t set, rs_placer **out)
{
    rs_geo *g = rs_ctx_geo(ctx);
    rs_placer *p = calloc(1, sizeof *p);
    void *blob = NULL;
    size_t len = 0;
    char *key = NULL;
    int rc = 0;
    *out = NULL;
    if (p == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    p->set = set;
    if ((p->fwd = rs_pin_crs(ctx)) != NULL)
        p->from_pin = 1;
    else if ((rc = rs_crs_new(g, "EPSG:4326", "EPSG:27700", &p->fwd)) != 0)
        goto fail;
    if (d == NULL || rs_districts_count(d) == 0)
        goto done;
    if ((key = table_key(p->fwd)) == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        goto fail;
    }
    /* Each entry that is absent, or does not check out against these
     * districts, is built afresh (and saved by rs_placer_save). */
    /* an empty entry: the extent has no table (too large for one) */
    rc = rs_store_cache_get(ctx, "table", set, key, &blob, &len);
    if (rc == 0 && len > 0 && rs_crs_table_load(g, blob, len, &p->table) != 0)
        rc = RS_ENOTFOUND;
    free(blob);
    blob = NULL;
    if (rc == RS_ENOTFOUND) {
        rs_err_clear(rs_ctx_err(ctx));
        p->unsaved = 1;
        rc = build_table(ctx, d, p->fwd, &p->table);
    }
    if (rc != 0)
        goto fail;
    rc = rs_store_cache_get(ctx, "locator", set, CACHE_FORMAT, &blob, &len);
    if (rc == 0 && rs_locator_load(g, d, blob, len, &p->loc) != 0)
        rc = RS_ENOTFOUND;
    free(blob);
    if (rc == RS_ENOTFOUND) {
        rs_err_clear(rs_ctx_err(ctx));
        p->unsaved = 1;
        rc = rs_locator_new(g, d, 0, &p->loc);
    }
    if (rc != 0)
        goto fail;
done:
    free(key);
    *out = p;
    return 0;
fail:
    free(key);
    rs_placer_free(p);
    return rc ? rc : RS_ERR;
}

int rs_placer_save(rs_ctx *ctx, rs_placer *p)
{
    int64_t now = 0;
    unsigned char *buf = NULL;
    size_t len = 0;
    char *key = NULL;
    int rc;
    if (p == NULL || !p->unsaved || p->loc == NULL)
        return 0;
    /* built from the set read before the write lock: another process may
     * have loaded districts since, and this one's grid is not theirs */
    if ((rc = rs_store_district_set(ctx, &now)) != 0 || now != p->set)
        return rc;
    if ((key = table_key(p->fwd)) == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    if (p->table != NULL)
        rc = rs_crs_table_save(p->table, &buf, &len);
    else if ((buf = malloc(1)) == NULL)
        rc = RS_ENOMEM;
    else
        len = 0; /* an empty entry: no table for this extent */
    if (rc != 0 || (rc = rs_store_cache_put(ctx, "table", p->set, key, buf, len)) != 0)
        goto done;
    free(buf);
    buf = NULL;
    if ((rc = rs_locator_save(p->loc, &buf, &len)) != 0 ||
        (rc = rs_store_cache_put(ctx, "locator", p->set, CACHE_FORMAT, buf, len)) != 0)
        goto done;
    p->unsaved = 0;
done:
    if (rc == RS_ENOMEM)
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory saving the placer");
    free(buf);
    free(key);
    return rc;
}

void rs_placer_free(rs_placer *p)
{
    if (p == NULL)
        return;
    rs_locator_free(p->loc);
    if (!p->table_borrowed)
        rs_crs_table_free(p->table);
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
const rs_crs *rs_placer_crs(const rs_placer *p) { return p->fwd; }
int rs_placer_was_built(const rs_placer *p) { return p->unsaved; }
int rs_placer_from_pin(const rs_placer *p) { return p->from_pin; }

double rs_placer_table_error(const rs_placer *p)
{
    return p->table ? rs_crs_table_max_error(p->table) : 0.0;
}
