-- contingency schema, migration 0001: the store itself, reference data, incidents, decisions, event log.
-- Times are UTC ISO 8601 text; money is integer pence; booleans are 0/1.

CREATE TABLE store_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- A store is live or exercise for ever (brief rule 29).
CREATE TRIGGER store_kind_is_fixed BEFORE UPDATE ON store_meta WHEN OLD.key = 'kind'
BEGIN SELECT RAISE(ABORT, 'a store is live or exercise for ever'); END;
CREATE TRIGGER store_kind_is_kept BEFORE DELETE ON store_meta WHEN OLD.key = 'kind'
BEGIN SELECT RAISE(ABORT, 'a store is live or exercise for ever'); END;

CREATE TABLE authorities (
    code TEXT PRIMARY KEY,
    gss_code TEXT UNIQUE,
    name TEXT NOT NULL,
    nice_name TEXT NOT NULL,
    nation TEXT NOT NULL CHECK (nation IN ('England', 'Wales', 'Scotland', 'Northern Ireland')),
    kind TEXT NOT NULL
) STRICT;

CREATE TABLE icbs (
    gss_code TEXT PRIMARY KEY,
    ods_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
) STRICT;

CREATE TABLE settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    authority_code TEXT NOT NULL REFERENCES authorities(code),
    team TEXT NOT NULL,
    officer TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    provider_name TEXT NOT NULL,
    service_kind TEXT NOT NULL,
    area_code TEXT NOT NULL REFERENCES authorities(code),
    event_key TEXT NOT NULL,
    aware_at TEXT NOT NULL,
    event_date TEXT,
    continuing INTEGER NOT NULL CHECK (continuing IN (0, 1)),
    regulated INTEGER NOT NULL CHECK (regulated IN (0, 1)),
    registered INTEGER NOT NULL CHECK (registered IN (0, 1)),
    cqc_provider_id TEXT,
    cqc_location_ids TEXT NOT NULL DEFAULT '[]',
    lead_officer TEXT NOT NULL DEFAULT '',
    insolvency_practitioner TEXT NOT NULL DEFAULT '',
    classification TEXT NOT NULL,
    reasons TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at TEXT NOT NULL
) STRICT;

CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    author TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    logged_at TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (length(trim(decision)) > 0),
    rationale TEXT NOT NULL CHECK (length(trim(rationale)) > 0),
    options TEXT NOT NULL DEFAULT '[]',
    powers TEXT NOT NULL DEFAULT '',
    corrects INTEGER REFERENCES decisions(id),
    late_reason TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX decisions_incident ON decisions(incident_id);

-- Decision entries are never erased or edited (brief rule 27).
CREATE TRIGGER decisions_are_immutable BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'decision entries are never edited; record a correcting entry'); END;
CREATE TRIGGER decisions_are_kept BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'decision entries are never deleted; record a correcting entry'); END;

-- The event log: append-only, each entry chained to the one before by SHA-256.
CREATE TABLE event_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    officer TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT,
    after TEXT,
    reason TEXT,
    incident_id INTEGER,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
) STRICT;
CREATE INDEX event_log_entity ON event_log(entity, entity_id);
CREATE INDEX event_log_incident ON event_log(incident_id);

CREATE TRIGGER event_log_is_append_only BEFORE UPDATE ON event_log
BEGIN SELECT RAISE(ABORT, 'the event log is append-only; corrections are new entries'); END;
CREATE TRIGGER event_log_is_kept BEFORE DELETE ON event_log
BEGIN SELECT RAISE(ABORT, 'the event log is append-only; corrections are new entries'); END;
