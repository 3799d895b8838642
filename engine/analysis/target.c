/*
 * target.c — the KSI target, the trajectory, the Poisson trend and its
 * projection, the verdict, the stored target and the rates (target.h).
 *
 * The fit: iteratively reweighted least squares for the Poisson GLM with
 * log link and design (1, x - x0): weights mu, working response
 * eta + (y - mu) / mu, solved as a 2 x 2 system each step, to a relative
 * change in the deviance below 1e-12 (at most 100 steps).  The covariance
 * is (X' W X)^-1 at the final mu (dispersion 1), as a Poisson GLM in R or
 * statsmodels gives.
 */
#include "target.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stats.h"
#include "district.h"
#include "store.h"

#define Z95 1.96

/* ---- the spec ----------------------------------------------------------------- */

int rs_target_parse(const char *s, rs_target_spec *out)
{
    if (s == NULL)
        return -1;
    int b1, b2, y, n = 0;
    char pct[32];
    if (sscanf(s, "%4d-%4d:%31[0-9.]:%4d%n", &b1, &b2, pct, &y, &n) != 4 || s[n] != '\0')
        return -1;
    for (int i = 0; i < 9; i++)
        if (i != 4 && !isdigit((unsigned char)s[i]))
            return -1;
    char *end;
    errno = 0;
    double p = strtod(pct, &end);
    if (*end != '\0' || errno != 0 || !(p > 0 && p < 100))
        return -1;
    if (b1 < 1900 || b2 > 2200 || y > 2200 || b1 > b2 || y <= b2)
        return -1;
    out->base_from = b1;
    out->base_to = b2;
    out->pct = p;
    out->year = y;
    return 0;
}

void rs_target_format(const rs_target_spec *t, char *buf, size_t size)
{
    char p[32];
    snprintf(p, sizeof p, "%.2f", t->pct);
    char *e = p + strlen(p) - 1;
    while (*e == '0')
        *e-- = '\0';
    if (*e == '.')
        *e = '\0';
    snprintf(buf, size, "%d-%d:%s:%d", t->base_from, t->base_to, p, t->year);
}

/* ---- the stored target -------------------------------------------------------- */

typedef struct {
    rs_target_spec *out;
    int *found;
} target_row;

static int pg_target_row(void *user, int ncols, const char *const *v, const int *lens)
{
    (void)lens;
    target_row *t = user;
    if (ncols < 4 || !v[0] || !v[1] || !v[2] || !v[3])
        return 0;
    t->out->base_from = atoi(v[0]);
    t->out->base_to = atoi(v[1]);
    t->out->pct = strtod(v[2], NULL); /* the server's shortest exact text */
    t->out->year = atoi(v[3]);
    *t->found = 1;
    return 0;
}

int rs_target_load(rs_ctx *ctx, rs_target_spec *out, int *found)
{
    *found = 0;
    if (rs_store_backend(ctx) == RS_STORE_POSTGRESQL) {
        target_row t = {out, found};
        return rs_store_query_rows(ctx,
                                   "SELECT base_from, base_to, pct, year FROM "
                                   "roadsafe.ksi_target WHERE id = 1",
                                   pg_target_row, &t);
    }
    sqlite3 *db = rs_ctx_db(ctx);
    sqlite3_stmt *st = NULL;
    if (db == NULL ||
        sqlite3_prepare_v2(db, "SELECT base_from, base_to, pct, year FROM ksi_target WHERE id = 1",
                           -1, &st, NULL) != SQLITE_OK)
        return rs_store_fail(ctx, "read the KSI target");
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        out->base_from = sqlite3_column_int(st, 0);
        out->base_to = sqlite3_column_int(st, 1);
        out->pct = sqlite3_column_double(st, 2);
        out->year = sqlite3_column_int(st, 3);
        *found = 1;
        s = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? RS_OK : rs_store_fail(ctx, "read the KSI target");
}

/* One write in a transaction of its own, committed the one way every
 * write is (rs_store_commit marks the workspace's write-ahead log). */
