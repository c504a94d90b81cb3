"""Issue 11: a save while another process holds the write lock keeps the form, says so, and saves once it can."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from textual.widgets import Button, Input, Static, TextArea

from contingency.tui.app import ContingencyApp
from contingency.tui import base
from contingency.tui.dialogs.decisions import DecisionDialog
from tests.tui_support import SIZE, demo_store


def another_officer_writing(store) -> sqlite3.Connection:
    """A second process's connection part-way through a write: it holds the lock until it rolls back."""
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


async def open_filled_decision(app, pilot, incident_id: int) -> DecisionDialog:
    await pilot.pause()
    app.push_screen(DecisionDialog(incident_id))
    await pilot.pause()
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, DecisionDialog)
    dialog.query_one("#decision", Input).value = "Move residents to Oakfield"
    dialog.query_one("#rationale", TextArea).text = "Roof unsafe after the storm"
    await pilot.pause()
    return dialog


def busy_notice(dialog) -> str:
    notices = dialog.query("#dialog-busy")
    return str(notices.first(Static).content) if notices else ""


async def wait_for(pilot, condition, seconds: float = 3.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition()


async def test_a_save_into_a_busy_store_keeps_the_form_and_saves_when_the_lock_goes(tmp_path):
    store = demo_store(tmp_path)
    incident_id = store.incidents.list()[0].id
    before = len(store.decisions.for_incident(incident_id))
    app = ContingencyApp(store)
    with closing(another_officer_writing(store)) as holder:
        async with app.run_test(size=SIZE) as pilot:
            dialog = await open_filled_decision(app, pilot, incident_id)
            typed = dialog.form_values()
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: "retrying" in busy_notice(dialog))

            assert app.is_running and app.return_code is None
            assert app.screen is dialog, "the form stays open"
            assert dialog.form_values() == typed, "with everything typed"
            assert busy_notice(dialog) == "store is busy (another officer is writing); retrying…"
            assert len(store.decisions.for_incident(incident_id)) == before

            holder.execute("ROLLBACK")
            await wait_for(pilot, lambda: app.screen is not dialog)
            assert app.is_running
    assert len(store.decisions.for_incident(incident_id)) == before + 1
    assert store.decisions.for_incident(incident_id)[-1].decision == "Move residents to Oakfield"
    assert store.verify_log().ok


async def test_when_the_retries_run_out_the_officer_tries_again(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "BUSY_RETRY_DELAYS", (0.05,))
    store = demo_store(tmp_path)
    incident_id = store.incidents.list()[0].id
    before = len(store.decisions.for_incident(incident_id))
    app = ContingencyApp(store)
    with closing(another_officer_writing(store)) as holder:
        async with app.run_test(size=SIZE) as pilot:
            dialog = await open_filled_decision(app, pilot, incident_id)
            typed = dialog.form_values()
            dialog.query_one("#save", Button).press()  # the button, as a mouse would, not the key
            await wait_for(pilot, lambda: "still busy" in busy_notice(dialog))

            assert busy_notice(dialog) == "still busy: press ctrl+s to try again"
            assert app.is_running and app.screen is dialog and dialog.form_values() == typed

            holder.execute("ROLLBACK")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.screen is not dialog)
            assert app.is_running
    assert len(store.decisions.for_incident(incident_id)) == before + 1


async def test_a_status_change_on_a_busy_store_keeps_the_reason_typed(tmp_path, monkeypatch):
    """The reason is saved by the dialog itself, not after it closes, so a busy store cannot lose it."""
    from contingency.tui.dialogs.decisions import ChoiceWithReason
    from contingency.tui.screens.incident import IncidentScreen

    monkeypatch.setattr(base, "BUSY_RETRY_DELAYS", (0.05,))
    store = demo_store(tmp_path)
    incident = store.incidents.list()[0]
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(IncidentScreen(incident.id))
        await pilot.pause()
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceWithReason))
        dialog = app.screen
        dialog.query_one("#reason", Input).value = "Provider confirmed the home is closing"
        await pilot.pause()
        choice = str(dialog.query_one("#choice").value)
        with closing(another_officer_writing(store)) as holder:
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: "still busy" in busy_notice(dialog))
            assert app.screen is dialog
            assert dialog.query_one("#reason", Input).value == "Provider confirmed the home is closing"
            assert store.incidents.get(incident.id).status == incident.status
            holder.execute("ROLLBACK")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is not dialog)
    assert store.incidents.get(incident.id).status.value == choice
    assert store.verify_log().ok
