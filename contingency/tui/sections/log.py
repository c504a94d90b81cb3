"""Section 3, the log: the incident's latest event-log entries and a line about its decisions."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from contingency.rules.times import format_local
from contingency.rules.words import plural
from contingency.services.eventlog import decision_count, recent_entries
from contingency.store import Store
from contingency.tui.literal import cell

SHOWN = 300  # the latest entries; `contingency log` and the bundle have them all


class LogView(Vertical):
    DEFAULT_CSS = """
    LogView { height: 1fr; }
    LogView DataTable { height: 1fr; }
    """

    def __init__(self, store: Store, incident_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.incident_id = incident_id

    def compose(self) -> ComposeResult:
        yield Static("", id="log-verify", markup=False)
        yield DataTable(id="log-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#log-table", DataTable)
        table.add_column("When", key="at", width=16)
        table.add_column("Who", key="who", width=14)
        table.add_column("What", key="what")
        self.reload()

    def focus_table(self) -> None:
        self.query_one("#log-table", DataTable).focus()

    def reload(self) -> None:
        now = self.app.clock()  # type: ignore[attr-defined]
        table = self.query_one("#log-table", DataTable)
        table.clear()
        for entry in recent_entries(self.store, self.incident_id, SHOWN):
            what = f"{entry.entity} {entry.entity_id} {entry.action}" + (f": {entry.reason}" if entry.reason else "")
            table.add_row(format_local(entry.at, now=now), cell(entry.officer), cell(what), key=str(entry.seq))
        decisions = decision_count(self.store, self.incident_id)
        self.query_one("#log-verify", Static).update(
            f"{plural(decisions, 'decision entry', 'decision entries')} · l reads them with both times · "
            "ctrl+p 'Verify the event log' checks the hash chain")
