/*
 * ingest.h — loading input files into the workspace: validate -> place ->
 * store, every good row once, every bad row explained.
 *
 * One file is one transaction: a file is either wholly loaded (its good
 * rows, its ingest log entry and its rejects) or, when the process dies or
 * the file is refused, not at all.  Re-loading changes nothing:
 *   telematics, fleet and concerns  by the SHA-256 of the file's content
 *                                   (the same bytes under another name too)
 *   detections                      by detection_id (identical: skipped as
 *                                   already present; different: rejected)
 *   STATS19 collisions / casualties by collision index / (index, vehicle
 *   / vehicles / adjustment lookup  reference, casualty reference) / (index,
 *                                   vehicle reference) / as casualties
 * Bad rows go to the rejects (file, line, column, reason) — in the rejects
 * CSV the caller names and in the workspace's reject table.  A reason
 * never quotes a field's value, so a plate can never leak through one.
 */
#ifndef RS_INGEST_H
#define RS_INGEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ctx.h"
#include "key.h" /* the key and the keyed hash of plates */

typedef enum {
    RS_KIND_TELEMATICS = 0, /* traffic telematics (provider's connected vehicles) */
    RS_KIND_FLEET,          /* the force's own patrol vehicles */
    RS_KIND_DETECTIONS,
    RS_KIND_STATS19,        /* collision or casualty file, told apart by header */
    RS_KIND_CONCERNS
} rs_kind;

/* "telematics", "detections", "stats19", "concerns" -> 0; -1 otherwise. */
int rs_kind_parse(const char *s, rs_kind *out);

/* Progress callback: called every so often with rows read, bytes consumed
 * and the file's size (-1 unknown). */
typedef void (*rs_progress_fn)(void *user, const char *file, int64_t rows, uint64_t bytes,
                               int64_t size);

typedef struct rs_ingest_opts {
    FILE *rejects;          /* rejects CSV (header written by the caller), or NULL */
    const rs_key *key;      /* required for detections and fleet */
    rs_progress_fn progress;/* NULL for none */
    void *progress_user;
    /* rejects kept per file (rejects file and reject table): 0 means
     * RS_REJECTS_KEPT_DEFAULT, negative keeps every one.  All are counted. */
    int64_t max_rejects;
    /* STATS19: 1 stores a collision file that has no location columns (every
     * collision unlocated); 0 refuses such a file */
    int unlocated_ok;
    /* STATS19: 1 applies the DfT's revisions of rows already stored (counted
     * in revised); 0 rejects each such row naming the column that differs */
    int update;
    /* fleet: the highest speed a ping may imply from the vehicle's previous
     * accepted ping, mph; 0 means the default RS_FLEET_MAX_MPH, < 0 no check */
    double fleet_max_mph;
    /* fleet: 1 keeps a ping whose vehicle already has one at that second */
    int fleet_same_time_ok;
    int allow_new_transform;/* load even when PROJ's WGS84 -> BNG operation is not the
                               one pinned in the workspace (the pin is replaced) */
} rs_ingest_opts;

/* The default of rs_ingest_opts.fleet_max_mph. */
#define RS_FLEET_MAX_MPH 150.0

/* Rejects kept per file unless told otherwise: enough to see every kind
 * of problem, bounded whatever the file (a few MB of rejects at most). */
#define RS_REJECTS_KEPT_DEFAULT 10000

typedef struct rs_ingest_result {
    int64_t loaded;    /* rows stored by this run */
    int64_t rejected;  /* rows rejected (all of them, kept or not) */
    int64_t not_kept;  /* of those, not written to the rejects (over max_rejects) */
    int64_t present;   /* rows already in the workspace */
    int64_t unlocated; /* STATS19 collisions kept without a usable location */
    int64_t outside;   /* rows placed outside every district */
    int64_t skipped;   /* STATS19 adjustment lookup rows of collisions not in the workspace */
    int64_t revised;   /* STATS19 with update: stored rows changed to the file's values */
    int transform_replaced; /* 1 when allow_new_transform replaced the pinned operation */
    int by_content;    /* 1 when the kind is known by its content (a file given again
                        * loads nothing: telematics, fleet, concerns) */
    char what[32];     /* what the file was: "telematics", "collisions", "casualties", ... */
    char note[96];     /* how the file was read, for the summary line ("" for nothing) */
} rs_ingest_result;

/* Loads one file ("-" = standard input; .gz read transparently).  The
 * workspace must be open in ctx.  Returns 0 (rows may still have been
 * rejected: see res->rejected), RS_EINPUT when the file is refused whole
 * (nothing stored; also when PROJ's WGS84 -> BNG operation is not the one
 * pinned in the workspace, see pin.h), or another RS_E code. */
int rs_ingest_file(rs_ctx *ctx, rs_kind kind, const char *path, const rs_ingest_opts *opts,
                   rs_ingest_result *res);

/* The rejects CSV header line (with newline). */
extern const char rs_rejects_header[];

#endif
