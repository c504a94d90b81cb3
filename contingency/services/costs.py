"""The cost ledger: add a line (with the decision that authorised it), reverse a wrong line, change the
route of a share with a logged decision, and read the ledger with filters and a running total.

Every penny is traceable to a person (allocations), a period (the line), a legal route (the
allocation, derived from the person's determination) and a decision (the line's authorising decision,
and the decision behind any change of route). Nothing is edited or deleted.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from contingency.ledger import (
    Allocation,
    Category,
    ClaimKind,
    ClaimStatus,
    CostLine,
    Route,
    Unit,
)
from contingency.person import Person
from contingency.rules import costs as rules
from contingency.rules.costs import CostRuleBroken, RouteChoice, format_pounds
from contingency.rules.times import LONDON
from contingency.services.errors import BadInput
from contingency.store import Store
from contingency.store.costs import (
    ClaimedShare,
    LedgerFilter,
    LedgerTotals,
    LineSummary,
    NewAllocation,
)
from contingency.store.errors import NotFound

ROUTE_ALIASES = {
    "s48(7)": Route.RECOVER_ENGLISH, "s48-7": Route.RECOVER_ENGLISH, "s.48(7)": Route.RECOVER_ENGLISH,
    "s49(3)": Route.RECOVER_CROSS_BORDER, "s49-3": Route.RECOVER_CROSS_BORDER, "s.49(3)": Route.RECOVER_CROSS_BORDER,
    "s48(5)": Route.CHARGE_S48, "s48-5": Route.CHARGE_S48, "s.48(5)": Route.CHARGE_S48,
    "s49(3)(d)": Route.CHARGE_S49, "s49-3-d": Route.CHARGE_S49, "s.49(3)(d)": Route.CHARGE_S49,
    "s14": Route.CHARGE_S14, "s.14": Route.CHARGE_S14,
    "nhs": Route.NHS, "icb": Route.NHS, "chc": Route.NHS,
    "absorbed": Route.ABSORBED, "absorb": Route.ABSORBED, "none": Route.ABSORBED,
}


def parse_route(text: str) -> Route:
    found = ROUTE_ALIASES.get(text.strip().lower())
    if found is None:
        raise BadInput(f"route {text!r} is not one of: {', '.join(r.value for r in Route)}")
    return found


def parse_category(text: str) -> Category:
    try:
        return Category(text.strip().lower())
    except ValueError:
        raise BadInput(f"category {text!r} is not one of: {', '.join(c.value for c in Category)}") from None


def parse_unit(text: str) -> Unit:
    try:
        return Unit(text.strip().lower())
    except ValueError:
        raise BadInput(f"unit {text!r} is not one of: {', '.join(u.value for u in Unit)}") from None


def pounds(text: str, what: str = "the amount") -> int:
    """Pounds as typed (£1,234.56) in whole pence, or BadInput saying what to type."""
    return _rule(rules.parse_pounds, text, what=what)


def parse_people(values: Iterable[str]) -> list[int]:
    """Person ids as typed: --person 12 --person 13, or --people 12,13 (spaces allowed)."""
    ids: list[int] = []
    for value in values:
        for part in str(value).replace(";", ",").split(","):
            part = part.strip().removeprefix("person:").removeprefix("p")
            if not part:
                continue
            if not part.isdigit() or int(part) < 1:
                raise BadInput(f"{part!r} is not a person id; 'contingency people list INCIDENT' shows them")
            ids.append(int(part))
    return ids


def _rule(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except CostRuleBroken as exc:
        raise BadInput(str(exc)) from None


# --- adding a line -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A line as the officer has typed it so far, checked: what the add dialog shows as the live total."""

    category: Category
    unit: Unit
    rate_pence: int
    quantity_milli: int
    period_start: date
    period_end: date
    total_pence: int
    shares: tuple[tuple[int, int], ...]  # (person id, pence)


