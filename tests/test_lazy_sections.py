"""What opening an incident does not do (issue 12): make the sections the officer has not opened, import
sqlite-utils for a store that is only read, or mount the footer's keys again when nothing in it changed."""

from __future__ import annotations

import subprocess
import sys

from textual.widgets import Static, TabbedContent

from contingency.tui.app import ContingencyApp
from contingency.tui.screens.incident import LATER_SECTIONS, IncidentScreen
from contingency.tui.sections.roster import RosterView
from contingency.tui.widgets.keys_footer import KeysFooter
from tests.tui_support import OPEN_CARE_HOME, SIZE, demo_store


def made(screen: IncidentScreen) -> set[str]:
    return {section for section in LATER_SECTIONS if screen.made(section) is not None}


async def test_an_incident_opens_on_its_roster_with_no_other_section_made(tmp_path):
    app = ContingencyApp(demo_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*OPEN_CARE_HOME)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, IncidentScreen)
        assert screen.query_one(RosterView).query_one("#roster-table").row_count == 49
        assert made(screen) == set()
        # Each section is made when the officer first opens it, and kept.
        await pilot.press("1")
        await pilot.pause()
        facts = str(screen.query_one("#overview-facts", Static).content)
        assert "Provider: Meadowbrook" in facts
        assert "People: 49" in str(screen.query_one("#overview-summary", Static).content)
        await pilot.press("3")
        await pilot.pause()
        assert "decision" in str(screen.query_one("#log-verify", Static).content)
        assert screen.query_one("#log-table").row_count > 0
        assert made(screen) == {"overview", "log"}
        overview = screen.made("overview")
        await pilot.press("1")
        await pilot.pause()
        assert screen.made("overview") is overview
        assert screen.query_one("#sections", TabbedContent).active == "overview"


async def test_the_footer_keeps_its_keys_when_the_focus_moves_without_changing_them(tmp_path):
    app = ContingencyApp(demo_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*OPEN_CARE_HOME)
        await pilot.pause()
        footer = app.screen.query_one(KeysFooter)
        before = footer.items
        assert before
        painted = []
        footer.render_line = lambda y, original=footer.render_line: painted.append(y) or original(y)  # type: ignore[method-assign]
        app.screen.refresh_bindings()  # as the focus moving within the roster does: no key comes or goes
        await pilot.press("down", "down")
        await pilot.pause()
        assert footer.items is before and not painted  # the same keys: not even painted again
        await pilot.press("3")  # another section: other keys
        await pilot.pause()
        assert [item.label for item in footer.items] != [item.label for item in before] and painted


def test_a_store_that_is_only_read_does_not_import_sqlite_utils(tmp_path):
    demo_store(tmp_path).close()
    code = (
        "import sys\n"
        "from contingency.clock import fixed_clock\n"
        "from contingency.store import open_store\n"
        "from tests.tui_support import DEMO_NOW\n"
        f"store = open_store({str(tmp_path / 'demo.sqlite')!r}, officer='Reader', clock=fixed_clock(DEMO_NOW))\n"
        "assert [i.facts.provider_name for i in store.incidents.list()]\n"
        "assert store.authorities.get('LDS') is not None\n"
        "print('sqlite_utils' in sys.modules)\n"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert found.stdout.strip() == "False"