static int in_transaction(rs_ctx *ctx, const char *sql, const char *what)
{
    int rc = rs_store_begin(ctx);
    if (rc == 0 && (rc = rs_store_exec(ctx, sql, what)) == 0)
        rc = rs_store_commit(ctx);
    if (rc != 0)
        rs_store_rollback(ctx);
    return rc;
}

int rs_target_save(rs_ctx *ctx, const rs_target_spec *t)
{
    char sql[256];
    if (rs_store_backend(ctx) == RS_STORE_POSTGRESQL)
        snprintf(sql, sizeof sql,
                 "INSERT INTO roadsafe.ksi_target(id, base_from, base_to, pct, year) "
                 "VALUES (1, %d, %d, %.17g, %d) ON CONFLICT (id) DO UPDATE SET "
                 "base_from = excluded.base_from, base_to = excluded.base_to, "
                 "pct = excluded.pct, year = excluded.year",
                 t->base_from, t->base_to, t->pct, t->year);
    else
        snprintf(sql, sizeof sql,
                 "INSERT OR REPLACE INTO ksi_target(id, base_from, base_to, pct, year) "
                 "VALUES (1, %d, %d, %.17g, %d)",
                 t->base_from, t->base_to, t->pct, t->year);
    return in_transaction(ctx, sql, "save the KSI target");
}

int rs_target_clear(rs_ctx *ctx)
{
    return in_transaction(ctx,
                          rs_store_backend(ctx) == RS_STORE_POSTGRESQL
                              ? "DELETE FROM roadsafe.ksi_target"
                              : "DELETE FROM ksi_target",
                          "clear the KSI target");
}

/* ---- the Poisson fit ---------------------------------------------------------- */

int rs_poisson_loglin(rs_err *e, size_t n, const double *x, const double *y, rs_poisson_fit *out)
{
    memset(out, 0, sizeof *out);
    double sx = 0, sy = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(y[i] >= 0))
            return rs_err_set(e, RS_EUSAGE, "trend: a count is negative or missing");
        sx += x[i];
        sy += y[i];
    }
    if (n < 2)
        return rs_err_set(e, RS_EUSAGE, "trend: at least 2 years are needed");
    if (!(sy > 0))
        return rs_err_set(e, RS_EUSAGE, "trend: no KSI in the trend years");
    double x0 = sx / (double)n, sxx = 0;
    for (size_t i = 0; i < n; i++)
        sxx += (x[i] - x0) * (x[i] - x0);
    if (!(sxx > 0))
        return rs_err_set(e, RS_EUSAGE, "trend: the years are all the same");
    /* start: least squares of log(y + 0.5) */
    double a = 0, b = 0;
    for (size_t i = 0; i < n; i++) {
        a += log(y[i] + 0.5);
        b += (x[i] - x0) * log(y[i] + 0.5);
    }
    a /= (double)n;
    b /= sxx;
    double dev_old = INFINITY, w00 = 0, w01 = 0, w11 = 0;
    int it;
    for (it = 1; it <= 100; it++) {
        double r0 = 0, r1 = 0;
        w00 = w01 = w11 = 0;
        for (size_t i = 0; i < n; i++) {
            double d = x[i] - x0, eta = a + b * d, mu = exp(eta);
            double z = eta + (y[i] - mu) / mu;
            w00 += mu;
            w01 += mu * d;
            w11 += mu * d * d;
            r0 += mu * z;
            r1 += mu * d * z;
        }
        double det = w00 * w11 - w01 * w01;
        if (!(det > 0) || !isfinite(det))
            return rs_err_set(e, RS_EUSAGE, "trend: the fit does not converge");
        a = (w11 * r0 - w01 * r1) / det;
        b = (w00 * r1 - w01 * r0) / det;
        double dev = 0;
        for (size_t i = 0; i < n; i++) {
            double mu = exp(a + b * (x[i] - x0));
            dev += 2 * ((y[i] > 0 ? y[i] * log(y[i] / mu) : 0) - (y[i] - mu));
        }
        if (fabs(dev - dev_old) <= 1e-12 * (fabs(dev) + 0.1))
            break;
        dev_old = dev;
    }
    /* the information at the final estimate */
    w00 = w01 = w11 = 0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - x0, mu = exp(a + b * d);
        w00 += mu;
        w01 += mu * d;
        w11 += mu * d * d;
    }
    double det = w00 * w11 - w01 * w01;
    if (!(det > 0) || !isfinite(a) || !isfinite(b))
        return rs_err_set(e, RS_EUSAGE, "trend: the fit does not converge");
    out->x0 = x0;
    out->a = a;
    out->b = b;
    out->cov[0][0] = w11 / det;
    out->cov[0][1] = out->cov[1][0] = -w01 / det;
    out->cov[1][1] = w00 / det;
    out->iterations = it;
    return RS_OK;
}

