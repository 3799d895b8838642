-- roadsafe workspace schema, version 5: a detection without a plate is kept.
-- A camera record with an empty vrm (plate unread, obscured, foreign) still
-- counts in the per-district and per-site figures; it has no vehicle
-- (NULL here, never the keyed hash of an empty string) and so takes no part
-- in reoffending.  SQLite cannot drop a NOT NULL constraint in place, so the
-- table is rebuilt with the same rows and indexes.
CREATE TABLE detection_v4 (
    detection_id TEXT PRIMARY KEY,
    file_id      INTEGER NOT NULL REFERENCES ingest_file(id),
    t            INTEGER NOT NULL,
    device_type  TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    site_id      TEXT NOT NULL,
    e            REAL NOT NULL,
    n            REAL NOT NULL,
    district_id  INTEGER,               -- NULL outside every district
    speed_cmph   INTEGER NOT NULL,      -- 0.01 mph
    limit_mph    INTEGER NOT NULL,
    vehicle      BLOB                   -- HMAC-SHA-256 of the normalised plate; NULL: no plate
) WITHOUT ROWID;
INSERT INTO detection_v4 SELECT detection_id, file_id, t, device_type, device_id, site_id, e, n,
                                district_id, speed_cmph, limit_mph, vehicle FROM detection;
DROP TABLE detection;
ALTER TABLE detection_v4 RENAME TO detection;
CREATE INDEX detection_vehicle ON detection(vehicle, t, detection_id, device_type, speed_cmph,
                                            limit_mph, district_id);
CREATE INDEX detection_time ON detection(t);
