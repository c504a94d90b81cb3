"""Add a person, or edit one: every field checked as you type; flagged fields first."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, Static

from contingency.person import Person
from contingency.rules.columns import CANONICAL
from contingency.rules.normalise import FieldProblem
from contingency.services.errors import BadInput
from contingency.services.people import (
    add_person,
    edit_person,
    field_parser,
    parse_changes,
)
from contingency.tui.screens.base import Dialog
from contingency.tui.widgets.fields import Field

HINTS = {
    "date_of_birth": "day first, e.g. 03/04/1940",
    "nhs_number": "10 digits; spaces are fine",
    "funding": "LA, Private, DP, CHC, FNC, Joint, S117, Unknown, or a council's name",
    "funding_body": "the council that arranged or pays (name or code)",
    "or_code": "the council where they are ordinarily resident",
    "weekly_cost_pence": "pounds, e.g. 1234.50",
    "rag": "RED, AMBER or GREEN (a reason is required)",
    "status": "with-provider, alternative-arranged, moved, in-hospital, deceased, own-arrangements, care-resumed",
}


def shown(person: Person | None, field: str) -> str:
    """The value as an officer would type it back."""
    if person is None:
        return ""
    for issue in person.facts.issues:
        if issue.field == field:
            return issue.value
    value: Any = getattr(person.facts, field)
    if value is None:
        return ""
    if field == "date_of_birth":
        return value.strftime("%d/%m/%Y")
    if field == "weekly_cost_pence":
        return f"{value / 100:.2f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "value"):
        return str(value.value)
    return str(value)


class PersonForm(Dialog):
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="save", priority=True, tooltip="Save the changes")]

    def __init__(self, *, person: Person | None = None, incident_id: int | None = None) -> None:
        super().__init__()
        self.person = person
        self.incident_id = person.incident_id if person else incident_id
        flagged = [i.field for i in person.facts.issues] if person else []
        self.fields = [f for f in CANONICAL if f in flagged] + [f for f in CANONICAL if f not in flagged]
        self.initial = {f: shown(person, f) for f in self.fields}

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            title = f"Edit {self.person.facts.display_name}" if self.person else "Add a person"
            yield Static(title, classes="dialog-title", markup=False)
            issues = {i.field: i for i in self.person.facts.issues} if self.person else {}
            for field in self.fields:
                field_widget = Field(CANONICAL[field], Input(value=self.initial[field], id=f"in-{field}"),
                                     hint=HINTS.get(field, ""), id=f"f-{field}")
                yield field_widget
            yield Field("Reason for the change (needed to change recorded needs)", Input(id="reason"), id="f-reason")
            yield Button("Save (ctrl+s)", variant="primary", id="save")
            self._issues = issues

    def on_mount(self) -> None:
        for field, issue in self._issues.items():
            if self.query(f"#f-{field}"):
                self.query_one(f"#f-{field}", Field).show(issue.message)
        self.query_one(f"#in-{self.fields[0]}", Input).focus()

    @on(Input.Changed)
    def check(self, event: Input.Changed) -> None:
        field = (event.input.id or "").removeprefix("in-")
        if field not in self.initial:
            return
        parser = field_parser(self.store)
        try:
            parser.parse(field, event.value)
        except FieldProblem as problem:
            self.query_one(f"#f-{field}", Field).show(str(problem))
        else:
            self.query_one(f"#f-{field}", Field).show(None)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        raw = {f: self.query_one(f"#in-{f}", Input).value for f in self.fields
               if self.query_one(f"#in-{f}", Input).value != self.initial[f]}
        reason = self.query_one("#reason", Input).value.strip() or None
        if not raw:
            self.dismiss(None)
            return
        try:
            changes = parse_changes(self.store, raw)
            if self.person is None:
                person = add_person(self.store, self.incident_id, changes, reason=reason)
            else:
                person = edit_person(self.store, self.person.id, changes, reason=reason)
        except BadInput as exc:
            self.place_error(exc, {field: f"f-{field}" for field in self.fields})
            return
        self.notify(f"Saved {person.facts.display_name}: basis {person.determination.basis.label}")
        self.dismiss(person.id)
