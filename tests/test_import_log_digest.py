"""Issue 12: an import is ONE log entry carrying a digest of every row it inserted; `log verify` recomputes it.

Nothing is lost from tamper-evidence: an imported person edited, deleted or added outside the app is caught,
whether or not an officer has edited that person in the app since; the bulk entry itself is chained like
any other."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

import contingency.services.importer as importer
from contingency.services.demo import generate_people
from contingency.services.importer import import_table
from contingency.services.people import edit_person
from contingency.store.eventlog import BULK_CREATE, BULK_FORM, bulk_digest, entry_hash, logged_bulk_digest
from contingency.store.people import RosterQuery
from contingency.services.tabular import Table

TODAY = date(2026, 11, 23)


def raw(store) -> sqlite3.Connection:
    return sqlite3.connect(store.path, isolation_level=None)


def tamper(store, *statements: str, params: list | None = None) -> None:
    conn = raw(store)
    try:
        for sql in statements:
            conn.execute(sql, params or [])
    finally:
        conn.close()


def form_1(conn, entity, first, last):
    """A bulk entry as imports wrote it before digest form 2 (stores logged then must verify as ever)."""
    return {"first_id": first, "last_id": last, "count": last - first + 1,
            "digest": bulk_digest(conn, entity, first, last)}


@pytest.fixture(params=[2, 1], ids=["form-2", "form-1"])
def imported(store, make_incident, request, monkeypatch):
    """60 generated people (61 rows, one folded in) imported, logged in digest form 2 as now, or form 1."""
    if request.param == 1:
        monkeypatch.setattr("contingency.store.people.bulk_after", form_1)
    incident = make_incident()
    summary = import_table(store, incident.id, generate_people(60, seed=3, service="care-home", today=TODAY),
                           file_name="list.csv", sha256="x", mapping={})
    ids = store.people.ids(incident.id)
    assert summary.imported == len(ids) == 61
    assert store.verify_log().ok
    return incident, ids


def bulk_entries(store, incident_id):
    return [e for e in store.log.for_incident(incident_id) if e.action == BULK_CREATE]


def test_one_entry_covers_the_import_and_is_in_each_persons_history(store, imported):
    incident, ids = imported
    (bulk,) = bulk_entries(store, incident.id)
    assert (bulk.after["first_id"], bulk.after["last_id"], bulk.after["count"]) == (ids[0], ids[-1], 61)
    assert len(bulk.after["digest"]) == 64
    assert bulk.after.get("form", 1) in (1, BULK_FORM)
    assert not store.log.for_entity("person", ids[5]) == []
    assert [e.action for e in store.log.for_entity("person", ids[5])] == [BULK_CREATE]


def test_legitimate_edits_after_the_import_still_verify(store, imported):
    _incident, ids = imported
    edit_person(store, ids[3], {"first_name": "Renamed"}, reason="the family corrected it")
    edit_person(store, ids[3], {"last_name": "Again"}, reason="and the surname")
    edit_person(store, ids[-1], {"notes": "seen at 02:00"})
    result = store.verify_log()
    assert result.ok, result.problem


def test_a_never_edited_imported_row_changed_outside_the_app_is_caught(store, imported):
    _incident, ids = imported
    tamper(store, f"UPDATE people SET first_name = 'Mallory' WHERE id = {ids[10]}")
    result = store.verify_log()
    assert not result.ok
    assert "imported in entry" in result.problem and "changed, deleted or added outside the app" in result.problem


def test_an_imported_row_edited_in_the_app_then_outside_it_is_caught(store, imported):
    _incident, ids = imported
    edit_person(store, ids[10], {"first_name": "Renamed"}, reason="corrected")
    tamper(store, f"UPDATE people SET last_name = 'Mallory' WHERE id = {ids[10]}")
    result = store.verify_log()
    assert not result.ok
    assert f"person {ids[10]} differs from its last logged state" in result.problem


def test_an_imported_row_changed_outside_the_app_before_an_officer_edits_it_is_caught(store, imported):
    """The edit logs the tampered row as its 'before': that is not the row as imported, so the digest fails."""
    _incident, ids = imported
    tamper(store, f"UPDATE people SET needs_snapshot = 'none' WHERE id = {ids[20]}")
    edit_person(store, ids[20], {"first_name": "Renamed"}, reason="corrected")
    result = store.verify_log()
    assert not result.ok
    assert "imported in entry" in result.problem


def test_a_deleted_imported_row_is_caught(store, imported):
    _incident, ids = imported
    tamper(store, f"DELETE FROM people WHERE id = {ids[30]}")
    assert not store.verify_log().ok


def test_a_deleted_imported_row_that_was_edited_since_is_caught(store, imported):
    _incident, ids = imported
    edit_person(store, ids[30], {"first_name": "Renamed"}, reason="corrected")
    tamper(store, f"DELETE FROM people WHERE id = {ids[30]}")
    result = store.verify_log()
    assert not result.ok


def test_a_row_added_outside_the_app_is_caught(store, imported):
    incident, ids = imported
    conn = raw(store)
    try:
        row = dict(zip([d[0] for d in conn.execute("SELECT * FROM people").description],
                       conn.execute(f"SELECT * FROM people WHERE id = {ids[0]}").fetchone()))
        row.update(id=ids[-1] + 1, nhs_number=None, provider_ref="FORGED")
        conn.execute(f"INSERT INTO people ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    finally:
        conn.close()
    result = store.verify_log()
    assert not result.ok
    assert f"person {ids[-1] + 1} has no entry in the event log" in result.problem


def test_rows_swapped_inside_the_import_are_caught(store, imported):
    """Two people's records exchanged (ids kept): every value still there, each in the wrong record."""
    _incident, ids = imported
    a, b = ids[7], ids[8]
    tamper(store, f"UPDATE people SET nhs_number = NULL WHERE id IN ({a}, {b})",
           f"UPDATE people SET first_name = (SELECT first_name FROM people WHERE id = {b}),"
           f" provider_ref = 'SWAPPED' WHERE id = {a}")
    assert not store.verify_log().ok


