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

#include "atomic.h"
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
 * "roadsafe CMD: ..." and a hint to stderr (usage error, exit 2), also
 * when an output option names a protected file (rs_cli_guard). */
int rs_cli_parse(const char *cmd, int argc, char **argv, int first, const rs_cli_opt *opts,
                 const char **pos, int max_pos);

/* Output paths (cli_paths.c).  After parsing, the files the command
 * reads or keeps are protected: the workspace and its -wal, -shm and
 * -journal, the key file (--key-file, else $ROADSAFE_KEY_FILE), every
 * positional word that names a file, and standard input when one is "-".
 * An output option (--out, --chart, --plot, --rejects; for heatmap,
 * export, weekends and operation every PREFIX.EXT that --out makes) that
 * names one of them (same device and inode, or the same name in the same
 * folder when neither exists yet) is refused with "roadsafe CMD: --OPT PATH
 * is the workspace (...); writing there would destroy it, so nothing was
 * done"; so is a --rejects that is a pipe, socket, folder or block device.
 * rs_cli_parse calls rs_cli_guard and returns -1 (exit 2) on a refusal;
 * rs_cli_out_open calls rs_cli_out_refused (OPT "out") for every file it
 * makes; a file derived from another option names that option.
 * Both return 0, or -1 after printing. */
int rs_cli_guard(const char *cmd, const rs_cli_opt *opts, const char *const *pos, int npos);
int rs_cli_out_refused(const char *cmd, const char *opt, const char *path);

/* The workspace path: the command's --store value, else a --store given
 * before the command (roadsafe --store FILE COMMAND ...), else
 * $ROADSAFE_STORE, else ./roadsafe.db */
const char *rs_cli_store_path(const char *opt_store);
void rs_cli_set_global_store(const char *path);

/* The one way a command opens its workspace: makes the context (printing
 * "roadsafe CMD: cannot start: out of memory" when it cannot be had),
 * sets the wait notice (a line on stderr when another process's write
 * keeps it waiting a second), and opens the workspace at
 * rs_cli_store_path(opt_store) with flags (store.h: RS_STORE_READONLY,
 * RS_STORE_CREATE, 0 to write).  Returns 0 and *out, or the exit code
 * after printing the reason (the context is then freed). */
int rs_cli_open(const char *cmd, const char *opt_store, int flags, rs_ctx **out);
/* A workspace that is a PostgreSQL URL (store.h) is opened only when
 * flags hold RS_STORE_PG_OK, which a command (or one of its actions) gives
 * once it runs on PostgreSQL; for any other, rs_cli_open prints
 * rs_cli_not_on_pg's line and returns its exit code 2 without connecting:
 * "roadsafe: CMD is not yet available on a PostgreSQL workspace (it runs
 * on the SQLite workspace)". */
int rs_cli_not_on_pg(const char *cmd);

/* A context without a workspace (commands that open none, or open it
 * later), with the same message on failure: the context, or NULL after
 * printing. */
rs_ctx *rs_cli_ctx(const char *cmd);

/* The one --out writer of every command (base/atomic.h: a temporary
 * beside PATH, fsync, rename; NULL or "-" is standard output).  Open
 * prints "roadsafe CMD: PATH: cannot write: REASON" and returns -1 on
 * failure; close with ok = 1 puts the file in place (or prints why not and
 * returns -1), with ok = 0 discards it (returns -1).  Closing a closed or
 * zeroed writer returns 0 and does nothing. */
int rs_cli_out_open(const char *cmd, rs_atomic *a, const char *path);
int rs_cli_out_close(const char *cmd, rs_atomic *a, int ok);

/* The outputs of one command as one set (engine/base/atomic.h): begin
 * before the first is opened; end with the command's exit code so far:
 * RS_EXIT_OK renames them all into place (a failure is said and gives
 * RS_EXIT_FAIL), anything else removes them, leaving the old ones. */
void rs_cli_set_begin(void);
int rs_cli_set_end(const char *cmd, int ret);

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
int rs_cmd_target(int argc, char **argv);

#endif
