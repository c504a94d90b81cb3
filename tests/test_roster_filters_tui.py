"""The roster's filters at 80x24: opened with enter, picked from a list, left as they were by escape, cleared by x."""

from __future__ import annotations

from textual.widgets import DataTable, OptionList, Static

from contingency.tui.app import ContingencyApp
from contingency.tui.widgets.filter_choice import ChoicePicker, FilterChoice
from tests.tui_support import OPEN_CARE_HOME, SIZE, demo_store


def status_line(app) -> str:
    return str(app.screen.query_one("#roster-status", Static).content)


async def test_a_filter_is_picked_from_its_list_and_cleared(tmp_path):
    app = ContingencyApp(demo_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*OPEN_CARE_HOME)
        await pilot.pause()
        assert "1-49 of 49" in status_line(app)
        basis = app.screen.query_one("#filter-basis", FilterChoice)
        basis.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChoicePicker)
        assert str(app.screen.query_one(OptionList).get_option_at_index(0).prompt) == "any basis"
        await pilot.press("escape")  # nothing picked: as it was
        await pilot.pause()
        assert basis.value is None and "1-49 of 49" in status_line(app)

        await pilot.press("enter", "down", "enter")  # the first basis, s.48
        await pilot.pause()
        assert basis.value == "s48"
        assert str(basis.content) == "s.48 ▾" and basis.has_class("-chosen")  # bold words, not colour alone
        table = app.screen.query_one("#roster-table", DataTable)
        shown = {str(table.get_row_at(row)[3]) for row in range(table.row_count)}
        assert shown == {"s.48"}
        assert f"1-{table.row_count} of {table.row_count}" in status_line(app) and table.row_count < 49

        table.focus()
        await pilot.press("x")
        await pilot.pause()
        assert basis.value is None and str(basis.content) == "basis ▾"
        assert "1-49 of 49" in status_line(app)


async def test_the_tell_filter_offers_the_bodies_by_name(tmp_path):
    app = ContingencyApp(demo_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*OPEN_CARE_HOME)
        await pilot.pause()
        tell = app.screen.query_one("#filter-authority", FilterChoice)
        assert tell.options == []  # read only when opened: it counts the bodies over the whole roster
        tell.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChoicePicker)
        names = [label for label, _ref in tell.options]
        assert names and all(":" not in name for name in names)  # 'Warwickshire', never 'la:WAR'
        assert [str(app.screen.query_one(OptionList).get_option_at_index(i).prompt)
                for i in range(1, len(names) + 1)] == names
        ref = tell.options[0][1]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert tell.value == ref and str(tell.content) == f"{names[0]} ▾"
        shown = table_rows(app)
        assert 0 < len(shown) < 49

        # Opened again when that body is no longer to be told about anyone: the filter comes off.
        tell.load = lambda: [(label, value) for label, value in tell.options if value != ref]
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert tell.value is None and str(tell.content) == "tell ▾"
        assert "1-49 of 49" in status_line(app)


def table_rows(app) -> list:
    table = app.screen.query_one("#roster-table", DataTable)
    return [table.get_row_at(row) for row in range(table.row_count)]
