-- contingency schema, migration 0010: what providers' lists actually carry.
-- The key-safe code has its own column so it can be masked everywhere and kept out of the event log's
-- before/after (it is never put in notes). The council area where the person lives and their GP practice
-- are recorded as the list gives them.
-- NULL, not '', when absent: the log's check of a record against its last after-image treats a column
-- added later as unchanged only while it is NULL, so people logged before this migration still verify.
ALTER TABLE people ADD COLUMN key_safe_code TEXT;
ALTER TABLE people ADD COLUMN home_council_code TEXT;
ALTER TABLE people ADD COLUMN gp_practice TEXT;
