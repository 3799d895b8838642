/*
 * context.c — map context layers from shapefiles (see context.h).
 *
 * Reading goes: the hand validation of the four files shared with the
 * district reader (district_file.c, any shape type allowed) -> shapelib
 * reads each record -> the parts are copied out (a multipoint gives one
 * part per point, a polygon one part per ring) -> PROJ brings every vertex
 * into EPSG:27700 unless the .prj already is it.  A vertex PROJ cannot
 * transform refuses the whole file with the record named: a context layer
 * half drawn would mislead more than none.
 *
 * Workload: a few thousand features with up to some 10^5 vertices, read
 * once per map command.
 */
#include "context.h"

#include <strings.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crs.h"
#include "district_int.h"

void rs_context_layer_free(rs_context_layer *c)
{
    if (c == NULL)
        return;
    if (c->label) {
        for (size_t k = 0; k < c->nparts; k++)
            free(c->label[k]);
        free(c->label);
    }
    free(c->off);
    free(c->xy);
    free(c->name);
    free(c);
}

static char *dup_trim(const char *s)
{
    if (s == NULL)
        s = "";
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 4 && b[n - 4] == '.')
        n -= 4;
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, b, n);
        d[n] = '\0';
    }
    return d;
}

/* The label field's index, or -1 (see context.h). */
static int label_field(DBFHandle dbf)
{
    static const char *const names[] = {"NAME", "NAME1", "LABEL", "TOWN", "PLACE"};
    int nf = DBFGetFieldCount(dbf);
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        for (int i = 0; i < nf; i++) {
            char fname[12];
            if (DBFGetFieldInfo(dbf, i, fname, NULL, NULL) == FTInvalid)
                continue;
            if (strcasecmp(fname, names[k]) == 0)
                return i;
        }
    for (int i = 0; i < nf; i++)
        if (DBFGetFieldInfo(dbf, i, NULL, NULL, NULL) == FTString)
            return i;
    return -1;
}

static int kind_of(int type)
{
    switch (type) {
    case SHPT_POINT: case SHPT_POINTZ: case SHPT_POINTM:
    case SHPT_MULTIPOINT: case SHPT_MULTIPOINTZ: case SHPT_MULTIPOINTM:
        return RS_CONTEXT_POINTS;
    case SHPT_ARC: case SHPT_ARCZ: case SHPT_ARCM:
        return RS_CONTEXT_LINES;
    case SHPT_POLYGON: case SHPT_POLYGONZ: case SHPT_POLYGONM:
        return RS_CONTEXT_POLYGONS;
    default:
        return 0;
    }
}

typedef struct builder {
    rs_context_layer *c;
    size_t cap_parts, cap_pts, npts;
    size_t *rec; /* the record of each part, for messages */
} builder;

static int add_part(builder *b, const double *x, const double *y, size_t n, int rec,
                    const char *label)
{
    rs_context_layer *c = b->c;
    if (c->nparts + 2 > b->cap_parts) {
        size_t cap = b->cap_parts ? 2 * b->cap_parts : 64;
        size_t *off = realloc(c->off, cap * sizeof *off);
        if (off == NULL)
            return -1;
        c->off = off;
        size_t *r = realloc(b->rec, cap * sizeof *r);
        if (r == NULL)
            return -1;
        b->rec = r;
        if (c->kind == RS_CONTEXT_POINTS) {
            char **l = realloc(c->label, cap * sizeof *l);
            if (l == NULL)
                return -1;
            c->label = l;
        }
        b->cap_parts = cap;
    }
    if (b->npts + n > b->cap_pts) {
        size_t cap = b->cap_pts ? b->cap_pts : 256;
        while (cap < b->npts + n)
            cap *= 2;
        double *xy = realloc(c->xy, 2 * cap * sizeof *xy);
        if (xy == NULL)
            return -1;
        c->xy = xy;
        b->cap_pts = cap;
    }
    if (c->kind == RS_CONTEXT_POINTS) {
        if ((c->label[c->nparts] = dup_trim(label)) == NULL)
            return -1;
    }
    c->off[c->nparts] = b->npts;
    b->rec[c->nparts] = (size_t)rec;
    for (size_t k = 0; k < n; k++) {
        c->xy[2 * (b->npts + k)] = x[k];
        c->xy[2 * (b->npts + k) + 1] = y[k];
    }
    b->npts += n;
    c->nparts++;
    c->off[c->nparts] = b->npts;
    return 0;
}

/* Brings every vertex into EPSG:27700; RS_EINPUT naming the first record
 * that PROJ cannot transform. */
