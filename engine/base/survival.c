/*
 * survival.c — Kaplan–Meier and log-rank (see survival.h).
 *
 * Both walk the time-sorted observations once, one distinct time at a
 * time: the events d at that time are counted against the r subjects
 * still at risk (everyone whose time is >= it), then every subject with
 * that time leaves the risk set.  The log-rank variance matrix is at most
 * RS_SURV_MAX_GROUPS square and is solved by Gaussian elimination with
 * partial pivoting.
 */
#include "survival.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_obs(const void *a, const void *b)
{
    const rs_surv_obs *p = a, *q = b;
    if (p->time != q->time)
        return p->time < q->time ? -1 : 1;
    if (p->event != q->event)
        return p->event > q->event ? -1 : 1;
    return (p->group > q->group) - (p->group < q->group);
}

void rs_surv_sort(rs_surv_obs *obs, size_t n)
{
    if (n > 1)
        qsort(obs, n, sizeof *obs, cmp_obs);
}

void rs_km_free(rs_km *km)
{
    if (km == NULL)
        return;
    free(km->t);
    free(km->s);
    free(km->gw);
    free(km);
}

int rs_km_fit(rs_ctx *ctx, const rs_surv_obs *obs, size_t n, int group, rs_km **out)
{
    *out = NULL;
    rs_km *km = calloc(1, sizeof *km);
    if (km == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (Kaplan-Meier)");
    size_t at_risk = 0, distinct = 0;
    double last = NAN;
    for (size_t i = 0; i < n; i++) {
        if (group >= 0 && obs[i].group != group)
            continue;
        at_risk++;
        if (obs[i].event && !(obs[i].time == last)) {
            distinct++;
            last = obs[i].time;
        }
    }
    km->subjects = at_risk;
    km->t_max = NAN;
    if (distinct) {
        km->t = malloc(distinct * sizeof *km->t);
        km->s = malloc(distinct * sizeof *km->s);
        km->gw = malloc(distinct * sizeof *km->gw);
        if (km->t == NULL || km->s == NULL || km->gw == NULL) {
            rs_km_free(km);
            return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory (Kaplan-Meier)");
        }
    }
    double s = 1, gw = 0;
    size_t i = 0;
    while (i < n) {
        double t = obs[i].time;
        size_t d = 0, leave = 0;
        for (; i < n && obs[i].time == t; i++) {
            if (group >= 0 && obs[i].group != group)
                continue;
            leave++;
            d += obs[i].event != 0;
        }
        if (leave == 0)
            continue;
        km->t_max = t;
        if (d > 0) {
            double r = (double)at_risk;
            s *= (r - (double)d) / r;
            gw = (double)d < r ? gw + (double)d / (r * (r - (double)d)) : INFINITY;
            km->t[km->n] = t;
            km->s[km->n] = s;
            km->gw[km->n] = gw;
            km->n++;
            km->events += d;
        }
        at_risk -= leave;
    }
    *out = km;
    return RS_OK;
}

/* Index of the last event time <= t, or -1. */
static long last_at_or_before(const rs_km *km, double t)
{
    size_t lo = 0, hi = km->n; /* first index with time > t */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (km->t[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (long)lo - 1;
}

double rs_km_surv(const rs_km *km, double t, double *se)
{
    if (se)
        *se = NAN;
    if (km == NULL || km->subjects == 0 || t < 0)
        return NAN;
    long i = last_at_or_before(km, t);
    double s = i < 0 ? 1.0 : km->s[i];
    double gw = i < 0 ? 0.0 : km->gw[i];
    if (t > km->t_max && s > 0)
        return NAN;
    if (se)
        *se = s > 0 ? s * sqrt(gw) : 0.0;
    return s;
}

double rs_km_cum(const rs_km *km, double t, double alpha, rs_ci *ci)
{
    ci->low = ci->high = NAN;
    double se;
    double s = rs_km_surv(km, t, &se);
    if (isnan(s))
        return NAN;
    if (s >= 1) {
        ci->low = ci->high = 0;
        return 0;
    }
    if (s <= 0) {
        ci->low = ci->high = 1;
        return 1;
    }
    double ls = log(s);
    double se_ll = se / (s * fabs(ls)); /* sqrt(gw) / |log S| */
    double z = rs_norm_q(1 - alpha / 2);
    double s_low = pow(s, exp(z * se_ll));   /* S^exp(+z se) is the lower S */
    double s_high = pow(s, exp(-z * se_ll));
    ci->low = 1 - s_high;
    ci->high = 1 - s_low;
    return 1 - s;
}

/* Solves A x = b in place (A m x m, row-major); 0, or -1 when singular. */
static int solve(double *a, double *b, size_t m)
{
    double scale = 0;
    for (size_t i = 0; i < m * m; i++)
        scale = fmax(scale, fabs(a[i]));
    if (scale == 0)
        return -1;
    for (size_t c = 0; c < m; c++) {
        size_t p = c;
        for (size_t r = c + 1; r < m; r++)
            if (fabs(a[r * m + c]) > fabs(a[p * m + c]))
                p = r;
        if (fabs(a[p * m + c]) <= 1e-12 * scale)
            return -1;
        if (p != c) {
            for (size_t j = 0; j < m; j++) {
                double tmp = a[c * m + j];
                a[c * m + j] = a[p * m + j];
                a[p * m + j] = tmp;
            }
            double tmp = b[c];
            b[c] = b[p];
            b[p] = tmp;
        }
        for (size_t r = c + 1; r < m; r++) {
            double f = a[r * m + c] / a[c * m + c];
            for (size_t j = c; j < m; j++)
                a[r * m + j] -= f * a[c * m + j];
            b[r] -= f * b[c];
        }
    }
    for (size_t c = m; c-- > 0;) {
        double v = b[c];
        for (size_t j = c + 1; j < m; j++)
            v -= a[c * m + j] * b[j];
        b[c] = v / a[c * m + c];
    }
    return 0;
}

int rs_logrank(rs_ctx *ctx, const rs_surv_obs *obs, size_t n, size_t k, rs_logrank_result *out)
{
    enum { G = RS_SURV_MAX_GROUPS };
    memset(out, 0, sizeof *out);
    out->chisq = out->p = NAN;
    if (k == 0 || k > G)
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "log-rank: %zu groups (1 to %d)", k, G);
    double at_risk[G] = {0};
    for (size_t i = 0; i < n; i++) {
        if (obs[i].group >= k)
            return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE, "log-rank: group %u of %zu",
                              (unsigned)obs[i].group, k);
        out->subjects[obs[i].group]++;
        at_risk[obs[i].group] += 1;
    }
    /* The groups that enter the test: those with subjects. */
    size_t map[G], m = 0;
    for (size_t g = 0; g < k; g++)
        if (out->subjects[g])
            map[m++] = g;
    out->df = m > 0 ? (int)m - 1 : 0;
    double u[G] = {0}, v[G * G] = {0};
    size_t i = 0;
    while (i < n) {
        double t = obs[i].time;
        double d[G] = {0}, leave[G] = {0}, dtot = 0;
        for (; i < n && obs[i].time == t; i++) {
            leave[obs[i].group] += 1;
            if (obs[i].event) {
                d[obs[i].group] += 1;
                dtot += 1;
            }
        }
        if (dtot > 0) {
            double r = 0;
            for (size_t g = 0; g < k; g++)
                r += at_risk[g];
            for (size_t a = 0; a < m; a++) {
                size_t ga = map[a];
                double e = dtot * at_risk[ga] / r;
                out->observed[ga] += d[ga];
                out->expected[ga] += e;
                u[a] += d[ga] - e;
                if (r > 1) {
                    double f = dtot * (r - dtot) / (r - 1);
                    for (size_t b = 0; b < m; b++) {
                        double pb = at_risk[map[b]] / r;
                        v[a * m + b] += f * (at_risk[ga] / r) * ((a == b ? 1.0 : 0.0) - pb);
                    }
                }
            }
        }
        for (size_t g = 0; g < k; g++)
            at_risk[g] -= leave[g];
    }
    if (m < 2)
        return RS_OK;
    /* Drop the last group: U and V of the first m - 1 determine the test. */
    size_t q = m - 1;
    double a[G * G] = {0}, b[G] = {0}, u0[G] = {0};
    for (size_t r = 0; r < q; r++) {
        b[r] = u0[r] = u[r];
        for (size_t c = 0; c < q; c++)
            a[r * q + c] = v[r * m + c];
    }
    if (solve(a, b, q) != 0)
        return RS_OK;
    double chisq = 0;
    for (size_t r = 0; r < q; r++)
        chisq += u0[r] * b[r];
    out->chisq = chisq;
    out->p = rs_chisq_p(chisq, (double)out->df);
    return RS_OK;
}
