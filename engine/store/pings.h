/*
 * pings.h — telematics pings as the workspace keeps them.
 *
 * Telematics are reduced at ingest to what the analyses need and stored in
 * chunks (table ping_chunk) of at most RS_PING_CHUNK pings, each chunk one
 * BLOB of fixed 20-byte little-endian records, in file order:
 *
 *   offset size  field
 *        0    4  dt        u32  seconds after the chunk's t_min (UTC)
 *        4    4  e         i32  easting, metres (EPSG:27700)
 *        8    4  n         i32  northing, metres
 *       12    2  speed     u16  0.01 mph
 *       14    1  limit     u8   mph; 0 when unknown (fleet)
 *       15    1  flags     u8   reserved, 0
 *       16    2  district  i16  district id, -1 outside every district
 *       18    2  vehicle   u16  fleet: fleet_vehicle.id (1-based); traffic: 0
 *
 * One row per 65536 pings keeps SQLite's per-row cost out of the ingest
 * rate and lets an analysis stream a 10-million-ping workspace in
 * constant memory.
 */
#ifndef RS_PINGS_H
#define RS_PINGS_H

#include <stddef.h>
#include <stdint.h>

#include "devices.h"

#define RS_PING_CHUNK 65536
#define RS_PING_BYTES 20
/* District ids 0..32767 fit the i16 field; a larger set is refused when
 * loaded (rs_store_districts_replace) rather than stored wrongly. */
#define RS_PING_MAX_DISTRICTS 32768

typedef struct rs_ping {
    int64_t t;          /* UTC seconds */
    int32_t e, n;       /* BNG metres */
    uint16_t speed;     /* 0.01 mph */
    uint8_t limit;      /* mph, 0 unknown */
    int16_t district;   /* -1 none */
    uint16_t vehicle;   /* fleet vehicle id, 0 for traffic */
} rs_ping;

void rs_ping_encode(const rs_ping *p, int64_t t_min, unsigned char *out);
void rs_ping_decode(const unsigned char *in, int64_t t_min, rs_ping *p);
/* Packs p[0..n) into one chunk's data (blob holds n * RS_PING_BYTES) and
 * gives the chunk's t_min and t_max; -1 (nothing packed) when the times
 * span more than the u32 offset holds (about 136 years), else 0. */
int rs_ping_chunk_pack(const rs_ping *p, size_t n, unsigned char *blob, int64_t *t_min,
                       int64_t *t_max);

/* Exact enforcement tests on 0.01 mph speeds (README, "Definitions"):
 * speeding:       speed > limit
 * over threshold: speed >= limit * 1.10 + 2, i.e. 10*speed >= 11*limit + 20
 *                 in mph, done in integers so 35.00 on a 30 limit is over. */
static inline int rs_ping_speeding(uint16_t speed_cmph, uint8_t limit)
{
    return limit > 0 && (uint32_t)speed_cmph > (uint32_t)limit * 100u;
}
static inline int rs_ping_over_threshold(uint16_t speed_cmph, uint8_t limit)
{
    return rs_over_threshold(speed_cmph, limit); /* base/devices.h: the one threshold */
}

#endif
