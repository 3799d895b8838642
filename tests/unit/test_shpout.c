/*
 * test_shpout.c — geo/shpout: a polygon layer (wrongly oriented polygon
 * with a hole, a MultiPolygon, hexagons) and a point layer written and read
 * back with shapelib (counts, values, field widths, ring orientation), long
 * numbers and a long UTF-8 string, nulls, the .prj/.cpg, refused field
 * names and values, failed commits that leave an earlier layer intact and
 * no temporary files, and — when GDAL's tools are installed — ogrinfo and
 * ogr2ogr opening the layers without a single warning.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <shapefil.h>

#include "check.h"
#include "geo.h"
#include "grid.h"
#include "shpout.h"

static const char *dir;

static char *path_of(const char *name)
{
    static char buf[4][1200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static GEOSGeometry *wkt(rs_geo *g, const char *text)
{
    GEOSContextHandle_t h = rs_geo_geos(g);
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *geom = r ? GEOSWKTReader_read_r(h, r, text) : NULL;
    if (r)
        GEOSWKTReader_destroy_r(h, r);
    if (geom == NULL) {
        fprintf(stderr, "bad test WKT %s\n", text);
        exit(1);
    }
    return geom;
}

/* Whole file in a new NUL-terminated buffer (NULL when absent); *len. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap + 1);
    while (b) {
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        char *nb = realloc(b, cap * 2 + 1);
        if (nb == NULL) {
            free(b);
            b = NULL;
            break;
        }
        b = nb;
        cap *= 2;
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        if (len)
            *len = n;
    }
    return b;
}

/* Number of entries in dir whose name contains needle. */
static int count_in_dir(const char *d, const char *needle)
{
    DIR *dp = opendir(d);
    if (dp == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL)
        if (strstr(e->d_name, needle))
            n++;
    closedir(dp);
    return n;
}

/* Shoelace area of one part (> 0 counter-clockwise), relative to the
 * part's first vertex so BNG-sized coordinates do not cancel. */
