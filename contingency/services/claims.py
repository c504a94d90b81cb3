"""Claims: built from the ledger without ever claiming a share twice, then submitted, acknowledged,
disputed, paid or written off, each step logged with its reason; balances and ageing per body; and
ordinary-residence disputes with their 4-month referral date (brief rule 22).

One reimbursement claim per body we may recover from (s.48(7) or s.49(3)) and one charge per person
we may charge at cost (s.48(5) or s.49(3)(d)), for a chosen period. An s.14 share (our own client, or
urgent help) is never drafted: it is charged, if at all, per the person's financial assessment (ss.14 and
17; rules.costs.CHARGED_AT_COST). A claim on an EXERCISE store is
never a live invoice: submitting it needs an explicit confirmation (brief rule 29).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from contingency.ledger import (
    Allocation,
    Claim,
    ClaimEvent,
    ClaimKind,
    ClaimLine,
    ClaimStatus,
    CostLine,
    ORDispute,
    Route,
)
from contingency.models import Nation
from contingency.person import Basis, ORStatus, Person
from contingency.rules import costs as rules
from contingency.rules.authorities import AuthorityNotResolved
from contingency.rules.costs import CostRuleBroken, format_pounds
from contingency.rules.times import LONDON
from contingency.services.costs import moved_within, people_by_id, route_now
from contingency.services.errors import BadInput
from contingency.store import Store
from contingency.store.errors import NotFound

S = ClaimStatus
EXERCISE_REFUSAL = ("this is an EXERCISE claim: it is not a real invoice and must never reach a real finance team "
                    "(brief rule 29). Confirm it went only to exercise participants (--confirm-exercise, or tick "
                    "the box)")
CARE_CONTINUES = "Care continues: a dispute never pauses or delays anyone's care (brief rule 22)."


def _rule(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except CostRuleBroken as exc:
        raise BadInput(str(exc)) from None


def today(store: Store) -> date:
    return store.clock().astimezone(LONDON).date()


def find(store: Store, reference: str) -> Claim:
    claim = store.claims.by_reference(reference)
    if claim is None:
        raise BadInput(f"there is no claim {reference.strip()!r}; 'contingency claims list' shows the references")
    return claim


# --- building claims -----------------------------------------------------------------------------------------


@dataclass
class _Recipient:
    ref: str
    kind: ClaimKind
    shares: list[tuple[Allocation, CostLine]] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class BuildResult:
    claims: tuple[Claim, ...]
    period: tuple[date, date] | None  # None: everything not yet claimed
    left_out: dict[str, int]  # why -> how many shares were left out of this build
    nothing_new: tuple[str, ...]  # one sentence per body or person with nothing new to claim
    not_claimable: dict[str, int]  # route -> shares never claimed (NHS, absorbed, s.14 per financial assessment)


def _recipient_ref(allocation: Allocation) -> str:
    return allocation.recover_from if allocation.route.is_recovery else f"person:{allocation.person_id}"


def _why_left_out(allocation: Allocation, line: CostLine, person: Person, *, claimed: dict, settled: set[int],
                  period: tuple[date, date] | None, store: Store) -> str | None:
    if allocation.id in claimed:
        return f"already claimed on {claimed[allocation.id].reference}"
    if allocation.id in settled:
        return "reversed before it was claimed"
    original = claimed.get(allocation.reverses) if allocation.reverses is not None else None
    if original is not None and original.status == ClaimStatus.WRITTEN_OFF.value:
        return f"reverses a share written off on {original.reference}: nothing to credit"
    if period is not None and not rules.within(line.period_start, line.period_end, period):
        return "not wholly inside the period"
    if person.determination.basis is Basis.NHS_ICB:
        return "the person is now NHS CHC: never invoiced by us (brief rule 11); re-route it"
    if route_now(allocation, line, person, store) is not None:
        return "route out of date: the person's funding changed; confirm the share's route"
    kind = ClaimKind.REIMBURSEMENT if allocation.route.is_recovery else ClaimKind.CHARGE
    try:
        rules.check_claim_line(kind, allocation.route, line.category, person.determination.basis)
    except CostRuleBroken as exc:
        return str(exc)
    return None


def _credit_for_a_body(allocation: Allocation, claimed: dict) -> bool:
    """A credit back to a council for a share claimed under a record before it was merged away: the body must
    see which claimed line it cancels, so it keeps that record's name."""
    return allocation.route.is_recovery and allocation.reverses is not None and allocation.reverses in claimed