def test_the_digest_in_the_bulk_entry_edited_is_caught_at_that_entry(store, imported):
    incident, _ids = imported
    (bulk,) = bulk_entries(store, incident.id)
    tamper(store, "DROP TRIGGER event_log_is_append_only",
           f"UPDATE event_log SET after = replace(after, '\"digest\":\"', '\"digest\":\"0') WHERE seq = {bulk.seq}")
    result = store.verify_log()
    assert not result.ok and result.first_bad_seq == bulk.seq
    assert result.problem == f"entry {bulk.seq} was edited after it was written"


def test_the_bulk_entry_rewritten_with_its_hash_is_caught_at_the_next_entry(store, imported):
    """A forger who recomputes the entry's hash (to cover a tampered row) breaks the chain after it."""
    incident, ids = imported
    (bulk,) = bulk_entries(store, incident.id)
    # Work goes on after the import (the chain's very tail is what anchors on paper are for: test_log_anchor).
    edit_person(store, ids[40], {"notes": "seen"})
    tamper(store, f"UPDATE people SET first_name = 'Mallory' WHERE id = {ids[2]}")
    conn = raw(store)
    try:
        conn.execute("DROP TRIGGER event_log_is_append_only")
        cursor = conn.execute("SELECT * FROM event_log WHERE seq = ?", [bulk.seq])
        row = dict(zip([d[0] for d in cursor.description], cursor.fetchone()))
        row["after"] = row["after"].replace(bulk.after["digest"], logged_bulk_digest(conn, "person", bulk.after))
        conn.execute("UPDATE event_log SET after = ?, hash = ? WHERE seq = ?",
                     [row["after"], entry_hash(row["prev_hash"], row), bulk.seq])
    finally:
        conn.close()
    result = store.verify_log()
    assert not result.ok and result.first_bad_seq == bulk.seq + 1


def test_the_bulk_entry_deleted_or_moved_is_caught(store, imported):
    incident, ids = imported
    (bulk,) = bulk_entries(store, incident.id)
    edit_person(store, ids[40], {"notes": "seen"})
    tamper(store, "DROP TRIGGER event_log_is_kept", f"DELETE FROM event_log WHERE seq = {bulk.seq}")
    result = store.verify_log()
    assert not result.ok and result.first_bad_seq == bulk.seq + 1


def test_log_entries_reordered_around_the_bulk_entry_are_caught(store, imported):
    incident, _ids = imported
    (bulk,) = bulk_entries(store, incident.id)
    tamper(store, "DROP TRIGGER event_log_is_append_only",
           f"UPDATE event_log SET seq = -1 WHERE seq = {bulk.seq}",
           f"UPDATE event_log SET seq = {bulk.seq} WHERE seq = {bulk.seq - 1}",
           f"UPDATE event_log SET seq = {bulk.seq - 1} WHERE seq = -1")
    assert not store.verify_log().ok


