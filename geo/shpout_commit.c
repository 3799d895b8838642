/*
 * shpout_commit.c — rs_shpout_commit (see shpout.c for the sequence): the
 * DBF field widths from the data, the .shp/.shx/.dbf written with shapelib
 * under the temporary names, the read-back that compares every shape and
 * value with what was meant, then the syncs and the renames into place.
 * The shapelib error hook installed here is silent: every failure is
 * reported from return values and errno (see the notes in shpout.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <shapefil.h>

#include "shpout_int.h"

/* ---- shapelib ----------------------------------------------------------- */

static void quiet_shapelib_error(const char *message)
{
    (void)message; /* see the file comment: failures are reported from return values */
}

static void shapelib_hooks(SAHooks *h)
{
    SASetupDefaultHooks(h);
    h->Error = quiet_shapelib_error;
}

/* ---- commit ------------------------------------------------------------- */

/* The five files, in rename order.  .shp and .shx first and back to back:
 * each indexes the other, so the window in which a reader sees one new and
 * one old is as short as it can be.  Then .dbf (its record count must match
 * the .shp), then .prj and .cpg last: when a layer is written again they
 * are almost always byte-identical to the ones they replace, so lagging
 * behind costs a reader nothing. */
static const char *const exts[5] = {".shp", ".shx", ".dbf", ".prj", ".cpg"};
/* Spatial indexes other tools leave beside a layer; they describe the old
 * geometry, so they are removed before the new layer goes in. */
static const char *const stale_exts[3] = {".qix", ".sbn", ".sbx"};

typedef struct commit_state {
    char *base;     /* reserved PREFIX.tmp-XXXXXX */
    char *tmp[5];   /* base + exts[k] */
    char *final[5]; /* prefix + exts[k] */
    int *width;
} commit_state;

/* Field widths from the data: see shpout.h and the file comment. */
static int compute_widths(rs_shpout *w, int *width)
{
    long reclen = 1; /* deletion flag */
    for (size_t k = 0; k < w->nfields; k++) {
        const field *f = &w->fields[k];
        size_t wd = 1;
        if (f->type == RS_FIELD_DATE) {
            wd = 8;
        } else {
            if (f->type == RS_FIELD_REAL && f->decimals > 0)
                wd = (size_t)f->decimals + 2; /* room for "0." and the decimals */
            for (size_t r = 0; r < w->n; r++) {
                size_t off = w->vals[r * w->nfields + k];
                if (off != NO_VALUE) {
                    size_t len = strlen(w->pool + off);
                    if (len > wd)
                        wd = len;
                }
            }
        }
        width[k] = (int)wd;
        reclen += (long)wd;
    }
    if (reclen > 65535)
        return rs_err_set(rs_geo_err(w->g), RS_EUSAGE,
                          "%s.dbf: a record of %ld bytes is longer than DBF allows (65535)",
                          w->prefix, reclen);
    return RS_OK;
}

static int io_fail(rs_shpout *w, const char *file, const char *what)
{
    int e = errno;
    if (e)
        return rs_err_set(rs_geo_err(w->g), RS_EIO, "%s: %s: %s", file, what, strerror(e));
    return rs_err_set(rs_geo_err(w->g), RS_EIO, "%s: %s", file, what);
}