void rs_poisson_predict(const rs_poisson_fit *f, double x, double *mu, double *low, double *high)
{
    double d = x - f->x0, eta = f->a + f->b * d;
    double var = f->cov[0][0] + 2 * d * f->cov[0][1] + d * d * f->cov[1][1];
    double se = sqrt(var > 0 ? var : 0);
    *mu = exp(eta);
    *low = exp(eta - Z95 * se);
    *high = exp(eta + Z95 * se);
}

/* ---- baseline, trajectory, trend, projection, verdict ------------------------ */

double rs_target_trajectory(const rs_target_result *r, double t)
{
    if (t < r->mid - 1e-9 || t > r->spec.year + 1e-9)
        return NAN;
    return r->baseline + (r->target - r->baseline) * (t - r->mid) / ((double)r->spec.year - r->mid);
}

void rs_target_result_free(rs_target_result *r)
{
    if (r == NULL)
        return;
    free(r->years);
    free(r->proj);
    free(r);
}

int rs_target_compute(rs_err *e, const rs_target_spec *spec, int trend_years, size_t n,
                      const int *years, const double *ksi, rs_target_result **out)
{
    *out = NULL;
    if (trend_years < 2)
        return rs_err_set(e, RS_EUSAGE, "--trend-years is at least 2");
    /* the baseline: every year complete */
    double sum = 0;
    for (int y = spec->base_from; y <= spec->base_to; y++) {
        size_t i = n;
        for (size_t k = 0; k < n; k++)
            if (years[k] == y)
                i = k;
        if (i == n || isnan(ksi[i])) {
            char span[64] = "no complete year";
            size_t f = n, l = n;
            for (size_t k = 0; k < n; k++)
                if (!isnan(ksi[k])) {
                    if (f == n)
                        f = k;
                    l = k;
                }
            if (f < n)
                snprintf(span, sizeof span, "complete years %d to %d", years[f], years[l]);
            return rs_err_set(e, RS_EUSAGE,
                              "target: baseline year %d is not wholly in the data (%s)", y, span);
        }
        sum += ksi[i];
    }
    /* the trend years: the last N complete years */
    size_t last = n;
    for (size_t k = n; k-- > 0;)
        if (!isnan(ksi[k])) {
            last = k;
            break;
        }
    size_t first = last;
    while (last < n && first > 0 && (int)(last - first + 1) < trend_years && !isnan(ksi[first - 1]))
        first--;
    if (last == n || last == first)
        return rs_err_set(e, RS_EUSAGE, "target: the trend needs at least 2 complete years");

    rs_target_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return rs_err_set(e, RS_ENOMEM, "out of memory");
    r->spec = *spec;
    r->trend_years = trend_years;
    r->baseline = sum / (double)(spec->base_to - spec->base_from + 1);
    r->target = r->baseline * (1 - spec->pct / 100);
    r->mid = (spec->base_from + spec->base_to) / 2.0;
    r->fit_from = years[first];
    r->fit_to = years[last];
    size_t nf = last - first + 1;
    double xs[256], ys[256];
    if (nf > 256)
        nf = 256, first = last - 255;
    for (size_t k = 0; k < nf; k++) {
        xs[k] = years[first + k];
        ys[k] = ksi[first + k];
    }
    int rc = rs_poisson_loglin(e, nf, xs, ys, &r->fit);
    if (rc != RS_OK) {
        free(r);
        return rc;
    }
    double se_b = sqrt(r->fit.cov[1][1]);
    r->change = exp(r->fit.b) - 1;
    r->change_low = exp(r->fit.b - Z95 * se_b) - 1;
    r->change_high = exp(r->fit.b + Z95 * se_b) - 1;

    int ylast = years[last];
    int yend = spec->year > ylast ? spec->year : ylast;
    r->nyears = n;
    r->nproj = (size_t)(yend - ylast + 1);
    r->years = calloc(n ? n : 1, sizeof *r->years);
    r->proj = calloc(r->nproj, sizeof *r->proj);
    if (r->years == NULL || r->proj == NULL) {
        rs_target_result_free(r);
        return rs_err_set(e, RS_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        rs_target_year *w = &r->years[k];
        double lo, hi;
        w->year = years[k];
        w->ksi = ksi[k];
        w->target_ksi = rs_target_trajectory(r, years[k]);
        w->trend_ksi = NAN;
        if (k >= first && k <= last)
            rs_poisson_predict(&r->fit, years[k], &w->trend_ksi, &lo, &hi);
    }
    for (size_t k = 0; k < r->nproj; k++) {
        rs_target_proj *p = &r->proj[k];
        p->year = ylast + (int)k;
        rs_poisson_predict(&r->fit, p->year, &p->trend, &p->low, &p->high);
        p->target_ksi = rs_target_trajectory(r, p->year);
    }
    rs_poisson_predict(&r->fit, spec->year, &r->y_trend, &r->y_low, &r->y_high);
    r->state = r->y_high <= r->target  ? RS_TARGET_ON_TRACK
               : r->y_low > r->target ? RS_TARGET_OFF_TRACK
                                      : RS_TARGET_CANNOT_TELL;
    *out = r;
    return RS_OK;
}

/* ---- exposures ------------------------------------------------------------------ */

typedef struct xrow {
    char *district;
    int year;
    double value;
} xrow;

struct rs_exposure {
    char *path;
    char col[32];
    size_t n;
    xrow *rows;
};

void rs_exposure_free(rs_exposure *x)
{
    if (x == NULL)
        return;
    for (size_t i = 0; i < x->n; i++)
        free(x->rows[i].district);
    free(x->rows);
    free(x->path);
    free(x);
}

int rs_exposure_make(rs_ctx *ctx, const char *name, const char *value_col, size_t n,
                     const char *const *district, const int *year, const double *value,
                     rs_exposure **out)
{
    *out = NULL;
    rs_exposure *x = calloc(1, sizeof *x);
    if (x == NULL || (x->path = strdup(name)) == NULL ||
        (x->rows = calloc(n ? n : 1, sizeof *x->rows)) == NULL) {
        rs_exposure_free(x);
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    }
    snprintf(x->col, sizeof x->col, "%s", value_col);
    for (size_t i = 0; i < n; i++) {
        if ((x->rows[i].district = strdup(district[i])) == NULL) {
            rs_exposure_free(x);
            return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        }
        x->rows[i].year = year[i];
        x->rows[i].value = value[i];
        x->n++;
    }
    *out = x;
    return RS_OK;
}

static const xrow *find(const rs_exposure *x, const char *district, int year)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->rows[i].year == year && strcasecmp(x->rows[i].district, district) == 0)
            return &x->rows[i];
    return NULL;
}

