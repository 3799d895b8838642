/*
 * cmd_ingest.c — `roadsafe ingest KIND FILE...` and `roadsafe keygen FILE`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "csv.h"
#include "ingest.h"
#include "key.h"
#include "parse.h"
#include "ingest_pg.h"
#include "store.h"

static void help(void)
{
    printf(
        "usage: roadsafe ingest telematics|detections|stats19|concerns FILE... [options]\n\n"
        "Loads CSV files (formats: README, 'Input formats') into the workspace; '-' reads\n"
        "standard input, and gzip files are read transparently.  Each file is one\n"
        "transaction.  Loading a file again adds nothing.  Bad rows are rejected with file,\n"
        "line, column and reason; the rest of the file loads.  STATS19 collision files are\n"
        "loaded before casualty, vehicle and adjustment lookup files whatever the order\n"
        "given.\n\n"
        "options:\n"
        "  --rejects FILE     write every rejected row as file,line,column,reason (CSV);\n"
        "                     without it the first 10 rejects of each file go to stderr\n"
        "  --max-rejects N    keep at most N rejects per file in the rejects file and the\n"
        "                     workspace (default 10000; 0 keeps all); all are counted\n"
        "  --source traffic|fleet   telematics only: connected vehicles on the road network\n"
        "                     (default) or the force's own patrol fleet\n"
        "  --key-file FILE    key for hashing plates and fleet vehicle ids (HMAC-SHA-256);\n"
        "                     default $ROADSAFE_KEY_FILE.  Make one with 'roadsafe keygen FILE'\n"
        "  --unlocated-ok     stats19: load a collision file that has no location columns\n"
        "                     (every collision unlocated) instead of refusing it\n"
        "  --update           stats19: apply the DfT's revisions of rows already loaded\n"
        "                     (one transaction per file; 'revised N'); without it a\n"
        "                     differing row is rejected naming the column that differs\n"
        "  --fleet-max-mph MPH|off  fleet: reject a ping implying more than MPH from the\n"
        "                     vehicle's previous accepted ping (default 150)\n"
        "  --fleet-same-time reject|keep  fleet: a ping whose vehicle already has one at\n"
        "                     that second (default reject)\n"
        "  --quiet            no progress line\n"
        "  --allow-new-transform  load even when PROJ's WGS84 -> BNG operation is not the\n"
        "                     one the workspace's positions were made with (it is then\n"
        "                     replaced); without it such a load is refused\n"
        "  --store FILE       workspace (default $ROADSAFE_STORE, else ./roadsafe.db)\n\n"
        "exit: 0 all rows loaded; 1 some rows rejected; 2 a file refused or usage error.\n");
}

typedef struct {
    double start;
    double last;
} progress_state;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(void *user, const char *file, int64_t rows, uint64_t bytes, int64_t size)
{
    progress_state *p = user;
    double t = now_s();
    if (t - p->last < 0.25)
        return;
    p->last = t;
    double el = t - p->start;
    double mbs = el > 0 ? (double)bytes / 1e6 / el : 0;
    fprintf(stderr, "\r%s: %lld rows, %.1f MB/s", file, (long long)rows, mbs);
    if (size > 0 && bytes > 0) {
        double frac = (double)bytes / (double)size;
        double left = frac > 0 ? el * (1 - frac) / frac : 0;
        fprintf(stderr, ", %.0f%%, %.0f s left", frac * 100, left);
    }
    fprintf(stderr, "\033[K");
}

/* 1 when the file's header says it is a STATS19 table that hangs off a
 * collision (casualties, vehicles, the casualty adjustment lookup: each
 * has a vehicle reference), so it loads after the collision files. */
static int is_casualty_file(const char *path)
{
    rs_err e = {0};
    rs_csv *c = NULL;
    if (strcmp(path, "-") == 0 || rs_csv_open(&e, path, NULL, &c) != 0)
        return 0;
    int yes = rs_csv_col(c, "casualty_reference") >= 0 || rs_csv_col(c, "vehicle_reference") >= 0;
    rs_csv_close(c);
    return yes;
}

/* Shows the first 10 rejects of a file kept in tmp since from (of the
 * kept ones: the note on those not kept is left out) and how many more. */
static void show_some_rejects(FILE *tmp, long from, int64_t rejected, int64_t kept)
{
    if (tmp == NULL)
        return;
    fflush(tmp);
    long end = ftell(tmp);
    if (end <= from)
        return;
    fseek(tmp, from, SEEK_SET);
    char line[1024];
    int64_t shown = 0;
    while (shown < 10 && shown < kept && ftell(tmp) < end && fgets(line, sizeof line, tmp)) {
        fprintf(stderr, "  rejected: %s", line);
        shown++;
    }
    if (rejected > shown)
        fprintf(stderr, "  ... %lld more (write them with --rejects FILE)\n",
                (long long)(rejected - shown));
    fseek(tmp, end, SEEK_SET);
}

