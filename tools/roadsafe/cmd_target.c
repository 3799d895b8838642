/*
 * cmd_target.c — `roadsafe target set B1-B2:P:Y | show | clear`: the KSI
 * target the partnership agreed, kept in the workspace (table ksi_target)
 * so every board pack uses the same one (engine/analysis/target.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "store.h"
#include "target.h"

#define CMD "target"

static void help(void)
{
    printf("usage: roadsafe target set B1-B2:P:Y [--store FILE]\n"
           "       roadsafe target show [--store FILE]\n"
           "       roadsafe target clear [--store FILE]\n\n"
           "The partnership's agreed long-term KSI target, kept in the workspace: P per cent\n"
           "below the mean annual KSI of years B1 to B2 (financial start years when the\n"
           "pack is financial) by year Y, e.g. 2015-2019:50:2030.  The board pack's Target\n"
           "section uses it; `roadsafe ksi --by year --target SPEC` takes one directly.\n");
}

int rs_cmd_target(int argc, char **argv)
{
    const char *store = NULL, *h = NULL;
    const rs_cli_opt opts[] = {{"store", 1, &store}, {"help", 0, &h}, {NULL, 0, NULL}};
    const char *pos[3] = {NULL, NULL, NULL};
    int npos = rs_cli_parse(CMD, argc, argv, 1, opts, pos, 3);
    if (npos < 0)
        return RS_EXIT_USAGE;
    if (h) {
        help();
        return RS_EXIT_OK;
    }
    const char *what = npos > 0 ? pos[0] : "";
    rs_target_spec spec;
    if (strcmp(what, "set") == 0) {
        if (npos != 2 || rs_target_parse(pos[1], &spec) != 0) {
            fprintf(stderr,
                    "roadsafe " CMD ": set takes B1-B2:P:Y (baseline years B1 <= B2, a reduction "
                    "of P per cent, 0 < P < 100, by year Y after B2; e.g. 2015-2019:50:2030)\n");
            return RS_EXIT_USAGE;
        }
    } else if (strcmp(what, "show") == 0 || strcmp(what, "clear") == 0) {
        if (npos != 1) {
            fprintf(stderr, "roadsafe " CMD ": %s takes no more words\n", what);
            return RS_EXIT_USAGE;
        }
    } else {
        fprintf(stderr, "roadsafe " CMD ": set B1-B2:P:Y, show or clear (roadsafe target --help)\n");
        return RS_EXIT_USAGE;
    }
    int show = strcmp(what, "show") == 0;
    rs_ctx *ctx = NULL;
    int ret = rs_cli_open(CMD, store, show ? RS_STORE_READONLY | RS_STORE_NO_PINGS : RS_STORE_PG_OK, &ctx);
    if (ret != 0)
        return ret;
    char buf[64];
    int found = 0, rc;
    if (show) {
        rc = rs_target_load(ctx, &spec, &found);
        if (rc == RS_OK && found) {
            rs_target_format(&spec, buf, sizeof buf);
            printf("%s: %g%% below the %d-%d mean annual KSI by %d\n", buf, spec.pct,
                   spec.base_from, spec.base_to, spec.year);
        } else if (rc == RS_OK) {
            printf("no target set (roadsafe target set B1-B2:P:Y)\n");
        }
    } else if (what[0] == 's') {
        rc = rs_target_save(ctx, &spec);
        if (rc == RS_OK) {
            rs_target_format(&spec, buf, sizeof buf);
            printf("target set: %s\n", buf);
        }
    } else {
        rc = rs_target_load(ctx, &spec, &found);
        if (rc == RS_OK)
            rc = rs_target_clear(ctx);
        if (rc == RS_OK)
            printf(found ? "target cleared\n" : "no target was set\n");
    }
    ret = rc == RS_OK ? RS_EXIT_OK : rs_cli_fail(ctx);
    rs_ctx_free(ctx);
    return ret;
}
