"""The incident's cost ledger: one row per line (or per person's share), filters by route, category and
person, and the running total of what is shown. Reversed lines and reversals say so in words.

Keys act on the selected row: add a line (n), reverse it (r), change a share's route (e), details (enter).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from contingency.ledger import Category, CostLine, Route
from contingency.rules import costs as rules
from contingency.rules.costs import format_pounds
from contingency.rules.safe_text import printable
from contingency.rules.times import format_local
from contingency.rules.words import plural
from contingency.services import costs as service
from contingency.services import lookups
from contingency.services.decisions import get_decision
from contingency.services.people import get_person
from contingency.store import Store
from contingency.tui.dialogs.money import ActionDialog, Ask, DetailDialog
from contingency.tui.literal import cell
from contingency.tui.widgets.filter_choice import FilterChoice


def dates_words(line: CostLine) -> str:
    start, end = line.period_start, line.period_end
    if start == end:
        return f"{start:%d/%m/%Y}"
    if start.year == end.year:
        return f"{start:%d/%m}-{end:%d/%m/%Y}"
    return f"{start:%d/%m/%y}-{end:%d/%m/%y}"


def what_words(line: CostLine, reversed_by: int | None) -> str:
    if line.corrects is not None:
        return f"REVERSAL of {line.corrects}: {line.what}"
    if reversed_by is not None:
        return f"REVERSED by {reversed_by}: {line.what}"
    return f"{line.what} ({line.supplier})"


class CostsView(Vertical):
    DEFAULT_CSS = """
    CostsView { height: 1fr; }
    CostsView #costs-filters { height: 1; margin: 1 0 0 0; }
    CostsView #costs-filters FilterChoice { width: 1fr; margin-right: 1; }
    CostsView #costs-status { height: 1; color: $text-muted; padding: 0 1; }
    CostsView DataTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("n", "add", "Add cost", id="costs-add", tooltip="Record a cost line and the decision behind it"),
        Binding("r", "reverse", "Reverse", id="costs-reverse",
                tooltip="Reverse a wrong line with a correcting line that cites it"),
        Binding("e", "route", "Route", id="costs-route",
                tooltip="Change the legal route of one person's share, through a logged decision"),
        Binding("v", "toggle_view", "Lines/people", id="costs-view",
                tooltip="One row per line, or one row per person's share"),
        Binding("x", "clear_filters", "Clear filters", id="costs-clear", tooltip="Show every line again"),
    ]

    def __init__(self, store: Store, incident_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.incident_id = incident_id
        self.by_person = False
        self.width_seen = 0

    def compose(self) -> ComposeResult:
        with Horizontal(id="costs-filters"):
            yield FilterChoice([(r.label, r.value) for r in Route], prompt="route", id="costs-route-filter")
            yield FilterChoice([(c.label, c.value) for c in Category], prompt="category", id="costs-category-filter")
            yield FilterChoice([], prompt="person", id="costs-person-filter",
                               load=lambda: service.people_with_shares(self.store, self.incident_id))
        yield Static("", id="costs-status", markup=False)
        yield DataTable(id="costs-table", cursor_type="row", zebra_stripes=True)

    def on_show(self) -> None:
        self.reload()
        # The section's tab may still be hidden when the screen asks for focus: take it once shown.
        self.call_after_refresh(self.focus_table)

    def on_resize(self) -> None:
        if abs(self.size.width - self.width_seen) >= 4:
            self.reload()

    def _filter(self, choice_id: str) -> str | None:
        return self.query_one(choice_id, FilterChoice).value

    def reload(self) -> None:
        """Paint a page of the ledger: at most service.PAGE_ROWS rows (the latest), with totals summed by SQL,
        so a line shared by 50,000 people paints as fast as one shared by four."""
        self.width_seen = self.size.width
        person = self._filter("#costs-person-filter")
        page = service.ledger_page(self.store, self.incident_id, by_person=self.by_person,
                                   person_id=int(person) if person else None,
                                   route=self._filter("#costs-route-filter"),
                                   category=self._filter("#costs-category-filter"))
        table = self.query_one("#costs-table", DataTable)
        selected = self._selected_key()
        table.clear(columns=True)
        # Fixed columns plus cell padding and a scrollbar; What takes the rest.
        what = max(14, (self.size.width or 80) - (63 if self.by_person else 57))
        if self.by_person:
            self._by_person(table, page.shares, what)
        else:
            self._by_line(table, page.lines, what)
        filtered = any(self._filter(s) for s in ("#costs-person-filter", "#costs-route-filter",
                                                 "#costs-category-filter"))
        view = "by person" if self.by_person else "by line"
        totals = page.totals
        every = totals.shares if self.by_person else totals.lines
        shown = (f"showing the latest {page.shown:,} of {every:,} · " if page.shown < every else "")
        self.query_one("#costs-status", Static).update(
            printable(f"{shown}{plural(totals.lines, 'line')}, {plural(totals.shares, 'share')}: total "
                      f"{format_pounds(totals.total_pence)}{' (filtered)' if filtered else ''} · {view} · "
                      "enter: details"))
        if selected is not None and selected in [str(k.value) for k in table.rows]:
            table.move_cursor(row=table.get_row_index(selected))

    def _by_line(self, table: DataTable, lines: tuple[service.LinePageRow, ...], what: int) -> None:
        table.add_column("Line", key="line", width=4)
        table.add_column("Dates", key="dates", width=16)
        table.add_column("What", key="what", width=what)
        table.add_column("Ppl", key="people", width=3)
        table.add_column("Route", key="route", width=9)
        table.add_column("Amount", key="amount", width=11)
        for row in lines:
            summary = row.summary
            line = summary.line
            route = summary.routes[0] if len(summary.routes) == 1 else f"{len(summary.routes)} routes"
            if row.check:
                route = "CHECK"
            faded = "dim" if line.corrects is not None or summary.reversed_by else ""
            table.add_row(str(line.id), cell(dates_words(line)), cell(what_words(line, summary.reversed_by), style=faded),
                          str(summary.shares), route, Text(format_pounds(summary.amount_pence), justify="right"),
                          key=f"L{line.id}")

    def _by_person(self, table: DataTable, rows: tuple[service.LedgerRow, ...], what: int) -> None:
        table.add_column("Line", key="line", width=4)
        table.add_column("Person", key="person", width=18)
        table.add_column("What", key="what", width=what)
        table.add_column("Route", key="route", width=9)
        table.add_column("Amount", key="amount", width=10)
        table.add_column("Claim", key="claim", width=8)
        for row in rows:
            claim = row.claimed.reference.split("-", 2)[-1] if row.claimed else ("CHECK" if row.route_now else "-")
            # Names and descriptions are what people typed: never read as markup.
            table.add_row(str(row.line.id), cell(row.person_name), cell(what_words(row.line, row.reversed_by)),
                          row.allocation.route.value, Text(format_pounds(row.allocation.amount_pence), justify="right"),
                          claim, key=f"A{row.allocation.id}")

    def _selected_key(self) -> str | None:
        table = self.query_one("#costs-table", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def selected_line(self) -> CostLine | None:
        key = self._selected_key()
        if key is None:
            self.app.notify("No cost line selected: n adds one", severity="warning")
            return None
        if key.startswith("A"):
            return service.get_line(self.store, service.get_allocation(self.store, int(key[1:])).line_id)
        return service.get_line(self.store, int(key[1:]))

    def focus_table(self) -> None:
        self.query_one("#costs-table", DataTable).focus()

    @on(FilterChoice.Changed)
    def _filtered(self) -> None:
        self.reload()

    @on(DataTable.RowSelected, "#costs-table")
    def _details(self) -> None:
        line = self.selected_line()
        if line is not None:
            self.app.push_screen(DetailDialog(f"Cost line {line.id}", line_text(self.store, line)))

    # --- actions ------------------------------------------------------------------------------------

    def action_add(self) -> None:
        from contingency.tui.dialogs.money import AddCostDialog

        person = self._filter("#costs-person-filter")
        self.app.push_screen(AddCostDialog(self.incident_id, person or ""), lambda _: self.reload())

    def action_toggle_view(self) -> None:
        self.by_person = not self.by_person
        self.reload()

    def action_clear_filters(self) -> None:
        for choice in self.query(FilterChoice):
            choice.clear()
        self.reload()

    def action_reverse(self) -> None:
        line = self.selected_line()
        if line is None:
            return

        def act(values: dict) -> str:
            reversal = service.reverse_line(self.store, line.id, str(values["reason"]))
            return (f"Line {line.id} reversed by line {reversal.id} ({format_pounds(reversal.total_pence)}). Shares "
                    "already claimed go on the next claim as a credit. Add the right cost with n.")

        self.app.push_screen(ActionDialog(
            f"Reverse line {line.id}: {line.what}, {format_pounds(line.total_pence)}",
            [Ask("reason", "What was wrong", placeholder="e.g. wrong rate: Oakfield charges £1,050")], act,
            hint="Lines are never edited or deleted: a correcting line cancels this one exactly, share by share, "
                 "with a decision entry. Then add the right cost.", button="Reverse"), lambda _: self.reload())

    def action_route(self) -> None:
        key = self._selected_key()
        line = self.selected_line()
        if line is None or key is None:
            return
        if key.startswith("A"):
            allocation = service.get_allocation(self.store, int(key[1:]))
        elif len(line.allocations) == 1:
            allocation = line.allocations[0]
        else:
            self.app.notify(f"Line {line.id} is shared by {len(line.allocations)} people: press v to see each "
                            "share, then e on the one to re-route.", title="Choose a share")
            return
        claimed = service.claimed_shares(self.store, self.incident_id).get(allocation.id)
        if claimed is not None:
            self.app.notify(f"This share is on claim {claimed.reference}: reverse line {line.id} (r) and add it again, "
                            "so the claim gets a credit.", title="Route stays", timeout=12)
            return
        person = get_person(self.store, allocation.person_id)
        allowed = rules.allowed_routes(person, category=line.category, authorities=lookups.authorities(self.store))
        options = [(choice.route.label, route.value) for route, choice in allowed.items()
                   if route is not allocation.route]
        if not options:
            self.app.notify(f"No other route is allowed for {person.facts.display_name}'s share: "
                            f"{allocation.route_reason}", title="Route stays", timeout=12, markup=False)
            return

        def act(values: dict) -> str:
            changed = service.change_route(self.store, allocation.id, str(values["route"]),
                                           decision_text=str(values["decision"]), rationale=str(values["rationale"]))
            return (f"{person.facts.display_name}'s share is now {changed.route.value} "
                    f"(decision {changed.route_decision_id})")

        self.app.push_screen(ActionDialog(
            f"Route of {person.facts.display_name}'s share of line {line.id} (now {allocation.route.value})",
            [Ask("route", "New route", kind="select", options=tuple(options)),
             Ask("decision", "Decision"), Ask("rationale", "Rationale")], act,
            hint="Only routes the law allows are offered (brief rules 11, 16-18). The change is a decision entry.",
            button="Change route"), lambda _: self.reload())


def line_text(store: Store, line: CostLine) -> str:
    """Everything about one line: the sum, the decision, and each person's share with its route and claim."""
    decision = get_decision(store, line.decision_id)
    claimed = service.claimed_shares(store, line.incident_id)
    reversed_by = service.reversal_of(store, line.id)
    people = service.people_by_id(store, line.incident_id, (a.person_id for a in line.allocations))
    rule = rules.how_total(line.unit, line.rate_pence, line.quantity_milli, line.days)
    text = [
        f"{line.what}" + (f" · REVERSAL of line {line.corrects}" if line.corrects else "")
        + (f" · REVERSED by line {reversed_by}" if reversed_by else ""),
        f"Supplier: {line.supplier}   Category: {line.category.label}",
        f"Period: {dates_words(line)} ({line.days} {'day' if line.days == 1 else 'days'})",
        f"Total: {format_pounds(line.total_pence)} = {rule}, rounded half up to the penny",
        f"Authorised by decision {decision.id}: {decision.decision}",
        f"  why: {decision.rationale}",
        f"Recorded by {line.created_by} at {format_local(line.created_at)}",
        "",
        f"Shared by {len(line.allocations)} {'person' if len(line.allocations) == 1 else 'people'}:",
    ]
    for allocation in line.allocations:
        person = people[allocation.person_id]
        claim = claimed.get(allocation.id)
        source = f" from {allocation.recover_from}" if allocation.recover_from else ""
        decided = f" · route set by decision {allocation.route_decision_id}" if allocation.route_decision_id else ""
        text.append(f"  {person.facts.display_name} ({person.id}): {format_pounds(allocation.amount_pence)} "
                    f"{allocation.route.value}{source}"
                    + (f" · on claim {claim.reference}" if claim else " · not claimed") + decided)
        text.append(f"    {allocation.route_reason}")
    return "\n".join(text)