static double signed_area(const SHPObject *o, int part)
{
    int a = o->panPartStart[part];
    int b = part + 1 < o->nParts ? o->panPartStart[part + 1] : o->nVertices;
    double x0 = o->padfX[a], y0 = o->padfY[a], s = 0;
    for (int k = a; k + 1 < b; k++)
        s += (o->padfX[k] - x0) * (o->padfY[k + 1] - y0) -
             (o->padfX[k + 1] - x0) * (o->padfY[k] - y0);
    return s / 2;
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* ---- the polygon layer -------------------------------------------------- */

static const rs_shp_field poly_fields[] = {
    {"NAME", RS_FIELD_TEXT, 0}, {"COUNT", RS_FIELD_INT, 0}, {"RATE", RS_FIELD_REAL, 6},
    {"DAY", RS_FIELD_DATE, 0},  {"SMALL", RS_FIELD_INT, 0},
};
#define NPF (sizeof poly_fields / sizeof *poly_fields)

static char long_e[301], long_euro[301];

static void write_poly_layer(rs_geo *g, const char *prefix)
{
    memset(long_e, 0, sizeof long_e);
    for (int k = 0; k < 150; k++)
        memcpy(long_e + 2 * k, "\xc3\xa9", 2); /* é: 300 bytes */
    for (int k = 0; k < 100; k++)
        memcpy(long_euro + 3 * k, "\xe2\x82\xac", 3); /* €: 300 bytes */

    rs_shpout *w = NULL;
    CHECK_EQ_INT(rs_shpout_new(g, prefix, RS_SHP_POLYGONS, 27700, poly_fields, NPF, &w), 0);
    if (w == NULL)
        return;
    /* outer counter-clockwise and hole clockwise: both the wrong way round */
    GEOSGeometry *p1 = wkt(g, "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,2 8,8 8,8 2,2 2))");
    const char *v1[NPF] = {long_e, "12345678901234", "-0.000123", "2024-01-31", "7"};
    CHECK_EQ_INT(rs_shpout_add(w, p1, v1), 0);
    /* MultiPolygon: a clockwise square, a counter-clockwise one with a
     * counter-clockwise hole */
    GEOSGeometry *p2 = wkt(g, "MULTIPOLYGON(((20 0,20 10,30 10,30 0,20 0)),"
                              "((40 0,50 0,50 10,40 10,40 0),(42 2,48 2,48 8,42 8,42 2)))");
    const char *v2[NPF] = {long_euro, "-7", "3.14159265", "", NULL};
    CHECK_EQ_INT(rs_shpout_add(w, p2, v2), 0);
    /* a hexagon at BNG coordinates */
    rs_grid grid = {RS_GRID_HEX, 250};
    double xs[7], ys[7];
    int n = 0;
    rs_grid_ring(&grid, 2201, 800, xs, ys, &n);
    char text[600];
    int len = snprintf(text, sizeof text, "POLYGON((");
    for (int k = 0; k < n; k++)
        len += snprintf(text + len, sizeof text - (size_t)len, "%s%.17g %.17g", k ? "," : "",
                        xs[k], ys[k]);
    snprintf(text + len, sizeof text - (size_t)len, "))");
    GEOSGeometry *p3 = wkt(g, text);
    const char *v3[NPF] = {"Chelmsford  ", NULL, "", "2000-02-29", "-0"};
    CHECK_EQ_INT(rs_shpout_add(w, p3, v3), 0);

    /* refused values: the feature is not added, the writer goes on */
    const char *bad[][NPF] = {
        {"x", "12a", "", "", ""},         {"x", "", "abc", "", ""},
        {"x", "", "1e999", "", ""},       {"x", "", "", "2023-02-29", ""},
        {"x", "", "", "2024-1-31", ""},   {"\xff", "", "", "", ""},
        {"x", "1.5", "", "", ""},         {"x", "99999999999999999999", "", "", ""},
        {"x", "", "0x10", "", ""},        {"x", "", " 1", "", ""},
        {"x", "", "1e30", "", ""}, /* 1e30 at 6 decimals: 38 characters */
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        rs_err_clear(rs_geo_err(g));
        CHECK_EQ_INT(rs_shpout_add(w, p1, bad[k]), RS_EUSAGE);
        CHECK_CONTAINS(rs_geo_err(g)->msg, "feature 4");
    }
    rs_err_clear(rs_geo_err(g));
    GEOSGeometry *pt = wkt(g, "POINT(1 2)");
    CHECK_EQ_INT(rs_shpout_add(w, pt, v1), RS_EUSAGE);
    CHECK_CONTAINS(rs_geo_err(g)->msg, "not a Polygon");
    rs_err_clear(rs_geo_err(g));

    int rc = rs_shpout_commit(w);
    CHECK_EQ_INT(rc, 0);
    if (rc)
        fprintf(stderr, "commit: %s\n", rs_geo_err(g)->msg);
    GEOSContextHandle_t h = rs_geo_geos(g);
    GEOSGeom_destroy_r(h, p1);
    GEOSGeom_destroy_r(h, p2);
    GEOSGeom_destroy_r(h, p3);
    GEOSGeom_destroy_r(h, pt);
}

static void check_poly_layer(const char *prefix)
{
    char p[1200];
    snprintf(p, sizeof p, "%s.shp", prefix);
    SHPHandle shp = SHPOpen(p, "rb");
    snprintf(p, sizeof p, "%s.dbf", prefix);
    DBFHandle dbf = DBFOpen(p, "rb");
    CHECK(shp != NULL && dbf != NULL);
    if (shp == NULL || dbf == NULL) {
        if (shp)
            SHPClose(shp);
        if (dbf)
            DBFClose(dbf);
        return;
    }
    int n = 0, type = 0;
    SHPGetInfo(shp, &n, &type, NULL, NULL);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(type, SHPT_POLYGON);
    CHECK_EQ_INT(DBFGetRecordCount(dbf), 3);
    CHECK_EQ_INT(DBFGetFieldCount(dbf), (int)NPF);

    /* ring orientation: outer clockwise (area < 0), holes counter-clockwise */
    static const int nparts[3] = {2, 3, 1};
    static const int hole[3][3] = {{0, 1, 0}, {0, 0, 1}, {0, 0, 0}};
    for (int r = 0; r < 3; r++) {
        SHPObject *o = SHPReadObject(shp, r);
        CHECK(o != NULL);
        if (o == NULL)
            continue;
        CHECK_EQ_INT(o->nParts, nparts[r]);
        for (int k = 0; k < o->nParts && k < 3; k++) {
            double a = signed_area(o, k);
            if (hole[r][k])
                CHECK(a > 0);
            else
                CHECK(a < 0);
        }
        if (r == 0) {
            CHECK_NEAR(signed_area(o, 0), -100, 1e-9);
            CHECK_NEAR(signed_area(o, 1), 36, 1e-9);
        }
        if (r == 2)
            CHECK_NEAR(-signed_area(o, 0), 1.5 * sqrt(3.0) * 250 * 250, 1e-4);
        SHPDestroyObject(o);
    }

    /* field definitions: widths from the data */
    char name[12];
    int width = 0, dec = 0;
    CHECK_EQ_INT(DBFGetFieldInfo(dbf, 0, name, &width, &dec), FTString);
    CHECK_STR(name, "NAME");
    CHECK_EQ_INT(width, 254); /* 300 bytes of é cut to 254 */
    /* 14 wide: shapelib calls an 'N' field of 10 or more digits "double" */
    CHECK_EQ_INT(DBFGetFieldInfo(dbf, 1, name, &width, &dec), FTDouble);
    CHECK_EQ_INT(DBFGetNativeFieldType(dbf, 1), 'N');
    CHECK_EQ_INT(width, 14);
    CHECK_EQ_INT(dec, 0);
    DBFGetFieldInfo(dbf, 2, name, &width, &dec);
    CHECK_EQ_INT(DBFGetNativeFieldType(dbf, 2), 'N');
    CHECK_EQ_INT(width, 9); /* "-0.000123" */
    CHECK_EQ_INT(dec, 6);
    CHECK_EQ_INT(DBFGetNativeFieldType(dbf, 3), 'D');
    DBFGetFieldInfo(dbf, 3, name, &width, &dec);
    CHECK_EQ_INT(width, 8);
    DBFGetFieldInfo(dbf, 4, name, &width, &dec);
    CHECK_EQ_INT(width, 1); /* "7" and "0" */

    /* values */
    const char *s = DBFReadStringAttribute(dbf, 0, 0);
    CHECK_EQ_INT(strlen(s), 254);
    CHECK(strncmp(s, long_e, 254) == 0);
    s = DBFReadStringAttribute(dbf, 1, 0);
    CHECK_EQ_INT(strlen(s), 252); /* 84 whole euro signs: 255 would split one */
    CHECK(strncmp(s, long_euro, 252) == 0);
    CHECK_STR(DBFReadStringAttribute(dbf, 2, 0), "Chelmsford");
    CHECK_STR(DBFReadStringAttribute(dbf, 0, 1), "12345678901234");
    CHECK_STR(DBFReadStringAttribute(dbf, 1, 1), "-7");
    CHECK(DBFIsAttributeNULL(dbf, 2, 1));
    CHECK_STR(DBFReadStringAttribute(dbf, 0, 2), "-0.000123");
    CHECK_NEAR(DBFReadDoubleAttribute(dbf, 0, 2), -0.000123, 1e-15);
    CHECK_STR(DBFReadStringAttribute(dbf, 1, 2), "3.141593");
    CHECK(DBFIsAttributeNULL(dbf, 2, 2));
    CHECK_STR(DBFReadStringAttribute(dbf, 0, 3), "20240131");
    CHECK(DBFIsAttributeNULL(dbf, 1, 3));
    CHECK_STR(DBFReadStringAttribute(dbf, 2, 3), "20000229");
    CHECK_STR(DBFReadStringAttribute(dbf, 0, 4), "7");
    CHECK(DBFIsAttributeNULL(dbf, 1, 4));
    CHECK_STR(DBFReadStringAttribute(dbf, 2, 4), "0");
    for (int f = 0; f < (int)NPF; f++)
        CHECK(!DBFIsAttributeNULL(dbf, 0, f));
    SHPClose(shp);
    DBFClose(dbf);

    snprintf(p, sizeof p, "%s.prj", prefix);
    char *prj = slurp(p, NULL);
    CHECK(prj && strncmp(prj, "PROJCS[\"British_National_Grid\"", 30) == 0);
    free(prj);
    snprintf(p, sizeof p, "%s.cpg", prefix);
    char *cpg = slurp(p, NULL);
    CHECK_STR(cpg, "UTF-8");
    free(cpg);
}

static void test_points(rs_geo *g)
{
    const rs_shp_field f[] = {{"id", RS_FIELD_INT, 0}, {"speed", RS_FIELD_REAL, 1}};
    rs_shpout *w = NULL;
    CHECK_EQ_INT(rs_shpout_new(g, path_of("points"), RS_SHP_POINTS, 27700, f, 2, &w), 0);
    if (w == NULL)
        return;
    const char *vals[3][2] = {{"1", "31.25"}, {"22", "-4"}, {"-333", ""}};
    const double xy[3][2] = {{572116, 206972}, {-12.5, 0.25}, {700000.125, 1299999.875}};
    for (int k = 0; k < 3; k++) {
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(rs_geo_geos(g), xy[k][0], xy[k][1]);
        CHECK_EQ_INT(rs_shpout_add(w, pt, vals[k]), 0);
        GEOSGeom_destroy_r(rs_geo_geos(g), pt);
    }
    GEOSGeometry *poly = wkt(g, "POLYGON((0 0,1 0,1 1,0 0))");
    CHECK_EQ_INT(rs_shpout_add(w, poly, vals[0]), RS_EUSAGE);
    CHECK_CONTAINS(rs_geo_err(g)->msg, "not a Point");
    rs_err_clear(rs_geo_err(g));
    GEOSGeom_destroy_r(rs_geo_geos(g), poly);
    CHECK_EQ_INT(rs_shpout_commit(w), 0);

    SHPHandle shp = SHPOpen(path_of("points.shp"), "rb");
    DBFHandle dbf = DBFOpen(path_of("points.dbf"), "rb");
    CHECK(shp && dbf);
    if (shp && dbf) {
        int n = 0, type = 0;
        SHPGetInfo(shp, &n, &type, NULL, NULL);
        CHECK_EQ_INT(n, 3);
        CHECK_EQ_INT(type, SHPT_POINT);
        for (int k = 0; k < 3; k++) {
            SHPObject *o = SHPReadObject(shp, k);
            CHECK(o && o->nVertices == 1 && o->padfX[0] == xy[k][0] && o->padfY[0] == xy[k][1]);
            SHPDestroyObject(o);
        }
        CHECK_STR(DBFReadStringAttribute(dbf, 2, 0), "-333");
        /* 31.25 is an exact half: printf rounds it to even */
        CHECK_STR(DBFReadStringAttribute(dbf, 0, 1), "31.2");
        CHECK_STR(DBFReadStringAttribute(dbf, 1, 1), "-4.0");
        CHECK(DBFIsAttributeNULL(dbf, 2, 1));
        int width = 0, dec = 0;
        char name[12];
        DBFGetFieldInfo(dbf, 0, name, &width, &dec);
        CHECK_STR(name, "id");
        CHECK_EQ_INT(width, 4);
        DBFGetFieldInfo(dbf, 1, name, &width, &dec);
        CHECK_EQ_INT(width, 4);
        CHECK_EQ_INT(dec, 1);
    }
    if (shp)
        SHPClose(shp);
    if (dbf)
        DBFClose(dbf);
}

static void test_bad_fields(rs_geo *g)
{
    struct {
        rs_shp_field f[2];
        size_t n;
        const char *msg;
    } cases[] = {
        {{{"", RS_FIELD_TEXT, 0}}, 1, "field name \"\""},
        {{{"ELEVENCHARS", RS_FIELD_TEXT, 0}}, 1, "ELEVENCHARS"},
        {{{"bad-name", RS_FIELD_TEXT, 0}}, 1, "bad-name"},
        {{{"1abc", RS_FIELD_TEXT, 0}}, 1, "1abc"},
        {{{"caf\xc3\xa9", RS_FIELD_TEXT, 0}}, 1, "must be 1-10 ASCII"},
        {{{"Name", RS_FIELD_TEXT, 0}, {"NAME", RS_FIELD_INT, 0}}, 2, "repeats"},
        {{{"R", RS_FIELD_REAL, 16}}, 1, "decimals"},
        {{{"R", RS_FIELD_REAL, -1}}, 1, "decimals"},
        {{{"T", (rs_field_type)9, 0}}, 1, "unknown type"},
        {{{NULL, RS_FIELD_TEXT, 0}}, 1, "field name"},
        {{{"A", RS_FIELD_TEXT, 0}}, 0, "at least one field"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        rs_shpout *w = (rs_shpout *)&w; /* must be reset to NULL */
        rs_err_clear(rs_geo_err(g));
        CHECK_EQ_INT(rs_shpout_new(g, path_of("bad"), RS_SHP_POINTS, 27700, cases[k].f,
                                   cases[k].n, &w),
                     RS_EUSAGE);
        CHECK(w == NULL);
        CHECK_CONTAINS(rs_geo_err(g)->msg, cases[k].msg);
    }
    rs_err_clear(rs_geo_err(g));
    rs_shp_field ok = {"A", RS_FIELD_TEXT, 0};
    rs_shpout *w = NULL;
    CHECK_EQ_INT(rs_shpout_new(g, path_of("bad"), RS_SHP_POINTS, 999999, &ok, 1, &w), RS_ERR);
    CHECK_CONTAINS(rs_geo_err(g)->msg, "EPSG:999999");
    CHECK(w == NULL);
    rs_err_clear(rs_geo_err(g));
    CHECK_EQ_INT(rs_shpout_new(g, path_of("bad"), (rs_shp_kind)3, 27700, &ok, 1, &w), RS_EUSAGE);
    rs_err_clear(rs_geo_err(g));
    /* abort writes nothing */
    CHECK_EQ_INT(rs_shpout_new(g, path_of("aborted"), RS_SHP_POINTS, 4326, &ok, 1, &w), 0);
    rs_shpout_abort(w);
    rs_shpout_abort(NULL);
    CHECK(!file_exists(path_of("aborted.shp")));
    CHECK_EQ_INT(count_in_dir(dir, "aborted"), 0);
    CHECK_EQ_INT(count_in_dir(dir, "bad"), 0);
}

/* A hex-grid layer of ncells cells around BNG (550000, 200000). */
static int write_hex_layer(rs_geo *g, const char *prefix, int ncells)
{
    rs_shp_field f[] = {{"cell_i", RS_FIELD_INT, 0}, {"cell_j", RS_FIELD_INT, 0},
                        {"density", RS_FIELD_REAL, 3}};
    rs_shpout *w = NULL;
    int rc = rs_shpout_new(g, prefix, RS_SHP_POLYGONS, 27700, f, 3, &w);
    if (rc)
        return rc;
    rs_grid grid = {RS_GRID_HEX, 100};
    GEOSContextHandle_t h = rs_geo_geos(g);
    for (int k = 0; k < ncells; k++) {
        int64_t i = 3667 + k % 50, j = 1155 + k / 50;
        double xs[7], ys[7];
        int n = 0;
        rs_grid_ring(&grid, i, j, xs, ys, &n);
        GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, (unsigned)n, 2);
        for (int m = 0; cs && m < n; m++)
            GEOSCoordSeq_setXY_r(h, cs, (unsigned)m, xs[m], ys[m]);
        GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
        GEOSGeometry *poly = ring ? GEOSGeom_createPolygon_r(h, ring, NULL, 0) : NULL;
        if (poly == NULL) {
            GEOSGeom_destroy_r(h, ring);
            rs_shpout_abort(w);
            return RS_ENOMEM;
        }
        char a[32], b[32], c[32];
        snprintf(a, sizeof a, "%lld", (long long)i);
        snprintf(b, sizeof b, "%lld", (long long)j);
        snprintf(c, sizeof c, "%.3f", k * 0.125);
        const char *v[3] = {a, b, c};
        rc = rs_shpout_add(w, poly, v);
        GEOSGeom_destroy_r(h, poly);
        if (rc) {
            rs_shpout_abort(w);
            return rc;
        }
    }
    return rs_shpout_commit(w);
}

static void test_failed_commits(rs_geo *g)
{
    /* an earlier layer that must survive every failure below */
    char prefix[1200]; /* path_of's buffers rotate: keep a copy */
    snprintf(prefix, sizeof prefix, "%s", path_of("keep"));
    CHECK_EQ_INT(write_hex_layer(g, prefix, 10), 0);
    size_t shp_len = 0, dbf_len = 0;
    char *shp0 = slurp(path_of("keep.shp"), &shp_len);
    char *dbf0 = slurp(path_of("keep.dbf"), &dbf_len);
    CHECK(shp0 && dbf0);

    /* 1. a prefix in a directory that does not exist */
    rs_err_clear(rs_geo_err(g));
    CHECK_EQ_INT(write_hex_layer(g, path_of("no/such/dir/layer"), 5), RS_EIO);
    CHECK_CONTAINS(rs_geo_err(g)->msg, "no/such/dir/layer");
    CHECK_CONTAINS(rs_geo_err(g)->msg, "No such file or directory");

    /* 2. the disk "fills up" half way through the .shp: RLIMIT_FSIZE makes
     * writes past 20 kB fail with EFBIG (for root too) */
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 20000;
    void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
    CHECK_EQ_INT(setrlimit(RLIMIT_FSIZE, &lim), 0);
    rs_err_clear(rs_geo_err(g));
    int rc = write_hex_layer(g, prefix, 2000);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, oldsig);
    CHECK_EQ_INT(rc, RS_EIO);
    CHECK_CONTAINS(rs_geo_err(g)->msg, "keep.shp");
    fprintf(stderr, "(expected) %s\n", rs_geo_err(g)->msg);

    /* 3. something in the way of a rename (a directory named keep.cpg):
     * found after all five temporaries were written */
    CHECK_EQ_INT(rename(path_of("keep.cpg"), path_of("keep.cpg.saved")), 0);
    CHECK_EQ_INT(mkdir(path_of("keep.cpg"), 0755), 0);
    rs_err_clear(rs_geo_err(g));
    CHECK_EQ_INT(write_hex_layer(g, prefix, 20), RS_EIO);
    CHECK_CONTAINS(rs_geo_err(g)->msg, "keep.cpg: is a directory");
    CHECK_EQ_INT(rmdir(path_of("keep.cpg")), 0);
    CHECK_EQ_INT(rename(path_of("keep.cpg.saved"), path_of("keep.cpg")), 0);

    /* 4. a read-only directory (meaningless as root, who may write anyway) */
    if (geteuid() == 0) {
        printf("read-only directory case skipped: running as root, who can write there\n");
    } else {
        char ro[1200];
        snprintf(ro, sizeof ro, "%s/ro", dir);
        CHECK_EQ_INT(mkdir(ro, 0755), 0);
        char rop[1300];
        snprintf(rop, sizeof rop, "%s/layer", ro);
        CHECK_EQ_INT(write_hex_layer(g, rop, 5), 0);
        size_t rl0 = 0, rl1 = 0;
        char *ro0 = slurp(path_of("ro/layer.shp"), &rl0);
        CHECK_EQ_INT(chmod(ro, 0555), 0);
        rs_err_clear(rs_geo_err(g));
        CHECK_EQ_INT(write_hex_layer(g, rop, 7), RS_EIO);
        CHECK_CONTAINS(rs_geo_err(g)->msg, "Permission denied");
        chmod(ro, 0755);
        char *ro1 = slurp(path_of("ro/layer.shp"), &rl1);
        CHECK(ro0 && ro1 && rl0 == rl1 && memcmp(ro0, ro1, rl0) == 0);
        CHECK_EQ_INT(count_in_dir(ro, ".tmp-"), 0);
        free(ro0);
        free(ro1);
    }
    rs_err_clear(rs_geo_err(g));

    /* the earlier layer is byte for byte what it was, and no temporaries */
    size_t l1 = 0, l2 = 0;
    char *shp1 = slurp(path_of("keep.shp"), &l1);
    char *dbf1 = slurp(path_of("keep.dbf"), &l2);
    CHECK(shp1 && dbf1 && l1 == shp_len && l2 == dbf_len && memcmp(shp0, shp1, l1) == 0 &&
          memcmp(dbf0, dbf1, l2) == 0);
    CHECK_EQ_INT(count_in_dir(dir, ".tmp-"), 0);
    free(shp0);
    free(dbf0);
    free(shp1);
    free(dbf1);

    /* and a successful rewrite replaces it, dropping a stale .qix */
    FILE *q = fopen(path_of("keep.qix"), "wb");
    CHECK(q != NULL);
    if (q)
        fclose(q);
    CHECK_EQ_INT(write_hex_layer(g, prefix, 30), 0);
    CHECK(!file_exists(path_of("keep.qix")));
    SHPHandle shp = SHPOpen(path_of("keep.shp"), "rb");
    int n = 0;
    if (shp) {
        SHPGetInfo(shp, &n, NULL, NULL, NULL);
        SHPClose(shp);
    }
    CHECK_EQ_INT(n, 30);
    CHECK_EQ_INT(count_in_dir(dir, ".tmp-"), 0);
}

