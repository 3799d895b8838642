/*
 * crs.c — coordinate transformation with PROJ, batched (see crs.h).
 *
 * Core data structure: an rs_crs holds one PROJ coordinate operation, chosen
 * once with proj_create_operations (operations whose grids are missing are
 * discarded, PROJ sorts the rest best first, the first is kept) and then
 * normalised so that x/y are always lon/lat or easting/northing.  No
 * per-point operation selection happens: every point of a data set gets the
 * same datum shift.
 *
 * An rs_crs_table is a regular lon/lat node grid holding the transformed
 * easting and northing of every node; a point is interpolated bilinearly in
 * its cell.  Its error against PROJ is measured when built, at every cell
 * centre and every edge midpoint (the places where bilinear interpolation
 * is worst).
 *
 * Workload: millions of points per ingest, transformed in batches of a few
 * thousand with proj_trans_generic, or through the table (read-only, shared
 * by threads).
 */
#include "crs.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GRIDS 8

struct rs_crs {
    rs_geo *g;
    PJ *op;          /* normalised for visualisation: x/y = lon/lat, E/N;
                      * made from pipeline on first use (crs_op) when the
                      * rs_crs came from a PROJ string */
    int op_failed;   /* crs_op could not make it: every point fails */
    char desc[512];
    char *pipeline;  /* the PROJ string of op */
    int ngrids;
    char *grid_name[MAX_GRIDS], *grid_path[MAX_GRIDS];
};

struct rs_crs_table {
    double lon0, lat0, lon1, lat1; /* the box asked for */
    double step;
    size_t nx, ny;                 /* nodes per row / column */
    double *e, *n;                 /* nx * ny node values, row major (lat rows) */
    double max_err;
};

/* Shortens a CRS definition for an error message (a .prj is one long line). */
static void def_excerpt(const char *def, char *buf, size_t size)
{
    size_t len = strlen(def);
    if (len < size) {
        memcpy(buf, def, len + 1);
        return;
    }
    snprintf(buf, size, "%.*s...", (int)(size - 4), def);
}

/* proj_create() on a definition that must be a CRS.  Returns the CRS, or
 * NULL with RS_EINPUT recorded in g's error. */
static PJ *crs_create(rs_geo *g, const char *def, const char *role)
{
    PJ_CONTEXT *ctx = rs_geo_proj(g);
    char ex[96];
    def_excerpt(def, ex, sizeof ex);
    PJ *crs = proj_create(ctx, def);
    if (crs == NULL) {
        int err = proj_context_errno(ctx);
        rs_err_set(rs_geo_err(g), RS_EINPUT, "%s CRS \"%s\" not understood: %s", role, ex,
                   err ? proj_context_errno_string(ctx, err) : "unknown definition");
        return NULL;
    }
    if (!proj_is_crs(crs)) {
        proj_destroy(crs);
        rs_err_set(rs_geo_err(g), RS_EINPUT, "%s CRS \"%s\" is not a coordinate reference system",
                   role, ex);
        return NULL;
    }
    return crs;
}