/* Writes .shp/.shx/.dbf with shapelib under the temporary names. */
static int write_shapes(rs_shpout *w, commit_state *cs)
{
    SAHooks hooks;
    shapelib_hooks(&hooks);
    SHPHandle shp = NULL;
    DBFHandle dbf = NULL;
    int rc = RS_OK;
    const char *fshp = cs->final[0], *fdbf = cs->final[2];

    errno = 0;
    shp = SHPCreateLL(cs->tmp[0], w->kind == RS_SHP_POINTS ? SHPT_POINT : SHPT_POLYGON, &hooks);
    if (shp == NULL) {
        rc = io_fail(w, fshp, "cannot create the temporary file");
        goto done;
    }
    errno = 0;
    dbf = DBFCreateLL(cs->tmp[2], NULL, &hooks); /* the .cpg is written by hand */
    if (dbf == NULL) {
        rc = io_fail(w, fdbf, "cannot create the temporary file");
        goto done;
    }
    for (size_t k = 0; k < w->nfields; k++) {
        const field *f = &w->fields[k];
        char type = f->type == RS_FIELD_TEXT ? 'C' : f->type == RS_FIELD_DATE ? 'D' : 'N';
        if (DBFAddNativeFieldType(dbf, f->name, type, cs->width[k], f->decimals) != (int)k) {
            rc = io_fail(w, fdbf, "cannot add a field");
            goto done;
        }
    }

    char buf[TEXT_MAX + 2];
    for (size_t r = 0; r < w->n; r++) {
        const feat *fe = &w->feats[r];
        SHPObject *o;
        if (w->kind == RS_SHP_POINTS)
            o = SHPCreateSimpleObject(SHPT_POINT, 1, w->xs + fe->v0, w->ys + fe->v0, NULL);
        else
            o = SHPCreateObject(SHPT_POLYGON, -1, fe->np, w->parts + fe->p0, NULL, fe->nv,
                                w->xs + fe->v0, w->ys + fe->v0, NULL, NULL);
        if (o == NULL) {
            rc = rs_err_set(rs_geo_err(w->g), RS_ENOMEM, "out of memory");
            goto done;
        }
        errno = 0;
        int id = SHPWriteObject(shp, -1, o);
        SHPDestroyObject(o);
        if (id != (int)r) {
            rc = io_fail(w, fshp, "cannot write a shape");
            goto done;
        }
        for (size_t k = 0; k < w->nfields; k++) {
            const field *f = &w->fields[k];
            size_t off = w->vals[r * w->nfields + k];
            int ok;
            errno = 0;
            if (off == NO_VALUE) {
                ok = DBFWriteNULLAttribute(dbf, (int)r, (int)k);
            } else if (f->type == RS_FIELD_TEXT) {
                ok = DBFWriteStringAttribute(dbf, (int)r, (int)k, w->pool + off);
            } else {
                /* numbers right-aligned to exactly the field width */
                int len = snprintf(buf, sizeof buf, "%*s", cs->width[k], w->pool + off);
                ok = len == cs->width[k] && DBFWriteAttributeDirectly(dbf, (int)r, (int)k, buf);
            }
            if (!ok) {
                rc = io_fail(w, fdbf, "cannot write a value");
                goto done;
            }
        }
    }
done:
    /* shapelib's close writes the headers but reports nothing: the
     * read-back in verify() is what proves them */
    if (shp)
        SHPClose(shp);
    if (dbf)
        DBFClose(dbf);
    return rc;
}

/* Trims the spaces DBF readers trim, for comparing text read back. */
static int same_trimmed(const char *got, const char *want)
{
    while (*want == ' ')
        want++;
    size_t n = strlen(want);
    while (n > 0 && want[n - 1] == ' ')
        n--;
    return strlen(got) == n && memcmp(got, want, n) == 0;
}

/* Reopens the temporaries with shapelib and compares every shape and value
 * with what was meant. */
static int verify(rs_shpout *w, commit_state *cs)
{
    SAHooks hooks;
    shapelib_hooks(&hooks);
    rs_err *err = rs_geo_err(w->g);
    const char *fshp = cs->final[0], *fdbf = cs->final[2];
    int rc = RS_OK;
    errno = 0;
    SHPHandle shp = SHPOpenLL(cs->tmp[0], "rb", &hooks);
    DBFHandle dbf = NULL;
    if (shp == NULL) {
        rc = io_fail(w, fshp, "the written file does not reopen");
        goto done;
    }
    errno = 0;
    if ((dbf = DBFOpenLL(cs->tmp[2], "rb", &hooks)) == NULL) {
        rc = io_fail(w, fdbf, "the written file does not reopen");
        goto done;
    }
    int nent = -1, stype = -1;
    SHPGetInfo(shp, &nent, &stype, NULL, NULL);
    int want_type = w->kind == RS_SHP_POINTS ? SHPT_POINT : SHPT_POLYGON;
    if (nent != (int)w->n || stype != want_type) {
        rc = rs_err_set(err, RS_EIO, "%s: read back %d shapes of type %d, wrote %zu of type %d",
                        fshp, nent, stype, w->n, want_type);
        goto done;
    }
    if (DBFGetRecordCount(dbf) != (int)w->n || DBFGetFieldCount(dbf) != (int)w->nfields) {
        rc = rs_err_set(err, RS_EIO, "%s: read back %d records and %d fields, wrote %zu and %zu",
                        fdbf, DBFGetRecordCount(dbf), DBFGetFieldCount(dbf), w->n, w->nfields);
        goto done;
    }
    for (size_t r = 0; r < w->n; r++) {
        const feat *fe = &w->feats[r];
        SHPObject *o = SHPReadObject(shp, (int)r);
        int same = o != NULL && o->nSHPType == want_type && o->nVertices == fe->nv &&
                   (w->kind == RS_SHP_POINTS || o->nParts == fe->np);
        for (int v = 0; same && v < fe->nv; v++)
            same = o->padfX[v] == w->xs[fe->v0 + (size_t)v] &&
                   o->padfY[v] == w->ys[fe->v0 + (size_t)v];
        for (int p = 0; same && w->kind == RS_SHP_POLYGONS && p < fe->np; p++)
            same = o->panPartStart[p] == w->parts[fe->p0 + (size_t)p];
        SHPDestroyObject(o);
        if (!same) {
            rc = rs_err_set(err, RS_EIO, "%s: shape %zu reads back different from what was written",
                            fshp, r);
            goto done;
        }
        for (size_t k = 0; k < w->nfields; k++) {
            size_t off = w->vals[r * w->nfields + k];
            int isnull = DBFIsAttributeNULL(dbf, (int)r, (int)k);
            const char *got = isnull ? NULL : DBFReadStringAttribute(dbf, (int)r, (int)k);
            if ((off == NO_VALUE) != (isnull != 0) ||
                (off != NO_VALUE && (got == NULL || !same_trimmed(got, w->pool + off)))) {
                rc = rs_err_set(err, RS_EIO,
                                "%s: record %zu field %s reads back different from what was "
                                "written",
                                fdbf, r, w->fields[k].name);
                goto done;
            }
        }
    }
done:
    if (shp)
        SHPClose(shp);
    if (dbf)
        DBFClose(dbf);
    return rc;
}

