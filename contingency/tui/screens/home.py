"""Home: every incident in this store, the most overdue first, then the most urgent."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from contingency.rules.times import format_elapsed
from contingency.services.playbooks import incidents_by_overdue
from contingency.tui.literal import cell
from contingency.tui.base import AppScreen


class HomeScreen(AppScreen):
    TITLE = "Incidents"
    HELP = ("Every incident in this store, the one with the longest-overdue playbook step first. Open one with "
            "`enter`; start a new one with `n` when a provider fails or a service is interrupted.")
    BINDINGS = [
        Binding("n", "new_incident", "New incident", id="new-incident",
                tooltip="Open a new incident: provider, trigger, when we became aware"),
        Binding("enter", "open_incident", "Open", id="open-incident", tooltip="Open the highlighted incident"),
        Binding("r", "refresh", "Refresh", id="refresh", tooltip="Reload the list"),
        Binding("w", "app.whats_next", "What's next", id="whats-next",
                tooltip="Playbook steps overdue or due soon, across every open incident"),
    ]

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        yield Static("Incidents", classes="screen-title")
        table: DataTable = DataTable(id="incidents", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="empty", markup=False)
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self.query_one("#incidents", DataTable)
        table.add_column("Status", key="status", width=13)
        table.add_column("Classification", key="classification", width=18)
        table.add_column("Overdue", key="overdue", width=7)
        table.add_column("Aware for", key="age", width=9)
        table.add_column("People", key="people", width=6)
        table.add_column("Provider", key="provider")
        self._resumed = False  # Textual resumes a screen when it is first shown too: on_mount has just filled it
        self.refresh_incidents()
        self.set_interval(60, self.refresh_incidents)

    def on_screen_resume(self) -> None:
        if not self._resumed:
            self._resumed = True
            return
        self.refresh_incidents()

    def refresh_incidents(self) -> None:
        table = self.query_one("#incidents", DataTable)
        now = self.capp.clock()
        selected = table.cursor_row
        table.clear()
        ranked = incidents_by_overdue(self.store, now=now)
        incidents = [incident for incident, _late in ranked]
        for incident, late in ranked:
            table.add_row(
                incident.status.value.upper(),
                incident.classification.label,
                format_elapsed(late) if late else "",
                format_elapsed(now - incident.facts.aware_at),
                str(incident.people_count),
                cell(incident.facts.provider_name),
                key=str(incident.id),
            )
        if incidents:
            table.move_cursor(row=min(selected, len(incidents) - 1))
        empty = self.query_one("#empty", Static)
        empty.display = not incidents
        empty.update("No incidents yet. Press n to open one." if not incidents else "")
        if incidents:
            table.focus()

    def _selected_id(self) -> int | None:
        table = self.query_one("#incidents", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(key.value) if key.value else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_incident()

    def action_open_incident(self) -> None:
        incident_id = self._selected_id()
        if incident_id is not None:
            from contingency.tui.screens.incident import IncidentScreen

            self.app.push_screen(IncidentScreen(incident_id))

    def action_new_incident(self) -> None:
        from contingency.tui.dialogs.incident_form import IncidentForm

        def opened(incident_id: int | None) -> None:
            self.refresh_incidents()
            if incident_id is not None:
                from contingency.tui.screens.incident import IncidentScreen

                self.app.push_screen(IncidentScreen(incident_id))

        self.app.push_screen(IncidentForm(), opened)

    def action_refresh(self) -> None:
        self.refresh_incidents()
