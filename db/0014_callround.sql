-- contingency schema, migration 0014: the welfare call-round after a home-care collapse (brief s.8).
-- A call is a record of what happened: written once, never edited or deleted (a later call says what changed).
-- Times are UTC ISO text like every other table; the rules for outcomes and escalation are in
-- contingency/rules/callround.py.

CREATE TABLE callround_calls (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    called TEXT NOT NULL CHECK (length(trim(called)) > 0),  -- who was rung: the person, next of kin, a neighbour
    outcome TEXT NOT NULL CHECK (outcome IN ('safe-with-family', 'visit-arranged', 'no-answer', 'refused',
                                             'emergency-services', 'in-hospital', 'died')),
    off_list INTEGER NOT NULL CHECK (off_list IN (0, 1)),  -- 1: this outcome takes the person off the call-round
    note TEXT NOT NULL DEFAULT '',
    next_action TEXT NOT NULL DEFAULT '',
    next_at TEXT,  -- when the next action is due, if the caller gave one
    called_by TEXT NOT NULL CHECK (length(trim(called_by)) > 0),  -- who made the call
    called_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,  -- the officer who recorded it (the log's officer)
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX callround_calls_person ON callround_calls(incident_id, person_id, called_at);

CREATE TRIGGER callround_calls_are_immutable BEFORE UPDATE ON callround_calls
BEGIN SELECT RAISE(ABORT, 'calls are never edited; record another call'); END;
CREATE TRIGGER callround_calls_are_kept BEFORE DELETE ON callround_calls
BEGIN SELECT RAISE(ABORT, 'calls are never deleted; record another call'); END;

-- A bridge: a provider or team covering visits from a time (until one, if given), for the people named
-- (none named: everyone on the incident) and the visit times named (none named: every visit).
CREATE TABLE callround_covers (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    covered_by TEXT NOT NULL CHECK (length(trim(covered_by)) > 0),
    starts_at TEXT NOT NULL,
    ends_at TEXT,
    people TEXT NOT NULL DEFAULT '[]',  -- JSON list of person ids
    visit_minutes TEXT NOT NULL DEFAULT '[]',  -- JSON list of local visit times as minutes after midnight
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    CHECK (ends_at IS NULL OR ends_at > starts_at)
) STRICT;
CREATE INDEX callround_covers_incident ON callround_covers(incident_id);
