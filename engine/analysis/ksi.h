/*
 * ksi.h — killed or seriously injured (KSI) trend tables for the road
 * safety partnership board: casualties (or collisions) by severity per
 * month, quarter or year, optionally split by district, road user group
 * or age band, each row set against the same period a year earlier, a
 * rolling 12 months and an optional baseline, with its exact uncertainty
 * and a verdict in plain words.
 *
 * Definitions (README "roadsafe ksi" repeats them for readers):
 *  - Period: from the collision's UK-local date.  Months; calendar quarters
 *    and years, or with financial = 1 UK financial quarters (Q1 = April to
 *    June) and years named by both calendar years (2020/21).
 *  - Data span: the first to the last month holding any casualty (any
 *    collision, for the collisions table) in the workspace.  A period
 *    wholly inside the span is "covered"; one wholly outside has no data.
 *  - Year earlier: the period of the same kind twelve months before; the
 *    comparison, change and test need it covered.
 *  - Rolling 12-month KSI: KSI over the 12 months ending with the period's
 *    last month, when those months are covered.
 *  - Baseline: the mean KSI of the same period of the year (the same
 *    month, the same quarter, or the whole year) over the baseline years
 *    (financial years when financial), when every one is covered.
 *  - Confidence interval: exact (Garwood) 95% Poisson interval of the KSI
 *    count.  Test: exact conditional test of this KSI count against the
 *    year-earlier one (binomial, p = 1/2), two-sided.  With adjusted KSI
 *    both use the exact adjusted sum rounded once to a whole number; the
 *    change, per cent change, rolling and baseline figures use the exact
 *    sums (only printing rounds).
 *  - Multiple tests: every compared row is one test.  With a split, each
 *    also gets the Benjamini-Hochberg adjusted p-value (q) over all the
 *    table's tests, and its verdict rests on q.
 *  - Adjusted KSI (DfT): fatal + the sum over non-fatal casualties of
 *    casualty_adjusted_severity_serious (from the casualty file, else from
 *    the DfT's casualty adjustment lookup); a non-fatal casualty without the
 *    factor counts 1 if recorded serious, 0 if slight (and is counted in
 *    no_factor).  Adjusted slight = non-fatal casualties - adjusted serious.
 */
#ifndef RS_KSI_H
#define RS_KSI_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "stats.h"

typedef enum { RS_KSI_MONTH = 0, RS_KSI_QUARTER = 1, RS_KSI_YEAR = 2 } rs_ksi_by;

typedef enum {
    RS_KSI_SPLIT_NONE = 0,
    RS_KSI_SPLIT_DISTRICT = 1,
    RS_KSI_SPLIT_ROAD_USER = 2,
    RS_KSI_SPLIT_AGE_BAND = 3,
    RS_KSI_SPLIT_VEHICLE = 4 /* vehicle families involved (ksi_vehicle.h): rows overlap */
} rs_ksi_split;

/* "month" | "quarter" | "year" and "none" | "district" | "road_user" |
 * "age_band" | "vehicle" -> 0; -1 otherwise. */
int rs_ksi_by_parse(const char *s, rs_ksi_by *out);
int rs_ksi_split_parse(const char *s, rs_ksi_split *out);
/* The split column's name ("district", "road_user", "age_band",
 * "vehicle"), or NULL. */
const char *rs_ksi_split_column(rs_ksi_split split);

/* Road user group of a STATS19 casualty_type (-1 when missing), codes of
 * every generation (1979-2004 in brackets):
 * 0 pedestrian (0), 1 pedal cyclist (1), 2 motorcyclist (2-5, 23, 97;
 * 103-106), 3 car occupant (8, 9; 108, 109), 4 bus or coach (10, 11; 110),
 * 5 goods vehicle (19-21, 98; 113), 6 other (16-18, 22 mobility scooter,
 * 90, 99, every other code, and missing), 7 e-scooter rider (33, in recent
 * files though not in the DfT's guide; the group is shown only when some
 * casualty has it). */
int rs_ksi_road_user(int casualty_type);
/* Age group from age (years, -1 missing), else from the DfT age band code
 * (-1 missing) where the band lies in one group: 0 child 0-15 (bands
 * 1-3), 1 16-24 (band 4), 2 25-59 (bands 6-8), 3 60+ (bands 10-11),
 * 4 unknown (no age; bands 5 (21-25) and 9 (56-65) straddle groups). */
int rs_ksi_age_group(int age, int age_band);
/* Display names of the groups above ("pedestrian", ..., "60+", "unknown"). */
const char *rs_ksi_road_user_name(int group);
const char *rs_ksi_age_group_name(int group);

/* Months are counted as year * 12 + (month - 1) (base/periods.h, which
 * these wrap; rs_ksi_by counts as rs_period_kind).  A PERIOD is "2020"
 * (calendar year), "2020/21" (financial year: April 2020 to March 2021),
 * "2020Q2" (calendar quarter), "2020/21Q1" or "2020/21 Q1" (financial
 * quarter) or "2020-05" (month).  Gives the first and last month it spans;
 * -1 when s is none of these. */
int rs_ksi_period_parse(const char *s, int *first_month, int *last_month);

