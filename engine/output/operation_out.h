/*
 * operation_out.h — the community map of one weekend operation (its
 * figures from analysis/operation.h).
 */
#ifndef RS_OPERATION_OUT_H
#define RS_OPERATION_OUT_H

#include <stddef.h>

#include "context.h"
#include "ctx.h"
#include "operation.h"

/* The community map (PNG): patrol presence per cell inside the district,
 * detection sites marked (TRUCAM and other devices), district boundaries
 * with names, legend, title and subtitle. */
int rs_operation_map(rs_ctx *ctx, const rs_op_result *r, const rs_op_opts *o,
                     const rs_context_layer *const *context, size_t ncontext, const char *path);

#endif
