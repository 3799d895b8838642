-- roadsafe workspace schema, version 7: on PostgreSQL each ping keeps its
-- position in its file (data/schema_pg/0007).  SQLite's chunks keep file
-- order already (ping_chunk.id, then the record's place in its chunk), so
-- nothing changes here; the version moves so that N means the same schema
-- on both backends.
SELECT 1;
