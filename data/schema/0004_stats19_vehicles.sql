-- roadsafe workspace schema, version 4: the STATS19 vehicle table, the
-- DfT's casualty adjustment lookup (releases before 2024), and the enhanced
-- severity and injury-based columns of the 2023 and later files.
--
-- vehicle: one row per vehicle of a loaded collision, keyed like the DfT's
-- own table; `roadsafe ksi --split vehicle` and `--involving` read
-- vehicle_type and escooter (escooter_flag) only.  -1 and empty are NULL.
CREATE TABLE vehicle (
    collision_index TEXT NOT NULL REFERENCES collision(collision_index),
    vehicle_ref     INTEGER NOT NULL,
    vehicle_type    INTEGER,            -- DfT vehicle_type code
    escooter        INTEGER,            -- escooter_flag: 1 e-scooter, 0 not (2023 on)
    towing          INTEGER,            -- towing_and_articulation
    sex_of_driver   INTEGER,
    age_of_driver   INTEGER,
    age_band_of_driver INTEGER,
    engine_cc       INTEGER,            -- engine_capacity_cc
    propulsion      INTEGER,            -- propulsion_code
    age_of_vehicle  INTEGER,
    file_id         INTEGER NOT NULL REFERENCES ingest_file(id),
    PRIMARY KEY (collision_index, vehicle_ref)
) WITHOUT ROWID;

-- The casualty adjustment lookup, one row per casualty (of a collision in
-- the workspace), kept apart from the casualty rows so the two files load
-- in any order; a casualty's own adjustment columns win where present.
CREATE TABLE casualty_adjustment (
    collision_index  TEXT NOT NULL REFERENCES collision(collision_index),
    vehicle_ref      INTEGER NOT NULL,
    casualty_ref     INTEGER NOT NULL,
    adjusted_serious REAL,              -- NULL when the row has no figure
    adjusted_slight  REAL,
    injury_based     INTEGER,           -- 1 injury-based reporting (CRaSH/COPA), 0 not
    file_id          INTEGER NOT NULL REFERENCES ingest_file(id),
    PRIMARY KEY (collision_index, vehicle_ref, casualty_ref)
) WITHOUT ROWID;

-- Enhanced severity (1 fatal, 5 very, 6 moderately, 7 less serious,
-- 3 slight; NULL when not collected), the injury-based flag and, for
-- collisions, the DfT's collision-level adjustment.
ALTER TABLE casualty ADD COLUMN enhanced_severity INTEGER;
ALTER TABLE casualty ADD COLUMN injury_based INTEGER;
ALTER TABLE collision ADD COLUMN enhanced_severity INTEGER;
ALTER TABLE collision ADD COLUMN injury_based INTEGER;
ALTER TABLE collision ADD COLUMN adjusted_serious REAL;
ALTER TABLE collision ADD COLUMN adjusted_slight REAL;
