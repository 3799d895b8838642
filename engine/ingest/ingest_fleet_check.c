/*
 * ingest_fleet_check.c — the per-vehicle checks of fleet (patrol AVL)
 * pings: an AVL feed repeats a vehicle at the same timestamps and jumps it
 * between places it cannot have driven between, and either draws a false
 * wedge of patrol presence.  A fleet ping is rejected when its vehicle
 * already has a ping at that second (stored, or earlier in the file), or
 * when the straight line from the vehicle's previous accepted ping, in time
 * order, implies more than the speed limit (default 150 mph); a ping is
 * also rejected when it would imply that speed to the vehicle's next ping
 * already stored (stored pings always stand: they were accepted when
 * loaded).  See ingest_fleet_int.h for the calls.
 *
 * Design.  The check needs each vehicle's pings in time order, but a file
 * is parsed on every core and need not be in time order.  So the pipeline's
 * store step (one thread, batches in file order) only adds each parsed ping
 * to a temporary table, numbered in file order; once the whole file is
 * read, one thread walks the file's pings and the vehicles' stored pings
 * merged in (vehicle, time, stored first, file order) and decides, and a
 * last pass in file order stores the accepted pings in chunks exactly as an
 * unchecked load would and rejects the others.  Nothing depends on thread
 * scheduling: the decisions are a function of the file and the store.
 *
 * Memory: the temporary table lives in SQLite's temporary storage (it
 * spills to disk); in memory one byte of decision per ping of the file,
 * and the accepted pings of a vehicle between two of its stored pings
 * (none unless the file overlaps pings already stored).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_fleet_int.h"
#include "pingscan.h"
#include "store.h"

/* The farthest apart two points of the national grid can be, metres
 * (700 km by 1,300 km): a previous ping longer ago than this distance at
 * the limit's speed can never imply more than the limit. */
#define GRID_DIAGONAL_M 1.48e6

enum { OK = 0, DUP = 1, DUP_JUMP = 2, JUMP = 3, JUMP_NEXT = 4 };

struct rs_fleet_check {
    rs_ingest_run *r;
    double mps; /* the limit, m/s; 0 no speed check */
    int same_time_ok;
    sqlite3_stmt *add;
    int64_t n;           /* pings added (seq 0..n-1) */
    int64_t t_min, t_max;
    unsigned char *seen; /* vehicle ids of the file, by id */
    char why_dup[96], why_dup_jump[160], why_jump[128], why_next[128];
};

