/*
 * test_chart.c — engine/chart: a PNG of the asked size (read back from
 * the IHDR chunk), byte-identical on a second write, categorical and
 * numeric axes, bands, gaps, step functions, many thinned labels, an
 * empty chart, and refusals (bad size, unwritable path, mismatched
 * arrays) with their messages.  The PNGs are left in the test's scratch
 * directory for a person to look at.
 */
#include <cairo.h>
#include <stdint.h>

#include "chart.h"
#include "check.h"

/* Under -DROADSAFE_SANITIZE, LeakSanitizer asks for this: fontconfig (below
 * cairo's toy text API) keeps a few hundred bytes of process-lifetime
 * configuration that cairo_debug_reset_static_data() does not release. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

static char dir[1024];

static const char *path_of(const char *name)
{
    static char buf[1200];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    *len = 0;
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = b ? (size_t)n : 0;
    return b;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* PNG signature, then IHDR width and height. */
static void check_png(const char *name, int w, int h)
{
    size_t len;
    unsigned char *b = slurp(path_of(name), &len);
    CHECK(b != NULL && len > 33);
    if (b && len > 33) {
        CHECK(memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0);
        CHECK(memcmp(b + 12, "IHDR", 4) == 0);
        CHECK_EQ_INT(be32(b + 16), w);
        CHECK_EQ_INT(be32(b + 20), h);
    }
    free(b);
}