def test_a_key_safe_code_never_enters_the_digest(store, make_incident):
    """The digest is over the row as the log would show it: a code only as held, never hashed (a 4-digit
    code's hash is its code). Adding or removing a code outside the app is still caught."""
    incident = make_incident()
    table = Table(headers=["Surname", "First name", "Key safe"], rows=[(2, ["Exampleton", "Ada", "1234"]),
                                                                        (3, ["Samplewood", "Bert", ""])],
                  blank_rows=0, encoding="utf-8")
    import_table(store, incident.id, table, file_name="k.csv", sha256="x", mapping={})
    ada, bert = store.people.ids(incident.id)
    (bulk,) = bulk_entries(store, incident.id)
    assert "1234" not in str(bulk.after)
    edit_person(store, ada, {"notes": "rang the daughter"})  # its row as imported now comes from the log
    assert store.verify_log().ok
    tamper(store, f"UPDATE people SET key_safe_code = '9999' WHERE id = {ada}")
    assert store.verify_log().ok  # as for any logged row: the log knows only that a code is held
    tamper(store, f"UPDATE people SET key_safe_code = '1111' WHERE id = {bert}")
    assert not store.verify_log().ok


@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_chunks_change_nothing_but_memory(store, make_incident, monkeypatch, chunk):
    """Written a chunk at a time, a list with the same person twice (same NHS number) and twins (same name
    and birth date) across chunk boundaries lands exactly as whole: the same people, flags and counts."""
    monkeypatch.setattr(importer, "CHUNK", chunk)
    incident = make_incident()
    table = generate_people(45, seed=5, service="care-home", today=TODAY)
    rows = list(table.rows)
    nhs = table.headers.index("NHS number")
    again = list(rows[2][1])
    again[table.headers.index("Needs immediately before")] = ""
    again[table.headers.index("Next of kin")] = "Someone New"
    rows.append((len(rows) + 2, again))  # the same person as row 4, at the end
    twin = list(rows[20][1])
    twin[nhs] = ""
    twin[table.headers.index("Provider ref")] = "TWIN"
    rows.append((len(rows) + 2, twin))
    table = Table(headers=table.headers, rows=rows, blank_rows=0, encoding="utf-8")
    summary = import_table(store, incident.id, table, file_name="c.csv", sha256="x", mapping={})
    assert summary.balanced and summary.merged == 1 and summary.imported == 47
    people = {p.facts.provider_ref: p for p in store.people.all(incident.id)}
    first_of_twins = people[rows[20][1][table.headers.index("Provider ref")]]
    assert "duplicate-suspected" in [f.value for f in first_of_twins.determination.flags]
    assert "duplicate-suspected" in [f.value for f in people["TWIN"].determination.flags]
    folded = people[rows[2][1][table.headers.index("Provider ref")]]
    assert "merged c.csv row" in folded.facts.notes
    assert summary.flags["duplicate-suspected"] == sum(
        "duplicate-suspected" in [f.value for f in p.determination.flags] for p in people.values())
    result = store.verify_log()
    assert result.ok, result.problem
    assert store.people.count(RosterQuery(incident.id)) == 47


def test_an_import_is_logged_in_form_2_naming_the_columns_it_covers(store, make_incident):
    incident = make_incident()
    import_table(store, incident.id, generate_people(5, seed=3, service="care-home", today=TODAY),
                 file_name="list.csv", sha256="x", mapping={})
    (bulk,) = bulk_entries(store, incident.id)
    columns = sorted(r[1] for r in store.conn.execute("PRAGMA table_info(people)"))
    assert bulk.after["form"] == BULK_FORM == 2 and bulk.after["columns"] == columns


def test_columns_named_in_an_entry_go_into_sql_only_if_they_are_the_tables(store, make_incident):
    """The names come from the log: a name that is not a column of the table (a forger's SQL) matches
    nothing and runs nothing."""
    incident = make_incident()
    import_table(store, incident.id, generate_people(60, seed=3, service="care-home", today=TODAY),
                 file_name="list.csv", sha256="x", mapping={})
    (bulk,) = bulk_entries(store, incident.id)
    forged = {**bulk.after, "columns": [*bulk.after["columns"], 'id") FROM people; DROP TABLE people; --']}
    assert logged_bulk_digest(store.conn, "person", forged) == ""
    assert logged_bulk_digest(store.conn, "person", {**bulk.after, "columns": "id"}) == ""
    assert store.people.count(RosterQuery(incident.id)) == 61
    assert logged_bulk_digest(store.conn, "person", bulk.after) == bulk.after["digest"]
