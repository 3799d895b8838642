/*
 * pin.c — the pinned WGS84 -> BNG operation (see pin.h).  Grid files are
 * hashed whole with SHA-256 on every check (OSTN15 is about 15 MB; a
 * workspace whose operation uses no grid, the Helmert fallback, pays
 * nothing).
 */
#include "pin.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#define META_PIN "wgs84_bng_operation"
#define META_NAME "wgs84_bng_operation_name"
#define PIN_MAX 8192

/* SHA-256 of the file at path as 64 hex digits into hex; 0 or -1. */
static int file_sha256(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char buf[65536], out[32];
    unsigned int outlen = 0;
    int rc = -1;
    if (f == NULL || md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
        goto done;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (EVP_DigestUpdate(md, buf, n) != 1)
            goto done;
    if (ferror(f) || EVP_DigestFinal_ex(md, out, &outlen) != 1 || outlen != 32)
        goto done;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", out[i]);
    rc = 0;
done:
    if (f)
        fclose(f);
    EVP_MD_CTX_free(md);
    return rc;
}

char *rs_pin_of(rs_ctx *ctx, const rs_crs *c)
{
    char *pin = malloc(PIN_MAX);
    if (pin == NULL) {
        rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
        return NULL;
    }
    size_t len = (size_t)snprintf(pin, PIN_MAX, "%s", rs_crs_pipeline(c));
    for (int i = 0; i < rs_crs_grid_count(c) && len < PIN_MAX; i++) {
        const char *path = rs_crs_grid_path(c, i);
        char hex[65] = "missing";
        if (path[0] && file_sha256(path, hex) != 0) {
            rs_err_set(rs_ctx_err(ctx), RS_EIO, "cannot read PROJ grid file %s", path);
            free(pin);
            return NULL;
        }
        len += (size_t)snprintf(pin + len, PIN_MAX - len, "\ngrid %s sha256 %s",
                                rs_crs_grid_name(c, i), hex);
    }
    return pin;
}

/* The first 12 hex digits of the SHA-256 of s: tells two pins apart in a
 * message that has no room for both whole. */
static void short_id(const char *s, char out[13])
{
    unsigned char md[32];
    unsigned int n = 0;
    snprintf(out, 13, "?");
    if (EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL) == 1 && n == 32)
        for (int i = 0; i < 6; i++)
            snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int rs_pin_check(rs_ctx *ctx, const rs_crs *c, int allow_new, int *replaced)
{
    char *pin = rs_pin_of(ctx, c), *old = malloc(PIN_MAX), old_name[512] = "";
    int rc;
    *replaced = 0;
    if (pin == NULL || old == NULL) {
        free(pin);
        free(old);
        return pin ? rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory") : rs_ctx_err(ctx)->code;
    }
    rc = rs_store_meta_get(ctx, META_PIN, old, PIN_MAX);
    if (rc == 0 && strcmp(old, pin) == 0)
        goto done;
    if (rc == 0 && !allow_new) {
        char a[13], b[13];
        short_id(old, a);
        short_id(pin, b);
        if (rs_store_meta_get(ctx, META_NAME, old_name, sizeof old_name) != 0)
            snprintf(old_name, sizeof old_name, "?");
        rs_err_clear(rs_ctx_err(ctx));
        rc = rs_err_set(rs_ctx_err(ctx), RS_EINPUT,
                        "workspace %s: its positions were made with the WGS84 -> BNG operation "
                        "\"%s\" [%s], but PROJ now gives \"%s\" [%s] (PROJ, or a grid file it "
                        "uses, changed); nothing was loaded.  'roadsafe info' shows both in full; "
                        "give --allow-new-transform to load with the new one",
                        rs_ctx_store_path(ctx), old_name, a, rs_crs_describe(c), b);
        goto done;
    }
    if (rc != 0 && rc != RS_ENOTFOUND)
        goto done;
    *replaced = rc == 0;
    if ((rc = rs_store_meta_set(ctx, META_PIN, pin)) == 0)
        rc = rs_store_meta_set(ctx, META_NAME, rs_crs_describe(c));
done:
    free(pin);
    free(old);
    return rc;
}
