-- Shift handover packs (exercises.md §5): one row per pack generated, so "since last handover" starts
-- where the previous pack stopped and the bundle can copy every pack with the hash it was made with.
-- Written once, never edited or deleted, like the letters' documents.
CREATE TABLE handover_packs (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    as_at TEXT NOT NULL,  -- the clock's time the pack describes (UTC ISO)
    since TEXT NOT NULL,  -- the start of "since last handover": the previous pack's as_at, or duty start
    log_seq INTEGER NOT NULL,  -- entries in the event log when it was made (the footer's N)
    log_head TEXT NOT NULL,  -- the footer's anchor, "N:HASH"
    officer TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',  -- the officer's note: the only free text in the pack
    path TEXT NOT NULL,  -- the Markdown file, as written
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),  -- of the Markdown file
    files TEXT NOT NULL DEFAULT '[]',  -- every file: [{"format", "name", "sha256"}], in the folder of `path`
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX handover_packs_incident ON handover_packs(incident_id, as_at);

CREATE TRIGGER handover_packs_are_immutable BEFORE UPDATE ON handover_packs
BEGIN SELECT RAISE(ABORT, 'a handover pack is never edited; generate a new one'); END;
CREATE TRIGGER handover_packs_are_kept BEFORE DELETE ON handover_packs
BEGIN SELECT RAISE(ABORT, 'handover packs are never deleted'); END;