static void test_write_prj(rs_geo *g)
{
    CHECK_EQ_INT(rs_write_prj(g, path_of("wgs"), 4326), 0);
    char *prj = slurp(path_of("wgs.prj"), NULL);
    CHECK(prj && strncmp(prj, "GEOGCS[\"GCS_WGS_1984\"", 21) == 0);
    free(prj);
    rs_err_clear(rs_geo_err(g));
    CHECK_EQ_INT(rs_write_prj(g, path_of("nowhere/x"), 27700), RS_EIO);
    CHECK_CONTAINS(rs_geo_err(g)->msg, "nowhere/x");
    rs_err_clear(rs_geo_err(g));
    CHECK_EQ_INT(rs_write_prj(g, path_of("x"), 0), RS_EUSAGE);
    rs_err_clear(rs_geo_err(g));
}

/* Runs cmd, captures stdout (returned, malloc'd) and says whether stderr
 * was empty. */
static char *run(const char *cmd, int *status, int *stderr_empty)
{
    char errpath[1200], full[4000];
    snprintf(errpath, sizeof errpath, "%s/cmd.stderr", dir);
    snprintf(full, sizeof full, "%s 2>'%s'", cmd, errpath);
    FILE *p = popen(full, "r");
    if (p == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap + 1);
    if (out == NULL) {
        pclose(p);
        return NULL;
    }
    size_t r;
    while ((r = fread(out + n, 1, cap - n, p)) > 0) {
        n += r;
        if (n == cap) {
            char *no = realloc(out, cap * 2 + 1);
            if (no == NULL)
                break;
            out = no;
            cap *= 2;
        }
    }
    out[n] = '\0';
    *status = pclose(p);
    size_t elen = 0;
    char *err = slurp(errpath, &elen);
    *stderr_empty = err != NULL && elen == 0;
    if (err && elen)
        fprintf(stderr, "stderr of %s:\n%s\n", cmd, err);
    free(err);
    return out;
}

