/*
 * store_int.h — private to engine/store: the checks rs_store_open runs
 * before it trusts a workspace (store_check.c).
 */
#ifndef RS_STORE_INT_H
#define RS_STORE_INT_H

#include <sqlite3.h>

#include "ctx.h"

/* The busy handler every workspace connection uses (store.c). */
int rs_store_busy_wait(void *arg, int count);

/* Hardens a new connection: trusted_schema off, defensive mode on,
 * triggers and views disabled (roadsafe defines neither).  0 or RS_ERR. */
int rs_store_harden(sqlite3 *db);

/* The checks of a -wal beside path, run before a write connection opens
 * (see store_check.c for what is checked).  0 when there is no log or it
 * is the workspace's own; RS_EINPUT naming the log, RS_EBUSY or RS_EIO
 * otherwise.  Nothing is written. */
int rs_store_check_wal(rs_ctx *ctx, const char *path);

/* Compares the open workspace's sqlite_schema with what migrations
 * 1..version create.  0 when equal; RS_EINPUT naming the first difference
 * otherwise. */
int rs_store_check_schema(rs_ctx *ctx, int version);

/* The meta row every write transaction updates (rs_store_commit), so that
 * every write-ahead log roadsafe writes holds the page with the
 * workspace's id. */
#define RS_META_WORKSPACE_ID "workspace_id"
#define RS_META_COMMITS "commits"

#endif
