-- contingency schema, migration 0022: the wall-clock time beside each log entry made while an exercise runs.
-- An exercise store's log times are the exercise clock's (exercises.md §3); `wall_at` keeps the real time too,
-- and is part of the entry's hash when present. NULL outside an exercise, where `at` is the wall time.
ALTER TABLE event_log ADD COLUMN wall_at TEXT;
