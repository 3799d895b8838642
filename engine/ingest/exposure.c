/*
 * exposure.c — the exposure file reader (exposure.h).
 */
#include "exposure.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"

void rs_exposure_rows_free(rs_exposure_rows *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->district[i]);
    free(r->district);
    free(r->year);
    free(r->value);
    memset(r, 0, sizeof *r);
}

int rs_exposure_read(rs_err *e, const char *path, const char *value_col, rs_exposure_rows *out)
{
    memset(out, 0, sizeof *out);
    rs_csv *c = NULL;
    int rc = rs_csv_open(e, path, NULL, &c);
    if (rc != RS_OK)
        return rc;
    int cd = rs_csv_col(c, "district"), cy = rs_csv_col(c, "year"), cv = rs_csv_col(c, value_col);
    size_t cap = 0;
    if (cd < 0 || cy < 0 || cv < 0) {
        rc = rs_err_set(e, RS_EINPUT, "%s: the header lacks %s (want district,year,%s)", path,
                        cd < 0 ? "district" : cy < 0 ? "year" : value_col, value_col);
        goto done;
    }
    for (;;) {
        int s = rs_csv_next(c, e);
        if (s < 0) {
            rc = s;
            goto done;
        }
        if (s == 0)
            break;
        long ln = rs_csv_line(c);
        const char *problem = rs_csv_record_problem(c);
        if (problem) {
            rc = rs_err_set(e, RS_EINPUT, "%s:%ld: %s", path, ln, problem);
            goto done;
        }
        const char *d = rs_csv_field(c, (size_t)cd, NULL);
        const char *ys = rs_csv_field(c, (size_t)cy, NULL);
        const char *vs = rs_csv_field(c, (size_t)cv, NULL);
        char *end1, *end2;
        errno = 0;
        long yr = strtol(ys, &end1, 10);
        double v = strtod(vs, &end2);
        if (*d == '\0' || *ys == '\0' || *end1 != '\0' || yr < 1900 || yr > 2200 ||
            *vs == '\0' || *end2 != '\0' || errno != 0 || !(v > 0) || !isfinite(v)) {
            rc = rs_err_set(e, RS_EINPUT,
                            "%s:%ld: want a district, a year 1900-2200 and a positive %s", path,
                            ln, value_col);
            goto done;
        }
        for (size_t i = 0; i < out->n; i++)
            if (out->year[i] == yr && strcasecmp(out->district[i], d) == 0) {
                rc = rs_err_set(e, RS_EINPUT, "%s:%ld: %s %ld appears twice", path, ln, d, yr);
                goto done;
            }
        if (out->n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **nd = realloc(out->district, nc * sizeof *nd);
            if (nd)
                out->district = nd;
            int *ny = realloc(out->year, nc * sizeof *ny);
            if (ny)
                out->year = ny;
            double *nv = realloc(out->value, nc * sizeof *nv);
            if (nv)
                out->value = nv;
            if (nd == NULL || ny == NULL || nv == NULL) {
                rc = rs_err_set(e, RS_ENOMEM, "out of memory");
                goto done;
            }
            cap = nc;
        }
        if ((out->district[out->n] = strdup(d)) == NULL) {
            rc = rs_err_set(e, RS_ENOMEM, "out of memory");
            goto done;
        }
        out->year[out->n] = (int)yr;
        out->value[out->n] = v;
        out->n++;
    }
done:
    rs_csv_close(c);
    if (rc != RS_OK)
        rs_exposure_rows_free(out);
    return rc;
}
