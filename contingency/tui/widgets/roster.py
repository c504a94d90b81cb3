"""The roster: filters, search as you type, and a table paged from SQLite (never all 50,000 rows)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Select, Static

from contingency.person import Basis, Flag, Person, PersonStatus
from contingency.store import Store
from contingency.store.people import RosterQuery

PAGE = 200
BASIS_OPTIONS = [(b.label, b.value) for b in Basis]
RAG_OPTIONS = [("RED", "RED"), ("AMBER", "AMBER"), ("GREEN", "GREEN"), ("not rated", "none")]
STATUS_OPTIONS = [(s.label, s.value) for s in PersonStatus]
FLAG_OPTIONS = [("any flag", "any"), *[(f.label, f.value) for f in Flag]]


class RosterView(Vertical):
    DEFAULT_CSS = """
    RosterView { height: 1fr; }
    RosterView #roster-filters { height: 1; margin: 1 0 0 0; }
    RosterView #roster-filters Input { width: 1fr; min-width: 14; margin-right: 1; }
    RosterView #roster-filters Select { width: 12; margin-right: 1; }
    RosterView #roster-status { height: 1; color: $text-muted; padding: 0 1; }
    RosterView DataTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("slash", "search", "Search", id="roster-search", tooltip="Search by name, NHS number, ref or birth date"),
        Binding("right_square_bracket", "page(1)", "Next page", id="roster-next", tooltip="Next 200 people"),
        Binding("left_square_bracket", "page(-1)", "Prev page", id="roster-prev", tooltip="Previous 200 people"),
        Binding("x", "clear_filters", "Clear filters", id="roster-clear", tooltip="Show everyone again"),
    ]

    class Open(Message):
        def __init__(self, person_id: int) -> None:
            super().__init__()
            self.person_id = person_id

    def __init__(self, store: Store, incident_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.incident_id = incident_id
        self.page_start = 0
        self.total = 0
        self.wide: bool | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="roster-filters"):
            yield Input(placeholder="/ name, NHS no, ref, dd/mm/yyyy", id="roster-search-input", compact=True)
            yield Select(BASIS_OPTIONS, prompt="basis", id="filter-basis", compact=True)
            yield Select(RAG_OPTIONS, prompt="RAG", id="filter-rag", compact=True)
            yield Select(STATUS_OPTIONS, prompt="status", id="filter-status", compact=True)
            yield Select(FLAG_OPTIONS, prompt="flags", id="filter-flag", compact=True)
            yield Select([], prompt="tell", id="filter-authority", compact=True)
        yield Static("", id="roster-status", markup=False)
        yield DataTable(id="roster-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self._authority_options()
        self.reload()

    def on_resize(self) -> None:
        wide = self.size.width >= 110
        if wide != self.wide:
            self.wide = wide
            self.reload()

    def _authority_options(self) -> None:
        summary = self.store.people.summary(self.incident_id)
        options = []
        for ref in summary["notify"]:
            kind, _, code = ref.partition(":")
            name = code
            if kind == "la":
                found = self.store.authorities.get(code)
                name = found.nice_name if found else code
            else:
                try:
                    name = self.store.icbs.resolve(code).name.removeprefix("NHS ").removesuffix(" Integrated Care Board") + " ICB"
                except LookupError:
                    pass
            options.append((name, ref))
        self.query_one("#filter-authority", Select).set_options(options)

    def query_now(self) -> RosterQuery:
        def value(select_id: str) -> str | None:
            selected = self.query_one(select_id, Select).value
            return None if selected is Select.NULL else str(selected)

        return RosterQuery(
            self.incident_id, search=self.query_one("#roster-search-input", Input).value,
            basis=value("#filter-basis"), rag=value("#filter-rag"), status=value("#filter-status"),
            flag=value("#filter-flag"), authority_ref=value("#filter-authority"),
        )

    def reload(self, *, keep_offset: bool = False) -> None:
        if not keep_offset:
            self.page_start = 0
        query = self.query_now()
        self.total = self.store.people.count(query)
        people = self.store.people.page(query, offset=self.page_start, limit=PAGE)
        self._fill(people)
        last = min(self.page_start + PAGE, self.total)
        where = f"{self.page_start + 1}-{last} of {self.total:,}" if self.total else "nobody matches"
        paging = "  [ ] pages" if self.total > PAGE else ""
        self.query_one("#roster-status", Static).update(f"People {where}{paging}  · enter opens · / searches")

    def _fill(self, people: list[Person]) -> None:
        table = self.query_one("#roster-table", DataTable)
        table.clear(columns=True)
        table.add_column("RAG", key="rag", width=5)
        table.add_column("Name", key="name", width=21 if not self.wide else 28)
        table.add_column("Born", key="dob", width=10)
        table.add_column("Basis", key="basis", width=13)
        if self.wide:
            table.add_column("Status", key="status", width=20)
            table.add_column("Home / funder", key="body", width=18)
        table.add_column("Flags", key="flags")
        for person in people:
            facts, det = person.facts, person.determination
            row = [
                facts.rag.value if facts.rag else "—",
                facts.display_name,
                facts.date_of_birth.strftime("%d/%m/%Y") if facts.date_of_birth else "",
                det.basis.label,
            ]
            if self.wide:
                body = self.store.authorities.get(facts.funding_body or facts.or_code or "")
                row += [facts.status.label, body.nice_name if body else facts.funding.label]
            row.append(", ".join(f.label for f in det.flags if f is not Flag.NO_RAG)
                       or ("not rated" if Flag.NO_RAG in det.flags else ""))
            table.add_row(*row, key=str(person.id))

    @on(Input.Changed, "#roster-search-input")
    @on(Select.Changed)
    def _changed(self) -> None:
        self.reload()

    @on(Input.Submitted, "#roster-search-input")
    def _to_table(self) -> None:
        self.query_one("#roster-table", DataTable).focus()

    @on(DataTable.RowSelected, "#roster-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.post_message(self.Open(int(event.row_key.value)))

    def action_search(self) -> None:
        self.query_one("#roster-search-input", Input).focus()

    def action_page(self, direction: int) -> None:
        new = self.page_start + direction * PAGE
        if 0 <= new < max(self.total, 1):
            self.page_start = new
            self.reload(keep_offset=True)

    def action_clear_filters(self) -> None:
        self.query_one("#roster-search-input", Input).value = ""
        for select in self.query(Select):
            select.clear()
        self.reload()

    def focus_table(self) -> None:
        self.query_one("#roster-table", DataTable).focus()
