/*
 * report.h — the quarterly board pack of the road safety partnership: one
 * self-contained HTML file (CSS inline, images embedded as base64 data:
 * URIs, no script, no external request) that prints on A4.
 *
 * Sections, in order (each an <h2>; parts within a section are <h3>):
 *   1. KSI headline: the quarter against the same quarter a year earlier
 *      (fatal, serious, KSI, slight, all casualties, KSI collisions, the
 *      rolling 12 months, severity-adjusted KSI), each with its exact 95%
 *      Poisson interval, the exact conditional test and a verdict in words
 *      (engine/ksi);
 *   2. the KSI trend over the 12 quarters ending with the quarter, with the
 *      interval as a band and the year-earlier line (engine/chart);
 *   3. the districts: KSI against a year earlier with its verdict, all
 *      casualties, detections (TRUCAM, GATSO, all) and concerns in the
 *      quarter;
 *   4. the weekend heat map: the share of weekend telematics pings at or
 *      over the enforcement threshold in 1 km squares, cells with fewer
 *      than 10 pings withheld (engine/heat, heat_out), and its top cells;
 *   5. reoffending after TRUCAM against GATSO detections: vehicles first
 *      detected in the 12 months ending a year before the quarter's end,
 *      followed to the quarter's end; rates, comparisons, Kaplan-Meier
 *      curves (engine/reoffend);
 *   6. the coming quarter's weekend plan: a ranked plan for every weekend of
 *      the next quarter from scores looking back to the quarter's end, a
 *      map of the scores and the ranking with every part (engine/weekend);
 *   7. data quality: files and rejected rows by kind and reason,
 *      collisions without a location, and each source's rows per month over
 *      the 12 months ending with the quarter.
 *
 * Only data up to the quarter's end is used (rejects and the title block's
 * workspace facts are workspace-wide).  The output carries no wall-clock
 * time: the same workspace and options give byte-identical files.
 *
 * Workload: a handful of grouped SQL counts, four KSI runs, one streaming
 * scan of the year's telematics, one of the quarter's weekend pings, one
 * reoffending run, one weekend scoring; a couple of seconds on the sample
 * county.  Images are drawn
 * into a private temporary directory (mkdtemp), read back, embedded and
 * removed with the directory.
 */
#ifndef RS_REPORT_H
#define RS_REPORT_H

#include <stddef.h>

#include "context.h"
#include "ctx.h"

typedef struct rs_report_opts {
    int first_month;               /* the quarter's first month, year * 12 + (month - 1);
                                    * January, April, July or October */
    int financial;                 /* name quarters and years the UK financial way
                                    * (2020/21 Q1 = April to June 2020) */
    const char *const *districts;  /* names or codes (any case); NULL or none: all */
    size_t ndistricts;
    const char *generator;         /* e.g. "roadsafe 0.1.0" for the title block; may be NULL */
    const rs_context_layer *const *context; /* drawn on the pack's heat map (roads,
                                             * places, outlines); may be none */
    size_t ncontext;
} rs_report_opts;

/* "2020Q2" (calendar), "2020/21Q1" or "2020/21 Q1" (financial) -> the
 * quarter's first month (as rs_ksi_period_parse counts months).  Both forms
 * name the same three months whatever the pack's labels.  0, or -1 when s
 * is not a quarter. */
int rs_report_quarter_parse(const char *s, int *first_month);

/* Writes the pack for the workspace open in ctx to path: a temporary file
 * beside it, renamed into place when complete (a failure leaves no file and
 * an earlier pack intact).  Returns 0; RS_EUSAGE for a first_month that does
 * not start a quarter; RS_ENOTFOUND for a district that is not in the
 * workspace (the message lists the known ones) or named districts when none
 * are loaded; RS_EIO when the file cannot be written; another RS_E code
 * from an analysis.  The message is in ctx's error. */
int rs_report_write(rs_ctx *ctx, const rs_report_opts *opts, const char *path);

/* Standard base64 (RFC 4648, with padding) of n bytes into out, which must
 * hold 4 * ((n + 2) / 3) + 1 bytes; NUL-terminated.  Returns the length. */
size_t rs_base64_encode(const unsigned char *in, size_t n, char *out);

#endif
