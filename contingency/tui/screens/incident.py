"""One incident: header always in view, and its sections (overview, people, log, playbook) by number key."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import AwaitMount
from textual.widgets import DataTable, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from contingency.engine.words import next_due_words
from contingency.models import IncidentStatus
from contingency.person import BASIS_DESCRIPTIONS, Basis, Flag, PersonStatus
from contingency.rules import lifecycle
from contingency.rules.events import event_by_key
from contingency.rules.safe_text import printable
from contingency.rules.times import format_local
from contingency.rules.words import plural
from contingency.services.incidents import change_status
from contingency.services.playbooks import next_due
from contingency.services.residence import where_people_live
from contingency.tui.literal import cell
from contingency.tui.screens.base import AppScreen
from contingency.tui.widgets.incident_header import IncidentHeader
from contingency.tui.widgets.playbook import PlaybookView
from contingency.tui.widgets.roster import RosterView, body_name
from contingency.tui.widgets.work import own_store

# An incident with more people than this is counted by a worker after the screen is up (issue 12).
COUNT_HERE = 2000

SECTIONS = Binding.Group("Sections")


def _event_words(key: str) -> str:
    try:
        return event_by_key(key).title
    except KeyError:
        return key  # an event since dropped from the catalogue: its key is all there is


def _counts(store, incident_id: int, lives: bool = True) -> tuple[dict, list[tuple[str, int]] | None]:
    # Care at home is the duty of the council where each person lives (brief rule 5, worked case 3).
    return store.people.summary(incident_id), where_people_live(store, incident_id) if lives else None


# Sections made only when first opened (issue 12): their modules, widgets and reads cost the incident's first
# paint nothing. Each: (module, class, widget id).
LATER_SECTIONS = {
    "notifications": ("contingency.tui.widgets.notifications", "NotificationsView", "notifications-view"),
    "costs": ("contingency.tui.widgets.costs", "CostsView", "costs-view"),
    "claims": ("contingency.tui.widgets.claims", "ClaimsView", "claims-view"),
}
SECTION_VIEWS = ("people", "playbook", "notifications", "costs", "claims")


def section_class(section: str):
    """The widget class of a section with keys of its own (None for overview and log)."""
    if section == "people":
        return RosterView
    if section == "playbook":
        return PlaybookView
    if section in LATER_SECTIONS:
        module, name, _ = LATER_SECTIONS[section]
        return getattr(importlib.import_module(module), name)
    return None


SECTION_TITLES = {"people": "People", "playbook": "Playbook", "notifications": "Notifications",
                  "costs": "Costs", "claims": "Claims"}


class IncidentScreen(AppScreen):
    TITLE = "Incident"
    HELP = ("The header always shows the provider, the classification, when the duty started and how long ago. "
            "Number keys switch sections; `/` searches the roster; `4` is the playbook: what to do next; "
            "`5` the notifications: who to tell, letters and replies; `6` the costs ledger; `7` the claims: "
            "what is owed by whom and how old it is. Capital `W` is the welfare call-round, `M` placements and "
            "moves, `H` writes the shift handover pack.")
    BINDINGS = [
        # One footer item, "1-7 Sections", for the seven: each still has its own line in help and the palette.
        Binding("1", "section('overview')", "Overview", id="section-overview", group=SECTIONS,
                tooltip="The facts, why it is classified so, and the counts"),
        Binding("2", "section('people')", "People", id="section-people", group=SECTIONS,
                tooltip="The roster of everyone affected"),
        Binding("3", "section('log')", "Log", id="section-log", group=SECTIONS,
                tooltip="The event log and the decisions"),
        Binding("4", "section('playbook')", "Playbook", id="section-playbook", group=SECTIONS,
                tooltip="The playbook steps: what is due and overdue"),
        Binding("5", "section('notifications')", "Notifications", id="section-notifications", group=SECTIONS,
                tooltip="Bodies and people to tell: letters, sent, replies, chasing"),
        Binding("6", "section('costs')", "Costs", id="section-costs", group=SECTIONS,
                tooltip="The cost ledger: every penny by person, period, route and decision"),
        Binding("7", "section('claims')", "Claims", id="section-claims", group=SECTIONS,
                tooltip="Claims and charges: what is owed by whom and how old it is"),
        Binding("n", "new_person", "Add person", id="new-person", tooltip="Add a person to the roster by hand"),
        Binding("i", "import_list", "Import", id="import", tooltip="Import the provider's list of people (CSV or XLSX)"),
        Binding("d", "decision", "Decision", id="decision", tooltip="Record a decision with its rationale"),
        Binding("l", "decision_log", "Decision log", id="decision-log", show=False,
                tooltip="Read every decision with when it was decided and when it was recorded"),
        Binding("s", "status", "Status", id="status", tooltip="Move the incident through its lifecycle"),
        Binding("f", "facts", "Facts", id="facts", tooltip="Change the incident's facts (reclassifies)"),
        # Capitals, because the sections' own keys (m sent, w write off, h chase) win while a section has focus.
        Binding("M", "placements", "Placements", id="placements",
                tooltip="Offers of beds and care hours, matches for a person, moves and their checklists"),
        Binding("W", "callround", "Call-round", id="callround",
                tooltip="The welfare call-round: who to ring next, RED and next missed visit first"),
        Binding("H", "handover", "Handover pack", id="handover",
                tooltip="Write the shift handover pack (Markdown, PDF, DOCX) and complete the handover step"),
        Binding("escape", "back", "Back", id="back", tooltip="Back to the list of incidents"),
    ]

    def __init__(self, incident_id: int, at_step: tuple[str, int | None] | None = None) -> None:
        """`at_step` (step id, person id) opens on that playbook step instead of the roster."""
        super().__init__()
        self.incident_id = incident_id
        self.at_step = at_step

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        yield IncidentHeader(id="incident-header")
        with TabbedContent(id="sections", initial="people"):
            with TabPane("1 Overview", id="overview"):
                with VerticalScroll():
                    yield Static("", id="overview-facts", markup=False)
                    yield Static("", id="overview-summary", markup=False)
            with TabPane("2 People", id="people"):
                yield RosterView(self.store, self.incident_id, id="roster")
            with TabPane("3 Log", id="log"):
                yield Static("", id="log-verify", markup=False)
                yield DataTable(id="log-table", cursor_type="row", zebra_stripes=True)
            with TabPane("4 Playbook", id="playbook"):
                yield PlaybookView(self.store, self.incident_id, id="playbook-view")
            # Filled when first opened (section_view).
            yield TabPane("5 Notifications", id="notifications")
            yield TabPane("6 Costs", id="costs")
            yield TabPane("7 Claims", id="claims")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self.query_one("#log-table", DataTable)
        table.add_column("When", key="at", width=16)
        table.add_column("Who", key="who", width=14)
        table.add_column("What", key="what")
        self._resumed = False  # Textual resumes a screen when it is first shown too: on_mount did that work
        self.refresh_all()
        self.set_interval(30, self.refresh_header)
        if self.at_step is None:
            self.query_one(RosterView).focus_table()
            return
        # Decided here rather than by the caller afterwards: focusing the roster later would switch the
        # tabs back to People (a tab follows the focus).
        self.action_section("playbook")
        self.query_one(PlaybookView).select(*self.at_step)

    def on_screen_resume(self) -> None:
        if not self._resumed:
            self._resumed = True
            return
        self.refresh_all()
        self.query_one(RosterView).reload(keep_offset=True)

    @property
    def incident(self):
        return self.store.incidents.get(self.incident_id)

    def exercise_changed(self) -> None:
        """The exercise clock moved (a facilitator's jump in another terminal, a pause): "ago" and OVERDUE now."""
        self.refresh_header()

    def refresh_header(self) -> None:
        now = self.capp.clock()
        # From a plan of a few hundred items, never one per person (issue 12): see services.playbooks.next_due.
        item = next_due(self.store, self.incident_id, now=now)
        self.query_one(IncidentHeader).show(self.incident, now, next_due=next_due_words(item, now))

    def refresh_all(self) -> None:
        self.query_one(PlaybookView).reload()
        self.refresh_header()
        self._overview()
        self._log()

    def _overview(self) -> None:
        incident = self.incident
        facts = incident.facts
        now = self.capp.clock()
        area = self.store.authorities.get(facts.area_code)
        lines = [
            f"Provider: {facts.provider_name}" + (f" (CQC {facts.cqc_provider_id})" if facts.cqc_provider_id else ""),
            f"Service: {facts.service_kind.label} in {area.name if area else facts.area_code}"
            + ("" if facts.regulated else " (not a regulated activity)"),
            f"Trigger: {_event_words(facts.event_key)}" + (f" on {facts.event_date:%d/%m/%Y}" if facts.event_date else "")
            + (" · someone is carrying the service on" if facts.continuing else ""),
            f"Became aware: {format_local(facts.aware_at, now=now)}   Status: {incident.status.value}",
            *([f"Warning known since: {format_local(facts.warning_aware_at, now=now)} (the duty started when the "
               "failure became known, s.52(1))"] if facts.warning_aware_at else []),
            f"Lead officer: {facts.lead_officer or 'not recorded'}",
            "",
            f"{incident.classification.label}: why",
            *(f"• {r}" for r in incident.reasons),
        ]
        self.query_one("#overview-facts", Static).update(printable("\n".join(lines)))
        if incident.people_count <= COUNT_HERE:
            self._show_counts(*_counts(self.store, self.incident_id))
            return
        # Counting 50,000 people takes a second: after the screen is up, on a connection of the worker's own.
        if not self.query_one("#overview-summary", Static).content:
            self.query_one("#overview-summary", Static).update(
                f"\nCounting {plural(incident.people_count, 'person', 'people')}…")
        self.call_after_refresh(self._count_in_background)

    def _count_in_background(self) -> None:
        # Where people live is a second of Python at 50,000 people: worked out only once the overview is in
        # front of the officer; the counts (SQL, and the roster's 'tell' filter needs them) straight away.
        store, incident_id = self.store, self.incident_id
        lives = self.query_one("#sections", TabbedContent).active == "overview"
        self._counting = asked = getattr(self, "_counting", 0) + 1

        def run() -> None:
            with own_store(store) as mine:
                found = _counts(mine, incident_id, lives)
            self.app.call_from_thread(self._counted, asked, *found)

        self.run_worker(run, thread=True, exclusive=True, group="incident-counts", exit_on_error=False)

    @on(Worker.StateChanged)
    def _count_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "incident-counts" and event.state is WorkerState.ERROR:
            self.query_one("#overview-summary", Static).update(
                printable(f"\nThe counts could not be made: {event.worker.error}"))

    def _counted(self, asked: int, summary: dict, lives_in: list[tuple[str, int]] | None) -> None:
        if asked == self._counting:  # an earlier count finishing late never overwrites a later one
            self._show_counts(summary, lives_in)

    def _show_counts(self, summary: dict, lives_in: list[tuple[str, int]] | None) -> None:
        if not self.is_attached:  # the officer left before the worker finished
            return
        lives = ", ".join(f"{name} {n}" for name, n in lives_in) if lives_in is not None else "counting…"
        self.query_one(RosterView).set_bodies([(body_name(self.store, ref), ref) for ref in summary["notify"]])

        def counts(mapping: dict, words) -> str:
            return ", ".join(f"{n} {words(key)}" for key, n in mapping.items()) or "none"

        self.query_one("#overview-summary", Static).update(printable("\n".join([
            "",
            f"People: {summary['total']}   with flags to resolve: {summary['people_with_flags']}",
            f"Where they live: {lives or 'none'}",
            f"By basis: {counts(summary['basis'], lambda k: BASIS_DESCRIPTIONS[Basis(k)])}",
            f"By RAG: {counts(summary['rag'], lambda k: 'not yet rated' if k == 'none' else k)}",
            f"By status: {counts(summary['status'], lambda k: PersonStatus(k).label)}",
            f"Bodies to tell: {counts(summary['notify'], lambda ref: body_name(self.store, ref))}",
            f"Flags: {counts(summary['flags'], lambda k: Flag(k).label)}",
        ])))

    def _log(self) -> None:
        now = self.capp.clock()
        table = self.query_one("#log-table", DataTable)
        table.clear()
        for entry in self.store.log.for_incident(self.incident_id, limit=300):
            what = f"{entry.entity} {entry.entity_id} {entry.action}" + (f": {entry.reason}" if entry.reason else "")
            table.add_row(format_local(entry.at, now=now), cell(entry.officer), cell(what), key=str(entry.seq))
        decisions = self.store.decisions.for_incident(self.incident_id)
        self.query_one("#log-verify", Static).update(
            f"{plural(len(decisions), 'decision entry', 'decision entries')} · l reads them with both times · "
            "ctrl+p 'Verify the event log' checks the hash chain")

    def action_section(self, section: str) -> None:
        view = self.section_view(section)
        self.query_one("#sections", TabbedContent).active = section
        if section == "playbook":
            self.query_one(PlaybookView).shown()
        if view is not None:
            self.when_ready(view, view.focus_table)

    def section_view(self, section: str):
        """The section's widget, made and mounted the first time it is asked for."""
        view_class = section_class(section)
        if view_class is None:
            return None
        found = self.query(view_class)
        if found:
            return found.first()
        view = view_class(self.store, self.incident_id, id=LATER_SECTIONS[section][2])
        self.query_one(f"#{section}", TabPane).mount(view)
        return view

    def when_ready(self, view, then: Callable[[], object]) -> None:
        """Run `then` now if the view is mounted, else as soon as it is (a section opened for the first time)."""
        if view.is_mounted:
            then()
            return

        async def wait() -> None:
            await AwaitMount(view.parent, [view])
            then()

        self.call_later(wait)

    def elsewhere_actions(self) -> list[tuple[str, str, str, Callable[[], object]]]:
        """The keys of the sections not in front of the officer, as (section, binding, help, run), so the
        palette finds 'Generate letters' from the Costs section too. Running one opens its section first;
        the section's own check still decides whether it applies to what is selected there."""
        active = self.query_one("#sections", TabbedContent).active
        found = []
        for section in SECTION_VIEWS:
            if section == active:
                continue
            for binding in section_class(section).BINDINGS:
                if isinstance(binding, Binding) and binding.description:
                    found.append((SECTION_TITLES[section], binding.description, binding.tooltip or "",
                                  partial(self._run_in_section, section, binding.action)))
        return found

    def _run_in_section(self, section: str, action: str) -> None:
        self.action_section(section)
        view = self.section_view(section)
        # After the switch has painted and focused the section, as if the officer had pressed the key there.
        self.when_ready(view, lambda: self.call_after_refresh(self.app.run_action, action, view))

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(TabbedContent.TabActivated, "#sections")
    def _section_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "playbook":  # also by mouse, or by the focus moving into it
            self.query_one(PlaybookView).shown()
        elif event.pane.id == "overview" and self.incident.people_count > COUNT_HERE:
            self._overview()  # now with where people live
        elif event.pane.id in LATER_SECTIONS:
            self.section_view(event.pane.id)

    @on(PlaybookView.Changed)
    def playbook_changed(self) -> None:
        self.refresh_header()
        self._log()

    @on(RosterView.Open)
    def open_person(self, event: RosterView.Open) -> None:
        from contingency.tui.screens.person import PersonScreen

        self.app.push_screen(PersonScreen(event.person_id))

    def action_status(self) -> None:
        from contingency.tui.screens.dialogs import ChoiceWithReason

        current = self.incident.status
        allowed = [s for s in IncidentStatus if s in lifecycle.ALLOWED[current]]
        if not allowed:
            self.notify("This incident is closed.")
            return

        def change(status: str, reason: str, _detail: str) -> str:
            change_status(self.store, self.incident_id, status, reason)
            return f"Status is now {status}"

        def chosen(result) -> None:
            if result:
                self.refresh_all()

        self.app.push_screen(ChoiceWithReason(f"Status (now {current.value})",
                                              [(s.value, s.value) for s in allowed], change), chosen)

    def action_decision_log(self) -> None:
        from contingency.tui.screens.dialogs import decision_log_text
        from contingency.tui.screens.money_dialogs import DetailDialog

        text = decision_log_text(self.store, self.incident_id, self.capp.clock())
        self.app.push_screen(DetailDialog("Decision log", text))

    def action_decision(self) -> None:
        from contingency.tui.screens.dialogs import DecisionDialog

        self.app.push_screen(DecisionDialog(self.incident_id), lambda _: self.refresh_all())

    def action_callround(self) -> None:
        from contingency.tui.screens.callround import CallRoundScreen

        self.app.push_screen(CallRoundScreen(self.incident_id))

    def action_placements(self) -> None:
        from contingency.tui.screens.placements import PlacementsScreen

        self.app.push_screen(PlacementsScreen(self.incident_id))

    def action_facts(self) -> None:
        from contingency.tui.screens.incident_form import IncidentForm

        self.app.push_screen(IncidentForm(self.incident), lambda _: self.refresh_all())

    def action_new_person(self) -> None:
        from contingency.tui.screens.person_form import PersonForm

        def added(person_id: int | None) -> None:
            self.query_one(RosterView).reload()
            self.refresh_all()

        self.app.push_screen(PersonForm(incident_id=self.incident_id), added)

    def action_import_list(self) -> None:
        from contingency.tui.screens.import_dialog import ImportDialog

        def imported(_) -> None:
            self.query_one(RosterView).reload()
            self.refresh_all()

        self.app.push_screen(ImportDialog(self.incident_id), imported)

    def action_handover(self) -> None:
        from contingency.tui.screens.handover_dialog import HandoverDialog

        self.app.push_screen(HandoverDialog(self.incident_id), lambda _: self.refresh_all())