static int transform(rs_geo *g, rs_crs *crs, builder *b, const char *shp)
{
    rs_context_layer *c = b->c;
    if (b->npts == 0)
        return RS_OK;
    double *x = malloc(b->npts * sizeof *x), *y = malloc(b->npts * sizeof *y);
    if (x == NULL || y == NULL) {
        free(x);
        free(y);
        return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < b->npts; k++) {
        x[k] = c->xy[2 * k];
        y[k] = c->xy[2 * k + 1];
    }
    rs_crs_trans(crs, x, y, b->npts);
    int rc = RS_OK;
    for (size_t p = 0; p < c->nparts && rc == RS_OK; p++)
        for (size_t k = c->off[p]; k < c->off[p + 1]; k++) {
            if (!isfinite(x[k]) || !isfinite(y[k]) || fabs(x[k]) > 1e8 || fabs(y[k]) > 1e8) {
                rc = rs_err_set(rs_geo_err(g), RS_EINPUT,
                                "%s: record %zu: a point PROJ cannot bring into British "
                                "National Grid (is the .prj right?)",
                                shp, b->rec[p] + 1);
                break;
            }
            c->xy[2 * k] = x[k];
            c->xy[2 * k + 1] = y[k];
        }
    free(x);
    free(y);
    return rc;
}

int rs_context_layer_read(rs_geo *g, const char *shp_path, rs_context_layer **out)
{
    if (g == NULL || out == NULL)
        return RS_EUSAGE;
    *out = NULL;
    if (shp_path == NULL || *shp_path == '\0')
        return rs_err_set(rs_geo_err(g), RS_EUSAGE, "context layer: no path");
    shp_paths *p = calloc(1, sizeof *p);
    builder b = {0};
    SHPHandle shp = NULL;
    DBFHandle dbf = NULL;
    rs_crs *crs = NULL;
    SHPObject *o = NULL;
    int rc, nrec = 0;
    uint32_t type = 0;
    if (p == NULL)
        return rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
    if ((rc = rs_dist_make_paths(g, shp_path, p)) != RS_OK ||
        (rc = rs_shp_validate_files(g, p, 0, &nrec, &type)) != RS_OK)
        goto done;
    int kind = kind_of((int)type);
    if (kind == 0) {
        rc = rs_err_set(rs_geo_err(g), RS_EINPUT,
                        "%s: shape type %u is not points, lines or polygons", p->shp, type);
        goto done;
    }
    if ((rc = rs_shp_open_bng(g, p, &crs, &shp, &dbf)) != RS_OK)
        goto done;
    if ((b.c = calloc(1, sizeof *b.c)) == NULL || (b.c->name = base_name(p->shp)) == NULL) {
        rc = rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        goto done;
    }
    b.c->kind = (rs_context_kind)kind;
    int lab = kind == RS_CONTEXT_POINTS ? label_field(dbf) : -1;
    for (int i = 0; i < nrec; i++) {
        if ((o = SHPReadObject(shp, i)) == NULL) {
            rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: record %d: shapelib cannot read it",
                            p->shp, i + 1);
            goto done;
        }
        const char *text = lab >= 0 && !DBFIsAttributeNULL(dbf, i, lab)
                               ? DBFReadStringAttribute(dbf, i, lab)
                               : "";
        int bad = 0;
        if (o->nSHPType == SHPT_NULL || o->nVertices == 0) {
            /* a null shape: nothing to draw */
        } else if (kind == RS_CONTEXT_POINTS) {
            for (int k = 0; k < o->nVertices && !bad; k++)
                bad = add_part(&b, o->padfX + k, o->padfY + k, 1, i, text);
        } else {
            int np = o->nParts > 0 ? o->nParts : 1;
            for (int k = 0; k < np && !bad; k++) {
                int s = o->nParts > 0 ? o->panPartStart[k] : 0;
                int e = k + 1 < np ? o->panPartStart[k + 1] : o->nVertices;
                if (s < 0 || e > o->nVertices || e < s) {
                    rc = rs_err_set(rs_geo_err(g), RS_EINPUT, "%s: record %d: bad part %d",
                                    p->shp, i + 1, k + 1);
                    goto done;
                }
                if (e - s >= 2)
                    bad = add_part(&b, o->padfX + s, o->padfY + s, (size_t)(e - s), i, NULL);
            }
        }
        SHPDestroyObject(o);
        o = NULL;
        if (bad) {
            rc = rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
            goto done;
        }
    }
    if (crs && (rc = transform(g, crs, &b, p->shp)) != RS_OK)
        goto done;
    if (b.c->off == NULL && (b.c->off = calloc(1, sizeof *b.c->off)) == NULL) {
        rc = rs_err_set(rs_geo_err(g), RS_ENOMEM, "out of memory");
        goto done;
    }
    *out = b.c;
    b.c = NULL;
    rc = RS_OK;
done:
    SHPDestroyObject(o);
    if (shp)
        SHPClose(shp);
    if (dbf)
        DBFClose(dbf);
    rs_crs_free(crs);
    free(p);
    free(b.rec);
    rs_context_layer_free(b.c);
    return rc;
}
