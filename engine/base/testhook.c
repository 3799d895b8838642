/*
 * testhook.c — named pause points for the test suite (testhook.h).
 */
#include "testhook.h"

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
    fprintf(stderr, "roadsafe: paused at %s\n", name);
    fflush(stderr);
    int fd = open(spec + n + 1, O_RDONLY | O_CLOEXEC); /* blocks until a writer opens it */
    if (fd >= 0)
        close(fd);
}
