"""The roster: filters, search as you type, and a table paged from SQLite (never all 50,000 rows)."""

from __future__ import annotations

from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from contingency.person import Basis, Flag, Funding, PersonStatus
from contingency.rules.words import plural
from contingency.services.lookups import authority
from contingency.services.overview import bodies_to_tell
from contingency.services.people import roster_count, roster_rows
from contingency.store import Store
from contingency.store.people import RosterQuery, RosterRow
from contingency.tui.literal import cell
from contingency.tui.widgets.filter_choice import FilterChoice
from contingency.tui.widgets.fixed_table import FixedTable
from contingency.tui.widgets.messages import OpenPerson
from contingency.tui.widgets.search_input import SearchInput
from contingency.tui.widgets.work import read_in_background

PAGE = 50
COUNT_HERE = 2000  # people: a bigger roster is counted by a worker, never while the officer types

BASIS_OPTIONS = [(b.label, b.value) for b in Basis]
RAG_OPTIONS = [("RED", "RED"), ("AMBER", "AMBER"), ("GREEN", "GREEN"), ("not rated", "none")]
STATUS_OPTIONS = [(s.label, s.value) for s in PersonStatus]
FLAG_OPTIONS = [("any flag", "any"), *[(f.label, f.value) for f in Flag]]


class RosterView(Vertical):
    DEFAULT_CSS = """
    RosterView { height: 1fr; }
    RosterView #roster-filters { height: 1; margin: 1 0 0 0; }
    RosterView #roster-filters Input { width: 1fr; min-width: 14; margin-right: 1; }
    RosterView #roster-filters FilterChoice { width: 12; margin-right: 1; }
    RosterView #roster-status { height: 1; width: 1fr; color: $text-muted; padding: 0 1; }
    RosterView DataTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("slash", "search", "Search", id="roster-search", tooltip="Search by name, NHS number, ref or birth date"),
        # Paging is in the status line ("[ ] pages") and help, so the footer keeps room for the incident's keys.
        Binding("left_square_bracket", "page(-1)", "Previous page", id="roster-prev", show=False,
                tooltip="The previous 50 people"),
        Binding("right_square_bracket", "page(1)", "Next page", id="roster-next", show=False,
                tooltip="The next 50 people"),
        Binding("x", "clear_filters", "Clear filters", id="roster-clear", show=False,
                tooltip="Clear the search and filters: show everyone again"),
    ]

    def __init__(self, store: Store, incident_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.incident_id = incident_id
        self.page_start = 0
        self.total = 0
        self.wide: bool | None = None
        self._columns_wide: bool | None = None
        self._count_timer: Timer | None = None
        self._big = roster_count(store, RosterQuery(incident_id)) > COUNT_HERE

    def compose(self) -> ComposeResult:
        with Horizontal(id="roster-filters"):
            yield SearchInput(placeholder="/ name, NHS no, ref, dd/mm/yyyy", id="roster-search-input", compact=True,
                              on_change=self._typed, on_leave=self.focus_table)
            yield FilterChoice(BASIS_OPTIONS, prompt="basis", id="filter-basis")
            yield FilterChoice(RAG_OPTIONS, prompt="RAG", id="filter-rag")
            yield FilterChoice(STATUS_OPTIONS, prompt="status", id="filter-status")
            yield FilterChoice(FLAG_OPTIONS, prompt="flags", id="filter-flag")
            yield FilterChoice([], prompt="tell", id="filter-authority",
                               load=lambda: bodies_to_tell(self.store, self.incident_id))
        yield Static("", id="roster-status", markup=False)
        yield FixedTable(id="roster-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        # The first page goes into the screen's first layout: the roster spans the screen, so its width is
        # the app's. Read only on resize, it would be laid out and painted a second time (issue 12).
        self._fit(self.app.size.width)

    def on_resize(self) -> None:
        self._fit(self.size.width)

    def _fit(self, width: int) -> None:
        wide = width >= 110
        if wide != self.wide:
            self.wide = wide
            self.reload()

    def query_now(self) -> RosterQuery:
        def value(choice_id: str) -> str | None:
            return self.query_one(choice_id, FilterChoice).value

        return RosterQuery(
            self.incident_id, search=self.query_one("#roster-search-input", Input).value,
            basis=value("#filter-basis"), rag=value("#filter-rag"), status=value("#filter-status"),
            flag=value("#filter-flag"), authority_ref=value("#filter-authority"),
        )

    def reload(self, *, keep_offset: bool = False, count_later: bool = False) -> None:
        """Show the page for the current search and filters. While typing, the rows come first and the
        count follows a moment later: counting 50,000 people is what would make each keystroke lag."""
        if not keep_offset:
            self.page_start = 0
        query = self.query_now()
        people = roster_rows(self.store, query, offset=self.page_start, limit=PAGE)
        self._fill(people)
        if self._count_timer is not None:
            self._count_timer.stop()
            self._count_timer = None
        if count_later:
            self._show_count(None, len(people))
            self._count_timer = self.set_timer(0.2, lambda: self._count(query, len(people)))
        else:
            self._count(query, len(people))

    def _count(self, query: RosterQuery, shown: int) -> None:
        """Everyone is counted here from an index (6 ms at 50,000 people). A search or filter of a big roster
        may scan every person (a search matches anywhere in a name): 40 ms or more, so a worker counts it on
        its own connection and the keys typed meanwhile are never held up (issue 12)."""
        if query.is_everyone:
            total = roster_count(self.store, query)
            self._big = total > COUNT_HERE
            self._show_count(total)
        elif not self._big:
            self._show_count(roster_count(self.store, query))
        else:
            self._show_count(None, shown)
            read_in_background(self, lambda mine: roster_count(mine, query), self._show_count, group="roster-count")

    def _show_count(self, total: int | None, shown: int = 0) -> None:
        status = self.query_one("#roster-status", Static)
        # One line of fixed size: repaint it without laying out the screen again (a whole-screen layout
        # on every keystroke was most of the time from key to repainted roster; issue 12).
        update = partial(status.update, layout=False)
        if total is None:
            update(f"People: first {plural(shown, 'match', 'matches')} (counting…)" if shown else "People: nobody matches")
            return
        self.total = total
        if not total and self.query_now().is_everyone:
            update("Nobody yet: n adds a person, i imports the provider's list")
            return
        last = min(self.page_start + PAGE, total)
        where = f"{self.page_start + 1}-{last} of {total:,}" if total else "nobody matches"
        paging = "  [ ] pages" if total > PAGE else ""
        update(f"People {where}{paging}  · enter opens · / searches")

    def _fill(self, people: list[RosterRow]) -> None:
        table = self.query_one("#roster-table", DataTable)
        if table.columns and bool(self._columns_wide) == bool(self.wide):
            table.clear()  # same columns: replace the rows only, so the screen need not lay out again
        else:
            table.clear(columns=True)
            self._columns_wide = self.wide
            table.add_column("RAG", key="rag", width=5)
            table.add_column("Name", key="name", width=21 if not self.wide else 28)
            table.add_column("Born", key="dob", width=10)
            table.add_column("Basis", key="basis", width=13)
            if self.wide:
                table.add_column("Status", key="status", width=20)
                table.add_column("Home / funder", key="body", width=18)
            # Every column has a width so a new page never makes the table measure every cell again.
            table.add_column("Flags", key="flags", width=40 if self.wide else 20)
        for person in people:
            dob = person.date_of_birth
            row = [
                person.rag or "—",
                person.display_name,
                f"{dob[8:10]}/{dob[5:7]}/{dob[:4]}" if dob else "",
                Basis(person.basis).label,
            ]
            if self.wide:
                body = authority(self.store, person.funding_body or person.or_code or "")
                row += [PersonStatus(person.status).label, body.nice_name if body else Funding(person.funding).label]
            flags = [Flag(f) for f in person.flags]
            row.append(", ".join(f.label for f in flags if f is not Flag.NO_RAG)
                       or ("not rated" if Flag.NO_RAG in flags else ""))
            table.add_row(*(cell(value) for value in row), key=str(person.id))

    def _typed(self, _text: str) -> None:
        self.reload(count_later=True)

    @on(FilterChoice.Changed)
    def _filtered(self) -> None:
        self.reload()

    @on(Input.Submitted, "#roster-search-input")
    def _to_table(self) -> None:
        self.query_one("#roster-table", DataTable).focus()

    @on(DataTable.RowSelected, "#roster-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.post_message(OpenPerson(int(event.row_key.value)))

    def action_search(self) -> None:
        self.query_one("#roster-search-input", Input).focus()

    def action_page(self, direction: int) -> None:
        new = self.page_start + direction * PAGE
        if 0 <= new < max(self.total, 1):
            self.page_start = new
            self.reload(keep_offset=True)

    def action_clear_filters(self) -> None:
        self.query_one("#roster-search-input", Input).value = ""
        for choice in self.query(FilterChoice):
            choice.clear()
        self.reload()

    def focus_table(self) -> None:
        self.query_one("#roster-table", DataTable).focus()
