/*
 * fuzz_districts.c — the districts loader (geo/district.c): the hand
 * validation of .shp/.shx/.dbf, shapelib's reading, ring nesting, make-valid
 * repair and reprojection.
 *
 * Input format (one file, so libFuzzer can mutate all three together):
 *   byte 0           flags: bit 0 set = the .prj is WGS84 (reprojected),
 *                    clear = British National Grid (used as is)
 *   u32 LE, bytes    the .shp
 *   u32 LE, bytes    the .shx
 *   the rest         the .dbf
 * A length past the end takes what is there.  The four files are written
 * to the scratch directory and loaded with name field NAME and code field
 * CODE.  tests/fuzz/corpus/fuzz_districts/ seeds were made this way from a
 * roadsafe-gen districts.shp (synthetic) and hand-made small shapefiles.
 *
 * Invariants: a refusal is an RS_E code with a message; a loaded set has
 * at least one district (tests/fuzz/corpus/fuzz_districts/zero_records: an
 * empty layer used to load as no districts at all), unique non-empty names, valid (GEOS) polygonal geometries with at least
 * 4 vertices and a non-negative area, and survives the WKB round trip the
 * store uses (same count, names and areas).
 */
#include <string.h>

#include "district.h"
#include "fuzz.h"

static const char prj_bng[] =
    "PROJCS[\"British_National_Grid\",GEOGCS[\"GCS_OSGB_1936\",DATUM[\"D_OSGB_1936\","
    "SPHEROID[\"Airy_1830\",6377563.396,299.3249646]],PRIMEM[\"Greenwich\",0.0],"
    "UNIT[\"Degree\",0.0174532925199433]],PROJECTION[\"Transverse_Mercator\"],"
    "PARAMETER[\"False_Easting\",400000.0],PARAMETER[\"False_Northing\",-100000.0],"
    "PARAMETER[\"Central_Meridian\",-2.0],PARAMETER[\"Scale_Factor\",0.9996012717],"
    "PARAMETER[\"Latitude_Of_Origin\",49.0],UNIT[\"Meter\",1.0]]";
static const char prj_wgs84[] =
    "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,"
    "298.257223563]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";

static size_t section(const uint8_t **p, size_t *left)
{
    uint32_t n = 0;
    for (int i = 0; i < 4; i++) {
        n |= (uint32_t)(*left > 0 ? (*p)[0] : 0) << (8 * i);
        if (*left > 0) {
            (*p)++;
            (*left)--;
        }
    }
    return n < *left ? n : *left;
}

static int repairs;
static void on_repair(void *user, const char *name, const char *reason)
{
    (void)user;
    FUZZ_ASSERT(name != NULL && reason != NULL);
    repairs++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rs_geo *g;
    if (g == NULL && (g = rs_geo_new()) == NULL)
        abort();
    const uint8_t *p = data;
    size_t left = size;
    int wgs84 = left > 0 && (p[0] & 1);
    if (left > 0) {
        p++;
        left--;
    }
    size_t n = section(&p, &left);
    fuzz_write("d.shp", p, n);
    p += n, left -= n;
    n = section(&p, &left);
    fuzz_write("d.shx", p, n);
    p += n, left -= n;
    fuzz_write("d.dbf", p, left);
    const char *prj = wgs84 ? prj_wgs84 : prj_bng;
    fuzz_write("d.prj", (const uint8_t *)prj, strlen(prj));
    char shp[512];
    snprintf(shp, sizeof shp, "%s/d.shp", fuzz_tmpdir());

    rs_districts *d = NULL;
    rs_err_clear(rs_geo_err(g));
    repairs = 0;
    int rc = rs_districts_from_shapefile(g, shp, "NAME", "CODE", on_repair, NULL, &d);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "    %s (%zu districts, %d repaired)\n", rc ? rs_geo_err(g)->msg : "loaded",
                rs_districts_count(d), repairs);
    if (rc != 0) {
        FUZZ_ASSERT(d == NULL);
        FUZZ_ASSERT(rc < 0 && rs_geo_err(g)->code == rc && rs_geo_err(g)->msg[0] != '\0');
        return 0;
    }
    GEOSContextHandle_t h = rs_geo_geos(g);
    size_t count = rs_districts_count(d);
    FUZZ_ASSERT(count >= 1); /* an empty set would wipe the workspace's districts */
    FUZZ_ASSERT((size_t)repairs <= count);
    char **names = calloc(count + 1, sizeof *names);
    const char **codes = calloc(count + 1, sizeof *codes);
    unsigned char **wkb = calloc(count + 1, sizeof *wkb);
    size_t *lens = calloc(count + 1, sizeof *lens);
    FUZZ_ASSERT(names && codes && wkb && lens);
    for (size_t i = 0; i < count; i++) {
        const char *name = rs_districts_name(d, i);
        FUZZ_ASSERT(name != NULL && name[0] != '\0');
        for (size_t j = 0; j < i; j++)
            FUZZ_ASSERT(strcmp(names[j], name) != 0);
        names[i] = (char *)name;
        codes[i] = rs_districts_code(d, i);
        FUZZ_ASSERT(codes[i] != NULL);
        const GEOSGeometry *geom = rs_districts_geom(d, i);
        int type = GEOSGeomTypeId_r(h, geom);
        FUZZ_ASSERT(type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON);
        FUZZ_ASSERT(GEOSisValid_r(h, geom) == 1);
        FUZZ_ASSERT(rs_districts_vertices(d, i) >= 4);
        FUZZ_ASSERT(rs_districts_area_m2(d, i) >= 0);
        FUZZ_ASSERT(rs_districts_wkb(g, d, i, &wkb[i], &lens[i]) == 0);
    }
    rs_districts *back = NULL;
    FUZZ_ASSERT(rs_districts_from_wkb(g, count, (const char *const *)names, codes,
                                      (const unsigned char *const *)wkb, lens, &back) == 0);
    FUZZ_ASSERT(rs_districts_count(back) == count);
    for (size_t i = 0; i < count; i++) {
        FUZZ_ASSERT(strcmp(rs_districts_name(back, i), names[i]) == 0);
        double a = rs_districts_area_m2(d, i), b = rs_districts_area_m2(back, i);
        FUZZ_ASSERT(a == b || (a - b) * (a - b) <= 1e-12 * a * a);
        free(wkb[i]);
    }
    rs_districts_free(back);
    free(names);
    free(codes);
    free(wkb);
    free(lens);
    rs_districts_free(d);
    return 0;
}
