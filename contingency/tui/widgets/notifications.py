"""The incident's notifications: every body and person to tell, with people count, status and reply-by.

Words carry the state (NOT SENT, OUT OF DATE, OVERDUE 5h 10m), colour only repeats it. Keys act on
the selected letter: preview, generate, mark sent, acknowledgement, chase.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from contingency.notification import HeldBack, Notification, NotificationKind
from contingency.rules.notifications import state_words
from contingency.rules.times import format_local
from contingency.services import notifications as service
from contingency.services.errors import BadInput
from contingency.store import Store


def short_name(store: Store, notification: Notification) -> str:
    """Names that fit 80 columns: Bradford, West Yorkshire ICB, CQC, Letter: Ada Exampleton."""
    kind, _, code = notification.recipient_ref.partition(":")
    if notification.kind is NotificationKind.PERSON:
        return f"Letter: {notification.recipient_name}"
    if notification.kind is NotificationKind.CQC:
        return "CQC"
    if kind == "la":
        found = store.authorities.get(code)
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
    NotificationsView DataTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("v", "preview", "Preview", id="notify-preview", tooltip="Read the letter as it will be written"),
        Binding("g", "generate", "Generate", id="notify-generate", tooltip="Write the letter(s) as PDF and DOCX"),
        Binding("m", "mark_sent", "Sent", id="notify-sent", tooltip="Record that the letter was sent, and how"),
        Binding("a", "acknowledge", "Reply", id="notify-ack", tooltip="Record the recipient's acknowledgement"),
        Binding("h", "chase", "Chase", id="notify-chase", tooltip="Record that an unanswered letter was chased"),
    ]

    PERSON_ROWS = 200  # the table is for working through bodies; 50,000 person letters are for `contingency letters`

    def __init__(self, store: Store, incident_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.incident_id = incident_id
        self.synced_version = -1
        self.held: tuple[HeldBack, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static("", id="notify-summary", markup=False)
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

    def reload(self) -> None:
        table = self.query_one("#notify-table", DataTable)
        selected = self.selected_id()
        version = self.store.notifications.roster_version(self.incident_id)
        if version != self.synced_version:  # reading a big roster takes seconds: only when it changed
            try:
                self.held = service.sync(self.store, self.incident_id).held
            except BadInput as exc:
                self.query_one("#notify-summary", Static).update(str(exc))
                return
            self.synced_version = version
        now = self.store.clock()
        notifications = self.store.notifications.latest(self.incident_id)
        bodies = [n for n in notifications if n.kind is not NotificationKind.PERSON]
        persons = [n for n in notifications if n.kind is NotificationKind.PERSON]
        table.clear()
        for n in bodies + persons[: self.PERSON_ROWS]:
            people = "counts" if n.kind is NotificationKind.CQC else str(len(n.people))
            # Until a letter is generated its reply-by time is not yet set in ink.
            reply = format_local(n.reply_by, now=now) if n.reply_by and n.issued_at else "-"
            table.add_row(short_name(self.store, n), people, n.status.value, reply, _styled(state_words(n, now)),
                          key=str(n.id))
        lines = [(f"{len(bodies)} bodies and {len(persons):,} people to tell; each body hears only about "
                  "its own people")]
        if len(persons) > self.PERSON_ROWS:
            lines[0] += f" ({len(persons) - self.PERSON_ROWS:,} person letters not listed: 'contingency letters')"
        lines += [f"HELD BACK {h.name}: {h.reason}" for h in self.held]
        self.query_one("#notify-summary", Static).update("\n".join(lines))
        if selected is not None and str(selected) in [str(k.value) for k in table.rows]:
            table.move_cursor(row=table.get_row_index(str(selected)))

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
        return self.store.notifications.get(found)

    def focus_table(self) -> None:
        self.query_one("#notify-table", DataTable).focus()

    # --- actions ------------------------------------------------------------------------------------

    def action_preview(self) -> None:
        from contingency.tui.screens.notify_dialogs import PreviewDialog

        notification = self.selected()
        if notification is None:
            return
        try:
            text = service.preview(self.store, self.incident_id, notification.reference)
        except BadInput as exc:
            self.app.notify(str(exc), title="Cannot preview", severity="error", timeout=10)
            return
        self.app.push_screen(PreviewDialog(notification, text))

    def action_generate(self) -> None:
        from contingency.tui.screens.notify_dialogs import GenerateDialog

        notification = self.selected()
        if notification is not None:
            self.app.push_screen(GenerateDialog(self.incident_id, notification), lambda _: self.reload())

    def action_mark_sent(self) -> None:
        from contingency.tui.screens.notify_dialogs import SentDialog

        notification = self.selected()
        if notification is not None:
            self.app.push_screen(SentDialog(self.incident_id, notification), lambda _: self.reload())

    def action_acknowledge(self) -> None:
        from contingency.tui.screens.notify_dialogs import AcknowledgeDialog

        notification = self.selected()
        if notification is not None:
            self.app.push_screen(AcknowledgeDialog(self.incident_id, notification), lambda _: self.reload())

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
