/*
 * test_export.c — engine/output/export.h: the shapefile layers for GIS
 * analysts (rs_layer_parse, rs_export_layer), read back with shapelib.
 *
 * A scratch workspace with two box districts ("North" 200 km², "Süd Essex"
 * 100 km², UTF-8) is filled through the real ingest: telematics pings,
 * eight speed detections (easting/northing, so positions are exact) either
 * side of both 2020 BST changes and on the OVER_THR boundaries, four STATS19
 * collisions (one at 00:30 BST on 1 April, one without a time, one outside
 * the districts, one without a location) with their casualties, and three
 * concerns.  Each layer is exported and checked against the inputs: record
 * counts and written/skipped, geometry type and coordinates (EPSG:27700
 * metres; EPSG:4326 against PROJ called directly), field names, DBF types,
 * widths and decimals (README "export": widths from the data), every value
 * (DATE in UK local time, EXCESS, OVER_THR = 1 exactly when speed >= limit
 * x 1.1 + 2, DISTRICT names, casualty counts, district metrics worked out
 * by hand: shares, type-7 85th percentile, KSI, detections by type,
 * concerns), VEHICLE = lower-case hex HMAC-SHA-256 of the normalised plate
 * (OpenSSL called directly) and no plate in any written byte, the .prj
 * (British National Grid / WGS 84) and the .cpg (UTF-8), period and
 * district filters, the optional extra district field, empty layers, and
 * the error paths: bad CRS, no districts, a missing or non-directory output
 * folder, and the promised atomicity (a failed export leaves the earlier
 * layer byte for byte and no temporary file).
 *
 * Expected values come from the inputs below, never from running the code.
 */
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <proj.h>
#include <shapefil.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "district.h"
#include "export.h"
#include "ingest.h"
#include "store.h"
#include "ws_helpers.h"

static rs_ctx *ctx;
static char tmpd[1024];
static rs_key key;

#define NAME_N "North"
#define NAME_S "S\xc3\xbc" "d Essex" /* "Süd Essex": 9 characters, 10 bytes */

/* ---- files ---------------------------------------------------------------- */

static const char *path_of(const char *name)
{
    static char buf[8][1200];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpd, name);
    return buf[k];
}

static void put_file(const char *name, const char *s)
{
    FILE *f = fopen(path_of(name), "wb");
    if (f == NULL || fputs(s, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", name);
        exit(1);
    }
}

/* The whole file, malloc'ed (NULL when absent); *len its size. */
static char *slurp(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap + 1);
    size_t got;
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(b, 2 * cap + 1);
            if (nb == NULL) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        *len = n;
    }
    return b;
}

static int has_bytes(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; hay && m <= n && i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static const char *with_ext(const char *prefix, const char *ext)
{
    static char buf[8][1300];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s%s", prefix, ext);
    return buf[k];
}

/* Entries of dir whose name contains s. */
static int count_entries(const char *dir, const char *s)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 && strstr(e->d_name, s))
            n++;
    closedir(d);
    return n;
}

/* ---- independent references: times, keyed hash, PROJ --------------------- */

