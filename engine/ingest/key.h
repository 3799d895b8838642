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
#define RS_KEY_MIN 32
#define RS_KEY_MAX 256

typedef struct rs_key {
    unsigned char bytes[RS_KEY_MAX];
    size_t len;
} rs_key;

/* Reads the HMAC key: the file's bytes with one trailing newline (LF or
 * CRLF) removed.  Refused (RS_EINPUT), with a message naming the file and
 * never the content: not a regular file (opened non-blocking, so a FIFO
 * does not hang), readable or writable by group or others (mode beyond
 * 0600/0700), white space left at either end after that newline, fewer
 * than RS_KEY_MIN bytes, every byte the same, more than RS_KEY_MAX. */
int rs_key_read(rs_ctx *ctx, const char *path, rs_key *key);

/* The key's fingerprint: HMAC-SHA-256 under the key of a fixed label, as
 * 64 hex digits; it tells keys apart without revealing one. */
void rs_key_fingerprint(const rs_key *key, char hex[65]);

/* Ties the workspace open in ctx to key: the first key used records its
 * fingerprint (meta key_fingerprint); a later different key is refused
 * with RS_EINPUT naming path ("not the key this workspace's plates were
 * hashed with").  Takes and ends its own write transaction.  0 when the
 * key is the workspace's. */
int rs_key_check_workspace(rs_ctx *ctx, const rs_key *key, const char *path);
/* Writes a new random key (64 hex characters) to path, mode 0600, refusing
 * to overwrite an existing file. */
int rs_key_generate(rs_ctx *ctx, const char *path);

/* Normalises a plate (upper case, spaces removed) into out (at least 16
 * bytes).  Returns 0, or -1 when it is empty, longer than 10 characters or
 * has a character other than A-Z and 0-9 after normalising. */
int rs_vrm_normalise(const char *vrm, size_t len, char *out, size_t *out_len);
/* HMAC-SHA-256 of the normalised plate under key. */
void rs_vrm_hash(const rs_key *key, const char *norm, size_t len, unsigned char out[32]);

/* The same keyed hash with the key set up once, for hashing many plates:
 * HMAC() per plate sets the key up again each time (and looks the digest
 * up), which costs more than the hash itself.  One hasher per thread.
 * rs_vrm_hasher_new returns NULL when out of memory (or OpenSSL fails);
 * rs_vrm_hasher_hash returns 0, or -1 when OpenSSL fails. */
typedef struct rs_vrm_hasher rs_vrm_hasher;
rs_vrm_hasher *rs_vrm_hasher_new(const rs_key *key);
int rs_vrm_hasher_hash(rs_vrm_hasher *h, const char *norm, size_t len, unsigned char out[32]);
void rs_vrm_hasher_free(rs_vrm_hasher *h);

#endif
