"""Placements: the offers of beds and care hours (EXPIRED in words), a person's matches best first, the move
decision with its rationale, and the move checklist ticked done or N/A with a note."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Button, DataTable, Input, Static

from contingency.rules.costs import format_pounds
from contingency.rules.times import format_local
from contingency.services.errors import BadInput
from contingency.services.placements import checklist, decide_move, find_person, match, offers, tick
from contingency.store.errors import NotFound
from contingency.tui.literal import Literal, cell
from contingency.tui.plain import plain
from contingency.tui.base import AppScreen, Dialog
from contingency.tui.dialogs.decisions import ChoiceWithReason
from contingency.tui.widgets.fields import Field
from contingency.tui.widgets.leaving_input import LeavingInput


class PlacementsScreen(AppScreen):
    TITLE = "Placements"
    HELP = ("Offers of beds and care hours; an offer past its hold time says EXPIRED. `n` records one offer, `i` "
            "imports a list of them. Type a person's name or id (or open this from the person) to see the offers "
            "that suit them, best first: the partner's home, then the nearest, no top-up question, friends; "
            "`escape` when done typing. `f` records what matching needs (sex, partner and shared room, friends, "
            "the family's postcode). `enter` on a match decides the move (a decision entry with the options "
            "considered and your reason); `c` opens the person's move checklist.")
    DEFAULT_CSS = """
    PlacementsScreen #vacancy-table { height: 7; }
    PlacementsScreen #match-table { height: 1fr; }
    PlacementsScreen #person-id { width: 40; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back", id="back", tooltip="Back to the incident"),
        Binding("enter", "decide", "Decide move", id="decide-move", tooltip="Decide the move to the highlighted match"),
        Binding("p", "person", "Person", id="pick-person",
                tooltip="Type who to match: a name, NHS number, provider reference or id"),
        Binding("n", "add_offer", "Add offer", id="add-offer", tooltip="Record an offer of beds or care hours"),
        Binding("i", "import_offers", "Import", id="import-offers",
                tooltip="Import a CSV or XLSX list of offers (a brokerage team's spreadsheet)"),
        Binding("c", "checklist", "Checklist", id="move-checklist", tooltip="The person's move checklist"),
        Binding("f", "facts", "Facts", id="placement-facts",
                tooltip="What matching needs: sex, partner and shared room, friends, the family's postcode"),
        # Help lists it; the footer keeps its room for f1 at 80 columns.
        Binding("r", "refresh", "Refresh", id="refresh-placements", show=False, tooltip="Work the lists out again now"),
    ]

    def __init__(self, incident_id: int, person_id: int | None = None) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.person_id = person_id
        self.person_hint = ""
        self.match_ids: list[int] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        yield Static("", id="offers-title", classes="screen-title", markup=False)
        yield DataTable(id="vacancy-table", cursor_type="row", zebra_stripes=True)
        yield Field("Person (enter)", LeavingInput(id="person-id", placeholder="name, NHS number, ref or id",
                                                   on_leave=self._leave_person))
        yield Literal("", id="match-title")
        yield DataTable(id="match-table", cursor_type="row", zebra_stripes=True)
        yield from self.compose_footer()

    def on_mount(self) -> None:
        vacancies = self.query_one("#vacancy-table", DataTable)
        for label, key, width in (("Id", "id", 4), ("Offer", "provider", 22), ("Type", "type", 16),
                                  ("Left", "left", 7), ("Rate", "rate", 10), ("Status", "status", None)):
            vacancies.add_column(label, key=key, width=width)
        matches = self.query_one("#match-table", DataTable)
        for label, key, width in (("Id", "id", 4), ("Offer", "provider", 22), ("Rate", "rate", 10),
                                  ("Why", "why", None)):
            matches.add_column(label, key=key, width=width)
        if self.person_id is not None:
            self.query_one("#person-id", Input).value = str(self.person_id)
        self.refresh_all()
        (matches if self.person_id is not None else self.query_one("#person-id", Input)).focus()

    def on_screen_resume(self) -> None:
        self.refresh_all()

    def refresh_all(self) -> None:
        now = self.capp.clock()
        found = offers(self.store, self.incident_id, now=now)
        table = self.query_one("#vacancy-table", DataTable)
        table.clear()
        for o in found:
            v = o.vacancy
            table.add_row(str(v.id), cell(v.provider), cell(v.types_words), f"{o.left}/{v.places}", o.rate_words
                          .replace("/wk", ""), cell(o.when, style="bold" if o.expired else ""), key=str(v.id))
        expired = sum(o.expired for o in found)
        self.query_one("#offers-title", Static).update(
            f"Offers: {len(found) - expired} current, {expired} EXPIRED")
        self.refresh_matches()

    def refresh_matches(self) -> None:
        table = self.query_one("#match-table", DataTable)
        table.clear()
        self.match_ids = []
        title = self.query_one("#match-title", Literal)
        if self.person_id is None:
            title.update(self.person_hint or "Type a person's name, NHS number, reference or id above to see the "
                         "offers that suit them; escape when done typing, for the keys (n adds an offer).")
            return
        try:
            found = match(self.store, self.person_id, now=self.capp.clock())
        except NotFound as exc:
            title.update(plain(exc))
            return
        if found.person.incident_id != self.incident_id:
            title.update(f"Person {self.person_id} is not on this incident.")
            return
        moving = f" · move decided (vacancy {found.current.vacancy_id})" if found.current else ""
        title.update(f"{found.person.facts.display_name} needs {found.needs_words()}: {len(found.matches)} suit, "
                     f"{len(found.unsuitable)} do not{moving}")
        for m in found.matches:
            rate = format_pounds(m.vacancy.weekly_rate_pence) if m.vacancy.weekly_rate_pence is not None else "?"
            table.add_row(str(m.vacancy.id), cell(m.vacancy.provider), rate, cell(m.words), key=str(m.vacancy.id))
            self.match_ids.append(m.vacancy.id)

    @on(Input.Submitted, "#person-id")
    def person_entered(self, event: Input.Submitted) -> None:
        self.person_id, self.person_hint = find_person(self.store, self.incident_id, event.value)
        self.refresh_matches()
        if self.match_ids:
            self.query_one("#match-table", DataTable).focus()

    @on(DataTable.RowSelected, "#match-table")
    def match_selected(self) -> None:
        self.action_decide()

    def _leave_person(self) -> None:
        tables = [self.query_one("#match-table", DataTable)] if self.match_ids else []
        (tables or [self.query_one("#vacancy-table", DataTable)])[0].focus()

    def action_person(self) -> None:
        self.query_one("#person-id", Input).focus()

    def action_refresh(self) -> None:
        self.refresh_all()

    def action_add_offer(self) -> None:
        from contingency.services.placements import add_vacancy
        from contingency.tui.dialogs.money import ActionDialog, Ask

        def act(values: dict[str, object]) -> str:
            vacancy = add_vacancy(self.store, values, incident_id=self.incident_id)
            return f"Offer {vacancy.id} from {vacancy.provider} recorded"

        asks = [Ask("provider", "Home or agency"), Ask("type", "Type", placeholder="residential, nursing, dementia, "
                                                         "bariatric, home care", value="residential"),
                Ask("location", "Home's name and address"), Ask("postcode", "Postcode"),
                Ask("gender", "Who it is for", value="any", placeholder="any, female or male"),
                Ask("places", "Beds (or hours a week)", value="1"), Ask("rate", "Weekly rate £", placeholder="1,050.00"),
                Ask("available_from", "Available from", placeholder="now, or e.g. 24/11/2026 09:00"),
                Ask("held_until", "Held until", placeholder="e.g. 25/11/2026 17:00"), Ask("contact", "Contact"),
                Ask("notes", "Notes")]
        self.app.push_screen(ActionDialog("Record an offer of beds or care hours", asks, act,
                                          hint="Offers expire when their hold runs out; the list says EXPIRED."),
                             lambda _: self.refresh_all())

    def action_facts(self) -> None:
        if self.person_id is None:
            self.notify("Pick a person first.", markup=False)
            return
        self.app.push_screen(placement_facts_dialog(self.store, self.person_id), lambda _: self.refresh_matches())

    def action_import_offers(self) -> None:
        from contingency.tui.dialogs.offers_import import OffersImportDialog

        self.app.push_screen(OffersImportDialog(self.incident_id), lambda _: self.refresh_all())

    def action_decide(self) -> None:
        table = self.query_one("#match-table", DataTable)
        if self.person_id is None or not self.match_ids:
            self.notify("Pick a person with at least one suitable offer first.", markup=False)
            return
        vacancy_id = self.match_ids[min(table.cursor_row, len(self.match_ids) - 1)]
        self.app.push_screen(MoveDecisionDialog(self.person_id, vacancy_id), lambda _: self.refresh_all())

    def action_checklist(self) -> None:
        if self.person_id is None:
            self.notify("Pick a person first.", markup=False)
            return
        self.app.push_screen(MoveChecklistScreen(self.person_id))

    def action_back(self) -> None:
        self.app.pop_screen()