/* 1 when paths a and b name one existing file (links included). */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (strcmp(b, "-") == 0 || stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int rs_cmd_ingest(int argc, char **argv)
{
    const char *store = NULL, *h = NULL, *rejects = NULL, *source = NULL, *key_file = NULL,
               *quiet = NULL, *max_rej_s = NULL, *unlocated_ok = NULL, *update = NULL,
               *max_mph = NULL, *same_time = NULL, *allow_new = NULL;
    const rs_cli_opt opts[] = {{"store", 1, &store},   {"help", 0, &h},
                               {"rejects", 1, &rejects}, {"source", 1, &source},
                               {"key-file", 1, &key_file}, {"quiet", 0, &quiet},
                               {"max-rejects", 1, &max_rej_s},
                               {"unlocated-ok", 0, &unlocated_ok}, {"update", 0, &update},
                               {"fleet-max-mph", 1, &max_mph},
                               {"fleet-same-time", 1, &same_time},
                               {"allow-new-transform", 0, &allow_new},
                               {NULL, 0, NULL}};
    const char **pos = calloc((size_t)argc + 1, sizeof *pos);
    if (pos == NULL)
        return RS_EXIT_FAIL;
    int npos = rs_cli_parse("ingest", argc, argv, 1, opts, pos, argc);
    int ret = RS_EXIT_OK;
    rs_ctx *ctx = NULL;
    FILE *rej = NULL;
    int rej_tmp = 0, rej_bad = 0;
    rs_key key;
    if (npos < 0) {
        ret = RS_EXIT_USAGE;
        goto done;
    }
    if (h) {
        help();
        goto done;
    }
    rs_kind kind;
    if (npos < 2 || rs_kind_parse(pos[0], &kind) != 0) {
        fprintf(stderr, "roadsafe ingest: say a kind (telematics, detections, stats19, concerns) "
                        "and at least one FILE (see --help)\n");
        ret = RS_EXIT_USAGE;
        goto done;
    }
    if (source) {
        if (kind != RS_KIND_TELEMATICS ||
            (strcmp(source, "traffic") != 0 && strcmp(source, "fleet") != 0)) {
            fprintf(stderr, "roadsafe ingest: --source is traffic or fleet, for telematics\n");
            ret = RS_EXIT_USAGE;
            goto done;
        }
        if (strcmp(source, "fleet") == 0)
            kind = RS_KIND_FLEET;
    }
    int64_t max_rejects = 0; /* the default */
    if (max_rej_s) {
        if (rs_parse_int(max_rej_s, strlen(max_rej_s), &max_rejects) != 0 || max_rejects < 0) {
            fprintf(stderr, "roadsafe ingest: --max-rejects is a whole number, 0 or more (0 "
                            "keeps every reject)\n");
            ret = RS_EXIT_USAGE;
            goto done;
        }
        if (max_rejects == 0)
            max_rejects = -1; /* keep all */
    }
    if ((unlocated_ok || update) && kind != RS_KIND_STATS19) {
        fprintf(stderr, "roadsafe ingest: --%s is for stats19\n",
                unlocated_ok ? "unlocated-ok" : "update");
        ret = RS_EXIT_USAGE;
        goto done;
    }
    if ((max_mph || same_time) && kind != RS_KIND_FLEET) {
        fprintf(stderr, "roadsafe ingest: --%s is for telematics --source fleet\n",
                max_mph ? "fleet-max-mph" : "fleet-same-time");
        ret = RS_EXIT_USAGE;
        goto done;
    }
    double fleet_mph = 0;
    if (max_mph) {
        char *end = NULL;
        errno = 0;
        fleet_mph = strtod(max_mph, &end);
        if (strcmp(max_mph, "off") == 0)
            fleet_mph = -1;
        else if (errno || end == max_mph || *end || !(fleet_mph > 0 && fleet_mph <= 5000)) {
            fprintf(stderr, "roadsafe ingest: --fleet-max-mph is a speed in mph above 0 and at "
                            "most 5000, or off\n");
            ret = RS_EXIT_USAGE;
            goto done;
        }
    }
    if (same_time && strcmp(same_time, "reject") != 0 && strcmp(same_time, "keep") != 0) {
        fprintf(stderr, "roadsafe ingest: --fleet-same-time is reject or keep\n");
        ret = RS_EXIT_USAGE;
        goto done;
    }
    /* the context first (the key is read before the workspace is opened,
     * and the rejects file checked against both) */
    if ((ctx = rs_cli_ctx("ingest")) == NULL) {
        ret = RS_EXIT_FAIL;
        goto done;
    }
    if (key_file == NULL)
        key_file = getenv("ROADSAFE_KEY_FILE");
    int have_key = 0;
    if ((kind == RS_KIND_DETECTIONS || kind == RS_KIND_FLEET) && key_file && *key_file) {
        if (rs_key_read(ctx, key_file, &key) != 0) {
            ret = rs_cli_fail(ctx);
            goto done;
        }
        have_key = 1;
    }
    if (rejects) {
        /* opening it for writing empties it: never when it is an input,
         * the workspace or the key */
        const char *clash = NULL;
        for (int i = 1; i < npos && clash == NULL; i++)
            if (same_file(rejects, pos[i]))
                clash = pos[i];
        if (clash == NULL && same_file(rejects, rs_cli_store_path(store)))
            clash = rs_cli_store_path(store);
        if (clash == NULL && key_file && same_file(rejects, key_file))
            clash = key_file;
        if (clash != NULL) {
            fprintf(stderr,
                    "roadsafe ingest: --rejects %s is the same file as %s; writing rejects "
                    "there would destroy it, so nothing was done\n",
                    rejects, clash);
            ret = RS_EXIT_USAGE;
            goto done;
        }
        rej = fopen(rejects, "w");
        if (rej == NULL) {
            fprintf(stderr, "roadsafe ingest: cannot write rejects file %s: %s\n", rejects,
                    strerror(errno));
            ret = RS_EXIT_USAGE;
            goto done;
        }
        /* the header written through at once: a file that takes no bytes
         * (a full disk, /dev/full) is refused before the workspace opens */
        if (fputs(rs_rejects_header, rej) == EOF || fflush(rej) != 0) {
            fprintf(stderr, "roadsafe ingest: cannot write rejects file %s: %s; nothing was "
                            "done\n",
                    rejects, strerror(errno));
            fclose(rej);
            rej = NULL;
            ret = RS_EXIT_FAIL;
            goto done;
        }
    } else {
        rej = tmpfile();
        rej_tmp = 1;
    }
    /* every kind loads into a PostgreSQL workspace too (ingest_pg.h) */
    if (rs_store_open(ctx, rs_cli_store_path(store), RS_STORE_PG_OK) != 0 ||
        (have_key && rs_key_check_workspace(ctx, &key, key_file) != 0)) {
        ret = rs_cli_fail(ctx);
        goto done;
    }
    /* STATS19: collision files first, so casualties find their collisions. */
    const char **files = pos + 1;
    int nfiles = npos - 1;
    if (kind == RS_KIND_STATS19) {
        int k = 0;
        const char **sorted = calloc((size_t)nfiles, sizeof *sorted);
        if (sorted == NULL) {
            ret = RS_EXIT_FAIL;
            goto done;
        }
        int *cas = calloc((size_t)nfiles, sizeof *cas);
        for (int i = 0; cas && i < nfiles; i++)
            cas[i] = is_casualty_file(files[i]);
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < nfiles; i++)
                if ((cas ? cas[i] : 0) == pass)
                    sorted[k++] = files[i];
        free(cas);
        memcpy(files, sorted, (size_t)nfiles * sizeof *files);
        free(sorted);
    }
    /* records go in whether districts are loaded or not (loading them
     * later re-assigns every stored record), but say so once */
    int64_t ndist = -1;
    if (rs_store_query_int(ctx, "SELECT count(*) FROM district", &ndist) == 0 && ndist == 0)
        fprintf(stderr,
                "roadsafe ingest: no districts are loaded, so every record is stored outside "
                "every district; load them with 'roadsafe districts load FILE.shp --name-field "
                "FIELD' (stored records are then re-assigned)\n");
    progress_state ps = {now_s(), 0};
    rs_ingest_opts io = {.rejects = rej,
                         .key = have_key ? &key : NULL,
                         .progress = (isatty(2) && !quiet) ? progress : NULL,
                         .progress_user = &ps,
                         .max_rejects = max_rejects,
                         .allow_new_transform = allow_new != NULL};
    io.unlocated_ok = unlocated_ok != NULL;
    io.update = update != NULL;
    io.fleet_max_mph = fleet_mph;
    io.fleet_same_time_ok = same_time && strcmp(same_time, "keep") == 0;
    for (int i = 0; i < nfiles; i++) {
        rs_ingest_result res;
        long mark = rej_tmp && rej ? ftell(rej) : 0;
        ps.start = now_s();
        ps.last = 0;
        rs_err_clear(rs_ctx_err(ctx));
        int rc = rs_store_backend(ctx) == RS_STORE_POSTGRESQL
                     ? rs_ingest_file_pg(ctx, kind, files[i], &io, &res)
                     : rs_ingest_file(ctx, kind, files[i], &io, &res);
        if (io.progress)
            fprintf(stderr, "\r\033[K");
        if (rc != 0) {
            int code = rs_cli_fail(ctx);
            if (code > ret)
                ret = code;
            continue;
        }
        char opname[512] = "?";
        if (res.transform_replaced &&
            rs_store_meta_get(ctx, "wgs84_bng_operation_name", opname, sizeof opname) != 0)
            rs_err_clear(rs_ctx_err(ctx));
        if (res.transform_replaced)
            fprintf(stderr,
                    "roadsafe ingest: the workspace's WGS84 -> BNG operation is now \"%s\" "
                    "(--allow-new-transform); positions stored before were made with the one "
                    "it replaced\n",
                    opname);
        printf("%s (%s): loaded %lld, rejected %lld, already present %lld", files[i], res.what,
               (long long)res.loaded, (long long)res.rejected, (long long)res.present);
        if (res.not_kept)
            printf(" (%lld of them not kept: at most %lld per file, --max-rejects)",
                   (long long)res.not_kept, (long long)(res.rejected - res.not_kept));
        if (res.unlocated)
            printf("; %lld without a usable location (kept as unlocated)",
                   (long long)res.unlocated);
        if (res.skipped)
            printf("; %lld of collisions not in the workspace (skipped)", (long long)res.skipped);
        if (res.revised)
            printf(", revised %lld", (long long)res.revised);
        if (res.note[0])
            printf("; %s", res.note);
        if (res.outside && ndist == 0)
            printf("; %lld not in a district (no districts loaded)", (long long)res.outside);
        else if (res.outside)
            printf("; %lld outside every district", (long long)res.outside);
        printf("\n");
        fflush(stdout);
        if (rej_tmp)
            show_some_rejects(rej, mark, res.rejected, res.rejected - res.not_kept);
        if (res.rejected > 0 && ret == RS_EXIT_OK)
            ret = RS_EXIT_PARTIAL;
    }
done:
    /* a write that failed on the way (the error flag is sticky: a flush
     * that failed after a file leaves fclose nothing to report) */
    if (rej && !rej_tmp) {
        rej_bad = fflush(rej) != 0;
        rej_bad |= ferror(rej) != 0;
        rej_bad |= fclose(rej) != 0;
    }
    if (rej && !rej_tmp && rej_bad) {
        fprintf(stderr,
                "roadsafe ingest: cannot write rejects file %s: %s (the rejects are kept in "
                "the workspace's reject table)\n",
                rejects, strerror(errno));
        ret = RS_EXIT_FAIL;
    } else if (rej && rej_tmp) {
        fclose(rej);
    }
    memset(&key, 0, sizeof key);
    rs_ctx_free(ctx);
    free(pos);
    return ret;
}

