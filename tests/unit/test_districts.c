/*
 * test_districts.c — geo/district: the two real Essex shapefiles (names,
 * codes, areas against independent figures, parts, vertices, WKB round
 * trip, a reprojected copy), and the refusals, each on code and message,
 * using corrupt copies written into a scratch directory.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <shapefil.h>

#include "check.h"
#include "district.h"

#define DATA RS_TEST_DATA "/boundaries"
#define BUC DATA "/essex_lad_2022_buc"
#define WARDS DATA "/essex_lad_wards2013_dissolved"

/* Expected values.  area_m2 and vertices from GDAL, independently of GEOS
 * as used here:
 *   ogrinfo -dialect SQLite -sql "SELECT LAD22NM, ST_Area(geometry),
 *     ST_NPoints(geometry), ST_NumGeometries(geometry) FROM essex_lad_2022_buc"
 * (and the same on essex_lad_wards2013_dissolved with LADNM), GDAL 3.6.2. */
typedef struct expect {
    const char *code, *name;
    double area_m2;
    int vertices, parts;
} expect;

static const expect buc[14] = {
    {"E06000033", "Southend-on-Sea", 44409528.1029394, 13, 1},
    {"E06000034", "Thurrock", 161611597.082363, 40, 2},
    {"E07000066", "Basildon", 110668231.020585, 26, 1},
    {"E07000067", "Braintree", 612589219.177777, 66, 1},
    {"E07000068", "Brentwood", 153041024.259951, 29, 1},
    {"E07000069", "Castle Point", 44149031.3089887, 22, 1},
    {"E07000070", "Chelmsford", 340545008.296071, 46, 1},
    {"E07000071", "Colchester", 328537516.497176, 82, 3},
    {"E07000072", "Epping Forest", 339310191.920818, 42, 1},
    {"E07000073", "Harlow", 29849976.8437085, 8, 1},
    {"E07000074", "Maldon", 358364162.247616, 106, 4},
    {"E07000075", "Rochford", 168437894.624914, 53, 3},
    {"E07000076", "Tendring", 329206964.206535, 106, 5},
    {"E07000077", "Uttlesford", 645334230.140321, 62, 1},
};

static const expect wards[14] = {
    {"E06000033", "Southend-on-Sea", 41751911.2574238, 208, 2},
    {"E06000034", "Thurrock", 163439191.540465, 456, 3},
    {"E07000066", "Basildon", 110016509.206219, 379, 2},
    {"E07000067", "Braintree", 611695014.139692, 964, 1},
    {"E07000068", "Brentwood", 153140714.447508, 339, 1},
    {"E07000069", "Castle Point", 45035020.3727919, 382, 11},
    {"E07000070", "Chelmsford", 342254023.570349, 663, 2},
    {"E07000071", "Colchester", 333137447.155788, 1165, 6},
    {"E07000072", "Epping Forest", 338967872.748906, 577, 1},
    {"E07000073", "Harlow", 30530202.7639748, 147, 1},
    {"E07000074", "Maldon", 358752324.305604, 2096, 13},
    {"E07000075", "Rochford", 169376898.193703, 1070, 6},
    {"E07000076", "Tendring", 337714242.865555, 1433, 11},
    {"E07000077", "Uttlesford", 641130041.103978, 775, 1},
};

static const char *BNG_PRJ =
    "PROJCS[\"British_National_Grid\",GEOGCS[\"GCS_OSGB_1936\",DATUM[\"D_OSGB_1936\","
    "SPHEROID[\"Airy_1830\",6377563.396,299.3249646]],PRIMEM[\"Greenwich\",0.0],"
    "UNIT[\"Degree\",0.0174532925199433]],PROJECTION[\"Transverse_Mercator\"],"
    "PARAMETER[\"False_Easting\",400000.0],PARAMETER[\"False_Northing\",-100000.0],"
    "PARAMETER[\"Central_Meridian\",-2.0],PARAMETER[\"Scale_Factor\",0.9996012717],"
    "PARAMETER[\"Latitude_Of_Origin\",49.0],UNIT[\"Meter\",1.0]]";

typedef struct repairs {
    int n;
    char name[64];
    char reason[256];
} repairs;

