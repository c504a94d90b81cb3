"""The incident's playbook: steps by phase with their state and timing in words, guidance beneath.

Per-person steps list their people under them: straight away when one is due within 12 hours (unless
there are very many), otherwise on `enter` or `space`. `u` switches to one list of open items, most
urgent first.
"""

from __future__ import annotations

import heapq
from datetime import timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Markdown, Static
from textual.worker import Worker, WorkerState

from contingency.engine.plan import Plan, PlanItem, StepPlan, attention_key
from contingency.engine.runs import ItemState, describe_evidence, required_evidence
from contingency.engine.words import due_words, item_label, next_due_words, step_words
from contingency.rules.safe_text import printable
from contingency.rules.times import format_local
from contingency.services.errors import BadInput
from contingency.services.playbooks import (
    IncidentPlaybook,
    incident_playbook,
    start_step,
)
from contingency.store import Store
from contingency.tui.literal import cell
from contingency.tui.widgets.work import own_store

SOON = timedelta(hours=12)
MANY = 60  # a per-person step with more people than this opens only when asked (space or enter)
PLAN_HERE = 2000  # people: a bigger incident's plan is made by a worker (issue 12)
SHOW_AT_MOST = 500  # rows of one person's items (or of the urgent list) in the table; the roster has them all
STATE_WORDS = {ItemState.PENDING: "", ItemState.IN_PROGRESS: "DOING", ItemState.DONE: "DONE",
               ItemState.NOT_APPLICABLE: "N/A", ItemState.BLOCKED: "BLOCKED"}


def _styled(words: str, item_open: bool = True) -> Text:
    """Words first, colour as well: red for OVERDUE and BLOCKED, dim for finished."""
    if words.startswith(("OVERDUE", "BLOCKED")):
        return Text(words, style="bold red")
    if not item_open or words in ("DONE", "N/A", "ALL DONE"):
        return Text(words, style="dim")
    return Text(words)