int rs_fleet_check_new(rs_ingest_run *r, double max_mph, int same_time_ok,
                       rs_fleet_check **out)
{
    *out = NULL;
    if (max_mph == 0)
        max_mph = RS_FLEET_MAX_MPH;
    if (max_mph < 0 && same_time_ok)
        return 0; /* nothing to check */
    rs_fleet_check *c = calloc(1, sizeof *c);
    if (c == NULL || (c->seen = calloc(65536, 1)) == NULL) {
        free(c);
        return rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
    }
    c->r = r;
    c->mps = max_mph > 0 ? max_mph * 1609.344 / 3600.0 : 0;
    c->same_time_ok = same_time_ok;
    snprintf(c->why_dup, sizeof c->why_dup, "the vehicle already has a ping at this time");
    snprintf(c->why_dup_jump, sizeof c->why_dup_jump,
             "the vehicle has another ping at this time, and this one implies more than %g "
             "mph from its previous accepted ping",
             max_mph);
    snprintf(c->why_jump, sizeof c->why_jump,
             "implies more than %g mph from the vehicle's previous accepted ping", max_mph);
    snprintf(c->why_next, sizeof c->why_next,
             "implies more than %g mph to the vehicle's next ping already stored", max_mph);
    if (rs_store_exec(r->ctx,
                      "DROP TABLE IF EXISTS temp.fleet_new; "
                      "CREATE TEMP TABLE fleet_new(seq INTEGER PRIMARY KEY, line INTEGER, "
                      "vehicle INTEGER, t INTEGER, e INTEGER, n INTEGER, speed INTEGER, "
                      "lim INTEGER, district INTEGER); "
                      "DROP TABLE IF EXISTS temp.fleet_old; "
                      "CREATE TEMP TABLE fleet_old(vehicle INTEGER, t INTEGER, e INTEGER, "
                      "n INTEGER)",
                      "prepare the fleet checks") != 0 ||
        sqlite3_prepare_v2(r->db,
                           "INSERT INTO temp.fleet_new VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)", -1,
                           &c->add, NULL) != SQLITE_OK) {
        int rc = rs_store_fail(r->ctx, "prepare the fleet checks");
        rs_fleet_check_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void rs_fleet_check_free(rs_fleet_check *c)
{
    if (c == NULL)
        return;
    sqlite3_finalize(c->add);
    /* the tables go with the transaction when it is rolled back; else here */
    sqlite3_exec(c->r->db, "DROP TABLE IF EXISTS temp.fleet_new; "
                           "DROP TABLE IF EXISTS temp.fleet_old",
                 NULL, NULL, NULL);
    free(c->seen);
    free(c);
}

int rs_fleet_check_add(rs_fleet_check *c, long line, const rs_ping *p)
{
    sqlite3_stmt *st = c->add;
    sqlite3_bind_int64(st, 1, c->n);
    sqlite3_bind_int64(st, 2, line);
    sqlite3_bind_int(st, 3, p->vehicle);
    sqlite3_bind_int64(st, 4, p->t);
    sqlite3_bind_int(st, 5, p->e);
    sqlite3_bind_int(st, 6, p->n);
    sqlite3_bind_int(st, 7, p->speed);
    sqlite3_bind_int(st, 8, p->limit);
    sqlite3_bind_int(st, 9, p->district);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rs_store_fail(c->r->ctx, "keep a fleet ping for its checks");
    if (c->n == 0 || p->t < c->t_min)
        c->t_min = p->t;
    if (c->n == 0 || p->t > c->t_max)
        c->t_max = p->t;
    c->seen[p->vehicle] = 1;
    c->n++;
    return 0;
}

/* ---- the vehicles' stored pings -------------------------------------------- */

typedef struct old_sink {
    rs_fleet_check *c;
    sqlite3_stmt *ins;
    int64_t from, to;
    int rc;
} old_sink;

static int keep_old(void *user, const rs_ping *p, size_t n)
{
    old_sink *o = user;
    for (size_t i = 0; i < n; i++) {
        if (!o->c->seen[p[i].vehicle] || p[i].t < o->from || p[i].t > o->to)
            continue;
        sqlite3_bind_int(o->ins, 1, p[i].vehicle);
        sqlite3_bind_int64(o->ins, 2, p[i].t);
        sqlite3_bind_int(o->ins, 3, p[i].e);
        sqlite3_bind_int(o->ins, 4, p[i].n);
        int rc = sqlite3_step(o->ins);
        sqlite3_reset(o->ins);
        if (rc != SQLITE_DONE) {
            o->rc = rs_store_fail(o->c->r->ctx, "read the fleet's stored pings");
            return 1;
        }
    }
    return 0;
}

/* Copies the stored pings of the file's vehicles that could bear on its
 * pings (within the time the limit needs to cross the grid) to fleet_old. */
int64_t rs_fleet_check_window(double max_mph)
{
    if (max_mph == 0)
        max_mph = RS_FLEET_MAX_MPH;
    return max_mph > 0 ? (int64_t)ceil(GRID_DIAGONAL_M / (max_mph * 1609.344 / 3600.0)) : 0;
}

static int load_old(rs_fleet_check *c)
{
    int64_t w = c->mps > 0 ? (int64_t)ceil(GRID_DIAGONAL_M / c->mps) : 0;
    old_sink o = {c, NULL, c->t_min - w, c->t_max + w, 0};
    if (sqlite3_prepare_v2(c->r->db, "INSERT INTO temp.fleet_old VALUES(?1,?2,?3,?4)", -1,
                           &o.ins, NULL) != SQLITE_OK)
        return rs_store_fail(c->r->ctx, "read the fleet's stored pings");
    rs_ping_filter f;
    rs_ping_filter_init(&f);
    f.source = "fleet";
    f.from = o.from;
    f.to = o.to + 1;
    f.district = -2;
    int rc = rs_pings_scan(c->r->ctx, &f, keep_old, &o);
    sqlite3_finalize(o.ins);
    if (o.rc != 0)
        return o.rc;
    if (rc != 0)
        return rc < 0 ? rc : RS_ERR;
    return rs_store_exec(c->r->ctx, "CREATE INDEX temp.fleet_old_vt ON fleet_old(vehicle, t)",
                         "index the fleet's stored pings");
}

/* ---- deciding ---------------------------------------------------------------- */

typedef struct pt {
    int64_t t, seq;
    int32_t e, n;
} pt;

/* 1 when going from a to b (a.t <= b.t) implies more than mps.  Times
 * are whole seconds, so two fixes in one second are taken as a second
 * apart: a repeat a few metres off is not a jump. */
static int too_fast(double mps, const pt *a, const pt *b)
{
    double d = hypot((double)b->e - a->e, (double)b->n - a->n);
    int64_t dt = b->t - a->t;
    return d > mps * (double)(dt < 1 ? 1 : dt);
}

/* Walks every vehicle's pings in time order and sets why[seq]. */
static int decide(rs_fleet_check *c, unsigned char *why)
{
    sqlite3_stmt *st = NULL;
    pt *stack = NULL;
    size_t ns = 0, cap = 0;
    int rc = 0;
    int64_t nold = 0;
    if ((rc = rs_store_query_int(c->r->ctx, "SELECT count(*) FROM temp.fleet_old", &nold)) != 0)
        goto done;
    /* the usual first load of a period: no stored pings to merge */
    if (nold == 0 && sqlite3_prepare_v2(c->r->db,
                                        "SELECT vehicle, t, e, n, 1, seq, NULL, "
                                        "  count(*) OVER (PARTITION BY vehicle, t) "
                                        "FROM temp.fleet_new ORDER BY vehicle, t, seq",
                                        -1, &st, NULL) != SQLITE_OK) {
        rc = rs_store_fail(c->r->ctx, "check the fleet pings");
        goto done;
    }
    if (nold > 0 && sqlite3_prepare_v2(
            c->r->db,
            "SELECT vehicle, t, e, n, src, seq, last_old, "
            "  count(*) OVER (PARTITION BY vehicle, t) "
            "FROM (SELECT vehicle, t, e, n, 0 AS src, -1 AS seq, "
            "  (SELECT max(t) FROM temp.fleet_old o2 WHERE o2.vehicle = o.vehicle) AS last_old "
            "FROM temp.fleet_old o "
            "UNION ALL SELECT vehicle, t, e, n, 1, seq, "
            "  (SELECT max(t) FROM temp.fleet_old o2 WHERE o2.vehicle = f.vehicle) "
            "FROM temp.fleet_new f) "
            "ORDER BY 1, 2, 5, 6",
            -1, &st, NULL) != SQLITE_OK) {
        rc = rs_store_fail(c->r->ctx, "check the fleet pings");
        goto done;
    }
    int vehicle = -1, have_prev = 0;
    pt prev = {0, 0, 0, 0};
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int v = sqlite3_column_int(st, 0);
        pt p = {sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 5),
                sqlite3_column_int(st, 2), sqlite3_column_int(st, 3)};
        int is_new = sqlite3_column_int(st, 4);
        int later_old = sqlite3_column_type(st, 6) != SQLITE_NULL &&
                        sqlite3_column_int64(st, 6) > p.t;
        if (v != vehicle) {
            vehicle = v;
            have_prev = 0;
            ns = 0;
        }
        if (!is_new) {
            /* a stored ping stands; accepted file pings just before it that
             * it could not have been driven to from are taken back */
            while (c->mps > 0 && ns > 0 && too_fast(c->mps, &stack[ns - 1], &p))
                why[stack[--ns].seq] = JUMP_NEXT;
            ns = 0;
            prev = p;
            have_prev = 1;
            continue;
        }
        if (have_prev && prev.t == p.t && !c->same_time_ok) {
            why[p.seq] = DUP;
            continue;
        }
        if (have_prev && c->mps > 0 && too_fast(c->mps, &prev, &p)) {
            /* one of two places at one time: said as such */
            why[p.seq] = sqlite3_column_int64(st, 7) > 1 ? DUP_JUMP : JUMP;
            continue;
        }
        prev = p;
        have_prev = 1;
        if (later_old) {
            if (ns == cap) {
                size_t nc = cap ? cap * 2 : 256;
                pt *ns_ = realloc(stack, nc * sizeof *stack);
                if (ns_ == NULL) {
                    rc = rs_err_set(rs_ctx_err(c->r->ctx), RS_ENOMEM, "out of memory");
                    goto done;
                }
                stack = ns_;
                cap = nc;
            }
            stack[ns++] = p;
        }
    }
    if (step != SQLITE_DONE)
        rc = rs_store_fail(c->r->ctx, "check the fleet pings");
done:
    sqlite3_finalize(st);
    free(stack);
    return rc;
}