static char *dup_or_null(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Fills c's pipeline (the PROJ string of its normalised operation) and the
 * grids the operation `op` uses (name, and the file PROJ found for it). */
static int crs_describe_op(rs_geo *g, rs_crs *c, PJ *op)
{
    PJ_CONTEXT *ctx = rs_geo_proj(g);
    const char *ps = proj_as_proj_string(ctx, c->op, PJ_PROJ_5, NULL);
    c->pipeline = dup_or_null(ps ? ps : "");
    if (c->pipeline == NULL)
        return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    int n = proj_coordoperation_get_grid_used_count(ctx, op);
    for (int i = 0; i < n && c->ngrids < MAX_GRIDS; i++) {
        const char *sn = NULL, *fn = NULL, *pf = NULL, *url = NULL;
        int direct = 0, open = 0, avail = 0;
        if (!proj_coordoperation_get_grid_used(ctx, op, i, &sn, &fn, &pf, &url, &direct, &open,
                                               &avail))
            continue;
        c->grid_name[c->ngrids] = dup_or_null(sn ? sn : "");
        c->grid_path[c->ngrids] = dup_or_null(fn ? fn : "");
        if (c->grid_name[c->ngrids] == NULL || c->grid_path[c->ngrids] == NULL) {
            free(c->grid_name[c->ngrids]);
            free(c->grid_path[c->ngrids]);
            return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        }
        c->ngrids++;
    }
    return RS_OK;
}

/* c's operation, made from its PROJ string the first time; NULL (with the
 * reason in c's geo error) when PROJ cannot make it. */
static PJ *crs_op(rs_crs *c)
{
    if (c->op != NULL || c->op_failed)
        return c->op;
    rs_geo *g = c->g;
    c->op = proj_create(rs_geo_proj(g), c->pipeline);
    if (c->op == NULL || proj_is_crs(c->op)) {
        int err = proj_context_errno(rs_geo_proj(g));
        proj_destroy(c->op);
        c->op = NULL;
        c->op_failed = 1;
        rs_err_set(rs_geo_err(g), RS_EINPUT, "PROJ: cannot make the operation \"%.80s\": %s",
                   c->pipeline, err ? proj_context_errno_string(rs_geo_proj(g), err) : "not an operation");
    }
    return c->op;
}

int rs_crs_new_pipeline(rs_geo *g, const char *pipeline, const char *desc, rs_crs **out)
{
    if (g == NULL || out == NULL || pipeline == NULL)
        return RS_EUSAGE;
    *out = NULL;
    rs_crs *c = calloc(1, sizeof *c);
    if (c == NULL || (c->pipeline = dup_or_null(pipeline)) == NULL) {
        free(c);
        return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    }
    c->g = g;
    snprintf(c->desc, sizeof c->desc, "%s", desc ? desc : "");
    /* proj_create opens PROJ's database: left to the first point that
     * needs PROJ (an ingest whose points the interpolation table serves
     * never does) */
    *out = c;
    return RS_OK;
}

int rs_crs_new_like(rs_geo *g, const rs_crs *like, rs_crs **out)
{
    if (g == NULL || out == NULL || like == NULL)
        return RS_EUSAGE;
    rs_crs *c = NULL;
    int rc = rs_crs_new_pipeline(g, rs_crs_pipeline(like), like->desc, &c);
    if (rc != RS_OK)
        return rc;
    for (int i = 0; i < like->ngrids; i++, c->ngrids++) {
        c->grid_name[i] = dup_or_null(like->grid_name[i]);
        c->grid_path[i] = dup_or_null(like->grid_path[i]);
        if (c->grid_name[i] == NULL || c->grid_path[i] == NULL) {
            c->ngrids++;
            rs_crs_free(c);
            return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        }
    }
    *out = c;
    return RS_OK;
}

int rs_crs_new(rs_geo *g, const char *src, const char *dst, rs_crs **out)
{
    if (g == NULL || out == NULL)
        return RS_EUSAGE;
    *out = NULL;
    if (src == NULL || dst == NULL)
        return rs_err_set(rs_geo_err(g), RS_EUSAGE, "rs_crs_new: NULL CRS definition");

    PJ_CONTEXT *ctx = rs_geo_proj(g);
    int rc = RS_OK;
    PJ *s = NULL, *d = NULL, *op = NULL, *norm = NULL;
    PJ_OPERATION_FACTORY_CONTEXT *fac = NULL;
    PJ_OBJ_LIST *ops = NULL;
    rs_crs *c = NULL;

    s = crs_create(g, src, "source");
    if (s == NULL) {
        rc = RS_EINPUT;
        goto done;
    }
    d = crs_create(g, dst, "target");
    if (d == NULL) {
        rc = RS_EINPUT;
        goto done;
    }

    fac = proj_create_operation_factory_context(ctx, NULL);
    if (fac == NULL) {
        rc = rs_err_set(rs_geo_err(g), RS_ERR, "PROJ: cannot create an operation factory");
        goto done;
    }
    proj_operation_factory_context_set_grid_availability_use(
        ctx, fac, PROJ_GRID_AVAILABILITY_DISCARD_OPERATION_IF_MISSING_GRID);
    /* Strict containment (the default) would keep only operations valid over
     * the whole area of use of both CRSs, i.e. the world for EPSG:4326, and
     * leave nothing but the ballpark. */
    proj_operation_factory_context_set_spatial_criterion(
        ctx, fac, PROJ_SPATIAL_CRITERION_PARTIAL_INTERSECTION);

    ops = proj_create_operations(ctx, s, d, fac);
    if (ops == NULL || proj_list_get_count(ops) < 1) {
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT,
                        "no coordinate operation from %s to %s", proj_get_name(s),
                        proj_get_name(d));
        goto done;
    }
    op = proj_list_get(ctx, ops, 0);
    if (op == NULL) {
        rc = rs_err_set(rs_geo_err(g), RS_ERR, "PROJ: cannot read the best operation");
        goto done;
    }
    norm = proj_normalize_for_visualization(ctx, op);
    if (norm == NULL) {
        int err = proj_context_errno(ctx);
        rc = rs_err_set(rs_geo_err(g), RS_ERR, "PROJ: cannot normalise axis order: %s",
                        err ? proj_context_errno_string(ctx, err) : "unknown error");
        goto done;
    }

    c = calloc(1, sizeof *c);
    if (c == NULL) {
        rc = rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        goto done;
    }
    c->g = g;
    const char *name = proj_get_name(op);
    double acc = proj_coordoperation_get_accuracy(ctx, op);
    if (acc >= 0)
        snprintf(c->desc, sizeof c->desc, "%s (accuracy %g m)", name ? name : "?", acc);
    else
        snprintf(c->desc, sizeof c->desc, "%s (accuracy unknown)", name ? name : "?");
    c->op = norm;
    norm = NULL;
    if ((rc = crs_describe_op(g, c, op)) != RS_OK) {
        rs_crs_free(c);
        c = NULL;
        goto done;
    }
    *out = c;

done:
    proj_destroy(norm);
    proj_destroy(op);
    proj_list_destroy(ops);
    proj_operation_factory_context_destroy(fac);
    proj_destroy(d);
    proj_destroy(s);
    return rc;
}

