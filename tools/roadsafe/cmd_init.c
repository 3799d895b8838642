/*
 * cmd_init.c — `roadsafe init`: create (or upgrade) a workspace.
 */
#include <stdio.h>

#include "cli.h"
#include "store.h"

static void help(void)
{
    printf("usage: roadsafe init [--store FILE]\n\n"
           "Creates the workspace (one SQLite file) if it does not exist, and brings an\n"
           "existing one up to this version's schema.  A postgresql:// URL as the store\n"
           "makes (or upgrades) the shared workspace in that database's schema roadsafe.\n\n"
           "  --store FILE|URL  workspace path or postgresql:// URL (default $ROADSAFE_STORE,\n"
           "                 else ./roadsafe.db)\n");
}

int rs_cmd_init(int argc, char **argv)
{
    const char *store = NULL, *h = NULL;
    const rs_cli_opt opts[] = {{"store", 1, &store}, {"help", 0, &h}, {NULL, 0, NULL}};
    const char *pos[1];
    if (rs_cli_parse("init", argc, argv, 1, opts, pos, 0) < 0)
        return RS_EXIT_USAGE;
    if (h) {
        help();
        return RS_EXIT_OK;
    }
    rs_ctx *ctx = NULL;
    int ret = rs_cli_open("init", store, RS_STORE_CREATE | RS_STORE_PG_OK, &ctx);
    if (ret != 0)
        return ret;
    printf("workspace %s ready (schema version %d)\n", rs_ctx_store_path(ctx),
           rs_store_schema_version(ctx));
    rs_ctx_free(ctx);
    return ret;
}
