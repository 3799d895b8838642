/*
 * shp.c — districts.shp/.shx/.dbf/.prj/.cpg: the 14 districts as an ESRI
 * polygon shapefile in EPSG:27700, written with shapelib; and the map
 * context of the same county: roads.shp (every road as a line: fields
 * CLASS M/A/B/C/U, NUMBER, LIMIT_MPH, KIND inter/street) and towns.shp
 * (every town as a point: NAME, MAIN 1 for a district's main town, which
 * takes the district's name; the others are named from fixed syllables by
 * their index, so the names use no random numbers and nothing else moves).
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

static int write_prj(gen_world *w, const char *name)
{
    PJ_CONTEXT *ctx = rs_geo_proj(w->geo);
    PJ *crs = proj_create(ctx, "EPSG:27700");
    if (crs == NULL)
        return rs_err_set(gen_err(w), RS_ERR, "PROJ cannot create EPSG:27700: %s",
                          proj_context_errno_string(ctx, proj_context_errno(ctx)));
    const char *wkt = proj_as_wkt(ctx, crs, PJ_WKT1_ESRI, NULL);
    int rc = wkt ? write_text(w, name, wkt)
                 : rs_err_set(gen_err(w), RS_ERR, "PROJ cannot write EPSG:27700 as ESRI WKT");
    proj_destroy(crs);
    return rc;
}

static int open_layer(gen_world *w, const char *name, int type, SHPHandle *shp, DBFHandle *dbf,
                      char *base, size_t size)
{
    int rc = gen_path(w, base, size, name);
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
    *shp = SHPCreateLL(base, type, &hooks);
    *dbf = *shp ? DBFCreateLL(base, NULL, &hooks) : NULL;
    if (*shp == NULL || *dbf == NULL)
        return rs_err_set(gen_err(w), RS_EIO, "cannot create %s.shp/.dbf: %s", base,
                          hook_msg[0] ? hook_msg : strerror(errno));
    DBFSetLastModifiedDate(*dbf, 120, 12, 31);
    return RS_OK;
}

static int close_layer(gen_world *w, int rc, SHPHandle shp, DBFHandle dbf, const char *base,
                       const char *name)
{
    if (shp)
        SHPClose(shp);
    if (dbf)
        DBFClose(dbf);
    if (rc == RS_OK && hook_failed)
        rc = rs_err_set(gen_err(w), RS_EIO, "writing %s.shp/.shx/.dbf failed: %s", base,
                        hook_msg[0] ? hook_msg : strerror(errno));
    char f[64];
    if (rc == RS_OK) {
        snprintf(f, sizeof f, "%s.prj", name);
        rc = write_prj(w, f);
    }
    if (rc == RS_OK) {
        snprintf(f, sizeof f, "%s.cpg", name);
        rc = write_text(w, f, "UTF-8");
    }
    return rc;
}

static int write_roads(gen_world *w)
{
    char base[1100];
    SHPHandle shp = NULL;
    DBFHandle dbf = NULL;
    int rc = open_layer(w, "roads", SHPT_ARC, &shp, &dbf, base, sizeof base);
    if (rc == RS_OK && (DBFAddField(dbf, "CLASS", FTString, 1, 0) != 0 ||
                        DBFAddField(dbf, "NUMBER", FTInteger, 5, 0) != 1 ||
                        DBFAddField(dbf, "LIMIT_MPH", FTInteger, 2, 0) != 2 ||
                        DBFAddField(dbf, "KIND", FTString, 6, 0) != 3))
        rc = rs_err_set(gen_err(w), RS_EIO, "cannot add DBF fields to %s.dbf", base);
    const gen_net *n = &w->net;
    for (int k = 0; rc == RS_OK && k < n->nroads; k++) {
        const gen_road *r = &n->roads[k];
        SHPObject *obj =
            SHPCreateSimpleObject(SHPT_ARC, r->nv, r->x, r->y, NULL);
        if (obj == NULL) {
            rc = rs_err_set(gen_err(w), RS_ENOMEM, "cannot build road %d", k);
            break;
        }
        int id = SHPWriteObject(shp, -1, obj);
        SHPDestroyObject(obj);
        const char *cls = r->cls == 1 ? "M" : r->cls == 3 ? "A" : r->cls == 4 ? "B"
                          : r->cls == 5 ? "C" : "U";
        if (id != k || !DBFWriteStringAttribute(dbf, k, 0, cls) ||
            !DBFWriteIntegerAttribute(dbf, k, 1, r->number) ||
            !DBFWriteIntegerAttribute(dbf, k, 2, r->limit) ||
            !DBFWriteStringAttribute(dbf, k, 3, r->kind == GEN_ROAD_STREET ? "street" : "inter"))
            rc = rs_err_set(gen_err(w), RS_EIO, "cannot write road %d to %s: %s", k, base,
                            hook_msg[0] ? hook_msg : "write failed");
    }
    return close_layer(w, rc, shp, dbf, base, "roads");
}

/* A made-up place name for extra town k (fixed, no random numbers). */
static void town_name(int k, char *buf, size_t size)
{
    static const char *const first[] = {"Ash",   "Bram",  "Cran",  "Dun",   "Elm",  "Fox",
                                        "Gold",  "Hazel", "Ivy",   "Lang",  "Mill", "Nor",
                                        "Oak",   "Pen",   "Rush",  "Stan",  "Thorn", "Wil"};
    static const char *const last[] = {"ley",  "ford",  "ham",  "well", "by",
                                       "stead", "ton", "worth", "field", "bridge", "den"};
    size_t nf = sizeof first / sizeof first[0], nl = sizeof last / sizeof last[0];
    snprintf(buf, size, "%s%s", first[(size_t)k % nf], last[(size_t)(k * 7 + 3) % nl]);
}

