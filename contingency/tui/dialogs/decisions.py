"""Small modal forms: change status with a reason, record a decision, confirm."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, Select, Static, TextArea

from contingency.rules.times import BadDate, format_local, parse_local_datetime
from contingency.services.decisions import (
    decision_times,
    record_decision,
    why_reason_needed,
)
from contingency.services.errors import BadInput
from contingency.services.incidents import get_incident
from contingency.tui.literal import Literal
from contingency.tui.plain import plain
from contingency.tui.base import Dialog
from contingency.tui.widgets.fields import Field


class ChoiceWithReason(Dialog):
    """Pick one of `choices` and give a reason; `act(choice, reason, detail)` saves it while the form is still
    open, so a refusal or a busy store keeps what was typed, and returns what to tell the officer. Dismisses
    with (choice, reason, detail) once saved, or None."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="save", tooltip="Save with this reason")]

    def __init__(self, title: str, choices: list[tuple[str, str]], act: Callable[[str, str, str], str | None], *,
                 current: str | None = None, reason_required: bool = True, detail_label: str | None = None) -> None:
        super().__init__()
        self.act = act
        self.title_text = title
        self.choices = choices
        self.current = current
        self.reason_required = reason_required
        self.detail_label = detail_label

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Literal(self.title_text, classes="dialog-title")
            yield Field("Choose", Select(self.choices, allow_blank=False, id="choice",
                                         value=self.current if self.current in dict((v, k) for k, v in self.choices)
                                         else self.choices[0][1]))
            if self.detail_label:
                yield Field(self.detail_label, Input(id="detail"), id="f-detail")
            yield Field("Reason" + ("" if self.reason_required else " (optional)"),
                        Input(id="reason"), id="f-reason")
            yield Static("", id="dialog-error", markup=False)
            yield Button("Save (ctrl+s)", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#choice", Select).focus()

    @on(Button.Pressed, "#save")
    @on(Input.Submitted, "#reason")
    def action_save(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if self.reason_required and not reason:
            self.query_one("#f-reason", Field).show("a reason is needed: it is kept in the log")
            self.focus_first_error()
            return
        detail = self.query_one("#detail", Input).value.strip() if self.detail_label else ""
        choice = str(self.query_one("#choice", Select).value)
        try:
            # A StoreBusy from here is caught by Dialog, which keeps the form and retries this same save.
            message = self.act(choice, reason, detail)
        except BadInput as exc:
            self.query_one("#dialog-error", Static).update(f"✗ {plain(exc)}")
            return
        if message:
            self.notify(message, title="Saved", markup=False)
        self.dismiss((choice, reason, detail))


class DecisionDialog(Dialog):
    """A JESIP-style decision entry: decision, options considered, rationale, powers, when decided."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="save", tooltip="Record the decision")]
    HELP = ("A decision entry is never edited. Give when it was decided if it was not just now; an entry logged "
            "over an hour late, or dated before the incident was opened, needs a reason.")
    FIELDS = {"decision": "f-decision", "rationale": "f-rationale", "decided_at": "f-decided-at",
              "late_reason": "f-late"}

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Static("Record a decision", classes="dialog-title")
            yield Static("Entries are never edited or erased; a correction is a new entry (brief rule 27).",
                         classes="hint")
            yield Field("Decision", Input(id="decision"), id="f-decision")
            yield Field("Options considered (separate with ;)", Input(id="options"), id="f-options")
            yield Field("Rationale", TextArea(id="rationale"), id="f-rationale")
            yield Field("Powers relied on", Input(id="powers", placeholder="e.g. Care Act 2014 s.48(2)"))
            yield Field("When decided (blank = now)", Input(id="decided-at", placeholder="e.g. 01:55"),
                        id="f-decided-at")
            yield Field("Reason for the timing", Input(id="late", placeholder="only if asked"), id="f-late")
            yield Button("Record (ctrl+s)", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#decision", Input).focus()

    def _decided_at(self) -> datetime:
        when_text = self.query_one("#decided-at", Input).value.strip()
        now = self.capp.clock()
        return parse_local_datetime(when_text, now=now) if when_text else now

    @on(Input.Changed, "#decided-at")
    def check_when(self) -> None:
        """Both times as soon as the time reads, and whether the timing needs a reason, before saving."""
        now = self.capp.clock()
        when_field, late_field = self.query_one("#f-decided-at", Field), self.query_one("#f-late", Field)
        try:
            decided_at = self._decided_at()
        except BadDate as exc:
            when_field.show(plain(exc, sentence=False))
            return
        when_field.show(None, f"decided {format_local(decided_at, now=now)} · recorded {format_local(now, now=now)}")
        why = why_reason_needed(decided_at, now, get_incident(self.store, self.incident_id).opened_at)
        late_field.hint = f"needed: {why}" if why else ""
        if not late_field.has_error:
            late_field.show(None)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        try:
            decided_at = self._decided_at()
        except BadDate as exc:
            self.query_one("#f-decided-at", Field).show(plain(exc, sentence=False))
            self.focus_first_error()
            return
        options = tuple(o.strip() for o in self.query_one("#options", Input).value.split(";") if o.strip())
        try:
            entry = record_decision(
                self.store, self.incident_id, decision=self.query_one("#decision", Input).value,
                rationale=self.query_one("#rationale", TextArea).text, decided_at=decided_at, options=options,
                powers=self.query_one("#powers", Input).value, late_reason=self.query_one("#late", Input).value)
        except BadInput as exc:
            self.place_error(exc, self.FIELDS)
            return
        self.notify(f"Decision {entry.id} recorded: {decision_times(entry, self.capp.clock())}", markup=False)
        self.dismiss(entry.id)

