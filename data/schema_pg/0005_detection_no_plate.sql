-- roadsafe workspace schema on PostgreSQL, version 5 (as data/schema/0005):
-- a detection without a plate is kept, with no vehicle (NULL).
ALTER TABLE roadsafe.detection ALTER COLUMN vehicle DROP NOT NULL;