int rs_exposure_get(rs_ctx *ctx, const rs_exposure *x, const char *district,
                    const char *const *names, size_t nnames, int year, double *out)
{
    rs_err *e = rs_ctx_err(ctx);
    *out = 0;
    if (district != NULL) {
        const xrow *w = find(x, district, year);
        if (w == NULL)
            return rs_err_set(e, RS_EINPUT, "%s: no %s for district '%s' in %d", x->path, x->col,
                              district, year);
        *out = w->value;
        return RS_OK;
    }
    if (nnames > 0) {
        for (size_t i = 0; i < nnames; i++) {
            const xrow *w = find(x, names[i], year);
            if (w == NULL)
                return rs_err_set(e, RS_EINPUT, "%s: no %s for district '%s' in %d", x->path,
                                  x->col, names[i], year);
            *out += w->value;
        }
        return RS_OK;
    }
    int any = 0;
    for (size_t i = 0; i < x->n; i++)
        if (x->rows[i].year == year) {
            *out += x->rows[i].value;
            any = 1;
        }
    if (!any)
        return rs_err_set(e, RS_EINPUT, "%s: no %s for any district in %d", x->path, x->col, year);
    return RS_OK;
}

void rs_rate_ci(double k, double exposure, double scale, double *rate, double *low, double *high)
{
    double kr = floor(k + 0.5);
    rs_ci ci = rs_poisson_ci(kr < 0 ? 0 : (unsigned long)kr, 0.05);
    *rate = k / exposure * scale;
    *low = ci.low / exposure * scale;
    *high = ci.high / exposure * scale;
}

