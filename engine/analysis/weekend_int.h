/*
 * weekend_int.h — private to engine/analysis: what weekend.c (scores) and
 * weekend_plan.c (the plan) share.
 */
#ifndef RS_WEEKEND_INT_H
#define RS_WEEKEND_INT_H

#include "weekend.h"

/* The part that contributes most to district d's base (its name for a
 * reason, "speeding", "harm" or "concerns"), and its index in *index. */
const char *rs_weekend_lead_part(const rs_weekend_scores *s, const rs_weekend_district *d,
                                 double *index);

#endif