def draft_line(*, category: str, unit: str, rate: str | int, quantity: str | None, period_start: date,
               period_end: date, person_ids: list[int]) -> Draft:
    """Check what was typed and work out the total and each person's share (rate in pounds as typed,
    or whole pence as an int). Raises BadInput saying what to fix."""
    kind = parse_category(category)
    per = parse_unit(unit)
    rate_pence = rate if isinstance(rate, int) else _rule(rules.parse_pounds, rate, what="the rate")
    if rate_pence <= 0:
        raise BadInput("the rate must be more than £0.00")
    quantity_milli = _rule(rules.parse_quantity, quantity) if quantity not in (None, "") else 1000
    if per in (Unit.PER_HOUR, Unit.PER_VISIT) and quantity in (None, ""):
        raise BadInput(f"a {per.label} rate needs a quantity: how many {per.value.removeprefix('per-')}s")
    if per is Unit.ONE_OFF and period_end != period_start:
        raise BadInput("a one-off cost is for one date: give --on DATE, not a period")
    total = _rule(rules.line_total, per, rate_pence, quantity_milli, period_start, period_end)
    shares = tuple(_rule(rules.apportion, total, person_ids))
    if len(set(person_ids)) != len(person_ids):
        raise BadInput("a person is listed twice; each person shares the line once")
    return Draft(category=kind, unit=per, rate_pence=rate_pence, quantity_milli=quantity_milli,
                 period_start=period_start, period_end=period_end, total_pence=total, shares=shares)


def _people_on(store: Store, incident_id: int, person_ids: list[int]) -> dict[int, Person]:
    """The people a line is for, read in one go (a night's agency cover can be for thousands)."""
    roster = {p.id: p for p in store.people.all(incident_id)} if len(person_ids) > 20 else {}
    people = {}
    for person_id in person_ids:
        person = roster.get(person_id)
        if person is None:
            try:
                person = store.people.get(person_id)
            except NotFound:
                raise BadInput(f"there is no person {person_id}; 'contingency people list {incident_id}' shows "
                               "them") from None
        if person.incident_id != incident_id:
            raise BadInput(f"person {person_id} is on incident {person.incident_id}, not incident {incident_id}")
        if person.merged_into is not None:
            raise BadInput(f"person {person_id} was merged into person {person.merged_into}; use "
                           f"{person.merged_into}")
        people[person_id] = person
    return people


def _authorising_decision(store: Store, incident_id: int, decision_id: int | None, text: str,
                          rationale: str) -> tuple[int | None, str, str]:
    text, rationale = text.strip(), rationale.strip()
    if decision_id is not None and (text or rationale):
        raise BadInput("give either an existing decision (--decision ID) or a new one (--decision-text with "
                       "--rationale), not both")
    if decision_id is not None:
        try:
            decision = store.decisions.get(decision_id)
        except StopIteration:
            raise BadInput(f"there is no decision {decision_id}") from None
        if decision.incident_id != incident_id:
            raise BadInput(f"decision {decision_id} belongs to incident {decision.incident_id}")
        return decision_id, "", ""
    if not text or not rationale:
        raise BadInput("every cost needs the decision that authorised it: choose an existing decision, or record "
                       "one now with its rationale (brief rule 27)")
    return None, text, rationale


def add_line(store: Store, incident_id: int, *, supplier: str, category: str, unit: str, rate: str | int,
             period_start: date, period_end: date, person_ids: list[int], quantity: str | None = None,
             description: str = "", decision_id: int | None = None, decision_text: str = "",
             rationale: str = "", needs_not_arranged: bool = False) -> CostLine:
    """Record a cost: its total by the one rule, apportioned across the people, each share routed from the
    person's determination; authorised by an existing decision or a new one recorded with it."""
    incident = store.incidents.get(incident_id)
    supplier = " ".join(supplier.split())
    if not supplier:
        raise BadInput("say who supplied it (the agency, home, taxi firm or 'in-house')")
    draft = draft_line(category=category, unit=unit, rate=rate, quantity=quantity, period_start=period_start,
                       period_end=period_end, person_ids=person_ids)
    aware = incident.facts.aware_at.astimezone(LONDON).date()
    if period_start < aware:
        raise BadInput(f"the cost starts on {period_start:%d/%m/%Y}, before we became aware on {aware:%d/%m/%Y}: "
                       "the duty, and its costs, start then (s.52(1); brief rule 6)")
    people = _people_on(store, incident_id, person_ids)
    shares = []
    for person_id, pence in draft.shares:
        choice = _rule(rules.route_for, people[person_id], category=draft.category, authorities=store.authorities,
                       needs_not_arranged=needs_not_arranged)
        # The marking matters only where it routes the share to s.49(3)(d): advice stays free, CHC stays NHS.
        shares.append(NewAllocation(person_id=person_id, amount_pence=pence, choice=choice,
                                    needs_not_arranged=choice.route is Route.CHARGE_S49))
    existing, text, why = _authorising_decision(store, incident_id, decision_id, decision_text, rationale)
    description = " ".join(description.split())
    what = description or draft.category.label
    reason = f"cost: {what} from {supplier}, {format_pounds(draft.total_pence)}"
    with store.write(reason) as tx:
        authorised_by = existing or store.decisions.add(
            incident_id=incident_id, decision=text, rationale=why, decided_at=store.clock(),
            powers="Care Act 2014 s.48 and s.8 (how needs are met)").id
        line_id = store.costs.add_line(
            tx, incident_id=incident_id, supplier=supplier, category=draft.category.value, description=description,
            period_start=draft.period_start, period_end=draft.period_end, unit=draft.unit.value,
            rate_pence=draft.rate_pence, quantity_milli=draft.quantity_milli, total_pence=draft.total_pence,
            decision_id=authorised_by, corrects=None, allocations=shares, reason=reason)
    return store.costs.line(line_id)


