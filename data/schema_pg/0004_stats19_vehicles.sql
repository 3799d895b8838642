-- roadsafe workspace schema on PostgreSQL, version 4 (as data/schema/0004):
-- the STATS19 vehicle table, the casualty adjustment lookup, and the
-- enhanced severity and injury-based columns.
CREATE TABLE roadsafe.vehicle (
    collision_index text NOT NULL REFERENCES roadsafe.collision(collision_index),
    vehicle_ref     integer NOT NULL,
    vehicle_type    integer,
    escooter        integer,
    towing          integer,
    sex_of_driver   integer,
    age_of_driver   integer,
    age_band_of_driver integer,
    engine_cc       integer,
    propulsion      integer,
    age_of_vehicle  integer,
    file_id         bigint NOT NULL REFERENCES roadsafe.ingest_file(id),
    PRIMARY KEY (collision_index, vehicle_ref)
);

CREATE TABLE roadsafe.casualty_adjustment (
    collision_index  text NOT NULL REFERENCES roadsafe.collision(collision_index),
    vehicle_ref      integer NOT NULL,
    casualty_ref     integer NOT NULL,
    adjusted_serious double precision,
    adjusted_slight  double precision,
    injury_based     integer,
    file_id          bigint NOT NULL REFERENCES roadsafe.ingest_file(id),
    PRIMARY KEY (collision_index, vehicle_ref, casualty_ref)
);

ALTER TABLE roadsafe.casualty ADD COLUMN enhanced_severity integer;
ALTER TABLE roadsafe.casualty ADD COLUMN injury_based integer;
ALTER TABLE roadsafe.collision ADD COLUMN enhanced_severity integer;
ALTER TABLE roadsafe.collision ADD COLUMN injury_based integer;
ALTER TABLE roadsafe.collision ADD COLUMN adjusted_serious double precision;
ALTER TABLE roadsafe.collision ADD COLUMN adjusted_slight double precision;
