"""The incident's playbook: steps by phase with their state and timing in words, guidance beneath.

Per-person steps list their people under them: straight away when one is due within 12 hours (unless
there are very many), otherwise on `enter` or `space`; a page of PAGE people at a time, `enter` on the
'… more' row for the next. `u` switches to one list of open items, most urgent first.

At any roster size the section paints from a summary (services.playbooks.playbook_summary: each per-person
step as counts, planned from one stand-in per crowd of alike people) and reads only the people on screen
(issue 12); it never builds an item for every person.
"""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Markdown, Static
from textual.worker import Worker, WorkerState

from contingency.engine.plan import Plan, PlanItem, StepPlan
from contingency.engine.runs import ItemState, describe_evidence, required_evidence
from contingency.engine.words import due_words, item_label, next_due_words, step_words
from contingency.rules.safe_text import printable
from contingency.rules.times import format_local
from contingency.services.errors import BadInput
from contingency.services.incidents import get_incident
from contingency.services.playbooks import (
    PlaybookSummary,
    playbook_summary,
    start_step,
    step_first,
    step_people,
    step_place,
    summary_ready,
    urgent_items,
)
from contingency.services.playbooks import next_due as next_due_item
from contingency.store import Store
from contingency.tui.literal import cell
from contingency.tui.widgets.messages import OpenPerson, Recorded
from contingency.tui.widgets.work import read_in_background