# --- reversing a wrong line ----------------------------------------------------------------------------------


def _line(store: Store, line_id: int) -> CostLine:
    try:
        return store.costs.line(line_id)
    except NotFound:
        raise BadInput(f"there is no cost line {line_id}; 'contingency costs list INCIDENT' shows them") from None


def _refunded_to(share: Allocation, kept: dict[int, int | None]) -> int:
    """Who a reversed share is credited to. A person charged under a record since merged away has one account
    now, the kept record's, so their refund goes there (a charge names the person it is to). A council's
    credit keeps the merged record's name, so the body sees which claimed line it cancels."""
    merged_into = kept.get(share.person_id)
    return merged_into if merged_into is not None and share.route.is_charge else share.person_id


def reverse_line(store: Store, line_id: int, reason: str) -> CostLine:
    """A correcting line that cancels `line_id` exactly, share by share, under the same routes. A share
    already claimed comes back as a credit on the next claim to the same body or person."""
    reason = reason.strip()
    if not reason:
        raise BadInput("say why the line is wrong: the reason is kept with the correcting line")
    line = _line(store, line_id)
    if line.corrects is not None:
        raise BadInput(f"line {line_id} is itself the reversal of line {line.corrects}; add the cost again as a new "
                       "line instead")
    already = store.costs.reversal_of(line_id)
    if already is not None:
        raise BadInput(f"line {line_id} was already reversed by line {already}")
    moved = moved_within(line)  # a share moved by a merge and its transfer already cancel each other
    kept = {a.person_id: store.people.get(a.person_id).merged_into for a in line.allocations}
    shares = [NewAllocation(person_id=_refunded_to(a, kept), amount_pence=-a.amount_pence,
                            choice=RouteChoice(a.route, a.recover_from,
                                               f"Reverses allocation {a.id} of line {line.id}: {a.route_reason}"),
                            needs_not_arranged=a.needs_not_arranged, reverses=a.id)
              for a in line.allocations if a.id not in moved]
    log_reason = f"line {line_id} reversed: {reason}"
    with store.write(log_reason) as tx:
        decision = store.decisions.add(
            incident_id=line.incident_id, decided_at=store.clock(), rationale=reason,
            decision=f"Reverse cost line {line.id} ({line.what} from {line.supplier}, "
                     f"{format_pounds(line.total_pence)})",
            powers="brief rule 30 (money is traceable; lines are never deleted)")
        new_id = store.costs.add_line(
            tx, incident_id=line.incident_id, supplier=line.supplier, category=line.category.value,
            description=line.description, period_start=line.period_start, period_end=line.period_end,
            unit=line.unit.value, rate_pence=line.rate_pence, quantity_milli=line.quantity_milli,
            total_pence=-line.total_pence, decision_id=decision.id, corrects=line.id, allocations=shares,
            reason=log_reason)
    return store.costs.line(new_id)


# --- changing the route of a share ------------------------------------------------------------------------------


