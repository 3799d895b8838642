/*
 * map_layers.c — what is drawn inside a map's frame (see map_int.h): the
 * viridis ramp, the background inside and outside the districts, filled
 * cells, density rasters, district outlines, point markers, and the
 * district names placed last, on top, nudged apart where they would touch.
 */
#include "map_int.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "draw_int.h"

/* ---- colours ------------------------------------------------------------ */

/* matplotlib's viridis (van der Walt & Smith, CC0): every 8th of its 256
 * entries and the last, as 8-bit sRGB; `at` is the entry index. */
typedef struct anchor {
    unsigned char at, r, g, b;
} anchor;

static const anchor viridis[] = {
    {0, 0x44, 0x01, 0x54},   {8, 0x47, 0x0D, 0x60},   {16, 0x48, 0x18, 0x6A},
    {24, 0x48, 0x23, 0x74},  {32, 0x47, 0x2D, 0x7B},  {40, 0x45, 0x37, 0x81},
    {48, 0x42, 0x40, 0x86},  {56, 0x3E, 0x49, 0x89},  {64, 0x3B, 0x52, 0x8B},
    {72, 0x37, 0x5B, 0x8D},  {80, 0x33, 0x63, 0x8D},  {88, 0x2F, 0x6B, 0x8E},
    {96, 0x2C, 0x72, 0x8E},  {104, 0x29, 0x7A, 0x8E}, {112, 0x26, 0x82, 0x8E},
    {120, 0x23, 0x89, 0x8E}, {128, 0x21, 0x91, 0x8C}, {136, 0x1F, 0x98, 0x8B},
    {144, 0x1F, 0xA0, 0x88}, {152, 0x22, 0xA7, 0x85}, {160, 0x28, 0xAE, 0x80},
    {168, 0x32, 0xB6, 0x7A}, {176, 0x3F, 0xBC, 0x73}, {184, 0x4E, 0xC3, 0x6B},
    {192, 0x5E, 0xC9, 0x62}, {200, 0x70, 0xCF, 0x57}, {208, 0x84, 0xD4, 0x4B},
    {216, 0x98, 0xD8, 0x3E}, {224, 0xAD, 0xDC, 0x30}, {232, 0xC2, 0xDF, 0x23},
    {240, 0xD8, 0xE2, 0x19}, {248, 0xEC, 0xE5, 0x1B}, {255, 0xFD, 0xE7, 0x25},
};
#define NVIRIDIS (sizeof viridis / sizeof viridis[0])

typedef struct rgb {
    double r, g, b;
} rgb;

/* The ramp at t in [0, 1] (clamped), linear between anchors. */
static rgb ramp(double t)
{
    if (!(t > 0))
        t = 0;
    if (t > 1)
        t = 1;
    double pos = t * 255.0;
    size_t i = 0;
    while (i + 2 < NVIRIDIS && viridis[i + 1].at <= pos)
        i++;
    const anchor *a = &viridis[i], *b = &viridis[i + 1];
    double f = (pos - a->at) / (double)(b->at - a->at);
    if (f < 0)
        f = 0;
    if (f > 1)
        f = 1;
    rgb c = {(a->r + f * (b->r - a->r)) / 255.0, (a->g + f * (b->g - a->g)) / 255.0,
             (a->b + f * (b->b - a->b)) / 255.0};
    return c;
}

void rs_map_ramp_stops(cairo_pattern_t *grad)
{
    for (size_t i = 0; i < NVIRIDIS; i++)
        cairo_pattern_add_color_stop_rgb(grad, viridis[i].at / 255.0, viridis[i].r / 255.0,
                                         viridis[i].g / 255.0, viridis[i].b / 255.0);
}

/* ---- layers ------------------------------------------------------------- */

static void path_shape(const rs_map *m, cairo_t *cr, const shape *s)
{
    for (size_t r = s->ring0; r < s->ring0 + s->nrings; r++) {
        const double *p = m->xy + 2 * m->rings[r].off;
        size_t n = m->rings[r].n;
        cairo_move_to(cr, X(m, p[0]), Y(m, p[1]));
        for (size_t k = 1; k < n; k++)
            cairo_line_to(cr, X(m, p[2 * k]), Y(m, p[2 * k + 1]));
        cairo_close_path(cr);
    }
}