/* The index of the period of this kind holding month m (an integer that
 * grows by 1 per period), its first month, and its label: "2020-05",
 * "2020Q2", "2020/21 Q1", "2020", "2020/21". */
int rs_ksi_period_of(rs_ksi_by by, int financial, int month);
int rs_ksi_period_first_month(rs_ksi_by by, int financial, int period);
void rs_ksi_period_label(rs_ksi_by by, int financial, int period, char *buf, size_t size);

typedef struct rs_ksi_opts {
    rs_ksi_by by;
    int financial;           /* UK financial quarters and years */
    int from_month, to_month;/* months (see above); -1 each for the data span */
    rs_ksi_split split;
    int baseline_from, baseline_to; /* years (financial: start years); 0 for none */
    int adjusted;            /* DfT severity-adjusted figures */
    int collisions;          /* count collisions by collision severity instead */
    int involving;           /* 1 + a vehicle family (ksi_vehicle.h): only collisions
                                involving it; 0 for all */
    int enhanced;            /* count serious by enhanced severity (rows' very_serious...) */
} rs_ksi_opts;

/* Verdict of a row (see rs_ksi_verdict). */
typedef enum {
    RS_KSI_NO_DATA = 0,      /* the period lies outside the data span */
    RS_KSI_PARTIAL,          /* the period is only partly inside the data span */
    RS_KSI_NO_COMPARISON,    /* the period a year earlier is not covered */
    RS_KSI_COMPARED
} rs_ksi_state;

typedef struct rs_ksi_row {
    int period;              /* rs_ksi_period_of index */
    char label[24];
    int group;               /* index into rs_ksi_result.groups (0 when unsplit) */
    int64_t fatal, serious, slight, total;      /* recorded counts */
    double adj_serious, adj_slight;             /* adjusted, exact (when opts.adjusted) */
    int64_t no_factor;       /* non-fatal casualties without the factor */
    double ksi;              /* fatal + serious, or the exact adjusted KSI (printing rounds) */
    rs_ksi_state state;
    double ksi_before;       /* NaN unless compared */
    double change, change_pct; /* NaN unless compared (pct NaN when before = 0) */
    double rolling12;        /* NaN when not covered */
    double baseline, baseline_change_pct; /* NaN when none */
    rs_ci ci;                /* of the KSI count (NaN parts when no data) */
    double p;                /* NaN unless compared */
    double q;                /* Benjamini-Hochberg adjusted p (split tables); NaN otherwise */
    char verdict[128];
    /* recorded serious by enhanced severity (5, 6, 7); the rest of
     * serious had none recorded */
    int64_t very_serious, moderately_serious, less_serious;
} rs_ksi_row;

typedef struct rs_ksi_result {
    rs_ksi_opts opts;
    size_t nrows;
    rs_ksi_row *rows;        /* period-major, groups in their order */
    size_t ngroups;
    char **groups;           /* group names; one "all" when unsplit */
    int span_first, span_last; /* data span in months; -1 when there is no data */
    int64_t no_factor;       /* adjusted: non-fatal rows that fell back, in the rows shown */
    int64_t rows_total;      /* casualties (collisions) in the rows shown */
    int baseline_incomplete; /* some baseline period is not covered */
    int64_t injury_based;    /* casualties (collisions) recorded injury-based, in the periods
                                shown; each counted once, whatever the split */
    int64_t no_vehicles;     /* vehicle split or --involving: casualties (collisions) in the
                                workspace whose collision has no vehicle rows */
    size_t ntests;           /* rows compared with a year earlier (the tests) */
} rs_ksi_result;

/* Runs the analysis on the open workspace.  RS_EUSAGE for impossible
 * options (from after to, more than 1200 months, a district split with no
 * districts loaded, a road user or age band split with collisions, a bad
 * baseline).  no_factor, rows_total and injury_based count each casualty
 * (collision) once, also when the rows of a vehicle split overlap.  *out is owned by the caller (rs_ksi_result_free). */
int rs_ksi_run(rs_ctx *ctx, const rs_ksi_opts *opts, rs_ksi_result **out);
void rs_ksi_result_free(rs_ksi_result *r);

/* The verdict in plain words from a KSI figure now and a year earlier
 * (decimals: 0 for counts, 1 for adjusted figures), the test's p and, when
 * the test is one of ntests adjusted together, its q (NaN: not adjusted):
 *   "no change"                          (the change is 0 at that precision)
 *   "up 16 (+6.7%); within normal variation"                 (p >= 0.05)
 *   "down 40 (-12.3%); unlikely to be chance alone (p = 0.003)"  (p < 0.05)
 *   "... unlikely to be chance alone (p = 0.001; q = 0.014 over 14 tests)"
 *   "... within normal variation once 14 tests are allowed for (p = 0.034,
 *    q = 0.41)"                                   (p < 0.05 <= q)
 *   "up 5 (from 0); ..."                          (nothing a year earlier)
 * The amount is |now - before| at that precision; the direction word
 * follows its sign, always. */
void rs_ksi_verdict(double now, double before, int decimals, double p, double q, size_t ntests,
                    char *buf, size_t size);

#endif