def change_route(store: Store, allocation_id: int, route: str, *, decision_text: str, rationale: str) -> Allocation:
    """Re-route one person's share of a line, through a logged decision, to a route the law allows."""
    try:
        allocation = store.costs.allocation(allocation_id)
    except NotFound:
        raise BadInput(f"there is no allocation {allocation_id}; 'contingency costs list INCIDENT' shows "
                       "them") from None
    line = store.costs.line(allocation.line_id)
    if allocation.reverses is not None:
        raise BadInput(f"allocation {allocation_id} is part of a reversal: it follows the share it reverses")
    if allocation.id in moved_within(line):
        raise BadInput(f"allocation {allocation_id} was moved to the kept record when person {allocation.person_id} "
                       "was merged; change the route of the kept record's share instead")
    reversed_by = store.costs.reversal_of(line.id)
    if reversed_by is not None:
        raise BadInput(f"line {line.id} was reversed by line {reversed_by}: there is nothing left to re-route")
    claimed = store.costs.claimed(line.incident_id).get(allocation_id)
    if claimed is not None:
        raise BadInput(f"this share is already on claim {claimed.reference}; reverse line {line.id} and add it "
                       "again, so that claim's recipient gets a credit")
    target = parse_route(route)
    if target is allocation.route:
        raise BadInput(f"allocation {allocation_id} is already routed {target.value}")
    text, why = decision_text.strip(), rationale.strip()
    if not text or not why:
        raise BadInput("a route changes only through a logged decision: give the decision and its rationale "
                       "(brief rules 27, 30)")
    person = store.people.get(allocation.person_id)
    choice = _rule(rules.check_route_change, person, category=line.category, to=target, authorities=store.authorities)
    reason = f"allocation {allocation_id} re-routed {allocation.route.value} -> {choice.route.value}: {text}"
    with store.write(reason) as tx:
        decision = store.decisions.add(
            incident_id=line.incident_id, decided_at=store.clock(), rationale=why,
            decision=f"{text} (allocation {allocation_id} of cost line {line.id}: {allocation.route.value} to "
                     f"{choice.route.value})", powers="brief rules 16-18, 30")
        return store.costs.reroute(tx, allocation, choice, needs_not_arranged=choice.route is Route.CHARGE_S49,
                                   decision_id=decision.id, incident_id=line.incident_id, reason=reason)


# --- reading the ledger ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    line: CostLine
    allocation: Allocation
    person_name: str
    claimed: ClaimedShare | None
    reversed_by: int | None  # the line that reverses this row's line
    route_now: RouteChoice | None  # set when the person's determination now gives another route
    note: str = ""  # what the officer must know about this share: how it is charged, or that it was moved


@dataclass(frozen=True)
class Ledger:
    rows: tuple[LedgerRow, ...]
    total_pence: int  # of the rows shown: the running total
    lines: tuple[CostLine, ...]  # every line of the incident, unfiltered

    @property
    def line_count(self) -> int:
        return len({row.line.id for row in self.rows})


def people_by_id(store: Store, incident_id: int, ids: Iterable[int]) -> dict[int, Person]:
    """The people a ledger names, including anyone since merged into another record."""
    wanted = set(ids)
    # A few people (a line's details, a page of shares) are read one by one; more, with the roster in one go.
    people = {p.id: p for p in store.people.all(incident_id)} if len(wanted) > 200 else {}
    for person_id in wanted - set(people):
        people[person_id] = store.people.get(person_id)
    return people


def route_now(allocation: Allocation, line: CostLine, person: Person, store: Store) -> RouteChoice | None:
    """The route the person's determination gives today, when it differs from a share's route that no
    decision has confirmed (a reversal always follows its original)."""
    if allocation.route_decision_id is not None or allocation.reverses is not None:
        return None
    try:
        now = rules.route_for(person, category=line.category, authorities=store.authorities,
                              needs_not_arranged=allocation.needs_not_arranged)
    except CostRuleBroken:
        return RouteChoice(Route.ABSORBED, None, "the person is no longer a s.49 person: confirm the route")
    if (now.route, now.recover_from) == (allocation.route, allocation.recover_from):
        return None
    return now


def ledger(store: Store, incident_id: int, *, person_id: int | None = None, route: str | None = None,
           category: str | None = None) -> Ledger:
    store.incidents.get(incident_id)
    wanted_route = parse_route(route) if route else None
    wanted_category = parse_category(category) if category else None
    lines = store.costs.lines(incident_id)
    claimed = store.costs.claimed(incident_id)
    reversals = {line.corrects: line.id for line in lines if line.corrects is not None}
    people = people_by_id(store, incident_id, (a.person_id for line in lines for a in line.allocations))
    rows = []
    for line in lines:
        if wanted_category is not None and line.category is not wanted_category:
            continue
        moved = moved_within(line)
        for allocation in line.allocations:
            if person_id is not None and allocation.person_id != person_id:
                continue
            if wanted_route is not None and allocation.route is not wanted_route:
                continue
            person = people[allocation.person_id]
            rows.append(LedgerRow(line=line, allocation=allocation, person_name=person.facts.display_name,
                                  claimed=claimed.get(allocation.id), reversed_by=reversals.get(line.id),
                                  route_now=route_now(allocation, line, person, store),
                                  note=_share_note(allocation, person, moved)))
    return Ledger(rows=tuple(rows), total_pence=sum(r.allocation.amount_pence for r in rows), lines=tuple(lines))