static void test_gdal(void)
{
    if (system("command -v ogrinfo >/dev/null 2>&1 && command -v ogr2ogr >/dev/null 2>&1") != 0) {
        printf("GDAL part skipped: ogrinfo/ogr2ogr not installed\n");
        return;
    }
    const char *layers[] = {"poly", "points", "keep"};
    const int counts[] = {3, 3, 30};
    for (int k = 0; k < 3; k++) {
        char cmd[2000], want[64];
        int st = -1, quiet = 0;
        snprintf(cmd, sizeof cmd, "ogrinfo -ro -al -so '%s.shp'", path_of(layers[k]));
        char *out = run(cmd, &st, &quiet);
        CHECK(out != NULL);
        CHECK_EQ_INT(st, 0);
        CHECK(quiet);
        snprintf(want, sizeof want, "Feature Count: %d", counts[k]);
        CHECK_CONTAINS(out, want);
        CHECK(out && (strstr(out, "27700") || strstr(out, "British_National_Grid")));
        free(out);
    }
    /* GDAL's reading of the values and field types */
    int st = -1, quiet = 0;
    char cmd[2000];
    snprintf(cmd, sizeof cmd, "ogrinfo -ro -al '%s.shp'", path_of("poly"));
    char *out = run(cmd, &st, &quiet);
    CHECK_EQ_INT(st, 0);
    CHECK(quiet);
    CHECK_CONTAINS(out, "COUNT (Integer64) = 12345678901234");
    CHECK_CONTAINS(out, "RATE (Real) = -0.000123");
    CHECK_CONTAINS(out, "DAY (Date) = 2024/01/31");
    CHECK_CONTAINS(out, "NAME (String) = \xc3\xa9\xc3\xa9");
    CHECK_CONTAINS(out, "DAY (Date) = (null)");
    CHECK_CONTAINS(out, "MULTIPOLYGON");
    free(out);

    snprintf(cmd, sizeof cmd, "rm -f '%s' && ogr2ogr -f GeoJSON '%s' '%s.shp'",
             path_of("poly.geojson"), path_of("poly.geojson"), path_of("poly"));
    out = run(cmd, &st, &quiet);
    CHECK_EQ_INT(st, 0);
    CHECK(quiet);
    free(out);
    char *json = slurp(path_of("poly.geojson"), NULL);
    CHECK_CONTAINS(json, "\"COUNT\": 12345678901234");
    CHECK_CONTAINS(json, "\"DAY\": \"2024-01-31\"");
    CHECK_CONTAINS(json, "MultiPolygon");
    free(json);
}

int main(void)
{
    dir = check_tmpdir("shpout");
    rs_geo *g = rs_geo_new();
    if (g == NULL) {
        fprintf(stderr, "rs_geo_new failed\n");
        return 1;
    }
    write_poly_layer(g, path_of("poly"));
    check_poly_layer(path_of("poly"));
    test_points(g);
    test_bad_fields(g);
    test_failed_commits(g);
    test_write_prj(g);
    CHECK_EQ_INT(count_in_dir(dir, ".tmp-"), 0);
    test_gdal();
    rs_geo_free(g);
    return check_done();
}
