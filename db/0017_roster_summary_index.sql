-- contingency schema, migration 0017: open a 50,000-person incident at once (issue 12).
-- The roster's counts (by basis, RAG, status, body to tell and flag) and the playbook's "next step due"
-- group the live roster by the columns a person filter tests. This index carries exactly those columns,
-- so both read a few megabytes of index instead of every person's whole record (hundreds of megabytes).
CREATE INDEX people_summary ON people(
    incident_id,
    merged_into,
    rag,
    status,
    basis,
    funding,
    fnc,
    capacity_concern,
    advocate_needed,
    flags,
    flag_count,
    notify
);
