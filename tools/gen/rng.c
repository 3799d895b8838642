/*
 * rng.c — the seeded pseudo-random generator of roadsafe-gen.
 *
 * What: xoshiro256** (Blackman & Vigna) with its 256-bit state filled by
 * splitmix64 from (seed, stream), so every output file draws from its own
 * reproducible stream.  No rand(), no time(), no addresses: the same seed
 * gives the same numbers on every machine.
 *
 * Data structure: gen_rng, four 64-bit words.
 * Workload: tens of millions of draws per run at scale 100; everything here
 * is a few instructions, the distributions call log/sqrt/cos once a draw.
 */
#include <math.h>

#include "gen.h"

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t gen_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t splitmix64(uint64_t *state)
{
    *state += 0x9e3779b97f4a7c15ULL;
    return gen_mix64(*state);
}

void gen_rng_init(gen_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t st = gen_mix64(seed ^ 0x5ad0e6e1c0de2024ULL) ^ gen_mix64(stream * 0xd1342543de82ef95ULL + 1);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&st);
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 1; /* the all-zero state is the one xoshiro must avoid */
}

uint64_t gen_rng_u64(gen_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double gen_rng_unif(gen_rng *r) { return (double)(gen_rng_u64(r) >> 11) * 0x1.0p-53; }

double gen_rng_range(gen_rng *r, double a, double b) { return a + (b - a) * gen_rng_unif(r); }

uint32_t gen_rng_below(gen_rng *r, uint32_t n)
{
    /* Lemire's multiply-shift with rejection: exact, no modulo bias. */
    uint64_t m = (uint64_t)(uint32_t)(gen_rng_u64(r) >> 32) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (uint64_t)(uint32_t)(gen_rng_u64(r) >> 32) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

double gen_rng_normal(gen_rng *r)
{
    /* Box-Muller, one value per call (the second is dropped so that the
     * stream position never depends on a hidden cache). */
    double u1 = 1.0 - gen_rng_unif(r); /* (0, 1] */
    double u2 = gen_rng_unif(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

double gen_rng_exp(gen_rng *r, double mean) { return -mean * log(1.0 - gen_rng_unif(r)); }

int gen_rng_poisson(gen_rng *r, double mean)
{
    if (mean <= 0)
        return 0;
    if (mean < 40) {
        double l = exp(-mean), p = 1.0;
        int k = 0;
        do {
            k++;
            p *= gen_rng_unif(r);
        } while (p > l);
        return k - 1;
    }
    double v = floor(mean + sqrt(mean) * gen_rng_normal(r) + 0.5);
    return v < 0 ? 0 : (int)v;
}

int gen_rng_chance(gen_rng *r, double p) { return gen_rng_unif(r) < p; }

int gen_rng_pick(gen_rng *r, const double *w, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += w[i];
    double u = gen_rng_unif(r) * sum;
    for (int i = 0; i < n; i++) {
        if (u < w[i])
            return i;
        u -= w[i];
    }
    for (int i = n - 1; i >= 0; i--) /* rounding left u past the end */
        if (w[i] > 0)
            return i;
    return 0;
}