def _share_note(allocation: Allocation, person: Person, moved: set[int]) -> str:
    if allocation.id in moved and person.merged_into is not None:
        return f"moved to person {person.merged_into} (records merged)"
    return rules.route_note(allocation.route)


# --- moving shares when duplicate records are merged ------------------------------------------------------------


def moved_within(line: CostLine) -> set[int]:
    """Shares cancelled by a transfer on the same line (a merge moving them to the kept record), and the
    transfers themselves. A reversal line's shares cite another line, so they are never in here."""
    ids = {a.id for a in line.allocations}
    moved: set[int] = set()
    for allocation in line.allocations:
        if allocation.reverses in ids:
            moved |= {allocation.id, allocation.reverses}
    return moved


@dataclass(frozen=True)
class MergeTransfer:
    """What merging `drop` into `keep` does to the ledger: the shares it moves, those it leaves (claimed once
    already), and why it cannot go ahead yet (open charges to the record merged away)."""

    keep_id: int
    drop_id: int
    moves: tuple[tuple[Allocation, CostLine], ...]
    stays: tuple[tuple[Allocation, ClaimedShare], ...]
    blocked_by: tuple[str, ...]  # claim references, with their status

    @property
    def moved_pence(self) -> int:
        return sum(a.amount_pence for a, _ in self.moves)

    def sentence(self) -> str:
        if not self.moves and not self.stays:
            return "no costs to move"
        parts = []
        if self.moves:
            lines = sorted({line.id for _, line in self.moves})
            parts.append(f"{format_pounds(self.moved_pence)} of costs on {len(lines)} "
                         f"{'line' if len(lines) == 1 else 'lines'} moved to person {self.keep_id}")
        if self.stays:
            refs = ", ".join(sorted({c.reference for _, c in self.stays}))
            parts.append(f"{len(self.stays)} already claimed ({refs}) stay where they are, claimed once")
        return "; ".join(parts)


def plan_merge(store: Store, keep: Person, drop: Person) -> MergeTransfer:
    """Where each live share of `drop` goes on a merge, by rules.merge_step. Reads only."""
    lines = {line.id: line for line in store.costs.lines(drop.incident_id)}
    claimed = store.costs.claimed(drop.incident_id)
    reversed_lines = {line.corrects for line in lines.values() if line.corrects is not None}
    moves: list[tuple[Allocation, CostLine]] = []
    stays: list[tuple[Allocation, ClaimedShare]] = []
    for allocation in store.costs.of_person(drop.id):
        line = lines[allocation.line_id]
        # Reversed lines and reversals net to nothing already; a moved share has been moved.
        if allocation.reverses is not None or line.corrects is not None or line.id in reversed_lines \
                or allocation.id in moved_within(line):
            continue
        on = claimed.get(allocation.id)
        step = rules.merge_step(ClaimKind(on.kind) if on else None, ClaimStatus(on.status) if on else None,
                                sent=bool(on and on.sent))
        if step is rules.MergeStep.MOVE:
            moves.append((allocation, line))
        elif step is rules.MergeStep.STAYS:
            stays.append((allocation, on))
    open_charges = [c for c in store.claims.for_incident(drop.incident_id)
                    if c.recipient_ref == f"person:{drop.id}" and c.status not in (ClaimStatus.PAID,
                                                                                   ClaimStatus.WRITTEN_OFF)]
    return MergeTransfer(keep_id=keep.id, drop_id=drop.id, moves=tuple(moves), stays=tuple(stays),
                         blocked_by=tuple(f"{c.reference} ({c.status.value}, {format_pounds(c.total_pence)})"
                                          for c in open_charges))


