/*
 * cli_paths.c — output paths never name what the command reads or keeps
 * (see cli.h, rs_cli_guard): the workspace, its -wal and -shm, the key
 * file, an input file, standard input.
 *
 * The set of protected files is taken when the options are parsed (so a
 * refusal comes before anything is opened) and kept for the command's one
 * --out writer (rs_cli_out_open), which checks every file it is asked to
 * make, derived names included.  Two paths name one file when stat gives
 * the same device and inode; a path that does not exist yet (a -wal after
 * a clean close) is compared by folder (device and inode) and file name.
 */
#include "cli.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_GUARDED 64
#define GUARD_PATH 4096

typedef struct {
    char path[GUARD_PATH]; /* "" for standard input (id only) */
    const char *what;      /* "the workspace", "the key file", "an input" */
    int have_id;
    dev_t dev;
    ino_t ino;
} guarded;

static guarded guard[MAX_GUARDED];
static int nguard;

static void add_path(const char *path, const char *suffix, const char *what)
{
    if (path == NULL || *path == '\0' || strcmp(path, "-") == 0 || nguard >= MAX_GUARDED)
        return;
    guarded *g = &guard[nguard];
    if ((size_t)snprintf(g->path, sizeof g->path, "%s%s", path, suffix) >= sizeof g->path)
        return;
    g->what = what;
    g->have_id = 0;
    nguard++;
}

/* The shapefiles of a --context list (FILE.shp[,FILE.shp...]): each with
 * its .shx .dbf .prj .cpg, which a layer written over it would replace. */
static void add_context(const char *list)
{
    static const char *const ext[] = {".shp", ".shx", ".dbf", ".prj", ".cpg"};
    char stem[GUARD_PATH];
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 0 && n < sizeof stem) {
            memcpy(stem, p, n);
            stem[n] = '\0';
            if (n > 4 && strcasecmp(stem + n - 4, ".shp") == 0)
                stem[n - 4] = '\0';
            for (size_t k = 0; k < sizeof ext / sizeof ext[0]; k++)
                add_path(stem, ext[k], "an input (a --context layer)");
        }
        p += n;
        if (*p == ',')
            p++;
    }
}

static void add_stdin(void)
{
    struct stat sb;
    if (nguard >= MAX_GUARDED || fstat(0, &sb) != 0 || !S_ISREG(sb.st_mode))
        return;
    guarded *g = &guard[nguard++];
    g->path[0] = '\0';
    g->what = "standard input (an input)";
    g->have_id = 1;
    g->dev = sb.st_dev;
    g->ino = sb.st_ino;
}

/* The folder of path and its file name: stat of the folder into *sb, the
 * name's start into *base.  0, or -1 when the folder cannot be stat'd. */
static int dir_of(const char *path, struct stat *sb, const char **base)
{
    char dir[GUARD_PATH];
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        *base = path;
        return stat(".", sb);
    }
    size_t n = (size_t)(slash - path);
    if (n == 0)
        n = 1; /* "/name" */
    if (n >= sizeof dir)
        return -1;
    memcpy(dir, path, n);
    dir[n] = '\0';
    *base = slash + 1;
    return stat(dir, sb);
}

/* 1 when path names the guarded file g. */
static int names(const char *path, const guarded *g)
{
    struct stat sp, sg;
    int hp = stat(path, &sp) == 0;
    if (g->have_id)
        return hp && sp.st_dev == g->dev && sp.st_ino == g->ino;
    int hg = stat(g->path, &sg) == 0;
    if (hp && hg)
        return sp.st_dev == sg.st_dev && sp.st_ino == sg.st_ino;
    if (hp || hg)
        return 0;
    /* neither exists: the same name in the same folder */
    struct stat dp, dg;
    const char *bp, *bg;
    if (dir_of(path, &dp, &bp) != 0 || dir_of(g->path, &dg, &bg) != 0)
        return 0;
    return dp.st_dev == dg.st_dev && dp.st_ino == dg.st_ino && strcmp(bp, bg) == 0;
}

static const guarded *clash(const char *path)
{
    if (path == NULL || *path == '\0' || strcmp(path, "-") == 0)
        return NULL;
    for (int i = 0; i < nguard; i++)
        if (names(path, &guard[i]))
            return &guard[i];
    return NULL;
}

static int refuse(const char *cmd, const char *opt, const char *path, const guarded *g)
{
    if (g->path[0])
        fprintf(stderr,
                "roadsafe %s: --%s %s is %s (%s); writing there would destroy it, so nothing "
                "was done\n",
                cmd, opt, path, g->what, g->path);
    else
        fprintf(stderr,
                "roadsafe %s: --%s %s is %s; writing there would destroy it, so nothing was "
                "done\n",
                cmd, opt, path, g->what);
    return -1;
}

