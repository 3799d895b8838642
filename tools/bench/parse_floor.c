/*
 * parse_floor.c — the floor for the ingest benchmark: reads a telematics
 * CSV with the engine's CSV reader and parses every field ingest parses
 * (timestamp, lat, lon, speed, limit), storing nothing, projecting nothing.
 *   usage: rs-bench-parse FILE
 * Prints rows, seconds and rows/s.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "csv.h"
#include "parse.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: rs-bench-parse FILE\n");
        return 2;
    }
    rs_err e = {0};
    rs_csv *c = NULL;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (rs_csv_open(&e, argv[1], NULL, &c) != 0) {
        fprintf(stderr, "rs-bench-parse: %s\n", e.msg);
        return 2;
    }
    int ct = rs_csv_col(c, "timestamp"), cla = rs_csv_col(c, "lat"), clo = rs_csv_col(c, "lon"),
        cs = rs_csv_col(c, "speed_mph"), cl = rs_csv_col(c, "limit_mph");
    if (ct < 0 || cla < 0 || clo < 0 || cs < 0 || cl < 0) {
        fprintf(stderr, "rs-bench-parse: not a telematics file\n");
        rs_csv_close(c);
        return 2;
    }
    long long rows = 0, bad = 0;
    double sum = 0;
    int rc;
    while ((rc = rs_csv_next(c, &e)) == 1) {
        size_t l1, l2, l3, l4, l5;
        const char *t = rs_csv_field(c, (size_t)ct, &l1), *la = rs_csv_field(c, (size_t)cla, &l2),
                   *lo = rs_csv_field(c, (size_t)clo, &l3), *sp = rs_csv_field(c, (size_t)cs, &l4),
                   *li = rs_csv_field(c, (size_t)cl, &l5);
        int64_t ts, speed, limit;
        double lat, lon;
        if (rs_csv_record_problem(c) || rs_parse_iso8601(t, l1, &ts) || rs_parse_decimal(la, l2, &lat) ||
            rs_parse_decimal(lo, l3, &lon) || rs_parse_fixed(sp, l4, 2, &speed) ||
            rs_parse_int(li, l5, &limit))
            bad++;
        else
            sum += lat + lon + (double)speed + (double)limit + (double)(ts & 1);
        rows++;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    rs_csv_close(c);
    if (rc < 0) {
        fprintf(stderr, "rs-bench-parse: %s\n", e.msg);
        return 2;
    }
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("parse only: %lld rows (%lld bad) in %.2f s = %.2f million rows/s (checksum %.0f)\n",
           rows, bad, s, (double)rows / s / 1e6, sum);
    return 0;
}
