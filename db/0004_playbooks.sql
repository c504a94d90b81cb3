-- contingency schema, migration 0004: playbooks running against incidents.
-- The playbook text lives in playbooks/*.toml; the store keeps which playbook ran (id and version)
-- and what was recorded for each step. A step item exists once something has been recorded for it;
-- a step nobody has touched is pending, and its due time is computed, not stored.

CREATE TABLE playbook_runs (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    playbook_id TEXT NOT NULL,
    version TEXT NOT NULL,
    title TEXT NOT NULL,
    started_at TEXT NOT NULL,
    started_by TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'superseded')),
    superseded_by INTEGER REFERENCES playbook_runs(id) DEFERRABLE INITIALLY DEFERRED,  -- set as the new run is made
    ended_at TEXT
) STRICT;
CREATE INDEX playbook_runs_incident ON playbook_runs(incident_id);
-- One running playbook per incident; earlier runs stay as the record of what was done.
CREATE UNIQUE INDEX playbook_runs_one_active ON playbook_runs(incident_id) WHERE status = 'active';

CREATE TABLE step_items (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES playbook_runs(id),
    step_id TEXT NOT NULL,
    person_id INTEGER REFERENCES people(id),
    state TEXT NOT NULL CHECK (state IN ('pending', 'in-progress', 'done', 'not-applicable', 'blocked')),
    reason TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '{}',
    notes TEXT NOT NULL DEFAULT '[]',
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    carried_from INTEGER REFERENCES step_items(id),
    -- Not applicable and blocked always say why.
    CHECK (state NOT IN ('not-applicable', 'blocked') OR length(trim(reason)) > 0)
) STRICT;
CREATE UNIQUE INDEX step_items_one_per_step ON step_items(run_id, step_id, coalesce(person_id, 0));