SOON = timedelta(hours=12)
MANY = 60  # a per-person step with more people than this opens only when asked (space or enter)
PLAN_HERE = 2000  # people: a bigger incident's plan is made by a worker (issue 12)
PAGE = 100  # people of a per-person step shown at a time: enter on '… more' shows the next page
SHOW_AT_MOST = 500  # rows of the urgent list in the table; the roster has everyone
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

    def __init__(self, store: Store, incident_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.incident_id = incident_id
        self.view: PlaybookSummary | None = None
        self._planned_at: tuple[int, int] | None = None
        self.expanded: set[str] = set()
        self.collapsed: set[str] = set()  # steps the officer closed, kept closed across reloads
        self.urgent_first = False
        self.pending: tuple[str, int | None] | None = None  # a step asked for before the first plan
        self.reveals = 0
        self.offsets: dict[str, int] = {}  # step id -> the first of its people shown (a page of PAGE)
        self.rows: dict[str, PlanItem] = {}  # "item:step:person" -> the person's item, for the rows on screen
        self._pages: dict[tuple[str, int], list[PlanItem]] = {}
        self._urgent: list[PlanItem] | None = None
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
        """What the incident header shows as next (services.playbooks.next_due: from the crowds of alike people,
        never a plan item a person)."""
        return next_due_words(next_due_item(self.store, self.incident_id, now=now), now)

    # --- filling the table ------------------------------------------------------------------------

    def shown(self) -> None:
        """The section is in front of the officer: make the plan now if there is none or it is out of date."""
        self.wanted = True
        if self.view is None or self.store.version != self._planned_at:
            self.reload()

    def reload(self) -> None:
        """Plan again from the store (after anything is recorded or the screen comes back).

        What is planned is a summary (services.playbooks.playbook_summary): every step, a per-person step as
        counts, from one stand-in per crowd of alike people; a few hundred items however long the roster. The
        people of a step are read a page at a time, only when the step is open (issue 12)."""
        if not self.wanted or not self.query_one("#playbook-table", DataTable).columns:
            return  # not shown yet: shown() makes the first plan
        version = self.store.version
        if self.view is not None and version == self._planned_at:
            self.redraw()  # nothing written since the last plan: only the words for time change
            return
        people = get_incident(self.store, self.incident_id).people_count
        if people > PLAN_HERE and not summary_ready(self.store, self.incident_id):
            self._plan_in_background(version, people)
            return
        self._planned(playbook_summary(self.store, self.incident_id), version)

    def _plan_in_background(self, version, people: int) -> None:
        """Grouping tens of thousands of people takes a moment: a worker does it on a connection of its own,
        and the section says so meanwhile (the header's next step never waits for it)."""
        if self.view is None:
            self.query_one("#playbook-summary", Static).update(
                f"Working out the playbook for {people:,} people…")
        read_in_background(self, lambda mine: playbook_summary(mine, self.incident_id),
                           lambda view: self._planned(view, version), group="playbook-plan")

    def _planned(self, view: PlaybookSummary, version) -> None:
        if not self.is_attached:
            return
        self.view, self._planned_at = view, version
        self._pages, self._urgent = {}, None  # the people of a step are read again, for this plan
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
        self.rows = {}
        if plan is not None:
            self._expand_urgent(plan, now)
            if self.urgent_first:
                self._fill_urgent(table, now)
            else:
                self._fill_phases(table, plan, now)
        self._restore(table, selected, scrolled)
        self._show_guidance()

    def _summary(self, now) -> str:
        view = self.view
        if view.playbook is None or view.plan is None:
            return f"No playbook: {view.message}."
        overdue = view.overdue(now)
        words = [view.playbook.title, f"{overdue:,} OVERDUE" if overdue else "nothing overdue"]
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
                    and step_plan.step.id not in self.collapsed
                    and self.view.count(step_plan.step.id, now).total <= MANY):
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
        counted = self.view.count(step.id, now)
        shown = step.id in self.expanded
        count = f"{counted.open:,} of {counted.total:,} open" + (
            f", {counted.overdue:,} OVERDUE" if counted.overdue and counted.total > 1 else "")
        marker = "▾" if shown else "▸"
        words = step_words(step_plan, now, compact=True)  # a stand-in's timing is its whole crowd's
        table.add_row(_styled(words if words.startswith(("OVERDUE", "due", "after", "BLOCKED")) else ""),
                      _styled("" if counted.open or not counted.total else "ALL DONE"),
                      cell(f"{marker} {step.title} ({count if counted.total else 'nobody yet'})"),
                      key=f"step:{step.id}")
        if not shown or not counted.total:
            return
        offset = min(self.offsets.get(step.id, 0), (counted.total - 1) // PAGE * PAGE)  # the list may have shrunk
        if offset:
            table.add_row("", "", cell(f"    ↑ people 1–{offset:,}: enter shows the {PAGE} before"),
                          key=f"less:{step.id}")
        page = self._page(step.id, offset)
        for item in page:
            self._add_item(table, item, now)
        rest = counted.total - offset - len(page)
        if rest > 0:
            table.add_row("", "", cell(f"    … {rest:,} more: enter shows the next {min(PAGE, rest)}; u lists the most "
                                       "urgent first; the roster (2) finds anyone"), key=f"more:{step.id}")

    def _page(self, step_id: str, offset: int) -> list[PlanItem]:
        """A page of a step's people: read when first shown, kept until the next plan."""
        key = (step_id, offset)
        if key not in self._pages:
            self._pages[key] = step_people(self.store, self.view, step_id, offset=offset, limit=PAGE, now=self.now)
        return self._pages[key]

    def _add_item(self, table: DataTable, item: PlanItem, now) -> None:
        label = f"    {item.person.label}" + ("" if item.matches else " (no longer matches)")
        key = f"item:{item.step.id}:{item.person_id}"
        self.rows[key] = item
        table.add_row(_styled(due_words(item, now, compact=True), item.is_open),
                      _styled(STATE_WORDS[item.state]), cell(label), key=key)

    def _fill_urgent(self, table: DataTable, now) -> None:
        if self._urgent is None:
            self._urgent = urgent_items(self.store, self.view, SHOW_AT_MOST, now=now)
        open_items, everything = self._urgent, self.view.open_count()
        if not open_items:
            table.add_row("", "", "Every step is done or not applicable.", key="phase:none")
        if everything > SHOW_AT_MOST:
            table.add_row("", "", cell(f"The {len(open_items)} most urgent of {everything:,} open items"),
                          key="phase:most-urgent")
        for item in open_items:
            key = f"item:{item.step.id}:{item.person_id}" if item.person else f"step:{item.step.id}"
            if item.person:
                self.rows[key] = item
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
        upcoming = next_due_item(self.store, self.incident_id) if self.view.plan else None
        if upcoming is not None:
            self.select(upcoming.step.id, upcoming.person_id)

    def select(self, step_id: str, person_id: int | None = None) -> None:
        """Put the cursor on a step (or one person's item), opening the step's people, at the page that has
        the person, if need be."""
        table = self.query_one("#playbook-table", DataTable)
        if self.view is None:  # not mounted yet: the first plan will go there
            self.pending = (step_id, person_id)
            return
        wanted = f"item:{step_id}:{person_id}" if person_id else f"step:{step_id}"
        if person_id and not self.urgent_first:
            again = step_id not in self.expanded
            self.expanded.add(step_id)
            self.collapsed.discard(step_id)
            if wanted not in self.rows:
                place = step_place(self.store, self.view, step_id, person_id)
                if place is not None:
                    self.offsets[step_id] = place // PAGE * PAGE
                    again = True
            if again:
                self.redraw()
        keys = [row.key.value for row in table.ordered_rows]
        if wanted in keys:
            self._reveal(keys.index(wanted))

    def _turn(self, key: str) -> None:
        """Enter on '… more' or '↑ people': the step's next or previous page, the cursor on its first person."""
        kind, _, step_id = key.partition(":")
        offset = self.offsets.get(step_id, 0)
        self.offsets[step_id] = max(0, offset + (PAGE if kind == "more" else -PAGE))
        self.redraw()
        table = self.query_one("#playbook-table", DataTable)
        keys = [row.key.value for row in table.ordered_rows]
        first = next((n for n, k in enumerate(keys) if k.startswith(f"item:{step_id}:")), None)
        if first is not None:
            self._reveal(first)

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
        """The step under the cursor and, if the row is one thing to do, that item (a real person's: a
        step's own plan has stand-ins for its crowds)."""
        key = self._row_key()
        plan = self.view.plan if self.view else None
        if not key or plan is None or key.startswith(("phase:", "more:", "less:")):
            return None, None
        kind, _, rest = key.partition(":")
        if kind == "step":
            step_plan = plan.step_plan(rest)
            single = step_plan.items[0] if step_plan and not step_plan.step.per_person else None
            return step_plan, single
        step_id, _, _ = rest.rpartition(":")
        return plan.step_plan(step_id), self.rows.get(key)

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
            first = step_first(self.store, self.view, step_plan.step.id)
            if first is not None:
                self.select(step_plan.step.id, first.person_id)
            self.app.notify("This step is done person by person: choose the person, then press the key again.")
            return None
        self.app.notify("Highlight a step first.")
        return None

    def _after(self, result) -> None:
        if result is not None:
            self.reload()
            self.post_message(Recorded())

    def action_complete(self) -> None:
        from contingency.tui.dialogs.playbook import CompleteStep

        item = self._item_or_explain()
        if item is None:
            return
        if item.state is ItemState.DONE:
            self.app.notify("Already done. Press o to add a note to it.")
            return
        self.app.push_screen(CompleteStep(self.incident_id, item), self._after)

    def _reason(self, blocked: bool) -> None:
        from contingency.tui.dialogs.playbook import ReasonStep

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
        from contingency.tui.dialogs.playbook import NoteStep

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
        from contingency.tui.dialogs.playbook import StepGuidance

        text = self.guidance_markdown()
        if text:
            self.app.push_screen(StepGuidance(text))

    @on(DataTable.RowSelected, "#playbook-table")
    def _selected(self) -> None:
        key = self._row_key()
        if key and key.startswith(("more:", "less:")):
            self._turn(key)
            return
        step_plan, item = self._current()
        if item is not None and item.person is not None:
            self.post_message(OpenPerson(item.person.id))
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