static int write_towns(gen_world *w)
{
    char base[1100];
    SHPHandle shp = NULL;
    DBFHandle dbf = NULL;
    int rc = open_layer(w, "towns", SHPT_POINT, &shp, &dbf, base, sizeof base);
    if (rc == RS_OK && (DBFAddField(dbf, "NAME", FTString, 40, 0) != 0 ||
                        DBFAddField(dbf, "MAIN", FTInteger, 1, 0) != 1))
        rc = rs_err_set(gen_err(w), RS_EIO, "cannot add DBF fields to %s.dbf", base);
    const gen_net *n = &w->net;
    int extra = 0;
    for (int k = 0; rc == RS_OK && k < n->ntowns; k++) {
        const gen_town *t = &n->towns[k];
        char name[48];
        if (t->capital)
            snprintf(name, sizeof name, "%s", w->county.d[t->district].name);
        else
            town_name(extra++, name, sizeof name);
        SHPObject *obj = SHPCreateSimpleObject(SHPT_POINT, 1, &t->x, &t->y, NULL);
        if (obj == NULL) {
            rc = rs_err_set(gen_err(w), RS_ENOMEM, "cannot build town %d", k);
            break;
        }
        int id = SHPWriteObject(shp, -1, obj);
        SHPDestroyObject(obj);
        if (id != k || !DBFWriteStringAttribute(dbf, k, 0, name) ||
            !DBFWriteIntegerAttribute(dbf, k, 1, t->capital))
            rc = rs_err_set(gen_err(w), RS_EIO, "cannot write town %d to %s: %s", k, base,
                            hook_msg[0] ? hook_msg : "write failed");
    }
    return close_layer(w, rc, shp, dbf, base, "towns");
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
        rc = write_prj(w, "districts.prj");
    if (rc == RS_OK)
        rc = write_text(w, "districts.cpg", "UTF-8");
    if (rc == RS_OK)
        rc = write_roads(w);
    if (rc == RS_OK)
        rc = write_towns(w);
    return rc;
}