void rs_crs_free(rs_crs *c)
{
    if (c == NULL)
        return;
    proj_destroy(c->op);
    free(c->pipeline);
    for (int i = 0; i < c->ngrids; i++) {
        free(c->grid_name[i]);
        free(c->grid_path[i]);
    }
    free(c);
}

size_t rs_crs_trans(rs_crs *c, double *x, double *y, size_t n)
{
    if (c == NULL || n == 0)
        return 0;
    if (crs_op(c) == NULL) {
        for (size_t i = 0; i < n; i++)
            x[i] = y[i] = HUGE_VAL;
        return n;
    }
    proj_errno_reset(c->op);
    proj_trans_generic(c->op, PJ_FWD, x, sizeof *x, n, y, sizeof *y, n, NULL, 0, 0, NULL, 0, 0);
    proj_errno_reset(c->op);
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (x[i] == HUGE_VAL || y[i] == HUGE_VAL || !isfinite(x[i]) || !isfinite(y[i])) {
            x[i] = y[i] = HUGE_VAL;
            failed++;
        }
    }
    return failed;
}

const char *rs_crs_describe(const rs_crs *c) { return c ? c->desc : ""; }
const char *rs_crs_pipeline(const rs_crs *c) { return c && c->pipeline ? c->pipeline : ""; }
int rs_crs_grid_count(const rs_crs *c) { return c ? c->ngrids : 0; }
const char *rs_crs_grid_name(const rs_crs *c, int i)
{
    return c && i >= 0 && i < c->ngrids ? c->grid_name[i] : "";
}
const char *rs_crs_grid_path(const rs_crs *c, int i)
{
    return c && i >= 0 && i < c->ngrids ? c->grid_path[i] : "";
}

/* ---- interpolation table ------------------------------------------------ */

/* Interpolates at (lon,lat) inside the node grid; no bounds check. */
static void table_interp(const rs_crs_table *t, double lon, double lat, double *e, double *n)
{
    double fx = (lon - t->lon0) / t->step, fy = (lat - t->lat0) / t->step;
    size_t i = (size_t)fx, j = (size_t)fy;
    if (i > t->nx - 2)
        i = t->nx - 2;
    if (j > t->ny - 2)
        j = t->ny - 2;
    fx -= (double)i;
    fy -= (double)j;
    size_t k = j * t->nx + i;
    double w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
    *e = w00 * t->e[k] + w10 * t->e[k + 1] + w01 * t->e[k + t->nx] + w11 * t->e[k + t->nx + 1];
    *n = w00 * t->n[k] + w10 * t->n[k + 1] + w01 * t->n[k + t->nx] + w11 * t->n[k + t->nx + 1];
}

/* Measures the table against PROJ at the centre and at the south and west
 * edge midpoints of every cell, plus the north/east edges of the last
 * row/column, one row of cells at a time (memory: a few arrays of one row).
 * Returns 0 and the largest distance in *max_err, or an RS_E code (a probe
 * PROJ cannot transform is an error: the box is too big). */
