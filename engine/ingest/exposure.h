/*
 * exposure.h — reads an exposure file for KSI rates: CSV
 * district,year,VALUE (VALUE "population", as ONS mid-year estimates, or
 * "vehicle_km", as DfT traffic estimates), through the one CSV reader
 * (csv.h).  Columns by name in any order, other columns ignored; years
 * 1900-2200; values positive.  A bad record, a repeated district-year or
 * a missing column refuses the whole file (RS_EINPUT naming the file and
 * the line): a rate from half a file would mislead.
 */
#ifndef RS_EXPOSURE_H
#define RS_EXPOSURE_H

#include <stddef.h>

#include "rs_err.h"

typedef struct rs_exposure_rows {
    size_t n;
    char **district;
    int *year;
    double *value;
} rs_exposure_rows;

int rs_exposure_read(rs_err *e, const char *path, const char *value_col, rs_exposure_rows *out);
void rs_exposure_rows_free(rs_exposure_rows *r);

#endif
