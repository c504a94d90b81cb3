"""Issue 12 row c: the quicker ways an import encodes people and digests them give exactly the text the
plain ways gave, so nothing stored, logged or verified changes with them."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from contingency.person import DataIssue, Flag, PersonStatus, Source
from contingency.services.demo import generate_people
from contingency.services.importer import import_table
from contingency.store.eventlog import SECRET_FIELDS, SECRET_HELD, bulk_digest
from contingency.store.people import (
    _BOOLS,
    _NULL_WHEN_EMPTY,
    _NULL_WHEN_FALSE,
    FACT_COLUMNS,
    _sources_json,
    person_row,
    sources_from_json,
)

TODAY = date(2026, 11, 23)


def dumped_row(person_id, incident_id, facts, det, merged_into=None):
    """person_row as it was written before issue 12: through model_dump(mode="json")."""
    data = facts.model_dump(mode="json")
    row = person_row(person_id, incident_id, facts, det, merged_into)  # the determination's columns
    for column in FACT_COLUMNS:
        value = data[column]
        if column in _NULL_WHEN_FALSE:
            value = 1 if value else None
        elif column in _BOOLS:
            value = int(value)
        elif column == "sources":
            # Read back, the facts' sources whichever shape they were written in (store.people._sources_json).
            assert sources_from_json(row[column]) == facts.sources
            value = row[column]
        elif column == "issues":
            value = json.dumps(value, sort_keys=True) if value else "[]"
        elif column in _NULL_WHEN_EMPTY:
            value = value or None
        row[column] = value
    row.update(basis=det.basis.value, charge_route=det.charge_route.value if det.charge_route else None,
               flags=json.dumps([f.value for f in det.flags]), notify=json.dumps(list(det.notify)),
               reasons=json.dumps(list(det.reasons)))
    dob = facts.date_of_birth
    parts = [facts.first_name, facts.last_name, facts.preferred_name, facts.provider_ref, facts.nhs_number or ""]
    parts += [dob.isoformat(), dob.strftime("%d/%m/%Y")] if dob else []
    row["search_text"] = " ".join(p for p in parts if p).lower()
    return row


def plain_digest(conn, first, last):
    """bulk_digest as it was written before issue 12, for rows none of which changed since."""
    digest = hashlib.sha256()
    cursor = conn.execute("SELECT * FROM people WHERE id BETWEEN ? AND ? ORDER BY id", [first, last])
    columns = [d[0] for d in cursor.description]
    for values in cursor:
        image = dict(zip(columns, values))
        for name in SECRET_FIELDS["person"]:
            image[name] = SECRET_HELD if image[name] else None
        digest.update(json.dumps({k: v for k, v in image.items() if v is not None}, sort_keys=True,
                                 separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def test_person_rows_are_as_model_dump_made_them(store, make_incident):
    incident = make_incident()
    table = generate_people(300, seed=11, service="home-care", today=TODAY)
    import_table(store, incident.id, table, file_name="list «ü».csv", sha256="x", mapping={})
    people = store.people.all(incident.id)
    assert len(people) > 250
    odd = people[0].facts.model_copy(update={
        "sources": {"first_name": Source(origin="officer Sam \"Q\" Patel", confirmed=True),
                    "last_name": Source(origin="list.csv row 2"), "rag": Source(origin="list.csv row 2")},
        "issues": (DataIssue(kind=Flag.BAD_VALUE, field="rag", value="Ambér\n", message="needs a reason ☂"),),
        "key_safe_code": "1234", "nursing_arranged_urgently": True, "status": PersonStatus.IN_HOSPITAL,
        "hours_per_week": 12.5, "date_of_birth": None})
    early = people[2].facts.model_copy(update={"date_of_birth": date(999, 1, 5)})
    confirmed = people[1].facts.model_copy(update={"sources": {
        name: Source(origin=source.origin, confirmed=True) for name, source in people[1].facts.sources.items()}})
    for facts, person in [*((p.facts, p) for p in people), (odd, people[0]), (confirmed, people[1]),
                          (early, people[2])]:
        assert person_row(person.id, incident.id, facts, person.determination, 7) == \
            dumped_row(person.id, incident.id, facts, person.determination, 7)


def test_the_bulk_digest_is_the_one_verify_always_made(store, make_incident):
    incident = make_incident()
    import_table(store, incident.id, generate_people(120, seed=5, service="care-home", today=TODAY),
                 file_name="list.csv", sha256="x", mapping={})
    ids = store.people.ids(incident.id)
    with store.write("a key-safe code and an empty one") as tx:
        tx.conn.execute("UPDATE people SET key_safe_code = '4321' WHERE id = ?", [ids[3]])
        tx.conn.execute("UPDATE people SET key_safe_code = '' WHERE id = ?", [ids[4]])
    assert bulk_digest(store.conn, "person", ids[0], ids[-1]) == plain_digest(store.conn, ids[0], ids[-1])


def old_date_of_birth(raw, today):
    from contingency.rules.normalise import FieldProblem
    from contingency.rules.times import BadDate, parse_uk_date
    try:
        value = parse_uk_date(raw, today=today, bounded=False)
    except BadDate as exc:
        raise FieldProblem(Flag.BAD_VALUE, f"date of birth: {exc}") from None
    if value > today:
        raise FieldProblem(Flag.BAD_VALUE, f"date of birth {raw!r} is in the future")
    if value.year < today.year - 120:
        raise FieldProblem(Flag.BAD_VALUE, f"date of birth {raw!r} is more than 120 years ago")
    return value


def outcome(read, *args):
    from contingency.rules.normalise import FieldProblem
    try:
        return read(*args)
    except FieldProblem as problem:
        return (problem.kind, str(problem))


def test_the_usual_date_of_birth_reads_as_the_general_reader_reads_it():
    from contingency.rules.normalise import parse_date_of_birth
    for raw in ["17/09/1943", "1/2/1930", "05-06-1940", "17.09.1943", "31/02/1950", "00/01/1943", "17/13/1943",
                "17/09/0000", "12/12/2030", "01/01/1850", "23/11/2026", "24/11/2026", "1943-09-17", "17 Sep 1943",
                "17/09/43", "٢٣/١١/١٩٤٠", "17/09/1943x", "44000", date(1943, 9, 17), 44000]:
        assert outcome(lambda r: parse_date_of_birth(r, today=TODAY), raw) == outcome(old_date_of_birth, raw, TODAY), raw


def test_clean_text_reads_every_space_as_the_search_did():
    import re

    from contingency.rules.normalise import clean_text
    from contingency.rules.safe_text import csv_cell_read

    def old(value):
        text = "" if value is None else str(value)
        if re.search(r"\s{2,}|[\t\r\n\xa0]", text):
            text = re.sub(r"\s+", " ", text)
        return csv_cell_read(text.strip())

    for value in [None, "", " a ", "a  b", "a\tb", "a\u00a0b", "a\u2003b", "a \u2003 b", "a\nb", "'=1+1", "  '=x ",
                  "Zoë  Ann", "a\x0bb", "a\u2028b", 12, 1.5]:
        assert clean_text(value) == old(value), repr(value)


def index_definitions(store) -> list[tuple[str, str]]:
    return store.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'people'"
                              " ORDER BY name").fetchall()


def test_a_big_import_sets_the_indexes_aside_and_makes_them_again_as_they_were(store, make_incident, monkeypatch):
    from contingency.services import importer

    incident = make_incident()
    before = index_definitions(store)
    assert len(before) >= 7
    set_aside = []
    real = type(store.people).indexes_set_aside

    def watched(repo, tx):
        set_aside.append(len(index_definitions(store)))
        return real(repo, tx)

    monkeypatch.setattr(type(store.people), "indexes_set_aside", watched)
    monkeypatch.setattr(importer, "REMAKE_INDEXES_FROM", 100)
    summary = import_table(store, incident.id, generate_people(150, seed=5, service="care-home", today=TODAY),
                           file_name="list.csv", sha256="x", mapping={})
    assert set_aside and index_definitions(store) == before  # every index back, its definition word for word
    assert store.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert store.verify_log().ok
    assert store.conn.execute("SELECT count(*) FROM people INDEXED BY people_roster_order").fetchone()[0] \
        == summary.imported > 100

    # A second list no longer than the table already is: the indexes stay where they are.
    import_table(store, incident.id, generate_people(120, seed=6, service="care-home", today=TODAY),
                 file_name="second.csv", sha256="y", mapping={})
    assert len(set_aside) == 1


def test_an_import_that_fails_leaves_the_indexes_as_they_were(store, make_incident, monkeypatch):
    from contingency.services import importer

    incident = make_incident()
    before = index_definitions(store)
    monkeypatch.setattr(importer, "REMAKE_INDEXES_FROM", 100)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr(importer, "_record_import", broken)
    try:
        import_table(store, incident.id, generate_people(150, seed=5, service="care-home", today=TODAY),
                     file_name="list.csv", sha256="x", mapping={})
    except RuntimeError:
        pass
    else:
        raise AssertionError("the import should have failed")
    assert index_definitions(store) == before and store.people.size() == 0


def test_an_imported_persons_sources_are_written_once_and_read_back_field_by_field(store, make_incident):
    incident = make_incident()
    import_table(store, incident.id, generate_people(3, seed=11, service="care-home", today=TODAY),
                 file_name="list.csv", sha256="x", mapping={})
    person = store.people.all(incident.id)[0]
    (text,) = store.conn.execute("SELECT sources FROM people WHERE id = ?", [person.id]).fetchone()
    origin = next(iter(person.facts.sources.values())).origin
    assert origin.startswith("list.csv row ") and text.count(origin) == 1
    assert json.loads(text)["fields"] == sorted(person.facts.sources) and len(person.facts.sources) >= 5
    assert all(s == Source(origin=origin) for s in person.facts.sources.values())
    # A record written field by field (every record before, and any whose facts came from more than one
    # place) reads as ever.
    per_field = {"first_name": {"confirmed": True, "origin": "officer Sam"},
                 "last_name": {"confirmed": False, "origin": "list.csv row 2"}}
    store.conn.execute("UPDATE people SET sources = ? WHERE id = ?", [json.dumps(per_field), person.id])
    assert store.people.get(person.id).facts.sources == {"first_name": Source(origin="officer Sam", confirmed=True),
                                                         "last_name": Source(origin="list.csv row 2")}
    mixed = {"first_name": Source(origin="officer Sam", confirmed=True), "rag": Source(origin="list.csv row 2")}
    assert sources_from_json(_sources_json(mixed)) == mixed and "fields" not in json.loads(_sources_json(mixed))
