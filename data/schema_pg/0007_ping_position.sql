-- roadsafe workspace schema on PostgreSQL, version 7 (as data/schema/0007):
-- each ping keeps its position in its file (0, 1, 2, ... over the pings the
-- file loaded), so a reader gets a file's pings back in file order, the
-- order the SQLite workspace's chunks keep them in.  No index: a reader
-- that needs the order sorts, and a load writes no second copy.
ALTER TABLE roadsafe.ping ADD COLUMN seq bigint NOT NULL DEFAULT 0;
