/*
 * fuzz_telematics.c — a telematics CSV through rs_ingest_file into the
 * in-memory workspace: as traffic, and as fleet pings when the header has a
 * vehicle_id column.  Checked (common.c): nothing crashes, a refused file
 * stores nothing, a loaded one is logged with counts equal to its stored
 * pings and rejects, and loading it again adds nothing.
 */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_ingest(RS_KIND_TELEMATICS, data, size);
    const char *nl = memchr(data, '\n', size);
    size_t hlen = nl ? (size_t)(nl - (const char *)data) : size;
    for (size_t i = 0; i + 10 <= hlen; i++)
        if (memcmp(data + i, "vehicle_id", 10) == 0) {
            fuzz_ingest(RS_KIND_FLEET, data, size);
            break;
        }
    return 0;
}
