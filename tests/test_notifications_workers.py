"""Issue 9: reply-by from sending, owner-only files, keys that do not apply, and slow work off the UI thread."""

from __future__ import annotations

import stat
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Input, Static

from contingency.clock import fixed_clock
from contingency.notification import NotificationKind, NotificationStatus
from contingency.rules import notifications as rules
from contingency.services import claim_documents as documents
from contingency.services import claims as claims_service
from contingency.services import notifications as service
from contingency.services.errors import BadInput
from contingency.services.importer import import_file
from contingency.services.progress import Cancelled
from contingency.store.people import RosterQuery
from contingency.tui.app import ContingencyApp
from contingency.tui.dialogs.import_file import ImportDialog
from contingency.tui.screens.incident import IncidentScreen
from contingency.tui.dialogs.notify import AcknowledgeDialog, GenerateDialog
from contingency.tui.sections.notifications import NotificationsView
from contingency.tui.widgets.work import ProgressLine
from tests.conftest import NOW
from tests.test_notifications import (
    BOTH,
    BRADFORD,
    bradford,  # noqa: F401 - the fixture
    latest,
)
from tests.tui_support import SIZE, demo_store

S = NotificationStatus
CALDERDALE = "la:E08000033"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- reply-by counts from sending ----------------------------------------------------------------------


def test_reply_by_is_counted_from_the_time_sent_in_the_rule():
    sent = NOW + timedelta(hours=7)
    assert rules.reply_by(NotificationKind.COUNCIL, sent) == sent + timedelta(hours=48)
    assert rules.reply_within(NotificationKind.COUNCIL) == "48 hours"
    assert rules.reply_within(NotificationKind.PERSON) == ""


def test_before_sending_the_reply_by_column_says_from_sending_not_a_date(store, bradford, tmp_path):  # noqa: F811
    incident_id, _ = bradford
    service.sync(store, incident_id)
    draft = latest(store, incident_id, BRADFORD)
    assert draft.reply_by is None
    assert rules.reply_by_words(draft, NOW) == "48h from sending"
    service.generate(store, incident_id, tmp_path / "out", formats=BOTH, recipients=["Bradford"])
    generated = latest(store, incident_id, BRADFORD)
    assert generated.reply_by is None and rules.reply_by_words(generated, NOW) == "48h from sending"
    text = service.preview(store, incident_id, "Bradford")
    assert "within **48 hours** of receiving this letter" in text


def test_reply_by_is_counted_from_the_time_the_officer_says_it_was_sent(store, bradford, tmp_path):  # noqa: F811
    incident_id, _ = bradford
    service.generate(store, incident_id, tmp_path / "out", formats=BOTH, recipients=["Bradford"])
    assert latest(store, incident_id, BRADFORD).issued_at == NOW
    store.clock = fixed_clock(NOW + timedelta(hours=7))
    sent = service.mark_sent(store, incident_id, "Bradford", "secure email", NOW + timedelta(hours=5))
    assert sent.sent_at == NOW + timedelta(hours=5)
    assert sent.reply_by == NOW + timedelta(hours=53), "48 hours from sending, not from generation"
    assert rules.reply_by_words(sent, NOW + timedelta(hours=7)) != "48h from sending"
    assert rules.overdue(sent, NOW + timedelta(hours=52)) is None
    assert rules.overdue(sent, NOW + timedelta(hours=54)) == timedelta(hours=1)


def test_marking_sent_without_a_time_counts_from_now(store, bradford, tmp_path):  # noqa: F811
    incident_id, _ = bradford
    service.generate(store, incident_id, tmp_path / "out", formats=BOTH, recipients=["Bradford"])
    store.clock = fixed_clock(NOW + timedelta(hours=3))
    sent = service.mark_sent(store, incident_id, "Bradford", "secure email")
    assert sent.reply_by == NOW + timedelta(hours=51)


# --- a reply before the letter went ----------------------------------------------------------------------


def test_a_reply_by_phone_before_the_letter_is_recorded_and_the_letter_still_goes(store, bradford, tmp_path):  # noqa: F811
    incident_id, _ = bradford
    service.sync(store, incident_id)
    draft = latest(store, incident_id, BRADFORD)
    assert rules.refusal(rules.check_send, draft) and "not been generated" in rules.refusal(rules.check_send, draft)
    assert rules.refusal(rules.check_acknowledge, draft) is None
    replied = service.acknowledge(store, incident_id, "Bradford", "Bradford duty desk rang: they know")
    assert replied.status is S.ACKNOWLEDGED and replied.sent_at is None
    assert "before our letter was sent" in store.log.for_incident(incident_id, limit=1)[0].reason
    assert rules.state_words(replied, NOW) == "NOT SENT", "the written letter is still to go"
    with pytest.raises(BadInput, match="already acknowledged"):
        service.acknowledge(store, incident_id, "Bradford", "again")

    service.generate(store, incident_id, tmp_path / "out", formats=BOTH, recipients=["Bradford"])
    generated = latest(store, incident_id, BRADFORD)
    assert generated.status is S.ACKNOWLEDGED and generated.issued_at == NOW
    sent = service.mark_sent(store, incident_id, "Bradford", "secure email")
    assert sent.status is S.ACKNOWLEDGED and sent.sent_channel == "secure email"
    assert rules.state_words(sent, NOW + timedelta(days=5)) == "", "answered already: never overdue"
    assert service.chase_list(store, NOW + timedelta(days=5)) == []
    assert store.verify_log().ok


