"""Importing the provider's list: messy CSV and XLSX, nobody dropped, the import whole or not at all."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from contingency.person import Flag, Funding
from contingency.services import importer
from contingency.services.errors import BadInput
from contingency.services.importer import import_file, load_mapping, save_mapping
from contingency.store.people import RosterQuery


def nhs(n: int) -> str:
    """The n-th valid NHS number in the 999 test range (never issued to a real patient)."""
    found = 0
    body = 999_000_000
    while True:
        digits = str(body)
        total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1)))
        check = (11 - total % 11) % 11
        if check != 10:
            if found == n:
                return digits + str(check)
            found += 1
        body += 1


HEADERS = ["Provider ref", "First name", "Surname", "DOB", "NHS No", "Funded by", "Placing authority", "ICB", "OR",
           "Weekly fee", "RAG", "RAG reason", "Favourite tea"]

# (file line, values); line 3 is blank. 13 data rows: 11 people, 1 merged (same NHS number), 1 rejected.
MESSY_ROWS = [
    ["R01", "Ada", "Exampleton", "03/04/1940", nhs(1)[:3] + " " + nhs(1)[3:6] + " " + nhs(1)[6:], "Private", "",
     "", "Leeds", "£850.00", "GREEN", "Stable", "Earl Grey"],
    None,  # a blank line
    ["R02", "Bernard", "Samplewood", "14704", "", "LA", "Bradford", "", "Bradford", "1,100", "RED", "Insulin due", ""],
    ["R03", "Clara", "Testwell", "12/01/1938", "123 456", "CHC", "", "E54000054", "Leeds", "", "", "", ""],
    ["R04", "Dennis", "Demoford", "05/06/1944", nhs(2), "LA", "Warks CC", "", "Warwickshire", "", "", "", ""],
    ["R05", "Edith", "Mockridge", "07/08/1936", nhs(1), "Private", "", "", "Leeds", "", "", "", ""],
    ["R06", "Frank", "Fictionby", "01/01/1945", nhs(3), "DP", "Kirklees", "", "Kirklees", "", "", "", ""],
    ["R07", "Gladys", "Placeholt", "02/02/1932", nhs(4), "Private", "", "", "Leeds", "", "", "", ""],
    ["R08", "Gladys", "Placeholt", "02/02/1932", nhs(5), "Private", "", "", "Leeds", "", "", "", ""],
    ["", "", "", "09/09/1950", "", "Private", "", "", "", "", "", "", "night staff"],  # nobody: rejected
    ["R09", "Harold", "Dummersby", "09/09/1939", nhs(6), "Council", "Cardiff", "", "Cardiff", "", "", "", ""],
    ["R10", "Irene", "Trialbank", "10/10/1930", nhs(7), "FNC", "", "West Yorkshire", "Leeds", "", "", "", ""],
    ["R11", "Jack", "Specimore", "11/11/1931", nhs(8), "Grandma", "", "", "Leeds", "", "", "", ""],
    ["R12", "Joan", "Pretendale", "31/02/1940", nhs(9), "Self", "", "", "Leeds", "", "", "", ""],
]
DATA_ROWS = sum(row is not None for row in MESSY_ROWS)
REJECTED_LINE = 11


def write_csv(path: Path, rows: list[list[str] | None], *, encoding: str = "utf-8", headers=HEADERS,
              delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(headers)
        for row in rows:
            if row is None:
                handle.write("\r\n")
            else:
                writer.writerow(row)
    return path


def roster(store, incident_id: int):
    return {p.facts.provider_ref: p for p in store.people.all(incident_id)}


def issue(person, field: str):
    return next(i for i in person.facts.issues if i.field == field)


@pytest.fixture
def incident(make_incident):
    return make_incident()


@pytest.fixture
def messy(tmp_path) -> Path:
    return write_csv(tmp_path / "residents.csv", MESSY_ROWS, encoding="utf-8-sig")


@pytest.fixture
def imported(store, incident, messy):
    return import_file(store, incident.id, messy)


# --- the sums ------------------------------------------------------------------------------------------


def test_every_row_is_accounted_for(store, incident, imported):
    assert DATA_ROWS == 13
    assert imported.data_rows == DATA_ROWS
    assert imported.blank_rows == 1
    assert (imported.imported, imported.merged, len(imported.rejected)) == (11, 1, 1)
    assert imported.imported + imported.merged + len(imported.rejected) == imported.data_rows
    assert imported.balanced
    assert store.people.count(RosterQuery(incident.id)) == imported.imported
    assert "(checked)" in imported.sentence()
    assert store.incidents.get(incident.id).people_count == 11
    assert store.verify_log().ok


def test_bom_is_stripped_and_synonym_headers_map(imported, store, incident):
    assert imported.unmapped_headers == ["Favourite tea"]
    people = roster(store, incident.id)
    ada = people["R01"]
    assert (ada.facts.first_name, ada.facts.last_name) == ("Ada", "Exampleton")
    assert ada.facts.nhs_number == nhs(1)
    assert ada.facts.funding is Funding.SELF_FUNDED
    assert ada.facts.or_code == "LDS"
    assert ada.facts.weekly_cost_pence == 85000
    assert "Favourite tea: Earl Grey" in ada.facts.notes  # unrecognised columns kept, not dropped
    assert people["R02"].facts.funding is Funding.OTHER_ENGLISH_COUNCIL
    assert people["R02"].facts.funding_body == "BRD"
    assert people["R02"].facts.weekly_cost_pence == 110000
    assert people["R06"].facts.funding is Funding.DIRECT_PAYMENT and people["R06"].facts.funding_body == "KIR"
    assert people["R09"].facts.funding is Funding.WELSH_COUNCIL
    assert people["R09"].determination.basis.value == "s48+s49"
    assert people["R10"].facts.fnc and people["R10"].facts.icb_code == "E54000054"
    assert people["R03"].determination.basis.value == "nhs-icb"


def test_dates_day_first_and_excel_serial(imported, store, incident):
    people = roster(store, incident.id)
    assert people["R01"].facts.date_of_birth == date(1940, 4, 3)  # 03/04/1940 is 3 April
    assert people["R02"].facts.date_of_birth == date(1940, 4, 3)  # Excel serial 14704
    assert people["R03"].facts.date_of_birth == date(1938, 1, 12)


def test_bad_values_are_kept_as_flags_quoting_the_value(imported, store, incident):
    people = roster(store, incident.id)
    clara = people["R03"]
    assert clara.facts.nhs_number is None
    bad = issue(clara, "nhs_number")
    assert bad.kind is Flag.BAD_VALUE and bad.value == "123 456" and "'123 456'" in bad.message
    assert Flag.BAD_VALUE in clara.determination.flags

    dennis = people["R04"]
    unresolved = issue(dennis, "funding_body")
    assert unresolved.kind is Flag.AUTHORITY_UNRESOLVED and unresolved.value == "Warks CC"
    assert "'Warks CC'" in unresolved.message
    assert Flag.AUTHORITY_UNRESOLVED in dennis.determination.flags
    assert dennis.facts.or_code == "WAR"

    jack = people["R11"]
    assert issue(jack, "funding").value == "Grandma"
    assert jack.facts.funding is Funding.UNKNOWN

    joan = people["R12"]
    assert joan.facts.date_of_birth is None
    assert issue(joan, "date_of_birth").value == "31/02/1940"
    assert Flag.BAD_VALUE in joan.determination.flags
    assert imported.flags[Flag.BAD_VALUE.value] >= 3


def test_same_nhs_number_is_merged(imported, store, incident):
    with_number = [p for p in store.people.all(incident.id) if p.facts.nhs_number == nhs(1)]
    assert len(with_number) == 1
    ada = with_number[0]
    assert ada.facts.provider_ref == "R01" and ada.facts.first_name == "Ada"
    assert "merged residents.csv row 7 (same NHS number)" in ada.facts.notes
    assert "Edith" in ada.facts.notes and "Mockridge" in ada.facts.notes  # the conflicting values are kept
    assert imported.flags["merged-by-nhs-number"] == 1


def test_same_name_and_birth_with_different_nhs_numbers_are_both_flagged(imported, store, incident):
    people = roster(store, incident.id)
    for ref in ("R07", "R08"):
        assert Flag.DUPLICATE_SUSPECTED in people[ref].determination.flags, ref
    assert Flag.DUPLICATE_SUSPECTED not in people["R01"].determination.flags


def test_a_row_with_no_identity_is_rejected_and_kept(imported, store, messy):
    assert len(imported.rejected) == 1
    reject = imported.rejected[0]
    assert reject["row"] == REJECTED_LINE
    assert "nothing identifies a person" in reject["reason"]
    assert f"rejected row {REJECTED_LINE}: nothing identifies" in imported.sentence()
    rows = store.conn.execute("SELECT row_number, reason, raw FROM import_rejects").fetchall()
    assert len(rows) == 1
    assert rows[0][0] == REJECTED_LINE and "nothing identifies" in rows[0][1]
    assert "night staff" in json.loads(rows[0][2])
    rejects = messy.with_name("residents.rejects.csv")
    assert imported.rejects_file == str(rejects)
    with rejects.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["row", "reason", *HEADERS]
    assert lines[1][0] == str(REJECTED_LINE) and "night staff" in lines[1]
    record = store.conn.execute("SELECT data_rows, imported, merged, rejected FROM imports").fetchone()
    assert record == (13, 11, 1, 1)


def test_reimporting_the_same_file_loses_and_doubles_nobody(store, incident, messy, imported):
    again = import_file(store, incident.id, messy)
    assert again.balanced
    # Everyone with a valid NHS number is merged; the rest come in again, flagged as suspected duplicates.
    with_numbers = sum(1 for p in store.people.all(incident.id) if p.facts.nhs_number)
    assert again.merged == with_numbers + 1
    assert store.people.count(RosterQuery(incident.id)) == imported.imported + again.imported
    newcomers = [p for p in store.people.all(incident.id) if p.id > imported.imported]
    assert {p.facts.provider_ref for p in newcomers} == {"R02", "R03"}
    for person in newcomers:
        assert Flag.DUPLICATE_SUSPECTED in person.determination.flags, person.facts.provider_ref
    assert store.verify_log().ok


def test_a_twin_in_a_later_import_flags_the_person_already_on_the_roster(store, incident, tmp_path):
    """Same name and date of birth: *both* records are flagged, as add_person does, not only the newcomer."""
    first = write_csv(tmp_path / "first.csv", [
        ["T01", "Gladys", "Placeholt", "02/02/1932", "", "Private", "", "", "Leeds", "", "", "", ""]])
    second = write_csv(tmp_path / "second.csv", [
        ["T02", "Gladys", "Placeholt", "02/02/1932", "", "Private", "", "", "Leeds", "", "", "", ""]])
    import_file(store, incident.id, first)
    import_file(store, incident.id, second)
    people = roster(store, incident.id)
    assert Flag.DUPLICATE_SUSPECTED in people["T02"].determination.flags
    assert Flag.DUPLICATE_SUSPECTED in people["T01"].determination.flags


# --- encodings and layouts -----------------------------------------------------------------------------


def test_windows_1252_csv_with_pound_sign_and_accents(store, incident, tmp_path):
    path = write_csv(tmp_path / "excel.csv", [
        ["W01", "Zoë", "Brontë", "03/04/1940", nhs(20), "Private", "", "", "Leeds", "£1,234.50", "", "", "café"],
        ["W02", "Renée", "Lefèvre", "04/05/1941", nhs(21), "LA", "Leeds", "", "Leeds", "£950", "", "", ""],
    ], encoding="cp1252")
    assert "£".encode("cp1252") in path.read_bytes()
    summary = import_file(store, incident.id, path)
    assert (summary.data_rows, summary.imported) == (2, 2)
    people = roster(store, incident.id)
    assert (people["W01"].facts.first_name, people["W01"].facts.last_name) == ("Zoë", "Brontë")
    assert people["W01"].facts.weekly_cost_pence == 123450
    assert "café" in people["W01"].facts.notes
    assert people["W02"].facts.last_name == "Lefèvre"
    assert people["W02"].facts.funding is Funding.OWN_COUNCIL
    assert people["W02"].determination.basis.value == "existing-s18"


def test_semicolon_separated_csv(store, incident, tmp_path):
    path = write_csv(tmp_path / "semi.csv", [["S01", "Ada", "Exampleton", "03/04/1940", nhs(30), "Private", "", "",
                                              "Leeds", "850,00", "", "", ""]], delimiter=";")
    summary = import_file(store, incident.id, path)
    assert summary.imported == 1
    assert roster(store, incident.id)["S01"].facts.last_name == "Exampleton"


def test_xlsx_with_real_date_cells(store, incident, tmp_path):

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Residents"
    sheet.append(["Client ID", "Forename", "Last name", "Date of birth", "NHS number", "Funding", "Placing LA",
                  "Home authority", "Weekly cost"])
    sheet.append(["X01", "Ada", "Exampleton", datetime(1940, 4, 3), int(nhs(40)), "LA", "Bradford", "Bradford",
                  850.5])
    sheet.append([None] * 9)  # a blank row
    sheet.append(["X02", "Bernard", "Samplewood", datetime(1938, 1, 12), nhs(41), "Private", None, "Leeds", 900])
    sheet.append(["X03", "Clara", "Testwell", 14704, nhs(42), "CHC", None, "Leeds", None])  # serial, no format
    for row in (2, 4):
        sheet.cell(row=row, column=4).number_format = "DD/MM/YYYY"
    path = tmp_path / "residents.xlsx"
    book.save(path)

    summary = import_file(store, incident.id, path)
    assert (summary.data_rows, summary.blank_rows, summary.imported, len(summary.rejected)) == (3, 1, 3, 0)
    people = roster(store, incident.id)
    assert people["X01"].facts.date_of_birth == date(1940, 4, 3)
    assert people["X01"].facts.nhs_number == nhs(40)
    assert people["X01"].facts.weekly_cost_pence == 85050
    assert people["X01"].determination.recover_from == "la:E08000032"
    assert people["X02"].facts.date_of_birth == date(1938, 1, 12)
    assert people["X03"].facts.date_of_birth == date(1940, 4, 3)
    assert not any(p.facts.issues for p in people.values())


def test_xlsx_named_sheet_and_bad_workbooks(store, incident, tmp_path):

    book = openpyxl.Workbook()
    book.active.append(["Notes"])
    second = book.create_sheet("People")
    second.append(["Surname", "First name"])
    second.append(["Exampleton", "Ada"])
    path = tmp_path / "two.xlsx"
    book.save(path)
    assert import_file(store, incident.id, path, sheet="People").imported == 1
    with pytest.raises(BadInput, match="no sheet 'Staff'"):
        import_file(store, incident.id, path, sheet="Staff")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(BadInput, match="could not be read as a workbook"):
        import_file(store, incident.id, broken)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(BadInput, match="save it as .xlsx"):
        import_file(store, incident.id, old)


def test_a_future_date_cell_in_a_workbook_is_flagged(store, incident, tmp_path):
    """A date of birth in the future is a bad value whether it was typed as text or stored as a date cell."""

    book = openpyxl.Workbook()
    book.active.append(["Surname", "DOB"])
    book.active.append(["Exampleton", datetime(2030, 1, 1)])
    path = tmp_path / "future.xlsx"
    book.save(path)
    import_file(store, incident.id, path)
    person = store.people.all(incident.id)[0]
    assert person.facts.date_of_birth != date(2030, 1, 1)
    assert Flag.BAD_VALUE in person.determination.flags


def test_empty_and_unidentifiable_files(store, incident, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(BadInput, match="no header row"):
        import_file(store, incident.id, empty)
    nameless = tmp_path / "nameless.csv"
    nameless.write_text("Room,Funding\n12,Private\n", encoding="utf-8")
    with pytest.raises(BadInput, match="no column identifies people"):
        import_file(store, incident.id, nameless)
    assert store.people.count(RosterQuery(incident.id)) == 0


def test_an_absurd_number_in_a_money_column_is_a_flag_not_a_crash(store, incident, tmp_path):
    """A misaligned column can put a 20-digit number in 'Weekly fee'; that person is flagged, not the import lost."""
    path = write_csv(tmp_path / "shifted.csv", [
        ["M01", "Ada", "Exampleton", "03/04/1940", "", "Private", "", "", "Leeds", "99999999999999999999", "", "", ""],
        ["M02", "Bernard", "Samplewood", "12/01/1938", "", "Private", "", "", "Leeds", "900", "", "", ""],
    ])
    summary = import_file(store, incident.id, path)
    assert summary.imported == 2
    ada = roster(store, incident.id)["M01"]
    assert issue(ada, "weekly_cost_pence").value == "99999999999999999999"


# --- all or nothing ------------------------------------------------------------------------------------


def _fail_on_call(monkeypatch, n: int) -> None:
    real = importer._RowBuilder.build
    calls = {"n": 0}

    def build(self, number, values):
        calls["n"] += 1
        if calls["n"] == n:
            raise RuntimeError(f"disk full at row {number}")
        return real(self, number, values)

    monkeypatch.setattr(importer._RowBuilder, "build", build)


def test_a_failure_on_the_tenth_row_leaves_no_partial_roster(store, incident, messy, monkeypatch):
    before = store.log.count()
    _fail_on_call(monkeypatch, 10)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(store, incident.id, messy)
    assert store.people.count(RosterQuery(incident.id)) == 0
    assert store.conn.execute("SELECT count(*) FROM imports").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM import_rejects").fetchone()[0] == 0
    assert store.log.count() == before
    assert not messy.with_name("residents.rejects.csv").exists()
    assert store.verify_log().ok


def test_a_failure_midway_undoes_merges_into_the_existing_roster(store, incident, tmp_path, monkeypatch):
    first = write_csv(tmp_path / "first.csv", [
        ["F01", "Ada", "Exampleton", "03/04/1940", nhs(50), "Private", "", "", "Leeds", "", "", "", ""],
    ])
    import_file(store, incident.id, first)
    ada_before = roster(store, incident.id)["F01"]
    before = store.log.count()
    # The second list updates Ada (same NHS number, new funding) on row 2, then fails on its 10th row.
    rows = [["F01", "Ada", "Exampleton", "03/04/1940", nhs(50), "", "", "", "Leeds", "", "AMBER", "Falls", ""]]
    rows += [[f"F{n:02d}", "Person", f"Number{n}", "01/01/1940", nhs(50 + n), "Private", "", "", "Leeds", "", "", "",
              ""] for n in range(2, 13)]
    second = write_csv(tmp_path / "second.csv", rows)
    _fail_on_call(monkeypatch, 10)
    with pytest.raises(RuntimeError):
        import_file(store, incident.id, second)
    after = roster(store, incident.id)
    assert list(after) == ["F01"]
    assert after["F01"] == ada_before
    assert store.log.count() == before
    assert store.verify_log().ok


def test_a_failure_after_the_people_are_written_undoes_them(store, incident, messy, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("could not record the import")

    monkeypatch.setattr(importer, "_record_import", broken)
    with pytest.raises(RuntimeError):
        import_file(store, incident.id, messy)
    assert store.people.count(RosterQuery(incident.id)) == 0
    assert store.verify_log().ok


# --- header mappings -----------------------------------------------------------------------------------


def test_a_saved_toml_mapping_for_unusual_headers(store, incident, tmp_path):
    path = tmp_path / "provider.csv"
    path.write_text("Resident Surname,Resident Forename,Born,Health Service Number,Paid By,Placing Body\n"
                    f"Exampleton,Ada,03/04/1940,{nhs(60)},LA,Bradford\n", encoding="utf-8")
    mapping_file = tmp_path / "provider.toml"
    mapping_file.write_text(
        '"Resident Surname" = "last_name"\n"Resident Forename" = "first_name"\n"Born" = "date_of_birth"\n'
        '"Health Service Number" = "nhs_number"\n"Paid By" = "funding"\n"Placing Body" = "funding_body"\n',
        encoding="utf-8")
    mapping = load_mapping(store, str(mapping_file))
    assert mapping["Born"] == "date_of_birth"
    summary = import_file(store, incident.id, path, mapping=mapping)
    assert summary.imported == 1 and summary.unmapped_headers == []
    person = store.people.all(incident.id)[0]
    assert (person.facts.first_name, person.facts.last_name) == ("Ada", "Exampleton")
    assert person.facts.date_of_birth == date(1940, 4, 3)
    assert person.facts.nhs_number == nhs(60)
    assert person.facts.funding is Funding.OTHER_ENGLISH_COUNCIL and person.facts.funding_body == "BRD"

    save_mapping(store, "provider-x", mapping)
    assert load_mapping(store, "provider-x") == mapping
    save_mapping(store, "provider-x", {**mapping, "Born": "date_of_birth"})  # saving again updates it
    assert store.verify_log().ok

    bad = tmp_path / "bad.toml"
    bad.write_text('"Born" = "birthday"\n', encoding="utf-8")
    with pytest.raises(BadInput, match="unknown field"):
        load_mapping(store, str(bad))
    broken = tmp_path / "broken.toml"
    broken.write_text('"Born" = \n', encoding="utf-8")
    with pytest.raises(BadInput, match="mapping file"):
        load_mapping(store, str(broken))


# --- more ways a row can be odd ------------------------------------------------------------------------


def test_a_row_with_only_a_bad_nhs_number_is_kept_not_rejected(store, incident, tmp_path):
    path = write_csv(tmp_path / "numbers.csv", [["", "", "", "", "943 476 591", "", "", "", "", "", "", "", ""]])
    summary = import_file(store, incident.id, path)
    assert (summary.imported, len(summary.rejected)) == (1, 0)
    person = store.people.all(incident.id)[0]
    assert issue(person, "nhs_number").value == "943 476 591"
    assert Flag.BAD_VALUE in person.determination.flags


def test_a_rating_without_a_reason_is_flagged_and_the_person_kept(store, incident, tmp_path):
    path = write_csv(tmp_path / "rag.csv", [["G01", "Ada", "Exampleton", "03/04/1940", "", "Private", "", "", "Leeds",
                                             "", "RED", "", ""]])
    summary = import_file(store, incident.id, path)
    assert summary.imported == 1
    person = store.people.all(incident.id)[0]
    assert person.facts.rag is None
    rag = issue(person, "rag")
    assert rag.value == "RED" and "rule 28" in rag.message
    assert {Flag.BAD_VALUE, Flag.NO_RAG} <= set(person.determination.flags)


def test_a_short_or_long_row_keeps_every_value(store, incident, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("Surname,First name\nExampleton\nSamplewood,Bernard,Room 4,extra\n", encoding="utf-8")
    summary = import_file(store, incident.id, path)
    assert summary.imported == 2
    people = {p.facts.last_name: p for p in store.people.all(incident.id)}
    assert people["Exampleton"].facts.first_name == ""
    assert "Room 4" in people["Samplewood"].facts.notes and "extra" in people["Samplewood"].facts.notes


def test_people_are_redetermined_when_the_incident_changes(store, make_incident, messy):
    from contingency.services.incidents import change_facts

    warning = make_incident(event="cqc-s56-notice", service="care-home")
    import_file(store, warning.id, messy)
    assert {p.determination.basis.value for p in store.people.all(warning.id)} == {"none-yet"}
    change_facts(store, warning.id, reason="administrators appointed and the home has closed",
                 event_key="administration")
    people = roster(store, warning.id)
    assert people["R01"].determination.basis.value == "s48"
    assert people["R02"].determination.recover_from == "la:E08000032"
    assert people["R03"].determination.basis.value == "nhs-icb"
    assert people["R09"].determination.basis.value == "s48+s49"
    assert store.verify_log().ok


def test_a_large_list_lands_whole_and_the_log_still_verifies(store, incident):
    """More people than the log writer buffers at once (2,000), in one transaction."""
    from contingency.services.demo import generate_people
    from contingency.services.importer import import_table

    table = generate_people(2100, seed=7, service="care-home", today=date(2026, 11, 23))
    before = store.log.count()
    summary = import_table(store, incident.id, table, file_name="big.xlsx", sha256="test", mapping={})
    assert summary.balanced and summary.data_rows == 2101
    assert store.people.count(RosterQuery(incident.id)) == summary.imported
    # Issue 12: the people are one bulk entry with a digest of every row, not an entry each.
    bulk = [e for e in store.log.for_incident(incident.id) if e.action == "bulk-create"]
    assert len(bulk) == 1 and bulk[0].after["count"] == summary.imported
    assert store.log.count() < before + 10
    assert store.verify_log().ok


def test_changing_the_needs_snapshot_needs_a_reason_and_is_a_decision(store, incident, imported):
    """Rule 13: the needs met 'immediately before' are a snapshot; any change is a logged decision."""
    from contingency.services.people import edit_person

    ada = roster(store, incident.id)["R01"]
    ada = edit_person(store, ada.id, {"needs_snapshot": "Help with washing and dressing"}, reason="from the care plan")
    with pytest.raises(BadInput, match="rule 13"):
        edit_person(store, ada.id, {"needs_snapshot": "Full support"})
    edit_person(store, ada.id, {"needs_snapshot": "Full support; hoist"}, reason="care plan read properly")
    decisions = store.decisions.for_incident(incident.id)
    assert len(decisions) == 1
    assert "Change the recorded needs" in decisions[0].decision
    assert decisions[0].rationale == "care plan read properly"
    assert store.people.get(ada.id).facts.needs_snapshot == "Full support; hoist"
    assert store.verify_log().ok