/* Commands whose --out is a prefix, and the names they make from it. */
static int out_is_prefix(const char *cmd)
{
    return strcmp(cmd, "heatmap") == 0 || strcmp(cmd, "export") == 0 ||
           strcmp(cmd, "weekends") == 0 || strcmp(cmd, "operation") == 0;
}

static const char *const prefix_suffixes[] = {"", "_plan", "_ranking", "_sites", "_summary",
                                              "_weekends", NULL};
static const char *const prefix_exts[] = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".csv",
                                          ".png", ".asc", ".md",  ".html", NULL};

static int check_prefix(const char *cmd, const char *prefix)
{
    char p[GUARD_PATH];
    for (int s = 0; prefix_suffixes[s]; s++)
        for (int x = 0; prefix_exts[x]; x++) {
            if ((size_t)snprintf(p, sizeof p, "%s%s%s", prefix, prefix_suffixes[s],
                                 prefix_exts[x]) >= sizeof p)
                continue;
            const guarded *g = clash(p);
            if (g)
                return refuse(cmd, "out", p, g);
        }
    return 0;
}

/* --rejects is opened in place (not by temporary and rename): a FIFO, a
 * socket, a folder or a block device is refused; character devices
 * (/dev/null, a terminal) are written and their errors reported. */
static int check_rejects(const char *cmd, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISCHR(sb.st_mode)) {
        fprintf(stderr,
                "roadsafe %s: --rejects %s is not a regular file (a pipe, socket, folder or "
                "device); nothing was done\n",
                cmd, path);
        return -1;
    }
    return 0;
}

int rs_cli_guard(const char *cmd, const rs_cli_opt *opts, const char *const *pos, int npos)
{
    const char *store = NULL, *key = NULL;
    for (const rs_cli_opt *o = opts; o && o->name; o++) {
        if (strcmp(o->name, "store") == 0)
            store = *o->value;
        else if (strcmp(o->name, "key-file") == 0)
            key = *o->value;
    }
    if (key == NULL)
        key = getenv("ROADSAFE_KEY_FILE");
    nguard = 0;
    const char *ws = rs_cli_store_path(store);
    if (!rs_store_is_pg_url(ws)) { /* a database is no file to protect */
        add_path(ws, "", "the workspace");
        add_path(ws, "-wal", "the workspace's write-ahead log");
        add_path(ws, "-shm", "the workspace's shared-memory index");
        add_path(ws, "-journal", "the workspace's rollback journal");
    }
    add_path(key, "", "the key file");
    for (int i = 0; i < npos; i++) {
        if (strcmp(pos[i], "-") == 0)
            add_stdin();
        else if (access(pos[i], F_OK) == 0)
            add_path(pos[i], "", "an input");
    }
    /* inputs named by options: --population and --traffic files, and each
     * --context shapefile with the files beside it that make it up */
    for (const rs_cli_opt *o = opts; o && o->name; o++) {
        const char *v = o->has_arg ? *o->value : NULL;
        if (v == NULL || *v == '\0')
            continue;
        if (strcmp(o->name, "population") == 0 || strcmp(o->name, "traffic") == 0)
            add_path(v, "", "an input");
        else if (strcmp(o->name, "context") == 0)
            add_context(v);
    }
    for (const rs_cli_opt *o = opts; o && o->name; o++) {
        const char *v = o->has_arg ? *o->value : NULL;
        if (v == NULL || *v == '\0' || strcmp(v, "-") == 0)
            continue;
        int is_out = strcmp(o->name, "out") == 0;
        if (!is_out && strcmp(o->name, "chart") != 0 && strcmp(o->name, "plot") != 0 &&
            strcmp(o->name, "funnel") != 0 &&
            strcmp(o->name, "rejects") != 0)
            continue;
        if (is_out && out_is_prefix(cmd)) {
            if (check_prefix(cmd, v) != 0)
                return -1;
            continue;
        }
        const guarded *g = clash(v);
        if (g)
            return refuse(cmd, o->name, v, g);
        if (strcmp(o->name, "rejects") == 0 && check_rejects(cmd, v) != 0)
            return -1;
    }
    return 0;
}

int rs_cli_out_refused(const char *cmd, const char *opt, const char *path)
{
    const guarded *g = clash(path);
    return g ? refuse(cmd, opt, path, g) : 0;
}
