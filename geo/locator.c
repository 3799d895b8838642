/*
 * locator.c — fast point-in-district lookup for many points (see locator.h).
 *
 * Core data structure: a regular accelerator grid of nx * ny square cells
 * over the districts' extent, one int32 per cell:
 *   >= 0  the cell lies in the interior of exactly that district and meets
 *         no other: every point in it belongs there;
 *   -1    the cell meets no district;
 *   <= -2 a boundary cell: -(v + 2) indexes a candidate list (the districts
 *         whose geometry meets the cell, ascending) in a CSR array.
 * A point in a boundary cell is tested with GEOSPreparedCovers against its
 * candidates in ascending order; the first that covers it wins, which makes
 * the lowest-index rule for shared boundaries hold by construction.
 *
 * Cells are classified top down: the grid is cut into blocks, each block's
 * candidates come from a GEOS STRtree query, and a block that is not wholly
 * inside one district or wholly outside all is split in four, its children
 * testing only the parent's candidates, down to single cells.  Only cells
 * along boundaries therefore cost polygon predicates.
 *
 * Workload: millions of lookups per ingest; most points fall in interior
 * cells and cost one array read.  Built once when districts are loaded and
 * kept in the workspace (see rs_locator_save); threads share one grid.
 */
#include "locator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 32        /* cells per side of a top-level block */
#define AUTO_CELLS 512  /* cells along the longer side when cell_m is 0 */

struct rs_locator {
    rs_geo *g;
    const rs_districts *d;
    size_t n;
    const GEOSPreparedGeometry **prep; /* one per district */
    double x0, y0, cell;
    size_t nx, ny;
    int32_t *cells;
    uint32_t *cand_off; /* nlists + 1 offsets into cand */
    int32_t *cand;
    size_t nlists, cand_len, lists_cap, cand_cap;
    int borrowed;       /* cells and candidate lists belong to another locator */
    unsigned long long lookups, fast;
};

/* District i's prepared geometry, prepared on first use (a district no point
 * comes near costs nothing); NULL with the error recorded on failure. */
static const GEOSPreparedGeometry *prep_of(rs_locator *l, int32_t i)
{
    if (l->prep[i] == NULL) {
        l->prep[i] = GEOSPrepare_r(rs_geo_geos(l->g), rs_districts_geom(l->d, (size_t)i));
        if (l->prep[i] == NULL)
            rs_geo_fail(l->g, RS_ERR, "locator: prepare");
    }
    return l->prep[i];
}

/* Scratch while building. */
typedef struct build {
    rs_locator *l;
    GEOSContextHandle_t h;
    int32_t *found; /* STRtree query results */
    size_t nfound;
    int failed;     /* an RS_E code once something went wrong */
} build;

