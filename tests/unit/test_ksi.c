/*
 * test_ksi.c — engine/ksi: the KSI trend tables.
 *
 * Checked here: road user and age groupings, period parsing and labels,
 * financial against calendar quarters, the verdict words (rises, falls,
 * no change; 238 -> 254 reads "up"), and on a hand-made STATS19 workspace
 * (two districts, an unlocated and an outside collision, a quarter with no
 * casualties, adjustment factors present and absent, a collision at 00:30
 * BST on 1 April whose UTC instant is still in March): yearly, quarterly
 * and monthly totals, splits, year-earlier comparisons, rolling 12 months,
 * baselines and adjusted KSI.  Run with --data (ctest unit.test_ksi.data,
 * skipped when RS_TEST_DATA is absent): the real Leeds 2019 files: every total against
 * an independent count, and the data README's figures (22 fatal, 335
 * serious, 1,551 slight casualties; 21 / 300 / 1,130 collisions); and the
 * real Essex January 2023 collisions per district against the file's own
 * ONS district codes.
 *
 * Independent counts: count_csv() reads the same CSV files directly (its
 * own header lookup and comma split, no engine code) and groups them with
 * its own tables of the definitions; ksi.c is never used for an
 * expected value.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <strings.h>
#include <sys/stat.h>

#include "check.h"
#include "district.h"
#include "ingest.h"
#include "ksi.h"
#include "ksi_out.h"
#include "store.h"
#include "ws_helpers.h"

#define LEEDS RS_TEST_DATA "/stats19/leeds_2019"
#define ESSEX_COL RS_TEST_DATA "/stats19/essex_pf42_collisions_2023_sample.csv"
#define WARDS RS_TEST_DATA "/boundaries/essex_lad_wards2013_dissolved.shp"

static rs_ctx *ctx;
static char tmpd[1024];

static const char *path_of(const char *name)
{
    static char buf[4][1200];
    static int k;
    k = (k + 1) % 4;
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

/* ---- an independent count, straight from the CSV files -------------------- */

#define BASE_YEAR 2015
#define NMONTHS 144 /* 2015-01 .. 2026-12 */

typedef struct indep {
    long cas[NMONTHS][4];   /* casualties by month and casualty severity 1..3 */
    long col[NMONTHS][4];   /* collisions by month and collision severity */
    long road[8][4];        /* casualties by road user group and severity */
    long age[5][4];         /* by age group */
    long casualties, collisions;
} indep;

typedef struct colrec {
    char idx[40];
    int month;     /* index into the arrays above */
} colrec;

static int cmp_col(const void *a, const void *b)
{
    return strcmp(((const colrec *)a)->idx, ((const colrec *)b)->idx);
}

/* Splits an unquoted CSV line in place (the files used here hold no
 * quotes: checked). */