def _settled(lines: list[CostLine], claimed: dict) -> set[int]:
    """Shares reversed before either side was claimed: they cancel out and are never claimed."""
    by_id = {a.id: a for line in lines for a in line.allocations}
    settled = set()
    for allocation in by_id.values():
        if allocation.reverses is not None and allocation.id not in claimed and allocation.reverses not in claimed:
            settled |= {allocation.id, allocation.reverses}
    return settled


def _merged_left_out(allocation: Allocation, line: CostLine, claimed: dict) -> str:
    if allocation.id in claimed:
        return "already claimed"
    if allocation.id in moved_within(line) or allocation.reverses is not None or line.corrects is not None:
        return "on a record merged into another: moved to the kept record"
    # Merged before merges moved costs: the share never moved, so say so rather than hide it.
    return ("on a record merged into another before merges moved costs: reverse the line and add it again "
            "for the kept record")


def _note(left_out: Counter[str]) -> str:
    if not left_out:
        return ""
    total = sum(left_out.values())
    parts = [f"{n} {why}" for why, n in sorted(left_out.items())]
    return f"{total} {'line' if total == 1 else 'lines'} left out: {'; '.join(parts)}"


def recipient_name(store: Store, ref: str, people: dict[int, Person]) -> str:
    kind, _, code = ref.partition(":")
    if kind == "person":
        return people[int(code)].facts.display_name
    body = store.authorities.get(code)
    return body.name if body else ref


def _recipient_code(store: Store, ref: str) -> str:
    kind, _, code = ref.partition(":")
    if kind == "person":
        return f"P{code}"
    body = store.authorities.get(code)
    return body.code if body else code


def build(store: Store, incident_id: int, period: tuple[date, date] | None = None) -> BuildResult:
    """Draft claims for every body and person with something new to claim in the period (all of it when
    no period is given). A share already claimed, reversed before claiming, outside the period, or whose
    route needs confirming is left out, and each claim says how many and why."""
    store.incidents.get(incident_id)
    lines = store.costs.lines(incident_id)
    claimed = store.costs.claimed(incident_id)
    settled = _settled(lines, claimed)
    people = people_by_id(store, incident_id, (a.person_id for line in lines for a in line.allocations))
    recipients: dict[str, _Recipient] = {}
    not_claimable: Counter[str] = Counter()
    left_out_all: Counter[str] = Counter()
    for line in lines:
        for allocation in line.allocations:
            if not rules.drafts_a_claim(allocation.route):
                not_claimable[allocation.route.value] += 1
                continue
            ref = _recipient_ref(allocation)
            merged_into = people[allocation.person_id].merged_into
            if merged_into is not None and not _credit_for_a_body(allocation, claimed):
                # Never a claim or charge naming a record merged away: its unclaimed costs were moved to the
                # kept record by the merge (and cancel out here); what it had claimed stays claimed once.
                left_out_all[_merged_left_out(allocation, line, claimed)] += 1
                continue
            kind = ClaimKind.REIMBURSEMENT if allocation.route.is_recovery else ClaimKind.CHARGE
            recipient = recipients.setdefault(ref, _Recipient(ref=ref, kind=kind))
            why = _why_left_out(allocation, line, people[allocation.person_id], claimed=claimed, settled=settled,
                                period=period, store=store)
            if why is None:
                recipient.shares.append((allocation, line))
            else:
                key = "already claimed" if why.startswith("already claimed") else why
                recipient.left_out[why] += 1
                left_out_all[key] += 1
    built: list[Claim] = []
    nothing_new: list[str] = []
    todo = [r for r in recipients.values() if r.shares]
    shares_by_id = {a.id: a for line in lines for a in line.allocations}
    for recipient in recipients.values():
        if not recipient.shares:
            name = recipient_name(store, recipient.ref, people)
            nothing_new.append(f"{name}: nothing new to claim ({_note(recipient.left_out)})")
    if todo:
        when = f"{period[0]:%d/%m/%Y} to {period[1]:%d/%m/%Y}" if period else "everything not yet claimed"
        with store.write(f"claims built: {when}") as tx:
            for recipient in sorted(todo, key=_recipient_order):
                if recipient.kind is ClaimKind.CHARGE:
                    _check_within_cost(recipient, shares_by_id, claimed)
                built.append(_add_claim(store, tx, incident_id, recipient, period, people))
    return BuildResult(claims=tuple(built), period=period, left_out=dict(left_out_all),
                       nothing_new=tuple(nothing_new), not_claimable=dict(not_claimable))


