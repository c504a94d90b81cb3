"""Dialogs for costs and claims: add a cost line with a live total, and one small form for every other
step (reverse, re-route, build, submit, payment, dispute, write off, documents, OR dispute).

Each form calls its service itself, so a refusal (a rule, an exercise not confirmed, a bad date) is
shown inside the dialog in words and nothing typed is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from textwrap import shorten

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Select, Static

from contingency.ledger import Category, Unit
from contingency.rules.costs import format_pounds, format_quantity, how_total
from contingency.rules.times import LONDON, BadDate, parse_uk_date
from contingency.services import costs as cost_service
from contingency.services.decisions import decisions_for
from contingency.services.errors import BadInput
from contingency.services.incidents import get_incident
from contingency.tui.literal import Literal, cell
from contingency.tui.plain import plain
from contingency.tui.base import Dialog
from contingency.tui.widgets.fields import Field, TickBox
from contingency.tui.widgets.person_picker import PersonPicker


def read_date(text: str, today: date, what: str) -> date:
    try:
        return parse_uk_date(text.strip(), today=today)
    except BadDate as exc:
        raise BadInput(f"{what}: {exc}") from None


# --- one small form for each step ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """One thing a form asks: an input (text), a checkbox, or a choice from options."""

    key: str
    label: str
    kind: str = "input"  # input, check, select
    placeholder: str = ""
    value: str = ""
    options: tuple[tuple[str, str], ...] = ()


class ActionDialog(Dialog):
    """A titled form; `act(values)` does the work and returns what to tell the officer, or raises BadInput,
    which is shown in the dialog. Dismisses with True once done."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="save", tooltip="Do it")]

    def __init__(self, title: str, asks: list[Ask], act: Callable[[dict[str, object]], str], *, hint: str = "",
                 button: str = "Save") -> None:
        super().__init__()
        self.title_text = title
        self.asks = asks
        self.act = act
        self.hint = hint
        self.button = button

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Literal(self.title_text, classes="dialog-title")
            if self.hint:
                yield Static(self.hint, classes="hint", markup=False)
            for ask in self.asks:
                if ask.kind == "check":
                    yield TickBox(ask.label, id=ask.key, compact=True)
                elif ask.kind == "select":
                    yield Field(ask.label, Select(ask.options, allow_blank=False, id=ask.key,
                                                  value=ask.value or ask.options[0][1]))
                else:
                    yield Field(ask.label, Input(ask.value, placeholder=ask.placeholder, id=ask.key))
            yield Static("", id="dialog-error", markup=False)
            yield Button(f"{self.button} (ctrl+s)", variant="primary", id="save")

    def on_mount(self) -> None:
        first = next((a for a in self.asks if a.kind != "check"), None)
        if first is not None:
            self.query_one(f"#{first.key}").focus()

    def values(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for ask in self.asks:
            widget = self.query_one(f"#{ask.key}")
            if isinstance(widget, Checkbox):
                out[ask.key] = widget.value
            elif isinstance(widget, Select):
                out[ask.key] = str(widget.value)
            else:
                out[ask.key] = widget.value.strip()
        return out

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        try:
            message = self.act(self.values())
        except BadInput as exc:
            self.query_one("#dialog-error", Static).update(f"✗ {plain(exc)}")
            return
        self.notify(message, title="Saved", timeout=8, markup=False)
        self.dismiss(True)


class DetailDialog(Dialog):
    """Read-only text (a cost line, a claim): arrow and page keys scroll; escape closes."""

    DEFAULT_CSS = """
    DetailDialog #dialog { width: 100%; height: 100%; max-height: 100%; }
    """

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Literal(f"{self.title_text} (escape closes)", classes="dialog-title")
            yield Static(self.text, id="detail-text", markup=False)

    def on_mount(self) -> None:
        self.query_one("#dialog").focus()


# --- adding a cost line, with the total worked out as you type ---------------------------------------------------


NEW_DECISION = "new"
UNIT_HINTS = {
    Unit.PER_WEEK: "pro rata by day: rate x days / 7",
    Unit.PER_DAY: "rate x days in the period",
    Unit.PER_HOUR: "rate x hours (the quantity)",
    Unit.PER_VISIT: "rate x visits (the quantity)",
    Unit.ONE_OFF: "one date; quantity = how many (default 1)",
}


class AddCostDialog(Dialog):
    """A cost line: who it was for, what, when, the rate, and the decision that authorised it.

    The total and each person's share update as you type, by the same rule the ledger uses."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="save", tooltip="Record the cost line")]
    DEFAULT_CSS = """
    AddCostDialog #dialog { height: 90%; }
    AddCostDialog #cost-fields { height: 1fr; }
    AddCostDialog #live-total { height: auto; max-height: 3; text-style: bold; border-top: solid $primary; }
    AddCostDialog #live-total.-error { color: $error; }
    AddCostDialog PersonPicker { margin: 0 0 1 0; }
    """
    HELP = ("Money in pounds (stored in pence). Weekly rates are pro rata by day over the period; the total is "
            "rounded once, half up to the penny; shares are equal, leftover pennies to the lowest person ids.")

    def __init__(self, incident_id: int, people_text: str = "") -> None:
        super().__init__()
        self.incident_id = incident_id
        self.people_text = people_text

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        incident = get_incident(self.store, self.incident_id)
        aware = incident.facts.aware_at.astimezone(LONDON).date()
        # Cut at a word, never through one: the select shows a single line.
        decisions = [(cell(f"{d.id}: {shorten(d.decision, 42, placeholder='…')}"), str(d.id))
                     for d in reversed(decisions_for(self.store, self.incident_id))]
        preset = self.people_text.strip()
        with Vertical(id="dialog"):
            yield Static("Add a cost line", classes="dialog-title")
            with VerticalScroll(id="cost-fields"):
                yield from self._fields(preset, aware, decisions)
            # Below the scrolling fields, so the total and the reason it cannot be saved stay in view however
            # far down the form the officer is (docked inside the scroll, it hid the focused field).
            yield Static("", id="live-total", markup=False)

    def _fields(self, preset: str, aware: date, decisions: list[tuple[str, str]]) -> ComposeResult:
        yield PersonPicker(self.store, self.incident_id, label="People (shared equally)",
                           everyone=preset.lower() == "all",
                           chosen=[] if preset.lower() == "all" else _ids(preset), id="people")
        yield Field("Supplier", Input(id="supplier", placeholder="agency, home, taxi firm, in-house"),
                    id="f-supplier")
        yield Field("Category", Select([(c.label, c.value) for c in Category], allow_blank=False,
                                       value=Category.CARE_HOME_PLACEMENT.value, id="category"))
        yield Field("Description", Input(id="description", placeholder="e.g. interim placement, Oakfield"))
        yield Field("Unit", Select([(u.label, u.value) for u in Unit], allow_blank=False,
                                   value=Unit.PER_WEEK.value, id="unit"), id="f-unit",
                    hint=UNIT_HINTS[Unit.PER_WEEK])
        yield Field("Rate (£)", Input(id="rate", placeholder="e.g. 1050 or 28.50"), id="f-rate")
        yield Field("Quantity", Input(id="quantity", placeholder="hours, visits, items (default 1)"),
                    id="f-quantity")
        yield Field("From (day first)", Input(f"{aware:%d/%m/%Y}", id="start"), id="f-start")
        yield Field("To (blank = same day)", Input(id="end", placeholder="e.g. 20/12/2026"), id="f-end")
        yield TickBox("s.49 people: needs the Welsh, Scottish or NI body did not arrange (s.49(3)(d))",
                       id="not-arranged", compact=True)
        yield Field("Authorised by", Select([("A new decision (type it below)", NEW_DECISION), *decisions],
                                            allow_blank=False, value=NEW_DECISION, id="decision"))
        yield Field("Decision", Input(id="decision-text"), id="f-decision-text")
        yield Field("Rationale", Input(id="rationale"), id="f-rationale")
        yield Button("Record (ctrl+s)", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#picker-search" if not self.people_text else "#supplier", Input).focus()
        self._recalculate()

    def _people(self) -> list[int]:
        people = self.query_one(PersonPicker).chosen_ids()
        if not people:
            raise BadInput("choose who it is for: type a name in People")
        return people

    def _period(self) -> tuple[date, date]:
        today = self.capp.clock().astimezone(LONDON).date()
        start = read_date(self.query_one("#start", Input).value, today, "from")
        end_text = self.query_one("#end", Input).value.strip()
        return start, (read_date(end_text, today, "to") if end_text else start)

    def _draft(self) -> tuple[cost_service.Draft, list[int]]:
        people = self._people()
        start, end = self._period()
        rate = self.query_one("#rate", Input).value.strip()
        if not rate:
            raise BadInput("type the rate in pounds")
        draft = cost_service.draft_line(
            category=str(self.query_one("#category", Select).value), unit=str(self.query_one("#unit", Select).value),
            rate=rate, quantity=self.query_one("#quantity", Input).value.strip() or None, period_start=start,
            period_end=end, person_ids=people)
        return draft, people

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(PersonPicker.Changed)
    def _recalculate(self) -> None:
        unit_field = self.query_one("#f-unit", Field)
        unit_field.hint = UNIT_HINTS[Unit(str(self.query_one("#unit", Select).value))]
        unit_field.show(None)
        new = self.query_one("#decision", Select).value == NEW_DECISION
        self.query_one("#f-decision-text").display = new
        self.query_one("#f-rationale").display = new
        total = self.query_one("#live-total", Static)
        try:
            draft, people = self._draft()
        except BadInput as exc:
            total.update(f"Total: ✗ {plain(exc)}")
            total.set_class(True, "-error")
            return
        total.set_class(False, "-error")
        total.update(_total_words(draft, len(people)))

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        decision = self.query_one("#decision", Select).value
        try:
            draft, people = self._draft()
            line = cost_service.add_line(
                self.store, self.incident_id, supplier=self.query_one("#supplier", Input).value,
                category=draft.category.value, unit=draft.unit.value, rate=draft.rate_pence,
                quantity=format_quantity(draft.quantity_milli), period_start=draft.period_start,
                period_end=draft.period_end, person_ids=people,
                description=self.query_one("#description", Input).value,
                decision_id=None if decision == NEW_DECISION else int(str(decision)),
                decision_text=self.query_one("#decision-text", Input).value if decision == NEW_DECISION else "",
                rationale=self.query_one("#rationale", Input).value if decision == NEW_DECISION else "",
                needs_not_arranged=self.query_one("#not-arranged", Checkbox).value)
        except BadInput as exc:
            total = self.query_one("#live-total", Static)
            total.update(f"Not saved: ✗ {plain(exc)}")
            total.set_class(True, "-error")
            return
        self.notify(f"Cost line {line.id}: {format_pounds(line.total_pence)} recorded "
                    f"(decision {line.decision_id})", title="Saved")
        self.dismiss(line.id)


def _ids(text: str) -> list[int]:
    """Ids handed in by the screen that opened the form (the ledger's person filter)."""
    return [int(i) for i in re.findall(r"\d+", text)]


def _total_words(draft: cost_service.Draft, people: int) -> str:
    days = (draft.period_end - draft.period_start).days + 1
    how = how_total(draft.unit, draft.rate_pence, draft.quantity_milli, days)
    amounts = sorted({pence for _, pence in draft.shares}, reverse=True)
    each = " or ".join(format_pounds(p) for p in amounts)
    who = f"{each} each for {people} people" if people > 1 else "for 1 person"
    return f"Total {format_pounds(draft.total_pence)} = {how}, half-up to the penny · {who}"