static int table_measure(rs_geo *g, rs_crs *c, const rs_crs_table *t, double *max_err)
{
    size_t cells_x = t->nx - 1, cells_y = t->ny - 1;
    /* per row: centre, south and west midpoints of each cell, the east edge
     * midpoint of the last cell; the top row adds its north edge midpoints */
    size_t cap = 4 * cells_x + 1;
    double *x = malloc(cap * sizeof *x), *y = malloc(cap * sizeof *y);
    double *px = malloc(cap * sizeof *px), *py = malloc(cap * sizeof *py);
    int rc = RS_OK;
    double worst = 0;
    if (x == NULL || y == NULL || px == NULL || py == NULL) {
        rc = rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < cells_y; j++) {
        size_t k = 0;
        double la = t->lat0 + (double)j * t->step;
        for (size_t i = 0; i < cells_x; i++) {
            double lo = t->lon0 + (double)i * t->step;
            x[k] = lo + t->step / 2, y[k++] = la + t->step / 2;
            x[k] = lo + t->step / 2, y[k++] = la;
            x[k] = lo, y[k++] = la + t->step / 2;
        }
        x[k] = t->lon0 + (double)cells_x * t->step, y[k++] = t->lat0 + ((double)j + 0.5) * t->step;
        if (j + 1 == cells_y)
            for (size_t i = 0; i < cells_x; i++)
                x[k] = t->lon0 + ((double)i + 0.5) * t->step,
                y[k++] = t->lat0 + (double)cells_y * t->step;
        memcpy(px, x, k * sizeof *px);
        memcpy(py, y, k * sizeof *py);
        if (rs_crs_trans(c, px, py, k) != 0) {
            rc = rs_err_set(rs_geo_err(g), RS_EINPUT,
                            "crs table: PROJ cannot transform every point of the box");
            goto done;
        }
        for (size_t i = 0; i < k; i++) {
            double e, nn;
            table_interp(t, x[i], y[i], &e, &nn);
            double d = hypot(e - px[i], nn - py[i]);
            if (d > worst)
                worst = d;
        }
    }
    *max_err = worst;
done:
    free(x);
    free(y);
    free(px);
    free(py);
    return rc;
}

int rs_crs_table_new(rs_geo *g, rs_crs *c, double lon0, double lat0, double lon1, double lat1,
                     double step, rs_crs_table **out)
{
    if (g == NULL || out == NULL)
        return RS_EUSAGE;
    *out = NULL;
    if (c == NULL || !(lon1 > lon0) || !(lat1 > lat0) || !(step > 0) ||
        !isfinite(lon0 + lat0 + lon1 + lat1 + step))
        return rs_err_set(rs_geo_err(g), RS_EUSAGE,
                          "crs table: need a non-empty box and a positive step");
    double fx = ceil((lon1 - lon0) / step - 1e-9), fy = ceil((lat1 - lat0) / step - 1e-9);
    if (fx * fy > 1e8)
        return rs_err_set(rs_geo_err(g), RS_EUSAGE,
                          "crs table: step %g gives %.0f cells, more than 1e8", step, fx * fy);

    rs_crs_table *t = calloc(1, sizeof *t);
    if (t == NULL)
        return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    t->lon0 = lon0, t->lat0 = lat0, t->lon1 = lon1, t->lat1 = lat1, t->step = step;
    t->nx = (size_t)fx + 1;
    t->ny = (size_t)fy + 1;
    size_t nodes = t->nx * t->ny;
    t->e = malloc(nodes * sizeof *t->e);
    t->n = malloc(nodes * sizeof *t->n);
    int rc = RS_OK;
    if (t->e == NULL || t->n == NULL) {
        rc = rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t j = 0; j < t->ny; j++)
        for (size_t i = 0; i < t->nx; i++) {
            t->e[j * t->nx + i] = lon0 + (double)i * step;
            t->n[j * t->nx + i] = lat0 + (double)j * step;
        }
    if (rs_crs_trans(c, t->e, t->n, nodes) != 0) {
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT,
                        "crs table: PROJ cannot transform every node of the box");
        goto fail;
    }
    rc = table_measure(g, c, t, &t->max_err);
    if (rc != RS_OK)
        goto fail;
    *out = t;
    return RS_OK;
fail:
    rs_crs_table_free(t);
    return rc;
}