def _recipient_order(recipient: _Recipient) -> tuple[bool, int, str]:
    """Bodies first, then people by id."""
    kind, _, code = recipient.ref.partition(":")
    return kind == "person", int(code) if kind == "person" else 0, recipient.ref


def _check_within_cost(recipient: _Recipient, shares_by_id: dict[int, Allocation], claimed: dict) -> None:
    """What a person is charged for a cost, over every claim so far and this one, never exceeds their share of
    its recorded cost (Care Act 2014 s.48(5); brief rule 16). A reversal counts against the line it reverses."""
    person_id = int(recipient.ref.removeprefix("person:"))

    def original(allocation: Allocation) -> Allocation:
        return shares_by_id[allocation.reverses] if allocation.reverses is not None else allocation

    cost: dict[int, int] = {}
    charged: Counter[int] = Counter()
    this_claim = [a for a, _ in recipient.shares]
    earlier = [a for a in shares_by_id.values() if a.id in claimed and a.person_id == person_id and a.route.is_charge]
    for allocation in [*earlier, *this_claim]:
        first = original(allocation)
        cost[first.id] = first.amount_pence
        charged[first.id] += allocation.amount_pence
    for share_id, pence in charged.items():
        _rule(rules.check_charge, pence, cost[share_id])


def _add_claim(store: Store, tx, incident_id: int, recipient: _Recipient, period: tuple[date, date] | None,
               people: dict[int, Person]) -> Claim:
    shares = sorted(recipient.shares, key=lambda pair: (pair[1].id, pair[0].person_id, pair[0].id))
    span = period or (min(line.period_start for _, line in shares), max(line.period_end for _, line in shares))
    number = store.claims.count_for(incident_id, recipient.ref) + 1
    reference = rules.claim_reference(incident_id, recipient.kind, _recipient_code(store, recipient.ref), number)
    note = _note(recipient.left_out)
    total = sum(a.amount_pence for a, _ in shares)
    reason = (f"{reference}: {len(shares)} {'line' if len(shares) == 1 else 'lines'}, {format_pounds(total)}"
              + (f"; {note}" if note else ""))
    return store.claims.add(
        tx, incident_id=incident_id, reference=reference, kind=recipient.kind.value, recipient_ref=recipient.ref,
        recipient_name=recipient_name(store, recipient.ref, people), period=span,
        lines=[(a.id, a.route.value, a.amount_pence) for a, _ in shares],
        excluded_count=sum(recipient.left_out.values()), excluded_note=note, exercise=store.is_exercise,
        reason=reason)


# --- the claim's life --------------------------------------------------------------------------------------------


def _on(store: Store, on: date | None, claim: Claim, *, after: date | None, what: str) -> date:
    when = on or today(store)
    if when > today(store):
        raise BadInput(f"{when:%d/%m/%Y} is in the future; give the date it was {what}")
    if after is not None and when < after:
        raise BadInput(f"{claim.reference} cannot have been {what} on {when:%d/%m/%Y}, before {after:%d/%m/%Y}")
    return when


def _built_on(claim: Claim) -> date:
    return claim.created_at.astimezone(LONDON).date()


def submit(store: Store, reference: str, to: str, on: date | None = None, *, exercise_confirmed: bool = False) -> Claim:
    claim = find(store, reference)
    if claim.exercise and not exercise_confirmed:
        raise BadInput(EXERCISE_REFUSAL)
    to = " ".join(to.split())
    if not to:
        raise BadInput("say to whom and how it went, e.g. 'accounts payable, Bradford, by secure email'")
    _rule(rules.check_claim_action, claim.status, "submit", claim.reference)
    if any(line.route is Route.CHARGE_S14 for line in store.claims.lines(claim.id)):
        # Drafted before migration 0009: our own clients pay per financial assessment, never at cost.
        raise BadInput(f"{claim.reference} charges our own client at cost, which ss.14 and 17 do not allow: their "
                       "charge follows their financial assessment. Write this draft off (w) with that reason; "
                       "nothing is owed on it")
    when = _on(store, on, claim, after=_built_on(claim), what="submitted")
    reason = f"submitted to {to} on {when:%d/%m/%Y}" + (
        " (exercise: confirmed not sent to a real recipient)" if claim.exercise else "")
    with store.write(reason) as tx:
        return store.claims.change(tx, claim, action="submit", status=S.SUBMITTED, reason=reason, on_date=when,
                                   submitted_on=when, submitted_to=to)


