-- contingency schema, migration 0006: merging suspected duplicates without deleting anyone.
-- A merged record stays (with its history) and points at the record it was merged into;
-- the roster shows only records that have not been merged away.
ALTER TABLE people ADD COLUMN merged_into INTEGER REFERENCES people(id);
CREATE INDEX people_merged ON people(incident_id, merged_into);
