/*
 * test_bulk_load.c — what a big load leans on: the keyed hash with the key
 * set up once (key.h: rs_vrm_hasher) gives the very hash of rs_vrm_hash,
 * for short and long keys; a table's indexes set aside for a big load
 * (store.h: rs_store_indexes_drop) come back with the same schema, and a
 * load that fails after setting them aside rolls the drop back.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "key.h"
#include "store.h"

/* The workspace's schema as one string (type, name, table, SQL), sorted. */
static void schema_of(rs_ctx *ctx, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    CHECK(sqlite3_prepare_v2(rs_ctx_db(ctx),
                             "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || "
                             "coalesce(sql, '') FROM sqlite_schema ORDER BY type, name",
                             -1, &st, NULL) == SQLITE_OK);
    size_t len = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int n = snprintf(out + len, cap - len, "%s\n", (const char *)sqlite3_column_text(st, 0));
        CHECK(n > 0 && (size_t)n < cap - len);
        if (n <= 0 || (size_t)n >= cap - len)
            break;
        len += (size_t)n;
    }
    sqlite3_finalize(st);
}

static void test_hasher(size_t keylen)
{
    rs_key key;
    memset(&key, 0, sizeof key);
    for (size_t i = 0; i < keylen; i++)
        key.bytes[i] = (unsigned char)(i * 7 + 3);
    key.len = keylen;
    rs_vrm_hasher *h = rs_vrm_hasher_new(&key);
    CHECK(h != NULL);
    static const char *const plates[] = {"AB12CDE", "X", "PR17AJY", "0123456789", "AB12CDE"};
    for (size_t i = 0; h && i < sizeof plates / sizeof plates[0]; i++) {
        unsigned char a[32], b[32];
        memset(b, 0, sizeof b);
        rs_vrm_hash(&key, plates[i], strlen(plates[i]), a);
        CHECK_EQ_INT(rs_vrm_hasher_hash(h, plates[i], strlen(plates[i]), b), 0);
        CHECK(memcmp(a, b, 32) == 0);
    }
    rs_vrm_hasher_free(h);
    rs_vrm_hasher_free(NULL);
}

int main(void)
{
    test_hasher(32);
    test_hasher(64);
    test_hasher(200); /* longer than SHA-256's block: hashed first, as HMAC does */

    const char *dir = check_tmpdir("test_bulk_load");
    char path[1200], before[16384], during[16384], after[16384];
    snprintf(path, sizeof path, "%s/ws.db", dir);
    rs_ctx *ctx = rs_ctx_new();
    CHECK(ctx != NULL);
    CHECK_EQ_INT(rs_store_open(ctx, path, RS_STORE_CREATE), 0);
    schema_of(ctx, before, sizeof before);
    CHECK_CONTAINS(before, "index detection_vehicle detection");
    CHECK_CONTAINS(before, "index detection_time detection");

    /* set aside and restored inside one transaction: the same schema */
    rs_store_indexes *x = NULL;
    CHECK_EQ_INT(rs_store_begin(ctx), 0);
    CHECK_EQ_INT(rs_store_indexes_drop(ctx, "detection", &x), 0);
    CHECK(x != NULL);
    schema_of(ctx, during, sizeof during);
    CHECK(strstr(during, "index detection_vehicle") == NULL);
    CHECK(strstr(during, "index detection_time") == NULL);
    CHECK_CONTAINS(during, "table detection detection"); /* its key stays */
    CHECK_EQ_INT(rs_store_indexes_restore(ctx, x), 0);
    CHECK_EQ_INT(rs_store_commit(ctx), 0);
    schema_of(ctx, after, sizeof after);
    CHECK_STR(after, before);

    /* a load that fails after setting them aside: the rollback brings them back */
    CHECK_EQ_INT(rs_store_begin(ctx), 0);
    CHECK_EQ_INT(rs_store_indexes_drop(ctx, "detection", &x), 0);
    rs_store_indexes_free(x);
    rs_store_rollback(ctx);
    schema_of(ctx, after, sizeof after);
    CHECK_STR(after, before);

    /* a table with no indexes of its own: nothing to set aside */
    CHECK_EQ_INT(rs_store_begin(ctx), 0);
    CHECK_EQ_INT(rs_store_indexes_drop(ctx, "vehicle", &x), 0);
    CHECK_EQ_INT(rs_store_indexes_restore(ctx, x), 0);
    CHECK_EQ_INT(rs_store_commit(ctx), 0);
    rs_store_close(ctx);

    /* the workspace still passes the schema check on opening */
    CHECK_EQ_INT(rs_store_open(ctx, path, 0), 0);
    rs_store_close(ctx);
    rs_ctx_free(ctx);
    return check_done();
}
