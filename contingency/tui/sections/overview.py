"""Section 1, the overview: the incident's facts, why it is classified so, and the counts of its people."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from contingency.person import BASIS_DESCRIPTIONS, Basis, Flag, PersonStatus
from contingency.rules.safe_text import printable
from contingency.rules.words import plural
from contingency.services.incidents import get_incident
from contingency.services.overview import COUNT_HERE, Counts, body_name, counts, facts_lines
from contingency.store import Store
from contingency.tui.widgets.work import read_in_background


class OverviewView(VerticalScroll):
    """Made the first time the officer opens it: its counts read every person, so they are not worked out for
    an incident screen that opens on its roster (issue 12)."""

    DEFAULT_CSS = "OverviewView { height: 1fr; }"

    def __init__(self, store: Store, incident_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.incident_id = incident_id

    def compose(self) -> ComposeResult:
        yield Static("", id="overview-facts", markup=False)
        yield Static("", id="overview-summary", markup=False)

    def on_mount(self) -> None:
        self.reload()

    def focus_table(self) -> None:
        self.focus()

    def reload(self) -> None:
        incident = get_incident(self.store, self.incident_id)
        now = self.app.clock()  # type: ignore[attr-defined]
        self.query_one("#overview-facts", Static).update(printable("\n".join(facts_lines(self.store, incident, now))))
        if incident.people_count <= COUNT_HERE:
            self._show(counts(self.store, self.incident_id))
            return
        # Counting 50,000 people takes a second: on a connection of the worker's own, after the first paint.
        summary = self.query_one("#overview-summary", Static)
        if not summary.content:
            summary.update(f"\nCounting {plural(incident.people_count, 'person', 'people')}…")
        read_in_background(self, lambda mine: counts(mine, self.incident_id), self._show, group="overview-counts")

    @on(Worker.StateChanged)
    def _count_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "overview-counts" and event.state is WorkerState.ERROR:
            self.query_one("#overview-summary", Static).update(
                printable(f"\nThe counts could not be made: {event.worker.error}"))

    def _show(self, found: Counts) -> None:
        summary = found.summary
        lives = ", ".join(f"{name} {n}" for name, n in found.lives_in)

        def listed(mapping: dict, words) -> str:
            return ", ".join(f"{n} {words(key)}" for key, n in mapping.items()) or "none"

        self.query_one("#overview-summary", Static).update(printable("\n".join([
            "",
            f"People: {summary['total']}   with flags to resolve: {summary['people_with_flags']}",
            f"Where they live: {lives or 'none'}",
            f"By basis: {listed(summary['basis'], lambda k: BASIS_DESCRIPTIONS[Basis(k)])}",
            f"By RAG: {listed(summary['rag'], lambda k: 'not yet rated' if k == 'none' else k)}",
            f"By status: {listed(summary['status'], lambda k: PersonStatus(k).label)}",
            f"Bodies to tell: {listed(summary['notify'], lambda ref: body_name(self.store, ref))}",
            f"Flags: {listed(summary['flags'], lambda k: Flag(k).label)}",
        ])))