static int same_file(const char *a, const char *b)
{
    size_t la, lb;
    char pa[1200];
    snprintf(pa, sizeof pa, "%s", path_of(a));
    unsigned char *x = slurp(pa, &la), *y = slurp(path_of(b), &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static rs_chart *ksi_chart(rs_ctx *ctx)
{
    const char *labels[] = {"2019Q1", "2019Q2", "2019Q3", "2019Q4", "2020Q1", "2020Q2",
                            "2020Q3", "2020Q4", "2021Q1", "2021Q2", "2021Q3", "2021Q4"};
    double y[] = {238, 254, 241, 260, 220, 150, 231, 205, 198, 240, 251, 262};
    double prev[] = {NAN, NAN, NAN, NAN, 238, 254, 241, 260, 220, 150, 231, 205};
    double lo[12], hi[12];
    for (int i = 0; i < 12; i++) { /* a rough band: +-2 sqrt(y) */
        lo[i] = y[i] - 2 * sqrt(y[i]);
        hi[i] = y[i] + 2 * sqrt(y[i]);
    }
    rs_chart *c = rs_chart_new(ctx, "KSI casualties by quarter", "Quarter", "KSI casualties",
                               12, labels);
    CHECK(c != NULL);
    CHECK_EQ_INT(rs_chart_series(c, "KSI", 12, NULL, y, lo, hi, 0), 0);
    CHECK_EQ_INT(rs_chart_series(c, "Same quarter a year earlier", 12, NULL, prev, NULL, NULL,
                                 0),
                 0);
    return c;
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", check_tmpdir("test_chart"));
    rs_ctx *ctx = rs_ctx_new();
    CHECK(ctx != NULL);

    /* categorical, two series, a band; the same bytes twice */
    rs_chart *c = ksi_chart(ctx);
    CHECK_EQ_INT(rs_chart_write_png(c, path_of("ksi.png"), 1000, 600), 0);
    CHECK_EQ_INT(rs_chart_write_png(c, path_of("ksi2.png"), 1000, 600), 0);
    rs_chart_free(c);
    c = ksi_chart(ctx);
    CHECK_EQ_INT(rs_chart_write_png(c, path_of("ksi3.png"), 1000, 600), 0);
    rs_chart_free(c);
    check_png("ksi.png", 1000, 600);
    CHECK(same_file("ksi.png", "ksi2.png"));
    CHECK(same_file("ksi.png", "ksi3.png"));

    /* many monthly labels: thinned and rotated; a gap in the middle */
    enum { NM = 120 };
    char lab[NM][16];
    const char *labels[NM];
    double y[NM], lo[NM], hi[NM];
    for (int i = 0; i < NM; i++) {
        snprintf(lab[i], sizeof lab[i], "%04d-%02d", 2015 + i / 12, i % 12 + 1);
        labels[i] = lab[i];
        y[i] = 60 + 15 * sin(i / 6.0) + (i % 7);
        lo[i] = y[i] - 12;
        hi[i] = y[i] + 14;
    }
    y[50] = y[51] = NAN;
    lo[50] = hi[50] = NAN;
    c = rs_chart_new(ctx, "KSI casualties by month, 2015-2024", "Month", "KSI casualties", NM,
                     labels);
    CHECK_EQ_INT(rs_chart_series(c, "KSI", NM, NULL, y, lo, hi, 0), 0);
    CHECK_EQ_INT(rs_chart_write_png(c, path_of("months.png"), 1200, 700), 0);
    rs_chart_free(c);
    check_png("months.png", 1200, 700);

    /* numeric x, step functions (survival curves) with a band each */
    double x[] = {0, 10, 25, 40, 90, 180, 365};
    double s1[] = {1, 0.95, 0.9, 0.82, 0.75, 0.7, 0.64};
    double s2[] = {1, 0.97, 0.93, 0.9, 0.86, 0.83, 0.8};
    double l1[7], h1[7], l2[7], h2[7];
    for (int i = 0; i < 7; i++) {
        l1[i] = s1[i] - 0.05 * i / 6.0;
        h1[i] = fmin(1, s1[i] + 0.05 * i / 6.0);
        l2[i] = s2[i] - 0.04 * i / 6.0;
        h2[i] = fmin(1, s2[i] + 0.04 * i / 6.0);
    }
    c = rs_chart_new(ctx, "Not caught again", "Days since first detection",
                     "Proportion not reoffended", 0, NULL);
    CHECK_EQ_INT(rs_chart_series(c, "TRUCAM", 7, x, s1, l1, h1, 1), 0);
    CHECK_EQ_INT(rs_chart_series(c, "GATSO", 7, x, s2, l2, h2, 1), 0);
    CHECK_EQ_INT(rs_chart_series(c, "third", 3, x, s2 + 3, NULL, NULL, 0), 0);
    CHECK_EQ_INT(rs_chart_series(c, "fourth", 2, x + 4, s1 + 1, NULL, NULL, 0), 0);
    CHECK_EQ_INT(rs_chart_write_png(c, path_of("steps.png"), 900, 560), 0);
    rs_chart_free(c);
    check_png("steps.png", 900, 560);

    /* nothing to draw still gives a chart (axes, "no data") */
    const char *one[] = {"2020"};
    double nan1[] = {NAN};
    c = rs_chart_new(ctx, "Empty", "Year", "KSI", 1, one);
    CHECK_EQ_INT(rs_chart_series(c, "KSI", 1, NULL, nan1, NULL, NULL, 0), 0);
    CHECK_EQ_INT(rs_chart_write_png(c, path_of("empty.png"), 400, 300), 0);
    check_png("empty.png", 400, 300);

    /* refusals */
    CHECK_EQ_INT(rs_chart_write_png(c, path_of("tiny.png"), 10, 300), RS_EUSAGE);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "chart size 10x300");
    rs_err_clear(rs_ctx_err(ctx));
    CHECK_EQ_INT(rs_chart_write_png(c, "/nonexistent-dir/x.png", 400, 300), RS_EIO);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "/nonexistent-dir/x.png");
    rs_err_clear(rs_ctx_err(ctx));
    double two[] = {1, 2};
    CHECK_EQ_INT(rs_chart_series(c, "too many", 2, NULL, two, NULL, NULL, 0), RS_EUSAGE);
    rs_err_clear(rs_ctx_err(ctx));
    CHECK_EQ_INT(rs_chart_series(c, "half band", 1, NULL, two, two, NULL, 0), RS_EUSAGE);
    rs_err_clear(rs_ctx_err(ctx));
    rs_chart_free(c);
    rs_chart_free(NULL);

    rs_ctx_free(ctx);
    cairo_debug_reset_static_data();
    return check_done();
}