void rs_crs_table_free(rs_crs_table *t)
{
    if (t == NULL)
        return;
    free(t->e);
    free(t->n);
    free(t);
}

int rs_crs_table_fwd(const rs_crs_table *t, double lon, double lat, double *e, double *n)
{
    if (t == NULL || !(lon >= t->lon0 && lon <= t->lon1 && lat >= t->lat0 && lat <= t->lat1))
        return -1;
    table_interp(t, lon, lat, e, n);
    return 0;
}

double rs_crs_table_max_error(const rs_crs_table *t) { return t ? t->max_err : 0; }

size_t rs_crs_table_nodes(const rs_crs_table *t) { return t ? t->nx * t->ny : 0; }

/* ---- the table as bytes ------------------------------------------------- */

#define TABLE_MAGIC 0x52535431u /* "RST1", native byte order */

typedef struct table_head {
    uint32_t magic, pad;
    uint64_t nx, ny;
    double lon0, lat0, lon1, lat1, step, max_err;
} table_head;

int rs_crs_table_save(const rs_crs_table *t, unsigned char **buf, size_t *len)
{
    if (t == NULL || buf == NULL || len == NULL)
        return RS_EUSAGE;
    size_t nodes = t->nx * t->ny, size = sizeof(table_head) + 2 * nodes * sizeof(double);
    unsigned char *b = malloc(size);
    if (b == NULL)
        return RS_ENOMEM;
    table_head h = {TABLE_MAGIC, 0, t->nx, t->ny, t->lon0, t->lat0, t->lon1, t->lat1, t->step,
                    t->max_err};
    memcpy(b, &h, sizeof h);
    memcpy(b + sizeof h, t->e, nodes * sizeof(double));
    memcpy(b + sizeof h + nodes * sizeof(double), t->n, nodes * sizeof(double));
    *buf = b;
    *len = size;
    return RS_OK;
}

int rs_crs_table_load(rs_geo *g, const void *buf, size_t len, rs_crs_table **out)
{
    if (g == NULL || out == NULL)
        return RS_EUSAGE;
    *out = NULL;
    table_head h;
    if (buf == NULL || len < sizeof h)
        return rs_err_set(rs_geo_err(g), RS_EINPUT, "crs table: stored table is too short");
    memcpy(&h, buf, sizeof h);
    double cells = (double)h.nx * (double)h.ny;
    if (h.magic != TABLE_MAGIC || h.nx < 2 || h.ny < 2 || cells > 1e8 ||
        len != sizeof h + 2 * (size_t)h.nx * (size_t)h.ny * sizeof(double) ||
        !isfinite(h.lon0 + h.lat0 + h.lon1 + h.lat1 + h.step + h.max_err) || !(h.step > 0) ||
        !(h.lon1 > h.lon0) || !(h.lat1 > h.lat0) || !(h.max_err >= 0) ||
        /* the box must be the node grid's: the same rule as rs_crs_table_new */
        (uint64_t)ceil((h.lon1 - h.lon0) / h.step - 1e-9) + 1 != h.nx ||
        (uint64_t)ceil((h.lat1 - h.lat0) / h.step - 1e-9) + 1 != h.ny)
        return rs_err_set(rs_geo_err(g), RS_EINPUT, "crs table: stored table is damaged");
    rs_crs_table *t = calloc(1, sizeof *t);
    size_t nodes = (size_t)h.nx * (size_t)h.ny;
    if (t == NULL || (t->e = malloc(nodes * sizeof *t->e)) == NULL ||
        (t->n = malloc(nodes * sizeof *t->n)) == NULL) {
        rs_crs_table_free(t);
        return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    }
    t->lon0 = h.lon0, t->lat0 = h.lat0, t->lon1 = h.lon1, t->lat1 = h.lat1, t->step = h.step;
    t->nx = (size_t)h.nx, t->ny = (size_t)h.ny, t->max_err = h.max_err;
    const unsigned char *b = buf;
    memcpy(t->e, b + sizeof h, nodes * sizeof(double));
    memcpy(t->n, b + sizeof h + nodes * sizeof(double), nodes * sizeof(double));
    for (size_t i = 0; i < nodes; i++)
        if (!isfinite(t->e[i]) || !isfinite(t->n[i])) {
            rs_crs_table_free(t);
            return rs_err_set(rs_geo_err(g), RS_EINPUT, "crs table: stored table is damaged");
        }
    *out = t;
    return RS_OK;
}