def acknowledge(store: Store, reference: str, on: date | None = None, note: str = "") -> Claim:
    claim = find(store, reference)
    _rule(rules.check_claim_action, claim.status, "acknowledge", claim.reference)
    when = _on(store, on, claim, after=claim.submitted_on, what="acknowledged")
    reason = f"acknowledged on {when:%d/%m/%Y}" + (f": {note.strip()}" if note.strip() else "")
    with store.write(reason) as tx:
        return store.claims.change(tx, claim, action="acknowledge", status=S.ACKNOWLEDGED, reason=reason,
                                   on_date=when, acknowledged_on=when)


def dispute(store: Store, reference: str, reason: str) -> tuple[Claim, str]:
    """The recipient disputes the claim. Returns the claim and what to tell the officer: care continues."""
    claim = find(store, reference)
    reason = " ".join(reason.split())
    if not reason:
        raise BadInput("say what is disputed and why (which lines, and the recipient's reason)")
    _rule(rules.check_claim_action, claim.status, "dispute", claim.reference)
    with store.write(f"disputed: {reason}") as tx:
        claim = store.claims.change(tx, claim, action="dispute", status=S.DISPUTED, reason=f"disputed: {reason}",
                                    on_date=today(store), dispute_reason=reason)
    return claim, (f"{claim.reference} is disputed: {reason}. {CARE_CONTINUES} Money is put right afterwards "
                   "(s.41).")


def record_payment(store: Store, reference: str, amount_pence: int, on: date | None = None, note: str = "") -> Claim:
    claim = find(store, reference)
    _rule(rules.check_claim_action, claim.status, "pay", claim.reference)
    if claim.total_pence <= 0:
        raise BadInput(f"{claim.reference} is a credit of {format_pounds(-claim.total_pence)}: nothing is owed on it")
    if amount_pence <= 0:
        raise BadInput("the payment must be more than £0.00")
    if amount_pence > claim.balance_pence:
        raise BadInput(f"{format_pounds(amount_pence)} is more than the {format_pounds(claim.balance_pence)} still "
                       f"owed on {claim.reference}; record what settles it and refund the rest")
    when = _on(store, on, claim, after=claim.submitted_on, what="paid")
    left = claim.balance_pence - amount_pence
    status = S.PAID if left == 0 else S.PART_PAID
    reason = (f"payment of {format_pounds(amount_pence)} on {when:%d/%m/%Y}; "
              + ("paid in full" if left == 0 else f"{format_pounds(left)} still owed")
              + (f" ({note.strip()})" if note.strip() else ""))
    with store.write(reason) as tx:
        store.claims.add_payment(tx, claim, amount_pence=amount_pence, paid_on=when, note=note.strip())
        return store.claims.change(tx, claim, action="payment", status=status, reason=reason, on_date=when,
                                   amount_pence=amount_pence)


def write_off(store: Store, reference: str, reason: str, rationale: str) -> Claim:
    claim = find(store, reference)
    reason, rationale = " ".join(reason.split()), rationale.strip()
    if not reason or not rationale:
        raise BadInput("writing off needs a reason and the rationale for the decision (brief rule 27)")
    _rule(rules.check_claim_action, claim.status, "write-off", claim.reference)
    amount = claim.balance_pence
    log_reason = f"written off {format_pounds(amount)}: {reason}"
    with store.write(log_reason) as tx:
        decision = store.decisions.add(
            incident_id=claim.incident_id, decided_at=store.clock(), rationale=rationale,
            decision=f"Write off {format_pounds(amount)} of claim {claim.reference} to {claim.recipient_name}: "
                     f"{reason}", powers="council financial regulations")
        return store.claims.change(tx, claim, action="write-off", status=S.WRITTEN_OFF, reason=log_reason,
                                   amount_pence=amount, decision_id=decision.id, written_off_pence=amount,
                                   writeoff_decision_id=decision.id)


