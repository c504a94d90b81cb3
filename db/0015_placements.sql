-- contingency schema, migration 0015: placements and moves (issue 13; brief section 8, "moving day").
-- Vacancies are offers of beds or care hours from other providers, kept store-wide (an offer may serve more
-- than one incident) with the incident they were offered for when known. Offers expire: `held_until` is kept
-- and every list shows EXPIRED in words once it has passed. Money is integer pence (brief rule 30); times
-- are UTC ISO strings, shown Europe/London.

CREATE TABLE vacancies (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER REFERENCES incidents(id),
    provider TEXT NOT NULL CHECK (length(trim(provider)) > 0),
    location TEXT NOT NULL DEFAULT '',  -- the home or office: name and address
    postcode TEXT NOT NULL DEFAULT '',
    care_types TEXT NOT NULL,  -- JSON list: residential, nursing, dementia, bariatric, home-care
    gender TEXT NOT NULL DEFAULT 'any' CHECK (gender IN ('any', 'female', 'male')),
    places INTEGER NOT NULL DEFAULT 1 CHECK (places >= 0),  -- beds, or hours a week for home care
    weekly_rate_pence INTEGER CHECK (weekly_rate_pence IS NULL OR weekly_rate_pence >= 0),
    available_from TEXT,
    held_until TEXT,
    contact TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',  -- "officer Sam Patel" or "offers.csv row 4"
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE vacancy_imports (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    data_rows INTEGER NOT NULL,
    imported INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    at TEXT NOT NULL
) STRICT;

-- Rows of an offers list that could not be read: kept with their reason (never dropped).
CREATE TABLE vacancy_import_rejects (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES vacancy_imports(id),
    row_number INTEGER NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL
) STRICT;

-- What only a placement needs to know about a person: sex (for an offer restricted to women or men), a partner
-- (a couple sharing a room is never split without a decision that says why), friends from the same home, and
-- where the family lives (nearness is to the current home or the family, whichever is nearer).
CREATE TABLE placement_people (
    person_id INTEGER PRIMARY KEY REFERENCES people(id),
    sex TEXT CHECK (sex IS NULL OR sex IN ('female', 'male')),
    partner_person_id INTEGER REFERENCES people(id),
    shares_room INTEGER NOT NULL DEFAULT 0,
    friends TEXT NOT NULL DEFAULT '[]',  -- JSON list of person ids
    family_postcode TEXT NOT NULL DEFAULT '',
    CHECK (partner_person_id IS NULL OR partner_person_id != person_id)
) STRICT;

-- A move decided for a person: the decision entry says which vacancy, the options considered and why. A later
-- decision for the same person supersedes it (kept, with its checklist, as the record of what was planned).
CREATE TABLE moves (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    vacancy_id INTEGER NOT NULL REFERENCES vacancies(id),
    decision_id INTEGER NOT NULL REFERENCES decisions(id),
    decided_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'superseded')),
    superseded_by INTEGER REFERENCES moves(id)
) STRICT;
CREATE UNIQUE INDEX moves_one_planned ON moves(person_id) WHERE status = 'planned';
CREATE INDEX moves_vacancy ON moves(vacancy_id, status);
CREATE INDEX moves_incident ON moves(incident_id, status);

-- The move checklist (contingency.rules.placements.CHECKLIST): one row per item, made when the move is decided.
-- Each item is open, done or not applicable, with a note; due times are worked out from the rules.
CREATE TABLE move_items (
    id INTEGER PRIMARY KEY,
    move_id INTEGER NOT NULL REFERENCES moves(id),
    item TEXT NOT NULL,
    position INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'not-applicable')),
    note TEXT NOT NULL DEFAULT '',
    updated_by TEXT,
    updated_at TEXT,
    UNIQUE (move_id, item)
) STRICT;