SEX_OPTIONS = (("not known", ""), ("female", "female"), ("male", "male"))
ROOM_OPTIONS = (("no", "no"), ("yes", "yes"))


def placement_facts_dialog(store, person_id: int):
    """The facts only matching needs, as recorded now; people are named as the placements screen finds them."""
    from contingency.services.people import get_person
    from contingency.services.placements import placement_facts, set_placement_facts
    from contingency.tui.dialogs.money import ActionDialog, Ask

    person = get_person(store, person_id)
    profile = placement_facts(store, person_id)
    partner = profile["partner_person_id"]

    def one(field: str, text: str) -> int:
        found, hint = find_person(store, person.incident_id, text)
        if found is None:
            raise BadInput(f"{field}: {hint}")
        return found

    def act(values: dict[str, object]) -> str:
        partner_text = str(values["partner"])
        friends_text = str(values["friends"])
        set_placement_facts(
            store, person_id, sex=str(values["sex"]),
            partner_id=one("partner", partner_text) if partner_text else None,
            no_partner=not partner_text and partner is not None, shares_room=values["shares_room"] == "yes",
            friends=[one("friends", f) for f in friends_text.split(",") if f.strip()],
            family_postcode=str(values["family_postcode"]))
        return f"Placement facts recorded for {person.facts.display_name}"

    asks = [Ask("sex", "Sex", kind="select", options=SEX_OPTIONS, value=profile["sex"] or ""),
            Ask("partner", "Partner", placeholder="name, NHS number, ref or id; blank: none",
                value=str(partner) if partner else ""),
            Ask("shares_room", "Shares a room", kind="select", options=ROOM_OPTIONS,
                value="yes" if profile["shares_room"] else "no"),
            Ask("friends", "Friends in the home", placeholder="names or ids, with commas",
                value=", ".join(str(f) for f in profile["friends"])),
            Ask("family_postcode", "Family's postcode", value=profile["family_postcode"] or "")]
    return ActionDialog(f"What matching needs to know about {person.facts.display_name}", asks, act,
                        hint="A partner is recorded on both records; a couple sharing a room is never split "
                             "without a reason. A home a friend is moving to ranks higher, after nearness.")


