-- roadsafe workspace schema on PostgreSQL, version 3 (as data/schema/0003):
-- the partnership's agreed KSI target, one row at most.
CREATE TABLE roadsafe.ksi_target (
    id        integer PRIMARY KEY CHECK (id = 1),
    base_from integer NOT NULL,
    base_to   integer NOT NULL CHECK (base_to >= base_from),
    pct       double precision NOT NULL CHECK (pct > 0 AND pct < 100),
    year      integer NOT NULL CHECK (year > base_to)
);
