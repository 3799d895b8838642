-- roadsafe workspace schema on PostgreSQL, version 6 (as data/schema/0006):
-- what placing a point needs, built once per district set.
CREATE TABLE roadsafe.placer_cache (
    name         text PRIMARY KEY,
    district_set bigint NOT NULL,
    key          text NOT NULL,
    data         bytea NOT NULL
);
