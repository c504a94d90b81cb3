"""Finding one's way at 80x24 (issue 9): the palette, the footer, help, and the words on screen."""

from __future__ import annotations

from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable, Input, Static, TabbedContent

from contingency.rules.words import plural
from contingency.services.people import add_person, parse_changes
from contingency.services.playbooks import incidents_by_overdue
from contingency.store.people import RosterQuery
from contingency.tui.app import ContingencyApp
from contingency.tui.commands import STOCK, ScreenActions, key_name
from contingency.tui.dialogs.decisions import DecisionDialog
from contingency.tui.dialogs.help import HelpScreen
from contingency.tui.screens.home import HomeScreen
from contingency.tui.dialogs.import_file import ImportDialog
from contingency.tui.screens.incident import IncidentScreen
from contingency.tui.dialogs.incident_form import IncidentForm
from contingency.tui.widgets.incident_header import IncidentHeader
from contingency.tui.widgets.keys_footer import FooterItem, KeysFooter
from tests.tui_support import DEMO_NOW, SIZE, demo_store

VALID_NHS = "9434765919"


async def _palette_names(screen, word: str) -> list[str]:
    provider = ScreenActions(screen)
    return [hit.text async for hit in provider.search(word)]


async def _open_meadowbrook(app, pilot) -> IncidentScreen:
    table = app.screen.query_one("#incidents", DataTable)
    row = next(i for i, (incident, _late) in enumerate(incidents_by_overdue(app.store, now=DEMO_NOW))
               if incident.facts.provider_name.startswith("Meadowbrook"))
    table.move_cursor(row=row)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, IncidentScreen)
    return app.screen


async def _through_the_palette(pilot, word: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*word)
    await pilot.pause(0.5)  # the palette searches in a worker
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.2)
    pilot.app.screen.query_one(CommandList).highlighted = 0  # the best match, as enter would pick it
    await pilot.press("enter")
    await pilot.pause(0.2)


