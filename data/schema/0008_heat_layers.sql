-- roadsafe workspace schema, version 8: heat maps kept in the workspace
-- (`roadsafe heatmap --publish NAME`), so a GIS analyst can add the cells
-- as a layer straight from the workspace (on PostgreSQL, live from a
-- PostGIS connection) rather than from a copied shapefile.  A layer is
-- replaced whole when published again under its name.
CREATE TABLE heat_layer (
    name      TEXT PRIMARY KEY,
    made_at   INTEGER NOT NULL,         -- UTC seconds
    source    TEXT NOT NULL,            -- traffic | fleet
    metric    TEXT NOT NULL,            -- the metric VALUE holds (heatmap --metric)
    grid      TEXT NOT NULL,            -- square:SIZE | hex:SIZE
    filters   TEXT NOT NULL,            -- period, days, hours, district, minimum count
    cells     INTEGER NOT NULL,
    withheld  INTEGER NOT NULL,         -- cells with fewer pings than the minimum count
    pings     INTEGER NOT NULL
);
-- One row per cell of a layer, exactly the cells of the heatmap's
-- shapefile (polygons clipped to the districts); a withheld cell carries
-- no figures (pings and value NULL).
CREATE TABLE heat_cell (
    layer     TEXT NOT NULL REFERENCES heat_layer(name) ON DELETE CASCADE,
    cell_i    INTEGER NOT NULL,
    cell_j    INTEGER NOT NULL,
    district  TEXT NOT NULL,            -- '' outside every district
    pings     INTEGER,
    value     REAL,
    withheld  INTEGER NOT NULL,
    geom_wkb  BLOB NOT NULL,            -- ISO WKB polygon/multipolygon, EPSG:27700
    PRIMARY KEY (layer, cell_i, cell_j)
);
