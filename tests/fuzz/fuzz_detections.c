/*
 * fuzz_detections.c — a detections CSV through rs_ingest_file into the
 * in-memory workspace (plates hashed under a fixed key).  Checked
 * (common.c): nothing crashes, a refused file stores nothing, a loaded one
 * is logged with counts equal to its stored detections and rejects, and
 * loading it again loads nothing more.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_ingest(RS_KIND_DETECTIONS, data, size);
    return 0;
}