/* Days since 1970-01-01 (H. Hinnant's days_from_civil). */
static int64_t days_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t utc(int y, int mo, int d, int h, int mi)
{
    return days_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

/* Lower-case hex HMAC-SHA-256 of the normalised plate under the test key. */
static const char *veh(const char *norm)
{
    static char out[4][65];
    static int k;
    k = (k + 1) % 4;
    unsigned char h[32];
    unsigned int len = 32;
    HMAC(EVP_sha256(), key.bytes, (int)key.len, (const unsigned char *)norm, strlen(norm), h,
         &len);
    for (int i = 0; i < 32; i++)
        snprintf(out[k] + 2 * i, 3, "%02x", h[i]);
    return out[k];
}

/* (x, y) from CRS src to dst with PROJ directly, x/y = lon/lat or e/n. */
static void proj_xy(const char *src, const char *dst, double *x, double *y)
{
    PJ *p = proj_create_crs_to_crs(NULL, src, dst, NULL);
    PJ *n = p ? proj_normalize_for_visualization(NULL, p) : NULL;
    CHECK(n != NULL);
    if (n) {
        PJ_COORD c = proj_trans(n, PJ_FWD, proj_coord(*x, *y, 0, 0));
        *x = c.xy.x;
        *y = c.xy.y;
    }
    proj_destroy(n);
    proj_destroy(p);
}

/* ---- reading a layer back ------------------------------------------------- */

typedef struct layer {
    SHPHandle shp;
    DBFHandle dbf;
    int n, type;
} layer;

static int layer_open(layer *L, const char *prefix)
{
    memset(L, 0, sizeof *L);
    L->shp = SHPOpen(with_ext(prefix, ".shp"), "rb");
    L->dbf = DBFOpen(with_ext(prefix, ".dbf"), "rb");
    CHECK(L->shp != NULL);
    CHECK(L->dbf != NULL);
    if (L->shp == NULL || L->dbf == NULL)
        return -1;
    SHPGetInfo(L->shp, &L->n, &L->type, NULL, NULL);
    CHECK_EQ_INT(DBFGetRecordCount(L->dbf), L->n);
    return 0;
}

static void layer_close(layer *L)
{
    if (L->shp)
        SHPClose(L->shp);
    if (L->dbf)
        DBFClose(L->dbf);
    memset(L, 0, sizeof *L);
}

static int fld(layer *L, const char *name)
{
    int i = DBFGetFieldIndex(L->dbf, name);
    if (i < 0)
        fprintf(stderr, "no field %s\n", name);
    return i;
}

/* The value as text (NULL when null or no such field). */
static const char *val(layer *L, int rec, const char *name)
{
    static char buf[16][300];
    static int k;
    int i = fld(L, name);
    if (i < 0 || rec < 0 || rec >= L->n || DBFIsAttributeNULL(L->dbf, rec, i))
        return NULL;
    k = (k + 1) % 16;
    snprintf(buf[k], sizeof buf[k], "%s", DBFReadStringAttribute(L->dbf, rec, i));
    return buf[k];
}

/* The record whose field holds value, or -1. */
static int rec_of(layer *L, const char *field, const char *value)
{
    for (int r = 0; r < L->n; r++) {
        const char *v = val(L, r, field);
        if (v && strcmp(v, value) == 0)
            return r;
    }
    return -1;
}

#define CHECK_VAL(L, rec, name, want) CHECK_STR(val(L, rec, name), want)
#define CHECK_NULL(L, rec, name) CHECK(val(L, rec, name) == NULL)

typedef struct field_spec {
    const char *name;
    char native; /* 'C', 'N', 'D' */
    int width, decimals;
} field_spec;

/* The fields in order, with their DBF type, width and decimals. */
static void check_fields(layer *L, const field_spec *f, int n)
{
    CHECK_EQ_INT(DBFGetFieldCount(L->dbf), n);
    for (int i = 0; i < n && i < DBFGetFieldCount(L->dbf); i++) {
        char name[16] = "";
        int w = -1, d = -1;
        DBFFieldType t = DBFGetFieldInfo(L->dbf, i, name, &w, &d);
        CHECK_STR(name, f[i].name);
        CHECK_EQ_INT(DBFGetNativeFieldType(L->dbf, i), f[i].native);
        if (w != f[i].width || d != f[i].decimals)
            fprintf(stderr, "field %s: width %d.%d, want %d.%d\n", f[i].name, w, d, f[i].width,
                    f[i].decimals);
        CHECK_EQ_INT(w, f[i].width);
        CHECK_EQ_INT(d, f[i].decimals);
        if (f[i].native == 'C')
            CHECK(t == FTString);
        else if (f[i].native == 'D')
            CHECK(t == FTDate);
        else
            CHECK(f[i].decimals > 0 ? t == FTDouble : (t == FTInteger || t == FTDouble));
    }
}

static void check_point(layer *L, int rec, double x, double y, double tol)
{
    CHECK(rec >= 0 && rec < L->n);
    if (rec < 0 || rec >= L->n)
        return;
    SHPObject *o = SHPReadObject(L->shp, rec);
    CHECK(o != NULL);
    if (o == NULL)
        return;
    CHECK_EQ_INT(o->nSHPType, SHPT_POINT);
    CHECK_EQ_INT(o->nVertices, 1);
    CHECK_NEAR(o->padfX[0], x, tol);
    CHECK_NEAR(o->padfY[0], y, tol);
    SHPDestroyObject(o);
}

/* Twice the signed area of a ring (negative = clockwise). */
static double ring_area2(const SHPObject *o, int v0, int v1)
{
    double a = 0;
    for (int v = v0; v + 1 < v1; v++)
        a += o->padfX[v] * o->padfY[v + 1] - o->padfX[v + 1] * o->padfY[v];
    return a;
}

/* The polygon of rec is one clockwise ring of five vertices (closed) whose
 * corners are the four (xs[i], ys[i]) within tol. */
static void check_box(layer *L, int rec, const double *xs, const double *ys, double tol)
{
    CHECK(rec >= 0 && rec < L->n);
    if (rec < 0 || rec >= L->n)
        return;
    SHPObject *o = SHPReadObject(L->shp, rec);
    CHECK(o != NULL);
    if (o == NULL)
        return;
    CHECK_EQ_INT(o->nSHPType, SHPT_POLYGON);
    CHECK_EQ_INT(o->nParts, 1);
    CHECK_EQ_INT(o->nVertices, 5);
    if (o->nVertices == 5) {
        CHECK(o->padfX[0] == o->padfX[4] && o->padfY[0] == o->padfY[4]);
        CHECK(ring_area2(o, 0, 5) < 0); /* outer ring clockwise */
        for (int c = 0; c < 4; c++) {
            int found = 0;
            for (int v = 0; v < 4; v++)
                found += fabs(o->padfX[v] - xs[c]) <= tol && fabs(o->padfY[v] - ys[c]) <= tol;
            CHECK_EQ_INT(found, 1);
        }
    }
    SHPDestroyObject(o);
}

/* The five files are there; the .cpg says UTF-8; the .prj names the CRS. */
static void check_sidecars(const char *prefix, int epsg)
{
    static const char *const exts[] = {".shp", ".shx", ".dbf", ".prj", ".cpg"};
    for (int k = 0; k < 5; k++)
        CHECK(exists(with_ext(prefix, exts[k])));
    size_t n;
    char *cpg = slurp(with_ext(prefix, ".cpg"), &n);
    while (cpg && n > 0 && (cpg[n - 1] == '\n' || cpg[n - 1] == '\r' || cpg[n - 1] == ' '))
        cpg[--n] = '\0';
    CHECK_STR(cpg, "UTF-8");
    free(cpg);
    char *prj = slurp(with_ext(prefix, ".prj"), &n);
    CHECK(prj != NULL);
    if (prj && epsg == 27700) {
        CHECK(strncmp(prj, "PROJCS[\"British_National_Grid\"", 30) == 0);
        CHECK_CONTAINS(prj, "GCS_OSGB_1936");
        CHECK_CONTAINS(prj, "Airy_1830");
        CHECK_CONTAINS(prj, "Transverse_Mercator");
        CHECK_CONTAINS(prj, "400000");
        CHECK_CONTAINS(prj, "-100000");
        CHECK_CONTAINS(prj, "0.9996012717");
    } else if (prj) {
        CHECK(strncmp(prj, "GEOGCS[\"GCS_WGS_1984\"", 21) == 0);
        CHECK(strstr(prj, "PROJCS") == NULL);
    }
    free(prj);
}

/* One export with the usual options; returns rc. */
static int export_one(rs_layer layer_, const char *prefix, int epsg, int64_t from, int64_t to,
                      int district, int64_t *written, int64_t *skipped)
{
    rs_export_opts o = {prefix, epsg, from, to, district, NULL, NULL};
    rs_err_clear(rs_ctx_err(ctx));
    int rc = rs_export_layer(ctx, layer_, &o, written, skipped);
    if (rc != 0)
        fprintf(stderr, "export %s: %s\n", prefix, rs_ctx_err(ctx)->msg);
    return rc;
}

/* ---- the inputs ------------------------------------------------------------ */

/* North [540000,560000] x [210000,220000], Süd Essex [545000,555000] x
 * [200000,210000].  (550000, 215000) = 51.813509 N 0.174604 E and
 * (550000, 205000) = 51.723663 N 0.170289 E (cs2cs, as in test_weekend);
 * (52.5 N, 1.5 W) is outside both. */
static const double box_n[4] = {540000, 210000, 560000, 220000};
static const double box_s[4] = {545000, 200000, 555000, 210000};

/* Pings: North 30 32 35 40 50 in July, 60 in September (limit 30);
 * South 20 and 30 on a 20 limit in December; one outside. */
static const char pings_csv[] =
    "timestamp,lat,lon,speed_mph,limit_mph\n"
    "2020-07-01T12:00:00Z,51.813509,0.174604,30,30\n"
    "2020-07-02T12:00:00Z,51.813509,0.174604,32,30\n"
    "2020-07-03T12:00:00Z,51.813509,0.174604,35,30\n"
    "2020-07-04T12:00:00Z,51.813509,0.174604,40,30\n"
    "2020-07-05T12:00:00Z,51.813509,0.174604,50,30\n"
    "2020-09-01T12:00:00Z,51.813509,0.174604,60,30\n"
    "2020-12-01T12:00:00Z,51.723663,0.170289,20,20\n"
    "2020-12-02T12:00:00Z,51.723663,0.170289,30,20\n"
    "2020-07-01T12:00:00Z,52.5,-1.5,99,30\n";

/* BST 2020: from 2020-03-29 01:00 UTC to 2020-10-25 01:00 UTC.
 * Thresholds (limit x 1.1 + 2): 30 -> 35, 20 -> 24, 40 -> 46, 70 -> 79. */
static const char detections_csv[] =
    "detection_id,timestamp,device_type,device_id,site_id,easting,northing,speed_mph,"
    "limit_mph,vrm\n"
    "D01,2020-03-28T23:30:00Z,TRUCAM,T-1,\"Site, \"\"A\"\"\",550000.25,215000.75,35.00,30,"
    "ab12 cde\n"
    "D02,2020-03-29T00:30:00Z,trucam,T-1,S2,541000.50,219999.50,34.99,30,AB12 CDE\n"
    "D03,2020-03-29T23:30:00Z,HADECS3,H-22,S3,559000,211000,24,20,XY99 ZZZ\n"
    "D04,2020-10-24T23:30:00Z,SPECS,SP-7,S4,545123.45,212345.67,23.99,20,GH51 JKL\n"
    "D05,2020-10-25T23:30:00Z,REDSPEED,R-1,S5,550000,205000,28,30,MN02OPQ\n"
    "D06,2020-11-01T10:00:00Z,VECTOR,V-1,S6,600000,300000,101.5,70,MN02 OPQ\n"
    "D07,2020-08-15T12:00:00Z,GATSO,G-1,S7,546000,201000,79,70,RS03 TUV\n"
    "D08,2020-12-24T10:00:00Z,OTHER,O-1,S8,550500,215500,46,40,AB12CDE\n";

static const char *const plates[] = {"AB12CDE", "ab12 cde", "AB12 CDE", "XY99ZZZ", "XY99 ZZZ",
                                     "GH51JKL", "GH51 JKL", "MN02OPQ", "MN02 OPQ", "RS03TUV",
                                     "RS03 TUV"};

typedef struct det_want {
    const char *id, *date, *time, *device, *device_id, *site, *speed, *limit, *excess, *over,
        *district, *plate;
    double e, n;
} det_want;

static const det_want dets[8] = {
    {"D01", "20200328", "2020-03-28T23:30:00Z", "TRUCAM", "T-1", "Site, \"A\"", "35.00", "30",
     "5.00", "1", NAME_N, "AB12CDE", 550000.25, 215000.75},
    {"D02", "20200329", "2020-03-29T00:30:00Z", "TRUCAM", "T-1", "S2", "34.99", "30", "4.99", "0",
     NAME_N, "AB12CDE", 541000.50, 219999.50},
    {"D03", "20200330", "2020-03-29T23:30:00Z", "HADECS3", "H-22", "S3", "24.00", "20", "4.00",
     "1", NAME_N, "XY99ZZZ", 559000, 211000},
    {"D04", "20201025", "2020-10-24T23:30:00Z", "SPECS", "SP-7", "S4", "23.99", "20", "3.99", "0",
     NAME_N, "GH51JKL", 545123.45, 212345.67},
    {"D05", "20201025", "2020-10-25T23:30:00Z", "REDSPEED", "R-1", "S5", "28.00", "30", "0.00",
     "0", NAME_S, "MN02OPQ", 550000, 205000},
    {"D06", "20201101", "2020-11-01T10:00:00Z", "VECTOR", "V-1", "S6", "101.50", "70", "31.50",
     "1", NULL, "MN02OPQ", 600000, 300000},
    {"D07", "20200815", "2020-08-15T12:00:00Z", "GATSO", "G-1", "S7", "79.00", "70", "9.00", "1",
     NAME_S, "RS03TUV", 546000, 201000},
    {"D08", "20201224", "2020-12-24T10:00:00Z", "OTHER", "O-1", "S8", "46.00", "40", "6.00", "1",
     NAME_N, "AB12CDE", 550500, 215500},
};

/* Local dates and times (dd/mm/yyyy HH:MM UK local). */
static const char collisions_csv[] =
    "collision_index,collision_severity,date,time,location_easting_osgr,location_northing_osgr,"
    "local_authority_ons_district,speed_limit,number_of_vehicles,number_of_casualties\n"
    "2021420000001,1,01/04/2021,00:30,551000,211000,E07000070,30,2,3\n"
    "2021420000002,2,15/01/2021,08:15,550000.5,205000.25,E07000071,-1,1,1\n"
    "2021420000003,3,20/02/2021,,600000,300000,E06000033,60,3,2\n"
    "2021420000004,2,10/03/2021,12:00,,,E07000072,40,1,1\n";

static const char casualties_csv[] =
    "collision_index,vehicle_reference,casualty_reference,casualty_severity\n"
    "2021420000001,1,1,1\n"
    "2021420000001,1,2,2\n"
    "2021420000001,2,1,3\n"
    "2021420000002,1,1,2\n"
    "2021420000003,1,1,3\n"
    "2021420000003,1,2,3\n"
    "2021420000004,1,1,2\n";

static const char concerns_csv[] =
    "timestamp,lat,lon,source\n"
    "2020-06-01T23:30:00Z,51.813509,0.174604,CSW\n"    /* BST: local 2 June 00:30 */
    "2020-12-01T23:30:00Z,51.723663,0.170289,public\n" /* GMT: local 1 December */
    "2020-07-01T12:00:00Z,51.813509,0.174604,council\n";

static void fill_workspace(void)
{
    unsigned char w0[128], w1[128];
    const unsigned char *wp[2] = {w0, w1};
    size_t len[2] = {ws_box_wkb(w0, box_n[0], box_n[1], box_n[2], box_n[3]),
                     ws_box_wkb(w1, box_s[0], box_s[1], box_s[2], box_s[3])};
    const char *const names[2] = {NAME_N, NAME_S};
    const char *const codes[2] = {"N01", "S02"};
    rs_districts *d = NULL;
    CHECK_EQ_INT(rs_districts_from_wkb(rs_ctx_geo(ctx), 2, names, codes, wp, len, &d), 0);
    CHECK(d != NULL);
    if (d == NULL) {
        fprintf(stderr, "districts: %s\n", rs_ctx_err(ctx)->msg);
        exit(1);
    }
    CHECK_EQ_INT(rs_store_districts_replace(ctx, d, "test"), 0);
    rs_districts_free(d);

    put_file("pings.csv", pings_csv);
    put_file("detections.csv", detections_csv);
    put_file("col.csv", collisions_csv);
    put_file("cas.csv", casualties_csv);
    put_file("concerns.csv", concerns_csv);
    ws_load(ctx, RS_KIND_TELEMATICS, path_of("pings.csv"), NULL, 9);
    ws_load(ctx, RS_KIND_DETECTIONS, path_of("detections.csv"), &key, 8);
    ws_load(ctx, RS_KIND_STATS19, path_of("col.csv"), NULL, 4);
    ws_load(ctx, RS_KIND_STATS19, path_of("cas.csv"), NULL, 7);
    ws_load(ctx, RS_KIND_CONCERNS, path_of("concerns.csv"), NULL, 3);
}

/* ---- rs_layer_parse ---------------------------------------------------------- */

static void test_parse(void)
{
    rs_layer l = RS_LAYER_CONCERNS;
    CHECK_EQ_INT(rs_layer_parse("districts", &l), 0);
    CHECK_EQ_INT(l, RS_LAYER_DISTRICTS);
    CHECK_EQ_INT(rs_layer_parse("detections", &l), 0);
    CHECK_EQ_INT(l, RS_LAYER_DETECTIONS);
    CHECK_EQ_INT(rs_layer_parse("collisions", &l), 0);
    CHECK_EQ_INT(l, RS_LAYER_COLLISIONS);
    CHECK_EQ_INT(rs_layer_parse("concerns", &l), 0);
    CHECK_EQ_INT(l, RS_LAYER_CONCERNS);
    /* refusals leave *out alone; "cells" is the CLI's (heat-map grid), not an rs_layer */
    CHECK_EQ_INT(rs_layer_parse("roads", &l), -1);
    CHECK_EQ_INT(rs_layer_parse("cells", &l), -1);
    CHECK_EQ_INT(rs_layer_parse("Districts", &l), -1);
    CHECK_EQ_INT(rs_layer_parse("concerns ", &l), -1);
    CHECK_EQ_INT(rs_layer_parse("", &l), -1);
    CHECK_EQ_INT(rs_layer_parse(NULL, &l), -1);
    CHECK_EQ_INT(l, RS_LAYER_CONCERNS);
}

/* ---- detections ------------------------------------------------------------- */

static const field_spec det_fields[] = {
    {"DET_ID", 'C', 3, 0},    {"DATE", 'D', 8, 0},      {"TIME_UTC", 'C', 20, 0},
    {"DEVICE", 'C', 8, 0},    {"DEVICE_ID", 'C', 4, 0}, {"SITE_ID", 'C', 9, 0},
    {"SPEED_MPH", 'N', 6, 2}, {"LIMIT_MPH", 'N', 2, 0}, {"EXCESS", 'N', 5, 2},
    {"OVER_THR", 'N', 1, 0},  {"DISTRICT", 'C', 10, 0}, {"VEHICLE", 'C', 64, 0},
};

static void test_detections(void)
{
    const char *p = path_of("detections");
    int64_t written = -1, skipped = -1;
    CHECK_EQ_INT(export_one(RS_LAYER_DETECTIONS, p, 27700, INT64_MIN, INT64_MAX, -1, &written,
                            &skipped),
                 0);
    CHECK_EQ_INT(written, 8);
    CHECK_EQ_INT(skipped, 0);
    check_sidecars(p, 27700);
    layer L;
    if (layer_open(&L, p) != 0)
        return;
    CHECK_EQ_INT(L.n, 8);
    CHECK_EQ_INT(L.type, SHPT_POINT);
    check_fields(&L, det_fields, (int)(sizeof det_fields / sizeof det_fields[0]));
    for (int i = 0; i < 8; i++) {
        const det_want *w = &dets[i];
        int r = rec_of(&L, "DET_ID", w->id);
        CHECK(r >= 0);
        if (r < 0)
            continue;
        check_point(&L, r, w->e, w->n, 1e-6);
        CHECK_VAL(&L, r, "DATE", w->date);
        CHECK_VAL(&L, r, "TIME_UTC", w->time);
        CHECK_VAL(&L, r, "DEVICE", w->device);
        CHECK_VAL(&L, r, "DEVICE_ID", w->device_id);
        CHECK_VAL(&L, r, "SITE_ID", w->site);
        CHECK_VAL(&L, r, "SPEED_MPH", w->speed);
        CHECK_VAL(&L, r, "LIMIT_MPH", w->limit);
        CHECK_VAL(&L, r, "EXCESS", w->excess);
        CHECK_VAL(&L, r, "OVER_THR", w->over);
        if (w->district)
            CHECK_VAL(&L, r, "DISTRICT", w->district);
        else
            CHECK_NULL(&L, r, "DISTRICT");
        const char *v = val(&L, r, "VEHICLE");
        CHECK_STR(v, veh(w->plate));
        CHECK(v && strlen(v) == 64 && strspn(v, "0123456789abcdef") == 64);
        /* OVER_THR from the speed and limit read back: speed >= limit * 1.1 + 2 */
        const char *sp = val(&L, r, "SPEED_MPH"), *lim = val(&L, r, "LIMIT_MPH");
        const char *ov = val(&L, r, "OVER_THR");
        if (sp && lim && ov) {
            long cmph = lround(atof(sp) * 100), l = atol(lim);
            CHECK_EQ_INT(atoi(ov), cmph * 10 >= (l * 11 + 20) * 100);
        }
    }
    layer_close(&L);

    /* no plate, in any spelling, in any byte of the layer */
    static const char *const exts[] = {".dbf", ".shp", ".shx", ".prj", ".cpg"};
    for (int k = 0; k < 5; k++) {
        size_t n;
        char *b = slurp(with_ext(p, exts[k]), &n);
        CHECK(b != NULL);
        for (size_t i = 0; i < sizeof plates / sizeof plates[0]; i++)
            if (has_bytes(b, n, plates[i])) {
                fprintf(stderr, "plate %s in %s%s\n", plates[i], p, exts[k]);
                CHECK(!"a plate in the layer");
            }
        if (k == 0) /* but the hashes and the UTF-8 name are there, as written */
            CHECK(has_bytes(b, n, veh("AB12CDE")) && has_bytes(b, n, NAME_S));
        free(b);
    }

    /* period: UTC [2020-03-29 00:00, 2020-10-25 00:00) */
    p = path_of("det-period");
    CHECK_EQ_INT(export_one(RS_LAYER_DETECTIONS, p, 27700, utc(2020, 3, 29, 0, 0),
                            utc(2020, 10, 25, 0, 0), -1, &written, &skipped),
                 0);
    CHECK_EQ_INT(written, 4);
    if (layer_open(&L, p) == 0) {
        CHECK_EQ_INT(L.n, 4);
        CHECK(rec_of(&L, "DET_ID", "D01") < 0); /* 23:30 UTC on the 28th */
        CHECK(rec_of(&L, "DET_ID", "D02") >= 0);
        CHECK(rec_of(&L, "DET_ID", "D03") >= 0);
        CHECK(rec_of(&L, "DET_ID", "D04") >= 0);
        CHECK(rec_of(&L, "DET_ID", "D07") >= 0);
        CHECK(rec_of(&L, "DET_ID", "D05") < 0);
        layer_close(&L);
    }

    /* one district: South (id 1) */
    p = path_of("det-south");
    CHECK_EQ_INT(export_one(RS_LAYER_DETECTIONS, p, 27700, INT64_MIN, INT64_MAX, 1, &written,
                            &skipped),
                 0);
    CHECK_EQ_INT(written, 2);
    if (layer_open(&L, p) == 0) {
        CHECK_EQ_INT(L.n, 2);
        CHECK_VAL(&L, rec_of(&L, "DET_ID", "D05"), "DISTRICT", NAME_S);
        CHECK_VAL(&L, rec_of(&L, "DET_ID", "D07"), "DISTRICT", NAME_S);
        layer_close(&L);
    }

    /* WGS84: lon/lat as PROJ gives them for the same BNG points */
    p = path_of("det-4326");
    CHECK_EQ_INT(export_one(RS_LAYER_DETECTIONS, p, 4326, INT64_MIN, INT64_MAX, -1, &written,
                            &skipped),
                 0);
    CHECK_EQ_INT(written, 8);
    check_sidecars(p, 4326);
    if (layer_open(&L, p) == 0) {
        CHECK_EQ_INT(L.type, SHPT_POINT);
        for (int i = 0; i < 8; i++) {
            double x = dets[i].e, y = dets[i].n;
            proj_xy("EPSG:27700", "EPSG:4326", &x, &y);
            check_point(&L, rec_of(&L, "DET_ID", dets[i].id), x, y, 1e-6);
        }
        /* and near cs2cs's figure for (550000, 215000): D01 is 0.8 m from it */
        check_point(&L, rec_of(&L, "DET_ID", "D01"), 0.174604, 51.813509, 1e-4);
        CHECK_VAL(&L, rec_of(&L, "DET_ID", "D01"), "DATE", "20200328");
        layer_close(&L);
    }
}

/* ---- collisions ------------------------------------------------------------- */

static const field_spec col_fields[] = {
    {"COLL_INDEX", 'C', 13, 0}, {"DATE", 'D', 8, 0},       {"TIME_UTC", 'C', 20, 0},
    {"SEVERITY", 'N', 1, 0},    {"SEV_LABEL", 'C', 7, 0},  {"FATAL", 'N', 1, 0},
    {"SERIOUS", 'N', 1, 0},     {"SLIGHT", 'N', 1, 0},     {"CASUALTIES", 'N', 1, 0},
    {"VEHICLES", 'N', 1, 0},    {"SPEED_LIM", 'N', 2, 0},  {"DISTRICT", 'C', 10, 0},
    {"ONS_DIST", 'C', 9, 0},
};

static void test_collisions(void)
{
    const char *p = path_of("collisions");
    int64_t written = -1, skipped = -1;
    CHECK_EQ_INT(export_one(RS_LAYER_COLLISIONS, p, 27700, INT64_MIN, INT64_MAX, -1, &written,
                            &skipped),
                 0);
    CHECK_EQ_INT(written, 3);
    CHECK_EQ_INT(skipped, 1); /* 2021420000004 has no location */
    check_sidecars(p, 27700);
    layer L;
    if (layer_open(&L, p) != 0)
        return;
    CHECK_EQ_INT(L.n, 3);
    CHECK_EQ_INT(L.type, SHPT_POINT);
    check_fields(&L, col_fields, (int)(sizeof col_fields / sizeof col_fields[0]));
    CHECK(rec_of(&L, "COLL_INDEX", "2021420000004") < 0);

    /* 00:30 BST on 1 April: the local date, and the UTC instant the day before */
    int r = rec_of(&L, "COLL_INDEX", "2021420000001");
    check_point(&L, r, 551000, 211000, 1e-6);
    CHECK_VAL(&L, r, "DATE", "20210401");
    CHECK_VAL(&L, r, "TIME_UTC", "2021-03-31T23:30:00Z");
    CHECK_VAL(&L, r, "SEVERITY", "1");
    CHECK_VAL(&L, r, "SEV_LABEL", "fatal");
    CHECK_VAL(&L, r, "FATAL", "1");
    CHECK_VAL(&L, r, "SERIOUS", "1");
    CHECK_VAL(&L, r, "SLIGHT", "1");
    CHECK_VAL(&L, r, "CASUALTIES", "3");
    CHECK_VAL(&L, r, "VEHICLES", "2");
    CHECK_VAL(&L, r, "SPEED_LIM", "30");
    CHECK_VAL(&L, r, "DISTRICT", NAME_N);
    CHECK_VAL(&L, r, "ONS_DIST", "E07000070");

    r = rec_of(&L, "COLL_INDEX", "2021420000002"); /* GMT: local = UTC */
    check_point(&L, r, 550000.5, 205000.25, 1e-6);
    CHECK_VAL(&L, r, "DATE", "20210115");
    CHECK_VAL(&L, r, "TIME_UTC", "2021-01-15T08:15:00Z");
    CHECK_VAL(&L, r, "SEVERITY", "2");
    CHECK_VAL(&L, r, "SEV_LABEL", "serious");
    CHECK_VAL(&L, r, "FATAL", "0");
    CHECK_VAL(&L, r, "SERIOUS", "1");
    CHECK_VAL(&L, r, "SLIGHT", "0");
    CHECK_NULL(&L, r, "SPEED_LIM"); /* -1 in the file: missing */
    CHECK_VAL(&L, r, "DISTRICT", NAME_S);
    CHECK_VAL(&L, r, "ONS_DIST", "E07000071");

    r = rec_of(&L, "COLL_INDEX", "2021420000003"); /* no time; outside the districts */
    check_point(&L, r, 600000, 300000, 1e-6);
    CHECK_VAL(&L, r, "DATE", "20210220");
    CHECK_NULL(&L, r, "TIME_UTC");
    CHECK_VAL(&L, r, "SEV_LABEL", "slight");
    CHECK_VAL(&L, r, "SLIGHT", "2");
    CHECK_VAL(&L, r, "CASUALTIES", "2");
    CHECK_VAL(&L, r, "VEHICLES", "3");
    CHECK_VAL(&L, r, "SPEED_LIM", "60");
    CHECK_NULL(&L, r, "DISTRICT");
    CHECK_VAL(&L, r, "ONS_DIST", "E06000033");
    layer_close(&L);

    /* periods by UK local date: 1 April 2021 (local midnights, BST) */
    p = path_of("col-april");
    CHECK_EQ_INT(export_one(RS_LAYER_COLLISIONS, p, 27700, utc(2021, 3, 31, 23, 0),
                            utc(2021, 4, 1, 23, 0), -1, &written, &skipped),
                 0);
    CHECK_EQ_INT(written, 1);
    CHECK_EQ_INT(skipped, 0);
    if (layer_open(&L, p) == 0) {
        CHECK(rec_of(&L, "COLL_INDEX", "2021420000001") == 0);
        layer_close(&L);
    }
    /* 1 January to 31 March 2021: the unlocated one (10 March) is counted */
    p = path_of("col-q1");
    CHECK_EQ_INT(export_one(RS_LAYER_COLLISIONS, p, 27700, utc(2021, 1, 1, 0, 0),
                            utc(2021, 3, 31, 23, 0), -1, &written, &skipped),
                 0);
    CHECK_EQ_INT(written, 2);
    CHECK_EQ_INT(skipped, 1);
    /* one district */
    p = path_of("col-north");
    CHECK_EQ_INT(export_one(RS_LAYER_COLLISIONS, p, 27700, INT64_MIN, INT64_MAX, 0, &written,
                            &skipped),
                 0);
    CHECK_EQ_INT(written, 1);
}

/* ---- concerns --------------------------------------------------------------- */

static const field_spec con_fields[] = {
    {"DATE", 'D', 8, 0}, {"TIME_UTC", 'C', 20, 0}, {"SOURCE", 'C', 7, 0}, {"DISTRICT", 'C', 10, 0}};

static void test_concerns(void)
{
    const char *p = path_of("concerns");
    int64_t written = -1, skipped = -1;
    CHECK_EQ_INT(export_one(RS_LAYER_CONCERNS, p, 27700, INT64_MIN, INT64_MAX, -1, &written,
                            &skipped),
                 0);
    CHECK_EQ_INT(written, 3);
    CHECK_EQ_INT(skipped, 0);
    check_sidecars(p, 27700);
    layer L;
    if (layer_open(&L, p) != 0)
        return;
    CHECK_EQ_INT(L.n, 3);
    CHECK_EQ_INT(L.type, SHPT_POINT);
    check_fields(&L, con_fields, 4);
    /* positions: the lat/lon given, through PROJ (ingest keeps 0.01 m) */
    double en[2][2] = {{0.174604, 51.813509}, {0.170289, 51.723663}};
    for (int i = 0; i < 2; i++)
        proj_xy("EPSG:4326", "EPSG:27700", &en[i][0], &en[i][1]);
    int r = rec_of(&L, "SOURCE", "CSW");
    check_point(&L, r, en[0][0], en[0][1], 0.05);
    CHECK_VAL(&L, r, "DATE", "20200602");
    CHECK_VAL(&L, r, "TIME_UTC", "2020-06-01T23:30:00Z");
    CHECK_VAL(&L, r, "DISTRICT", NAME_N);
    r = rec_of(&L, "SOURCE", "public");
    check_point(&L, r, en[1][0], en[1][1], 0.05);
    CHECK_VAL(&L, r, "DATE", "20201201");
    CHECK_VAL(&L, r, "TIME_UTC", "2020-12-01T23:30:00Z");
    CHECK_VAL(&L, r, "DISTRICT", NAME_S);
    r = rec_of(&L, "SOURCE", "council");
    CHECK_VAL(&L, r, "DATE", "20200701");
    CHECK_VAL(&L, r, "DISTRICT", NAME_N);
    layer_close(&L);

    /* an empty layer: a period with none */
    p = path_of("concerns-empty");
    CHECK_EQ_INT(export_one(RS_LAYER_CONCERNS, p, 27700, utc(2019, 1, 1, 0, 0),
                            utc(2019, 2, 1, 0, 0), -1, &written, &skipped),
                 0);
    CHECK_EQ_INT(written, 0);
    check_sidecars(p, 27700);
    if (layer_open(&L, p) == 0) {
        CHECK_EQ_INT(L.n, 0);
        CHECK_EQ_INT(L.type, SHPT_POINT);
        const field_spec empty[] = {{"DATE", 'D', 8, 0},
                                    {"TIME_UTC", 'C', 1, 0},
                                    {"SOURCE", 'C', 1, 0},
                                    {"DISTRICT", 'C', 1, 0}};
        check_fields(&L, empty, 4);
        layer_close(&L);
    }
}

/* ---- districts -------------------------------------------------------------- */

static const field_spec dist_fields[] = {
    {"CODE", 'C', 3, 0},       {"NAME", 'C', 10, 0},      {"AREA_KM2", 'N', 6, 2},
    {"PINGS", 'N', 1, 0},      {"SHR_SPEED", 'N', 5, 2},  {"SHR_OVER", 'N', 5, 2},
    {"P85_MPH", 'N', 5, 2},    {"KSI", 'N', 1, 0},        {"KILLED", 'N', 1, 0},
    {"DET_TOTAL", 'N', 1, 0},  {"DET_TRUCAM", 'N', 1, 0}, {"DET_GATSO", 'N', 1, 0},
    {"DET_HADECS", 'N', 1, 0}, {"DET_SPECS", 'N', 1, 0},  {"DET_REDSPD", 'N', 1, 0},
    {"DET_VECTOR", 'N', 1, 0}, {"DET_OTHER", 'N', 1, 0},  {"CONCERNS", 'N', 1, 0},
    {"WKND_SCORE", 'N', 5, 3},
};
#define N_DIST_FIELDS 19

static const char *const det_names[7] = {"DET_TRUCAM", "DET_GATSO",  "DET_HADECS", "DET_SPECS",
                                         "DET_REDSPD", "DET_VECTOR", "DET_OTHER"};

static void check_dets(layer *L, int r, const char *total, const char *const by_type[7])
{
    CHECK_VAL(L, r, "DET_TOTAL", total);
    for (int k = 0; k < 7; k++)
        CHECK_VAL(L, r, det_names[k], by_type[k]);
}

static void test_districts(void)
{
    const char *p = path_of("districts");
    const double extra[2] = {2.5, NAN};
    rs_export_opts o = {p, 27700, INT64_MIN, INT64_MAX, -1, "WKND_SCORE", extra};
    int64_t written = -1, skipped = -1;
    rs_err_clear(rs_ctx_err(ctx));
    int rc = rs_export_layer(ctx, RS_LAYER_DISTRICTS, &o, &written, &skipped);
    if (rc != 0)
        fprintf(stderr, "districts: %s\n", rs_ctx_err(ctx)->msg);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(written, 2);
    CHECK_EQ_INT(skipped, 0);
    check_sidecars(p, 27700);
    layer L;
    if (layer_open(&L, p) != 0)
        return;
    CHECK_EQ_INT(L.n, 2);
    CHECK_EQ_INT(L.type, SHPT_POLYGON);
    check_fields(&L, dist_fields, N_DIST_FIELDS);
    const double nx[4] = {box_n[0], box_n[2], box_n[2], box_n[0]};
    const double ny[4] = {box_n[1], box_n[1], box_n[3], box_n[3]};
    const double sx[4] = {box_s[0], box_s[2], box_s[2], box_s[0]};
    const double sy[4] = {box_s[1], box_s[1], box_s[3], box_s[3]};

    /* North: pings 30 32 35 40 50 60 on a 30 limit: speeding (> 30) 5 of 6,
     * over (>= 35) 4 of 6; type-7 p85 at h = 0.85 * 5 = 4.25: 50 + 0.25 * 10.
     * KSI: the fatal and the serious casualty of ...001. */
    int r = rec_of(&L, "NAME", NAME_N);
    check_box(&L, r, nx, ny, 0);
    CHECK_VAL(&L, r, "CODE", "N01");
    CHECK_VAL(&L, r, "AREA_KM2", "200.00");
    CHECK_VAL(&L, r, "PINGS", "6");
    CHECK_VAL(&L, r, "SHR_SPEED", "83.33");
    CHECK_VAL(&L, r, "SHR_OVER", "66.67");
    CHECK_VAL(&L, r, "P85_MPH", "52.50");
    CHECK_VAL(&L, r, "KSI", "2");
    CHECK_VAL(&L, r, "KILLED", "1");
    const char *const n_types[7] = {"2", "0", "1", "1", "0", "0", "1"};
    check_dets(&L, r, "5", n_types);
    CHECK_VAL(&L, r, "CONCERNS", "2");
    CHECK_VAL(&L, r, "WKND_SCORE", "2.500");

    /* South: 20 and 30 on a 20 limit: 1 of 2 speeding, 1 of 2 over (>= 24);
     * p85 at h = 0.85: 20 + 0.85 * 10.  KSI: ...002's serious casualty (the
     * unlocated ...004 counts nowhere). */
    r = rec_of(&L, "NAME", NAME_S);
    check_box(&L, r, sx, sy, 0);
    CHECK_VAL(&L, r, "CODE", "S02");
    CHECK_VAL(&L, r, "AREA_KM2", "100.00");
    CHECK_VAL(&L, r, "PINGS", "2");
    CHECK_VAL(&L, r, "SHR_SPEED", "50.00");
    CHECK_VAL(&L, r, "SHR_OVER", "50.00");
    CHECK_VAL(&L, r, "P85_MPH", "28.50");
    CHECK_VAL(&L, r, "KSI", "1");
    CHECK_VAL(&L, r, "KILLED", "0");
    const char *const s_types[7] = {"0", "1", "0", "0", "1", "0", "0"};
    check_dets(&L, r, "2", s_types);
    CHECK_VAL(&L, r, "CONCERNS", "1");
    CHECK_NULL(&L, r, "WKND_SCORE"); /* NaN = null */
    layer_close(&L);

    /* the period June-August 2020 (UTC): North's five July pings, p85 at
     * h = 3.4: 40 + 0.4 * 10; no collisions; concerns of 1 June and 1 July;
     * South: no pings (null shares), D07 (GATSO, 15 August) */
    p = path_of("districts-summer");
    CHECK_EQ_INT(export_one(RS_LAYER_DISTRICTS, p, 27700, utc(2020, 6, 1, 0, 0),
                            utc(2020, 9, 1, 0, 0), -1, &written, &skipped),
                 0);
    CHECK_EQ_INT(written, 2);
    if (layer_open(&L, p) == 0) {
        CHECK_EQ_INT(DBFGetFieldCount(L.dbf), N_DIST_FIELDS - 1); /* no extra field */
        CHECK(DBFGetFieldIndex(L.dbf, "WKND_SCORE") < 0);
        r = rec_of(&L, "NAME", NAME_N);
        CHECK_VAL(&L, r, "PINGS", "5");
        CHECK_VAL(&L, r, "SHR_SPEED", "80.00");
        CHECK_VAL(&L, r, "SHR_OVER", "60.00");
        CHECK_VAL(&L, r, "P85_MPH", "44.00");
        CHECK_VAL(&L, r, "KSI", "0");
        CHECK_VAL(&L, r, "KILLED", "0");
        const char *const none[7] = {"0", "0", "0", "0", "0", "0", "0"};
        check_dets(&L, r, "0", none);
        CHECK_VAL(&L, r, "CONCERNS", "2");
        r = rec_of(&L, "NAME", NAME_S);
        CHECK_VAL(&L, r, "PINGS", "0");
        CHECK_NULL(&L, r, "SHR_SPEED");
        CHECK_NULL(&L, r, "SHR_OVER");
        CHECK_NULL(&L, r, "P85_MPH");
        const char *const gatso[7] = {"0", "1", "0", "0", "0", "0", "0"};
        check_dets(&L, r, "1", gatso);
        CHECK_VAL(&L, r, "CONCERNS", "0");
        layer_close(&L);
    }

    /* one district */
    p = path_of("districts-south");
    CHECK_EQ_INT(export_one(RS_LAYER_DISTRICTS, p, 27700, INT64_MIN, INT64_MAX, 1, &written,
                            &skipped),
                 0);
    CHECK_EQ_INT(written, 1);
    if (layer_open(&L, p) == 0) {
        CHECK_EQ_INT(L.n, 1);
        CHECK_VAL(&L, 0, "NAME", NAME_S);
        CHECK_VAL(&L, 0, "PINGS", "2");
        layer_close(&L);
    }

    /* WGS84: each corner as PROJ puts it, ring still clockwise */
    p = path_of("districts-4326");
    CHECK_EQ_INT(export_one(RS_LAYER_DISTRICTS, p, 4326, INT64_MIN, INT64_MAX, -1, &written,
                            &skipped),
                 0);
    CHECK_EQ_INT(written, 2);
    check_sidecars(p, 4326);
    if (layer_open(&L, p) == 0) {
        CHECK_EQ_INT(L.type, SHPT_POLYGON);
        double lx[4], ly[4];
        for (int c = 0; c < 4; c++) {
            lx[c] = nx[c];
            ly[c] = ny[c];
            proj_xy("EPSG:27700", "EPSG:4326", &lx[c], &ly[c]);
        }
        check_box(&L, rec_of(&L, "NAME", NAME_N), lx, ly, 1e-6);
        CHECK_VAL(&L, rec_of(&L, "NAME", NAME_N), "AREA_KM2", "200.00"); /* planar, BNG */
        layer_close(&L);
    }
}

/* ---- errors and atomicity ------------------------------------------------------ */

static void test_errors(void)
{
    int64_t written = -1, skipped = -1;
    rs_export_opts o = {path_of("bad-crs"), 3857, INT64_MIN, INT64_MAX, -1, NULL, NULL};
    rs_err_clear(rs_ctx_err(ctx));
    CHECK_EQ_INT(rs_export_layer(ctx, RS_LAYER_CONCERNS, &o, &written, &skipped), RS_EUSAGE);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "27700");
    CHECK(!exists(path_of("bad-crs.shp")));
    CHECK_EQ_INT(count_entries(tmpd, "bad-crs"), 0);

    /* a layer value outside the enum is refused, not read past the table */
    rs_export_opts ob = {path_of("bad-layer"), 27700, INT64_MIN, INT64_MAX, -1, NULL, NULL};
    rs_err_clear(rs_ctx_err(ctx));
    CHECK_EQ_INT(rs_export_layer(ctx, (rs_layer)99, &ob, &written, &skipped), RS_EUSAGE);
    CHECK(!exists(path_of("bad-layer.shp")));

    /* a folder that does not exist: an error naming it, and nothing made */
    rs_err_clear(rs_ctx_err(ctx));
    o = (rs_export_opts){path_of("nodir/sub/concerns"), 27700, INT64_MIN, INT64_MAX, -1, NULL,
                         NULL};
    int rc = rs_export_layer(ctx, RS_LAYER_CONCERNS, &o, &written, &skipped);
    CHECK(rc != 0);
    CHECK_EQ_INT(rc, RS_EIO);
    CHECK(rs_ctx_err(ctx)->msg[0] != '\0');
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "nodir");
    CHECK(!exists(path_of("nodir")));

    /* a "folder" that is a regular file */
    put_file("afile", "x\n");
    rs_err_clear(rs_ctx_err(ctx));
    o.prefix = path_of("afile/detections");
    rc = rs_export_layer(ctx, RS_LAYER_DETECTIONS, &o, &written, &skipped);
    CHECK(rc != 0);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "afile");

    /* atomic: a layer that cannot be put in place (its .cpg is now a
     * directory) leaves the earlier layer byte for byte and no temporaries */
    CHECK_EQ_INT(mkdir(path_of("keep"), 0755), 0);
    const char *p = path_of("keep/layer");
    CHECK_EQ_INT(export_one(RS_LAYER_CONCERNS, p, 27700, INT64_MIN, INT64_MAX, -1, &written,
                            &skipped),
                 0);
    static const char *const exts[4] = {".shp", ".shx", ".dbf", ".prj"};
    char *before[4];
    size_t blen[4];
    for (int k = 0; k < 4; k++)
        before[k] = slurp(with_ext(p, exts[k]), &blen[k]);
    CHECK_EQ_INT(remove(with_ext(p, ".cpg")), 0);
    CHECK_EQ_INT(mkdir(with_ext(p, ".cpg"), 0755), 0);
    rs_err_clear(rs_ctx_err(ctx));
    o = (rs_export_opts){p, 27700, INT64_MIN, INT64_MAX, -1, NULL, NULL};
    rc = rs_export_layer(ctx, RS_LAYER_DETECTIONS, &o, &written, &skipped); /* other content */
    CHECK(rc != 0);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "layer.cpg");
    for (int k = 0; k < 4; k++) {
        size_t n;
        char *after = slurp(with_ext(p, exts[k]), &n);
        CHECK(before[k] != NULL && after != NULL && n == blen[k] &&
              memcmp(before[k], after, n) == 0);
        free(after);
    }
    CHECK_EQ_INT(count_entries(path_of("keep"), "tmp"), 0);
    CHECK_EQ_INT(count_entries(path_of("keep"), "layer"), 5);

    /* a bad extra field name is refused before anything is written */
    CHECK_EQ_INT(rmdir(with_ext(p, ".cpg")), 0);
    const double extra[2] = {1, 2};
    o = (rs_export_opts){p, 27700, INT64_MIN, INT64_MAX, -1, "WKND SCORE", extra};
    rs_err_clear(rs_ctx_err(ctx));
    CHECK_EQ_INT(rs_export_layer(ctx, RS_LAYER_DISTRICTS, &o, &written, &skipped), RS_EUSAGE);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "WKND SCORE");
    for (int k = 0; k < 4; k++) {
        size_t n;
        char *after = slurp(with_ext(p, exts[k]), &n);
        CHECK(before[k] != NULL && after != NULL && n == blen[k] &&
              memcmp(before[k], after, n) == 0);
        free(after);
    }
    CHECK_EQ_INT(count_entries(path_of("keep"), "tmp"), 0);

    /* an unwritable folder (meaningless as root, who may write anywhere) */
    if (geteuid() != 0) {
        CHECK_EQ_INT(chmod(path_of("keep"), 0555), 0);
        o = (rs_export_opts){p, 27700, INT64_MIN, INT64_MAX, -1, NULL, NULL};
        rs_err_clear(rs_ctx_err(ctx));
        CHECK_EQ_INT(rs_export_layer(ctx, RS_LAYER_DETECTIONS, &o, &written, &skipped), RS_EIO);
        CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "keep");
        for (int k = 0; k < 4; k++) {
            size_t n;
            char *after = slurp(with_ext(p, exts[k]), &n);
            CHECK(after != NULL && n == blen[k] && memcmp(before[k], after, n) == 0);
            free(after);
        }
        CHECK_EQ_INT(chmod(path_of("keep"), 0755), 0);
    }
    for (int k = 0; k < 4; k++)
        free(before[k]);
}

