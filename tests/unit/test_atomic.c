/*
 * test_atomic.c — engine/base/atomic.h: a file written through rs_atomic
 * appears whole under its name and nothing else is left in the folder; a
 * discarded write or a failed one leaves the earlier file exactly as it
 * was; an unwritable folder is an RS_EIO error naming the path; closing a
 * zeroed or already-closed writer is harmless.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "check.h"

int main(void)
{
    const char *dir = check_tmpdir("test_atomic");
    char path[1200], got[256];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    rs_err e = {0};
    rs_atomic a;

    /* a first write appears whole, mode 0644, nothing else left */
    CHECK_EQ_INT(rs_atomic_open(&e, &a, path), 0);
    CHECK(a.f != NULL && a.tmp != NULL);
    fputs("one\n", a.f);
    struct stat st;
    CHECK(stat(path, &st) != 0); /* not there until closed */
    CHECK_EQ_INT(rs_atomic_close(&e, &a, 1), 0);
    check_slurp(path, got, sizeof got);
    CHECK_STR(got, "one\n");
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
    CHECK_EQ_INT((int)check_dir_entries(dir), 1);
    CHECK(a.f == NULL && a.tmp == NULL && a.path == NULL);

    /* a discarded write leaves the earlier file and no temporary */
    CHECK_EQ_INT(rs_atomic_open(&e, &a, path), 0);
    fputs("two, half written", a.f);
    CHECK_EQ_INT(rs_atomic_close(&e, &a, 0), RS_ERR);
    check_slurp(path, got, sizeof got);
    CHECK_STR(got, "one\n");
    CHECK_EQ_INT((int)check_dir_entries(dir), 1);
    CHECK_EQ_INT(e.code, 0); /* discarding is not an error to report */

    /* a replacement is whole */
    CHECK_EQ_INT(rs_atomic_open(&e, &a, path), 0);
    fputs("three\n", a.f);
    CHECK_EQ_INT(rs_atomic_close(&e, &a, 1), 0);
    check_slurp(path, got, sizeof got);
    CHECK_STR(got, "three\n");

    /* a folder that does not exist: RS_EIO naming the path */
    char bad[1300];
    snprintf(bad, sizeof bad, "%s/no/such/dir/x.csv", dir);
    CHECK_EQ_INT(rs_atomic_open(&e, &a, bad), RS_EIO);
    CHECK_CONTAINS(e.msg, bad);
    CHECK(a.f == NULL);
    CHECK_EQ_INT(rs_atomic_close(&e, &a, 1), 0); /* closed: nothing to do */

    /* standard output: NULL and "-" */
    rs_err e2 = {0};
    CHECK_EQ_INT(rs_atomic_open(&e2, &a, "-"), 0);
    CHECK(a.f == stdout && a.tmp == NULL);
    CHECK_EQ_INT(rs_atomic_close(&e2, &a, 1), 0);
    CHECK_EQ_INT(rs_atomic_open(&e2, &a, NULL), 0);
    CHECK(a.f == stdout);
    CHECK_EQ_INT(rs_atomic_close(&e2, &a, 1), 0);

    /* a zeroed writer closes harmlessly */
    rs_atomic z = {0};
    CHECK_EQ_INT(rs_atomic_close(&e2, &z, 1), 0);
    CHECK_EQ_INT(rs_atomic_close(&e2, &z, 0), RS_ERR);
    return check_done();
}
