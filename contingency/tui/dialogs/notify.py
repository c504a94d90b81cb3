"""Notification dialogs: read a letter, generate letters, record sent and replies.

Each dialog calls the notifications service itself, so a refusal (an exercise not confirmed, a letter
not yet generated) is shown inside the dialog in words and nothing typed is lost.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Markdown, Select, Static

from contingency.notification import DocumentFormat, Notification, NotificationKind
from contingency.rules.notifications import EXERCISE_MARK
from contingency.rules.times import BadDate, parse_local_datetime
from contingency.rules.words import plural
from contingency.services import notifications as service
from contingency.services.errors import BadInput
from contingency.tui.literal import Literal
from contingency.tui.base import Dialog
from contingency.tui.dialogs.work import WorkDialog
from contingency.tui.widgets.fields import Field


def default_folder(incident_id: int) -> str:
    return f"~/contingency-letters/INC{incident_id}"


class WordedCheckbox(Checkbox):
    """A checkbox whose label says YES or NO: the box alone shows its state only by colour."""

    def __init__(self, words: str, value: bool = False, *, id: str | None = None) -> None:
        self.words = words
        super().__init__(self._worded(value), value, id=id, compact=True)

    def _worded(self, value: bool) -> str:
        return f"{self.words}: {'YES' if value else 'NO'}"

    def watch_value(self) -> None:
        super().watch_value()
        self.label = self._worded(self.value)


class _NotificationDialog(Dialog):
    """A dialog about one notification of one incident."""

    def __init__(self, incident_id: int, notification: Notification) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.notification = notification

    def _when(self) -> tuple[bool, datetime | None]:
        """The time typed in #at (blank means now, passed on as None), or show why it is unreadable."""
        at_text = self.query_one("#at", Input).value.strip()
        try:
            return True, parse_local_datetime(at_text, now=self.capp.clock()) if at_text else None
        except BadDate as exc:
            self.query_one("#f-at", Field).show(str(exc))
            return False, None


class PreviewDialog(Dialog):
    """The letter as it will be written, in the terminal. Arrow keys and page keys scroll."""

    DEFAULT_CSS = """
    PreviewDialog #dialog { width: 100%; height: 100%; max-height: 100%; }
    """
    HELP = "The letter as the next generation will write it. Nothing is saved until you generate it (g)."

    def __init__(self, notification: Notification, text: str) -> None:
        super().__init__()
        self.notification = notification
        self.text = text

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Literal(f"Preview of {self.notification.reference} to {self.notification.recipient_name} "
                          "(escape closes)", classes="dialog-title")
            # The letter quotes names from providers' lists: a "[text](url)" in one is shown, never opened.
            yield Markdown(self.text, id="letter", open_links=False)

    def on_mount(self) -> None:
        self.query_one("#dialog").focus()


