/*
 * report_int.h — private to the board pack (report*.c): the state one
 * rs_report_write call carries through its sections, the document helpers
 * they share (report_doc.c), and the sections the driver (report.c) calls.
 * Inside the room calls go one way: report.c -> sections -> report_doc.c.
 * Months are base/periods.h months; numbers are formatted by base/fmt.h.
 *
 * Data structure: one rs_rep on the stack of rs_report_write; it borrows
 * ctx and the open output FILE, owns the district set, the selection flags
 * and the private image directory.
 */
#ifndef RS_REPORT_INT_H
#define RS_REPORT_INT_H

#include <stdint.h>
#include <stdio.h>

#include "ctx.h"
#include "district.h"
#include "report.h"
#include "table.h"
#include "target.h"

typedef struct rs_rep {
    rs_ctx *ctx;
    FILE *f;
    const rs_report_opts *o;
    int q_first;           /* the quarter's first month (year * 12 + month - 1) */
    int64_t t0, t1;        /* the quarter, UTC [t0, t1): UK-local midnights */
    char qlabel[24];       /* "2020Q2" or "2020/21 Q1" */
    char qwords[48];       /* "April to June 2020" */
    char qprev[24];        /* the same quarter a year earlier */
    rs_districts *d;       /* NULL when the workspace has none */
    size_t nd;
    unsigned char *sel;    /* nd flags: district i is in the pack */
    size_t nsel;
    int all;               /* every district is selected (and the county extras count) */
    char *tmpdir;          /* private image directory (mkdtemp) */
    int nimg;              /* images drawn so far (file names img1.png ...) */
    int has_target;        /* the workspace holds an agreed KSI target */
    int have_det, have_con;/* detections, concerns ever loaded (district table) */
    rs_target_spec target;
} rs_rep;

/* The width a map or chart is printed at: A4 (210 mm) less the print
 * CSS's left and right page margins (14 mm each).  The pack's maps are drawn
 * for it (rs_map_opts.print_mm), so no map type is under 8 pt on paper. */
#define RS_REP_PRINT_MM 182.0

/* A no-break space (UTF-8), to keep "168.6 to 224.4" on one line. */
#define RS_NBSP "\xc2\xa0"

/* ---- report_doc.c: the document helpers ---- */

/* "1 April 2020" for a UTC instant's UK-local day. */
void rs_rep_day_words(int64_t t, char *buf, size_t size);

/* Writes text escaped for HTML, formatted printf-style. */
void rs_rep_printf(rs_rep *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* <p class="cls">text</p> (cls may be NULL), text escaped. */
void rs_rep_para(rs_rep *r, const char *cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Opens <section id=ID> with <h2>TITLE</h2>; closes it. */
void rs_rep_section_open(rs_rep *r, const char *id, const char *title);
void rs_rep_section_close(rs_rep *r);
/* Writes t as an HTML table (caption, header scopes) and frees it; RS_ENOMEM
 * when t is NULL (a failed build). */
int rs_rep_table(rs_rep *r, rs_table *t);

/* A fresh path for an image in the private directory (buf >= 4096). */
void rs_rep_img_path(rs_rep *r, char *buf, size_t size);
/* Embeds the PNG at path as <figure><img src="data:..." alt=ALT width height>
 * <figcaption>CAPTION</figcaption></figure> and deletes the file.  RS_EIO. */
int rs_rep_embed_png(rs_rep *r, const char *path, const char *alt, const char *caption);

/* A SQL statement on the workspace; NULL after setting ctx's error. */
typedef struct sqlite3_stmt sqlite3_stmt;
sqlite3_stmt *rs_rep_prepare(rs_rep *r, const char *sql);
/* 1 when the workspace holds any row of this table ("detection",
 * "concern", "casualty", ...), 0 when the source was never loaded (its
 * figures then read "not loaded", never 0), or an RS_E code. */
int rs_rep_loaded(rs_rep *r, const char *table);
/* What a table cell says for a figure whose source was never loaded. */
#define RS_REP_NOT_LOADED "not loaded"
/* Finishes a stepping loop: step's last code SQLITE_DONE -> 0, else the error. */
int rs_rep_finish(rs_rep *r, sqlite3_stmt *st, int last_step, const char *what);

/* "1,234": a count with thousands separators (base/fmt.h's
 * rs_fmt_grouped; other numbers are rs_fmt_fixed and friends directly). */
void rs_rep_count(long long v, char *buf, size_t size);

/* ---- the sections, called by report.c ---- */

/* The sections (report_ksi.c, report_heat.c, report_reoffend.c,
 * report_plan.c, report_quality.c); each writes one <section>. */
int rs_rep_ksi(rs_rep *r);             /* 1 headline, 2 trend, 3 districts */
int rs_rep_heat(rs_rep *r);            /* 4 weekend heat map */
int rs_rep_reoffend(rs_rep *r);        /* 5 reoffending */
int rs_rep_plan(rs_rep *r);            /* 6 weekend plan */
int rs_rep_target(rs_rep *r);          /* 8 KSI target (only when one is stored) */
int rs_rep_quality(rs_rep *r);         /* 7 data quality */

#endif