void rs_map_paint_background(const rs_map *m, cairo_t *cr)
{
    const layout *l = &m->lay;
    rs_draw_hex(cr, C_PAGE);
    cairo_paint(cr);
    if (!rs_map_has_kind(m, L_DISTRICTS))
        return;
    /* outside the districts a light tint, inside white */
    rs_draw_hex(cr, C_OUTSIDE);
    cairo_rectangle(cr, l->mx, l->my, l->mw, l->mh);
    cairo_fill(cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    for (size_t i = 0; i < m->nlayers; i++) {
        const layer *ly = &m->layers[i];
        if (ly->kind != L_DISTRICTS)
            continue;
        for (size_t s = ly->shape0; s < ly->shape0 + ly->nshapes; s++)
            path_shape(m, cr, &m->shapes[s]);
    }
    rs_draw_hex(cr, C_PAGE);
    cairo_fill(cr);
}

static void draw_fill(const rs_map *m, cairo_t *cr, const layer *ly, double smax)
{
    rgb c = ramp(ly->value / smax);
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    path_shape(m, cr, &m->shapes[ly->shape0]);
    cairo_fill_preserve(cr);
    /* a hairline of the same colour closes the anti-aliasing seams
     * between neighbouring cells */
    cairo_set_line_width(cr, 1.0);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_stroke(cr);
}

static void draw_withheld(const rs_map *m, cairo_t *cr, const layer *ly)
{
    rs_draw_hex(cr, C_WITHHELD);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    path_shape(m, cr, &m->shapes[ly->shape0]);
    cairo_fill_preserve(cr);
    cairo_set_line_width(cr, 1.0);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_stroke(cr);
}

static int draw_raster(const rs_map *m, cairo_t *cr, const layer *ly, double smax)
{
    const rs_raster *r = &ly->ras;
    if (r->cols == 0 || r->rows == 0)
        return RS_OK;
    int w = (int)r->cols, h = (int)r->rows;
    int stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, w);
    if (stride < 0)
        return rs_err_set(rs_ctx_err(m->ctx), RS_ERR, "map: raster of %d px too wide", w);
    unsigned char *data = calloc((size_t)h, (size_t)stride);
    if (data == NULL)
        return rs_err_set(rs_ctx_err(m->ctx), RS_ENOMEM, "out of memory");
    for (int row = 0; row < h; row++) {
        uint32_t *px = (uint32_t *)(void *)(data + (size_t)row * (size_t)stride);
        for (int col = 0; col < w; col++) {
            double v = r->v[(size_t)row * r->cols + (size_t)col];
            if (isnan(v) || v == 0)
                continue; /* transparent */
            rgb c = ramp(v / smax);
            px[col] = 0xFF000000u | (uint32_t)lround(c.r * 255) << 16 |
                      (uint32_t)lround(c.g * 255) << 8 | (uint32_t)lround(c.b * 255);
        }
    }
    cairo_surface_t *img =
        cairo_image_surface_create_for_data(data, CAIRO_FORMAT_ARGB32, w, h, stride);
    int rc = RS_OK;
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        rc = rs_err_set(rs_ctx_err(m->ctx), RS_ERR, "map: raster image: %s",
                        cairo_status_to_string(cairo_surface_status(img)));
    } else {
        double k = r->pixel * m->scale;
        cairo_save(cr);
        cairo_translate(cr, X(m, r->x0), Y(m, r->y0 + (double)r->rows * r->pixel));
        cairo_scale(cr, k, k);
        cairo_set_source_surface(cr, img, 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
        cairo_paint(cr);
        cairo_restore(cr);
    }
    cairo_surface_destroy(img); /* the paint has been done: data may go */
    free(data);
    return rc;
}

