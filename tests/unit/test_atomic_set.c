/*
 * test_atomic_set.c — sets of files in engine/base/atomic.h: inside a set
 * a finished file keeps its temporary name until the commit, which moves
 * every file of the set into place; an abort, or a folder where one file
 * should go, leaves every earlier file exactly as it was and no temporary;
 * a set opened inside another is part of it; geo's writers join through
 * rs_atomic_track.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "check.h"

/* Writes text to path through rs_atomic; 0 or the close's code. */
static int put(const char *path, const char *text)
{
    rs_err e = {0};
    rs_atomic a;
    if (rs_atomic_open(&e, &a, path) != 0)
        return -1;
    fputs(text, a.f);
    return rs_atomic_close(&e, &a, 1);
}

int main(void)
{
    const char *dir = check_tmpdir("test_atomic_set");
    char a[1200], b[1200], t[1200], got[64];
    snprintf(a, sizeof a, "%s/a.csv", dir);
    snprintf(b, sizeof b, "%s/b.png", dir);
    rs_err e = {0};

    CHECK_EQ_INT(put(a, "old a\n"), 0);
    CHECK_EQ_INT(put(b, "old b\n"), 0);
    CHECK_EQ_INT(check_dir_entries(dir), 2);

    /* finished files wait under their temporary names until the commit */
    CHECK_EQ_INT(rs_atomic_set_begin(&e), 0);
    CHECK_EQ_INT(put(a, "new a\n"), 0);
    CHECK_EQ_INT(put(b, "new b\n"), 0);
    check_slurp(a, got, sizeof got);
    CHECK_STR(got, "old a\n");
    CHECK_EQ_INT(check_dir_entries(dir), 4);
    CHECK_EQ_INT(rs_atomic_set_commit(&e), 0);
    check_slurp(a, got, sizeof got);
    CHECK_STR(got, "new a\n");
    check_slurp(b, got, sizeof got);
    CHECK_STR(got, "new b\n");
    CHECK_EQ_INT(check_dir_entries(dir), 2);

    /* an abort removes the temporaries: the old set stays */
    CHECK_EQ_INT(rs_atomic_set_begin(&e), 0);
    CHECK_EQ_INT(put(a, "third a\n"), 0);
    rs_atomic_set_abort();
    check_slurp(a, got, sizeof got);
    CHECK_STR(got, "new a\n");
    CHECK_EQ_INT(check_dir_entries(dir), 2);

    /* nested: the inner commit does nothing, the outer one renames */
    CHECK_EQ_INT(rs_atomic_set_begin(&e), 0);
    CHECK_EQ_INT(rs_atomic_set_begin(&e), 0);
    CHECK_EQ_INT(put(a, "inner a\n"), 0);
    CHECK_EQ_INT(rs_atomic_set_commit(&e), 0);
    check_slurp(a, got, sizeof got);
    CHECK_STR(got, "new a\n");
    CHECK_EQ_INT(put(b, "outer b\n"), 0);
    CHECK_EQ_INT(rs_atomic_set_commit(&e), 0);
    check_slurp(a, got, sizeof got);
    CHECK_STR(got, "inner a\n");
    check_slurp(b, got, sizeof got);
    CHECK_STR(got, "outer b\n");

    /* a folder where one file goes: refused before any rename */
    CHECK_EQ_INT(unlink(b), 0);
    CHECK_EQ_INT(mkdir(b, 0755), 0);
    CHECK_EQ_INT(rs_atomic_set_begin(&e), 0);
    CHECK_EQ_INT(put(a, "fourth a\n"), 0);
    CHECK_EQ_INT(put(b, "fourth b\n"), 0);
    CHECK_EQ_INT(rs_atomic_set_commit(&e), RS_EIO);
    CHECK(strstr(e.msg, "b.png: is a folder") != NULL);
    check_slurp(a, got, sizeof got);
    CHECK_STR(got, "inner a\n");
    CHECK_EQ_INT(check_dir_entries(dir), 2);
    CHECK_EQ_INT(rmdir(b), 0);

    /* a writer's own temporary (geo/) joins the set through rs_atomic_track */
    snprintf(t, sizeof t, "%s/c.tmp-XXXX.shp", dir);
    snprintf(b, sizeof b, "%s/c.shp", dir);
    CHECK_EQ_INT(rs_atomic_set_begin(&e), 0);
    CHECK_EQ_INT(rs_atomic_track(t, NULL, RS_ATOMIC_MADE), 0);
    FILE *f = fopen(t, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("shape\n", f);
        fclose(f);
    }
    CHECK_EQ_INT(rs_atomic_track(t, b, RS_ATOMIC_DONE), 0);
    CHECK(access(b, F_OK) != 0);
    CHECK_EQ_INT(rs_atomic_set_commit(&e), 0);
    check_slurp(b, got, sizeof got);
    CHECK_STR(got, "shape\n");
    CHECK(access(t, F_OK) != 0);
    /* outside a set, DONE renames at once */
    f = fopen(t, "w");
    if (f)
        fclose(f);
    CHECK_EQ_INT(rs_atomic_track(t, b, RS_ATOMIC_DONE), 0);
    CHECK(access(t, F_OK) != 0);
    check_slurp(b, got, sizeof got);
    CHECK_STR(got, "");
    return check_done();
}
