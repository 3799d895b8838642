/*
 * ingest_stats19_int.h — storing a STATS19 row that may be loaded already
 * (ingest_stats19_update.c): compared on every stored column, present when
 * the same, else rejected naming the column or, with --update, revised.
 * Private to the ingest room.
 */
#ifndef RS_INGEST_STATS19_INT_H
#define RS_INGEST_STATS19_INT_H

#include "ingest_int.h"

typedef struct rs_s19_stage rs_s19_stage;

/* Prepares the staging of rows of table ("collision", "casualty"), keyed by
 * the columns keys (NULL-ended); names maps stored column names to the
 * file's (pairs, NULL-ended) for rejects.  The loader binds each row with an
 * INSERT into rs_s19_stage_table(s) (the table's own column names), steps
 * it, then calls rs_s19_stage_store.  Returns 0 or an RS_E code. */
int rs_s19_stage_new(rs_ingest_run *r, const char *table, const char *const *keys,
                     const char *const *names, rs_s19_stage **out);
/* "temp.s19_collision": the one-row table the loader inserts into. */
const char *rs_s19_stage_table(const rs_s19_stage *s);
/* Stores the staged row: 1 when its key was new (the caller counts it
 * loaded), 0 when it was there (counted present, revised, or rejected), or
 * an RS_E code.  The staging table is empty afterwards. */
int rs_s19_stage_store(rs_s19_stage *s);
void rs_s19_stage_free(rs_s19_stage *s);

#endif