# --- balances and ageing -----------------------------------------------------------------------------------------


def age_words(claim: Claim, on: date) -> str:
    """How old a claim is, in words: 'not sent', '31-60 days', 'paid', 'written off'."""
    if claim.status is S.DRAFT:
        return "not sent"
    if claim.status is S.PAID:
        return "paid"
    if claim.status is S.WRITTEN_OFF:
        return "written off"
    if claim.balance_pence <= 0:
        return "credit"
    return rules.age_bucket(rules.age_days(claim.submitted_on, on))


@dataclass(frozen=True)
class Owed:
    """What one body or person owes on submitted claims, by age (from the submission date)."""

    recipient_ref: str
    recipient_name: str
    kind: ClaimKind
    claims: int
    balance_pence: int
    buckets: dict[str, int]  # each of rules.AGE_BUCKETS -> pence
    draft_pence: int  # built but not yet submitted

    @property
    def oldest(self) -> str:
        return next((b for b in reversed(rules.AGE_BUCKETS) if self.buckets[b]), "")


def owed(store: Store, on: date, incident_id: int | None = None) -> list[Owed]:
    """Per body and person: balance of submitted claims in age buckets, and drafts waiting to go; oldest debt first."""
    grouped: dict[str, list[Claim]] = defaultdict(list)
    for claim in store.claims.for_incident(incident_id):
        if claim.status is not S.WRITTEN_OFF:
            grouped[claim.recipient_ref].append(claim)
    out = []
    for ref, claims in grouped.items():
        buckets = dict.fromkeys(rules.AGE_BUCKETS, 0)
        for claim in claims:
            if claim.status in rules.OPEN and claim.balance_pence > 0:
                buckets[rules.age_bucket(rules.age_days(claim.submitted_on, on))] += claim.balance_pence
        drafts = sum(c.total_pence for c in claims if c.status is S.DRAFT)
        out.append(Owed(recipient_ref=ref, recipient_name=claims[0].recipient_name, kind=claims[0].kind,
                        claims=len(claims), balance_pence=sum(buckets.values()), buckets=buckets, draft_pence=drafts))
    order = {b: i for i, b in enumerate(rules.AGE_BUCKETS)}
    return sorted(out, key=lambda o: (-order.get(o.oldest, -1), o.kind is ClaimKind.CHARGE, -o.balance_pence,
                                      o.recipient_name))


def unclaimed_pence(store: Store, incident_id: int) -> int:
    """Recoverable or chargeable shares in the ledger that no claim carries yet."""
    # A share moved by a merge and its transfer cancel out: neither is owed, whatever became of the share.
    # Summed by SQL: a line for everyone in a 50,000-person home is one line with 50,000 shares.
    return store.costs.pages.unclaimed_pence(incident_id, [r.value for r in Route if rules.drafts_a_claim(r)])


# --- ordinary-residence disputes (brief rule 22) --------------------------------------------------------------------


@dataclass(frozen=True)
class DisputeResult:
    dispute: ORDispute
    affected: tuple[Claim, ...]  # claims carrying this person's costs, now shown with an OR DISPUTE marker
    message: str


def add_or_dispute(store: Store, person_id: int, authority: str, reason: str,
                   raised_on: date | None = None) -> DisputeResult:
    """Record that another authority disputes this person's ordinary residence. Care continues; the
    referral date is 4 calendar months on; the person's residence is marked disputed."""
    from contingency.services.people import edit_person

    try:
        person = store.people.get(person_id)
    except NotFound:
        raise BadInput(f"there is no person {person_id}") from None
    try:
        body = store.authorities.resolve(authority)
    except AuthorityNotResolved as exc:
        raise BadInput(f"authority: {exc}") from None
    reason = " ".join(reason.split())
    if not reason:
        raise BadInput("say what is disputed and by whom (e.g. 'Wakefield say she was self-funding in Leeds')")
    when = raised_on or today(store)
    if when > today(store):
        raise BadInput(f"{when:%d/%m/%Y} is in the future; give the date the dispute arose")
    refer = rules.refer_by(when)
    with store.write(f"ordinary residence disputed by {body.nice_name}: {reason}") as tx:
        dispute = store.disputes.add(tx, incident_id=person.incident_id, person_id=person.id, authority_ref=body.ref,
                                     authority_name=body.name, reason=reason, raised_on=when, refer_by=refer)
        if person.facts.or_status is not ORStatus.DISPUTED:
            edit_person(store, person.id, {"or_status": ORStatus.DISPUTED},
                        reason=f"ordinary residence disputed by {body.nice_name} (dispute {dispute.id})")
    affected = tuple(c for c in store.claims.claims_for_person(person.id) if c.status is not S.WRITTEN_OFF)
    route = ("Care Act 2014 Sch 1 para 5 and SI 2014/2843" if body.nation is not Nation.ENGLAND
             else "SI 2014/2829 [verify regulation numbers]")
    message = (f"Dispute {dispute.id} recorded: {body.nice_name} disputes {person.facts.display_name}'s ordinary "
               f"residence. {CARE_CONTINUES} If unresolved, refer it to the Secretary of State by "
               f"{refer:%d/%m/%Y} ({route})."
               + (f" Claims marked OR DISPUTE: {', '.join(c.reference for c in affected)}." if affected else ""))
    return DisputeResult(dispute=dispute, affected=affected, message=message)


