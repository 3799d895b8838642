/*
 * parse_floor.c — the floor for the ingest benchmark: splits a telematics
 * CSV with the engine's CSV reader and parses every field ingest parses
 * (timestamp, lat, lon, speed, limit), storing nothing, projecting nothing,
 * hashing nothing.  The file is read into memory first (not timed), cut at
 * line ends into one part per thread, and each thread splits its part with
 * a memory reader (rs_csv_open_mem), as ingest's parsing threads do.
 *   usage: rs-bench-parse FILE [THREADS]   (THREADS: 1 by default)
 * Prints rows, wall and CPU seconds (of the parsing alone) and rows/s.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csv.h"
#include "parse.h"

#define MAX_THREADS 16

typedef struct part {
    unsigned char *bytes;
    size_t len;
    size_t nhdr;
    int ct, cla, clo, cs, cl;
    long long rows, bad;
    double sum;
    int failed;
} part;

static void *parse_part(void *arg)
{
    part *p = arg;
    rs_err e = {0};
    rs_csv *c = NULL;
    if (rs_csv_open_mem(&e, "floor", p->nhdr, &c) != 0) {
        p->failed = 1;
        return NULL;
    }
    rs_csv_mem_set(c, p->bytes, p->len, 2);
    int rc;
    while ((rc = rs_csv_next(c, &e)) == 1) {
        size_t l1, l2, l3, l4, l5;
        const char *t = rs_csv_field(c, (size_t)p->ct, &l1), *la = rs_csv_field(c, (size_t)p->cla, &l2),
                   *lo = rs_csv_field(c, (size_t)p->clo, &l3), *sp = rs_csv_field(c, (size_t)p->cs, &l4),
                   *li = rs_csv_field(c, (size_t)p->cl, &l5);
        int64_t ts, speed, limit;
        double lat, lon;
        if (rs_csv_record_problem(c) || rs_parse_iso8601(t, l1, &ts) || rs_parse_decimal(la, l2, &lat) ||
            rs_parse_decimal(lo, l3, &lon) || rs_parse_fixed(sp, l4, 2, &speed) ||
            rs_parse_int(li, l5, &limit))
            p->bad++;
        else
            p->sum += lat + lon + (double)speed + (double)limit + (double)(ts & 1);
        p->rows++;
    }
    if (rc < 0)
        p->failed = 1;
    rs_csv_close(c);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: rs-bench-parse FILE [THREADS]\n");
        return 2;
    }
    int nt = argc == 3 ? atoi(argv[2]) : 1;
    if (nt < 1 || nt > MAX_THREADS) {
        fprintf(stderr, "rs-bench-parse: THREADS is 1 to %d\n", MAX_THREADS);
        return 2;
    }
    rs_err e = {0};
    rs_csv *c = NULL;
    if (rs_csv_open(&e, argv[1], NULL, &c) != 0) {
        fprintf(stderr, "rs-bench-parse: %s\n", e.msg);
        return 2;
    }
    part proto = {0};
    proto.ct = rs_csv_col(c, "timestamp");
    proto.cla = rs_csv_col(c, "lat");
    proto.clo = rs_csv_col(c, "lon");
    proto.cs = rs_csv_col(c, "speed_mph");
    proto.cl = rs_csv_col(c, "limit_mph");
    proto.nhdr = rs_csv_header_count(c);
    rs_csv_close(c);
    if (proto.ct < 0 || proto.cla < 0 || proto.clo < 0 || proto.cs < 0 || proto.cl < 0) {
        fprintf(stderr, "rs-bench-parse: not a telematics file\n");
        return 2;
    }
    /* the whole file in memory, header line skipped */
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0) {
        fprintf(stderr, "rs-bench-parse: cannot read %s\n", argv[1]);
        return 2;
    }
    long size = ftell(f);
    rewind(f);
    unsigned char *all = malloc((size_t)size + (size_t)nt + 1);
    if (all == NULL || fread(all, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "rs-bench-parse: cannot read %s\n", argv[1]);
        return 2;
    }
    fclose(f);
    unsigned char *body = memchr(all, '\n', (size_t)size);
    body = body ? body + 1 : all + size;
    size_t blen = (size_t)(all + size - body);
    /* parts cut at line ends, each moved up by one byte per earlier part so
     * that every part has the spare byte after it the reader needs */
    part parts[MAX_THREADS];
    size_t at = 0;
    for (int i = 0; i < nt; i++) {
        size_t end = i == nt - 1 ? blen : blen / (size_t)nt * (size_t)(i + 1);
        if (end < at)
            end = at;
        while (end < blen && body[end - (end > 0)] != '\n')
            end++;
        parts[i] = proto;
        parts[i].bytes = body + at;
        parts[i].len = end - at;
        at = end;
    }
    for (int i = nt - 1; i > 0; i--) { /* make the spare bytes */
        unsigned char *to = parts[i].bytes + i;
        memmove(to, parts[i].bytes, parts[i].len);
        parts[i].bytes = to;
    }
    struct timespec a, b, ca, cb;
    pthread_t th[MAX_THREADS];
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
    for (int i = 1; i < nt; i++)
        if (pthread_create(&th[i], NULL, parse_part, &parts[i]) != 0) {
            fprintf(stderr, "rs-bench-parse: cannot start a thread\n");
            return 2;
        }
    parse_part(&parts[0]);
    for (int i = 1; i < nt; i++)
        pthread_join(th[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
    long long rows = 0, bad = 0;
    double sum = 0;
    for (int i = 0; i < nt; i++) {
        if (parts[i].failed) {
            fprintf(stderr, "rs-bench-parse: reading part %d failed\n", i);
            return 2;
        }
        rows += parts[i].rows;
        bad += parts[i].bad;
        sum += parts[i].sum;
    }
    free(all);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    double cpu = (double)(cb.tv_sec - ca.tv_sec) + (double)(cb.tv_nsec - ca.tv_nsec) / 1e9;
    printf("parse only, %d thread%s: %lld rows (%lld bad) in %.2f s wall, %.2f s CPU = %.2f "
           "million rows/s (checksum %.0f)\n",
           nt, nt == 1 ? "" : "s", rows, bad, s, cpu, (double)rows / s / 1e6, sum);
    return 0;
}
