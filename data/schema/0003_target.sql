-- roadsafe workspace schema, version 3: the partnership's agreed KSI target.
-- One row (id = 1) at most, set by `roadsafe target set B1-B2:P:Y` and read by
-- `roadsafe target show` and the board pack's Target section: baseline years
-- base_from..base_to (financial start years when the pack is financial), a
-- reduction of pct per cent by year.
CREATE TABLE ksi_target (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    base_from INTEGER NOT NULL,
    base_to   INTEGER NOT NULL CHECK (base_to >= base_from),
    pct       REAL    NOT NULL CHECK (pct > 0 AND pct < 100),
    year      INTEGER NOT NULL CHECK (year > base_to)
);
