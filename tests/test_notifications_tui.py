"""The notifications section from the keyboard: preview, generate, mark sent, reply, chase; the person's letters."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Checkbox, DataTable, Input, Markdown, Static

from contingency.clock import fixed_clock
from contingency.notification import NotificationStatus
from contingency.services import notifications as service
from contingency.tui.app import ContingencyApp
from contingency.tui.commands import palette_actions
from contingency.tui.dialogs.money import ActionDialog
from contingency.tui.screens.incident import IncidentScreen
from contingency.tui.dialogs.notify import (
    AcknowledgeDialog,
    GenerateDialog,
    PreviewDialog,
    SentDialog,
)
from contingency.tui.screens.person import PersonScreen
from contingency.tui.sections.notifications import NotificationsView
from tests.tui_support import DEMO_NOW, SIZE, demo_store

CALDERDALE = "la:E08000033"  # first in the list: councils come first, by name


def cells(app, row: int) -> list[str]:
    table = app.screen.query_one("#notify-table", DataTable)
    return [str(c) for c in table.get_row_at(row)]


async def settle(app, pilot) -> None:
    """Let the background work (bringing the register up to date, writing letters) finish and repaint."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_notifications(app, pilot, incident_id: int = 1) -> None:
    app.push_screen(IncidentScreen(incident_id))
    await pilot.pause()
    await pilot.press("5")
    await settle(app, pilot)


async def test_preview_generate_and_mark_sent_without_the_mouse(tmp_path):
    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_notifications(app, pilot)
        view = app.screen.query_one(NotificationsView)
        assert app.focused is view.query_one("#notify-table", DataTable)
        assert cells(app, 0)[:3] == ["Calderdale", "1", "draft"] and cells(app, 0)[4] == "NOT SENT"
        summary = str(view.query_one("#notify-summary", Static).content)
        assert "10 bodies and 49 people" in summary and "HELD BACK Stanley Drillsworth" in summary

        await pilot.press("v")
        await settle(app, pilot)
        assert isinstance(app.screen, PreviewDialog)
        letter = app.screen.query_one("#letter", Markdown).source
        assert "INC1-LA-E08000033-v1" in letter and "EXERCISE – NOT A REAL INCIDENT" in letter
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, GenerateDialog)
        app.screen.query_one("#folder", Input).value = str(tmp_path / "letters")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "Wrote 2 files (1 letter)" in str(app.screen.query_one("#work-result", Static).content)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert sorted(p.suffix for p in (tmp_path / "letters").iterdir()) == [".docx", ".pdf"]
        assert cells(app, 0)[2] == "generated"

        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, SentDialog)
        await pilot.press(*"secure email")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SentDialog), "an exercise letter needs the confirmation ticked"
        assert "EXERCISE store" in str(app.screen.query_one("#dialog-error", Static).content)
        await pilot.press("tab", "tab", "space")
        box = app.screen.query_one("#confirm-exercise", Checkbox)
        assert box.value and str(box.label).endswith("YES"), "the state is in words, not only colour"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen.query_one(NotificationsView), NotificationsView)
        assert cells(app, 0)[2] == "sent"

        await pilot.press("h")
        await pilot.pause()
        assert cells(app, 0)[2] == "chased"
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AcknowledgeDialog)
        await pilot.press(*"Calderdale duty desk: noted", "enter")
        await pilot.pause()
        assert cells(app, 0)[2] == "acknowledged"
    final = store.notifications.latest_for(1, CALDERDALE)
    assert (final.status, final.sent_channel, final.chase_count) == (NotificationStatus.ACKNOWLEDGED, "secure email", 1)
    assert final.reply_summary == "Calderdale duty desk: noted"
    assert store.verify_log().ok


async def test_an_unanswered_letter_past_its_reply_by_says_overdue_in_words(tmp_path):
    store = demo_store(tmp_path)
    service.generate(store, 1, tmp_path / "out", recipients=["Calderdale"])
    service.mark_sent(store, 1, "Calderdale", "secure email", exercise_confirmed=True)
    store.clock = fixed_clock(DEMO_NOW + timedelta(hours=50))
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_notifications(app, pilot)
        assert cells(app, 0)[0] == "Calderdale" and cells(app, 0)[4] == "OVERDUE 2h 00m"


async def test_x_closes_an_overdue_letter_with_a_reason_and_it_leaves_the_chase_list(tmp_path):
    store = demo_store(tmp_path)
    service.generate(store, 1, tmp_path / "out", recipients=["Calderdale"])
    service.mark_sent(store, 1, "Calderdale", "secure email", exercise_confirmed=True)
    store.clock = fixed_clock(DEMO_NOW + timedelta(hours=50))
    assert [o.notification.recipient_ref for o in service.chase_list(store, store.clock(), 1)] == [CALDERDALE]
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_notifications(app, pilot)
        palette = {a.description for a in palette_actions(app.screen)}
        assert "Close" in palette, "a key the footer leaves out is still in the palette"
        await pilot.press("x")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ActionDialog) and "Close INC1-LA-E08000033" in dialog.title_text
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog and "Say why" in str(dialog.query_one("#dialog-error", Static).content)
        await pilot.press(*"Calderdale rang: they had the list already", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, IncidentScreen) and cells(app, 0)[2] == "closed"
        assert "Close" not in {a.description for a in palette_actions(app.screen)}, "a closed letter stays closed"
    assert service.chase_list(store, store.clock(), 1) == []
    assert store.notifications.latest_for(1, CALDERDALE).status is NotificationStatus.CLOSED
    assert store.verify_log().ok


async def test_the_person_screen_lists_the_letters_that_name_them(tmp_path):
    store = demo_store(tmp_path)
    service.sync(store, 1)
    notification = store.notifications.latest_for(1, CALDERDALE)
    person_id = notification.people[0]
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(PersonScreen(person_id))
        await pilot.pause()
        text = str(app.screen.query_one("#person-letters", Static).content)
        assert "Letters naming this person:" in text
        assert "INC1-LA-E08000033-v1 to Calderdale Metropolitan Borough Council: draft" in text
        assert f"INC1-PERSON-{person_id}-v1" in text