/* ---- a workspace without data, then without districts ------------------------- */

static void test_empty_workspace(void)
{
    CHECK_EQ_INT(rs_store_open(ctx, path_of("empty.db"), RS_STORE_CREATE), 0);
    int64_t written = -1, skipped = -1;

    /* no districts: the districts layer is refused, nothing written */
    rs_err_clear(rs_ctx_err(ctx));
    rs_export_opts o = {path_of("nodist"), 27700, INT64_MIN, INT64_MAX, -1, NULL, NULL};
    CHECK_EQ_INT(rs_export_layer(ctx, RS_LAYER_DISTRICTS, &o, &written, &skipped),
                 RS_ENOTFOUND);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "no districts");
    CHECK_EQ_INT(written, 0);
    CHECK_EQ_INT(count_entries(tmpd, "nodist"), 0);

    /* empty point layers */
    const char *p = path_of("empty-det");
    CHECK_EQ_INT(export_one(RS_LAYER_DETECTIONS, p, 27700, INT64_MIN, INT64_MAX, -1, &written,
                            &skipped),
                 0);
    CHECK_EQ_INT(written, 0);
    check_sidecars(p, 27700);
    layer L;
    if (layer_open(&L, p) == 0) {
        CHECK_EQ_INT(L.n, 0);
        CHECK_EQ_INT(L.type, SHPT_POINT);
        const field_spec empty[] = {
            {"DET_ID", 'C', 1, 0},    {"DATE", 'D', 8, 0},      {"TIME_UTC", 'C', 1, 0},
            {"DEVICE", 'C', 1, 0},    {"DEVICE_ID", 'C', 1, 0}, {"SITE_ID", 'C', 1, 0},
            {"SPEED_MPH", 'N', 4, 2}, {"LIMIT_MPH", 'N', 1, 0}, {"EXCESS", 'N', 4, 2},
            {"OVER_THR", 'N', 1, 0},  {"DISTRICT", 'C', 1, 0},  {"VEHICLE", 'C', 1, 0},
        };
        check_fields(&L, empty, 12);
        layer_close(&L);
    }
    p = path_of("empty-col");
    CHECK_EQ_INT(export_one(RS_LAYER_COLLISIONS, p, 27700, INT64_MIN, INT64_MAX, -1, &written,
                            &skipped),
                 0);
    CHECK_EQ_INT(written, 0);
    CHECK_EQ_INT(skipped, 0);
    if (layer_open(&L, p) == 0) {
        CHECK_EQ_INT(L.n, 0);
        CHECK_EQ_INT(DBFGetFieldCount(L.dbf), 13);
        layer_close(&L);
    }

    /* districts without any data: every figure of a source never loaded is
     * null (missing is not zero), as are the shares and p85 */
    const char *const names[1] = {"Only"};
    const ws_box boxes[1] = {{0, 0, 1000, 2000}};
    ws_box_districts(ctx, 1, names, boxes);
    p = path_of("empty-districts");
    CHECK_EQ_INT(export_one(RS_LAYER_DISTRICTS, p, 27700, INT64_MIN, INT64_MAX, -1, &written,
                            &skipped),
                 0);
    CHECK_EQ_INT(written, 1);
    if (layer_open(&L, p) == 0) {
        CHECK_EQ_INT(L.n, 1);
        CHECK_NULL(&L, 0, "CODE");
        CHECK_VAL(&L, 0, "NAME", "Only");
        CHECK_VAL(&L, 0, "AREA_KM2", "2.00");
        CHECK_NULL(&L, 0, "PINGS");
        CHECK_NULL(&L, 0, "SHR_SPEED");
        CHECK_NULL(&L, 0, "SHR_OVER");
        CHECK_NULL(&L, 0, "P85_MPH");
        CHECK_NULL(&L, 0, "KSI");
        CHECK_NULL(&L, 0, "KILLED");
        CHECK_NULL(&L, 0, "DET_TOTAL");
        for (int k = 0; k < 7; k++)
            CHECK_NULL(&L, 0, det_names[k]);
        CHECK_NULL(&L, 0, "CONCERNS");
        int i = fld(&L, "SHR_SPEED"), w = -1, d = -1;
        if (i >= 0) {
            DBFGetFieldInfo(L.dbf, i, NULL, &w, &d);
            CHECK_EQ_INT(w, 4); /* no value: decimals + 2 */
            CHECK_EQ_INT(d, 2);
        }
        const double xs[4] = {0, 1000, 1000, 0}, ys[4] = {0, 0, 2000, 2000};
        check_box(&L, 0, xs, ys, 0);
        layer_close(&L);
    }
    rs_store_close(ctx);
}

int main(void)
{
    snprintf(tmpd, sizeof tmpd, "%s", check_tmpdir("test_export"));
    memset(&key, 0, sizeof key);
    memcpy(key.bytes, "0123456789abcdef0123456789abcdef", 32);
    key.len = 32;
    ctx = rs_ctx_new();
    CHECK(ctx != NULL);
    if (ctx == NULL)
        return check_done();

    test_parse();
    CHECK_EQ_INT(rs_store_open(ctx, path_of("ws.db"), RS_STORE_CREATE), 0);
    fill_workspace();
    test_detections();
    test_collisions();
    test_concerns();
    test_districts();
    test_errors();
    rs_store_close(ctx);
    test_empty_workspace();

    rs_ctx_free(ctx);
    return check_done();
}
