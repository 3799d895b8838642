/* threads.c — see threads.h. */
#include "threads.h"

#include <stdlib.h>
#include <unistd.h>

int rs_thread_count(int max)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    const char *env = getenv("ROADSAFE_THREADS");
    if (env && atoi(env) > 0)
        n = atoi(env);
    if (n < 1)
        n = 1;
    if (max < 1)
        max = 1;
    return n > max ? max : (int)n;
}
