-- roadsafe workspace schema, version 1.
-- One file = one workspace.  Times are UTC seconds since 1970-01-01.
-- Positions are British National Grid (EPSG:27700) metres.
-- No plate (VRM) is ever stored: vehicles are keyed hashes (HMAC-SHA-256).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Policing districts; replaced as a set by `roadsafe districts load`.
CREATE TABLE district (
    id        INTEGER PRIMARY KEY,      -- 0-based index, stable within one set
    name      TEXT NOT NULL UNIQUE,
    code      TEXT NOT NULL DEFAULT '',
    area_m2   REAL NOT NULL,
    vertices  INTEGER NOT NULL,
    geom_wkb  BLOB NOT NULL             -- ISO WKB polygon/multipolygon, EPSG:27700
);

-- One row per input file loaded (the ingest log).
CREATE TABLE ingest_file (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,        -- telematics | fleet | detections | collisions | casualties | concerns
    name          TEXT NOT NULL,        -- as given on the command line
    sha256        TEXT NOT NULL,        -- of the (decompressed) content
    loaded_at     INTEGER NOT NULL,
    rows_loaded   INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    rows_present  INTEGER NOT NULL      -- already in the workspace
);
CREATE INDEX ingest_file_sha ON ingest_file(kind, sha256);

-- Rejected rows, kept for the data-quality section (never the plate).
CREATE TABLE reject (
    file_id INTEGER NOT NULL REFERENCES ingest_file(id) ON DELETE CASCADE,
    line    INTEGER NOT NULL,
    col     TEXT NOT NULL,
    reason  TEXT NOT NULL
);
CREATE INDEX reject_file ON reject(file_id);

-- Telematics pings, stored in chunks of up to 65536 (see engine/pings.h for
-- the packed record layout).
CREATE TABLE ping_chunk (
    id       INTEGER PRIMARY KEY,
    file_id  INTEGER NOT NULL REFERENCES ingest_file(id) ON DELETE CASCADE,
    source   TEXT NOT NULL,             -- traffic | fleet
    n        INTEGER NOT NULL,
    t_min    INTEGER NOT NULL,
    t_max    INTEGER NOT NULL,
    data     BLOB NOT NULL
);
CREATE INDEX ping_chunk_time ON ping_chunk(source, t_min, t_max);

-- The force's own patrol vehicles (fleet telematics): keyed hashes of the
-- fleet number / call sign, referenced from fleet pings by id.
CREATE TABLE fleet_vehicle (
    id      INTEGER PRIMARY KEY,
    vehicle BLOB NOT NULL UNIQUE
);

CREATE TABLE detection (
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
    vehicle      BLOB NOT NULL          -- HMAC-SHA-256 of the normalised plate
) WITHOUT ROWID;
CREATE INDEX detection_vehicle ON detection(vehicle, t);
CREATE INDEX detection_time ON detection(t);

CREATE TABLE collision (
    collision_index TEXT PRIMARY KEY,
    file_id         INTEGER NOT NULL REFERENCES ingest_file(id),
    t               INTEGER,            -- UTC instant (NULL when date/time unusable)
    local_date      TEXT NOT NULL,      -- YYYY-MM-DD, UK local
    severity        INTEGER NOT NULL,   -- 1 fatal, 2 serious, 3 slight
    e               REAL,               -- NULL when the row has no usable location
    n               REAL,
    district_id     INTEGER,            -- NULL unlocated or outside every district
    ons_district    TEXT,               -- the file's own local_authority_ons_district
    police_force    INTEGER,
    speed_limit     INTEGER,            -- NULL when missing (-1)
    vehicles        INTEGER,
    casualties      INTEGER
) WITHOUT ROWID;
CREATE INDEX collision_time ON collision(t);

CREATE TABLE casualty (
    collision_index   TEXT NOT NULL REFERENCES collision(collision_index),
    vehicle_ref       INTEGER NOT NULL,
    casualty_ref      INTEGER NOT NULL,
    severity          INTEGER NOT NULL,
    casualty_class    INTEGER,
    casualty_type     INTEGER,
    sex               INTEGER,
    age               INTEGER,          -- NULL when missing
    age_band          INTEGER,
    adjusted_serious  REAL,             -- NULL when the file has no factor
    adjusted_slight   REAL,
    file_id           INTEGER NOT NULL REFERENCES ingest_file(id),
    PRIMARY KEY (collision_index, vehicle_ref, casualty_ref)
) WITHOUT ROWID;

CREATE TABLE concern (
    id          INTEGER PRIMARY KEY,
    file_id     INTEGER NOT NULL REFERENCES ingest_file(id) ON DELETE CASCADE,
    t           INTEGER NOT NULL,
    e           REAL NOT NULL,
    n           REAL NOT NULL,
    district_id INTEGER,
    source      TEXT NOT NULL
);
CREATE INDEX concern_time ON concern(t);