def resolve_or_dispute(store: Store, dispute_id: int, resolution: str, on: date | None = None) -> ORDispute:
    try:
        dispute = store.disputes.get(dispute_id)
    except NotFound:
        raise BadInput(f"there is no dispute {dispute_id}") from None
    if dispute.resolved_on is not None:
        raise BadInput(f"dispute {dispute_id} was resolved on {dispute.resolved_on:%d/%m/%Y}")
    resolution = " ".join(resolution.split())
    if not resolution:
        raise BadInput("say how it was resolved (agreed, determined by the Secretary of State, withdrawn ...)")
    when = on or today(store)
    if when > today(store) or when < dispute.raised_on:
        raise BadInput(f"the resolution date must be between {dispute.raised_on:%d/%m/%Y} and today")
    with store.write(f"dispute {dispute_id} resolved: {resolution}") as tx:
        return store.disputes.resolve(tx, dispute, resolved_on=when, resolution=resolution)


def referral_words(dispute: ORDispute, on: date) -> str:
    """The due item, in words: 'refer by 23/03/2027 (120 days)' or 'OVERDUE: refer to the Secretary of State'."""
    if dispute.resolved_on is not None:
        return f"resolved {dispute.resolved_on:%d/%m/%Y}"
    days = (dispute.refer_by - on).days
    if days < 0:
        return f"OVERDUE by {-days} days: refer to the Secretary of State"
    return f"refer by {dispute.refer_by:%d/%m/%Y} if unresolved ({days} days)"


def disputed_claims(store: Store, incident_id: int) -> dict[int, list[ORDispute]]:
    """Claim id -> open ordinary-residence disputes about people on it (the OR DISPUTE marker)."""
    open_disputes: dict[int, list[ORDispute]] = defaultdict(list)
    for dispute in store.disputes.for_incident(incident_id, open_only=True):
        open_disputes[dispute.person_id].append(dispute)
    marked: dict[int, list[ORDispute]] = {}
    for person_id, disputes in open_disputes.items():
        for claim in store.claims.claims_for_person(person_id):
            marked.setdefault(claim.id, []).extend(disputes)
    return marked


# --- reads for the screens (issue 12: the TUI reads through services) -----------------------------------------


def claims_for_incident(store: Store, incident_id: int) -> list[Claim]:
    """The incident's claims and charges."""
    return store.claims.for_incident(incident_id)


def get_claim(store: Store, claim_id: int) -> Claim:
    """One claim by id."""
    return store.claims.get(claim_id)


def claim_lines(store: Store, claim_id: int) -> list[ClaimLine]:
    """The lines on one claim."""
    return store.claims.lines(claim_id)


def claim_events(store: Store, claim_id: int) -> list[ClaimEvent]:
    """Every step one claim has taken, oldest first."""
    return store.claims.events(claim_id)


def people_on_claim(store: Store, claim_id: int) -> set[int]:
    """The ids of the people whose shares are on one claim."""
    return store.claims.people_on(claim_id)


def open_disputes(store: Store, incident_id: int) -> list[ORDispute]:
    """The incident's ordinary-residence disputes not yet resolved."""
    return store.disputes.for_incident(incident_id, open_only=True)