static void on_query(void *item, void *userdata)
{
    build *b = userdata;
    b->found[b->nfound++] = *(const int32_t *)item;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Appends a candidate list; returns its cell code (<= -2) or 0 on failure. */
static int32_t add_list(build *b, const int32_t *ids, size_t k)
{
    rs_locator *l = b->l;
    if (l->nlists + 2 > l->lists_cap) {
        size_t cap = l->lists_cap ? 2 * l->lists_cap : 1024;
        uint32_t *p = realloc(l->cand_off, cap * sizeof *p);
        if (p == NULL)
            return 0;
        l->cand_off = p;
        l->lists_cap = cap;
    }
    if (l->cand_len + k > l->cand_cap) {
        size_t cap = l->cand_cap ? 2 * l->cand_cap : 4096;
        while (cap < l->cand_len + k)
            cap *= 2;
        int32_t *p = realloc(l->cand, cap * sizeof *p);
        if (p == NULL)
            return 0;
        l->cand = p;
        l->cand_cap = cap;
    }
    if (l->cand_len + k > UINT32_MAX || l->nlists > (size_t)INT32_MAX - 2)
        return 0;
    memcpy(l->cand + l->cand_len, ids, k * sizeof *ids);
    l->cand_off[l->nlists] = (uint32_t)l->cand_len;
    l->cand_len += k;
    l->cand_off[l->nlists + 1] = (uint32_t)l->cand_len;
    return -(int32_t)(l->nlists++) - 2;
}

/* The box of cells [i0,i1) x [j0,j1), grown by a millionth of a cell on
 * every side: a point whose cell index rounding put one cell over still
 * lies in the box its cell was classified with. */
static GEOSGeometry *cells_box(const rs_locator *l, size_t i0, size_t j0, size_t i1, size_t j1)
{
    double eps = l->cell * 1e-6;
    return GEOSGeom_createRectangle_r(rs_geo_geos(l->g), l->x0 + (double)i0 * l->cell - eps,
                                      l->y0 + (double)j0 * l->cell - eps,
                                      l->x0 + (double)i1 * l->cell + eps,
                                      l->y0 + (double)j1 * l->cell + eps);
}

/* Classifies cells [i0,i1) x [j0,j1) given the districts that may meet
 * them (ascending).  Recursive in quarters; depth is log2(BLOCK). */
static void classify(build *b, size_t i0, size_t j0, size_t i1, size_t j1, const int32_t *cand,
                     size_t ncand)
{
    rs_locator *l = b->l;
    GEOSContextHandle_t h = b->h;
    if (b->failed)
        return;
    int32_t value = -1;
    int32_t *hit = NULL;
    size_t nhit = 0;
    GEOSGeometry *box = NULL;
    if (ncand > 0) {
        hit = malloc(ncand * sizeof *hit);
        box = cells_box(l, i0, j0, i1, j1);
        if (hit == NULL || box == NULL) {
            b->failed = hit ? rs_geo_fail(l->g, RS_ERR, "locator cell box") : RS_ENOMEM;
            goto done;
        }
        for (size_t k = 0; k < ncand; k++) {
            const GEOSPreparedGeometry *pg = prep_of(l, cand[k]);
            char r = pg ? GEOSPreparedIntersects_r(h, pg, box) : 2;
            if (r == 2) {
                b->failed = rs_geo_fail(l->g, RS_ERR, "locator: prepared intersects");
                goto done;
            }
            if (r)
                hit[nhit++] = cand[k];
        }
        if (nhit == 1) {
            const GEOSPreparedGeometry *pg = prep_of(l, hit[0]);
            char r = pg ? GEOSPreparedContainsProperly_r(h, pg, box) : 2;
            if (r == 2) {
                b->failed = rs_geo_fail(l->g, RS_ERR, "locator: prepared contains");
                goto done;
            }
            if (r)
                value = hit[0];
        }
    }
    if (nhit == 0 || value >= 0) {
        for (size_t j = j0; j < j1; j++)
            for (size_t i = i0; i < i1; i++)
                l->cells[j * l->nx + i] = value;
        goto done;
    }
    if (i1 - i0 == 1 && j1 - j0 == 1) {
        int32_t code = add_list(b, hit, nhit);
        if (code == 0)
            b->failed = RS_ENOMEM;
        else
            l->cells[j0 * l->nx + i0] = code;
        goto done;
    }
    GEOSGeom_destroy_r(h, box);
    box = NULL;
    size_t im = i1 - i0 > 1 ? (i0 + i1) / 2 : i1, jm = j1 - j0 > 1 ? (j0 + j1) / 2 : j1;
    classify(b, i0, j0, im, jm, hit, nhit);
    if (im < i1)
        classify(b, im, j0, i1, jm, hit, nhit);
    if (jm < j1)
        classify(b, i0, jm, im, j1, hit, nhit);
    if (im < i1 && jm < j1)
        classify(b, im, jm, i1, j1, hit, nhit);
done:
    if (box)
        GEOSGeom_destroy_r(h, box);
    free(hit);
}

int rs_locator_new(rs_geo *g, const rs_districts *d, double cell_m, rs_locator **out)
{
    if (g == NULL || out == NULL)
        return RS_EUSAGE;
    *out = NULL;
    if (d == NULL || !(cell_m >= 0) || !isfinite(cell_m))
        return rs_err_set(rs_geo_err(g), RS_EUSAGE,
                          "rs_locator_new: districts and a cell size >= 0 are required");
    GEOSContextHandle_t h = rs_geo_geos(g);
    int rc = RS_OK;
    GEOSSTRtree *tree = NULL;
    int32_t *ids = NULL;
    build b = {0};
    rs_locator *l = calloc(1, sizeof *l);
    if (l == NULL)
        return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    l->g = g;
    l->d = d;
    l->n = rs_districts_count(d);
    if (l->n > (size_t)INT32_MAX) {
        rc = rs_err_set(rs_geo_err(g), RS_EUSAGE, "too many districts");
        goto fail;
    }

    double xmin, ymin, xmax, ymax;
    rs_districts_extent(d, &xmin, &ymin, &xmax, &ymax);
    double w = xmax - xmin, hgt = ymax - ymin;
    if (cell_m == 0)
        cell_m = fmax(w, hgt) / AUTO_CELLS;
    if (!(cell_m > 0))
        cell_m = 1; /* no district, or a degenerate extent */
    double fx = ceil(w / cell_m), fy = ceil(hgt / cell_m);
    if (fx < 1)
        fx = 1;
    if (fy < 1)
        fy = 1;
    if (fx * fy > 1e8) {
        rc = rs_err_set(rs_geo_err(g), RS_EUSAGE,
                        "locator: cell size %g m gives %.0f cells, more than 1e8", cell_m,
                        fx * fy);
        goto fail;
    }
    l->x0 = xmin, l->y0 = ymin, l->cell = cell_m;
    l->nx = (size_t)fx, l->ny = (size_t)fy;
    l->cells = malloc(l->nx * l->ny * sizeof *l->cells);
    l->prep = calloc(l->n ? l->n : 1, sizeof *l->prep);
    ids = malloc((l->n ? l->n : 1) * sizeof *ids);
    b.found = malloc((l->n ? l->n : 1) * sizeof *b.found);
    if (l->cells == NULL || l->prep == NULL || ids == NULL || b.found == NULL) {
        rc = rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < l->nx * l->ny; i++)
        l->cells[i] = -1;
    if (l->n == 0)
        goto built;

    tree = GEOSSTRtree_create_r(h, 10);
    if (tree == NULL) {
        rc = rs_geo_fail(g, RS_ERR, "locator: STRtree");
        goto fail;
    }
    for (size_t i = 0; i < l->n; i++) {
        ids[i] = (int32_t)i;
        GEOSSTRtree_insert_r(h, tree, rs_districts_geom(d, i), &ids[i]);
    }

    b.l = l;
    b.h = h;
    for (size_t j0 = 0; j0 < l->ny && !b.failed; j0 += BLOCK)
        for (size_t i0 = 0; i0 < l->nx && !b.failed; i0 += BLOCK) {
            size_t i1 = i0 + BLOCK < l->nx ? i0 + BLOCK : l->nx;
            size_t j1 = j0 + BLOCK < l->ny ? j0 + BLOCK : l->ny;
            GEOSGeometry *box = cells_box(l, i0, j0, i1, j1);
            if (box == NULL) {
                b.failed = rs_geo_fail(g, RS_ERR, "locator block box");
                break;
            }
            b.nfound = 0;
            GEOSSTRtree_query_r(h, tree, box, on_query, &b);
            GEOSGeom_destroy_r(h, box);
            qsort(b.found, b.nfound, sizeof *b.found, cmp_i32);
            classify(&b, i0, j0, i1, j1, b.found, b.nfound);
        }
    if (b.failed) {
        rc = b.failed == RS_ENOMEM ? rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory")
                                   : b.failed;
        goto fail;
    }
built:
    GEOSSTRtree_destroy_r(h, tree);
    free(ids); /* the tree held pointers into it; the tree is gone */
    free(b.found);
    *out = l;
    return RS_OK;
fail:
    if (tree)
        GEOSSTRtree_destroy_r(h, tree);
    free(ids);
    free(b.found);
    rs_locator_free(l);
    return rc;
}

void rs_locator_free(rs_locator *l)
{
    if (l == NULL)
        return;
    GEOSContextHandle_t h = rs_geo_geos(l->g);
    for (size_t i = 0; l->prep && i < l->n; i++)
        if (l->prep[i])
            GEOSPreparedGeom_destroy_r(h, l->prep[i]);
    free(l->prep);
    if (!l->borrowed) {
        free(l->cells);
        free(l->cand_off);
        free(l->cand);
    }
    free(l);
}

/* The boundary-cell path: candidates in ascending order, first covering
 * wins.  A GEOS failure is recorded in the locator's rs_geo and answers -1. */
static int32_t find_slow(rs_locator *l, int32_t code, double e, double n)
{
    GEOSContextHandle_t h = rs_geo_geos(l->g);
    size_t list = (size_t)(-(code + 2));
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, e, n);
    if (pt == NULL) {
        rs_geo_fail(l->g, RS_ERR, "locator: point");
        return -1;
    }
    int32_t found = -1;
    for (uint32_t k = l->cand_off[list]; k < l->cand_off[list + 1]; k++) {
        const GEOSPreparedGeometry *pg = prep_of(l, l->cand[k]);
        char r = pg ? GEOSPreparedCovers_r(h, pg, pt) : 2;
        if (r == 2) {
            rs_geo_fail(l->g, RS_ERR, "locator: prepared covers");
            break;
        }
        if (r) {
            found = l->cand[k];
            break;
        }
    }
    GEOSGeom_destroy_r(h, pt);
    return found;
}

