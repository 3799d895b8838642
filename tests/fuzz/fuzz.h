/*
 * fuzz.h — what the fuzz targets (tests/fuzz/fuzz_*.c) share.
 *
 * Each target defines LLVMFuzzerTestOneInput.  Built with -DROADSAFE_FUZZ=ON
 * (clang) it links with libFuzzer; in every build it also links with
 * driver.c, whose main() feeds it each file of a corpus directory, so the
 * corpus runs as a regression test under ctest (fuzz.<target>).
 *
 * Helpers: a private scratch directory per process (removed at exit), an
 * in-memory workspace (made once per process and emptied after every
 * input), and FUZZ_ASSERT, which aborts so libFuzzer and
 * the driver both report a broken invariant as a crash.
 */
#ifndef RS_FUZZ_H
#define RS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctx.h"
#include "ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                 \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

/* The process's scratch directory (made on first use, removed at exit). */
const char *fuzz_tmpdir(void);
/* Writes data to name inside the scratch directory; returns the path
 * (static storage, overwritten by the next call). Aborts on failure. */
const char *fuzz_write(const char *name, const uint8_t *data, size_t size);

/* The shared in-memory workspace (a fixed key; no districts unless
 * fuzz_with_districts was called first).  Made on first use; aborts when it
 * cannot be. */
rs_ctx *fuzz_workspace(void);
void fuzz_with_districts(void);
const rs_key *fuzz_key(void);

/* Ingests data as one file of the given kind into the shared workspace,
 * checks that the load is all or nothing and that the ingest log agrees
 * with the stored records and rejects, then empties the workspace again. */
void fuzz_ingest(rs_kind kind, const uint8_t *data, size_t size);
/* Loads a fixed file the target's inputs build on (collisions for casualty
 * files); it stays across inputs.  Aborts when it does not load cleanly. */
void fuzz_preload(rs_kind kind, const char *text);

#endif
