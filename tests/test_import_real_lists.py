"""Importing what providers actually send: titles and notes above the headers, a cover sheet, totals below
the people, their own wording for columns and values, and key-safe codes that must stay secret."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from contingency.letters.context import person_row as letter_person_row
from contingency.models import ServiceKind
from contingency.person import RAG, Flag, Funding
from contingency.rules.columns import field_for_header, map_headers
from contingency.rules.normalise import FieldProblem, parse_rag, parse_service_kind
from contingency.services.errors import BadInput
from contingency.services.importer import import_file
from contingency.services.people import edit_person
from contingency.store.eventlog import SECRET_CHANGED, SECRET_HELD
from tests.conftest import OFFICER, make_runner, ok, refused

FIXTURE = Path(__file__).parent / "fixtures" / "residents_as_printed.csv"
CODES = ("K4821", "L0590")  # the key-safe codes in the fixture: letters in them, so no hash can contain one


def fixture_rows() -> list[list[str]]:
    with FIXTURE.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def incident(make_incident):
    return make_incident()


def by_surname(store, incident_id):
    return {p.facts.last_name: p for p in store.people.all(incident_id)}


def assert_the_printed_list_landed(store, incident_id, summary):
    assert (summary.data_rows, summary.imported, summary.merged, len(summary.rejected)) == (8, 5, 0, 3)
    assert summary.balanced and not summary.unmapped_headers
    reasons = {r["reason"] for r in summary.rejected}
    assert all("total or note" in r for r in reasons), reasons
    people = by_surname(store, incident_id)
    assert set(people) == {"Exampleton", "Samplewood", "Testwell", "Demoford", "Mockridge"}
    ada = people["Exampleton"].facts
    assert (ada.first_name, ada.service_address, ada.weekly_cost_pence) == ("Ada", "1", 105_000)
    assert ada.funding is Funding.SELF_FUNDED and ada.nhs_number == "9990000220"
    assert (ada.rag, ada.rag_reason) == (RAG.RED, "provider rated High")
    assert (ada.nominee_name, ada.nominee_phone, ada.gp_practice) == ("Bert Exampleton", "07700 900123",
                                                                     "Park Lane Surgery")
    assert ada.key_safe_code == "K4821" and "K4821" not in ada.notes and ada.notes == "Diabetic"
    assert people["Samplewood"].facts.rag is RAG.AMBER and people["Testwell"].facts.rag is RAG.GREEN
    assert people["Samplewood"].facts.funding is Funding.SELF_FUNDED
    assert people["Testwell"].facts.funding is Funding.SELF_FUNDED
    assert store.verify_log().ok


def test_a_printed_csv_list_imports_without_a_mapping(store, incident, tmp_path):
    path = tmp_path / FIXTURE.name
    path.write_bytes(FIXTURE.read_bytes())
    summary = import_file(store, incident.id, path)
    assert_the_printed_list_landed(store, incident.id, summary)
    assert summary.header_row == 5
    text = summary.sentence()
    assert text.splitlines()[0].startswith("header row 5: 13 of 13 columns recognised (the row most like a header")
    assert "3 lines above the headers not read as people: 'Meadowbrook Care Homes Ltd - Rowan House'" in text
    assert "1 blank line ignored" in text
    rejected = {r["row"]: r for r in summary.rejected}
    assert set(rejected) == {12, 13, 14}
    assert rejected[12]["values"][6] == "£4,020.50"  # the original values are kept with the reason
    assert rejected[13]["reason"] == "a total or note, not a person: 'Total: 5 residents'"
    stored = store.conn.execute("SELECT row_number, reason FROM import_rejects ORDER BY row_number").fetchall()
    assert [r[0] for r in stored] == [12, 13, 14]
    assert Path(summary.rejects_file).is_file()


def build_workbook(path: Path) -> Path:
    """The same list as a workbook: a cover sheet first; on the residents sheet a merged title over the columns."""
    rows = fixture_rows()
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Cover"
    for line in (["Meadowbrook Care Homes Ltd"], ["Information for the council"], ["Prepared by", "Home manager"],
                 ["Sheets", "Residents"]):
        cover.append(line)
    sheet = book.create_sheet("Residents")
    sheet.append([rows[0][0]])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=13)
    sheet.append([rows[1][0]])
    sheet.append([])
    sheet.append(rows[4])  # the headers: row 4 of the sheet
    for row in rows[5:10]:
        values: list = list(row)
        values[3] = datetime.strptime(row[3], "%d/%m/%Y")  # a real date cell
        values[0] = int(row[0])
        sheet.append(values)
    sheet.append([])
    for row in rows[11:]:
        sheet.append([v or None for v in row])
    book.save(path)
    return path


def test_a_workbook_with_a_cover_sheet_and_a_merged_title(store, incident, tmp_path):
    path = build_workbook(tmp_path / "residents.xlsx")
    summary = import_file(store, incident.id, path)
    assert_the_printed_list_landed(store, incident.id, summary)
    assert (summary.sheet, summary.header_row) == ("Residents", 4)
    assert summary.header.startswith("header row 4 of sheet 'Residents': 13 of 13 columns recognised")
    assert "other sheets not read: 'Cover'" in summary.header
    assert by_surname(store, incident.id)["Exampleton"].facts.date_of_birth.isoformat() == "1940-04-03"


def test_a_plain_list_still_reads_its_first_row_as_the_headers(store, incident, tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("Surname,First name\nExampleton,Ada\n", encoding="utf-8")
    summary = import_file(store, incident.id, path)
    assert summary.imported == 1 and summary.header == "header row 1: 2 of 2 columns recognised"


def test_a_header_row_or_sheet_that_is_not_there_is_refused(store, incident, tmp_path):
    path = tmp_path / FIXTURE.name
    path.write_bytes(FIXTURE.read_bytes())
    with pytest.raises(BadInput, match="is blank"):
        import_file(store, incident.id, path, header_row=3)
    with pytest.raises(BadInput, match="has only 14 rows"):
        import_file(store, incident.id, path, header_row=40)
    with pytest.raises(BadInput, match="not a workbook"):
        import_file(store, incident.id, path, sheet="Residents")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A live store made with `setup`, one incident, and the runner that works on it."""
    home = tmp_path_factory.mktemp("import-home")
    db = home / "live.sqlite"
    run = make_runner(home, db=db)
    ok(run("setup", "--authority", "Leeds", "--team", "EDT", "--officer", OFFICER))
    opened = json.loads(ok(run("incident", "open", "--provider", "Meadowbrook Care Homes Ltd", "--service",
                               "care-home", "--area", "Leeds", "--event", "winding-up-order", "--json")).stdout)
    return run, str(opened["id"]), home


