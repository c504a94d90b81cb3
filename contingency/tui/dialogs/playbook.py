"""Recording a playbook step: complete it with what it asks for, or give a reason, or add a note.

Each dialog saves through the playbook service itself, so a refusal is shown beside the field and
nothing is lost; it dismisses with the saved item, or None when cancelled.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, Markdown, Select, Static, TextArea

from contingency.engine.models import RecordKind
from contingency.engine.plan import PlanItem
from contingency.engine.runs import Answer, required_evidence
from contingency.engine.words import item_label
from contingency.services import playbooks as service
from contingency.services.errors import BadInput
from contingency.tui.literal import Literal, cell
from contingency.tui.plain import plain
from contingency.tui.base import Dialog
from contingency.tui.widgets.fields import Field

OTHER = "__other__"


class _StepDialog(Dialog):
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="save", tooltip="Save and log it")]

    def __init__(self, incident_id: int, item: PlanItem) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.item = item

    def compose_heading(self, action: str) -> ComposeResult:
        yield Literal(f"{action}: {item_label(self.item)}", classes="dialog-title")

    def show_error(self, error: object) -> None:
        self.query_one("#dialog-error", Static).update(f"✗ {self.words(error)}")

    def words(self, error: object) -> str:
        """The service names steps by id; the officer knows them by title, and this dialog is about one."""
        return plain(error, steps={self.item.step.id: self.item.step.title}, this_step=self.item.step.id)

    def saved(self, words: str) -> None:
        self.notify(words, title="Saved")


class CompleteStep(_StepDialog):
    """Asks for exactly what the step's record kind needs (brief rule 27 for decisions)."""

    HELP = "Record what the step asks for. A decision also goes into the decision log with its options and rationale."

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        step = self.item.step
        with VerticalScroll(id="dialog"):
            yield from self.compose_heading("Done")
            yield Static(f"Records {required_evidence(step)}.", classes="hint", markup=False)
            kind = step.record
            if kind is RecordKind.YES_NO:
                yield Field("Answer", Select([("Yes", "yes"), ("No", "no")], prompt="yes or no", id="answer"),
                            id="f-answer")
                yield Field("Reason", Input(id="rationale", placeholder="who confirmed it, and how"), id="f-rationale")
            elif kind is RecordKind.DECISION:
                options = [(cell(f"{n}. {o}"), o) for n, o in enumerate(step.options, 1)] + [("Other: write it below", OTHER)]
                yield Field("Decision", Select(options, prompt="choose", id="decision"), id="f-decision")
                yield Field("Other decision", Input(id="other"), id="f-other")
                yield Field("Rationale", TextArea(id="rationale"), id="f-rationale",
                            hint="why this option; the options above are logged as those considered")
            elif kind is RecordKind.CHOICE:
                options = [(cell(f"{n}. {o}"), o) for n, o in enumerate(step.options, 1)]
                yield Field("Choice", Select(options, prompt="choose", id="choice"), id="f-choice")
            elif kind is RecordKind.COUNT:
                yield Field("How many", Input(id="count", type="integer"), id="f-count")
            elif kind is RecordKind.DOCUMENT:
                yield Field("Document", Input(id="document", placeholder="name or reference, and where it is kept"),
                            id="f-document")
            label = "What was done or found" if kind is RecordKind.NOTE else "Note (optional)"
            yield Field(label, TextArea(id="note"), id="f-note")
            yield Static("", id="dialog-error", markup=False)
            yield Button("Save (ctrl+s)", variant="primary", id="save")

    def on_mount(self) -> None:
        first = next(iter(self.query("#answer, #decision, #choice, #count, #document, #note")))
        first.focus()

    def _value(self, selector: str) -> str:
        found = self.query(selector)
        if not found:
            return ""
        widget = found.first()
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, Select):
            return "" if widget.value is Select.NULL else str(widget.value)
        return widget.value

    def answer(self) -> Answer:
        decision = self._value("#decision")
        count = self._value("#count").strip()
        yes = {"yes": True, "no": False}.get(self._value("#answer"))
        return Answer(
            note=self._value("#note"), yes=yes, rationale=self._value("#rationale"),
            decision=self._value("#other") if decision == OTHER else decision,
            choice=self._value("#choice"), count=int(count) if count.lstrip("-").isdigit() else None,
            document=self._value("#document"),
        )

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        try:
            item = service.complete(self.store, self.incident_id, self.item.step.id, self.answer(),
                                    person_id=self.item.person_id)
        except BadInput as exc:
            self.show_error(exc)
            return
        self.saved(f"{self.item.step.title}: DONE")
        self.dismiss(item)


class ReasonStep(_StepDialog):
    """Not applicable or blocked: both need a reason, kept in the log."""

    def __init__(self, incident_id: int, item: PlanItem, *, blocked: bool) -> None:
        super().__init__(incident_id, item)
        self.blocked = blocked

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield from self.compose_heading("Blocked" if self.blocked else "Not applicable")
            hint = ("What is stopping it, and who can unblock it. The clock keeps running."
                    if self.blocked else "Why this step does not apply here.")
            yield Static(hint, classes="hint", markup=False)
            yield Field("Reason", Input(id="reason"), id="f-reason")
            yield Static("", id="dialog-error", markup=False)
            yield Button("Save (ctrl+s)", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Button.Pressed, "#save")
    @on(Input.Submitted, "#reason")
    def action_save(self) -> None:
        reason = self.query_one("#reason", Input).value
        record = service.block if self.blocked else service.skip
        try:
            item = record(self.store, self.incident_id, self.item.step.id, reason, person_id=self.item.person_id)
        except BadInput as exc:
            self.query_one("#f-reason", Field).show(self.words(exc))
            return
        self.saved(f"{self.item.step.title}: {'BLOCKED' if self.blocked else 'N/A'}")
        self.dismiss(item)


class NoteStep(_StepDialog):
    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield from self.compose_heading("Note")
            yield Static("Notes never change the step's state; they are kept with who and when.",
                         classes="hint", markup=False)
            yield Field("Note", TextArea(id="note"), id="f-note")
            yield Button("Save (ctrl+s)", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#note", TextArea).focus()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        try:
            item = service.add_note(self.store, self.incident_id, self.item.step.id,
                                    self.query_one("#note", TextArea).text, person_id=self.item.person_id)
        except BadInput as exc:
            self.query_one("#f-note", Field).show(self.words(exc))
            return
        self.saved("Note added")
        self.dismiss(item)


class StepGuidance(Dialog):
    """The whole of a step's guidance, for when the pane under the list is too small to read it."""

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Markdown(self.markdown)

    def on_mount(self) -> None:
        self.query_one("#dialog").focus()
