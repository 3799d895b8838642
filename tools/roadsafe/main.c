/*
 * main.c — the roadsafe command: dispatches to one subcommand per file.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "store.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} rs_command;

static const rs_command commands[] = {
    {"init", rs_cmd_init, "create a workspace (an SQLite file)"},
    {"info", rs_cmd_info, "show what the workspace holds"},
    {"districts", rs_cmd_districts, "load, list and locate policing districts"},
    {"ingest", rs_cmd_ingest, "load telematics, detections, STATS19 or concerns CSV files"},
    {"keygen", rs_cmd_keygen, "make a key for hashing plates and fleet vehicle ids"},
    {"heatmap", rs_cmd_heatmap, "heat maps of speeding: grids, kernel density, PNG maps"},
    {"export", rs_cmd_export, "shapefile layers for GIS: districts, detections, collisions, ..."},
    {"ksi", rs_cmd_ksi, "KSI casualty trend tables: by period, district, road user, age"},
    {"target", rs_cmd_target, "the partnership's KSI target kept in the workspace: set, show, clear"},
    {"reoffend", rs_cmd_reoffend, "compare reoffending after TRUCAM, GATSO and other detections"},
    {"operation", rs_cmd_operation, "weekend operation results: patrol presence, detections, map"},
    {"report", rs_cmd_report, "the quarterly board pack: one self-contained HTML file"},
    {"weekends", rs_cmd_weekends, "plan the weekend speed enforcement district: scores and plan"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: roadsafe [--store FILE] COMMAND [OPTIONS]\n\n"
               "Road-safety enforcement analytics on one workspace file\n"
               "(./roadsafe.db unless --store FILE or $ROADSAFE_STORE says otherwise).\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'roadsafe COMMAND --help' describes each command's options.\n"
               "exit codes: 0 ok, 1 some input rows rejected, 2 usage error or input refused,\n"
               "3 other failure.\n");
}

int main(int argc, char **argv)
{
    /* an interrupted command leaves no temporaries and no half set of outputs */
    rs_atomic_signals();
    /* global options before the command, as git and docker take them */
    while (argc >= 2 && strncmp(argv[1], "--store", 7) == 0 &&
           (argv[1][7] == '\0' || argv[1][7] == '=')) {
        const char *v = argv[1][7] == '=' ? argv[1] + 8 : argc >= 3 ? argv[2] : NULL;
        if (v == NULL || *v == '\0') {
            fprintf(stderr, "roadsafe: option '--store' needs a value (roadsafe --store FILE "
                            "COMMAND ...)\n");
            return RS_EXIT_USAGE;
        }
        rs_cli_set_global_store(v);
        int used = argv[1][7] == '=' ? 1 : 2;
        argv[used] = argv[0];
        argv += used;
        argc -= used;
    }
    if (argc < 2) {
        usage(stderr);
        return RS_EXIT_USAGE;
    }
    if (rs_cli_is_help(argv[1])) {
        usage(stdout);
        return RS_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("roadsafe %s\n", RS_VERSION);
        return RS_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "roadsafe: unknown command '%s' (see roadsafe --help)\n", argv[1]);
    return RS_EXIT_USAGE;
}