int32_t rs_locator_find(rs_locator *l, double e, double n)
{
    l->lookups++;
    double fx = (e - l->x0) / l->cell, fy = (n - l->y0) / l->cell;
    /* outside the grid (or NaN): no district; the far edges belong to the
     * last row/column so a vertex on the extent's edge is still found */
    if (!(fx >= 0 && fy >= 0 && fx <= (double)l->nx && fy <= (double)l->ny)) {
        l->fast++;
        return -1;
    }
    size_t i = (size_t)fx, j = (size_t)fy;
    if (i >= l->nx)
        i = l->nx - 1;
    if (j >= l->ny)
        j = l->ny - 1;
    int32_t v = l->cells[j * l->nx + i];
    if (v >= -1) {
        l->fast++;
        return v;
    }
    return find_slow(l, v, e, n);
}

double rs_locator_fast_share(const rs_locator *l)
{
    return l->lookups ? (double)l->fast / (double)l->lookups : 0;
}

/* ---- sharing and the locator as bytes ----------------------------------- */

/* A locator over d with no grid yet: its own prepared-geometry slots. */
static rs_locator *locator_shell(rs_geo *g, const rs_districts *d)
{
    rs_locator *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    l->g = g;
    l->d = d;
    l->n = rs_districts_count(d);
    l->prep = calloc(l->n ? l->n : 1, sizeof *l->prep);
    if (l->prep == NULL) {
        free(l);
        return NULL;
    }
    return l;
}

