"""What's next: across every open incident, the steps overdue or due in the next 12 hours, overdue first."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from contingency.engine.models import Problem
from contingency.engine.plan import PlanItem
from contingency.engine.runs import ItemState
from contingency.engine.words import due_words, item_label
from contingency.models import Incident
from contingency.rules.words import plural
from contingency.services.playbooks import whats_next
from contingency.tui.literal import cell
from contingency.tui.screens.base import AppScreen

HOURS = 12


class WhatsNextScreen(AppScreen):
    TITLE = "What's next"
    HELP = (f"Every open incident's playbook steps that are overdue or due in the next {HOURS} hours, overdue "
            "first. `enter` opens the incident at that step, where `c` records it.")
    BINDINGS = [
        Binding("escape", "back", "Back", id="back", tooltip="Back to the list of incidents"),
        Binding("enter", "open_step", "Open", id="open-step", tooltip="Open the incident at this step"),
        Binding("r", "refresh", "Refresh", id="refresh-next", tooltip="Work it out again now"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[Incident, PlanItem]] = []
        self.problems: list[Problem] = []

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
        self.redraw()

    def redraw(self) -> None:
        now = self.capp.clock()
        table = self.query_one("#next-table", DataTable)
        selected = table.cursor_row
        table.clear()
        overdue = 0
        for index, (incident, item) in enumerate(self.found):
            words = due_words(item, now, compact=True)
            late = item.late_by(now) is not None
            overdue += late
            blocked = " BLOCKED" if item.state is ItemState.BLOCKED else ""
            table.add_row(Text(words, style="bold red") if late else words,
                          cell(incident.facts.provider_name), cell(item_label(item, person_first=True) + blocked),
                          key=str(index))
        if self.found:
            table.move_cursor(row=min(selected, len(self.found) - 1))
            table.focus()
        files = len({p.file for p in self.problems})
        warning = f" · {plural(files, 'playbook file')} not loaded" if self.problems else ""
        self.query_one("#next-title", Static).update(
            f"What's next: {overdue} OVERDUE, {len(self.found) - overdue} due in the next {HOURS} hours{warning}")
        empty = self.query_one("#empty", Static)
        empty.display = not self.found
        empty.update("" if self.found else f"Nothing is overdue or due in the next {HOURS} hours.")

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        await self.action_open_step()

    async def action_open_step(self) -> None:
        table = self.query_one("#next-table", DataTable)
        if not self.found or table.row_count == 0:
            return
        incident, item = self.found[table.cursor_row]
        from contingency.tui.screens.incident import IncidentScreen

        await self.app.push_screen(IncidentScreen(incident.id, at_step=(item.step.id, item.person_id)))

    def action_refresh(self) -> None:
        self.refresh_rows()

    def action_back(self) -> None:
        self.app.pop_screen()