static int split(char *line, char **f, int max)
{
    int n = 0;
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    CHECK(strchr(line, '"') == NULL);
    char *p = line;
    while (n < max) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (c == NULL)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static int col_of(char **h, int nh, const char *a, const char *b)
{
    for (int i = 0; i < nh; i++)
        if (strcasecmp(h[i], a) == 0 || (b && strcasecmp(h[i], b) == 0))
            return i;
    return -1;
}

/* The road user groups, as lists. */
static int road_group(int t)
{
    /* every generation's codes (DfT data guide 2024; 1979-2004 ones
     * 103-113), and 33 (e-scooter riders, group 7) */
    static const int lists[8][11] = {{0, -9},
                                     {1, -9},
                                     {2, 3, 4, 5, 23, 97, 103, 104, 105, 106, -9},
                                     {8, 9, 108, 109, -9},
                                     {10, 11, 110, -9},
                                     {19, 20, 21, 98, 113, -9},
                                     {-9},
                                     {33, -9}};
    for (int g = 0; g < 8; g++)
        for (int i = 0; lists[g][i] != -9; i++)
            if (lists[g][i] == t)
                return g;
    return 6;
}

/* Age groups: child 0-15, 16-24, 25-59, 60+, unknown; without an age, the
 * DfT band when it lies in one group (1-3 child, 4 16-20, 6-8 26-55,
 * 10-11 66+). */
static int age_group(int age, int band)
{
    static const int band_group[12] = {4, 0, 0, 0, 1, 4, 2, 2, 2, 4, 3, 3};
    if (age >= 0) {
        int g = 0;
        if (age >= 16)
            g = 1;
        if (age >= 25)
            g = 2;
        if (age >= 60)
            g = 3;
        return g;
    }
    return band >= 1 && band <= 11 ? band_group[band] : 4;
}

static int month_of_ddmmyyyy(const char *s)
{
    int d, m, y;
    if (sscanf(s, "%d/%d/%d", &d, &m, &y) != 3)
        return -1;
    int k = (y - BASE_YEAR) * 12 + m - 1;
    return k >= 0 && k < NMONTHS ? k : -1;
}

static int count_csv(const char *col_path, const char *cas_path, indep *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(col_path, "r");
    if (f == NULL)
        return -1;
    static char line[8192];
    char *h[80], *v[80];
    char hdr[8192];
    colrec *cols = NULL;
    size_t nc = 0, cap = 0;
    if (fgets(hdr, sizeof hdr, f) == NULL) {
        fclose(f);
        return -1;
    }
    int nh = split(hdr, h, 80);
    int ci = col_of(h, nh, "collision_index", "accident_index");
    int cs = col_of(h, nh, "collision_severity", "accident_severity");
    int cd = col_of(h, nh, "date", NULL);
    CHECK(ci >= 0 && cs >= 0 && cd >= 0);
    while (fgets(line, sizeof line, f)) {
        int n = split(line, v, 80);
        if (n != nh)
            continue;
        if (nc == cap) {
            cap = cap ? 2 * cap : 256;
            cols = realloc(cols, cap * sizeof *cols);
            if (cols == NULL)
                exit(1);
        }
        snprintf(cols[nc].idx, sizeof cols[nc].idx, "%s", v[ci]);
        cols[nc].month = month_of_ddmmyyyy(v[cd]);
        int sev = atoi(v[cs]);
        CHECK(cols[nc].month >= 0 && sev >= 1 && sev <= 3);
        if (cols[nc].month >= 0 && sev >= 1 && sev <= 3)
            out->col[cols[nc].month][sev]++;
        out->collisions++;
        nc++;
    }
    fclose(f);
    qsort(cols, nc, sizeof *cols, cmp_col);
    if (cas_path && (f = fopen(cas_path, "r")) != NULL) {
        if (fgets(hdr, sizeof hdr, f) != NULL) {
            nh = split(hdr, h, 80);
            ci = col_of(h, nh, "collision_index", "accident_index");
            cs = col_of(h, nh, "casualty_severity", NULL);
            int ct = col_of(h, nh, "casualty_type", NULL);
            int ca = col_of(h, nh, "age_of_casualty", NULL);
            int cb = col_of(h, nh, "age_band_of_casualty", NULL);
            CHECK(ci >= 0 && cs >= 0 && ct >= 0 && ca >= 0 && cb >= 0);
            while (fgets(line, sizeof line, f)) {
                int n = split(line, v, 80);
                if (n != nh)
                    continue;
                colrec key = {{0}, 0};
                snprintf(key.idx, sizeof key.idx, "%s", v[ci]);
                colrec *c = bsearch(&key, cols, nc, sizeof *cols, cmp_col);
                CHECK(c != NULL);
                int sev = atoi(v[cs]);
                if (c == NULL || c->month < 0 || sev < 1 || sev > 3)
                    continue;
                int age = v[ca][0] ? atoi(v[ca]) : -1;
                int band = v[cb][0] ? atoi(v[cb]) : -1;
                int type = v[ct][0] ? atoi(v[ct]) : -1;
                out->cas[c->month][sev]++;
                out->road[road_group(type)][sev]++;
                out->age[age_group(age, band)][sev]++;
                out->casualties++;
            }
        }
        fclose(f);
    }
    free(cols);
    return 0;
}

/* Sum of an independent monthly count over calendar months [y-m .. +n). */
static long isum(long a[NMONTHS][4], int year, int month, int n, int sev)
{
    long s = 0;
    for (int k = 0; k < n; k++) {
        int i = (year - BASE_YEAR) * 12 + month - 1 + k;
        if (i >= 0 && i < NMONTHS)
            s += a[i][sev];
    }
    return s;
}

/* ---- running the analysis ----------------------------------------------------- */

static rs_ksi_opts opts_of(rs_ksi_by by, int financial, rs_ksi_split split)
{
    rs_ksi_opts o;
    memset(&o, 0, sizeof o);
    o.by = by;
    o.financial = financial;
    o.split = split;
    o.from_month = o.to_month = -1;
    return o;
}

static rs_ksi_result *run(const rs_ksi_opts *o)
{
    rs_ksi_result *r = NULL;
    rs_err_clear(rs_ctx_err(ctx));
    int rc = rs_ksi_run(ctx, o, &r);
    if (rc != 0)
        fprintf(stderr, "rs_ksi_run: %s\n", rs_ctx_err(ctx)->msg);
    CHECK_EQ_INT(rc, 0);
    return r;
}

/* The row with this label (and group name, NULL when unsplit). */
static const rs_ksi_row *row_of(const rs_ksi_result *r, const char *label, const char *group)
{
    for (size_t i = 0; r && i < r->nrows; i++)
        if (strcmp(r->rows[i].label, label) == 0 &&
            (group == NULL || strcmp(r->groups[r->rows[i].group], group) == 0))
            return &r->rows[i];
    fprintf(stderr, "no row %s %s\n", label, group ? group : "");
    return NULL;
}

#define ROW_COUNTS(r, label, group, f, s, sl)                                              \
    do {                                                                               \
        const rs_ksi_row *w_ = row_of(r, label, group);                                \
        CHECK(w_ != NULL);                                                             \
        if (w_) {                                                                      \
            CHECK_EQ_INT(w_->fatal, f);                                                \
            CHECK_EQ_INT(w_->serious, s);                                              \
            CHECK_EQ_INT(w_->slight, sl);                                              \
        }                                                                              \
    } while (0)

/* ---- pure functions ----------------------------------------------------------- */

static void test_groups(void)
{
    for (int t = -1; t <= 120; t++)
        CHECK_EQ_INT(rs_ksi_road_user(t), road_group(t));
    CHECK_STR(rs_ksi_road_user_name(rs_ksi_road_user(97)), "motorcyclist");
    CHECK_STR(rs_ksi_road_user_name(rs_ksi_road_user(98)), "goods vehicle");
    CHECK_STR(rs_ksi_road_user_name(rs_ksi_road_user(90)), "other");
    CHECK_STR(rs_ksi_road_user_name(rs_ksi_road_user(22)), "other");
    CHECK_STR(rs_ksi_road_user_name(rs_ksi_road_user(104)), "motorcyclist");
    CHECK_STR(rs_ksi_road_user_name(rs_ksi_road_user(109)), "car occupant");
    CHECK_STR(rs_ksi_road_user_name(rs_ksi_road_user(110)), "bus or coach");
    CHECK_STR(rs_ksi_road_user_name(rs_ksi_road_user(113)), "goods vehicle");
    CHECK_STR(rs_ksi_road_user_name(rs_ksi_road_user(33)), "e-scooter rider");
    for (int band = -1; band <= 11; band++)
        for (int age = -1; age <= 101; age++)
            CHECK_EQ_INT(rs_ksi_age_group(age, band), age_group(age, band));
    CHECK_STR(rs_ksi_age_group_name(rs_ksi_age_group(15, -1)), "child 0-15");
    CHECK_STR(rs_ksi_age_group_name(rs_ksi_age_group(16, -1)), "16-24");
    CHECK_STR(rs_ksi_age_group_name(rs_ksi_age_group(60, -1)), "60+");
    CHECK_STR(rs_ksi_age_group_name(rs_ksi_age_group(-1, 5)), "unknown");
}

static void test_periods(void)
{
    int a, b;
    char buf[24];
    CHECK_EQ_INT(rs_ksi_period_parse("2020", &a, &b), 0);
    CHECK(a == 2020 * 12 && b == 2020 * 12 + 11);
    CHECK_EQ_INT(rs_ksi_period_parse("2020Q2", &a, &b), 0);
    CHECK(a == 2020 * 12 + 3 && b == 2020 * 12 + 5);
    CHECK_EQ_INT(rs_ksi_period_parse("2020-05", &a, &b), 0);
    CHECK(a == 2020 * 12 + 4 && b == a);
    CHECK_EQ_INT(rs_ksi_period_parse("2020/21", &a, &b), 0);
    CHECK(a == 2020 * 12 + 3 && b == 2021 * 12 + 2);
    CHECK_EQ_INT(rs_ksi_period_parse("2020/21 Q4", &a, &b), 0);
    CHECK(a == 2021 * 12 + 0 && b == 2021 * 12 + 2);
    CHECK_EQ_INT(rs_ksi_period_parse("2099/00Q1", &a, &b), 0);
    CHECK(a == 2099 * 12 + 3);
    const char *bad[] = {"", "20", "2020Q5", "2020-13", "2020-00", "2020/22", "2020/21Q0",
                         "2020 ", "2020-5", "x2020", "2020/21  Q1", NULL};
    for (int i = 0; bad[i]; i++)
        CHECK_EQ_INT(rs_ksi_period_parse(bad[i], &a, &b), -1);

    /* 2021-03 (a casualty on 2021-03-31): calendar 2021Q1, financial 2020/21 Q4 */
    int m = 2021 * 12 + 2;
    rs_ksi_period_label(RS_KSI_QUARTER, 0, rs_ksi_period_of(RS_KSI_QUARTER, 0, m), buf,
                        sizeof buf);
    CHECK_STR(buf, "2021Q1");
    rs_ksi_period_label(RS_KSI_QUARTER, 1, rs_ksi_period_of(RS_KSI_QUARTER, 1, m), buf,
                        sizeof buf);
    CHECK_STR(buf, "2020/21 Q4");
    rs_ksi_period_label(RS_KSI_YEAR, 1, rs_ksi_period_of(RS_KSI_YEAR, 1, m), buf, sizeof buf);
    CHECK_STR(buf, "2020/21");
    rs_ksi_period_label(RS_KSI_YEAR, 0, rs_ksi_period_of(RS_KSI_YEAR, 0, m), buf, sizeof buf);
    CHECK_STR(buf, "2021");
    m = 2021 * 12 + 3; /* April 2021 */
    rs_ksi_period_label(RS_KSI_QUARTER, 1, rs_ksi_period_of(RS_KSI_QUARTER, 1, m), buf,
                        sizeof buf);
    CHECK_STR(buf, "2021/22 Q1");
    rs_ksi_period_label(RS_KSI_MONTH, 1, rs_ksi_period_of(RS_KSI_MONTH, 1, m), buf, sizeof buf);
    CHECK_STR(buf, "2021-04");
    rs_ksi_period_label(RS_KSI_QUARTER, 1, rs_ksi_period_of(RS_KSI_QUARTER, 1, 1999 * 12 + 11),
                        buf, sizeof buf);
    CHECK_STR(buf, "1999/00 Q3");
    /* consecutive periods are consecutive integers */
    CHECK_EQ_INT(rs_ksi_period_of(RS_KSI_QUARTER, 1, 2021 * 12 + 3) -
                     rs_ksi_period_of(RS_KSI_QUARTER, 1, 2021 * 12 + 2),
                 1);
    CHECK_EQ_INT(rs_ksi_period_of(RS_KSI_QUARTER, 1, 2021 * 12 + 2) -
                     rs_ksi_period_of(RS_KSI_QUARTER, 1, 2021 * 12 + 0),
                 0);
}

static void test_verdicts(void)
{
    char v[128];
    /* the report that called 238 -> 254 "down" */
    rs_ksi_verdict(254, 238, 0, rs_poisson_compare_p(254, 238), NAN, 0, v, sizeof v);
    CHECK_STR(v, "up 16 (+6.7%); within normal variation");
    rs_ksi_verdict(238, 254, 0, rs_poisson_compare_p(238, 254), NAN, 0, v, sizeof v);
    CHECK_STR(v, "down 16 (-6.3%); within normal variation");
    /* p = 0.0159404 (exact sum, python3 fractions; see test_stats.c) */
    rs_ksi_verdict(270, 330, 0, rs_poisson_compare_p(270, 330), NAN, 0, v, sizeof v);
    CHECK_STR(v, "down 60 (-18.2%); unlikely to be chance alone (p = 0.0159)");
    rs_ksi_verdict(330, 270, 0, rs_poisson_compare_p(330, 270), NAN, 0, v, sizeof v);
    CHECK_STR(v, "up 60 (+22.2%); unlikely to be chance alone (p = 0.0159)");
    rs_ksi_verdict(40, 363, 0, rs_poisson_compare_p(40, 363), NAN, 0, v, sizeof v);
    CHECK_STR(v, "down 323 (-89.0%); unlikely to be chance alone (p < 0.001)");
    rs_ksi_verdict(254, 254, 0, 1.0, NAN, 0, v, sizeof v);
    CHECK_STR(v, "no change");
    rs_ksi_verdict(0, 0, 0, 1.0, NAN, 0, v, sizeof v);
    CHECK_STR(v, "no change");
    rs_ksi_verdict(3, 0, 0, rs_poisson_compare_p(3, 0), NAN, 0, v, sizeof v);
    CHECK_STR(v, "up 3 (from 0); within normal variation");
    /* a change too small for one decimal of per cent keeps its direction */
    rs_ksi_verdict(10001, 10000, 0, 0.99, NAN, 0, v, sizeof v);
    CHECK_STR(v, "up 1 (+0.0%); within normal variation");
    rs_ksi_verdict(9999, 10000, 0, 0.99, NAN, 0, v, sizeof v);
    CHECK_STR(v, "down 1 (-0.0%); within normal variation");
    /* adjusted figures: compared at one decimal */
    rs_ksi_verdict(254.34, 238.1, 1, 0.5, NAN, 0, v, sizeof v);
    CHECK_STR(v, "up 16.2 (+6.8%); within normal variation");
    rs_ksi_verdict(238.04, 238.0, 1, 1.0, NAN, 0, v, sizeof v);
    CHECK_STR(v, "no change");
    /* every direction follows the sign, over a grid of counts */
    for (int a = 0; a < 60; a += 3)
        for (int b = 0; b < 60; b += 4) {
            rs_ksi_verdict(a, b, 0, rs_poisson_compare_p((unsigned long)a, (unsigned long)b), NAN,
                           0, v, sizeof v);
            const char *want = a > b ? "up " : a < b ? "down " : "no change";
            CHECK(strncmp(v, want, strlen(want)) == 0);
        }
}

/* ---- a hand-made workspace ----------------------------------------------------- */

/*  C1 2019-01-10 fatal   North   fatal car 45; slight pedestrian 8 (factor 0.1)
 *  C2 2019-04-05 serious North   serious cyclist 19 (1.0)
 *  C3 2019-07-20 slight  North   slight motorcyclist 30 (0.2); slight car, band 10 (none)
 *  -- no casualty from 2019-08 to 2019-12 (2019Q4 is empty) --
 *  C4 2020-01-15 serious South   serious bus 70 (0.9); serious goods 22 (none)
 *  C5 2020-03-03 slight  unlocated  slight other, no age (0.3)
 *  -- none in 2020-02 --
 *  C6 2020-04-10 fatal   South   serious car 16 (0.8); fatal pedestrian 85
 *  C8 2021-01-05 slight  outside slight motorcyclist 40 (0.05)
 *  C7 2021-03-31 serious South   serious cyclist 12 (0.95)
 *  C9 2021-04-01 00:30 BST (2021-03-31 23:30 UTC) slight North slight car 50 (0.1) */
static const char hand_collisions[] =
    "collision_index,collision_severity,date,time,location_easting_osgr,"
    "location_northing_osgr\n"
    "C1,1,10/01/2019,08:00,550000,220000\n"
    "C2,2,05/04/2019,09:00,551000,221000\n"
    "C3,3,20/07/2019,10:00,552000,222000\n"
    "C4,2,15/01/2020,11:00,553000,200000\n"
    "C5,3,03/03/2020,12:00,,\n"
    "C6,1,10/04/2020,13:00,554000,201000\n"
    "C7,2,31/03/2021,14:00,555000,202000\n"
    "C8,3,05/01/2021,15:00,600000,200000\n"
    "C9,3,01/04/2021,00:30,556000,223000\n";

static const char hand_casualties[] =
    "collision_index,vehicle_reference,casualty_reference,casualty_severity,casualty_type,"
    "age_of_casualty,age_band_of_casualty,casualty_adjusted_severity_serious\n"
    "C1,1,1,1,9,45,7,\n"
    "C1,1,2,3,0,8,2,0.1\n"
    "C2,1,1,2,1,19,4,1.0\n"
    "C3,1,1,3,3,30,6,0.2\n"
    "C3,1,2,3,9,-1,10,\n"
    "C4,1,1,2,11,70,10,0.9\n"
    "C4,1,2,2,20,22,5,\n"
    "C5,1,1,3,90,-1,-1,0.3\n"
    "C6,1,1,2,9,16,4,0.8\n"
    "C6,2,1,1,0,85,11,\n"
    "C7,1,1,2,1,12,3,0.95\n"
    "C8,1,1,3,5,40,7,0.05\n"
    "C9,1,1,3,9,50,8,0.1\n";

/* Two districts: North [540000,580000] x [210000,230000] and South the
 * same over [190000,210000]. */
static void hand_workspace(void)
{
    rs_store_close(ctx);
    CHECK_EQ_INT(rs_store_open(ctx, path_of("hand.db"), RS_STORE_CREATE), 0);
    const char *const names[2] = {"North", "South"};
    const ws_box boxes[2] = {{540000, 210000, 580000, 230000}, {540000, 190000, 580000, 210000}};
    ws_box_districts(ctx, 2, names, boxes);
    put_file("col.csv", hand_collisions);
    put_file("cas.csv", hand_casualties);
    ws_load(ctx, RS_KIND_STATS19, path_of("col.csv"), NULL, 9);
    ws_load(ctx, RS_KIND_STATS19, path_of("cas.csv"), NULL, 13);
}

static void test_hand_quarters(const indep *ind)
{
    rs_ksi_opts o = opts_of(RS_KSI_QUARTER, 0, RS_KSI_SPLIT_NONE);
    rs_ksi_result *r = run(&o);
    if (r == NULL)
        return;
    CHECK_EQ_INT(r->span_first, 2019 * 12);
    CHECK_EQ_INT(r->span_last, 2021 * 12 + 3);
    CHECK_EQ_INT(r->nrows, 10); /* 2019Q1 .. 2021Q2 */
    CHECK_EQ_INT(r->rows_total, 13);
    for (size_t i = 0; i < r->nrows; i++) { /* against the independent count */
        const rs_ksi_row *w = &r->rows[i];
        int m = rs_ksi_period_first_month(RS_KSI_QUARTER, 0, w->period);
        int y = m / 12, mo = m % 12 + 1;
        CHECK_EQ_INT(w->fatal, isum((long (*)[4])ind->cas, y, mo, 3, 1));
        CHECK_EQ_INT(w->serious, isum((long (*)[4])ind->cas, y, mo, 3, 2));
        CHECK_EQ_INT(w->slight, isum((long (*)[4])ind->cas, y, mo, 3, 3));
    }
    ROW_COUNTS(r, "2019Q1", NULL, 1, 0, 1);
    ROW_COUNTS(r, "2019Q4", NULL, 0, 0, 0); /* a quarter with no casualties is a row */
    const rs_ksi_row *w = row_of(r, "2019Q4", NULL);
    if (w) {
        CHECK_EQ_INT(w->state, RS_KSI_NO_COMPARISON);
        CHECK_STR(w->verdict, "no comparison (no data a year earlier)");
        CHECK_NEAR(w->ci.low, 0, 0);
        CHECK_NEAR(w->ci.high, 3.68887945411, 1e-9);
    }
    w = row_of(r, "2019Q3", NULL);
    if (w)
        CHECK(isnan(w->rolling12)); /* 2018-10 .. 2019-09 is not */
    w = row_of(r, "2019Q4", NULL);
    /* 2019Q4 ends 2019-12: the rolling window 2019-01..12 is covered */
    if (w)
        CHECK_NEAR(w->rolling12, 2, 0);
    w = row_of(r, "2020Q1", NULL); /* 2 serious vs 1 fatal a year earlier */
    if (w) {
        CHECK_EQ_INT(w->state, RS_KSI_COMPARED);
        CHECK_NEAR(w->ksi, 2, 0);
        CHECK_NEAR(w->ksi_before, 1, 0);
        CHECK_NEAR(w->change, 1, 0);
        CHECK_NEAR(w->change_pct, 100, 1e-9);
        CHECK_NEAR(w->p, 1.0, 1e-12); /* binom.test(2, 3): 1 */
        CHECK_STR(w->verdict, "up 1 (+100.0%); within normal variation");
        CHECK_NEAR(w->rolling12, 3, 0); /* 2019-04 .. 2020-03: C2, C4 x2 */
    }
    w = row_of(r, "2020Q3", NULL);
    if (w)
        CHECK_STR(w->verdict, "no change"); /* 0 vs 0 */
    w = row_of(r, "2020Q4", NULL);
    if (w) /* 0 now, 0 in 2019Q4 (a real zero inside the data) */
        CHECK_STR(w->verdict, "no change");
    /* the casualty at 00:30 BST on 1 April belongs to April (local date) */
    ROW_COUNTS(r, "2021Q1", NULL, 0, 1, 1);
    ROW_COUNTS(r, "2021Q2", NULL, 0, 0, 1);
    w = row_of(r, "2021Q2", NULL);
    if (w) {
        CHECK_EQ_INT(w->state, RS_KSI_PARTIAL);
        CHECK_STR(w->verdict, "incomplete period (data from 2019-01 to 2021-04 only)");
    }
    rs_ksi_result_free(r);

    /* financial: 2021-03-31 is 2020/21 Q4; 2021-04-01 is 2021/22 Q1 */
    o.financial = 1;
    r = run(&o);
    if (r == NULL)
        return;
    CHECK_STR(r->rows[0].label, "2018/19 Q4");
    ROW_COUNTS(r, "2018/19 Q4", NULL, 1, 0, 1);
    ROW_COUNTS(r, "2020/21 Q4", NULL, 0, 1, 1);
    ROW_COUNTS(r, "2019/20 Q4", NULL, 0, 2, 1);
    ROW_COUNTS(r, "2021/22 Q1", NULL, 0, 0, 1);
    w = row_of(r, "2020/21 Q4", NULL);
    if (w)
        CHECK_STR(w->verdict, "down 1 (-50.0%); within normal variation");
    for (size_t i = 0; i < r->nrows; i++) {
        const rs_ksi_row *x = &r->rows[i];
        int m = rs_ksi_period_first_month(RS_KSI_QUARTER, 1, x->period);
        CHECK_EQ_INT(x->fatal + x->serious + x->slight,
                     isum((long (*)[4])ind->cas, m / 12, m % 12 + 1, 3, 1) +
                         isum((long (*)[4])ind->cas, m / 12, m % 12 + 1, 3, 2) +
                         isum((long (*)[4])ind->cas, m / 12, m % 12 + 1, 3, 3));
    }
    rs_ksi_result_free(r);
}

static void test_hand_years_months(void)
{
    rs_ksi_opts o = opts_of(RS_KSI_YEAR, 0, RS_KSI_SPLIT_NONE);
    rs_ksi_result *r = run(&o);
    if (r == NULL)
        return;
    CHECK_EQ_INT(r->nrows, 3);
    ROW_COUNTS(r, "2019", NULL, 1, 1, 3);
    ROW_COUNTS(r, "2020", NULL, 1, 3, 1);
    ROW_COUNTS(r, "2021", NULL, 0, 1, 2);
    const rs_ksi_row *w = row_of(r, "2020", NULL);
    if (w) {
        CHECK_STR(w->verdict, "up 2 (+100.0%); within normal variation");
        CHECK_NEAR(w->rolling12, 4, 0);
    }
    w = row_of(r, "2021", NULL);
    if (w)
        CHECK_EQ_INT(w->state, RS_KSI_PARTIAL);
    rs_ksi_result_free(r);

    o.financial = 1; /* 2019/20: C2 C3 C4 C5; 2020/21: C6 C7 C8 */
    r = run(&o);
    if (r == NULL)
        return;
    CHECK_EQ_INT(r->nrows, 4); /* 2018/19 .. 2021/22 */
    ROW_COUNTS(r, "2019/20", NULL, 0, 3, 3);
    ROW_COUNTS(r, "2020/21", NULL, 1, 2, 1);
    w = row_of(r, "2020/21", NULL);
    if (w)
        CHECK_STR(w->verdict, "no change"); /* 3 KSI both years */
    w = row_of(r, "2018/19", NULL);
    if (w)
        CHECK_EQ_INT(w->state, RS_KSI_PARTIAL);
    rs_ksi_result_free(r);

    /* months: 2020-02 has no casualties and is a row of zeros */
    o = opts_of(RS_KSI_MONTH, 0, RS_KSI_SPLIT_NONE);
    CHECK_EQ_INT(rs_ksi_period_parse("2020-01", &o.from_month, &o.to_month), 0);
    int a;
    CHECK_EQ_INT(rs_ksi_period_parse("2020-04", &a, &o.to_month), 0);
    r = run(&o);
    if (r == NULL)
        return;
    CHECK_EQ_INT(r->nrows, 4);
    ROW_COUNTS(r, "2020-02", NULL, 0, 0, 0);
    w = row_of(r, "2020-02", NULL);
    if (w) {
        CHECK_EQ_INT(w->total, 0);
        CHECK_STR(w->verdict, "no change");
        CHECK_NEAR(w->ksi_before, 0, 0);
        CHECK_NEAR(w->rolling12, 3, 0); /* 2019-03 .. 2020-02: C2, C4 x2 */
    }
    rs_ksi_result_free(r);

    /* a range beyond the data: rows of zeros that say so */
    o = opts_of(RS_KSI_QUARTER, 0, RS_KSI_SPLIT_NONE);
    CHECK_EQ_INT(rs_ksi_period_parse("2022Q1", &o.from_month, &a), 0);
    CHECK_EQ_INT(rs_ksi_period_parse("2022", &a, &o.to_month), 0);
    r = run(&o);
    if (r == NULL)
        return;
    CHECK_EQ_INT(r->nrows, 4);
    CHECK_EQ_INT(r->rows[0].state, RS_KSI_NO_DATA);
    CHECK_STR(r->rows[0].verdict, "no data in this period");
    rs_ksi_result_free(r);

    /* from after to is refused */
    o = opts_of(RS_KSI_QUARTER, 0, RS_KSI_SPLIT_NONE);
    o.from_month = 2021 * 12;
    o.to_month = 2020 * 12;
    rs_ksi_result *bad = NULL;
    CHECK_EQ_INT(rs_ksi_run(ctx, &o, &bad), RS_EUSAGE);
    CHECK(bad == NULL);
    rs_err_clear(rs_ctx_err(ctx));
}

static void test_hand_baseline(void)
{
    rs_ksi_opts o = opts_of(RS_KSI_QUARTER, 0, RS_KSI_SPLIT_NONE);
    o.baseline_from = o.baseline_to = 2019;
    rs_ksi_result *r = run(&o);
    if (r == NULL)
        return;
    const rs_ksi_row *w = row_of(r, "2020Q2", NULL); /* 2 KSI; 2019Q2: 1 */
    if (w) {
        CHECK_NEAR(w->baseline, 1, 0);
        CHECK_NEAR(w->baseline_change_pct, 100, 1e-9);
    }
    w = row_of(r, "2021Q1", NULL); /* 1 KSI; 2019Q1: 1 */
    if (w) {
        CHECK_NEAR(w->baseline, 1, 0);
        CHECK_NEAR(w->baseline_change_pct, 0, 0);
    }
    CHECK_EQ_INT(r->baseline_incomplete, 0);
    rs_ksi_result_free(r);

    o.baseline_from = 2019;
    o.baseline_to = 2020; /* mean of 2019Qn and 2020Qn */
    r = run(&o);
    if (r == NULL)
        return;
    w = row_of(r, "2021Q1", NULL); /* (1 + 2) / 2 */
    if (w) {
        CHECK_NEAR(w->baseline, 1.5, 1e-12);
        CHECK_NEAR(w->baseline_change_pct, 100.0 * (1 - 1.5) / 1.5, 1e-9);
    }
    rs_ksi_result_free(r);

    o.baseline_from = 2018; /* 2018 is outside the data: no baseline */
    r = run(&o);
    if (r == NULL)
        return;
    CHECK_EQ_INT(r->baseline_incomplete, 1);
    w = row_of(r, "2021Q1", NULL);
    if (w)
        CHECK(isnan(w->baseline));
    rs_ksi_result_free(r);

    /* financial baseline years are financial years: 2019/20 Q4 = Jan-Mar 2020 */
    o = opts_of(RS_KSI_QUARTER, 1, RS_KSI_SPLIT_NONE);
    o.baseline_from = o.baseline_to = 2019;
    r = run(&o);
    if (r == NULL)
        return;
    w = row_of(r, "2020/21 Q4", NULL);
    if (w)
        CHECK_NEAR(w->baseline, 2, 0);
    rs_ksi_result_free(r);
}

static void test_hand_adjusted(void)
{
    rs_ksi_opts o = opts_of(RS_KSI_YEAR, 0, RS_KSI_SPLIT_NONE);
    o.adjusted = 1;
    rs_ksi_result *r = run(&o);
    if (r == NULL)
        return;
    /* 2019: fatal 1 + 0.1 + 1.0 + 0.2 + 0 (slight, no factor) */
    const rs_ksi_row *w = row_of(r, "2019", NULL);
    if (w) {
        CHECK_NEAR(w->ksi, 2.3, 1e-9);
        CHECK_NEAR(w->adj_serious, 1.3, 1e-9);
        CHECK_NEAR(w->adj_slight, 2.7, 1e-9);
        CHECK_EQ_INT(w->no_factor, 1);
        CHECK_EQ_INT(w->serious, 1); /* recorded kept beside */
    }
    /* 2020: fatal 1 + 0.9 + 1 (serious, no factor) + 0.3 + 0.8 */
    w = row_of(r, "2020", NULL);
    if (w) {
        CHECK_NEAR(w->ksi, 4.0, 1e-9);
        CHECK_EQ_INT(w->no_factor, 1);
        CHECK_NEAR(w->change, 1.7, 1e-9);
        CHECK_STR(w->verdict, "up 1.7 (+73.9%); within normal variation");
    }
    w = row_of(r, "2021", NULL); /* 0.95 + 0.05 + 0.1 */
    if (w) {
        CHECK_NEAR(w->ksi, 1.1, 1e-9);
        CHECK_EQ_INT(w->no_factor, 0);
    }
    CHECK_EQ_INT(r->no_factor, 2); /* fatal casualties need no factor */
    rs_table *t = NULL;
    CHECK_EQ_INT(rs_ksi_table(ctx, r, &t), 0);
    if (t) {
        CHECK_STR(rs_table_cell(t, 0, 3), "2.3");
        CHECK_STR(rs_table_cell(t, 0, 6), "1"); /* recorded_serious */
        CHECK_STR(rs_table_cell(t, 0, 7), "2"); /* recorded_ksi */
        CHECK_STR(rs_table_cell(t, 0, 8), "1"); /* no_factor */
        FILE *f = tmpfile();
        CHECK(f != NULL);
        if (f) {
            CHECK_EQ_INT(rs_table_write(t, RS_FMT_MD, f), 0);
            char buf[8192];
            rewind(f);
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            buf[n] = '\0';
            CHECK_CONTAINS(buf, "2 non-fatal casualties without the factor counted as "
                                "recorded");
            fclose(f);
        }
        rs_table_free(t);
    }
    rs_ksi_result_free(r);

    /* recorded figures are unchanged without --adjusted */
    o.adjusted = 0;
    r = run(&o);
    if (r && (w = row_of(r, "2019", NULL)) != NULL)
        CHECK_NEAR(w->ksi, 2, 0);
    rs_ksi_result_free(r);
}

static void test_hand_splits(const indep *ind)
{
    rs_ksi_opts o = opts_of(RS_KSI_YEAR, 0, RS_KSI_SPLIT_DISTRICT);
    rs_ksi_result *r = run(&o);
    if (r == NULL)
        return;
    CHECK_EQ_INT(r->ngroups, 4);
    if (r->ngroups == 4) {
        CHECK_STR(r->groups[0], "North");
        CHECK_STR(r->groups[1], "South");
        CHECK_STR(r->groups[2], "(outside districts)");
        CHECK_STR(r->groups[3], "(no location)");
    }
    CHECK_EQ_INT(r->nrows, 12);
    ROW_COUNTS(r, "2019", "North", 1, 1, 3);
    ROW_COUNTS(r, "2019", "South", 0, 0, 0);
    ROW_COUNTS(r, "2020", "South", 1, 3, 0);
    ROW_COUNTS(r, "2020", "(no location)", 0, 0, 1);
    ROW_COUNTS(r, "2021", "(outside districts)", 0, 0, 1);
    ROW_COUNTS(r, "2021", "North", 0, 0, 1);
    ROW_COUNTS(r, "2021", "South", 0, 1, 0);
    const rs_ksi_row *w = row_of(r, "2020", "North");
    if (w)
        CHECK_STR(w->verdict, "down 2 (-100.0%); within normal variation");
    rs_table *t = NULL;
    CHECK_EQ_INT(rs_ksi_table(ctx, r, &t), 0);
    if (t) {
        CHECK_STR(rs_table_cell(t, 0, 6), "North");
        rs_table_free(t);
    }
    rs_ksi_result_free(r);

    /* road users and age bands over the whole span, against the count */
    for (int sp = 0; sp < 2; sp++) {
        o = opts_of(RS_KSI_YEAR, 0, sp ? RS_KSI_SPLIT_AGE_BAND : RS_KSI_SPLIT_ROAD_USER);
        o.from_month = 2019 * 12;
        o.to_month = 2021 * 12 + 11;
        r = run(&o);
        if (r == NULL)
            return;
        size_t ng = sp ? 5 : 7;
        CHECK_EQ_INT(r->ngroups, ng);
        for (size_t g = 0; g < ng && g < r->ngroups; g++)
            for (int sev = 1; sev <= 3; sev++) {
                long got = 0;
                for (size_t i = 0; i < r->nrows; i++)
                    if ((size_t)r->rows[i].group == g)
                        got += sev == 1   ? r->rows[i].fatal
                               : sev == 2 ? r->rows[i].serious
                                          : r->rows[i].slight;
                CHECK_EQ_INT(got, sp ? ind->age[g][sev] : ind->road[g][sev]);
            }
        rs_ksi_result_free(r);
    }
    o = opts_of(RS_KSI_YEAR, 0, RS_KSI_SPLIT_ROAD_USER);
    r = run(&o);
    if (r) {
        ROW_COUNTS(r, "2019", "car occupant", 1, 0, 1);
        ROW_COUNTS(r, "2020", "pedestrian", 1, 0, 0);
        ROW_COUNTS(r, "2020", "bus or coach", 0, 1, 0);
        ROW_COUNTS(r, "2020", "goods vehicle", 0, 1, 0);
        ROW_COUNTS(r, "2020", "other", 0, 0, 1);
        ROW_COUNTS(r, "2021", "motorcyclist", 0, 0, 1);
        ROW_COUNTS(r, "2021", "pedal cyclist", 0, 1, 0);
    }
    rs_ksi_result_free(r);
    o = opts_of(RS_KSI_YEAR, 0, RS_KSI_SPLIT_AGE_BAND);
    r = run(&o);
    if (r) {
        ROW_COUNTS(r, "2019", "child 0-15", 0, 0, 1);
        ROW_COUNTS(r, "2019", "60+", 0, 0, 1); /* no age; band 10 (66-75) */
        ROW_COUNTS(r, "2020", "unknown", 0, 0, 1);
        ROW_COUNTS(r, "2020", "16-24", 0, 2, 0);
        ROW_COUNTS(r, "2021", "child 0-15", 0, 1, 0);
    }
    rs_ksi_result_free(r);

    /* collisions by collision severity */
    o = opts_of(RS_KSI_YEAR, 0, RS_KSI_SPLIT_NONE);
    o.collisions = 1;
    r = run(&o);
    if (r) {
        ROW_COUNTS(r, "2019", NULL, 1, 1, 1);
        ROW_COUNTS(r, "2020", NULL, 1, 1, 1);
        ROW_COUNTS(r, "2021", NULL, 0, 1, 2);
    }
    rs_ksi_result_free(r);
    o.split = RS_KSI_SPLIT_ROAD_USER; /* a casualty attribute: refused */
    rs_ksi_result *bad = NULL;
    CHECK_EQ_INT(rs_ksi_run(ctx, &o, &bad), RS_EUSAGE);
    rs_err_clear(rs_ctx_err(ctx));
}

static void test_table_columns(void)
{
    rs_ksi_opts o = opts_of(RS_KSI_QUARTER, 0, RS_KSI_SPLIT_ROAD_USER);
    o.baseline_from = o.baseline_to = 2019;
    rs_ksi_result *r = run(&o);
    rs_table *t = NULL;
    if (r == NULL)
        return;
    CHECK_EQ_INT(rs_ksi_table(ctx, r, &t), 0);
    if (t) {
        FILE *f = tmpfile();
        char buf[1 << 16];
        CHECK(f != NULL);
        if (f) {
            rs_table_write(t, RS_FMT_CSV, f);
            rewind(f);
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            buf[n] = '\0';
            fclose(f);
            CHECK(strncmp(buf,
                          "period,fatal,serious,ksi,slight,casualties,road_user,"
                          "ksi_year_before,change,change_pct,rolling_12m_ksi,baseline_ksi,"
                          "baseline_change_pct,ksi_ci_low,ksi_ci_high,p_value,q_value,"
                          "verdict\n",
                          168) == 0);
            CHECK_CONTAINS(buf, "\n2019Q1,1,0,1,0,1,car occupant,,,,,1.0,0.0,0.0,5.6,,,"
                                "no comparison (no data a year earlier)\n");
        }
        rs_table_free(t);
    }
    rs_ksi_result_free(r);
}

/* ---- real data ----------------------------------------------------------------- */

static void test_leeds(void)
{
    char col[256], cas[256];
    snprintf(col, sizeof col, "%s/leeds_2019_accidents.csv", LEEDS);
    snprintf(cas, sizeof cas, "%s/leeds_2019_casualties.csv", LEEDS);
    check_need_data(col);
    check_need_data(cas);
    indep *ind = calloc(1, sizeof *ind);
    if (ind == NULL)
        exit(1);
    CHECK_EQ_INT(count_csv(col, cas, ind), 0);
    CHECK_EQ_INT(ind->collisions, 1451);
    CHECK_EQ_INT(ind->casualties, 1908);

    rs_store_close(ctx);
    CHECK_EQ_INT(rs_store_open(ctx, path_of("leeds.db"), RS_STORE_CREATE), 0);
    ws_load(ctx, RS_KIND_STATS19, col, NULL, 1451);
    ws_load(ctx, RS_KIND_STATS19, cas, NULL, 1908);

    /* the year: the data README's figures and the independent count */
    rs_ksi_opts o = opts_of(RS_KSI_YEAR, 0, RS_KSI_SPLIT_NONE);
    rs_ksi_result *r = run(&o);
    if (r) {
        CHECK_EQ_INT(r->nrows, 1);
        ROW_COUNTS(r, "2019", NULL, 22, 335, 1551);
        ROW_COUNTS(r, "2019", NULL, isum(ind->cas, 2019, 1, 12, 1),
                   isum(ind->cas, 2019, 1, 12, 2), isum(ind->cas, 2019, 1, 12, 3));
        const rs_ksi_row *w = row_of(r, "2019", NULL);
        if (w) {
            CHECK_NEAR(w->ksi, 357, 0);
            CHECK_NEAR(w->ci.low, 320.92362905, 1e-6);
            CHECK_NEAR(w->ci.high, 396.022138047, 1e-6);
            CHECK_NEAR(w->rolling12, 357, 0);
            CHECK_STR(w->verdict, "no comparison (no data a year earlier)");
        }
    }
    rs_ksi_result_free(r);

    /* quarters and months, calendar and financial */
    int bys[2] = {RS_KSI_QUARTER, RS_KSI_MONTH};
    for (int b = 0; b < 2; b++)
        for (int fin = 0; fin < 2; fin++) {
            o = opts_of((rs_ksi_by)bys[b], fin, RS_KSI_SPLIT_NONE);
            r = run(&o);
            if (r == NULL)
                continue;
            int len = bys[b] == RS_KSI_QUARTER ? 3 : 1;
            CHECK_EQ_INT(r->nrows, bys[b] == RS_KSI_QUARTER ? 4 : 12);
            long total = 0;
            for (size_t i = 0; i < r->nrows; i++) {
                const rs_ksi_row *w = &r->rows[i];
                int m = rs_ksi_period_first_month((rs_ksi_by)bys[b], fin, w->period);
                CHECK_EQ_INT(w->fatal, isum(ind->cas, m / 12, m % 12 + 1, len, 1));
                CHECK_EQ_INT(w->serious, isum(ind->cas, m / 12, m % 12 + 1, len, 2));
                CHECK_EQ_INT(w->slight, isum(ind->cas, m / 12, m % 12 + 1, len, 3));
                total += w->total;
            }
            CHECK_EQ_INT(total, 1908);
            if (b == 0 && fin == 1 && r->nrows == 4) { /* 2018/19 Q4 = Jan-Mar 2019 */
                CHECK_STR(r->rows[0].label, "2018/19 Q4");
                CHECK_STR(r->rows[3].label, "2019/20 Q3");
                CHECK_EQ_INT(r->rows[0].fatal + r->rows[0].serious, 91);
            }
            if (b == 0 && fin == 0) {
                printf("Leeds 2019 KSI casualties by quarter:");
                for (size_t i = 0; i < r->nrows; i++)
                    printf(" %s %.0f [%.1f, %.1f];", r->rows[i].label, r->rows[i].ksi,
                           r->rows[i].ci.low, r->rows[i].ci.high);
                printf("\n");
            }
            rs_ksi_result_free(r);
        }

    /* road users and age bands for the year */
    for (int sp = 0; sp < 2; sp++) {
        o = opts_of(RS_KSI_YEAR, 0, sp ? RS_KSI_SPLIT_AGE_BAND : RS_KSI_SPLIT_ROAD_USER);
        r = run(&o);
        if (r == NULL)
            continue;
        for (size_t i = 0; i < r->nrows; i++) {
            const rs_ksi_row *w = &r->rows[i];
            long (*want)[4] = sp ? ind->age : ind->road;
            CHECK_EQ_INT(w->fatal, want[w->group][1]);
            CHECK_EQ_INT(w->serious, want[w->group][2]);
            CHECK_EQ_INT(w->slight, want[w->group][3]);
            printf("Leeds 2019 %s: %s fatal %lld serious %lld slight %lld\n",
                   sp ? "age band" : "road user", r->groups[w->group], (long long)w->fatal,
                   (long long)w->serious, (long long)w->slight);
        }
        rs_ksi_result_free(r);
    }

    /* adjusted: the 2019 casualty file has no factor, so every non-fatal
     * casualty falls back to its recorded severity */
    o = opts_of(RS_KSI_YEAR, 0, RS_KSI_SPLIT_NONE);
    o.adjusted = 1;
    r = run(&o);
    if (r) {
        CHECK_EQ_INT(r->no_factor, 335 + 1551);
        CHECK_NEAR(r->rows[0].ksi, 357, 1e-9);
    }
    rs_ksi_result_free(r);

    /* collisions by collision severity: 21 / 300 / 1,130 */
    o = opts_of(RS_KSI_YEAR, 0, RS_KSI_SPLIT_NONE);
    o.collisions = 1;
    r = run(&o);
    if (r) {
        ROW_COUNTS(r, "2019", NULL, 21, 300, 1130);
        ROW_COUNTS(r, "2019", NULL, isum(ind->col, 2019, 1, 12, 1),
                   isum(ind->col, 2019, 1, 12, 2), isum(ind->col, 2019, 1, 12, 3));
    }
    rs_ksi_result_free(r);
    o = opts_of(RS_KSI_QUARTER, 0, RS_KSI_SPLIT_NONE);
    o.collisions = 1;
    r = run(&o);
    for (size_t i = 0; r && i < r->nrows; i++) {
        int m = rs_ksi_period_first_month(RS_KSI_QUARTER, 0, r->rows[i].period);
        CHECK_EQ_INT(r->rows[i].fatal + r->rows[i].serious,
                     isum(ind->col, m / 12, m % 12 + 1, 3, 1) +
                         isum(ind->col, m / 12, m % 12 + 1, 3, 2));
    }
    rs_ksi_result_free(r);
    free(ind);
}

static void test_essex(void)
{
    check_need_data(ESSEX_COL);
    check_need_data(WARDS);
    rs_store_close(ctx);
    CHECK_EQ_INT(rs_store_open(ctx, path_of("essex.db"), RS_STORE_CREATE), 0);
    rs_districts *d = NULL;
    CHECK_EQ_INT(rs_districts_from_shapefile(rs_ctx_geo(ctx), WARDS, "LADNM", "LADCD", NULL,
                                             NULL, &d),
                 0);
    if (d == NULL)
        return;
    CHECK_EQ_INT(rs_store_districts_replace(ctx, d, WARDS), 0);
    ws_load(ctx, RS_KIND_STATS19, ESSEX_COL, NULL, 91);

    /* the file's own district codes, counted here */
    const char *codes[14];
    long want[14] = {0};
    size_t nd = rs_districts_count(d);
    CHECK_EQ_INT(nd, 14);
    for (size_t i = 0; i < nd && i < 14; i++)
        codes[i] = rs_districts_code(d, i);
    FILE *f = fopen(ESSEX_COL, "r");
    static char line[8192];
    char *h[80], *v[80], hdr[8192];
    if (f && fgets(hdr, sizeof hdr, f)) {
        int nh = split(hdr, h, 80);
        int cc = col_of(h, nh, "local_authority_ons_district", NULL);
        while (cc >= 0 && fgets(line, sizeof line, f)) {
            int n = split(line, v, 80);
            for (size_t i = 0; n == nh && i < nd && i < 14; i++)
                if (strcmp(v[cc], codes[i]) == 0)
                    want[i]++;
        }
    }
    if (f)
        fclose(f);

    rs_ksi_opts o = opts_of(RS_KSI_MONTH, 0, RS_KSI_SPLIT_DISTRICT);
    o.collisions = 1;
    rs_ksi_result *r = run(&o);
    if (r) {
        long fatal = 0, serious = 0, slight = 0;
        for (size_t i = 0; i < r->nrows; i++) {
            const rs_ksi_row *w = &r->rows[i];
            CHECK_STR(w->label, "2023-01");
            fatal += w->fatal;
            serious += w->serious;
            slight += w->slight;
            for (size_t k = 0; k < nd && k < 14; k++)
                if (strcmp(r->groups[w->group], rs_districts_name(d, k)) == 0)
                    CHECK_EQ_INT(w->total, want[k]);
        }
        /* README: accident_severity 1 = 2, 2 = 31, 3 = 58; all 91 inside */
        CHECK_EQ_INT(fatal, 2);
        CHECK_EQ_INT(serious, 31);
        CHECK_EQ_INT(slight, 58);
        CHECK_EQ_INT(r->ngroups, 14); /* nothing outside, nothing unlocated */
    }
    rs_ksi_result_free(r);

    /* no casualty file: the casualty table is empty, not zeros */
    o = opts_of(RS_KSI_MONTH, 0, RS_KSI_SPLIT_NONE);
    r = run(&o);
    if (r) {
        CHECK_EQ_INT(r->nrows, 0);
        CHECK_EQ_INT(r->span_first, -1);
    }
    rs_ksi_result_free(r);
    rs_districts_free(d);
}

int main(int argc, char **argv)
{
    snprintf(tmpd, sizeof tmpd, "%s", check_tmpdir("test_ksi"));
    ctx = rs_ctx_new();
    if (ctx == NULL)
        return 1;
    if (check_data_mode(argc, argv)) { /* unit.test_ksi.data: skipped when absent */
        test_leeds();
        test_essex();
        rs_ctx_free(ctx);
        return check_done();
    }
    test_groups();
    test_periods();
    test_verdicts();

    hand_workspace();
    indep *ind = calloc(1, sizeof *ind);
    if (ind == NULL)
        return 1;
    CHECK_EQ_INT(count_csv(path_of("col.csv"), path_of("cas.csv"), ind), 0);
    test_hand_quarters(ind);
    test_hand_years_months();
    test_hand_baseline();
    test_hand_adjusted();
    test_hand_splits(ind);
    test_table_columns();
    free(ind);
    rs_ctx_free(ctx);
    return check_done();
}
