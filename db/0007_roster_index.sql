-- contingency schema, migration 0007: keep the roster quick at 50,000 people.
-- The index follows the roster's order (RED, unrated, AMBER, GREEN; then name) and carries the
-- search text, so a search walks the index in order and stops once a page is full.
CREATE INDEX people_roster_order ON people(
    incident_id,
    merged_into,
    (CASE rag WHEN 'RED' THEN 0 WHEN 'AMBER' THEN 2 WHEN 'GREEN' THEN 3 ELSE 1 END),
    last_name COLLATE NOCASE,
    first_name COLLATE NOCASE,
    id,
    search_text
);
