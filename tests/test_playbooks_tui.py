"""The playbook section and the What's next screen, driven with the keyboard on the demo store."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Static, TabbedContent

from contingency.engine.runs import ItemState
from contingency.paths import resource_dir
from contingency.services.playbooks import incident_playbook
from contingency.tui.app import ContingencyApp
from contingency.tui.screens.incident import IncidentScreen
from contingency.tui.screens.person import PersonScreen
from contingency.tui.dialogs.playbook import CompleteStep, ReasonStep
from contingency.tui.screens.whats_next import WhatsNextScreen
from contingency.tui.widgets.incident_header import IncidentHeader
from contingency.tui.sections.playbook import PlaybookView
from tests.tui_support import OPEN_CARE_HOME, SIZE, demo_store


@pytest.fixture(autouse=True)
def no_council_folder(monkeypatch):
    monkeypatch.delenv("CONTINGENCY_PLAYBOOKS", raising=False)


def cursor_key(view: PlaybookView) -> str:
    table = view.query_one("#playbook-table", DataTable)
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


async def open_playbook(pilot) -> PlaybookView:
    await pilot.press(*OPEN_CARE_HOME)
    await pilot.pause()
    await pilot.press("4")
    await pilot.pause()
    return pilot.app.screen.query_one(PlaybookView)


async def test_complete_a_step_and_skip_one_with_a_reason(tmp_path):
    store = demo_store(tmp_path)
    incident_id = store.incidents.list()[0].id
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_playbook(pilot)
        assert app.screen.query_one(TabbedContent).active == "playbook"
        assert cursor_key(view) == "step:confirm-duty-holder", "the cursor starts on what is due next"
        await pilot.press("c")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CompleteStep)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CompleteStep), "nothing is saved without the answer"
        assert "yes or no" in str(dialog.query_one("#dialog-error", Static).content)
        await pilot.press("enter", "down")  # open the yes/no list; Yes
        await pilot.pause()
        await pilot.press("enter", "tab", *"Home is in LS6")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        header = str(app.screen.query_one(IncidentHeader).content)
        assert "next: OVERDUE 20m Make contact with the insolvency practitioner" in header

        await pilot.press("u")  # most urgent first: the overdue step is at the top
        await pilot.pause()
        assert cursor_key(view) == "step:contact-insolvency-practitioner"
        await pilot.press("k")
        await pilot.pause()
        reason = app.screen
        assert isinstance(reason, ReasonStep)
        await pilot.press("enter")
        await pilot.pause()
        assert reason.query_one("#f-reason").has_class("-error"), "a reason is required"
        await pilot.press(*"Agent on site", "enter")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        assert "next: due 02:40 Make sure the home is safely staffed tonight" in str(
            app.screen.query_one(IncidentHeader).content)

    plan = incident_playbook(store, incident_id).plan
    done = plan.item("confirm-duty-holder", None)
    assert done.state is ItemState.DONE
    assert done.recorded.evidence == {"kind": "yes-no", "answer": "yes",
                                      "rationale": "Home is in LS6"}
    skipped = plan.item("contact-insolvency-practitioner", None)
    assert skipped.state is ItemState.NOT_APPLICABLE
    assert skipped.recorded.reason == "Agent on site"
    incident_log = {e.seq for e in store.log.for_incident(incident_id)}
    for item in (done, skipped):
        (entry,) = store.log.for_entity("step-item", item.recorded.id)
        assert entry.officer == "Demo Officer" and entry.seq in incident_log
    assert entry.reason == "step contact-insolvency-practitioner not applicable: Agent on site"
    assert store.verify_log().ok


async def test_a_decision_step_records_a_decision_entry_from_the_dialog(tmp_path):
    store = demo_store(tmp_path)
    incident_id = store.incidents.list()[0].id
    decisions_before = len(store.decisions.for_incident(incident_id))
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_playbook(pilot)
        view.select("staff-home-tonight")
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("enter", "down", "down")  # the second option
        await pilot.pause()
        await pilot.press("enter", "tab", "tab", *"Agency at 06:00")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
    decisions = store.decisions.for_incident(incident_id)
    assert len(decisions) == decisions_before + 1
    entry = decisions[-1]
    assert entry.decision == ("Make sure the home is safely staffed tonight: "
                              "Bridge with agency staff by agreement with the operator")
    assert entry.rationale == "Agency at 06:00"
    assert len(entry.options) == 4 and entry.author == "Demo Officer"


async def test_per_person_items_list_their_people_and_enter_opens_the_person(tmp_path):
    store = demo_store(tmp_path)
    incident_id = store.incidents.list()[0].id
    red = incident_playbook(store, incident_id).plan.step_plan("red-safe-tonight").items
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_playbook(pilot)
        table = view.query_one("#playbook-table", DataTable)
        keys = [row.key.value for row in table.ordered_rows]
        # Due within 12 hours, so its people are listed without asking.
        assert [k for k in keys if k.startswith("item:red-safe-tonight:")] == [
            f"item:red-safe-tonight:{i.person_id}" for i in red]
        view.select("red-safe-tonight")
        await pilot.press("c")  # on the step itself: choose a person first
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        assert cursor_key(view) == f"item:red-safe-tonight:{red[0].person_id}"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PersonScreen) and app.screen.person_id == red[0].person_id
        await pilot.press("escape")
        await pilot.pause()
        view.select("involve-each-person")  # due in 3 days: its 40-odd people are folded away
        assert not any(k.startswith("item:involve-each-person:") for k in
                       [row.key.value for row in table.ordered_rows])
        await pilot.press("space")
        await pilot.pause()
        assert any(k.startswith("item:involve-each-person:") for k in [row.key.value for row in table.ordered_rows])


async def test_whats_next_from_home_lists_overdue_first_and_opens_the_step(tmp_path):
    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WhatsNextScreen)
        overdue = [item.overdue for _, item in screen.found]
        assert overdue[0] and overdue == sorted(overdue, reverse=True)
        assert {i.id for i, _ in screen.found} == {i.id for i in store.incidents.list()}
        title = str(screen.query_one("#next-title", Static).content)
        table = screen.query_one("#next-table", DataTable)
        shown_overdue = [str(table.get_row_at(row)[0]).startswith("OVERDUE") for row in range(table.row_count)]
        assert title.startswith(f"What's next: {sum(shown_overdue)} OVERDUE")
        assert shown_overdue[0] and shown_overdue == sorted(shown_overdue, reverse=True), "every OVERDUE row first"
        assert sum(shown_overdue) >= sum(overdue), "the steps' and the call-round's and the moves' together"
        incident, item = screen.found[0]
        table.move_cursor(row=screen.targets.index(item))  # the demo's overdue call-round escalation leads
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen) and app.screen.incident_id == incident.id
        assert app.screen.query_one(TabbedContent).active == "playbook"
        assert cursor_key(app.screen.query_one(PlaybookView)) == (
            f"item:{item.step.id}:{item.person_id}" if item.person_id else f"step:{item.step.id}")


async def test_whats_next_is_in_the_command_palette(tmp_path):
    app = ContingencyApp(demo_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"What's next")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WhatsNextScreen)


async def test_a_broken_playbook_does_not_stop_the_app(tmp_path, monkeypatch):
    folder = tmp_path / "council"
    folder.mkdir()
    text = (resource_dir("playbooks") / "s48-business-failure.toml").read_text("utf-8")
    (folder / "s48-business-failure.toml").write_text(text.replace('due = "+30m"', 'due = "30 minutes"', 1), "utf-8")
    monkeypatch.setenv("CONTINGENCY_PLAYBOOKS", str(folder))
    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_playbook(pilot)
        summary = str(view.query_one("#playbook-summary", Static).content)
        assert "Section 48: provider business failure" in summary
        assert "1 playbook file(s) not loaded" in summary
        assert view.view.plan.item("confirm-trigger", None).state is ItemState.DONE


async def test_the_dialog_fields_follow_the_record_kind(tmp_path):
    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_playbook(pilot)
        for step_id, field in (("check-roster", "#count"), ("notify-icb", "#document"),
                               ("find-capacity", "#note"), ("choose-strategy", "#decision")):
            view.select(step_id)
            await pilot.press("c")
            await pilot.pause()
            assert isinstance(app.screen, CompleteStep)
            assert app.focused is app.screen.query_one(field), step_id
            await pilot.press("escape")
            await pilot.pause()
        view.select("check-roster")
        await pilot.press("c")
        await pilot.pause()
        await pilot.press(*"49")
        assert app.screen.query_one("#count", Input).value == "49"
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert incident_playbook(store, store.incidents.list()[0].id).plan.item(
        "check-roster", None).recorded.evidence == {"kind": "count", "count": 49}


async def test_overdue_times_keep_counting_as_the_clock_moves(tmp_path):
    from datetime import timedelta

    from contingency.clock import fixed_clock
    from tests.tui_support import DEMO_NOW

    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_playbook(pilot)
        table = view.query_one("#playbook-table", DataTable)

        def when(key: str) -> str:
            return str(table.get_row(key)[0])

        assert when("step:confirm-duty-holder") == "OVERDUE 20m"
        assert when("step:staff-home-tonight") == "due 02:40"
        store.clock = fixed_clock(DEMO_NOW + timedelta(hours=1))
        view.redraw()
        app.screen.refresh_header()
        await pilot.pause()
        assert when("step:confirm-duty-holder") == "OVERDUE 1h 20m"
        assert when("step:staff-home-tonight") == "OVERDUE 20m"
        assert "3 OVERDUE" in str(view.query_one("#playbook-summary", Static).content)
        assert "next: OVERDUE 1h 20m Confirm the care was delivered" in str(
            app.screen.query_one(IncidentHeader).content)
