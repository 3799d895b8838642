/*
 * test_report.c — engine/report: the board pack.
 *
 * Checked here: base64 against RFC 4648's test vectors (and bytes that use
 * '+' and '/'); quarter parsing (calendar and financial forms, everything
 * else refused); on an empty workspace, a pack that has every section
 * heading in order, lang="en-GB", print CSS, no script and no external
 * reference, an alt text and a data: URI on every image, and says what is
 * not available, and its prose gives the defaults and constants it ran
 * with; the same bytes twice, mode 0644; its private image directory gone
 * afterwards; financial quarters named and worded (Q4 in the next
 * calendar year); and the refusals (a month that starts no quarter, a district
 * when none is loaded, an unwritable path) with their messages, leaving no
 * file behind.  The pack on the generated county is tests/e2e/test_report.sh.
 */
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>

#include "check.h"
#include "report.h"
#include "store.h"

static char tmpd[1024];

static const char *path_of(const char *name)
{
    static char buf[4][1200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpd, name);
    return buf[k];
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    if (s) {
        s[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return s;
}

static void test_base64(void)
{
    static const struct {
        const char *in, *out;
    } v[] = {{"", ""},           {"f", "Zg=="},         {"fo", "Zm8="},
             {"foo", "Zm9v"},    {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
             {"foobar", "Zm9vYmFy"}};
    char out[64];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = rs_base64_encode((const unsigned char *)v[i].in, strlen(v[i].in), out);
        CHECK_STR(out, v[i].out);
        CHECK_EQ_INT(n, strlen(v[i].out));
    }
    const unsigned char bin[] = {0xfb, 0xff, 0xfe, 0x00};
    rs_base64_encode(bin, 4, out);
    CHECK_STR(out, "+//+AA==");
}

static void test_quarters(void)
{
    int m = -1;
    CHECK_EQ_INT(rs_report_quarter_parse("2020Q2", &m), 0);
    CHECK_EQ_INT(m, 2020 * 12 + 3);
    CHECK_EQ_INT(rs_report_quarter_parse("2020/21Q1", &m), 0);
    CHECK_EQ_INT(m, 2020 * 12 + 3); /* April to June 2020 either way */
    CHECK_EQ_INT(rs_report_quarter_parse("2020/21 Q4", &m), 0);
    CHECK_EQ_INT(m, 2021 * 12 + 0);
    CHECK_EQ_INT(rs_report_quarter_parse("2019Q4", &m), 0);
    CHECK_EQ_INT(m, 2019 * 12 + 9);
    const char *bad[] = {"2020", "2020/21", "2020-04", "2020Q5", "2020Q0", "Q2", "2020q", "",
                         "2020Q2x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(rs_report_quarter_parse(bad[i], &m), -1);
    CHECK_EQ_INT(rs_report_quarter_parse(NULL, &m), -1);
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Entries left in dir whose name starts with prefix. */
static int leftovers(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    return n;
}

static void test_empty_pack(rs_ctx *ctx)
{
    rs_report_opts o;
    memset(&o, 0, sizeof o);
    CHECK_EQ_INT(rs_report_quarter_parse("2020Q2", &o.first_month), 0);
    o.generator = "roadsafe test";
    CHECK_EQ_INT(rs_report_write(ctx, &o, path_of("pack.html")), 0);
    size_t len = 0, len2 = 0;
    char *html = slurp(path_of("pack.html"), &len);
    CHECK(html != NULL);
    if (html == NULL)
        return;
    CHECK(strncmp(html, "<!DOCTYPE html>\n<html lang=\"en-GB\">", 35) == 0);
    CHECK_CONTAINS(html, "<h1>Road safety partnership board pack: 2020Q2</h1>");
    CHECK_CONTAINS(html, "@page { size: A4;");
    CHECK_CONTAINS(html, "break-inside: avoid");
    CHECK_CONTAINS(html, "max-width: 100%");
    CHECK_CONTAINS(html, "roadsafe test");
    /* the seven sections, in order, each one h2 */
    const char *ids[] = {"headline", "trend", "districts", "heatmap",
                         "reoffending", "plan", "quality"};
    const char *prev = html;
    for (size_t i = 0; i < 7; i++) {
        char h[64];
        snprintf(h, sizeof h, "<h2 id=\"%s-h\">%zu. ", ids[i], i + 1);
        const char *at = strstr(html, h);
        CHECK(at != NULL && at > prev);
        if (at)
            prev = at;
    }
    CHECK_EQ_INT(count_of(html, "<h2"), 7);
    CHECK_EQ_INT(count_of(html, "<h1"), 1);
    CHECK(strstr(html, "<script") == NULL);
    CHECK(strstr(html, "http://") == NULL && strstr(html, "https://") == NULL);
    CHECK(strstr(html, "src=\"/") == NULL);
    /* every image: a data: URI and a non-empty alt */
    int imgs = 0;
    for (const char *p = html; (p = strstr(p, "<img ")) != NULL; p++) {
        imgs++;
        const char *end = strchr(p, '>');
        CHECK(end != NULL);
        CHECK(strncmp(p, "<img src=\"data:image/png;base64,iVBORw0KGgo", 43) == 0);
        const char *alt = strstr(p, " alt=\"");
        CHECK(alt != NULL && alt < end && alt[6] != '"');
    }
    CHECK_EQ_INT(imgs, 1); /* the (empty) trend chart; no map without districts */
    CHECK_CONTAINS(html, "KSI casualties in 2020Q2: no data in this period.");
    CHECK_CONTAINS(html, "No districts are loaded");
    CHECK_CONTAINS(html, "Not available: no vehicle was first detected by TRUCAM or GATSO");
    CHECK_CONTAINS(html, "6. Weekend plan for 2020Q3</h2>");
    CHECK_CONTAINS(html, "no districts are loaded, so there is nothing to plan");
    CHECK_CONTAINS(html, "No file has been loaded into the workspace.");
    CHECK_CONTAINS(html, "No detections at all in these 12 months.");
    CHECK_CONTAINS(html, "</main>\n</body>\n</html>\n");
    /* the prose says what the analyses ran with (defaults and constants) */
    CHECK_CONTAINS(html, "the share of each 1 km square&#39;s pings");
    CHECK_CONTAINS(html, "more than 24 hours after the first");
    struct stat sb;
    CHECK(stat(path_of("pack.html"), &sb) == 0 && (sb.st_mode & 0777) == 0644);

    /* byte-identical the second time; no temporary files left */
    CHECK_EQ_INT(rs_report_write(ctx, &o, path_of("pack2.html")), 0);
    char *again = slurp(path_of("pack2.html"), &len2);
    CHECK(again != NULL && len2 == len && memcmp(html, again, len) == 0);
    free(again);
    free(html);
    CHECK_EQ_INT(leftovers(tmpd, "roadsafe-pack-"), 0);
    CHECK_EQ_INT(leftovers(tmpd, "pack.html.tmp"), 0);

    /* financial labels name the same months */
    o.financial = 1;
    CHECK_EQ_INT(rs_report_write(ctx, &o, path_of("fin.html")), 0);
    html = slurp(path_of("fin.html"), NULL);
    CHECK_CONTAINS(html, "board pack: 2020/21 Q1</h1>");
    CHECK_CONTAINS(html, "6. Weekend plan for 2020/21 Q2</h2>");
    CHECK_CONTAINS(html, "April to June 2020, financial quarter");
    free(html);
    /* a financial Q4 is January to March of the next calendar year */
    CHECK_EQ_INT(rs_report_quarter_parse("2020/21 Q4", &o.first_month), 0);
    CHECK_EQ_INT(rs_report_write(ctx, &o, path_of("fin.html")), 0);
    html = slurp(path_of("fin.html"), NULL);
    CHECK_CONTAINS(html, "board pack: 2020/21 Q4</h1>");
    CHECK_CONTAINS(html, "January to March 2021, financial quarter");
    CHECK_CONTAINS(html, "6. Weekend plan for 2021/22 Q1</h2>");
    free(html);
}

static void test_refusals(rs_ctx *ctx)
{
    rs_report_opts o;
    memset(&o, 0, sizeof o);
    o.first_month = 2020 * 12 + 4; /* May */
    rs_err_clear(rs_ctx_err(ctx));
    CHECK_EQ_INT(rs_report_write(ctx, &o, path_of("bad.html")), RS_EUSAGE);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "January, April, July or October");

    o.first_month = 2020 * 12 + 3;
    const char *names[] = {"Kingsmoor"};
    o.districts = names;
    o.ndistricts = 1;
    rs_err_clear(rs_ctx_err(ctx));
    CHECK_EQ_INT(rs_report_write(ctx, &o, path_of("bad.html")), RS_ENOTFOUND);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "no districts loaded");

    o.districts = NULL;
    o.ndistricts = 0;
    rs_err_clear(rs_ctx_err(ctx));
    CHECK_EQ_INT(rs_report_write(ctx, &o, path_of("no/such/dir/pack.html")), RS_EIO);
    CHECK_CONTAINS(rs_ctx_err(ctx)->msg, "cannot write");
    struct stat sb;
    CHECK(stat(path_of("bad.html"), &sb) != 0);
    CHECK_EQ_INT(leftovers(tmpd, "roadsafe-pack-"), 0);
    rs_err_clear(rs_ctx_err(ctx));
}

int main(void)
{
    snprintf(tmpd, sizeof tmpd, "%s", check_tmpdir("test_report"));
    setenv("TMPDIR", tmpd, 1); /* the pack's private image directory goes here */
    test_base64();
    test_quarters();
    rs_ctx *ctx = rs_ctx_new();
    if (ctx == NULL)
        return 1;
    CHECK_EQ_INT(rs_store_open(ctx, path_of("empty.db"), RS_STORE_CREATE), 0);
    test_empty_pack(ctx);
    test_refusals(ctx);
    rs_ctx_free(ctx);
    return check_done();
}
