-- roadsafe workspace schema on PostgreSQL, version 8 (as data/schema/0008):
-- published heat maps, the cells with a PostGIS geometry (EPSG:27700) and a
-- GiST index, so QGIS adds roadsafe.heat_cell (filtered by layer) live.
CREATE TABLE roadsafe.heat_layer (
    name      text PRIMARY KEY,
    made_at   bigint NOT NULL,
    source    text NOT NULL,
    metric    text NOT NULL,
    grid      text NOT NULL,
    filters   text NOT NULL,
    cells     bigint NOT NULL,
    withheld  bigint NOT NULL,
    pings     bigint NOT NULL
);
CREATE TABLE roadsafe.heat_cell (
    layer     text NOT NULL REFERENCES roadsafe.heat_layer(name) ON DELETE CASCADE,
    cell_i    bigint NOT NULL,
    cell_j    bigint NOT NULL,
    district  text NOT NULL,
    pings     bigint,
    value     double precision,
    withheld  integer NOT NULL,
    geom_wkb  bytea NOT NULL,
    geom      geometry(MultiPolygon, 27700)
              GENERATED ALWAYS AS (ST_Multi(ST_GeomFromWKB(geom_wkb, 27700))) STORED,
    PRIMARY KEY (layer, cell_i, cell_j)
);
CREATE INDEX heat_cell_geom ON roadsafe.heat_cell USING gist (geom);
