-- roadsafe workspace schema, version 6: what placing a point needs, built
-- once when the districts are loaded instead of at the start of every ingest.
-- name: 'table' (the WGS84 -> BNG interpolation table) or 'locator' (the
-- district lookup grid); district_set: meta 'district_set' when built (every
-- `districts load` counts it up and empties this table); key: what else the
-- data depend on (the format, and the PROJ operation for the table).  A row
-- whose set or key is not the current one is never used.
CREATE TABLE placer_cache (
    name         TEXT PRIMARY KEY,
    district_set INTEGER NOT NULL,
    key          TEXT NOT NULL,
    data         BLOB NOT NULL
);