def merge_refusal(plan: MergeTransfer, drop: Person) -> str:
    """Why the merge must wait, and what to do, in the officer's words."""
    claims = ", ".join(plan.blocked_by)
    return (f"Person {drop.id} ({drop.facts.display_name}) cannot be merged into person {plan.keep_id} yet: they "
            f"have an open charge, {claims}. A charge is made out to the record itself, so it must not be left on "
            "a record that is merged away. If it is a draft that was never sent, write it off in Claims (w) with "
            f"the reason 'duplicate record, merging into person {plan.keep_id}': nothing was owed on it. If it was "
            "sent, record the payment or write it off first. Then merge again: the cost moves to person "
            f"{plan.keep_id} and the next build charges it once, to them.")


def _kept_route(store: Store, keep: Person, line: CostLine, share: Allocation) -> tuple[RouteChoice, int | None]:
    """The route of a moved share on the kept record: the route an officer decided, where the law allows it
    for the kept person (with that decision), else what the kept person's determination gives."""
    if share.route_decision_id is not None:
        try:
            return rules.check_route_change(keep, category=line.category, to=share.route,
                                            authorities=store.authorities), share.route_decision_id
        except CostRuleBroken:
            pass
    try:
        return rules.route_for(keep, category=line.category, authorities=store.authorities,
                               needs_not_arranged=share.needs_not_arranged), None
    except CostRuleBroken:  # the kept person is not a s.49 person: the marking no longer applies
        return rules.route_for(keep, category=line.category, authorities=store.authorities), None


def move_merged_shares(store: Store, tx, plan: MergeTransfer, keep: Person, reason: str) -> int | None:
    """Inside the merge's write: each moving share is cancelled on the record merged away and added, for the same
    amount, to the kept record, on the same line, with the decision that moved it. The line's total and every
    earlier row stay as they were (lines are never edited; brief rule 30). Returns the decision id."""
    if not plan.moves:
        return None
    line_ids = sorted({line.id for _, line in plan.moves})
    log_reason = (f"person {plan.drop_id} merged into person {plan.keep_id}: {format_pounds(plan.moved_pence)} of "
                  f"costs moved ({reason})")
    decision = store.decisions.add(
        incident_id=keep.incident_id, decided_at=store.clock(), rationale=reason,
        decision=f"Move person {plan.drop_id}'s shares of cost {'line' if len(line_ids) == 1 else 'lines'} "
                 f"{', '.join(map(str, line_ids))} ({format_pounds(plan.moved_pence)}) to person {plan.keep_id}: "
                 "the two records are the same person",
        powers="brief rule 30 (every penny traceable to a person; lines are never edited)")
    by_line: dict[int, list[Allocation]] = {}
    for share, line in plan.moves:
        by_line.setdefault(line.id, []).append(share)
    lines = {line.id: line for _, line in plan.moves}
    for line_id, shares in by_line.items():
        transfers = []
        for share in shares:
            choice, decided = _kept_route(store, keep, lines[line_id], share)
            transfers.append(NewAllocation(
                person_id=share.person_id, amount_pence=-share.amount_pence, reverses=share.id,
                needs_not_arranged=share.needs_not_arranged,
                choice=RouteChoice(share.route, share.recover_from,
                                   f"Moved to person {plan.keep_id}: records merged (decision {decision.id}).")))
            transfers.append(NewAllocation(
                person_id=plan.keep_id, amount_pence=share.amount_pence, route_decision_id=decided,
                needs_not_arranged=choice.route is Route.CHARGE_S49,
                choice=RouteChoice(choice.route, choice.recover_from,
                                   f"Moved from person {plan.drop_id}: records merged (decision {decision.id}). "
                                   f"{choice.why}")))
        store.costs.add_allocations(tx, line_id=line_id, incident_id=keep.incident_id, allocations=transfers,
                                    reason=log_reason)
    return decision.id


# --- a page of the ledger for a screen ---------------------------------------------------------------------------

PAGE_ROWS = 200  # rows a screen holds; the status line says how many there are in all


@dataclass(frozen=True)
class LinePageRow:
    summary: LineSummary
    check: bool  # a share's route differs from what the person's determination gives now, unconfirmed


@dataclass(frozen=True)
class LedgerPage:
    """What the costs section shows: the latest rows (at most PAGE_ROWS) and totals of everything that passes
    the filter, summed by SQL, so painting costs the same at 50 people and 50,000."""

    lines: tuple[LinePageRow, ...]  # by line (empty when by person)
    shares: tuple[LedgerRow, ...]  # by person (empty when by line)
    totals: LedgerTotals

    @property
    def shown(self) -> int:
        return len(self.lines) or len(self.shares)


