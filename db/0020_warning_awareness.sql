-- contingency schema, migration 0020: a warning that becomes a business failure keeps its own awareness time.
-- The s.48 duty starts when the council becomes aware of the business failure (s.52(1), brief rule 6), not
-- when it first heard of the warning (a CQC s.56 notice, say, weeks before); `aware_at` is the duty's start and
-- this column keeps the warning's.
ALTER TABLE incidents ADD COLUMN warning_aware_at TEXT;
