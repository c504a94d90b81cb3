"""What's next: across every open incident, the steps overdue or due in the next 12 hours, overdue first."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from contingency.engine.models import Problem
from contingency.engine.plan import PlanItem
from contingency.engine.runs import ItemState
from contingency.engine.words import due_words, item_label
from contingency.models import Incident
from contingency.rules.times import format_elapsed, format_local
from contingency.rules.words import plural
from contingency.services.callround import CallDue, calls_due
from contingency.services.playbooks import whats_next
from contingency.tui.literal import cell
from contingency.tui.base import AppScreen

HOURS = 12


class WhatsNextScreen(AppScreen):
    TITLE = "What's next"
    HELP = (f"Every open incident's playbook steps, welfare calls and move checklist items that are overdue or "
            f"due in the next {HOURS} hours, the longest overdue first; above them all, any call-round escalation "
            "that is overdue, because it is one person not yet reached. `enter` opens the incident at that step, "
            "where `c` records it.")
    BINDINGS = [
        Binding("escape", "back", "Back", id="back", tooltip="Back to the list of incidents"),
        Binding("enter", "open_step", "Open", id="open-step", tooltip="Open the incident at this step"),
        Binding("r", "refresh", "Refresh", id="refresh-next", tooltip="Work it out again now"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[Incident, PlanItem]] = []
        self.problems: list[Problem] = []
        self.calls: list[CallDue] = []  # welfare call-round escalations and next actions
        self.targets: list[PlanItem | CallDue] = []  # what each table row opens
        self.providers: dict[int, str] = {}  # incident id -> provider, for the move checklist rows

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        yield Static("", id="next-title", classes="screen-title", markup=False)
        yield DataTable(id="next-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="empty", markup=False)
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self.query_one("#next-table", DataTable)
        table.add_column("When", key="when", width=15)
        table.add_column("Incident", key="incident", width=16)
        table.add_column("Step", key="step")
        self.refresh_rows()
        self.set_interval(60, self.redraw)  # the minutes keep counting; r works it all out again

    def on_screen_resume(self) -> None:
        self.refresh_rows()

    def refresh_rows(self) -> None:
        found, self.problems = whats_next(self.store, hours=HOURS, now=self.capp.clock())
        self.found = found
        self.calls = calls_due(self.store, hours=HOURS, now=self.capp.clock())
        from contingency.services.placements import due_checklist_items

        self.moves = due_checklist_items(self.store, hours=HOURS, now=self.capp.clock())
        if self.moves:
            from contingency.services.incidents import list_incidents

            self.providers = {i.id: i.facts.provider_name for i in list_incidents(self.store)}
        self.redraw()

    def redraw(self) -> None:
        now = self.capp.clock()
        table = self.query_one("#next-table", DataTable)
        selected = table.cursor_row
        table.clear()
        # One list, soonest due first (so the longest overdue leads), whatever it comes from. A call-round
        # escalation that is overdue is one person's safety now, so those go above everything else.
        never = datetime.max.replace(tzinfo=UTC)
        rows: list[tuple[int, datetime, int, object]] = []
        for call in self.calls:
            rows.append((0 if call.late_by(now) is not None else 1, call.action.due, len(rows), call))
        for incident, item in self.found:
            rows.append((1, item.due_at or never, len(rows), (incident, item)))
        for due in getattr(self, "moves", []):  # move checklists (placements)
            rows.append((1, due.due_at, len(rows), due))
        rows.sort(key=lambda row: row[:3])
        self.targets = []
        overdue = 0
        for _rank, _due, _order, target in rows:
            if isinstance(target, CallDue):
                overdue += target.late_by(now) is not None
                self._call_row(table, target, now)
                self.targets.append(target)
            elif isinstance(target, tuple):
                incident, item = target
                late = item.late_by(now) is not None
                overdue += late
                blocked = " BLOCKED" if item.state is ItemState.BLOCKED else ""
                table.add_row(Text(due_words(item, now, compact=True), style="bold red") if late
                              else due_words(item, now, compact=True),
                              cell(incident.facts.provider_name), cell(item_label(item, person_first=True) + blocked),
                              key=f"step-{len(self.targets)}")
                self.targets.append(item)
            else:
                overdue += target.overdue
                when = (format_elapsed(now - target.due_at) if target.overdue
                        else format_local(target.due_at, now=now))
                table.add_row(Text(f"OVERDUE {when}", style="bold red") if target.overdue else f"due {when}",
                              cell(self.providers.get(target.incident_id, f"incident {target.incident_id}")),
                              cell(target.label()),
                              key=f"move-{target.person_id}-{len(self.targets)}")
                self.targets.append(target)
        if self.targets:
            table.move_cursor(row=min(selected, len(self.targets) - 1))
            table.focus()
        files = len({p.file for p in self.problems})
        warning = f" · {plural(files, 'playbook file')} not loaded" if self.problems else ""
        self.query_one("#next-title", Static).update(
            f"What's next: {overdue} OVERDUE, {len(self.targets) - overdue} due in the next {HOURS} hours{warning}")
        empty = self.query_one("#empty", Static)
        empty.display = not self.targets
        empty.update("" if self.targets else f"Nothing is overdue or due in the next {HOURS} hours.")

    def _call_row(self, table: DataTable, call: CallDue, now) -> None:
        from contingency.services.callround import due_words as call_due_words

        words = call_due_words(call.action, now)
        table.add_row(Text(words, style="bold red") if words.startswith("OVERDUE") else words,
                      cell(call.incident.facts.provider_name),
                      cell(f"Call-round: {call.row.name}: {call.action.what}"),
                      key=f"call-{call.row.person_id}-{len(self.targets)}")

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        await self.action_open_step()

    async def action_open_step(self) -> None:
        table = self.query_one("#next-table", DataTable)
        if not self.targets or table.row_count == 0:
            return
        target = self.targets[table.cursor_row]
        if isinstance(target, CallDue):
            from contingency.tui.screens.callround import CallRoundScreen

            await self.app.push_screen(CallRoundScreen(target.incident.id))
            return
        from contingency.services.placements import DueItem

        if isinstance(target, DueItem):
            from contingency.tui.screens.placements import MoveChecklistScreen

            await self.app.push_screen(MoveChecklistScreen(target.person_id))
            return
        incident, item = next(pair for pair in self.found if pair[1] is target)
        from contingency.tui.screens.incident import IncidentScreen

        await self.app.push_screen(IncidentScreen(incident.id, at_step=(item.step.id, item.person_id)))

    def action_refresh(self) -> None:
        self.refresh_rows()

    def action_back(self) -> None:
        self.app.pop_screen()
