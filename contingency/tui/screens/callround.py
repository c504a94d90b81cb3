"""The welfare call-round for one incident: who to ring next, in order, and a dialog to record each call."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Button, DataTable, Input, Select, Static

from contingency.rules.callround import (
    OUTCOME_LABELS,
    TIME_CRITICAL_LABELS,
    TIME_CRITICAL_SHORT,
    Outcome,
)
from contingency.rules.times import format_local
from contingency.services.callround import (
    CallRound,
    call_round,
    cover_words,
    due_words,
    outcome_words,
    record_call,
    visit_words,
)
from contingency.services.errors import BadInput
from contingency.tui.literal import Literal, cell
from contingency.tui.plain import plain
from contingency.tui.base import AppScreen, Dialog
from contingency.tui.widgets.fields import Field

_KEY_WORDS = ", ".join(f"{TIME_CRITICAL_SHORT[k]} {label}" for k, label in TIME_CRITICAL_LABELS.items())


class CallRoundScreen(AppScreen):
    TITLE = "Call-round"
    HELP = ("Everyone whose safety is not yet confirmed, in the order to ring: RED first, then the next missed "
            "visit (MISSED when it is already past and nobody covers it), then time-critical needs "
            f"({_KEY_WORDS}). `r` or `enter` records a call; safe with family, visit arranged, in hospital and "
            "died take the person off the list. A 'no answer' escalates on a timer: first the next of kin, then "
            "a police or ambulance welfare check; the due time shows in the last column and in What's next. "
            "`u` lists the uncovered time-critical visits in the next 12 hours and the bridges; `a` also shows "
            "the people confirmed or settled.")
    BINDINGS = [
        Binding("r", "record", "Record call", id="record-call", tooltip="Record a welfare call for this person"),
        Binding("u", "uncovered", "Uncovered", id="uncovered",
                tooltip="Time-critical visits in the next 12 hours that nobody covers, and the bridges"),
        Binding("a", "confirmed", "Confirmed", id="confirmed", tooltip="People confirmed safe or settled, and why"),
        Binding("b", "bridge", "Bridge", id="bridge",
                tooltip="Record who covers which visits from when (a bridge), so they stop counting as uncovered"),
        Binding("f5", "refresh", "Refresh", id="refresh-round", show=False, tooltip="Work the list out again now"),
        Binding("escape", "back", "Back", id="back", tooltip="Back to the incident"),
    ]
    DEFAULT_CSS = """
    CallRoundScreen #round-table { height: 1fr; }
    CallRoundScreen #round-gaps { height: auto; max-height: 2; }
    """

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.view: CallRound | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        yield Literal("", id="round-title", classes="screen-title")
        yield Static("", id="round-gaps", markup=False)
        yield DataTable(id="round-table", cursor_type="row", zebra_stripes=True)
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self.query_one("#round-table", DataTable)
        table.add_column("Person", key="person")
        table.add_column("RAG", key="rag", width=5)
        table.add_column("Next visit", key="visit", width=12)
        table.add_column("Critical", key="critical", width=9)
        table.add_column("Last call", key="last", width=12)
        table.add_column("Next due", key="due", width=11)
        self.reload()
        self.set_interval(60, self.reload)  # MISSED and OVERDUE move with the clock

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        now = self.capp.clock()
        self.view = view = call_round(self.store, self.incident_id, now=now)
        table = self.query_one("#round-table", DataTable)
        selected = table.cursor_row
        table.clear()
        for row in view.rows:
            rag = row.rag.value if row.rag else "none"
            visit = visit_words(row.next_missed, now)
            due = due_words(row.next, now)
            table.add_row(
                cell(row.name),
                cell(rag, style="bold red" if rag == "RED" else ""),
                cell(visit, style="bold" if visit.startswith("MISSED") else ""),
                cell(" ".join(TIME_CRITICAL_SHORT[c] for c in row.critical)),
                cell(outcome_words(row)),
                cell(due, style="bold red" if due.startswith("OVERDUE") else ""),
                key=str(row.person_id))
        if view.rows:
            table.move_cursor(row=min(max(selected, 0), len(view.rows) - 1))
        table.focus()
        self.query_one("#round-title", Literal).update(
            f"Call-round: {view.incident.facts.provider_name} · as at {format_local(now)}")
        gaps = view.counts_line()
        if view.uncovered:
            first = view.uncovered[0]
            gaps += f"\nNext uncovered: {format_local(first[1], now=now)} {first[0].name} (u lists them all)"
        elif not view.rows:
            gaps += "\nNobody left to ring: everyone's safety is confirmed or settled (a shows why)."
        self.query_one("#round-gaps", Static).update(gaps)

    def _selected_person(self) -> int | None:
        table = self.query_one("#round-table", DataTable)
        if not self.view or not self.view.rows or table.row_count == 0:
            return None
        return self.view.rows[table.cursor_row].person_id

    def action_record(self) -> None:
        person_id = self._selected_person()
        if person_id is None:
            self.notify("Nobody is left on the call-round.", markup=False)
            return
        name = next(r.name for r in self.view.rows if r.person_id == person_id)
        self.app.push_screen(RecordCallDialog(person_id, name), lambda _: self.reload())

    @on(DataTable.RowSelected, "#round-table")
    def row_selected(self) -> None:
        self.action_record()

    def action_uncovered(self) -> None:
        from contingency.tui.dialogs.money import DetailDialog

        view = self.view or call_round(self.store, self.incident_id, now=self.capp.clock())
        now = view.now
        lines = [view.counts_line(), ""]
        lines += [f"{format_local(m, now=now)}  {r.name}: {', '.join(c.label for c in r.critical)}"
                  for r, m in view.uncovered] or ["No time-critical visit in the next 12 hours is uncovered."]
        if view.critical_without_times:
            lines += ["", "Time-critical, but no visit times known (ask the provider):"]
            lines += [f"  {r.name}" for r in view.critical_without_times]
        lines += ["", "Bridges:"] + ([f"  {cover_words(c, now)}" for c in view.covers] or
                                     ["  none recorded ('contingency callround cover' records one)"])
        self.app.push_screen(DetailDialog("Uncovered time-critical visits", "\n".join(lines)))

    def action_confirmed(self) -> None:
        from contingency.tui.dialogs.money import DetailDialog

        view = self.view or call_round(self.store, self.incident_id, now=self.capp.clock())
        lines = [f"{r.name}: {r.off_list_because}" for r in view.off] or ["Nobody is confirmed safe yet."]
        self.app.push_screen(DetailDialog("Confirmed safe or settled", "\n".join(lines)))

    def action_refresh(self) -> None:
        self.reload()

    def action_bridge(self) -> None:
        from contingency.services.callround import record_cover
        from contingency.tui.dialogs.money import ActionDialog, Ask

        def act(values: dict[str, object]) -> str:
            cover = record_cover(self.store, self.incident_id, covered_by=str(values["covered_by"]),
                                 starts=str(values["starts"]), ends=str(values["ends"]) or None,
                                 visits=str(values["visits"]), people=str(values["people"]) or None,
                                 note=str(values["note"]))
            return f"Bridge recorded: {cover.cover.covered_by}"

        asks = [Ask("covered_by", "Provider or team"), Ask("starts", "From", placeholder="e.g. 06:00 or 02/12/2026 06:00"),
                Ask("ends", "Until (optional)", placeholder="until further notice"),
                Ask("visits", "Only these visits", placeholder="all, or e.g. breakfast, 12:00"),
                Ask("people", "Only these people", placeholder="everyone, or ids or provider refs, commas"),
                Ask("note", "Note")]
        self.app.push_screen(ActionDialog("Record a bridge: who covers which visits", asks, act,
                                          hint="Covered visits stop counting as uncovered from the time given."),
                             lambda _: self.reload())

    def action_back(self) -> None:
        self.app.pop_screen()


class RecordCallDialog(Dialog):
    """One welfare call: who was rung, the outcome, a note, the next action and when. Saved while the form is
    open, so a refusal or a busy store keeps what was typed."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="save", tooltip="Record the call")]
    HELP = ("Safe with family, visit arranged, in hospital and died take the person off the call-round. "
            "A 'no answer' sets the escalation timer. A call is never edited: record another call.")
    FIELDS = {"note": "f-note", "next_at": "f-next-at", "called_at": "f-called-at", "called_by": "f-by",
              "outcome": "f-outcome"}

    def __init__(self, person_id: int, name: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.name_text = name

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Literal(f"Record a call: {self.name_text}", classes="dialog-title")
            yield Field("Outcome", Select([(label, o.value) for o, label in OUTCOME_LABELS.items()],
                                          allow_blank=False, value=Outcome.NO_ANSWER.value, id="outcome"),
                        id="f-outcome")
            yield Field("Who was rung", Input(id="called", placeholder="the person"), id="f-called")
            yield Field("Note", Input(id="note", placeholder="what was found or agreed"), id="f-note")
            yield Field("Next action", Input(id="next-action", placeholder="e.g. ring back"), id="f-next-action")
            yield Field("Next action due", Input(id="next-at", placeholder="e.g. 02:30"), id="f-next-at")
            yield Field("Called by", Input(id="by", value=self.store.officer), id="f-by")
            yield Static("", id="dialog-error", markup=False)
            yield Button("Record (ctrl+s)", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#outcome", Select).focus()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        def value(widget_id: str) -> str:
            return self.query_one(f"#{widget_id}", Input).value

        try:
            # A StoreBusy from here is caught by Dialog, which keeps the form and retries this same save.
            call = record_call(self.store, self.person_id, outcome=str(self.query_one("#outcome", Select).value),
                               note=value("note"), called=value("called"), next_action_text=value("next-action"),
                               next_at=value("next-at"), called_by=value("by"))
        except BadInput as exc:
            if str(exc).partition(":")[0].strip() in self.FIELDS:
                self.place_error(exc, self.FIELDS)
            else:
                self.query_one("#dialog-error", Static).update(f"✗ {plain(exc)}")
            return
        where = "off the call-round" if call.off_list else "still on the call-round"
        self.notify(f"{self.name_text}: {call.outcome.label} ({where})", title="Call recorded", markup=False)
        self.dismiss(call.id)
