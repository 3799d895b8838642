/*
 * test_png.c — engine/png: rs_png_write writes a file that starts with the
 * PNG signature, whose IHDR holds the surface's width and height, that
 * cairo decodes back to the same pixels, with mode 0644, byte-identical on
 * a second write; and that failures (nonexistent directory, a target that
 * is a directory, a surface in an error state) return RS_EIO with a message
 * naming the path, leave no temporary file behind and leave an earlier
 * file intact.  Maps and charts both go through it.
 */
#include <cairo.h>
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>

#include "check.h"
#include "png.h"

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

/* Entries in the scratch directory other than . and .. */
static int count_entries(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (d == NULL)
        return -1;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* Opaque pixel at (x, y), so premultiplication changes nothing. */
static uint32_t pixel(int x, int y)
{
    return 0xff000000u | (uint32_t)(x * 37 % 256) << 16 | (uint32_t)(y * 53 % 256) << 8 |
           (uint32_t)((x + y) * 11 % 256);
}

static cairo_surface_t *make_image(int w, int h)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_surface_flush(s);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < h; y++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < w; x++)
            row[x] = pixel(x, y);
    }
    cairo_surface_mark_dirty(s);
    return s;
}

static void test_roundtrip(void)
{
    const int w = 37, h = 21;
    cairo_surface_t *s = make_image(w, h);
    CHECK_EQ_INT(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    rs_err e = {0};

    char first[1200];
    snprintf(first, sizeof first, "%s", path_of("a.png"));
    CHECK_EQ_INT(rs_png_write(&e, s, first), 0);
    CHECK_EQ_INT(e.code, 0);
    CHECK_STR(e.msg, "");
    CHECK_EQ_INT(count_entries(), 1); /* no temporary left */

    struct stat st;
    CHECK_EQ_INT(stat(first, &st), 0);
    CHECK_EQ_INT(st.st_mode & 07777, 0644);

    size_t len = 0;
    unsigned char *b = slurp(first, &len);
    CHECK(b != NULL && len > 33);
    if (b && len > 33) {
        static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        CHECK(memcmp(b, sig, 8) == 0);
        CHECK_EQ_INT(be32(b + 8), 13); /* IHDR length */
        CHECK(memcmp(b + 12, "IHDR", 4) == 0);
        CHECK_EQ_INT(be32(b + 16), w);
        CHECK_EQ_INT(be32(b + 20), h);
        /* ends with the IEND chunk */
        CHECK(memcmp(b + len - 12, "\0\0\0\0IEND\xae\x42\x60\x82", 12) == 0);
    }

    /* decodes back to the same pixels */
    cairo_surface_t *r = cairo_image_surface_create_from_png(first);
    CHECK_EQ_INT(cairo_surface_status(r), CAIRO_STATUS_SUCCESS);
    if (cairo_surface_status(r) == CAIRO_STATUS_SUCCESS) {
        CHECK_EQ_INT(cairo_image_surface_get_width(r), w);
        CHECK_EQ_INT(cairo_image_surface_get_height(r), h);
        cairo_surface_flush(r);
        const unsigned char *data = cairo_image_surface_get_data(r);
        int stride = cairo_image_surface_get_stride(r);
        cairo_format_t fmt = cairo_image_surface_get_format(r);
        /* an opaque image may come back as RGB24, whose top byte is unused */
        uint32_t mask = fmt == CAIRO_FORMAT_RGB24 ? 0x00ffffffu : 0xffffffffu;
        CHECK(fmt == CAIRO_FORMAT_ARGB32 || fmt == CAIRO_FORMAT_RGB24);
        int bad = 0;
        for (int y = 0; y < h; y++) {
            const uint32_t *row =
                (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
            for (int x = 0; x < w; x++)
                if ((row[x] & mask) != (pixel(x, y) & mask))
                    bad++;
        }
        CHECK_EQ_INT(bad, 0);
    }
    cairo_surface_destroy(r);

    /* a second write of the same image gives the same bytes */
    CHECK_EQ_INT(rs_png_write(&e, s, path_of("b.png")), 0);
    size_t len2 = 0;
    unsigned char *b2 = slurp(path_of("b.png"), &len2);
    CHECK(b != NULL && b2 != NULL && len == len2 && memcmp(b, b2, len) == 0);
    free(b2);

    /* overwriting an existing file replaces it whole */
    cairo_surface_t *small = make_image(3, 2);
    CHECK_EQ_INT(rs_png_write(&e, small, first), 0);
    b2 = slurp(first, &len2);
    CHECK(b2 != NULL && len2 > 24);
    if (b2 && len2 > 24) {
        CHECK_EQ_INT(be32(b2 + 16), 3);
        CHECK_EQ_INT(be32(b2 + 20), 2);
    }
    free(b2);
    CHECK_EQ_INT(count_entries(), 2);
    cairo_surface_destroy(small);

    free(b);
    cairo_surface_destroy(s);
}

static void test_failures(void)
{
    cairo_surface_t *s = make_image(4, 4);
    rs_err e = {0};
    char path[1300];

    /* a directory that does not exist */
    snprintf(path, sizeof path, "%s/no/such/dir/x.png", dir);
    CHECK_EQ_INT(rs_png_write(&e, s, path), RS_EIO);
    CHECK_EQ_INT(e.code, RS_EIO);
    CHECK_CONTAINS(e.msg, path);
    CHECK_CONTAINS(e.msg, "No such file or directory");
    rs_err_clear(&e);

    /* the target is a directory: the rename fails, the temporary goes */
    int before = count_entries();
    snprintf(path, sizeof path, "%s/adir", dir);
    CHECK_EQ_INT(mkdir(path, 0755), 0);
    CHECK_EQ_INT(rs_png_write(&e, s, path), RS_EIO);
    CHECK_EQ_INT(e.code, RS_EIO);
    CHECK_CONTAINS(e.msg, path);
    CHECK_EQ_INT(count_entries(), before + 1); /* only adir itself */
    rs_err_clear(&e);

    /* a surface in an error state: nothing written, earlier file intact */
    snprintf(path, sizeof path, "%s", path_of("keep.png"));
    CHECK_EQ_INT(rs_png_write(&e, s, path), 0);
    size_t len0 = 0, len1 = 0;
    unsigned char *b0 = slurp(path, &len0);
    cairo_surface_t *broken = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, -1, -1);
    CHECK(cairo_surface_status(broken) != CAIRO_STATUS_SUCCESS);
    before = count_entries();
    CHECK_EQ_INT(rs_png_write(&e, broken, path), RS_EIO);
    CHECK_EQ_INT(e.code, RS_EIO);
    CHECK_CONTAINS(e.msg, path);
    CHECK_CONTAINS(e.msg, "writing PNG");
    CHECK_EQ_INT(count_entries(), before);
    unsigned char *b1 = slurp(path, &len1);
    CHECK(b0 != NULL && b1 != NULL && len0 == len1 && memcmp(b0, b1, len0) == 0);
    free(b0);
    free(b1);
    cairo_surface_destroy(broken);

    /* the first error is kept */
    snprintf(path, sizeof path, "%s/missing/y.png", dir);
    CHECK_EQ_INT(rs_png_write(&e, s, path), RS_EIO);
    CHECK_CONTAINS(e.msg, "keep.png");
    rs_err_clear(&e);

    cairo_surface_destroy(s);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", check_tmpdir("test_png"));
    test_roundtrip();
    test_failures();
    cairo_debug_reset_static_data();
    return check_done();
}