static void draw_outlines(const rs_map *m, cairo_t *cr, const layer *ly)
{
    for (size_t s = ly->shape0; s < ly->shape0 + ly->nshapes; s++)
        path_shape(m, cr, &m->shapes[s]);
    rs_draw_hex(cr, C_OUTLINE);
    cairo_set_line_width(cr, 1.5 * m->lay.u);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr);
}

static double marker_radius(const layout *l) { return 4.5 * l->u; }

void rs_map_marker(cairo_t *cr, const layout *l, double x, double y, unsigned fill)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, marker_radius(l), 0, 2 * 3.14159265358979323846);
    rs_draw_hex(cr, fill);
    cairo_fill_preserve(cr);
    rs_draw_hex(cr, C_TEXT);
    cairo_set_line_width(cr, 1.2 * l->u);
    cairo_stroke(cr);
}

static void draw_points(const rs_map *m, cairo_t *cr, const layer *ly)
{
    double pad = 2 * marker_radius(&m->lay);
    for (size_t i = 0; i < ly->npts; i++) {
        double x = X(m, ly->pts[2 * i]), y = Y(m, ly->pts[2 * i + 1]);
        if (!isfinite(x) || !isfinite(y) || x < m->lay.mx - pad || y < m->lay.my - pad ||
            x > m->lay.mx + m->lay.mw + pad || y > m->lay.my + m->lay.mh + pad)
            continue;
        rs_map_marker(cr, &m->lay, x, y, ly->fill);
    }
}

/* ---- context layers ----------------------------------------------------- */

static double place_radius(const layout *l) { return 3.0 * l->u; }

static void path_parts(const rs_map *m, cairo_t *cr, const layer *ly, int closed)
{
    for (size_t r = ly->ring0; r < ly->ring0 + ly->nparts; r++) {
        const double *p = m->xy + 2 * m->rings[r].off;
        size_t n = m->rings[r].n;
        cairo_move_to(cr, X(m, p[0]), Y(m, p[1]));
        for (size_t k = 1; k < n; k++)
            cairo_line_to(cr, X(m, p[2 * k]), Y(m, p[2 * k + 1]));
        if (closed)
            cairo_close_path(cr);
    }
}

/* Roads: a thin, half-transparent dark line (the cells along it stay
 * readable); outlines: dashed; places: a dark dot in a white ring (their
 * names come with the district names). */
void rs_map_context_line(cairo_t *cr, const layout *l, int ckind)
{
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    if (ckind == RS_CONTEXT_LINES) {
        /* thin and half transparent: the cells along a road stay readable */
        cairo_set_source_rgba(cr, 0x1A / 255.0, 0x1A / 255.0, 0x1A / 255.0, 0.6);
        cairo_set_line_width(cr, 1.0 * l->u);
        cairo_stroke(cr);
    } else {
        double dash[2] = {5 * l->u, 3 * l->u};
        cairo_set_dash(cr, dash, 2, 0);
        rs_draw_hex(cr, C_CONTEXT);
        cairo_set_line_width(cr, 1.2 * l->u);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
}

void rs_map_place_marker(cairo_t *cr, const layout *l, double x, double y)
{
    /* a dark dot in a white ring: apart from the white and coloured
     * markers of point layers (camera sites) */
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, place_radius(l), 0, 2 * 3.14159265358979323846);
    rs_draw_hex(cr, C_CONTEXT);
    cairo_fill_preserve(cr);
    rs_draw_hex(cr, C_PAGE);
    cairo_set_line_width(cr, 1.4 * l->u);
    cairo_stroke(cr);
}

static void draw_context(const rs_map *m, cairo_t *cr, const layer *ly)
{
    if (ly->ckind == RS_CONTEXT_POINTS) {
        double pad = 2 * place_radius(&m->lay);
        for (size_t i = 0; i < ly->npts; i++) {
            double x = X(m, ly->pts[2 * i]), y = Y(m, ly->pts[2 * i + 1]);
            if (x < m->lay.mx - pad || y < m->lay.my - pad || x > m->lay.mx + m->lay.mw + pad ||
                y > m->lay.my + m->lay.mh + pad)
                continue;
            rs_map_place_marker(cr, &m->lay, x, y);
        }
        return;
    }
    cairo_new_path(cr);
    path_parts(m, cr, ly, ly->ckind == RS_CONTEXT_POLYGONS);
    rs_map_context_line(cr, &m->lay, ly->ckind);
}

