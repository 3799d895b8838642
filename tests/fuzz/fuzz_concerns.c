/*
 * fuzz_concerns.c — a community concerns CSV through rs_ingest_file into
 * the in-memory workspace.  Checked (common.c): nothing crashes, a refused
 * file stores nothing, a loaded one is logged with counts equal to its
 * stored concerns and rejects, and loading it again adds nothing.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_ingest(RS_KIND_CONCERNS, data, size);
    return 0;
}
