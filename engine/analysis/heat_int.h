/*
 * heat_int.h — private to engine/analysis: what heat.c (grids) and
 * heat_kde.c (kernel density) share.
 */
#ifndef RS_HEAT_INT_H
#define RS_HEAT_INT_H

#include <stddef.h>

/* Bytes the per-ping working arrays of one heat map may take before it
 * switches to a bounded-memory pass plan: 128 MB, or
 * ROADSAFE_HEAT_MEMORY_KB when set (a tuning knob; tests set it small to
 * run the bounded plan on small data).  The results do not depend on it. */
size_t rs_heat_budget(void);

#endif
