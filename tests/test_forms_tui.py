"""The forms as a new officer meets them at 80x24 (issue 9): people picked by name, escape that asks before
throwing typing away, errors that go once fixed, a banner that knows the council after setup, decisions
dated before the incident, and messages in the officer's words rather than the command line's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Input, Static, TextArea

from contingency.models import StoreKind
from contingency.rules.identifiers import format_nhs_number
from contingency.services.decisions import decision_times, record_decision
from contingency.services.errors import BadInput
from contingency.store import open_store
from contingency.store.people import RosterQuery
from contingency.tui.app import ContingencyApp
from contingency.tui.plain import plain
from contingency.tui.base import ConfirmDiscard
from contingency.tui.dialogs.decisions import DecisionDialog
from contingency.tui.dialogs.money import AddCostDialog
from contingency.tui.dialogs.setup import SetupScreen
from contingency.tui.widgets.banner import StoreBanner
from contingency.tui.widgets.fields import Field
from contingency.tui.widgets.person_picker import PersonPicker, search_words
from tests.conftest import NOW, OFFICER
from tests.tui_support import SIZE, demo_store


def care_home(store) -> int:
    return next(i.id for i in store.incidents.list() if i.facts.service_kind.value == "care-home")


def two_people_with_unique_names(store, incident_id: int):
    rows = store.people.rows(RosterQuery(incident_id), limit=-1)
    names = [r.display_name for r in rows]
    unique = [r for r in rows if names.count(r.display_name) == 1 and r.first_name and r.nhs_number]
    return unique[0], unique[1]


async def open_dialog(app, pilot, dialog) -> None:
    await pilot.pause()
    app.push_screen(dialog)
    await pilot.pause()
    await pilot.pause()


async def test_a_cost_line_for_two_people_picked_by_name_and_nhs_number(tmp_path):
    store = demo_store(tmp_path)
    incident_id = care_home(store)
    first, second = two_people_with_unique_names(store, incident_id)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(app, pilot, AddCostDialog(incident_id))
        dialog = app.screen
        picker = dialog.query_one(PersonPicker)
        assert app.focused is picker.search, "the form opens on the people search"
        await pilot.press(*first.display_name.lower(), "enter")
        await pilot.pause()
        # An NHS number typed the way it is printed, spaces and all, finds one person.
        await pilot.press(*format_nhs_number(second.nhs_number))
        await pilot.pause()
        results = picker.query_one("#picker-results")
        assert results.option_count == 1
        await pilot.press("down", "space")
        await pilot.pause()
        chosen = str(picker.query_one("#picker-chosen", Static).content)
        assert chosen == f"Chosen 2: {first.display_name}, {second.display_name}"
        await pilot.press("tab")
        assert app.focused is dialog.query_one("#supplier", Input), "tab leaves the picker for the next field"
        await pilot.press(*"Oakfield Lodge")
        dialog.query_one("#rate", Input).value = "700"
        dialog.query_one("#end", Input).value = "29/11/2026"
        dialog.query_one("#decision-text", Input).value = "Move two residents to Oakfield Lodge"
        dialog.query_one("#rationale", Input).value = "Oakfield had the two vacancies"
        await pilot.pause()
        assert "£350.00 each for 2 people" in str(dialog.query_one("#live-total", Static).content)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, AddCostDialog)
    line = store.costs.lines(incident_id)[-1]
    assert line.supplier == "Oakfield Lodge"
    assert sorted(a.person_id for a in line.allocations) == sorted([first.id, second.id])


async def test_the_picker_pages_from_the_store_and_can_take_everyone(tmp_path):
    store = demo_store(tmp_path)
    incident_id = care_home(store)
    everyone = len(store.people.ids(incident_id))
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(app, pilot, AddCostDialog(incident_id))
        picker = app.screen.query_one(PersonPicker)
        assert picker.query_one("#picker-results").option_count <= 5 < everyone, "one short page, not the roster"
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert f"everyone on this incident ({everyone} people)" in str(picker.query_one("#picker-chosen",
                                                                                       Static).content)
        assert len(picker.chosen_ids()) == everyone


def test_an_nhs_number_with_spaces_or_dashes_is_one_search_word():
    assert search_words("943 476 5919") == search_words("943-476-5919") == "9434765919"
    assert search_words("Ada Morgan") == "Ada Morgan"


async def test_escape_on_a_half_filled_cost_form_asks_and_no_keeps_everything(tmp_path):
    store = demo_store(tmp_path)
    incident_id = care_home(store)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(app, pilot, AddCostDialog(incident_id))
        dialog = app.screen
        dialog.query_one("#supplier", Input).focus()
        await pilot.press(*"Oakfield")
        dialog.query_one("#rate", Input).focus()
        await pilot.press(*"1050")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDiscard)
        assert "Discard what you typed?" in str(app.screen.query_one("#confirm-question", Static).content)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is dialog
        assert dialog.query_one("#supplier", Input).value == "Oakfield"
        assert dialog.query_one("#rate", Input).value == "1050"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not isinstance(app.screen, (AddCostDialog, ConfirmDiscard))
    assert all(line.supplier != "Oakfield" for line in store.costs.lines(incident_id))


async def test_escape_on_an_untouched_form_closes_at_once(tmp_path):
    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        for dialog in (AddCostDialog(care_home(store)), DecisionDialog(care_home(store))):
            await open_dialog(app, pilot, dialog)
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, (type(dialog), ConfirmDiscard))


async def test_a_fields_error_goes_as_soon_as_it_is_fixed(tmp_path, store, make_incident):
    incident = make_incident()
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(app, pilot, DecisionDialog(incident.id))
        dialog = app.screen
        await pilot.press("ctrl+s")
        await pilot.pause()
        decision = dialog.query_one("#f-decision", Field)
        assert decision.has_error and "say what was decided" in str(decision.query_one(".field--message",
                                                                                        Static).content)
        await pilot.press(*"Agency staff")
        await pilot.pause()
        assert not decision.has_error
        message = decision.query_one(".field--message", Static)
        assert not message.display or "✗" not in str(message.content)


async def test_empty_fields_show_that_they_are_there(tmp_path, store, make_incident):
    incident = make_incident()
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(app, pilot, DecisionDialog(incident.id))
        assert app.screen.query_one("#decision", Input).placeholder
        assert app.screen.query_one("#rationale", TextArea).placeholder


async def test_the_banner_names_the_council_and_officer_once_setup_is_done(tmp_path, clock):
    store = open_store(tmp_path / "new.sqlite", clock=clock, create=StoreKind.LIVE)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        home_banner = app.screen_stack[-2].query_one(StoreBanner)
        assert "not set up" in str(home_banner.content)
        await pilot.press(*"Leeds", "tab", *"EDT", "tab", *OFFICER)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, SetupScreen)
        text = str(app.screen.query_one(StoreBanner).content)
        assert "Leeds City Council" in text and f"officer: {OFFICER}" in text and "not set up" not in text
    store.close()


async def test_the_council_and_letterhead_reopen_from_the_palette_and_the_council_stays_with_its_incidents(
        tmp_path, store, make_incident):
    make_incident()
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Council and letterhead" in {c.title for c in app.get_system_commands(app.screen)}
        app.action_council()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SetupScreen)
        assert dialog.query_one("#authority", Input).value == store.settings().authority_code
        assert dialog.query_one("#team", Input).value == "EDT", "as recorded"
        dialog.query_one("#team", Input).value = "Emergency Duty Team"
        dialog.query_one("#phone", Input).value = "0113 000 0000"
        dialog.query_one("#authority", Input).value = "Bradford"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        message = str(dialog.query_one("#f-authority .field--message", Static).content)
        assert "this store holds 1 incident worked as Leeds City Council" in message and "new store" in message
        dialog.query_one("#authority", Input).value = "Leeds"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, SetupScreen)
    settings = store.settings()
    assert (settings.authority_code, settings.team, settings.phone) == ("LDS", "Emergency Duty Team", "0113 000 0000")
    assert [e.reason for e in store.log.for_entity("settings", 1)][-1] == "operating council's details changed"


async def test_a_decision_dated_before_the_incident_needs_a_reason(tmp_path, store, make_incident):
    incident = make_incident()
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(app, pilot, DecisionDialog(incident.id))
        dialog = app.screen
        dialog.query_one("#decision", Input).value = "Agency staff for the night shift"
        dialog.query_one("#rationale", TextArea).text = "No staff left at the home"
        dialog.query_one("#decided-at", Input).value = "01:00"
        await pilot.pause()
        when = str(dialog.query_one("#f-decided-at", Field).query_one(".field--message", Static).content)
        assert "decided 01:00" in when and "recorded 01:40" in when, "both times, before saving"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog, "not saved without a reason"
        late = dialog.query_one("#f-late", Field)
        assert late.has_error and "before this incident was opened" in str(
            late.query_one(".field--message", Static).content)
        assert app.focused is dialog.query_one("#late", Input), "the field to fix is brought to the officer"
        await pilot.press(*"Agreed by phone before the incident was opened")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is not dialog
    entry = store.decisions.for_incident(incident.id)[-1]
    assert entry.decided_at == NOW - timedelta(minutes=40)
    assert entry.late_reason == "Agreed by phone before the incident was opened"


def test_the_decision_service_refuses_an_earlier_date_without_a_reason(store, make_incident):
    incident = make_incident()
    earlier = NOW - timedelta(minutes=30)
    with pytest.raises(BadInput, match="before this incident was opened"):
        record_decision(store, incident.id, decision="Bridge with agency", rationale="No staff", decided_at=earlier)
    with pytest.raises(BadInput, match="over an hour"):
        _late_without_reason(store, incident.id)
    entry = record_decision(store, incident.id, decision="Bridge with agency", rationale="No staff",
                            decided_at=earlier, late_reason="Decided on the phone first")
    assert decision_times(entry, NOW) == "decided 01:10 · recorded 01:40 · late: Decided on the phone first"
    now_entry = record_decision(store, incident.id, decision="Call CQC", rationale="Duty to tell")
    assert decision_times(now_entry, NOW) == "decided 01:40"


def _late_without_reason(store, incident_id: int) -> None:
    """An incident opened three hours ago, and a decision logged two hours after it was made."""
    store.clock = lambda: NOW + timedelta(hours=3)
    try:
        record_decision(store, incident_id, decision="x", rationale="y", decided_at=NOW + timedelta(minutes=30))
    finally:
        store.clock = lambda: NOW


def test_service_messages_read_in_the_officers_words():
    assert plain("date_of_birth: '31/02/1940' is not a real date") == "Date of birth: '31/02/1940' is not a real date"
    assert plain("step confirm-duty-holder: this step needs a note",
                 steps={"confirm-duty-holder": "Confirm who holds the duty"}) == \
        "'Confirm who holds the duty': this step needs a note"
    assert plain("step confirm-duty-holder: this step needs a note", this_step="confirm-duty-holder") == \
        "This step needs a note"
    assert plain("people with flag s21-immigration") == "People with flag s.21 immigration question"
    assert plain("there is no person 99; 'contingency people list 1' shows them") == "There is no person 99"
    assert "--" not in plain("a one-off cost is for one date: give --on DATE, not a period")
    assert plain("the awareness time (--aware-at) is wrong") == "The awareness time ('aware at') is wrong"
    assert "contingency" not in plain("unknown event 'x'; see 'contingency --help'")


async def test_a_refusal_in_a_form_is_told_in_plain_words(tmp_path):
    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_dialog(app, pilot, DecisionDialog(care_home(store)))
        app.screen.report(BadInput("date_of_birth: not a date; 'contingency people list 1' shows them"))
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["Date of birth: not a date"]


async def test_a_playbook_refusal_names_no_step_id(tmp_path):
    from contingency.services.playbooks import incident_playbook
    from contingency.tui.dialogs.playbook import CompleteStep

    store = demo_store(tmp_path)
    incident_id = care_home(store)
    item = incident_playbook(store, incident_id).plan.item("staff-home-tonight", None)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(app, pilot, CompleteStep(incident_id, item))
        await pilot.press("ctrl+s")
        await pilot.pause()
        refusal = str(app.screen.query_one("#dialog-error", Static).content)
        assert refusal.startswith("✗ This step needs the decision")
        assert "staff-home-tonight" not in refusal


async def test_changing_an_incident_s_facts_keeps_those_the_form_does_not_show(tmp_path):
    from contingency.tui.dialogs.incident_form import IncidentForm

    store = demo_store(tmp_path)
    before = store.incidents.get(1).facts
    assert before.cqc_location_ids and before.insolvency_practitioner
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(IncidentForm(store.incidents.get(1)))
        await pilot.pause()
        app.screen.query_one("#lead", Input).value = "Priya Shah"
        app.screen.query_one("#reason", Input).value = "day team lead takes over"
        await pilot.press("ctrl+s")
        await pilot.pause()
    after = store.incidents.get(1).facts
    assert after.lead_officer == "Priya Shah"
    assert after.cqc_location_ids == before.cqc_location_ids
    assert after.insolvency_practitioner == before.insolvency_practitioner
    assert after.registered == before.registered