def test_header_row_and_sheet_from_the_command_line(live):
    run, incident_id, home = live
    csv_path = home / FIXTURE.name
    csv_path.write_bytes(FIXTURE.read_bytes())
    wrong = refused(run("people", "import", incident_id, str(csv_path), "--header-row", "1"))
    assert "no column identifies people" in wrong and "Meadowbrook Care Homes Ltd - Rowan House" in wrong
    workbook = build_workbook(home / "residents.xlsx")
    assert "no column identifies people" in refused(run("people", "import", incident_id, str(workbook),
                                                        "--sheet", "Cover"))
    assert "no sheet 'Staff'" in refused(run("people", "import", incident_id, str(workbook), "--sheet", "Staff"))
    data = json.loads(ok(run("people", "import", incident_id, str(csv_path), "--header-row", "5", "--json")).stdout)
    assert (data["header_row"], data["imported"], len(data["rejected"]), data["balanced"]) == (5, 5, 3, True)
    assert data["header"] == "header row 5: 13 of 13 columns recognised (as asked)"
    text = ok(run("people", "import", incident_id, str(workbook), "--sheet", "Residents", "--header-row", "4")).stdout
    assert "header row 4 of sheet 'Residents': 13 of 13 columns recognised (as asked)" in text
    assert "8 data rows = 0 imported + 5 merged + 3 rejected (checked)" in text  # same NHS numbers: merged


def test_key_safe_codes_stay_out_of_output_and_the_log(live):
    run, incident_id, _home = live
    roster = json.loads(ok(run("people", "list", incident_id, "--json")).stdout)
    ada = next(p for p in roster if p["last_name"] == "Exampleton")
    assert ada["key_safe_code"] == "••••"
    shown = ok(run("people", "show", str(ada["id"]))).stdout
    shown_json = ok(run("people", "show", str(ada["id"]), "--json")).stdout
    assert "key safe code: ••••" in shown
    for text in (json.dumps(roster), shown, shown_json):
        assert not any(code in text for code in CODES)
    revealed = ok(run("people", "show", str(ada["id"]), "--reveal-key-safe")).stdout
    assert "key safe code: K4821" in revealed
    assert ok(run("log", "verify")).returncode == 0


