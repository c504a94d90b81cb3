"""The two-stage import: see the header row, the mapping and the first rows as stored, then import.

The preview writes nothing; the CLI's --dry-run prints it; the TUI lets the officer re-map or ignore a
column, save the mapping by name, and offers that mapping for the next list with the same headers.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from contingency.services.errors import BadInput
from contingency.services.importer import (
    IGNORE,
    KEEP,
    import_file,
    load_mapping,
    preview_file,
    save_mapping,
)
from contingency.store.people import RosterQuery
from contingency.tui.app import ContingencyApp
from contingency.tui.dialogs.import_file import ImportDialog
from contingency.tui.dialogs.import_preview import FieldPicker, ImportPreviewScreen, fit
from contingency.tui.screens.incident import IncidentScreen
from tests.tui_support import SIZE, demo_store

AS_PRINTED = Path(__file__).parent / "fixtures" / "residents_as_printed.csv"


@pytest.fixture
def incident(make_incident):
    return make_incident()


def column(preview, header: str):
    return next(c for c in preview.columns if c.header == header)


# --- the service -----------------------------------------------------------------------------------------


def test_the_preview_finds_the_headers_under_a_title_and_flags_values_without_writing(store, incident):
    before = store.verify_log().entries
    preview = preview_file(store, incident.id, AS_PRINTED)

    assert preview.header_row == 5 and preview.sheet is None
    assert preview.header.startswith("header row 5: 13 of 13 columns recognised (the row most like a header")
    assert "escape and give a header row" in preview.header_on_screen
    assert preview.above_header[0] == "Meadowbrook Care Homes Ltd - Rowan House"
    assert (column(preview, "Surname").field, column(preview, "D.O.B.").field) == ("last_name", "date_of_birth")
    assert column(preview, "Weekly Fee (£)").how == "recognised"

    assert [r.number for r in preview.rows] == [6, 7, 8, 9, 10]
    ada = {v.label: v for v in preview.rows[0].values}
    assert ada["Last name"].value == "Exampleton" and ada["Date of birth"].value == "03/04/1940"
    assert ada["Weekly cost"].value == "£1,050.00" and ada["RAG"].value == "RED (provider rated High)"
    assert ada["Key safe code"].value == "••••", "the preview never shows a key-safe code"
    assert not preview.rows[0].flagged
    dennis = preview.rows[3]
    (funding,) = dennis.flagged
    assert (funding.header, funding.value) == ("Funded by", "Council funded")
    assert "placing authority" in funding.flag
    assert "funding unknown" in dennis.flags

    assert (preview.data_rows, preview.would_import, preview.would_merge, preview.would_reject) == (8, 5, 0, 3)
    assert preview.balanced
    text = preview.sentence()
    assert "✗ Funding 'Council funded' (Funded by): funding says a council pays" in text
    assert "K4821" not in text and "K4821" not in json.dumps(preview.as_json(), ensure_ascii=False)
    assert store.verify_log().entries == before
    assert store.people.count(RosterQuery(incident.id)) == 0


def test_ignored_and_kept_columns_import_as_previewed_and_every_row_is_counted(store, incident):
    mapping = {"GP practice": IGNORE, "Risk": KEEP, "Key safe code": IGNORE}
    assert load_mapping(store, None) == {}
    preview = preview_file(store, incident.id, AS_PRINTED, mapping=mapping)
    assert column(preview, "GP practice").field is None and column(preview, "GP practice").choice == IGNORE
    assert column(preview, "Risk").choice == KEEP and column(preview, "Risk").how == "as mapped"
    ada = {v.label: v.value for v in preview.rows[0].values}
    assert "GP practice" not in ada and "RAG" not in ada
    assert ada["Notes"] == "Diabetic; Risk: High"

    summary = import_file(store, incident.id, AS_PRINTED, mapping=preview.mapping,
                          header_row=preview.header_row, write_rejects=False)
    assert (summary.imported, summary.merged, len(summary.rejected)) == (5, 0, 3) and summary.balanced
    assert summary.ignored_headers == ["Key safe code", "GP practice"]
    assert "columns ignored as asked (not imported): Key safe code, GP practice" in summary.sentence()
    people = {p.facts.last_name: p.facts for p in store.people.all(incident.id)}
    assert people["Exampleton"].gp_practice == "" and people["Exampleton"].key_safe_code == ""
    assert people["Exampleton"].rag is None and "Risk: High" in people["Exampleton"].notes
    assert "K4821" not in people["Exampleton"].notes, "an ignored key-safe code goes nowhere"


def test_a_field_given_to_a_later_column_is_read_from_it(store, incident, tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("Surname,Forename,Family name\nExampleton,Ada,Smith\n", encoding="utf-8")
    preview = preview_file(store, incident.id, path, mapping={"Surname": KEEP, "Family name": "last_name"})
    assert column(preview, "Family name").field == "last_name"
    values = {v.label: v.value for v in preview.rows[0].values}
    assert values["Last name"] == "Smith" and values["Notes"] == "Surname: Exampleton"


def test_a_mapping_naming_no_known_field_is_refused(store, incident, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"Rm": "room"}', encoding="utf-8")
    with pytest.raises(BadInput, match="'ignore' \\(not imported\\) or 'keep'"):
        load_mapping(store, str(bad))


def test_a_saved_mapping_is_offered_only_for_exactly_the_same_headers(store, incident, tmp_path):
    first = preview_file(store, incident.id, AS_PRINTED)
    assert first.saved_mapping is None and first.same_headers is None
    save_mapping(store, "rowan-house", {**first.mapping, "GP practice": IGNORE})

    again = preview_file(store, incident.id, AS_PRINTED, use_saved=True)
    assert again.saved_mapping == "rowan-house"
    assert again.mapping_line() == "using saved mapping 'rowan-house' (same headers)"
    assert column(again, "GP practice").choice == IGNORE
    assert column(again, "Surname").how == "saved mapping 'rowan-house'"

    # Without use_saved (the command line) it is named, not applied: --map is how it is used there.
    told = preview_file(store, incident.id, AS_PRINTED)
    assert told.saved_mapping is None and "--map 'rowan-house' uses it" in told.mapping_line()

    other = tmp_path / "other.csv"
    other.write_text(AS_PRINTED.read_text("utf-8").replace("GP practice", "GP"), encoding="utf-8")
    assert preview_file(store, incident.id, other, use_saved=True).saved_mapping is None
    assert store.people.mapping_for_headers(["Rm", "Surname"]) is None


# --- the command line ------------------------------------------------------------------------------------


@pytest.fixture
def run(capsys, monkeypatch, store_path):
    from contingency.cli import main as entry

    for name in ("CONTINGENCY_DB", "CONTINGENCY_OFFICER"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str) -> subprocess.CompletedProcess:
        argv = ["--db", str(store_path), *args]
        capsys.readouterr()
        code = entry(argv)
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(argv, code, out, err)

    return run


def test_dry_run_prints_the_mapping_and_rows_and_writes_nothing(store, incident, run):
    before = store.verify_log().entries
    result = run("people", "import", str(incident.id), str(AS_PRINTED), "--dry-run")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "(dry run: nothing written)" in out
    assert "header row 5: 13 of 13 columns recognised" in out
    assert "Funded by      → Funding (funding)  [recognised]" in out
    assert "row 9: " in out and "✗ Funding 'Council funded' (Funded by)" in out
    assert "8 data rows = 5 to import + 0 to merge + 3 to reject (checked)" in out
    assert "K4821" not in out

    data = json.loads(run("--json", "people", "import", str(incident.id), str(AS_PRINTED), "--dry-run").stdout)
    assert data["written"] is False and data["header_row"] == 5 and data["balanced"]
    assert data["mapping"]["NOK Tel"] == "nominee_phone"
    assert data["rows"][3]["values"][5] == {"header": "Funded by", "field_label": "Funding",
                                           "value": "Council funded", "flag": data["rows"][3]["values"][5]["flag"]}
    assert "placing authority" in data["rows"][3]["values"][5]["flag"]

    refused = run("people", "import", str(incident.id), str(AS_PRINTED), "--dry-run", "--save-map", "x")
    assert refused.returncode != 0 and "--dry-run writes nothing" in refused.stderr
    assert store.verify_log().entries == before
    assert store.people.count(RosterQuery(incident.id)) == 0
    assert not AS_PRINTED.with_name("residents_as_printed.rejects.csv").exists()


# --- the TUI ---------------------------------------------------------------------------------------------


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def open_preview(app, pilot, path: Path) -> ImportPreviewScreen:
    app.push_screen(IncidentScreen(1))
    await pilot.pause()
    await pilot.press("i")
    await pilot.pause()
    assert isinstance(app.screen, ImportDialog)
    await pilot.press(*str(path))
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert isinstance(app.screen, ImportPreviewScreen)
    return app.screen


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def test_the_officer_checks_the_file_ignores_a_column_and_imports(tmp_path):
    store = demo_store(tmp_path)
    path = tmp_path / "rowan.csv"
    path.write_bytes(AS_PRINTED.read_bytes())
    everyone = RosterQuery(1)
    before = store.people.count(everyone)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        preview = await open_preview(app, pilot, path)
        assert "header row 5: 13 of 13 columns recognised" in text_of(preview, "#header-found")
        assert "'Residents list printed on 22/11/2026 at 17:05'" in text_of(preview, "#header-found")
        rows = text_of(preview, "#rows")
        assert "row 6: " in rows and "✗ Funding 'Council funded' (Funded by): funding says a council" in rows
        assert store.people.count(everyone) == before, "nothing is written by looking"

        table = preview.query_one("#columns", DataTable)
        assert table.has_focus
        for _ in range(11):  # down to "GP practice", the twelfth column
            await pilot.press("down")
        await pilot.press("x")
        await pilot.pause()
        assert [str(c) for c in table.get_row_at(11)] == ["GP practice", "✗ ignore (not imported)", "your choice"]
        assert "Park Lane Surgery" not in text_of(preview, "#rows")

        # enter opens the list of fields; escape there changes nothing.
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, FieldPicker)
        await pilot.press("home", "escape")
        await pilot.pause()
        assert app.screen is preview and str(table.get_row_at(12)[1]) == "Notes"
        # m opens it too: the Notes column kept as "Notes: ..." (the second choice) rather than read as notes.
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("home", "down", "enter")
        await pilot.pause()
        assert app.screen is preview
        assert [str(c) for c in table.get_row_at(12)] == ["Notes", "kept in notes", "your choice"]

        await pilot.press("ctrl+s")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, ImportDialog)
        result = str(dialog.query_one("#work-result", Static).content)
        assert "5 imported, 0 merged, 3 rejected" in result
        assert "header row 5: 11 of 13 columns recognised (as asked)" in result
        assert "columns ignored as asked (not imported): GP practice" in result
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, IncidentScreen)
    assert store.people.count(everyone) == before + 5
    ada = store.people.by_nhs_number(1, "9990000220")
    assert ada is not None and ada.facts.gp_practice == "" and ada.facts.service_address == "1"
    assert ada.facts.notes == "Notes: Diabetic"


async def test_escape_from_the_preview_goes_back_and_imports_nothing(tmp_path):
    store = demo_store(tmp_path)
    entries = store.verify_log().entries
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_preview(app, pilot, AS_PRINTED)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ImportDialog)
        assert app.screen.query_one("#path", Input).has_focus
        assert app.screen.state == "form"
    assert store.verify_log().entries == entries


async def test_a_mapping_saved_by_name_is_offered_for_the_same_headers(tmp_path):
    store = demo_store(tmp_path)
    path = tmp_path / "rowan.csv"
    path.write_bytes(AS_PRINTED.read_bytes())
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        preview = await open_preview(app, pilot, path)
        assert not preview.query_one("#saved-line").display
        await pilot.press("x")  # the first column, "Rm"
        preview.query_one("#save-name", Input).focus()
        await pilot.press(*"rowan house")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "mapping saved as 'rowan house'" in str(app.screen.query_one("#work-result", Static).content)
        await pilot.press("ctrl+s")
        await settle(app, pilot)

        again = await open_preview(app, pilot, path)
        assert text_of(again, "#saved-line") == "✓ using saved mapping 'rowan house' (same headers)"
        assert again.query_one("#save-name", Input).value == "rowan house"
        table = again.query_one("#columns", DataTable)
        assert [str(c) for c in table.get_row_at(0)] == ["Rm", "✗ ignore (not imported)", "saved mapping"]
    assert store.people.saved_mapping("rowan house")["Rm"] == IGNORE


async def test_the_preview_reads_whole_words_at_80_by_24(tmp_path):
    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_preview(app, pilot, AS_PRINTED)
        lines = screen_lines(app)
        assert len(lines) == SIZE[1] and all(len(line) <= SIZE[0] for line in lines)
        screen = "\n".join(lines)
        print(screen)
        for whole in ("Check the import: residents_as_printed.csv", "header row 5: 13 of 13 columns",
                      "Column in file", "Read as", "Weekly Fee (£)", "Room or address", "recognised"):
            assert whole in screen, whole
        footer = lines[-1]
        assert "Import" in footer and "Back" in footer and "Ignore" in footer


def test_fit_shortens_at_a_word_and_says_so():
    assert fit("Date of Birth (dd/mm/yyyy)", 22) == "Date of Birth…"
    assert fit("Surname", 22) == "Surname"
    assert fit("Averyveryverylongsingleword", 10) == "Averyvery…"


async def test_a_path_typed_and_saved_in_one_burst_is_read_whole(tmp_path):
    """Keys that arrive together (a pasted path, a fast typist, tmux) then ctrl+s: the save is a priority key,
    acted on as it arrives, while the path's own keys still wait in the field's queue. The form must read the
    path whole, not say "there is no file at ."."""
    from textual import events
    from textual.keys import _character_to_key

    store = demo_store(tmp_path)
    path = tmp_path / "rowan.csv"
    path.write_text("NHS number,First name,Last name\n9434765919,Rowan,Exampleton\n", encoding="utf-8")
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(IncidentScreen(1))
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, ImportDialog)
        for character in str(path):
            key = character if character.isalnum() else _character_to_key(character)
            app._driver.send_message(events.Key(key, character))
        app._driver.send_message(events.Key("ctrl+s", None))
        await settle(app, pilot)
        assert isinstance(app.screen, ImportPreviewScreen), app.screen
