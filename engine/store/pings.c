/*
 * pings.c — packed ping records (layout in pings.h).
 */
#include "pings.h"

static void put32(unsigned char *o, uint32_t v)
{
    o[0] = (unsigned char)v;
    o[1] = (unsigned char)(v >> 8);
    o[2] = (unsigned char)(v >> 16);
    o[3] = (unsigned char)(v >> 24);
}

static void put16(unsigned char *o, uint16_t v)
{
    o[0] = (unsigned char)v;
    o[1] = (unsigned char)(v >> 8);
}

static uint32_t get32(const unsigned char *i)
{
    return (uint32_t)i[0] | (uint32_t)i[1] << 8 | (uint32_t)i[2] << 16 | (uint32_t)i[3] << 24;
}

static uint16_t get16(const unsigned char *i)
{
    return (uint16_t)(i[0] | i[1] << 8);
}

void rs_ping_encode(const rs_ping *p, int64_t t_min, unsigned char *out)
{
    put32(out, (uint32_t)(p->t - t_min));
    put32(out + 4, (uint32_t)p->e);
    put32(out + 8, (uint32_t)p->n);
    put16(out + 12, p->speed);
    out[14] = p->limit;
    out[15] = 0;
    put16(out + 16, (uint16_t)p->district);
    put16(out + 18, p->vehicle);
}

int rs_ping_chunk_pack(const rs_ping *p, size_t n, unsigned char *blob, int64_t *t_min,
                       int64_t *t_max)
{
    int64_t lo = n ? p[0].t : 0, hi = lo;
    for (size_t i = 1; i < n; i++) {
        lo = p[i].t < lo ? p[i].t : lo;
        hi = p[i].t > hi ? p[i].t : hi;
    }
    if (hi - lo > (int64_t)UINT32_MAX)
        return -1;
    for (size_t i = 0; i < n; i++)
        rs_ping_encode(&p[i], lo, blob + i * RS_PING_BYTES);
    *t_min = lo;
    *t_max = hi;
    return 0;
}

void rs_ping_decode(const unsigned char *in, int64_t t_min, rs_ping *p)
{
    p->t = t_min + (int64_t)get32(in);
    p->e = (int32_t)get32(in + 4);
    p->n = (int32_t)get32(in + 8);
    p->speed = get16(in + 12);
    p->limit = in[14];
    p->district = (int16_t)get16(in + 16);
    p->vehicle = get16(in + 18);
}
