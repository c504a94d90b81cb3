"""What leaves the store leaks nothing: stored text is shown literally and written inertly (issue 11)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from contingency.services import people as people_service
from contingency.services.incidents import change_facts
from contingency.tui.app import ContingencyApp
from contingency.tui.screens.incident import IncidentScreen
from contingency.tui.screens.person import PersonScreen
from tests.tui_support import SIZE, demo_store

PROVIDER = "Sunrise Care [In Administration] Ltd [/] [link=http://x]y[/link]"
FIRST = "[/]"
LAST = "Smith\x1b]0;pwned\x07"


def hostile_store(tmp_path):
    """The demo store with markup in the provider's name and markup and an escape sequence in a person's."""
    store = demo_store(tmp_path)
    change_facts(store, 1, "testing hostile names", provider_name=PROVIDER)
    person_id = store.conn.execute("SELECT min(id) FROM people WHERE incident_id = 1").fetchone()[0]
    people_service.edit_person(store, person_id, people_service.parse_changes(
        store, {"first_name": FIRST, "last_name": LAST}), "testing hostile names")
    # Whatever the importer or forms come to strip, a store written by an older version may hold it raw.
    with store.conn:
        store.conn.execute("UPDATE people SET first_name = ?, last_name = ? WHERE id = ?", (FIRST, LAST, person_id))
    return store, person_id


def screen_text(app) -> str:
    return "\n".join("".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips())


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_every_screen_shows_hostile_names_literally(tmp_path):
    store, person_id = hostile_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        incidents = app.screen.query_one("#incidents", DataTable)
        assert PROVIDER in [str(incidents.get_row_at(row)[-1]) for row in range(incidents.row_count)]
        assert "Sunrise Care [In" in screen_text(app), "the column is narrow at 80, but what shows is literal"

        app.push_screen(IncidentScreen(1))
        await settle(app, pilot)
        assert "Sunrise Care [In Administration] Ltd" in screen_text(app)
        for section in "1234567":
            await pilot.press(section)
            await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        assert "[/]" in screen_text(app)

        app.push_screen(PersonScreen(person_id))
        await settle(app, pilot)
        text = screen_text(app)
        assert "[/]" in text and "\x1b" not in text
        await pilot.press("escape")
        await settle(app, pilot)

        await pilot.press("5")
        await settle(app, pilot)
        assert "\x1b" not in screen_text(app)


def test_every_csv_writer_neutralises_formulas_and_keeps_numbers(tmp_path):
    import csv

    from contingency.services.claim_documents import _write_csv as write_claim_csv
    from contingency.services.tabular import write_csv as write_rejects_csv

    hostile = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "Ann"]
    write_rejects_csv(tmp_path / "rejects.csv", ["row", *hostile], [[7, *hostile]])
    with (tmp_path / "rejects.csv").open(encoding="utf-8-sig", newline="") as handle:
        header, row = list(csv.reader(handle))
    expected = ["'" + text for text in hostile[:-1]] + ["Ann"]
    assert header == ["row", *expected] and row == ["7", *expected]

    write_claim_csv([{"supplier": "=cmd|' /C calc'!A0", "person_name": "@Bob", "amount_pence": -1250,
                      "amount_pounds": "-12.50", "description": "-taxi"}], tmp_path / "claim.csv")
    with (tmp_path / "claim.csv").open(encoding="utf-8", newline="") as handle:
        (claim_row,) = list(csv.DictReader(handle))
    wanted = {"supplier": "'=cmd|' /C calc'!A0", "person_name": "'@Bob", "amount_pence": "-1250",
              "amount_pounds": "-12.50", "description": "'-taxi"}
    assert {key: claim_row[key] for key in wanted} == wanted


def test_the_command_line_prints_no_control_characters(capsys):
    from argparse import Namespace

    from contingency.commands.base import emit

    emit(Namespace(json=False), {}, f"{FIRST} {LAST}\n\tnext line\x9b2J")
    out = capsys.readouterr().out
    assert out == "[/] Smith]0;pwned\n\tnext line2J\n"


def test_an_unexpected_error_is_logged_privately_not_shown_with_locals(tmp_path, monkeypatch):
    from contingency.tui import app as app_module

    monkeypatch.setenv("CONTINGENCY_DB", str(tmp_path / "data" / "contingency.sqlite"))
    secret = "Dorothy Drillsworth"  # noqa: F841 - a local the traceback must not carry
    try:
        raise RuntimeError("boom")
    except RuntimeError as error:
        path = app_module._write_error_log(error)
    assert path == tmp_path / "data" / "contingency-errors.log"
    assert path.stat().st_mode & 0o777 == 0o600
    text = path.read_text(encoding="utf-8")
    assert "RuntimeError: boom" in text and "Dorothy" not in text


def test_dialog_titles_and_notices_drop_control_characters():
    from contingency.tui.literal import Literal

    title = Literal("Merge Ada [/] Evil\x1b]0;pwned\x07 into #1?")
    assert "\x1b" not in str(title.content) and "[/]" in str(title.content)
    title.update("Reply from \x1b[2J[link=http://x]Bradford[/link]")
    assert "\x1b" not in str(title.content) and "[link=http://x]" in str(title.content)


def test_a_date_in_another_script_s_digits_is_refused_not_guessed():
    import pytest

    from contingency.rules.times import BadDate, parse_uk_date

    with pytest.raises(BadDate, match="0-9"):
        parse_uk_date("٢٣/١١/٢٠٢٦")


@pytest.mark.parametrize(("cell", "read"), [
    ("'@mr-a", "@mr-a"), ("'=SUM(A1)", "=SUM(A1)"), ("'-", "-"), ("'+44 7700 900123", "+44 7700 900123"),
    ("O'Brien", "O'Brien"), ("'Tis", "'Tis"), ("'-12.50", "'-12.50"), ("'", "'"),
])
def test_a_cell_our_csv_writer_guarded_reads_back_as_it_was(cell, read):
    """A list written by the app (or kept safe by hand, OWASP's way) imports without the guard apostrophe, so
    an exercise tag '@mr-a stays @mr-a; an apostrophe that is part of a name is kept."""
    from contingency.rules.normalise import clean_text
    from contingency.rules.safe_text import csv_cell

    assert clean_text(cell) == read
    if read.startswith(("=", "+", "-", "@")) and read != "-":
        assert clean_text(csv_cell(read)) == read