static void on_repair(void *user, const char *name, const char *reason)
{
    repairs *r = user;
    r->n++;
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->reason, sizeof r->reason, "%s", reason);
}

/* ---- file helpers ------------------------------------------------------- */

static void copy_file(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    CHECK(in != NULL && out != NULL);
    char buf[65536];
    size_t n;
    while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0)
        CHECK(fwrite(buf, 1, n, out) == n);
    if (in)
        fclose(in);
    if (out)
        fclose(out);
}

static char *path_of(const char *dir, const char *base, const char *ext)
{
    static char buf[4][1200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s.%s", dir, base, ext);
    return buf[k];
}

/* Copies the BUC shapefile (all five files) to dir/base.* */
static void copy_buc(const char *dir, const char *base)
{
    static const char *ext[] = {"shp", "shx", "dbf", "prj", "cpg"};
    for (int i = 0; i < 5; i++) {
        char src[600];
        snprintf(src, sizeof src, "%s.%s", BUC, ext[i]);
        copy_file(src, path_of(dir, base, ext[i]));
    }
}

static long size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Writes a polygon shapefile dir/base.* (BNG .prj) from n shapes given as
 * rings: shape i has nparts[i] rings; ring coordinates come from xs/ys in
 * order, ring lengths from ringlen.  Names go into a NAME field. */
static void write_polys(const char *dir, const char *base, int n, const char *const *names,
                        const int *nparts, const int *ringlen, const double *xs,
                        const double *ys)
{
    SHPHandle shp = SHPCreate(path_of(dir, base, "shp"), SHPT_POLYGON);
    DBFHandle dbf = DBFCreate(path_of(dir, base, "dbf"));
    CHECK(shp != NULL && dbf != NULL);
    if (shp == NULL || dbf == NULL)
        return;
    CHECK_EQ_INT(DBFAddField(dbf, "NAME", FTString, 40, 0), 0);
    int r = 0, v = 0;
    for (int i = 0; i < n; i++) {
        int starts[16], nv = 0;
        for (int k = 0; k < nparts[i]; k++) {
            starts[k] = nv;
            nv += ringlen[r + k];
        }
        SHPObject *o = SHPCreateObject(SHPT_POLYGON, -1, nparts[i], starts, NULL, nv, xs + v,
                                       ys + v, NULL, NULL);
        CHECK(SHPWriteObject(shp, -1, o) == i);
        SHPDestroyObject(o);
        CHECK(DBFWriteStringAttribute(dbf, i, 0, names[i]));
        r += nparts[i];
        v += nv;
    }
    SHPClose(shp);
    DBFClose(dbf);
    write_text(path_of(dir, base, "prj"), BNG_PRJ);
}

/* ---- the real data ------------------------------------------------------ */

static void check_set(rs_geo *g, const rs_districts *d, const expect *ex, const char *label)
{
    GEOSContextHandle_t h = rs_geo_geos(g);
    CHECK_EQ_INT(rs_districts_count(d), 14);
    if (rs_districts_count(d) != 14)
        return;
    double total = 0;
    for (size_t i = 0; i < 14; i++) {
        CHECK_STR(rs_districts_name(d, i), ex[i].name);
        CHECK_STR(rs_districts_code(d, i), ex[i].code);
        CHECK_NEAR(rs_districts_area_m2(d, i), ex[i].area_m2, ex[i].area_m2 * 0.001);
        CHECK_EQ_INT(rs_districts_vertices(d, i), ex[i].vertices);
        const GEOSGeometry *geom = rs_districts_geom(d, i);
        CHECK_EQ_INT(GEOSGetNumGeometries_r(h, geom), ex[i].parts);
        CHECK_EQ_INT(GEOSisValid_r(h, geom), 1);
        total += rs_districts_area_m2(d, i);
    }
    double x0, y0, x1, y1;
    rs_districts_extent(d, &x0, &y0, &x1, &y1);
    fprintf(stderr, "%s: 14 districts, %.1f km2, extent %.0f %.0f %.0f %.0f\n", label,
            total / 1e6, x0, y0, x1, y1);
    /* Essex, Southend and Thurrock: about 3,670 km2 (data README) */
    CHECK(total > 3.60e9 && total < 3.75e9);
    CHECK(x0 > 500000 && x1 < 660000 && y0 > 160000 && y1 < 260000);
}

/* Areas against the AREA_KM2 attribute the data carries (computed by the
 * data's publisher in EPSG:27700; three decimals, so 0.1% or 1 m2). */
static void check_area_attribute(const rs_districts *d, const char *dbf_path)
{
    DBFHandle dbf = DBFOpen(dbf_path, "rb");
    CHECK(dbf != NULL);
    if (dbf == NULL)
        return;
    int f = DBFGetFieldIndex(dbf, "AREA_KM2");
    CHECK(f >= 0);
    for (int i = 0; f >= 0 && i < DBFGetRecordCount(dbf) && (size_t)i < rs_districts_count(d);
         i++) {
        double km2 = DBFReadDoubleAttribute(dbf, i, f);
        CHECK_NEAR(rs_districts_area_m2(d, (size_t)i) / 1e6, km2, km2 * 0.001);
    }
    DBFClose(dbf);
}

static void test_real(rs_geo *g)
{
    repairs rep = {0};
    rs_districts *d = NULL;
    CHECK_EQ_INT(rs_districts_from_shapefile(g, BUC ".shp", "LAD22NM", "LAD22CD", on_repair, &rep,
                                             &d),
                 RS_OK);
    if (rs_geo_err(g)->code)
        fprintf(stderr, "error: %s\n", rs_geo_err(g)->msg);
    if (d) {
        check_set(g, d, buc, "BUC 2022");
        check_area_attribute(d, BUC ".dbf");
    }
    CHECK_EQ_INT(rep.n, 0); /* all 14 are valid (data README) */

    /* WKB round trip: same geometries, same order, same areas */
    if (d) {
        size_t n = rs_districts_count(d);
        unsigned char *wkb[14] = {0};
        size_t len[14] = {0};
        const char *names[14], *codes[14];
        for (size_t i = 0; i < n && i < 14; i++) {
            CHECK_EQ_INT(rs_districts_wkb(g, d, i, &wkb[i], &len[i]), RS_OK);
            CHECK(len[i] > 9 && wkb[i] && wkb[i][0] == 1); /* little endian */
            names[i] = rs_districts_name(d, i);
            codes[i] = i % 2 ? rs_districts_code(d, i) : NULL;
        }
        rs_districts *back = NULL;
        CHECK_EQ_INT(rs_districts_from_wkb(g, n, names, codes, (const unsigned char *const *)wkb,
                                           len, &back),
                     RS_OK);
        if (back) {
            CHECK_EQ_INT(rs_districts_count(back), n);
            for (size_t i = 0; i < n; i++) {
                CHECK_STR(rs_districts_name(back, i), rs_districts_name(d, i));
                CHECK_STR(rs_districts_code(back, i), i % 2 ? rs_districts_code(d, i) : "");
                CHECK(rs_districts_area_m2(back, i) == rs_districts_area_m2(d, i));
                CHECK_EQ_INT(GEOSEqualsExact_r(rs_geo_geos(g), rs_districts_geom(back, i),
                                               rs_districts_geom(d, i), 0.0),
                             1);
            }
        }
        rs_districts_free(back);

        /* WKB refusals: garbage, a point, a duplicate name */
        rs_err_clear(rs_geo_err(g));
        const unsigned char junk[] = {1, 2, 3};
        const unsigned char *jp[1] = {junk};
        size_t jl[1] = {3};
        const char *jn[1] = {"X"};
        back = (rs_districts *)1;
        CHECK_EQ_INT(rs_districts_from_wkb(g, 1, jn, NULL, jp, jl, &back), RS_EINPUT);
        CHECK(back == NULL);
        CHECK_CONTAINS(rs_geo_err(g)->msg, "district 1 (X)");
        rs_err_clear(rs_geo_err(g));
        /* POINT(1 2), ISO little endian */
        const unsigned char pt[21] = {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 240, 63,
                                      0, 0, 0, 0, 0, 0, 0, 64};
        const unsigned char *pp[1] = {pt};
        size_t pl[1] = {21};
        CHECK_EQ_INT(rs_districts_from_wkb(g, 1, jn, NULL, pp, pl, &back), RS_EINPUT);
        CHECK_CONTAINS(rs_geo_err(g)->msg, "not a polygon");
        rs_err_clear(rs_geo_err(g));
        const char *dup[2] = {names[0], names[0]};
        CHECK_EQ_INT(rs_districts_from_wkb(g, 2, dup, NULL, (const unsigned char *const *)wkb,
                                           len, &back),
                     RS_EINPUT);
        CHECK_CONTAINS(rs_geo_err(g)->msg, "name \"Southend-on-Sea\" already used by district 1");
        rs_err_clear(rs_geo_err(g));
        for (size_t i = 0; i < 14; i++)
            free(wkb[i]);
    }
    rs_districts_free(d);

    d = NULL;
    rep.n = 0;
    CHECK_EQ_INT(rs_districts_from_shapefile(g, WARDS ".shp", "LADNM", "LADCD", on_repair, &rep,
                                             &d),
                 RS_OK);
    if (rs_geo_err(g)->code)
        fprintf(stderr, "error: %s\n", rs_geo_err(g)->msg);
    if (d) {
        check_set(g, d, wards, "wards 2013 dissolved");
        check_area_attribute(d, WARDS ".dbf");
    }
    if (rep.n)
        fprintf(stderr, "wards: %d repaired, last %s: %s\n", rep.n, rep.name, rep.reason);
    CHECK_EQ_INT(rep.n, 0);
    rs_districts_free(d);
}

/* A copy in WGS84 (made with ogr2ogr when GDAL is installed) goes through
 * the reprojection path and must come back with the same areas: a Helmert
 * shift barely changes an area (the ~2 m offset is nearly uniform). */
static void test_reprojected(rs_geo *g)
{
    const char *dir = check_tmpdir("test_districts_wgs84");
    char cmd[2600];
    snprintf(cmd, sizeof cmd,
             "ogr2ogr -q -t_srs EPSG:4326 -lco ENCODING=UTF-8 '%s/wgs84.shp' '%s.shp' "
             ">/dev/null 2>&1",
             dir, BUC);
    if (system(cmd) != 0) {
        fprintf(stderr, "note: ogr2ogr unavailable, reprojection path not tested\n");
        return;
    }
    rs_districts *d = NULL;
    CHECK_EQ_INT(rs_districts_from_shapefile(g, path_of(dir, "wgs84", "shp"), "LAD22NM", "LAD22CD",
                                             NULL, NULL, &d),
                 RS_OK);
    if (d == NULL) {
        fprintf(stderr, "error: %s\n", rs_geo_err(g)->msg);
        rs_err_clear(rs_geo_err(g));
        return;
    }
    CHECK_EQ_INT(rs_districts_count(d), 14);
    for (size_t i = 0; i < rs_districts_count(d) && i < 14; i++) {
        CHECK_STR(rs_districts_name(d, i), buc[i].name);
        CHECK_NEAR(rs_districts_area_m2(d, i), buc[i].area_m2, buc[i].area_m2 * 0.0001);
    }
    double x0, y0, x1, y1;
    rs_districts_extent(d, &x0, &y0, &x1, &y1);
    CHECK(x0 > 500000 && x1 < 660000 && y0 > 160000 && y1 < 260000);
    rs_districts_free(d);
}

/* ---- refusals ----------------------------------------------------------- */

/* Loads dir/base.shp expecting RS_EINPUT and a message holding `needle`. */
static void expect_refusal(rs_geo *g, const char *dir, const char *base, const char *field,
                           const char *needle, int line)
{
    rs_districts *d = (rs_districts *)1;
    rs_err_clear(rs_geo_err(g));
    int rc = rs_districts_from_shapefile(g, path_of(dir, base, "shp"), field, NULL, NULL, NULL, &d);
    if (rc != RS_EINPUT || strstr(rs_geo_err(g)->msg, needle) == NULL)
        fprintf(stderr, "line %d: got %d \"%s\"\n", line, rc, rs_geo_err(g)->msg);
    CHECK_EQ_INT(rc, RS_EINPUT);
    CHECK(d == NULL);
    CHECK_CONTAINS(rs_geo_err(g)->msg, needle);
    if (getenv("RS_TEST_VERBOSE"))
        fprintf(stderr, "refused: %s\n", rs_geo_err(g)->msg);
    if (rc == RS_OK && d != (rs_districts *)1)
        rs_districts_free(d);
    rs_err_clear(rs_geo_err(g));
}
#define REFUSED(base, field, needle) expect_refusal(g, dir, base, field, needle, __LINE__)

static void patch_be32(const char *path, long off, unsigned v)
{
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    CHECK(fseek(f, off, SEEK_SET) == 0 && fwrite(b, 1, 4, f) == 4);
    fclose(f);
}

static void test_refusals(rs_geo *g)
{
    const char *dir = check_tmpdir("test_districts_bad");
    char msg[2600];

    copy_buc(dir, "noprj");
    CHECK(unlink(path_of(dir, "noprj", "prj")) == 0);
    snprintf(msg, sizeof msg, "%s: missing (a shapefile's CRS is required)",
             path_of(dir, "noprj", "prj"));
    REFUSED("noprj", "LAD22NM", msg);

    copy_buc(dir, "nodbf");
    CHECK(unlink(path_of(dir, "nodbf", "dbf")) == 0);
    snprintf(msg, sizeof msg, "%s: missing (", path_of(dir, "nodbf", "dbf"));
    REFUSED("nodbf", "LAD22NM", msg);

    copy_buc(dir, "noshx");
    CHECK(unlink(path_of(dir, "noshx", "shx")) == 0);
    snprintf(msg, sizeof msg, "%s: missing (", path_of(dir, "noshx", "shx"));
    REFUSED("noshx", "LAD22NM", msg);

    snprintf(msg, sizeof msg, "%s: missing (", path_of(dir, "nothing", "shp"));
    REFUSED("nothing", "LAD22NM", msg);

    /* truncated .shp: the header's length no longer matches */
    copy_buc(dir, "trunc");
    long full = size_of(path_of(dir, "trunc", "shp"));
    CHECK(truncate(path_of(dir, "trunc", "shp"), full - 100) == 0);
    snprintf(msg, sizeof msg, "%s: header says %ld bytes but the file has %ld",
             path_of(dir, "trunc", "shp"), full, full - 100);
    REFUSED("trunc", "LAD22NM", msg);

    /* truncated .shp with a header patched to agree: the .shx catches it */
    copy_buc(dir, "trunc2");
    CHECK(truncate(path_of(dir, "trunc2", "shp"), full - 100) == 0);
    patch_be32(path_of(dir, "trunc2", "shp"), 24, (unsigned)((full - 100) / 2));
    REFUSED("trunc2", "LAD22NM", "lies outside");

    /* not a shapefile */
    copy_buc(dir, "code");
    patch_be32(path_of(dir, "code", "shp"), 0, 9995);
    REFUSED("code", "LAD22NM", "not a shapefile (file code 9995, expected 9994)");

    /* an index entry whose length disagrees with the record header */
    copy_buc(dir, "shxlen");
    patch_be32(path_of(dir, "shxlen", "shx"), 100 + 8 * 3 + 4, 20);
    REFUSED("shxlen", "LAD22NM", "record 4 disagrees with");

    /* a .shx with a partial entry */
    copy_buc(dir, "shxodd");
    long shx_full = size_of(path_of(dir, "shxodd", "shx"));
    CHECK(truncate(path_of(dir, "shxodd", "shx"), shx_full - 4) == 0);
    patch_be32(path_of(dir, "shxodd", "shx"), 24, (unsigned)((shx_full - 4) / 2));
    REFUSED("shxodd", "LAD22NM", "not a whole number of 8-byte entries");

    /* a .dbf with 13 records against 14 shapes, written with shapelib */
    copy_buc(dir, "dbf13");
    {
        DBFHandle in = DBFOpen(BUC ".dbf", "rb");
        DBFHandle out = DBFCreate(path_of(dir, "dbf13", "dbf"));
        CHECK(in != NULL && out != NULL);
        if (in && out) {
            CHECK_EQ_INT(DBFAddField(out, "LAD22NM", FTString, 40, 0), 0);
            int f = DBFGetFieldIndex(in, "LAD22NM");
            for (int i = 0; i < 13; i++)
                CHECK(DBFWriteStringAttribute(out, i, 0, DBFReadStringAttribute(in, i, f)));
        }
        if (in)
            DBFClose(in);
        if (out)
            DBFClose(out);
    }
    snprintf(msg, sizeof msg, "%s: 13 records but %s indexes 14 shapes",
             path_of(dir, "dbf13", "dbf"), path_of(dir, "dbf13", "shx"));
    REFUSED("dbf13", "LAD22NM", msg);

    /* a points shapefile */
    {
        SHPHandle shp = SHPCreate(path_of(dir, "points", "shp"), SHPT_POINT);
        DBFHandle dbf = DBFCreate(path_of(dir, "points", "dbf"));
        CHECK(shp != NULL && dbf != NULL);
        if (shp && dbf) {
            double x = 573621, y = 180858;
            SHPObject *o = SHPCreateSimpleObject(SHPT_POINT, 1, &x, &y, NULL);
            CHECK(SHPWriteObject(shp, -1, o) == 0);
            SHPDestroyObject(o);
            CHECK_EQ_INT(DBFAddField(dbf, "NAME", FTString, 20, 0), 0);
            CHECK(DBFWriteStringAttribute(dbf, 0, 0, "a point"));
        }
        if (shp)
            SHPClose(shp);
        if (dbf)
            DBFClose(dbf);
        write_text(path_of(dir, "points", "prj"), BNG_PRJ);
    }
    snprintf(msg, sizeof msg, "%s: holds points, not polygons", path_of(dir, "points", "shp"));
    REFUSED("points", "NAME", msg);

    /* an unknown name field: the message lists the fields there are */
    copy_buc(dir, "field");
    snprintf(msg, sizeof msg,
             "%s: no field \"NAME\" (fields: LAD22CD, LAD22NM, BNG_E, BNG_N, AREA_KM2)",
             path_of(dir, "field", "dbf"));
    REFUSED("field", "NAME", msg);
    /* and an unknown code field */
    {
        rs_districts *d = NULL;
        rs_err_clear(rs_geo_err(g));
        CHECK_EQ_INT(rs_districts_from_shapefile(g, path_of(dir, "field", "shp"), "LAD22NM",
                                                 "CODE", NULL, NULL, &d),
                     RS_EINPUT);
        CHECK_CONTAINS(rs_geo_err(g)->msg, "no field \"CODE\"");
        rs_err_clear(rs_geo_err(g));
    }

    /* a .prj PROJ cannot read */
    copy_buc(dir, "badprj");
    write_text(path_of(dir, "badprj", "prj"), "PROJCS[\"nonsense\"");
    snprintf(msg, sizeof msg, "%s: CRS not understood", path_of(dir, "badprj", "prj"));
    REFUSED("badprj", "LAD22NM", msg);
    copy_buc(dir, "emptyprj");
    write_text(path_of(dir, "emptyprj", "prj"), "\n");
    REFUSED("emptyprj", "LAD22NM", "emptyprj.prj: empty");

    /* empty and duplicate names */
    {
        static const double sx[] = {0, 0, 10, 10, 0, 20, 20, 30, 30, 20};
        static const double sy[] = {0, 10, 10, 0, 0, 0, 10, 10, 0, 0};
        static const int parts[] = {1, 1}, lens[] = {5, 5};
        const char *dup[] = {"Same", "Same"}, *empty[] = {"One", "  "};
        write_polys(dir, "dup", 2, dup, parts, lens, sx, sy);
        write_polys(dir, "empty", 2, empty, parts, lens, sx, sy);
    }
    REFUSED("dup", "NAME", "record 2 (Same): name \"Same\" already used by district 1");
    REFUSED("empty", "NAME", "record 2: empty name in field NAME");

    /* a layer with no records (an empty export): loading it would leave the
     * workspace with no districts at all */
    write_polys(dir, "none", 0, NULL, NULL, NULL, NULL, NULL);
    snprintf(msg, sizeof msg, "%s: no districts in it (0 records)", path_of(dir, "none", "shp"));
    REFUSED("none", "NAME", msg);

    /* coordinates so large the area is not a number (a corrupt file): it
     * used to load, and storing it then failed on a NULL area */
    {
        static const double hx[] = {0, 0, 1e179, 0}, hy[] = {0, 1e170, 0, 0};
        static const int parts[] = {1}, lens[] = {4};
        const char *name[] = {"Huge"};
        write_polys(dir, "huge", 1, name, parts, lens, hx, hy);
    }
    REFUSED("huge", "NAME", "record 1 (Huge): coordinates out of range (area not finite)");
}

/* ---- geometry assembly and repair -------------------------------------- */

static void test_rings_and_repair(rs_geo *g)
{
    const char *dir = check_tmpdir("test_districts_rings");
    GEOSContextHandle_t h = rs_geo_geos(g);
    /* Shape 1 "Island": a 100x100 shell, a 60x60 hole in it, an 20x20 island
     * inside the hole, and a separate 10x10 islet — every ring wound
     * counter-clockwise, against the shapefile convention, so only
     * containment can sort them.  Area = 10000 - 3600 + 400 + 100.
     * Shape 2 "Bowtie": a self-intersecting ring, repaired into two
     * triangles of 25 each.  Shape 3 "Caf\xe9": a Latin-1 name. */
    static const double xs[] = {
        0, 100, 100, 0, 0,       /* shell (ccw) */
        20, 80, 80, 20, 20,      /* hole (ccw) */
        40, 60, 60, 40, 40,      /* island in the hole */
        200, 210, 210, 200, 200, /* islet */
        300, 310, 300, 310, 300, /* bow-tie */
        400, 410, 410, 400, 400, /* plain square */
    };
    static const double ys[] = {
        0, 0, 100, 100, 0,
        20, 20, 80, 80, 20,
        40, 40, 60, 60, 40,
        0, 0, 10, 10, 0,
        0, 0, 10, 10, 0,
        0, 0, 10, 10, 0,
    };
    static const int parts[] = {4, 1, 1}, lens[] = {5, 5, 5, 5, 5, 5};
    const char *names[] = {"Island", "Bowtie", "Caf\xe9"};
    write_polys(dir, "rings", 3, names, parts, lens, xs, ys);

    repairs rep = {0};
    rs_districts *d = NULL;
    CHECK_EQ_INT(rs_districts_from_shapefile(g, path_of(dir, "rings", "shp"), "NAME", NULL,
                                             on_repair, &rep, &d),
                 RS_OK);
    if (d == NULL) {
        fprintf(stderr, "error: %s\n", rs_geo_err(g)->msg);
        rs_err_clear(rs_geo_err(g));
        return;
    }
    CHECK_EQ_INT(rs_districts_count(d), 3);
    CHECK_NEAR(rs_districts_area_m2(d, 0), 10000 - 3600 + 400 + 100, 1e-9);
    const GEOSGeometry *isl = rs_districts_geom(d, 0);
    CHECK_EQ_INT(GEOSGeomTypeId_r(h, isl), GEOS_MULTIPOLYGON);
    CHECK_EQ_INT(GEOSGetNumGeometries_r(h, isl), 3);
    CHECK_EQ_INT(GEOSisValid_r(h, isl), 1);
    /* a point in the hole is outside; in the island inside */
    GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, 30, 50);
    CHECK_EQ_INT(GEOSCovers_r(h, isl, p), 0);
    GEOSGeom_destroy_r(h, p);
    p = GEOSGeom_createPointFromXY_r(h, 50, 50);
    CHECK_EQ_INT(GEOSCovers_r(h, isl, p), 1);
    GEOSGeom_destroy_r(h, p);

    CHECK_EQ_INT(rep.n, 1);
    CHECK_STR(rep.name, "Bowtie");
    CHECK_CONTAINS(rep.reason, "Self-intersection");
    CHECK_NEAR(rs_districts_area_m2(d, 1), 50, 1e-9);
    CHECK_EQ_INT(GEOSisValid_r(h, rs_districts_geom(d, 1)), 1);

    CHECK_STR(rs_districts_name(d, 2), "Caf\xc3\xa9"); /* Latin-1 decoded to UTF-8 */
    CHECK_STR(rs_districts_code(d, 2), "");
    rs_districts_free(d);
}

int main(void)
{
    struct stat st;
    if (stat(DATA, &st) != 0)
        check_skip(RS_TEST_DATA " absent: the Essex boundary shapefiles are needed");
    rs_geo *g = rs_geo_new();
    if (g == NULL)
        return 1;
    test_real(g);
    test_reprojected(g);
    test_refusals(g);
    test_rings_and_repair(g);
    rs_geo_free(g);
    return check_done();
}
