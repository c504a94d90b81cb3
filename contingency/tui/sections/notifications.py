"""The incident's notifications: every body and person to tell, with people count, status and reply-by.

Words carry the state (NOT SENT, OUT OF DATE, OVERDUE 5h 10m), colour only repeats it. Keys act on
the selected letter: preview, generate, mark sent, acknowledgement, chase; a key that does not apply to
it is greyed out and the line above the table says why. Bringing the register up to date with a big
roster takes seconds, so it runs in a thread while the section shows how far it has got.
"""

from __future__ import annotations

import threading

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from contingency.notification import HeldBack, Notification, NotificationKind
from contingency.notification import NotificationStatus as S
from contingency.rules import notifications as rules
from contingency.rules.notifications import reply_by_words, reply_within, state_words
from contingency.rules.safe_text import printable
from contingency.rules.words import plural
from contingency.services import lookups
from contingency.services import notifications as service
from contingency.services.errors import BadInput
from contingency.services.people import roster_count
from contingency.services.progress import Cancelled
from contingency.store import Store
from contingency.store.people import RosterQuery
from contingency.tui.literal import cell
from contingency.tui.widgets.work import ProgressLine, Reporter, WorkProgress, did_not_finish, own_store


def short_name(store: Store, notification: Notification) -> str:
    """Names that fit 80 columns: Bradford, West Yorkshire ICB, CQC, Letter: Ada Exampleton."""
    kind, _, code = notification.recipient_ref.partition(":")
    if notification.kind is NotificationKind.PERSON:
        return f"Letter: {notification.recipient_name}"
    if notification.kind is NotificationKind.CQC:
        return "CQC"
    if kind == "la":
        found = lookups.authority(store, code)
        return found.nice_name if found else notification.recipient_name
    return notification.recipient_name.removeprefix("NHS ").removesuffix(" Integrated Care Board") + " ICB"


def _styled(words: str) -> Text:
    if "OVERDUE" in words or "OUT OF DATE" in words:
        return Text(words, style="bold red")
    if "NOT SENT" in words:
        return Text(words, style="bold")
    return Text(words)


