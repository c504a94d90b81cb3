-- contingency schema, migration 0021: a home-care client's visit schedule as the provider's list wrote it
-- ("07:30; 12:30; 17:30", "breakfast and tea"), for the welfare call-round (contingency.rules.callround reads
-- it). Empty is NULL, so records logged before this column existed still match their log.
ALTER TABLE people ADD COLUMN visit_times TEXT;