int rs_fleet_check_finish(rs_fleet_check *c, int (*keep)(void *user, const rs_ping *p),
                          void *user)
{
    rs_ingest_run *r = c->r;
    unsigned char *why = NULL;
    sqlite3_stmt *st = NULL;
    int rc = 0, again = 0;
    if (c->n == 0)
        return 0;
    /* a file whose content is loaded already is rolled back whole by the
     * driver: it is checked on its own, not against its earlier copy, so
     * its counts are those of its first load */
    if ((rc = rs_ingest_content_loaded(r, &again)) != 0)
        return rc;
    if ((why = calloc((size_t)c->n, 1)) == NULL)
        return rs_err_set(rs_ctx_err(r->ctx), RS_ENOMEM, "out of memory");
    if ((rc = rs_store_exec(r->ctx,
                            "CREATE INDEX temp.fleet_new_vt ON fleet_new(vehicle, t, seq)",
                            "index the fleet pings")) != 0 ||
        (!again && (rc = load_old(c)) != 0) || (rc = decide(c, why)) != 0)
        goto done;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT seq, line, vehicle, t, e, n, speed, lim, district "
                           "FROM temp.fleet_new ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = rs_store_fail(r->ctx, "store the fleet pings");
        goto done;
    }
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        long line = (long)sqlite3_column_int64(st, 1);
        if (seq < 0 || seq >= c->n) {
            rc = rs_err_set(rs_ctx_err(r->ctx), RS_ERR, "internal error: fleet ping order");
            goto done;
        }
        if (why[seq] != OK) {
            const char *col = why[seq] <= DUP_JUMP ? "timestamp" : "lat";
            const char *text = why[seq] == DUP        ? c->why_dup
                               : why[seq] == DUP_JUMP ? c->why_dup_jump
                               : why[seq] == JUMP     ? c->why_jump
                                                      : c->why_next;
            if ((rc = rs_ingest_reject_at(r, line, col, text)) != 0)
                goto done;
            continue;
        }
        rs_ping p = {sqlite3_column_int64(st, 3),
                     sqlite3_column_int(st, 4),
                     sqlite3_column_int(st, 5),
                     (uint16_t)sqlite3_column_int(st, 6),
                     (uint8_t)sqlite3_column_int(st, 7),
                     (int16_t)sqlite3_column_int(st, 8),
                     (uint16_t)sqlite3_column_int(st, 2)};
        if ((rc = keep(user, &p)) != 0)
            goto done;
    }
    if (step != SQLITE_DONE)
        rc = rs_store_fail(r->ctx, "store the fleet pings");
done:
    sqlite3_finalize(st);
    free(why);
    return rc;
}
