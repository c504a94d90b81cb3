-- contingency schema, migration 0003: the roster of affected people.
-- The determination columns cache the pure rule's answer; they are rewritten (and logged) whenever
-- the person's facts or the incident's classification change, so the roster can filter in SQL.

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    provider_ref TEXT NOT NULL DEFAULT '',
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    preferred_name TEXT NOT NULL DEFAULT '',
    date_of_birth TEXT,
    nhs_number TEXT CHECK (nhs_number IS NULL OR (length(nhs_number) = 10 AND nhs_number NOT GLOB '*[^0-9]*')),
    service_address TEXT NOT NULL DEFAULT '',
    home_postcode TEXT NOT NULL DEFAULT '',
    service_kind TEXT,
    hours_per_week REAL,
    visits_per_week INTEGER,
    weekly_cost_pence INTEGER CHECK (weekly_cost_pence IS NULL OR weekly_cost_pence >= 0),
    needs_snapshot TEXT NOT NULL DEFAULT '',
    funding TEXT NOT NULL,
    funding_body TEXT,
    fnc INTEGER NOT NULL DEFAULT 0,
    icb_code TEXT,
    arranged_by TEXT NOT NULL DEFAULT '',
    or_code TEXT,
    or_status TEXT NOT NULL,
    carer_role TEXT NOT NULL DEFAULT 'none',
    capacity_concern INTEGER NOT NULL DEFAULT 0,
    nominee_name TEXT NOT NULL DEFAULT '',
    nominee_relationship TEXT NOT NULL DEFAULT '',
    nominee_phone TEXT NOT NULL DEFAULT '',
    nominee_email TEXT NOT NULL DEFAULT '',
    advocate_needed INTEGER NOT NULL DEFAULT 0,
    immigration_question INTEGER NOT NULL DEFAULT 0,
    housing_question INTEGER NOT NULL DEFAULT 0,
    rag TEXT CHECK (rag IS NULL OR rag IN ('RED', 'AMBER', 'GREEN')),
    rag_reason TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    status_detail TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    issues TEXT NOT NULL DEFAULT '[]',
    sources TEXT NOT NULL DEFAULT '{}',
    basis TEXT NOT NULL,
    notify TEXT NOT NULL DEFAULT '[]',
    recover_from TEXT,
    charge_route TEXT,
    flags TEXT NOT NULL DEFAULT '[]',
    flag_count INTEGER NOT NULL DEFAULT 0,
    reasons TEXT NOT NULL DEFAULT '[]',
    search_text TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX people_incident ON people(incident_id, last_name, first_name);
CREATE INDEX people_nhs ON people(incident_id, nhs_number);
CREATE INDEX people_basis ON people(incident_id, basis);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    data_rows INTEGER NOT NULL,
    imported INTEGER NOT NULL,
    merged INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    at TEXT NOT NULL
) STRICT;

-- Rows of a provider's list that could not identify anyone: kept with their reason (never dropped).
CREATE TABLE import_rejects (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports(id),
    row_number INTEGER NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL
) STRICT;

-- Saved header mappings for a provider's spreadsheet layout.
CREATE TABLE column_maps (
    name TEXT PRIMARY KEY,
    mapping TEXT NOT NULL
) STRICT;