class NotificationsView(Vertical):
    DEFAULT_CSS = """
    NotificationsView { height: 1fr; }
    NotificationsView #notify-summary { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    NotificationsView #notify-hint { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    NotificationsView DataTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("v", "preview", "Preview", id="notify-preview", tooltip="Read the letter as it will be written"),
        Binding("g", "generate", "Generate", id="notify-generate", tooltip="Write the letter(s) as PDF and DOCX"),
        Binding("m", "mark_sent", "Sent", id="notify-sent", tooltip="Record that the letter was sent, and how"),
        Binding("a", "acknowledge", "Reply", id="notify-ack",
                tooltip="Record the recipient's reply (also one that came by phone before we wrote)"),
        Binding("h", "chase", "Chase", id="notify-chase", tooltip="Record that an unanswered letter was chased"),
        # Help and the palette list it; the footer keeps its room for the keys of every night.
        Binding("x", "close_letter", "Close", id="notify-close", show=False,
                tooltip="Close a letter that needs nothing more, saying why: it leaves the chase list"),
        Binding("escape", "stop", "Stop", id="notify-stop", tooltip="Stop working out who to tell; nothing changes"),
        Binding("r", "refresh", "Refresh", id="notify-refresh",
                tooltip="Bring the letters up to date with the roster again"),
    ]

    # Above this many people, bringing the register up to date reads seconds of roster: r does it, not showing.
    SYNC_HERE = 2_000
    PERSON_ROWS = 200  # the table is for working through bodies; 50,000 person letters are for `contingency letters`

    def __init__(self, store: Store, incident_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.incident_id = incident_id
        self.large = False  # more people than the section brings up to date by itself
        self.state: service.RegisterState | None = None
        self.held: tuple[HeldBack, ...] = ()
        self.shown: dict[int, Notification] = {}  # the listed letters, so key checks never touch the store
        self.sync_worker: Worker | None = None
        self.preview_worker: Worker | None = None
        self.sync_version = -1
        self.stale = False  # a sync was stopped or failed: r tries again
        self._sync_stop = threading.Event()
        self._sync_idle = threading.Event()  # the last sync thread has really finished, not just been abandoned
        self._sync_idle.set()

    def compose(self) -> ComposeResult:
        yield Static("", id="notify-summary", markup=False)
        yield ProgressLine(id="notify-progress")
        yield Static("", id="notify-hint", markup=False)
        yield DataTable(id="notify-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#notify-table", DataTable)
        table.add_column("To", key="to", width=22)
        table.add_column("People", key="people", width=6)
        table.add_column("Status", key="status", width=12)
        table.add_column("Reply by", key="reply", width=16)
        table.add_column("Note", key="note")

    def on_show(self) -> None:
        # The roster may have changed while this section was hidden; 50,000 people are read only when shown.
        self.reload()

    @property
    def syncing(self) -> bool:
        return self.sync_worker is not None

    @property
    def busy(self) -> bool:
        return self.sync_worker is not None or self.preview_worker is not None

    def reload(self, *, force: bool = False) -> None:
        """Paint the register as it stands at once. If the roster moved on since the register last followed it
        (a bounded look at the log), bring it up to date in a thread and paint again when that is done; above
        SYNC_HERE people that is seconds of reading the whole roster, so the section says so and r
        does it (for the letters to bodies: the people's are registered when `contingency letters` writes them)."""
        if self.busy:
            return
        state = service.register_state(self.store, self.incident_id, persons=True)
        self.large = state.people > self.SYNC_HERE
        if self.large:
            state = service.register_state(self.store, self.incident_id, persons=False)
        self.state = state
        if force or (not state.current and not self.large):
            if not self.shown:
                self._paint()  # the register as it stands (a page of it) while it is brought up to date
            self._start_sync(state.roster_version)
            return
        self.stale = not state.current
        self._paint()
        self.refresh_bindings()

    def _start_sync(self, version: int) -> None:
        if not self._sync_idle.is_set():  # an abandoned sync is still finishing its write: never two at once
            self.set_timer(0.2, lambda: self.reload(force=True))
            return
        total = self.state.people
        self.stale = False
        self.sync_version = version
        self._sync_stop = threading.Event()
        self._sync_idle.clear()
        self.query_one("#notify-progress", ProgressLine).begin("Working out who to tell…", total)
        self.query_one("#notify-summary", Static).update(
            f"Bringing the letters up to date with the roster ({total:,} people)" if self.shown else "")
        reporter = Reporter(self, "sync", self._sync_stop)
        store, incident_id, idle, large = self.store, self.incident_id, self._sync_idle, self.large

        def run() -> service.SyncResult:
            try:
                with own_store(store) as mine:
                    if large:  # the letters to bodies; 50,000 to people are registered as they are written
                        current = service.roster(mine, incident_id, progress=reporter.progress,
                                                 cancelled=reporter.cancelled, persons=False)
                        return service.sync(mine, incident_id, current)
                    return service.sync(mine, incident_id, progress=reporter.progress, cancelled=reporter.cancelled)
            finally:
                idle.set()

        self.sync_worker = self.run_worker(run, thread=True, exit_on_error=False, group="notify-sync")
        self.refresh_bindings()

    def on_work_progress(self, message: WorkProgress) -> None:
        message.stop()
        if self.busy:
            self.query_one("#notify-progress", ProgressLine).advance(message.done, message.total)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        if event.worker is self.preview_worker:
            self._previewed(event)
            return
        if event.worker is not self.sync_worker:
            return
        self.sync_worker = None
        self.query_one("#notify-progress", ProgressLine).end()
        error = event.worker.error
        if event.state is WorkerState.SUCCESS:
            self.held = event.worker.result.held
            self.state = service.register_state(self.store, self.incident_id, persons=not self.large)
            self._paint()
        else:
            self.stale = True
            self._paint()
            why = str(error) if isinstance(error, (BadInput, Cancelled)) else did_not_finish(self, error)
            self.query_one("#notify-summary", Static).update(printable(f"Stopped: {why}. r tries again."))
        self.refresh_bindings()

    def _paint(self) -> None:
        table = self.query_one("#notify-table", DataTable)
        selected = self.selected_id()
        now = self.store.clock()
        bodies, persons, person_count = lookups.notification_listing(self.store, self.incident_id, self.PERSON_ROWS)
        if self.large:  # the people's letters are registered as they are written: count who is due one
            person_count = max(person_count, service.person_letters_due(self.store, self.incident_id))
        table.clear()
        self.shown = {}
        for n in bodies + persons:
            people = "counts" if n.kind is NotificationKind.CQC else str(len(n.people))
            table.add_row(cell(short_name(self.store, n)), people, n.status.value, cell(reply_by_words(n, now)),
                          _styled(state_words(n, now)), key=str(n.id))
            self.shown[n.id] = n
        lines = [(f"{plural(len(bodies), 'body', 'bodies')} and {plural(person_count, 'person', 'people')} to tell; each body hears only about "
                  "its own people")]
        if person_count > len(persons):
            lines[0] += f" ({person_count - len(persons):,} person letters not listed: 'contingency letters')"
        if self.stale and self.state is not None and not self.syncing:
            if not self.state.checked and not bodies:  # nothing to count yet: say only what r does
                lines = [f"NOT WORKED OUT yet: r works out who to tell ({self.state.people:,} people, some seconds)"]
            else:
                lines.insert(0, "NOT CHECKED against the roster since it changed: r brings the letters up to date "
                                f"({self.state.people:,} people, some seconds)")
        lines += [f"HELD BACK {h.name}: {h.reason}" for h in self.held]
        self.query_one("#notify-summary", Static).update(printable("\n".join(lines)))
        if selected is not None and str(selected) in [str(k.value) for k in table.rows]:
            table.move_cursor(row=table.get_row_index(str(selected)))
        self._selection_changed()

    @on(DataTable.RowHighlighted, "#notify-table")
    def _selection_changed(self) -> None:
        self.query_one("#notify-hint", Static).update(printable(self._hint(self.current())))
        self.refresh_bindings()

    def _hint(self, n: Notification | None) -> str:
        """What the keys can do for this letter now, so a greyed-out key is never a mystery."""
        if n is None:
            return ""
        within = reply_within(n.kind)
        if n.out_of_date:
            return "Out of date: the roster changed since it was generated. g makes the new version to send."
        if n.status is S.DRAFT:
            return (f"Not generated yet: g generates it; m once it is sent"
                    f"{f' (the {within} to reply start then)' if within else ''}; a records a reply by phone.")
        if n.status is S.GENERATED:
            return (f"Generated, not sent: send it, then m records how and when"
                    f"{f' ({within} to reply from then)' if within else ''}. a records a reply by phone.")
        if n.status is S.ACKNOWLEDGED and n.sent_at is None:
            unsent = "g then m to send it for the record" if n.issued_at is None else "m records sending it"
            return f"Replied before our letter went: {n.reply_summary}. {unsent}."
        if n.status is S.ACKNOWLEDGED:
            return f"Replied: {n.reply_summary}"
        if n.status in (S.SENT, S.CHASED):
            return f"Sent by {n.sent_channel}. a records the reply; h a chase."
        return "Closed: nothing more is expected."

    def current(self) -> Notification | None:
        found = self.selected_id()
        return self.shown.get(found) if found is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.busy  # otherwise escape goes back, as everywhere
        if action == "refresh":
            return self.stale  # hidden unless a sync was stopped
        if action not in ("preview", "generate", "mark_sent", "acknowledge", "chase", "close_letter"):
            return True
        n = self.current()
        if self.busy or n is None:
            return None  # shown greyed: the letters are being brought up to date
        checks = {"mark_sent": rules.check_send, "acknowledge": rules.check_acknowledge,
                  "chase": lambda x: rules.check_reply(x, "chased"), "close_letter": rules.check_close}
        if action in checks and rules.refusal(checks[action], n) is not None:
            return None
        return True

    def selected_id(self) -> int | None:
        table = self.query_one("#notify-table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(key.value) if key.value else None

    def selected(self) -> Notification | None:
        found = self.selected_id()
        if found is None:
            self.app.notify("No letter selected", severity="warning")
            return None
        return lookups.notification(self.store, found)

    def focus_table(self) -> None:
        self.query_one("#notify-table", DataTable).focus()

    # --- actions ------------------------------------------------------------------------------------

    def action_stop(self) -> None:
        self._sync_stop.set()
        self.query_one("#notify-progress", ProgressLine).stopping()

    def action_refresh(self) -> None:
        self.reload(force=True)

    def action_preview(self) -> None:
        notification = self.selected()
        if notification is None or self.busy:
            return
        # The preview reads the whole roster, seconds at 20,000 people: in a thread, like the sync.
        self._sync_stop = threading.Event()
        reporter = Reporter(self, "preview", self._sync_stop)
        store, incident_id = self.store, self.incident_id
        total = roster_count(self.store, RosterQuery(incident_id))

        def run() -> tuple[Notification, str]:
            with own_store(store) as mine:
                return notification, service.preview(mine, incident_id, notification.reference,
                                                     progress=reporter.progress, cancelled=reporter.cancelled)

        self.query_one("#notify-progress", ProgressLine).begin(f"Preparing {notification.reference}…", total)
        self.preview_worker = self.run_worker(run, thread=True, exit_on_error=False, group="notify-preview")
        self.refresh_bindings()

    def _previewed(self, event: Worker.StateChanged) -> None:
        from contingency.tui.dialogs.notify import PreviewDialog

        self.preview_worker = None
        self.query_one("#notify-progress", ProgressLine).end()
        self.refresh_bindings()
        if event.state is WorkerState.SUCCESS:
            # The officer may have left the incident while it was being written: show it only where asked.
            if self.is_attached and self.screen is self.app.screen:
                notification, text = event.worker.result
                self.app.push_screen(PreviewDialog(notification, text))
        elif isinstance(event.worker.error, BadInput):
            self.app.notify(str(event.worker.error), title="Cannot preview", severity="error", timeout=10)
        elif event.worker.error is not None and not isinstance(event.worker.error, Cancelled):
            self.app.notify(f"the preview {did_not_finish(self, event.worker.error)}", title="Cannot preview",
                            severity="error", timeout=10)

    def action_generate(self) -> None:
        from contingency.tui.dialogs.notify import GenerateDialog

        notification = self.selected()
        if notification is not None:
            self.app.push_screen(GenerateDialog(self.incident_id, notification), lambda _: self.reload())

    def action_mark_sent(self) -> None:
        from contingency.tui.dialogs.notify import SentDialog

        notification = self.selected()
        if notification is not None:
            self.app.push_screen(SentDialog(self.incident_id, notification), lambda _: self.reload())

    def action_acknowledge(self) -> None:
        from contingency.tui.dialogs.notify import AcknowledgeDialog

        notification = self.selected()
        if notification is not None:
            self.app.push_screen(AcknowledgeDialog(self.incident_id, notification), lambda _: self.reload())

    def action_close_letter(self) -> None:
        from contingency.tui.dialogs.money import ActionDialog, Ask

        notification = self.selected()
        if notification is None:
            return
        reference = notification.reference

        def act(values: dict[str, object]) -> str:
            closed = service.close(self.store, self.incident_id, reference, str(values["note"]))
            return f"{closed.reference}: closed"

        self.app.push_screen(ActionDialog(f"Close {reference} to {notification.recipient_name}?",
                                          [Ask("note", "Why", placeholder="e.g. the person died before it was sent")],
                                          act, button="Close letter",
                                          hint="A closed letter is never chased; the log keeps why."),
                             lambda _: self.reload())

    def action_chase(self) -> None:
        notification = self.selected()
        if notification is None:
            return
        try:
            chased = service.chase(self.store, self.incident_id, notification.reference)
        except BadInput as exc:
            self.app.notify(str(exc), title="Not chased", severity="error", timeout=10)
            return
        self.app.notify(f"{chased.reference}: chased ({chased.chase_count} so far). Chase by phone or email, "
                        "then record the reply with a.", title="Chased")
        self.reload()
