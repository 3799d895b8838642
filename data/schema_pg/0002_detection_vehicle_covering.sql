-- roadsafe workspace schema on PostgreSQL, version 2 (as
-- data/schema/0002): the detection_vehicle index covers the reoffending read.
DROP INDEX roadsafe.detection_vehicle;
CREATE INDEX detection_vehicle ON roadsafe.detection(vehicle, t, detection_id, device_type,
                                                     speed_cmph, limit_mph, district_id);
