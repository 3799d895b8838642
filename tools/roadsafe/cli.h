/*
 * cli.h — shared plumbing of the roadsafe command: option parsing helpers,
 * the exit codes, opening the workspace.  Subcommands live one per file
 * (cmd_*.c) and hold no analysis logic: they parse options, call engine/,
 * print.
 *
 * Exit codes: 0 success; 1 partial success (some input rows rejected);
 * 2 usage error or input refused whole; 3 other failure.
 */
#ifndef RS_CLI_H
#define RS_CLI_H

#include "ctx.h"

enum { RS_EXIT_OK = 0, RS_EXIT_PARTIAL = 1, RS_EXIT_USAGE = 2, RS_EXIT_FAIL = 3 };

typedef struct rs_cli_opt {
    const char *name;   /* long option without "--", e.g. "name-field" */
    int has_arg;        /* 1 takes a value, 0 is a flag */
    const char **value; /* where the value (or "1" for a flag) is stored */
} rs_cli_opt;

/* Parses argv[first..argc) against opts.  Non-option words are collected
 * in pos[] (at most max_pos).  "--opt=value" and "--opt value" both work.
 * Returns the number of positional words, or -1 after printing
 * "roadsafe CMD: ..." and a hint to stderr (usage error, exit 2). */
int rs_cli_parse(const char *cmd, int argc, char **argv, int first, const rs_cli_opt *opts,
                 const char **pos, int max_pos);

/* The workspace path: --store value, else $ROADSAFE_STORE, else ./roadsafe.db */
const char *rs_cli_store_path(const char *opt_store);

/* Prints "roadsafe: MESSAGE" from the context's error and returns the exit
 * code that fits the error code. */
int rs_cli_fail(rs_ctx *ctx);

/* 1 when s is "-h" or "--help" */
int rs_cli_is_help(const char *s);

/* Subcommands: each returns an exit code. argv[0] is the subcommand name. */
int rs_cmd_init(int argc, char **argv);
int rs_cmd_info(int argc, char **argv);
int rs_cmd_districts(int argc, char **argv);
int rs_cmd_ingest(int argc, char **argv);
int rs_cmd_keygen(int argc, char **argv);
int rs_cmd_heatmap(int argc, char **argv);
int rs_cmd_export(int argc, char **argv);
int rs_cmd_ksi(int argc, char **argv);
int rs_cmd_reoffend(int argc, char **argv);
int rs_cmd_operation(int argc, char **argv);
int rs_cmd_report(int argc, char **argv);
int rs_cmd_weekends(int argc, char **argv);

#endif
