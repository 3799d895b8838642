/*
 * report_heat.c — the board pack's section 4: where drivers sped at
 * weekends in the quarter.  A grid of HEAT_CELL_M squares (1 km; the
 * prose says what the constant says) of the share of traffic telematics
 * pings at or over the enforcement threshold on Saturdays and Sundays (UK
 * time), cells with fewer than HEAT_MIN_COUNT (10) pings withheld, drawn by
 * heat_out into the pack's private directory and embedded; then the cells
 * with the highest shares as a table, the map's text equivalent.
 *
 * Data structure: one rs_heat_grid (cells sorted south to north); with some
 * but not all districts chosen, a copy of it holding only their cells.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "heat.h"
#include "heat_out.h"
#include "report_int.h"

#define HEAT_CELL_M 1000.0
#define HEAT_MIN_COUNT 10u
#define HEAT_TOP 10

/* The cell side in words, from HEAT_CELL_M: "1 km", "500 m". */
static void cell_words(char *buf, size_t size)
{
    if (HEAT_CELL_M >= 1000 && fmod(HEAT_CELL_M, 1000) == 0)
        snprintf(buf, size, "%g km", HEAT_CELL_M / 1000);
    else
        snprintf(buf, size, "%g m", HEAT_CELL_M);
}

typedef struct top_cell {
    const rs_heat_cell *c;
    double v;
} top_cell;

static int top_cmp(const void *a, const void *b)
{
    const top_cell *x = a, *y = b;
    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    if (x->c->pings != y->c->pings)
        return x->c->pings > y->c->pings ? -1 : 1;
    if (x->c->j != y->c->j)
        return x->c->j < y->c->j ? -1 : 1;
    return x->c->i < y->c->i ? -1 : x->c->i > y->c->i;
}

static const char *cell_district(const rs_rep *r, const rs_heat_cell *c)
{
    if (c->district < 0 || (size_t)c->district >= r->nd)
        return "(outside every district)";
    return rs_districts_name(r->d, (size_t)c->district);
}

static void remove_layer(const char *prefix)
{
    static const char *const ext[] = {".csv", ".shp", ".shx", ".dbf", ".prj", ".cpg", ".png"};
    char p[4200];
    for (size_t k = 0; k < sizeof ext / sizeof ext[0]; k++) {
        snprintf(p, sizeof p, "%s%s", prefix, ext[k]);
        unlink(p);
    }
}

static int draw(rs_rep *r, const rs_heat_grid *h, int district, const char *period)
{
    char prefix[4096], png[4200], sub[512], title[256], side[32], wh[64];
    cell_words(side, sizeof side);
    snprintf(prefix, sizeof prefix, "%s/heat", r->tmpdir);
    /* short lines: the map is drawn for print, in large type (the figure's
     * caption and the text around it say the rest) */
    snprintf(title, sizeof title, "Weekend speeding, %s", r->qlabel);
    snprintf(sub, sizeof sub, "Sat and Sun, %s; %s squares", period, side);
    snprintf(wh, sizeof wh, "withheld: under %u pings", HEAT_MIN_COUNT);
    rs_heat_out ho;
    memset(&ho, 0, sizeof ho);
    ho.prefix = prefix;
    ho.metric = RS_METRIC_SHARE_OVER;
    ho.district = district;
    ho.scale_max = 0;
    ho.title = title;
    ho.subtitle = sub;
    ho.attribution = "Connected-vehicle telematics; threshold: limit x 1.1 + 2 mph (NPCC). "
                     "Made with roadsafe.";
    ho.withheld = wh;
    ho.context = r->o->context;
    ho.ncontext = r->o->ncontext;
    ho.print_mm = RS_REP_PRINT_MM;
    int rc = rs_heat_write_grid(r->ctx, h, &ho);
    if (rc != RS_OK) {
        remove_layer(prefix);
        return rc;
    }
    /* the map: alt text from the figures it shows */
    size_t shown = 0;
    double vmax = 0;
    top_cell *top = calloc(h->ncells ? h->ncells : 1, sizeof *top);
    if (top == NULL) {
        remove_layer(prefix);
        return rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < h->ncells; k++) {
        double v = rs_heat_cell_value(&h->cells[k], RS_METRIC_SHARE_OVER);
        if (isnan(v))
            continue;
        top[shown].c = &h->cells[k];
        top[shown].v = v;
        shown++;
        if (v > vmax)
            vmax = v;
    }
    qsort(top, shown, sizeof *top, top_cmp);
    char alt[1400];
    int n = snprintf(alt, sizeof alt,
                     "Map of %s with %s squares coloured by the share of weekend telematics "
                     "pings at or over the enforcement threshold in %s, on the viridis scale "
                     "from dark purple (low) to yellow (high), 0 to %.0f%%. %zu squares are "
                     "shown and %zu withheld for having fewer than %u pings.",
                     r->all ? "the county's districts" : "the chosen districts", side, r->qlabel,
                     vmax,
                     shown, h->withheld, HEAT_MIN_COUNT);
    for (size_t k = 0; k < shown && k < 3 && n > 0 && (size_t)n < sizeof alt; k++)
        n += snprintf(alt + n, sizeof alt - (size_t)n, "%s %s (%.1f%% of %u pings)",
                      k == 0 ? " Highest shares: in" : k == shown - 1 || k == 2 ? "; and in"
                                                                                 : "; in",
                      cell_district(r, top[k].c), top[k].v, top[k].c->pings);
    if (n > 0 && (size_t)n < sizeof alt && shown > 0)
        snprintf(alt + n, sizeof alt - (size_t)n, ".");
    char cap[512];
    snprintf(cap, sizeof cap,
             "Share of weekend pings at or over the enforcement threshold (speed at least the "
             "limit x 1.1 + 2 mph), %s. Darker squares are lower, brighter higher; blank "
             "squares had too few pings to publish. The highest squares are listed below.",
             period);
    snprintf(png, sizeof png, "%s.png", prefix);
    rc = rs_rep_embed_png(r, png, alt, cap);
    remove_layer(prefix);
    if (rc != RS_OK) {
        free(top);
        return rc;
    }

    char tcap[200];
    snprintf(tcap, sizeof tcap,
             "The %d squares with the highest weekend share over the threshold, %s", HEAT_TOP,
             r->qlabel);
    const char *cols[] = {"rank", "district", "square centre (easting, northing)", "pings",
                          "over the threshold", "share over (%)"};
    rs_table *t = rs_table_new(tcap, 6, cols);
    int bad = t == NULL;
    for (size_t k = 0; !bad && k < shown && k < HEAT_TOP; k++) {
        const rs_heat_cell *c = top[k].c;
        char rank[16], pos[64], p[32], o[32], s[32];
        snprintf(rank, sizeof rank, "%zu", k + 1);
        snprintf(pos, sizeof pos, "%.0f, %.0f", c->x, c->y);
        rs_rep_count(c->pings, p, sizeof p);
        rs_rep_count(c->over, o, sizeof o);
        rs_fmt_fixed(s, sizeof s, top[k].v, 1);
        const char *cells[] = {rank, cell_district(r, c), pos, p, o, s};
        bad = rs_table_add(t, cells) != 0;
    }
    free(top);
    if (bad) {
        rs_table_free(t);
        return rs_rep_table(r, NULL);
    }
    if (shown == 0) {
        rs_table_free(t);
        rs_rep_para(r, NULL, "No square had %u or more weekend pings, so none is listed.",
                    HEAT_MIN_COUNT);
        return RS_OK;
    }
    return rs_rep_table(r, t);
}