class MoveDecisionDialog(Dialog):
    """The officer's choice of a vacancy, recorded as a decision entry with the options considered."""

    BINDINGS = [Binding("ctrl+s", "save", "Decide", id="save", tooltip="Record the move decision")]
    FIELDS = {"reason": "f-reason", "split_reason": "f-split"}

    def __init__(self, person_id: int, vacancy_id: int) -> None:
        super().__init__()
        self.person_id = person_id
        self.vacancy_id = vacancy_id

    def compose(self) -> ComposeResult:
        found = match(self.store, self.person_id)
        chosen = next(m for m in found.matches if m.vacancy.id == self.vacancy_id)
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Literal(f"Move {found.person.facts.display_name} to {chosen.vacancy.provider}?",
                          classes="dialog-title")
            yield Literal(f"{chosen.words}. Options considered: {len(found.matches)} suitable offer(s); the "
                          "decision log keeps them all.", classes="hint")
            yield Field("Why this place", Input(id="reason"), id="f-reason")
            yield Field("Why the couple is split", Input(id="split", placeholder="only if asked"), id="f-split")
            yield Static("", id="dialog-error", markup=False)
            yield Button("Decide (ctrl+s)", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        try:
            move, entry = decide_move(self.store, self.person_id, self.vacancy_id,
                                      rationale=self.query_one("#reason", Input).value,
                                      split_reason=self.query_one("#split", Input).value)
        except BadInput as exc:
            self.place_error(exc, self.FIELDS)
            return
        self.notify(f"Decision {entry.id} recorded; the move checklist is ready (c).", markup=False)
        self.dismiss(move.id)


class MoveChecklistScreen(AppScreen):
    TITLE = "Move checklist"
    HELP = ("What must happen for this person's move, each with when it is due. `t` ticks the highlighted item "
            "done or not applicable, with a note (kept in the log). When everything before the move is ticked, "
            "the playbook's 'Prepare this person's move' is done; arrival and the 72-hour review complete theirs.")
    DEFAULT_CSS = "MoveChecklistScreen #check-table { height: 1fr; }"
    BINDINGS = [
        Binding("escape", "back", "Back", id="back", tooltip="Back"),
        Binding("t", "tick", "Tick", id="tick-item", tooltip="Mark the item done or not applicable, with a note"),
    ]

    def __init__(self, person_id: int) -> None:
        super().__init__()
        self.person_id = person_id
        self.keys: list[str] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        yield Literal("", id="check-title", classes="screen-title")
        yield DataTable(id="check-table", cursor_type="row", zebra_stripes=True)
        yield Literal("", id="check-note")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self.query_one("#check-table", DataTable)
        table.add_column("Status", key="status", width=16)
        table.add_column("Item", key="item")
        self.refresh_rows()
        table.focus()

    def refresh_rows(self) -> None:
        now = self.capp.clock()
        title = self.query_one("#check-title", Literal)
        table = self.query_one("#check-table", DataTable)
        table.clear()
        try:
            view = checklist(self.store, self.person_id, now=now)
        except (BadInput, NotFound) as exc:
            title.update(plain(exc))
            self.keys = []
            return
        title.update(f"{view.person.facts.display_name} to {view.vacancy.provider}: {view.open_count} open, "
                     f"{view.overdue_count} OVERDUE (decided {format_local(view.move.decided_at, now=now)})")
        self.keys = [r.item.key for r in view.rows]
        for row in view.rows:
            words = row.due_words(now)
            table.add_row(cell(words, style="bold" if row.overdue else ""),
                          cell(row.rule.title + (f" · {row.item.note}" if row.item.note else "")), key=row.item.key)

    @on(DataTable.RowHighlighted, "#check-table")
    def show_citation(self, event: DataTable.RowHighlighted) -> None:
        from contingency.rules.placements import CHECKLIST_KEYS

        key = str(event.row_key.value) if event.row_key else ""
        rule = CHECKLIST_KEYS.get(key)
        self.query_one("#check-note", Literal).update(rule.citation if rule else "")

    def action_tick(self) -> None:
        if not self.keys:
            return
        table = self.query_one("#check-table", DataTable)
        key = self.keys[min(table.cursor_row, len(self.keys) - 1)]
        from contingency.rules.placements import CHECKLIST_KEYS

        def act(choice: str, note: str, _detail: str) -> str | None:
            _, did = tick(self.store, self.person_id, key, done=choice == "done", note=note)
            return "; ".join(did) or None

        self.app.push_screen(ChoiceWithReason(CHECKLIST_KEYS[key].title, [("Done", "done"),
                                                                          ("Not applicable", "na")], act),
                             lambda _: self.refresh_rows())

    def action_back(self) -> None:
        self.app.pop_screen()
