/*
 * testhook.c — named pause points for the test suite (testhook.h).
 */
#include "testhook.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void rs_test_pause(const char *name)
{
    const char *spec = getenv("ROADSAFE_TEST_PAUSE");
    size_t n = strlen(name);
    if (spec == NULL || strncmp(spec, name, n) != 0 || spec[n] != ':')
        return;
    /* Opened read-write, a FIFO does not block the open, and a byte written
     * before the read is not lost: the test may release at any moment after
     * the line below. */
    int fd = open(spec + n + 1, O_RDWR | O_CLOEXEC);
    fprintf(stderr, "roadsafe: paused at %s\n", name);
    fflush(stderr);
    if (fd < 0)
        return;
    char c;
    while (read(fd, &c, 1) < 0 && errno == EINTR)
        ;
    close(fd);
}