def test_key_safe_code_is_never_in_the_event_log_or_a_letter(store, incident, tmp_path):
    path = tmp_path / FIXTURE.name
    path.write_bytes(FIXTURE.read_bytes())
    import_file(store, incident.id, path)
    ada = by_surname(store, incident.id)["Exampleton"]
    edit_person(store, ada.id, {"key_safe_code": "M7733"}, reason="provider sent the new code")
    log_text = " ".join(str(v) for row in store.conn.execute("SELECT before, after, reason FROM event_log")
                        for v in row)
    assert not any(code in log_text for code in (*CODES, "M7733"))
    entries = store.conn.execute("SELECT action, before, after FROM event_log WHERE entity = 'person'"
                                 " AND entity_id = ? ORDER BY seq", [str(ada.id)]).fetchall()
    # Issue 12: the import is one bulk entry for all its people; the edit's before-image is the row as imported.
    assert json.loads(entries[0][1])["key_safe_code"] == SECRET_HELD
    _action, before, after = entries[-1]
    assert (json.loads(before)["key_safe_code"], json.loads(after)["key_safe_code"]) == (SECRET_HELD, SECRET_CHANGED)
    assert store.verify_log().ok
    edited = store.people.get(ada.id)
    assert edited.facts.key_safe_code == "M7733"
    assert "M7733" not in repr(letter_person_row(edited, "needs met", recover=False))


def test_a_code_changed_outside_the_app_is_still_noticed_when_it_is_removed(store, incident, tmp_path):
    path = tmp_path / FIXTURE.name
    path.write_bytes(FIXTURE.read_bytes())
    import_file(store, incident.id, path)
    ada = by_surname(store, incident.id)["Exampleton"]
    store.conn.execute("UPDATE people SET key_safe_code = NULL WHERE id = ?", [ada.id])
    assert not store.verify_log().ok


def test_a_rejected_row_keeps_its_values_but_not_a_key_safe_code(store, incident, tmp_path):
    path = tmp_path / "with-a-stray-code.csv"
    path.write_text("Surname,First name,Key safe,Notes\nExampleton,Ada,K4821,\n,,L0590,spare key\n", encoding="utf-8")
    summary = import_file(store, incident.id, path)
    assert summary.balanced and len(summary.rejected) == 1
    assert summary.rejected[0]["values"] == ["", "", "••••", "spare key"]
    raw = store.conn.execute("SELECT raw FROM import_rejects").fetchone()[0]
    assert "L0590" not in raw and "L0590" not in Path(summary.rejects_file).read_text(encoding="utf-8-sig")


# --- the wording providers use --------------------------------------------------------------------------

@pytest.mark.parametrize(("header", "field"), [
    ("Forename(s)", "first_name"), ("Given name", "first_name"), ("FORENAMES", "first_name"),
    ("D.O.B.", "date_of_birth"), ("Date of Birth (dd/mm/yyyy)", "date_of_birth"), ("NHS No.", "nhs_number"),
    ("Rm", "service_address"), ("Room No", "service_address"), ("Flat", "service_address"),
    ("NOK", "nominee_name"), ("NOK Tel", "nominee_phone"), ("Next of kin phone", "nominee_phone"),
    ("Weekly Fee (£)", "weekly_cost_pence"), ("Fee £/wk", "weekly_cost_pence"),
    ("Funder", "funding"), ("Funded by", "funding"),
    ("Package", "service_kind"), ("Service type", "service_kind"),
    ("Risk", "rag"), ("Priority", "rag"), ("RAG", "rag"),
    ("Key safe", "key_safe_code"), ("Key safe code", "key_safe_code"), ("Key Safe No.", "key_safe_code"),
    ("GP", "gp_practice"), ("GP practice", "gp_practice"),
    ("Council area", "home_council_code"), ("Borough", "home_council_code"),
])
def test_provider_headers_are_recognised(header, field):
    assert field_for_header(header) == field


@pytest.mark.parametrize("header", ["Local authority", "LA", "Council"])
def test_an_authority_beside_an_address_is_where_the_person_lives(header):
    assert map_headers(["Surname", "Address", header, "Funder"])[2] == "home_council_code"
    assert map_headers(["Surname", header, "Funder", "Postcode"])[1] == "funding_body"


@pytest.mark.parametrize(("value", "kind"), [
    ("Care home service with nursing", ServiceKind.CARE_HOME_NURSING),
    ("Care home service without nursing", ServiceKind.CARE_HOME),
    ("Domiciliary care service", ServiceKind.HOME_CARE), ("Domiciliary", ServiceKind.HOME_CARE),
    ("Supported living service", ServiceKind.SUPPORTED_LIVING),
    ("Extra Care housing services", ServiceKind.EXTRA_CARE), ("Shared Lives", ServiceKind.SHARED_LIVES),
    ("Nursing homes", ServiceKind.CARE_HOME_NURSING), ("Residential homes", ServiceKind.CARE_HOME),
    ("Homecare agencies", ServiceKind.HOME_CARE), ("Supported housing", ServiceKind.SUPPORTED_LIVING),
    ("Care home service without nursing; Care home service without nursing", ServiceKind.CARE_HOME),
])
def test_cqc_and_directory_service_wording(value, kind):
    assert parse_service_kind(value) is kind


