/*
 * test_place.c — engine/place: the placer's WGS84 -> BNG interpolation
 * table against PROJ (place.h claims its error is < 1 cm over the table's
 * extent), the GB extent checks at their documented edges, district
 * assignment over a few box districts, d == NULL, a sharing placer and a
 * point outside the table (through PROJ itself).
 *
 * The reference is geo/crs's rs_crs EPSG:4326 -> EPSG:27700, the same
 * fixed PROJ operation the placer uses; the table's lon/lat box is derived
 * here from the documented rule (districts' extent plus 0.05 degrees).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "crs.h"
#include "ctx.h"
#include "district.h"
#include "place.h"
#include "wkb_box.h"

/* Deterministic uniform [0,1) (xorshift64*), so failures reproduce. */
static double rnd(unsigned long long *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* Three boxes in Essex (BNG metres); 0 and 1 share the edge e = 570000. */
static const double box[3][4] = {
    {560000, 190000, 570000, 200000},
    {570000, 190000, 580000, 200000},
    {590000, 220000, 600000, 230000},
};

/* Expected district of (e,n): index of the box holding it, -1 none, -2
 * when within 5 cm of a box edge (ambiguous; not checked). */
static int expect_district(double e, double n)
{
    for (int i = 0; i < 3; i++) {
        double dx = fmin(e - box[i][0], box[i][2] - e), dy = fmin(n - box[i][1], box[i][3] - n);
        if (fabs(dx) < 0.05 && dy > -0.05)
            return -2;
        if (fabs(dy) < 0.05 && dx > -0.05)
            return -2;
        if (dx > 0 && dy > 0)
            return i;
    }
    return -1;
}

static void test_in_gb(void)
{
    CHECK(rs_in_gb_wgs84(51.5, 0.5));
    CHECK(rs_in_gb_wgs84(49.8, -8.7));
    CHECK(rs_in_gb_wgs84(60.95, 1.9));
    CHECK(!rs_in_gb_wgs84(49.7999, 0));
    CHECK(!rs_in_gb_wgs84(60.9501, 0));
    CHECK(!rs_in_gb_wgs84(55, -8.7001));
    CHECK(!rs_in_gb_wgs84(55, 1.9001));
    CHECK(!rs_in_gb_wgs84(0.5, 51.5)); /* swapped */
    CHECK(!rs_in_gb_wgs84(0, 0));
    CHECK(!rs_in_gb_wgs84(NAN, 0));
    CHECK(rs_in_gb_bng(573621, 180858));
    CHECK(rs_in_gb_bng(700000, 1250000));
    CHECK(rs_in_gb_bng(0.001, 0.001));
    CHECK(!rs_in_gb_bng(0, 180000));
    CHECK(!rs_in_gb_bng(573621, 0));
    CHECK(!rs_in_gb_bng(700000.001, 180000));
    CHECK(!rs_in_gb_bng(573621, 1250000.001));
    CHECK(!rs_in_gb_bng(-1, 180000));
    CHECK(!rs_in_gb_bng(NAN, 180000));
}

int main(void)
{
    rs_ctx *ctx = rs_ctx_new();
    CHECK(ctx != NULL);
    if (ctx == NULL)
        return check_done();
    rs_geo *g = rs_ctx_geo(ctx);
    test_in_gb();

    unsigned char wkb[3][128];
    const unsigned char *wp[3];
    size_t len[3];
    const char *names[3] = {"A", "B", "C"};
    for (int i = 0; i < 3; i++) {
        len[i] = ws_box_wkb(wkb[i], box[i][0], box[i][1], box[i][2], box[i][3]);
        wp[i] = wkb[i];
    }
    rs_districts *d = NULL;
    rs_placer *p = NULL, *ps = NULL, *pn = NULL;
    rs_crs *fwd = NULL, *inv = NULL;
    CHECK_EQ_INT(rs_districts_from_wkb(g, 3, names, NULL, wp, len, &d), 0);
    CHECK_EQ_INT(rs_crs_new(g, "EPSG:4326", "EPSG:27700", &fwd), 0);
    CHECK_EQ_INT(rs_crs_new(g, "EPSG:27700", "EPSG:4326", &inv), 0);
    if (d == NULL || fwd == NULL || inv == NULL)
        goto done;
    CHECK_EQ_INT(rs_placer_new(ctx, d, &p), 0);
    CHECK_EQ_INT(rs_placer_new_sharing(ctx, d, p, &ps), 0);
    CHECK_EQ_INT(rs_placer_new(ctx, NULL, &pn), 0);
    if (p == NULL || ps == NULL || pn == NULL)
        goto done;
    CHECK(rs_placer_table_error(p) > 0 && rs_placer_table_error(p) < 0.01);
    CHECK(rs_placer_table_error(pn) == 0.0);

    /* the table's lon/lat box: districts' extent to lon/lat, plus 0.05 deg */
    double x0, y0, x1, y1;
    rs_districts_extent(d, &x0, &y0, &x1, &y1);
    double cx[4] = {x0, x1, x0, x1}, cy[4] = {y0, y0, y1, y1};
    CHECK_EQ_INT(rs_crs_trans(inv, cx, cy, 4), 0);
    double lon0 = fmin(fmin(cx[0], cx[1]), fmin(cx[2], cx[3])) - 0.05;
    double lon1 = fmax(fmax(cx[0], cx[1]), fmax(cx[2], cx[3])) + 0.05;
    double lat0 = fmin(fmin(cy[0], cy[1]), fmin(cy[2], cy[3])) - 0.05;
    double lat1 = fmax(fmax(cy[0], cy[1]), fmax(cy[2], cy[3])) + 0.05;

    enum { NRAND = 200000, NEDGE = 4 * 1000 };
    unsigned long long s = 0x9E3779B97F4A7C15ULL;
    double maxerr = 0;
    long bad_err = 0, bad_d = 0, bad_share = 0, bad_null = 0, checked_d = 0;
    for (int k = 0; k < NRAND + NEDGE + 4; k++) {
        double lon, lat;
        if (k < NRAND) {
            lon = lon0 + (lon1 - lon0) * rnd(&s);
            lat = lat0 + (lat1 - lat0) * rnd(&s);
        } else if (k < NRAND + NEDGE) { /* the four edges, exactly */
            int j = k - NRAND, side = j % 4;
            double t = rnd(&s);
            lon = side == 0 ? lon0 : side == 1 ? lon1 : lon0 + (lon1 - lon0) * t;
            lat = side == 2 ? lat0 : side == 3 ? lat1 : lat0 + (lat1 - lat0) * t;
        } else { /* the corners */
            int j = k - NRAND - NEDGE;
            lon = (j & 1) ? lon1 : lon0;
            lat = (j & 2) ? lat1 : lat0;
        }
        double re = lon, rn = lat;
        if (rs_crs_trans(fwd, &re, &rn, 1) != 0) {
            CHECK(!"reference PROJ failed");
            continue;
        }
        double e = 0, n = 0, e2 = 0, n2 = 0, e3 = 0, n3 = 0;
        int32_t di = -9, di2 = -9, di3 = -9;
        if (rs_placer_wgs84(p, lat, lon, &e, &n, &di) != 0) {
            bad_err++;
            continue;
        }
        double err = hypot(e - re, n - rn);
        if (!(err < 0.01)) {
            if (bad_err < 5)
                fprintf(stderr, "lat %.9f lon %.9f: error %.6f m\n", lat, lon, err);
            bad_err++;
        }
        if (!(err <= maxerr))
            maxerr = err;
        int want = expect_district(re, rn);
        if (want != -2) {
            checked_d++;
            if (di != want)
                bad_d++;
        }
        if (rs_placer_wgs84(ps, lat, lon, &e2, &n2, &di2) != 0 || e2 != e || n2 != n ||
            di2 != di)
            bad_share++;
        if (rs_placer_wgs84(pn, lat, lon, &e3, &n3, &di3) != 0 || di3 != -1 ||
            fabs(e3 - re) > 1e-3 || fabs(n3 - rn) > 1e-3)
            bad_null++;
        if (k % 1000 == 0)
            CHECK_EQ_INT(rs_placer_bng(pn, re, rn), -1);
    }
    fprintf(stderr, "table [%.4f,%.4f] x [%.4f,%.4f]: max error %.6f m over %d points "
                    "(measured at build %.6f m); %ld district checks\n",
            lon0, lon1, lat0, lat1, maxerr, NRAND + NEDGE + 4, rs_placer_table_error(p),
            checked_d);
    CHECK(maxerr < 0.01);
    CHECK(maxerr > 0); /* the table really was used */
    CHECK_EQ_INT(bad_err, 0);
    CHECK_EQ_INT(bad_d, 0);
    CHECK_EQ_INT(bad_share, 0);
    CHECK_EQ_INT(bad_null, 0);
    CHECK(checked_d > 1000);

    /* box centres and far-away BNG points */
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(rs_placer_bng(p, (box[i][0] + box[i][2]) / 2, (box[i][1] + box[i][3]) / 2),
                     i);
    CHECK_EQ_INT(rs_placer_bng(p, 585000, 210000), -1);
    CHECK_EQ_INT(rs_placer_bng(p, 325000, 673000), -1);

    /* outside the table (Edinburgh): through PROJ, within 1 mm */
    {
        double lat = 55.9533, lon = -3.1883, re = lon, rn = lat, e = 0, n = 0;
        int32_t di = -9;
        CHECK_EQ_INT(rs_crs_trans(fwd, &re, &rn, 1), 0);
        CHECK_EQ_INT(rs_placer_wgs84(p, lat, lon, &e, &n, &di), 0);
        CHECK_NEAR(e, re, 1e-3);
        CHECK_NEAR(n, rn, 1e-3);
        CHECK_EQ_INT(di, -1);
        CHECK(rs_in_gb_bng(e, n));
    }

done:
    rs_placer_free(pn);
    rs_placer_free(ps);
    rs_placer_free(p);
    rs_crs_free(inv);
    rs_crs_free(fwd);
    rs_districts_free(d);
    rs_ctx_free(ctx);
    return check_done();
}