int rs_shpout_commit(rs_shpout *w)
{
    if (w == NULL)
        return RS_EUSAGE;
    rs_geo *g = w->g;
    rs_err *err = rs_geo_err(g);
    commit_state cs;
    memset(&cs, 0, sizeof cs);
    int rc = RS_OK, renamed = 0;
    char *dir = NULL;

    if (w->nfields > 0 && (cs.width = calloc(w->nfields, sizeof *cs.width)) == NULL) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = compute_widths(w, cs.width)) != RS_OK)
        goto done;
    for (int k = 0; k < 5; k++)
        if ((cs.final[k] = rs_shp_cat2(w->prefix, exts[k])) == NULL) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            goto done;
        }
    if ((rc = rs_shp_reserve_base(g, w->prefix, cs.final[0], &cs.base)) != RS_OK)
        goto done;
    for (int k = 0; k < 5; k++) {
        if ((cs.tmp[k] = rs_shp_cat2(cs.base, exts[k])) == NULL) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            goto done;
        }
        (void)rs_geo_file(g, cs.tmp[k], NULL, 0);
    }
    if ((rc = write_shapes(w, &cs)) != RS_OK)
        goto done;
    if ((rc = rs_shp_write_new_file(g, cs.tmp[3], cs.final[3], w->wkt, strlen(w->wkt))) != RS_OK ||
        (rc = rs_shp_write_new_file(g, cs.tmp[4], cs.final[4], "UTF-8", 5)) != RS_OK)
        goto done;
    if ((rc = verify(w, &cs)) != RS_OK)
        goto done;
    for (int k = 0; k < 3; k++) /* .prj and .cpg were synced as written */
        if (rs_shp_sync_path(cs.tmp[k]) != 0) {
            rc = io_fail(w, cs.final[k], "cannot sync the temporary file");
            goto done;
        }
    /* nothing may stand in the way of a rename */
    for (int k = 0; k < 5; k++) {
        struct stat st;
        if (lstat(cs.final[k], &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = rs_err_set(err, RS_EIO, "%s: is a directory", cs.final[k]);
            goto done;
        }
    }
    for (int k = 0; k < 3; k++) {
        char *stale = rs_shp_cat2(w->prefix, stale_exts[k]);
        if (stale == NULL) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            goto done;
        }
        errno = 0;
        if (remove(stale) != 0 && errno != ENOENT) {
            rc = rs_err_set(err, RS_EIO, "%s: cannot remove the stale spatial index: %s", stale,
                            strerror(errno));
            free(stale);
            goto done;
        }
        free(stale);
    }
    for (int k = 0; k < 5; k++) {
        if (rs_geo_file(g, cs.tmp[k], cs.final[k], 2) != 0) {
            rc = rs_err_set(err, RS_EIO, "%s: cannot rename %s into place: %s%s", cs.final[k],
                            cs.tmp[k], strerror(errno),
                            renamed ? " (the layer is now partly replaced)" : "");
            goto done;
        }
        renamed++;
    }
    if ((dir = rs_shp_dir_of(w->prefix)) != NULL)
        (void)rs_shp_sync_path(dir); /* best effort: makes the renames durable */
done:
    for (int k = renamed; k < 5; k++)
        if (cs.tmp[k]) {
            remove(cs.tmp[k]);
            (void)rs_geo_file(g, cs.tmp[k], NULL, 1);
        }
    if (cs.base) {
        remove(cs.base);
        (void)rs_geo_file(g, cs.base, NULL, 1);
    }
    free(cs.base);
    for (int k = 0; k < 5; k++) {
        free(cs.tmp[k]);
        free(cs.final[k]);
    }
    free(cs.width);
    free(dir);
    rs_shpout_abort(w);
    return rc;
}
