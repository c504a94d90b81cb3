"""One incident: header always in view, and its sections (overview, people, log, playbook, notifications, costs,
claims) by number key. Each section is made the first time it is opened, and reads only what it shows."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import AwaitMount
from textual.widgets import TabbedContent, TabPane

from contingency.engine.words import next_due_words
from contingency.models import IncidentStatus
from contingency.rules import lifecycle
from contingency.services.decisions import decision_log_text
from contingency.services.incidents import change_status, get_incident
from contingency.services.playbooks import next_due
from contingency.tui.base import AppScreen
from contingency.tui.sections.roster import RosterView
from contingency.tui.widgets.incident_header import IncidentHeader
from contingency.tui.widgets.messages import OpenPerson, Recorded

SECTIONS = Binding.Group("Sections")

# Every section but the roster is made only when first opened (issue 12): its module, widgets and reads cost
# the incident's first paint nothing. Each: (module, class, widget id).
LATER_SECTIONS = {
    "overview": ("contingency.tui.sections.overview", "OverviewView", "overview-view"),
    "log": ("contingency.tui.sections.log", "LogView", "log-view"),
    "playbook": ("contingency.tui.sections.playbook", "PlaybookView", "playbook-view"),
    "notifications": ("contingency.tui.sections.notifications", "NotificationsView", "notifications-view"),
    "costs": ("contingency.tui.sections.costs", "CostsView", "costs-view"),
    "claims": ("contingency.tui.sections.claims", "ClaimsView", "claims-view"),
}
# The sections with keys of their own, which the palette offers from anywhere on the screen.
SECTION_VIEWS = ("people", "playbook", "notifications", "costs", "claims")


def section_class(section: str):
    """The widget class of a section."""
    if section == "people":
        return RosterView
    module, name, _ = LATER_SECTIONS[section]
    return getattr(importlib.import_module(module), name)


SECTION_TITLES = {"people": "People", "playbook": "Playbook", "notifications": "Notifications",
                  "costs": "Costs", "claims": "Claims"}


class IncidentScreen(AppScreen):
    TITLE = "Incident"
    # Focused as the screen is made, not moved there after its first paint (which laid it all out again).
    AUTO_FOCUS = "#roster-table"
    HELP = ("The header always shows the provider, the classification, when the duty started and how long ago. "
            "Number keys switch sections; `/` searches the roster; `4` is the playbook: what to do next; "
            "`5` the notifications: who to tell, letters and replies; `6` the costs ledger; `7` the claims: "
            "what is owed by whom and how old it is. Capital `W` is the welfare call-round, `M` placements and "
            "moves, `H` writes the shift handover pack, `E` the incident bundle for audit.")
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
        Binding("E", "export_bundle", "Export bundle", id="export-bundle", show=False,
                tooltip="Write the incident bundle for audit (or only one council's or ICB's part of it)"),
        Binding("escape", "back", "Back", id="back", tooltip="Back to the list of incidents"),
    ]

    def __init__(self, incident_id: int, at_step: tuple[str, int | None] | None = None) -> None:
        """`at_step` (step id, person id) opens on that playbook step instead of the roster."""
        super().__init__()
        self.incident_id = incident_id
        self.at_step = at_step
        self._seen: set[str] = set()  # the sections shown so far

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        yield IncidentHeader(id="incident-header")
        with TabbedContent(id="sections", initial="people"):
            # Filled when first opened (section_view), but the roster, which is what the officer sees first.
            yield TabPane("1 Overview", id="overview")
            with TabPane("2 People", id="people"):
                yield RosterView(self.store, self.incident_id, id="roster")
            yield TabPane("3 Log", id="log")
            yield TabPane("4 Playbook", id="playbook")
            yield TabPane("5 Notifications", id="notifications")
            yield TabPane("6 Costs", id="costs")
            yield TabPane("7 Claims", id="claims")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self._resumed = False  # Textual resumes a screen when it is first shown too: on_mount did that work
        self.refresh_header()
        self.set_interval(30, self.refresh_header)
        if self.at_step is None:
            self.query_one(RosterView).focus_table()
            return
        # Decided here rather than by the caller afterwards: focusing the roster later would switch the
        # tabs back to People (a tab follows the focus).
        self.action_section("playbook")
        view = self.section_view("playbook")
        self.when_ready(view, partial(view.select, *self.at_step))

    def on_screen_resume(self) -> None:
        if not self._resumed:
            self._resumed = True
            return
        self.refresh_all()
        self.query_one(RosterView).reload(keep_offset=True)

    @property
    def incident(self):
        return get_incident(self.store, self.incident_id)

    def exercise_changed(self) -> None:
        """The exercise clock moved (a facilitator's jump in another terminal, a pause): "ago" and OVERDUE now."""
        self.refresh_header()

    def refresh_header(self) -> None:
        now = self.capp.clock()
        # From a plan of a few hundred items, never one per person (issue 12): see services.playbooks.next_due.
        item = next_due(self.store, self.incident_id, now=now)
        self.query_one(IncidentHeader).show(self.incident, now, next_due=next_due_words(item, now))

    def refresh_all(self) -> None:
        """After something was recorded or the screen came back: the header, and every section already made."""
        self.refresh_header()
        for section in ("overview", "log", "playbook"):
            view = self.made(section)
            if view is not None:
                view.reload()

    def action_section(self, section: str) -> None:
        view = self.section_view(section)
        self.query_one("#sections", TabbedContent).active = section
        if section == "playbook":
            self.when_ready(view, view.shown)
        self.when_ready(view, view.focus_table)

    def made(self, section: str):
        """The section's widget if it has been made, else None (nothing is imported or read to find out)."""
        if section == "people":
            return self.query_one(RosterView)
        found = self.query(f"#{LATER_SECTIONS[section][2]}")
        return found.first() if found else None

    def section_view(self, section: str):
        """The section's widget, made and mounted the first time it is asked for."""
        view = self.made(section)
        if view is not None:
            return view
        view = section_class(section)(self.store, self.incident_id, id=LATER_SECTIONS[section][2])
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
        # Also by mouse, or by the focus moving into a section.
        section = event.pane.id
        if section == "people":
            return
        again = section in self._seen
        self._seen.add(section)
        view = self.section_view(section)
        if section == "playbook":
            self.when_ready(view, view.shown)
        elif section == "overview" and again:
            view.reload()  # the counts as they are now (the first time, making it counted them)

    @on(Recorded)
    def recorded(self) -> None:
        self.refresh_header()
        log = self.made("log")
        if log is not None:
            log.reload()

    @on(OpenPerson)
    def open_person(self, event: OpenPerson) -> None:
        from contingency.tui.screens.person import PersonScreen

        self.app.push_screen(PersonScreen(event.person_id))

    def action_status(self) -> None:
        from contingency.tui.dialogs.decisions import ChoiceWithReason

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
        from contingency.tui.dialogs.money import DetailDialog

        text = decision_log_text(self.store, self.incident_id, self.capp.clock())
        self.app.push_screen(DetailDialog("Decision log", text))

    def action_decision(self) -> None:
        from contingency.tui.dialogs.decisions import DecisionDialog

        self.app.push_screen(DecisionDialog(self.incident_id), lambda _: self.refresh_all())

    def action_callround(self) -> None:
        from contingency.tui.screens.callround import CallRoundScreen

        self.app.push_screen(CallRoundScreen(self.incident_id))

    def action_placements(self) -> None:
        from contingency.tui.screens.placements import PlacementsScreen

        self.app.push_screen(PlacementsScreen(self.incident_id))

    def action_facts(self) -> None:
        from contingency.tui.dialogs.incident_form import IncidentForm

        self.app.push_screen(IncidentForm(self.incident), lambda _: self.refresh_all())

    def action_new_person(self) -> None:
        from contingency.tui.dialogs.person_form import PersonForm

        def added(person_id: int | None) -> None:
            self.query_one(RosterView).reload()
            self.refresh_all()

        self.app.push_screen(PersonForm(incident_id=self.incident_id), added)

    def action_import_list(self) -> None:
        from contingency.tui.dialogs.import_file import ImportDialog

        def imported(_) -> None:
            self.query_one(RosterView).reload()
            self.refresh_all()

        self.app.push_screen(ImportDialog(self.incident_id), imported)

    def action_handover(self) -> None:
        from contingency.tui.dialogs.handover import HandoverDialog

        self.app.push_screen(HandoverDialog(self.incident_id), lambda _: self.refresh_all())

    def action_export_bundle(self) -> None:
        from contingency.tui.dialogs.bundle import BundleDialog

        self.app.push_screen(BundleDialog(self.incident_id))
