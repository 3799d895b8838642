/*
 * pin.c — the pinned WGS84 -> BNG operation (see pin.h).  Grid files are
 * hashed whole with SHA-256 on every check (OSTN15 is about 15 MB; a
 * workspace whose operation uses no grid, the Helmert fallback, pays
 * nothing).  Beside the pin the workspace keeps the PROJ environment it
 * was checked in (rs_geo_proj_env); while that is unchanged PROJ would
 * choose the same operation, so an ingest makes it straight from the pin
 * (rs_pin_crs) and skips PROJ's search of its database and the hashing.
 * The environment record ends with the SHA-256 of the pin it was checked
 * with, so a pin edited by hand is checked (and refused) in full.
 */
#include "pin.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#define META_PIN "wgs84_bng_operation"
#define META_NAME "wgs84_bng_operation_name"
#define META_ENV "wgs84_bng_operation_env"
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

/* What META_ENV holds for PROJ environment env and pin: env, then the
 * SHA-256 of the pin, so that a pin changed by anything but rs_pin_check
 * (a hand edit, another program) no longer matches and is checked in full.
 * A new string, or NULL. */
static char *env_record(const char *env, const char *pin)
{
    unsigned char md[32];
    unsigned int n = 0;
    size_t len = strlen(env) + 80;
    char *r = malloc(len);
    if (r == NULL || EVP_Digest(pin, strlen(pin), md, &n, EVP_sha256(), NULL) != 1 || n != 32) {
        free(r);
        return NULL;
    }
    size_t k = (size_t)snprintf(r, len, "%s\npin sha256 ", env);
    for (int i = 0; i < 32; i++)
        snprintf(r + k + 2 * (size_t)i, 3, "%02x", md[i]);
    return r;
}

/* 1 when the workspace's pin was last checked in PROJ environment env
 * (rs_geo_proj_env) and is unchanged since; then *pin holds the pin
 * (caller frees). */
static int env_matches(rs_ctx *ctx, const char *env, char **pin)
{
    size_t n = strlen(env) + 82;
    char *stored = malloc(n), *p = malloc(PIN_MAX), *want = NULL;
    int yes = stored && p && rs_store_meta_get(ctx, META_PIN, p, PIN_MAX) == 0 &&
              rs_store_meta_get(ctx, META_ENV, stored, n) == 0 &&
              (want = env_record(env, p)) != NULL && strcmp(stored, want) == 0;
    rs_err_clear(rs_ctx_err(ctx));
    free(stored);
    free(want);
    if (!yes) {
        free(p);
        p = NULL;
    }
    *pin = p;
    return yes;
}

/* Records env beside pin (see env_record). */
static int env_set(rs_ctx *ctx, const char *env, const char *pin)
{
    char *r = env_record(env, pin);
    if (r == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    int rc = rs_store_meta_set(ctx, META_ENV, r);
    free(r);
    return rc;
}

rs_crs *rs_pin_crs(rs_ctx *ctx)
{
    rs_geo *g = rs_ctx_geo(ctx);
    char *env = rs_geo_proj_env(g), *pin = NULL, name[512] = "";
    rs_crs *c = NULL;
    if (env != NULL && env_matches(ctx, env, &pin)) {
        char *nl = strchr(pin, '\n');
        if (nl)
            *nl = '\0';
        if (rs_store_meta_get(ctx, META_NAME, name, sizeof name) != 0 ||
            rs_crs_new_pipeline(g, pin, name, &c) != 0)
            c = NULL;
    }
    rs_err_clear(rs_ctx_err(ctx));
    rs_err_clear(rs_geo_err(g));
    free(env);
    free(pin);
    return c;
}

int rs_pin_check(rs_ctx *ctx, const rs_crs *c, int from_pin, int allow_new, int *replaced)
{
    char *env = rs_geo_proj_env(rs_ctx_geo(ctx)), *stored = NULL;
    *replaced = 0;
    if (env == NULL)
        return rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory");
    if (from_pin && env_matches(ctx, env, &stored)) {
        /* c was made from the pin; still the pin now, under the write lock? */
        size_t k = strcspn(stored, "\n");
        int same = strlen(rs_crs_pipeline(c)) == k && strncmp(stored, rs_crs_pipeline(c), k) == 0;
        free(stored);
        if (same) {
            free(env);
            return 0;
        }
    }
    char *pin = rs_pin_of(ctx, c), *old = malloc(PIN_MAX), old_name[512] = "";
    int rc;
    if (pin == NULL || old == NULL) {
        free(env);
        free(pin);
        free(old);
        return pin ? rs_err_set(rs_ctx_err(ctx), RS_ENOMEM, "out of memory") : rs_ctx_err(ctx)->code;
    }
    rc = rs_store_meta_get(ctx, META_PIN, old, PIN_MAX);
    if (rc == 0 && strcmp(old, pin) == 0) {
        rc = env_set(ctx, env, pin);
        goto done;
    }
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
    if ((rc = rs_store_meta_set(ctx, META_PIN, pin)) == 0 &&
        (rc = rs_store_meta_set(ctx, META_NAME, rs_crs_describe(c))) == 0)
        rc = env_set(ctx, env, pin);
done:
    free(env);
    free(pin);
    free(old);
    return rc;
}