int rs_locator_new_sharing(rs_geo *g, const rs_districts *d, const rs_locator *share,
                           rs_locator **out)
{
    if (g == NULL || out == NULL)
        return RS_EUSAGE;
    *out = NULL;
    if (d == NULL || share == NULL || rs_districts_count(d) != share->n)
        return rs_err_set(rs_geo_err(g), RS_EUSAGE,
                          "rs_locator_new_sharing: the districts are not the shared locator's");
    rs_locator *l = locator_shell(g, d);
    if (l == NULL)
        return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    l->x0 = share->x0, l->y0 = share->y0, l->cell = share->cell;
    l->nx = share->nx, l->ny = share->ny;
    l->cells = share->cells;
    l->cand_off = share->cand_off;
    l->cand = share->cand;
    l->nlists = share->nlists, l->cand_len = share->cand_len;
    l->borrowed = 1;
    *out = l;
    return RS_OK;
}

#define LOC_MAGIC 0x52534c31u /* "RSL1", native byte order */

typedef struct loc_head {
    uint32_t magic, pad;
    uint64_t n, nx, ny, nlists, cand_len;
    double x0, y0, cell;
} loc_head;

int rs_locator_save(const rs_locator *l, unsigned char **buf, size_t *len)
{
    if (l == NULL || buf == NULL || len == NULL)
        return RS_EUSAGE;
    size_t cells = l->nx * l->ny, offs = l->nlists + 1;
    size_t size = sizeof(loc_head) + cells * sizeof(int32_t) + offs * sizeof(uint32_t) +
                  l->cand_len * sizeof(int32_t);
    unsigned char *b = malloc(size), *p = b;
    if (b == NULL)
        return RS_ENOMEM;
    loc_head h = {LOC_MAGIC, 0, l->n, l->nx, l->ny, l->nlists, l->cand_len, l->x0, l->y0,
                  l->cell};
    memcpy(p, &h, sizeof h);
    p += sizeof h;
    memcpy(p, l->cells, cells * sizeof(int32_t));
    p += cells * sizeof(int32_t);
    if (l->nlists > 0)
        memcpy(p, l->cand_off, offs * sizeof(uint32_t));
    else
        memset(p, 0, sizeof(uint32_t));
    p += offs * sizeof(uint32_t);
    if (l->cand_len > 0)
        memcpy(p, l->cand, l->cand_len * sizeof(int32_t));
    *buf = b;
    *len = size;
    return RS_OK;
}

