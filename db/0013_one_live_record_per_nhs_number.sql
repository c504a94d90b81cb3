-- contingency schema, migration 0013: one live record per NHS number on each incident's roster.
-- The services check before they insert, under the write lock; this index is what makes a missed check (or a
-- future path that forgets one) fail loudly rather than put a person on the roster twice. Records merged away
-- keep their NHS number for the history and are left out.
-- A store made before this may already hold two live records with one NHS number; contingency.store.migrations
-- then leaves those later records out of the index by id (so the migration cannot fail) and logs them for merging.
CREATE UNIQUE INDEX people_one_live_nhs_number ON people(incident_id, nhs_number)
    WHERE nhs_number IS NOT NULL AND merged_into IS NULL;
