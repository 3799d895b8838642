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
 *                                   reference, casualty reference)
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

typedef enum {
    RS_KIND_TELEMATICS = 0, /* traffic telematics (provider's connected vehicles) */
    RS_KIND_FLEET,          /* the force's own patrol vehicles */
    RS_KIND_DETECTIONS,
    RS_KIND_STATS19,        /* collision or casualty file, told apart by header */
    RS_KIND_CONCERNS
} rs_kind;

/* "telematics", "detections", "stats19", "concerns" -> 0; -1 otherwise. */
int rs_kind_parse(const char *s, rs_kind *out);

/* Length of the keyed-hash key read from a key file. */
#define RS_KEY_MIN 16
#define RS_KEY_MAX 256

typedef struct rs_key {
    unsigned char bytes[RS_KEY_MAX];
    size_t len;
} rs_key;

/* Reads the HMAC key: the file's bytes with one trailing newline removed;
 * at least RS_KEY_MIN bytes.  Errors name the file, never the content. */
int rs_key_read(rs_ctx *ctx, const char *path, rs_key *key);
/* Writes a new random key (64 hex characters) to path, mode 0600, refusing
 * to overwrite an existing file. */
int rs_key_generate(rs_ctx *ctx, const char *path);

/* Normalises a plate (upper case, spaces removed) into out (at least 16
 * bytes).  Returns 0, or -1 when it is empty, longer than 10 characters or
 * has a character other than A-Z and 0-9 after normalising. */
int rs_vrm_normalise(const char *vrm, size_t len, char *out, size_t *out_len);
/* HMAC-SHA-256 of the normalised plate under key. */
void rs_vrm_hash(const rs_key *key, const char *norm, size_t len, unsigned char out[32]);

/* Progress callback: called every so often with rows read, bytes consumed
 * and the file's size (-1 unknown). */
typedef void (*rs_progress_fn)(void *user, const char *file, int64_t rows, uint64_t bytes,
                               int64_t size);

typedef struct rs_ingest_opts {
    FILE *rejects;          /* rejects CSV (header written by the caller), or NULL */
    const rs_key *key;      /* required for detections and fleet */
    rs_progress_fn progress;/* NULL for none */
    void *progress_user;
} rs_ingest_opts;

typedef struct rs_ingest_result {
    int64_t loaded;    /* rows stored by this run */
    int64_t rejected;  /* rows rejected */
    int64_t present;   /* rows already in the workspace */
    int64_t unlocated; /* STATS19 collisions kept without a usable location */
    int64_t outside;   /* rows placed outside every district */
    char what[32];     /* what the file was: "telematics", "collisions", "casualties", ... */
} rs_ingest_result;

/* Loads one file ("-" = standard input; .gz read transparently).  The
 * workspace must be open in ctx.  Returns 0 (rows may still have been
 * rejected: see res->rejected), RS_EINPUT when the file is refused whole
 * (nothing stored), or another RS_E code. */
int rs_ingest_file(rs_ctx *ctx, rs_kind kind, const char *path, const rs_ingest_opts *opts,
                   rs_ingest_result *res);

/* The rejects CSV header line (with newline). */
extern const char rs_rejects_header[];

#endif