class GenerateDialog(WorkDialog):
    BINDINGS = [Binding("ctrl+s", "run", "Generate", id="run-generate",
                        tooltip="Write the letters to the folder")]
    DEFAULT_CSS = """
    GenerateDialog #formats { height: 1; margin: 0 0 1 0; }
    GenerateDialog #formats Checkbox { width: auto; margin-right: 2; }
    """
    HELP = ("Writes each letter as PDF (to attach to secure email) and DOCX (to edit on letterhead) into the "
            "folder, and records each file's SHA-256. An out-of-date letter becomes a new version. The files "
            "are readable by you only. Escape stops between letters; those written are kept.")
    RUNNING = "Writing… (escape stops)"

    def __init__(self, incident_id: int, notification: Notification) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.notification = notification
        self.folder = Path(default_folder(incident_id))

    def button_label(self) -> str:
        return "Generate (ctrl+s)"

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Static("Generate letters", classes="dialog-title")
            if self.capp.store.is_exercise:
                yield Static(f"Every document will say {EXERCISE_MARK} in its header, footer and file name.",
                             classes="hint", markup=False)
            yield Field("Folder", Input(default_folder(self.incident_id), id="folder"), id="f-folder")
            yield Field("Which letters", Select([
                (f"This one: {self.notification.reference}", "one"),
                ("Every letter to a body", "bodies"),
                ("Every letter, bodies and people", "all"),
            ], allow_blank=False, value="one", id="scope"))
            with Horizontal(id="formats"):
                yield WordedCheckbox("PDF (to send)", value=True, id="pdf")
                yield WordedCheckbox("DOCX (to edit)", value=True, id="docx")
            yield from self.compose_work()

    def on_mount(self) -> None:
        self.query_one("#folder", Input).focus()

    @on(Button.Pressed, "#run")
    @on(Input.Submitted, "#folder")
    def action_run(self) -> None:
        if not self.ready_to_run():
            return
        formats = [f for f, box in ((DocumentFormat.PDF, "#pdf"), (DocumentFormat.DOCX, "#docx"))
                   if self.query_one(box, Checkbox).value]
        if not formats:
            self.query_one("#f-folder", Field).show("choose at least one format: PDF or DOCX")
            return
        scope = self.query_one("#scope", Select).value
        self.folder = Path(self.query_one("#folder", Input).value.strip() or default_folder(self.incident_id))
        self.query_one("#f-folder", Field).show(None)
        self.query_one("#work-result", Static).update("")
        incident_id, folder, reference = self.incident_id, self.folder, self.notification.reference

        def job(store, reporter):
            return service.generate(store, incident_id, folder, formats=formats,
                                    recipients=[reference] if scope == "one" else None,
                                    include_people=scope == "all", progress=reporter.progress,
                                    cancelled=reporter.cancelled, max_person_letters=service.PERSON_LETTERS_IN_TUI)

        self.start("Reading the roster, then writing letters…", job)

    def finished(self, files: list[service.GeneratedFile]) -> None:
        letters = len({f.notification.reference for f in files})
        shown = "\n".join(f"• {f.path.name}" for f in files[:4])
        more = f"\n… and {len(files) - 4} more" if len(files) > 4 else ""
        # A name the PDF's font cannot print is said out loud, never left as a box in a letter nobody reread.
        warnings = "".join(f"\n⚠ {f.path.name}: {f.warning}" for f in files if f.warning)
        self.query_one("#work-result", Static).update(
            f"✓ Wrote {plural(len(files), 'file')} ({plural(letters, 'letter')}) to "
            f"{self.folder.expanduser()}:\n{shown}{more}{warnings}")
        self.query_one("#dialog", VerticalScroll).scroll_end(animate=False)

    def failed(self, message: str) -> None:
        self.query_one("#f-folder", Field).show(message)


class SentDialog(_NotificationDialog):
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="save", tooltip="Record it as sent")]
    HELP = "Record how and when the letter went. On an exercise store you must confirm no real recipient got it."

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        n = self.notification
        with VerticalScroll(id="dialog"):
            yield Literal(f"Mark sent: {n.reference} to {n.recipient_name}", classes="dialog-title")
            placeholder = "post, by hand, email" if n.kind is NotificationKind.PERSON else "secure email to …"
            yield Field("How it was sent", Input(id="channel", placeholder=placeholder), id="f-channel")
            yield Field("When (blank = now)", Input(id="at", placeholder="e.g. 02:15"), id="f-at")
            if self.capp.store.is_exercise:
                yield WordedCheckbox("EXERCISE: sent only to exercise participants, no real recipient",
                                     id="confirm-exercise")
            yield Static("", id="dialog-error", markup=False)
            yield Button("Save (ctrl+s)", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#channel", Input).focus()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        ok, at = self._when()
        if not ok:
            return
        confirmed = bool(self.query("#confirm-exercise")) and self.query_one("#confirm-exercise", Checkbox).value
        try:
            sent = service.mark_sent(self.store, self.incident_id, self.notification.reference,
                                     self.query_one("#channel", Input).value, at, exercise_confirmed=confirmed)
        except BadInput as exc:
            self.query_one("#dialog-error", Static).update(f"✗ {exc}")
            return
        self.notify(f"{sent.reference} recorded as sent", title="Saved")
        self.dismiss(sent.id)


class AcknowledgeDialog(_NotificationDialog):
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="save", tooltip="Record the reply")]
    HELP = "Record who replied and what they said; the letter leaves the chase list."

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        n = self.notification
        with VerticalScroll(id="dialog"):
            yield Literal(f"Reply to {n.reference} from {n.recipient_name}", classes="dialog-title")
            yield Field("Who replied, and what", Input(id="summary"), id="f-summary")
            yield Field("When (blank = now)", Input(id="at", placeholder="e.g. 09:30"), id="f-at")
            yield Static("", id="dialog-error", markup=False)
            yield Button("Save (ctrl+s)", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#summary", Input).focus()

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        ok, at = self._when()
        if not ok:
            return
        try:
            done = service.acknowledge(self.store, self.incident_id, self.notification.reference,
                                       self.query_one("#summary", Input).value, at)
        except BadInput as exc:
            self.query_one("#dialog-error", Static).update(f"✗ {exc}")
            return
        self.notify(f"{done.reference}: reply recorded", title="Saved")
        self.dismiss(done.id)