/* 1 when the loaded grid and lists are what a build could have made: every
 * cell value names a district or a list, the offsets rise to cand_len and
 * every list holds districts in ascending order. */
static int loaded_ok(const rs_locator *l)
{
    size_t cells = l->nx * l->ny;
    for (size_t i = 0; i < cells; i++) {
        int32_t v = l->cells[i];
        if (v >= 0 ? (size_t)v >= l->n : v < -1 && (size_t)(-(int64_t)v - 2) >= l->nlists)
            return 0;
    }
    if (l->cand_off[0] != 0 || l->cand_off[l->nlists] != l->cand_len)
        return 0;
    for (size_t k = 0; k < l->nlists; k++) {
        if (l->cand_off[k + 1] <= l->cand_off[k])
            return 0;
        for (uint32_t j = l->cand_off[k]; j < l->cand_off[k + 1]; j++)
            if (l->cand[j] < 0 || (size_t)l->cand[j] >= l->n ||
                (j > l->cand_off[k] && l->cand[j] <= l->cand[j - 1]))
                return 0;
    }
    return 1;
}

int rs_locator_load(rs_geo *g, const rs_districts *d, const void *buf, size_t len,
                    rs_locator **out)
{
    if (g == NULL || out == NULL)
        return RS_EUSAGE;
    *out = NULL;
    loc_head h;
    if (d == NULL || buf == NULL || len < sizeof h)
        return rs_err_set(rs_geo_err(g), RS_EINPUT, "locator: stored locator is too short");
    memcpy(&h, buf, sizeof h);
    double cells = (double)h.nx * (double)h.ny;
    if (h.magic != LOC_MAGIC || h.n != rs_districts_count(d) || h.nx < 1 || h.ny < 1 ||
        cells > 1e8 || h.nlists > (uint64_t)INT32_MAX - 2 || h.cand_len > UINT32_MAX ||
        !isfinite(h.x0 + h.y0 + h.cell) || !(h.cell > 0) ||
        len != sizeof h + (size_t)cells * sizeof(int32_t) +
                   ((size_t)h.nlists + 1) * sizeof(uint32_t) +
                   (size_t)h.cand_len * sizeof(int32_t))
        return rs_err_set(rs_geo_err(g), RS_EINPUT,
                          "locator: stored locator does not match the districts");
    rs_locator *l = locator_shell(g, d);
    if (l == NULL)
        return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    l->x0 = h.x0, l->y0 = h.y0, l->cell = h.cell;
    l->nx = (size_t)h.nx, l->ny = (size_t)h.ny;
    l->nlists = (size_t)h.nlists, l->cand_len = (size_t)h.cand_len;
    l->cells = malloc((size_t)cells * sizeof *l->cells);
    l->cand_off = malloc((l->nlists + 1) * sizeof *l->cand_off);
    l->cand = malloc((l->cand_len ? l->cand_len : 1) * sizeof *l->cand);
    if (l->cells == NULL || l->cand_off == NULL || l->cand == NULL) {
        rs_locator_free(l);
        return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    }
    const unsigned char *p = (const unsigned char *)buf + sizeof h;
    memcpy(l->cells, p, (size_t)cells * sizeof(int32_t));
    p += (size_t)cells * sizeof(int32_t);
    memcpy(l->cand_off, p, (l->nlists + 1) * sizeof(uint32_t));
    p += (l->nlists + 1) * sizeof(uint32_t);
    memcpy(l->cand, p, l->cand_len * sizeof(int32_t));
    if (!loaded_ok(l)) {
        rs_locator_free(l);
        return rs_err_set(rs_geo_err(g), RS_EINPUT,
                          "locator: stored locator does not match the districts");
    }
    *out = l;
    return RS_OK;
}