/* ---- on the workspace ---------------------------------------------------------- */

int rs_target_run(rs_ctx *ctx, const rs_ksi_opts *ko, const rs_target_spec *spec,
                  int trend_years, rs_target_result **out)
{
    *out = NULL;
    rs_ksi_opts o;
    memset(&o, 0, sizeof o);
    o.by = RS_KSI_YEAR;
    o.financial = ko->financial;
    o.adjusted = ko->adjusted;
    o.collisions = ko->collisions;
    o.involving = ko->involving; /* the same collisions as the table beside it */
    o.from_month = -1;
    o.to_month = ko->to_month;
    rs_ksi_result *k = NULL;
    int rc = rs_ksi_run(ctx, &o, &k);
    if (rc != RS_OK)
        return rc;
    if (k->nrows == 0) {
        rs_ksi_result_free(k);
        return rs_err_set(rs_ctx_err(ctx), RS_EUSAGE,
                          "target: no KSI data in the workspace (roadsafe ingest stats19 ...)");
    }
    int *years = malloc(k->nrows * sizeof *years);
    double *ksi = malloc(k->nrows * sizeof *ksi);
    if (years == NULL || ksi == NULL) {
        rc = rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    } else {
        for (size_t i = 0; i < k->nrows; i++) {
            years[i] = k->rows[0].period + (int)i;
            ksi[i] = NAN;
        }
        for (size_t i = 0; i < k->nrows; i++) {
            const rs_ksi_row *w = &k->rows[i];
            size_t j = (size_t)(w->period - k->rows[0].period);
            int end = rs_ksi_period_first_month(RS_KSI_YEAR, o.financial, w->period + 1) - 1;
            if (j < k->nrows && w->state != RS_KSI_NO_DATA && w->state != RS_KSI_PARTIAL &&
                (ko->to_month < 0 || end <= ko->to_month))
                ksi[j] = w->ksi;
        }
        rc = rs_target_compute(rs_ctx_err(ctx), spec, trend_years, k->nrows, years, ksi, out);
    }
    free(years);
    free(ksi);
    rs_ksi_result_free(k);
    return rc;
}

int rs_ksi_rates(rs_ctx *ctx, const rs_ksi_result *r, const rs_exposure *x, double scale,
                 double *expo, double *rate, double *low, double *high)
{
    rs_districts *d = NULL;
    int rc = rs_store_districts_read(ctx, &d);
    if (rc != RS_OK)
        return rc;
    size_t nd = d ? rs_districts_count(d) : 0;
    const char **names = calloc(nd ? nd : 1, sizeof *names);
    if (names == NULL) {
        rs_districts_free(d);
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < nd; i++)
        names[i] = rs_districts_name(d, i);
    for (size_t i = 0; i < r->nrows && rc == RS_OK; i++) {
        const rs_ksi_row *w = &r->rows[i];
        expo[i] = rate[i] = low[i] = high[i] = NAN;
        if (w->state == RS_KSI_NO_DATA || w->state == RS_KSI_PARTIAL)
            continue;
        const char *g = r->opts.split == RS_KSI_SPLIT_DISTRICT ? r->groups[w->group] : NULL;
        if (g && g[0] == '(')
            continue;
        double e = 0;
        if ((rc = rs_exposure_get(ctx, x, g, names, nd, w->period, &e)) != RS_OK)
            break;
        expo[i] = e;
        rs_rate_ci(w->ksi, e, scale, &rate[i], &low[i], &high[i]);
    }
    free(names);
    rs_districts_free(d);
    return rc;
}
