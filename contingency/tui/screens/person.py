"""One person: the record, the determination in plain English, data to fix, and the history."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, Input, Select, Static

from contingency.person import Person, PersonStatus
from contingency.rules.identifiers import format_nhs_number
from contingency.rules.safe_text import printable
from contingency.rules.times import format_local
from contingency.rules.words import plural
from contingency.services import lookups
from contingency.services.errors import BadInput
from contingency.services.people import (
    confirm_fields,
    get_person,
    merge_people,
    person_history,
    possible_duplicates,
    reveal_key_safe,
    set_status,
)
from contingency.store import StoreError
from contingency.store.people import KEY_SAFE_ACCESS
from contingency.tui.literal import Literal, cell
from contingency.tui.plain import plain
from contingency.tui.base import AppScreen, Dialog
from contingency.tui.widgets.fields import Field


def _yes(value: bool) -> str:
    return "yes" if value else "no"


# Long enough to read the code out over the phone to a carer at the door; short enough that a screen left
# open in a shared office does not keep showing it.
REVEAL_SECONDS = 30.0


class PersonScreen(AppScreen):
    TITLE = "Person"
    HELP = ("Everything recorded about this person, why the council's duty is what it is, what needs fixing "
            "(✗ lines), and every change made. `e` edits; fixing a flagged field clears its flag. `k` shows a "
            "key-safe code for a while; every look is logged, never the code.")
    BINDINGS = [
        Binding("escape", "back", "Back", id="back", tooltip="Back to the roster"),
        Binding("e", "edit", "Edit", id="edit", tooltip="Edit fields; flagged fields come first"),
        Binding("t", "status", "Status", id="person-status", tooltip="Record where the person is now"),
        Binding("c", "confirm", "Confirm", id="confirm", tooltip="Mark every imported value as checked"),
        Binding("m", "merge", "Merge", id="merge",
                tooltip="Fold a record with the same name and date of birth into this one"),
        Binding("k", "key_safe", "Key safe", id="key-safe",
                tooltip=f"Show the key-safe code for {REVEAL_SECONDS:g} seconds (k again hides it); "
                        "who looked, and when, is logged"),
        Binding("o", "move_checklist", "Move", id="move-checklist",
                tooltip="Placements for this person, or their move checklist once a move is decided"),
    ]

    def __init__(self, person_id: int) -> None:
        super().__init__()
        self.person_id = person_id
        self._key_safe_shown = ""  # the code while revealed; empty means masked
        self._key_safe_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="person-body"):
            yield Static("", id="person-title", classes="screen-title", markup=False)
            yield Static("", id="person-issues", markup=False)
            yield Static("", id="person-determination", markup=False)
            yield Static("", id="person-letters", markup=False)
            yield Static("", id="person-record", markup=False)
            yield Static("", id="person-history", markup=False)
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.refresh_person()
        self.query_one("#person-body").focus()

    def on_screen_resume(self) -> None:
        self.refresh_person()

    def on_screen_suspend(self) -> None:
        # Leaving the screen, even for a dialog over it, masks the code again.
        self._hide_key_safe()

    def _authority(self, code: str | None) -> str:
        if not code:
            return "not recorded"
        found = lookups.authority(self.store, code)
        return f"{found.name} ({found.code})" if found else code

    def _body(self, ref: str) -> str:
        kind, _, code = ref.partition(":")
        if kind == "la":
            return self._authority(code)
        try:
            return lookups.resolve_icb(self.store, code).name
        except LookupError:
            return ref

    def refresh_person(self) -> None:
        person: Person = get_person(self.store, self.person_id)
        facts, det = person.facts, person.determination
        now = self.capp.clock()
        rag = f"{facts.rag.value}: {facts.rag_reason}" if facts.rag else "NOT RATED"
        self.query_one("#person-title", Static).update(
            printable(f"{facts.display_name}" + (f" ({facts.preferred_name})" if facts.preferred_name else "")
            + f" · {rag} · {facts.status.label}" + (f" ({facts.status_detail})" if facts.status_detail else "")))
        issues = [f"✗ {i.field.replace('_', ' ')}: {i.value!r}: {i.message}" for i in facts.issues]
        self.query_one("#person-issues", Static).update(
            printable(("To fix (press e):\n" + "\n".join(issues) + "\n") if issues else ""))
        charge = {None: "no charge to the person", "s48(5)": "may be charged the cost only (s.48(5)); never for advice",
                  "s49(3)(d)": "may be charged only for needs the cross-border body did not arrange (s.49(3)(d))",
                  "s14": "charging under s.14 as now"}[det.charge_route.value if det.charge_route else None]
        self.query_one("#person-determination", Static).update(printable("\n".join([
            f"Basis: {det.basis.label}",
            f"Tell: {'; '.join(self._body(r) for r in det.notify) or 'nobody else'}",
            f"Recover costs from: {self._body(det.recover_from) if det.recover_from else 'nobody'}",
            f"Charging: {charge}",
            f"Flags: {', '.join(f.label for f in det.flags) or 'none'}",
            "Why:",
            *(f"• {r}" for r in det.reasons),
            "",
        ])))
        letters = lookups.letters_naming(self.store, self.person_id)
        self.query_one("#person-letters", Static).update(printable("\n".join([
            "Letters naming this person:" + ("" if letters else " none yet (incident section 5 makes them)"),
            *(f"• {n.reference} to {n.recipient_name}: {n.status.value}" + (" (OUT OF DATE)" if n.out_of_date else "")
              for n in letters),
            "",
        ])))
        sources = facts.sources
        def src(field: str) -> str:
            origin = sources.get(field)
            if not origin:
                return ""
            return f"  [{origin.origin}{', confirmed' if origin.confirmed else ', unconfirmed'}]"
        self.query_one("#person-record", Static).update(printable("\n".join([
            f"Provider ref: {facts.provider_ref or '-'}{src('provider_ref')}",
            f"Born: {facts.date_of_birth.strftime('%d/%m/%Y') if facts.date_of_birth else 'not recorded'}{src('date_of_birth')}",
            f"NHS number: {format_nhs_number(facts.nhs_number) if facts.nhs_number else 'not recorded'}{src('nhs_number')}",
            f"Where care is given: {facts.service_address or '-'}   Home postcode: {facts.home_postcode or '-'}",
            f"Service: {facts.service_kind.label if facts.service_kind else '-'}"
            + (f", {facts.visits_per_week} visits/week" if facts.visits_per_week else "")
            + (f", {facts.hours_per_week:g} h/week" if facts.hours_per_week else "")
            + (f", £{facts.weekly_cost_pence / 100:,.2f}/week" if facts.weekly_cost_pence is not None else ""),
            *([f"Visit times: {facts.visit_times}{src('visit_times')}"] if facts.visit_times else []),
            f"Needs immediately before: {facts.needs_snapshot or 'not recorded'}",
            f"Funding: {facts.funding.label}{' + FNC' if facts.fnc else ''}; arranged/paid by "
            f"{self._authority(facts.funding_body) if facts.funding_body else (facts.arranged_by or 'not recorded')}"
            f"{src('funding')}",
            *(["Nursing: arranged urgently by us; temporary, ICB consent to be sought"]
              if facts.nursing_arranged_urgently else []),
            f"Ordinary residence: {self._authority(facts.or_code)} ({facts.or_status.value}){src('or_code')}",
            f"ICB: {facts.icb_code or '-'}   Carer role: {facts.carer_role.value}",
            f"Capacity concern: {_yes(facts.capacity_concern)}   Advocate needed: {_yes(facts.advocate_needed)}",
            f"Next of kin / nominee: {facts.nominee_name or 'none recorded'}"
            + (f" ({facts.nominee_relationship})" if facts.nominee_relationship else "")
            + (f" {facts.nominee_phone}" if facts.nominee_phone else ""),
            *([f"Key safe: {self._key_safe_shown} (shown; the look is logged; k hides it)" if self._key_safe_shown
               else "Key safe: •••• (k shows it)"] if facts.key_safe_code else []),
            f"Notes: {facts.notes or '-'}",
            "",
        ])))
        # Who has seen the key-safe code belongs beside the changes: both are who did what to this record.
        history = person_history(self.store, self.person_id)
        self.query_one("#person-history", Static).update(printable("History:\n" + "\n".join(
            f"{format_local(e.at, now=now)}  {e.officer}: "
            + ("key-safe code shown" if e.entity == KEY_SAFE_ACCESS else e.action)
            + (f" ({e.reason})" if e.reason and e.entity != KEY_SAFE_ACCESS else "")
            for e in reversed(history))))

    def action_move_checklist(self) -> None:
        from contingency.services.placements import repo
        from contingency.tui.screens.placements import MoveChecklistScreen, PlacementsScreen

        if repo(self.store).current_move(self.person_id) is not None:
            self.app.push_screen(MoveChecklistScreen(self.person_id))
        else:
            self.app.push_screen(PlacementsScreen(get_person(self.store, self.person_id).incident_id, self.person_id))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_edit(self) -> None:
        from contingency.tui.dialogs.person_form import PersonForm

        self.app.push_screen(PersonForm(person=get_person(self.store, self.person_id)), lambda _: self.refresh_person())

    def action_status(self) -> None:
        from contingency.tui.dialogs.decisions import ChoiceWithReason

        person = get_person(self.store, self.person_id)

        def change(status: str, reason: str, detail: str) -> None:
            set_status(self.store, self.person_id, status, detail, reason or None)

        def chosen(result) -> None:
            if result:
                self.refresh_person()

        self.app.push_screen(ChoiceWithReason(
            f"Where is {person.facts.display_name} now?", [(s.label, s.value) for s in PersonStatus], change,
            current=person.facts.status.value, reason_required=False,
            detail_label="Where (if moved)"), chosen)

    def _twins(self) -> list[Person]:
        return possible_duplicates(self.store, get_person(self.store, self.person_id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "key_safe":
            # Hidden when no code is held: there is nothing to show.
            return bool(get_person(self.store, self.person_id).facts.key_safe_code)
        if action == "merge":
            # Hidden, not greyed out: a greyed key cannot say why, and with no suspected duplicate (or on a
            # record already merged away) there is nothing to merge.
            person = get_person(self.store, self.person_id)
            return person.merged_into is None and bool(self._twins())
        return True

    def action_merge(self) -> None:
        twins = self._twins()
        if not twins or get_person(self.store, self.person_id).merged_into is not None:
            self.notify("Nothing to merge: no other record on the roster has this name and date of birth.")
            return

        def chosen(result) -> None:
            if result:
                self.refresh_person()
                self.refresh_bindings()

        self.app.push_screen(MergeDialog(get_person(self.store, self.person_id), twins), chosen)

    def action_key_safe(self) -> None:
        if self._key_safe_shown:
            self._hide_key_safe()
            return
        try:
            self._key_safe_shown = reveal_key_safe(self.store, self.person_id, via="person screen")
        except (BadInput, StoreError) as exc:
            self.capp.report(exc)
            return
        self._key_safe_timer = self.set_timer(REVEAL_SECONDS, self._hide_key_safe)
        self.refresh_person()

    def _hide_key_safe(self) -> None:
        if self._key_safe_timer is not None:
            self._key_safe_timer.stop()
            self._key_safe_timer = None
        if self._key_safe_shown:
            self._key_safe_shown = ""
            if self.is_mounted:
                self.refresh_person()

    def action_confirm(self) -> None:
        person = get_person(self.store, self.person_id)
        unconfirmed = [f for f, s in person.facts.sources.items() if not s.confirmed]
        if not unconfirmed:
            self.notify("Every value is already confirmed")
            return
        confirm_fields(self.store, self.person_id, unconfirmed)
        self.notify(f"Confirmed {plural(len(unconfirmed), 'value')}")
        self.refresh_person()


def _twin_label(person: Person) -> str:
    nhs = format_nhs_number(person.facts.nhs_number) if person.facts.nhs_number else "no NHS number"
    return f"#{person.id} {person.facts.display_name}, ref {person.facts.provider_ref or '-'}, {nhs}"


class MergeDialog(Dialog):
    """Choose the duplicate to fold into this record, see where the two differ and what happens to their costs,
    and give the reason. Dismisses with (other person id, reason) or None."""

    BINDINGS = [Binding("ctrl+s", "save", "Merge", id="save", tooltip="Merge with this reason")]

    def __init__(self, keep: Person, twins: list[Person]) -> None:
        super().__init__()
        self.keep = keep
        self.twins = {str(t.id): t for t in twins}

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Literal(f"Merge which record into #{self.keep.id} {self.keep.facts.display_name}?",
                          classes="dialog-title")
            yield Field("Record to merge in", Select([(cell(_twin_label(t)), key) for key, t in self.twins.items()],
                                                     allow_blank=False, id="choice", value=next(iter(self.twins))))
            yield Static("", id="merge-differences", markup=False)
            yield Field("Why they are the same person", Input(id="reason"), id="f-reason")
            yield Static("", id="dialog-error", markup=False)
            yield Button("Merge (ctrl+s)", variant="primary", id="save")

    def on_mount(self) -> None:
        self._show(next(iter(self.twins)))
        # With one twin there is nothing to choose: the officer reads the differences and types the reason.
        self.query_one("#choice" if len(self.twins) > 1 else "#reason").focus()

    @on(Select.Changed, "#choice")
    def _chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._show(event.value)

    def _show(self, key: str) -> None:
        from contingency.services.costs import merge_refusal, plan_merge
        from contingency.services.people import differences_text

        other = self.twins[key]
        plan = plan_merge(self.store, self.keep, other)
        costs = (f"Cannot merge yet. {merge_refusal(plan, other)}" if plan.blocked_by
                 else f"Costs: {plan.sentence()}.")
        self.query_one("#merge-differences", Static).update(
            printable(f"{differences_text(self.keep, other)}\n{costs}\n#{other.id} is kept in the log, marked as merged; "
            "nothing is deleted."))

    @on(Button.Pressed, "#save")
    @on(Input.Submitted, "#reason")
    def action_save(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.query_one("#f-reason", Field).show("say why: the merge is kept in the log")
            return
        other = str(self.query_one("#choice", Select).value)
        try:
            # Saved here, not after closing: a refusal or a busy store (retried by Dialog) keeps the reason typed.
            merge_people(self.store, self.keep.id, int(other), reason)
        except BadInput as exc:
            self.query_one("#dialog-error", Static).update(f"✗ {plain(exc)}")
            return
        self.notify(f"Merged person {other} into this record; it stays in the log", markup=False)
        self.dismiss((other, reason))

