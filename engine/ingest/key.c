/*
 * key.c — the key file and the keyed hash of plates (see key.h): reading
 * and generating the key, normalising a plate, HMAC-SHA-256 (OpenSSL).
 */
#include "key.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

int rs_key_read(rs_ctx *ctx, const char *path, rs_key *key)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_EINPUT, "key file %s: %s", path, strerror(errno));
    size_t n = fread(key->bytes, 1, sizeof key->bytes, f);
    int more = fgetc(f) != EOF;
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return rs_err_set(rs_ctx_err(ctx), RS_EIO, "key file %s: read error", path);
    if (more)
        return rs_err_set(rs_ctx_err(ctx), RS_EINPUT, "key file %s: longer than %d bytes", path,
                          RS_KEY_MAX);
    if (n > 0 && key->bytes[n - 1] == '\n')
        n--;
    if (n > 0 && key->bytes[n - 1] == '\r')
        n--;
    if (n < RS_KEY_MIN)
        return rs_err_set(rs_ctx_err(ctx), RS_EINPUT,
                          "key file %s: shorter than %d bytes; make one with 'roadsafe keygen "
                          "FILE'",
                          path, RS_KEY_MIN);
    key->len = n;
    return 0;
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