async def test_the_palette_finds_every_action_by_a_plain_word(tmp_path):
    app = ContingencyApp(demo_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any(name.startswith("New incident") for name in await _palette_names(app.screen, "new"))
        incident = await _open_meadowbrook(app, pilot)
        found = {word: await _palette_names(incident, word)
                 for word in ("decision", "import", "playbook", "letter", "people")}
        assert any(n.startswith("Decision") for n in found["decision"])
        assert any("provider's list" in n for n in found["import"])
        assert any(n.startswith("Go to Playbook") for n in found["playbook"])
        assert any(n.startswith("Go to Notifications") for n in found["letter"])
        assert any(n.startswith("Go to People") and "roster" in n for n in found["people"])
        await pilot.press("5")
        await pilot.pause()
        assert any(n.startswith("Generate") for n in await _palette_names(incident, "letter")), \
            "the section in front of the officer adds its own actions"


async def test_running_a_palette_hit_does_the_action(tmp_path):
    app = ContingencyApp(demo_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _through_the_palette(pilot, "new incident")
        assert isinstance(app.screen, IncidentForm)
        await pilot.press("escape")
        await pilot.pause()
        incident = await _open_meadowbrook(app, pilot)
        await _through_the_palette(pilot, "decision")
        assert isinstance(app.screen, DecisionDialog)
        await pilot.press("escape")
        await pilot.pause()
        await _through_the_palette(pilot, "import")
        assert isinstance(app.screen, ImportDialog)
        await pilot.press("escape")
        await pilot.pause()
        await _through_the_palette(pilot, "go to playbook")
        assert app.screen is incident
        assert incident.query_one("#sections", TabbedContent).active == "playbook"


async def test_the_palette_finds_another_section_s_actions_and_opens_that_section(tmp_path):
    app = ContingencyApp(demo_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        incident = await _open_meadowbrook(app, pilot)
        assert incident.query_one("#sections", TabbedContent).active == "people"
        names = await _palette_names(incident, "letter")
        assert any(n.startswith("Notifications: Generate") for n in names), names
        await _through_the_palette(pilot, "claims build")
        await pilot.pause(0.3)
        assert incident.query_one("#sections", TabbedContent).active == "claims"
        assert app.screen is not incident, "the Build dialog opened on the Claims section"


async def test_palette_offers_only_actions_that_are_enabled(tmp_path):
    app = ContingencyApp(demo_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        incident = await _open_meadowbrook(app, pilot)
        assert any(n.startswith("Decision —") for n in await _palette_names(incident, "decision"))
        # None is Textual's "greyed out": the footer shows the key dimmed; the palette leaves it out.
        incident.check_action = lambda action, parameters: None if action == "decision" else True  # type: ignore[method-assign]
        assert not any(n.startswith("Decision —") for n in await _palette_names(incident, "decision"))


def _footer(app) -> tuple[str, list[tuple[int, int, FooterItem]]]:
    """The footer's line as painted, and where on it each of its keys is (x from, x to)."""
    footer = app.screen.query_one(KeysFooter)
    line = app.screen._compositor.render_strips()[-1]
    return "".join(segment.text for segment in line), list(footer._spans)


async def test_every_footer_label_is_whole_at_80_columns_and_shows_the_sections(tmp_path):
    app = ContingencyApp(demo_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screens = {"home": _footer(app)}
        await _open_meadowbrook(app, pilot)
        for section in "1234567":
            await pilot.press(section)
            await pilot.pause(0.2)
            screens[f"section {section}"] = _footer(app)
            text, _keys = screens[f"section {section}"]
            assert "1-7 Sections" in text
        await pilot.press("2", "enter")
        await pilot.pause(0.2)
        screens["person"] = _footer(app)
    for name, (text, spans) in screens.items():
        palette_x = next(start for start, _end, item in spans if item.palette)
        assert text.rstrip().endswith("▏^p palette")
        for start, end, item in spans:
            assert text[start:end] == f"{item.shown} {item.label}".strip(), (name, item.label, text)
            if not item.palette:
                assert end < palette_x, (name, item.label)
    assert "n Add person" in screens["section 2"][0] and "d Decision" in screens["section 2"][0]
    assert "c Done" in screens["section 4"][0]
    assert "e Edit" in screens["person"][0] and "f1 Help" in screens["person"][0]


async def test_help_lists_this_screens_keys_first_in_plain_names(tmp_path):
    app = ContingencyApp(demo_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _open_meadowbrook(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = app.screen.rows
    headings = [heading for heading, _keys, _what in rows]
    keys = {k: what for _heading, k, what in rows}
    assert rows[0][:2] == ("On this screen", "1") and rows[0][2].startswith("Overview")
    assert headings == sorted(headings, key=["On this screen", "Everywhere", "Moving around"].index)
    assert keys["/"].startswith("Search") and keys["i"].startswith("Import") and keys["escape"].startswith("Back")
    assert "f1, ?" in keys and "ctrl+p" in keys and "ctrl+q" in keys
    assert not any(name in k for k in keys for name in ("question_mark", "slash", "square_bracket", "^"))


def test_keys_read_as_an_officer_says_them():
    from textual.binding import Binding

    assert [key_name(Binding(k, "x")) for k in ("question_mark", "slash", "ctrl+p", "escape", "1", "f1", "up")] \
        == ["?", "/", "ctrl+p", "escape", "1", "f1", "up"]
    assert STOCK > 3


async def test_an_empty_roster_says_how_to_fill_it(store, clock, make_incident):
    make_incident()
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        status = str(app.screen.query_one("#roster-status", Static).content)
    assert status == "Nobody yet: n adds a person, i imports the provider's list"


async def test_an_nhs_number_written_with_dashes_or_spaces_finds_the_person(store, make_incident):
    incident = make_incident()
    person = add_person(store, incident.id, parse_changes(store, {
        "first_name": "Bernard", "last_name": "Samplewood", "nhs_number": VALID_NHS, "date_of_birth": "03/04/1940"}))
    add_person(store, incident.id, parse_changes(store, {"first_name": "Ada", "last_name": "Exampleton"}))
    for typed in ("943-476-5919", "943 476 5919", "943-476", "Samplewood 943-476-5919", "1940-04-03", "03/04/1940"):
        rows = store.people.rows(RosterQuery(incident.id, search=typed), offset=0, limit=10)
        assert [r.id for r in rows] == [person.id], typed
    assert not store.people.rows(RosterQuery(incident.id, search="943-476-5918"), offset=0, limit=10)

    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("slash", *"943-476-5919")
        await pilot.pause(0.4)
        assert isinstance(app.screen.focused, Input)
        table = app.screen.query_one("#roster-table", DataTable)
        assert table.row_count == 1
        assert "1-1 of 1" in str(app.screen.query_one("#roster-status", Static).content)


async def test_escape_leaves_the_search_box_for_the_results_and_a_second_goes_back(tmp_path):
    """escape leaves an input (design/product.md): it must not throw the officer off the incident mid-search."""
    from contingency.tui.screens.incident import IncidentScreen
    from tests.tui_support import OPEN_CARE_HOME, demo_store

    app = ContingencyApp(demo_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*OPEN_CARE_HOME)
        await pilot.pause()
        await pilot.press("slash", *"an", "escape")
        await pilot.pause()
        table = app.screen.query_one("#roster-table", DataTable)
        assert isinstance(app.screen, IncidentScreen) and app.screen.focused is table
        assert app.screen.query_one("#roster-search-input", Input).value == "an", "the search is kept"
        assert "of 49" not in str(app.screen.query_one("#roster-status", Static).content), "and still applied"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, IncidentScreen), "from the results, escape goes back as everywhere"


async def test_counts_of_one_are_singular(store, make_incident):
    assert (plural(1, "person", "people"), plural(2, "person", "people")) == ("1 person", "2 people")
    assert plural(1, "body", "bodies") == "1 body"
    incident = make_incident()
    add_person(store, incident.id, parse_changes(store, {"first_name": "Ada", "last_name": "Exampleton"}))
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        header = str(app.screen.query_one(IncidentHeader).content)
        await pilot.press("3")
        await pilot.pause()
        log = str(app.screen.query_one("#log-verify", Static).content)
    assert "· 1 person" in header and "1 people" not in header
    assert log.startswith("0 decision entries")


async def test_home_puts_the_most_overdue_incident_first(tmp_path):
    store = demo_store(tmp_path)
    ranked = incidents_by_overdue(store, now=DEMO_NOW)
    lates = [late for _incident, late in ranked]
    assert lates[0] is not None and all(late is None or late <= lates[0] for late in lates)
    newest = max(store.incidents.list(), key=lambda i: i.facts.aware_at)
    assert ranked[0][0].id != newest.id, "the demo's older incident is the more overdue: order is by overdue"
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one("#incidents", DataTable)
        shown = [int(table.coordinate_to_cell_key((row, 0)).row_key.value) for row in range(table.row_count)]
        overdue_cell = str(table.get_cell_at((0, 2)))
    assert shown == [incident.id for incident, _late in ranked]
    assert overdue_cell and overdue_cell[0].isdigit()


async def test_the_overview_counts_in_words_not_keys(tmp_path):
    app = ContingencyApp(demo_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        incident = await _open_meadowbrook(app, pilot)
        await pilot.press("1")
        await pilot.pause()
        text = str(incident.query_one("#overview-summary", Static).content) + str(
            incident.query_one("#overview-facts", Static).content)
    for raw in ("existing-s18", "s48+s49", "nhs-icb", "icb:", "la:", "E54", "fnc-icb-consent", "or-elsewhere",
                "with-provider", "no-rag", "Trigger: administration"):
        assert raw not in text, raw
    assert "already ours (s.18 client)" in text and "West Yorkshire ICB" in text
    # A flag by its words: the demo's FNC residents carry none (no urgent nursing of ours: brief rule 12).
    assert "ordinary residence elsewhere: s.41 / agreement needed" in text