/* ---- district names ----------------------------------------------------- */

typedef struct placed {
    const label *lab;  /* a district name, or NULL for a place name (text) */
    const char *text;
    double size;
    double x, y;           /* baseline start */
    double bx0, by0, bx1, by1; /* ink box with halo */
} placed;

static int cmp_label_area(const void *a, const void *b)
{
    const placed *p = a, *q = b;
    if (p->lab->area != q->lab->area)
        return p->lab->area < q->lab->area ? -1 : 1;
    return p->lab < q->lab ? -1 : p->lab > q->lab;
}

/* Whether two names' boxes come closer than gap (so that neighbours do
 * not read as one name). */
static int overlaps(const placed *a, const placed *b, double gap)
{
    return a->bx0 < b->bx1 + gap && b->bx0 < a->bx1 + gap && a->by0 < b->by1 &&
           b->by0 < a->by1;
}

/* Places every name (small districts first, so the big ones move), nudging
 * a name up or down by a line when it would cover one already placed, then
 * draws them all: white halo first, dark text over it. */
static int draw_labels(const rs_map *m, cairo_t *cr)
{
    const layout *l = &m->lay;
    size_t n = 0, nplaces = 0;
    for (size_t i = 0; i < m->nlayers; i++) {
        if (m->layers[i].kind == L_DISTRICTS && m->layers[i].labels)
            n += m->layers[i].nshapes;
        if (m->layers[i].kind == L_CONTEXT && m->layers[i].plabel)
            nplaces += m->layers[i].npts;
    }
    if (n + nplaces == 0)
        return RS_OK;
    placed *pl = calloc(n + nplaces, sizeof *pl);
    if (pl == NULL)
        return rs_err_set(rs_ctx_err(m->ctx), RS_ENOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < m->nlayers; i++) {
        const layer *ly = &m->layers[i];
        if (ly->kind != L_DISTRICTS || !ly->labels)
            continue;
        for (size_t j = 0; j < ly->nshapes; j++)
            if (ly->lab[j].name && isfinite(ly->lab[j].x))
                pl[k++].lab = &ly->lab[j];
    }
    n = k;
    qsort(pl, n, sizeof *pl, cmp_label_area);

    double halo = 3.0 * l->u;
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        placed *p = &pl[done];
        *p = pl[i];
        double ax = X(m, p->lab->x), ay = Y(m, p->lab->y);
        if (ax < l->mx || ax > l->mx + l->mw || ay < l->my || ay > l->my + l->mh)
            continue;
        /* 14 px, smaller (not under 10) when wider than its polygon */
        double room = 0.95 * p->lab->width_m * m->scale;
        p->size = rs_draw_fit_font(cr, p->lab->name, 14 * l->u, 10 * l->u, 0, room);
        cairo_text_extents_t te;
        cairo_text_extents(cr, p->lab->name, &te);
        double w = te.x_advance, asc = p->size * 0.74, desc = p->size * 0.22;
        double line = asc + desc + 2 * halo;
        static const double nudge[] = {0, -1, 1, -2, 2, -3, 3, 0};
        size_t nn = sizeof nudge / sizeof nudge[0];
        for (size_t c = 0; c < nn; c++) {
            double x = ax - w / 2, y = ay + asc / 2 + nudge[c] * line;
            /* keep inside the map area */
            if (x < l->mx + halo)
                x = l->mx + halo;
            if (x + w > l->mx + l->mw - halo)
                x = l->mx + l->mw - halo - w;
            if (y - asc < l->my + halo)
                y = l->my + halo + asc;
            if (y + desc > l->my + l->mh - halo)
                y = l->my + l->mh - halo - desc;
            p->x = x;
            p->y = y;
            p->bx0 = x - halo;
            p->bx1 = x + w + halo;
            p->by0 = y - asc - halo;
            p->by1 = y + desc + halo;
            int clash = 0;
            for (size_t q = 0; q < done && !clash && c + 1 < nn; q++)
                clash = overlaps(p, &pl[q], 6 * l->u);
            if (!clash)
                break; /* the last candidate (nowhere free: stay put) always is */
        }
        done++;
    }
    size_t ndistrict = done;
    /* place names: right of the dot, else left, above, below; left out
     * where every spot would touch a name already placed */
    double psize = 14 * l->u, pr = place_radius(l);
    rs_draw_font(cr, psize, 0);
    for (size_t i = 0; i < m->nlayers; i++) {
        const layer *ly = &m->layers[i];
        if (ly->kind != L_CONTEXT || ly->plabel == NULL)
            continue;
        for (size_t j = 0; j < ly->npts; j++) {
            const char *name = ly->plabel[j];
            double ax = X(m, ly->pts[2 * j]), ay = Y(m, ly->pts[2 * j + 1]);
            if (name == NULL || ax < l->mx || ax > l->mx + l->mw || ay < l->my ||
                ay > l->my + l->mh)
                continue;
            cairo_text_extents_t te;
            cairo_text_extents(cr, name, &te);
            double w = te.x_advance, asc = psize * 0.74, desc = psize * 0.22;
            const double cand[4][2] = {{ax + pr + 3 * l->u, ay + asc / 2},
                                       {ax - pr - 3 * l->u - w, ay + asc / 2},
                                       {ax - w / 2, ay - pr - 2 * l->u - desc},
                                       {ax - w / 2, ay + pr + 2 * l->u + asc}};
            for (size_t c = 0; c < 4; c++) {
                placed *p = &pl[done];
                memset(p, 0, sizeof *p);
                p->size = psize;
                p->x = cand[c][0];
                p->y = cand[c][1];
                p->bx0 = p->x - halo;
                p->bx1 = p->x + w + halo;
                p->by0 = p->y - asc - halo;
                p->by1 = p->y + desc + halo;
                if (p->bx0 < l->mx || p->bx1 > l->mx + l->mw || p->by0 < l->my ||
                    p->by1 > l->my + l->mh)
                    continue;
                int clash = 0;
                for (size_t q = 0; q < done && !clash; q++)
                    clash = overlaps(p, &pl[q], 2 * l->u);
                if (clash)
                    continue;
                p->text = name;
                done++;
                break;
            }
        }
    }
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (size_t i = 0; i < done; i++) {
        rs_draw_font(cr, pl[i].size, 0);
        cairo_move_to(cr, pl[i].x, pl[i].y);
        cairo_text_path(cr, i < ndistrict ? pl[i].lab->name : pl[i].text);
        rs_draw_hex(cr, C_PAGE);
        cairo_set_line_width(cr, 2 * halo);
        cairo_stroke_preserve(cr);
        rs_draw_hex(cr, i < ndistrict ? C_TEXT : C_CONTEXT);
        cairo_fill(cr);
    }
    free(pl);
    return RS_OK;
}

/* ---- the map area ------------------------------------------------------- */

int rs_map_paint_area(const rs_map *m, cairo_t *cr, double smax)
{
    const layout *l = &m->lay;
    int rc = RS_OK;
    cairo_save(cr);
    cairo_rectangle(cr, l->mx, l->my, l->mw, l->mh);
    cairo_clip(cr);
    for (size_t i = 0; i < m->nlayers && rc == RS_OK; i++) {
        const layer *ly = &m->layers[i];
        switch (ly->kind) {
        case L_FILL:
            draw_fill(m, cr, ly, smax);
            break;
        case L_WITHHELD:
            draw_withheld(m, cr, ly);
            break;
        case L_RASTER:
            rc = draw_raster(m, cr, ly, smax);
            break;
        case L_DISTRICTS:
            draw_outlines(m, cr, ly);
            break;
        case L_POINTS:
            draw_points(m, cr, ly);
            break;
        case L_CONTEXT:
            draw_context(m, cr, ly);
            break;
        default:
            break;
        }
    }
    if (rc == RS_OK)
        rc = draw_labels(m, cr);
    cairo_restore(cr);
    return rc;
}