# --- owner-only files -----------------------------------------------------------------------------------


def test_letters_are_owner_only_in_folders_the_app_makes(store, bradford, tmp_path):  # noqa: F811
    incident_id, _ = bradford
    tmp_path.chmod(0o755)
    out = tmp_path / "letters" / "INC1"
    files = service.generate(store, incident_id, out, formats=BOTH, recipients=["Bradford"])
    assert files and all(mode(f.path) == 0o600 for f in files)
    assert mode(out) == 0o700 and mode(out.parent) == 0o700
    assert mode(tmp_path) == 0o755, "a folder the officer already had is left alone"
    assert not list(out.glob(".*.part"))


def test_claim_documents_are_owner_only(tmp_path):
    store = demo_store(tmp_path)
    claims_service.build(store, 1)
    tmp_path.chmod(0o755)
    files = documents.export(store, 1, tmp_path / "claims")
    assert files and all(mode(f.path) == 0o600 for f in files)
    assert mode(tmp_path / "claims") == 0o700 and mode(tmp_path) == 0o755


def _list_with_a_reject(folder: Path) -> Path:
    path = folder / "residents.csv"
    path.write_text("Surname,First name,Room\nExampleton,Ada,1\n,,12\n", encoding="utf-8")
    return path


def test_the_rejects_file_is_owner_only_and_its_folder_untouched(store, make_incident, tmp_path):
    incident = make_incident()
    folder = tmp_path / "from-provider"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    summary = import_file(store, incident.id, _list_with_a_reject(folder))
    assert summary.imported == 1 and len(summary.rejected) == 1
    assert mode(Path(summary.rejects_file)) == 0o600
    assert mode(folder) == 0o755


# --- progress and stopping in the services -------------------------------------------------------------


def test_sync_reports_progress_and_stops_before_writing_anything(tmp_path):
    store = demo_store(tmp_path)
    people = store.people.count(RosterQuery(1))
    seen: list[tuple[int, int]] = []
    entries = store.log.count()
    with pytest.raises(Cancelled):
        service.sync(store, 1, progress=lambda d, t: seen.append((d, t)), cancelled=lambda: True)
    assert store.log.count() == entries and store.notifications.latest(1) == []
    service.sync(store, 1, progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, people) and seen[-1] == (people, people)


def test_generate_stops_between_letters_and_keeps_those_written(tmp_path):
    store = demo_store(tmp_path)
    def one_letter_written() -> bool:
        return any(n.issued_at for n in store.notifications.latest(1))

    with pytest.raises(Cancelled) as stopped:
        service.generate(store, 1, tmp_path / "out", include_people=False, cancelled=one_letter_written)
    assert stopped.value.done == 1 and "stopped after 1 of" in str(stopped.value)
    generated = [n for n in store.notifications.latest(1) if n.status is S.GENERATED]
    assert len(generated) == 1 and len(store.notifications.documents(generated[0].id)) == 1


def test_per_person_letters_at_scale_are_for_the_cli(tmp_path):
    store = demo_store(tmp_path)
    with pytest.raises(BadInput, match="contingency letters 1 --out FOLDER"):
        service.generate(store, 1, tmp_path / "out", max_person_letters=10)
    assert not any(n.issued_at for n in store.notifications.latest(1))


# --- the section: paints at once, fills in from a thread, keys that do not apply ---------------------------


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def cells(app, row: int) -> list[str]:
    return [str(c) for c in app.screen.query_one("#notify-table", DataTable).get_row_at(row)]


def row_of(app, ref: str) -> int:
    view = app.screen.query_one(NotificationsView)
    table = view.query_one("#notify-table", DataTable)
    for index, key in enumerate(table.rows):
        if view.shown[int(key.value)].recipient_ref == ref:
            return index
    raise AssertionError(ref)


def enabled(app, key: str) -> bool | None:
    """True enabled, False greyed out, None not shown."""
    found = app.screen.active_bindings.get(key)
    return None if found is None else found.enabled


@pytest.fixture
def held_sync(monkeypatch):
    """service.sync, held at its first progress report until the test lets it go."""
    release = threading.Event()
    started = threading.Event()
    real = service.sync

    def slow(store, incident_id, current=None, *, progress=None, cancelled=None):
        def waiting(done, total):
            if progress:
                progress(done, total)
            if done == 0:
                started.set()
                while not release.wait(0.02):
                    if cancelled and cancelled():
                        raise Cancelled("stopped before the register was brought up to date; nothing changed")
        return real(store, incident_id, current, progress=waiting, cancelled=cancelled)

    monkeypatch.setattr(service, "sync", slow)
    return started, release