def test_a_home_registered_for_both_kinds_is_not_guessed():
    with pytest.raises(FieldProblem, match="more than one kind"):
        parse_service_kind("Care home service with nursing, Care home service without nursing")


@pytest.mark.parametrize(("value", "rag"), [("High", RAG.RED), ("MEDIUM", RAG.AMBER), ("low", RAG.GREEN),
                                            ("Red", RAG.RED), ("A", RAG.AMBER)])
def test_provider_ratings(value, rag):
    assert parse_rag(value) is rag


@pytest.mark.parametrize(("value", "funding"), [
    ("Self funding", Funding.SELF_FUNDED), ("Self-funded", Funding.SELF_FUNDED), ("Private", Funding.SELF_FUNDED),
])
def test_self_funding_wording(store, incident, tmp_path, value, funding):
    path = tmp_path / "funding.csv"
    path.write_text(f"Surname,Funder\nExampleton,{value}\n", encoding="utf-8")
    import_file(store, incident.id, path)
    assert store.people.all(incident.id)[0].facts.funding is funding


@pytest.mark.parametrize("value", ["LA funded", "Council funded"])
def test_council_funding_wording_takes_the_placing_council(store, incident, tmp_path, value):
    path = tmp_path / "funding.csv"
    path.write_text(f"Surname,Funded by,Placing authority\nExampleton,{value},Bradford\n", encoding="utf-8")
    import_file(store, incident.id, path)
    facts = store.people.all(incident.id)[0].facts
    assert facts.funding is Funding.OTHER_ENGLISH_COUNCIL and facts.funding_body == "BRD"


def test_ratings_reasons_and_the_council_area(store, incident, tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("Surname,Address,Local authority,Priority,Risk reason\n"
                    "Exampleton,1 High St,Bradford,High,\n"
                    "Samplewood,2 High St,Leeds,Low,walks with a frame\n"
                    "Testwell,3 High St,Leeds,Red,\n", encoding="utf-8")
    import_file(store, incident.id, path)
    people = by_surname(store, incident.id)
    ada = people["Exampleton"].facts
    assert (ada.rag, ada.rag_reason, ada.home_council_code) == (RAG.RED, "provider rated High", "BRD")
    assert ada.funding_body is None and ada.or_code is None  # where they live is not who pays, nor residence
    assert (people["Samplewood"].facts.rag, people["Samplewood"].facts.rag_reason) == (RAG.GREEN,
                                                                                       "walks with a frame")
    # RED, AMBER and GREEN are the council's own scale: still needs a reason (brief rule 28).
    assert people["Testwell"].facts.rag is None
    assert Flag.BAD_VALUE in people["Testwell"].determination.flags


def test_a_lone_surname_is_a_person_but_a_lone_note_is_not(store, incident, tmp_path):
    path = tmp_path / "lone.csv"
    path.write_text("Surname,First name,Room\nExampleton,Ada,1\nSamplewood,,\n,,Room 4 empty since June\n"
                    "Checked by 2 staff,,\n", encoding="utf-8")
    summary = import_file(store, incident.id, path)
    assert (summary.imported, len(summary.rejected), summary.balanced) == (2, 2, True)
    assert [r["row"] for r in summary.rejected] == [4, 5]
    assert all(r["reason"].startswith("a note, not a person") for r in summary.rejected)


def test_a_person_whose_cells_read_like_headers_is_not_taken_for_the_header_row(store, incident, tmp_path):
    path = tmp_path / "short.csv"
    # The second row has more header words (NHS, FNC, LA, Carer) than the first has headers.
    path.write_text("Surname,Funding,Col A,Col B,Col C,Col D,Born\nExampleton,NHS,FNC,LA,Carer,R1,03/04/1940\n",
                    encoding="utf-8")
    summary = import_file(store, incident.id, path)
    assert summary.header_row == 1 and summary.imported == 1
    assert store.people.all(incident.id)[0].facts.funding is Funding.NHS_CHC


def test_a_semicolon_list_under_a_title_line(store, incident, tmp_path):
    path = tmp_path / "semicolons.csv"
    path.write_text("Residents of Rowan House, printed 22/11/2026\n\nSurname;Forename(s);D.O.B.;Funder\n"
                    "Exampleton;Ada;03/04/1940;Private\nSamplewood;Bernard;14/07/1936;Self funding\n"
                    "Total: 2;;;\n", encoding="utf-8")
    summary = import_file(store, incident.id, path)
    assert (summary.header_row, summary.imported, len(summary.rejected), summary.balanced) == (3, 2, 1, True)
