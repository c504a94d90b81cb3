-- contingency schema, migration 0012: whether we arranged registered nursing urgently for the person.
-- Brief rule 12 asks for the ICB's consent only then (Care Act 2014 s.22(4)(b), (5)), not for every FNC person.
-- 1 when we did, NULL otherwise, never 0: the log's check of a record against its last after-image treats a
-- column added later as unchanged only while it is NULL, so people logged before this migration still verify
-- (contingency.store.eventlog._differs; the same reason as 0010).
ALTER TABLE people ADD COLUMN nursing_arranged_urgently INTEGER;
