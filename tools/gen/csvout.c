/*
 * csvout.c — fast CSV writing for roadsafe-gen: one big buffer per file,
 * hand-rolled number and time formatting, batched BNG -> WGS84 projection.
 *
 * What: rows are formatted straight into a 4 MiB buffer (no printf per field:
 * at scale 100 the telematics file has 10 million rows) and the buffer is
 * handed to fwrite whole; every fwrite/fflush/fclose result is checked.
 * Numbers are formatted from integers (a coordinate is rounded once to
 * millionths of a degree), so the text is the same on every machine.
 *
 * Data structure: gen_out (FILE *, buffer, row counter).
 * Workload: hundreds of MB per run at scale 100.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "timeutil.h"

#define GEN_OUT_CAP (4u << 20)

int gen_path(gen_world *w, char *buf, size_t size, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", w->out, name);
    if (n < 0 || (size_t)n >= size)
        return rs_err_set(gen_err(w), RS_EUSAGE, "output path too long: %s/%s", w->out, name);
    return RS_OK;
}

int gen_out_open(gen_world *w, gen_out *o, const char *name, const char *header)
{
    memset(o, 0, sizeof *o);
    int rc = gen_path(w, o->path, sizeof o->path, name);
    if (rc)
        return rc;
    o->buf = malloc(GEN_OUT_CAP);
    if (o->buf == NULL)
        return rs_err_set(gen_err(w), RS_ENOMEM, "out of memory for %s", o->path);
    o->cap = GEN_OUT_CAP;
    o->f = fopen(o->path, "wb");
    if (o->f == NULL) {
        rc = rs_err_set(gen_err(w), RS_EIO, "cannot create %s: %s", o->path, strerror(errno));
        free(o->buf);
        o->buf = NULL;
        return rc;
    }
    size_t hl = strlen(header);
    memcpy(o->buf, header, hl);
    o->buf[hl] = '\n';
    o->len = hl + 1;
    return RS_OK;
}

static int out_drain(gen_world *w, gen_out *o)
{
    if (o->len == 0)
        return RS_OK;
    if (fwrite(o->buf, 1, o->len, o->f) != o->len) {
        o->failed = 1;
        return rs_err_set(gen_err(w), RS_EIO, "cannot write %s: %s", o->path, strerror(errno));
    }
    o->len = 0;
    return RS_OK;
}

int gen_out_flush_if(gen_world *w, gen_out *o)
{
    if (o->cap - o->len >= GEN_OUT_ROW_MAX)
        return RS_OK;
    return out_drain(w, o);
}

int gen_out_close(gen_world *w, gen_out *o)
{
    int rc = out_drain(w, o);
    if (o->f) {
        if (fflush(o->f) != 0 && rc == RS_OK)
            rc = rs_err_set(gen_err(w), RS_EIO, "cannot write %s: %s", o->path, strerror(errno));
        if (fclose(o->f) != 0 && rc == RS_OK)
            rc = rs_err_set(gen_err(w), RS_EIO, "cannot close %s: %s", o->path, strerror(errno));
        o->f = NULL;
    }
    free(o->buf);
    o->buf = NULL;
    return rc;
}

void gen_out_abort(gen_out *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    free(o->buf);
    o->buf = NULL;
}

char *gen_fmt_int(char *p, long long v)
{
    char tmp[24];
    int n = 0;
    unsigned long long u;
    if (v < 0) {
        *p++ = '-';
        u = 0ULL - (unsigned long long)v;
    } else {
        u = (unsigned long long)v;
    }
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n)
        *p++ = tmp[--n];
    return p;
}

char *gen_fmt_fixed(char *p, long long scaled, int decimals)
{
    unsigned long long u, div = 1;
    if (scaled < 0) {
        *p++ = '-';
        u = 0ULL - (unsigned long long)scaled;
    } else {
        u = (unsigned long long)scaled;
    }
    for (int i = 0; i < decimals; i++)
        div *= 10;
    p = gen_fmt_int(p, (long long)(u / div));
    if (decimals > 0) {
        unsigned long long frac = u % div;
        *p++ = '.';
        for (int i = decimals - 1; i >= 0; i--) {
            p[i] = (char)('0' + frac % 10);
            frac /= 10;
        }
        p += decimals;
    }
    return p;
}

char *gen_fmt_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

char *gen_fmt_2d(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

char *gen_fmt_utc(char *p, int64_t t)
{
    int64_t days = t >= 0 ? t / GEN_DAY : -((-t + GEN_DAY - 1) / GEN_DAY);
    int sod = (int)(t - days * GEN_DAY);
    int y, m, d;
    rs_civil_from_days(days, &y, &m, &d);
    p = gen_fmt_2d(p, y / 100);
    p = gen_fmt_2d(p, y % 100);
    *p++ = '-';
    p = gen_fmt_2d(p, m);
    *p++ = '-';
    p = gen_fmt_2d(p, d);
    *p++ = 'T';
    p = gen_fmt_2d(p, sod / 3600);
    *p++ = ':';
    p = gen_fmt_2d(p, sod / 60 % 60);
    *p++ = ':';
    p = gen_fmt_2d(p, sod % 60);
    *p++ = 'Z';
    return p;
}

char *gen_fmt_deg(char *p, double deg) { return gen_fmt_fixed(p, llround(deg * 1e6), 6); }

int gen_to_wgs(gen_world *w, double *x, double *y, size_t n)
{
    const size_t batch = 8192;
    for (size_t off = 0; off < n; off += batch) {
        size_t k = n - off < batch ? n - off : batch;
        size_t bad = rs_crs_trans(w->to_wgs, x + off, y + off, k);
        if (bad)
            return rs_err_set(gen_err(w), RS_ERR,
                              "PROJ could not transform %zu generated points to WGS84", bad);
    }
    return RS_OK;
}

int64_t gen_local(int y, int m, int d, int hh, int mm, int ss)
{
    return rs_london_to_utc(y, m, d, hh, mm, ss, NULL);
}
