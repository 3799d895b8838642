/*
 * shp.c — districts.shp/.shx/.dbf/.prj/.cpg: the 14 districts as an ESRI
 * polygon shapefile in EPSG:27700, written with shapelib.
 *
 * What: one feature per district, every ring a part (outer rings clockwise,
 * holes anticlockwise, as gen_district keeps them), DBF fields NAME (C 40)
 * and CODE (C 9); .prj is PROJ's ESRI WKT of EPSG:27700 and .cpg says
 * UTF-8.  shapelib's void-returning closes are checked through its I/O
 * hooks: the FWrite/FFlush/FClose hooks wrap the defaults and note any
 * short write, and its Error hook keeps the message.  The DBF header's
 * "last updated" date is fixed (2020-12-31) so the bytes do not depend on
 * the day the generator ran.
 *
 * Data structure: none of its own; shapelib hooks have no user pointer, so
 * the hook state is file-static (one writer at a time in this program).
 * Workload: 14 features, once.
 */
#include <errno.h>
#include <shapefil.h>
#include <stdio.h>
#include <string.h>

#include "gen.h"

static SAHooks base_hooks;
static int hook_failed;
static char hook_msg[256];

static SAOffset hook_write(void *p, SAOffset size, SAOffset nmemb, SAFile f)
{
    SAOffset n = base_hooks.FWrite(p, size, nmemb, f);
    if (n != nmemb)
        hook_failed = 1;
    return n;
}

static int hook_flush(SAFile f)
{
    int r = base_hooks.FFlush(f);
    if (r != 0)
        hook_failed = 1;
    return r;
}

static int hook_close(SAFile f)
{
    int r = base_hooks.FClose(f);
    if (r != 0)
        hook_failed = 1;
    return r;
}

static void hook_error(const char *message)
{
    hook_failed = 1;
    snprintf(hook_msg, sizeof hook_msg, "%s", message ? message : "shapelib error");
}

static int write_text(gen_world *w, const char *name, const char *text)
{
    char path[1100];
    int rc = gen_path(w, path, sizeof path, name);
    if (rc)
        return rc;
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return rs_err_set(gen_err(w), RS_EIO, "cannot create %s: %s", path, strerror(errno));
    size_t n = strlen(text);
    int bad = fwrite(text, 1, n, f) != n;
    bad |= fclose(f) != 0;
    if (bad)
        return rs_err_set(gen_err(w), RS_EIO, "cannot write %s: %s", path, strerror(errno));
    return RS_OK;
}

static int write_prj(gen_world *w)
{
    PJ_CONTEXT *ctx = rs_geo_proj(w->geo);
    PJ *crs = proj_create(ctx, "EPSG:27700");
    if (crs == NULL)
        return rs_err_set(gen_err(w), RS_ERR, "PROJ cannot create EPSG:27700: %s",
                          proj_context_errno_string(ctx, proj_context_errno(ctx)));
    const char *wkt = proj_as_wkt(ctx, crs, PJ_WKT1_ESRI, NULL);
    int rc = wkt ? write_text(w, "districts.prj", wkt)
                 : rs_err_set(gen_err(w), RS_ERR, "PROJ cannot write EPSG:27700 as ESRI WKT");
    proj_destroy(crs);
    return rc;
}

int gen_districts_write(gen_world *w)
{
    char base[1100];
    int rc = gen_path(w, base, sizeof base, "districts");
    if (rc)
        return rc;
    SAHooks hooks;
    SASetupDefaultHooks(&base_hooks);
    hooks = base_hooks;
    hooks.FWrite = hook_write;
    hooks.FFlush = hook_flush;
    hooks.FClose = hook_close;
    hooks.Error = hook_error;
    hook_failed = 0;
    hook_msg[0] = '\0';

    SHPHandle shp = SHPCreateLL(base, SHPT_POLYGON, &hooks);
    DBFHandle dbf = shp ? DBFCreateLL(base, NULL, &hooks) : NULL;
    if (shp == NULL || dbf == NULL) {
        rc = rs_err_set(gen_err(w), RS_EIO, "cannot create %s.shp/.dbf: %s", base,
                        hook_msg[0] ? hook_msg : strerror(errno));
        goto done;
    }
    DBFSetLastModifiedDate(dbf, 120, 12, 31);
    if (DBFAddField(dbf, "NAME", FTString, 40, 0) != 0 || DBFAddField(dbf, "CODE", FTString, 9, 0) != 1) {
        rc = rs_err_set(gen_err(w), RS_EIO, "cannot add DBF fields to %s.dbf", base);
        goto done;
    }
    for (int k = 0; k < GEN_NDISTRICTS; k++) {
        const gen_district *d = &w->county.d[k];
        SHPObject *obj = SHPCreateObject(SHPT_POLYGON, -1, d->nrings, d->ring_start, NULL,
                                         d->npoints, d->x, d->y, NULL, NULL);
        if (obj == NULL) {
            rc = rs_err_set(gen_err(w), RS_ENOMEM, "cannot build shape for %s", d->name);
            goto done;
        }
        int id = SHPWriteObject(shp, -1, obj);
        SHPDestroyObject(obj);
        if (id != k) {
            rc = rs_err_set(gen_err(w), RS_EIO, "cannot write shape %d to %s.shp: %s", k, base,
                            hook_msg[0] ? hook_msg : "write failed");
            goto done;
        }
        if (!DBFWriteStringAttribute(dbf, k, 0, d->name) ||
            !DBFWriteStringAttribute(dbf, k, 1, d->code)) {
            rc = rs_err_set(gen_err(w), RS_EIO, "cannot write record %d to %s.dbf", k, base);
            goto done;
        }
    }
done:
    if (shp)
        SHPClose(shp);
    if (dbf)
        DBFClose(dbf);
    if (rc == RS_OK && hook_failed)
        rc = rs_err_set(gen_err(w), RS_EIO, "writing %s.shp/.shx/.dbf failed: %s", base,
                        hook_msg[0] ? hook_msg : strerror(errno));
    if (rc == RS_OK)
        rc = write_prj(w);
    if (rc == RS_OK)
        rc = write_text(w, "districts.cpg", "UTF-8");
    return rc;
}
