"""The Call-round screen at 80x24: `w` from the incident, the ordered list with RAG in words, the uncovered line,
recording a call in its dialog, and the escalation in What's next."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select, Static

from contingency.services.callround import call_round, repo
from contingency.tui.app import ContingencyApp
from contingency.tui.screens.callround import CallRoundScreen, RecordCallDialog
from contingency.tui.screens.incident import IncidentScreen
from contingency.tui.screens.whats_next import WhatsNextScreen
from tests.tui_support import SIZE, demo_store


def _home_care(store) -> int:
    return next(i.id for i in store.incidents.list() if i.facts.service_kind.value == "home-care")


async def test_w_opens_the_call_round_and_a_call_is_recorded_at_80x24(tmp_path):
    store = demo_store(tmp_path)
    incident_id = _home_care(store)
    first = call_round(store, incident_id).rows[0]
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(IncidentScreen(incident_id))
        await pilot.pause()
        await pilot.press("W")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CallRoundScreen)
        table = screen.query_one("#round-table", DataTable)
        assert table.row_count == len(call_round(store, incident_id).rows)
        shot = app.export_screenshot()
        assert "RED" in shot and "OVERDUE" in shot  # RAG and escalation in words, not colour only
        assert "uncovered time-critical" in str(screen.query_one("#round-gaps", Static).content)
        assert str(table.get_row_at(0)[0]) == first.name

        await pilot.press("r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, RecordCallDialog)
        dialog.query_one("#outcome", Select).value = "safe-with-family"
        dialog.query_one("#called", Input).value = "son"
        await pilot.press("ctrl+s")  # no note: refused beside the field, nothing written
        await pilot.pause()
        assert isinstance(app.screen, RecordCallDialog)
        assert len(repo(store).calls_for_person(first.person_id)) == 1
        dialog.query_one("#note", Input).value = "Son is staying with her tonight"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CallRoundScreen)
        calls = repo(store).calls_for_person(first.person_id)
        assert [c.outcome.value for c in calls] == ["no-answer", "safe-with-family"]
        assert calls[-1].called == "son" and calls[-1].called_by == store.officer
        assert first.person_id not in [r.person_id for r in app.screen.view.rows]
        assert table.row_count == len(app.screen.view.rows)


async def test_a_no_answer_escalation_is_in_whats_next_and_opens_the_call_round(tmp_path):
    store = demo_store(tmp_path)
    first = call_round(store, _home_care(store)).rows[0]
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(WhatsNextScreen())
        await pilot.pause()
        table = app.screen.query_one("#next-table", DataTable)
        row = [str(c) for c in table.get_row_at(0)]
        assert row[0].startswith("OVERDUE") and f"Call-round: {first.name}" in row[2]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CallRoundScreen)


async def test_b_records_a_bridge_from_the_call_round(tmp_path):
    from contingency.tui.dialogs.money import ActionDialog

    store = demo_store(tmp_path)
    incident_id = _home_care(store)
    before = len(repo(store).covers(incident_id))
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(CallRoundScreen(incident_id))
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        dialog.query_one("#covered_by", Input).value = "Reablement team"
        await pilot.pause()
        await pilot.press("ctrl+s")  # no start time: refused in the dialog, nothing written
        await pilot.pause()
        assert app.screen is dialog and "✗" in str(dialog.query_one("#dialog-error", Static).content)
        dialog.query_one("#starts", Input).value = "00:00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CallRoundScreen)
    covers = repo(store).covers(incident_id)
    assert len(covers) == before + 1 and "Reablement team" in [c.cover.covered_by for c in covers]
    assert not call_round(store, incident_id).uncovered
    assert store.verify_log().ok