def ledger_page(store: Store, incident_id: int, *, by_person: bool, person_id: int | None = None,
                person_search: str = "", route: str | None = None, category: str | None = None,
                limit: int = PAGE_ROWS) -> LedgerPage:
    store.incidents.get(incident_id)
    wanted = LedgerFilter(incident_id, person_id=person_id, person_search=person_search,
                          route=parse_route(route).value if route else None,
                          category=parse_category(category).value if category else None)
    pages = store.costs.pages
    totals = pages.totals(wanted)
    if by_person:
        rows = pages.shares(wanted, limit)
        persons = {row.allocation.person_id: store.people.get(row.allocation.person_id)
                   for row in rows}  # at most a page of them
        moved: dict[int, set[int]] = {}
        shares = []
        for row in rows:
            person = persons[row.allocation.person_id]
            if row.line.id not in moved:
                moved[row.line.id] = pages.moved_on_line(row.line.id)
            shares.append(LedgerRow(line=row.line, allocation=row.allocation, person_name=row.person_name,
                                    claimed=row.claimed, reversed_by=row.reversed_by,
                                    route_now=route_now(row.allocation, row.line, person, store),
                                    note=_share_note(row.allocation, person, moved[row.line.id])))
        return LedgerPage(lines=(), shares=tuple(shares), totals=totals)
    summaries = pages.lines(wanted, limit)
    ids = tuple(s.line.id for s in summaries)
    checked = _until_written(store, ("check", ids), lambda: _lines_to_check(store, list(ids)))
    return LedgerPage(lines=tuple(LinePageRow(s, s.line.id in checked) for s in summaries), shares=(),
                      totals=totals)


def people_with_shares(store: Store, incident_id: int, limit: int = PAGE_ROWS) -> list[tuple[str, str]]:
    """The person filter's choices: ("name (id)", id) of the first `limit` people with a share, by name. Beyond
    that (a line for everyone in a big home) the route and category filters narrow the rest. Asked when the
    officer opens the filter, not on every paint: at 50,000 shares it is a tenth of a second or more."""
    people = store.costs.pages.people_with_shares(incident_id, limit)
    return sorted((f"{name} ({person_id})", str(person_id)) for person_id, name in people)


# Worked out once per store version: a repaint (a filter, a resize, the view toggled) with nothing written since
# asks again, and at 50,000 shares each of these is a tenth of a second or more.
T = TypeVar("T")
_ASKED: weakref.WeakKeyDictionary[Store, tuple[object, dict[tuple, Any]]] = weakref.WeakKeyDictionary()


def _until_written(store: Store, key: tuple, work: Callable[[], T]) -> T:
    version = store.version
    seen, answers = _ASKED.get(store, (None, {}))
    if seen != version:
        answers = {}
        _ASKED[store] = (version, answers)
    if key not in answers:
        answers[key] = work()
    return answers[key]


def _lines_to_check(store: Store, line_ids: list[int]) -> set[int]:
    """Lines with a share whose route the person's determination would now give otherwise. The route rule
    reads only the line's category, the share's marking and the person's determination, so it is asked once
    for each distinct set of those (a handful), with one person standing for all who share it."""
    people: dict[int, Person] = {}
    flagged = set()
    for line_id, category, route, recover_from, marked, person_id in store.costs.pages.route_groups(line_ids):
        if line_id in flagged:
            continue
        person = people.get(person_id) or people.setdefault(person_id, store.people.get(person_id))
        try:
            now = rules.route_for(person, category=Category(category), authorities=store.authorities,
                                  needs_not_arranged=marked)
        except CostRuleBroken:
            flagged.add(line_id)
            continue
        if (now.route.value, now.recover_from) != (route, recover_from):
            flagged.add(line_id)
    return flagged


# --- reads for the screens (issue 12: the TUI reads through services) -----------------------------------------


def get_line(store: Store, line_id: int) -> CostLine:
    """One cost line with its shares."""
    return store.costs.line(line_id)


def get_allocation(store: Store, allocation_id: int) -> Allocation:
    """One person's share of a line."""
    return store.costs.allocation(allocation_id)


def claimed_shares(store: Store, incident_id: int) -> dict[int, ClaimedShare]:
    """Share id -> the claim it is on, for the incident's shares already claimed."""
    return store.costs.claimed(incident_id)


def reversal_of(store: Store, line_id: int) -> int | None:
    """The id of the line that reverses this one, if any."""
    return store.costs.reversal_of(line_id)
