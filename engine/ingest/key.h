/*
 * key.h — the operator's key and the keyed hash of plates and fleet
 * vehicle ids.
 *
 * A plate (or a fleet vehicle id) is never stored: it is normalised and
 * replaced by HMAC-SHA-256 under a key the force keeps in a file outside
 * the workspace, so the same vehicle is recognised across files without
 * the workspace ever holding its identity.  Included by ingest.h.
 */
#ifndef RS_KEY_H
#define RS_KEY_H

#include <stddef.h>

#include "ctx.h"

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

#endif
