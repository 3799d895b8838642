/*
 * key.c — the key file and the keyed hash of plates (see key.h): reading
 * and generating the key, its fingerprint in the workspace, normalising a
 * plate, HMAC-SHA-256 (OpenSSL: one-shot, or with the key set up once for a
 * whole file, rs_vrm_hasher).
 */
#include "key.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "store.h"

int rs_key_read(rs_ctx *ctx, const char *path, rs_key *key)
{
    rs_err *e = rs_ctx_err(ctx);
    int rc = 0;
    /* O_NONBLOCK: a FIFO (or a device) must not hang the open; only a
     * regular file is read */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return rs_err_set(e, RS_EINPUT, "key file %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        rc = rs_err_set(e, RS_EIO, "key file %s: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        rc = rs_err_set(e, RS_EINPUT, "key file %s is not a regular file", path);
        goto done;
    }
    if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
        rc = rs_err_set(e, RS_EINPUT,
                        "key file %s can be read or written by others (mode %04o); allow its "
                        "owner only: chmod 600 %s",
                        path, (unsigned)(sb.st_mode & 07777), path);
        goto done;
    }
    size_t n = 0;
    unsigned char extra;
    for (;;) {
        ssize_t r = n < sizeof key->bytes ? read(fd, key->bytes + n, sizeof key->bytes - n)
                                          : read(fd, &extra, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = rs_err_set(e, RS_EIO, "key file %s: read error: %s", path, strerror(errno));
            goto done;
        }
        if (r == 0)
            break;
        if (n >= sizeof key->bytes) {
            rc = rs_err_set(e, RS_EINPUT, "key file %s: longer than %d bytes", path,
                            RS_KEY_MAX);
            goto done;
        }
        n += (size_t)r;
    }
    /* one line ending is the file's, not the key's; any more white space
     * around the key is a mistake that would make a different key */
    if (n > 0 && key->bytes[n - 1] == '\n')
        n--;
    if (n > 0 && key->bytes[n - 1] == '\r')
        n--;
    if (n > 0 && (isspace(key->bytes[n - 1]) || isspace(key->bytes[0]))) {
        rc = rs_err_set(e, RS_EINPUT,
                        "key file %s: the key starts or ends with white space (an extra "
                        "newline or blank?); it would hash plates under a different key, so "
                        "remove it",
                        path);
        goto done;
    }
    if (n < RS_KEY_MIN) {
        rc = rs_err_set(e, RS_EINPUT,
                        "key file %s: shorter than %d bytes; make one with 'roadsafe keygen "
                        "FILE'",
                        path, RS_KEY_MIN);
        goto done;
    }
    size_t same = 1;
    while (same < n && key->bytes[same] == key->bytes[0])
        same++;
    if (same == n) {
        rc = rs_err_set(e, RS_EINPUT,
                        "key file %s: every byte of the key is the same; make one with "
                        "'roadsafe keygen FILE'",
                        path);
        goto done;
    }
    key->len = n;
done:
    close(fd);
    if (rc != 0)
        memset(key, 0, sizeof *key);
    return rc;
}

void rs_key_fingerprint(const rs_key *key, char hex[65])
{
    static const char label[] = "roadsafe key fingerprint v1";
    unsigned char h[32];
    unsigned int olen = 32;
    HMAC(EVP_sha256(), key->bytes, (int)key->len, (const unsigned char *)label,
         sizeof label - 1, h, &olen);
    for (size_t i = 0; i < sizeof h; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
}

int rs_key_check_workspace(rs_ctx *ctx, const rs_key *key, const char *path)
{
    char want[65], have[80];
    rs_key_fingerprint(key, want);
    /* read without the write lock; only the first use takes it, and
     * reads again under it (two first uses at once record one key) */
    int rc = rs_store_meta_get(ctx, "key_fingerprint", have, sizeof have);
    if (rc == RS_ENOTFOUND) {
        if ((rc = rs_store_begin(ctx)) != 0)
            return rc;
        rc = rs_store_meta_get(ctx, "key_fingerprint", have, sizeof have);
        if (rc == RS_ENOTFOUND) {
            snprintf(have, sizeof have, "%s", want);
            rc = rs_store_meta_set(ctx, "key_fingerprint", want);
            if (rc == 0)
                rc = rs_store_commit(ctx);
        }
        rs_store_rollback(ctx);
    }
    if (rc == 0 && strcmp(have, want) != 0)
        rc = rs_err_set(rs_ctx_err(ctx), RS_EINPUT,
                        "key file %s is not the key this workspace's plates were hashed with "
                        "(key fingerprint %.12s..., the workspace's %.12s...); under another key "
                        "no plate could be linked to those stored, so nothing was loaded",
                        path, want, have);
    return rc;
}

int rs_key_generate(rs_ctx *ctx, const char *path)
{
    unsigned char raw[32];
    char hex[65];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return rs_err_set(rs_ctx_err(ctx), RS_ERR, "cannot get random bytes for a key");
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return rs_err_set(rs_ctx_err(ctx), errno == EEXIST ? RS_EUSAGE : RS_EIO,
                          "key file %s: %s", path,
                          errno == EEXIST ? "already exists (not overwritten)" : strerror(errno));
    hex[64] = '\n';
    ssize_t w = write(fd, hex, 65);
    int cerr = close(fd);
    if (w != 65 || cerr != 0) {
        unlink(path);
        return rs_err_set(rs_ctx_err(ctx), RS_EIO, "key file %s: write failed", path);
    }
    return 0;
}

int rs_vrm_normalise(const char *vrm, size_t len, char *out, size_t *out_len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)vrm[i];
        if (c == ' ')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (unsigned char)(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return -1;
        if (n >= 10)
            return -1;
        out[n++] = (char)c;
    }
    if (n == 0)
        return -1;
    out[n] = '\0';
    *out_len = n;
    return 0;
}

void rs_vrm_hash(const rs_key *key, const char *norm, size_t len, unsigned char out[32])
{
    unsigned int olen = 32;
    HMAC(EVP_sha256(), key->bytes, (int)key->len, (const unsigned char *)norm, len, out, &olen);
}

struct rs_vrm_hasher {
    EVP_MAC *mac;
    EVP_MAC_CTX *ctx;
};

void rs_vrm_hasher_free(rs_vrm_hasher *h)
{
    if (h == NULL)
        return;
    EVP_MAC_CTX_free(h->ctx);
    EVP_MAC_free(h->mac);
    free(h);
}

rs_vrm_hasher *rs_vrm_hasher_new(const rs_key *key)
{
    rs_vrm_hasher *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if ((h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
        (h->ctx = EVP_MAC_CTX_new(h->mac)) == NULL ||
        EVP_MAC_init(h->ctx, key->bytes, key->len, params) != 1) {
        rs_vrm_hasher_free(h);
        return NULL;
    }
    return h;
}

int rs_vrm_hasher_hash(rs_vrm_hasher *h, const char *norm, size_t len, unsigned char out[32])
{
    size_t olen = 0;
    /* a NULL key starts again from the key set up in rs_vrm_hasher_new */
    if (EVP_MAC_init(h->ctx, NULL, 0, NULL) != 1 ||
        EVP_MAC_update(h->ctx, (const unsigned char *)norm, len) != 1 ||
        EVP_MAC_final(h->ctx, out, &olen, 32) != 1 || olen != 32)
        return -1;
    return 0;
}
