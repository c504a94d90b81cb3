"""Small modal forms: change status with a reason, record a decision, confirm."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, Select, Static, TextArea

from contingency.rules.times import BadDate, parse_local_datetime
from contingency.services.errors import BadInput
from contingency.tui.screens.base import Dialog
from contingency.tui.widgets.fields import Field


class ChoiceWithReason(Dialog):
    """Pick one of `choices` and give a reason. Dismisses with (choice, reason, detail) or None."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="save", priority=True, tooltip="Save with this reason")]

    def __init__(self, title: str, choices: list[tuple[str, str]], *, current: str | None = None,
                 reason_required: bool = True, detail_label: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current
        self.reason_required = reason_required
        self.detail_label = detail_label

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Field("Choose", Select(self.choices, allow_blank=False, id="choice",
                                         value=self.current if self.current in dict((v, k) for k, v in self.choices)
                                         else self.choices[0][1]))
            if self.detail_label:
                yield Field(self.detail_label, Input(id="detail"), id="f-detail")
            yield Field("Reason" + ("" if self.reason_required else " (optional)"),
                        Input(id="reason"), id="f-reason")
            yield Button("Save (ctrl+s)", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#choice", Select).focus()

    @on(Button.Pressed, "#save")
    @on(Input.Submitted, "#reason")
    def action_save(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if self.reason_required and not reason:
            self.query_one("#f-reason", Field).show("a reason is needed: it is kept in the log")
            return
        detail = self.query_one("#detail", Input).value.strip() if self.detail_label else ""
        self.dismiss((str(self.query_one("#choice", Select).value), reason, detail))


class DecisionDialog(Dialog):
    """A JESIP-style decision entry: decision, options considered, rationale, powers, when decided."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="save", priority=True, tooltip="Record the decision")]

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
            yield Field("If logged late, why", Input(id="late"))
            yield Button("Record (ctrl+s)", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#decision", Input).focus()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        decision = self.query_one("#decision", Input).value.strip()
        rationale = self.query_one("#rationale", TextArea).text.strip()
        when_text = self.query_one("#decided-at", Input).value.strip()
        now = self.capp.clock()
        ok = True
        for field_id, value, message in (("f-decision", decision, "say what was decided"),
                                         ("f-rationale", rationale, "say why: the rationale is required")):
            self.query_one(f"#{field_id}", Field).show(None if value else message)
            ok = ok and bool(value)
        try:
            decided_at = parse_local_datetime(when_text, now=now) if when_text else now
        except BadDate as exc:
            self.query_one("#f-decided-at", Field).show(str(exc))
            return
        if not ok:
            return
        late = self.query_one("#late", Input).value.strip()
        if (now - decided_at).total_seconds() > 3600 and not late:
            self.query_one("#f-decided-at", Field).show("logged over an hour after deciding: say why below")
            return
        options = tuple(o.strip() for o in self.query_one("#options", Input).value.split(";") if o.strip())
        try:
            entry = self.store.decisions.add(
                incident_id=self.incident_id, decision=decision, rationale=rationale, decided_at=decided_at,
                options=options, powers=self.query_one("#powers", Input).value.strip(), late_reason=late)
        except BadInput as exc:
            self.capp.report(exc)
            return
        self.notify(f"Decision {entry.id} recorded")
        self.dismiss(entry.id)
