/*
 * cli.c — option parsing and shared plumbing of the roadsafe command.
 */
#include "cli.h"

#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rs_cli_is_help(const char *s)
{
    return s && (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0);
}

int rs_cli_parse(const char *cmd, int argc, char **argv, int first, const rs_cli_opt *opts,
                 const char **pos, int max_pos)
{
    int npos = 0;
    int only_pos = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "-h") == 0)
            a = "--help";
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] == '-' && a[2] != '\0') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
            const rs_cli_opt *o = NULL;
            for (const rs_cli_opt *p = opts; p && p->name; p++)
                if (strlen(p->name) == nlen && strncmp(p->name, name, nlen) == 0)
                    o = p;
            if (o == NULL) {
                fprintf(stderr, "roadsafe %s: unknown option '--%.*s' (see roadsafe %s --help)\n",
                        cmd, (int)nlen, name, cmd);
                return -1;
            }
            if (o->has_arg) {
                if (eq)
                    *o->value = eq + 1;
                else if (i + 1 < argc)
                    *o->value = argv[++i];
                else {
                    fprintf(stderr, "roadsafe %s: option '--%s' needs a value\n", cmd, o->name);
                    return -1;
                }
            } else {
                if (eq) {
                    fprintf(stderr, "roadsafe %s: option '--%s' takes no value\n", cmd, o->name);
                    return -1;
                }
                *o->value = "1";
            }
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "roadsafe %s: unknown option '%s' (see roadsafe %s --help)\n", cmd, a,
                    cmd);
            return -1;
        }
        if (npos >= max_pos) {
            fprintf(stderr, "roadsafe %s: unexpected argument '%s' (see roadsafe %s --help)\n",
                    cmd, a, cmd);
            return -1;
        }
        pos[npos++] = a;
    }
    if (rs_cli_guard(cmd, opts, pos, npos) != 0)
        return -1;
    return npos;
}

static const char *global_store;

void rs_cli_set_global_store(const char *path) { global_store = path; }

const char *rs_cli_store_path(const char *opt_store)
{
    if (opt_store && *opt_store)
        return opt_store;
    if (global_store && *global_store)
        return global_store;
    const char *env = getenv("ROADSAFE_STORE");
    if (env && *env)
        return env;
    return "roadsafe.db";
}

int rs_cli_fail(rs_ctx *ctx)
{
    rs_err *e = rs_ctx_err(ctx);
    fprintf(stderr, "roadsafe: %s\n", e->msg[0] ? e->msg : "unknown error");
    switch (e->code) {
    case RS_EINPUT:
    case RS_EUSAGE:
    case RS_ENOTFOUND:
    case RS_EVERSION:
        return RS_EXIT_USAGE;
    default:
        return RS_EXIT_FAIL;
    }
}

/* A command kept waiting by another's write transaction says so once. */
static void say_waiting(const char *path, void *user)
{
    (void)user;
    fprintf(stderr,
            "roadsafe: waiting for workspace %s: another process is writing to it "
            "(giving up after %d s)\n",
            path, RS_STORE_BUSY_MS / 1000);
}

rs_ctx *rs_cli_ctx(const char *cmd)
{
    rs_ctx *ctx = rs_ctx_new();
    if (ctx == NULL) {
        fprintf(stderr, "roadsafe %s: cannot start: out of memory\n", cmd);
        return NULL;
    }
    rs_ctx_set_wait_notice(ctx, say_waiting, NULL);
    return ctx;
}

int rs_cli_not_on_pg(const char *cmd)
{
    fprintf(stderr,
            "roadsafe: %s is not yet available on a PostgreSQL workspace (it runs on the "
            "SQLite workspace)\n",
            cmd);
    return RS_EXIT_USAGE;
}

int rs_cli_open(const char *cmd, const char *opt_store, int flags, rs_ctx **out)
{
    *out = NULL;
    /* readers read a PostgreSQL workspace through a snapshot (store.h) */
    if (rs_store_is_pg_url(rs_cli_store_path(opt_store)) &&
        !(flags & (RS_STORE_PG_OK | RS_STORE_READONLY)))
        return rs_cli_not_on_pg(cmd);
    rs_ctx *ctx = rs_cli_ctx(cmd);
    if (ctx == NULL)
        return RS_EXIT_FAIL;
    if (rs_store_open(ctx, rs_cli_store_path(opt_store), flags) != 0) {
        int rc = rs_cli_fail(ctx);
        rs_ctx_free(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

int rs_cli_out_open(const char *cmd, rs_atomic *a, const char *path)
{
    rs_err e = {0};
    memset(a, 0, sizeof *a);
    if (rs_cli_out_refused(cmd, "out", path) != 0)
        return -1;
    if (rs_atomic_open(&e, a, path) != 0) {
        fprintf(stderr, "roadsafe %s: %s\n", cmd, e.msg);
        return -1;
    }
    return 0;
}

int rs_cli_out_close(const char *cmd, rs_atomic *a, int ok)
{
    if (a->f == NULL)
        return 0;
    rs_err e = {0};
    if (rs_atomic_close(&e, a, ok) != 0) {
        if (ok)
            fprintf(stderr, "roadsafe %s: %s\n", cmd, e.msg);
        return -1;
    }
    return 0;
}

void rs_cli_set_begin(void)
{
    rs_atomic_set_begin(NULL);
}

int rs_cli_set_end(const char *cmd, int ret)
{
    if (ret != RS_EXIT_OK && ret != RS_EXIT_PARTIAL) {
        rs_atomic_set_abort();
        return ret;
    }
    rs_err e = {0};
    if (rs_atomic_set_commit(&e) != 0) {
        fprintf(stderr, "roadsafe %s: %s\n", cmd, e.msg);
        return RS_EXIT_FAIL;
    }
    return ret;
}
