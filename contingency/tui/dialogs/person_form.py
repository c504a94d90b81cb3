"""Add a person, or edit one: every field checked as you type; flagged fields first."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Button, Input

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
from contingency.tui.literal import Literal
from contingency.tui.base import Dialog
from contingency.tui.widgets.fields import Field, TickBox

HINTS = {
    "date_of_birth": "day first, e.g. 03/04/1940",
    "nhs_number": "10 digits; spaces are fine",
    "funding": "LA, Private, DP, CHC, FNC, Joint, S117, Unknown, or a council's name",
    "funding_body": "the council that arranged or pays (name or code)",
    "or_code": "the council where they are ordinarily resident",
    "weekly_cost_pence": "pounds, e.g. 1234.50",
    "rag": "RED, AMBER or GREEN (a reason is required)",
    "status": "with-provider, alternative-arranged, moved, in-hospital, deceased, own-arrangements, care-resumed",
    "nursing_arranged_urgently": "yes if we arranged registered nursing urgently: ICB consent is then sought (rule 12)",
}

# Fields the form offers that a provider's list (the import template) never carries: only we know them.
FORM_ONLY = {"nursing_arranged_urgently": "Urgent nursing by us"}


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


def _labels() -> dict[str, str]:
    """The template's fields with ours beside the one they qualify (urgent nursing after FNC)."""
    labels: dict[str, str] = {}
    for field, label in CANONICAL.items():
        labels[field] = label
        if field == "fnc":
            labels.update(FORM_ONLY)
    return labels


class PersonForm(Dialog):
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="save", tooltip="Save the changes")]

    def __init__(self, *, person: Person | None = None, incident_id: int | None = None) -> None:
        super().__init__()
        self.person = person
        self.incident_id = person.incident_id if person else incident_id
        flagged = [i.field for i in person.facts.issues] if person else []
        self.labels = _labels()
        self.fields = [f for f in self.labels if f in flagged] + [f for f in self.labels if f not in flagged]
        self.holds_key_safe = bool(person and person.facts.key_safe_code)
        self.initial = {f: shown(person, f) for f in self.fields}

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            title = f"Edit {self.person.facts.display_name}" if self.person else "Add a person"
            yield Literal(title, classes="dialog-title")
            issues = {i.field: i for i in self.person.facts.issues} if self.person else {}
            for field in self.fields:
                field_widget = Field(self.labels[field], Input(value=self.initial[field], id=f"in-{field}"),
                                     hint=HINTS.get(field, ""), id=f"f-{field}")
                yield field_widget
            # The key-safe code is typed masked and never put in the box: a form left open, or a screen shared,
            # must not show someone's door code. Blank keeps whatever is held.
            held = "a code is held; blank keeps it, typing replaces it" if self.holds_key_safe else "none held"
            yield Field("Key safe code", Input(password=True, id="in-key_safe_code", placeholder="(type a new code)"),
                        hint=f"hidden as you type; {held}", id="f-key_safe_code")
            if self.holds_key_safe:
                yield Field("", TickBox("Remove the key-safe code", id="clear-key-safe"), id="f-clear-key-safe")
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
        new_code = self.query_one("#in-key_safe_code", Input).value.strip()
        clear = self.holds_key_safe and self.query_one("#clear-key-safe", TickBox).value
        if new_code and clear:
            self.query_one("#f-key_safe_code", Field).show("type a new code or remove it, not both")
            self.focus_first_error()
            return
        if new_code or clear:
            raw["key_safe_code"] = new_code
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
            self.place_error(exc, {field: f"f-{field}" for field in [*self.fields, "key_safe_code"]})
            return
        self.notify(f"Saved {person.facts.display_name}: basis {person.determination.basis.label}")
        self.dismiss(person.id)
