/*
 * check.h — the tiny test harness every unit test uses.
 *
 *   CHECK(cond)                 a failed condition is reported, the test goes on
 *   CHECK_EQ_INT(a, b)          integers, both values printed on failure
 *   CHECK_NEAR(a, b, tol)       doubles within an explicit tolerance
 *   CHECK_STR(a, b)             strings equal
 *   CHECK_CONTAINS(hay, needle) substring present (error message checks)
 *   return check_done();        0 when all passed, 1 otherwise
 *   check_skip("why")           exit 77 (CTest "skipped") after saying why
 *   check_dir_entries(dir)      how many names a folder holds (0 if none)
 *   check_slurp(path, buf, n)   a small file's text ("" when unreadable)
 */
#ifndef RS_CHECK_H
#define RS_CHECK_H

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures_;
static int check_count_;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        check_count_++;                                                               \
        if (!(cond)) {                                                                \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                            \
    do {                                                                              \
        long long ca_ = (long long)(a), cb_ = (long long)(b);                         \
        check_count_++;                                                               \
        if (ca_ != cb_) {                                                             \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__,       \
                    __LINE__, #a, #b, ca_, cb_);                                      \
        }                                                                             \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                         \
    do {                                                                              \
        double ca_ = (double)(a), cb_ = (double)(b);                                  \
        check_count_++;                                                               \
        if (!(fabs(ca_ - cb_) <= (tol))) {                                            \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: %s ~ %s failed: %.10g vs %.10g (tol %g)\n",       \
                    __FILE__, __LINE__, #a, #b, ca_, cb_, (double)(tol));             \
        }                                                                             \
    } while (0)

#define CHECK_STR(a, b)                                                               \
    do {                                                                              \
        const char *ca_ = (a), *cb_ = (b);                                            \
        check_count_++;                                                               \
        if (ca_ == NULL || cb_ == NULL || strcmp(ca_, cb_) != 0) {                    \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" vs \"%s\"\n", __FILE__,   \
                    __LINE__, #a, #b, ca_ ? ca_ : "(null)", cb_ ? cb_ : "(null)");    \
        }                                                                             \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                                   \
    do {                                                                              \
        const char *ch_ = (hay), *cn_ = (needle);                                     \
        check_count_++;                                                               \
        if (ch_ == NULL || strstr(ch_, cn_) == NULL) {                                \
            check_failures_++;                                                        \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__,      \
                    __LINE__, ch_ ? ch_ : "(null)", cn_);                             \
        }                                                                             \
    } while (0)

static inline int check_done(void)
{
    fprintf(stderr, "%d checks, %d failed\n", check_count_, check_failures_);
    return check_failures_ ? 1 : 0;
}

static inline void check_skip(const char *why)
{
    printf("SKIPPED: %s\n", why);
    exit(77);
}

/* A test program whose checks on the public test data (RS_TEST_DATA) are
 * their own ctest entry: CMake runs it a second time as unit.NAME.data with
 * --data.  check_data_mode() says which run this is; check_need_data()
 * skips the data run (exit 77) when a file it needs is absent. */
static inline int check_data_mode(int argc, char **argv)
{
    return argc > 1 && strcmp(argv[1], "--data") == 0;
}

static inline void check_need_data(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        printf("SKIPPED: %s absent (public test data, ROADSAFE_TEST_DATA)\n", path);
        exit(77);
    }
    fclose(f);
}

/* A scratch directory for this test, under $RS_TEST_TMP (or /tmp). */
static inline const char *check_tmpdir(const char *name)
{
    static char buf[1024];
    const char *base = getenv("RS_TEST_TMP");
    if (base == NULL || *base == '\0')
        base = "/tmp";
    snprintf(buf, sizeof buf, "%s/%s", base, name);
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", buf, buf);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot make %s\n", buf);
        exit(1);
    }
    return buf;
}

/* How many names a folder holds, "." and ".." aside (0 when unreadable). */
static inline size_t check_dir_entries(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    if (d)
        closedir(d);
    return n;
}

/* A small file's text into buf (at most size - 1 bytes; "" when unreadable). */
static inline void check_slurp(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

#endif