int rs_cmd_keygen(int argc, char **argv)
{
    const char *h = NULL;
    const rs_cli_opt opts[] = {{"help", 0, &h}, {NULL, 0, NULL}};
    const char *pos[1];
    int npos = rs_cli_parse("keygen", argc, argv, 1, opts, pos, 1);
    if (npos < 0)
        return RS_EXIT_USAGE;
    if (h) {
        printf("usage: roadsafe keygen FILE\n\n"
               "Writes a new random key (32 bytes as 64 hex digits) to FILE with mode 0600,\n"
               "for hashing plates and fleet vehicle ids (--key-file / ROADSAFE_KEY_FILE).\n"
               "Never overwrites.  Keep the key: the same plate gives the same hash only\n"
               "under the same key, so reoffending can only be followed within one key.\n");
        return RS_EXIT_OK;
    }
    if (npos != 1) {
        fprintf(stderr, "roadsafe keygen: needs FILE\n");
        return RS_EXIT_USAGE;
    }
    rs_ctx *ctx = rs_cli_ctx("keygen");
    if (ctx == NULL)
        return RS_EXIT_FAIL;
    int ret = RS_EXIT_OK;
    if (rs_key_generate(ctx, pos[0]) != 0)
        ret = rs_cli_fail(ctx);
    else
        printf("key written to %s\n", pos[0]);
    rs_ctx_free(ctx);
    return ret;
}
