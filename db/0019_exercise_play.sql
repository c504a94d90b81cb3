-- contingency schema, migration 0019: a tabletop exercise in play on an exercise store (exercises.md §2-4).
-- The scenario file is copied in whole (with its SHA-256), so the report's annex is the file that was played,
-- whatever happens to the file on disk. Times are exercise times (ISO, UTC) from the exercise clock, with
-- the wall time beside them. None of these can exist on a live store.
CREATE TABLE exercise_runs (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    scenario_id TEXT NOT NULL,
    version TEXT NOT NULL,
    title TEXT NOT NULL,
    file_name TEXT NOT NULL,
    scenario_text TEXT NOT NULL,
    scenario_sha256 TEXT NOT NULL CHECK (length(scenario_sha256) = 64),
    seed INTEGER,
    codeword TEXT NOT NULL,
    roster_file TEXT,           -- the generated provider list players import (an inject's "roster" attachment)
    true_copy TEXT NOT NULL DEFAULT '[]',  -- the facilitator's true roster (JSON), never shown to players
    started_at TEXT NOT NULL,   -- exercise time at STARTEX
    started_wall TEXT NOT NULL,
    started_by TEXT NOT NULL
) STRICT;

CREATE TABLE exercise_deliveries (
    inject_id TEXT PRIMARY KEY,
    planned TEXT NOT NULL,               -- T+H:MM as written
    delivered_at TEXT,                   -- exercise time; NULL when it was never needed
    delivered_wall TEXT NOT NULL,
    how TEXT NOT NULL CHECK (how IN ('on-time', 'by-hand', 'while-away', 'not-needed')),
    attachment TEXT,
    CHECK ((how = 'not-needed') = (delivered_at IS NULL))
) STRICT;

CREATE TABLE exercise_marks (
    id INTEGER PRIMARY KEY,
    expectation_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('met', 'excused')),
    note TEXT NOT NULL CHECK (length(trim(note)) > 0),
    at TEXT NOT NULL,
    wall_at TEXT NOT NULL,
    by TEXT NOT NULL
) STRICT;

CREATE TABLE exercise_debrief (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('went-well', 'did-not', 'change')),
    text TEXT NOT NULL CHECK (length(trim(text)) > 0),
    at TEXT NOT NULL,
    by TEXT NOT NULL
) STRICT;

CREATE TABLE exercise_improvements (
    id INTEGER PRIMARY KEY,
    lesson TEXT NOT NULL CHECK (length(trim(lesson)) > 0),
    action TEXT NOT NULL CHECK (length(trim(action)) > 0),
    category TEXT NOT NULL CHECK (category IN ('playbook', 'training', 'data', 'software', 'partnership')),
    owner_role TEXT NOT NULL CHECK (length(trim(owner_role)) > 0),
    due_date TEXT NOT NULL,
    at TEXT NOT NULL,
    by TEXT NOT NULL
) STRICT;

CREATE TRIGGER exercise_runs_only_on_exercise_stores
BEFORE INSERT ON exercise_runs
WHEN coalesce((SELECT value FROM store_meta WHERE key = 'kind'), '') != 'exercise'
BEGIN
    SELECT RAISE(ABORT, 'an exercise can only be played on an exercise store');
END;

CREATE TRIGGER exercise_deliveries_are_kept BEFORE DELETE ON exercise_deliveries
BEGIN SELECT RAISE(ABORT, 'a delivered inject stays delivered'); END;
CREATE TRIGGER exercise_marks_are_kept BEFORE DELETE ON exercise_marks
BEGIN SELECT RAISE(ABORT, 'a facilitator''s mark is never deleted; add another with a note'); END;
