"""Pilot-driven flows: what an officer does with the keyboard, checked against the store."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select, Static

from contingency.models import Classification, StoreKind
from contingency.person import Flag
from contingency.tui.app import ContingencyApp
from contingency.tui.screens.home import HomeScreen
from contingency.tui.screens.incident import IncidentScreen
from contingency.tui.dialogs.incident_form import IncidentForm
from contingency.tui.screens.person import PersonScreen
from contingency.tui.dialogs.person_form import PersonForm
from contingency.tui.dialogs.setup import SetupScreen
from contingency.tui.widgets.banner import EXERCISE_TEXT, StoreBanner
from tests.tui_support import OPEN_CARE_HOME, SIZE, demo_store


async def test_open_an_incident_through_the_form(store):
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, IncidentForm)
        await pilot.press(*"Meadowbrook Care Homes Ltd")
        preview = app.screen.query_one("#preview", Static)
        assert "SECTION 48 ACTIVE" in str(preview.content)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
    incidents = store.incidents.list()
    assert [i.facts.provider_name for i in incidents] == ["Meadowbrook Care Homes Ltd"]
    assert incidents[0].classification is Classification.SECTION_48_ACTIVE
    assert incidents[0].facts.area_code == "LDS"


async def test_the_form_refuses_bad_input_and_says_why(store):
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        await pilot.press(*"Acme Care")
        form.query_one("#aware-at", Input).value = "31/02/2026 25:99"
        form.query_one("#area", Input).value = "Warks CC"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, IncidentForm), "nothing is saved while a field is wrong"
        assert form.query_one("#f-aware-at").has_class("-error")
        assert form.query_one("#f-area").has_class("-error")
        assert "not a UK authority" in str(form.query_one("#f-area .field--message", Static).content)
        form.query_one("#area", Input).value = "Leeds"
        form.query_one("#aware-at", Input).value = "01:10"
        form.query_one("#event", Select).value = "members-voluntary-winding-up"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
    (incident,) = store.incidents.list()
    assert incident.classification is Classification.URGENT_NEED  # an MVL is not business failure (rule 2)


async def test_first_run_asks_for_the_council(tmp_path, clock):
    from contingency.store import open_store

    store = open_store(tmp_path / "new.sqlite", officer="", clock=clock, create=StoreKind.LIVE)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, SetupScreen), "the app cannot be used before the council is known"
        await pilot.press(*"LEEDS CC")
        await pilot.pause()
        assert "Leeds City Council" in str(app.screen.query_one("#f-authority .field--message", Static).content)
        app.screen.query_one("#team", Input).value = "Emergency Duty Team"
        app.screen.query_one("#officer", Input).value = "Sam Patel"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    assert store.settings().authority_code == "LDS"
    assert store.log.for_entity("settings", 1)[0].officer == "Sam Patel"


async def test_every_screen_of_an_exercise_store_says_exercise(tmp_path):
    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        seen = []
        for keys in ([], ["enter"], ["enter"], ["e"]):
            await pilot.press(*keys)
            await pilot.pause()
            banner = app.screen.query_one(StoreBanner)
            assert EXERCISE_TEXT in str(banner.content)
            seen.append(type(app.screen))
        assert seen == [HomeScreen, IncidentScreen, PersonScreen, PersonForm]


async def test_find_a_person_by_typing_and_fix_a_flagged_field(tmp_path):
    store = demo_store(tmp_path)
    incident_id = store.incidents.list()[0].id
    flagged = [p for p in store.people.all(incident_id) if Flag.AUTHORITY_UNRESOLVED in p.determination.flags]
    assert len(flagged) == 1, "the demo has one unresolved authority name ('Warks CC')"
    person = flagged[0]
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*OPEN_CARE_HOME)
        await pilot.pause()
        await pilot.press("slash", *person.facts.last_name[:5], "space", *person.facts.first_name[:3])
        await pilot.pause()
        table = app.screen.query_one("#roster-table", DataTable)
        names = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert person.facts.display_name in names
        row = names.index(person.facts.display_name)
        await pilot.press("enter")  # search box -> table
        table.move_cursor(row=row)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PersonScreen)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PersonForm)
        assert app.focused is form.query_one("#in-funding_body", Input), "the flagged field comes first"
        assert form.query_one("#f-funding_body").has_class("-error")
        await pilot.press("ctrl+u", *"Warwickshire")
        await pilot.pause()
        assert not form.query_one("#f-funding_body").has_class("-error")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PersonScreen)
    fixed = store.people.get(person.id)
    assert fixed.facts.funding_body == "WAR"
    assert fixed.facts.funding.value == "other-english-council"
    assert Flag.AUTHORITY_UNRESOLVED not in fixed.determination.flags
    assert fixed.determination.recover_from == "la:E10000031"
    assert store.verify_log().ok


async def test_merge_a_suspected_duplicate_from_the_keyboard(tmp_path):
    store = demo_store(tmp_path)
    incident_id = store.incidents.list()[0].id
    twins = [p for p in store.people.all(incident_id) if Flag.DUPLICATE_SUSPECTED in p.determination.flags]
    assert len(twins) == 2
    keep, other = sorted(twins, key=lambda p: p.id)
    before = store.incidents.get(incident_id).people_count
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(PersonScreen(keep.id))
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        await pilot.press(*"same resident entered twice by the home", "enter")  # the reason has the focus
        await pilot.pause()
        assert isinstance(app.screen, PersonScreen)
    kept = store.people.get(keep.id)
    assert Flag.DUPLICATE_SUSPECTED not in kept.determination.flags
    assert store.people.get(other.id).merged_into == keep.id, "the duplicate is kept, marked as merged"
    assert store.incidents.get(incident_id).people_count == before - 1
    assert other.id not in {p.id for p in store.people.all(incident_id)}
    assert "merged person" in kept.facts.notes
    assert store.verify_log().ok