async def test_the_section_paints_at_once_with_a_count_then_fills_in(tmp_path, held_sync):
    started, release = held_sync
    store = demo_store(tmp_path)
    people = store.people.count(RosterQuery(1))
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(IncidentScreen(1))
        await pilot.pause()
        await pilot.press("5")
        await pilot.pause()
        assert started.wait(10)
        await pilot.pause(0.2)
        view = app.screen.query_one(NotificationsView)
        line = view.query_one("#notify-progress", ProgressLine)
        assert line.working and line.display
        label = str(line.query_one("#work-label", Static).content)
        assert label == f"Working out who to tell… 0/{people}"
        assert view.query_one("#notify-table", DataTable).row_count == 0
        assert enabled(app, "m") is False and enabled(app, "g") is False, "nothing to act on while it works"
        await pilot.press("2")  # the rest of the app stays usable meanwhile
        await pilot.pause()
        await pilot.press("5")
        await pilot.pause()
        release.set()
        await settle(app, pilot)
        assert not line.working
        assert cells(app, 0)[:4] == ["Calderdale", "1", "draft", "48h from sending"]
        assert "10 bodies and 49 people" in str(view.query_one("#notify-summary", Static).content)


async def test_escape_stops_the_sync_and_r_tries_again(tmp_path, held_sync):
    started, release = held_sync
    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(IncidentScreen(1))
        await pilot.pause()
        await pilot.press("5")
        assert started.wait(10)
        await pilot.pause()
        assert enabled(app, "escape") is True
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, IncidentScreen), "escape stopped the work, it did not leave the incident"
        view = app.screen.query_one(NotificationsView)
        assert "Stopped:" in str(view.query_one("#notify-summary", Static).content)
        assert store.notifications.latest(1) == []
        assert enabled(app, "r") is True
        release.set()
        await pilot.press("r")
        await settle(app, pilot)
        assert view.query_one("#notify-table", DataTable).row_count == 10 + 49
        assert enabled(app, "r") is None


async def test_sent_is_greyed_on_a_draft_and_a_phone_reply_can_be_recorded(tmp_path):
    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(IncidentScreen(1))
        await pilot.pause()
        await pilot.press("5")
        await settle(app, pilot)
        view = app.screen.query_one(NotificationsView)
        assert cells(app, 0)[2] == "draft"
        assert enabled(app, "m") is False and enabled(app, "h") is False
        assert enabled(app, "a") is True, "a body may ring back before we write"
        assert "Not generated yet" in str(view.query_one("#notify-hint", Static).content)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen), "a key that does not apply does nothing"

        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AcknowledgeDialog)
        await pilot.press(*"Calderdale rang: aware", "enter")
        await pilot.pause()
        assert cells(app, 0)[2] == "acknowledged" and cells(app, 0)[4] == "NOT SENT"
        assert enabled(app, "a") is False and enabled(app, "m") is False

        service.generate(store, 1, tmp_path / "out", recipients=["Kirklees"])
        view.reload()
        await settle(app, pilot)
        table = view.query_one("#notify-table", DataTable)
        table.move_cursor(row=row_of(app, "la:E08000034"))
        await pilot.pause()
        assert enabled(app, "m") is True and "Generated, not sent" in str(view.query_one("#notify-hint", Static).content)


async def test_generate_runs_in_a_thread_and_per_person_letters_at_scale_go_to_the_cli(tmp_path, monkeypatch):
    store = demo_store(tmp_path)
    monkeypatch.setattr(service, "PERSON_LETTERS_IN_TUI", 5)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(IncidentScreen(1))
        await pilot.pause()
        await pilot.press("5")
        await settle(app, pilot)
        await pilot.press("g")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, GenerateDialog)
        dialog.query_one("#folder", Input).value = str(tmp_path / "letters")
        dialog.query_one("#scope").value = "all"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "contingency letters 1 --out FOLDER" in str(dialog.query_one("#f-folder").query_one(".field--message",
                                                                                                    Static).content)
        dialog.query_one("#scope").value = "bodies"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "Wrote 20 files (10 letters)" in str(dialog.query_one("#work-result", Static).content)
        assert {mode(f) for f in (tmp_path / "letters").iterdir()} == {0o600}
        assert str(dialog.query_one("#run", Button).label).startswith("Done")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, IncidentScreen)
        assert cells(app, 0)[2] == "generated"


async def test_the_import_dialog_imports_in_a_thread_then_shows_the_summary_and_done(tmp_path):
    store = demo_store(tmp_path)
    path = _list_with_a_reject(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(IncidentScreen(1))
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ImportDialog)
        dialog.query_one("#path", Input).value = str(path)
        await pilot.press("ctrl+s")  # first what the import will do (tests/test_import_preview.py) ...
        await pilot.pause()
        await pilot.press("ctrl+s")  # ... then the import
        await settle(app, pilot)
        result = str(dialog.query_one("#work-result", Static).content)
        assert "1 imported, 0 merged, 1 rejected" in result
        assert f"rejected rows written to {path.with_name('residents.rejects.csv')}" in result
        assert not dialog.query_one("#import-form").display, "the form goes: nothing invites importing twice"
        assert str(dialog.query_one("#run", Button).label).startswith("Done")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, IncidentScreen)
    assert mode(path.with_name("residents.rejects.csv")) == 0o600