class PlaybookView(Vertical):
    DEFAULT_CSS = """
    PlaybookView { height: 1fr; }
    PlaybookView #playbook-summary {
        height: 1; padding: 0 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis;
    }
    PlaybookView DataTable { height: 1fr; }
    PlaybookView #playbook-guidance { height: 7; border-top: solid $primary; padding: 0 1; }
    PlaybookView #playbook-guidance Markdown { margin: 0; padding: 0; }
    """

    BINDINGS = [
        Binding("c", "complete", "Done", id="step-complete", tooltip="Complete the step with what it asks for"),
        Binding("k", "skip", "Skip", id="step-skip", tooltip="Not applicable here, with the reason"),
        Binding("b", "block", "Block", id="step-block", tooltip="Blocked, with the reason (the clock keeps running)"),
        Binding("o", "note", "Note", id="step-note", tooltip="Add a note to the step"),
        Binding("p", "progress", "Doing", id="step-progress", tooltip="Mark the step in progress"),
        Binding("space", "toggle_people", "People", id="step-people", show=False,
                tooltip="Show or hide a step's people (enter on the step does the same)"),
        Binding("u", "toggle_order", "Urgent", id="step-order",
                tooltip="Switch between phases and one list, most urgent first"),
        Binding("g", "guidance", "Guide", id="step-guidance", tooltip="Read the whole guidance for the step"),
    ]

    class Changed(Message):
        """Something was recorded: the header's next step may have moved."""

    def __init__(self, store: Store, incident_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.incident_id = incident_id
        self.view: IncidentPlaybook | None = None
        self._planned_at: tuple[int, int] | None = None
        self.expanded: set[str] = set()
        self.collapsed: set[str] = set()  # steps the officer closed, kept closed across reloads
        self.urgent_first = False
        self.pending: tuple[str, int | None] | None = None  # a step asked for before the first plan
        self.reveals = 0
        self.wanted = False  # the plan is made when the section is first shown, never for a hidden tab

    def compose(self) -> ComposeResult:
        yield Static("", id="playbook-summary", markup=False)
        yield DataTable(id="playbook-table", cursor_type="row", show_header=False)
        with VerticalScroll(id="playbook-guidance", can_focus=False):
            yield Markdown("", id="playbook-markdown")

    def on_mount(self) -> None:
        table = self.query_one("#playbook-table", DataTable)
        table.add_column("When", key="when", width=15)
        table.add_column("State", key="state", width=7)
        table.add_column("Step", key="step")
        self.set_interval(30, self.redraw)  # "OVERDUE 20m" keeps counting

    @property
    def now(self):
        return self.store.clock()

    def next_due(self, now) -> str:
        """What the incident header shows as next, from the plan this view last made."""
        plan = self.view.plan if self.view else None
        return next_due_words(plan.next_due if plan else None, now)

    # --- filling the table ------------------------------------------------------------------------

    def shown(self) -> None:
        """The section is in front of the officer: make the plan now if there is none or it is out of date."""
        self.wanted = True
        if self.view is None or self.store.version != self._planned_at:
            self.reload()

    def reload(self) -> None:
        """Make the plan again from the store (after anything is recorded or the screen comes back)."""
        if not self.wanted or not self.query_one("#playbook-table", DataTable).columns:
            return  # not shown yet: shown() makes the first plan
        version = self.store.version
        if self.view is not None and version == self._planned_at:
            self.redraw()  # nothing written since the last plan: only the words for time change
            return
        people = self.store.incidents.get(self.incident_id).people_count
        if people > PLAN_HERE:
            self._plan_in_background(version, people)
            return
        self.view = incident_playbook(self.store, self.incident_id)
        self._planned_at = version
        self.redraw()

    def _plan_in_background(self, version, people: int) -> None:
        """A plan for tens of thousands of people takes a second or two: a worker makes it on a connection
        of its own, and the section says so meanwhile (the header's next step never waits for it)."""
        if self.view is None:
            self.query_one("#playbook-summary", Static).update(
                f"Working out the playbook for {people:,} people…")
        store, incident_id = self.store, self.incident_id

        def run() -> None:
            with own_store(store) as mine:
                view = incident_playbook(mine, incident_id)
            self.app.call_from_thread(self._planned, view, version)

        self.run_worker(run, thread=True, exclusive=True, group="playbook-plan", exit_on_error=False)

    def _planned(self, view: IncidentPlaybook, version) -> None:
        if not self.is_attached:
            return
        self.view, self._planned_at = view, version
        self.redraw()

    @on(Worker.StateChanged)
    def _plan_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "playbook-plan" and event.state is WorkerState.ERROR:
            self.query_one("#playbook-summary", Static).update(
                printable(f"The playbook could not be worked out: {event.worker.error}"))

    def redraw(self) -> None:
        """Show the plan as it stands now. Time alone changes only the words, so no new plan is needed."""
        table = self.query_one("#playbook-table", DataTable)
        if self.view is None:
            return
        selected, scrolled = self._row_key(), table.scroll_y
        plan, now = self.view.plan, self.now
        self.query_one("#playbook-summary", Static).update(printable(self._summary(now)))
        table.clear()
        if plan is not None:
            self._expand_urgent(plan, now)
            if self.urgent_first:
                self._fill_urgent(table, plan, now)
            else:
                self._fill_phases(table, plan, now)
        self._restore(table, selected, scrolled)
        self._show_guidance()

    def _summary(self, now) -> str:
        view = self.view
        if view.playbook is None or view.plan is None:
            return f"No playbook: {view.message}."
        overdue = sum(1 for item in view.plan.open_items if item.late_by(now))
        words = [view.playbook.title, f"{overdue} OVERDUE" if overdue else "nothing overdue"]
        if view.message:
            words.append(view.message)
        if view.problems:
            words.append(f"{len({p.file for p in view.problems})} playbook file(s) not loaded: "
                         "'contingency playbook list'")
        return " · ".join(words) + (" · most urgent first" if self.urgent_first else "")

    def _expand_urgent(self, plan: Plan, now) -> None:
        for step_plan in plan.steps:
            urgent = step_plan.most_urgent
            if (step_plan.step.per_person and urgent and urgent.due_at is not None and urgent.due_at - now <= SOON
                    and len(step_plan.items) <= MANY and step_plan.step.id not in self.collapsed):
                self.expanded.add(step_plan.step.id)

    def _fill_phases(self, table: DataTable, plan: Plan, now) -> None:
        for phase, steps in plan.by_phase():
            table.add_row("", "", Text(phase.title.upper(), style="bold"), key=f"phase:{phase.id}")
            for step_plan in steps:
                self._add_step(table, step_plan, now)

    def _add_step(self, table: DataTable, step_plan: StepPlan, now) -> None:
        step = step_plan.step
        if not step.per_person:
            item = step_plan.items[0]
            table.add_row(_styled(due_words(item, now, compact=True), item.is_open),
                          _styled(STATE_WORDS[item.state]), cell(step.title), key=f"step:{step.id}")
            return
        shown = step.id in self.expanded
        count = f"{len(step_plan.items) - step_plan.done_count} of {len(step_plan.items)} open"
        marker = "▾" if shown else "▸"
        words = step_words(step_plan, now, compact=True)
        table.add_row(_styled(words if words.startswith(("OVERDUE", "due", "after", "BLOCKED")) else ""),
                      _styled("" if step_plan.open_items else ("ALL DONE" if step_plan.items else "")),
                      cell(f"{marker} {step.title} ({count if step_plan.items else 'nobody yet'})"),
                      key=f"step:{step.id}")
        if shown:
            for item in step_plan.items[:SHOW_AT_MOST]:
                self._add_item(table, item, now)
            if len(step_plan.items) > SHOW_AT_MOST:
                table.add_row("", "", cell(f"    … and {len(step_plan.items) - SHOW_AT_MOST:,} more: u lists the most "
                                           "urgent first; the roster (2) finds anyone"), key=f"more:{step.id}")

    def _add_item(self, table: DataTable, item: PlanItem, now) -> None:
        label = f"    {item.person.label}" + ("" if item.matches else " (no longer matches)")
        table.add_row(_styled(due_words(item, now, compact=True), item.is_open),
                      _styled(STATE_WORDS[item.state]), cell(label), key=f"item:{item.step.id}:{item.person_id}")

    def _fill_urgent(self, table: DataTable, plan: Plan, now) -> None:
        everything = plan.open_items
        open_items = heapq.nsmallest(SHOW_AT_MOST, everything, key=attention_key)  # stable, as sorted() was
        if not open_items:
            table.add_row("", "", "Every step is done or not applicable.", key="phase:none")
        if len(everything) > SHOW_AT_MOST:
            table.add_row("", "", cell(f"The {SHOW_AT_MOST} most urgent of {len(everything):,} open items"),
                          key="phase:most-urgent")
        for item in open_items:
            key = f"item:{item.step.id}:{item.person_id}" if item.person else f"step:{item.step.id}"
            table.add_row(_styled(due_words(item, now, compact=True)), _styled(STATE_WORDS[item.state]),
                          cell(item_label(item, person_first=True)), key=key)

    def _restore(self, table: DataTable, key: str | None, scrolled: float) -> None:
        if table.row_count == 0:
            return
        if self.pending is not None:
            wanted, self.pending = self.pending, None
            self.select(*wanted)
            return
        keys = [row.key.value for row in table.ordered_rows]
        if key in keys:
            self._reveal(keys.index(key), keep=scrolled)
            return
        plan = self.view.plan
        upcoming = plan.next_due if plan else None
        if upcoming is not None:
            self.select(upcoming.step.id, upcoming.person_id)

    def select(self, step_id: str, person_id: int | None = None) -> None:
        """Put the cursor on a step (or one person's item), opening the step's people if need be."""
        table = self.query_one("#playbook-table", DataTable)
        if self.view is None:  # not mounted yet: the first plan will go there
            self.pending = (step_id, person_id)
            return
        wanted = f"item:{step_id}:{person_id}" if person_id else f"step:{step_id}"
        if person_id and step_id not in self.expanded and not self.urgent_first:
            self.expanded.add(step_id)
            self.collapsed.discard(step_id)
            self.redraw()
        keys = [row.key.value for row in table.ordered_rows]
        if wanted in keys:
            self._reveal(keys.index(wanted))

    def _reveal(self, row: int, keep: float | None = None) -> None:
        """Cursor to `row`; the list stays where it was if the row is in view, else shows the row with
        a few rows above it (its phase heading and what came before), not flush at the top."""
        table = self.query_one("#playbook-table", DataTable)
        table.move_cursor(row=row, scroll=False)
        self.reveals += 1
        token = self.reveals

        def scroll(tries: int = 10) -> None:
            if token != self.reveals:  # a later request has the last word
                return
            height = table.scrollable_content_region.height
            if not height:  # its tab is only now being shown: wait (briefly) until the table has its size
                if tries:
                    self.set_timer(0.05, lambda: scroll(tries - 1))
                return
            in_view = keep is not None and keep <= row < keep + height
            table.scroll_to(y=keep if in_view else max(0, row - 3), animate=False)

        self.call_after_refresh(scroll)

    # --- what the cursor is on --------------------------------------------------------------------

    def _row_key(self) -> str | None:
        table = self.query_one("#playbook-table", DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def _current(self) -> tuple[StepPlan | None, PlanItem | None]:
        """The step under the cursor and, if the row is one thing to do, that item."""
        key = self._row_key()
        plan = self.view.plan if self.view else None
        if not key or plan is None or key.startswith(("phase:", "more:")):
            return None, None
        kind, _, rest = key.partition(":")
        if kind == "step":
            step_plan = plan.step_plan(rest)
            single = step_plan.items[0] if step_plan and not step_plan.step.per_person else None
            return step_plan, single
        step_id, _, person = rest.rpartition(":")
        return plan.step_plan(step_id), plan.item(step_id, int(person))

    @on(DataTable.RowHighlighted, "#playbook-table")
    def _highlighted(self) -> None:
        self._show_guidance()

    def _show_guidance(self) -> None:
        self.query_one("#playbook-markdown", Markdown).update(self.guidance_markdown())

    def guidance_markdown(self) -> str:
        step_plan, item = self._current()
        if step_plan is None:
            plan = self.view.plan if self.view else None
            if plan is None:
                return ""
            return f"**{self.view.playbook.title}** ({self.view.playbook.basis})\n\n{self.view.playbook.summary}"
        step = step_plan.step
        start = ("awareness" if step.starts_at_awareness
                 else f"when '{self.view.playbook.step(step.due_from).title}' is done")
        paragraphs = [f"**{item_label(item) if item else step.title}**",
                      f"{step.role.value} · due {step.due} from {start} · records {required_evidence(step)}"]
        if step.per_person:
            paragraphs.append(f"For each person: {step.for_each_person.describe()}")
        if item and item.recorded:
            recorded = item.recorded
            paragraphs.append(f"**{recorded.state.label}** by {recorded.updated_by} at "
                              f"{format_local(recorded.updated_at, now=self.now)}"
                              + (f": {recorded.reason}" if recorded.reason else "")
                              + (f": {describe_evidence(recorded.evidence)}" if recorded.evidence else ""))
            if recorded.notes:
                paragraphs.append("\n".join(f"- note {format_local(n.at, now=self.now)} {n.by}: {n.text}"
                                             for n in recorded.notes))
        paragraphs += [readable(step.guidance), f"*{'; '.join(step.citations)}*"]
        return "\n\n".join(paragraphs)

    # --- actions --------------------------------------------------------------------------------------

    def _item_or_explain(self) -> PlanItem | None:
        step_plan, item = self._current()
        if item is not None:
            return item
        if step_plan is not None and step_plan.step.per_person:
            if not step_plan.items:
                wanted = step_plan.step.for_each_person.describe()
                self.app.notify(f"Nobody on the roster matches this step yet ({wanted}).")
                return None
            first = step_plan.most_urgent or step_plan.items[0]
            self.select(step_plan.step.id, first.person_id)
            self.app.notify("This step is done person by person: choose the person, then press the key again.")
            return None
        self.app.notify("Highlight a step first.")
        return None

    def _after(self, result) -> None:
        if result is not None:
            self.reload()
            self.post_message(self.Changed())

    def action_complete(self) -> None:
        from contingency.tui.screens.playbook_dialogs import CompleteStep

        item = self._item_or_explain()
        if item is None:
            return
        if item.state is ItemState.DONE:
            self.app.notify("Already done. Press o to add a note to it.")
            return
        self.app.push_screen(CompleteStep(self.incident_id, item), self._after)

    def _reason(self, blocked: bool) -> None:
        from contingency.tui.screens.playbook_dialogs import ReasonStep

        item = self._item_or_explain()
        if item is None:
            return
        if item.state is ItemState.DONE:
            self.app.notify("Already done. Press o to add a note to it.")
            return
        self.app.push_screen(ReasonStep(self.incident_id, item, blocked=blocked), self._after)

    def action_skip(self) -> None:
        self._reason(blocked=False)

    def action_block(self) -> None:
        self._reason(blocked=True)

    def action_note(self) -> None:
        from contingency.tui.screens.playbook_dialogs import NoteStep

        item = self._item_or_explain()
        if item is not None:
            self.app.push_screen(NoteStep(self.incident_id, item), self._after)

    def action_progress(self) -> None:
        item = self._item_or_explain()
        if item is None:
            return
        try:
            start_step(self.store, self.incident_id, item.step.id, person_id=item.person_id)
        except BadInput as exc:
            self.app.notify(str(exc), title="Not saved", severity="error", timeout=10)
            return
        self.app.notify(f"{item_label(item)}: in progress")
        self._after(True)

    def action_toggle_people(self) -> None:
        step_plan, _ = self._current()
        if step_plan is None or not step_plan.step.per_person or self.urgent_first:
            return
        step_id = step_plan.step.id
        if step_id in self.expanded:
            self.expanded.discard(step_id)
            self.collapsed.add(step_id)
        else:
            self.expanded.add(step_id)
            self.collapsed.discard(step_id)
        self.redraw()
        self.select(step_id)

    def action_toggle_order(self) -> None:
        self.urgent_first = not self.urgent_first
        self.redraw()

    def action_guidance(self) -> None:
        from contingency.tui.screens.playbook_dialogs import StepGuidance

        text = self.guidance_markdown()
        if text:
            self.app.push_screen(StepGuidance(text))

    @on(DataTable.RowSelected, "#playbook-table")
    def _selected(self) -> None:
        step_plan, item = self._current()
        if item is not None and item.person is not None:
            from contingency.tui.screens.person import PersonScreen

            self.app.push_screen(PersonScreen(item.person.id))
        elif step_plan is not None and step_plan.step.per_person:
            self.action_toggle_people()
        elif step_plan is not None:
            self.action_guidance()

    def focus_table(self) -> None:
        table = self.query_one("#playbook-table", DataTable)
        table.focus()
        if table.row_count:
            self._reveal(table.cursor_row)  # it had no height while its tab was hidden


def readable(guidance: str) -> str:
    """Guidance as its author laid it out: each line its own line, and a list ends where its bullets do.

    Playbook authors write one thought per line (playbooks/README.md); plain Markdown would run those
    lines together and fold a line after a list into its last bullet.
    """
    out: list[str] = []
    previous_bullet = None
    for line in guidance.strip().splitlines():
        bullet = line.lstrip().startswith(("- ", "* "))
        if previous_bullet is not None and bullet != previous_bullet:
            out.append("")
        elif out and not bullet:
            out[-1] += "\\"
        out.append(line)
        previous_bullet = bullet
    return "\n".join(out)