int rs_rep_heat(rs_rep *r)
{
    rs_rep_section_open(r, "heatmap", "4. Weekend speeding heat map");
    char a[40], b[40], period[96], side[32];
    cell_words(side, sizeof side);
    rs_rep_day_words(r->t0, a, sizeof a);
    rs_rep_day_words(r->t1 - 1, b, sizeof b);
    snprintf(period, sizeof period, "%s to %s", a, b);
    rs_rep_para(r, NULL,
                "Where connected vehicles drove at or over the enforcement threshold at "
                "weekends in %s (%s): the share of each %s square's pings, to guide where "
                "weekend enforcement and engagement go.",
                r->qlabel, period, side);
    if (r->nd == 0) {
        rs_rep_para(r, "unavailable",
                    "Not available: no districts are loaded, and the heat map counts pings "
                    "inside districts only.");
        rs_rep_section_close(r);
        return RS_OK;
    }
    rs_ping_filter f;
    rs_ping_filter_init(&f);
    f.from = r->t0;
    f.to = r->t1;
    f.days = RS_DAYS_WEEKEND;
    int single = -1;
    if (!r->all && r->nsel == 1)
        for (size_t i = 0; i < r->nd; i++)
            if (r->sel[i])
                single = (int)i;
    f.district = single;
    rs_grid g = {RS_GRID_SQUARE, HEAT_CELL_M};
    rs_heat_grid *h = NULL, sub;
    int rc = rs_heat_grid_build(r->ctx, &f, &g, HEAT_MIN_COUNT, &h);
    if (rc == RS_ENOTFOUND || (rc == RS_OK && h->ncells == 0)) {
        rs_err_clear(rs_ctx_err(r->ctx));
        rs_rep_para(r, "unavailable",
                    "Not available: the workspace holds no weekend telematics pings inside the "
                    "chosen districts in %s.",
                    r->qlabel);
        rs_heat_grid_free(h);
        rs_rep_section_close(r);
        return RS_OK;
    }
    if (rc != RS_OK)
        return rc;
    const rs_heat_grid *use = h;
    memset(&sub, 0, sizeof sub);
    if (!r->all && single < 0) {
        /* several districts: keep only their cells */
        sub.grid = h->grid;
        sub.cells = calloc(h->ncells ? h->ncells : 1, sizeof *sub.cells);
        if (sub.cells == NULL) {
            rs_heat_grid_free(h);
            return rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
        }
        for (size_t k = 0; k < h->ncells; k++) {
            const rs_heat_cell *c = &h->cells[k];
            if (c->district < 0 || (size_t)c->district >= r->nd || !r->sel[c->district])
                continue;
            sub.cells[sub.ncells++] = *c;
            sub.pings += c->pings;
            sub.withheld += c->withheld != 0;
        }
        use = &sub;
    }
    rc = draw(r, use, single, period);
    free(sub.cells);
    rs_heat_grid_free(h);
    if (rc != RS_OK)
        return rc;
    rs_rep_para(r, "note",
                "Only pings inside a district are counted. A withheld square had fewer than %u "
                "weekend pings: too few for a share to mean anything, and small counts are not "
                "published. The colour ramp (viridis) rises steadily in lightness, so it reads "
                "in greyscale too.",
                HEAT_MIN_COUNT);
    rs_rep_section_close(r);
    return RS_OK;
}
